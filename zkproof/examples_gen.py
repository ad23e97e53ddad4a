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
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from zkproof.margin.preflight import equity_matrix
from zkproof.margin.risk_table import build_risk_table
from zkproof.snapshot.instruments import loads_instruments
from zkproof.snapshot.jsonio import format_timestamp
from zkproof.snapshot.ledger import loads_accounts
from zkproof.snapshot.oracle import loads_oracle
from zkproof.snapshot.params import loads_params

SNAPSHOT = 1795190400  # 2026-11-20T16:00:00Z
DEC_EXPIRY, MAR_EXPIRY = "2026-12-25T08:00:00Z", "2027-03-26T08:00:00Z"
SPOT = {"USDC": "1", "ETH": "3000", "BTC": "90000"}
VOL = {"USDC": "0", "ETH": "0.65", "BTC": "0.5"}
PDEC = {"ETH": 6, "BTC": 8}
OPTION_GRID = [("put", 0.85, DEC_EXPIRY), ("call", 1.0, DEC_EXPIRY), ("put", 1.0, DEC_EXPIRY),
               ("call", 1.15, DEC_EXPIRY), ("call", 1.0, MAR_EXPIRY), ("put", 0.9, MAR_EXPIRY)]
SIZE = {"ETH": (0.1, 8.0), "BTC": (0.005, 0.4)}  # coins per trade

PARAMS_TOML = """\
# zkproof risk parameters (docs/formats.md §params). Fractions are decimal strings.
format = "zkproof-risk-params/1"
quote = "USD"
value_unit_exponent = 12   # 1 value unit = 10^-12 USD

[scenarios]
horizon_days = "2"
spot_shocks_sigma = ["-4", "-3", "-2", "-1", "1", "2", "3", "4"]
vol_shocks = ["-0.25", "0.5"]

[assets.USDC]
decimals = 6
haircut = "0.02"

[assets.ETH]
decimals = 9        # base unit: gwei (2^64 gwei = 1.8e10 ETH; wei would cap balances at 18 ETH)
haircut = "0.1"

[assets.BTC]
decimals = 8        # base unit: satoshi
haircut = "0.08"

[short_floor]       # per-unit floor for short positions, fraction of the mark spot
option = "0.01"
perpetual = "0"
future = "0"

[oracle]
min_sources = 3
max_staleness_seconds = 60
max_future_seconds = 5
max_spot_deviation = "0.005"
max_vol_deviation = "0.05"
"""


def _instruments() -> list[dict]:
    out: list[dict] = []
    for u in ("ETH", "BTC"):
        out.append({"id": f"{u}-PERP", "kind": "perpetual", "underlying": u, "position_decimals": PDEC[u]})
        out.append({"id": f"{u}-20270326", "kind": "future", "underlying": u, "expiry": MAR_EXPIRY,
                    "position_decimals": PDEC[u]})
        s = int(SPOT[u])
        for right, k, exp in OPTION_GRID:
            strike = str(round(s * k))
            tag = exp[:10].replace("-", "")
            out.append({"id": f"{u}-{tag}-{strike}-{right[0].upper()}", "kind": "option", "right": right,
                        "underlying": u, "strike": strike, "expiry": exp, "position_decimals": PDEC[u]})
    return out


def _oracle(rng: random.Random) -> dict:
    prices = {}
    for sym in ("USDC", "ETH", "BTC"):
        quotes = []
        for k, src in enumerate(("coinbase", "kraken", "bitstamp")):
            bump = (k - 1) * (0.0001 if sym == "USDC" else rng.uniform(0.0002, 0.0015))
            spot = f"{float(SPOT[sym]) * (1 + bump):.4f}".rstrip("0").rstrip(".")
            vol = VOL[sym] if sym == "USDC" else f"{float(VOL[sym]) + (k - 1) * 0.005:.3f}".rstrip("0")
            quotes.append({"source": src, "spot": spot, "implied_vol": vol,
                           "timestamp": format_timestamp(SNAPSHOT - rng.randint(0, 30))})
        prices[sym] = quotes
    return {"format": "zkproof-oracle/1", "snapshot_time": format_timestamp(SNAPSHOT),
            "risk_free_rate": "0.04", "prices": prices}


def _accounts(rng: random.Random, n_users: int, insts: list[dict]) -> list[dict]:
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
    rng = random.Random(seed)
    insts = _instruments()
    inst_doc = {"format": "zkproof-instruments/1", "instruments": insts}
    files = {"params.toml": PARAMS_TOML, "instruments.json": json.dumps(inst_doc, indent=1),
             "oracle.json": json.dumps(_oracle(rng), indent=1)}
    params = loads_params(files["params.toml"])
    instruments = loads_instruments(files["instruments.json"], params=params)
    table = build_risk_table(params, instruments, loads_oracle(files["oracle.json"], params))
    accs = _accounts(rng, n_users, insts)
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


def write_example(directory: str | Path, seed: int = 2026, n_users: int = 48, n_failing: int = 0,
                  epoch: int = 1) -> Path:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in generate(seed, n_users, n_failing, epoch).items():
        (out / name).write_text(text if text.endswith("\n") else text + "\n")
    return out
