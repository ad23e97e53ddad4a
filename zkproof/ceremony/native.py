"""The ceremony's bulk operations, native when ``zkproof._native.groupfft`` imports.

Every function has a pure-Python (or generic-kernel) twin giving identical bytes; the twin is
used when the extension is missing or ``ZKPROOF_KERNEL=python`` (tests compare both):

* ``encode(buf, size, compressed)`` -- LEM points -> snarkjs transcript encodings, the per-point
  ``transcript.g1_uncompressed`` / ``g1_compressed`` / ``g2_…`` over a whole section;
* ``mul_geometric(buf, size, first, ratio)`` -- ``[first ratio^i P_i]``: a powers-of-tau
  contribution (ratio = tau) and phase 2's ``1/x`` (ratio = 1), GLV in C (``cer_impl.h``);
* ``add(a, b, size, sub)`` -- elementwise ``a_i +- b_i`` (zkey new's H hashing points);
* ``lincomb(bases, size, idx, scalars, start)`` -- sparse sums ``sum s_j B_{idx_j}`` per target
  (zkey new's A, B, C, IC sections; replaces one kernel MSM call per wire);
* ``blake2b_blocks(h, data, length)`` -- BLAKE2b compression of whole non-final blocks (the
  midstate-exporting hasher of ``blake2b_state``).

Points in the GLV paths must lie in the prime-order subgroups (ptau/zkey readers check G2; G1
has cofactor 1), as for ``zkproof._native.groupfft``'s transform.
"""

from __future__ import annotations

import os
import struct
from array import array

from zkproof import kernel
from zkproof.curve import bn254
from zkproof.field.fr import R

G1_SIZE, G2_SIZE = 64, 128

NATIVE = None
if os.environ.get("ZKPROOF_KERNEL", "") != "python":
    try:  # the group-FFT extension also carries the ceremony kernels (groupfft.c)
        from zkproof._native import groupfft as NATIVE  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - depends on the build
        NATIVE = None


def _dec(size: int):
    return bn254.g1_from_lem if size == G1_SIZE else bn254.g2_from_lem


def _enc(size: int):
    return bn254.g1_to_lem if size == G1_SIZE else bn254.g2_to_lem


def encode_python(buf: bytes, size: int, compressed: bool) -> bytes:
    """Reference of ``encode``: per point through ``zkproof.ceremony.transcript``."""
    from zkproof.ceremony import transcript as tr

    if size == G1_SIZE:
        enc = tr.g1_compressed if compressed else tr.g1_uncompressed
    else:
        enc = tr.g2_compressed if compressed else tr.g2_uncompressed
    dec = _dec(size)
    return b"".join(enc(dec(buf[i:i + size])) for i in range(0, len(buf), size))


def encode(buf: bytes, size: int, compressed: bool = False) -> bytes:
    """snarkjs ``LEMtoU`` (uncompressed) / ``LEMtoC`` (compressed) of every point in ``buf``."""
    if NATIVE is not None:
        return (NATIVE.g1_encode if size == G1_SIZE else NATIVE.g2_encode)(buf, compressed)
    return encode_python(buf, size, compressed)


def geometric_scalars(first: int, ratio: int, n: int) -> bytes:
    """``first ratio^i mod R`` for i < n, 32-byte little-endian each."""
    out, t = [], first % R
    for _ in range(n):
        out.append(t.to_bytes(32, "little"))
        t = t * ratio % R
    return b"".join(out)


def mul_geometric_python(buf: bytes, size: int, first: int, ratio: int) -> bytes:
    """Reference of ``mul_geometric``: the generic kernel batch multiplication."""
    mul = kernel.g1_batch_mul if size == G1_SIZE else kernel.g2_batch_mul
    return bytes(mul(buf, geometric_scalars(first, ratio, len(buf) // size)))


def mul_geometric(buf: bytes, size: int, first: int, ratio: int) -> bytes:
    """``[first ratio^i P_i]_i`` (LEM): entry i of a ptau section times ``first tau^i``."""
    if NATIVE is not None:
        fn = NATIVE.g1_mul_geometric if size == G1_SIZE else NATIVE.g2_mul_geometric
        return fn(buf, (first % R).to_bytes(32, "little"), (ratio % R).to_bytes(32, "little"))
    return mul_geometric_python(buf, size, first, ratio)


def add_python(a: bytes, b: bytes, size: int, sub: bool = False) -> bytes:
    dec, enc = _dec(size), _enc(size)
    add, neg = (bn254.g1_add, bn254.g1_neg) if size == G1_SIZE else (bn254.g2_add, bn254.g2_neg)
    out = []
    for i in range(0, len(a), size):
        q = dec(b[i:i + size])
        out.append(enc(add(dec(a[i:i + size]), neg(q) if sub else q)))
    return b"".join(out)


def add(a: bytes, b: bytes, size: int, sub: bool = False) -> bytes:
    """``[a_i + b_i]`` (or ``a_i - b_i``), LEM."""
    if NATIVE is not None:
        return (NATIVE.g1_add if size == G1_SIZE else NATIVE.g2_add)(a, b, sub)
    return add_python(a, b, size, sub)


def lincomb_python(bases: bytes, size: int, idx: list[int], scalars: list[int],
                   start: list[int]) -> bytes:
    """Reference of ``lincomb``: one kernel MSM per target (infinity when it has no term)."""
    msm = kernel.g1_msm if size == G1_SIZE else kernel.g2_msm
    enc = _enc(size)
    out = []
    for t in range(len(start) - 1):
        lo, hi = start[t], start[t + 1]
        if lo == hi:
            out.append(bytes(size))
            continue
        pts = b"".join(bases[i * size:(i + 1) * size] for i in idx[lo:hi])
        out.append(enc(msm(pts, b"".join((s % R).to_bytes(32, "little") for s in scalars[lo:hi]))))
    return b"".join(out)


def lincomb(bases: bytes, size: int, idx: list[int], scalars: list[int], start: list[int]) -> bytes:
    """For each target t: ``sum_{start[t] <= j < start[t+1]} scalars[j] * bases[idx[j]]`` (LEM)."""
    if NATIVE is not None:
        fn = NATIVE.g1_lincomb if size == G1_SIZE else NATIVE.g2_lincomb
        sc = b"".join((s % R).to_bytes(32, "little") for s in scalars)
        return fn(bases, array("I", idx).tobytes(), sc, array("Q", start).tobytes())
    return lincomb_python(bases, size, idx, scalars, start)


def blake2b_blocks(h: list[int], data: bytes, length: int) -> list[int]:
    """Compress the whole 128-byte blocks of ``data`` (none final) into the state ``h`` (8
    words); ``length`` = bytes hashed before ``data``. Returns the new state."""
    if NATIVE is not None:
        return list(struct.unpack("<8Q", NATIVE.blake2b_blocks(struct.pack("<8Q", *h),
                                                               data, length)))
    from zkproof.ceremony.blake2b_state import _compress

    h = list(h)
    for i in range(0, len(data), 128):
        length += 128
        _compress(h, bytes(data[i:i + 128]), length, False)
    return h
