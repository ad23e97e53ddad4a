"""Venue aggregate (docs/venue-design.md §3): an honest epoch satisfies the batch circuits and
the aggregate; each named attack fails, at the constraint named after it; the cost per batch
does not depend on ``I_max`` or ``A_max``.

The epoch: four batches of two accounts (``tests.test_venue_batch``'s shape and table); the
accounts of batches 2 and 3 hold the negated positions of those of batches 0 and 1, so the
epoch nets to zero while no batch does on its own.
"""

from __future__ import annotations

import dataclasses
import random

import pytest

from tests.test_venue_batch import SHAPE, TABLES
from zkproof.circuits import venue_aggregate, venue_batch
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.hash.poseidon import poseidon
from zkproof.venue import VenueEpochShape, VenueShape, rlc_challenge, sums_commitment
from zkproof.witness import venue as wv
from zkproof.witness import venue_aggregate as wa

EPOCH_SHAPE = VenueEpochShape(SHAPE, 4)
EPOCH, SALT = 7, 0x5A17
LONGS = [((1, 5), (3, -2), (6, 7)), ((2, -1), (5, 3)), ((7, 4),), ((1, -3), (9, 2))]


def accounts(drop: tuple[int, ...] = (), strip: tuple[int, ...] = ()) -> list[wv.VenueAccount]:
    """Eight accounts: ``u < 4`` holds ``LONGS[u]``, ``u + 4`` its negation; ``drop``: accounts
    left out (replaced by padding), ``strip``: accounts whose positions are removed."""
    out = []
    for u in range(8):
        pos = LONGS[u % 4] if u < 4 else tuple((j, -q) for j, q in LONGS[u % 4])
        bal = ((5, 10**4),) if u % 2 else ((3, -20), (5, 10**4))
        acc = wv.VenueAccount(100 + u, () if u in strip else pos, bal)
        out.append(wv.VenueAccount.padding() if u in drop else acc)
    return out


def batches(accs: list[wv.VenueAccount]) -> list[wv.VenueBatchWitness]:
    return [wv.build_venue_batch(SHAPE, TABLES, accs[2 * b:2 * b + 2]) for b in range(4)]


RESERVES = [0, 0, 0, 0, 0, 8 * 10**4, 0, 0]
TRUE_OI = wa.epoch_totals(batches(accounts()), "long")


def epoch(accs=None, **kw) -> wa.VenueEpochWitness:
    kw.setdefault("salt", SALT)
    kw.setdefault("reserves", RESERVES)
    return wa.build_venue_epoch(EPOCH_SHAPE, EPOCH, TABLES, batches(accs or accounts()), **kw)


@pytest.fixture(scope="module")
def agg():
    return venue_aggregate.build(EPOCH_SHAPE)


@pytest.fixture(scope="module")
def batch_circuit():
    return venue_batch.build(SHAPE)


def fails(cs, inputs, overrides=None) -> str | None:
    return cs.which_is_unsatisfied(cs.solve(inputs, overrides))


def unsatisfied(cs, inputs) -> list[str]:
    """Every violated constraint's name."""
    vals = cs.solve(inputs).values
    return [n for (a, b, c), n in zip(cs.constraints, cs.constraint_names, strict=True)
            if (a.evaluate(vals) * b.evaluate(vals) - c.evaluate(vals)) % R]


# -- completeness ----------------------------------------------------------------------------

@pytest.mark.parametrize("reveal", [False, True])
def test_honest_epoch_satisfies_both_circuits(agg, batch_circuit, reveal):
    e = epoch(reveal_totals=reveal)
    assert e.liabilities[3] == -80 and e.liabilities[5] == 8 * 10**4
    assert e.loans == [0, 0, 0, 80, 0, 0, 0, 0]  # gross holdings L + G: 0 of asset 3
    assert e.open_interest == TRUE_OI and e.open_interest[1] == 5 + 3  # accounts 0 and 7
    ai = e.inputs()
    assert ai["epoch"] == EPOCH and ai["totals_revealed"] == int(reveal)
    for n, b in enumerate(e.batches):
        inp = b.inputs()
        assert fails(batch_circuit.cs, inp) is None
        # what the verifier matches: the batch's gamma is the epoch's, its root and commitment
        # are the aggregate's public batch_{n}/root and batch_{n}/commitment
        assert (inp["gamma"], inp["root"], inp["sums_commitment"]) == \
            (ai["gamma"], ai[f"batch_{n}/root"], ai[f"batch_{n}/commitment"])
    assert fails(agg, e.inputs()) is None


def test_no_batch_nets_to_zero_alone():
    """The epoch's zero sum is a property of the whole epoch, not of each batch."""
    bs = batches(accounts())
    assert all(any(b.totals("net")) for b in bs)
    assert not any(wa.epoch_totals(bs, "net"))


def test_builder_refuses_reserves_below_liabilities():
    with pytest.raises(InputError, match=r"reserves\[5\]"):
        epoch(reserves=[0, 0, 0, 0, 0, 8 * 10**4 - 1, 0, 0])


# -- attacks ---------------------------------------------------------------------------------

def test_dropped_netting_set(agg, batch_circuit):
    """Accounts 0 and 4 (long and short of the same positions) left out: the rest still nets
    to zero, every batch proves, but the longs no longer reach the header's open interest."""
    e = epoch(accounts(drop=(0, 4)), open_interest=TRUE_OI)
    assert all(fails(batch_circuit.cs, b.inputs()) is None for b in e.batches)
    assert unsatisfied(agg, e.inputs()) == ["open_interest"]


def test_account_positions_removed(agg):
    """Account 1's positions removed (its leaf then proves without them): the epoch no longer
    nets to zero, and its longs differ from the open interest."""
    e = epoch(accounts(strip=(1,)), open_interest=TRUE_OI)
    assert unsatisfied(agg, e.inputs()) == ["zero_sum", "open_interest"]


def test_one_batch_sums_left_out(agg):
    """Batch 2's sums counted as zero: its public commitment does not open to them."""
    e = epoch()
    inp = {**e.inputs(), "batch_2/net": 0, "batch_2/long": 0, "batch_2/liab": 0, "batch_2/loan": 0}
    assert unsatisfied(agg, inp)[0] == "batch_2/commitment"


def test_batch_commitment_opened_to_other_sums(agg):
    """Sums moved between two batches (totals unchanged): both commitments refuse."""
    e = epoch()
    inp = e.inputs()
    inp = {**inp, "batch_0/long": (inp["batch_0/long"] + 1) % R,
           "batch_1/long": (inp["batch_1/long"] - 1) % R}
    assert unsatisfied(agg, inp) == ["batch_0/commitment", "batch_1/commitment"]


def test_prover_chosen_gamma(agg, batch_circuit):
    """``gamma = 0`` makes every power but ``gamma^0`` zero, so all the sums vanish and any
    liabilities fit: a prover free to pick it claims liabilities of 0 on asset 5 with zero
    reserves, and every batch and every identity of the aggregate holds. Only ``gamma``, the
    hash of the roots recomputed in-circuit, refuses it."""
    e = epoch(reserves=[0] * 8, liabilities=[0] * 8)
    bound = [dataclasses.replace(b, gamma=0) for b in e.batches]
    forged = dataclasses.replace(e, batches=bound, gamma=0)
    assert all(fails(batch_circuit.cs, b.inputs()) is None for b in bound)
    assert unsatisfied(agg, forged.inputs()) == ["gamma"]


def test_gamma_not_derived_from_these_roots(agg):
    """A gamma hashed from other roots (a batch swapped after gamma was fixed)."""
    e = epoch()
    other = wv.build_venue_batch(SHAPE, TABLES, accounts()[2:4][::-1]).bind(e.gamma)
    swapped = dataclasses.replace(e, batches=[e.batches[0], other, *e.batches[2:]])
    assert unsatisfied(agg, swapped.inputs()) == ["gamma"]


def test_liabilities_above_reserves(agg):
    """Reserves one unit below asset 5's liabilities: with the true liabilities the cover check
    fails; claiming liabilities equal to the reserves (committed before gamma) breaks the
    random linear combination instead."""
    low = [0, 0, 0, 0, 0, 8 * 10**4 - 1, 0, 0]
    e = epoch(reserves=low, liabilities=wa.epoch_totals(batches(accounts()), "liab"))
    bad = unsatisfied(agg, e.inputs())
    assert bad and all(n.startswith("reserve_cover[5]/") for n in bad), bad
    claimed = [*e.liabilities[:5], low[5], *e.liabilities[6:]]
    e2 = epoch(reserves=low, liabilities=claimed)
    assert unsatisfied(agg, e2.inputs()) == ["liabilities"]


def test_negative_liability_claim_wraps_no_cover(agg):
    """A claimed liability ``r - 1`` (``-1`` in the field) is no integer below the reserves."""
    e = epoch()
    inp = {**e.inputs(), "liabilities[5]": R - 1}
    assert "liabilities" in unsatisfied(agg, inp)


def test_open_interest_differs_from_the_longs(agg):
    """A header whose open interest is not the batches' longs (instrument 1 raised by one, or
    two instruments swapped: same total) fails the combination."""
    for oi in ([TRUE_OI[0], TRUE_OI[1] + 1, *TRUE_OI[2:]],
               [TRUE_OI[0], TRUE_OI[2], TRUE_OI[1], *TRUE_OI[3:]]):
        assert oi != TRUE_OI
        assert unsatisfied(agg, epoch(open_interest=oi).inputs()) == ["open_interest"]


def test_blinder_reused_to_fake_hiding(agg):
    """Every epoch draws fresh blinders: the same batch sums give different public
    commitments (nobody confirms guessed sums by hashing), and a commitment under another
    batch's blinder does not open."""
    e1, e2 = epoch(), epoch()
    assert e1.gamma == e2.gamma and [b.sums() for b in e1.batches] == [b.sums() for b in e2.batches]
    assert {b.commitment for b in e1.batches}.isdisjoint({b.commitment for b in e2.batches})
    assert len({b.blinder for b in e1.batches}) == 4
    inp = {**e1.inputs(), "batch_0/blinder": e2.batches[0].blinder}
    assert unsatisfied(agg, inp) == ["batch_0/commitment"]


def test_totals_commitment_binds_the_liabilities(agg):
    """Liabilities other than those hashed into gamma: the totals commitment refuses them."""
    e = epoch()
    inp = e.inputs()
    assert "totals_commitment" in unsatisfied(agg, {**inp, "liabilities[5]": inp["liabilities[5]"] + 1})
    assert unsatisfied(agg, {**inp, "totals_revealed": 1}) == ["totals_commitment"]


def test_public_powers_are_the_verifiers(agg):
    """The aggregate multiplies by the public ``gamma^a``: any other value breaks the sums it
    weighs (asset 5 has no loans; asset 3 has both)."""
    inp = epoch().inputs()
    assert unsatisfied(agg, {**inp, "rlc/gamma_a[5]": inp["rlc/gamma_a[5]"] + 1}) == ["liabilities"]
    assert unsatisfied(agg, {**inp, "rlc/gamma_a[3]": inp["rlc/gamma_a[3]"] + 1}) == ["liabilities", "loans"]


# -- gross loans (docs/venue-design.md §3) ------------------------------------------------------

@pytest.mark.parametrize("claimed", [
    [0, 0, 0, 0, 0, 0, 0, 0],      # the loans hidden away (net liabilities unchanged)
    [0, 0, 0, 79, 0, 0, 0, 0],     # one unit short
    [0, 0, 0, 40, 0, 40, 0, 0],    # moved to another asset (same total)
    [0, 0, 0, 80 + R, 0, 0, 0, 0],  # the same field element, as an integer out of range
])
def test_gross_loans_other_than_the_batches(agg, claimed):
    """A prover claiming gross loans other than the batches' sums of ``b^-``, committed under
    ``totals_commitment`` before ``gamma`` (so the commitment opens): the random linear
    combination ``loans`` refuses it, and nothing else does. An out-of-range integer with the
    same field value is the same claim in-circuit (``loans[3]`` is its field encoding)."""
    e = epoch(loans=claimed)
    bad = unsatisfied(agg, e.inputs())
    assert bad == ([] if claimed[3] % R == 80 else ["loans"]), bad


def test_gross_loans_changed_after_gamma(agg):
    """Gross loans other than those hashed into gamma: the totals commitment refuses them (and
    the combination does too)."""
    inp = epoch().inputs()
    assert unsatisfied(agg, {**inp, "loans[3]": 79}) == ["loans", "totals_commitment"]


def test_batch_loan_sum_left_out(agg):
    """Batch 0's loans (account 0 borrows 20 of asset 3) opened as zero: its commitment refuses;
    the sums moved to batch 1 instead: both commitments refuse."""
    inp = epoch().inputs()
    assert unsatisfied(agg, {**inp, "batch_0/loan": 0}) == ["batch_0/commitment", "loans"]
    moved = {**inp, "batch_0/loan": 0, "batch_1/loan": (inp["batch_1/loan"] + inp["batch_0/loan"]) % R}
    assert unsatisfied(agg, moved) == ["batch_0/commitment", "batch_1/commitment"]


def test_revealed_totals_commit_to_both_vectors():
    """Revealed totals (salt 0) open ``totals_commitment`` only with the liabilities and the
    gross loans together; hidden ones differ from that opening (the salt)."""
    from zkproof.venue import totals_commitment

    rev, hid = epoch(reveal_totals=True), epoch()
    L, G = rev.liabilities, [x % R for x in rev.loans]
    assert rev.totals_commitment == totals_commitment(poseidon, EPOCH, 0, [x % R for x in L], G)
    assert rev.totals_commitment != totals_commitment(poseidon, EPOCH, 0, [x % R for x in L], [0] * 8)
    assert hid.totals_commitment != rev.totals_commitment and hid.loans == rev.loans


# -- A5: hints replaced by 0, 1, r-1, random ----------------------------------------------------

def _tampered(cs, inputs, *, max_hints: int, seed: int):
    """(hint, value, first failure) for a sample of the aggregate's hints: every product and
    ``max_hints`` each of the range-check bits and the Poseidon rounds, every output set to
    0, 1, r-1 and a random value."""
    honest = cs.solve(inputs)
    rng = random.Random(seed)
    groups: dict[str, list] = {"poseidon": [], "bits": [], "products": []}
    for h in cs.hints:
        kind = "poseidon" if "poseidon" in h.name else "bits" if "reserve_" in h.name else "products"
        groups[kind].append(h)
    picked = groups["products"] + [h for g in ("poseidon", "bits")
                                   for h in rng.sample(groups[g], min(max_hints, len(groups[g])))]
    assert len(groups["products"]) >= 9 and len(groups["bits"]) >= 16
    for h in picked:  # at most 4 outputs of a hint with many (a bit decomposition)
        for var in (h.outputs if len(h.outputs) <= 4 else rng.sample(h.outputs, 4)):
            for val in (0, 1, R - 1, rng.randrange(R)):
                if val != honest.values[var.key]:
                    yield h.name, val, cs.which_is_unsatisfied(cs.solve(inputs, {var: val}))


def test_aggregate_hints_pinned(agg):
    inputs = epoch().inputs()
    tried = 0
    for name, val, failure in _tampered(agg, inputs, max_hints=20, seed=3):
        tried += 1
        assert failure is not None, f"hint '{name}' = {val} still satisfies"
    assert tried > 100


def test_rejected_epoch_stays_rejected_under_tampered_hints(agg):
    """Liabilities above reserves (asset 5 one unit short): no sampled hint override makes it
    satisfy."""
    low = [0, 0, 0, 0, 0, 8 * 10**4 - 1, 0, 0]
    e = epoch(reserves=low, liabilities=wa.epoch_totals(batches(accounts()), "liab"))
    for name, val, failure in _tampered(agg, e.inputs(), max_hints=20, seed=4):
        assert failure is not None, f"hint '{name}' = {val} satisfies a rejected epoch"


# -- gamma is the one function of the roots; the cost per batch ---------------------------------

def test_gamma_is_the_native_hash():
    e = epoch()
    from zkproof.statement import totals_commitment
    from zkproof.venue import open_interest_hash, table_hash
    committed = totals_commitment(poseidon, EPOCH, SALT, [x % R for x in [*e.liabilities, *e.loans]])
    assert e.gamma == rlc_challenge(poseidon, EPOCH, table_hash(TABLES), open_interest_hash(TRUE_OI),
                                    committed, [b.root for b in e.batches])
    b = e.batches[0]
    s = b.sums()
    assert b.commitment == sums_commitment(poseidon, s.net, s.long, s.liab, s.loan, b.blinder)


@pytest.mark.parametrize("sizes", [((16, 8), (64, 16))])
def test_constraints_per_batch_independent_of_universes(sizes):
    """Per batch = (constraints at 8 batches - at 4) / 4, equal at two universe sizes."""
    per = []
    for i_max, a_max in sizes:
        bs = VenueShape(i_max=i_max, a_max=a_max, p=2, b=2, k=1, capacity=2)
        n = {k: venue_aggregate.build(VenueEpochShape(bs, k)).num_constraints for k in (4, 8)}
        per.append((n[8] - n[4]) / 4)
    assert per[0] == per[1] and per[0] < 400
