"""Phase 2 (circuit-specific delta) on a hand-built R1CS and the cached snarkjs ptau (power 6):
contributions move delta by known secrets, the key proves, and every ATTACKS C1-C5 case fails
with the index or section named."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from zkproof.ceremony import lagrange, phase2
from zkproof.ceremony import phase2_verify as p2v
from zkproof.ceremony import powers_of_tau as pot
from zkproof.ceremony import transcript as tr
from zkproof.ceremony.zkey_new import circuit_power, new_zkey
from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, g1_from_lem, g1_mul, g1_to_lem, g2_mul
from zkproof.errors import InputError, InsecureSetup
from zkproof.field.fr import R
from zkproof.formats.ptau_file import read_ptau
from zkproof.r1cs.constraints import R1CS

BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
RB = bytes(range(64))


def _circuit(k: int = 3) -> R1CS:
    """out = a*b*a + k with out public: wires 0 one, 1 out, 2 a, 3 b, 4 d = a*b."""
    return R1CS(n_wires=5, n_pub_out=1, n_pub_in=0, n_prv_in=2, constraints=[
        ({2: 1}, {3: 1}, {4: 1}),
        ({4: 1}, {2: 1}, {1: 1, 0: R - k}),
    ])


@pytest.fixture(scope="module")
def ptau(snarkjs_ptau):
    return read_ptau(snarkjs_ptau(6))


@pytest.fixture(scope="module")
def keys(ptau):
    init = new_zkey(_circuit(), ptau)
    k1 = phase2.contribute(init, "alice entropy", "alice", random_bytes=RB)
    k2 = phase2.beacon(k1, BEACON, 10, "beacon")
    return init, k1, k2


@pytest.fixture(scope="module")
def report(keys):
    return p2v.verify_from_init(keys[0], keys[2])


def test_initial_key_shape(keys) -> None:
    init = keys[0]
    assert circuit_power(_circuit()) == 2 and init.domain_size == 4
    assert init.gamma_g2 == G2_GENERATOR == init.delta_g2 and init.delta_g1 == G1_GENERATOR
    mp = phase2.mpc_params_of(init)
    assert len(mp.cs_hash) == 64 and mp.contributions == []
    assert phase2.parse_mpc_params(phase2.mpc_params_bytes(mp)) == mp


def test_contribution_moves_delta_by_the_secret(keys) -> None:
    init, k1 = keys[0], keys[1]
    x = tr.fr_from_rng(tr.rng_from_entropy("alice entropy", RB))
    assert k1.delta_g1 == g1_mul(G1_GENERATOR, x) and k1.delta_g2 == g2_mul(G2_GENERATOR, x)
    assert g1_from_lem(k1.l_query[:64]) == g1_mul(g1_from_lem(init.l_query[:64]), pow(x, -1, R))
    assert g1_from_lem(k1.h_query[64:128]) == g1_mul(g1_from_lem(init.h_query[64:128]), pow(x, -1, R))
    assert k1.a_query == init.a_query and k1.ic == init.ic


def test_valid_key_verifies(report, keys) -> None:
    assert report.ok, report.errors
    assert report.contributions[0]["contribution_hash"] == phase2.last_contribution_hash(keys[1]).hex()
    assert [c["name"] for c in report.contributions] == ["alice", "beacon"]
    assert report.contributions[1]["type"] == "beacon"


def test_final_key_proves_and_initial_key_is_refused(keys) -> None:
    """C1: the 0-contribution key is refused everywhere; the ceremony key works."""
    from zkproof.groth16.prove import prove
    from zkproof.groth16.verify import verify

    init, _, final = keys
    witness = [1, 3 * 5 * 3 + 3, 3, 5, 15]
    vk = phase2.export_verification_key(final)
    proof, public = prove(final, witness)
    assert public == [48] and verify(vk, public, proof)
    assert not verify(vk, [49], proof)
    with pytest.raises(InsecureSetup, match="gamma == delta"):
        phase2.export_verification_key(init)
    rep = p2v.verify_from_init(init, init)
    assert not rep.ok and rep.n_contributions == 0 and "0 contributions" in rep.errors[0]


def test_delta_equal_generator_refused(keys) -> None:
    forged = dataclasses.replace(keys[2], delta_g2=G2_GENERATOR)
    with pytest.raises(InsecureSetup, match="delta"):
        phase2.export_verification_key(forged)


def test_dev_key_refused_unless_allowed() -> None:
    from zkproof.groth16.setup import dev_setup

    dev = dev_setup(_circuit(), quiet=True)
    with pytest.raises(InsecureSetup, match="INSECURE-DEV-SETUP"):
        phase2.export_verification_key(dev)
    assert phase2.export_verification_key(dev, allow_dev=True).dev_setup
    with pytest.raises(InsecureSetup, match="dev key"):
        phase2.contribute(dev, "x", random_bytes=RB)


def _with_mp(pk, edit):
    mp = phase2.mpc_params_of(pk)
    edit(mp)
    return dataclasses.replace(pk, extra=dict(pk.extra, contributions=phase2.mpc_params_bytes(mp)))


def test_edited_transcript_named(keys) -> None:
    def edit(mp):
        mp.contributions[0].transcript = bytes(64)
    rep = p2v.verify_from_init(keys[0], _with_mp(keys[2], edit))
    assert not rep.ok and rep.errors[0] == "INVALID(1): inconsistent transcript hash"


def test_removed_contribution_named(keys) -> None:
    def edit(mp):
        del mp.contributions[0]
    rep = p2v.verify_from_init(keys[0], _with_mp(keys[2], edit))
    assert not rep.ok and rep.errors[0].startswith("INVALID(1)")


def test_delta_after_not_following_key_named(keys) -> None:
    """C3: deltaAfter of contribution 1 replaced (its transcript does not cover deltaAfter)."""
    def edit(mp):
        mp.contributions[0].delta_after = g1_mul(G1_GENERATOR, 7)
    rep = p2v.verify_from_init(keys[0], _with_mp(keys[1], edit))
    assert not rep.ok and rep.errors[0].startswith("INVALID")


def test_beacon_params_must_match_its_key(keys) -> None:
    """C4: a beacon whose key does not derive from the declared hash/iterations."""
    def edit(mp):
        mp.contributions[1].num_iterations_exp = 12
    rep = p2v.verify_from_init(keys[0], _with_mp(keys[2], edit))
    assert not rep.ok and rep.errors[0].startswith("INVALID(2): key of the beacon")


def test_contribution_after_beacon_rejected(keys) -> None:
    """C4: ``contribute`` refuses a beaconed key; a coordinator who bypasses it (the same
    ``_apply`` step on the closed transcript) gets a key ``zkey verify`` rejects."""
    with pytest.raises(InputError, match=r"contribution 2: phase 2 is closed by this beacon"):
        phase2.contribute(keys[2], "late", "late", random_bytes=RB)
    mp = phase2.mpc_params_of(keys[2])
    late = phase2._apply(keys[2], mp, tr.rng_from_entropy("late", RB), type=0, name="late")
    rep = p2v.verify_from_init(keys[0], late)
    assert not rep.ok and rep.errors[0].startswith("INVALID(3): contribution after the beacon")


@pytest.mark.parametrize("field,msg", [("ic", "IC section is not identical"),
                                       ("a_query", "A section is not identical"),
                                       ("b_g2_query", "B2 section is not identical"),
                                       ("coeffs", "coefficients section is not identical")])
def test_tampered_copied_sections_named(keys, field, msg) -> None:
    final = keys[2]
    value = getattr(final, field)
    if field == "ic":
        bad = [value[1], value[0]]
    elif field == "coeffs":
        bad = value[:-1] + bytes([value[-1] ^ 1])
    else:
        bad = value[len(value) // 2:] + value[:len(value) // 2]
    rep = p2v.verify_from_init(keys[0], dataclasses.replace(final, **{field: bad}))
    assert not rep.ok and msg in rep.errors[0]


def test_tampered_h_section_named(keys) -> None:
    final = keys[2]
    h = final.h_query
    bad = h[64:128] + h[:64] + h[128:]
    rep = p2v.verify_from_init(keys[0], dataclasses.replace(final, h_query=bad))
    assert not rep.ok and "H section does not match" in rep.errors[0]


def test_zkey_for_another_circuit(keys, ptau) -> None:
    """C5: the key of circuit k=3 checked against the R1CS of k=4."""
    rep = p2v.verify_from_r1cs(_circuit(4), ptau, keys[2])
    assert not rep.ok and "circuit hash mismatch" in rep.errors[0]


def test_ptau_too_small() -> None:
    """C5: domain 2^2 needed, a prepared ptau of power 1 offered."""
    small = lagrange.prepare_phase2(pot.contribute(pot.new(1), "e", random_bytes=RB))
    with pytest.raises(InputError, match="ptau power 1 < required 2"):
        new_zkey(_circuit(), small, ptau_path="small.ptau")


def test_unprepared_ptau_refused(ptau) -> None:
    unprepared = copy.copy(ptau)
    unprepared.lagrange = None
    with pytest.raises(InputError, match="prepare phase2"):
        new_zkey(_circuit(), unprepared)


def test_zero_secret_and_infinite_delta_refused(keys, monkeypatch) -> None:
    """C2."""
    monkeypatch.setattr(tr, "fr_from_rng", lambda rng: 0)
    with pytest.raises(InsecureSetup, match="secret is 0"):
        phase2.contribute(keys[1], "x", random_bytes=RB)
    monkeypatch.undo()
    broken = dataclasses.replace(keys[1], delta_g1=None)
    with pytest.raises(InsecureSetup, match="infinity"):
        phase2.contribute(broken, "x", random_bytes=RB)


def test_mpc_params_parse_errors(keys) -> None:
    raw = keys[2].extra["contributions"]
    with pytest.raises(InputError, match="section 10"):
        phase2.parse_mpc_params(raw[:-3], "k.zkey")
    with pytest.raises(InputError, match="trailing"):
        phase2.parse_mpc_params(raw + b"\x00", "k.zkey")
    bad = bytearray(raw)
    bad[64 + 4 + 64:64 + 4 + 128] = g1_to_lem((1, 3))  # g1_s of contribution 1 off the curve
    with pytest.raises(InputError, match="contribution 1 g1_s"):
        phase2.parse_mpc_params(bytes(bad), "k.zkey")
