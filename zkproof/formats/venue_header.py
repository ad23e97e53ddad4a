"""``header.json`` of a venue epoch (format ``zkproof-venue-epoch/1``) and the venue inclusion
record (``zkproof-venue-inclusion/1``), strictly parsed (docs/formats.md §20).

The header lists only what is listed: ``assets`` (slot ``a + 1`` of the asset universe),
``instruments`` (descriptors, slot ``i + 1``), the risk table's rows of those slots (``v``,
``ml``, ``ms`` per instrument; ``c``, ``d`` per asset) and the open interest per listed
instrument. Every other slot of the universes is the empty row, so ``tables()`` and
``public()`` rebuild the full public inputs of the proofs (``venue.VenueTables``,
``venue.VenueEpochPublic``) from the header alone: the verifier never takes a table, an open
interest or a reserve from anywhere else (ATTACKS A15).

Bindings: ``shape`` and each batch's ``tier`` select the keys and the ``shape_digest`` the batch
proofs are checked against (a relabelled shape or tier fails them); ``header_digest``
(``statement.header_digest`` of this whole JSON object without that key, recomputed from the
file as read) is a public input of the venue aggregate, so every field is bound, including the
names the proofs never see (instrument descriptors, asset symbols, scenario labels);
``risk_table.sha256`` is the SHA-256 of the table's canonical bytes (docs/formats.md §8.2,
``m = ms``), recomputed by the verifier. ``table_hash``, ``open_interest_hash`` and
``shape_digest`` are published for readers and recomputed on parse. ``gamma`` is the epoch's
challenge (``venue.rlc_challenge``), recomputed by the verifier from the batch roots.

Numbers are decimal strings except the small integers (``epoch``, ``timestamp``, shape fields,
tiers, ``snapshot_time``, ``totals_revealed``, record indices).
"""

from __future__ import annotations

import dataclasses
import hashlib
import struct
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats import risk_table_bytes
from zkproof.formats.epoch_header import Asset, FieldReader, ProtocolAccount, parse_protocol_accounts
from zkproof.hash import merkle_sum_layout as layout
from zkproof.hash.poseidon import poseidon
from zkproof.venue import (
    VenueEpochPublic,
    VenueEpochShape,
    VenueShape,
    VenueTables,
    field_hash,
    leaf_hash,
    open_interest_hash,
    table_hash,
    universe_tables,
    universe_vector,
)

FORMAT = "zkproof-venue-epoch/1"
RECORD_FORMAT = "zkproof-venue-inclusion/1"
_AMOUNT = 1 << stm.POSITION_BITS  # |amount| < 2^63
AGGREGATE_KEY = "aggregate"  # the aggregate's entry in verification_keys


def tier_key(p: int) -> str:
    """Tier ``P``'s key name: its entry in ``verification_keys``, its files' stem
    (``keys/batch_p{P}.vk.json``, ``batch_p{P}_final.zkey``)."""
    return f"batch_p{p}"


_BATCH_FIELDS = ("i_max", "a_max", "b", "k", "capacity", "table_bits", "equity_check_cap")


@dataclass(frozen=True)
class VenueBatchEntry:
    """One batch of the aggregate: its tier (the ``P`` of its key), root and sums commitment."""

    tier: int
    root: int
    commitment: int


@dataclass(frozen=True)
class VenueRecord:
    """One account's inclusion record: where its leaf is (batch, index), its tier, its used
    slots ``(slot, signed amount)`` in increasing slot order, and the sibling hashes from the
    leaf level up to the batch root."""

    epoch: int
    batch: int
    index: int
    tier: int
    positions: tuple[tuple[int, int], ...]
    balances: tuple[tuple[int, int], ...]
    path: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        def slots(xs):
            return [[str(j), str(x)] for j, x in xs]

        return {"format": RECORD_FORMAT, "epoch": self.epoch, "batch": self.batch, "index": self.index,
                "tier": self.tier, "positions": slots(self.positions), "balances": slots(self.balances),
                "path": [str(h) for h in self.path]}

    def leaf(self, id_hash: int, shape: VenueShape) -> int:
        """``venue.leaf_hash`` of this account in a batch of ``shape`` (its tier): the used
        slots, then ``(0, 0)`` up to ``P`` and ``B``, exactly as the batch circuit hashes it."""
        pos = list(self.positions) + [(0, 0)] * (shape.p - len(self.positions))
        bal = list(self.balances) + [(0, 0)] * (shape.b - len(self.balances))
        return leaf_hash(field_hash, shape.tier, id_hash, pos, bal)

    def root(self, id_hash: int, shape: VenueShape) -> int:
        """The batch root this record climbs to (``node = H(tag(NODE, 2), left, right)``,
        the leaf's side at each level given by the bits of ``index``)."""
        h = self.leaf(id_hash, shape)
        for level, sibling in enumerate(self.path):
            right = (self.index >> level) & 1
            h = (layout.node_hash(poseidon, sibling, [], h, []) if right
                 else layout.node_hash(poseidon, h, [], sibling, []))
        return h


def record_bytes(shape: VenueShape) -> int:
    """Padded plaintext size of a record of this tier: every number at its widest (slot 5
    digits, amount 20 with its sign, hashes 77), so all records of the tier seal to one length."""
    depth = (shape.capacity - 1).bit_length()
    return 320 + 36 * (shape.p + shape.b) + 80 * depth


VenueProtocolAccount = ProtocolAccount  # its record is a VenueRecord


@dataclass
class VenueHeader:
    """The public header of a venue epoch (module docstring)."""

    epoch: int
    timestamp: int
    shape: VenueEpochShape
    tiers: tuple[int, ...]
    assets: list[Asset]
    instruments: list[str]
    scenarios: list[str]
    value_unit_exponent: int
    snapshot_time: int
    v: list[list[int]]
    ml: list[int]
    ms: list[int]
    c: list[list[int]]
    d: list[list[int]]
    risk_table_sha256: str
    open_interest: list[int]
    batches: list[VenueBatchEntry]
    gamma: int
    totals_commitment: int
    protocol_accounts: list[VenueProtocolAccount]
    vk_sha256: dict[str, str]
    circuit_fingerprints: dict[str, str]
    dev_setup: bool
    totals: list[int] | None = None  # net liabilities per listed asset, when revealed
    loans: list[int] | None = None  # gross loans per listed asset, revealed with the totals
    source_digest: int | None = None  # statement.header_digest of the file as read
    published_digest: int | None = field(default=None)  # the file's own "header_digest"

    @property
    def totals_revealed(self) -> int:
        return int(self.totals is not None)

    @property
    def header_digest(self) -> int:
        return self.source_digest if self.source_digest is not None else stm.header_digest(self.to_json())

    def tier_shape(self, p: int) -> VenueShape:
        return dataclasses.replace(self.shape.batch, p=p)

    def batch_shape(self, b: int) -> VenueShape:
        return self.tier_shape(self.batches[b].tier)

    def tables(self) -> VenueTables:
        b = self.shape.batch
        return universe_tables(b.i_max, b.a_max, b.n_scenarios, self.v, self.ml, self.ms, self.c, self.d)

    def public(self) -> VenueEpochPublic:
        """The public data of the proofs, every vector over its universe."""
        I, A = self.shape.batch.i_max, self.shape.batch.a_max
        return VenueEpochPublic(
            self.shape, self.epoch, self.tables(), universe_vector(self.open_interest, I),
            universe_vector([a.reserves for a in self.assets], A), self.totals_commitment, self.gamma,
            None if self.totals is None else universe_vector(self.totals, A),
            None if self.loans is None else universe_vector(self.loans, A), self.header_digest)

    def risk_table_sha256_recomputed(self) -> str:
        """SHA-256 of the canonical table bytes (docs/formats.md §8.2) rebuilt from this header
        (the listed rows; ``m = ms``, the short floor)."""
        t = SimpleNamespace(value_unit_exponent=self.value_unit_exponent, snapshot_time=self.snapshot_time,
                            assets=[(a.symbol, a.decimals) for a in self.assets],
                            instruments=self.instruments, scenarios=self.scenarios,
                            c=self.c, v=self.v, m=self.ms, ml=self.ml, ms=self.ms)
        try:
            data = risk_table_bytes.encode_table(t, risk_table_bytes.VERSION, self.shape.batch.table_bits)
        except (struct.error, UnicodeEncodeError) as e:
            return f"<not encodable: {e}>"
        return hashlib.sha256(data).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The header object, ending with ``header_digest`` over everything before it."""
        b = self.shape.batch

        def strs(xs):
            return [str(x) for x in xs]

        out: dict[str, Any] = {
            "format": FORMAT, "epoch": self.epoch, "timestamp": self.timestamp,
            "shape": {**{f: getattr(b, f) for f in _BATCH_FIELDS}, "n_batches": self.shape.n_batches},
            "tiers": list(self.tiers),
            "assets": [{"symbol": a.symbol, "decimals": a.decimals, "reserves": str(a.reserves)}
                       for a in self.assets],
            "instruments": list(self.instruments), "scenarios": list(self.scenarios),
            "risk_table": {"value_unit_exponent": self.value_unit_exponent,
                           "snapshot_time": self.snapshot_time,
                           "v": [strs(r) for r in self.v], "ml": strs(self.ml), "ms": strs(self.ms),
                           "c": [strs(r) for r in self.c], "d": [strs(r) for r in self.d],
                           "sha256": self.risk_table_sha256},
            "open_interest": strs(self.open_interest),
            "batches": [{"tier": e.tier, "root": str(e.root), "commitment": str(e.commitment)}
                        for e in self.batches],
            "gamma": str(self.gamma),
            "protocol_accounts": [p.to_json() for p in self.protocol_accounts],
            "totals_revealed": self.totals_revealed, "totals_commitment": str(self.totals_commitment),
            "verification_keys": dict(self.vk_sha256),
            "circuit_fingerprints": dict(self.circuit_fingerprints),
            "dev_setup": self.dev_setup,
            # published for readers; parse_venue_header recomputes each and compares
            "table_hash": str(table_hash(self.tables())),
            "open_interest_hash": str(open_interest_hash(universe_vector(self.open_interest, b.i_max))),
            "shape_digest": str(self.shape.digest()),
        }
        if self.totals is not None:
            out["totals"] = strs(self.totals)
        if self.loans is not None:
            out["loans"] = strs(self.loans)
        out[stm.HEADER_DIGEST_KEY] = str(stm.header_digest(out))
        return out


HEADER_KEYS = {"format", "epoch", "timestamp", "shape", "tiers", "assets", "instruments", "scenarios",
               "risk_table", "open_interest", "batches", "gamma", "protocol_accounts", "totals_revealed",
               "totals_commitment", "verification_keys", "circuit_fingerprints", "dev_setup",
               "table_hash", "open_interest_hash", "shape_digest", stm.HEADER_DIGEST_KEY}
REVEALED_KEYS = HEADER_KEYS | {"totals", "loans"}


def is_venue_header(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("format") == FORMAT


def _slots(p: FieldReader, raw: Any, fld: str, n_max: int, universe: int) -> tuple[tuple[int, int], ...]:
    """``[["slot", "amount"], ...]``: at most ``n_max``, slots strictly increasing in
    ``[1, universe)``, amounts nonzero and ``|x| < 2^63``."""
    out, prev = [], 0
    items = p.lst(raw, fld)
    if len(items) > n_max:
        raise p.err(fld, f"{len(items)} slots, the tier holds {n_max}")
    for k, pair in enumerate(items):
        at = f"{fld}[{k}]"
        pair = p.lst(pair, at, 2)
        j = p.num(pair[0], f"{at}[0]", 1, universe)
        x = p.num(pair[1], f"{at}[1]", -_AMOUNT + 1, _AMOUNT)
        if j <= prev:
            raise p.err(f"{at}[0]", f"slots must be strictly increasing, got {j} after {prev}")
        if x == 0:
            raise p.err(f"{at}[1]", "a used slot holds a nonzero amount")
        out.append((j, x))
        prev = j
    return tuple(out)


def parse_venue_record(obj: Any, shape: VenueEpochShape, tiers: tuple[int, ...], epoch: int,
                       file: str, prefix: str = "") -> VenueRecord:
    """Strict parse of one record of this epoch and shape (``InputError`` naming the field)."""
    p = FieldReader(file)
    r = p.obj(obj, prefix.rstrip(".") or "<record>",
              {"format", "epoch", "batch", "index", "tier", "positions", "balances", "path"})
    if r["format"] != RECORD_FORMAT:
        raise p.err(f"{prefix}format", f"expected {RECORD_FORMAT!r}")
    if r["epoch"] != epoch or type(r["epoch"]) is not int:
        raise p.err(f"{prefix}epoch", f"a record of epoch {r['epoch']!r}, not of epoch {epoch}")
    tier = r["tier"]
    if type(tier) is not int or tier not in tiers:
        raise p.err(f"{prefix}tier", f"expected one of the tiers {list(tiers)}, got {tier!r}")
    b = shape.batch
    depth = (b.capacity - 1).bit_length()
    return VenueRecord(
        epoch, p.small(r["batch"], f"{prefix}batch", 0, shape.n_batches - 1),
        p.small(r["index"], f"{prefix}index", 0, b.capacity - 1), tier,
        _slots(p, r["positions"], f"{prefix}positions", tier, b.i_max),
        _slots(p, r["balances"], f"{prefix}balances", b.b, b.a_max),
        tuple(p.num(h, f"{prefix}path[{k}]", 0, R)
              for k, h in enumerate(p.lst(r["path"], f"{prefix}path", depth))))


def parse_venue_header(obj: Any, file: str) -> VenueHeader:
    """Strict parse; every bound the soundness argument relies on is checked here, and the
    published derived values (table and open interest hashes, shape digest) are recomputed."""
    p = FieldReader(file)
    if not isinstance(obj, dict):
        raise p.err("<header>", f"expected an object, got {type(obj).__name__}")
    revealed = 0
    if "totals_revealed" in obj:
        revealed = p.small(obj["totals_revealed"], "totals_revealed", 0, 1)
        for key in ("totals", "loans"):
            if revealed and key not in obj:
                raise p.err(key, f"missing: totals_revealed is 1, so the header must list the {key}")
            if not revealed and key in obj:
                raise p.err(key, f"present, but totals_revealed is 0 (hidden {key} are never published)")
    h = p.obj(obj, "<header>", REVEALED_KEYS if revealed else HEADER_KEYS)
    if h["format"] != FORMAT:
        raise p.err("format", f"expected {FORMAT!r}")
    sh = p.obj(h["shape"], "shape", set(_BATCH_FIELDS) | {"n_batches"})
    tiers = tuple(p.small(t, f"tiers[{k}]", 1, 256) for k, t in enumerate(p.lst(h["tiers"], "tiers")))
    if not tiers or any(a >= b for a, b in zip(tiers, tiers[1:])):
        raise p.err("tiers", f"expected strictly increasing position counts, got {list(tiers)}")
    sizes = {f: p.small(sh[f], f"shape.{f}", 0, 1 << 20) for f in _BATCH_FIELDS}
    n_batches = p.small(sh["n_batches"], "shape.n_batches", 1, 1 << 24)
    try:
        batch = VenueShape(**sizes, p=tiers[0])
        shape = VenueEpochShape(batch, n_batches)
        for t in tiers:
            dataclasses.replace(batch, p=t)
    except InputError as e:
        raise p.err(f"shape.{e.field}", e.reason) from None
    S, bound = batch.n_scenarios, 1 << batch.table_bits
    assets = [Asset(p.obj(a, f"assets[{k}]", {"symbol", "decimals", "reserves"})["symbol"],
                    p.small(a["decimals"], f"assets[{k}].decimals", 0, 36),
                    p.num(a["reserves"], f"assets[{k}].reserves", 0, 1 << shape.reserve_bits))
              for k, a in enumerate(p.lst(h["assets"], "assets"))]
    if len(assets) > batch.a_max - 1:
        raise p.err("assets", f"{len(assets)} assets exceed the universe (at most {batch.a_max - 1})")
    if not all(isinstance(a.symbol, str) and a.symbol for a in assets):
        raise p.err("assets", "every symbol is a non-empty string")
    instruments = p.lst(h["instruments"], "instruments")
    if len(instruments) > batch.i_max - 1 or not all(isinstance(x, str) and x for x in instruments):
        raise p.err("instruments", f"expected at most {batch.i_max - 1} non-empty strings")
    scenarios = p.lst(h["scenarios"], "scenarios", S)
    if not all(isinstance(x, str) for x in scenarios):
        raise p.err("scenarios", "expected strings")
    I, A = len(instruments), len(assets)
    rt = p.obj(h["risk_table"], "risk_table",
               {"value_unit_exponent", "snapshot_time", "v", "ml", "ms", "c", "d", "sha256"})

    def rows(name, n_rows, lo):
        return [[p.num(x, f"risk_table.{name}[{i}][{s}]", lo, bound)
                 for s, x in enumerate(p.lst(row, f"risk_table.{name}[{i}]", S))]
                for i, row in enumerate(p.lst(rt[name], f"risk_table.{name}", n_rows))]

    def col(name):
        return [p.num(x, f"risk_table.{name}[{i}]", 0, bound)
                for i, x in enumerate(p.lst(rt[name], f"risk_table.{name}", I))]

    c, d = rows("c", A, 0), rows("d", A, 0)
    for a in range(A):
        for s in range(S):
            if c[a][s] > d[a][s]:
                raise p.err(f"risk_table.d[{a}][{s}]", f"the debt value {d[a][s]} is below the "
                            f"collateral value {c[a][s]} (d >= c)")
    batches = []
    for k, e in enumerate(p.lst(h["batches"], "batches", shape.n_batches)):
        e = p.obj(e, f"batches[{k}]", {"tier", "root", "commitment"})
        if e["tier"] not in tiers or type(e["tier"]) is not int:
            raise p.err(f"batches[{k}].tier", f"expected one of the tiers {list(tiers)}")
        batches.append(VenueBatchEntry(e["tier"], p.num(e["root"], f"batches[{k}].root", 0, R),
                                       p.num(e["commitment"], f"batches[{k}].commitment", 0, R)))
    keys = p.obj(h["verification_keys"], "verification_keys",
                 {tier_key(t) for t in tiers} | {AGGREGATE_KEY})
    fps = p.obj(h["circuit_fingerprints"], "circuit_fingerprints", set(keys))
    if type(h["dev_setup"]) is not bool:
        raise p.err("dev_setup", "expected true or false")
    epoch = p.small(h["epoch"], "epoch", 0, (1 << 63) - 1)
    header = VenueHeader(
        epoch=epoch, timestamp=p.small(h["timestamp"], "timestamp", 0, (1 << 40) - 1),
        shape=shape, tiers=tiers, assets=assets, instruments=list(instruments), scenarios=list(scenarios),
        value_unit_exponent=p.small(rt["value_unit_exponent"], "risk_table.value_unit_exponent", 0, 36),
        snapshot_time=p.small(rt["snapshot_time"], "risk_table.snapshot_time", 0, (1 << 40) - 1),
        v=rows("v", I, -bound + 1), ml=col("ml"), ms=col("ms"), c=c, d=d,
        risk_table_sha256=p.hexstr(rt["sha256"], "risk_table.sha256", 64),
        open_interest=[p.num(x, f"open_interest[{i}]", 0, 1 << shape.interest_bits)
                       for i, x in enumerate(p.lst(h["open_interest"], "open_interest", I))],
        batches=batches, gamma=p.num(h["gamma"], "gamma", 0, R),
        totals_commitment=p.num(h["totals_commitment"], "totals_commitment", 0, R),
        protocol_accounts=_protocol_accounts(p, h["protocol_accounts"], shape, tiers, epoch),
        vk_sha256={k: p.hexstr(keys[k], f"verification_keys.{k}", 64) for k in sorted(keys)},
        circuit_fingerprints={k: p.hexstr(fps[k], f"circuit_fingerprints.{k}", 64) for k in sorted(fps)},
        dev_setup=h["dev_setup"],
        totals=[p.num(x, f"totals[{a}]", -(1 << shape.interest_bits) + 1, 1 << shape.interest_bits)
                for a, x in enumerate(p.lst(h["totals"], "totals", A))] if revealed else None,
        loans=[p.num(x, f"loans[{a}]", 0, 1 << shape.interest_bits)
               for a, x in enumerate(p.lst(h["loans"], "loans", A))] if revealed else None,
        source_digest=stm.header_digest(h),
        published_digest=p.num(h[stm.HEADER_DIGEST_KEY], stm.HEADER_DIGEST_KEY, 0, R))
    try:
        tables = header.tables()
        tables.validate(batch)
    except InputError as e:
        raise p.err(f"risk_table.{e.field}", e.reason) from None
    for name, derived in (("table_hash", table_hash(tables)),
                          ("open_interest_hash", open_interest_hash(header.public().open_interest)),
                          ("shape_digest", shape.digest())):
        if p.num(h[name], name, 0, R) != derived:
            raise p.err(name, "does not match the value recomputed from the header")
    return header


def _protocol_accounts(p: FieldReader, raw: Any, shape: VenueEpochShape, tiers: tuple[int, ...],
                       epoch: int) -> list[VenueProtocolAccount]:
    return [VenueProtocolAccount(*entry) for entry in parse_protocol_accounts(
        p, raw, lambda rec, at: parse_venue_record(rec, shape, tiers, epoch, p.file, at))]
