"""The scenario grid: s = 0 is the mark, s = 1..K are joint stress moves of spot and vol.

Scenario ``s >= 1`` is one cell of the grid ``spot_shocks_sigma x spot_shock_signs x
vol_shocks`` (spot-major: ``s = 1 + (j * P + p) * W + k`` for spot shock ``z_j``, sign pattern
``p`` of ``P`` and vol shock ``w_k`` of ``W``). It moves every asset ``a`` at once, each by its
own implied volatility (shocks "scaled to vol") in the direction ``sign_p[a]`` (default +1)::

    S_s[a]     = S_0[a] * exp(z * sign_p[a] * sigma_0[a] * sqrt(h / 365))    (h = horizon_days)
    sigma_s[a] = sigma_0[a] * (1 + w)

A lognormal move keeps prices positive for any ``z``. An asset quoted with zero implied vol (a
stablecoin) does not move; its risk is carried by its haircut. All arithmetic is ``Decimal`` at
``exact.PRECISION`` digits, so the shocked values are the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zkproof.margin.exact import evaluate
from zkproof.snapshot.oracle import Oracle
from zkproof.snapshot.params import RiskParams

DAYS_PER_YEAR = Decimal(365)


@dataclass(frozen=True)
class Scenario:
    index: int
    spot_shock_sigma: Decimal  # z (0 at the mark)
    vol_shock: Decimal  # w (0 at the mark)
    signs: tuple[tuple[str, int], ...] = ()  # assets moving against z (sign -1); others +1

    @property
    def label(self) -> str:
        if self.index == 0:
            return "mark"
        against = "".join(f"[{sym}{'+' if sign > 0 else '-'}]" for sym, sign in self.signs)
        return f"spot{self.spot_shock_sigma:+f}sd{against}_vol{(self.vol_shock * 100).normalize():+f}%"


@dataclass(frozen=True)
class MarketState:
    """Spot and vol of every asset in one scenario."""

    scenario: Scenario
    spot: dict[str, Decimal]
    vol: dict[str, Decimal]
    exact: dict[str, bool]  # spot[a] was computed without rounding (no shock: exp(0) = 1)


def scenario_grid(params: RiskParams) -> list[Scenario]:
    """``[mark] + spot-major grid``: K + 1 scenarios."""
    out = [Scenario(0, Decimal(0), Decimal(0))]
    for z in params.spot_shocks_sigma:
        for signs in params.spot_shock_signs:
            for w in params.vol_shocks:
                out.append(Scenario(len(out), z, w, signs))
    return out


def shocked_state(sc: Scenario, oracle: Oracle, params: RiskParams) -> MarketState:
    """Apply scenario ``sc`` to the aggregated oracle snapshot."""
    def move(a: str) -> Decimal:
        z = sc.spot_shock_sigma * dict(sc.signs).get(a, 1) * oracle.vol[a]
        if z == 0:  # no move: keep the mark exactly (sqrt(h/365) need not be evaluated)
            return +oracle.spot[a]
        return oracle.spot[a] * (z * (params.horizon_days / DAYS_PER_YEAR).sqrt()).exp()

    spot, exact = {}, {}
    for a in oracle.spot:
        spot[a], exact[a] = evaluate(lambda a=a: move(a))
    vol = {a: evaluate(lambda v0=v0: v0 * (1 + sc.vol_shock))[0] for a, v0 in oracle.vol.items()}
    return MarketState(sc, spot, vol, exact)


def market_states(oracle: Oracle, params: RiskParams) -> list[MarketState]:
    return [shocked_state(sc, oracle, params) for sc in scenario_grid(params)]
