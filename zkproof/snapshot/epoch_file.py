"""``epoch.json``: which epoch is being proved, its time, and the reserves ``R_a`` (SPEC §1).

::

    {"format": "zkproof-epoch-input/1", "epoch": "42", "timestamp": "2026-11-21T00:00:00Z",
     "reserves": {"USDC": "123000000", "ETH": "...", "BTC": "..."}}

Reserves are base units the protocol holds (decimal strings, every asset of params.toml exactly
once); the epoch is a non-negative integer below 2^63; the timestamp is UTC seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from zkproof.errors import InputError
from zkproof.snapshot.jsonio import expect_object, load_json, parse_timestamp
from zkproof.snapshot.numbers import parse_in_range
from zkproof.snapshot.params import RiskParams

FORMAT = "zkproof-epoch-input/1"


@dataclass(frozen=True)
class EpochInput:
    epoch: int
    timestamp: int
    reserves: tuple[int, ...]  # in params' asset order


def parse_epoch_input(doc: object, file: str, params: RiskParams, reserve_bits: int = 128) -> EpochInput:
    expect_object(doc, file, "", {"format", "epoch", "timestamp", "reserves"})
    if doc["format"] != FORMAT:
        raise InputError(file, "format", f"expected {FORMAT!r}")
    symbols = [a.symbol for a in params.assets]
    reserves = doc["reserves"]
    expect_object(reserves, file, "reserves", set(symbols))
    return EpochInput(
        epoch=parse_in_range(doc["epoch"], file, "epoch", 0, 1 << 63),
        timestamp=parse_timestamp(doc["timestamp"], file, "timestamp"),
        reserves=tuple(parse_in_range(reserves[s], file, f"reserves.{s}", 0, 1 << reserve_bits)
                       for s in symbols),
    )


def load_epoch_input(path: str | Path, params: RiskParams) -> EpochInput:
    return parse_epoch_input(load_json(path), str(path), params)
