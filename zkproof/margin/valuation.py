"""Revaluation of collateral and instruments under one scenario, in quote units (USD) per coin.

Exact (``Decimal``) values feed the integer table; the float (numpy) mirror feeds reports and
the cross-check test. Conventions (docs/formats.md §7), with ``rho = S_s / S_0`` the scenario's
spot ratio of the underlying and ``f`` its cover (1 except in tail scenarios):

* collateral: ``S_0 (1 - haircut) (1 + f (rho - 1))`` (``S_s (1 - haircut)`` when ``f = 1``).
* perpetual: ``f S_0 (rho - 1)`` (mark-to-market PnL; settled PnL and funding are in balances).
* future: ``f F_0 (rho - 1)`` with ``F_0`` the marked forward to its expiry (format 1:
  ``S_0 e^{rT}``): the forward moves with spot at a fixed basis.
* option: ``V_0 + f (V_s - V_0)`` (``V_s`` when ``f = 1``), ``V = Black-76(F, K, T, r, sigma)``
  at ``F_s = F_0 rho``, ``T`` from the snapshot time (the shock is instantaneous), and
  ``sigma_s = base * vol_factor(T)`` (``scenarios.vol_factor``), where ``base`` is the option's own
  mark vol when ``rho = 1`` and otherwise the smile of its expiry at the moved log-moneyness
  ``k = ln(K / F_s)`` (sticky moneyness: the smile moves with the forward).

The smile of one underlying and expiry (``Smile``): one node per marked strike ``K_j`` at
``k_j = ln(K_j / F_0)`` with variance ``sigma_j^2``, ``sigma_j`` the mean of the mark vols at that
strike (call and put); between nodes the variance is linear in ``k`` (so is the total variance
``sigma^2 T``), beyond the first and last node it is flat:
``sigma(k) = sqrt(v_a + (v_b - v_a) (k - k_a) / (k_b - k_a))`` for ``k_a <= k <= k_b``. Each
listed option has its own mark, so every expiry has its smile and nothing is interpolated across
expiries. Format 1 has one flat vol per underlying (``oracle.vol``).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

import numpy as np

from zkproof.margin import black76
from zkproof.margin.exact import PRECISION, evaluate, precise
from zkproof.margin.scenarios import MarketState, Scenario, vol_factor
from zkproof.snapshot.instruments import Instrument
from zkproof.snapshot.marks import Market
from zkproof.snapshot.params import RiskParams

SECONDS_PER_YEAR = 365 * 86400
SECONDS_PER_DAY = 86400


def years_to(expiry: int, t0: int) -> Decimal:
    with precise():
        return Decimal(expiry - t0) / SECONDS_PER_YEAR


@dataclass(frozen=True)
class Smile:
    """Nodes of one expiry's smile: ``k`` increasing, ``var = sigma^2`` (module docstring)."""

    ks: tuple[Decimal, ...]
    var: tuple[Decimal, ...]

    def vol(self, k: Decimal) -> Decimal:
        """``sigma(k)``; call inside an ``exact.evaluate``/``precise`` context."""
        j = bisect.bisect_left(self.ks, k)
        if j < len(self.ks) and self.ks[j] == k:
            return self.var[j].sqrt()
        if j == 0:
            return self.var[0].sqrt()
        if j == len(self.ks):
            return self.var[-1].sqrt()
        ka, kb, va, vb = self.ks[j - 1], self.ks[j], self.var[j - 1], self.var[j]
        return (va + (vb - va) * (k - ka) / (kb - ka)).sqrt()

    def vol_float(self, k: float) -> float:
        ks = np.array([float(x) for x in self.ks])
        var = np.array([float(x) for x in self.var])
        return float(np.sqrt(np.interp(k, ks, var)))


def forward_of(inst: Instrument, market: Market) -> Decimal:
    """``F_0`` to the instrument's expiry: the marked forward, or ``S_0 e^{rT}`` for format 1."""
    if market.version >= 2:
        return market.forwards[(inst.underlying, inst.expiry)]
    with precise():
        T = years_to(inst.expiry, market.snapshot_time)
        return +(market.spot[inst.underlying] * (market.risk_free_rate * T).exp())


def mark_vol(inst: Instrument, market: Market) -> Decimal:
    return market.marks[inst.id].vol if market.version >= 2 else market.vol[inst.underlying]


def build_smiles(instruments: tuple[Instrument, ...], market: Market) -> dict[tuple[str, int], Smile]:
    """One ``Smile`` per underlying and expiry with options (format 2), in a fixed context."""
    if market.version < 2:
        return {}
    strikes: dict[tuple[str, int], dict[Decimal, list[Decimal]]] = {}
    for inst in instruments:
        if inst.kind == "option":
            strikes.setdefault((inst.underlying, inst.expiry), {}).setdefault(inst.strike, []).append(
                market.marks[inst.id].vol)
    out = {}
    with localcontext(Context(prec=PRECISION)):
        for key, nodes in strikes.items():
            F0 = market.forwards[key]
            pts = sorted(((K / F0).ln(), (sum(vs) / len(vs)) ** 2) for K, vs in nodes.items())
            out[key] = Smile(tuple(k for k, _ in pts), tuple(v for _, v in pts))
    return out


def collateral_per_coin(symbol: str, st: MarketState, params: RiskParams, market: Market,
                        keep: Decimal | None = None) -> Decimal:
    """One coin of ``symbol`` in scenario ``st`` times ``keep`` (default ``1 - haircut``: the
    collateral value ``c``; ``debt_per_coin`` passes ``1 + borrow_haircut``). A tail scenario
    counts ``cover`` of the move's change of value."""
    with precise():
        keep = 1 - params.asset(symbol).haircut if keep is None else keep
        if st.scenario.cover == 1:
            return +(st.spot[symbol] * keep)
        return +(market.spot[symbol] * keep * (1 + st.scenario.cover * (st.ratio[symbol] - 1)))


def debt_per_coin(symbol: str, st: MarketState, params: RiskParams, market: Market) -> Decimal:
    """What one coin of debt in ``symbol`` costs in scenario ``st``: the coin's value times
    ``1 + borrow_haircut`` (venue params; 0 without them), so ``debt >= collateral`` per coin."""
    h = params.venue.borrow_haircut if params.venue is not None else 0
    return collateral_per_coin(symbol, st, params, market, 1 + h)


@dataclass(frozen=True)
class OptionInputs:
    """The per-option quantities every scenario shares, computed once (``option_inputs``)."""

    F0: Decimal
    K: Decimal
    T: Decimal
    sqrt_T: Decimal
    disc: Decimal  # e^{-rT}
    k0: Decimal  # ln(K / F0)
    vol0: Decimal  # the option's own mark vol
    days: Decimal  # (expiry - snapshot time) / 86400
    call: bool
    smile: Smile | None


def option_inputs(inst: Instrument, market: Market, smiles: dict[tuple[str, int], Smile]) -> OptionInputs:
    with localcontext(Context(prec=PRECISION)):
        F0 = forward_of(inst, market)
        T = years_to(inst.expiry, market.snapshot_time)
        return OptionInputs(F0, inst.strike, T, T.sqrt(), (-market.risk_free_rate * T).exp(),
                            (inst.strike / F0).ln(), mark_vol(inst, market),
                            Decimal(inst.expiry - market.snapshot_time) / SECONDS_PER_DAY,
                            inst.right == "call", smiles.get((inst.underlying, inst.expiry)))


def option_value(oi: OptionInputs, st: MarketState, u: str, params: RiskParams,
                 factor: Decimal | None = None) -> Decimal:
    """``V_s`` (before cover) of one coin of an option; call inside ``exact.evaluate``.

    ``F_s = F0 rho``, ``k_s = k0 - ln(rho)`` (``k0`` when ``rho = 1``), ``sigma_s = base *
    vol_factor`` with ``base`` the own mark vol when ``rho = 1``, else the smile at ``k_s``."""
    with precise():
        rho, sc = st.ratio[u], st.scenario
        if rho == 1:
            Fs, k, base = oi.F0, oi.k0, oi.vol0
        else:
            Fs, k = oi.F0 * rho, oi.k0 - st.ln_ratio[u]
            base = oi.smile.vol(k) if oi.smile is not None else oi.vol0
        if sc.vol_shock != 0:
            sigma = base * (vol_factor(sc, oi.days, params) if factor is None else factor)
        else:
            sigma = base
        return black76.price_from_moneyness(k, Fs, oi.K, oi.T, oi.sqrt_T, oi.disc, sigma, oi.call)


def option_per_coin(oi: OptionInputs, st: MarketState, u: str, params: RiskParams,
                    v0: Decimal | None = None, factor: Decimal | None = None) -> Decimal:
    """``V_0 + f (V_s - V_0)`` (``V_s`` when the cover ``f`` is 1); ``v0`` the mark value and
    ``factor`` the scenario's ``vol_factor`` at this expiry, if already known."""
    vs = option_value(oi, st, u, params, factor)
    f = st.scenario.cover
    if f == 1:
        return vs
    with precise():
        v0 = option_value(oi, _mark_of(st), u, params) if v0 is None else v0
        return +(v0 + f * (vs - v0))


def instrument_per_coin(inst: Instrument, st: MarketState, market: Market, params: RiskParams,
                        smiles: dict[tuple[str, int], Smile]) -> Decimal:
    """Value of a long position of one coin of underlying (negative = a liability)."""
    u = inst.underlying
    f = st.scenario.cover
    with precise():
        if inst.kind == "perpetual":
            return +(f * market.spot[u] * (st.ratio[u] - 1))
        if inst.kind == "future" and st.ratio[u] == 1:
            return Decimal(0)  # exactly 0 at an unmoved spot: do not let the forward's rounding in
        if inst.kind == "future":
            return +(f * forward_of(inst, market) * (st.ratio[u] - 1))
    return option_per_coin(option_inputs(inst, market, smiles), st, u, params)


def _mark_of(st: MarketState) -> MarketState:
    one = {a: Decimal(1) for a in st.ratio}
    zero = {a: Decimal(0) for a in st.ratio}
    return MarketState(Scenario(0, Decimal(0), Decimal(0)), dict(st.spot), one, dict(st.exact), dict(st.vol),
                       zero)


def requirement_per_coin(inst: Instrument, market: Market, params: RiskParams) -> tuple[Decimal, Decimal]:
    """``(ml, ms)``: maintenance at mark per coin held long / short (docs/formats.md §8).

    Format 2: perpetual ``maintenance.perpetual[u] * S_0``, future ``maintenance.future[u] * F_0``
    (long and short alike), option ``option_long * S_0`` / ``option_short * S_0``. Format 1:
    ``(0, short_floor[kind] * S_0)``. Raises ``KeyError`` for a missing fraction."""
    u, S0 = inst.underlying, market.spot[inst.underlying]
    rb = params.rulebook
    with precise():
        if rb is None:
            return Decimal(0), +(params.short_floor[inst.kind] * S0)
        if inst.kind == "perpetual":
            x = rb.perpetual[u] * S0
            return +x, +x
        if inst.kind == "future":
            x = rb.future[u] * forward_of(inst, market)
            return +x, +x
        return +(rb.option_long * S0), +(rb.option_short * S0)


def float_instrument_per_coin(inst: Instrument, st: MarketState, market: Market, params: RiskParams,
                              smiles: dict[tuple[str, int], Smile]) -> float:
    """The float64 mirror of :func:`instrument_per_coin` (numpy/scipy path)."""
    u = inst.underlying
    rho, f, sc = float(st.ratio[u]), float(st.scenario.cover), st.scenario
    if inst.kind == "perpetual":
        return f * float(market.spot[u]) * (rho - 1)
    F0 = float(forward_of(inst, market))
    if inst.kind == "future":
        return f * F0 * (rho - 1)
    T = (inst.expiry - market.snapshot_time) / SECONDS_PER_YEAR
    r, call, K = float(market.risk_free_rate), inst.right == "call", float(inst.strike)
    v0 = float(black76.price(F0, K, T, r, float(mark_vol(inst, market)), call))
    if sc.index == 0:
        return v0
    base = float(mark_vol(inst, market))
    if rho != 1 and market.version >= 2:
        base = smiles[(u, inst.expiry)].vol_float(float(np.log(K / (F0 * rho))))
    days = Decimal(inst.expiry - market.snapshot_time) / SECONDS_PER_DAY
    sigma = base * float(evaluate(lambda: vol_factor(sc, days, params))[0])
    vs = float(black76.price(F0 * rho, K, T, r, sigma, call))
    return v0 + f * (vs - v0)


def greeks(inst: Instrument, market: Market) -> dict[str, float]:
    """Mark price and Greeks of an option per coin of underlying, in trader units (``black76``)."""
    T = (inst.expiry - market.snapshot_time) / SECONDS_PER_YEAR
    return black76.greeks(float(market.spot[inst.underlying]), float(forward_of(inst, market)),
                          float(inst.strike), T, float(market.risk_free_rate),
                          float(mark_vol(inst, market)), inst.right == "call")
