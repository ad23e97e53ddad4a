"""The ceremony through the CLI, as a participant runs it: snarkjs' command shapes, the exit
codes of SPEC §4/§6 (0 valid, 1 invalid, 2 malformed, 3 insecure) and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zkproof.field.fr import R
from zkproof.formats.r1cs_file import write_r1cs
from zkproof.formats.snarkjs_json import parse_vk
from zkproof.r1cs.constraints import R1CS

BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    return subprocess.run([sys.executable, "-m", "zkproof.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def _circuit() -> R1CS:
    return R1CS(n_wires=5, n_pub_out=1, n_pub_in=0, n_prv_in=2, constraints=[
        ({2: 1}, {3: 1}, {4: 1}), ({4: 1}, {2: 1}, {1: 1, 0: R - 3})])


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    steps = [("powersoftau", "new", "bn128", "2", "pot_0000.ptau"),
             ("powersoftau", "contribute", "pot_0000.ptau", "pot_0001.ptau", "--name", "alice",
              "-e", "some entropy"),
             ("powersoftau", "beacon", "pot_0001.ptau", "pot_beacon.ptau", BEACON, "10", "-n", "b"),
             ("powersoftau", "prepare", "phase2", "pot_beacon.ptau", "pot_final.ptau")]
    for s in steps:
        p = run(*s, cwd=d)
        assert p.returncode == 0, (s, p.stderr[-2000:])
    write_r1cs(d / "circuit.r1cs", _circuit())
    return d


def test_ptau_verify_exit_codes(ceremony) -> None:
    ok = run("powersoftau", "verify", "pot_final.ptau", cwd=ceremony)
    assert ok.returncode == 0 and "Powers of tau OK" in ok.stdout
    assert "'alice'" in ok.stdout and "beacon" in ok.stdout
    import hashlib

    pinned = hashlib.blake2b((ceremony / "pot_final.ptau").read_bytes(), digest_size=64).hexdigest()
    assert run("powersoftau", "verify", "pot_final.ptau", "--hash", pinned, cwd=ceremony).returncode == 0
    other = run("powersoftau", "verify", "pot_final.ptau", "--hash", "00" * 64, cwd=ceremony)
    assert other.returncode == 1 and "ptau hash mismatch" in other.stderr
    zero = run("powersoftau", "verify", "pot_0000.ptau", "--json", cwd=ceremony)
    assert zero.returncode == 1
    rep = json.loads(zero.stdout)
    assert rep["n_contributions"] == 0 and not rep["ok"] and "0 contributions" in rep["errors"][0]


def test_malformed_inputs_exit_2_with_one_line(ceremony) -> None:
    (ceremony / "trunc.ptau").write_bytes((ceremony / "pot_final.ptau").read_bytes()[:-5])
    p = run("powersoftau", "verify", "trunc.ptau", cwd=ceremony)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "trunc.ptau" in p.stderr
    p = run("powersoftau", "beacon", "pot_0001.ptau", "x.ptau", "0xzz", "10", cwd=ceremony)
    assert p.returncode == 2 and "hexadecimal" in p.stderr and not (ceremony / "x.ptau").exists()
    p = run("powersoftau", "beacon", "pot_0001.ptau", "x.ptau", BEACON, "5", cwd=ceremony)
    assert p.returncode == 2 and "numIterationsExp" in p.stderr
    p = run("powersoftau", "new", "bls12381", "2", "x.ptau", cwd=ceremony)
    assert p.returncode == 2 and "bn128" in p.stderr


def test_zkey_flow_and_insecure_export(ceremony) -> None:
    d = ceremony
    assert run("zkey", "new", "circuit.r1cs", "pot_final.ptau", "c_0000.zkey", cwd=d).returncode == 0
    insecure = run("zkey", "export", "verificationkey", "c_0000.zkey", "vk0.json", cwd=d)
    assert insecure.returncode == 3 and "gamma == delta" in insecure.stderr
    assert not (d / "vk0.json").exists()
    sol = run("zkey", "export", "solidityverifier", "c_0000.zkey", "v0.sol", cwd=d)
    assert sol.returncode == 3 and not (d / "v0.sol").exists()
    v0 = run("zkey", "verify", "circuit.r1cs", "pot_final.ptau", "c_0000.zkey", cwd=d)
    assert v0.returncode == 1 and "0 contributions" in v0.stderr
    assert run("zkey", "contribute", "c_0000.zkey", "c_0001.zkey", "-n", "bob", "-e", "e",
               cwd=d).returncode == 0
    assert run("zkey", "beacon", "c_0001.zkey", "c_final.zkey", BEACON, "10", "-n", "z",
               cwd=d).returncode == 0
    ok = run("zkey", "verify", "circuit.r1cs", "pot_final.ptau", "c_final.zkey", cwd=d)
    assert ok.returncode == 0 and "ZKey OK" in ok.stdout, ok.stderr
    assert run("zkey", "export", "verificationkey", "c_final.zkey", "vk.json", cwd=d).returncode == 0
    vk = parse_vk(json.loads((d / "vk.json").read_text()), "vk.json")
    assert vk.n_public == 1 and vk.gamma_g2 != vk.delta_g2


def test_zkey_new_refuses_small_ptau(ceremony, tmp_path) -> None:
    for s in (("powersoftau", "new", "bn128", "1", "p0.ptau"),
              ("powersoftau", "contribute", "p0.ptau", "p1.ptau", "-e", "x"),
              ("powersoftau", "prepare", "phase2", "p1.ptau", "p2.ptau")):
        assert run(*s, cwd=tmp_path).returncode == 0
    (tmp_path / "circuit.r1cs").write_bytes((ceremony / "circuit.r1cs").read_bytes())
    p = run("zkey", "new", "circuit.r1cs", "p2.ptau", "c.zkey", cwd=tmp_path)
    assert p.returncode == 2 and "ptau power 1 < required 2" in p.stderr
    assert not (tmp_path / "c.zkey").exists()
    p = run("zkey", "new", "circuit.r1cs", "pot_beacon.ptau", "c.zkey", cwd=ceremony)
    assert p.returncode == 2 and "prepare phase2" in p.stderr


def test_partial_prepare_serves_its_circuit_power_only(ceremony, tmp_path) -> None:
    """``prepare phase2 --circuit-power K``: zkey new from the partial file is byte-identical to
    zkey new from the full prepare; ``powersoftau verify`` calls the partial file invalid; the
    command warns; a power above the file's is a one-line exit 2 with nothing written."""
    from zkproof.ceremony.zkey_new import circuit_power

    d = ceremony
    k = circuit_power(_circuit())
    p = run("powersoftau", "prepare", "phase2", "pot_beacon.ptau", str(tmp_path / "part.ptau"),
            "--circuit-power", str(k), cwd=d)
    assert p.returncode == 0 and "WARNING: partial prepare" in p.stderr, p.stderr
    assert run("zkey", "new", "circuit.r1cs", str(tmp_path / "part.ptau"), str(tmp_path / "a.zkey"),
               cwd=d).returncode == 0
    assert run("zkey", "new", "circuit.r1cs", "pot_final.ptau", str(tmp_path / "b.zkey"),
               cwd=d).returncode == 0
    assert (tmp_path / "a.zkey").read_bytes() == (tmp_path / "b.zkey").read_bytes()
    assert run("powersoftau", "verify", str(tmp_path / "part.ptau"), cwd=d).returncode == 1
    bad = run("powersoftau", "prepare", "phase2", "pot_beacon.ptau", str(tmp_path / "x.ptau"),
              "--circuit-power", "9", cwd=d)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--circuit-power" in bad.stderr
    assert not (tmp_path / "x.ptau").exists()


def test_zkey_contribution_after_the_beacon_is_refused(ceremony, tmp_path) -> None:
    """C4: `zkey contribute` on a key a beacon closed exits 2 with one line naming the beacon,
    and nothing is written (no key that only `zkey verify` would reject)."""
    d = ceremony
    for s in (("zkey", "new", "circuit.r1cs", "pot_final.ptau", str(tmp_path / "k0.zkey")),
              ("zkey", "contribute", str(tmp_path / "k0.zkey"), str(tmp_path / "k1.zkey"), "-e", "x"),
              ("zkey", "beacon", str(tmp_path / "k1.zkey"), str(tmp_path / "kb.zkey"), BEACON, "10")):
        assert run(*s, cwd=d).returncode == 0, s
    late = run("zkey", "contribute", str(tmp_path / "kb.zkey"), str(tmp_path / "late.zkey"),
               "-n", "late", "-e", "y", cwd=d)
    assert late.returncode == 2 and late.stderr.count("\n") == 1, late.stderr
    assert "kb.zkey: section 10 (contributions): contribution 2: phase 2 is closed by this beacon" \
        in late.stderr
    assert not (tmp_path / "late.zkey").exists()
