"""Circuit definitions (WHAT is proved), installed as ``zkproof.circuits``.

Each module builds one R1CS with ``zkproof.r1cs.ConstraintSystem`` from the gadgets in
``zkproof.gadgets``; ``circuits/README.md`` lists public inputs, constraint counts and fingerprints.
"""
