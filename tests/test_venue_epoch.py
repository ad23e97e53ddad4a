"""A venue epoch proved and verified end to end in memory (docs/venue-design.md §3):
``prover.venue_epoch.prove_venue_epoch`` then ``verifier.venue_check.verify_venue_epoch``.
An honest epoch verifies; each attack fails at the check named after what it breaks.

The epoch: two batches of two accounts at a tiny shape (``I_max = 8``, ``A_max = 4``, ``P = 2``,
``B = 2``, ``K = 2``, capacity 2); batch 1 holds the negated positions of batch 0, so the epoch
nets to zero while no batch does alone. Dev keys (INSECURE-DEV-SETUP) are made once per module.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.test_venue_batch import make_tables
from zkproof.errors import ConstraintUnsatisfied, InputError
from zkproof.field.fr import R
from zkproof.groth16.setup import dev_setup
from zkproof.groth16.verify import verify
from zkproof.hash.poseidon import poseidon
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.parallel import prove_statement
from zkproof.prover.venue_epoch import VenueEpochKeys, prove_venue_epoch
from zkproof.venue import (
    VenueBatchProof,
    VenueEpochShape,
    VenueShape,
    batch_public_values,
    open_interest_hash,
    rlc_challenge,
    table_hash,
    table_public_values,
    totals_commitment,
)
from zkproof.verifier.venue_check import tier_label, verify_venue_epoch
from zkproof.witness import venue as wv
from zkproof.witness import venue_aggregate as wa

pytestmark = pytest.mark.prove

SHAPE = VenueShape(i_max=8, a_max=4, p=2, b=2, k=2, capacity=2)
EPOCH_SHAPE = VenueEpochShape(SHAPE, 2)
TABLES = make_tables(SHAPE)
EPOCH, SALT = 9, 0x5A17
NARROW_PROOFS = f"batch proofs {tier_label(SHAPE)}"
RESERVES = [0, 3 * 10**4, 2 * 10**4, 0]
ACCOUNTS = [wv.VenueAccount(11, ((1, 5), (3, -2)), ((1, 10**4), (2, 500))),
            wv.VenueAccount(12, ((2, -1),), ((2, 10**4), (3, -20))),
            wv.VenueAccount(13, ((1, -5), (3, 2)), ((1, 10**4),)),
            wv.VenueAccount(14, ((2, 1),), ((2, 500),))]


def epoch(**kw) -> wa.VenueEpochWitness:
    kw.setdefault("salt", SALT)
    kw.setdefault("reserves", RESERVES)
    batches = [wv.build_venue_batch(SHAPE, TABLES, ACCOUNTS[2 * b:2 * b + 2]) for b in range(2)]
    return wa.build_venue_epoch(EPOCH_SHAPE, EPOCH, TABLES, batches, **kw)


@pytest.fixture(scope="module")
def keys() -> VenueEpochKeys:
    return VenueEpochKeys({SHAPE: dev_setup(venue_batch_circuit(SHAPE).to_r1cs(), quiet=True)},
                          dev_setup(venue_aggregate_circuit(EPOCH_SHAPE).to_r1cs(), quiet=True))


@pytest.fixture(scope="module")
def vks(keys):
    return keys.verifying_keys()


@pytest.fixture(scope="module")
def honest(keys):
    return prove_venue_epoch(epoch(), keys)


@pytest.fixture(scope="module")
def revealed(keys):
    return prove_venue_epoch(epoch(reveal_totals=True), keys)


def failed(vks, proofs, pub=None) -> list[str]:
    return verify_venue_epoch(vks, proofs.public if pub is None else pub, proofs, allow_dev=True).failed()


def regamma(pub, proofs):
    """``pub`` with the gamma its values and ``proofs``' roots hash to (a consistent liar)."""
    g = rlc_challenge(poseidon, pub.epoch, table_hash(pub.tables), open_interest_hash(pub.open_interest),
                      pub.totals_commitment, [b.root for b in proofs.batches])
    return dataclasses.replace(pub, gamma=g)


# -- completeness ----------------------------------------------------------------------------

def test_honest_epoch_verifies(vks, honest):
    r = verify_venue_epoch(vks, honest.public, honest, allow_dev=True)
    assert r.ok, r.failed()
    names = [c.name for c in r.checks]
    for name in ("gamma", "batch_0 public inputs", "batch_1 public inputs", "aggregate public inputs",
                 NARROW_PROOFS, "aggregate proof"):
        assert name in names
    assert honest.public.totals is None and honest.public.open_interest[1] == 5
    assert honest.public.loans is None and honest.public.holdings is None


def test_hidden_totals_stay_hidden(honest):
    """A hidden epoch publishes neither vector: the commitment is not their salt-0 opening, and
    no public input of any proof is a liability or a gross loan (the sums are behind blinded
    commitments)."""
    e = epoch()
    L, G = [x % R for x in e.liabilities], [x % R for x in e.loans]
    assert e.loans == [0, 0, 0, 20]
    assert honest.public.totals_commitment != totals_commitment(poseidon, EPOCH, 0, L, G)
    published = set(honest.aggregate_public) | {x for b in honest.batches for x in b.public}
    s = e.batches[0].sums()  # account 12 borrows 20 of asset 3
    assert s.loan and s.liab and not {s.liab, s.loan} & published


def test_honest_epoch_with_revealed_totals_verifies(vks, revealed):
    proofs = revealed
    assert proofs.public.totals == (0, 2 * 10**4, 11_000, -20)
    assert proofs.public.loans == (0, 0, 0, 20) and proofs.public.holdings == (0, 2 * 10**4, 11_000, 0)
    r = verify_venue_epoch(vks, proofs.public, proofs, allow_dev=True)
    assert r.ok and "revealed totals open the totals commitment" in [c.name for c in r.checks]
    fake = dataclasses.replace(proofs.public, totals=(0, 2 * 10**4, 10_000, -20))
    assert failed(vks, proofs, fake) == ["revealed totals open the totals commitment"]


@pytest.mark.parametrize("loans", [(0, 0, 0, 19), (0, 0, 0, 0), (0, 0, 0, 20 + R), None])
def test_revealed_loans_that_do_not_open_the_commitment(vks, revealed, loans):
    """Revealed gross loans other than the committed ones (one short, none, the same field
    element out of range) or left out while the liabilities are revealed: a failed check."""
    fake = dataclasses.replace(revealed.public, loans=loans)
    assert failed(vks, revealed, fake) == ["revealed totals open the totals commitment"]


def test_loans_revealed_without_the_liabilities(vks, honest):
    """A hidden epoch's public data claiming gross loans: revealed together or not at all."""
    fake = dataclasses.replace(honest.public, loans=(0, 0, 0, 20))
    assert failed(vks, honest, fake) == ["revealed totals open the totals commitment"]


def test_prover_claiming_other_gross_loans(keys):
    """Gross loans committed (and revealed) other than the batches': the aggregate does not
    prove, at ``loans``."""
    with pytest.raises(ConstraintUnsatisfied, match="loans"):
        prove_venue_epoch(epoch(reveal_totals=True, loans=[0, 0, 0, 0]), keys)


def test_epoch_nets_to_zero_only_as_a_whole():
    e = epoch()
    assert all(any(b.totals("net")) for b in e.batches) and not any(wa.epoch_totals(e.batches, "net"))


# -- attacks ---------------------------------------------------------------------------------

def test_batch_proof_swapped_between_batches(vks, honest):
    """Proofs moved to the other batch's slot (roots and commitments in place): neither proves
    its batch's statement."""
    b0, b1 = honest.batches
    swap = lambda b, o: dataclasses.replace(b, proof=o.proof, public=o.public)  # noqa: E731
    proofs = dataclasses.replace(honest, batches=(swap(b0, b1), swap(b1, b0)))
    assert failed(vks, proofs) == ["batch_0 public inputs", "batch_1 public inputs", NARROW_PROOFS]
    r = verify_venue_epoch(vks, proofs.public, proofs, allow_dev=True)
    assert "batches [0, 1]" in next(c.detail for c in r.checks if c.name == NARROW_PROOFS)


def test_batches_reordered(vks, honest):
    """Whole batches (root, commitment, proof) reordered: gamma hashes the roots in order."""
    proofs = dataclasses.replace(honest, batches=honest.batches[::-1])
    bad = failed(vks, proofs)
    assert {"gamma", NARROW_PROOFS, "aggregate proof"} <= set(bad)


def test_batch_dropped(vks, honest):
    """Batch 1's proof and root removed: the aggregate takes two."""
    proofs = dataclasses.replace(honest, batches=honest.batches[:1])
    assert failed(vks, proofs) == ["batch count"]


def test_batch_dropped_and_shape_relabelled(vks, honest):
    """The same, with the header claiming a one-batch epoch: the aggregate key is for two."""
    proofs = dataclasses.replace(honest, batches=honest.batches[:1])
    pub = regamma(dataclasses.replace(honest.public, shape=VenueEpochShape(SHAPE, 1)), proofs)
    assert failed(vks, proofs, pub) == ["aggregate key shape"]


def test_header_open_interest_changed(vks, honest):
    oi = list(honest.public.open_interest)
    oi[1] -= 1
    pub = dataclasses.replace(honest.public, open_interest=tuple(oi))
    assert {"gamma", "aggregate public inputs", "aggregate proof"} <= set(failed(vks, honest, pub))
    # with gamma recomputed to match: every proof is bound to the true gamma
    bad = failed(vks, honest, regamma(pub, honest))
    assert "gamma" not in bad
    assert {"batch_0 public inputs", NARROW_PROOFS, "aggregate proof"} <= set(bad)


def test_header_digest_changed(keys, vks):
    """The aggregate is proved against one header's digest: any other header (a field the
    proofs do not otherwise see, e.g. an instrument's name) fails the aggregate proof alone."""
    w = epoch()
    w.header_digest = 12345
    proofs = prove_venue_epoch(w, keys)
    assert proofs.public.header_digest == 12345 and not failed(vks, proofs)
    pub = dataclasses.replace(proofs.public, header_digest=12346)
    assert failed(vks, proofs, pub) == ["aggregate public inputs", "aggregate proof"]


def test_claimed_gamma_is_not_the_hash(vks, honest):
    pub = dataclasses.replace(honest.public, gamma=(honest.public.gamma + 1))
    assert failed(vks, honest, pub) == ["gamma"]


def test_prover_chosen_gamma(keys, vks, honest):
    """Batches bound to a gamma of the prover's choosing: the aggregate refuses to prove it (it
    recomputes gamma from the roots); batch proofs made under it verify against no epoch."""
    e = epoch()
    g = 12345
    bad_e = dataclasses.replace(e, gamma=g, batches=[b.bind(g) for b in e.batches])
    with pytest.raises(ConstraintUnsatisfied, match="gamma"):
        prove_venue_epoch(bad_e, keys)
    batches = []
    for n, b in enumerate(bad_e.batches):
        proof, public = prove_statement(venue_batch_circuit(SHAPE), b.inputs(), keys.batch[SHAPE],
                                        b.public_values(), f"batch {n}")
        batches.append(VenueBatchProof(SHAPE, b.root, b.commitment, proof, tuple(public)))
    proofs = dataclasses.replace(honest, batches=tuple(batches),
                                 public=dataclasses.replace(honest.public, gamma=g))
    bad = failed(vks, proofs)
    assert {"gamma", "batch_0 public inputs", NARROW_PROOFS, "aggregate proof"} <= set(bad)


def test_reserves_below_liabilities(keys, vks, honest):
    """The builder refuses; with the liabilities forced the prover refuses (``reserve_cover``);
    reserves patched into the public data after proving fail the aggregate."""
    low = [0, 2 * 10**4 - 1, 2 * 10**4, 0]
    with pytest.raises(InputError, match=r"reserves\[1\]"):
        epoch(reserves=low)
    forced = epoch(reserves=low, liabilities=list(epoch().liabilities))
    with pytest.raises(ConstraintUnsatisfied, match=r"reserve_cover\[1\]"):
        prove_venue_epoch(forced, keys)
    pub = dataclasses.replace(honest.public, reserves=tuple(low))
    assert failed(vks, honest, pub) == ["aggregate public inputs", "aggregate proof"]


def test_table_changed_after_proving(vks, honest):
    """Instrument 1 repriced in the published table: the positions were priced from another
    table, so no batch proof verifies against this one (and gamma hashes the table)."""
    v = list(TABLES.v)
    v[1] = tuple(x + 1 for x in v[1])
    pub = dataclasses.replace(honest.public, tables=dataclasses.replace(TABLES, v=tuple(v)))
    assert {"gamma", NARROW_PROOFS, "aggregate proof"} <= set(failed(vks, honest, pub))
    bad = failed(vks, honest, regamma(pub, honest))
    assert {"batch_0 public inputs", NARROW_PROOFS, "aggregate proof"} <= set(bad)



def test_batch_proof_under_another_gamma_input(vks, honest):
    """The batch's public ``gamma`` enters no constraint (its powers do); the QAP keeps every
    public input's ``u_i`` independent, so the proof still binds it: the same proof, table and
    powers with another ``gamma`` do not verify."""
    b = honest.batches[0]
    want = batch_public_values(b.shape, b.root, honest.public.gamma, b.sums_commitment,
                               table_public_values(honest.public.tables))
    vk = vks.batch[SHAPE]
    assert verify(vk, want, b.proof, check_key=False)
    assert not verify(vk, [want[0], want[1], (want[2] + 1) % R, *want[3:]], b.proof, check_key=False)


def test_proofs_replayed_in_another_epoch(vks, honest):
    """The epoch is hashed into gamma and is the aggregate's first public input."""
    pub = regamma(dataclasses.replace(honest.public, epoch=EPOCH + 1), honest)
    assert {"batch_0 public inputs", NARROW_PROOFS, "aggregate public inputs",
            "aggregate proof"} <= set(failed(vks, honest, pub))


def test_batch_sums_commitment_substituted(vks, honest):
    """Batch 0 claims another sums commitment: its proof and the aggregate (which opens the
    commitments it is given) both refuse it."""
    b0 = dataclasses.replace(honest.batches[0], sums_commitment=honest.batches[1].sums_commitment)
    proofs = dataclasses.replace(honest, batches=(b0, honest.batches[1]))
    assert failed(vks, proofs) == ["batch_0 public inputs", "aggregate public inputs", NARROW_PROOFS,
                                   "aggregate proof"]

# -- a wide tier in the same epoch -----------------------------------------------------------

WIDE = dataclasses.replace(SHAPE, p=4)
WIDE_PROOFS = f"batch proofs {tier_label(WIDE)}"
WIDE_ACCOUNT = wv.VenueAccount(15, ((1, -5), (2, 1), (3, 2)), ((1, 10**4), (2, 500)))  # 3 > P positions


def mixed_epoch() -> wa.VenueEpochWitness:
    """Batch 0 in the tier ``P = 2``, batch 1 (one account with three positions netting batch
    0's) in the wide tier ``P = 4``."""
    batches = [wv.build_venue_batch(SHAPE, TABLES, ACCOUNTS[:2]),
               wv.build_venue_batch(WIDE, TABLES, [WIDE_ACCOUNT])]
    return wa.build_venue_epoch(EPOCH_SHAPE, EPOCH, TABLES, batches, RESERVES, salt=SALT)


@pytest.fixture(scope="module")
def mixed(keys):
    wide_keys = dataclasses.replace(keys, batch={**keys.batch, WIDE: dev_setup(
        venue_batch_circuit(WIDE).to_r1cs(), quiet=True)})
    return wide_keys, prove_venue_epoch(mixed_epoch(), wide_keys)


def test_account_over_p_needs_the_wide_tier():
    with pytest.raises(InputError, match="the tier holds 2"):
        wv.build_venue_batch(SHAPE, TABLES, [WIDE_ACCOUNT])


def test_wide_tier_batch_in_the_same_epoch(mixed):
    wide_keys, proofs = mixed
    r = verify_venue_epoch(wide_keys.verifying_keys(), proofs.public, proofs, allow_dev=True)
    assert r.ok, r.failed()
    assert {NARROW_PROOFS, WIDE_PROOFS} <= {c.name for c in r.checks}
    assert not any(wa.epoch_totals(mixed_epoch().batches, "net"))


def test_wide_tier_proof_relabelled_as_the_narrow_tier(mixed):
    """The wide batch claimed as tier ``P = 2``: its proof is checked against that tier's key
    and shape digest, and fails."""
    wide_keys, proofs = mixed
    relabelled = dataclasses.replace(proofs, batches=(
        proofs.batches[0], dataclasses.replace(proofs.batches[1], shape=SHAPE)))
    bad = failed(wide_keys.verifying_keys(), relabelled)
    assert bad == ["batch_1 public inputs", NARROW_PROOFS]


def test_tier_without_a_key(vks, mixed):
    """The wide batch offered to a verifier that holds only the narrow tier's key."""
    _, proofs = mixed
    assert failed(vks, proofs) == ["batch tiers"]


@pytest.mark.parametrize("change", [{"k": 1}, {"table_bits": 39}, {"i_max": 16}, {"a_max": 8},
                                    {"capacity": 4}])
def test_batch_under_a_keyed_tier_outside_the_epoch(vks, honest, change):
    """Batch 0 labelled with a tier the verifier holds a key for, over another universe (its
    public table and powers would not be the epoch's) or with more accounts per batch than the
    aggregate's integer bounds count (``VenueEpochShape.accounts_bits``): refused before any
    public input is rebuilt."""
    other = dataclasses.replace(SHAPE, **change)
    keyed = dataclasses.replace(vks, batch={**vks.batch, other: vks.batch[SHAPE]})
    proofs = dataclasses.replace(honest, batches=(
        dataclasses.replace(honest.batches[0], shape=other), honest.batches[1]))
    assert failed(keyed, proofs) == ["batch tiers"]


def test_dev_keys_refused_unless_allowed(vks, honest):
    """Single-party dev keys (ATTACKS C6): every key used is named, and the epoch is refused."""
    r = verify_venue_epoch(vks, honest.public, honest)
    assert r.failed() == [f"batch key {tier_label(SHAPE)} from a real ceremony",
                          "aggregate key from a real ceremony"]

