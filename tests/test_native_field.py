"""Native kernel field arithmetic, NTT and witness map against independent oracles.

* F_r: galois (``GF(R, primitive_element=5, verify=False)``, session-scoped) and Python ints;
* F_q, F_q2: Python ints and py_ecc's ``FQ2`` (u^2 = -1);
* NTT: the pure-Python backend and a direct O(n^2) evaluation ``sum_i v_i (g w^j)^i`` on small n
  (``galois.ntt`` spends ~100 s compiling for this field, so it is not used);
* ``h_evaluations``: the pure-Python reference and ``zkproof.groth16.witness_map``.
"""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from py_ecc.fields import optimized_bn128_FQ2 as FQ2

from tests.strategies import fq_elements, fr_elements
from zkproof._native import kernel as native  # a missing build fails these tests, never skips
from zkproof.curve.bn254 import P
from zkproof.field.fr import R, root_of_unity
from zkproof.kernel import python_backend as ref


def _b(x: int) -> bytes:
    return x.to_bytes(32, "little")


def _i(b: bytes) -> int:
    return int.from_bytes(b, "little")


@pytest.fixture(scope="session")
def gf_r():
    galois = pytest.importorskip("galois")
    return galois.GF(R, primitive_element=5, verify=False)


# --- field arithmetic ----------------------------------------------------------------------

@given(fr_elements(), fr_elements())
def test_fr_ops_match_galois(gf_r, field_path, a, b):
    x, y = gf_r(a), gf_r(b)
    assert _i(native._field_op("fr", "mul", _b(a), _b(b))) == int(x * y)
    assert _i(native._field_op("fr", "add", _b(a), _b(b))) == int(x + y)
    assert _i(native._field_op("fr", "sub", _b(a), _b(b))) == int(x - y)
    assert _i(native._field_op("fr", "neg", _b(a), _b(b))) == int(-x)
    assert _i(native._field_op("fr", "sqr", _b(a), _b(b))) == int(x * x)
    assert _i(native._field_op("fr", "inv", _b(a), _b(b))) == (int(x ** -1) if a else 0)


@given(fq_elements(), fq_elements())
def test_fq_ops_match_python(field_path, a, b):
    assert _i(native._field_op("fq", "mul", _b(a), _b(b))) == a * b % P
    assert _i(native._field_op("fq", "add", _b(a), _b(b))) == (a + b) % P
    assert _i(native._field_op("fq", "sub", _b(a), _b(b))) == (a - b) % P
    assert _i(native._field_op("fq", "inv", _b(a), _b(b))) == (pow(a, -1, P) if a else 0)
    # Unreduced inputs (up to 2^256 - 1) are reduced first, like the LEM loaders.
    big = 2**256 - 1 - a
    assert _i(native._field_op("fq", "add", _b(big), _b(0))) == big % P


@given(fq_elements(), fq_elements(), fq_elements(), fq_elements())
def test_fq2_ops_match_py_ecc(field_path, a0, a1, b0, b1):
    x, y = FQ2([a0, a1]), FQ2([b0, b1])
    ab, bb = _b(a0) + _b(a1), _b(b0) + _b(b1)

    def op(name):
        out = native._field_op("fq2", name, ab, bb)
        return [_i(out[:32]), _i(out[32:])]

    assert op("mul") == [int(c) for c in (x * y).coeffs]
    assert op("sqr") == [int(c) for c in (x * x).coeffs]
    assert op("sub") == [int(c) for c in (x - y).coeffs]
    if a0 or a1:
        assert op("inv") == [int(c) for c in (FQ2.one() / x).coeffs]


def test_field_op_rejects_bad_input():
    assert native._field_op("fr", "mul", _b(2), _b(3)) == _b(6)
    with pytest.raises(ValueError):
        native._field_op("fr", "mul", _b(2)[:31], _b(3))
    with pytest.raises(ValueError):
        native._field_op("fx", "mul", _b(2), _b(3))
    with pytest.raises(ValueError):
        native._field_op("fr", "pow", _b(2), _b(3))


# --- NTT -----------------------------------------------------------------------------------

def _direct(values: list[int], shift: int) -> list[int]:
    n = len(values)
    w = root_of_unity(n)
    return [sum(v * pow(shift * pow(w, j, R), i, R) for i, v in enumerate(values)) % R for j in range(n)]


@given(st.integers(0, 5).flatmap(lambda k: st.lists(fr_elements(), min_size=2**k, max_size=2**k)),
       st.sampled_from([1, 5, 7, root_of_unity(64), R - 1]))
def test_ntt_matches_reference_and_direct(values, shift):
    buf = b"".join(_b(v) for v in values)
    fwd = native.fr_ntt(buf, shift=shift)
    assert fwd == ref.fr_ntt(buf, shift=shift)
    assert [_i(fwd[i:i + 32]) for i in range(0, len(fwd), 32)] == _direct(values, shift)
    back = native.fr_ntt(fwd, inverse=True, shift=shift)
    assert back == ref.fr_ntt(fwd, inverse=True, shift=shift)
    assert back == b"".join(_b(v % R) for v in values)


@pytest.mark.parametrize("log_n", [12, 13])
def test_ntt_threaded_sizes_round_trip(field_path, log_n):
    """Sizes that take the multi-threaded path: inverse(forward(v)) == v, and one spot value."""
    rnd = random.Random(log_n)
    n = 1 << log_n
    values = [rnd.randrange(R) for _ in range(n)]
    buf = b"".join(_b(v) for v in values)
    g = root_of_unity(2 * n)
    fwd = native.fr_ntt(buf, shift=g)
    j = 1234
    x = g * pow(root_of_unity(n), j, R) % R
    assert _i(fwd[32 * j:32 * j + 32]) == sum(v * pow(x, i, R) for i, v in enumerate(values)) % R
    assert native.fr_ntt(fwd, inverse=True, shift=g) == buf
    assert native.fr_ntt(fwd, inverse=True) != buf          # wrong coset: wrong coefficients


def test_ntt_edge_and_errors():
    one = _b(R + 3)                      # unreduced: n = 1 forward is the identity in both
    assert native.fr_ntt(one) == ref.fr_ntt(one)
    assert native.fr_ntt(one, inverse=True) == ref.fr_ntt(one, inverse=True) == _b(3)
    assert native.fr_ntt(_b(1) + _b(2), shift=0) == ref.fr_ntt(_b(1) + _b(2), shift=0)
    assert native.fr_ntt(bytearray(_b(9) * 4), shift=-1) == ref.fr_ntt(_b(9) * 4, shift=-1)
    for bad in (b"", _b(1) * 3, _b(1) * 6):
        with pytest.raises(ValueError, match="power of two"):
            native.fr_ntt(bad)
    with pytest.raises(ValueError, match="multiple of"):
        native.fr_ntt(bytes(33))
    with pytest.raises(ValueError, match="not invertible"):
        native.fr_ntt(_b(1) * 2, inverse=True, shift=R)


# --- witness map ---------------------------------------------------------------------------

def _section4(rnd: random.Random, n: int, n_vars: int, count: int) -> bytes:
    rows = [struct.pack("<III", rnd.randrange(2), rnd.randrange(n), rnd.randrange(n_vars))
            + _b(rnd.choice([1, R - 1, rnd.randrange(R)])) for _ in range(count)]
    return struct.pack("<I", count) + b"".join(rows)


@pytest.mark.parametrize("n,n_vars,count", [(1, 2, 2), (2, 3, 5), (8, 10, 30), (64, 40, 300)])
def test_h_evaluations_matches_reference(n, n_vars, count):
    from zkproof.groth16 import witness_map

    rnd = random.Random(n)
    coeffs = _section4(rnd, n, n_vars, count)
    wit = b"".join(_b(rnd.choice([0, 1, R - 1, rnd.randrange(2**64), rnd.randrange(R)]))
                   for _ in range(n_vars))
    got = native.h_evaluations(coeffs, wit, n)
    assert got == ref.h_evaluations(coeffs, wit, n) == witness_map.h_evaluations(coeffs, wit, n)
    changed = wit[:-32] + _b((_i(wit[-32:]) + 1) % R)
    assert native.h_evaluations(coeffs, changed, n) == ref.h_evaluations(coeffs, changed, n)


def test_h_evaluations_threaded_size():
    rnd = random.Random(5)
    n, n_vars = 4096, 300
    coeffs = _section4(rnd, n, n_vars, 6000)
    wit = b"".join(_b(rnd.randrange(R)) for _ in range(n_vars))
    assert native.h_evaluations(coeffs, wit, n) == ref.h_evaluations(coeffs, wit, n)


def test_h_evaluations_rejects_malformed():
    rnd = random.Random(6)
    coeffs = _section4(rnd, 4, 3, 5)
    wit = _b(1) * 3
    assert len(native.h_evaluations(coeffs, wit, 4)) == 128
    with pytest.raises(ValueError, match="expected"):
        native.h_evaluations(coeffs[:-1], wit, 4)
    with pytest.raises(ValueError, match="out of range"):
        native.h_evaluations(coeffs, wit[:64], 4)                   # signal 2 missing
    bad_m = coeffs[:4] + struct.pack("<I", 2) + coeffs[8:]
    with pytest.raises(ValueError, match="out of range"):
        native.h_evaluations(bad_m, wit, 4)
    with pytest.raises(ValueError, match="out of range"):
        native.h_evaluations(coeffs, wit, 2)                        # rows >= domain
    with pytest.raises(ValueError, match="power of two"):
        native.h_evaluations(struct.pack("<I", 0), wit, 6)
