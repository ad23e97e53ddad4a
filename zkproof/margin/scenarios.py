"""The scenario grid: s = 0 is the mark, s = 1..K are joint stress moves of spot and vol.

Format-1 parameters (``spot_shocks_sigma``): scenario ``s >= 1`` is one cell of the grid
``spot_shocks_sigma x spot_shock_signs x vol_shocks`` (spot-major: ``s = 1 + (j * P + p) * W +
k``). It moves every asset ``a`` by its own reference implied vol in the direction
``sign_p[a]`` (default +1), and every option's vol by the same relative shock::

    S_s[a] / S_0[a] = exp(z * sign_p[a] * sigma_0[a] * sqrt(h / 365))    (h = horizon_days)
    vol factor      = 1 + w

Format-2 parameters (the venue rulebook, ``params.Rulebook``): first ``levels x
spot_shock_signs x vol_shocks`` (level-major), then the tail ``tail_levels x spot_shock_signs``
at ``tail_vol_shock`` and partial cover ``tail_cover``::

    S_s[a] / S_0[a] = 1 + L * scan_range[a] * sign_p[a]          (L = num / den, e.g. 1/3)
    vol factor(T)   = max(1 + w * (ref_days / max(T_days, min_days)) ^ power, vol_floor)

(``x ^ p`` is ``exp(p * ln x)``; without ``vol_shock_ref_days`` the factor is ``1 + w``.) An asset
without a scan range (format 2) or with zero reference vol (format 1) does not move: its risk is
its haircut. The ratio ``S_s / S_0`` moves every forward of the asset too (a fixed basis), and
the smile moves with the forward (sticky moneyness, ``valuation``). All arithmetic is
``Decimal`` at ``exact.PRECISION`` digits in a fixed context.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zkproof.margin.exact import evaluate
from zkproof.snapshot.oracle import Oracle
from zkproof.snapshot.params import Level, RiskParams

DAYS_PER_YEAR = Decimal(365)
ONE = Decimal(1)


@dataclass(frozen=True)
class Scenario:
    index: int
    spot_shock_sigma: Decimal  # format 1: z (0 at the mark)
    vol_shock: Decimal  # w (0 at the mark)
    signs: tuple[tuple[str, int], ...] = ()  # assets moving against the shock (sign -1), by symbol
    level: Level | None = None  # format 2: the move in units of the scan range
    cover: Decimal = ONE  # fraction of the change of value that counts (tail: tail_cover)
    tail: bool = False

    @property
    def label(self) -> str:
        if self.index == 0:
            return "mark"
        against = "".join(f"[{sym}{'+' if sign > 0 else '-'}]" for sym, sign in self.signs)
        vol = f"_vol{(self.vol_shock * 100).normalize():+f}%"
        if self.level is None:
            return f"spot{self.spot_shock_sigma:+f}sd{against}{vol}"
        lv = self.level.text
        if not (lv.startswith("-") or self.level.num == 0):
            lv = "+" + lv
        if self.tail:
            return f"tail{lv}psr{against}{vol}_cover{(self.cover * 100).normalize():f}%"
        return f"spot{lv}psr{against}{vol}"

    def sign(self, asset: str) -> int:
        return dict(self.signs).get(asset, 1)


@dataclass(frozen=True)
class MarketState:
    """Spot of every asset in one scenario, and its ratio to the mark."""

    scenario: Scenario
    spot: dict[str, Decimal]
    ratio: dict[str, Decimal]  # S_s / S_0
    exact: dict[str, bool]  # spot[a] and ratio[a] were computed without rounding
    vol: dict[str, Decimal]  # format 1: reference vol after the shock (reports)
    ln_ratio: dict[str, Decimal]  # ln(S_s / S_0), 0 when unmoved


def scenario_grid(params: RiskParams) -> list[Scenario]:
    """``[mark] + grid (+ tail)``: K + 1 scenarios, in table order."""
    out = [Scenario(0, Decimal(0), Decimal(0))]
    rb = params.rulebook
    if rb is None:
        for z in params.spot_shocks_sigma:
            for signs in params.spot_shock_signs:
                for w in params.vol_shocks:
                    out.append(Scenario(len(out), z, w, signs))
        return out
    for lv in rb.levels:
        for signs in params.spot_shock_signs:
            for w in params.vol_shocks:
                out.append(Scenario(len(out), Decimal(0), w, signs, level=lv))
    for lv in rb.tail_levels:
        for signs in params.spot_shock_signs:
            out.append(Scenario(len(out), Decimal(0), rb.tail_vol_shock, signs, level=lv,
                                cover=rb.tail_cover, tail=True))
    return out


def _ratio(sc: Scenario, a: str, oracle: Oracle, params: RiskParams) -> Decimal:
    if sc.index == 0:
        return ONE
    if sc.level is None:
        z = sc.spot_shock_sigma * sc.sign(a) * oracle.vol[a]
        if z == 0:
            return ONE
        return (z * (params.horizon_days / DAYS_PER_YEAR).sqrt()).exp()
    rng = params.rulebook.scan_range.get(a, Decimal(0))
    return 1 + sc.level.num * rng * sc.sign(a) / sc.level.den


def shocked_state(sc: Scenario, oracle: Oracle, params: RiskParams) -> MarketState:
    """Apply scenario ``sc`` to the aggregated oracle snapshot."""
    spot, ratio, exact = {}, {}, {}
    for a in oracle.spot:
        ratio[a], ex = evaluate(lambda a=a: +_ratio(sc, a, oracle, params))
        spot[a], ex2 = evaluate(lambda a=a: oracle.spot[a] * ratio[a])
        exact[a] = ex and ex2
    vol = {a: evaluate(lambda v0=v0: v0 * (1 + sc.vol_shock))[0] for a, v0 in oracle.vol.items()}
    ln_ratio = {a: evaluate(lambda r=r: r.ln() if r != 1 else Decimal(0))[0] for a, r in ratio.items()}
    return MarketState(sc, spot, ratio, exact, vol, ln_ratio)


def vol_factor(sc: Scenario, T_days: Decimal, params: RiskParams) -> Decimal:
    """The relative vol move of an option ``T_days`` from expiry (module docstring); call inside
    ``exact.evaluate``."""
    if sc.vol_shock == 0:
        return ONE
    rb = params.rulebook
    if rb is None or rb.vol_ref_days is None:
        return 1 + sc.vol_shock
    scale = (rb.vol_power * (rb.vol_ref_days / max(T_days, rb.vol_min_days)).ln()).exp()
    return max(1 + sc.vol_shock * scale, rb.vol_floor)


def market_states(oracle: Oracle, params: RiskParams) -> list[MarketState]:
    return [shocked_state(sc, oracle, params) for sc in scenario_grid(params)]


def describe(st: MarketState, oracle: Oracle, params: RiskParams) -> str:
    """The moves of one scenario in trader units: spot in % per asset, vol in vol points of each
    asset's reference (ATM) vol, the tail cover. E.g. ``ETH -18.00%, BTC -15.00%; vol +22.75 pts
    ETH, +17.50 pts BTC (x1.35 at 30 days, scaled by (30/days)^0.5)``."""
    sc = st.scenario
    if sc.index == 0:
        return "mark (no move)"
    moves = [f"{a} {float(st.ratio[a] - 1) * 100:+.2f}%" for a in oracle.spot if st.ratio[a] != 1]
    out = ", ".join(moves) or "spot unchanged"
    if sc.vol_shock != 0:
        rb = params.rulebook
        f = 1 + sc.vol_shock
        pts = ", ".join(f"{float(oracle.vol[a] * sc.vol_shock) * 100:+.2f} pts {a}"
                        for a in oracle.spot if oracle.vol[a] > 0)
        out += f"; vol {pts} (x{f.normalize():f}"
        if rb is not None and rb.vol_ref_days is not None:
            out += f" at {rb.vol_ref_days} days, scaled by ({rb.vol_ref_days}/days)^{rb.vol_power}"
        out += ")"
    else:
        out += "; vol unchanged"
    if sc.cover != 1:
        out += f"; {(sc.cover * 100).normalize():f}% of the change counts (tail)"
    return out
