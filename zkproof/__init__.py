"""zkproof: zero-knowledge proof of solvency for crypto-derivatives protocols (Groth16/BN254).

``zkproof.poseidon(inputs) -> int`` is Poseidon with circomlib's parameters (same outputs as
circomlibjs); everything else lives in the stage packages (see docs/architecture.md).
"""

from zkproof.hash.poseidon import poseidon

__version__ = "0.1.0"
__all__ = ["poseidon", "__version__"]
