"""The ``.wtns`` witness file (snarkjs ``wtns_utils.js``, circom's witness calculator).

Section map (iden3 container, magic ``wtns``, version 2; version 1 has the same layout)::

    1 header   n8 u32 | prime n8 bytes LE | nWitness u32
    2 witness  nWitness x value, n8 bytes LE, canonical (< prime)

Strict (ATTACKS B9): ``n8 != 32``, a prime other than BN254's ``r``, a witness section whose size
is not ``nWitness * 32``, a value ``>= r``, ``witness[0] != 1`` (wire 0 is the constant ONE) or a
truncated file raise ``InputError(path, "section N (name)" | "witness[i]", reason)``.

``read_wtns_bytes`` returns the raw ``nWitness * 32`` little-endian buffer after the same checks,
without making Python ints: the prover hands it straight to the kernel (32-byte LE scalars).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence

import numpy as np

from zkproof.errors import InputError
from zkproof.field.fr import N8, R
from zkproof.formats.binfile import atomic_write, build_binfile, read_binfile

MAGIC = b"wtns"
VERSION = 2
HEADER, WITNESS = 1, 2
_HEADER_LABEL = "section 1 (header)"
_WITNESS_LABEL = "section 2 (witness)"
# R as four little-endian u64 limbs, most significant first, for the vectorised range check.
_R_LIMBS_MSF = [(R >> (64 * i)) & (2**64 - 1) for i in (3, 2, 1, 0)]


def read_wtns_bytes(path: str | os.PathLike, data: bytes | None = None) -> bytes:
    """The witness as ``nWitness * 32`` bytes (LE, canonical, ``witness[0] == 1``), checked."""
    path = str(path)
    try:
        bf = read_binfile(path, MAGIC, VERSION, data)
    except InputError as e:  # the container names sections by number only: add the name
        label = {"section 1": _HEADER_LABEL, "section 2": _WITNESS_LABEL}.get(e.field)
        raise (InputError(e.file, label, e.reason) if label else e) from None
    rd = bf.reader(HEADER, "header")
    rd.field_header(N8, R, "BN254 r")
    n = rd.u32()
    rd.expect_end()
    body = bf.section(WITNESS, "witness")
    if len(body) != n * N8:
        raise InputError(path, _WITNESS_LABEL,
                         f"size: expected nWitness * 32 = {n * N8} bytes, got {len(body)}")
    buf = bytes(body)
    _check_values(path, buf)
    return buf


def read_wtns(path: str | os.PathLike, data: bytes | None = None) -> list[int]:
    """The witness as a list of ints in ``[0, r)``; ``witness[0] == 1``."""
    buf = read_wtns_bytes(path, data)
    return [int.from_bytes(buf[i:i + N8], "little") for i in range(0, len(buf), N8)]


def _check_values(path: str, buf: bytes) -> None:
    """Every 32-byte value is ``< R`` and the first one is 1 (vectorised: no Python ints)."""
    if not buf:
        raise InputError(path, _WITNESS_LABEL, "empty: witness[0] must be the constant 1")
    limbs = np.frombuffer(buf, dtype="<u8").reshape(-1, 4)[:, ::-1]  # most significant first
    lt = np.zeros(len(limbs), dtype=bool)  # already known < R
    eq = np.ones(len(limbs), dtype=bool)  # equal to R on the limbs seen so far
    for j, r_limb in enumerate(_R_LIMBS_MSF):
        col = limbs[:, j]
        lt |= eq & (col < np.uint64(r_limb))
        eq &= col == np.uint64(r_limb)
    bad = np.flatnonzero(~lt)
    if bad.size:
        i = int(bad[0])
        v = int.from_bytes(buf[i * N8:(i + 1) * N8], "little")
        raise InputError(path, f"witness[{i}]", f"value {v} is not reduced below r")
    if buf[:N8] != (1).to_bytes(N8, "little"):
        raise InputError(path, "witness[0]",
                         f"expected the constant 1, got {int.from_bytes(buf[:N8], 'little')}")


def wtns_bytes(values: Sequence[int]) -> bytes:
    """Serialize a witness as snarkjs ``wtns calculate`` does (version 2, sections 1 then 2).

    Raises ``ValueError`` unless every value is in ``[0, r)`` and ``values[0] == 1``.
    """
    if not values or values[0] != 1:
        raise ValueError("witness[0] must be the constant 1")
    for i, v in enumerate(values):
        if not 0 <= v < R:
            raise ValueError(f"witness[{i}] = {v} is not in [0, r)")
    header = struct.pack("<I", N8) + R.to_bytes(N8, "little") + struct.pack("<I", len(values))
    body = b"".join(v.to_bytes(N8, "little") for v in values)
    return build_binfile(MAGIC, VERSION, [(HEADER, header), (WITNESS, body)])


def write_wtns(path: str | os.PathLike, values: Sequence[int]) -> None:
    """Write a witness file atomically (see ``wtns_bytes``)."""
    atomic_write(path, wtns_bytes(values))
