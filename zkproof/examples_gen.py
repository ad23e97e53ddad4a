"""Seeded synthetic derivatives protocol: instruments, oracle, risk parameters, accounts, epoch.

``generate(seed, n_users, n_failing)`` returns the five input files as text (the same seed
gives the same bytes). The protocol has three collateral assets (USDC, ETH, BTC), 16
instruments (perpetuals, futures and European options on ETH and BTC), ``n_users`` users, an
insurance fund and a protocol vault that makes markets. Every trade has a buyer and a seller, so
positions net to zero per instrument by construction. Collateral is then topped up (in USDC)
until every account passes margin with the exact integer check of ``margin.preflight``, except
``n_failing`` users whose collateral is cut to fail by a random amount (for demos and tests).
``epoch.json`` (docs/formats.md §epoch.json) stamps the epoch at the oracle's snapshot time with
reserves of 110 % of the accounts' total balance per asset. ``write_example(dir, ...)`` writes
``params.toml``, ``instruments.json``, ``oracle.json``, ``accounts.jsonl`` and ``epoch.json``;
``examples/`` in the repo is ``write_example("examples", seed=2026, n_users=48)``, which
``zkproof setup`` and ``zkproof prove`` accept as they are.

``generate_venue(seed, ...)`` is a realistic venue for the venue circuits (docs/venue-design.md):
option chains, futures and perpetuals, 26 collateral assets, borrowers, mark-margined
perpetuals up to 50x, market makers and the vault in the wide tier, and a ``[venue]`` section;
every account passes the venue circuit's margin rule (``margin.venue_preflight``).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import random
from decimal import Decimal
from pathlib import Path

from zkproof.margin import black76
from zkproof.margin.preflight import equity_matrix
from zkproof.margin.risk_table import build_risk_table, debt_column
from zkproof.margin.venue_preflight import venue_slacks
from zkproof.snapshot.instruments import loads_instruments
from zkproof.snapshot.jsonio import format_timestamp, loads_strict, parse_timestamp
from zkproof.snapshot.ledger import loads_accounts
from zkproof.snapshot.marks import parse_market
from zkproof.snapshot.params import VenueParams, loads_params

SNAPSHOT = 1795190400  # 2026-11-20T16:00:00Z
DEC_EXPIRY, MAR_EXPIRY = "2026-12-25T08:00:00Z", "2027-03-26T08:00:00Z"
SPOT = {"USDC": "1", "ETH": "3000", "BTC": "90000", "SOL": "200"}
VOL = {"USDC": "0", "ETH": "0.65", "BTC": "0.5", "SOL": "0.85"}
PDEC = {"ETH": 6, "BTC": 8, "SOL": 4}
DECIMALS = {"USDC": 6, "ETH": 9, "BTC": 8, "SOL": 9}
HAIRCUT = {"USDC": "0.02", "ETH": "0.1", "BTC": "0.08", "SOL": "0.15"}
SCAN_RANGE = {"ETH": "0.18", "BTC": "0.15", "SOL": "0.24"}  # price scan range, fraction of spot
MAX_LEVERAGE = {"ETH": 25, "BTC": 40, "SOL": 20}  # maintenance 1/(2 L): 2 %, 1.25 %, 2.5 %
BASIS = {"ETH": 0.06, "BTC": 0.05, "SOL": 0.08}  # annualised futures basis (forward = S e^{bT})
# smile: sigma(k, T) = atm * (1 + term * (sqrt(T_ref / T) - 1) * 0.1) + skew * k + curv * k^2
SMILE = {"ETH": (-0.25, 0.6), "BTC": (-0.2, 0.5), "SOL": (-0.3, 0.7)}
OPTION_GRID = [("put", 0.85, DEC_EXPIRY), ("call", 1.0, DEC_EXPIRY), ("put", 1.0, DEC_EXPIRY),
               ("call", 1.15, DEC_EXPIRY), ("call", 1.0, MAR_EXPIRY), ("put", 0.9, MAR_EXPIRY)]
SIZE = {"ETH": (0.1, 8.0), "BTC": (0.005, 0.4), "SOL": (2.0, 100.0)}  # coins per trade
SOURCES = ("coinbase", "kraken", "bitstamp")
# The venue's further collateral: symbol -> (spot USD, implied vol, decimals, haircut). Stablecoins
# do not move; the majors with option chains (ETH, BTC, SOL) move by their scan range; the other
# coins are margined at mark (no scan range): haircut as collateral, maintenance fraction as
# perpetual underlyings (PERP_LEVERAGE).
VENUE_COLLATERAL = {
    "USDT": ("1", "0", 6, "0.03"), "DAI": ("1", "0", 9, "0.05"), "PYUSD": ("1", "0", 6, "0.05"),
    "FDUSD": ("1", "0", 6, "0.05"), "WSTETH": ("3600", "0.66", 9, "0.12"),
    "BNB": ("650", "0.55", 8, "0.2"), "XRP": ("2.2", "0.8", 6, "0.25"), "DOGE": ("0.35", "0.95", 8, "0.3"),
    "ADA": ("0.9", "0.85", 6, "0.3"), "AVAX": ("35", "0.9", 8, "0.3"), "LINK": ("20", "0.85", 8, "0.25"),
    "DOT": ("7", "0.85", 8, "0.3"), "LTC": ("100", "0.75", 8, "0.25"), "TRX": ("0.25", "0.6", 6, "0.3"),
    "TON": ("5.5", "0.8", 9, "0.3"), "SUI": ("4", "1.0", 9, "0.35"), "APT": ("10", "0.95", 8, "0.35"),
    "ARB": ("0.8", "1.0", 8, "0.35"), "OP": ("2", "1.0", 8, "0.35"), "NEAR": ("5", "0.95", 8, "0.35"),
    "AAVE": ("300", "0.9", 8, "0.3"), "UNI": ("12", "0.9", 8, "0.3"),
}
for _sym, (_spot, _vol, _dec_, _cut) in VENUE_COLLATERAL.items():
    SPOT[_sym], VOL[_sym], DECIMALS[_sym], HAIRCUT[_sym] = _spot, _vol, _dec_, _cut
STABLES = ("USDC", "USDT", "DAI", "PYUSD", "FDUSD")
MAJORS = ("ETH", "BTC", "SOL")  # scanned in the scenarios; the first n_underlyings have option chains
PERP_LEVERAGE = {"BNB": 50, "XRP": 50, "DOGE": 50, "LINK": 25, "AVAX": 25, "SUI": 20}  # mark-margined
PDEC.update({"BNB": 3, "XRP": 1, "DOGE": 0, "LINK": 2, "AVAX": 2, "SUI": 1})
LOAN_ASSETS = ("USDC", "USDT", "ETH")  # what borrowers borrow
RATE = 0.04


def params_toml(assets: tuple[str, ...], scanned: tuple[str, ...] | None = None,
                leverage: dict[str, int] | None = None, venue: VenueParams | None = None) -> str:
    """Risk parameters of format 2: the SPAN-like 16-scenario preset with the example's ranges.

    ``scanned``: the assets whose price moves in the scenarios (default: every asset but USDC),
    each with a scan range and a futures maintenance; ``leverage``: the maximum leverage of each
    perpetual's underlying (default: ``MAX_LEVERAGE`` of the scanned assets); ``venue``: the
    ``[venue]`` section (capacities and borrow haircut), absent when None."""
    unders = [a for a in assets if a != "USDC"] if scanned is None else list(scanned)
    lev = {u: MAX_LEVERAGE[u] for u in unders} if leverage is None else leverage

    def table(d: dict, keys) -> str:
        return "{" + ", ".join(f"{u} = {d[u]!r}" if isinstance(d[u], int) else f'{u} = "{d[u]}"'
                               for u in keys) + "}"
    lines = [
        "# zkproof risk parameters (docs/formats.md §2). Fractions are decimal strings.",
        'format = "zkproof-risk-params/2"',
        'preset = "span16"          # 7 levels x vol up/down + 2 extreme moves at 35 % cover',
        'quote = "USD"',
        "value_unit_exponent = 12   # 1 value unit = 10^-12 USD",
        "",
        "[scenarios]",
        f"scan_range = {table(SCAN_RANGE, unders)}",
        'vol_shock_ref_days = "30"  # vol shocks scale with (30 / days to expiry)^0.5',
        'vol_shock_power = "0.5"',
        'vol_floor = "0.1"',
        "",
    ]
    for a in assets:
        note = {"ETH": "   # base unit: gwei (2^64 gwei = 1.8e10 ETH; wei would cap balances at 18 ETH)",
                "BTC": "   # base unit: satoshi"}.get(a, "")
        lines += [f"[assets.{a}]", f"decimals = {DECIMALS[a]}{note}", f'haircut = "{HAIRCUT[a]}"', ""]
    lines += [
        "[maintenance]              # at mark, fraction of mark notional (long and short)",
        f"perpetual_max_leverage = {table(lev, lev)}   # Hyperliquid rule: 1 / (2 L)",
        f"future = {table({u: _frac(MAX_LEVERAGE[u]) for u in unders}, unders)}",
        'option_short = "0.01"      # short options: 1 % of spot per coin on top of the mark value',
        'option_long = "0"',
        "",
        "[marks]                    # per-instrument circuit breaker",
        'max_price_deviation = "0.002"   # |source price - median| <= 0.2 % of the forward',
        'max_vol_deviation = "0.02"      # 2 vol points',
        'max_model_deviation = "0.001"   # median price vs Black-76 at the median vol',
        "",
        "[oracle]",
        "min_sources = 3",
        "max_staleness_seconds = 60",
        "max_future_seconds = 5",
        'max_spot_deviation = "0.005"',
        'max_vol_deviation = "0.05"',
    ]
    if venue is not None:
        lines += [
            "",
            "[venue]                    # capacities of the venue circuits (docs/formats.md §2.3)",
            f"i_max = {venue.i_max}",
            f"a_max = {venue.a_max}",
            f"p = {venue.p}",
            f"b = {venue.b}",
            f"wide_p = {venue.wide_p}",
            f'borrow_haircut = "{venue.borrow_haircut}"',
        ]
    return "\n".join(lines) + "\n"


def _frac(lev: int) -> str:
    return _dec(1 / (2 * lev), 6)


def _dec(x: float, places: int) -> str:
    """A float as a canonical decimal string (no trailing zeros, no exponent)."""
    text = f"{x:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _years(expiry: str) -> float:
    return (parse_timestamp(expiry, "<gen>", "expiry") - SNAPSHOT) / (365 * 86400)


def _smile_vol(u: str, k: float, T: float) -> float:
    skew, curv = SMILE[u]
    atm = float(VOL[u]) * (1 + 0.1 * (math.sqrt(30 / 365 / T) - 1))
    return max(0.05, atm + skew * k + curv * k * k)


def _option(u: str, right: str, strike: str, expiry: str) -> dict:
    tag = expiry[:10].replace("-", "")
    return {"id": f"{u}-{tag}-{strike}-{right[0].upper()}", "kind": "option", "right": right,
            "underlying": u, "strike": strike, "expiry": expiry, "position_decimals": PDEC[u]}


def _instruments() -> list[dict]:
    """The 16-instrument example (the demo circuit is dense over at most 16 instruments)."""
    out: list[dict] = []
    for u in ("ETH", "BTC"):
        out.append({"id": f"{u}-PERP", "kind": "perpetual", "underlying": u, "position_decimals": PDEC[u]})
        out.append({"id": f"{u}-20270326", "kind": "future", "underlying": u, "expiry": MAR_EXPIRY,
                    "position_decimals": PDEC[u]})
        for right, k, exp in OPTION_GRID:
            out.append(_option(u, right, str(round(int(SPOT[u]) * k)), exp))
    return out


def venue_instruments(underlyings: tuple[str, ...], n_expiries: int, n_strikes: int,
                      perps: tuple[str, ...] = ()) -> list[dict]:
    """A venue's chain: per underlying a perpetual, quarterly futures, and ``n_expiries`` expiries
    (weeklies, monthlies, quarterlies) x ``n_strikes`` strikes x call/put; then a perpetual on
    each of ``perps``."""
    out: list[dict] = []
    days = [7, 14, 21, 35, 63, 91, 182, 273, 364, 455][:n_expiries]
    expiries = [format_timestamp(SNAPSHOT + d * 86400 - 8 * 3600) for d in days]
    for u in underlyings:
        s = float(SPOT[u])
        out.append({"id": f"{u}-PERP", "kind": "perpetual", "underlying": u, "position_decimals": PDEC[u]})
        for exp in expiries[-2:]:
            out.append({"id": f"{u}-{exp[:10].replace('-', '')}", "kind": "future", "underlying": u,
                        "expiry": exp, "position_decimals": PDEC[u]})
        step = 10 ** max(0, len(str(int(s))) - 3)  # 3 significant digits of strike spacing
        for exp in expiries:
            for j in range(n_strikes):
                strike = str(round(s * (0.5 + 1.1 * j / max(1, n_strikes - 1)) / step) * step)
                for right in ("call", "put"):
                    out.append(_option(u, right, strike, exp))
    for u in perps:
        out.append({"id": f"{u}-PERP", "kind": "perpetual", "underlying": u, "position_decimals": PDEC[u]})
    return out


def _oracle(rng: random.Random, assets: tuple[str, ...], insts: list[dict]) -> dict:
    t = lambda: format_timestamp(SNAPSHOT - rng.randint(0, 30))  # noqa: E731
    prices = {}
    for sym in assets:
        quotes = []
        for k, src in enumerate(SOURCES):
            bump = (k - 1) * (0.0001 if sym in STABLES else rng.uniform(0.0002, 0.0015))
            vol = VOL[sym] if sym in STABLES else _dec(float(VOL[sym]) + (k - 1) * 0.005, 3)
            places = 4 if float(SPOT[sym]) >= 1 else 6  # 4 significant digits at least
            spot = _dec(float(SPOT[sym]) * (1 + bump), places)
            quotes.append({"source": src, "spot": spot, "implied_vol": vol,
                           "timestamp": t()})
        prices[sym] = quotes
    forwards: dict[str, dict[str, list]] = {}
    fwd: dict[tuple[str, str], float] = {}
    for inst in insts:
        if inst["kind"] == "perpetual" or (inst["underlying"], inst["expiry"]) in fwd:
            continue
        u, exp = inst["underlying"], inst["expiry"]
        f = float(SPOT[u]) * math.exp(BASIS[u] * _years(exp))
        fwd[(u, exp)] = f
        forwards.setdefault(u, {})[exp] = [
            {"source": src, "price": _dec(f * (1 + (k - 1) * rng.uniform(0.0001, 0.0008)), 4),
             "timestamp": t()} for k, src in enumerate(SOURCES)]
    marks = {}
    for inst in insts:
        if inst["kind"] != "option":
            continue
        u, exp, K = inst["underlying"], inst["expiry"], float(inst["strike"])
        F, T = fwd[(u, exp)], _years(exp)
        sigma = _smile_vol(u, math.log(K / F), T)
        quotes = []
        for k, src in enumerate(SOURCES):
            v = round(sigma + (k - 1) * 0.002, 4)
            p = float(black76.price(F, K, T, RATE, v, inst["right"] == "call"))
            quotes.append({"source": src, "price": _dec(p, 4), "implied_vol": _dec(v, 4), "timestamp": t()})
        marks[inst["id"]] = quotes
    return {"format": "zkproof-oracle/2", "snapshot_time": format_timestamp(SNAPSHOT),
            "risk_free_rate": _dec(RATE, 4), "prices": prices, "forwards": forwards, "marks": marks}


def _accounts(rng: random.Random, n_users: int, insts: list[dict], assets: tuple[str, ...]) -> list[dict]:
    accs = [{"id": f"user-{k:05d}", "role": "user", "balances": {}, "positions": {}} for k in range(n_users)]
    accs.append({"id": "insurance-fund", "role": "insurance_fund", "balances": {}, "positions": {}})
    accs.append({"id": "protocol-vault", "role": "protocol_vault", "balances": {}, "positions": {}})
    for acc in accs:
        acc["nonce"] = f"{rng.getrandbits(256):064x}"
        b = acc["balances"]
        b["USDC"] = rng.randint(1_000, 200_000) * 10**6
        if rng.random() < 0.5:
            b["ETH"] = rng.randint(1, 20_000) * 10**6  # 0.001..20 ETH in gwei
        if rng.random() < 0.3:
            b["BTC"] = rng.randint(1, 100_000) * 10**3  # 0.00001..1 BTC in sat
        if "SOL" in assets and rng.random() < 0.3:
            b["SOL"] = rng.randint(1, 100_000) * 10**6  # 0.001..100 SOL
    vault = len(accs) - 1
    for _ in range(3 * n_users):
        inst = rng.choice(insts)
        lo, hi = SIZE[inst["underlying"]]
        size = int(rng.uniform(lo, hi) * 10 ** inst["position_decimals"])
        buyer = rng.randrange(n_users) if rng.random() < 0.6 else vault
        others = [u for u in range(n_users) if u != buyer]
        seller = rng.choice(others) if rng.random() < 0.6 or buyer == vault else vault
        for u, q in ((buyer, size), (seller, -size)):
            pos = accs[u]["positions"]
            pos[inst["id"]] = pos.get(inst["id"], 0) + q
    return accs


def _jsonl(accs: list[dict]) -> str:
    lines = []
    for a in accs:
        obj = {"id": a["id"], "nonce": a["nonce"], "role": a["role"],
               "balances": {k: str(x) for k, x in a["balances"].items() if x},
               "positions": {k: str(x) for k, x in a["positions"].items() if x}}
        lines.append(json.dumps(obj, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def _usdc_needed(E, req, c_usdc, usdc_now: int) -> int:
    """Smallest USDC balance with which E + (x - usdc_now) * c_usdc >= req in every scenario."""
    need = 0
    for s in range(len(c_usdc)):
        gap = req[s] - (E[s] - usdc_now * c_usdc[s])
        need = max(need, -(-gap // c_usdc[s]))
    return need


def generate(seed: int = 2026, n_users: int = 48, n_failing: int = 0, epoch: int = 1) -> dict[str, str]:
    """The five input files as text; ``n_failing`` users fail margin (the rest pass)."""
    return _generate(random.Random(seed), ("USDC", "ETH", "BTC"), _instruments(), n_users, n_failing,
                     epoch)


VENUE = VenueParams(i_max=1024, a_max=64, p=16, b=8, wide_p=128, borrow_haircut=Decimal("0.05"))


def generate_venue(seed: int = 2026, n_users: int = 200, n_underlyings: int = 2, n_expiries: int = 8,
                   n_strikes: int = 30, n_failing: int = 0, epoch: int = 1, n_market_makers: int = 3,
                   n_trades: int | None = None, venue: VenueParams | None = VENUE,
                   collateral: tuple[str, ...] | None = None) -> dict[str, str]:
    """A realistic venue's five input files (the same arguments give the same bytes).

    Listing: ``n_underlyings`` of (ETH, BTC, SOL), each a perpetual, two futures and
    ``n_expiries x n_strikes x`` call/put options (2 x 8 x 30: 966 instruments), plus a
    perpetual on each listed coin of ``PERP_LEVERAGE`` (margined at mark by ``1 / (2 L)``, so
    held up to ``2 L`` = 100x at the edge; the generator opens them at up to ``L`` = 50x).
    Collateral (``collateral``; default: USDC, ``MAJORS`` and ``VENUE_COLLATERAL``, 26 assets):
    stablecoins (fixed), majors (moved by their scan range in the scenarios), alts (margined at
    mark: haircut only), each with three oracle sources.

    Accounts: ``n_users`` users (about one in five a borrower: a negative balance in USDC, USDT
    or ETH covered by its other collateral at the debt column ``d``), ``n_market_makers`` market
    makers and the protocol vault (the counterparties of most trades, in the wide tier), and an
    insurance fund; ``n_trades`` trades (default ``4 x n_users``). Every account has at most
    ``venue.p`` positions (users) or ``venue.wide_p`` (market makers, vault) and at most
    ``venue.b`` balances; every book nets to zero; USDC is topped up until the account passes
    the venue circuit's margin check (``margin.venue_preflight.venue_slacks``, loans at ``d``),
    except ``n_failing`` users. ``venue``: the ``[venue]`` section; None writes none and makes
    no loans (same caps)."""
    unders = MAJORS[:n_underlyings]
    assets = ("USDC",) + MAJORS + tuple(VENUE_COLLATERAL)
    if collateral is not None:
        missing = [u for u in ("USDC",) + unders if u not in collateral]
        if missing:
            raise ValueError(f"collateral must list USDC and the underlyings, missing {missing}")
        assets = tuple(collateral)
    perps = tuple(u for u in PERP_LEVERAGE if u in assets)
    scanned = tuple(u for u in MAJORS if u in assets)
    insts = venue_instruments(unders, n_expiries, n_strikes, perps)
    caps = venue or VENUE
    if len(insts) > caps.i_max - 1 or len(assets) > caps.a_max - 1:
        raise ValueError(f"{len(insts)} instruments and {len(assets)} assets do not fit i_max = "
                         f"{caps.i_max}, a_max = {caps.a_max}")
    rng = random.Random(seed)
    leverage = {u: MAX_LEVERAGE[u] for u in unders} | {u: PERP_LEVERAGE[u] for u in perps}
    inst_doc = {"format": "zkproof-instruments/1", "instruments": insts}
    files = {"params.toml": params_toml(assets, scanned, leverage, venue),
             "instruments.json": json.dumps(inst_doc, indent=1),
             "oracle.json": json.dumps(_oracle(rng, assets, insts), indent=1)}
    params = loads_params(files["params.toml"])
    instruments = loads_instruments(files["instruments.json"], params=params)
    oracle = parse_market(loads_strict(files["oracle.json"], "oracle.json"), "oracle.json", params,
                          instruments)
    table = build_risk_table(params, instruments, oracle)
    book = _VenueBook(table, debt_column(dataclasses.replace(params, venue=caps), oracle),
                      assets, insts)
    accs = _venue_accounts(rng, n_users, n_market_makers, insts, assets, caps, loans=venue is not None,
                           n_trades=4 * n_users if n_trades is None else n_trades)
    failing = set(rng.sample([a["id"] for a in accs[:n_users] if a["positions"]], n_failing))
    for acc in accs:
        floor = book.usdc_needed(acc, loans=venue is not None)
        usdc = acc["balances"].get("USDC", 0)
        if acc["id"] in failing:
            for sym in [k for k, x in acc["balances"].items() if k != "USDC" and x > 0]:
                del acc["balances"][sym]
            floor = book.usdc_needed(acc, loans=venue is not None)
            short = floor - rng.randint(1, 5_000) * 10**6
            acc["balances"]["USDC"] = short if venue is not None else max(0, short)  # loans: venue only
        elif floor > usdc:
            acc["balances"]["USDC"] = floor + (floor - usdc) // 4 + rng.randint(0, 10**9)
    _cover_net_loans(accs, assets)
    files["accounts.jsonl"] = _jsonl(accs)
    files["epoch.json"] = _epoch_input(loads_accounts(files["accounts.jsonl"], params, instruments),
                                       params, table.snapshot_time, epoch)
    return files


class _VenueBook:
    """The venue circuit's margin slacks of a generated account (``venue_preflight.venue_slacks``:
    loans at the debt column ``d``), and the USDC balance that makes them all non-negative."""

    def __init__(self, table, debt, assets: tuple[str, ...], insts: list[dict]) -> None:
        self.table, self.debt = table, debt
        self.a = {sym: k for k, sym in enumerate(assets)}
        self.i = {inst["id"]: k for k, inst in enumerate(insts)}

    def slacks(self, acc: dict, usdc: int) -> list[int]:
        bal = {**acc["balances"], "USDC": usdc}
        return venue_slacks(self.table, self.debt, [(self.i[k], q) for k, q in acc["positions"].items()],
                            [(self.a[k], b) for k, b in bal.items()])

    def usdc_needed(self, acc: dict, loans: bool) -> int:
        """Smallest USDC balance (negative: a USDC loan, if ``loans``) passing every slack."""
        rest = self.slacks(acc, 0)
        c, d = self.table.c[self.a["USDC"]], self.debt[self.a["USDC"]]
        cols = list(range(1, len(c))) + [0]  # slack j weighs column j + 1; the last, the mark
        need = None if loans else 0
        for r, s in zip(rest, cols):
            x = -(r // c[s]) if r < 0 else -(r // d[s])  # ceil(-r / c) or ceil(-r / d)
            need = x if need is None else max(need, x)
        return need


def _usd_to_units(sym: str, usd: float) -> int:
    return int(usd / float(SPOT[sym]) * 10 ** DECIMALS[sym])


def _venue_accounts(rng: random.Random, n_users: int, n_mm: int, insts: list[dict], assets: tuple[str, ...],
                    caps: VenueParams, loans: bool, n_trades: int) -> list[dict]:
    """Users, market makers, the vault and the insurance fund with their collateral, loans and
    trades (every trade has a buyer and a seller; each account within its tier's positions)."""
    def new(ident: str, role: str) -> dict:
        return {"id": ident, "role": role, "nonce": f"{rng.getrandbits(256):064x}", "balances": {},
                "positions": {}}

    users = [new(f"user-{k:05d}", "user") for k in range(n_users)]
    mms = [new(f"market-maker-{k + 1}", "user") for k in range(n_mm)]
    fund, vault = new("insurance-fund", "insurance_fund"), new("protocol-vault", "protocol_vault")
    others = [a for a in assets if a != "USDC"]
    weights = [4 if a in ("ETH", "BTC", "SOL", "USDT") else 2 if a in STABLES else 1 for a in others]
    for u in users:
        b = u["balances"]
        b["USDC"] = _usd_to_units("USDC", rng.randint(1_000, 200_000))
        for sym in dict.fromkeys(rng.choices(others, weights, k=rng.randint(0, min(3, caps.b - 2)))):
            b[sym] = _usd_to_units(sym, rng.uniform(500, 100_000))
        if loans and rng.random() < 0.2:  # a borrower: a loan against its other collateral
            major = next((m for m in ("BTC", "ETH", "SOL") if m in assets and m not in b), None)
            if major is not None and len(b) < caps.b - 1:
                b[major] = _usd_to_units(major, rng.uniform(20_000, 300_000))
            value = sum(x / 10 ** DECIMALS[k] * float(SPOT[k]) * (1 - float(HAIRCUT[k]))
                        for k, x in b.items() if k not in LOAN_ASSETS)
            loan = rng.choice([a for a in LOAN_ASSETS if a in assets])
            b[loan] = -_usd_to_units(loan, value * rng.uniform(0.2, 0.6))
    for acc in mms + [vault]:
        acc["balances"] = {"USDC": _usd_to_units("USDC", rng.randint(2, 8) * 10**6)}
        for sym in ("USDT", "ETH", "BTC")[:caps.b - 1]:
            if sym in assets:
                acc["balances"][sym] = _usd_to_units(sym, rng.randint(5, 20) * 10**5)
    for sym in ("USDC", "USDT", "DAI", "ETH", "BTC", "SOL")[:caps.b]:
        if sym in assets:
            fund["balances"][sym] = _usd_to_units(sym, rng.randint(10, 40) * 10**6)
    _trade(rng, users, mms + [vault], insts, caps, n_trades)
    return users + mms + [fund, vault]


def _trade(rng: random.Random, users: list[dict], makers: list[dict], insts: list[dict],
           caps: VenueParams, n_trades: int) -> None:
    """``n_trades`` trades: a user takes, a market maker or the vault (three in four, and
    every alt perpetual) or another user makes. Popular instruments: perpetuals, then options
    near the money. A user's alt perpetuals total at most ``L`` times its net collateral."""
    def weight(inst: dict) -> float:
        if inst["kind"] != "option":
            return 40.0 if inst["kind"] == "perpetual" else 8.0
        moneyness = math.log(float(inst["strike"]) / float(SPOT[inst["underlying"]]))
        return 1 + 4 * math.exp(-(moneyness / 0.2) ** 2)

    cum = list(itertools.accumulate(weight(i) for i in insts))
    cap = {id(a): caps.wide_p for a in makers} | {id(a): caps.p for a in users}

    def room(acc: dict, inst_id: str) -> bool:
        return inst_id in acc["positions"] or len(acc["positions"]) < cap[id(acc)]

    def value(acc: dict) -> float:  # collateral net of loans, USD
        return sum(x / 10 ** DECIMALS[k] * float(SPOT[k]) * (1 - float(HAIRCUT[k]) if x > 0 else 1.1)
                   for k, x in acc["balances"].items())

    levered: dict[int, float] = {}  # alt-perpetual notional opened per user, USD

    for _ in range(n_trades):
        taker = rng.choice(users)
        inst = rng.choices(insts, cum_weights=cum)[0]
        if not room(taker, inst["id"]):
            held = sorted(taker["positions"])
            inst = next(i for i in insts if i["id"] == rng.choice(held))
        u = inst["underlying"]
        if inst["kind"] == "perpetual" and u in PERP_LEVERAGE:  # at most L x the taker's collateral
            room_usd = value(taker) * PERP_LEVERAGE[u] - levered.get(id(taker), 0.0)
            usd = min(value(taker) * rng.uniform(1, PERP_LEVERAGE[u]), room_usd)
            levered[id(taker)] = levered.get(id(taker), 0.0) + max(usd, 0.0)
        else:
            lo, hi = SIZE.get(u, (0, 0))
            usd = rng.uniform(lo, hi) * float(SPOT[u]) / (4 if inst["kind"] == "option" else 1)
        size = int(max(usd, 0.0) / float(SPOT[u]) * 10 ** inst["position_decimals"])
        if rng.random() < 0.75 or u in PERP_LEVERAGE:  # users take alt leverage, never make it
            pool = rng.sample(makers, len(makers))
        else:
            pool = rng.sample(users, min(8, len(users)))
        maker = next((m for m in pool if m is not taker and room(m, inst["id"])), None)
        if maker is None or size == 0:
            continue
        sign = 1 if rng.random() < 0.5 else -1
        for acc, q in ((taker, sign * size), (maker, -sign * size)):
            acc["positions"][inst["id"]] = acc["positions"].get(inst["id"], 0) + q


def _cover_net_loans(accs: list[dict], assets: tuple[str, ...]) -> None:
    """The insurance fund adds what makes every loan asset's net balance positive (reserves
    are 110 % of it)."""
    fund = next(a for a in accs if a["role"] == "insurance_fund")
    for sym in LOAN_ASSETS:
        net = sum(a["balances"].get(sym, 0) for a in accs)
        if sym in assets and net <= 0 and sym in fund["balances"]:
            fund["balances"][sym] += 1 - net + _usd_to_units(sym, 10**6)


def _generate(rng: random.Random, assets: tuple[str, ...], insts: list[dict], n_users: int,
              n_failing: int, epoch: int) -> dict[str, str]:
    inst_doc = {"format": "zkproof-instruments/1", "instruments": insts}
    files = {"params.toml": params_toml(assets), "instruments.json": json.dumps(inst_doc, indent=1),
             "oracle.json": json.dumps(_oracle(rng, assets, insts), indent=1)}
    params = loads_params(files["params.toml"])
    instruments = loads_instruments(files["instruments.json"], params=params)
    market = parse_market(loads_strict(files["oracle.json"], "oracle.json"), "oracle.json", params,
                          instruments)
    table = build_risk_table(params, instruments, market)
    accs = _accounts(rng, n_users, insts, assets)
    E, req = equity_matrix(loads_accounts(_jsonl(accs), params, instruments), table)
    c_usdc = table.c[0]
    failing = set(rng.sample([a["id"] for a in accs[:n_users] if a["positions"]], n_failing))
    for u, acc in enumerate(accs):
        need = _usdc_needed(E[u], req[u], c_usdc, acc["balances"]["USDC"])
        if acc["id"] in failing:
            acc["balances"] = {"USDC": max(0, _usdc_needed(E[u] - _other_collateral(acc, table), req[u],
                                                          c_usdc, acc["balances"]["USDC"])
                                       - rng.randint(1, 5_000) * 10**6)}
        elif need > acc["balances"]["USDC"]:
            acc["balances"]["USDC"] = need + (need - acc["balances"]["USDC"]) // 4 + rng.randint(0, 10**9)
    files["accounts.jsonl"] = _jsonl(accs)
    files["epoch.json"] = _epoch_input(loads_accounts(files["accounts.jsonl"], params, instruments),
                                       params, table.snapshot_time, epoch)
    return files


def _epoch_input(accounts, params, snapshot_time: int, epoch: int) -> str:
    """``epoch.json``: the epoch at the snapshot time, reserves 110 % of the total balances."""
    totals = [sum(a.balances[k] for a in accounts) for k in range(len(params.assets))]
    reserves = {a.symbol: str(t + t // 10) for a, t in zip(params.assets, totals)}
    return json.dumps({"format": "zkproof-epoch-input/1", "epoch": str(epoch),
                       "timestamp": format_timestamp(snapshot_time), "reserves": reserves}, indent=1)


def _other_collateral(acc: dict, table) -> list[int]:
    """Value of the account's non-USDC collateral per scenario (to be removed for a failing user)."""
    syms = [s for s, _ in table.assets]
    return [sum(acc["balances"].get(sym, 0) * table.c[a][s] for a, sym in enumerate(syms) if sym != "USDC")
            for s in range(len(table.scenarios))]


# The venue demo's and examples/venue/'s shape (docs/venue-design.md §6): every circuit of its
# ceremony in 2^14, so `make demo` fits in minutes on 2 cores.
VENUE_DEMO = VenueParams(i_max=128, a_max=32, p=16, b=8, wide_p=32, borrow_haircut=Decimal("0.05"))
VENUE_DEMO_CAPACITY, VENUE_DEMO_BATCHES = 2, 16


def venue_example(n_users: int = 24, epoch: int = 1) -> dict[str, str]:
    """The seeded venue at the demo's shape: two underlyings (4 expiries x 7 strikes, call and
    put, a perpetual and two futures each), the alt perpetuals (124 instruments), 26 assets,
    borrowers; ``8 x n_users`` trades put the 3 market makers and the vault in the wide tier.
    24 users (``examples/venue/``) fill 15 of the 16 batches of 2."""
    return generate_venue(seed=2026, n_users=n_users, n_underlyings=2, n_expiries=4, n_strikes=7,
                          n_trades=8 * n_users, epoch=epoch, venue=VENUE_DEMO)


def write_example(directory: str | Path, seed: int = 2026, n_users: int = 48, n_failing: int = 0,
                  epoch: int = 1) -> Path:
    return write_files(directory, generate(seed, n_users, n_failing, epoch))


def write_files(directory: str | Path, files: dict[str, str]) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text if text.endswith("\n") else text + "\n")
    return out
