"""The two solvency circuits for a shape, each built at most once per process (building is the
slow part), and only where it is used: a batch worker builds the batch circuit alone (the
aggregate circuit, built in the driver after the batches, is as large again in memory)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from zkproof import kernel, venue
from zkproof import statement as stm
from zkproof.circuits import aggregate, solvency_batch, venue_aggregate, venue_batch
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
def batch_circuit(shape: stm.Shape) -> ConstraintSystem:
    """The batch circuit, and its coefficient buffer for the native R1CS check
    (``ConstraintSystem.check_coefficients``: once per process like the build, not on the
    first batch a worker checks)."""
    batch = solvency_batch.build(shape)
    if kernel.BACKEND == "native":
        batch.check_coefficients()
    return batch


@lru_cache(maxsize=4)
def aggregate_circuit(shape: stm.Shape) -> ConstraintSystem:
    return aggregate.build(shape)


def circuits_for(shape: stm.Shape) -> SolvencyCircuits:
    """Both circuits (setup, the ceremony, the header's fingerprints)."""
    return SolvencyCircuits(shape, batch_circuit(shape), aggregate_circuit(shape))


@lru_cache(maxsize=4)
def venue_batch_circuit(shape: venue.VenueShape) -> ConstraintSystem:
    """The sparse venue batch circuit of one tier."""
    return venue_batch.build(shape).cs


@lru_cache(maxsize=4)
def venue_aggregate_circuit(shape: venue.VenueEpochShape) -> ConstraintSystem:
    """The venue aggregate of one epoch shape (any mix of tiers' batches)."""
    return venue_aggregate.build(shape)
