"""The instrument list (JSON): options, perpetuals, futures on the collateral assets.

One *position unit* of instrument ``i`` is ``10^-position_decimals`` of one coin of its
underlying (e.g. ``position_decimals = 6`` on ETH: a position of ``q = 1_500_000`` is long
1.5 ETH of exposure). Options are European, cash-settled in the quote currency; ``strike`` is
in quote units (USD) per coin. See ``docs/formats.md`` §instruments.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from zkproof.errors import InputError
from zkproof.snapshot.jsonio import (
    expect_object,
    load_json,
    loads_strict,
    parse_identifier,
    parse_timestamp,
)
from zkproof.snapshot.numbers import parse_decimal, parse_small_int
from zkproof.snapshot.params import INSTRUMENT_KINDS, RiskParams

FORMAT = "zkproof-instruments/1"
MAX_INSTRUMENTS = 4096


@dataclass(frozen=True)
class Instrument:
    id: str
    kind: str  # "option" | "perpetual" | "future"
    underlying: str  # an asset symbol of the risk parameters
    position_decimals: int
    right: str | None = None  # options: "call" | "put"
    strike: Decimal | None = None  # options, quote units per coin
    expiry: int | None = None  # options and futures: Unix seconds (UTC)


_FIELDS = {
    "option": ({"id", "kind", "underlying", "position_decimals", "right", "strike", "expiry"}, set()),
    "perpetual": ({"id", "kind", "underlying", "position_decimals"}, set()),
    "future": ({"id", "kind", "underlying", "position_decimals", "expiry"}, set()),
}


def _instrument(raw: Any, file: str, field: str) -> Instrument:
    if not isinstance(raw, dict) or raw.get("kind") not in INSTRUMENT_KINDS:
        kind = raw.get("kind") if isinstance(raw, dict) else raw
        raise InputError(file, f"{field}.kind", f"expected one of {INSTRUMENT_KINDS}, got {kind!r:.40}")
    required, optional = _FIELDS[raw["kind"]]
    expect_object(raw, file, field, required, optional)
    strike = right = expiry = None
    if "strike" in raw:
        strike = parse_decimal(raw["strike"], file, f"{field}.strike")
        if strike <= 0:
            raise InputError(file, f"{field}.strike", f"expected a positive strike, got {strike}")
    if "right" in raw and raw["right"] not in ("call", "put"):
        raise InputError(file, f"{field}.right", f"expected 'call' or 'put', got {raw['right']!r:.40}")
    right = raw.get("right")
    if "expiry" in raw:
        expiry = parse_timestamp(raw["expiry"], file, f"{field}.expiry")
    return Instrument(
        id=parse_identifier(raw["id"], file, f"{field}.id"),
        kind=raw["kind"],
        underlying=parse_identifier(raw["underlying"], file, f"{field}.underlying"),
        position_decimals=parse_small_int(raw["position_decimals"], file, f"{field}.position_decimals",
                                          0, 18),
        right=right, strike=strike, expiry=expiry,
    )


def parse_instruments(doc: Any, file: str, params: RiskParams | None = None) -> tuple[Instrument, ...]:
    """Validate the parsed document; with ``params``, also check every underlying is a known asset."""
    expect_object(doc, file, "", {"format", "instruments"})
    if doc["format"] != FORMAT:
        raise InputError(file, "format", f"expected {FORMAT!r}, got {doc['format']!r:.40}")
    items = doc["instruments"]
    if not isinstance(items, list) or not 0 < len(items) <= MAX_INSTRUMENTS:
        raise InputError(file, "instruments", f"expected a list of 1..{MAX_INSTRUMENTS} instruments")
    out: list[Instrument] = []
    seen: set[str] = set()
    known = {a.symbol for a in params.assets} if params else None
    for k, raw in enumerate(items):
        inst = _instrument(raw, file, f"instruments[{k}]")
        if inst.id in seen:
            raise InputError(file, f"instruments[{k}].id", f"duplicate instrument id {inst.id!r}")
        if known is not None and inst.underlying not in known:
            raise InputError(file, f"instruments[{k}].underlying", f"unknown asset {inst.underlying!r}")
        seen.add(inst.id)
        out.append(inst)
    return tuple(out)


def check_not_expired(instruments: tuple[Instrument, ...], snapshot_time: int, file: str) -> None:
    """Expired options/futures must be settled into balances before the snapshot."""
    for k, inst in enumerate(instruments):
        if inst.expiry is not None and inst.expiry <= snapshot_time:
            raise InputError(file, f"instruments[{k}].expiry",
                             f"{inst.id} expired at or before the snapshot time")


def loads_instruments(text: str, file: str = "<memory>", params: RiskParams | None = None):
    return parse_instruments(loads_strict(text, file), file, params)


def load_instruments(path: str | Path, params: RiskParams | None = None) -> tuple[Instrument, ...]:
    return parse_instruments(load_json(path), str(path), params)
