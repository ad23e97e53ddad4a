"""Black-76 prices and Greeks against independent references (SPEC §3, issue 12).

References: QuantLib's ``BlackCalculator`` (an independent C++ implementation, PyPI wheel) on a
grid of strikes, expiries and vols for the float path and the Greeks; mpmath at 80 digits for the
exact (``Decimal``) path; finite differences for theta (QuantLib's theta assumes a spot model).
"""

from __future__ import annotations

from decimal import Decimal as D

import mpmath
import numpy as np
import pytest

from zkproof.margin import black76

QuantLib = pytest.importorskip("QuantLib")

GRID = [(F, K, T, sigma) for F in (3000.0,) for K in (1500.0, 2550.0, 3000.0, 3450.0, 6000.0)
        for T in (7 / 365, 0.25, 1.25) for sigma in (0.2, 0.65, 1.5)]
R = 0.04


def _ql(F, K, T, sigma, call):
    kind = QuantLib.Option.Call if call else QuantLib.Option.Put
    payoff = QuantLib.PlainVanillaPayoff(kind, K)
    return QuantLib.BlackCalculator(payoff, F, sigma * float(np.sqrt(T)), float(np.exp(-R * T)))


@pytest.mark.parametrize("F,K,T,sigma", GRID)
def test_price_and_greeks_match_quantlib(F, K, T, sigma):
    """Price to 1e-10 of F; delta (coin), gamma, vega (per vol point) to 1e-9 relative + tiny abs.
    Spot S = F e^{-0.06 T} (a 6 % basis): delta_coin = deltaForward * F / S."""
    S = F * np.exp(-0.06 * T)
    for call in (True, False):
        ref = _ql(F, K, T, sigma, call)
        assert float(black76.price(F, K, T, R, sigma, call)) == pytest.approx(ref.value(), abs=1e-10 * F)
        g = black76.greeks(S, F, K, T, R, sigma, call)
        assert g["delta_coin"] == pytest.approx(ref.deltaForward() * F / S, rel=1e-9, abs=1e-12)
        gamma = ref.gammaForward() * (F / S) ** 2
        assert g["gamma_coin_per_quote"] == pytest.approx(gamma, rel=1e-9, abs=1e-15)
        assert g["vega_per_vol_point"] == pytest.approx(ref.vega(T) / 100, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("F,K,T,sigma", GRID[::4])
def test_theta_per_day_is_the_time_derivative(F, K, T, sigma):
    """theta_per_day = -dV/dT / 365 at a fixed forward (central difference, 1e-5 relative)."""
    h = T * 1e-5
    for call in (True, False):
        up, down = (float(black76.price(F, K, t, R, sigma, call)) for t in (T + h, T - h))
        fd = -(up - down) / (2 * h * 365)
        g = black76.greeks(F, F, K, T, R, sigma, call)["theta_per_day"]
        assert g == pytest.approx(fd, rel=1e-5, abs=1e-9 * F)


def test_wrong_model_is_caught_by_quantlib():
    """Bad twin: Black-Scholes on the forward as if it were spot (no basis) differs from
    QuantLib's Black-76 by far more than the tolerance above."""
    F, K, T, sigma = 3000.0, 3000.0, 1.25, 0.65
    wrong = float(black76.price(F * np.exp(R * T), K, T, R, sigma, True))
    assert abs(wrong - _ql(F, K, T, sigma, True).value()) > 1.0


def _mp_black76(F, K, T, r, sigma, call):
    with mpmath.workdps(80):
        F, K, T, r, sigma = (mpmath.mpf(str(x)) for x in (F, K, T, r, sigma))
        sq = sigma * mpmath.sqrt(T)
        d1 = (mpmath.log(F / K) + sigma**2 * T / 2) / sq
        d2 = d1 - sq
        disc = mpmath.exp(-r * T)
        if call:
            return disc * (F * mpmath.ncdf(d1) - K * mpmath.ncdf(d2))
        return disc * (K * mpmath.ncdf(-d2) - F * mpmath.ncdf(-d1))


@pytest.mark.parametrize("F,K,T,sigma", GRID[::3])
def test_exact_path_matches_mpmath_to_1e_40(F, K, T, sigma):
    """The Decimal path (60 digits) equals mpmath's Black-76 (80 digits) to 1e-40 of F: the
    computation error is 10 orders of magnitude below EPS (1e-30 value units = 1e-42 USD at
    e = 12, relative to prices of order 1e3 USD per coin: docs/formats.md §9)."""
    for call in (True, False):
        ours = black76.price_exact(D(repr(F)), D(repr(K)), D(repr(T)), D("0.04"), D(repr(sigma)), call)
        ref = _mp_black76(F, K, T, "0.04", sigma, call)
        with mpmath.workdps(80):
            assert abs(mpmath.mpf(str(ours)) - ref) <= mpmath.mpf("1e-40") * F


def test_put_call_parity_on_the_forward():
    """C - P = D (F - K) exactly to 1e-45 in the Decimal path."""
    F, K, T, r, s = D(3000), D(3450), D("0.25"), D("0.04"), D("0.65")
    c = black76.price_exact(F, K, T, r, s, True)
    p = black76.price_exact(F, K, T, r, s, False)
    assert abs(c - p - (-r * T).exp() * (F - K)) < D("1e-45")


@pytest.mark.parametrize("K", ["1500", "3000", "6000"])
def test_black76_on_the_carry_forward_is_black_scholes(K):
    """With F = S e^{rT} (no basis) Black-76 is Black-Scholes on spot: the two exact paths, with
    their different formulas, agree to 1e-45 of S."""
    from decimal import Context, localcontext

    from zkproof.margin import black_scholes as bs

    S, T, r, s = D(3000), D("0.3"), D("0.04"), D("0.65")
    with localcontext(Context(prec=60)):
        F = S * (r * T).exp()
    for call in (True, False):
        a = black76.price_exact(F, D(K), T, r, s, call)
        b = bs.price_exact(S, D(K), T, r, s, call)
        assert abs(a - b) < D("1e-45") * S
