"""Native side of the aggregate: batch roots -> top tree, totals, public values, circuit inputs."""

from __future__ import annotations

from dataclasses import dataclass

from zkproof import statement as stm
from zkproof.hash.poseidon import poseidon
from zkproof.witness.batch import BatchWitness
from zkproof.witness.merkle_sum_tree import MerkleSumTree


@dataclass
class AggregateWitness:
    shape: stm.Shape
    epoch: int
    timestamp: int
    batches: list[BatchWitness]
    reserves: list[int]
    table_hash: int
    top: MerkleSumTree

    @property
    def liabilities(self) -> tuple[int, ...]:
        return self.top.root.sums

    def public(self) -> dict[str, int]:
        """The aggregate proof's public inputs, by name (``statement.AGGREGATE_PUBLIC`` order)."""
        return {"epoch": self.epoch, "timestamp": self.timestamp, "root": self.top.root.hash,
                "risk_table_hash": self.table_hash,
                "reserves_commitment": stm.reserves_commitment(poseidon, self.epoch, self.reserves),
                "batches_hash": stm.batches_hash([b.commitment for b in self.batches])}


def build_aggregate(shape: stm.Shape, epoch: int, timestamp: int, batches: list[BatchWitness],
                    reserves: list[int], table_hash: int) -> AggregateWitness:
    if len(batches) != shape.n_batches:
        raise ValueError(f"the aggregate takes exactly {shape.n_batches} batches, got {len(batches)}")
    top = MerkleSumTree([b.root for b in batches], depth=shape.n_batches.bit_length() - 1,
                        sum_bits=shape.reserve_bits)
    return AggregateWitness(shape, epoch, timestamp, batches, list(reserves), table_hash, top)


def circuit_inputs(w: AggregateWitness) -> dict[str, int]:
    out = dict(w.public())
    for b, bw in enumerate(w.batches):
        out[f"batch_{b}/root_hash"] = bw.root.hash
        out.update({f"batch_{b}/sum[{a}]": s for a, s in enumerate(bw.root.sums)})
        out.update({f"batch_{b}/oi[{i}]": stm.fe(x) for i, x in enumerate(bw.open_interest)})
        out[f"batch_{b}/blinder"] = bw.blinder
    out.update({f"reserves[{a}]": r for a, r in enumerate(w.reserves)})
    return out
