"""Black-76: European options on the forward, exact (``Decimal``) and float (numpy/scipy).

Model (Black 1976; Hull, *Options, Futures and Other Derivatives*, ch. 18): forward ``F`` to the
expiry, strike ``K``, time ``T`` in years, continuously compounded rate ``r`` (discount
``D = e^{-rT}``), volatility ``sigma``::

    d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt T),   d2 = d1 - sigma sqrt T
    call = D (F N(d1) - K N(d2)),   put = D (K N(-d2) - F N(-d1))

``price_exact`` evaluates exactly these expressions, in this order, in ``Decimal`` at
``exact.PRECISION`` digits with the normal CDF of ``black_scholes.norm_cdf_exact`` (an all-positive
series: no libm). The table is rounded from it (docs/formats.md §7, §9).

Greeks for reports, in the units traders read (``greeks``): ``delta`` in coin per coin of
underlying, ``dV/dS = D N(d1) F/S`` for a call (``D (N(d1) - 1) F/S`` for a put; the forward
moves with spot at a fixed basis), ``gamma`` in coin per quote unit (``D phi(d1) F/(S^2 sigma
sqrt T)``), ``vega`` in quote units per vol point (``D F phi(d1) sqrt T / 100``), ``theta`` in
quote units per day at a fixed forward (``(-D F phi(d1) sigma / (2 sqrt T) + r V) / 365``).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from scipy.special import ndtr

from zkproof.margin.black_scholes import norm_cdf_exact
from zkproof.margin.exact import precise

DAYS_PER_YEAR = 365


def price_exact(F: Decimal, K: Decimal, T: Decimal, r: Decimal, sigma: Decimal, is_call: bool) -> Decimal:
    """Black-76 price in ``Decimal`` (``F, K, T, sigma > 0``)."""
    with precise():
        return price_from_moneyness((K / F).ln(), F, K, T, T.sqrt(), (-r * T).exp(), sigma, is_call)


def price_from_moneyness(k: Decimal, F: Decimal, K: Decimal, T: Decimal, sqrt_T: Decimal, disc: Decimal,
                         sigma: Decimal, is_call: bool) -> Decimal:
    """Black-76 from precomputed ``k = ln(K/F)``, ``sqrt(T)`` and ``disc = e^{-rT}``, in this order::

        sq = sigma * sqrt_T;  d1 = (sigma * sigma * T / 2 - k) / sq;  d2 = d1 - sq
        call = disc * (F * N(d1) - K * N(d2));  put = disc * (K * N(-d2) - F * N(-d1))
    """
    with precise():
        sq = sigma * sqrt_T
        d1 = (sigma * sigma * T / 2 - k) / sq
        d2 = d1 - sq
        if is_call:
            return +(disc * (F * norm_cdf_exact(d1) - K * norm_cdf_exact(d2)))
        return +(disc * (K * norm_cdf_exact(-d2) - F * norm_cdf_exact(-d1)))


def _d(F, K, T, sigma):
    F, K, T, sigma = (np.asarray(x, dtype=np.float64) for x in (F, K, T, sigma))
    sq = sigma * np.sqrt(T)
    d1 = (np.log(F / K) + 0.5 * sigma * sigma * T) / sq
    return d1, d1 - sq


def price(F, K, T, r, sigma, is_call) -> np.ndarray:
    """Black-76 price (float64, vectorised; ``is_call`` a bool or bool array)."""
    d1, d2 = _d(F, K, T, sigma)
    disc = np.exp(-np.asarray(r, dtype=np.float64) * np.asarray(T, dtype=np.float64))
    return np.where(is_call, disc * (F * ndtr(d1) - K * ndtr(d2)), disc * (K * ndtr(-d2) - F * ndtr(-d1)))


def greeks(S: float, F: float, K: float, T: float, r: float, sigma: float, is_call: bool) -> dict[str, float]:
    """Price and Greeks per coin of underlying, in trader units (module docstring)."""
    d1, _ = (float(x) for x in _d(F, K, T, sigma))
    disc = float(np.exp(-r * T))
    pdf = float(np.exp(-0.5 * d1 * d1) / np.sqrt(2 * np.pi))
    value = float(price(F, K, T, r, sigma, is_call))
    nd1 = float(ndtr(d1))
    return {
        "price": value,
        "delta_coin": disc * (nd1 if is_call else nd1 - 1.0) * F / S,
        "gamma_coin_per_quote": disc * pdf * F / (S * S * sigma * np.sqrt(T)),
        "vega_per_vol_point": disc * F * pdf * np.sqrt(T) / 100.0,
        "theta_per_day": (-disc * F * pdf * sigma / (2.0 * np.sqrt(T)) + r * value) / DAYS_PER_YEAR,
    }
