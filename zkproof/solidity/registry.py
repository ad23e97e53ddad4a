"""Python side of ``contracts/SolvencyRegistry.sol``: the header layout, the statement hash the
registry keys epochs by, and a deploy helper that refuses insecure keys (ATTACKS D5).

The header is the epoch proof's public input vector, in circuit order:
``[epoch, timestamp, root, risk_table_hash, reserves_commitment, totals_revealed,
totals_commitment, open_interest_hash, shape_digest, header_digest, batches_hash]`` (the
registry stores the first ten by name; the statement hash covers all eleven).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.groth16.keys import VerifyingKey
from zkproof.solidity.keccak import keccak256
from zkproof.statement import AGGREGATE_PUBLIC

HEADER_NAMES = AGGREGATE_PUBLIC  # the aggregate proof's public inputs (zkproof.statement)
HEADER_FIELDS = len(HEADER_NAMES)  # must equal HEADER_FIELDS in SolvencyRegistry.sol (tested)
REGISTRY_SOL = Path(__file__).resolve().parents[2] / "contracts" / "SolvencyRegistry.sol"


def statement_hash(header: Sequence[int], file: str = "<header>") -> bytes:
    """keccak256 of the header's 32-byte big-endian words: the registry's key for an epoch
    (``statementHashOf``). Proof bytes never enter it: Groth16 proofs are malleable."""
    if len(header) != HEADER_FIELDS:
        raise InputError(file, "header", f"expected {HEADER_FIELDS} fields, got {len(header)}")
    for name, v in zip(HEADER_NAMES, header):
        if not 0 <= int(v) < R:
            raise InputError(file, name, "expected a field element in [0, r)")
    return keccak256(b"".join(int(v).to_bytes(32, "big") for v in header))


@dataclass
class Stack:
    """A deployed verifier + registry pair (``zkproof.devtools.evm`` contracts)."""

    verifier: object
    registry: object
    vk_hash: bytes


def deploy_stack(chain, vk: VerifyingKey, publisher: int = 0, deployer: int = 0) -> Stack:
    """Export (refusing dev and gamma == delta keys), compile, and deploy the verifier and a
    registry pinned to it and to its key hash. ``chain`` is a ``devtools.evm.EvmChain``."""
    from zkproof.devtools import solc
    from zkproof.devtools.evm import Contract
    from zkproof.solidity.export import export_solidity_verifier, vk_hash

    src = export_solidity_verifier(vk)  # raises InsecureSetup before anything is deployed
    verifier_c = solc.compile_sources({"Groth16Verifier.sol": src})["Groth16Verifier"]
    registry_c = solc.compile_sources({REGISTRY_SOL.name: REGISTRY_SOL.read_text()})["SolvencyRegistry"]
    verifier = chain.deploy(verifier_c, sender=deployer)
    h = vk_hash(vk)
    registry = chain.deploy(registry_c, ["address", "bytes32", "address"],
                            [verifier.address, h, chain.account(publisher)], sender=deployer)
    errors = [e for e in verifier_c.abi if e["type"] == "error"]
    return Stack(verifier, Contract(chain, registry.address, registry.abi + errors), h)
