"""Groth16 with one Pedersen commitment (BSB22): the builder verb, setup, prover, verifier and
formats, with tests named after the attacks on the construction (docs/formats.md "Commitment",
docs/soundness.md "Commitment")."""

from __future__ import annotations

import pytest

from zkproof.field.fr import R
from zkproof.r1cs.system import CommitOpening, ConstraintSystem, standin_challenges


def _square_commit() -> tuple[ConstraintSystem, list]:
    cs = ConstraintSystem()
    cs.public("x")
    a = cs.private("a")
    b = cs.hint(lambda v: v * v, [a], "sq")
    cs.enforce(a, a, b, "sq")
    return cs, cs.commit([a, b], n_challenges=2)


# -- the builder verb -----------------------------------------------------------------------------

def test_commit_returns_public_challenge_wires_last():
    cs, ch = _square_commit()
    assert [v.key for v in ch] == [-2, -3] and cs.num_public == 3 and cs.num_challenges == 2
    spec = cs.to_r1cs().commitment
    assert spec is not None and spec.n_challenges == 2
    assert spec.challenge_wires(3) == [2, 3]
    assert spec.wires == (4, 5, 6) and spec.hiding_wire == 6  # a, b, then the hiding wire


def test_second_commit_refused_cve_2024_45039():
    """Two commitments let a prover choose the second after seeing the first's challenge."""
    cs, _ = _square_commit()
    a = cs.private("later")
    with pytest.raises(ValueError, match="at most one commitment"):
        cs.commit([a])


def test_public_after_commit_refused():
    """The challenge hashes every public input, so none may be declared after it."""
    cs, _ = _square_commit()
    with pytest.raises(ValueError, match="after commit"):
        cs.public("y")
    with pytest.raises(ValueError, match="after commit"):
        cs.public_from_hint("z", lambda: 1, [])


@pytest.mark.parametrize("bad", ["public", "twice", "empty", "foreign"])
def test_commit_refuses_bad_wire_lists(bad):
    cs = ConstraintSystem()
    x = cs.public("x")
    a = cs.private("a")
    wires = {"public": [x], "twice": [a, a], "empty": [],
             "foreign": [ConstraintSystem().private("a")]}[bad]
    with pytest.raises(ValueError):
        cs.commit(wires)


def test_standin_challenges_are_deterministic_and_hiding_is_zero():
    cs, ch = _square_commit()
    s1, s2 = cs.solve({"x": 3, "a": 5}), cs.solve({"x": 3, "a": 5})
    assert s1.challenge_values() == s2.challenge_values()
    assert s1[cs.commitment.hiding] == 0
    assert s1.challenge_values() == standin_challenges(CommitOpening([5, 25], 0, [3]), 2)
    assert s1.public_values() == [3]  # the challenges are not in public.json: appended by the verifier
    cs.check(s1)


def test_challenge_callback_sees_committed_values_hiding_and_publics():
    cs, ch = _square_commit()
    seen = []

    def fn(opening):
        seen.append((list(opening), opening.hiding, opening.publics))
        return [7, 8]

    s = cs.solve({"x": 3, "a": 5}, challenges=fn)
    (values, hiding, publics), = seen
    assert values == [5, 25] and publics == [3] and 0 < hiding < R
    assert s[cs.commitment.hiding] == hiding and s.challenge_values() == [7, 8]
    assert cs.solve({"x": 3, "a": 5}, challenges=fn)[cs.commitment.hiding] != hiding


def test_overrides_replace_a_challenge_and_the_hiding_wire():
    cs, ch = _square_commit()
    s = cs.solve({"x": 3, "a": 5}, {ch[0]: 11, "commit/hiding": 9})
    assert s[ch[0]] == 11 and s[cs.commitment.hiding] == 9


def test_plain_circuit_unchanged_by_the_verb():
    cs = ConstraintSystem()
    cs.public("x")
    a = cs.private("a")
    cs.enforce(a, a, a, "idem")
    r1 = cs.to_r1cs()
    assert r1.commitment is None and cs.num_challenges == 0
    assert cs.solve({"x": 2, "a": 1}).public_values() == [2]
