"""Circuit gadgets on ``zkproof.r1cs.ConstraintSystem``.

Each gadget pairs every hint with the constraints that pin it (a hint alone proves nothing) and names every
constraint under the caller's namespace. Constraint counts are pinned in the tests and listed in
``circuits/README.md``.
"""
