"""Groth16 (Groth 2016) in the snarkjs/arkworks variant: keys, setup, prove, verify."""
