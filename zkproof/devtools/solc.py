"""Compile Solidity with the pinned solc-js (npm ``solc``) through its standard-JSON interface.

Why not ``solcjs`` on the command line: it has no ``--evm-version``, and newer compilers default
to forks newer than py-evm's (py-evm lags the newest forks). The standard-JSON input sets
``evmVersion`` explicitly, so the bytecode we test is the bytecode a deployer would get with the
same settings.

Loading the WASM compiler costs ~1 s, so results are cached twice: in-process (a dict) and on
disk under ``.cache/solc/<sha256 of the input JSON and compiler version>.json``. The key covers
every source byte and setting, so a stale hit is impossible.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zkproof.devtools import npm

SOLC_VERSION = "0.8.28"
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200
CACHE_DIR = Path(os.environ.get("ZKPROOF_SOLC_CACHE", npm.REPO / ".cache" / "solc"))

# Reads the standard-JSON input on stdin, prints the compiler version and the output JSON.
_COMPILE_JS = r"""
const solc = require('solc');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(solc.compile(input))}));
});
"""

_MEMO: dict[str, dict[str, CompiledContract]] = {}


class SolcError(RuntimeError):
    """solc reported at least one error (message lists every error with its location)."""


@dataclass(frozen=True)
class CompiledContract:
    """One contract of a compilation: ABI, creation bytecode, runtime bytecode, selectors."""

    name: str
    abi: list
    bytecode: bytes
    deployed_bytecode: bytes
    method_identifiers: dict  # "verifyProof(uint256[2],...)" -> "43753b4d"


def standard_input(sources: dict[str, str], *, evm_version: str = EVM_VERSION,
                   optimizer_runs: int | None = OPTIMIZER_RUNS) -> dict:
    """The solc standard-JSON input for ``sources`` (file name -> Solidity text)."""
    optimizer = {"enabled": optimizer_runs is not None, "runs": optimizer_runs or 200}
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sorted(sources.items())},
        "settings": {
            "evmVersion": evm_version,
            "optimizer": optimizer,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object",
                                            "evm.deployedBytecode.object",
                                            "evm.methodIdentifiers"]}},
        },
    }


def compile_sources(sources: dict[str, str], *, evm_version: str = EVM_VERSION,
                    optimizer_runs: int | None = OPTIMIZER_RUNS) -> dict[str, CompiledContract]:
    """Compile ``sources`` and return every contract by name (``"Groth16Verifier"``).

    Arguments:
        sources: file name -> Solidity source; imports between them resolve by file name.
        evm_version: solc ``evmVersion`` ("cancun" runs on py-evm's Cancun and Prague VMs).
        optimizer_runs: optimizer ``runs``; ``None`` disables the optimizer.

    Raises:
        SolcError: the compiler reported errors (warnings are ignored).
    """
    inp = json.dumps(standard_input(sources, evm_version=evm_version,
                                    optimizer_runs=optimizer_runs), sort_keys=True)
    key = hashlib.sha256(f"solc {SOLC_VERSION}\n{inp}".encode()).hexdigest()
    if key not in _MEMO:
        _MEMO[key] = _parse(_cached_output(key, inp))
    return _MEMO[key]


def _cached_output(key: str, inp: str) -> dict:
    path = CACHE_DIR / f"{key}.json"
    if path.exists():
        return json.loads(path.read_text())
    out = _run_solc(inp)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=CACHE_DIR, delete=False, suffix=".tmp") as f:
        json.dump(out, f)
    os.replace(f.name, path)  # atomic: concurrent sessions never read half a file
    return out


def _run_solc(inp: str) -> dict:
    env = dict(os.environ, NODE_PATH=str(npm.NODE_MODULES))
    npm.module_path("solc", "soljson.js")
    proc = subprocess.run([npm.node(), "-e", _COMPILE_JS], input=inp, capture_output=True,
                          text=True, timeout=600, env=env)
    if proc.returncode != 0:
        raise SolcError(f"solc-js failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout)
    if not result["version"].startswith(SOLC_VERSION + "+"):
        raise SolcError(f"expected solc {SOLC_VERSION}, got {result['version']}")
    out = result["output"]
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise SolcError("\n".join(e.get("formattedMessage", e["message"]) for e in errors))
    return out


def _parse(out: dict) -> dict[str, CompiledContract]:
    contracts = {}
    for file_contracts in out.get("contracts", {}).values():
        for name, c in file_contracts.items():
            evm = c["evm"]
            contracts[name] = CompiledContract(
                name=name, abi=c["abi"],
                bytecode=bytes.fromhex(evm["bytecode"]["object"]),
                deployed_bytecode=bytes.fromhex(evm["deployedBytecode"]["object"]),
                method_identifiers=evm.get("methodIdentifiers", {}))
    return contracts


def compile_files(*paths: str | os.PathLike, **kwargs) -> dict[str, CompiledContract]:
    """Compile Solidity files; each is known to the compiler by its base name (for imports)."""
    return compile_sources({Path(p).name: Path(p).read_text() for p in paths}, **kwargs)
