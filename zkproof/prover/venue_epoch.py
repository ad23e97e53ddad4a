"""Prove a venue epoch (docs/venue-design.md §3): every batch proof, then the aggregate, in memory.

The caller builds the epoch witness first (``witness.venue_aggregate.build_venue_epoch``: the
batch roots, then the liabilities and the open interest, then ``gamma`` hashed from all of
them, then each batch bound to ``gamma`` with a fresh blinder). This module proves each batch
under its tier's key and the aggregate under the aggregate key, through
``parallel.prove_statement``: a witness that does not satisfy its circuit is refused with the
first broken constraint named (e.g. reserves below the liabilities fail ``reserve_cover``), and
no proof is made of it. The result (``venue.VenueEpochProofs``) carries the public values a
verifier needs (``zkproof.verifier.venue_check``), which recomputes every public input itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkproof.groth16.keys import ProvingKey
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.parallel import prove_statement
from zkproof.venue import (
    VenueBatchProof,
    VenueEpochProofs,
    VenueEpochPublic,
    VenueEpochVks,
    VenueShape,
)
from zkproof.witness.venue_aggregate import VenueEpochWitness


@dataclass(frozen=True)
class VenueEpochKeys:
    """Proving keys of a venue epoch: one batch key per tier shape, the aggregate's."""

    batch: dict[VenueShape, ProvingKey]
    aggregate: ProvingKey

    def verifying_keys(self) -> VenueEpochVks:
        return VenueEpochVks({s: pk.verifying_key() for s, pk in self.batch.items()},
                             self.aggregate.verifying_key())


def epoch_public(w: VenueEpochWitness) -> VenueEpochPublic:
    """The public data of the epoch: the header's values, the liabilities and the gross loans
    when revealed."""
    return VenueEpochPublic(w.shape, w.epoch, w.tables, tuple(w.open_interest), tuple(w.reserves),
                            w.totals_commitment, w.gamma,
                            tuple(w.liabilities) if w.reveal_totals else None,
                            tuple(w.loans) if w.reveal_totals else None, w.header_digest)


def prove_venue_epoch(w: VenueEpochWitness, keys: VenueEpochKeys) -> VenueEpochProofs:
    """Each batch proof under its tier's key (``ValueError`` for a tier without one), then the
    aggregate proof; ``InputError``/``AssertionError`` from ``prove_statement`` for a witness
    that does not satisfy its circuit."""
    batches = []
    for n, b in enumerate(w.batches):
        if b.shape not in keys.batch:
            raise ValueError(f"venue batch {n}: no proving key for its tier (P={b.shape.p}, B={b.shape.b}, "
                             f"capacity={b.shape.capacity})")
        proof, public = prove_statement(venue_batch_circuit(b.shape), b.inputs(), keys.batch[b.shape],
                                        b.public_values(), f"venue batch {n}")
        batches.append(VenueBatchProof(b.shape, b.root, b.commitment, proof, tuple(public)))
    proof, public = prove_statement(venue_aggregate_circuit(w.shape), w.inputs(), keys.aggregate,
                                    w.public_values(), "venue aggregate")
    return VenueEpochProofs(epoch_public(w), tuple(batches), proof, tuple(public))
