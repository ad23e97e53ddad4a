"""zkproof: zero-knowledge proof of solvency for crypto-derivatives protocols (Groth16/BN254)."""

__version__ = "0.1.0"
