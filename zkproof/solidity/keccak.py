"""Keccak-256 as the EVM uses it (original Keccak padding 0x01, not SHA3-256's 0x06).

Pure Python so that exporting a verifier needs no keccak backend: ``hashlib.sha3_256`` is the
NIST variant and gives different digests, and ``eth-hash`` needs an optional backend package.
Only small inputs are hashed here (a verification key, a header); tests compare every digest
with ``eth_utils.keccak``.

Reference: FIPS 202 §3 (Keccak-f[1600] permutation: theta, rho, pi, chi, iota), with rate
1088 bits and the Keccak padding ``pad10*1`` starting at byte 0x01.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
_RATE = 136  # bytes: 1600 - 2 * 256 bits

_RC = []
_r = 1
for _ in range(24):  # round constants from the LFSR x^8 + x^6 + x^5 + x^4 + 1 (FIPS 202 §3.2.5)
    rc = 0
    for j in range(7):
        _r = ((_r << 1) ^ ((_r >> 7) * 0x171)) & 0xFF
        if _r & 2:
            rc |= 1 << ((1 << j) - 1)
    _RC.append(rc)

_ROT = [[0] * 5 for _ in range(5)]  # rho offsets (FIPS 202 §3.2.2)
_x, _y = 1, 0
for _t in range(24):
    _ROT[_x][_y] = ((_t + 1) * (_t + 2) // 2) % 64
    _x, _y = _y, (2 * _x + 3 * _y) % 5


def _rol(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & _MASK if n else v


def _permute(a: list[list[int]]) -> None:
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                a[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _ROT[x][y])
        for x in range(5):
            for y in range(5):
                a[x][y] = b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y])
        a[0][0] ^= rc


def keccak256(data: bytes) -> bytes:
    """The 32-byte Keccak-256 digest of ``data`` (Solidity's ``keccak256``)."""
    msg = bytearray(data) + b"\x01" + bytes((-len(data) - 1) % _RATE)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), _RATE):
        block = msg[off:off + _RATE]
        for i in range(_RATE // 8):
            a[i % 5][i // 5] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        _permute(a)
    return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
