"""Range checks by lookup tables: limbs, the top limb (GHSA-rjjm-x32p-m3f7), the cost model,
aliases (A4), every hint tampered (A5), and the challenge chosen by the prover."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from tests.strategies import fr_elements
from tests.test_gadget_support import assert_hints_pinned, assert_overrides_never_satisfy, fails_at, solve_ok
from zkproof.field.fr import R
from zkproof.gadgets.lookup import Lookups
from zkproof.gadgets.range_lookup import RangeChecker, limb_layout, plan
from zkproof.r1cs.system import ConstraintSystem


def _range_cs(widths, base_bits=None, top_mode=None):
    cs = ConstraintSystem()
    lk = Lookups(cs)
    rc = RangeChecker(lk, base_bits=base_bits, top_mode=top_mode)
    for i, w in enumerate(widths):
        rc.check(cs.private(f"x{i}"), w)
    lk.finalize()
    return cs, rc


def _x(*vals):
    return {f"x{i}": v for i, v in enumerate(vals)}


@pytest.mark.parametrize("top_mode", ["shift", "table"])
def test_top_limb_7_bits_base_4_refuses_2_pow_7(top_mode):
    """GHSA-rjjm-x32p-m3f7: a 7-bit check with 4-bit limbs must refuse 2^7 (limbs 0, 8 are
    both in the 16-row table) and every value up to 2^8 - 1."""
    cs, rc = _range_cs([7], base_bits=4, top_mode=top_mode)
    assert rc.plan.top_mode == {3: top_mode}
    for x in (0, 1, 100, 127):
        solve_ok(cs, _x(x))
    for x in (128, 129, 200, 255, 256, R - 1):
        assert fails_at(cs, _x(x)) is not None, x
    assert_overrides_never_satisfy(cs, _x(128))
    assert_overrides_never_satisfy(cs, _x(255))


def test_top_limb_unshifted_would_accept_2_pow_7():
    """Why the top limb needs its own bound: the same limbs with only the 16-row table (the
    vulnerable layout) accept 2^7 for a 7-bit check."""
    cs = ConstraintSystem()
    lk = Lookups(cs)
    t = lk.table("range_4", range(16))
    x = cs.private("x0")
    lo = cs.hint(lambda v: v & 15, [x], "lo")
    lk.query(t, lo)
    lk.query(t, (x - lo) * pow(16, -1, R))
    lk.finalize()
    assert fails_at(cs, _x(128)) is None


@pytest.mark.parametrize("w,b", [(1, 1), (1, 4), (4, 4), (7, 4), (8, 4), (13, 10), (16, 5),
                                 (64, 10), (64, 8), (64, 6), (252, 10), (252, 9)])
@pytest.mark.parametrize("top_mode", ["shift", "table"])
def test_range_boundaries(w, b, top_mode):
    cs, _ = _range_cs([w, w], base_bits=b, top_mode=top_mode)
    solve_ok(cs, _x(0, (1 << w) - 1))
    solve_ok(cs, _x((1 << w) - 1, ((1 << w) - 1) // 3))
    for bad in (1 << w, (1 << w) + 1, R - 1, R - (1 << w), (1 << w) * 3):
        assert fails_at(cs, _x(0, bad)) is not None, bad


@pytest.mark.parametrize("w,b", [(252, 10), (64, 10)])
def test_limbs_cannot_alias_r_minus_1(w, b):
    """A4: x = r - 1 with the limbs of (r - 1) mod 2^w or of r - 1 - r: the top limb is then
    a huge field element, out of every table."""
    cs, _ = _range_cs([w], base_bits=b)
    limbs = cs.hints[0].outputs
    for target in ((R - 1) % (1 << w), (R - 1) & ((1 << (b * len(limbs))) - 1)):
        ovr = {v: (target >> (b * i)) & ((1 << b) - 1) for i, v in enumerate(limbs)}
        assert fails_at(cs, _x(R - 1), ovr) is not None


@pytest.mark.parametrize("widths", [[64], [64] * 5, [7, 7, 7], [1, 2, 3, 64, 100, 252],
                                    [12] * 40, [17, 33, 64, 64, 64]])
def test_cost_model_is_the_built_count(widths):
    cs, rc = _range_cs(widths)
    assert cs.num_constraints == rc.plan.constraints + 1  # + the commitment's hiding row
    for b in (3, 8, 11):
        for mode in ("shift", "table"):
            cs, rc = _range_cs(widths, base_bits=b, top_mode=mode)
            assert cs.num_constraints == rc.plan.constraints + 1


def test_plan_for_the_benchmark_shape():
    """2^14 checks of 64 bits: b = 13 (5 limbs, top 12 bits in a 2^12 table), 5.75 per check;
    every other base costs more."""
    p = plan([64] * (1 << 14))
    assert (p.base_bits, p.top_mode) == (13, {12: "table"})
    assert p.constraints == 8193 + 5 * (1 << 14) + 4097
    assert all(plan([64] * (1 << 14), base_bits=b).constraints > p.constraints
               for b in range(1, 21) if b != 13)
    assert limb_layout(64, 13) == (5, 12) and limb_layout(65, 13) == (5, 13)


def test_plan_prefers_shift_for_few_checks():
    assert plan([7], base_bits=4).top_mode == {3: "shift"}
    assert plan([64] * 100, base_bits=13).top_mode == {12: "shift"}


def test_width_and_base_limits():
    cs = ConstraintSystem()
    rc = RangeChecker(Lookups(cs))
    with pytest.raises(ValueError, match="1..252"):
        rc.check(cs.private("x"), 253)
    with pytest.raises(ValueError, match="base_bits"):
        RangeChecker(Lookups(cs), base_bits=21)
    with pytest.raises(ValueError, match="top_mode"):
        plan([7], top_mode="none")


@pytest.mark.parametrize("top_mode", ["shift", "table"])
@pytest.mark.parametrize("x", [0, 5, 127, 64])
def test_range_hints_pinned(top_mode, x):
    """A5: limbs, multiplicities, inverses, row terms, the challenge: 0, 1, r-1, random."""
    cs, _ = _range_cs([7, 4], base_bits=4, top_mode=top_mode)
    assert_hints_pinned(cs, _x(x, 9), {}, seed=x)


@pytest.mark.parametrize("top_mode", ["shift", "table"])
@pytest.mark.parametrize("x", [128, 1 << 12, R - 1, R - 128, R // 2])
def test_out_of_range_under_every_tampered_hint(top_mode, x):
    cs, _ = _range_cs([7, 4], base_bits=4, top_mode=top_mode)
    assert_overrides_never_satisfy(cs, _x(x, 9), seed=x)


def test_prover_choosing_the_challenge_forges_a_range_check():
    """x = 2^64 passes a 64-bit check if the prover picks alpha and solves for one
    multiplicity; bound to the committed values (stand-in hash), the same witness fails."""
    cs, rc = _range_cs([64, 64], base_bits=8)
    inputs = _x(5, 1 << 64)
    honest = cs.solve(inputs)
    assert cs.which_is_unsatisfied(honest) is not None
    (alpha_var,) = cs.commitment.challenges
    table = next(h for h in cs.hints if h.name.endswith("range_8/inverse"))
    mults = next(h for h in cs.hints if h.name.endswith("range_8/multiplicity")).outputs
    alpha = 987654321
    lhs = sum(pow(alpha - honest[f], -1, R) for f in table.inputs[1:])
    rest = sum(honest[m] * pow(alpha - j, -1, R) for j, m in enumerate(mults) if j)
    forged = {alpha_var: alpha, mults[0]: (lhs - rest) * alpha % R}
    assert fails_at(cs, inputs, forged) is None
    assert fails_at(cs, inputs, {mults[0]: forged[mults[0]]}) == "lookup/range_8/sum"


def test_one_commitment_for_ranges_and_tables():
    """Range checks and a value table in one circuit share the one commitment (two tables of
    ranges when the top limb gets its own; one more for the values)."""
    cs = ConstraintSystem()
    lk = Lookups(cs)
    rc = RangeChecker(lk, base_bits=4, top_mode="table")
    t = lk.table("fees", [5, 10, 25])
    x, f = cs.private("x"), cs.private("f")
    rc.check(x, 10)
    lk.query(t, f)
    lk.finalize()
    assert sum(name.endswith("/sum") for name in cs.constraint_names) == 3
    solve_ok(cs, {"x": 1023, "f": 25})
    assert fails_at(cs, {"x": 1024, "f": 25}) is not None
    assert fails_at(cs, {"x": 1023, "f": 26}) == "lookup/fees/sum"


@settings(max_examples=60, deadline=None)
@given(fr_elements(), fr_elements())
def test_range_property(x, y):
    """Satisfied iff both values are below 2^64 (cheapest plan for two checks)."""
    cs, _ = _range_cs([64, 64])
    assert (fails_at(cs, _x(x, y)) is None) == (x < 1 << 64 and y < 1 << 64)


@settings(max_examples=60, deadline=None)
@given(fr_elements())
def test_range_property_top_limb_shifted(x):
    cs, _ = _range_cs([61], base_bits=8, top_mode="shift")
    assert (fails_at(cs, _x(x)) is None) == (x < 1 << 61)
