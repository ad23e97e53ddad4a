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
* ``m[i] = ceil(floor_fraction[kind] * S_0 * 10^(e - position_decimals) + EPS) >= 0``.
* ``EPS = 10^-30`` value units covers the ``Decimal`` computation error (60 digits), so rounding
  stays in the protocol's disfavour even when the exact value is within the error of an
  integer. It is applied only to values whose computation rounded (``exact.evaluate``).
* Every entry satisfies ``|x| < 2^TABLE_BITS`` (``TABLE_BITS = 40``), checked at build time,
  so ``|E| < (A + I) * 2^(64 + 40)``; see the ATTACKS §5 worksheet.

Canonical bytes (``to_bytes``), all integers little-endian, strings ``u16 length + UTF-8``::

    magic "ZKPRISK1" | u32 version=1 | u32 TABLE_BITS | u32 value_unit_exponent
    | i64 snapshot_time | u32 A | u32 I | u32 S (= K + 1)
    | A x (str symbol, u32 decimals) | I x (str descriptor) | S x (str scenario label)
    | c: A*S x i64 (a-major) | v: I*S x i64 (i-major) | m: I x i64

``sha256 = SHA-256(bytes)``; the circuit's public input is ``field_hash = int(sha256, big-endian)
>> 3`` (the top 253 bits, < 2^253 < r).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from zkproof.errors import InputError
from zkproof.formats import risk_table_bytes
from zkproof.formats.risk_table_bytes import decode_table, encode_table
from zkproof.margin.exact import evaluate, precise
from zkproof.margin.scenarios import MarketState, market_states, scenario_grid
from zkproof.margin.valuation import collateral_per_coin, instrument_per_coin
from zkproof.snapshot.instruments import Instrument, check_not_expired
from zkproof.snapshot.oracle import Oracle
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
    m: tuple[int, ...]

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
            "m": [str(x) for x in self.m],
            "sha256": self.sha256().hex(), "field_hash": str(self.field_hash()),
        }


def descriptor(inst: Instrument) -> str:
    """The canonical one-line description of an instrument hashed into the table header."""
    parts = [inst.id, inst.kind, inst.underlying, inst.right or "", str(inst.strike or ""),
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


def _check_option_vols(instruments: tuple[Instrument, ...], oracle: Oracle) -> None:
    for k, inst in enumerate(instruments):
        if inst.kind == "option" and oracle.vol[inst.underlying] <= 0:
            raise InputError("<oracle>", f"prices.{inst.underlying}.implied_vol",
                             f"zero implied vol but option instruments[{k}] {inst.id} is listed on it")


@dataclass(frozen=True)
class UnroundedTable:
    """The exact-path values before rounding, with their exactness flags (for audits and tests)."""

    c: tuple[tuple[tuple[Decimal, bool], ...], ...]
    v: tuple[tuple[tuple[Decimal, bool], ...], ...]
    m: tuple[tuple[Decimal, bool], ...]


def unrounded_table(params: RiskParams, instruments: tuple[Instrument, ...], oracle: Oracle,
                    instruments_file: str = "<instruments>") -> UnroundedTable:
    """Revalue every asset and instrument under every scenario, in value units, unrounded."""
    check_not_expired(instruments, oracle.snapshot_time, instruments_file)
    _check_option_vols(instruments, oracle)
    e = params.value_unit_exponent
    states = market_states(oracle, params)
    mark = states[0]

    def c_entry(a: AssetParams, st: MarketState) -> tuple[Decimal, bool]:
        x, exact = evaluate(lambda: _scale(collateral_per_coin(a.symbol, st, params), a.decimals, e))
        return x, exact and st.exact[a.symbol]

    def v_entry(i: Instrument, st: MarketState) -> tuple[Decimal, bool]:
        x, exact = evaluate(lambda: _scale(instrument_per_coin(i, st, mark, oracle), i.position_decimals, e))
        return x, exact and st.exact[i.underlying] and mark.exact[i.underlying]

    def m_entry(i: Instrument) -> tuple[Decimal, bool]:
        x, exact = evaluate(lambda: _scale(params.short_floor[i.kind] * mark.spot[i.underlying],
                                           i.position_decimals, e))
        return x, exact and mark.exact[i.underlying]

    return UnroundedTable(
        c=tuple(tuple(c_entry(a, st) for st in states) for a in params.assets),
        v=tuple(tuple(v_entry(i, st) for st in states) for i in instruments),
        m=tuple(m_entry(i) for i in instruments),
    )


def build_risk_table(params: RiskParams, instruments: tuple[Instrument, ...], oracle: Oracle,
                     instruments_file: str = "<instruments>") -> RiskTable:
    """The integer table: ``unrounded_table`` rounded in the protocol's disfavour and bounded."""
    x = unrounded_table(params, instruments, oracle, instruments_file)
    S = params.n_scenarios + 1
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
        m=tuple(_ceil(*x.m[i], f"m[{inst.id}]") for i, inst in enumerate(instruments)),
    )
