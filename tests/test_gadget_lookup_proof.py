"""Lookups under real Groth16 proofs with the commitment (dev setup): an honest range-checked
witness proves and verifies; the prover-chosen-challenge forgery satisfies the R1CS, yet our
prover refuses it and a proof made by a prover patched to accept it does not verify, because
the verifier recomputes the challenge from the commitment point."""

from __future__ import annotations

import pytest

from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.gadgets.lookup import Lookups
from zkproof.gadgets.range_lookup import RangeChecker
from zkproof.groth16 import prove as prove_mod
from zkproof.groth16.prove import challenge_fn, prove
from zkproof.groth16.setup import dev_setup
from zkproof.groth16.verify import verify
from zkproof.r1cs.system import ConstraintSystem


@pytest.fixture(scope="module")
def setup():
    cs = ConstraintSystem()
    total = cs.public("total")
    lk = Lookups(cs)
    rc = RangeChecker(lk, base_bits=4, top_mode="shift")
    xs = [cs.private(f"x{i}") for i in range(3)]
    for x in xs:
        rc.check(x, 10)
    cs.enforce_equal(xs[0] + xs[1] + xs[2], total, "total")
    lk.finalize()
    pk = dev_setup(cs.to_r1cs(), quiet=True)
    return cs, pk, pk.verifying_key()


def _inputs(x0, x1, x2):
    return {"x0": x0, "x1": x1, "x2": x2, "total": (x0 + x1 + x2) % R}


def test_range_by_lookup_proves_and_verifies(setup):
    cs, pk, vk = setup
    a = cs.solve(_inputs(1023, 0, 517), challenges=challenge_fn(pk))
    cs.check(a)
    proof, public = prove(pk, a.witness())
    assert public == a.public_values() and verify(vk, public, proof)
    assert not verify(vk, [public[0] + 1], proof)


def _forged(cs: ConstraintSystem, pk, inputs: dict, alpha: int) -> dict:
    """Overrides for a prover who picks ``alpha``: one multiplicity solved for the sum."""
    base = cs.solve(inputs, challenges=challenge_fn(pk))
    inv = next(h for h in cs.hints if h.name.endswith("range_4/inverse"))
    mults = next(h for h in cs.hints if h.name.endswith("range_4/multiplicity")).outputs
    lhs = sum(pow(alpha - base[f], -1, R) for f in inv.inputs[1:])
    rest = sum(base[m] * pow(alpha - j, -1, R) for j, m in enumerate(mults) if j)
    return {cs.commitment.challenges[0]: alpha, mults[0]: (lhs - rest) * alpha % R}


def test_out_of_range_forgery_needs_the_challenge_unbound(setup, monkeypatch):
    """x = 2^10 in a 10-bit check: with alpha picked, every constraint holds; our prover
    refuses the witness (its challenge is not the hash of D); a patched prover's proof is
    rejected by the verifier, which recomputes alpha from D."""
    cs, pk, vk = setup
    inputs, alpha = _inputs(1 << 10, 3, 4), 424242
    honest = cs.solve(inputs, challenges=challenge_fn(pk))
    assert cs.which_is_unsatisfied(honest) == "lookup/range_4/sum"
    forged = cs.solve(inputs, _forged(cs, pk, inputs, alpha), challenges=challenge_fn(pk))
    cs.check(forged)  # the R1CS alone accepts x = 2^10
    with pytest.raises(InputError, match="commitment challenges"):
        prove(pk, forged.witness())
    monkeypatch.setattr(prove_mod, "commitment_challenges", lambda d, pub, n: [alpha])
    proof, public = prove(pk, forged.witness())
    monkeypatch.undo()
    assert public == forged.public_values()
    assert not verify(vk, public, proof)
