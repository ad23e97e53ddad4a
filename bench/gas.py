"""Gas of one on-chain Groth16 verification and of publishing one epoch, ours next to snarkjs'.

    .venv/bin/python -m bench.gas [--json]

Every number comes from a real execution on py-evm with an explicit gas limit (not
``estimate_gas``, which under-reports snarkjs' verifier: it returns false when the pairing runs
short of gas, so the binary search settles too low). Both verifiers are generated from the same
snarkjs key (circom circuit with the epoch header as public inputs), compiled by the same solc
with the same settings, and called with the same snarkjs proof, in the same run.

Columns: ``exec`` is the execution gas of the call frame; ``tx`` adds the 21,000 base and the
calldata gas (what a transaction pays, before refunds); ``estimate`` is eth-tester's
``estimate_gas`` for the same call.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from zkproof.devtools import npm, solc
from zkproof.devtools.evm import Contract, EvmChain
from zkproof.solidity import export, registry
from zkproof.solidity import fixtures as fx

CACHE = npm.REPO / ".cache"


def _ptau(power: int) -> Path:
    """The same cached ptau as the test fixture ``snarkjs_ptau`` (same path, same recipe)."""
    target = CACHE / "ptau" / f"pot{power}_final.ptau"

    def build(t: Path) -> None:
        with tempfile.TemporaryDirectory() as d:
            npm.run_snarkjs("powersoftau", "new", "bn128", str(power), "p0.ptau", cwd=d)
            npm.run_snarkjs("powersoftau", "contribute", "p0.ptau", "p1.ptau",
                            "--name=zkproof test", "-e=zkproof test entropy", cwd=d)
            npm.run_snarkjs("powersoftau", "beacon", "p1.ptau", "p2.ptau",
                            "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                            "10", "--name=beacon", cwd=d)
            npm.run_snarkjs("powersoftau", "prepare", "phase2", "p2.ptau", "final.ptau", cwd=d)
            shutil.copy(f"{d}/final.ptau", t.with_suffix(".tmp"))
            t.with_suffix(".tmp").replace(t)

    return fx._locked(target, build)


def _circuit(name: str, source: str) -> dict:
    """The same cached compilation as the test fixture ``circom_circuit``."""
    out = CACHE / "circom" / hashlib.sha256(f"{name}\n{source}".encode()).hexdigest()[:16]

    def build(t: Path) -> None:
        work = t.with_name(t.name + ".build")
        shutil.rmtree(work, ignore_errors=True)
        npm.circom_compile(source, name, work)
        shutil.rmtree(work / "circomlib", ignore_errors=True)
        (work / "done").write_text("ok")
        work.replace(t)

    fx._locked(out, build)
    return {"r1cs": out / f"{name}.r1cs", "wasm": out / f"{name}_js" / f"{name}.wasm"}


def _estimate(chain: EvmChain, contract: Contract, data: bytes) -> int:
    tx = {"from": chain.account(0), "to": contract.address, "data": data, "value": 0}
    return chain.backend.estimate_gas(tx)


def measure() -> dict:
    n = fx.header_fields()
    key = fx.snarkjs_key(_circuit(f"epoch{n}", fx.epoch_circuit(n)), _ptau(fx.PTAU_POWER))
    vk = fx.parse_vk_file(key.vk_json)
    chain = EvmChain()
    header = fx.header(1, chain.next_timestamp - 60, 11, 22, 33)
    (pj, pub), = fx.snarkjs_prove(key, [header])
    proof, inputs = fx.parse_proof_obj(pj, pub)
    args = export.proof_calldata_args(proof, inputs)

    ours_c, snark_c = fx.compile_verifiers(key)
    reg_c = fx.compile_registry()
    rows = {}
    for label, compiled in (("zkproof", ours_c), ("snarkjs", snark_c)):
        verifier = chain.deploy(compiled)
        res = verifier.call("verifyProof", *args, gas=1_000_000)
        assert res.success and res.value is True, (label, res.error)
        est = _estimate(chain, verifier, verifier.encode("verifyProof", *args))
        reg = chain.deploy(reg_c, ["address", "bytes32", "address"],
                           [verifier.address, export.vk_hash(vk), chain.account(0)])
        pub_res = reg.transact("publish", *args, gas=2_000_000)
        assert pub_res.success, (label, pub_res.error)
        rows[label] = {"verify_exec": res.gas_used, "verify_tx": res.intrinsic_gas + res.gas_used,
                       "verify_estimate": est, "publish_tx": pub_res.tx_gas,
                       "runtime_bytes": len(compiled.deployed_bytecode)}
    assert registry.statement_hash(header)  # the header is well-formed
    return {"solc": solc.SOLC_VERSION, "evm_version": solc.EVM_VERSION,
            "optimizer_runs": solc.OPTIMIZER_RUNS, "n_public": n, "rows": rows,
            "precompile_floor": 45_000 + 4 * 34_000 + n * (6_000 + 150)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ns = ap.parse_args(argv)
    m = measure()
    if ns.json:
        print(json.dumps(m, indent=2))
        return 0
    print(f"Groth16 on-chain gas, {m['n_public']} public inputs, solc {m['solc']} "
          f"(evmVersion {m['evm_version']}, optimizer runs {m['optimizer_runs']}), py-evm")
    print(f"precompile floor (ecPairing 4 pairs + {m['n_public']} x (ecMul + ecAdd)): "
          f"{m['precompile_floor']:,}")
    cols = ("verify_exec", "verify_tx", "verify_estimate", "publish_tx", "runtime_bytes")
    print(f"{'verifier':<10}" + "".join(f"{c:>17}" for c in cols))
    for label, row in m["rows"].items():
        print(f"{label:<10}" + "".join(f"{row[c]:>17,}" for c in cols))
    ours, theirs = m["rows"]["zkproof"], m["rows"]["snarkjs"]
    d = ours["verify_exec"] - theirs["verify_exec"]
    print(f"zkproof - snarkjs, verify exec gas: {d:+,}; publish tx gas: "
          f"{ours['publish_tx'] - theirs['publish_tx']:+,}")
    return 0 if d <= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
