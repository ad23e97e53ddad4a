"""Strict JSON reading shared by the snapshot loaders (SPEC §6, ATTACKS B2, B10).

``json.loads`` accepts ``NaN``/``Infinity`` and resolves a duplicated key to its last value
(measured, Python 3.11); both are rejected here. Timestamps have one accepted spelling,
``YYYY-MM-DDTHH:MM:SSZ`` (UTC), parsed to integer Unix seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from zkproof.errors import InputError
from zkproof.formats.strict_json import MAX_JSON_DEPTH, too_deep

# [0-9], not \d: \d (and strptime) also take any Unicode decimal digit
_TS_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def loads_strict(text: str, file: str, where: str = "document") -> Any:
    """Parse JSON text, rejecting duplicate keys and NaN/Infinity; errors name ``where``."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                sep = ": " if where.startswith("line ") else "."
                raise InputError(file, f"{where}{sep}{key}", "duplicate key")
            out[key] = value
        return out

    if too_deep(text.encode("utf-8", "surrogatepass")):  # json's C scanner recurses per level
        raise InputError(file, where, f"invalid JSON: nested deeper than {MAX_JSON_DEPTH}")
    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constants)
    except InputError:
        raise
    except (ValueError, RecursionError) as exc:
        raise InputError(file, where, f"invalid JSON: {str(exc).splitlines()[0]}") from None


def read_text(path: str | Path) -> str:
    """File contents as UTF-8 text; a decoding problem is an ``InputError``."""
    try:
        return Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"byte {exc.start}", "not valid UTF-8") from None


def load_json(path: str | Path) -> Any:
    return loads_strict(read_text(path), str(path))


def expect_object(value: Any, file: str, field: str, required: set[str], optional: set[str] = frozenset()):
    """``value`` must be an object with exactly the ``required`` keys plus some ``optional``."""
    if not isinstance(value, dict):
        raise InputError(file, field, f"expected an object, got {type(value).__name__}")
    missing = sorted(required - value.keys())
    if missing:
        raise InputError(file, join_field(field, missing[0]), "missing field")
    unknown = sorted(value.keys() - required - optional)
    if unknown:
        raise InputError(file, join_field(field, unknown[0]), "unknown field")
    return value


def join_field(field: str, key: str) -> str:
    """``"" + k -> k``, ``"line 3:" + k -> "line 3: k"``, ``"a" + k -> "a.k"``."""
    if not field:
        return key
    return f"{field} {key}" if field.endswith(":") else f"{field}.{key}"


def parse_timestamp(value: object, file: str, field: str) -> int:
    """``"2026-11-21T00:00:00Z"`` -> Unix seconds (UTC); the only accepted spelling."""
    if not isinstance(value, str) or not _TS_RE.fullmatch(value):
        raise InputError(file, field, f"expected a UTC time YYYY-MM-DDTHH:MM:SSZ, got {value!r:.40}")
    try:
        t = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise InputError(file, field, f"not a valid date/time: {value}") from None
    return int(t.timestamp())


def format_timestamp(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_identifier(value: object, file: str, field: str) -> str:
    """Symbols, instrument ids, source names: 1-64 chars of ``[A-Za-z0-9._:@-]``."""
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise InputError(file, field, f"expected an identifier [A-Za-z0-9._:@-]{{1,64}}, got {value!r:.40}")
    return value
