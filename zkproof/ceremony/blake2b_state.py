"""BLAKE2b-512 with an exportable midstate: snarkjs' ``partialHash`` (ptau contributions).

snarkjs stores in every ptau contribution the state of its response hasher just before the
contributor's public key was absorbed, so that a verifier can finish the hash without the
whole response (``misc.toPartialHash`` / ``fromPartialHash`` over @noble/hashes' internals).
The 216-byte layout: the 128-byte block buffer, then 16 u32 words (h[0..7] as low/high
halves), then u32 ``length - pos``, u32 0, u32 ``pos``, and 12 zero bytes. Like every BLAKE2
implementation, the last block is kept uncompressed until ``digest`` (it needs the "final"
flag), so ``1 <= pos <= 128`` once any byte has been absorbed. RFC 7693 for the function.
"""

from __future__ import annotations

import hashlib
import struct

MASK64 = (1 << 64) - 1
_IV = (
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
)
_SIGMA = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3),
    (11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4),
    (7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8),
    (9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13),
    (2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9),
    (12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11),
    (13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10),
    (6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5),
    (10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0),
)
PARTIAL_HASH_SIZE = 216


def _compress(h: list[int], block: bytes, t: int, last: bool) -> None:
    """RFC 7693 §3.2 compression F, in place on ``h``."""
    m = struct.unpack("<16Q", block)
    v = h[:] + list(_IV)
    v[12] ^= t & MASK64
    v[13] ^= t >> 64
    if last:
        v[14] ^= MASK64
    for r in range(12):
        s = _SIGMA[r % 10]
        for i, (a, b, c, d) in enumerate(((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14),
                                           (3, 7, 11, 15), (0, 5, 10, 15), (1, 6, 11, 12),
                                           (2, 7, 8, 13), (3, 4, 9, 14))):
            x, y = m[s[2 * i]], m[s[2 * i + 1]]
            va = (v[a] + v[b] + x) & MASK64
            vd = v[d] ^ va
            vd = ((vd >> 32) | (vd << 32)) & MASK64
            vc = (v[c] + vd) & MASK64
            vb = v[b] ^ vc
            vb = ((vb >> 24) | (vb << 40)) & MASK64
            va = (va + vb + y) & MASK64
            vd ^= va
            vd = ((vd >> 16) | (vd << 48)) & MASK64
            vc = (vc + vd) & MASK64
            vb ^= vc
            vb = ((vb >> 63) | (vb << 1)) & MASK64
            v[a], v[b], v[c], v[d] = va, vb, vc, vd
    for i in range(8):
        h[i] ^= v[i] ^ v[i + 8]


class Blake2b:
    """Unkeyed BLAKE2b-512 with an exportable midstate (snarkjs ``partialHash``).

    Used only where the midstate must be stored (the response hash of a ptau contribution);
    runs of whole blocks are compressed by ``zkproof.ceremony.native.blake2b_blocks`` (C when
    built, else ``_compress`` here). Everything else uses ``hashlib.blake2b`` (same digests).
    """

    def __init__(self) -> None:
        self.h = list(_IV)
        self.h[0] ^= 0x01010000 ^ 64  # parameter block: digest 64, key 0, fanout 1, depth 1
        self.buffer = bytearray(128)
        self.pos = 0
        self.length = 0

    def update(self, data: bytes) -> Blake2b:
        data = memoryview(bytes(data))
        i = 0
        while i < len(data):
            if self.pos == 128:
                _compress(self.h, bytes(self.buffer), self.length, False)
                self.pos = 0
            take = min(128 - self.pos, len(data) - i)
            if take == 128 and i % 4 == 0 and i + 128 < len(data):
                # noble compresses whole blocks straight from the input and leaves its buffer
                # untouched; mirrored so the stale bytes of ``partialHash`` match too.
                k = (len(data) - i - 1) // 128  # whole blocks with at least a byte after them
                from zkproof.ceremony.native import blake2b_blocks  # (imports this module)

                self.h = blake2b_blocks(self.h, data[i:i + 128 * k], self.length)
                self.length += 128 * k
                i += 128 * k
                continue
            self.buffer[self.pos:self.pos + take] = data[i:i + take]
            self.pos += take
            self.length += take
            i += take
        return self

    def digest(self) -> bytes:
        h = self.h[:]
        block = bytes(self.buffer[:self.pos]) + bytes(128 - self.pos)
        _compress(h, block, self.length, True)
        return struct.pack("<8Q", *h)

    def to_partial(self) -> bytes:
        """The 216-byte midstate snarkjs stores (``misc.toPartialHash``)."""
        words = []
        for x in self.h:
            words += [x & 0xFFFFFFFF, x >> 32]
        words += [self.length - self.pos, 0, self.pos, 0, 0, 0]
        return bytes(self.buffer) + struct.pack("<22I", *words)

    @classmethod
    def from_partial(cls, partial: bytes) -> Blake2b:
        """Inverse of ``to_partial`` (``misc.fromPartialHash``)."""
        if len(partial) != PARTIAL_HASH_SIZE:
            raise ValueError(f"partial hash must be {PARTIAL_HASH_SIZE} bytes, got {len(partial)}")
        w = struct.unpack("<22I", partial[128:])
        st = cls()
        st.buffer = bytearray(partial[:128])
        st.h = [w[2 * i] | (w[2 * i + 1] << 32) for i in range(8)]
        st.pos = w[18] + (w[19] << 32)
        st.length = w[16] + (w[17] << 32) + st.pos
        if st.pos > 128:
            raise ValueError(f"partial hash position {st.pos} > 128")
        return st


def blake2b(*parts: bytes) -> bytes:
    """BLAKE2b-512 of the concatenation of ``parts`` (C speed)."""
    h = hashlib.blake2b(digest_size=64)
    for p in parts:
        h.update(p)
    return h.digest()


BLANK_HASH = blake2b()  # snarkjs' "Blank Contribution Hash"
