"""Generate ``vectors/groth16_toy/cases/cubic.json``: a hand-checkable Groth16 key and proof.

Independent of ``zkproof.r1cs.qap``, ``zkproof.groth16.setup`` and ``zkproof.groth16.prove`` on
purpose (it imports nothing from zkproof): the QAP is interpolated naively (Lagrange products,
O(n^2) coefficient arithmetic in plain Python), ``h = (a b - c) / Z`` by long division, and
every group element is ``k * G`` with the slow reference ``py_ecc.bn128``. Only the *conventions*
are shared with snarkjs: the domain ``n = 2^ceil(log2(m + l + 1))``, the extra rows
``A[m + i][i] = 1`` for public wires, and the H basis ``L^{2n}_{2i+1}(tau) / delta``.

Circuit (Vitalik's "QAP from zero to hero"): ``x^3 + x + 5 = out``, wires
``[1, out, x, x2, x3]`` (out public)::

    0:  x  * x  = x2
    1:  x2 * x  = x3
    2:  (x3 + x + 5) * 1 = out

Run:  .venv/bin/python scripts/vectors/gen_groth16_toy.py [OUT.json]   (~4 s)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from py_ecc import bn128

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
OUT = Path(__file__).resolve().parents[2] / "vectors" / "groth16_toy" / "cases" / "cubic.json"

N_WIRES, N_PUBLIC = 5, 1
# rows as {wire: coeff}; wire order [1, out, x, x2, x3]
A = [{2: 1}, {3: 1}, {4: 1, 2: 1, 0: 5}]
B = [{2: 1}, {2: 1}, {0: 1}]
C = [{3: 1}, {4: 1}, {1: 1}]
TOXIC = {"tau": 123456789, "alpha": 11, "beta": 13, "gamma": 17, "delta": 19}
R_BLIND, S_BLIND = 23, 29
X = 3


def inv(a: int) -> int:
    return pow(a % R, R - 2, R)


def domain(n: int) -> list[int]:
    """The n-th roots of unity from the 2-adic generator 5^((r-1)/2^28) (snarkjs' choice)."""
    w = pow(5, (R - 1) // n, R)
    return [pow(w, i, R) for i in range(n)]


def lagrange_value(points: list[int], c: int, x: int) -> int:
    """prod_{j != c} (x - p_j) / (p_c - p_j): the textbook formula, no shortcuts."""
    num, den = 1, 1
    for j, p in enumerate(points):
        if j != c:
            num = num * (x - p) % R
            den = den * (points[c] - p) % R
    return num * inv(den) % R


def poly_mul(a: list[int], b: list[int]) -> list[int]:
    out = [0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] = (out[i + j] + x * y) % R
    return out


def interpolate(points: list[int], values: list[int]) -> list[int]:
    """Coefficients (low first) of the polynomial through (points[c], values[c])."""
    out = [0] * len(points)
    for c, v in enumerate(values):
        basis, den = [1], 1
        for j, p in enumerate(points):
            if j != c:
                basis = poly_mul(basis, [-p % R, 1])
                den = den * (points[c] - p) % R
        k = v * inv(den) % R
        out = [(o + k * b) % R for o, b in zip(out, basis)]
    return out


def divide_by_vanishing(p: list[int], n: int) -> list[int]:
    """p / (x^n - 1); asserts the remainder is zero."""
    p = list(p)
    q = [0] * max(1, len(p) - n)
    for d in range(len(p) - 1, n - 1, -1):
        q[d - n] = p[d]
        p[d - n] = (p[d - n] + p[d]) % R
        p[d] = 0
    assert not any(p), "a*b - c is not divisible by Z: the witness does not satisfy the R1CS"
    return q


def evaluate(p: list[int], x: int) -> int:
    return sum(c * pow(x, i, R) for i, c in enumerate(p)) % R


def g1(k: int):
    pt = bn128.multiply(bn128.G1, k % R)
    return None if pt is None else [str(pt[0].n), str(pt[1].n)]


def g2(k: int):
    pt = bn128.multiply(bn128.G2, k % R)
    if pt is None:
        return None
    return [[str(c) for c in pt[0].coeffs], [str(c) for c in pt[1].coeffs]]


def main(out: Path = OUT) -> None:
    t = TOXIC
    m = len(A)
    n = 1 << (m + N_PUBLIC).bit_length()
    pts = domain(n)
    a_rows = A + [{i: 1} for i in range(N_PUBLIC + 1)]   # snarkjs' extra public rows
    b_rows = B + [{} for _ in range(N_PUBLIC + 1)]
    c_rows = C + [{} for _ in range(N_PUBLIC + 1)]
    lag = [lagrange_value(pts, c, t["tau"]) for c in range(n)]

    def at_tau(rows: list[dict[int, int]], i: int) -> int:
        return sum(row.get(i, 0) * lag[c] for c, row in enumerate(rows)) % R

    u = [at_tau(a_rows, i) for i in range(N_WIRES)]
    v = [at_tau(b_rows, i) for i in range(N_WIRES)]
    w = [at_tau(c_rows, i) for i in range(N_WIRES)]
    k = [(t["beta"] * u[i] + t["alpha"] * v[i] + w[i]) % R for i in range(N_WIRES)]
    pts2 = domain(2 * n)
    h_basis = [lagrange_value(pts2, 2 * i + 1, t["tau"]) * inv(t["delta"]) % R for i in range(n)]

    wit = [1, (X ** 3 + X + 5) % R, X, X * X % R, X ** 3 % R]
    polys = [interpolate(pts, [sum(cf * wit[i] for i, cf in row.items()) % R for row in rows])
             for rows in (a_rows, b_rows, c_rows)]
    ab = poly_mul(polys[0], polys[1])
    h = divide_by_vanishing([(x - (polys[2][i] if i < n else 0)) % R for i, x in enumerate(ab)], n)
    h_z_tau = evaluate(h, t["tau"]) * (pow(t["tau"], n, R) - 1) % R

    r, s = R_BLIND, S_BLIND
    a_s = (t["alpha"] + sum(wi * ui for wi, ui in zip(wit, u)) + r * t["delta"]) % R
    b_s = (t["beta"] + sum(wi * vi for wi, vi in zip(wit, v)) + s * t["delta"]) % R
    priv = sum(wit[i] * k[i] for i in range(N_PUBLIC + 1, N_WIRES))
    c_s = ((priv + h_z_tau) * inv(t["delta"]) + a_s * s + b_s * r - r * s * t["delta"]) % R
    # Groth16's verification equation in the exponent: A B = alpha beta + sum_{i<=l} w_i K_i + C delta.
    pub = sum(wit[i] * k[i] for i in range(N_PUBLIC + 1))
    assert a_s * b_s % R == (t["alpha"] * t["beta"] + pub + c_s * t["delta"]) % R

    coeffs = [[mat, c, s_, str(cf)] for c in range(m)
              for mat, rows in ((0, A), (1, B)) for s_, cf in rows[c].items()]
    coeffs += [[0, m + i, i, "1"] for i in range(N_PUBLIC + 1)]
    case = {
        "description": "x^3 + x + 5 = out with x = 3; wires [1, out, x, x2, x3]; all scalars fixed",
        "r1cs": {"n_wires": N_WIRES, "n_public": N_PUBLIC,
                 "constraints": [[{str(i): str(cf) for i, cf in row.items()} for row in rows]
                                 for rows in zip(A, B, C)]},
        "toxic_waste": {name: str(val) for name, val in t.items()},
        "r": str(r), "s": str(s),
        "witness": [str(x) for x in wit],
        "public": [str(x) for x in wit[1:N_PUBLIC + 1]],
        "domain_size": n,
        "coefficients": coeffs,
        "qap_at_tau": {"u": [str(x) for x in u], "v": [str(x) for x in v], "w": [str(x) for x in w],
                       "h_coefficients": [str(x) for x in h]},
        "proving_key": {
            "alpha_g1": g1(t["alpha"]), "beta_g1": g1(t["beta"]), "beta_g2": g2(t["beta"]),
            "gamma_g2": g2(t["gamma"]), "delta_g1": g1(t["delta"]), "delta_g2": g2(t["delta"]),
            "ic": [g1(k[i] * inv(t["gamma"])) for i in range(N_PUBLIC + 1)],
            "a_query": [g1(x) for x in u], "b_g1_query": [g1(x) for x in v],
            "b_g2_query": [g2(x) for x in v],
            "l_query": [g1(k[i] * inv(t["delta"])) for i in range(N_PUBLIC + 1, N_WIRES)],
            "h_query": [g1(x) for x in h_basis],
        },
        "proof": {"a": g1(a_s), "b": g2(b_s), "c": g1(c_s)},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(case, indent=1) + "\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
