"""Revaluation of collateral and instruments under one scenario, in quote units (USD).

Exact (``Decimal``) values feed the integer table; the float (numpy) mirror feeds reports and
the cross-check test. Conventions (docs/formats.md §valuation):

* collateral: one coin of asset ``a`` is worth ``S_s[a] * (1 - haircut[a])``.
* option: Black-Scholes value of one coin of underlying at ``(S_s, sigma_s)`` with the time to
  expiry measured from the snapshot time (the shock is instantaneous: no time decay).
* perpetual: mark-to-market PnL against the current mark, ``S_s - S_0`` per coin (settled
  funding and PnL are already in the balances, so the value at the mark is 0).
* future: ``F_s - F_0`` per coin, with ``F = S * exp(r T)`` (cost of carry, no yield).

A position unit is ``10^-position_decimals`` coin; an asset base unit ``10^-decimals`` coin.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from zkproof.margin import black_scholes as bs
from zkproof.margin.exact import precise
from zkproof.margin.scenarios import MarketState
from zkproof.snapshot.instruments import Instrument
from zkproof.snapshot.oracle import Oracle
from zkproof.snapshot.params import RiskParams

SECONDS_PER_YEAR = 365 * 86400


def years_to(expiry: int, t0: int) -> Decimal:
    with precise():
        return Decimal(expiry - t0) / SECONDS_PER_YEAR


def collateral_per_coin(symbol: str, st: MarketState, params: RiskParams) -> Decimal:
    with precise():
        return +(st.spot[symbol] * (1 - params.asset(symbol).haircut))


def instrument_per_coin(inst: Instrument, st: MarketState, mark: MarketState, oracle: Oracle) -> Decimal:
    """Value of a long position of one coin of underlying (negative = a liability)."""
    u = inst.underlying
    with precise():
        move = st.spot[u] - mark.spot[u]
        if inst.kind == "perpetual" or (inst.kind == "future" and move == 0):
            return +move  # a future is exactly 0 at the mark: do not let the carry factor round it
        T = years_to(inst.expiry, oracle.snapshot_time)
        if inst.kind == "future":
            return +(move * (oracle.risk_free_rate * T).exp())
        call = inst.right == "call"
        return bs.price_exact(st.spot[u], inst.strike, T, oracle.risk_free_rate, st.vol[u], call)


def float_instrument_per_coin(inst: Instrument, st: MarketState, mark: MarketState, oracle: Oracle) -> float:
    """The float64 mirror of :func:`instrument_per_coin` (numpy/scipy path)."""
    u = inst.underlying
    S, S0 = float(st.spot[u]), float(mark.spot[u])
    if inst.kind == "perpetual":
        return S - S0
    T = (inst.expiry - oracle.snapshot_time) / SECONDS_PER_YEAR
    r = float(oracle.risk_free_rate)
    if inst.kind == "future":
        return (S - S0) * float(np.exp(r * T))
    return float(bs.price(S, float(inst.strike), T, r, float(st.vol[u]), inst.right == "call"))


def greeks(inst: Instrument, mark: MarketState, oracle: Oracle) -> dict[str, float]:
    """Mark price and Greeks of an option per coin of underlying (float64)."""
    u = inst.underlying
    args = (float(mark.spot[u]), float(inst.strike), (inst.expiry - oracle.snapshot_time) / SECONDS_PER_YEAR,
            float(oracle.risk_free_rate), float(mark.vol[u]))
    call = inst.right == "call"
    return {"price": float(bs.price(*args, call)), "delta": float(bs.delta(*args, call)),
            "gamma": float(bs.gamma(*args)), "vega": float(bs.vega(*args)),
            "theta": float(bs.theta(*args, call))}
