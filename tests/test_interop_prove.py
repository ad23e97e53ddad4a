"""Our prover and dev setup against snarkjs 0.7.6 and circom2 on circomlib circuits.

* snarkjs' zkey + snarkjs' wtns -> our ``prove_files`` -> ``snarkjs groth16 verify`` says OK, and
  our ``public.json`` is byte-identical to snarkjs' own; a forged proof is refused by snarkjs.
* a tampered witness value makes ``check=True`` name the first violated constraint (index from
  the independent ``R1CS.first_unsatisfied``).
* snarkjs' zkey read and rewritten by us is byte-identical.
* our dev-setup zkey from the same circom ``.r1cs``: snarkjs exports its verification key, verifies our
  proof under it, and snarkjs' own prover on our key yields a proof that snarkjs and we accept.
"""

from __future__ import annotations

import json

import pytest

from zkproof.errors import ConstraintUnsatisfied
from zkproof.field.fr import R
from zkproof.formats.r1cs_file import read_r1cs
from zkproof.formats.wtns_file import read_wtns, write_wtns
from zkproof.formats.zkey_file import read_zkey, write_zkey, zkey_bytes
from zkproof.groth16.prove import prove_files
from zkproof.groth16.setup import dev_setup
from zkproof.groth16.verify import verify_files

pytestmark = [pytest.mark.interop, pytest.mark.prove]

# Poseidon(1) + LessThan(32): 452 constraints, 455 wires, domain 512 (fits a 2^10 ptau).
LEAF_CIRCUIT = """pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";

template LeafUnderLimit() {
    signal input balance;
    signal input nonce;
    signal input limit;
    signal output leaf;
    signal output ok;
    component h = Poseidon(1);
    h.inputs[0] <== balance + nonce * 18446744073709551616;
    leaf <== h.out;
    component lt = LessThan(32);
    lt.in[0] <== balance;
    lt.in[1] <== limit;
    ok <== lt.out;
}
component main {public [limit]} = LeafUnderLimit();
"""

def _wtns(npm_tools, circuit: dict, inputs: dict, d) -> str:
    (d / "input.json").write_text(json.dumps({k: str(v) for k, v in inputs.items()}))
    npm_tools.run_snarkjs("wtns", "calculate", circuit["wasm"], d / "input.json", d / "w.wtns")
    return str(d / "w.wtns")


def _snarkjs_verify(npm_tools, vk, public, proof) -> bool:
    proc = npm_tools.run_snarkjs("groth16", "verify", vk, public, proof, check=False)
    return proc.returncode == 0 and "OK" in proc.stdout


@pytest.fixture(scope="module")
def leaf(npm_tools, circom_circuit, snarkjs_ptau, tmp_path_factory):
    d = tmp_path_factory.mktemp("leaf")
    circuit = circom_circuit("leaf", LEAF_CIRCUIT)
    wtns = _wtns(npm_tools, circuit, {"balance": 1000, "nonce": 77, "limit": 5000}, d)
    zkey = d / "leaf_1.zkey"
    npm_tools.run_snarkjs("groth16", "setup", circuit["r1cs"], snarkjs_ptau(10), d / "leaf_0.zkey")
    npm_tools.run_snarkjs("zkey", "contribute", d / "leaf_0.zkey", zkey, "--name=one",
                          "-e=zkproof interop entropy")
    npm_tools.run_snarkjs("zkey", "export", "verificationkey", zkey, d / "vk.json")
    npm_tools.run_snarkjs("groth16", "prove", zkey, wtns, d / "proof_snarkjs.json", d / "public_snarkjs.json")
    return {"dir": d, "zkey": zkey, "wtns": wtns, "vk": d / "vk.json", "r1cs": circuit["r1cs"]}


def test_our_proof_on_snarkjs_zkey_verifies_in_snarkjs(npm_tools, leaf):
    d = leaf["dir"]
    prove_files(leaf["zkey"], leaf["wtns"], d / "proof.json", d / "public.json",
                check=True, r1cs_path=leaf["r1cs"])
    assert _snarkjs_verify(npm_tools, leaf["vk"], d / "public.json", d / "proof.json")
    assert (d / "public.json").read_bytes() == (d / "public_snarkjs.json").read_bytes()
    assert verify_files(leaf["vk"], d / "public.json", d / "proof.json")
    # twin: the same proof with another public value is refused by snarkjs
    public = json.loads((d / "public.json").read_text())
    public[2] = str(int(public[2]) + 1)
    (d / "public_bad.json").write_text(json.dumps(public))
    assert not _snarkjs_verify(npm_tools, leaf["vk"], d / "public_bad.json", d / "proof.json")


def test_tampered_witness_names_the_constraint(leaf, tmp_path):
    r1cs = read_r1cs(leaf["r1cs"])
    w = read_wtns(leaf["wtns"])
    w[r1cs.n_public + 5] = (w[r1cs.n_public + 5] + 1) % R
    expected = r1cs.first_unsatisfied(w)
    assert expected is not None and expected >= 0
    write_wtns(tmp_path / "bad.wtns", w)
    with pytest.raises(ConstraintUnsatisfied, match=f"constraint {expected} "):
        prove_files(leaf["zkey"], tmp_path / "bad.wtns", tmp_path / "p.json", tmp_path / "pub.json",
                    check=True, r1cs_path=leaf["r1cs"])
    assert not (tmp_path / "p.json").exists() and not (tmp_path / "pub.json").exists()


def test_snarkjs_zkey_round_trips_byte_identical(leaf, tmp_path):
    data = leaf["zkey"].read_bytes()
    pk = read_zkey(leaf["zkey"])
    assert (pk.n_vars, pk.n_public, pk.domain_size) == (455, 3, 512)
    assert zkey_bytes(pk) == data
    write_zkey(tmp_path / "copy.zkey", pk)
    assert (tmp_path / "copy.zkey").read_bytes() == data
    assert not pk.dev_setup
    assert len(pk.extra["contributions"]) > 64 + 4  # one contribution, kept verbatim
    fresh = leaf["dir"] / "leaf_0.zkey"  # straight from `groth16 setup`: 0 contributions
    assert zkey_bytes(read_zkey(fresh)) == fresh.read_bytes()


def test_coefficient_section_matches_snarkjs(leaf):
    from zkproof.r1cs.qap import coefficient_section, domain_size

    r1cs = read_r1cs(leaf["r1cs"])
    pk = read_zkey(leaf["zkey"])
    assert coefficient_section(r1cs) == pk.coeffs
    assert domain_size(r1cs.n_constraints, r1cs.n_public) == pk.domain_size


def test_dev_setup_zkey_is_read_and_verified_by_snarkjs(npm_tools, leaf, tmp_path):
    r1cs, wtns = read_r1cs(leaf["r1cs"]), leaf["wtns"]
    zkey, vk = tmp_path / "dev.zkey", tmp_path / "vk.json"
    write_zkey(zkey, dev_setup(r1cs, quiet=True))
    npm_tools.run_snarkjs("zkey", "export", "verificationkey", zkey, vk)
    prove_files(zkey, wtns, tmp_path / "proof.json", tmp_path / "public.json", check=True,
                r1cs_path=leaf["r1cs"])
    assert _snarkjs_verify(npm_tools, vk, tmp_path / "public.json", tmp_path / "proof.json")
    # snarkjs' own prover on our key (exercises our A/B/C/H sections through its code)
    npm_tools.run_snarkjs("groth16", "prove", zkey, wtns, tmp_path / "sp.json", tmp_path / "spub.json")
    assert _snarkjs_verify(npm_tools, vk, tmp_path / "spub.json", tmp_path / "sp.json")
    assert verify_files(vk, tmp_path / "spub.json", tmp_path / "sp.json", allow_dev=True)
    # twin: a key from another dev setup does not accept the proof
    other = tmp_path / "other.zkey"
    write_zkey(other, dev_setup(r1cs, quiet=True))
    npm_tools.run_snarkjs("zkey", "export", "verificationkey", other, tmp_path / "vk_other.json")
    assert not _snarkjs_verify(npm_tools, tmp_path / "vk_other.json", tmp_path / "public.json",
                               tmp_path / "proof.json")
