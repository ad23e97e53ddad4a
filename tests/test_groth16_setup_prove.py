"""``groth16.setup`` + ``groth16.prove`` on circuits built with ``ConstraintSystem``.

Each positive case has its negative twin: a valid proof verifies (our pure-Python verifier, which
shares no code with the prover's kernel) and the same proof with another public value does not;
malformed witnesses raise ``InputError``; ``--check`` names the broken constraint or catches a
corrupted quotient before any MSM.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkproof import kernel
from zkproof.errors import ConstraintUnsatisfied, InputError
from zkproof.field.fr import R
from zkproof.groth16.prove import prove
from zkproof.groth16.prove_check import check_quotient, check_witness
from zkproof.groth16.setup import ToxicWaste, dev_setup
from zkproof.groth16.verify import verify
from zkproof.r1cs import ConstraintSystem

pytestmark = pytest.mark.prove


def _circuit():
    """Two publics (``total``, ``limit``), a product, a sum and a boolean flag."""
    cs = ConstraintSystem()
    total, limit = cs.public("total"), cs.public("limit")
    a, b = cs.private("a"), cs.private("b")
    ab = cs.hint(lambda x, y: x * y, [a, b], name="ab")
    cs.enforce(a, b, ab, name="mul/ab")
    flag = cs.hint(lambda x, y: int(x == y), [ab, limit], name="flag")
    cs.enforce(flag, flag - 1, 0, name="flag/boolean")
    cs.enforce(ab + a + b + flag, cs.ONE, total, name="sum/total")
    return cs


@pytest.fixture(scope="module")
def circuit():
    cs = _circuit()
    return cs, cs.to_r1cs()


@pytest.fixture(scope="module")
def pk(circuit):
    return dev_setup(circuit[1], quiet=True)


def _witness(cs, a, b, limit):
    asg = cs.solve({"a": a, "b": b, "limit": limit, "total": (a * b + a + b + int(a * b % R == limit)) % R})
    return asg.witness(), asg.public_values()


@settings(max_examples=2, deadline=None)
@given(a=st.integers(0, R - 1), b=st.integers(0, R - 1), hit=st.booleans())
def test_proof_verifies_and_wrong_public_does_not(circuit, pk, a, b, hit):
    cs, r1cs = circuit
    w, public = _witness(cs, a, b, a * b % R if hit else 7)
    assert r1cs.first_unsatisfied(w) is None
    proof, got_public = prove(pk, w, check=True, r1cs=r1cs)
    assert got_public == public
    vk = pk.verifying_key()
    assert verify(vk, public, proof)
    assert not verify(vk, [(public[0] + 1) % R, public[1]], proof)


def test_same_r_s_same_proof_other_r_other_proof(circuit, pk):
    w, _ = _witness(circuit[0], 3, 4, 12)
    p1, _ = prove(pk, w, r=5, s=6)
    assert prove(pk, w, r=5, s=6)[0] == p1
    p2, _ = prove(pk, w, r=5, s=7)
    assert p2.b != p1.b and p2.a == p1.a


def test_unsatisfied_constraint_is_named(circuit, pk):
    cs, r1cs = circuit
    w, _ = _witness(cs, 3, 4, 12)
    bad = list(w)
    bad[r1cs.n_public + 4] = 2  # the `flag` wire: 2 is not boolean
    with pytest.raises(ConstraintUnsatisfied, match="constraint 1 'flag/boolean'"):
        prove(pk, bad, check=True, r1cs=r1cs)
    # without the R1CS the self-verification still refuses to hand out the proof
    with pytest.raises(ConstraintUnsatisfied, match="self-verification"):
        prove(pk, bad, check=True)
    # without --check a proof is produced, and it does not verify
    proof, public = prove(pk, bad)
    assert not verify(pk.verifying_key(), public, proof)


def test_corrupted_quotient_is_caught(circuit, pk):
    w, _ = _witness(circuit[0], 3, 4, 12)
    wb = b"".join(x.to_bytes(32, "little") for x in w)
    p = kernel.h_evaluations(pk.coeffs, wb, pk.domain_size)
    check_quotient(pk, wb, p, None)  # the genuine one passes
    bad = bytearray(p)
    bad[0] ^= 1
    with pytest.raises(ConstraintUnsatisfied, match="quotient"):
        check_quotient(pk, wb, bytes(bad), None)


def test_key_for_another_circuit_is_refused(circuit):
    cs, r1cs = circuit
    other = ConstraintSystem()
    t, lim = other.public("total"), other.public("limit")
    x, y = other.private("a"), other.private("b")
    z = other.hint(lambda u, v: u * v + 1, [x, y], name="z")
    other.enforce(x, y, z - 1, name="mul")
    other.enforce(z + lim, other.ONE, t, name="sum")
    other.hint(lambda: 0, [], name="pad")  # same wire count as `circuit`
    other_pk = dev_setup(other.to_r1cs(), quiet=True)
    w, _ = _witness(cs, 3, 4, 12)
    with pytest.raises(InputError, match="section 4"):
        check_witness(other_pk, w, r1cs)


@pytest.mark.parametrize("mutate, match", [
    (lambda w: w[:-1], "length"),
    (lambda w: [2] + w[1:], r"witness\[0\]"),
    (lambda w: w[:1] + [R] + w[2:], "not in"),
])
def test_malformed_witness_is_input_error(circuit, pk, mutate, match):
    w, _ = _witness(circuit[0], 3, 4, 12)
    with pytest.raises(InputError, match=match):
        prove(pk, mutate(w))


def test_unreduced_witness_bytes_are_input_error(circuit, pk):
    w, _ = _witness(circuit[0], 3, 4, 12)
    buf = bytearray(b"".join(x.to_bytes(32, "little") for x in w))
    buf[32:64] = (R + 5).to_bytes(32, "little")
    with pytest.raises(InputError, match="not reduced"):
        prove(pk, bytes(buf))


def test_toxic_waste_must_be_nonzero():
    with pytest.raises(ValueError, match="delta"):
        ToxicWaste(1, 2, 3, 4, R)


def test_public_input_in_no_constraint_is_still_bound():
    """ATTACKS A17: snarkjs' extra QAP rows ``A[m + i][i] = 1`` give every public wire its own
    polynomial, so a public input no constraint mentions cannot be changed after proving."""
    cs = ConstraintSystem()
    y = cs.public("y")
    cs.public("unused")
    x = cs.private("x")
    cs.enforce(x, x, y, name="square")
    r1cs = cs.to_r1cs()
    assert all(2 not in row for con in r1cs.constraints for row in con)  # wire 2 = `unused`
    pk = dev_setup(r1cs, quiet=True)
    asg = cs.solve({"x": 5, "y": 25, "unused": 7})
    proof, public = prove(pk, asg.witness(), check=True, r1cs=r1cs)
    assert public == [25, 7] and verify(pk.verifying_key(), public, proof)
    assert not verify(pk.verifying_key(), [25, 8], proof)
