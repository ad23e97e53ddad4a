"""R1CS -> QAP in snarkjs' convention (``zkey_new.js``), the instance map used by the setup.

Symbol map (Groth 2016 §2.3; arkworks ``r1cs_to_qap.rs``):

* ``m``            -- number of R1CS constraints; ``l`` -- public signals (outputs + inputs).
* ``n``            -- the domain size: the smallest power of two ``>= m + l + 1`` (and >= 2),
  ``H = {w_n^c}``; row ``c`` of the QAP lives at the point ``w_n^c`` (``w_n`` = ``fr.root_of_unity``).
* ``u_i, v_i, w_i`` -- the wire polynomials: ``u_i(w_n^c) = A[c][i]``, likewise B/v and C/w.
* extra rows: ``A[m + i][i] = 1`` for the public wires i = 0..l (B, C are zero there). They make
  ``u_0..u_l`` linearly independent, so a public input cannot be moved into another wire's
  polynomial (Groth16's requirement; snarkjs adds them, ATTACKS A17).
* ``L_c(x)``       -- the Lagrange basis of ``H``: ``L_c(x) = (x^n - 1) w_n^c / (n (x - w_n^c))``.

zkey section 4 lists only A and B (matrix 0 and 1): per constraint, A's terms then B's terms in
the ``.r1cs`` order, then the extra rows; each as ``(u32 matrix, u32 row, u32 signal, value * R^2
mod r)`` (snarkjs ``writeFr2``, ``R = 2^256``). The prover rebuilds C on the domain as ``A o B``.
"""

from __future__ import annotations

import struct

from zkproof.field.fr import R, batch_inverse, root_of_unity
from zkproof.r1cs.constraints import R1CS

_MONT_R2 = pow(2, 512, R)


def domain_size(n_constraints: int, n_public: int) -> int:
    """``2^ceil(log2(m + l + 1))``, at least 2 (snarkjs: ``log2(m + l + 1 - 1) + 1``)."""
    return 1 << max(1, (n_constraints + n_public).bit_length())


def coefficient_section(r1cs: R1CS) -> bytes:
    """The body of zkey section 4 for ``r1cs``, byte-identical to snarkjs' ``zkey new``."""
    entries = []
    for c, (a, b, _) in enumerate(r1cs.constraints):
        entries += [(0, c, s, v) for s, v in a.items()]
        entries += [(1, c, s, v) for s, v in b.items()]
    m = r1cs.n_constraints
    entries += [(0, m + i, i, 1) for i in range(r1cs.n_public + 1)]
    pack = struct.Struct("<III").pack
    body = [struct.pack("<I", len(entries))]
    body += [pack(mat, row, sig) + (v * _MONT_R2 % R).to_bytes(32, "little")
             for mat, row, sig, v in entries]
    return b"".join(body)


def lagrange_at(x: int, n: int) -> list[int]:
    """``[L_c(x) for c < n]`` for the domain of size ``n`` (exact also when ``x`` is in it)."""
    omega = root_of_unity(n)
    points = [1] * n
    for c in range(1, n):
        points[c] = points[c - 1] * omega % R
    x %= R
    if x in points:
        return [int(p == x) for p in points]
    zn = (pow(x, n, R) - 1) * pow(n, -1, R) % R
    inv = batch_inverse([(x - p) % R for p in points])
    return [zn * p % R * i % R for p, i in zip(points, inv)]


def qap_at(r1cs: R1CS, x: int) -> tuple[list[int], list[int], list[int], int]:
    """``(u_i(x), v_i(x), w_i(x))`` for every wire i, and the domain size, in snarkjs' QAP."""
    n = domain_size(r1cs.n_constraints, r1cs.n_public)
    lag = lagrange_at(x, n)
    u, v, w = ([0] * r1cs.n_wires for _ in range(3))
    for c, rows in enumerate(r1cs.constraints):
        for acc, row in zip((u, v, w), rows):
            for i, coef in row.items():
                acc[i] = (acc[i] + coef * lag[c]) % R
    for i in range(r1cs.n_public + 1):
        u[i] = (u[i] + lag[r1cs.n_constraints + i]) % R
    return u, v, w, n


def row_evaluations(r1cs: R1CS, witness: list[int]) -> tuple[list[int], list[int], list[int]]:
    """``a, b, c`` on the domain (``a(w_n^c) = <A_c, w>`` ...), extra public rows included."""
    n = domain_size(r1cs.n_constraints, r1cs.n_public)
    out = tuple([0] * n for _ in range(3))
    for k, rows in enumerate(r1cs.constraints):
        for ev, row in zip(out, rows):
            ev[k] = sum(coef * witness[i] for i, coef in row.items()) % R
    for i in range(r1cs.n_public + 1):
        out[0][r1cs.n_constraints + i] = witness[i] % R
    return out
