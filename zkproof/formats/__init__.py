"""File formats: bytes <-> objects, one module per format (iden3 binary files, snarkjs JSON)."""
