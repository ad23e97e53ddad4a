"""Presets reproduce the venues' published worked examples (SPEC §3; provenance of every number in
``vectors/presets/SOURCE.md``). Where a venue publishes only a rule, the test says so and checks
the rule."""

from __future__ import annotations

import json
from decimal import Decimal

from zkproof.margin.preflight import preflight
from zkproof.margin.risk_table import RiskTable, build_risk_table
from zkproof.margin.scenarios import market_states, scenario_grid, vol_factor
from zkproof.snapshot.instruments import loads_instruments
from zkproof.snapshot.ledger import Account
from zkproof.snapshot.marks import parse_market
from zkproof.snapshot.params import loads_params

T0 = "2026-11-20T16:00:00Z"
EXPIRY = "2026-12-18T16:00:00Z"  # 28 days
ORACLE_TOL = """
[marks]
max_price_deviation = "0.002"
max_vol_deviation = "0.02"
max_model_deviation = "0.001"

[oracle]
min_sources = 1
max_staleness_seconds = 60
max_future_seconds = 5
max_spot_deviation = "0.005"
max_vol_deviation = "0.05"
"""


def _venue(preset: str, scenarios: str, maintenance: str, spot: str, forward: str | None,
           value_unit_exponent: int = 6):
    params = loads_params(f"""format = "zkproof-risk-params/2"
preset = "{preset}"
quote = "USD"
value_unit_exponent = {value_unit_exponent}
[scenarios]
{scenarios}
[assets.USD]
decimals = 0
haircut = "0"
[assets.IDX]
decimals = 0
haircut = "0"
[maintenance]
{maintenance}
""" + ORACLE_TOL)
    insts = [{"id": "IDX-PERP", "kind": "perpetual", "underlying": "IDX", "position_decimals": 0}]
    if forward:
        insts.append({"id": "IDX-FUT", "kind": "future", "underlying": "IDX", "expiry": EXPIRY,
                      "position_decimals": 0})
    instruments = loads_instruments(json.dumps({"format": "zkproof-instruments/1", "instruments": insts}),
                                    params=params)
    q = lambda **kw: [{"source": "venue", "timestamp": T0, **kw}]  # noqa: E731
    doc = {"format": "zkproof-oracle/2", "snapshot_time": T0, "risk_free_rate": "0",
           "prices": {"USD": q(spot="1", implied_vol="0"), "IDX": q(spot=spot, implied_vol="0.16")},
           "forwards": {"IDX": {EXPIRY: q(price=forward)}} if forward else {}, "marks": {}}
    return params, instruments, parse_market(doc, "oracle.json", params, instruments)


def test_span16_scenario_list_matches_cme():
    """CME's 16 risk scenarios (CME "Risk Arrays"; LPU DCOM510 Table 12.1): price move in
    multiples of the price scan range, vol up (+1) / down (-1) / unchanged (0), fraction of the
    loss considered. Our scenario s = the published scenario number s."""
    published = [(0, 1, 100), (0, -1, 100), (Decimal(1) / 3, 1, 100), (Decimal(1) / 3, -1, 100),
                 (-Decimal(1) / 3, 1, 100), (-Decimal(1) / 3, -1, 100), (Decimal(2) / 3, 1, 100),
                 (Decimal(2) / 3, -1, 100), (-Decimal(2) / 3, 1, 100), (-Decimal(2) / 3, -1, 100),
                 (1, 1, 100), (1, -1, 100), (-1, 1, 100), (-1, -1, 100), (2, 0, 35), (-2, 0, 35)]
    params = _venue("span16", 'scan_range = {IDX = "0.05"}', "perpetual = {IDX = \"0.05\"}", "400", "400")[0]
    grid = scenario_grid(params)[1:]
    assert len(grid) == 16
    for sc, (move, vol, pct) in zip(grid, published):
        assert sc.level.num / sc.level.den == move
        assert (sc.vol_shock > 0) - (sc.vol_shock < 0) == vol
        assert sc.cover * 100 == pct


def test_span16_mcmillan_long_future_risk_array():
    """McMillan, Options as a Strategic Investment, p. 670: one long S&P 500 future, price scan
    range $10,000: 0, 0, +-3,330, +-6,670, +-10,000 (vol up and down alike), extreme +-7,000
    (35 % of 2 ranges), in dollars rounded to $10 by the book. Here: index 400, $500 per point,
    scan range 5 % (400 x 500 x 5 % = $10,000)."""
    published = [0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000,
                 7000, -7000]
    params, insts, market = _venue("span16", 'scan_range = {IDX = "0.05"}', 'future = {IDX = "0.05"}\n'
                                   'perpetual = {IDX = "0.05"}', "400", "400")
    table = build_risk_table(params, insts, market)
    fut = table.v[1]  # value units (10^-6 USD) per index point
    per_contract = [Decimal(x) * 500 / 10**6 for x in fut[1:]]
    assert [int(round(x, -1)) for x in per_contract] == published
    assert per_contract[14] == 7000 and per_contract[10] == 10000  # exact where the book is exact


def test_span16_mcmillan_covered_write_worst_scenario():
    """McMillan p. 670: the covered write (long the future, short the Dec 410 call) sums the two
    published risk arrays; SPAN's requirement is the worst scenario, 13 (down 3/3, vol up):
    -6,620. Our statement on the same arrays (1 value unit = $1, c = 1): 6,620 of collateral
    plus the rounding buffer of one value unit per short unit passes, one dollar less fails."""
    future = [0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000,
              7000, -7000]
    short_call = [-460, 610, -2640, -1730, 1270, 2340, -5210, -4540, 2540, 3430, -8060, -7640, 3380,
                  3990, -3130, 1500]
    # v for a LONG call is minus the short call's gain/loss; at the mark both are worth 0 here
    t = RiskTable(0, 0, (("USD", 0),), ("FUT", "CALL"), ("mark",) + tuple(f"s{k}" for k in range(1, 17)),
                  c=((1,) * 17,), v=((0,) + tuple(future), (0,) + tuple(-x for x in short_call)), m=(0, 0))
    book = (1, -1)
    assert min(f + c for f, c in zip(future, short_call)) == -6620
    ok = Account("w", b"", "user", (6620 + 1,), book, 1)
    bad = Account("w", b"", "user", (6620,), book, 1)
    assert preflight([ok], t, ["FUT", "CALL"]).failures == []
    (f,) = preflight([bad], t, ["FUT", "CALL"]).failures
    assert f.scenario == 13 and f.shortfall == 1


def test_deribit_vol_shock_scales_with_sqrt_30_over_days():
    """Deribit "Portfolio margin": IV change of maximum SQRT(30/days)*40 %: 40 % at 30 days and
    "SQRT(30/15)*40% = 56.6%" at 15 days (published, one decimal)."""
    params = _venue("deribit-pm", 'scan_range = {IDX = "0.16"}', 'perpetual = {IDX = "0.05"}', "400", None)[0]
    up = next(sc for sc in scenario_grid(params) if sc.vol_shock > 0)
    assert up.vol_shock == Decimal("0.4")
    assert vol_factor(up, Decimal(30), params) == Decimal("1.4")
    shock15 = (vol_factor(up, Decimal(15), params) - 1) * 100
    assert round(shock15, 1) == Decimal("56.6")


def test_deribit_nine_price_buckets_including_zero():
    """Deribit Support "Portfolio Margin": the maximum move (e.g. +-16 %) in 9 evenly spaced
    buckets from bottom to top including zero, each with vol up, same and down (published rule;
    the bucket values below follow from it)."""
    params, _, market = _venue("deribit-pm", 'scan_range = {IDX = "0.16"}', 'perpetual = {IDX = "0.05"}',
                               "400", None)
    states = market_states(market, params)[1:]
    assert len(states) == 27
    moves = sorted({st.ratio["IDX"] - 1 for st in states})
    assert moves == [Decimal(j) * Decimal("0.04") for j in range(-4, 5)]
    assert [st.scenario.vol_shock for st in states[:3]] == [Decimal("0.4"), 0, Decimal("-0.4")]


def test_hyperliquid_maintenance_is_half_initial_at_max_leverage():
    """Hyperliquid Docs "Margin tiers": maintenance_margin_rate = (initial margin rate at max
    leverage) / 2; "at 20x max leverage, maintenance_margin_rate = 2.5%". A perpetual at mark
    90,000 requires 2.5 % x 90,000 = 2,250 USD per coin, long and short alike (ml = ms)."""
    params, insts, market = _venue("hyperliquid", "", "perpetual_max_leverage = {IDX = 20}", "90000", None)
    assert params.rulebook.perpetual["IDX"] == Decimal("0.025")
    assert params.n_scenarios == 1  # standard margin: the mark requirement (one stress = the mark)
    table = build_risk_table(params, insts, market)
    assert table.ml == table.ms == table.m == (2250 * 10**6,)  # value units of 10^-6 USD


def test_preset_override_changes_the_table():
    """A venue overrides a preset key (span16's 35 % cover -> 50 %): another tail, another hash."""
    a = _venue("span16", 'scan_range = {IDX = "0.05"}', 'future = {IDX = "0.05"}\nperpetual = {IDX = "0.05"}',
               "400", "400")
    b = _venue("span16", 'scan_range = {IDX = "0.05"}\ntail_cover = "0.5"',
               'future = {IDX = "0.05"}\nperpetual = {IDX = "0.05"}', "400", "400")
    ta, tb = build_risk_table(*a), build_risk_table(*b)
    assert ta.v[1][15] * 10 == tb.v[1][15] * 7 and ta.sha256() != tb.sha256()
