"""``zkproof.verifier.fold``: folding fixed public inputs into the key changes nothing a verifier
decides -- same ``vk_x``, same verdict on valid and tampered proofs -- and refuses bad values."""

from __future__ import annotations

import random

import pytest

from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, g1_mul, g2_mul
from zkproof.errors import MalformedProof
from zkproof.field.fr import R
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.groth16.verify import prepare_inputs, verify
from zkproof.verifier.fold import fold_public_inputs


def synthetic_vk(n_public: int) -> VerifyingKey:
    """A key with distinct, known IC points (only ``prepare_inputs`` is exercised on it)."""
    return VerifyingKey(g1_mul(G1_GENERATOR, 3), g2_mul(G2_GENERATOR, 5), g2_mul(G2_GENERATOR, 7),
                        g2_mul(G2_GENERATOR, 11),
                        [g1_mul(G1_GENERATOR, 13 + 2 * i) for i in range(n_public + 1)])


@pytest.mark.parametrize("seed", range(3))
def test_folded_vk_x_equals_full_vk_x(seed):
    """Fold a suffix (as the bundle verifier does), with small, negative (r - x) and large values."""
    rng = random.Random(seed)
    vk = synthetic_vk(6)
    values = [rng.randrange(R), rng.randrange(R), 0, 2**40 - 1, R - 5, rng.randrange(R)]
    folded = fold_public_inputs(vk, {k: values[k] for k in range(2, 6)})
    assert folded.n_public == 2 and folded.ic[1:] == vk.ic[1:3]
    assert prepare_inputs(folded, values[:2]) == prepare_inputs(vk, values)
    # a different folded value gives a different vk_x (the fold does not drop an input)
    other = fold_public_inputs(vk, {2: 0, 3: 2**40 - 1, 4: R - 4, 5: values[5]})
    assert prepare_inputs(other, values[:2]) != prepare_inputs(vk, values)


def test_fold_any_subset_keeps_the_rest_in_order():
    vk = synthetic_vk(4)
    values = [7, R - 9, 11, 13]
    folded = fold_public_inputs(vk, {1: values[1], 3: values[3]})
    assert folded.ic[1:] == [vk.ic[1], vk.ic[3]]
    assert prepare_inputs(folded, [values[0], values[2]]) == prepare_inputs(vk, values)
    assert fold_public_inputs(vk, {}).ic == vk.ic


@pytest.mark.parametrize("fixed,field", [({4: 1}, "public"), ({-1: 1}, "public"),
                                         ({0: R}, "public[0]"), ({1: -1}, "public[1]"),
                                         ({2: "5"}, "public[2]")])
def test_fold_refuses_bad_indices_and_unreduced_values(fixed, field):
    """B1/B2: a value >= r or negative never reaches py_ecc; an index must name an input."""
    with pytest.raises(MalformedProof) as e:
        fold_public_inputs(synthetic_vk(4), fixed, "vk.json")
    assert e.value.field == field


@pytest.fixture(scope="module")
def proved():
    """A tiny circuit with 4 public inputs (x, y, t0, t1; t1 used as a negative table entry):
    ``x * t0 + y * t1 = out`` with ``out`` private. Dev setup: fast, test only."""
    from zkproof.groth16.prove import prove
    from zkproof.groth16.setup import dev_setup
    from zkproof.r1cs.system import ConstraintSystem

    cs = ConstraintSystem()
    x, y, t0, t1 = (cs.public(n) for n in ("x", "y", "t0", "t1"))
    xt = cs.hint(lambda a, b: a * b % R, [x, t0], name="xt")
    yt = cs.hint(lambda a, b: a * b % R, [y, t1], name="yt")
    cs.enforce(x, t0, xt, "xt")
    cs.enforce(y, t1, yt, "yt")
    out = cs.private("out")
    cs.enforce_equal(xt + yt, out, "sum")
    pk = dev_setup(cs.to_r1cs(), quiet=True)
    values = {"x": 3, "y": 4, "t0": 2**40 - 3, "t1": R - 17}
    values["out"] = (3 * values["t0"] + 4 * values["t1"]) % R
    proof, public = prove(pk, cs.solve(values).witness())
    return pk.verifying_key(), proof, public


@pytest.mark.prove
def test_folded_and_full_verification_agree(proved):
    """Valid proof: both accept. Changed folded (table) value, tampered proof: both reject.
    (A changed head input is the ordinary Groth16 case: tests/test_verify.py, e2e A17.)"""
    vk, proof, public = proved
    folded = fold_public_inputs(vk, {2: public[2], 3: public[3]})
    assert verify(vk, public, proof) is True
    assert verify(folded, public[:2], proof, check_key=False) is True

    swapped = fold_public_inputs(vk, {2: public[2], 3: (public[3] + 1) % R})
    assert verify(vk, public[:3] + [(public[3] + 1) % R], proof) is False
    assert verify(swapped, public[:2], proof, check_key=False) is False

    forged = Proof(proof.a, proof.b, g1_mul(proof.c, 2))
    assert verify(vk, public, forged) is False
    assert verify(folded, public[:2], forged, check_key=False) is False
