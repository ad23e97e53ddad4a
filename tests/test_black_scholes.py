"""Black-Scholes prices and Greeks against independent references (SPEC §3, issue 4).

References: Hull's textbook example, put-call parity, central finite differences of the price
for each Greek, scipy's ``ndtr`` for the exact-path normal CDF, and the float path for the exact
(``Decimal``) path. Tolerances are stated in each test.
"""

from __future__ import annotations

import math
from decimal import Context, localcontext
from decimal import Decimal as D

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy.special import ndtr

from zkproof.margin import black_scholes as bs

# Hull, Options Futures and Other Derivatives (8th ed.), Example 15.6: S=42, K=40, r=10%,
# sigma=20%, T=0.5 -> call 4.76, put 0.81.
HULL = dict(S=42.0, K=40.0, T=0.5, r=0.1, sigma=0.2)

markets = st.fixed_dictionaries({
    "S": st.floats(10, 200_000), "K_ratio": st.floats(0.5, 2.0), "T": st.floats(0.01, 3.0),
    "r": st.floats(-0.02, 0.1), "sigma": st.floats(0.05, 2.0),
})


def _args(m):
    return m["S"], m["S"] * m["K_ratio"], m["T"], m["r"], m["sigma"]


def test_hull_textbook_values():
    """Call 4.76 and put 0.81 (Hull ex. 15.6), to the textbook's two decimals; also exact path."""
    args = tuple(HULL.values())
    assert round(float(bs.price(*args, True)), 2) == 4.76
    assert round(float(bs.price(*args, False)), 2) == 0.81
    exact = bs.price_exact(D(42), D(40), D("0.5"), D("0.1"), D("0.2"), True)
    assert abs(exact - D("4.759422392871532")) < D("1e-14")


def test_hull_wrong_inputs_give_other_values():
    """Bad twin: swapping call and put, or the strike, does not reproduce the textbook values."""
    assert round(float(bs.price(42.0, 40.0, 0.5, 0.1, 0.2, False)), 2) != 4.76
    assert round(float(bs.price(40.0, 42.0, 0.5, 0.1, 0.2, True)), 2) != 4.76


@given(markets)
def test_put_call_parity_float(m):
    """C - P = S - K e^{-rT} to 1e-9 relative to S (float64 path)."""
    S, K, T, r, sigma = _args(m)
    lhs = bs.price(S, K, T, r, sigma, True) - bs.price(S, K, T, r, sigma, False)
    assert abs(lhs - (S - K * np.exp(-r * T))) <= 1e-9 * S


@given(markets)
def test_put_call_parity_exact(m):
    """C - P = S - K e^{-rT} to 1e-40 relative in the Decimal path (60 digits)."""
    S, K, T, r, sigma = (D(repr(x)) for x in _args(m))
    with localcontext(Context(prec=60)):
        diff = bs.price_exact(S, K, T, r, sigma, True) - bs.price_exact(S, K, T, r, sigma, False)
        assert abs(diff - (S - K * (-r * T).exp())) <= D("1e-40") * S


def test_parity_violated_by_a_wrong_price():
    """Bad twin: a price off by one cent breaks the parity check above."""
    S, K, T, r, sigma = _args({"S": 100.0, "K_ratio": 1.0, "T": 1.0, "r": 0.05, "sigma": 0.3})
    lhs = (bs.price(S, K, T, r, sigma, True) + 0.01) - bs.price(S, K, T, r, sigma, False)
    assert abs(lhs - (S - K * np.exp(-r * T))) > 1e-9 * S


@given(markets)
def test_exact_and_float_paths_agree(m):
    """The Decimal price equals the float64 price to 1e-9 of S (float rounding only)."""
    S, K, T, r, sigma = _args(m)
    for call in (True, False):
        exact = bs.price_exact(*(D(repr(x)) for x in (S, K, T, r, sigma)), call)
        assert abs(float(exact) - float(bs.price(S, K, T, r, sigma, call))) <= 1e-9 * S


@pytest.mark.parametrize("x", ["-13.5", "-8", "-1.96", "-0.5", "0", "0.3", "1.96", "5", "13.9"])
def test_norm_cdf_exact_matches_references(x):
    """N(x) of the positive series equals erfc(-x/sqrt 2)/2 (libm) and scipy.special.ndtr to
    1e-13 relative (float inputs lose ~1e-14 relative in the far tail, e.g. N(-8))."""
    ours = float(bs.norm_cdf_exact(D(x)))
    assert ours == pytest.approx(math.erfc(-float(x) / math.sqrt(2)) / 2, rel=1e-13, abs=0)
    assert ours == pytest.approx(float(ndtr(float(x))), rel=1e-13, abs=0)


def _norm_cdf_alternating(x: D) -> D:
    """Independent reference: Maclaurin series erf(y) = 2/sqrt(pi) sum (-1)^n y^(2n+1)/(n!(2n+1))
    at 120 digits (enough to absorb its cancellation for |x| <= 8)."""
    with localcontext(Context(prec=120)):
        y = x / D(2).sqrt()
        term, total, n = y, y, 0
        while abs(term) > D("1e-110"):
            n += 1
            term = -term * y * y / n
            total += term / (2 * n + 1)
        pi = D("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899863")
        return (1 + 2 / pi.sqrt() * total) / 2


@pytest.mark.parametrize("x", ["-8", "-3.3", "-1", "0.25", "2.5", "7"])
def test_norm_cdf_exact_matches_independent_series(x):
    """The positive series and the alternating series agree to 1e-50 absolute (and 1e-30 rel)."""
    ours, ref = bs.norm_cdf_exact(D(x)), _norm_cdf_alternating(D(x))
    assert abs(ours - ref) <= D("1e-50") + D("1e-30") * ref


def test_norm_cdf_clamp_and_symmetry():
    assert bs.norm_cdf_exact(D(15)) == 1 and bs.norm_cdf_exact(D(-15)) == 0
    x = D("0.731")
    assert abs(bs.norm_cdf_exact(x) + bs.norm_cdf_exact(-x) - 1) < D("1e-55")


def _fd(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


@given(markets, st.booleans())
@example({"S": 10.0, "K_ratio": 1.03125, "T": 0.015625, "r": 0.0, "sigma": 0.0625}, False)
def test_greeks_match_finite_differences(m, call):
    """delta, vega, theta vs central differences of the price, gamma vs central differences of
    delta (relative 1e-4 + small abs).

    Steps scale with each variable's own width: the price moves on the scale S*sigma*sqrt(T) in
    S, so hS is 1e-3 of that. A fixed hS = 1e-4 S fails on a short-dated, low-vol option four
    standard deviations out (the recorded example): d1 moves 0.013 per step, and the second
    difference's truncation (h^2/12 times the fourth derivative) is 2e-4 of gamma. Gamma is
    differenced from delta, not twice from the price, which would lose eps*p/h^2 to rounding.
    """
    S, K, T, r, sigma = _args(m)

    def p(**kw):
        a = dict(S=S, K=K, T=T, r=r, sigma=sigma) | kw
        return float(bs.price(a["S"], a["K"], a["T"], a["r"], a["sigma"], call))

    def delta(x):
        return float(bs.delta(x, K, T, r, sigma, call))

    hS, hv, hT = S * sigma * math.sqrt(T) * 1e-3, sigma * 1e-4, T * 1e-4
    checks = [
        (delta(S), _fd(lambda x: p(S=x), S, hS), 1e-6),
        (float(bs.gamma(S, K, T, r, sigma)), _fd(delta, S, hS), 1e-7 / S),
        (float(bs.vega(S, K, T, r, sigma)), _fd(lambda x: p(sigma=x), sigma, hv), 1e-6 * S),
        (float(bs.theta(S, K, T, r, sigma, call)), -_fd(lambda x: p(T=x), T, hT), 1e-4 * S),
    ]
    for analytic, numeric, atol in checks:
        assert analytic == pytest.approx(numeric, rel=1e-4, abs=atol)


def test_greek_sign_error_is_caught():
    """Bad twin: theta with the sign convention flipped (dV/dT) disagrees with the difference."""
    S, K, T, r, sigma = 100.0, 100.0, 0.5, 0.03, 0.4
    numeric = -_fd(lambda x: float(bs.price(S, K, x, r, sigma, True)), T, 1e-6)
    assert -float(bs.theta(S, K, T, r, sigma, True)) != pytest.approx(numeric, rel=1e-4)


def test_greek_closed_forms_at_the_money():
    """At the money with r = 0: delta_call = N(sigma sqrt(T)/2), vega = S phi(d1) sqrt(T)."""
    S = K = 100.0
    T, r, sigma = 1.0, 0.0, 0.2
    d1 = 0.5 * sigma * np.sqrt(T)
    assert float(bs.delta(S, K, T, r, sigma, True)) == pytest.approx(ndtr(d1), rel=1e-15)
    assert float(bs.vega(S, K, T, r, sigma)) == pytest.approx(S * np.exp(-d1 * d1 / 2) / np.sqrt(2 * np.pi))
    # Well-known ATM value: C ~ 0.4 * S * sigma * sqrt(T) = 7.97 for these inputs (exact 7.9656).
    assert float(bs.price(S, K, T, r, sigma, True)) == pytest.approx(7.965567455405804, rel=1e-12)


def test_exact_path_rejects_degenerate_inputs():
    """sigma = 0 or T = 0 is refused (division by zero), never a silent NaN in the table."""
    with pytest.raises(ArithmeticError):
        bs.price_exact(D(100), D(100), D(0), D(0), D("0.2"), True)
    with pytest.raises(ArithmeticError):
        bs.price_exact(D(100), D(100), D(1), D(0), D(0), True)
