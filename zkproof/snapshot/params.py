"""Risk parameters (TOML): value unit, scenario grid, haircuts, spot bands, floors, oracle tolerances.

See ``docs/formats.md`` §params and ``zkproof/schemas/params.schema.json``. Every fraction is a
decimal *string* (TOML floats are rejected, as are JSON numbers elsewhere), so the parameters
reach the margin engine as exact ``Decimal`` values.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from zkproof.errors import InputError
from zkproof.snapshot.jsonio import expect_object, parse_identifier, read_text
from zkproof.snapshot.numbers import parse_decimal, parse_fraction, parse_small_int
from zkproof.statement import MAX_SNAPSHOT_AGE_SECONDS

FORMAT = "zkproof-risk-params/1"
INSTRUMENT_KINDS = ("option", "perpetual", "future")
ZERO, ONE = Decimal(0), Decimal(1)
# Plausibility band of every source's spot (quote units per coin) when an asset sets none: wide
# enough for any listed coin, narrow enough to refuse a feed that lost its decimal point
# (ATTACKS A21). Set a tight band per asset with spot_min / spot_max.
DEFAULT_SPOT_MIN, DEFAULT_SPOT_MAX = Decimal("0.000001"), Decimal(10) ** 9
MAX_SPOT = Decimal(10) ** 12  # no spot above this parses (zkproof.snapshot.oracle)


@dataclass(frozen=True)
class AssetParams:
    """A collateral asset: ``decimals`` (base unit = 10^-decimals of one coin), haircut, and the
    band ``[spot_min, spot_max]`` every oracle source's spot must lie in (ATTACKS A21)."""

    symbol: str
    decimals: int
    haircut: Decimal
    spot_min: Decimal = DEFAULT_SPOT_MIN
    spot_max: Decimal = DEFAULT_SPOT_MAX


@dataclass(frozen=True)
class OracleTolerances:
    min_sources: int
    max_staleness_seconds: int
    max_future_seconds: int
    max_spot_deviation: Decimal  # |source - median| / median
    max_vol_deviation: Decimal  # |source vol - median vol|, absolute (0.02 = 2 vol points)
    # epoch timestamp - snapshot_time may not exceed this, nor be negative (ATTACKS A20)
    max_snapshot_age_seconds: int = MAX_SNAPSHOT_AGE_SECONDS


@dataclass(frozen=True)
class RiskParams:
    value_unit_exponent: int  # 1 value unit = 10^-value_unit_exponent quote units (USD)
    quote: str
    horizon_days: Decimal
    spot_shocks_sigma: tuple[Decimal, ...]  # z: S_s = S_0 * exp(z * sigma * sqrt(h / 365))
    vol_shocks: tuple[Decimal, ...]  # w: sigma_s = sigma_0 * (1 + w)
    assets: tuple[AssetParams, ...]  # in file order = the table's asset order a = 0..A-1
    short_floor: dict[str, Decimal]  # per instrument kind, fraction of mark spot per unit
    oracle: OracleTolerances
    # Direction patterns: asset a moves by z * sign[a] (missing = +1). Default: one pattern, all
    # assets together; a second pattern such as {BTC = -1} adds decorrelated (spread) moves.
    spot_shock_signs: tuple[tuple[tuple[str, int], ...], ...] = ((),)

    @property
    def n_scenarios(self) -> int:
        """K: stress scenarios (the table has K + 1 columns, s = 0 is the mark)."""
        return len(self.spot_shocks_sigma) * len(self.spot_shock_signs) * len(self.vol_shocks)

    def asset(self, symbol: str) -> AssetParams:
        return next(a for a in self.assets if a.symbol == symbol)


def _decimal_list(value: Any, file: str, field: str, lo: Decimal, hi: Decimal) -> tuple[Decimal, ...]:
    if not isinstance(value, list) or not value:
        raise InputError(file, field, "expected a non-empty list of decimal strings")
    out = tuple(parse_fraction(v, file, f"{field}[{k}]", lo, hi) for k, v in enumerate(value))
    if len(set(out)) != len(out):
        raise InputError(file, field, "duplicate shock")
    return out


def _sign_patterns(value: Any, file: str, known: set[str]) -> tuple[tuple[tuple[str, int], ...], ...]:
    field = "scenarios.spot_shock_signs"
    if not isinstance(value, list) or not value:
        raise InputError(file, field, "expected a non-empty list of tables {SYMBOL = 1 | -1}")
    out = []
    for k, pattern in enumerate(value):
        if not isinstance(pattern, dict):
            raise InputError(file, f"{field}[{k}]", "expected a table {SYMBOL = 1 | -1}")
        for sym, sign in pattern.items():
            if sym not in known:
                raise InputError(file, f"{field}[{k}].{sym}", "unknown asset")
            if isinstance(sign, bool) or sign not in (1, -1):
                raise InputError(file, f"{field}[{k}].{sym}", f"expected 1 or -1, got {sign!r:.20}")
        out.append(tuple(sorted((sym, sign) for sym, sign in pattern.items() if sign != 1)))
    if len(set(out)) != len(out):
        raise InputError(file, field, "duplicate sign pattern")
    return tuple(out)


def _assets(doc: Any, file: str) -> tuple[AssetParams, ...]:
    if not isinstance(doc, dict) or not doc:
        raise InputError(file, "assets", "expected at least one [assets.SYMBOL] table")
    out = []
    for symbol, body in doc.items():
        f = f"assets.{symbol}"
        parse_identifier(symbol, file, f)
        expect_object(body, file, f, {"decimals", "haircut"}, {"spot_min", "spot_max"})
        decimals = parse_small_int(body["decimals"], file, f + ".decimals", 0, 18)
        haircut = parse_fraction(body["haircut"], file, f + ".haircut", ZERO, Decimal("0.99"))
        lo, hi = (parse_fraction(body[k], file, f"{f}.{k}", ZERO, MAX_SPOT) if k in body else default
                  for k, default in (("spot_min", DEFAULT_SPOT_MIN), ("spot_max", DEFAULT_SPOT_MAX)))
        if not ZERO < lo < hi:
            raise InputError(file, f + ".spot_min", f"expected 0 < spot_min < spot_max, got {lo} and {hi}")
        out.append(AssetParams(symbol, decimals, haircut, lo, hi))
    return tuple(out)


def _oracle(doc: Any, file: str) -> OracleTolerances:
    keys = {"min_sources", "max_staleness_seconds", "max_future_seconds", "max_spot_deviation",
            "max_vol_deviation"}
    expect_object(doc, file, "oracle", keys, {"max_snapshot_age_seconds"})
    return OracleTolerances(
        parse_small_int(doc["min_sources"], file, "oracle.min_sources", 1, 64),
        parse_small_int(doc["max_staleness_seconds"], file, "oracle.max_staleness_seconds", 0, 86400),
        parse_small_int(doc["max_future_seconds"], file, "oracle.max_future_seconds", 0, 3600),
        parse_fraction(doc["max_spot_deviation"], file, "oracle.max_spot_deviation", ZERO, Decimal("0.5")),
        parse_fraction(doc["max_vol_deviation"], file, "oracle.max_vol_deviation", ZERO, ONE),
        parse_small_int(doc.get("max_snapshot_age_seconds", MAX_SNAPSHOT_AGE_SECONDS), file,
                        "oracle.max_snapshot_age_seconds", 0, 86400),
    )


def parse_params(doc: dict[str, Any], file: str) -> RiskParams:
    """Validate a parsed TOML document (``tomllib.loads`` output)."""
    expect_object(doc, file, "", {"format", "value_unit_exponent", "quote", "scenarios", "assets",
                                  "short_floor", "oracle"})
    if doc["format"] != FORMAT:
        raise InputError(file, "format", f"expected {FORMAT!r}, got {doc['format']!r:.40}")
    sc = expect_object(doc["scenarios"], file, "scenarios",
                       {"horizon_days", "spot_shocks_sigma", "vol_shocks"}, {"spot_shock_signs"})
    floors = expect_object(doc["short_floor"], file, "short_floor", set(INSTRUMENT_KINDS))
    horizon = parse_decimal(sc["horizon_days"], file, "scenarios.horizon_days")
    if not ZERO < horizon <= 365:
        raise InputError(file, "scenarios.horizon_days", f"expected 0 < days <= 365, got {horizon}")
    assets = _assets(doc["assets"], file)
    signs = _sign_patterns(sc.get("spot_shock_signs", [{}]), file, {a.symbol for a in assets})
    return RiskParams(
        value_unit_exponent=parse_small_int(doc["value_unit_exponent"], file, "value_unit_exponent", 0, 30),
        quote=parse_identifier(doc["quote"], file, "quote"),
        horizon_days=horizon,
        spot_shocks_sigma=_decimal_list(sc["spot_shocks_sigma"], file, "scenarios.spot_shocks_sigma",
                                        Decimal(-20), Decimal(20)),
        vol_shocks=_decimal_list(sc["vol_shocks"], file, "scenarios.vol_shocks",
                                 Decimal("-0.9"), Decimal(10)),
        assets=assets,
        spot_shock_signs=signs,
        short_floor={k: parse_fraction(floors[k], file, f"short_floor.{k}", ZERO, ONE)
                     for k in INSTRUMENT_KINDS},
        oracle=_oracle(doc["oracle"], file),
    )


def loads_params(text: str, file: str = "<memory>") -> RiskParams:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(file, "document", f"invalid TOML: {exc}") from None
    return parse_params(doc, file)


def load_params(path: str | Path) -> RiskParams:
    return loads_params(read_text(path), str(path))
