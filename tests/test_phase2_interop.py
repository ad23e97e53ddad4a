"""Phase 2 both ways with snarkjs 0.7.6 on a circom2-compiled circuit and a snarkjs ptau:
``zkey new`` byte identity, snarkjs verifies our contributions, we verify snarkjs', and a
snarkjs proof made with our ceremony key verifies under the VK we export."""

from __future__ import annotations

import dataclasses
import json

import pytest

from zkproof.ceremony import phase2
from zkproof.ceremony import phase2_verify as p2v
from zkproof.ceremony.zkey_new import new_zkey
from zkproof.curve.bn254 import G1_GENERATOR, g1_mul
from zkproof.formats.ptau_file import read_ptau
from zkproof.formats.r1cs_file import read_r1cs
from zkproof.formats.snarkjs_json import dump_vk, write_json
from zkproof.formats.zkey_file import read_zkey, write_zkey

BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
SOURCE = """pragma circom 2.0.0;
template M() {
    signal input a; signal input b; signal output c; signal d;
    d <== a * b;
    c <== d * a + 3;
}
component main {public [a]} = M();
"""

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def setup(circom_circuit, snarkjs_ptau, npm_tools, tmp_path_factory):
    c = circom_circuit("ceremony_mul", SOURCE)
    ptau_path = snarkjs_ptau(6)
    d = tmp_path_factory.mktemp("p2")
    r1cs, pt = read_r1cs(c["r1cs"]), read_ptau(ptau_path)
    init = new_zkey(r1cs, pt)
    write_zkey(d / "ours_0000.zkey", init)
    k1 = phase2.contribute(init, "alice entropy", "alice")
    k2 = phase2.beacon(k1, BEACON, 10, "beacon")
    write_zkey(d / "ours_final.zkey", k2)
    return {"c": c, "ptau": ptau_path, "d": d, "r1cs": r1cs, "pt": pt, "init": init, "final": k2}


def _snarkjs_zkey_verify(npm_tools, s, zkey) -> tuple[int, str]:
    p = npm_tools.run_snarkjs("zkey", "verify", s["c"]["r1cs"], s["ptau"], zkey, check=False)
    return p.returncode, p.stdout + p.stderr


def test_zkey_new_is_byte_identical_to_snarkjs(npm_tools, setup) -> None:
    d = setup["d"]
    npm_tools.run_snarkjs("zkey", "new", setup["c"]["r1cs"], setup["ptau"], d / "s_0000.zkey")
    assert (d / "s_0000.zkey").read_bytes() == (d / "ours_0000.zkey").read_bytes()


def test_snarkjs_verifies_our_contributions(npm_tools, setup) -> None:
    rc, out = _snarkjs_zkey_verify(npm_tools, setup, setup["d"] / "ours_final.zkey")
    assert rc == 0 and "ZKey Ok!" in out, out[-1500:]


def test_tampered_delta_after_refused_by_both(npm_tools, setup) -> None:
    final = setup["final"]
    mp = phase2.mpc_params_of(final)
    mp.contributions[0].delta_after = g1_mul(G1_GENERATOR, 7)
    bad = dataclasses.replace(final, extra=dict(final.extra, contributions=phase2.mpc_params_bytes(mp)))
    write_zkey(setup["d"] / "bad.zkey", bad)
    rc, out = _snarkjs_zkey_verify(npm_tools, setup, setup["d"] / "bad.zkey")
    assert "ZKey Ok!" not in out and "INVALID" in out
    rep = p2v.verify_from_r1cs(setup["r1cs"], setup["pt"], read_zkey(setup["d"] / "bad.zkey"))
    assert not rep.ok and rep.errors[0].startswith("INVALID(1)")


def test_we_verify_snarkjs_contributions(npm_tools, setup) -> None:
    d = setup["d"]
    npm_tools.run_snarkjs("zkey", "new", setup["c"]["r1cs"], setup["ptau"], d / "t0.zkey")
    npm_tools.run_snarkjs("zkey", "contribute", d / "t0.zkey", d / "t1.zkey", "--name=carol", "-e=xyz")
    npm_tools.run_snarkjs("zkey", "beacon", d / "t1.zkey", d / "t2.zkey", BEACON, "10", "-n=final")
    rep = p2v.verify_from_r1cs(setup["r1cs"], setup["pt"], read_zkey(d / "t2.zkey"))
    assert rep.ok, rep.errors
    assert [c["name"] for c in rep.contributions] == ["carol", "final"]
    rep0 = p2v.verify_from_r1cs(setup["r1cs"], setup["pt"], read_zkey(d / "t0.zkey"))
    assert not rep0.ok and "0 contributions" in rep0.errors[0]


def test_snarkjs_proof_with_our_key_verifies_under_our_vk(npm_tools, setup) -> None:
    d = setup["d"]
    (d / "input.json").write_text(json.dumps({"a": 3, "b": 5}))
    npm_tools.run_snarkjs("wtns", "calculate", setup["c"]["wasm"], d / "input.json", d / "w.wtns")
    npm_tools.run_snarkjs("groth16", "prove", d / "ours_final.zkey", d / "w.wtns",
                          d / "proof.json", d / "public.json")
    write_json(d / "vk.json", dump_vk(phase2.export_verification_key(setup["final"])))
    ok = npm_tools.run_snarkjs("groth16", "verify", d / "vk.json", d / "public.json", d / "proof.json",
                               check=False)
    assert ok.returncode == 0 and "OK" in ok.stdout
    assert json.loads((d / "public.json").read_text()) == ["48", "3"]
    (d / "public_bad.json").write_text(json.dumps(["49", "3"]))
    bad = npm_tools.run_snarkjs("groth16", "verify", d / "vk.json", d / "public_bad.json",
                                d / "proof.json", check=False)
    assert bad.returncode != 0


def test_our_beacon_on_top_of_snarkjs_contribution(npm_tools, setup) -> None:
    """Mixed chain: snarkjs zkey new + snarkjs contribution, then our beacon: both verify."""
    d = setup["d"]
    npm_tools.run_snarkjs("zkey", "new", setup["c"]["r1cs"], setup["ptau"], d / "m0.zkey")
    npm_tools.run_snarkjs("zkey", "contribute", d / "m0.zkey", d / "m1.zkey", "--name=dave", "-e=q")
    mixed = phase2.beacon(read_zkey(d / "m1.zkey"), BEACON, 10, "ours")
    write_zkey(d / "m2.zkey", mixed)
    rc, out = _snarkjs_zkey_verify(npm_tools, setup, d / "m2.zkey")
    assert rc == 0 and "ZKey Ok!" in out, out[-1500:]
    rep = p2v.verify_from_r1cs(setup["r1cs"], setup["pt"], mixed)
    assert rep.ok and [c["name"] for c in rep.contributions] == ["dave", "ours"]
