"""Shared checks for gadget tests (ATTACKS A5), and tests that the checks themselves bite."""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest

from zkproof.field.fr import R
from zkproof.r1cs.lc import LCLike
from zkproof.r1cs.system import ConstraintSystem


def solve_ok(cs: ConstraintSystem, inputs: Mapping, overrides: Mapping | None = None):
    """Solve and assert every constraint holds; returns the assignment."""
    a = cs.solve(inputs, overrides)
    assert cs.which_is_unsatisfied(a) is None, cs.which_is_unsatisfied(a)
    return a


def fails_at(cs: ConstraintSystem, inputs: Mapping, overrides: Mapping | None = None) -> str | None:
    """Name of the first unsatisfied constraint (``None`` if the assignment satisfies all)."""
    return cs.which_is_unsatisfied(cs.solve(inputs, overrides))


def assert_hints_pinned(cs: ConstraintSystem, inputs: Mapping, outputs: Mapping[str, LCLike],
                        *, max_hints: int | None = None, seed: int = 0) -> int:
    """ATTACKS A5: replace each hint output by 0, 1, r-1 and a random value (one at a time).

    Each tampered witness must either leave a constraint unsatisfied or keep every value in
    ``outputs`` unchanged. ``max_hints`` samples that many hints (seeded) for big gadgets.
    Returns the number of tampered witnesses tried.
    """
    honest = solve_ok(cs, inputs)
    expected = {k: honest[v] for k, v in outputs.items()}
    rng = random.Random(seed)
    hints = list(cs.hints)
    if max_hints is not None and len(hints) > max_hints:
        hints = rng.sample(hints, max_hints)
    tried = 0
    for h in hints:
        for var in h.outputs:
            for val in (0, 1, R - 1, rng.randrange(R)):
                if val == honest.values[var.key]:
                    continue
                a = cs.solve(inputs, {var: val})
                tried += 1
                if cs.which_is_unsatisfied(a) is None:
                    got = {k: a[v] for k, v in outputs.items()}
                    assert got == expected, f"hint '{h.name}' set to {val} changes outputs: {got}"
    assert tried > 0
    return tried


def assert_overrides_never_satisfy(cs: ConstraintSystem, inputs: Mapping, *, seed: int = 0) -> int:
    """For an input the gadget must reject: no hint output set to 0, 1, r-1 or a random value
    (one at a time) makes the assignment satisfy every constraint."""
    assert cs.which_is_unsatisfied(cs.solve(inputs)) is not None
    rng = random.Random(seed)
    tried = 0
    for h in cs.hints:
        for var in h.outputs:
            for val in (0, 1, R - 1, rng.randrange(R)):
                tried += 1
                name = cs.which_is_unsatisfied(cs.solve(inputs, {var: val}))
                assert name is not None, f"hint '{h.name}' = {val} satisfies a rejected input"
    return tried


def test_pinning_check_catches_an_unconstrained_hint():
    """The A5 check must fail on a gadget whose hint output is not constrained."""
    cs = ConstraintSystem()
    x = cs.private("x")
    y = cs.hint(lambda v: v * v % R, [x], name="square_unpinned")  # no constraint: a bug
    with pytest.raises(AssertionError, match="square_unpinned"):
        assert_hints_pinned(cs, {"x": 3}, {"y": y})


def test_pinning_check_passes_a_pinned_hint():
    cs = ConstraintSystem()
    x = cs.private("x")
    y = cs.hint(lambda v: v * v % R, [x], name="square")
    cs.enforce(x, x, y, "square")
    assert assert_hints_pinned(cs, {"x": 3}, {"y": y}) == 4
