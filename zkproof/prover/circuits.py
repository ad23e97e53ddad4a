"""The two solvency circuits for a shape, built once per process (building is the slow part)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from zkproof import statement as stm
from zkproof.circuits import aggregate, solvency_batch
from zkproof.r1cs.system import ConstraintSystem


@dataclass
class SolvencyCircuits:
    shape: stm.Shape
    batch: ConstraintSystem
    aggregate: ConstraintSystem

    def fingerprints(self) -> dict[str, str]:
        return {"batch": self.batch.to_r1cs().fingerprint(),
                "aggregate": self.aggregate.to_r1cs().fingerprint()}


@lru_cache(maxsize=4)
def circuits_for(shape: stm.Shape) -> SolvencyCircuits:
    return SolvencyCircuits(shape, solvency_batch.build(shape), aggregate.build(shape))
