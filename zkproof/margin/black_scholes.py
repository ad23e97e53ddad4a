"""Black-Scholes prices and Greeks on spot, and the exact normal CDF shared with ``black76``.

The risk table values options with ``black76`` on the marked forward (format 1 included, with
``F = S e^{rT}``); the spot form here is its tested reference (``tests/test_black76.py``: the two
agree to 1e-45 at ``F = S e^{rT}``) and the home of ``norm_cdf_exact``, in two implementations
that are tested against each other:

* ``price``, ``delta``, ``gamma``, ``vega``, ``theta``: numpy float64, vectorised, normal CDF from
  ``scipy.special.ndtr``. For reports, Greeks and the float cross-check of the table.
* ``price_exact``: ``decimal.Decimal`` at ``PRECISION`` significant digits. The integer risk
  table is rounded from these values, never from floats: ``Decimal`` ``exp``/``ln``/``sqrt`` are
  correctly rounded by libmpdec on every platform, and the normal CDF below is a series of
  positive terms, so the table bytes do not depend on the machine's libm (SPEC §1: "any auditor
  can recompute it byte for byte").

Model (Black & Scholes 1973; Hull, *Options, Futures and Other Derivatives*, ch. 15/19):
European option, spot ``S``, strike ``K``, time to expiry ``T`` in years, continuously
compounded risk-free rate ``r``, no dividends, volatility ``sigma``::

    d1 = (ln(S/K) + (r + sigma^2/2) T) / (sigma sqrt(T)),   d2 = d1 - sigma sqrt(T)
    call = S N(d1) - K e^{-rT} N(d2),   put = K e^{-rT} N(-d2) - S N(-d1)

Greeks (per unit of underlying; vega per 1.00 of vol; theta per year, value change as time
passes, i.e. ``-dV/dT``): delta_call = N(d1), delta_put = N(d1) - 1, gamma = phi(d1)/(S sigma
sqrt T), vega = S phi(d1) sqrt T, theta_call = -S phi(d1) sigma/(2 sqrt T) - r K e^{-rT} N(d2),
theta_put = -S phi(d1) sigma/(2 sqrt T) + r K e^{-rT} N(-d2).
"""

from __future__ import annotations

from decimal import Context, Decimal, localcontext

import numpy as np
from scipy.special import ndtr

from zkproof.margin.exact import PRECISION, precise

NORM_CLAMP = Decimal(14)  # |x| > 14: N(x) is 0 or 1 (1 - N(14) < 1e-44)

ArrayLike = np.ndarray | float


def _d1_d2(S, K, T, r, sigma):
    S, K, T, r, sigma = (np.asarray(x, dtype=np.float64) for x in (S, K, T, r, sigma))
    sq = sigma * np.sqrt(T)
    d1 = (np.log(S / K) + (r + 0.5 * sigma * sigma) * T) / sq
    return S, K, T, r, sigma, d1, d1 - sq


def _pdf(x):
    return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)


def price(S, K, T, r, sigma, is_call) -> np.ndarray:
    """Black-Scholes price (float64); ``is_call`` is a bool or a bool array."""
    S, K, T, r, sigma, d1, d2 = _d1_d2(S, K, T, r, sigma)
    disc = K * np.exp(-r * T)
    call = S * ndtr(d1) - disc * ndtr(d2)
    put = disc * ndtr(-d2) - S * ndtr(-d1)
    return np.where(is_call, call, put)


def delta(S, K, T, r, sigma, is_call) -> np.ndarray:
    d1 = _d1_d2(S, K, T, r, sigma)[5]
    return np.where(is_call, ndtr(d1), ndtr(d1) - 1.0)


def gamma(S, K, T, r, sigma) -> np.ndarray:
    S, K, T, r, sigma, d1, _ = _d1_d2(S, K, T, r, sigma)
    return _pdf(d1) / (S * sigma * np.sqrt(T))


def vega(S, K, T, r, sigma) -> np.ndarray:
    S, K, T, r, sigma, d1, _ = _d1_d2(S, K, T, r, sigma)
    return S * _pdf(d1) * np.sqrt(T)


def theta(S, K, T, r, sigma, is_call) -> np.ndarray:
    S, K, T, r, sigma, d1, d2 = _d1_d2(S, K, T, r, sigma)
    decay = -S * _pdf(d1) * sigma / (2.0 * np.sqrt(T))
    carry = r * K * np.exp(-r * T)
    return np.where(is_call, decay - carry * ndtr(d2), decay + carry * ndtr(-d2))


# ---------------------------------------------------------------------------- exact path


def _erf_positive(x: Decimal) -> Decimal:
    """erf(x) for x >= 0 by the all-positive series (Abramowitz & Stegun 7.1.6)::

        erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_{n>=0} 2^n x^(2n+1) / (1*3*...*(2n+1))

    No cancellation, so the relative error stays near the working precision.
    """
    x2 = 2 * x * x
    term = x
    total = x
    n = 0
    eps = Decimal(10) ** (-PRECISION - 5)
    while term > eps * total:
        n += 1
        term = term * x2 / (2 * n + 1)
        total += term
    return 2 / _SQRT_PI * (-(x * x)).exp() * total


_PI = Decimal("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899")
with localcontext(Context(prec=PRECISION)):  # correctly rounded at 60 digits, half-even
    _SQRT_PI = _PI.sqrt()
    _SQRT_2 = Decimal(2).sqrt()


def norm_cdf_exact(x: Decimal) -> Decimal:
    """Standard normal CDF N(x) = (1 + erf(x/sqrt 2)) / 2, clamped to 0/1 beyond |x| > 14."""
    if x > NORM_CLAMP:
        return Decimal(1)
    if x < -NORM_CLAMP:
        return Decimal(0)
    with precise():
        e = _erf_positive(abs(x) / _SQRT_2)
        return +((1 + e) / 2 if x >= 0 else (1 - e) / 2)


def price_exact(S: Decimal, K: Decimal, T: Decimal, r: Decimal, sigma: Decimal, is_call: bool) -> Decimal:
    """Black-Scholes price in ``Decimal`` (all inputs ``Decimal``; ``T, sigma > 0``)."""
    with precise():
        sq = sigma * T.sqrt()
        d1 = ((S / K).ln() + (r + sigma * sigma / 2) * T) / sq
        d2 = d1 - sq
        disc = K * (-r * T).exp()
        if is_call:
            return +(S * norm_cdf_exact(d1) - disc * norm_cdf_exact(d2))
        return +(disc * norm_cdf_exact(-d2) - S * norm_cdf_exact(-d1))
