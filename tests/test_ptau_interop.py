"""Phase 1 both ways with snarkjs 0.7.6: snarkjs verifies our transcripts, we verify snarkjs',
and tampered transcripts are refused by both (ours naming the contribution)."""

from __future__ import annotations

import copy

import pytest

from zkproof.ceremony import lagrange
from zkproof.ceremony import powers_of_tau as pot
from zkproof.ceremony import ptau_verify as pv
from zkproof.formats.ptau_file import read_ptau, write_ptau

BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
POWERS = [6, pytest.param(8, marks=pytest.mark.slow)]


def _ours(power: int):
    p = pot.new(power)
    p = pot.contribute(p, "first entropy", "alice")
    p = pot.contribute(p, "second entropy", "bob")
    p = pot.beacon(p, BEACON, 10, "beacon")
    return lagrange.prepare_phase2(p)


def _snarkjs_verify(npm_tools, path) -> tuple[int, str]:
    proc = npm_tools.run_snarkjs("powersoftau", "verify", path, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.interop
@pytest.mark.parametrize("power", POWERS)
def test_snarkjs_accepts_our_transcript_and_refuses_its_tampered_twins(npm_tools, tmp_path, power) -> None:
    ours = _ours(power)
    write_ptau(tmp_path / "ours.ptau", ours)
    rc, out = _snarkjs_verify(npm_tools, tmp_path / "ours.ptau")
    assert rc == 0 and "Powers of Tau Ok!" in out, out[-2000:]

    edited = copy.deepcopy(ours)
    edited.contributions[-1].next_challenge = bytes(64)
    removed = copy.deepcopy(ours)
    del removed.contributions[1]
    swapped = copy.deepcopy(ours)
    g = swapped.tau_g1
    swapped.tau_g1 = g[:64] + g[128:192] + g[64:128] + g[192:]
    for name, bad, index in (("edited", edited, 3), ("removed", removed, 2), ("swapped", swapped, 3)):
        path = tmp_path / f"{name}.ptau"
        write_ptau(path, bad)
        rc, out = _snarkjs_verify(npm_tools, path)
        assert rc != 0 and "Powers of Tau Ok!" not in out, (name, out[-1000:])
        rep = pv.verify(read_ptau(path))
        assert not rep.ok and rep.errors[0].startswith(f"INVALID({index})"), (name, rep.errors)


@pytest.mark.interop
@pytest.mark.parametrize("power", [6, pytest.param(8, marks=pytest.mark.slow)])
def test_we_accept_snarkjs_transcript(snarkjs_ptau, power) -> None:
    pt = read_ptau(snarkjs_ptau(power))
    rep = pv.verify(pt)
    assert rep.ok, rep.errors
    assert rep.n_contributions == 2 and rep.phase2_prepared
    assert rep.contributions[0]["name"] == "zkproof test"
    assert rep.contributions[1]["type"] == "beacon"
    bad = copy.deepcopy(pt)
    bad.contributions[1].beacon_hash = bytes(32)
    rep = pv.verify(bad)
    assert not rep.ok and rep.errors[0].startswith("INVALID(2): beacon key")


@pytest.mark.interop
def test_prepare_phase2_is_byte_identical_to_snarkjs(npm_tools, tmp_path) -> None:
    p = pot.beacon(pot.contribute(pot.new(3), "x", "a"), BEACON, 10, "b")
    write_ptau(tmp_path / "in.ptau", p)
    npm_tools.run_snarkjs("powersoftau", "prepare", "phase2", tmp_path / "in.ptau", tmp_path / "s.ptau")
    write_ptau(tmp_path / "o.ptau", lagrange.prepare_phase2(p))
    assert (tmp_path / "o.ptau").read_bytes() == (tmp_path / "s.ptau").read_bytes()


@pytest.mark.interop
@pytest.mark.slow
def test_snarkjs_contributes_on_top_of_ours(npm_tools, tmp_path) -> None:
    """Mixed chain: our contribution, then snarkjs', then our beacon: both verifiers agree."""
    write_ptau(tmp_path / "a.ptau", pot.contribute(pot.new(2), "x", "ours"))
    npm_tools.run_snarkjs("powersoftau", "contribute", tmp_path / "a.ptau", tmp_path / "b.ptau",
                          "--name=theirs", "-e=their entropy")
    mixed = pot.beacon(read_ptau(tmp_path / "b.ptau"), BEACON, 10, "beacon")
    write_ptau(tmp_path / "c.ptau", mixed)
    rc, out = _snarkjs_verify(npm_tools, tmp_path / "c.ptau")
    assert rc == 0, out[-1500:]
    rep = pv.verify(mixed)
    assert rep.ok and [c["name"] for c in rep.contributions] == ["ours", "theirs", "beacon"]
