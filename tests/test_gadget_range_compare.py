"""Range checks and comparisons: aliasing (A4), wrap-around, counts, pinned hints (A5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import fr_elements
from tests.test_gadget_support import (
    assert_hints_pinned,
    assert_overrides_never_satisfy,
    fails_at,
    solve_ok,
)
from zkproof.field.fr import R
from zkproof.gadgets.compare import assert_nonnegative, less_or_equal, less_than
from zkproof.gadgets.range_check import assert_in_range, assert_signed_in_range
from zkproof.r1cs.system import ConstraintSystem


def _range_cs(n):
    cs = ConstraintSystem()
    assert_in_range(cs, cs.private("x"), n)
    return cs


@pytest.mark.parametrize("n", [1, 8, 64, 252])
def test_in_range_valid(n):
    cs = _range_cs(n)
    assert cs.num_constraints == n + 1
    for x in (0, 1, (1 << n) - 1):
        solve_ok(cs, {"x": x})


@pytest.mark.parametrize("n", [1, 8, 64, 252])
@pytest.mark.parametrize("bad", ["2^n", "r-1", "r-2^n", "2^n+1"])
def test_balance_wraps_field(n, bad):
    """x = 2^n, r - 1 (= -1), r - 2^n (= -2^n), 2^n + 1 all fail the recomposition."""
    x = {"2^n": 1 << n, "r-1": R - 1, "r-2^n": R - (1 << n), "2^n+1": (1 << n) + 1}[bad]
    assert fails_at(_range_cs(n), {"x": x}) == "range/recompose"


def test_range_alias_decomposition_rejected():
    """A4: x = r - 1 with bits of (r - 1) - r = -1 mod 2^252 (a non-canonical "alias")."""
    cs = _range_cs(252)
    bits = cs.hints[0].outputs
    alias = (R - 1) % (1 << 252)
    ovr = {b: (alias >> i) & 1 for i, b in enumerate(bits)}
    assert fails_at(cs, {"x": R - 1}, ovr) == "range/recompose"


@pytest.mark.parametrize("x", [1 << 16, R - 1, R - (1 << 16)])
def test_range_hints_cannot_admit_out_of_range(x):
    assert_overrides_never_satisfy(_range_cs(16), {"x": x})


def test_range_width_limit():
    with pytest.raises(ValueError, match="1..252"):
        _range_cs(253)


@given(fr_elements())
def test_in_range_property(x):
    """in range <=> satisfied; out of range fails at the named recomposition."""
    cs = _range_cs(64)
    if x < 1 << 64:
        solve_ok(cs, {"x": x})
    else:
        assert fails_at(cs, {"x": x}) == "range/recompose"


def _signed_cs(n):
    cs = ConstraintSystem()
    assert_signed_in_range(cs, cs.private("q"), n)
    return cs


@pytest.mark.parametrize("n", [8, 64])
def test_signed_valid(n):
    cs = _signed_cs(n)
    assert cs.num_constraints == n + 2
    half = 1 << (n - 1)
    for q in (0, 1, -1, half - 1, -(half - 1)):
        solve_ok(cs, {"q": q % R})
    assert_overrides_never_satisfy(cs, {"q": half})  # A5: no tampered hint admits 2^(n-1)
    assert_overrides_never_satisfy(cs, {"q": R - half})


@pytest.mark.parametrize("n", [8, 64])
def test_position_out_of_signed_range(n):
    half = 1 << (n - 1)
    cs = _signed_cs(n)
    assert fails_at(cs, {"q": half}) == "signed_range/not_upper_bound"
    assert fails_at(cs, {"q": R - half}) == "signed_range/bits/recompose"  # -2^(n-1)
    for q in (half + 1, 1 << n, R - half - 1, R - (1 << n), R // 2):
        assert fails_at(cs, {"q": q}) == "signed_range/bits/recompose", q


@given(st.integers(-(1 << 64), 1 << 64))
def test_signed_property(q):
    cs = _signed_cs(64)
    ok = -(1 << 63) < q < 1 << 63
    assert (fails_at(cs, {"q": q % R}) is None) == ok


def _cmp_cs(fn, n, check_inputs=True):
    cs = ConstraintSystem()
    out = fn(cs, cs.private("a"), cs.private("b"), n, check_inputs=check_inputs)
    return cs, out


@pytest.mark.parametrize("fn,op", [(less_than, int.__lt__), (less_or_equal, int.__le__)])
@pytest.mark.parametrize("a,b", [(0, 0), (3, 5), (5, 3), (7, 7), (0, 255), (255, 0), (255, 255)])
def test_compare_values(fn, op, a, b):
    cs, out = _cmp_cs(fn, 8)
    assert solve_ok(cs, {"a": a, "b": b})[out] == int(op(a, b))


@pytest.mark.parametrize("fn", [less_than, less_or_equal])
def test_compare_counts(fn):
    assert _cmp_cs(fn, 64)[0].num_constraints == 3 * 64 + 4
    assert _cmp_cs(fn, 64, check_inputs=False)[0].num_constraints == 64 + 2
    assert _cmp_cs(fn, 252)[0].num_constraints == 3 * 252 + 4
    with pytest.raises(ValueError, match="1..252"):
        _cmp_cs(fn, 253)


@pytest.mark.parametrize("fn", [less_than, less_or_equal])
def test_compare_operand_out_of_range(fn):
    cs, _ = _cmp_cs(fn, 8)
    name = fn.__name__
    assert fails_at(cs, {"a": 256, "b": 3}) == f"{name}/a_range/recompose"
    assert fails_at(cs, {"a": 3, "b": R - 1}) == f"{name}/b_range/recompose"


@pytest.mark.parametrize("fn", [less_than, less_or_equal])
def test_comparator_alias_hint(fn):
    """A4: flipping the result bit (forging a < b) breaks the recomposition."""
    cs, out = _cmp_cs(fn, 16)
    diff_bits = cs.hints[-1].outputs
    assert fails_at(cs, {"a": 9, "b": 4}, {diff_bits[16]: 0}) == f"{fn.__name__}/diff/recompose"


@pytest.mark.parametrize("fn", [less_than, less_or_equal])
@given(a=st.integers(0, 2**16 - 1), b=st.integers(0, 2**16 - 1))
def test_compare_hints_pinned(fn, a, b):
    cs, out = _cmp_cs(fn, 16, check_inputs=False)
    assert_hints_pinned(cs, {"a": a, "b": b}, {"out": out}, seed=a ^ b)


def _nonneg_cs(n):
    cs = ConstraintSystem()
    assert_nonnegative(cs, cs.private("e"), n)
    return cs


def test_nonnegative():
    cs = _nonneg_cs(100)
    assert cs.num_constraints == 101
    for e in (0, 1, (1 << 100) - 1):
        solve_ok(cs, {"e": e})
    for e in (-1, -(1 << 99), -(1 << 100), 1 << 100):
        assert fails_at(cs, {"e": e % R}) == "nonnegative/recompose", e


@given(st.integers(-(1 << 120), 1 << 120))
def test_nonnegative_property(e):
    """For |E| < 2^120 <= 2^252: satisfied iff E >= 0 (a negative E is r - |E|, no alias)."""
    cs = _nonneg_cs(120)
    assert (fails_at(cs, {"e": e % R}) is None) == (0 <= e < 1 << 120)
