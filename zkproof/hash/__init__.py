"""Hashes: native Poseidon (circomlib parameters), its constants, and the Merkle sum tree layout."""
