"""``header.json``: the public epoch header (SPEC §1 "Public"), strictly parsed.

The header carries everything a verifier needs to recompute the public inputs of every proof:
the shape, assets with reserves, instruments, scenarios, the integer risk table ``c, v, m``
(and the maintenance columns ``ml, ms``),
the epoch root, the batch commitments, the totals commitment and flag, and the SHA-256 of both
verification keys. Numbers are decimal strings (one spelling: ``-?(0|[1-9][0-9]*)``), never
JSON numbers, except the small integers of ``shape``, ``epoch`` / ``timestamp`` /
``risk_table.snapshot_time`` and ``totals_revealed``.

Times (UTC seconds): ``timestamp`` is the epoch's, ``risk_table.snapshot_time`` the oracle
snapshot's whose prices made the risk table (inside the table's SHA-256). How far apart they
may be is a verification check (``statement.snapshot_age_problem``), not a parse error.

Bindings (docs/formats.md §11): ``shape_digest`` (every shape field, ``Shape.digest``) is a
constant of both circuits, so a header that relabels the shape fails the proofs;
``header_digest`` (``statement.header_digest``: SHA-256 of this whole JSON object without that
one key, recomputed from the file as read) is a public input of the aggregate proof, so every
field (asset symbols and decimals, instruments, scenario labels, the unit, the table's
SHA-256, fields added later) is bound to it; ``risk_table.sha256`` is recomputed by the
verifier from the table and its metadata (``risk_table_sha256``). ``open_interest`` lists the
epoch's open interest per instrument (``statement.open_interest_hash``, a public input).
``protocol_accounts`` names the protocol's own accounts (``statement.PROTOCOL_ROLES``) with
their id, nonce and inclusion record (the sealed-file layout, ``inclusion_file.parse_record``):
their balances and positions are public by design, and the verifier climbs each record to the
proven root.

Totals (SPEC §1.4, docs/formats.md §11): ``totals_revealed`` is 0 (default: only
``totals_commitment`` is published, salted by the prover) or 1 (``totals`` lists ``L_a`` per
asset and the commitment is unsalted). ``totals`` is present exactly when the flag is 1. Whether
the totals open the commitment is a verification check (``zkproof.verifier.bundle_check``), not
a parse error: the report names it.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats import inclusion_file, risk_table_bytes
from zkproof.hash.poseidon import poseidon

FORMAT = "zkproof-epoch/1"
_INT = re.compile(r"-?(0|[1-9][0-9]{0,79})")


@dataclass
class Asset:
    symbol: str
    decimals: int
    reserves: int


@dataclass
class ProtocolAccount:
    """One of the protocol's own accounts, named in the header with its inclusion record (the
    same record its sealed file holds: ``InclusionRecord``, or a venue header's
    ``venue_header.VenueRecord``); the verifier climbs it to the proven root."""

    id: str
    role: str  # one of statement.PROTOCOL_ROLES
    nonce: bytes
    record: inclusion_file.Sealable

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "nonce": self.nonce.hex(), "record": self.record.to_json()}


@dataclass
class EpochHeader:
    epoch: int
    timestamp: int
    shape: stm.Shape
    assets: list[Asset]
    instruments: list[str]
    scenarios: list[str]
    value_unit_exponent: int
    c: list[list[int]]
    v: list[list[int]]
    m: list[int]
    risk_table_sha256: str
    root: int
    batch_commitments: list[int]
    totals_commitment: int
    vk_sha256: dict[str, str]
    circuit_fingerprints: dict[str, str]
    # the oracle snapshot the risk table was computed from (inside the table's canonical bytes)
    snapshot_time: int = 0
    # per-unit maintenance at mark for a long / short position (published with the table and in
    # its SHA-256; the batch circuit consumes the short floor m)
    ml: list[int] = field(default_factory=list)
    ms: list[int] = field(default_factory=list)
    open_interest: list[int] = field(default_factory=list)  # OI_i = sum_u max(q[u][i], 0)
    protocol_accounts: list[ProtocolAccount] = field(default_factory=list)
    dev_setup: bool = False
    totals: list[int] | None = None  # L_a per asset when revealed; None when hidden (default)
    # statement.header_digest of header.json as read (set by parse_header); None for a header
    # built in code, whose digest is that of to_json()
    source_digest: int | None = None
    published_digest: int | None = None  # the file's own "header_digest" (set by parse_header)

    @property
    def totals_revealed(self) -> int:
        """The public flag: 1 when the header reveals the totals, else 0."""
        return int(self.totals is not None)

    # -- derived public values ------------------------------------------------------------
    @property
    def risk_table_hash(self) -> int:
        return stm.risk_table_hash(self.c, self.v, self.m)

    @property
    def reserves_commitment(self) -> int:
        return stm.reserves_commitment(poseidon, self.epoch, [a.reserves for a in self.assets])

    @property
    def open_interest_hash(self) -> int:
        return stm.open_interest_hash(poseidon, self.open_interest)

    @property
    def header_digest(self) -> int:
        """``statement.header_digest``: of the file as read when parsed, else of ``to_json()``."""
        return self.source_digest if self.source_digest is not None else stm.header_digest(self.to_json())

    def risk_table_sha256_recomputed(self) -> str:
        """SHA-256 of the table's canonical bytes (docs/formats.md §8.2) rebuilt from this
        header: unit, snapshot time, assets, instrument descriptors, scenario labels, c, v, m."""
        t = SimpleNamespace(value_unit_exponent=self.value_unit_exponent, snapshot_time=self.snapshot_time,
                            assets=[(a.symbol, a.decimals) for a in self.assets],
                            instruments=self.instruments, scenarios=self.scenarios,
                            c=self.c, v=self.v, m=self.m, ml=self.ml, ms=self.ms)
        try:
            data = risk_table_bytes.encode_table(t, risk_table_bytes.VERSION, self.shape.table_bits)
        except (struct.error, UnicodeEncodeError) as e:
            return f"<not encodable: {e}>"
        return hashlib.sha256(data).hexdigest()

    @property
    def table_values(self) -> list[int]:
        """The published table, field-encoded in ``statement.table_values`` order: the batch
        proofs' table inputs (entries already range-checked against ``table_bits`` here)."""
        return stm.table_values(self.c, self.v, self.m)

    def batch_public(self, b: int) -> list[int]:
        """Batch ``b``'s public inputs (``statement.batch_public_names``): epoch, commitment,
        the shape digest of this header's shape, then the table."""
        return [self.epoch, self.batch_commitments[b], self.shape.digest(), *self.table_values]

    def aggregate_public(self) -> list[int]:
        """``statement.AGGREGATE_PUBLIC``, every value recomputed or read from this header: the
        one place that builds the aggregate proof's expected public inputs (``zkproof verify``
        and the holder's inclusion check both use it)."""
        return [self.epoch, self.timestamp, self.root, self.risk_table_hash, self.reserves_commitment,
                self.totals_revealed, self.totals_commitment, self.open_interest_hash,
                self.shape.digest(), self.header_digest, stm.batches_hash(self.batch_commitments)]

    def to_json(self) -> dict[str, Any]:
        """The header object, ending with ``header_digest`` over everything before it."""
        s = self.shape

        def strs(xs):
            return [str(x) for x in xs]

        out = {
            "format": FORMAT, "epoch": self.epoch, "timestamp": self.timestamp,
            "shape": {"n_assets": s.n_assets, "n_instruments": s.n_instruments,
                      "n_scenarios": s.n_scenarios, "capacity": s.capacity,
                      "n_batches": s.n_batches, "table_bits": s.table_bits,
                      "equity_check_cap": s.equity_check_cap},
            "assets": [{"symbol": a.symbol, "decimals": a.decimals, "reserves": str(a.reserves)}
                       for a in self.assets],
            "instruments": list(self.instruments), "scenarios": list(self.scenarios),
            "risk_table": {"value_unit_exponent": self.value_unit_exponent,
                           "snapshot_time": self.snapshot_time,
                           "c": [strs(r) for r in self.c], "v": [strs(r) for r in self.v],
                           "m": strs(self.m), "ml": strs(self.ml), "ms": strs(self.ms),
                           "sha256": self.risk_table_sha256},
            "open_interest": strs(self.open_interest),
            "protocol_accounts": [p.to_json() for p in self.protocol_accounts],
            "root": str(self.root), "batch_commitments": strs(self.batch_commitments),
            "totals_revealed": self.totals_revealed, "totals_commitment": str(self.totals_commitment),
            "verification_keys": dict(self.vk_sha256),
            "circuit_fingerprints": dict(self.circuit_fingerprints),
            "dev_setup": self.dev_setup,
            # published for readers; parse_header recomputes each and compares
            "risk_table_hash": str(self.risk_table_hash),
            "reserves_commitment": str(self.reserves_commitment),
            "open_interest_hash": str(self.open_interest_hash),
            "shape_digest": str(s.digest()),
        }
        if self.totals is not None:
            out["totals"] = strs(self.totals)
        out[stm.HEADER_DIGEST_KEY] = str(stm.header_digest(out))
        return out


class FieldReader:
    """Field-path-aware strict readers for one file."""

    def __init__(self, file: str):
        self.file = file

    def err(self, fld: str, reason: str) -> InputError:
        return InputError(self.file, fld, reason)

    def obj(self, v: Any, fld: str, keys: set[str]) -> dict:
        if not isinstance(v, dict):
            raise self.err(fld, f"expected an object, got {type(v).__name__}")
        if set(v) != keys:
            missing, extra = sorted(keys - set(v)), sorted(set(v) - keys)
            raise self.err(fld, f"missing keys {missing}" if missing else f"unknown keys {extra}")
        return v

    def small(self, v: Any, fld: str, lo: int, hi: int) -> int:
        if type(v) is not int or not lo <= v <= hi:
            raise self.err(fld, f"expected an integer in [{lo}, {hi}], got {v!r}")
        return v

    def num(self, v: Any, fld: str, lo: int, hi: int) -> int:
        if not isinstance(v, str) or not _INT.fullmatch(v) or v == "-0":
            raise self.err(fld, f"expected a decimal string, got {v!r}")
        n = int(v)
        if not lo <= n < hi:
            raise self.err(fld, f"{n} is outside [{lo}, {hi})")
        return n

    def lst(self, v: Any, fld: str, n: int | None = None) -> list:
        if not isinstance(v, list) or (n is not None and len(v) != n):
            raise self.err(fld, f"expected a list of {n if n is not None else 'some'} items")
        return v

    def hexstr(self, v: Any, fld: str, n: int) -> str:
        if not isinstance(v, str) or not re.fullmatch(f"[0-9a-f]{{{n}}}", v):
            raise self.err(fld, f"expected {n} lowercase hex digits")
        return v


HEADER_KEYS = {"format", "epoch", "timestamp", "shape", "assets", "instruments", "scenarios",
               "risk_table", "open_interest", "protocol_accounts", "root", "batch_commitments",
               "totals_revealed", "totals_commitment", "verification_keys", "circuit_fingerprints",
               "dev_setup", "risk_table_hash", "reserves_commitment", "open_interest_hash",
               "shape_digest", stm.HEADER_DIGEST_KEY}
SHAPE_KEYS = ("n_assets", "n_instruments", "n_scenarios", "capacity", "n_batches", "table_bits",
              "equity_check_cap")
REVEALED_KEYS = HEADER_KEYS | {"totals"}  # totals_revealed = 1


def parse_header(obj: Any, file: str) -> EpochHeader:
    """Strict parse; every bound the soundness argument relies on is checked here."""
    p = FieldReader(file)
    if not isinstance(obj, dict):
        raise p.err("<header>", f"expected an object, got {type(obj).__name__}")
    revealed = 0  # a missing flag is reported with the other missing keys just below
    if "totals_revealed" in obj:
        revealed = p.small(obj["totals_revealed"], "totals_revealed", 0, 1)
        if revealed and "totals" not in obj:
            raise p.err("totals", "missing: totals_revealed is 1, so the header must list the totals")
        if not revealed and "totals" in obj:
            raise p.err("totals", "present, but totals_revealed is 0 (hidden totals are never published)")
    h = p.obj(obj, "<header>", REVEALED_KEYS if revealed else HEADER_KEYS)
    if h["format"] != FORMAT:
        raise p.err("format", f"expected {FORMAT!r}")
    sh = p.obj(h["shape"], "shape", set(SHAPE_KEYS))
    try:
        shape = stm.Shape(**{k: p.small(sh[k], f"shape.{k}", 1, 1 << 20) for k in sh})
    except ValueError as e:
        raise p.err("shape", str(e)) from None
    A, I, S = shape.n_assets, shape.n_instruments, shape.n_scenarios
    bound = 1 << shape.table_bits
    assets = [Asset(p.obj(a, f"assets[{k}]", {"symbol", "decimals", "reserves"})["symbol"],
                    p.small(a["decimals"], f"assets[{k}].decimals", 0, 36),
                    p.num(a["reserves"], f"assets[{k}].reserves", 0, 1 << shape.reserve_bits))
              for k, a in enumerate(p.lst(h["assets"], "assets", A))]
    rt = p.obj(h["risk_table"], "risk_table", {"value_unit_exponent", "snapshot_time", "c", "v", "m",
                                               "ml", "ms", "sha256"})

    def table(rows, name, n_rows):
        return [[p.num(x, f"risk_table.{name}[{i}][{s}]", -bound + 1, bound)
                 for s, x in enumerate(p.lst(row, f"risk_table.{name}[{i}]", S))]
                for i, row in enumerate(p.lst(rows, f"risk_table.{name}", n_rows))]

    c = table(rt["c"], "c", A)
    v = table(rt["v"], "v", I)
    m, ml, ms = ([p.num(x, f"risk_table.{k}[{i}]", 0, bound)
                  for i, x in enumerate(p.lst(rt[k], f"risk_table.{k}", I))] for k in ("m", "ml", "ms"))
    for a, row in enumerate(c):
        if any(x < 0 for x in row):
            raise p.err(f"risk_table.c[{a}]", "collateral values must be >= 0")
    keys = p.obj(h["verification_keys"], "verification_keys", {"batch", "aggregate"})
    fps = p.obj(h["circuit_fingerprints"], "circuit_fingerprints", {"batch", "aggregate"})
    if type(h["dev_setup"]) is not bool:
        raise p.err("dev_setup", "expected true or false")
    header = EpochHeader(
        epoch=p.small(h["epoch"], "epoch", 0, (1 << 63) - 1),
        timestamp=p.small(h["timestamp"], "timestamp", 0, (1 << 40) - 1),
        shape=shape, assets=assets,
        instruments=[str(x) for x in p.lst(h["instruments"], "instruments", I)],
        scenarios=[str(x) for x in p.lst(h["scenarios"], "scenarios", S)],
        value_unit_exponent=p.small(rt["value_unit_exponent"], "risk_table.value_unit_exponent", 0, 36),
        c=c, v=v, m=m, risk_table_sha256=p.hexstr(rt["sha256"], "risk_table.sha256", 64),
        root=p.num(h["root"], "root", 0, R),
        batch_commitments=[p.num(x, f"batch_commitments[{b}]", 0, R)
                           for b, x in enumerate(p.lst(h["batch_commitments"], "batch_commitments",
                                                       shape.n_batches))],
        totals_commitment=p.num(h["totals_commitment"], "totals_commitment", 0, R),
        totals=[p.num(x, f"totals[{a}]", 0, 1 << shape.reserve_bits)
                for a, x in enumerate(p.lst(h["totals"], "totals", A))] if revealed else None,
        vk_sha256={k: p.hexstr(keys[k], f"verification_keys.{k}", 64) for k in ("batch", "aggregate")},
        circuit_fingerprints={k: p.hexstr(fps[k], f"circuit_fingerprints.{k}", 64)
                              for k in ("batch", "aggregate")},
        snapshot_time=p.small(rt["snapshot_time"], "risk_table.snapshot_time", 0, (1 << 40) - 1),
        ml=ml, ms=ms,
        open_interest=[p.num(x, f"open_interest[{i}]", 0, shape.open_interest_bound)
                       for i, x in enumerate(p.lst(h["open_interest"], "open_interest", I))],
        protocol_accounts=_protocol_accounts(p, h["protocol_accounts"], shape, h["epoch"]),
        dev_setup=h["dev_setup"],
        source_digest=stm.header_digest(h),
        published_digest=p.num(h[stm.HEADER_DIGEST_KEY], stm.HEADER_DIGEST_KEY, 0, R),
    )
    for name, derived in (("risk_table_hash", header.risk_table_hash),
                          ("reserves_commitment", header.reserves_commitment),
                          ("open_interest_hash", header.open_interest_hash),
                          ("shape_digest", shape.digest())):
        if p.num(h[name], name, 0, R) != derived:
            raise p.err(name, "does not match the value recomputed from the header")
    return header


def _protocol_accounts(p: FieldReader, raw: Any, shape: stm.Shape, epoch: int) -> list[ProtocolAccount]:
    return [ProtocolAccount(*entry) for entry in parse_protocol_accounts(
        p, raw, lambda rec, at: inclusion_file.parse_record(rec, shape, epoch, p.file, at))]


def parse_protocol_accounts(p: FieldReader, raw: Any,
                            parse_record: Callable[[Any, str], Any]) -> list[tuple[str, str, bytes, Any]]:
    """``[{"id", "role", "nonce", "record"}]`` as ``(id, role, nonce, record)``: ids unique,
    roles from ``statement.PROTOCOL_ROLES``, nonces 32 bytes in hex, each record parsed by
    ``parse_record(raw, field_prefix)`` (the dense or the venue record)."""
    out: list[tuple[str, str, bytes, Any]] = []
    for k, e in enumerate(p.lst(raw, "protocol_accounts")):
        at = f"protocol_accounts[{k}]"
        e = p.obj(e, at, {"id", "role", "nonce", "record"})
        if not isinstance(e["id"], str) or not e["id"]:
            raise p.err(f"{at}.id", "expected a non-empty string")
        if any(a[0] == e["id"] for a in out):
            raise p.err(f"{at}.id", f"duplicate id {e['id']!r:.40}")
        if e["role"] not in stm.PROTOCOL_ROLES:
            raise p.err(f"{at}.role", f"expected one of {stm.PROTOCOL_ROLES}")
        nonce = bytes.fromhex(p.hexstr(e["nonce"], f"{at}.nonce", 64))
        out.append((e["id"], e["role"], nonce, parse_record(e["record"], f"{at}.record.")))
    return out
