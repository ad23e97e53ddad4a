"""Aggregate circuit: zero-sum open interest, reserves cover, batch linking (ATTACKS A9, A11,
A14, A16), each asserting which named constraint fails."""

from __future__ import annotations

import pytest

from zkproof import statement as stm
from zkproof.circuits import aggregate as ag
from zkproof.field.fr import R
from zkproof.witness import aggregate as wa
from zkproof.witness import batch as wb

SHAPE = stm.Shape(n_assets=2, n_instruments=2, n_scenarios=3, capacity=2, table_bits=40, n_batches=2)
EPOCH, TS, TABLE_HASH = 7, 1_700_000_000, 99


@pytest.fixture(scope="module")
def cs():
    return ag.build(SHAPE)


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
    w = wa.build_aggregate(SHAPE, EPOCH, TS, batches(), [160, 10], TABLE_HASH)
    assert unsat(cs, w) is None
    assert w.liabilities == (160, 10)  # reserves exactly equal to liabilities are enough


def test_omit_losing_counterparty(cs):
    """A9: drop the account holding the short side of instrument 0 (slot 13): Σq ≠ 0."""
    bs = batches()
    bs[1] = wb.build_batch(SHAPE, EPOCH, [wb.Slot(14, (0, 0), (0, 0)), wb.Slot(15, (10, 5), (0, 0))],
                           blinder=2)
    w = wa.build_aggregate(SHAPE, EPOCH, TS, bs, [160, 10], TABLE_HASH)
    assert unsat(cs, w) == "zero_sum[0]"


def test_liabilities_exceed_reserves_wrap(cs):
    """A11: L_a = R_a + 1 (R_a - L_a = -1 mod r) is unsat at reserve_cover."""
    w = wa.build_aggregate(SHAPE, EPOCH, TS, batches(), [159, 10], TABLE_HASH)
    assert unsat(cs, w).startswith("reserve_cover[0]/")


def test_reserves_out_of_range(cs):
    """A reserve beyond reserve_bits (e.g. r - 1, 'negative') is unsat at reserve_range."""
    w = wa.build_aggregate(SHAPE, EPOCH, TS, batches(), [160, R - 1], TABLE_HASH)
    assert unsat(cs, w).startswith("reserve_range[1]/")


def test_liabilities_taken_from_other_sums(cs):
    """A11b: understating a batch's sums inside the aggregate breaks its commitment link."""
    w = wa.build_aggregate(SHAPE, EPOCH, TS, batches(), [160, 10], TABLE_HASH)
    assert unsat(cs, w, **{"batch_0/sum[0]": 50}) == "batches_hash"


@pytest.mark.parametrize("field", ["root_hash", "oi[1]", "blinder"])
def test_batch_link_substitution(cs, field):
    """A14: any batch value other than the one its proof committed to breaks batches_hash."""
    w = wa.build_aggregate(SHAPE, EPOCH, TS, batches(), [160, 10], TABLE_HASH)
    inp = wa.circuit_inputs(w)
    assert unsat(cs, w, **{f"batch_1/{field}": inp[f"batch_1/{field}"] + 1}) == "batches_hash"


def test_batch_replayed_from_another_epoch(cs):
    """A14: a batch proved for epoch 6 cannot be counted in epoch 7 (the epoch is committed)."""
    old = batches(epoch=6)
    w = wa.build_aggregate(SHAPE, EPOCH, TS, [batches()[0], old[1]], [160, 10], TABLE_HASH)
    assert unsat(cs, w) == "batches_hash"


def test_dummy_counterparty_counts_in_liabilities(cs):
    """A16: a fake account that takes over a short position must hold collateral that counts in
    L_a; with reserves short of it the epoch is unsat."""
    bs = batches()
    dummy = wb.Slot(99, (0, 1000), (0, 0))
    bs[1] = wb.build_batch(SHAPE, EPOCH, [wb.Slot(13, (10, 5), (-2, 0)), dummy], blinder=2)
    w = wa.build_aggregate(SHAPE, EPOCH, TS, bs, [160, 10], TABLE_HASH)
    assert w.liabilities[1] == 1010
    assert unsat(cs, w).startswith("reserve_cover[1]/")
    w = wa.build_aggregate(SHAPE, EPOCH, TS, bs, [160, 1010], TABLE_HASH)
    assert unsat(cs, w) is None


def test_public_root_and_reserves_are_bound(cs):
    """A17 (circuit side): a different root or reserves commitment is unsat."""
    w = wa.build_aggregate(SHAPE, EPOCH, TS, batches(), [160, 10], TABLE_HASH)
    assert unsat(cs, w, root=w.public()["root"] + 1) == "root"
    assert unsat(cs, w, reserves_commitment=5) == "reserves_commitment"
