"""``header.json``: the public epoch header (SPEC §1 "Public"), strictly parsed.

The header carries everything a verifier needs to recompute the public inputs of every proof:
the shape, assets with reserves, instruments, scenarios, the integer risk table ``c, v, m``,
the epoch root, the batch commitments, the totals commitment and flag, and the SHA-256 of both
verification keys. Numbers are decimal strings (one spelling: ``-?(0|[1-9][0-9]*)``), never
JSON numbers, except the small integers of ``shape``, ``epoch`` / ``timestamp`` /
``snapshot_time`` and ``totals_revealed``.

Times (UTC seconds): ``timestamp`` is the epoch's, ``snapshot_time`` the oracle snapshot's whose
prices made the risk table. How far apart they may be is a verification check
(``statement.snapshot_age_problem``), not a parse error.

Totals (SPEC §1.4, docs/formats.md §11): ``totals_revealed`` is 0 (default: only
``totals_commitment`` is published, salted by the prover) or 1 (``totals`` lists ``L_a`` per
asset and the commitment is unsalted). ``totals`` is present exactly when the flag is 1. Whether
the totals open the commitment is a verification check (``zkproof.verifier.bundle_check``), not
a parse error: the report names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.hash.poseidon import poseidon

FORMAT = "zkproof-epoch/1"
_INT = re.compile(r"-?(0|[1-9][0-9]{0,79})")


@dataclass
class Asset:
    symbol: str
    decimals: int
    reserves: int


@dataclass
class EpochHeader:
    epoch: int
    timestamp: int
    snapshot_time: int  # the oracle snapshot the risk table was computed from
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
    dev_setup: bool = False
    totals: list[int] | None = None  # L_a per asset when revealed; None when hidden (default)
    extra: dict = field(default_factory=dict)

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
    def table_values(self) -> list[int]:
        """The published table, field-encoded in ``statement.table_values`` order: the batch
        proofs' table inputs (entries already range-checked against ``table_bits`` here)."""
        return stm.table_values(self.c, self.v, self.m)

    def batch_public(self, b: int) -> list[int]:
        """Batch ``b``'s public inputs (``statement.batch_public_names``): epoch, commitment,
        then the table."""
        return [self.epoch, self.batch_commitments[b], *self.table_values]

    def aggregate_public(self) -> list[int]:
        """``statement.AGGREGATE_PUBLIC``, every value recomputed or read from this header."""
        return [self.epoch, self.timestamp, self.root, self.risk_table_hash, self.reserves_commitment,
                self.totals_revealed, self.totals_commitment, stm.batches_hash(self.batch_commitments)]

    def to_json(self) -> dict[str, Any]:
        s = self.shape

        def strs(xs):
            return [str(x) for x in xs]

        out = {
            "format": FORMAT, "epoch": self.epoch, "timestamp": self.timestamp,
            "snapshot_time": self.snapshot_time,
            "shape": {"n_assets": s.n_assets, "n_instruments": s.n_instruments,
                      "n_scenarios": s.n_scenarios, "capacity": s.capacity,
                      "n_batches": s.n_batches, "table_bits": s.table_bits},
            "assets": [{"symbol": a.symbol, "decimals": a.decimals, "reserves": str(a.reserves)}
                       for a in self.assets],
            "instruments": list(self.instruments), "scenarios": list(self.scenarios),
            "risk_table": {"value_unit_exponent": self.value_unit_exponent,
                           "c": [strs(r) for r in self.c], "v": [strs(r) for r in self.v],
                           "m": strs(self.m), "sha256": self.risk_table_sha256},
            "root": str(self.root), "batch_commitments": strs(self.batch_commitments),
            "totals_revealed": self.totals_revealed, "totals_commitment": str(self.totals_commitment),
            "verification_keys": dict(self.vk_sha256),
            "circuit_fingerprints": dict(self.circuit_fingerprints),
            "dev_setup": self.dev_setup,
            # published for readers; the verifier recomputes both and compares
            "risk_table_hash": str(self.risk_table_hash),
            "reserves_commitment": str(self.reserves_commitment),
        }
        if self.totals is not None:
            out["totals"] = strs(self.totals)
        return out


class _P:
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


HEADER_KEYS = {"format", "epoch", "timestamp", "snapshot_time", "shape", "assets", "instruments",
               "scenarios", "risk_table", "root", "batch_commitments", "totals_revealed", "totals_commitment",
               "verification_keys", "circuit_fingerprints", "dev_setup", "risk_table_hash",
               "reserves_commitment"}
REVEALED_KEYS = HEADER_KEYS | {"totals"}  # totals_revealed = 1


def parse_header(obj: Any, file: str) -> EpochHeader:
    """Strict parse; every bound the soundness argument relies on is checked here."""
    p = _P(file)
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
    sh = p.obj(h["shape"], "shape", {"n_assets", "n_instruments", "n_scenarios", "capacity",
                                     "n_batches", "table_bits"})
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
    rt = p.obj(h["risk_table"], "risk_table", {"value_unit_exponent", "c", "v", "m", "sha256"})

    def table(rows, name, n_rows):
        return [[p.num(x, f"risk_table.{name}[{i}][{s}]", -bound + 1, bound)
                 for s, x in enumerate(p.lst(row, f"risk_table.{name}[{i}]", S))]
                for i, row in enumerate(p.lst(rows, f"risk_table.{name}", n_rows))]

    c = table(rt["c"], "c", A)
    v = table(rt["v"], "v", I)
    m = [p.num(x, f"risk_table.m[{i}]", 0, bound) for i, x in enumerate(p.lst(rt["m"], "risk_table.m", I))]
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
        snapshot_time=p.small(h["snapshot_time"], "snapshot_time", 0, (1 << 40) - 1),
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
        dev_setup=h["dev_setup"],
    )
    for name, derived in (("risk_table_hash", header.risk_table_hash),
                          ("reserves_commitment", header.reserves_commitment)):
        if p.num(h[name], name, 0, R) != derived:
            raise p.err(name, "does not match the value recomputed from the header")
    return header
