"""Properties of the snarkjs-convention QAP and of the witness map, with galois as the oracle.

* A satisfied R1CS gives ``a b - c`` divisible by ``Z = x^n - 1`` (galois interpolation and
  polynomial division, independent of our kernel NTT); changing any single witness value
  leaves a non-zero remainder.
* ``h_evaluations`` equals ``(a b - c)`` evaluated directly at the odd coset points
  ``w_2n * w_n^i`` (galois polynomials, Horner), for random coefficient sections.
* ``qap_at`` equals the galois Lagrange interpolants of the R1CS columns evaluated at tau.
"""

from __future__ import annotations

import struct

import galois
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import fr_elements
from zkproof.field.fr import R, root_of_unity
from zkproof.groth16.witness_map import h_evaluations
from zkproof.r1cs.constraints import R1CS
from zkproof.r1cs.qap import domain_size, qap_at, row_evaluations

GF = galois.GF(R, primitive_element=5, verify=False)


def _interpolate(values: list[int]) -> galois.Poly:
    n = len(values)
    w = root_of_unity(n)
    return galois.lagrange_poly(GF([pow(w, i, R) for i in range(n)]), GF(values))


def _vanishing(n: int) -> galois.Poly:
    return galois.Poly.Degrees([n, 0], [1, R - 1], field=GF)


@st.composite
def satisfied_r1cs(draw) -> tuple[R1CS, list[int]]:
    """Every wire j >= 1 is the C output of one constraint ``(A_j . w)(B_j . w) = w_j`` over
    wires < j (so changing w_j alone breaks it), plus linear constraints ``A . w * 1 = A . w``."""
    n_pub = draw(st.integers(0, 3))
    n_wires = draw(st.integers(n_pub + 2, 9))
    w = [1]
    cons = []
    for j in range(1, n_wires):
        def row(j=j):
            ks = draw(st.lists(st.integers(0, j - 1), min_size=1, max_size=3, unique=True))
            return {k: draw(fr_elements().filter(bool)) for k in ks}
        a, b = row(), row()
        w.append(sum(c * w[k] for k, c in a.items()) * sum(c * w[k] for k, c in b.items()) % R)
        cons.append((a, b, {j: 1}))
    for _ in range(draw(st.integers(0, 3))):
        ks = draw(st.lists(st.integers(0, n_wires - 1), min_size=1, max_size=3, unique=True))
        a = {k: draw(fr_elements().filter(bool)) for k in ks}
        cons.append((a, {0: 1}, dict(a)))
    order = draw(st.permutations(range(len(cons))))
    r1cs = R1CS(n_wires=n_wires, n_pub_out=0, n_pub_in=n_pub, n_prv_in=0,
                constraints=[cons[i] for i in order])
    return r1cs, w


def _remainder(r1cs: R1CS, w: list[int]) -> galois.Poly:
    a, b, c = (_interpolate(ev) for ev in row_evaluations(r1cs, w))
    return (a * b - c) % _vanishing(domain_size(r1cs.n_constraints, r1cs.n_public))


@settings(max_examples=15, deadline=None)
@given(satisfied_r1cs())
def test_satisfied_r1cs_gives_ab_minus_c_divisible_by_z(case):
    r1cs, w = case
    assert r1cs.first_unsatisfied(w) is None
    assert _remainder(r1cs, w) == 0


@settings(max_examples=15, deadline=None)
@given(satisfied_r1cs(), st.data())
def test_any_single_changed_witness_value_breaks_divisibility(case, data):
    r1cs, w = case
    j = data.draw(st.integers(1, r1cs.n_wires - 1))
    bad = list(w)
    bad[j] = (bad[j] + data.draw(st.integers(1, R - 1))) % R
    assert r1cs.first_unsatisfied(bad) is not None
    assert _remainder(r1cs, bad) != 0


@settings(max_examples=8, deadline=None)
@given(satisfied_r1cs(), fr_elements())
def test_qap_at_tau_matches_galois_interpolation(case, tau):
    r1cs, _ = case
    u, v, w, n = qap_at(r1cs, tau)
    m = r1cs.n_constraints
    # L_c(tau) as galois' Lagrange interpolant of the unit vector e_c, evaluated at tau
    lag = [int(_interpolate([int(i == c) for i in range(n)])(GF(tau))) for c in range(n)]
    for wire in range(r1cs.n_wires):
        cols = [[row.get(wire, 0) for row in (con[k] for con in r1cs.constraints)] + [0] * (n - m)
                for k in range(3)]
        if wire <= r1cs.n_public:
            cols[0][m + wire] = 1  # snarkjs' extra public rows
        want = [sum(x * y for x, y in zip(col, lag)) % R for col in cols]
        assert want == [u[wire], v[wire], w[wire]]


@st.composite
def coeff_sections(draw) -> tuple[bytes, bytes, int]:
    n = draw(st.sampled_from([2, 4, 8, 16]))
    n_vars = draw(st.integers(1, 6))
    entries = draw(st.lists(st.tuples(st.integers(0, 1), st.integers(0, n - 1),
                                      st.integers(0, n_vars - 1), fr_elements()), max_size=24))
    body = struct.pack("<I", len(entries)) + b"".join(
        struct.pack("<III", m, c, s) + v.to_bytes(32, "little") for m, c, s, v in entries)
    wit = [1] + draw(st.lists(fr_elements(), min_size=n_vars - 1, max_size=n_vars - 1))
    return body, b"".join(x.to_bytes(32, "little") for x in wit), n


@settings(max_examples=30, deadline=None)
@given(coeff_sections())
def test_h_evaluations_match_direct_coset_evaluation(case):
    body, witness, n = case
    r2_inv = pow(pow(2, 512, R), -1, R)  # stored values are c * (2^256)^2
    a, b = [0] * n, [0] * n
    for i in range(struct.unpack_from("<I", body)[0]):
        m, c, s = struct.unpack_from("<III", body, 4 + 44 * i)
        val = int.from_bytes(body[4 + 44 * i + 12:4 + 44 * (i + 1)], "little") * r2_inv
        (a, b)[m][c] = ((a, b)[m][c] + val * int.from_bytes(witness[32 * s:32 * s + 32], "little")) % R
    pa, pb = _interpolate(a), _interpolate(b)
    pc = _interpolate([x * y % R for x, y in zip(a, b)])
    g, wn = root_of_unity(2 * n), root_of_unity(n)
    pts = GF([g * pow(wn, i, R) % R for i in range(n)])
    want = pa(pts) * pb(pts) - pc(pts)
    got = h_evaluations(body, witness, n)
    assert [int.from_bytes(got[32 * i:32 * i + 32], "little") for i in range(n)] == [int(x) for x in want]


def test_h_evaluations_reject_out_of_range_coefficient():
    body = struct.pack("<I", 1) + struct.pack("<III", 0, 4, 0) + (1).to_bytes(32, "little")
    with pytest.raises(ValueError, match="out of range"):
        h_evaluations(body, (1).to_bytes(32, "little"), 4)


def test_domain_size_follows_snarkjs():
    # snarkjs: 2^(log2(m + l + 1 - 1) + 1) with floor log2; log2(0) = 0
    assert [domain_size(m, l) for m, l in [(0, 0), (1, 0), (3, 1), (3, 4), (452, 3), (508, 3)]] == \
        [2, 2, 8, 8, 512, 512]
    assert domain_size(509, 3) == 1024
