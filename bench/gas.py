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
import json
import sys

from zkproof.devtools import npm, solc
from zkproof.devtools.evm import Contract, EvmChain
from zkproof.solidity import export, registry
from zkproof.solidity import fixtures as fx


def _estimate(chain: EvmChain, contract: Contract, data: bytes) -> int:
    tx = {"from": chain.account(0), "to": contract.address, "data": data, "value": 0}
    return chain.backend.estimate_gas(tx)


def measure() -> dict:
    n = fx.header_fields()
    circuit = npm.cached_circuit(f"epoch{n}", fx.epoch_circuit(n))
    key = fx.snarkjs_key(circuit, npm.cached_ptau(fx.PTAU_POWER))
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
