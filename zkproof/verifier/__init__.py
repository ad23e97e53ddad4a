"""Stage 5: bundle -> report, for auditors, regulators and users.

Import rule (enforced by tests/test_verifier_imports.py): nothing here imports the prover side
(r1cs, gadgets, witness, prover, margin, kernel, _native). Verification is a pure function of
the bundle's bytes.
"""
