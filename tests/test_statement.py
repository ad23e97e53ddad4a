"""The statement's shared definitions: bounds (ATTACKS §5 worksheet, A12) and hash domains."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkproof import statement as stm
from zkproof.field.fr import R
from zkproof.hash.poseidon import poseidon


def test_equity_bound_covers_worst_account_and_stays_below_252_bits():
    """A12: the largest |E| of an in-range account fits equity_bits, and equity_bits <= 252."""
    s = stm.Shape(n_assets=3, n_instruments=16, n_scenarios=17, capacity=64, table_bits=50)
    worst = 3 * (2**64 - 1) * (2**50 - 1) + 16 * (2**63 - 1) * (2**50 - 1)
    floor = 16 * (2**63 - 1) * (2**50 - 1)
    assert worst + floor < 2 ** s.equity_bits <= 2 ** stm.MAX_FIELD_BITS
    # a negative E is r - |E|: far above 2^k, so it cannot pass a k-bit range check
    assert R - (worst + floor) > 2 ** s.equity_bits
    assert s.n_batches * s.capacity * 2**64 <= 2 ** s.reserve_bits


def test_shape_rejects_bad_capacity():
    with pytest.raises(ValueError, match="power of two"):
        stm.Shape(3, 16, 17, 48, 50, 2)


@given(st.text(min_size=1, max_size=20), st.binary(min_size=32, max_size=32),
       st.binary(min_size=32, max_size=32))
def test_id_hash_binds_id_and_nonce(uid, n1, n2):
    if stm.nonce_field(n1) != stm.nonce_field(n2):
        assert stm.id_hash(uid, n1) != stm.id_hash(uid, n2)
    assert stm.id_hash(uid, n1) != stm.id_hash(uid + "x", n1)


def test_long_hash_binds_length_and_kind():
    """Trailing zeros and the kind change the hash (length bound in: ATTACKS §5)."""
    lh = stm.long_hash
    assert lh(poseidon, stm.TABLE, [1, 2]) != lh(poseidon, stm.TABLE, [1, 2, 0])
    assert lh(poseidon, stm.TABLE, [1, 2]) != lh(poseidon, stm.BATCHES, [1, 2])
    h0 = poseidon([(stm.TABLE << 32) + 2])
    assert lh(poseidon, stm.TABLE, [1, 2]) == poseidon([h0, 1, 2] + [0] * 13)


def test_negative_table_values_are_field_encoded():
    assert stm.table_values([[1]], [[-1]], [0]) == [1, R - 1, 0]


def test_domain_kinds_are_distinct_from_the_tree_layout():
    from zkproof.hash import merkle_sum_layout as lay

    ours = {stm.ID, stm.TABLE, stm.RESERVES, stm.BATCH, stm.BATCHES, stm.OI, stm.TOTALS}
    assert len(ours) == 7 and not ours & {lay.LEAF, lay.NODE, lay.HEADER, lay.CHUNK}


def test_totals_commitment_layout_and_salt():
    """``H(tag(TOTALS, 2 + A), epoch, salt_used, L...)``; the revealed form is salt 0, and any
    salt, epoch or total changes it (SPEC §1.4, ATTACKS A14)."""
    c = stm.totals_commitment(poseidon, 7, 5, [160, 10])
    assert c == poseidon([(stm.TOTALS << 32) + 4, 7, 5, 160, 10])
    assert stm.revealed_totals_commitment(7, [160, 10]) == stm.totals_commitment(poseidon, 7, 0, [160, 10])
    variants = {c, stm.revealed_totals_commitment(7, [160, 10]),
                stm.totals_commitment(poseidon, 8, 5, [160, 10]),
                stm.totals_commitment(poseidon, 7, 5, [161, 10])}
    assert len(variants) == 4
    assert stm.AGGREGATE_PUBLIC[5:] == ("totals_revealed", "totals_commitment", "batches_hash")
