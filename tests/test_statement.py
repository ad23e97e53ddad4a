"""The statement's shared definitions: bounds (ATTACKS §5 worksheet, A12) and hash domains."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkproof import statement as stm
from zkproof.field.fr import R
from zkproof.hash.poseidon import poseidon


def test_equity_bound_covers_worst_account_and_stays_below_252_bits():
    """A12 soundness bound: the largest |E - req| of an in-range account fits equity_bits <= 252,
    so a negative value (r - |E - req|) has no decomposition in any width up to 252."""
    s = stm.Shape(n_assets=3, n_instruments=16, n_scenarios=17, capacity=64, table_bits=50)
    worst = 3 * (2**64 - 1) * (2**50 - 1) + 16 * (2**63 - 1) * (2**50 - 1)
    floor = 16 * (2**63 - 1) * (2**50 - 1)
    assert worst + floor < 2 ** s.equity_bits <= 2 ** stm.MAX_FIELD_BITS
    # a negative E is r - |E|: far above 2^252 >= 2^k, so it cannot pass a k-bit range check
    assert R - (worst + floor) > 2 ** stm.MAX_FIELD_BITS
    assert s.n_batches * s.capacity * 2**64 <= 2 ** s.reserve_bits


@pytest.mark.parametrize("table_bits,bound,check", [(40, 109, 88), (50, 119, 88), (20, 89, 88),
                                                    (10, 79, 79), (1, 70, 70)])
def test_check_width_is_separate_from_the_soundness_bound(table_bits, bound, check):
    """A4/A12: the circuit's margin check width (completeness: honest E - req < 2^88 value
    units, refused by pre-flight beyond) is min(88, equity_bits); the soundness bound stays
    equity_bits. Both sides of the inequality, at the default shape (3 assets, 16 instruments):
    the most negative value r - y (y < 2^equity_bits) exceeds 2^253 > 2^check."""
    s = stm.Shape(3, 16, 17, 64, table_bits)
    assert (s.equity_bits, s.equity_check_bits) == (bound, check)
    assert s.equity_check_bits <= s.equity_bits <= stm.MAX_FIELD_BITS
    most_negative = R - (2 ** s.equity_bits - 1)
    assert most_negative > 2**253 > 2 ** s.equity_check_bits
    # completeness at the default unit (10^-12 USD): 2^88 value units is 3.1e14 USD
    assert 3.0e14 < 2**88 * 1e-12 < 3.2e14


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

    ours = {stm.ID, stm.TABLE, stm.RESERVES, stm.BATCH, stm.BATCHES, stm.OI, stm.TOTALS,
            stm.OPEN_INTEREST, stm.SHAPE, stm.VENUE_LEAF, stm.VENUE_SHAPE, stm.RLC, stm.VENUE_SUMS,
            stm.VENUE_OI, stm.VENUE_TABLE, stm.VENUE_EPOCH_SHAPE}
    assert len(ours) == 16 and not ours & {lay.LEAF, lay.NODE, lay.HEADER, lay.CHUNK}
    assert stm.OPEN_INTEREST != stm.OI == 10  # the retired kind stays reserved


def test_chain_hash_layout_and_split():
    """One sponge: ``H(tag(kind, n), x_1..x_k)``, then ``H(h, rest)`` without padding; ``k`` the
    split with the fewest partial rounds (22 values: 14 + 8, 987 constraints in-circuit)."""
    xs = list(range(1, 23))
    k = stm.chain_split(22)
    assert k == 14
    h = poseidon([(stm.BATCH << 32) + 22, *xs[:14]])
    assert stm.chain_hash(poseidon, stm.BATCH, xs) == poseidon([h, *xs[14:]])
    assert stm.chain_hash(poseidon, stm.BATCH, [5, 6]) == poseidon([(stm.BATCH << 32) + 2, 5, 6])
    assert [stm.chain_split(n) for n in (1, 15)] == [1, 15]
    for n in range(16, 30):  # both calls fit one Poseidon (<= 16 inputs)
        assert n - 15 <= stm.chain_split(n) <= 15
    for n in (0, 30):
        with pytest.raises(ValueError, match="1..29"):
            stm.chain_split(n)


def test_chain_hash_binds_length_kind_and_order():
    """ATTACKS §5: trailing zeros, another kind or a swap change the hash."""
    ch = stm.chain_hash
    xs = list(range(1, 21))
    assert ch(poseidon, stm.BATCH, xs) != ch(poseidon, stm.BATCH, xs + [0])
    assert ch(poseidon, stm.BATCH, xs) != ch(poseidon, stm.TABLE, xs)
    assert ch(poseidon, stm.BATCH, xs) != ch(poseidon, stm.BATCH, [xs[1], xs[0], *xs[2:]])


def test_batch_commitment_binds_epoch_blinder_and_every_value():
    """A14: the epoch (no replay into another epoch) and the secret blinder (a guessed total
    cannot be confirmed by hashing without it) are inside, as are root, sums and open interest."""
    args = dict(epoch=7, root_hash=11, root_sums=[1, 2, 3], interests=[4] * 16, blinder=99)
    base = stm.batch_commitment(poseidon, **args)
    assert base == stm.chain_hash(poseidon, stm.BATCH, [7, 11, 1, 2, 3, 99, *[4] * 16])
    for key, other in [("epoch", 8), ("root_hash", 12), ("root_sums", [1, 2, 4]),
                       ("interests", [4] * 15 + [5]), ("blinder", 100)]:
        assert stm.batch_commitment(poseidon, **{**args, key: other}) != base, key


def test_batch_public_names_follow_the_table_order():
    """The batch proof's inputs: epoch, commitment, then every table entry in table_values order."""
    s = stm.Shape(n_assets=2, n_instruments=1, n_scenarios=2, capacity=2, table_bits=8)
    names = stm.batch_public_names(s)
    assert names == ("epoch", "batch_commitment", "shape_digest", "table/c[0][0]", "table/c[0][1]",
                     "table/c[1][0]", "table/c[1][1]", "table/v[0][0]", "table/v[0][1]", "table/m[0]")
    assert len(names) == 3 + s.table_size
    assert len(stm.table_values([[1, 2], [3, 4]], [[5, 6]], [7])) == s.table_size


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
    assert stm.AGGREGATE_PUBLIC[5:7] == ("totals_revealed", "totals_commitment")
    assert stm.AGGREGATE_PUBLIC[-1] == "batches_hash"


def test_shape_digest_binds_every_field():
    """ATTACKS A17 (shape): the digest both circuits pin covers every Shape field, so two shapes with the
    same table size (another split of instruments and scenarios) have different digests."""
    import dataclasses

    base = stm.Shape(n_assets=1, n_instruments=2, n_scenarios=3, capacity=2, table_bits=8)
    relabel = stm.Shape(n_assets=1, n_instruments=1, n_scenarios=5, capacity=2, table_bits=8)
    assert relabel.table_size == base.table_size and relabel.digest() != base.digest()
    seen = {base.digest()}
    for f in dataclasses.fields(base):
        v = getattr(base, f.name)
        changed = dataclasses.replace(base, **{f.name: v * 2 if f.name in ("capacity", "n_batches")
                                               else v + 1})
        seen.add(changed.digest())
    assert len(seen) == 1 + len(dataclasses.fields(base))
    assert base.digest() == poseidon([(stm.SHAPE << 32) + 7, 1, 2, 3, 2, 8, 2, stm.EQUITY_CHECK_BITS])


def test_shape_refuses_zero_scenarios():
    """A batch circuit without scenario 0 would have no margin check at all."""
    with pytest.raises(ValueError, match="n_scenarios must be >= 1"):
        stm.Shape(n_assets=1, n_instruments=1, n_scenarios=0, capacity=2, table_bits=8)


def test_header_digest_is_canonical_and_skips_only_itself():
    """The SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8), top 253 bits; the
    published digest itself is left out, every other key (known or not) is in."""
    import hashlib

    obj = {"b": ["é", 1], "a": {"y": True, "x": "2"}}
    want = int.from_bytes(hashlib.sha256('{"a":{"x":"2","y":true},"b":["é",1]}'.encode()).digest(),
                          "big") >> 3
    assert stm.header_digest(obj) == want < 1 << 253
    assert stm.header_digest({**obj, "header_digest": "5"}) == want
    assert stm.header_digest({**obj, "snapshot": 1}) != want


def test_interest_packing_is_injective_within_its_bits():
    """Longs and shorts below 2^K pack into one value without carry, and the epoch's sum of
    packed values stays below 2^(2K + 1) <= 2^252 (no wrap) at every shape."""
    s = stm.Shape(n_assets=3, n_instruments=16, n_scenarios=17, capacity=1 << 20, table_bits=40,
                  n_batches=1 << 10)
    K = s.interest_bits
    assert K == 63 + 20 + 10 and 2 * K + 1 <= 252 and s.open_interest_bound == 1 << K
    top = (1 << K) - 1
    assert stm.interest(top, top, K) < 1 << 2 * K
    assert stm.interest(top, 0, K) != stm.interest(0, 1, K)
    assert (stm.interest(5, 7, K) >> K, stm.interest(5, 7, K) % (1 << K)) == (7, 5)


def test_shape_json_with_zero_scenarios_is_refused(tmp_path):
    """The keys' shape.json is read through Shape: zero scenarios is a one-line InputError
    naming the file (a batch circuit without the mark check would have no margin check)."""
    import json

    from zkproof import pipeline
    from zkproof.errors import InputError

    good = stm.Shape(n_assets=1, n_instruments=1, n_scenarios=1, capacity=2, table_bits=8)
    pipeline.save_shape(tmp_path, good)
    assert pipeline.load_shape(tmp_path) == good
    raw = json.loads((tmp_path / pipeline.SHAPE_FILE).read_text())
    (tmp_path / pipeline.SHAPE_FILE).write_text(json.dumps({**raw, "n_scenarios": 0}))
    with pytest.raises(InputError, match="shape.json: shape: n_scenarios must be >= 1") as e:
        pipeline.load_shape(tmp_path)
    assert "\n" not in str(e.value)
