"""Risk parameters (TOML): value unit, scenario grid, haircuts, spot bands, floors, oracle tolerances.

See ``docs/formats.md`` §params and ``zkproof/schemas/params.schema.json``. Every fraction is a
decimal *string* (TOML floats are rejected, as are JSON numbers elsewhere), so the parameters
reach the margin engine as exact ``Decimal`` values.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Context, Decimal, Inexact, localcontext
from pathlib import Path
from typing import Any

from zkproof.errors import InputError
from zkproof.snapshot.jsonio import expect_object, parse_identifier, read_text
from zkproof.snapshot.numbers import parse_decimal, parse_fraction, parse_small_int
from zkproof.snapshot.presets import PRESETS
from zkproof.statement import MAX_SNAPSHOT_AGE_SECONDS

FORMAT = "zkproof-risk-params/1"
FORMAT_V2 = "zkproof-risk-params/2"
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
class VenueParams:
    """The ``[venue]`` section (params format 2, docs/formats.md §2.3): the capacities of the
    sparse venue circuits and the borrow haircut of the debt column.

    ``i_max``/``a_max``: instrument and asset universes (powers of two, slot 0 is the empty
    row, so at most ``i_max - 1`` instruments and ``a_max - 1`` assets are listed); ``p``/``b``:
    position and balance slots per account; ``wide_p``: position slots of the wide tier (same
    ``b``); ``borrow_haircut`` ``h``: a unit of debt costs ``(1 + h)`` times the asset's
    unhaircut value (``d >= c``). A snapshot with this section is a venue snapshot: its
    balances may be negative (loans).
    """

    i_max: int
    a_max: int
    p: int
    b: int
    wide_p: int
    borrow_haircut: Decimal = ZERO


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
    # Format 2 (venue rulebook, docs/formats.md §2): ``rulebook`` is None for format 1.
    rulebook: Rulebook | None = None
    # The venue's capacities (format 2 ``[venue]``): None for a v1 (dense) snapshot.
    venue: VenueParams | None = None

    @property
    def n_scenarios(self) -> int:
        """K: stress scenarios (the table has K + 1 columns, s = 0 is the mark)."""
        if self.rulebook is not None:
            return self.rulebook.n_scenarios(len(self.spot_shock_signs))
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
    """Validate a parsed TOML document (``tomllib.loads`` output), format 1 or 2."""
    if isinstance(doc, dict) and doc.get("format") == FORMAT_V2:
        return parse_params_v2(doc, file)
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


# ---------------------------------------------------------------------------- format 2


@dataclass(frozen=True)
class Level:
    """A scenario level in units of the price scan range: ``num / den`` (``"1/3"``, ``"-0.5"``)."""

    text: str  # the input spelling, used in scenario labels
    num: Decimal
    den: int


@dataclass(frozen=True)
class MarkTolerances:
    """Circuit breaker of the per-instrument marks (docs/formats.md §4)."""

    max_price_deviation: Decimal  # |source price - median| / forward
    max_vol_deviation: Decimal  # |source vol - median vol|, absolute
    max_model_deviation: Decimal  # |Black-76(median vol) - median price| / forward


@dataclass(frozen=True)
class Rulebook:
    """The venue's margin rules (params format 2): scenario grid, maintenance, mark tolerances.

    Spot of asset ``a`` in a level-``L`` scenario: ``S_0 * (1 + L * scan_range[a] * sign[a])``
    (assets without a scan range do not move). Vol shock ``w`` on an option ``T_days`` from
    expiry: ``w * (vol_shock_ref_days / max(T_days, vol_shock_min_days)) ^ vol_shock_power``
    (unscaled when ``vol_shock_ref_days`` is absent), the factor ``1 + w(T)`` floored at
    ``vol_floor``. Tail scenarios: level ``L`` of ``tail_levels``, vol shock ``tail_vol_shock``,
    and only ``tail_cover`` of the move's change of value counts.
    """

    preset: str | None
    scan_range: dict[str, Decimal]
    levels: tuple[Level, ...]
    vol_ref_days: Decimal | None
    vol_power: Decimal
    vol_min_days: Decimal
    vol_floor: Decimal
    tail_levels: tuple[Level, ...]
    tail_cover: Decimal
    tail_vol_shock: Decimal
    perpetual: dict[str, Decimal]  # maintenance fraction of mark notional, per underlying
    future: dict[str, Decimal]
    option_short: Decimal  # fraction of the underlying's spot per coin, short options
    option_long: Decimal
    marks: MarkTolerances
    n_vol_shocks: int = field(default=0)

    def n_scenarios(self, n_patterns: int) -> int:
        return (len(self.levels) * self.n_vol_shocks + len(self.tail_levels)) * n_patterns


_LEVEL_RE = re.compile(r"(-?(?:0|[1-9][0-9]*))/([1-9][0-9]*)")


def _level(value: Any, file: str, field_: str) -> Level:
    if isinstance(value, str) and _LEVEL_RE.fullmatch(value):
        p, q = (int(x) for x in _LEVEL_RE.fullmatch(value).groups())
        if q == 1 or math.gcd(p, q) != 1:
            raise InputError(file, field_, f"expected a fraction p/q in lowest terms, q > 1, got {value!r}")
        num, den = Decimal(p), q
    else:
        num, den = parse_decimal(value, file, field_), 1
    if abs(num) > 20 * den:
        raise InputError(file, field_, f"expected |level| <= 20, got {value}")
    return Level(value, num, den)


def _levels(value: Any, file: str, field_: str, allow_empty: bool = False) -> tuple[Level, ...]:
    if not isinstance(value, list) or not (value or allow_empty):
        raise InputError(file, field_, "expected a non-empty list of levels (\"1/3\", \"-0.5\", ...)")
    out = tuple(_level(v, file, f"{field_}[{k}]") for k, v in enumerate(value))
    if len({lv.num / lv.den for lv in out}) != len(out):
        raise InputError(file, field_, "duplicate level")
    return out


def _per_asset(value: Any, file: str, field_: str, known: set[str], lo: Decimal,
               hi: Decimal) -> dict[str, Decimal]:
    if not isinstance(value, dict):
        raise InputError(file, field_, "expected a table {SYMBOL = \"fraction\"}")
    for sym in value:
        if sym not in known:
            raise InputError(file, f"{field_}.{sym}", "unknown asset")
    return {sym: parse_fraction(v, file, f"{field_}.{sym}", lo, hi) for sym, v in value.items()}


def _merge_preset(doc: dict[str, Any], file: str) -> dict[str, Any]:
    """The document with the named preset's keys filled in where the file does not set them."""
    name = doc.get("preset")
    if name is None:
        return doc
    if name not in PRESETS:
        raise InputError(file, "preset", f"unknown preset {name!r:.40} (known: {', '.join(sorted(PRESETS))})")
    out = dict(doc)
    for table, defaults in PRESETS[name].items():
        given = doc.get(table, {})
        if not isinstance(given, dict):
            raise InputError(file, table, "expected a table")
        out[table] = {**defaults, **given}
    return out


_SCEN_V2 = ({"levels", "vol_shocks"},
            {"scan_range", "vol_shock_ref_days", "vol_shock_power", "vol_shock_min_days", "vol_floor",
             "tail_levels", "tail_cover", "tail_vol_shock", "spot_shock_signs"})
_MAINT_V2 = {"perpetual", "perpetual_max_leverage", "future", "option_short", "option_long"}
_MARKS_V2 = {"max_price_deviation", "max_vol_deviation", "max_model_deviation"}


def parse_params_v2(doc: dict[str, Any], file: str) -> RiskParams:
    """Format 2: the venue rulebook (docs/formats.md §2), optionally starting from a preset."""
    expect_object(doc, file, "", {"format", "value_unit_exponent", "quote", "scenarios", "assets",
                                  "maintenance", "marks", "oracle"}, {"preset", "venue"})
    doc = _merge_preset(doc, file)
    assets = _assets(doc["assets"], file)
    known = {a.symbol for a in assets}
    sc = expect_object(doc["scenarios"], file, "scenarios", *_SCEN_V2)
    mt = expect_object(doc["maintenance"], file, "maintenance", set(), _MAINT_V2)
    mk = expect_object(doc["marks"], file, "marks", _MARKS_V2)
    dec = lambda key, lo, hi, default: (  # noqa: E731
        parse_fraction(sc[key], file, f"scenarios.{key}", lo, hi) if key in sc else default)
    scan = _per_asset(sc.get("scan_range", {}), file, "scenarios.scan_range", known, ZERO, Decimal("0.95"))
    levels = _levels(sc["levels"], file, "scenarios.levels")
    tails = _levels(sc.get("tail_levels", []), file, "scenarios.tail_levels", allow_empty=True)
    for name, lv in [("levels", x) for x in levels] + [("tail_levels", x) for x in tails]:
        for sym, rng in scan.items():
            if 1 + lv.num * rng / lv.den <= 0:
                raise InputError(file, f"scenarios.{name}", f"level {lv.text} x scan range {rng} of {sym} "
                                 "moves the price to zero or below")
    vol_shocks = _decimal_list(sc["vol_shocks"], file, "scenarios.vol_shocks", Decimal(-10), Decimal(10))
    perp = _per_asset(mt.get("perpetual", {}), file, "maintenance.perpetual", known, ZERO, ONE)
    for sym, lev in (mt.get("perpetual_max_leverage") or {}).items():
        f = f"maintenance.perpetual_max_leverage.{sym}"
        if sym not in known:
            raise InputError(file, f, "unknown asset")
        if sym in perp:
            raise InputError(file, f, "give perpetual or perpetual_max_leverage for an asset, not both")
        perp[sym] = _exact_ratio(parse_small_int(lev, file, f, 1, 1000), file, f)
    rulebook = Rulebook(
        preset=doc.get("preset"), scan_range=scan, levels=levels,
        vol_ref_days=dec("vol_shock_ref_days", ONE, Decimal(3650), None),
        vol_power=dec("vol_shock_power", ZERO, Decimal(2), ZERO),
        vol_min_days=dec("vol_shock_min_days", Decimal("0.01"), Decimal(365), ONE),
        vol_floor=dec("vol_floor", Decimal("0.01"), ONE, Decimal("0.05")),
        tail_levels=tails, tail_cover=dec("tail_cover", ZERO, ONE, ONE),
        tail_vol_shock=dec("tail_vol_shock", Decimal(-10), Decimal(10), ZERO),
        perpetual=perp,
        future=_per_asset(mt.get("future", {}), file, "maintenance.future", known, ZERO, ONE),
        option_short=parse_fraction(mt.get("option_short", "0"), file, "maintenance.option_short", ZERO, ONE),
        option_long=parse_fraction(mt.get("option_long", "0"), file, "maintenance.option_long", ZERO, ONE),
        marks=MarkTolerances(*(parse_fraction(mk[k], file, f"marks.{k}", ZERO, ONE)
                               for k in ("max_price_deviation", "max_vol_deviation", "max_model_deviation"))),
        n_vol_shocks=len(vol_shocks),
    )
    return RiskParams(
        value_unit_exponent=parse_small_int(doc["value_unit_exponent"], file, "value_unit_exponent", 0, 30),
        quote=parse_identifier(doc["quote"], file, "quote"),
        horizon_days=ONE, spot_shocks_sigma=(), vol_shocks=vol_shocks, assets=assets,
        spot_shock_signs=_sign_patterns(sc.get("spot_shock_signs", [{}]), file, known),
        short_floor={"option": rulebook.option_short, "perpetual": ZERO, "future": ZERO},
        oracle=_oracle(doc["oracle"], file), rulebook=rulebook,
        venue=_venue(doc["venue"], file) if "venue" in doc else None,
    )


_VENUE_KEYS = ({"i_max", "a_max", "p", "b", "wide_p"}, {"borrow_haircut"})
MAX_UNIVERSE = 1 << 16  # the venue circuits' index width (zkproof.venue.INDEX_BITS)


def _venue(doc: Any, file: str) -> VenueParams:
    """The ``[venue]`` section: capacities checked here, the listing against them at conversion."""
    expect_object(doc, file, "venue", *_VENUE_KEYS)
    n = {k: parse_small_int(doc[k], file, f"venue.{k}", 1, MAX_UNIVERSE) for k in _VENUE_KEYS[0]}
    for k in ("i_max", "a_max"):
        if n[k] < 2 or n[k] & (n[k] - 1):
            raise InputError(file, f"venue.{k}", f"expected a power of two in 2..2^16, got {n[k]}")
    for k in ("p", "b", "wide_p"):
        if n[k] > 256:
            raise InputError(file, f"venue.{k}", f"expected 1..256, got {n[k]}")
    if n["wide_p"] < n["p"]:
        raise InputError(file, "venue.wide_p", f"expected wide_p >= p = {n['p']}, got {n['wide_p']}")
    h = parse_fraction(doc.get("borrow_haircut", "0"), file, "venue.borrow_haircut", ZERO, ONE)
    return VenueParams(n["i_max"], n["a_max"], n["p"], n["b"], n["wide_p"], h)


def _exact_ratio(lev: int, file: str, field_: str) -> Decimal:
    """``1 / (2 L)`` for a max leverage ``L``; refused unless it is an exact decimal (L = 2^a 5^b
    and 3 are not all exact: 1/6 is refused, give ``perpetual`` with the rounded fraction)."""
    with localcontext(Context(prec=40, traps=[Inexact])):
        try:
            return ONE / (2 * Decimal(lev))
        except Inexact:
            raise InputError(file, field_, f"1/(2 x {lev}) is not an exact decimal: give "
                             "maintenance.perpetual with the venue's rounded fraction") from None


def loads_params(text: str, file: str = "<memory>") -> RiskParams:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(file, "document", f"invalid TOML: {exc}") from None
    return parse_params(doc, file)


def load_params(path: str | Path) -> RiskParams:
    return loads_params(read_text(path), str(path))
