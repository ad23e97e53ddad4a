"""Load a whole snapshot directory (or explicit paths) in dependency order.

``params.toml`` first (it names the assets and tolerances), then ``instruments.json`` (its
underlyings must be assets), ``oracle.json`` (every asset needs a validated price; format 2
also every listed option a mark and every expiry a forward) and, when asked, ``accounts.jsonl``
(balances keyed by asset, positions keyed by instrument).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zkproof.snapshot.instruments import Instrument, load_instruments
from zkproof.snapshot.jsonio import load_json
from zkproof.snapshot.ledger import Account, load_accounts
from zkproof.snapshot.marks import Market, parse_market
from zkproof.snapshot.params import RiskParams, load_params

DEFAULT_NAMES = {"params": "params.toml", "instruments": "instruments.json", "oracle": "oracle.json",
                 "accounts": "accounts.jsonl"}


@dataclass
class Snapshot:
    params: RiskParams
    instruments: tuple[Instrument, ...]
    oracle: Market  # format 1 or 2 (docs/formats.md §4)
    accounts: list[Account] | None
    paths: dict[str, Path]


def resolve_paths(directory: str | Path = ".", **overrides: str | Path | None) -> dict[str, Path]:
    """``DIR/<default name>`` for each input unless an explicit path is given."""
    base = Path(directory)
    return {k: Path(overrides[k]) if overrides.get(k) else base / name for k, name in DEFAULT_NAMES.items()}


def load_snapshot(paths: dict[str, Path], with_accounts: bool = True) -> Snapshot:
    params = load_params(paths["params"])
    instruments = load_instruments(paths["instruments"], params)
    oracle = parse_market(load_json(paths["oracle"]), str(paths["oracle"]), params, instruments)
    accounts = load_accounts(paths["accounts"], params, instruments) if with_accounts else None
    return Snapshot(params, instruments, oracle, accounts, paths)
