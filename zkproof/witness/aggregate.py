"""Native side of the aggregate: batch roots -> top tree, totals, public values, circuit inputs.

Totals (SPEC §1.4): hidden by default, committed under the prover's secret ``salt``; with
``reveal_totals`` the salt is 0, so ``totals_commitment`` is what a verifier recomputes from the
published totals (``statement.revealed_totals_commitment``).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkproof import statement as stm
from zkproof.field.fr import R
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
    header_digest: int = 0  # statement.header_digest of the header this proof is for
    reveal_totals: bool = False
    salt: int = 0  # the totals salt; 0 exactly when the totals are revealed

    def __post_init__(self) -> None:
        if self.reveal_totals and self.salt:
            raise ValueError("revealed totals are committed without a salt (salt must be 0)")
        if not self.reveal_totals and not 0 < self.salt < R:
            raise ValueError("hidden totals need a secret salt in [1, r) (ATTACKS A14: an unsalted "
                             "commitment lets anyone confirm a guessed total)")

    @property
    def liabilities(self) -> tuple[int, ...]:
        return self.top.root.sums

    @property
    def open_interest(self) -> list[int]:
        """``OI_i``: the epoch's longs per instrument, its open interest (SPEC §1.3)."""
        return [sum(b.longs[i] for b in self.batches) for i in range(self.shape.n_instruments)]

    @property
    def totals_commitment(self) -> int:
        return stm.totals_commitment(poseidon, self.epoch, self.salt, list(self.liabilities))

    def public(self) -> dict[str, int]:
        """The aggregate proof's public inputs, by name (``statement.AGGREGATE_PUBLIC`` order)."""
        return {"epoch": self.epoch, "timestamp": self.timestamp, "root": self.top.root.hash,
                "risk_table_hash": self.table_hash,
                "reserves_commitment": stm.reserves_commitment(poseidon, self.epoch, self.reserves),
                "totals_revealed": int(self.reveal_totals), "totals_commitment": self.totals_commitment,
                "open_interest_hash": stm.open_interest_hash(poseidon, self.open_interest),
                "shape_digest": self.shape.digest(), "header_digest": self.header_digest,
                "batches_hash": stm.batches_hash([b.commitment for b in self.batches])}


def build_aggregate(shape: stm.Shape, epoch: int, timestamp: int, batches: list[BatchWitness],
                    reserves: list[int], table_hash: int, *, reveal_totals: bool = False,
                    salt: int = 0, header_digest: int = 0) -> AggregateWitness:
    """The aggregate's witness. ``salt``: the secret totals salt (required when the totals are
    hidden); with ``reveal_totals`` it is ignored and 0 is used (SPEC §1.4). ``header_digest``:
    ``statement.header_digest`` of the header the proof is for (the prover writes the header
    before it proves the aggregate; it may be set on the witness after this call)."""
    if len(batches) != shape.n_batches:
        raise ValueError(f"the aggregate takes exactly {shape.n_batches} batches, got {len(batches)}")
    top = MerkleSumTree([b.root for b in batches], depth=shape.n_batches.bit_length() - 1,
                        sum_bits=shape.reserve_bits)
    return AggregateWitness(shape, epoch, timestamp, batches, list(reserves), table_hash, top,
                            header_digest, reveal_totals, 0 if reveal_totals else salt)


def circuit_inputs(w: AggregateWitness) -> dict[str, int]:
    out = dict(w.public())
    for b, bw in enumerate(w.batches):
        out[f"batch_{b}/root_hash"] = bw.root.hash
        out.update({f"batch_{b}/sum[{a}]": s for a, s in enumerate(bw.root.sums)})
        out.update({f"batch_{b}/w[{i}]": x for i, x in enumerate(bw.interests)})
        out[f"batch_{b}/blinder"] = bw.blinder
    out.update({f"oi[{i}]": x for i, x in enumerate(w.open_interest)})
    out.update({f"reserves[{a}]": r for a, r in enumerate(w.reserves)})
    out["salt"] = w.salt
    return out
