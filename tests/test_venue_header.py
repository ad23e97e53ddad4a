"""``formats.venue_header``: the venue epoch's header and inclusion records round-trip, rebuild the
proofs' public data over the universes, climb to the batch root the witness computed, and refuse
(one ``InputError`` naming the field) what the statement does not allow."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats.epoch_header import Asset
from zkproof.formats.venue_header import (
    VenueBatchEntry,
    VenueHeader,
    VenueProtocolAccount,
    VenueRecord,
    parse_venue_header,
    parse_venue_record,
    record_bytes,
    universe_tables,
)
from zkproof.hash.poseidon import poseidon
from zkproof.venue import VenueEpochShape, VenueShape, tree_path
from zkproof.witness import venue as wv

SHAPE = VenueShape(i_max=8, a_max=4, p=2, b=2, k=2, capacity=4)
EPOCH_SHAPE = VenueEpochShape(SHAPE, 2)
WIDE = dataclasses.replace(SHAPE, p=4)
V = [[100, 90, 110], [200, 180, 220], [-50, -40, -60]]
C = [[1000, 900, 700], [2000, 1800, 1400]]
D = [[1100, 1000, 1200], [2200, 2000, 2400]]
TABLES = universe_tables(SHAPE.i_max, SHAPE.a_max, SHAPE.n_scenarios, V, [5, 10, 0], [7, 14, 3], C, D)
ACCOUNTS = [wv.VenueAccount(11, ((1, 5), (3, -2)), ((1, 10**4), (2, 500))),
            wv.VenueAccount(12, ((2, -1),), ((2, 10**4),))]
EPOCH = 5


@pytest.fixture(scope="module")
def batch():
    return wv.build_venue_batch(SHAPE, TABLES, ACCOUNTS)


def record(batch, u: int) -> VenueRecord:
    acc = batch.accounts[u]
    return VenueRecord(EPOCH, 0, u, SHAPE.p, acc.positions, acc.balances,
                       tuple(tree_path(poseidon, batch.leaves, u)))


def header(batch, **kw) -> VenueHeader:
    fields = dict(
        epoch=EPOCH, timestamp=1_800_000_000, shape=EPOCH_SHAPE, tiers=(2, 4),
        assets=[Asset("USDC", 6, 50_000), Asset("ETH", 18, 30_000)],
        instruments=["ETH-PERP|perpetual|ETH||||3", "ETH-C|option|ETH|call|3000|1|2", "X|future|ETH||||0"],
        scenarios=["mark", "down", "up"], value_unit_exponent=6, snapshot_time=1_799_999_990,
        v=V, ml=[5, 10, 0], ms=[7, 14, 3], c=C, d=D, risk_table_sha256="ab" * 32,
        open_interest=[5, 0, 0],
        batches=[VenueBatchEntry(2, batch.root, 77), VenueBatchEntry(4, 123, 78)], gamma=99,
        totals_commitment=1234,
        protocol_accounts=[VenueProtocolAccount("vault", "protocol_vault", bytes(32), record(batch, 0))],
        vk_sha256={"batch_p2": "00" * 32, "batch_p4": "11" * 32, "aggregate": "22" * 32},
        circuit_fingerprints={"batch_p2": "33" * 32, "batch_p4": "44" * 32, "aggregate": "55" * 32},
        dev_setup=True)
    fields.update(kw)
    return VenueHeader(**fields)


def test_header_round_trips_and_its_digest_is_the_files(batch):
    h = header(batch)
    obj = h.to_json()
    back = parse_venue_header(copy.deepcopy(obj), "header.json")
    assert back.to_json() == obj
    assert back.header_digest == stm.header_digest(obj) == int(obj["header_digest"])
    assert back.batch_shape(1) == WIDE and back.batch_shape(0) == SHAPE


def test_public_data_covers_the_universes(batch):
    pub = header(batch, totals=[1, -2], loans=[0, 3]).public()
    assert pub.tables == TABLES and pub.tables.listed_i == (False, *[True] * 3, *[False] * 4)
    assert pub.open_interest == (0, 5, 0, 0, 0, 0, 0, 0)
    assert pub.reserves == (0, 50_000, 30_000, 0) and pub.totals == (0, 1, -2, 0)
    assert pub.loans == (0, 0, 3, 0) and pub.holdings == (0, 1, 1, 0)
    assert pub.header_digest == header(batch, totals=[1, -2], loans=[0, 3]).header_digest
    assert header(batch).public().loans is None


def test_revealed_header_lists_totals_and_loans_together(batch):
    """Revealed totals round-trip with the gross loans; a revealed header without the loans, a
    hidden one with them, or a negative gross loan is refused, naming the field."""
    obj = header(batch, totals=[1, -2], loans=[0, 3]).to_json()
    assert parse_venue_header(copy.deepcopy(obj), "header.json").loans == [0, 3]
    for change, field in ((lambda o: o.pop("loans"), "loans"),
                          (lambda o: o["loans"].__setitem__(1, "-1"), "loans[1]"),
                          (lambda o: o.update(totals_revealed=0, totals=None) or o.pop("totals"), "loans")):
        bad = copy.deepcopy(obj)
        change(bad)
        with pytest.raises(InputError) as e:
            parse_venue_header(bad, "header.json")
        assert e.value.field == field, e.value


def test_record_climbs_to_the_witness_root(batch):
    for u, acc in enumerate(batch.accounts[:2]):
        rec = record(batch, u)
        assert rec.root(acc.id_hash, SHAPE) == batch.root
        assert rec.root(acc.id_hash + 1, SHAPE) != batch.root
        moved = dataclasses.replace(rec, balances=((1, 10**4 + 1), (2, 500)) if u == 0 else ((2, 1),))
        assert moved.root(acc.id_hash, SHAPE) != batch.root
        # the same slots read as a wide-tier leaf hash differently (the tier is in the leaf)
        assert rec.root(acc.id_hash, WIDE) != batch.root


def test_record_fits_its_padded_size():
    worst = VenueRecord(2**62, 2**23, WIDE.capacity - 1, WIDE.p,
                        tuple((2**16 - 1 - k, -(2**63) + 1) for k in range(WIDE.p)),
                        tuple((2**16 - 1 - k, -(2**63) + 1) for k in range(WIDE.b)), (R - 1,) * 2)
    assert len(json.dumps(worst.to_json(), separators=(",", ":"))) <= record_bytes(WIDE)


@pytest.mark.parametrize("path, value, field", [
    (("tiers",), [4, 2], "tiers"),
    (("batches", 1, "tier"), 3, "batches[1].tier"),
    (("shape", "i_max"), 6, "shape.i_max"),
    (("risk_table", "d", 0, 1), "800", "risk_table.d[0][1]"),
    (("open_interest", 0), "-1", "open_interest[0]"),
    (("table_hash",), "1", "table_hash"),
    (("open_interest_hash",), "2", "open_interest_hash"),
    (("shape_digest",), "3", "shape_digest"),
    (("protocol_accounts", 0, "record", "epoch"), 4, "protocol_accounts[0].record.epoch"),
    (("protocol_accounts", 0, "record", "positions", 1, 0), "1",
     "protocol_accounts[0].record.positions[1][0]"),
    (("protocol_accounts", 0, "record", "positions", 0, 1), "0",
     "protocol_accounts[0].record.positions[0][1]"),
    (("verification_keys",), {"batch_p2": "00" * 32, "aggregate": "22" * 32}, "verification_keys"),
])
def test_header_refuses(batch, path, value, field):
    obj = header(batch).to_json()
    target = obj
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    with pytest.raises(InputError) as e:
        parse_venue_header(obj, "header.json")
    assert e.value.field == field, e.value


def test_unlisted_slot_in_a_record_is_refused(batch):
    rec = record(batch, 0).to_json()
    rec["balances"][1][0] = "4"  # a_max = 4: slots 1..3
    with pytest.raises(InputError, match="balances"):
        parse_venue_record(rec, EPOCH_SHAPE, (2, 4), EPOCH, "r.json")
    rec = record(batch, 0).to_json()
    rec["positions"].append(["4", "1"])  # a third position in the P = 2 tier
    with pytest.raises(InputError, match="the tier holds 2"):
        parse_venue_record(rec, EPOCH_SHAPE, (2, 4), EPOCH, "r.json")
    # the same three slots are a valid record of the wide tier
    rec["tier"] = 4
    assert parse_venue_record(rec, EPOCH_SHAPE, (2, 4), EPOCH, "r.json").positions[-1] == (4, 1)


def test_bad_batch_count_is_named_once(batch):
    obj = header(batch).to_json()
    obj["shape"]["n_batches"] = 0
    with pytest.raises(InputError) as e:
        parse_venue_header(obj, "header.json")
    assert e.value.field == "shape.n_batches"
