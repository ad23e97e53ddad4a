"""Gadgets ``boolean`` and ``bits``: valid and invalid assignments, counts, pinned hints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import fr_elements
from tests.test_gadget_support import assert_hints_pinned, fails_at, solve_ok
from zkproof.field.fr import R
from zkproof.gadgets.bits import bits_to_num, num_to_bits
from zkproof.gadgets.boolean import assert_boolean, assert_nonzero, is_zero, select
from zkproof.r1cs.system import ConstraintSystem


def _boolean_cs():
    cs = ConstraintSystem()
    b = cs.private("b")
    with cs.namespace("g"):
        assert_boolean(cs, b)
    return cs


@pytest.mark.parametrize("v", [0, 1])
def test_boolean_accepts_bits(v):
    cs = _boolean_cs()
    assert cs.num_constraints == 1
    solve_ok(cs, {"b": v})


@pytest.mark.parametrize("v", [2, R - 1, R // 2])
def test_non_boolean_rejected(v):
    assert fails_at(_boolean_cs(), {"b": v}) == "g/boolean"


def _select_cs():
    cs = ConstraintSystem()
    b, x, y = cs.private("b"), cs.private("x"), cs.private("y")
    assert_boolean(cs, b)
    out = select(cs, b, x, y)
    return cs, out


@pytest.mark.parametrize("bit,want", [(1, 10), (0, 20)])
def test_select(bit, want):
    cs, out = _select_cs()
    assert cs.num_constraints == 2
    a = solve_ok(cs, {"b": bit, "x": 10, "y": 20})
    assert a[out] == want
    assert_hints_pinned(cs, {"b": bit, "x": 10, "y": 20}, {"out": out})


def test_select_wrong_output_rejected():
    cs, out = _select_cs()
    assert fails_at(cs, {"b": 1, "x": 10, "y": 20}, {out: 20}) == "select"


def _is_zero_cs():
    cs = ConstraintSystem()
    x = cs.private("x")
    return cs, is_zero(cs, x)


@pytest.mark.parametrize("x,want", [(0, 1), (1, 0), (R - 1, 0), (12345, 0)])
def test_is_zero(x, want):
    cs, out = _is_zero_cs()
    assert cs.num_constraints == 2
    assert solve_ok(cs, {"x": x})[out] == want
    assert_hints_pinned(cs, {"x": x}, {"out": out})


@pytest.mark.parametrize("x,forged", [(0, 0), (7, 1)])
def test_is_zero_forged_output_rejected(x, forged):
    cs, out = _is_zero_cs()
    out_var = cs.hints[1].outputs[0]
    assert fails_at(cs, {"x": x}, {out_var: forged}) in ("is_zero/inverse", "is_zero/zero_product")


def test_assert_nonzero():
    cs = ConstraintSystem()
    x = cs.private("x")
    assert_nonzero(cs, x)
    assert cs.num_constraints == 1
    solve_ok(cs, {"x": 5})
    assert fails_at(cs, {"x": 0}) == "nonzero"
    assert fails_at(cs, {"x": 0}, {cs.hints[0].outputs[0]: 1}) == "nonzero"


def _bits_cs(n):
    cs = ConstraintSystem()
    x = cs.private("x")
    bits = num_to_bits(cs, x, n, "n2b")
    return cs, bits


@pytest.mark.parametrize("n", [1, 8, 64, 253])
def test_num_to_bits_count_and_values(n):
    cs, bits = _bits_cs(n)
    assert cs.num_constraints == n + 1
    x = (1 << n) - 1 if n < 253 else R // 3
    a = solve_ok(cs, {"x": x})
    assert [a[b] for b in bits] == [(x >> i) & 1 for i in range(n)]
    assert a[bits_to_num(bits)] == x


@pytest.mark.parametrize("n", [1, 8, 64])
def test_num_to_bits_rejects_2_pow_n(n):
    cs, _ = _bits_cs(n)
    assert fails_at(cs, {"x": 1 << n}) == "n2b/recompose"


def test_num_to_bits_forged_bit_2_rejected():
    cs, bits = _bits_cs(8)
    # x = 4 written as bit_1 = 2 (2 * 2 = 4): recomposition holds, booleanity does not.
    assert fails_at(cs, {"x": 4}, {bits[1]: 2, bits[2]: 0}) == "n2b/bit_1_boolean"


def test_num_to_bits_width_limits():
    cs = ConstraintSystem()
    with pytest.raises(ValueError, match="1..253"):
        num_to_bits(cs, cs.private("x"), 254)
    with pytest.raises(ValueError):
        num_to_bits(cs, cs.private("y"), 0)


@given(fr_elements())
def test_num_to_bits_property(x):
    """Every field element below 2^64 decomposes; every other one breaks recomposition."""
    cs, _ = _bits_cs(64)
    if x < 1 << 64:
        solve_ok(cs, {"x": x})
    else:
        assert fails_at(cs, {"x": x}) == "n2b/recompose"


@given(st.integers(0, (1 << 16) - 1))
def test_num_to_bits_hints_pinned(x):
    cs, bits = _bits_cs(16)
    assert_hints_pinned(cs, {"x": x}, {f"b{i}": b for i, b in enumerate(bits)}, seed=x)
