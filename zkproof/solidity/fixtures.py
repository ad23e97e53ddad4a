"""Test and benchmark artefacts for the on-chain verifier, made with the npm peers.

Used by ``tests/test_solidity*.py``, ``tests/test_evm*.py``, ``tests/test_registry*.py`` and
``bench/gas.py``: a circom circuit whose public inputs are an epoch header, a snarkjs Groth16
key for it (before and after a phase-2 contribution), proofs made by snarkjs, and both
verifier contracts (ours and ``snarkjs zkey export solidityverifier``) compiled with the pinned
solc. Keys are cached under ``.cache/solidity/``; proofs are made fresh (they are random).
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zkproof.devtools import npm
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.solidity.registry import REGISTRY_SOL

CACHE = npm.REPO / ".cache" / "solidity"
PTAU_POWER = 6


def header_fields() -> int:
    """``HEADER_FIELDS`` as declared in ``contracts/SolvencyRegistry.sol`` (single source)."""
    m = re.search(r"uint256 constant HEADER_FIELDS = (\d+);", REGISTRY_SOL.read_text())
    assert m, "HEADER_FIELDS constant not found in SolvencyRegistry.sol"
    return int(m.group(1))


def header(epoch: int, timestamp: int, root: int, risk_table_hash: int, reserves_commitment: int,
           totals_revealed: int = 0, totals_commitment: int = 606, open_interest_hash: int = 808,
           shape_digest: int = 909, header_digest: int = 1010, batches_hash: int = 707) -> list[int]:
    """A test header in ``statement.AGGREGATE_PUBLIC`` order (hidden totals unless
    ``totals_revealed=1``), padded to ``HEADER_FIELDS`` if it grows."""
    named = [epoch, timestamp, root, risk_table_hash, reserves_commitment, totals_revealed,
             totals_commitment, open_interest_hash, shape_digest, header_digest, batches_hash]
    return (named + [1000 + i for i in range(len(named), header_fields())])[:header_fields()]


def epoch_circuit(n_public: int) -> str:
    """circom source: ``n_public`` public header inputs, each bound by a product with a
    private ``secret`` (so the proof is about more than the inputs)."""
    return f"""pragma circom 2.0.0;
template Epoch(n) {{
    signal input header[n];
    signal input secret;
    signal bound[n];
    for (var i = 0; i < n; i++) {{ bound[i] <== header[i] * secret; }}
}}
component main {{public [header]}} = Epoch({n_public});
"""


@dataclass(frozen=True)
class SnarkjsKey:
    """Paths of one snarkjs Groth16 setup: ``zkey``/``vk_json`` after one phase-2
    contribution, ``zkey0``/``vk0_json`` straight from ``groth16 setup`` (gamma == delta)."""

    wasm: Path
    zkey: Path
    vk_json: Path
    zkey0: Path
    vk0_json: Path
    n_public: int


def snarkjs_key(circuit: dict, ptau: Path) -> SnarkjsKey:
    """A snarkjs key for the compiled ``circuit`` (the conftest ``circom_circuit`` dict)."""
    digest = hashlib.sha256(Path(circuit["r1cs"]).read_bytes() + Path(ptau).read_bytes()[:4096])
    out = CACHE / f"key-{digest.hexdigest()[:16]}"

    def build(target: Path) -> None:
        work = Path(tempfile.mkdtemp(dir=target.parent))
        npm.run_snarkjs("groth16", "setup", Path(circuit["r1cs"]).resolve(), Path(ptau).resolve(),
                        "k0.zkey", cwd=work)
        npm.run_snarkjs("zkey", "contribute", "k0.zkey", "k1.zkey", "--name=zkproof test",
                        "-e=zkproof solidity test entropy", cwd=work)
        for z, v in (("k0.zkey", "vk0.json"), ("k1.zkey", "vk.json")):
            npm.run_snarkjs("zkey", "export", "verificationkey", z, v, cwd=work)
        work.replace(target)

    npm.locked_build(out, build)
    n_public = json.loads((out / "vk.json").read_text())["nPublic"]
    return SnarkjsKey(Path(circuit["wasm"]), out / "k1.zkey", out / "vk.json",
                      out / "k0.zkey", out / "vk0.json", n_public)


_PROVE_JS = r"""
const snarkjs = require('snarkjs');
const fs = require('fs');
(async () => {
  const [wasm, zkey, inputsPath] = process.argv.slice(-3);
  const inputs = JSON.parse(fs.readFileSync(inputsPath, 'utf8'));
  const out = [];
  for (const inp of inputs) {
    const {proof, publicSignals} = await snarkjs.groth16.fullProve(inp, wasm, zkey);
    out.push({proof, publicSignals});
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
"""


def snarkjs_prove(key: SnarkjsKey, headers: list[list[int]], secret: int = 7,
                  zkey: Path | None = None) -> list[tuple[dict, list[str]]]:
    """snarkjs proofs (``proof.json`` and ``public.json`` objects) for each header, made in one
    node process (``groth16.fullProve``)."""
    inputs = [{"header": [str(v) for v in h], "secret": str(secret)} for h in headers]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(inputs, f)
    try:
        out = npm.run_node_script(_PROVE_JS, str(key.wasm), str(zkey or key.zkey), f.name)
    finally:
        Path(f.name).unlink()
    return [(r["proof"], r["publicSignals"]) for r in json.loads(out)]


def snarkjs_verifier_source(zkey: Path) -> str:
    """``snarkjs zkey export solidityverifier`` output for ``zkey`` (cached next to a cached
    key: keys there never change)."""
    zkey = Path(zkey).resolve()
    cached = zkey.with_suffix(".snarkjs_verifier.sol")
    if zkey.parent.parent == CACHE and cached.exists():
        return cached.read_text()
    with tempfile.TemporaryDirectory() as d:
        npm.run_snarkjs("zkey", "export", "solidityverifier", zkey, Path(d) / "V.sol")
        src = (Path(d) / "V.sol").read_text()
    if zkey.parent.parent == CACHE:  # unique temp name: concurrent sessions may race here
        with tempfile.NamedTemporaryFile("w", dir=zkey.parent, suffix=".tmp", delete=False) as f:
            f.write(src)
        Path(f.name).replace(cached)
    return src


def parse_vk_file(path: Path) -> VerifyingKey:
    from zkproof.formats import snarkjs_json

    return snarkjs_json.parse_vk(snarkjs_json.load_json(path), str(path))


def parse_proof_obj(proof: dict, public: list[str]) -> tuple[Proof, list[int]]:
    from zkproof.formats import snarkjs_json

    return (snarkjs_json.parse_proof(proof, "<proof.json>"),
            snarkjs_json.parse_public(public, "<public.json>"))




def rerandomize_proof(proof: Proof, vk: VerifyingKey, theta: int, xi: int) -> Proof:
    """Another valid proof of the same statement, made without the witness (arkworks
    ``rerandomize_proof``): ``A' = A / theta``, ``B' = theta (B + xi delta)``, ``C' = C + xi A``.

    ``e(A', B') = e(A, B) e(xi A, delta)`` and ``e(C', delta) = e(C, delta) e(xi A, delta)``,
    so the verification equation still holds (ATTACKS D4: proofs are not identities).
    """
    from zkproof.curve.bn254 import g1_add, g1_mul, g2_add, g2_mul
    from zkproof.field.fr import inv

    a = g1_mul(proof.a, inv(theta))
    b = g2_mul(g2_add(proof.b, g2_mul(vk.delta_g2, xi)), theta)
    c = g1_add(proof.c, g1_mul(proof.a, xi))
    return Proof(a, b, c)


@dataclass
class Verifiers:
    """Both verifier contracts for one key, deployed on one fresh chain."""

    chain: object        # zkproof.devtools.evm.EvmChain
    ours: object         # zkproof.devtools.evm.Contract
    snarkjs: object
    vk: VerifyingKey
    key: SnarkjsKey


def compile_verifiers(key: SnarkjsKey) -> tuple:
    """``(ours, snarkjs')`` compiled verifier contracts for ``key`` (cached by solc.py)."""
    from zkproof.devtools import solc
    from zkproof.solidity.export import export_solidity_verifier

    vk = parse_vk_file(key.vk_json)
    ours = solc.compile_sources({"Groth16Verifier.sol": export_solidity_verifier(vk)})
    theirs = solc.compile_sources({"SnarkjsVerifier.sol": snarkjs_verifier_source(key.zkey)})
    return ours["Groth16Verifier"], theirs["Groth16Verifier"]


def deploy_verifiers(key: SnarkjsKey) -> Verifiers:
    from zkproof.devtools.evm import EvmChain

    ours, theirs = compile_verifiers(key)
    chain = EvmChain()
    return Verifiers(chain, chain.deploy(ours), chain.deploy(theirs), parse_vk_file(key.vk_json), key)


def compile_registry():
    from zkproof.devtools import solc

    return solc.compile_files(REGISTRY_SOL)["SolvencyRegistry"]
