"""The accounts file (JSON Lines): one account per line (SPEC §1 private inputs, §6).

Each line is an object ``{"id", "nonce", "balances", "positions"}`` plus an optional ``role``
(``user`` | ``insurance_fund`` | ``protocol_vault``; the vault and the fund are accounts like
any other, SPEC §1.3). ``balances`` maps asset symbols to base-unit strings in ``[0, 2^64)``,
or, in a venue snapshot (params with a ``[venue]`` section), signed strings in ``(-2^63, 2^63)``
(a negative balance is a loan);
``positions`` maps instrument ids to signed position-unit strings in ``(-2^63, 2^63)``; both
are sparse (a missing key is 0). Errors read ``accounts.jsonl: line 12: balances.USDC: ...``.

Rejected at load: duplicate account ids (ATTACKS A8c), unknown assets or instruments, duplicate
JSON keys, non-canonical numbers, out-of-range values (A1, A2), blank lines, more than
``MAX_ACCOUNTS`` lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.snapshot.instruments import Instrument
from zkproof.snapshot.jsonio import expect_object, loads_strict, read_text
from zkproof.snapshot.numbers import parse_balance, parse_position, parse_signed_balance
from zkproof.snapshot.params import RiskParams

ROLES = stm.ACCOUNT_ROLES
MAX_ACCOUNTS = 1 << 24
_ACCOUNT_ID_RE = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces
_NONCE_RE = re.compile(r"[0-9a-f]{64}")  # 32 bytes, lowercase hex: one spelling per nonce


@dataclass(frozen=True)
class Account:
    """Dense per-asset balances ``b[a]`` and per-instrument positions ``q[i]`` (table order)."""

    id: str
    nonce: bytes
    role: str
    balances: tuple[int, ...]
    positions: tuple[int, ...]
    line: int


def _sparse(raw: Any, file: str, field: str, index: dict[str, int], parse, what: str) -> list[int]:
    if not isinstance(raw, dict):
        raise InputError(file, field, f"expected an object keyed by {what}")
    dense = [0] * len(index)
    for key, value in raw.items():
        if key not in index:
            raise InputError(file, f"{field}.{key}", f"unknown {what}")
        dense[index[key]] = parse(value, file, f"{field}.{key}")
    return dense


def parse_account(raw: Any, file: str, line: int, assets: dict[str, int], insts: dict[str, int],
                  signed_balances: bool = False) -> Account:
    """Validate one decoded line; every error names ``line N: field``. ``signed_balances``
    (a venue snapshot only): a balance may be negative, ``|b| < 2^63``."""
    at = f"line {line}"
    if not isinstance(raw, dict):
        raise InputError(file, at, "expected a JSON object")
    expect_object(raw, file, at + ":", {"id", "nonce", "balances", "positions"}, {"role"})
    if not isinstance(raw["id"], str) or not _ACCOUNT_ID_RE.fullmatch(raw["id"]):
        raise InputError(file, f"{at}: id", "expected 1-128 printable ASCII characters without spaces")
    if not isinstance(raw["nonce"], str) or not _NONCE_RE.fullmatch(raw["nonce"]):
        raise InputError(file, f"{at}: nonce", "expected 64 lowercase hex digits (32 bytes)")
    role = raw.get("role", "user")
    if role not in ROLES:
        raise InputError(file, f"{at}: role", f"expected one of {ROLES}, got {role!r:.40}")
    return Account(
        id=raw["id"], nonce=bytes.fromhex(raw["nonce"]), role=role,
        balances=tuple(_sparse(raw["balances"], file, f"{at}: balances", assets,
                               parse_signed_balance if signed_balances else parse_balance, "asset")),
        positions=tuple(_sparse(raw["positions"], file, f"{at}: positions", insts, parse_position,
                                "instrument")),
        line=line,
    )


def parse_accounts(lines: Iterable[str], file: str, params: RiskParams,
                   instruments: tuple[Instrument, ...]) -> list[Account]:
    """Parse JSON Lines text (already split); rejects duplicates, blanks and unknown keys."""
    assets = {a.symbol: k for k, a in enumerate(params.assets)}
    insts = {inst.id: k for k, inst in enumerate(instruments)}
    out: list[Account] = []
    first_line: dict[str, int] = {}
    for n, text in enumerate(lines, start=1):
        if n > MAX_ACCOUNTS:
            raise InputError(file, f"line {n}", f"more than {MAX_ACCOUNTS} accounts")
        if not text.strip():
            raise InputError(file, f"line {n}", "blank line")
        acc = parse_account(loads_strict(text, file, f"line {n}"), file, n, assets, insts,
                            params.venue is not None)
        if acc.id in first_line:
            raise InputError(file, f"line {n}: id", f"duplicate account id {acc.id!r} (first on line "
                                                    f"{first_line[acc.id]})")
        first_line[acc.id] = n
        out.append(acc)
    if not out:
        raise InputError(file, "line 1", "no accounts")
    return out


def split_lines(text: str) -> list[str]:
    """JSON Lines: ``\\n``-separated, one optional final newline."""
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def loads_accounts(text: str, params: RiskParams, instruments: tuple[Instrument, ...],
                   file: str = "<memory>") -> list[Account]:
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        raise InputError(file, f"line {line}", "carriage return found: use \\n line ends")
    if not text:
        raise InputError(file, "line 1", "no accounts")
    return parse_accounts(split_lines(text), file, params, instruments)


def load_accounts(path: str | Path, params: RiskParams, instruments: tuple[Instrument, ...]) -> list[Account]:
    return loads_accounts(read_text(path), params, instruments, str(path))
