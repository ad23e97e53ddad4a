"""`zkproof zkey export soliditycalldata` prints exactly what snarkjs prints (ATTACKS B8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VEC = Path(__file__).resolve().parents[1] / "vectors" / "snarkjs"


@pytest.mark.interop
def test_calldata_identical_to_snarkjs(npm_tools):
    ours = subprocess.run([sys.executable, "-m", "zkproof.cli.main", "zkey", "export", "soliditycalldata",
                           "public.json", "proof.json"], cwd=VEC, capture_output=True, text=True)
    theirs = npm_tools.run_snarkjs("zkey", "export", "soliditycalldata", "public.json", "proof.json", cwd=VEC)
    assert ours.returncode == 0
    assert ours.stdout.strip() == theirs.stdout.strip()


def test_calldata_malformed_proof_is_exit_2(tmp_path):
    (tmp_path / "proof.json").write_text('{"pi_a": ["1"]}')
    (tmp_path / "public.json").write_text('["1"]')
    r = subprocess.run([sys.executable, "-m", "zkproof.cli.main", "zkey", "export", "soliditycalldata"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2 and "proof.json" in r.stderr and "Traceback" not in r.stderr
