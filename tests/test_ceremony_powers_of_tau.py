"""Phase 1 engine and verifier at power 2: the accumulator holds the powers of the secrets,
prepare phase2 gives the Lagrange basis, and every tamper (ATTACKS C2-C4) is named."""

from __future__ import annotations

import copy

import pytest

from zkproof.ceremony import lagrange
from zkproof.ceremony import powers_of_tau as pot
from zkproof.ceremony import ptau_verify as pv
from zkproof.ceremony import transcript as tr
from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, g1_mul, g2_mul
from zkproof.errors import InsecureSetup
from zkproof.field.fr import R, root_of_unity

BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
RB = bytes(range(64))  # fixed "OS randomness" so the secrets can be recomputed by the test


@pytest.fixture(scope="module")
def chain():
    """new(2) -> alice -> beacon."""
    p0 = pot.new(2)
    p1 = pot.contribute(p0, "alice entropy", "alice", random_bytes=RB)
    p2 = pot.beacon(p1, BEACON, 10, "beacon")
    return p0, p1, p2


@pytest.fixture(scope="module")
def prepared(chain):
    return lagrange.prepare_phase2(chain[-1])


@pytest.fixture(scope="module")
def report(prepared):
    return pv.verify(prepared)


def _secrets(pt, entropy):
    challenge = pot.challenge_of(pt)
    prv, _ = pot.create_ptau_key(challenge, tr.rng_from_entropy(entropy, RB))
    return prv


def test_accumulator_holds_the_powers_of_the_secrets(chain) -> None:
    p0, p1 = chain[0], chain[1]
    k = _secrets(p0, "alice entropy")
    for i in range(7):
        assert p1.point_g1(2, i) == g1_mul(G1_GENERATOR, pow(k.tau, i, R))
    for i in range(4):
        assert p1.point_g2(i) == g2_mul(G2_GENERATOR, pow(k.tau, i, R))
        assert p1.point_g1(4, i) == g1_mul(G1_GENERATOR, k.alpha * pow(k.tau, i, R))
        assert p1.point_g1(5, i) == g1_mul(G1_GENERATOR, k.beta * pow(k.tau, i, R))
    assert p1.beta_g2 == g2_mul(G2_GENERATOR, k.beta)
    assert p1.contributions[0].next_challenge == pot.accumulator_hash(
        pv.response_hash(p1.contributions[0]), p1)


def test_beacon_is_reproducible_and_entropy_is_not(chain) -> None:
    p1, p2 = chain[1], chain[2]
    again = pot.beacon(p1, BEACON, 10, "beacon")
    assert again.tau_g1 == p2.tau_g1 and again.contributions[-1] == p2.contributions[-1]
    other = pot.contribute(p1, "alice entropy", "alice", random_bytes=bytes(64))
    assert other.tau_g1 != p2.tau_g1


def test_lagrange_sections_are_the_lagrange_basis(chain, prepared) -> None:
    """L_i(tau) G for the domain of size 4, with tau known to the test (p0 -> p1 only)."""
    p1 = lagrange.prepare_phase2(chain[1])
    t = _secrets(chain[0], "alice entropy").tau
    n, w = 4, root_of_unity(4)
    z = (pow(t, n, R) - 1) % R
    for i in range(n):
        wi = pow(w, i, R)
        li = z * wi * pow(n * (t - wi), -1, R) % R  # L_i(t) = (t^n - 1) w^i / (n (t - w^i))
        off = lagrange.lagrange_offset(2) + i
        assert p1.lagrange[12][off * 64:(off + 1) * 64] == lagrange.bn254.g1_to_lem(
            g1_mul(G1_GENERATOR, li))
    assert prepared.lagrange[13][:128] == chain[-1].tau_g2[:128]  # domain of size 1: L_0 = 1
    assert pv.lagrange_consistent(p1.tau_g1, p1.lagrange[12], 64, 3, True) is None


def test_valid_transcript_verifies(report) -> None:
    rep = report
    assert rep.ok, rep.errors
    assert rep.n_contributions == 2 and rep.phase2_prepared
    assert [c["name"] for c in rep.contributions] == ["alice", "beacon"]
    assert rep.contributions[1]["type"] == "beacon" and rep.contributions[1]["num_iterations_exp"] == 10


def test_zero_contributions_is_invalid(chain) -> None:
    rep = pv.verify(chain[0])
    assert not rep.ok and "0 contributions" in rep.errors[0]


def test_edited_hash_names_the_next_contribution(chain) -> None:
    bad = copy.deepcopy(chain[2])
    bad.contributions[0].next_challenge = bytes(64)
    rep = pv.verify(bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(2)")


def test_edited_last_hash(chain) -> None:
    bad = copy.deepcopy(chain[2])
    bad.contributions[-1].next_challenge = bytes(64)
    rep = pv.verify(bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(2)") and "hash" in rep.errors[0]


def test_removed_contribution(chain) -> None:
    bad = copy.deepcopy(chain[2])
    del bad.contributions[0]
    rep = pv.verify(bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(1)")


def test_swapped_points_in_accumulator(chain) -> None:
    bad = copy.deepcopy(chain[2])
    g = bad.alpha_tau_g1
    bad.alpha_tau_g1 = g[:64] + g[128:192] + g[64:128] + g[192:]
    rep = pv.verify(bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(2)")


@pytest.mark.slow
def test_forged_key_fails_the_pairing_and_is_located() -> None:
    """A G2 key point that is not x * g2_sp in a non-last contribution (whose hashes are not
    recomputable): only the pairing check can see it, and the slow path names it."""
    p1 = pot.contribute(pot.new(1), "e", "mallory", random_bytes=RB)
    p2 = pot.contribute(p1, "f", "next", random_bytes=RB)
    bad = copy.deepcopy(p2)
    bad.contributions[0].key.alpha.g2_spx = g2_mul(G2_GENERATOR, 5)
    rep = pv.verify(bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(1)") and "same-ratio" in rep.errors[0]


def test_powers_consistency_check(chain) -> None:
    p = chain[2]
    c = p.contributions[-1]
    batch = pv.PairingBatch()
    assert pv.powers_consistent(p.tau_g1, 64, c.tau_g1, c.tau_g2, batch) and batch.check()
    g = p.beta_tau_g1
    swapped = g[:64] + g[128:192] + g[64:128] + g[192:]
    batch = pv.PairingBatch()
    assert pv.powers_consistent(swapped, 64, c.tau_g1, c.tau_g2, batch) and not batch.check()


def test_tampered_lagrange_section_named(prepared) -> None:
    good = pv.lagrange_consistent(prepared.alpha_tau_g1, prepared.lagrange[14], 64, 2, False)
    assert good is None
    s = prepared.lagrange[14]
    bad = s[:64 * 3] + s[64 * 4:64 * 5] + s[64 * 3:64 * 4] + s[64 * 5:]
    assert pv.lagrange_consistent(prepared.alpha_tau_g1, bad, 64, 2, False) == 2


def test_beacon_key_must_derive_from_declared_parameters(chain) -> None:
    """C4: the same transcript with another declared iteration count or hash is rejected."""
    for field, value in (("num_iterations_exp", 11), ("beacon_hash", bytes(32))):
        bad = copy.deepcopy(chain[2])
        setattr(bad.contributions[-1], field, value)
        rep = pv.verify(bad)
        assert not rep.ok and rep.errors[0].startswith("INVALID(2): beacon key"), rep.errors


def test_contribution_after_beacon_rejected(chain) -> None:
    after = pot.contribute(chain[2], "late", "late", random_bytes=RB)
    rep = pv.verify(after)
    assert not rep.ok and rep.errors[0].startswith("INVALID(3): contribution after the beacon")


def test_key_point_at_infinity_rejected(chain) -> None:
    """C2: same-ratio refuses points at infinity."""
    bad = copy.deepcopy(chain[1])
    bad.contributions[0].key.tau.g1_s = None
    rep = pv.verify(bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(1)") and "infinity" in rep.errors[0]
    assert not pv.same_ratio(None, G1_GENERATOR, G2_GENERATOR, G2_GENERATOR)
    assert pv.same_ratio(G1_GENERATOR, g1_mul(G1_GENERATOR, 3), G2_GENERATOR, g2_mul(G2_GENERATOR, 3))
    assert not pv.same_ratio(G1_GENERATOR, g1_mul(G1_GENERATOR, 3), G2_GENERATOR, g2_mul(G2_GENERATOR, 4))


def test_zero_secret_refused(monkeypatch) -> None:
    """C2: a contributor secret of 0 would erase the accumulator."""
    monkeypatch.setattr(tr, "fr_from_rng", lambda rng: 0)
    with pytest.raises(InsecureSetup, match="secret tau is 0"):
        pot.contribute(pot.new(1), "x", random_bytes=RB)


def test_bad_beacon_arguments() -> None:
    with pytest.raises(ValueError, match="hexadecimal"):
        pot.parse_beacon_hash("0g")
    with pytest.raises(ValueError, match="hexadecimal"):
        pot.parse_beacon_hash("abc")
    assert pot.parse_beacon_hash("0x00ff") == b"\x00\xff"
    with pytest.raises(ValueError, match="numIterationsExp"):
        pot.check_beacon_iterations(9)
