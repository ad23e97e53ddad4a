"""The multi-party trusted setup (SPEC §2 "Setup"), transcript-compatible with snarkjs 0.7.6.

Data flow::

    powers_of_tau.new -> contribute* -> beacon -> lagrange.prepare_phase2   (ptau, phase 1)
        -> zkey_new.new_zkey(r1cs, ptau) -> phase2.contribute* -> phase2.beacon   (zkey, phase 2)
        -> phase2.export_verification_key

Verifiers: ``ptau_verify.verify`` (phase 1) and ``phase2_verify.verify_from_r1cs`` /
``verify_from_init`` (phase 2) name the failing contribution ``INVALID(i)`` or section.
``transcript`` and ``blake2b_state`` hold the byte-exact hashing and RNG snarkjs uses.
"""
