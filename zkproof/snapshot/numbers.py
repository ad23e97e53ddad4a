"""Strict parsing of the numbers in input files (SPEC §6, ATTACKS A1, A2, B2).

Amounts are decimal strings, never JSON numbers and never floats. Only one spelling of each
value is accepted, so a value has exactly one text form and nothing is silently reinterpreted:

* integers: ``0`` or ``-?[1-9][0-9]*`` (no ``+``, no leading zeros, no ``-0``, no spaces,
  no ``_``, no ``0x``, no exponent, no fraction). Python's ``int()`` would accept
  ``" 42 "``, ``"+42"``, ``"0042"`` and ``"4_2"``; we do not call it before the regex matched.
* decimals: the integer form optionally followed by ``.`` and digits, without a trailing
  zero in the fraction (``"5.0"`` and ``"0.50"`` are rejected: write ``"5"``, ``"0.5"``).
  They are parsed to :class:`decimal.Decimal` exactly (no binary float ever).

Length is capped (``MAX_DIGITS``) before conversion, so a 5000-digit string is a one-line
error rather than Python's int-conversion ``ValueError``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from zkproof.errors import InputError

MAX_DIGITS = 78  # enough for any value < 2^256; every bound we check is far below
BALANCE_BOUND = 1 << 64  # SPEC §1.1: 0 <= b < 2^64
POSITION_BOUND = 1 << 63  # SPEC §1.1: -2^63 < q < 2^63

_INT_RE = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DEC_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?")


def _text(value: object, file: str, field: str) -> str:
    """The string form of a number field, rejecting JSON numbers, bools and None."""
    if not isinstance(value, str):
        kind = type(value).__name__
        raise InputError(file, field, f"expected a decimal string, got {kind} {value!r:.40}")
    if len(value) > MAX_DIGITS + 2:
        raise InputError(file, field, f"number too long ({len(value)} characters)")
    return value


def parse_int(value: object, file: str, field: str) -> int:
    """A canonical decimal integer string -> ``int``; anything else -> ``InputError``."""
    text = _text(value, file, field)
    if not _INT_RE.fullmatch(text) or text == "-0":
        raise InputError(file, field, f"expected a canonical decimal integer, got {text!r:.40}")
    return int(text)


def parse_decimal(value: object, file: str, field: str) -> Decimal:
    """A canonical decimal string (``"3012.5"``, ``"-0.3"``) -> exact ``Decimal``."""
    text = _text(value, file, field)
    if not _DEC_RE.fullmatch(text) or text == "-0":
        raise InputError(file, field, f"expected a canonical decimal string, got {text!r:.40}")
    return Decimal(text)


def parse_in_range(value: object, file: str, field: str, lo: int, hi: int) -> int:
    """A canonical integer with ``lo <= x < hi`` (half-open, as the circuit's range checks)."""
    x = parse_int(value, file, field)
    if not lo <= x < hi:
        raise InputError(file, field, f"expected {lo} <= value < {hi}, got {x}")
    return x


def parse_balance(value: object, file: str, field: str) -> int:
    """A collateral balance in base units: ``0 <= b < 2^64`` (ATTACKS A1, A2)."""
    x = parse_int(value, file, field)
    if x < 0:
        raise InputError(file, field, f"negative balance {x}")
    if x >= BALANCE_BOUND:
        raise InputError(file, field, f"balance {x} >= 2^64")
    return x


def parse_signed_balance(value: object, file: str, field: str) -> int:
    """A venue balance in base units, negative for a loan: ``-2^63 < b < 2^63`` (docs/formats.md §5)."""
    x = parse_int(value, file, field)
    if not -POSITION_BOUND < x < POSITION_BOUND:
        raise InputError(file, field, f"balance {x} outside (-2^63, 2^63)")
    return x


def parse_position(value: object, file: str, field: str) -> int:
    """A signed position in position units: ``-2^63 < q < 2^63`` (ATTACKS A2)."""
    x = parse_int(value, file, field)
    if not -POSITION_BOUND < x < POSITION_BOUND:
        raise InputError(file, field, f"position {x} outside (-2^63, 2^63)")
    return x


def parse_fraction(value: object, file: str, field: str, lo: Decimal, hi: Decimal) -> Decimal:
    """A decimal in the closed interval ``[lo, hi]`` (haircuts, tolerances, vols)."""
    x = parse_decimal(value, file, field)
    if not lo <= x <= hi:
        raise InputError(file, field, f"expected {lo} <= value <= {hi}, got {x}")
    return x


def parse_small_int(value: object, file: str, field: str, lo: int, hi: int) -> int:
    """A structural integer (decimals, counts): a JSON/TOML integer, not a bool, in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(file, field, f"expected an integer, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise InputError(file, field, f"expected {lo} <= value <= {hi}, got {value}")
    return value
