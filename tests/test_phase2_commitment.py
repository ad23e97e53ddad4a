"""Phase 2 for a key with a commitment (sections 20, 21; ``ceremony.phase2``): every
contribution re-randomises sigma with its own same-ratio proof, and ``zkey verify`` refuses a
contribution that does not move sigma consistently, a reset of sigma, a restored L entry of a
committed wire and a tampered commitment basis."""

from __future__ import annotations

import dataclasses

import pytest

from zkproof.ceremony import phase2
from zkproof.ceremony import phase2_verify as p2v
from zkproof.ceremony import transcript as tr
from zkproof.ceremony.zkey_new import new_zkey
from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, g1_from_lem, g1_mul, g1_to_lem, g2_mul
from zkproof.errors import InsecureSetup
from zkproof.formats.ptau_file import read_ptau
from zkproof.formats.r1cs_file import r1cs_bytes, read_r1cs
from zkproof.formats.zkey_file import read_zkey, zkey_bytes
from zkproof.groth16.prove import challenge_fn, prove
from zkproof.groth16.verify import verify
from zkproof.r1cs.system import ConstraintSystem

BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
RB = bytes(range(64))


def _circuit() -> ConstraintSystem:
    """P(c) = Q(c) for committed P, Q (see tests/test_groth16_commitment.py) plus an uncommitted
    private wire ``t = x * a0``, so the L section keeps a finite entry."""
    cs = ConstraintSystem()
    x = cs.public("x")
    a0, a1, b0, b1 = (cs.private(n) for n in ("a0", "a1", "b0", "b1"))
    t = cs.hint(lambda u, v: u * v, [x, a0], "t")
    cs.enforce(x, a0, t, "t = x a0")
    (c,) = cs.commit([a0, a1, b0, b1])
    cs.enforce(a1 - b1, c, b0 - a0, "P(c) = Q(c)")
    return cs


@pytest.fixture(scope="module")
def keys(snarkjs_ptau):
    cs = _circuit()
    r1 = read_r1cs("c.r1cs", r1cs_bytes(cs.to_r1cs()))  # through the file, as `zkey new` reads it
    init = new_zkey(r1, read_ptau(snarkjs_ptau(6)))
    k1 = phase2.contribute(init, "alice entropy", "alice", random_bytes=RB)
    k2 = phase2.beacon(k1, BEACON, 10, "beacon")
    return cs, r1, init, k1, k2


def _verify(init, pk):
    return p2v.verify_from_init(init, read_zkey("k.zkey", zkey_bytes(pk)))


def test_initial_key_has_sigma_one_and_no_records(keys):
    _, _, init, _, _ = keys
    ck = init.commitment
    assert ck.sigma_g2 == G2_GENERATOR and ck.sigma_basis == ck.basis
    assert phase2.sigma_contributions_of(init) == []
    with pytest.raises(InsecureSetup):
        phase2.export_verification_key(init)


def test_contribution_moves_sigma_by_its_second_secret(keys):
    _, _, init, k1, _ = keys
    rng = tr.rng_from_entropy("alice entropy", RB)
    tr.fr_from_rng(rng), tr.g1_from_rng(rng)  # delta's x and g1_s come first
    y = tr.fr_from_rng(rng)
    assert k1.commitment.sigma_g2 == g2_mul(G2_GENERATOR, y)
    first = g1_from_lem(init.commitment.basis[:64])
    assert g1_from_lem(k1.commitment.sigma_basis[:64]) == g1_mul(first, y)
    (rec,) = phase2.sigma_contributions_of(k1)
    assert rec.sigma_after == g1_mul(G1_GENERATOR, y)


def test_valid_ceremony_key_verifies_and_proves(keys):
    cs, r1, init, k1, k2 = keys
    rep = _verify(init, k2)
    assert rep.ok, rep.errors
    # each receipt pins the sigma record too: the one `zkey contribute` printed is in the report
    receipts = [c["contribution_hash"] for c in rep.contributions]
    assert receipts == [phase2.last_contribution_hash(k1).hex(), phase2.last_contribution_hash(k2).hex()]
    assert receipts[0] != phase2.contribution_hash(phase2.mpc_params_of(k1).contributions[0]).hex()
    vk = phase2.export_verification_key(k2)
    a = cs.solve({"x": 1, "a0": 3, "a1": 4, "b0": 3, "b1": 4}, challenges=challenge_fn(k2))
    cs.check(a)
    proof, public = prove(k2, a.witness(), check=True, r1cs=r1)
    assert verify(vk, public, proof)


def test_contribution_that_leaves_sigma_fails(keys):
    """Delta moved, sigma (basis, sigma_2, records) left as before: refused, and not exportable."""
    _, _, init, k1, _ = keys
    extra = dict(k1.extra, sigma_contributions=init.extra["sigma_contributions"])
    stale = dataclasses.replace(k1, commitment=init.commitment, extra=extra)
    rep = _verify(init, stale)
    assert not rep.ok and "sigma records for 1 contributions" in rep.errors[0]
    with pytest.raises(InsecureSetup, match="sigma"):
        phase2.export_verification_key(stale)


def test_sigma_basis_not_scaled_consistently_fails(keys):
    _, _, init, _, k2 = keys
    ck = k2.commitment
    pts = bytearray(ck.sigma_basis)
    pts[:64] = g1_to_lem(g1_mul(g1_from_lem(bytes(pts[:64])), 2))
    bad = dataclasses.replace(k2, commitment=dataclasses.replace(ck, sigma_basis=bytes(pts)))
    rep = _verify(init, bad)
    assert not rep.ok and "sigma basis does not match" in rep.errors[0]


def test_sigma_g2_not_last_sigma_after_fails(keys):
    _, _, init, _, k2 = keys
    ck = k2.commitment
    bad = dataclasses.replace(k2, commitment=dataclasses.replace(ck, sigma_g2=g2_mul(ck.sigma_g2, 2)))
    rep = _verify(init, bad)
    assert not rep.ok and "sigma" in rep.errors[0]


def test_sigma_reset_to_one_fails(keys):
    """A last contribution claiming sigmaAfter = G1 (sigma back to 1, where anyone forges the
    proof of knowledge) with the basis and sigma_2 to match: its same-ratio check fails."""
    _, _, init, _, k2 = keys
    recs = phase2.sigma_contributions_of(k2)
    recs[-1] = dataclasses.replace(recs[-1], sigma_after=G1_GENERATOR)
    ck = dataclasses.replace(k2.commitment, sigma_basis=init.commitment.basis, sigma_g2=G2_GENERATOR)
    bad = dataclasses.replace(k2, commitment=ck, extra=_with_records(k2, recs))
    rep = _verify(init, bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(2)")


def _with_records(pk, recs) -> dict:
    return dict(pk.extra, sigma_contributions=phase2.sigma_contributions_bytes(recs))


def test_sigma_transcript_edited_fails(keys):
    _, _, init, k1, _ = keys
    recs = phase2.sigma_contributions_of(k1)
    recs[0] = dataclasses.replace(recs[0], transcript=bytes(64))
    bad = dataclasses.replace(k1, extra=_with_records(k1, recs))
    rep = _verify(init, bad)
    assert not rep.ok and rep.errors[0] == "INVALID(1): inconsistent sigma transcript hash"


def test_beacon_sigma_must_rederive_from_the_beacon(keys):
    """The beacon's sigma record replaced by one with another secret (consistent in itself)."""
    _, _, init, k1, k2 = keys
    other = phase2.contribute(k1, "not the beacon", random_bytes=RB)
    recs = phase2.sigma_contributions_of(k2)
    recs[1] = phase2.sigma_contributions_of(other)[1]
    bad = dataclasses.replace(k2, commitment=other.commitment, extra=_with_records(k2, recs))
    rep = _verify(init, bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(2)")


def test_committed_wire_l_entry_restored_fails(keys):
    """A K_j / delta entry for a committed wire would let C change the committed value after
    the challenge; the L check (initial entry: infinity) refuses it."""
    _, _, init, _, k2 = keys
    j = k2.commitment.wires[0] - k2.n_public - 1
    l_query = bytearray(k2.l_query)
    l_query[64 * j:64 * j + 64] = g1_to_lem(G1_GENERATOR)
    rep = _verify(init, dataclasses.replace(k2, l_query=bytes(l_query)))
    assert not rep.ok and "L section does not match" in rep.errors[0]


@pytest.mark.parametrize("field", ["wires", "n_challenges", "basis"])
def test_commitment_key_tampered_fails(keys, field):
    _, _, init, _, k2 = keys
    ck = k2.commitment
    change = {"wires": (*ck.wires[1:], ck.wires[0]), "n_challenges": ck.n_challenges + 1,
              "basis": ck.basis[64:] + ck.basis[:64]}[field]
    bad = dataclasses.replace(k2, commitment=dataclasses.replace(ck, **{field: change}))
    rep = p2v.verify_from_init(init, bad)
    assert not rep.ok and "commitment key" in rep.errors[0]


def test_zkey_file_round_trip(keys):
    _, _, _, _, k2 = keys
    data = zkey_bytes(k2)
    back = read_zkey("k.zkey", data)
    assert back.commitment == k2.commitment and zkey_bytes(back) == data
    assert phase2.sigma_contributions_of(back) == phase2.sigma_contributions_of(k2)


def test_cli_ceremony_on_a_commitment_circuit(keys, snarkjs_ptau, tmp_path, capsys):
    """The docs/formats.md §14 example: zkey new / contribute / verify / export on a .r1cs with
    a commitment; `zkey verify` names a key whose sigma was not moved."""
    from zkproof.cli.main import main
    from zkproof.formats.r1cs_file import write_r1cs
    from zkproof.formats.snarkjs_json import load_json, parse_vk

    _, r1, init, _, _ = keys
    ptau = snarkjs_ptau(6)
    write_r1cs(tmp_path / "c.r1cs", r1, names=False)

    def run(*args) -> int:
        with pytest.raises(SystemExit) as e:
            main([str(a) for a in args])
        return e.value.code

    assert run("zkey", "new", tmp_path / "c.r1cs", ptau, tmp_path / "c0.zkey") == 0
    assert run("zkey", "contribute", tmp_path / "c0.zkey", tmp_path / "c1.zkey", "-n", "alice",
               "-e", "alice entropy") == 0
    assert run("zkey", "verify", tmp_path / "c.r1cs", ptau, tmp_path / "c1.zkey") == 0
    assert run("zkey", "export", "verificationkey", tmp_path / "c1.zkey", tmp_path / "vk.json") == 0
    vk = parse_vk(load_json(tmp_path / "vk.json"), "vk.json")
    assert vk.commitment is not None and vk.commitment.sigma_g2 != G2_GENERATOR
    capsys.readouterr()
    c1 = read_zkey(tmp_path / "c1.zkey")
    stale = dataclasses.replace(c1, commitment=init.commitment,
                                extra=dict(c1.extra, sigma_contributions=init.extra["sigma_contributions"]))
    (tmp_path / "stale.zkey").write_bytes(zkey_bytes(stale))
    assert run("zkey", "verify", tmp_path / "c.r1cs", ptau, tmp_path / "stale.zkey") == 1
    assert "sigma records" in capsys.readouterr().err
