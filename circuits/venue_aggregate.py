"""Venue aggregate: ties ``n_batches`` sparse batch proofs into one epoch statement with a cost
per batch that depends on neither ``I_max`` nor ``A_max`` (docs/venue-design.md §3).

Public inputs (``venue.aggregate_public_names``): ``epoch``, ``shape_digest``, ``table_hash``,
``open_interest_hash``, ``totals_revealed``, ``totals_commitment``, ``header_digest``, ``gamma``,
``oi_eval``,
``reserves[a]``, ``rlc/gamma_a[a]`` (``a < A_max``), then per batch ``batch_{b}/root`` and
``batch_{b}/commitment``. The verifier computes ``table_hash`` and ``open_interest_hash`` from
the header's table and open interest ``OI``, ``oi_eval = sum_i gamma^i OI[i]`` and
``gamma^a`` from the public ``gamma`` (``venue.rlc_powers``, ``venue.rlc_eval``), and takes each
batch's ``root`` and ``commitment`` from that batch proof's ``root`` and ``sums_commitment``,
whose ``gamma`` must be this one.

Private: per batch ``batch_{b}/{net,long,liab,loan}`` (its sums ``S_net, S_long, S_liab,
S_loan``) and ``batch_{b}/blinder``; the liabilities ``liabilities[a]`` (``L_a``, net per
asset) and the gross loans ``loans[a]`` (``G_a``); the totals ``salt``.

Proved (per batch: one Poseidon and a share of the ``gamma`` hash; the rest once):

* ``shape_digest``: equals the constant ``shape.digest()``.
* ``gamma``: ``venue.rlc_challenge`` over ``epoch, table_hash, open_interest_hash,
  totals_commitment`` and every batch root equals the public ``gamma`` (``long_hash``: one
  Poseidon per 15 roots). The prover cannot pick it: every value it weighs (the batches'
  positions and balances, fixed by the roots; the public ``OI``; the liabilities ``L`` and
  the gross loans ``G``, fixed by ``totals_commitment``) is fixed before it.
* ``batch_{b}/commitment``: ``venue.sums_commitment(S_net, S_long, S_liab, S_loan, blinder)``
  equals the batch's public commitment, so the sums are those the batch proof computed.
* ``zero_sum``: ``sum_b S_net,b = 0``; ``open_interest``: ``sum_b S_long,b = oi_eval``.
* ``liabilities``: ``sum_b S_liab,b = sum_a gamma^a L_a`` (``A_max`` products);
  ``loans``: ``sum_b S_loan,b = sum_a gamma^a G_a`` (``A_max`` products).
* ``reserve_range[a]``: ``R_a < 2^reserve_bits``; ``reserve_cover[a]``: ``R_a - L_a`` in
  ``[0, 2^cover_bits)``.
* ``header_digest`` (``statement.header_digest`` of the published venue header): a public input
  no constraint uses, bound by its own QAP row (ATTACKS A17), so every header field the
  verifier reads (instrument and asset names, each batch's tier, the capacities) is bound.
* ``totals_revealed`` boolean, ``salt_used = salt (1 - totals_revealed)`` and
  ``totals_commitment = venue.totals_commitment(epoch, salt_used, L, G)``: the v1 aggregate's
  hidden-or-revealed totals (ATTACKS A14), over the very ``L_a`` and ``G_a`` wires checked
  above (revealed: both vectors are published; gross holdings are ``L_a + G_a``).

Soundness (docs/venue-design.md §3): each identity is ``P(gamma) = 0`` for a polynomial of
degree below ``max(I_max, A_max)`` whose coefficients are fixed before ``gamma``; a nonzero one
vanishes at the hashed ``gamma`` with probability at most ``max(I_max, A_max) / r`` per hash the
prover tries, so every coefficient is zero in the field. The net and long coefficients are exact
integer differences below ``2^(interest_bits + 1) < r / 2`` in magnitude, so they are zero as
integers; ``L_a`` and ``G_a`` (no range check of their own) then equal the field encodings of
the integer net balance ``t_a`` and gross loans ``g_a = sum b^-`` of asset ``a``, and
``reserve_cover`` on ``R_a - L_a`` is the integer check ``R_a >= t_a``.
"""

from __future__ import annotations

from zkproof import venue
from zkproof.gadgets.boolean import assert_boolean
from zkproof.gadgets.compare import assert_nonnegative
from zkproof.gadgets.range_check import assert_in_range
from zkproof.r1cs.lc import LinearCombination, as_lc
from zkproof.r1cs.system import ConstraintSystem

from .common import hasher, mul


def build(shape: venue.VenueEpochShape) -> ConstraintSystem:
    """The aggregate R1CS for ``shape`` (deterministic)."""
    A, n = shape.batch.a_max, shape.n_batches
    cs = ConstraintSystem()
    pub = {name: cs.public(name) for name in venue.aggregate_public_names(shape)}
    cs.enforce_equal(pub["shape_digest"], shape.digest(), "shape_digest")
    gamma = venue.rlc_challenge(hasher(cs, "gamma"), pub["epoch"], pub["table_hash"],
                                pub["open_interest_hash"], pub["totals_commitment"],
                                [pub[f"batch_{b}/root"] for b in range(n)])
    cs.enforce_equal(gamma, pub["gamma"], "gamma")

    net, long, liab, loan = (LinearCombination() for _ in range(4))
    for b in range(n):
        with cs.namespace(f"batch_{b}"):
            s = [cs.private(x) for x in ("net", "long", "liab", "loan")]
            c = venue.sums_commitment(hasher(cs, "commitment"), *s, cs.private("blinder"))
            cs.enforce_equal(c, pub[f"batch_{b}/commitment"], "commitment")
        net, long, liab, loan = net + s[0], long + s[1], liab + s[2], loan + s[3]
    cs.enforce_equal(net, 0, "zero_sum")
    cs.enforce_equal(long, pub["oi_eval"], "open_interest")

    totals = [cs.private(f"liabilities[{a}]") for a in range(A)]
    loans = [cs.private(f"loans[{a}]") for a in range(A)]
    for name, vec, batch_sum in (("liabilities", totals, liab), ("loans", loans, loan)):
        weighted = sum((as_lc(mul(cs, pub[f"rlc/gamma_a[{a}]"], vec[a], f"{name}/term[{a}]"))
                        for a in range(A)), LinearCombination())
        cs.enforce_equal(batch_sum, weighted, name)
    for a in range(A):
        reserve = pub[f"reserves[{a}]"]
        assert_in_range(cs, reserve, shape.reserve_bits, f"reserve_range[{a}]")
        assert_nonnegative(cs, reserve - as_lc(totals[a]), shape.cover_bits, f"reserve_cover[{a}]")

    revealed = pub["totals_revealed"]
    assert_boolean(cs, revealed, "totals_revealed")
    salt_used = mul(cs, cs.private("salt"), 1 - revealed, "salt_used")
    cs.enforce_equal(venue.totals_commitment(hasher(cs, "totals"), pub["epoch"], salt_used, totals, loans),
                     pub["totals_commitment"], "totals_commitment")
    return cs
