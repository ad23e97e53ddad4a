"""Byte-exact transcript primitives of the snarkjs ceremony (phase 1 and phase 2).

What snarkjs hashes, and with what, decides whether a transcript verifies on both sides, so
this module reproduces them bit for bit:

* ``Blake2b`` -- BLAKE2b-512 whose midstate is snarkjs' ``partialHash`` (``blake2b_state``).
* ``ChaCha`` -- ffjavascript's ChaCha20 block function used as an RNG (8-word seed, counter in
  word 12, ``nextU64 = hi * 2^32 + lo`` with ``hi`` drawn first).
* ``fr_from_rng``, ``g1_from_rng``, ``g2_from_rng`` -- ffjavascript's ``fromRng``: a 254-bit
  rejection-sampled integer ``v`` written *as a Montgomery representation* (the element is
  ``v * 2^-256``); a curve point from a random x, a sign bit, and (G2) the cofactor clearing.
* ``hash_to_g2`` / ``g2_sp`` -- the point a same-ratio proof is checked against (keypair.js).
* ``g1_compressed``, ``g1_uncompressed``, ``g2_…`` -- ffjavascript's ``LEMtoC``/``LEMtoU``:
  big-endian coordinates (G2: c1 before c0), 0x80 = "y is negative", 0x40 = infinity.
* ``rng_from_beacon`` -- ``2^numIterationsExp`` chained SHA-256 of the beacon hash as a seed.
"""

from __future__ import annotations

import hashlib
import struct

from py_ecc import optimized_bn128 as ob

from zkproof.ceremony.blake2b_state import BLANK_HASH, PARTIAL_HASH_SIZE, Blake2b, blake2b
from zkproof.curve.bn254 import G1Affine, G2Affine, P, g2_from_py_ecc, g2_to_py_ecc
from zkproof.field.fr import R

__all__ = ["BLANK_HASH", "PARTIAL_HASH_SIZE", "Blake2b", "blake2b", "ChaCha", "fr_from_rng",
           "fq_from_rng", "g1_from_rng", "g2_from_rng", "hash_to_g2", "g2_sp", "g1_compressed",
           "g2_compressed", "g1_uncompressed", "g2_uncompressed", "rng_from_beacon",
           "rng_from_entropy", "fq2_sqrt"]


# --- ChaCha RNG (ffjavascript src/chacha.js) -------------------------------------------------

def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def _quarter(st: list[int], a: int, b: int, c: int, d: int) -> None:
    st[a] = (st[a] + st[b]) & 0xFFFFFFFF
    st[d] = _rotl(st[d] ^ st[a], 16)
    st[c] = (st[c] + st[d]) & 0xFFFFFFFF
    st[b] = _rotl(st[b] ^ st[c], 12)
    st[a] = (st[a] + st[b]) & 0xFFFFFFFF
    st[d] = _rotl(st[d] ^ st[a], 8)
    st[c] = (st[c] + st[d]) & 0xFFFFFFFF
    st[b] = _rotl(st[b] ^ st[c], 7)


class ChaCha:
    """ChaCha20 keystream as an RNG, seeded with 8 u32 words (ffjavascript ``ChaCha``)."""

    def __init__(self, seed: list[int]):
        if len(seed) != 8:
            raise ValueError("ChaCha seed must be 8 u32 words")
        self.state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *seed, 0, 0, 0, 0]
        self.buff: list[int] = []
        self.idx = 16

    @classmethod
    def from_hash(cls, digest: bytes) -> ChaCha:
        """Seed = the first 32 bytes of ``digest`` read as 8 big-endian u32 (snarkjs' habit)."""
        return cls(list(struct.unpack(">8I", digest[:32])))

    def _update(self) -> None:
        x = self.state[:]
        for _ in range(10):
            _quarter(x, 0, 4, 8, 12)
            _quarter(x, 1, 5, 9, 13)
            _quarter(x, 2, 6, 10, 14)
            _quarter(x, 3, 7, 11, 15)
            _quarter(x, 0, 5, 10, 15)
            _quarter(x, 1, 6, 11, 12)
            _quarter(x, 2, 7, 8, 13)
            _quarter(x, 3, 4, 9, 14)
        self.buff = [(x[i] + self.state[i]) & 0xFFFFFFFF for i in range(16)]
        self.idx = 0
        for i in range(12, 16):  # 128-bit counter, little-endian words
            self.state[i] = (self.state[i] + 1) & 0xFFFFFFFF
            if self.state[i]:
                break

    def next_u32(self) -> int:
        if self.idx == 16:
            self._update()
        v = self.buff[self.idx]
        self.idx += 1
        return v

    def next_u64(self) -> int:
        hi = self.next_u32()
        return hi * 0x100000000 + self.next_u32()

    def next_bool(self) -> bool:
        return self.next_u32() & 1 == 1


# --- fromRng (ffjavascript wasm_field1 / wasm_curve) -----------------------------------------

_MONT_INV_P = pow(2, -256, P)
_MONT_INV_R = pow(2, -256, R)
_MASK254 = (1 << 254) - 1


def _raw_from_rng(rng: ChaCha, modulus: int) -> int:
    """A uniform integer ``< modulus`` by 254-bit rejection sampling (4 x nextU64)."""
    while True:
        v = 0
        for i in range(4):
            v += rng.next_u64() << (64 * i)
        v &= _MASK254
        if v < modulus:
            return v


def fr_from_rng(rng: ChaCha) -> int:
    """``Fr.fromRng``: the raw integer is taken as a Montgomery form, so the value is v/2^256."""
    return _raw_from_rng(rng, R) * _MONT_INV_R % R


def fq_from_rng(rng: ChaCha) -> int:
    return _raw_from_rng(rng, P) * _MONT_INV_P % P


def fq_is_negative(x: int) -> bool:
    """ffjavascript ``isNegative``: ``x > (p-1)/2``."""
    return x > (P - 1) // 2


def fq2_is_negative(x: tuple[int, int]) -> bool:
    return fq_is_negative(x[1]) if x[1] else fq_is_negative(x[0])


def _fq2_mul(a, b):
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def _fq2_pow(a, e: int):
    result, base = (1, 0), a
    while e:
        if e & 1:
            result = _fq2_mul(result, base)
        base = _fq2_mul(base, base)
        e >>= 1
    return result


def fq2_sqrt(a: tuple[int, int]) -> tuple[int, int] | None:
    """A square root in F_p2 = F_p[u]/(u^2+1), p = 3 mod 4 (Adj, Rodriguez-Henriquez 2012,
    Alg. 9), or None if ``a`` is not a square."""
    if a == (0, 0):
        return (0, 0)
    a1 = _fq2_pow(a, (P - 3) // 4)
    alpha = _fq2_mul(_fq2_mul(a1, a1), a)
    x0 = _fq2_mul(a1, a)
    if alpha == (P - 1, 0):
        x = ((-x0[1]) % P, x0[0])  # u * x0
    else:
        b = _fq2_pow(((1 + alpha[0]) % P, alpha[1]), (P - 1) // 2)
        x = _fq2_mul(b, x0)
    return x if _fq2_mul(x, x) == a else None


_B2 = (19485874751759354771024239261021720505790618469301721065564631296452457478373,
       266929791119991161246907387137283842545076965332900288569378510910307636690)
G2_COFACTOR = 0x30644E72E131A029B85045B68181585E06CEECDA572A2489345F2299C0F9FA8D


def g1_from_rng(rng: ChaCha) -> G1Affine:
    """``G1.fromRng``: x random until x^3+3 is a square; y's sign is a random bit."""
    while True:
        x = fq_from_rng(rng)
        greatest = rng.next_bool()
        rhs = (x * x * x + 3) % P
        if pow(rhs, (P - 1) // 2, P) in (0, 1):
            break
    y = pow(rhs, (P + 1) // 4, P)
    if greatest != fq_is_negative(y):
        y = (-y) % P
    return (x, y)


def g2_from_rng(rng: ChaCha) -> G2Affine:
    """``G2.fromRng``: as G1 on the twist, then times the G2 cofactor (into the subgroup)."""
    while True:
        x = (fq_from_rng(rng), fq_from_rng(rng))
        greatest = rng.next_bool()
        x3 = _fq2_mul(_fq2_mul(x, x), x)
        rhs = ((x3[0] + _B2[0]) % P, (x3[1] + _B2[1]) % P)
        y = fq2_sqrt(rhs)
        if y is not None:
            break
    if greatest != fq2_is_negative(y):
        y = ((-y[0]) % P, (-y[1]) % P)
    # Not ``bn254.g2_mul``: it reduces the scalar mod R, and the cofactor exceeds R.
    return g2_from_py_ecc(ob.multiply(g2_to_py_ecc((x, y)), G2_COFACTOR))


def hash_to_g2(digest: bytes) -> G2Affine:
    """``keypair.hashToG2``: ChaCha seeded by the digest's first 32 bytes, then a G2 point."""
    return g2_from_rng(ChaCha.from_hash(digest))


# --- point encodings hashed into transcripts -------------------------------------------------

def _be(x: int) -> bytes:
    return x.to_bytes(32, "big")


def g1_uncompressed(pt: G1Affine) -> bytes:
    return bytes(64) if pt is None else _be(pt[0]) + _be(pt[1])


def g2_uncompressed(pt: G2Affine) -> bytes:
    if pt is None:
        return bytes(128)
    (x0, x1), (y0, y1) = pt
    return _be(x1) + _be(x0) + _be(y1) + _be(y0)


def g1_compressed(pt: G1Affine) -> bytes:
    if pt is None:
        return b"\x40" + bytes(31)
    out = bytearray(_be(pt[0]))
    if fq_is_negative(pt[1]):
        out[0] |= 0x80
    return bytes(out)


def g2_compressed(pt: G2Affine) -> bytes:
    if pt is None:
        return b"\x40" + bytes(63)
    out = bytearray(_be(pt[0][1]) + _be(pt[0][0]))
    if fq2_is_negative(pt[1]):
        out[0] |= 0x80
    return bytes(out)


def g2_sp(personalization: int, challenge: bytes, g1_s: G1Affine, g1_sx: G1Affine) -> G2Affine:
    """``keypair.getG2sp``: blake2b(personalization byte || challenge || g1_s || g1_sx) -> G2."""
    return hash_to_g2(blake2b(bytes([personalization]), challenge,
                              g1_uncompressed(g1_s), g1_uncompressed(g1_sx)))


def rng_from_beacon(beacon_hash: bytes, num_iterations_exp: int) -> ChaCha:
    """``misc.rngFromBeaconParams``: SHA-256 iterated 2^exp times, the result seeds ChaCha."""
    if not 0 <= num_iterations_exp <= 63:
        raise ValueError(f"numIterationsExp must be in [0, 63], got {num_iterations_exp}")
    cur = bytes(beacon_hash)
    for _ in range(1 << num_iterations_exp):
        cur = hashlib.sha256(cur).digest()
    return ChaCha.from_hash(cur)


def rng_from_entropy(entropy: str, random_bytes: bytes) -> ChaCha:
    """``misc.getRandomRng``: blake2b(64 random bytes || utf-8 entropy) seeds ChaCha."""
    return ChaCha.from_hash(blake2b(random_bytes, entropy.encode()))
