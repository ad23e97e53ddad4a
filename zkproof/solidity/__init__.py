"""On-chain verification: the Solidity Groth16 verifier exporter and proof calldata."""

from zkproof.solidity.export import (
    export_calldata,
    export_solidity_verifier,
    export_solidity_verifier_file,
    vk_hash,
)

__all__ = ["export_calldata", "export_solidity_verifier", "export_solidity_verifier_file",
           "vk_hash"]
