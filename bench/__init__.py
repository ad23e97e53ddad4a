"""Benchmarks: `make bench` runs `python -m bench.run` (prover vs snarkjs and arkworks, kernel,
solvency cost per account, on-chain gas). Numbers, not assertions; ratios matter, machines vary."""
