"""Native side of the venue aggregate: batch roots -> liabilities, open interest, ``gamma``, the
bound batches and the aggregate's inputs (``circuits/venue_aggregate.py``).

Order (docs/venue-design.md §3): every batch's root is fixed first (``build_venue_batch``);
then the liabilities ``L_a`` and gross loans ``G_a`` (both under ``totals_commitment``) and the
open interest ``OI`` (the header's) are fixed; ``gamma`` is hashed from all of them
(``venue.rlc_challenge``); only then is each batch bound to ``gamma`` with a fresh blinder
(``VenueBatchWitness.bind``) and proved.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.hash.poseidon import poseidon
from zkproof.venue import (
    VenueEpochShape,
    VenueTables,
    aggregate_public_names,
    aggregate_public_values,
    open_interest_hash,
    rlc_challenge,
    table_hash,
    totals_commitment,
)
from zkproof.witness.venue import VenueBatchWitness

RESERVES_FILE = "<venue reserves>"


@dataclass
class VenueEpochWitness:
    """An epoch: its batches bound to ``gamma``, the public open interest and reserves, the
    liabilities (net per asset) and gross loans (exact integers) and the totals salt (0
    exactly when they are revealed)."""

    shape: VenueEpochShape
    epoch: int
    tables: VenueTables
    batches: list[VenueBatchWitness]
    open_interest: list[int]
    reserves: list[int]
    liabilities: list[int]
    loans: list[int]
    gamma: int
    reveal_totals: bool = False
    salt: int = 0
    header_digest: int = 0  # set from the published header before the aggregate is proved

    @property
    def totals_commitment(self) -> int:
        return totals_commitment(poseidon, self.epoch, self.salt, [stm.fe(x) for x in self.liabilities],
                                 [stm.fe(x) for x in self.loans])

    def public_values(self) -> list[int]:
        """``venue.aggregate_public_names`` order: what the verifier computes from the header
        (table, open interest, reserves, totals) and the batch proofs (roots, commitments)."""
        return aggregate_public_values(self.shape, self.epoch, table_hash(self.tables),
                                       self.open_interest, self.reveal_totals,
                                       self.totals_commitment, self.header_digest, self.gamma,
                                       self.reserves,
                                       [(b.root, b.commitment) for b in self.batches])

    def inputs(self) -> dict[str, int]:
        out = dict(zip(aggregate_public_names(self.shape), self.public_values(), strict=True))
        for n, b in enumerate(self.batches):
            s = b.sums()
            out.update({f"batch_{n}/net": s.net, f"batch_{n}/long": s.long,
                        f"batch_{n}/liab": s.liab, f"batch_{n}/loan": s.loan,
                        f"batch_{n}/blinder": b.blinder})
        out.update({f"liabilities[{a}]": stm.fe(x) for a, x in enumerate(self.liabilities)})
        out.update({f"loans[{a}]": stm.fe(x) for a, x in enumerate(self.loans)})
        out["salt"] = self.salt
        return out


def epoch_totals(batches: list[VenueBatchWitness], kind: str) -> list[int]:
    """``VenueBatchWitness.totals(kind)`` summed over the batches (exact integers)."""
    per = [b.totals(kind) for b in batches]
    return [sum(col) for col in zip(*per, strict=True)]


def build_venue_epoch(shape: VenueEpochShape, epoch: int, tables: VenueTables,
                      batches: list[VenueBatchWitness], reserves: list[int], *,
                      reveal_totals: bool = False, salt: int = 0,
                      open_interest: list[int] | None = None,
                      liabilities: list[int] | None = None,
                      loans: list[int] | None = None) -> VenueEpochWitness:
    """Fix the liabilities, the gross loans and the open interest, hash ``gamma`` and bind
    every batch to it with a fresh blinder. ``salt``: the secret totals salt, required in
    ``[1, r)`` when the totals are hidden, ignored (0) when they are revealed.
    ``open_interest``/``liabilities``/``loans``: the batches' own totals unless given (a header
    that publishes another open interest, or a prover that claims other liabilities or gross
    loans, makes an aggregate that does not prove; reserves below the liabilities are refused
    here unless the liabilities are given)."""
    if len(batches) != shape.n_batches:
        raise ValueError(f"the aggregate takes exactly {shape.n_batches} batches, got {len(batches)}")
    if len(reserves) != shape.batch.a_max:
        raise ValueError(f"expected {shape.batch.a_max} reserves, got {len(reserves)}")
    salt = 0 if reveal_totals else salt
    if not reveal_totals and not 0 < salt < R:
        raise ValueError("hidden totals need a secret salt in [1, r) (ATTACKS A14)")
    bound = 1 << shape.reserve_bits
    for a, r in enumerate(reserves):
        if not 0 <= r < bound:
            raise InputError(RESERVES_FILE, f"reserves[{a}]", f"expected 0 <= R < 2^{shape.reserve_bits}")
    if liabilities is None:
        liabilities = epoch_totals(batches, "liab")
        for a, (r, total) in enumerate(zip(reserves, liabilities, strict=True)):
            if total > r:
                raise InputError(RESERVES_FILE, f"reserves[{a}]",
                                 f"liabilities {total} exceed the reserves {r}")
    oi = epoch_totals(batches, "long") if open_interest is None else list(open_interest)
    loans = epoch_totals(batches, "loan") if loans is None else list(loans)
    totals_c = totals_commitment(poseidon, epoch, salt, [stm.fe(x) for x in liabilities],
                                 [stm.fe(x) for x in loans])
    gamma = rlc_challenge(poseidon, epoch, table_hash(tables), open_interest_hash(oi), totals_c,
                          [b.root for b in batches])
    return VenueEpochWitness(shape, epoch, tables, [b.bind(gamma) for b in batches], oi,
                             list(reserves), list(liabilities), loans, gamma, reveal_totals, salt)
