"""Aggregate circuit: zero-sum open interest, reserves cover, batch linking, the totals
commitment and its revealed flag (ATTACKS A9, A11, A14, A16, A17), each asserting which named
constraint fails."""

from __future__ import annotations

import pytest

from zkproof import statement as stm
from zkproof.circuits import aggregate as ag
from zkproof.field.fr import R
from zkproof.hash.poseidon import poseidon
from zkproof.witness import aggregate as wa
from zkproof.witness import batch as wb

SHAPE = stm.Shape(n_assets=2, n_instruments=2, n_scenarios=3, capacity=2, table_bits=40, n_batches=2)
EPOCH, TS, TABLE_HASH = 7, 1_700_000_000, 99
SALT = 123456789  # the hidden-totals salt (random in the prover; fixed here)

# Pinned: 2,310 for the one-sponge batch commitments and the tree; + totals_revealed (1) +
# salt_used (1) + one Poseidon of 1 + 2 + A = 5 inputs (319) = 2,631; + open interest and shape
# binding (260): the open-interest hash over I = 2 sums (258) and its equality (1),
# shape_digest (1); zero_sum[i] is one linear constraint per instrument (over the packed longs
# and shorts) = 2,891. A change here changes the circuit (and needs a new setup).
AGGREGATE_CONSTRAINTS = 2891


@pytest.fixture(scope="module")
def cs():
    return ag.build(SHAPE)


def build_aggregate(bs, reserves, *, reveal=False, salt=SALT, epoch=EPOCH):
    return wa.build_aggregate(SHAPE, epoch, TS, bs, reserves, TABLE_HASH, reveal_totals=reveal,
                              salt=salt)


def batches(epoch=EPOCH):
    return [wb.build_batch(SHAPE, epoch, [wb.Slot(11, (100, 5), (3, -2)), wb.Slot(12, (50, 0), (-1, 2))],
                           blinder=1),
            wb.build_batch(SHAPE, epoch, [wb.Slot(13, (10, 5), (-2, 0)), wb.Slot(14, (0, 0), (0, 0))],
                           blinder=2)]


def unsat(cs, w, overrides=None, **changes):
    inp = wa.circuit_inputs(w)
    inp.update(changes)
    return cs.which_is_unsatisfied(cs.solve(inp, overrides=overrides))


def test_honest_epoch_is_satisfied_and_totals_are_exact(cs):
    w = build_aggregate(batches(), [160, 10])
    assert unsat(cs, w) is None
    assert w.liabilities == (160, 10)  # reserves exactly equal to liabilities are enough


def test_omit_losing_counterparty(cs):
    """A9: drop the account holding the short side of instrument 0 (slot 13): Σq ≠ 0."""
    bs = batches()
    bs[1] = wb.build_batch(SHAPE, EPOCH, [wb.Slot(14, (0, 0), (0, 0)), wb.Slot(15, (10, 5), (0, 0))],
                           blinder=2)
    w = build_aggregate(bs, [160, 10])
    assert unsat(cs, w) == "zero_sum[0]"


def test_liabilities_exceed_reserves_wrap(cs):
    """A11: L_a = R_a + 1 (R_a - L_a = -1 mod r) is unsat at reserve_cover."""
    w = build_aggregate(batches(), [159, 10])
    assert unsat(cs, w).startswith("reserve_cover[0]/")


def test_reserves_out_of_range(cs):
    """A reserve beyond reserve_bits (e.g. r - 1, 'negative') is unsat at reserve_range."""
    w = build_aggregate(batches(), [160, R - 1])
    assert unsat(cs, w).startswith("reserve_range[1]/")


def test_liabilities_taken_from_other_sums(cs):
    """A11b: understating a batch's sums inside the aggregate breaks its commitment link."""
    w = build_aggregate(batches(), [160, 10])
    assert unsat(cs, w, **{"batch_0/sum[0]": 50}) == "batches_hash"


@pytest.mark.parametrize("field", ["root_hash", "w[1]", "blinder"])
def test_batch_link_substitution(cs, field):
    """A14: any batch value other than the one its proof committed to breaks batches_hash."""
    w = build_aggregate(batches(), [160, 10])
    inp = wa.circuit_inputs(w)
    assert unsat(cs, w, **{f"batch_1/{field}": inp[f"batch_1/{field}"] + 1}) == "batches_hash"


def test_batch_replayed_from_another_epoch(cs):
    """A14: a batch proved for epoch 6 cannot be counted in epoch 7 (the epoch is committed)."""
    old = batches(epoch=6)
    w = build_aggregate([batches()[0], old[1]], [160, 10])
    assert unsat(cs, w) == "batches_hash"


def test_dummy_counterparty_counts_in_liabilities(cs):
    """A16: a fake account that takes over a short position must hold collateral that counts in
    L_a; with reserves short of it the epoch is unsat."""
    bs = batches()
    dummy = wb.Slot(99, (0, 1000), (0, 0))
    bs[1] = wb.build_batch(SHAPE, EPOCH, [wb.Slot(13, (10, 5), (-2, 0)), dummy], blinder=2)
    w = build_aggregate(bs, [160, 10])
    assert w.liabilities[1] == 1010
    assert unsat(cs, w).startswith("reserve_cover[1]/")
    w = build_aggregate(bs, [160, 1010])
    assert unsat(cs, w) is None


def test_public_root_and_reserves_are_bound(cs):
    """A17 (circuit side): a different root or reserves commitment is unsat."""
    w = build_aggregate(batches(), [160, 10])
    assert unsat(cs, w, root=w.public()["root"] + 1) == "root"
    assert unsat(cs, w, reserves_commitment=5) == "reserves_commitment"


# --- totals: hidden by default, revealed on request (SPEC §1.4; ATTACKS A11, A14, A17) --------


def test_aggregate_constraint_count_is_pinned(cs):
    assert cs.to_r1cs().n_constraints == AGGREGATE_CONSTRAINTS


def test_hidden_totals_are_salted(cs):
    """Hidden (default): the commitment carries the secret salt, so hashing the true totals with
    salt 0 (what a guesser can do) does not give it (A14); the epoch satisfies the circuit."""
    w = build_aggregate(batches(), [160, 10])
    pub = w.public()
    assert unsat(cs, w) is None
    assert pub["totals_revealed"] == 0
    assert pub["totals_commitment"] == stm.totals_commitment(poseidon, EPOCH, SALT, [160, 10])
    assert pub["totals_commitment"] != stm.revealed_totals_commitment(EPOCH, [160, 10])


def test_hidden_totals_commitment_is_bound(cs):
    """A hidden commitment under another salt or to other totals is unsat at totals_commitment."""
    w = build_aggregate(batches(), [160, 10])
    other = stm.totals_commitment(poseidon, EPOCH, SALT, [159, 10])
    assert unsat(cs, w, totals_commitment=other) == "totals_commitment"
    assert unsat(cs, w, salt=SALT + 1) == "totals_commitment"


def test_hidden_totals_refuse_a_zero_salt():
    """A14 (privacy): the native side never builds an unsalted hidden commitment."""
    with pytest.raises(ValueError, match="salt"):
        build_aggregate(batches(), [160, 10], salt=0)


def test_revealed_totals_open_to_the_root_sums(cs):
    """Revealed: salt 0, flag 1; the commitment is the one anyone recomputes from L_a."""
    w = build_aggregate(batches(), [160, 10], reveal=True)
    pub = w.public()
    assert unsat(cs, w) is None
    assert w.salt == 0 and pub["totals_revealed"] == 1
    assert pub["totals_commitment"] == stm.revealed_totals_commitment(EPOCH, [160, 10])
    assert wa.circuit_inputs(w)["salt"] == 0


def test_revealed_totals_other_than_the_root_sums_are_unsat(cs):
    """A11 with the option: publishing understated totals (159 instead of 160) needs a
    commitment to them, which the root's sum wires do not open: unsat at totals_commitment."""
    w = build_aggregate(batches(), [160, 10], reveal=True)
    fake = stm.revealed_totals_commitment(EPOCH, [159, 10])
    assert unsat(cs, w, totals_commitment=fake) == "totals_commitment"
    epoch6 = stm.revealed_totals_commitment(EPOCH - 1, [160, 10])  # the epoch is bound in
    assert unsat(cs, w, totals_commitment=epoch6) == "totals_commitment"


def test_totals_flag_must_be_boolean(cs):
    """totals_revealed = 2 (salt_used = -salt) is refused at the named boolean constraint."""
    w = build_aggregate(batches(), [160, 10])
    assert unsat(cs, w, totals_revealed=2) == "totals_revealed"
    assert unsat(cs, w, totals_revealed=R - 1) == "totals_revealed"


def test_revealed_flag_with_a_salt_is_unsat(cs):
    """Flag 1 but the commitment salted (a prover claiming 'revealed' while hiding): forcing the
    salt_used wire to the salt is unsat at salt_used; honestly solved, at totals_commitment."""
    w = build_aggregate(batches(), [160, 10])  # hidden: the public commitment carries SALT
    assert unsat(cs, w, overrides={"salt_used_out": SALT}, totals_revealed=1) == "salt_used"
    assert unsat(cs, w, totals_revealed=1) == "totals_commitment"


def test_hidden_flag_on_revealed_commitment_with_salt_is_unsat(cs):
    """The other direction: flag 0 with the unsalted commitment and a nonzero salt."""
    w = build_aggregate(batches(), [160, 10], reveal=True)
    assert unsat(cs, w, totals_revealed=0, salt=SALT) == "totals_commitment"
    assert unsat(cs, w, totals_revealed=0) is None  # salt 0 and flag 0: same commitment, valid


# --- open interest and shape (ATTACKS A9, A17; SPEC §1.3) -------------------------------------


def test_unbalanced_epoch_has_no_open_interest_the_header_can_carry(cs):
    """A9, the packed check: with a counterparty dropped (longs 3 != shorts 1 on instrument 0),
    the honest witness is unsat at zero_sum[0]; a prover that solves oi[0] = sum_b w_b[0] /
    (1 + 2^K) in the field satisfies it only with an oi[0] far above 2^K, which the verifier
    refuses in the header (so its hash cannot match any header that parses)."""
    bs = batches()
    bs[1] = wb.build_batch(SHAPE, EPOCH, [wb.Slot(14, (0, 0), (0, 0)), wb.Slot(15, (10, 5), (0, 0))],
                           blinder=2)
    w = build_aggregate(bs, [160, 10])
    assert unsat(cs, w) == "zero_sum[0]"
    K = SHAPE.interest_bits
    total = sum(b.interests[0] for b in bs)
    forced = total * pow(1 + (1 << K), -1, R) % R
    assert forced >= SHAPE.open_interest_bound  # not an integer OI below 2^K
    inp = wa.circuit_inputs(w)
    inp["oi[0]"] = forced
    inp["open_interest_hash"] = stm.open_interest_hash(poseidon, [forced, w.open_interest[1]])
    assert cs.which_is_unsatisfied(cs.solve(inp)) is None


def test_netting_set_omitted_changes_open_interest(cs):
    """A9 (issue reproduction): an account under margin short 10 and the vault long 10 on the
    same instrument are dropped together. Every aggregate constraint still holds (the rest nets
    to zero), but the public open interest is 10 lower than the venue's, and with the venue's
    open interest as the public input the aggregate is unsat."""
    users = wb.build_batch(SHAPE, EPOCH, [wb.Slot(11, (100, 5), (3, -2)), wb.Slot(12, (50, 0), (-3, 2))],
                           blinder=1)
    bad, vault = wb.Slot(21, (0, 0), (-10, 0)), wb.Slot(22, (5, 0), (10, 0))
    full = [users, wb.build_batch(SHAPE, EPOCH, [bad, vault], blinder=2)]
    dropped = [users, wb.build_batch(SHAPE, EPOCH, [wb.Slot(23, (0, 0), (0, 0)),
                                                    wb.Slot(24, (0, 0), (0, 0))], blinder=2)]
    venue = build_aggregate(full, [160, 10])
    w = build_aggregate(dropped, [160, 10])
    assert unsat(cs, w) is None  # the omission alone breaks no constraint ...
    assert venue.open_interest == [13, 2] and w.open_interest == [3, 2]  # ... but OI shows it
    assert w.public()["open_interest_hash"] != venue.public()["open_interest_hash"]
    assert unsat(cs, w, open_interest_hash=venue.public()["open_interest_hash"]) == "open_interest_hash"


def test_open_interest_hash_is_bound(cs):
    """A17: the public open interest hash is recomputed from the batches' committed longs."""
    w = build_aggregate(batches(), [160, 10])
    assert w.open_interest == [3, 2]
    other = stm.open_interest_hash(poseidon, [3, 3])
    assert unsat(cs, w, open_interest_hash=other) == "open_interest_hash"


def test_relabelled_shape_digest_is_unsat(cs):
    """A17 (shape): the aggregate pins shape_digest to its shape's digest."""
    w = build_aggregate(batches(), [160, 10])
    other = stm.Shape(n_assets=2, n_instruments=1, n_scenarios=5, capacity=2, table_bits=40)
    assert other.table_size != SHAPE.table_size or other.digest() != SHAPE.digest()
    assert unsat(cs, w, shape_digest=other.digest()) == "shape_digest"
