"""R1CS toolkit: linear combinations, the constraint-system builder, the solver, R1CS -> QAP."""

from zkproof.r1cs.lc import LinearCombination, Variable
from zkproof.r1cs.system import R1CS, ConstraintSystem

__all__ = ["ConstraintSystem", "LinearCombination", "R1CS", "Variable"]
