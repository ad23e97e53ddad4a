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
    """Both circuits, and the batch circuit's coefficient buffer for the native R1CS check
    (``ConstraintSystem.check_coefficients``: ~0.3 s, once per process like the build, not
    on the first batch a worker checks)."""
    from zkproof import kernel

    batch = solvency_batch.build(shape)
    if kernel.BACKEND == "native":
        batch.check_coefficients()
    return SolvencyCircuits(shape, batch, aggregate.build(shape))
