"""Strict JSON: one parser for every JSON zkproof reads (SPEC §6, ATTACKS B2, B9, B10).

Python's ``json`` accepts ``NaN``/``Infinity`` and silently keeps the *last* of duplicated keys
(``{"epoch":1,"epoch":2}`` -> 2, measured on 3.11); both are refused here, as are invalid UTF-8,
truncation and absurd nesting. Errors are ``InputError(file, field, reason)``.
"""

from __future__ import annotations

import json
import os
import re
from itertools import accumulate
from typing import Any

from zkproof.errors import InputError

MAX_JSON_BYTES = 256 * 1024 * 1024
MAX_JSON_DEPTH = 64  # ours need a handful; anything deeper is an attack on the parser
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_DEPTH_STEP = [1 if c in b"[{" else -1 for c in range(256)]


def too_deep(data: bytes) -> bool:
    """Nesting deeper than ``MAX_JSON_DEPTH``, found without recursion: json's C scanner
    recurses once per level, and 10^5 open brackets crash the interpreter once the recursion
    limit has been raised, as test runners do (measured: SIGSEGV under pytest). Strings are
    blanked, then the running depth of the remaining brackets is scanned."""
    brackets = re.sub(rb'"(?:[^"\\]|\\.)*"', b"", data).translate(None, _NOT_BRACKETS)
    return any(d > MAX_JSON_DEPTH for d in accumulate(map(_DEPTH_STEP.__getitem__, brackets)))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(data: bytes | str, file: str, error: type[InputError] = InputError) -> Any:
    """Parse one JSON document strictly; ``error`` is the ``InputError`` subclass to raise."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise error(file, key, "duplicate key")
            out[key] = value
        return out

    raw = data if isinstance(data, (bytes, bytearray)) else data.encode("utf-8", "surrogatepass")
    if too_deep(bytes(raw)):
        raise error(file, "<json>", f"invalid JSON: nested deeper than {MAX_JSON_DEPTH}")
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
        return json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constants)
    except InputError:
        raise
    except json.JSONDecodeError as e:
        raise error(file, "<json>", f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except (ValueError, RecursionError) as e:  # bad UTF-8, NaN, 5000-digit numbers, nesting
        raise error(file, "<json>", f"invalid JSON: {str(e).splitlines()[0][:120]}") from None


def load(path: str | os.PathLike, error: type[InputError] = InputError,
         max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Read and parse a JSON file strictly (size-capped)."""
    file = os.fspath(path)
    try:
        with open(file, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise InputError(file, "<file>", f"cannot read: {e.strerror or e}") from None
    if len(data) > max_bytes:
        raise error(file, "<json>", f"file larger than {max_bytes} bytes")
    return loads(data, file, error)


def dumps(obj: Any) -> bytes:
    """Canonical JSON bytes for files we write (sorted keys where dicts, 1-space indent, newline)."""
    return (json.dumps(obj, indent=1, sort_keys=False) + "\n").encode()
