"""BN254 (alt_bn128) groups G1, G2 and the pairing, over py_ecc's optimized_bn128."""
