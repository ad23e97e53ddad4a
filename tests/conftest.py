"""Shared pytest configuration: hypothesis profiles, the npm peers, temp dirs."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def npm_tools():
    """The npm peers (snarkjs, circom2, circomlib, circomlibjs, solc).

    Missing tools FAIL the test (never skip): `make test` installs them, so their absence is a
    broken setup, not an optional feature.
    """
    from zkproof.devtools import npm

    try:
        npm.snarkjs_cli()
        npm.module_path("circom2", "cli.js")
        npm.module_path("circomlib", "circuits")
    except npm.ToolMissing as exc:
        pytest.fail(f"npm tools missing: {exc}")
    return npm


# --- cached artefacts made by the npm peers (shared by every interop test) ------------------

CACHE = __import__("pathlib").Path(__file__).resolve().parents[1] / ".cache"


def _locked_build(target, build):
    """Build ``target`` once across concurrent pytest processes (flock + atomic rename)."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(str(target) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            build(target)
    return target


@pytest.fixture(scope="session")
def snarkjs_ptau(npm_tools):
    """``snarkjs_ptau(power) -> Path``: a snarkjs-made, phase2-prepared ptau (one contribution
    and a beacon), cached under ``.cache/ptau/`` (the test tmp dirs are not shared)."""
    import shutil
    import tempfile

    def make(power: int):
        def build(target):
            with tempfile.TemporaryDirectory() as d:
                npm_tools.run_snarkjs("powersoftau", "new", "bn128", str(power), "p0.ptau", cwd=d)
                npm_tools.run_snarkjs("powersoftau", "contribute", "p0.ptau", "p1.ptau",
                                      "--name=zkproof test", "-e=zkproof test entropy", cwd=d)
                npm_tools.run_snarkjs("powersoftau", "beacon", "p1.ptau", "p2.ptau",
                                      "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                                      "10", "--name=beacon", cwd=d)
                npm_tools.run_snarkjs("powersoftau", "prepare", "phase2", "p2.ptau", "final.ptau", cwd=d)
                tmp = target.with_suffix(".tmp")
                shutil.copy(f"{d}/final.ptau", tmp)
                tmp.replace(target)

        return _locked_build(CACHE / "ptau" / f"pot{power}_final.ptau", build)

    return make


@pytest.fixture(scope="session")
def circom_circuit(npm_tools):
    """``circom_circuit(name, source) -> dict`` with ``r1cs``, ``wasm``, ``sym``, ``dir`` paths,
    compiled once per distinct source and cached under ``.cache/circom/<sha>/``."""
    import hashlib
    import shutil

    def make(name: str, source: str) -> dict:
        key = hashlib.sha256(f"{name}\n{source}".encode()).hexdigest()[:16]
        out = CACHE / "circom" / key

        def build(target):
            work = target.with_name(target.name + ".build")
            shutil.rmtree(work, ignore_errors=True)
            npm_tools.circom_compile(source, name, work)
            shutil.rmtree(work / "circomlib", ignore_errors=True)
            (work / "done").write_text("ok")
            work.replace(target)

        _locked_build(out, build)
        return {"r1cs": out / f"{name}.r1cs", "wasm": out / f"{name}_js" / f"{name}.wasm",
                "sym": out / f"{name}.sym", "dir": out}

    return make
