"""The oracle snapshot and its circuit breaker (SPEC §3).

Each asset of the risk parameters has several sources, each quoting a spot price (quote units
per coin), an at-the-money implied volatility (annualised, flat smile) and a time stamp. The
run STOPS (``OracleHalt``, a one-line ``InputError`` naming the asset and source) when

* an asset has fewer than ``min_sources`` sources (missing prices), or an unknown asset appears;
* a source's time stamp is older than ``max_staleness_seconds`` before the snapshot time, or
  later than ``max_future_seconds`` after it (stale, or from the future);
* a source's spot lies outside the asset's plausibility band ``[spot_min, spot_max]`` (risk
  parameters; sources that all agree on an absurd price still stop the run: ATTACKS A21);
* a source's spot differs from the median by more than ``max_spot_deviation`` (relative), or its
  vol from the median vol by more than ``max_vol_deviation`` (absolute).

Only then is the aggregate taken: the median of the sources (mean of the two middle values for
an even count), computed exactly in ``Decimal``. Nothing is silently averaged over a bad source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from zkproof.errors import InputError
from zkproof.snapshot.jsonio import expect_object, load_json, loads_strict, parse_identifier, parse_timestamp
from zkproof.snapshot.numbers import parse_fraction
from zkproof.snapshot.params import MAX_SPOT, RiskParams

FORMAT = "zkproof-oracle/1"
MAX_VOL = Decimal(10)


class OracleHalt(InputError):
    """The oracle circuit breaker tripped: stale, missing or disagreeing sources."""


@dataclass(frozen=True)
class Quote:
    source: str
    spot: Decimal
    implied_vol: Decimal
    timestamp: int


@dataclass(frozen=True)
class Oracle:
    """A validated snapshot: aggregated ``spot`` and ``vol`` per asset symbol."""

    snapshot_time: int
    risk_free_rate: Decimal
    spot: dict[str, Decimal]
    vol: dict[str, Decimal]
    quotes: dict[str, tuple[Quote, ...]]


def median(values: list[Decimal]) -> Decimal:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _quote(raw: Any, file: str, field: str) -> Quote:
    expect_object(raw, file, field, {"source", "spot", "implied_vol", "timestamp"})
    spot = parse_fraction(raw["spot"], file, f"{field}.spot", Decimal(0), MAX_SPOT)
    if spot <= 0:
        raise InputError(file, f"{field}.spot", "expected a positive price, got 0")
    return Quote(
        source=parse_identifier(raw["source"], file, f"{field}.source"),
        spot=spot,
        implied_vol=parse_fraction(raw["implied_vol"], file, f"{field}.implied_vol", Decimal(0), MAX_VOL),
        timestamp=parse_timestamp(raw["timestamp"], file, f"{field}.timestamp"),
    )


def _check_sources(sym: str, quotes: list[Quote], t0: int, params: RiskParams, file: str) -> None:
    tol = params.oracle
    if len(quotes) < tol.min_sources:
        raise OracleHalt(file, f"prices.{sym}",
                         f"missing prices: {len(quotes)} sources, need {tol.min_sources}")
    names = [q.source for q in quotes]
    if len(set(names)) != len(names):
        raise OracleHalt(file, f"prices.{sym}", "duplicate source name")
    mid_spot = median([q.spot for q in quotes])
    mid_vol = median([q.implied_vol for q in quotes])
    band = params.asset(sym)
    for k, q in enumerate(quotes):
        f = f"prices.{sym}[{k}]"
        if not band.spot_min <= q.spot <= band.spot_max:
            raise OracleHalt(file, f + ".spot", f"implausible price: {q.source} quotes {sym} at {q.spot}, "
                             f"outside [{band.spot_min}, {band.spot_max}] (assets.{sym}.spot_min/spot_max)")
        age = t0 - q.timestamp
        if age > tol.max_staleness_seconds:
            raise OracleHalt(file, f + ".timestamp", f"stale: {q.source} is {age} s old "
                                                     f"(max {tol.max_staleness_seconds} s)")
        if -age > tol.max_future_seconds:
            raise OracleHalt(file, f + ".timestamp", f"{q.source} is {-age} s after the snapshot time")
        dev = abs(q.spot - mid_spot) / mid_spot
        if dev > tol.max_spot_deviation:
            raise OracleHalt(file, f + ".spot", f"sources disagree: {q.source} {q.spot} vs median {mid_spot} "
                                                f"({dev:.4%} > {tol.max_spot_deviation:%})")
        if abs(q.implied_vol - mid_vol) > tol.max_vol_deviation:
            raise OracleHalt(file, f + ".implied_vol", f"sources disagree: {q.source} vol {q.implied_vol} "
                                                       f"vs median {mid_vol} (max {tol.max_vol_deviation})")


def parse_oracle(doc: Any, file: str, params: RiskParams) -> Oracle:
    """Validate a parsed oracle document against the risk parameters' assets and tolerances."""
    expect_object(doc, file, "", {"format", "snapshot_time", "risk_free_rate", "prices"})
    if doc["format"] != FORMAT:
        raise InputError(file, "format", f"expected {FORMAT!r}, got {doc['format']!r:.40}")
    t0 = parse_timestamp(doc["snapshot_time"], file, "snapshot_time")
    rate = parse_fraction(doc["risk_free_rate"], file, "risk_free_rate", Decimal("-0.5"), Decimal("0.5"))
    prices = doc["prices"]
    if not isinstance(prices, dict):
        raise InputError(file, "prices", "expected an object keyed by asset symbol")
    known = [a.symbol for a in params.assets]
    for sym in prices:
        if sym not in known:
            raise InputError(file, f"prices.{sym}", "unknown asset (not in the risk parameters)")
    quotes: dict[str, tuple[Quote, ...]] = {}
    for sym in known:
        raw = prices.get(sym, [])
        if not isinstance(raw, list):
            raise InputError(file, f"prices.{sym}", "expected a list of source quotes")
        qs = [_quote(r, file, f"prices.{sym}[{k}]") for k, r in enumerate(raw)]
        _check_sources(sym, qs, t0, params, file)
        quotes[sym] = tuple(qs)
    return Oracle(
        snapshot_time=t0, risk_free_rate=rate,
        spot={s: median([q.spot for q in qs]) for s, qs in quotes.items()},
        vol={s: median([q.implied_vol for q in qs]) for s, qs in quotes.items()},
        quotes=quotes,
    )


def loads_oracle(text: str, params: RiskParams, file: str = "<memory>") -> Oracle:
    return parse_oracle(loads_strict(text, file), file, params)


def load_oracle(path: str | Path, params: RiskParams) -> Oracle:
    return parse_oracle(load_json(path), str(path), params)
