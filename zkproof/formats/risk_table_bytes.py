"""Canonical byte encoding of the risk table (layout: docs/formats.md §8.2 and
``zkproof.margin.risk_table``'s docstring).

The margin engine encodes its ``RiskTable`` with it, and the verifier re-encodes the header's
table and metadata with it to recompute ``risk_table.sha256`` (so the SHA-256 binds the unit,
asset symbols and decimals, instrument descriptors, scenario labels and snapshot time).

Decoding is strict: wrong magic, version or bit bound, truncation, trailing bytes, an entry
with ``|x| >= 2^TABLE_BITS`` or a negative ``c``/``m``/``ml``/``ms`` are one-line ``InputError`` s.
"""

from __future__ import annotations

import struct
from typing import Any

from zkproof.errors import InputError

MAGIC = b"ZKPRISK1"
VERSION = 2  # 2: the maintenance columns ml, ms follow m


def _str(s: str) -> bytes:
    raw = s.encode("utf-8")
    return struct.pack("<H", len(raw)) + raw


def encode_table(t: Any, version: int, bits: int) -> bytes:
    """The canonical bytes of ``t`` (any object with the ``RiskTable`` fields: ``assets`` as
    ``(symbol, decimals)`` pairs, ``instruments`` as descriptors)."""
    out = [MAGIC, struct.pack("<IIIqIII", version, bits, t.value_unit_exponent, t.snapshot_time,
                              len(t.assets), len(t.instruments), len(t.scenarios))]
    out += [_str(sym) + struct.pack("<I", dec) for sym, dec in t.assets]
    out += [_str(d) for d in t.instruments] + [_str(label) for label in t.scenarios]
    flat = [x for row in t.c for x in row] + [x for row in t.v for x in row]
    flat += list(t.m) + list(t.ml) + list(t.ms)
    out.append(struct.pack(f"<{len(flat)}q", *flat))
    return b"".join(out)


class _Reader:
    def __init__(self, data: bytes, file: str):
        self.data, self.pos, self.file = data, 0, file

    def take(self, n: int, field: str) -> bytes:
        if self.pos + n > len(self.data):
            raise InputError(self.file, field, f"truncated at byte {len(self.data)}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str, field: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), field))

    def string(self, field: str) -> str:
        (n,) = self.unpack("H", field)
        try:
            return self.take(n, field).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(self.file, field, "not UTF-8") from None


def decode_table(data: bytes, file: str, version: int, bits: int) -> dict[str, Any]:
    r = _Reader(data, file)
    if r.take(8, "magic") != MAGIC:
        raise InputError(file, "magic", f"expected {MAGIC!r}")
    ver, b, e, t0, A, I, S = r.unpack("IIIqIII", "header")
    if ver != version or b != bits:
        raise InputError(file, "header", f"expected version {version} with {bits}-bit entries, got {ver}/{b}")
    if max(A, I, S) > 1 << 16:
        raise InputError(file, "header", f"implausible sizes A={A} I={I} S={S}")
    assets = tuple((r.string(f"assets[{k}]"), r.unpack("I", f"assets[{k}]")[0]) for k in range(A))
    insts = tuple(r.string(f"instruments[{k}]") for k in range(I))
    scen = tuple(r.string(f"scenarios[{k}]") for k in range(S))
    n = A * S + I * S + 3 * I
    flat = r.unpack(f"{n}q", "entries")
    if r.pos != len(data):
        raise InputError(file, "entries", f"{len(data) - r.pos} trailing bytes")
    for k, x in enumerate(flat):
        if abs(x) >= 1 << bits or (x < 0 and (k < A * S or k >= A * S + I * S)):
            raise InputError(file, f"entry {k}", f"value {x} out of range")
    c = tuple(tuple(flat[a * S:(a + 1) * S]) for a in range(A))
    v = tuple(tuple(flat[A * S + i * S:A * S + (i + 1) * S]) for i in range(I))
    base = A * S + I * S
    return dict(value_unit_exponent=e, snapshot_time=t0, assets=assets, instruments=insts,
                scenarios=scen, c=c, v=v, m=tuple(flat[base:base + I]), ml=tuple(flat[base + I:base + 2 * I]),
                ms=tuple(flat[base + 2 * I:]))
