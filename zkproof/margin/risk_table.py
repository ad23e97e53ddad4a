"""The integer risk table ``c, v, m`` of SPEC §1, its canonical bytes and its hashes.

Shape: A collateral assets x (K + 1) scenarios for ``c``, I instruments x (K + 1) for ``v``,
I for ``m``; the examples and the default circuit use A = 3 (USDC, ETH, BTC), I = 16 (perpetuals,
futures and options on ETH and BTC), K = 16 stress scenarios plus the mark (s = 0..16).

Units and rounding (docs/formats.md §8 has the soundness argument):

* value unit: ``10^-e`` quote units (USD), ``e = value_unit_exponent`` (12 in the examples).
* ``c[a][s] = floor(X - EPS)``, X = value of ONE base unit of asset a in scenario s after
  haircut, in value units. Balances are >= 0, so flooring never overstates collateral.
* ``v[i][s] = floor(X - EPS)``, X = value of ONE position unit of instrument i. Floor is
  conservative for longs (q > 0) but not for shorts (q < 0): ``q*v >= q*X`` there, by less than
  ``|q|`` value units. The circuit therefore subtracts a rounding buffer of ``SHORT_BUFFER = 1``
  value unit per short position unit: with ``N[u] = sum_i max(-q[u][i], 0)`` the checks are
  ``E[u][s] >= N[u]`` (s >= 1) and ``E[u][0] >= sum_i max(-q[u][i], 0) * m[i] + N[u]``.
  ``N[u]`` is linear in the ``max(-q, 0)`` wires the floor term needs already: no extra product.
* ``c`` and option ``v`` are clamped at 0 (they are >= 0 analytically, so 0 is still <= X).
* ``ml[i], ms[i] = ceil(X + EPS) >= 0``: maintenance at mark per long / short position unit
  (``valuation.requirement_per_coin``: perpetual and future maintenance fraction x mark
  notional, option floors). The v1 circuit consumes ``m = ms`` (short positions only).
* ``EPS = 10^-30`` value units covers the ``Decimal`` computation error (60 digits), so rounding
  stays in the protocol's disfavour even when the exact value is within the error of an
  integer. It is applied only to values whose computation rounded (``exact.evaluate``).
* Every entry satisfies ``|x| < 2^TABLE_BITS`` (``TABLE_BITS = 40``), checked at build time,
  so ``|E| < (A + I) * 2^(64 + 40)``; see the ATTACKS §5 worksheet.

Canonical bytes (``to_bytes``), all integers little-endian, strings ``u16 length + UTF-8``::

    magic "ZKPRISK1" | u32 version=2 | u32 TABLE_BITS | u32 value_unit_exponent
    | i64 snapshot_time | u32 A | u32 I | u32 S (= K + 1)
    | A x (str symbol, u32 decimals) | I x (str descriptor) | S x (str scenario label)
    | c: A*S x i64 (a-major) | v: I*S x i64 (i-major) | m: I x i64 | ml: I x i64 | ms: I x i64

``sha256 = SHA-256(bytes)``; the circuit's public input is ``field_hash = int(sha256, big-endian)
>> 3`` (the top 253 bits, < 2^253 < r).
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal, localcontext

from zkproof.errors import InputError
from zkproof.formats import risk_table_bytes
from zkproof.formats.risk_table_bytes import decode_table, encode_table
from zkproof.margin import black76
from zkproof.margin.exact import PRECISION, evaluate, precise
from zkproof.margin.scenarios import MarketState, market_states, scenario_grid, vol_factor
from zkproof.margin.valuation import (
    build_smiles,
    collateral_per_coin,
    debt_per_coin,
    forward_of,
    instrument_per_coin,
    option_inputs,
    option_per_coin,
    requirement_per_coin,
    years_to,
)
from zkproof.snapshot.instruments import Instrument, check_not_expired
from zkproof.snapshot.marks import Market, market_from_v1
from zkproof.snapshot.oracle import Oracle, OracleHalt
from zkproof.snapshot.params import AssetParams, RiskParams

TABLE_BITS = 40
EPS = Decimal("1e-30")
VERSION = risk_table_bytes.VERSION


def equity_range_bits(n_assets: int, n_instruments: int, table_bits: int = TABLE_BITS) -> int:
    """Bits ``k`` for the circuit's range check of ``D = E - req`` (docs/formats.md §8 worksheet).

    ``|D| < (2A + 2I) * 2^(63 + C) + I * 2^63``, so ``k = 63 + C + ceil(log2(2A + 2I + 1))``
    bits hold every honest ``D >= 0``; ``k <= 252`` keeps a negative ``D`` (``p - |D|``) out.
    """
    k = 63 + table_bits + (2 * n_assets + 2 * n_instruments).bit_length()
    bound = (2 * n_assets + 2 * n_instruments) * 2 ** (63 + table_bits) + n_instruments * 2**63
    assert bound <= 2**k and k <= 252, (n_assets, n_instruments, k)
    return k


@dataclass(frozen=True)
class RiskTable:
    """The published table: header metadata plus ``c`` (A x S), ``v`` (I x S), ``m`` (I)."""

    value_unit_exponent: int
    snapshot_time: int
    assets: tuple[tuple[str, int], ...]  # (symbol, decimals)
    instruments: tuple[str, ...]  # descriptors: "id|kind|underlying|right|strike|expiry|pdec"
    scenarios: tuple[str, ...]
    c: tuple[tuple[int, ...], ...]
    v: tuple[tuple[int, ...], ...]
    m: tuple[int, ...]  # the circuit's short floor (= ms)
    ml: tuple[int, ...] = ()  # maintenance at mark per long position unit (empty: zeros)
    ms: tuple[int, ...] = ()  # maintenance at mark per short position unit (empty: = m)

    def __post_init__(self) -> None:
        if not self.ml:
            object.__setattr__(self, "ml", (0,) * len(self.m))
        if not self.ms:
            object.__setattr__(self, "ms", tuple(self.m))

    def to_bytes(self) -> bytes:
        return encode_table(self, VERSION, TABLE_BITS)

    @classmethod
    def from_bytes(cls, data: bytes, file: str = "<table>") -> RiskTable:
        fields = decode_table(data, file, VERSION, TABLE_BITS)
        return cls(**fields)

    def sha256(self) -> bytes:
        return hashlib.sha256(self.to_bytes()).digest()

    def field_hash(self) -> int:
        """The table hash as one BN254 scalar: the top 253 bits of the SHA-256 digest."""
        return int.from_bytes(self.sha256(), "big") >> 3

    def to_json(self) -> dict:
        return {
            "value_unit_exponent": self.value_unit_exponent, "snapshot_time": self.snapshot_time,
            "assets": [{"symbol": s, "decimals": d} for s, d in self.assets],
            "instruments": list(self.instruments), "scenarios": list(self.scenarios),
            "c": [[str(x) for x in row] for row in self.c], "v": [[str(x) for x in row] for row in self.v],
            "m": [str(x) for x in self.m], "ml": [str(x) for x in self.ml], "ms": [str(x) for x in self.ms],
            "sha256": self.sha256().hex(), "field_hash": str(self.field_hash()),
        }


def descriptor(inst: Instrument) -> str:
    """The canonical one-line description of an instrument hashed into the table header."""
    strike = format(inst.strike, "f") if inst.strike is not None else ""  # the input spelling
    parts = [inst.id, inst.kind, inst.underlying, inst.right or "", strike,
             str(inst.expiry or ""), str(inst.position_decimals)]
    return "|".join(parts)


def _scale(x: Decimal, decimals: int, e: int) -> Decimal:
    """Quote units per coin -> value units per 10^-decimals of a coin (exact power of ten)."""
    return x.scaleb(e - decimals)


def _floor(x: Decimal, exact: bool, where: str) -> int:
    """Round down; an inexactly computed value is first lowered by ``EPS``."""
    with precise():
        return _bounded(int((x if exact else x - EPS).to_integral_value(ROUND_FLOOR)), where)


def _ceil(x: Decimal, exact: bool, where: str) -> int:
    with precise():
        return _bounded(int((x if exact else x + EPS).to_integral_value(ROUND_CEILING)), where)


def _bounded(n: int, where: str) -> int:
    if abs(n) >= 1 << TABLE_BITS:
        raise InputError("<risk table>", where, f"|{n}| >= 2^{TABLE_BITS}: lower value_unit_exponent "
                                                "or the position/asset decimals")
    return n


def _nonneg(inst: Instrument, n: int) -> int:
    return max(0, n) if inst.kind == "option" else n


def _check_option_vols(instruments: tuple[Instrument, ...], oracle: Market) -> None:
    for k, inst in enumerate(instruments):
        if inst.kind == "option" and oracle.version < 2 and oracle.vol[inst.underlying] <= 0:
            raise InputError("<oracle>", f"prices.{inst.underlying}.implied_vol",
                             f"zero implied vol but option instruments[{k}] {inst.id} is listed on it")


def check_marks_consistent(instruments: tuple[Instrument, ...], market: Market, params: RiskParams,
                           file: str = "<oracle>") -> None:
    """Circuit breaker: each option's median mark price is Black-76 at its median mark vol, to
    ``marks.max_model_deviation`` times the forward (a source pair quoting inconsistent price and
    vol stops the run, ``OracleHalt`` naming the option)."""
    if market.version < 2:
        return
    tol = params.rulebook.marks.max_model_deviation
    for inst in instruments:
        if inst.kind != "option":
            continue
        mark = market.marks[inst.id]
        with localcontext(Context(prec=PRECISION)):  # exact path: the same verdict everywhere
            F0 = forward_of(inst, market)
            model = black76.price_exact(F0, inst.strike, years_to(inst.expiry, market.snapshot_time),
                                        market.risk_free_rate, mark.vol, inst.right == "call")
            off = abs(model - mark.price) > tol * F0
        if off:
            raise OracleHalt(file, f"marks.{inst.id}", f"mark price {mark.price} and mark vol {mark.vol} "
                             f"disagree: Black-76 gives {model:.6f} (max {tol} x forward {F0})")


@dataclass(frozen=True)
class UnroundedTable:
    """The exact-path values before rounding, with their exactness flags (for audits and tests)."""

    c: tuple[tuple[tuple[Decimal, bool], ...], ...]
    v: tuple[tuple[tuple[Decimal, bool], ...], ...]
    ml: tuple[tuple[Decimal, bool], ...]
    ms: tuple[tuple[Decimal, bool], ...]

    @property
    def m(self) -> tuple[tuple[Decimal, bool], ...]:
        """The circuit's short floor ``m`` is the short requirement ``ms``."""
        return self.ms


PARALLEL_MIN_ENTRIES = 4000  # below this many option entries one process is faster than a pool
_ROW_JOB: list = []  # the row function handed to forked workers (set only while a pool runs)


def _run_rows(items: list) -> list:
    return [_ROW_JOB[0](item) for item in items]


def _map_rows(fn, items: tuple, n_cols: int, workers: int | None) -> tuple:
    """``tuple(fn(x) for x in items)``, on ``workers`` forked processes for a large universe.

    Each entry is computed on its own in a fixed decimal context, so the result does not depend
    on how the rows are split; only the wall time does."""
    n_opt = sum(1 for i in items if i.kind == "option") * n_cols
    workers = min(os.cpu_count() or 1, 8) if workers is None else workers
    if workers <= 1 or n_opt < PARALLEL_MIN_ENTRIES or "fork" not in mp.get_all_start_methods():
        return tuple(fn(x) for x in items)
    chunks = [list(items[k::workers * 4]) for k in range(workers * 4)]
    _ROW_JOB[:] = [fn]
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            done = list(pool.map(_run_rows, chunks))
    finally:
        _ROW_JOB.clear()
    out = [None] * len(items)
    for k, rows in enumerate(done):
        out[k::workers * 4] = rows
    return tuple(out)


def _asset_column(per_coin, params: RiskParams, market: Market,
                  states: list[MarketState]) -> tuple[tuple[tuple[Decimal, bool], ...], ...]:
    """``per_coin`` (``collateral_per_coin`` for ``c``, ``debt_per_coin`` for ``d``) of every
    asset in every scenario, in value units per base unit, unrounded, with exactness flags."""
    e = params.value_unit_exponent

    def entry(a: AssetParams, st: MarketState) -> tuple[Decimal, bool]:
        x, exact = evaluate(lambda: _scale(per_coin(a.symbol, st, params, market), a.decimals, e))
        return x, exact and st.exact[a.symbol]

    return tuple(tuple(entry(a, st) for st in states) for a in params.assets)


def debt_column(params: RiskParams, oracle: Oracle) -> tuple[tuple[int, ...], ...]:
    """The venue's debt column ``d[a][s]`` (A x (K + 1)): what one base unit of debt in asset
    ``a`` costs in scenario ``s``, ``ceil(X + EPS)`` of ``X = debt_per_coin`` (the coin's value
    times ``1 + borrow_haircut``), by the same path as ``c``. Rounding up overstates debt, and
    ``d >= X >= X_c >= c`` (``1 + h >= 1 - haircut``) in every scenario. Not part of the v1
    table bytes: the venue statement publishes it in ``VenueTables`` (docs/formats.md §8.3)."""
    market = market_from_v1(oracle)
    x = _asset_column(debt_per_coin, params, market, market_states(market, params))
    return tuple(tuple(_ceil(*x[a][s], f"d[{asset.symbol}][{s}]") for s in range(len(x[a])))
                 for a, asset in enumerate(params.assets))


def unrounded_table(params: RiskParams, instruments: tuple[Instrument, ...], oracle: Oracle,
                    instruments_file: str = "<instruments>", workers: int | None = None) -> UnroundedTable:
    """Revalue every asset and instrument under every scenario, in value units, unrounded
    (``workers`` processes for a large universe: default all cores, at most 8)."""
    market = market_from_v1(oracle)
    check_not_expired(instruments, market.snapshot_time, instruments_file)
    _check_option_vols(instruments, market)
    check_marks_consistent(instruments, market, params)
    e = params.value_unit_exponent
    states = market_states(market, params)
    smiles = build_smiles(instruments, market)

    factors: dict[int, tuple[Decimal, ...]] = {}  # vol factor per scenario, by expiry

    def v_row(i: Instrument) -> tuple[tuple[Decimal, bool], ...]:
        if i.kind != "option":
            return tuple(v_entry(i, st) for st in states)
        oi = option_inputs(i, market, smiles)
        if i.expiry not in factors:
            factors[i.expiry] = tuple(evaluate(lambda st=st: vol_factor(st.scenario, oi.days, params))[0]
                                      for st in states)
        fs = factors[i.expiry]
        v0 = evaluate(lambda: option_per_coin(oi, states[0], i.underlying, params))[0]
        # option values are transcendental: always treated as inexact (EPS, against the protocol)
        return tuple((evaluate(lambda s=s, st=st: _scale(v0 if s == 0 else option_per_coin(
            oi, st, i.underlying, params, v0, fs[s]), i.position_decimals, e))[0], False)
            for s, st in enumerate(states))

    def v_entry(i: Instrument, st: MarketState) -> tuple[Decimal, bool]:
        x, exact = evaluate(lambda: _scale(instrument_per_coin(i, st, market, params, smiles),
                                           i.position_decimals, e))
        return x, exact and st.exact[i.underlying]

    def req_entries(k: int, i: Instrument) -> tuple[tuple[Decimal, bool], tuple[Decimal, bool]]:
        try:
            requirement_per_coin(i, market, params)
        except KeyError:
            raise InputError("<params>", f"maintenance.{i.kind}.{i.underlying}",
                             f"missing, but instruments[{k}] {i.id} is listed") from None
        return tuple(evaluate(lambda j=j: _scale(requirement_per_coin(i, market, params)[j],
                                                 i.position_decimals, e)) for j in (0, 1))

    reqs = [req_entries(k, i) for k, i in enumerate(instruments)]
    return UnroundedTable(
        c=_asset_column(collateral_per_coin, params, market, states),
        v=_map_rows(v_row, instruments, len(states), workers),
        ml=tuple(r[0] for r in reqs), ms=tuple(r[1] for r in reqs),
    )


def build_risk_table(params: RiskParams, instruments: tuple[Instrument, ...], oracle: Oracle,
                     instruments_file: str = "<instruments>", workers: int | None = None) -> RiskTable:
    """The integer table: ``unrounded_table`` rounded in the protocol's disfavour and bounded."""
    x = unrounded_table(params, instruments, oracle, instruments_file, workers)
    S = params.n_scenarios + 1
    ms = tuple(_ceil(*x.ms[i], f"ms[{inst.id}]") for i, inst in enumerate(instruments))
    return RiskTable(
        value_unit_exponent=params.value_unit_exponent, snapshot_time=oracle.snapshot_time,
        assets=tuple((a.symbol, a.decimals) for a in params.assets),
        instruments=tuple(descriptor(i) for i in instruments),
        scenarios=tuple(sc.label for sc in scenario_grid(params)),
        # c and option values are >= 0 analytically, so max(0, .) stays <= X: EPS never makes a
        # worthless far-out-of-the-money option (or collateral) a liability of -1.
        c=tuple(tuple(max(0, _floor(*x.c[a][s], f"c[{asset.symbol}][{s}]")) for s in range(S))
                for a, asset in enumerate(params.assets)),
        v=tuple(tuple(_nonneg(inst, _floor(*x.v[i][s], f"v[{inst.id}][{s}]")) for s in range(S))
                for i, inst in enumerate(instruments)),
        m=ms,
        ml=tuple(_ceil(*x.ml[i], f"ml[{inst.id}]") for i, inst in enumerate(instruments)),
        ms=ms,
    )
