"""Run the npm peers that tests and benchmarks compare against: snarkjs, circom2, solc, circomlibjs.

They are installed by ``make tools`` into ``tools/npm/node_modules`` (pinned in
``tools/npm/package.json`` / ``package-lock.json``). ``ZKPROOF_NPM_DIR`` overrides the location.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NPM_DIR = Path(os.environ.get("ZKPROOF_NPM_DIR", REPO / "tools" / "npm"))
NODE_MODULES = NPM_DIR / "node_modules"


class ToolMissing(RuntimeError):
    pass


def node() -> str:
    exe = shutil.which("node")
    if not exe:
        raise ToolMissing("node is not on PATH")
    return exe


def module_path(*parts: str) -> Path:
    p = NODE_MODULES.joinpath(*parts)
    if not p.exists():
        raise ToolMissing(f"{p} is missing: run `make tools`")
    return p


def snarkjs_cli() -> list[str]:
    return [node(), str(module_path("snarkjs", "build", "cli.cjs"))]


def run_snarkjs(*args: str | os.PathLike, cwd: str | os.PathLike | None = None,
                check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``snarkjs ARGS`` and return the completed process (stdout/stderr as text)."""
    cmd = [*snarkjs_cli(), *map(str, args)]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"snarkjs {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc


def circom_compile(source: str, name: str, workdir: str | os.PathLike,
                   timeout: float = 600) -> dict[str, Path]:
    """Compile circom ``source`` as ``workdir/name.circom`` with circomlib reachable as
    ``include "circomlib/circuits/..."``; returns paths of ``r1cs``, ``wasm``, ``sym``.

    circom2 (WASM) cannot read include paths outside its working directory, so circomlib's
    ``circuits/`` is copied next to the source.
    """
    wd = Path(workdir)
    wd.mkdir(parents=True, exist_ok=True)
    lib = wd / "circomlib" / "circuits"
    if not lib.exists():
        shutil.copytree(module_path("circomlib", "circuits"), lib)
    (wd / f"{name}.circom").write_text(source)
    cmd = [node(), str(module_path("circom2", "cli.js")), f"{name}.circom",
           "--r1cs", "--wasm", "--sym", "-l", ".", "-o", "."]
    proc = subprocess.run(cmd, cwd=wd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"circom2 failed on {name}.circom:\n{proc.stdout}\n{proc.stderr}")
    return {"r1cs": wd / f"{name}.r1cs", "wasm": wd / f"{name}_js" / f"{name}.wasm",
            "sym": wd / f"{name}.sym"}


def run_node_script(script: str, *args: str, cwd: str | os.PathLike | None = None,
                    timeout: float = 600) -> str:
    """Run a JavaScript snippet with node, resolving modules from ``tools/npm/node_modules``."""
    env = dict(os.environ, NODE_PATH=str(NODE_MODULES))
    proc = subprocess.run([node(), "-e", script, "--", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"node script failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


# --- cached artefacts shared by tests (conftest fixtures) and benchmarks ----------------------

CACHE = REPO / ".cache"
BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


def locked_build(target: Path, build) -> Path:
    """Build ``target`` once across concurrent processes (flock + the builder's atomic rename)."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(str(target) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            build(target)
    return target


def cached_ptau(power: int) -> Path:
    """A snarkjs-made, phase2-prepared ptau (one contribution and a beacon), cached under
    ``.cache/ptau/``."""
    import tempfile

    def build(target: Path) -> None:
        with tempfile.TemporaryDirectory() as d:
            run_snarkjs("powersoftau", "new", "bn128", str(power), "p0.ptau", cwd=d)
            run_snarkjs("powersoftau", "contribute", "p0.ptau", "p1.ptau", "--name=zkproof test",
                        "-e=zkproof test entropy", cwd=d)
            run_snarkjs("powersoftau", "beacon", "p1.ptau", "p2.ptau", BEACON, "10", "--name=beacon", cwd=d)
            run_snarkjs("powersoftau", "prepare", "phase2", "p2.ptau", "final.ptau", cwd=d)
            tmp = target.with_suffix(".tmp")
            shutil.copy(f"{d}/final.ptau", tmp)
            tmp.replace(target)

    return locked_build(CACHE / "ptau" / f"pot{power}_final.ptau", build)


def cached_circuit(name: str, source: str) -> dict[str, Path]:
    """circom2 compilation of ``source`` cached under ``.cache/circom/<sha>/``: paths of
    ``r1cs``, ``wasm``, ``sym`` and the ``dir``."""
    import hashlib

    out = CACHE / "circom" / hashlib.sha256(f"{name}\n{source}".encode()).hexdigest()[:16]

    def build(target: Path) -> None:
        work = target.with_name(target.name + ".build")
        shutil.rmtree(work, ignore_errors=True)
        circom_compile(source, name, work)
        shutil.rmtree(work / "circomlib", ignore_errors=True)
        (work / "done").write_text("ok")
        work.replace(target)

    locked_build(out, build)
    return {"r1cs": out / f"{name}.r1cs", "wasm": out / f"{name}_js" / f"{name}.wasm",
            "sym": out / f"{name}.sym", "dir": out}
