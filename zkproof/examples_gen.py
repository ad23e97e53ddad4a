"""Seeded synthetic derivatives protocol: instruments, oracle, risk parameters and accounts.

``generate(seed, n_users, n_failing)`` returns the four input files as text (the same seed
gives the same bytes). The protocol has three collateral assets (USDC, ETH, BTC), 16
instruments (perpetuals, futures and European options on ETH and BTC), ``n_users`` users, an
insurance fund and a protocol vault that makes markets. Every trade has a buyer and a seller, so
positions net to zero per instrument by construction. Collateral is then topped up (in USDC)
until every account passes margin with the exact integer check of ``margin.preflight``, except
``n_failing`` users whose collateral is cut to fail by a random amount (for demos and tests).
``write_example(dir, ...)`` writes ``params.toml``, ``instruments.json``, ``oracle.json`` and
``accounts.jsonl``; ``examples/`` in the repo is ``write_example("examples", seed=2026,
n_users=48)``.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

from zkproof.margin import black76
from zkproof.margin.preflight import equity_matrix
from zkproof.margin.risk_table import build_risk_table
from zkproof.snapshot.instruments import loads_instruments
from zkproof.snapshot.jsonio import format_timestamp, loads_strict, parse_timestamp
from zkproof.snapshot.ledger import loads_accounts
from zkproof.snapshot.marks import parse_market
from zkproof.snapshot.params import loads_params

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
RATE = 0.04


def params_toml(assets: tuple[str, ...]) -> str:
    """Risk parameters of format 2: the SPAN-like 16-scenario preset with the example's ranges."""
    unders = [a for a in assets if a != "USDC"]
    table = lambda d: "{" + ", ".join(f"{u} = {d[u]!r}" if isinstance(d[u], int) else  # noqa: E731
                                     f'{u} = "{d[u]}"' for u in unders) + "}"
    lines = [
        "# zkproof risk parameters (docs/formats.md §2). Fractions are decimal strings.",
        'format = "zkproof-risk-params/2"',
        'preset = "span16"          # 7 levels x vol up/down + 2 extreme moves at 35 % cover',
        'quote = "USD"',
        "value_unit_exponent = 12   # 1 value unit = 10^-12 USD",
        "",
        "[scenarios]",
        f"scan_range = {table(SCAN_RANGE)}",
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
        f"perpetual_max_leverage = {table(MAX_LEVERAGE)}   # Hyperliquid rule: 1 / (2 L)",
        f"future = {table({u: _frac(MAX_LEVERAGE[u]) for u in unders})}",
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


def venue_instruments(underlyings: tuple[str, ...], n_expiries: int, n_strikes: int) -> list[dict]:
    """A venue's chain: per underlying a perpetual, quarterly futures, and ``n_expiries`` expiries
    (weeklies, monthlies, quarterlies) x ``n_strikes`` strikes x call/put."""
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
    return out


def _oracle(rng: random.Random, assets: tuple[str, ...], insts: list[dict]) -> dict:
    t = lambda: format_timestamp(SNAPSHOT - rng.randint(0, 30))  # noqa: E731
    prices = {}
    for sym in assets:
        quotes = []
        for k, src in enumerate(SOURCES):
            bump = (k - 1) * (0.0001 if sym == "USDC" else rng.uniform(0.0002, 0.0015))
            vol = VOL[sym] if sym == "USDC" else _dec(float(VOL[sym]) + (k - 1) * 0.005, 3)
            quotes.append({"source": src, "spot": _dec(float(SPOT[sym]) * (1 + bump), 4), "implied_vol": vol,
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


def generate(seed: int = 2026, n_users: int = 48, n_failing: int = 0) -> dict[str, str]:
    """The four input files as text; ``n_failing`` users fail margin (the rest pass)."""
    return _generate(random.Random(seed), ("USDC", "ETH", "BTC"), _instruments(), n_users, n_failing)


def generate_venue(seed: int = 2026, n_users: int = 200, n_underlyings: int = 2, n_expiries: int = 8,
                   n_strikes: int = 30, n_failing: int = 0) -> dict[str, str]:
    """A realistic venue: ``n_underlyings`` of (ETH, BTC, SOL), each a perpetual, two futures and
    ``n_expiries x n_strikes x`` call/put options (2 x 8 x 30: 966 instruments)."""
    unders = ("ETH", "BTC", "SOL")[:n_underlyings]
    insts = venue_instruments(unders, n_expiries, n_strikes)
    return _generate(random.Random(seed), ("USDC",) + unders, insts, n_users, n_failing)


def _generate(rng: random.Random, assets: tuple[str, ...], insts: list[dict], n_users: int,
              n_failing: int) -> dict[str, str]:
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
    return files


def _other_collateral(acc: dict, table) -> list[int]:
    """Value of the account's non-USDC collateral per scenario (to be removed for a failing user)."""
    syms = [s for s, _ in table.assets]
    return [sum(acc["balances"].get(sym, 0) * table.c[a][s] for a, sym in enumerate(syms) if sym != "USDC")
            for s in range(len(table.scenarios))]


def write_example(directory: str | Path, seed: int = 2026, n_users: int = 48, n_failing: int = 0) -> Path:
    return write_files(directory, generate(seed, n_users, n_failing))


def write_files(directory: str | Path, files: dict[str, str]) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text if text.endswith("\n") else text + "\n")
    return out
