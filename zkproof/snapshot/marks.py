"""The oracle snapshot, format 2: per-instrument marks and per-expiry forwards (SPEC §3).

Format 2 is format 1 (``prices``: spot and reference ATM vol per asset, several sources each,
validated by ``zkproof.snapshot.oracle``) plus

* ``forwards``: per underlying and expiry (UTC time), the forward or futures price from several
  sources: ``{"ETH": {"2026-12-25T08:00:00Z": [{"source", "price", "timestamp"}, ...]}}``;
* ``marks``: per listed option id, the mark price (quote units per coin) and the mark implied
  volatility from several sources: ``{"ETH-20261225-3000-C": [{"source", "price", "implied_vol",
  "timestamp"}, ...]}``.

Every listed option needs a mark and every expiry of a listed option or future a forward. The
circuit breaker (``OracleHalt``, one line naming the instrument or expiry and the source) trips
per instrument on: fewer than ``oracle.min_sources`` sources (missing), a repeated source, a
negative price or a vol that is not positive, a stale or future time stamp (the ``[oracle]``
limits), a forward more than ``oracle.max_spot_deviation`` (relative) from the median of its
sources, a mark price more than ``marks.max_price_deviation`` times the forward from the median
price, a mark vol more than ``marks.max_vol_deviation`` (absolute) from the median vol. The
aggregate of each is the median of its sources (``oracle.median``), exact in ``Decimal``. Prices
and vols have at most ``MAX_SIGNIFICANT`` significant digits, so a product of two of them is exact
at the engine's 60 digits (docs/formats.md §9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zkproof.errors import InputError
from zkproof.snapshot.instruments import Instrument
from zkproof.snapshot.jsonio import expect_object, parse_identifier, parse_timestamp
from zkproof.snapshot.numbers import parse_decimal
from zkproof.snapshot.oracle import FORMAT as FORMAT_V1
from zkproof.snapshot.oracle import Oracle, OracleHalt, median, parse_oracle
from zkproof.snapshot.params import RiskParams

FORMAT_V2 = "zkproof-oracle/2"
MAX_SIGNIFICANT = 30
MAX_PRICE = Decimal(10) ** 12
MAX_VOL = Decimal(10)


@dataclass(frozen=True)
class MarkQuote:
    source: str
    price: Decimal
    implied_vol: Decimal | None  # None for a forward quote
    timestamp: int


@dataclass(frozen=True)
class Mark:
    """The aggregated mark of one option: median price and median implied vol of its sources."""

    price: Decimal | None  # None when derived from a format-1 snapshot (flat smile, no prices)
    vol: Decimal


@dataclass(frozen=True)
class Market(Oracle):
    """A validated snapshot with per-instrument marks (an ``Oracle`` for the asset-level fields).

    ``forwards[(underlying, expiry)]`` and ``marks[option id]``; for a format-1 snapshot
    (``version == 1``) both are empty and the engine uses ``spot * exp(r T)`` and the flat
    reference vol (``market_from_v1``).
    """

    version: int = 1
    forwards: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    marks: dict[str, Mark] = field(default_factory=dict)
    forward_quotes: dict[tuple[str, int], tuple[MarkQuote, ...]] = field(default_factory=dict)
    mark_quotes: dict[str, tuple[MarkQuote, ...]] = field(default_factory=dict)


def market_from_v1(oracle: Oracle) -> Market:
    """A format-1 oracle as a ``Market`` without marks (flat smile at the reference vol)."""
    if isinstance(oracle, Market):
        return oracle
    return Market(oracle.snapshot_time, oracle.risk_free_rate, oracle.spot, oracle.vol, oracle.quotes)


def _number(raw: Any, file: str, field_: str, what: str, source: str, hi: Decimal) -> Decimal:
    x = parse_decimal(raw, file, field_)
    if x < 0:
        raise OracleHalt(file, field_, f"negative {what} {x} from {source}")
    if x > hi:
        raise InputError(file, field_, f"{what} {x} above {hi}")
    digits = len(x.as_tuple().digits)
    if digits > MAX_SIGNIFICANT:
        raise InputError(file, field_, f"{digits} significant digits, at most {MAX_SIGNIFICANT}")
    return x


def _quotes(raw: Any, file: str, field_: str, with_vol: bool) -> list[MarkQuote]:
    if not isinstance(raw, list):
        raise InputError(file, field_, "expected a list of source quotes")
    keys = {"source", "price", "timestamp"} | ({"implied_vol"} if with_vol else set())
    out = []
    for k, q in enumerate(raw):
        f = f"{field_}[{k}]"
        expect_object(q, file, f, keys)
        src = parse_identifier(q["source"], file, f + ".source")
        price = _number(q["price"], file, f + ".price", "price", src, MAX_PRICE)
        vol = None
        if with_vol:
            vol = _number(q["implied_vol"], file, f + ".implied_vol", "implied vol", src, MAX_VOL)
            if vol == 0:
                raise OracleHalt(file, f + ".implied_vol", f"zero implied vol from {src}")
        elif price == 0:
            raise OracleHalt(file, f + ".price", f"zero forward price from {src}")
        out.append(MarkQuote(src, price, vol, parse_timestamp(q["timestamp"], file, f + ".timestamp")))
    return out


def _check_common(quotes: list[MarkQuote], field_: str, what: str, t0: int, params: RiskParams,
                  file: str) -> None:
    tol = params.oracle
    if len(quotes) < tol.min_sources:
        raise OracleHalt(file, field_, f"missing prices for {what}: {len(quotes)} sources, "
                                       f"need {tol.min_sources}")
    names = [q.source for q in quotes]
    if len(set(names)) != len(names):
        raise OracleHalt(file, field_, f"duplicate source name for {what}")
    for k, q in enumerate(quotes):
        age = t0 - q.timestamp
        if age > tol.max_staleness_seconds:
            raise OracleHalt(file, f"{field_}[{k}].timestamp", f"stale: {q.source} quote of {what} "
                             f"is {age} s old (max {tol.max_staleness_seconds} s)")
        if -age > tol.max_future_seconds:
            raise OracleHalt(file, f"{field_}[{k}].timestamp",
                             f"{q.source} quote of {what} is {-age} s after the snapshot time")


def _forwards(raw: Any, file: str, params: RiskParams, needed: set[tuple[str, int]], t0: int):
    if not isinstance(raw, dict):
        raise InputError(file, "forwards", "expected an object keyed by underlying")
    found: dict[tuple[str, int], tuple[MarkQuote, ...]] = {}
    tol = params.oracle.max_spot_deviation
    for u, by_expiry in raw.items():
        if not isinstance(by_expiry, dict):
            raise InputError(file, f"forwards.{u}", "expected an object keyed by expiry time")
        for when, quotes_raw in by_expiry.items():
            f = f"forwards.{u}.{when}"
            key = (u, parse_timestamp(when, file, f))
            if key not in needed:
                raise InputError(file, f, "no listed option or future on this underlying and expiry")
            qs = _quotes(quotes_raw, file, f, with_vol=False)
            _check_common(qs, f, f"the {u} forward to {when}", t0, params, file)
            mid = median([q.price for q in qs])
            for k, q in enumerate(qs):
                dev = abs(q.price - mid) / mid
                if dev > tol:
                    raise OracleHalt(file, f"{f}[{k}].price", f"sources disagree: {q.source} {q.price} vs "
                                     f"median {mid} ({dev:.4%} > {tol:%})")
            found[key] = tuple(qs)
    for u, exp in sorted(needed - found.keys()):
        raise OracleHalt(file, f"forwards.{u}", f"missing forward for expiry {exp} (Unix seconds)")
    return found


def _marks(raw: Any, file: str, params: RiskParams, options: dict[str, Instrument],
           forwards: dict[tuple[str, int], Decimal], t0: int):
    if not isinstance(raw, dict):
        raise InputError(file, "marks", "expected an object keyed by option id")
    tol = params.rulebook.marks
    found: dict[str, tuple[MarkQuote, ...]] = {}
    for iid, quotes_raw in raw.items():
        f = f"marks.{iid}"
        if iid not in options:
            raise InputError(file, f, "not a listed option")
        inst = options[iid]
        qs = _quotes(quotes_raw, file, f, with_vol=True)
        _check_common(qs, f, iid, t0, params, file)
        fwd = forwards[(inst.underlying, inst.expiry)]
        mid_p, mid_v = median([q.price for q in qs]), median([q.implied_vol for q in qs])
        for k, q in enumerate(qs):
            if abs(q.price - mid_p) > tol.max_price_deviation * fwd:
                raise OracleHalt(file, f"{f}[{k}].price", f"sources disagree: {q.source} price {q.price} vs "
                                 f"median {mid_p} (max {tol.max_price_deviation} x forward {fwd})")
            if abs(q.implied_vol - mid_v) > tol.max_vol_deviation:
                raise OracleHalt(file, f"{f}[{k}].implied_vol", f"sources disagree: {q.source} vol "
                                 f"{q.implied_vol} vs median {mid_v} (max {tol.max_vol_deviation})")
        found[iid] = tuple(qs)
    for iid in options:
        if iid not in found:
            raise OracleHalt(file, f"marks.{iid}", "missing mark: the option is listed but no "
                                                   "source marks it")
    return found


def parse_market(doc: Any, file: str, params: RiskParams, instruments: tuple[Instrument, ...]) -> Market:
    """Validate an oracle document of format 1 or 2 against the parameters and instrument list."""
    if isinstance(doc, dict) and doc.get("format") == FORMAT_V1:
        return market_from_v1(parse_oracle(doc, file, params))
    expect_object(doc, file, "", {"format", "snapshot_time", "risk_free_rate", "prices", "forwards", "marks"})
    if doc["format"] != FORMAT_V2:
        raise InputError(file, "format", f"expected {FORMAT_V2!r} or {FORMAT_V1!r}, "
                                         f"got {doc['format']!r:.40}")
    if params.rulebook is None:
        raise InputError(file, "format", f"{FORMAT_V2} needs risk parameters of format 2 ([marks])")
    common = {k: doc[k] for k in ("snapshot_time", "risk_free_rate", "prices")}
    base = parse_oracle(common | {"format": FORMAT_V1}, file, params)
    t0 = base.snapshot_time
    needed = {(i.underlying, i.expiry) for i in instruments if i.kind in ("option", "future")}
    fq = _forwards(doc["forwards"], file, params, needed, t0)
    forwards = {k: median([q.price for q in qs]) for k, qs in fq.items()}
    options = {i.id: i for i in instruments if i.kind == "option"}
    mq = _marks(doc["marks"], file, params, options, forwards, t0)
    marks = {iid: Mark(median([q.price for q in qs]), median([q.implied_vol for q in qs]))
             for iid, qs in mq.items()}
    return Market(base.snapshot_time, base.risk_free_rate, base.spot, base.vol, base.quotes,
                  version=2, forwards=forwards, marks=marks, forward_quotes=fq, mark_quotes=mq)
