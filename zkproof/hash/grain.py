"""Poseidon parameter generation with the Grain LFSR (Poseidon paper, Appendix E).

This re-implements, from the paper's description, the procedure of the reference script
``generate_parameters_grain.sage`` (hadeshash) for a prime field with the ``x^5`` S-box, the
invocation circomlib/circomlibjs name in their sources::

    sage generate_parameters_grain.sage 1 0 254 t 8 R_P 0x30644e72...f0000001

It is used offline by ``scripts/gen_poseidon_constants.py`` (which writes the committed data
file) and by the tests that regenerate it; the hash itself never calls it at run time.

Notes:
    * The 80-bit LFSR is seeded with ``field (2 bits) | sbox (4) | n (12) | t (12) | R_F (10) |
      R_P (10) | 30 ones``, clocked 160 times and discarded, then used in self-shrinking mode:
      bits are read in pairs ``(a, b)``, ``b`` is output when ``a = 1`` and dropped otherwise.
    * Round constants: ``(R_F + R_P) * t`` integers of ``n`` bits each (first bit = most
      significant), resampled while ``>= p`` (rejection sampling, no bias).
    * MDS matrix: Cauchy matrix ``M[i][j] = 1 / (x_i + y_j)`` from ``2t`` further ``n``-bit
      samples reduced mod ``p`` (``x = first t``, ``y = next t``), resampled if they are not
      pairwise distinct. (The reference script's later "secure MDS" search never rejects the
      first matrix for circomlib's parameters -- the test against circomlibjs shows it.)

References:
    Grassi, Khovratovich, Rechberger, Roy, Schofnegger, "Poseidon: A New Hash Function for
    Zero-Knowledge Proof Systems", USENIX Security 2021 (ePrint 2019/458), Appendix E / F.
"""

from __future__ import annotations

from collections.abc import Iterator

from zkproof.field.fr import R

FIELD_PRIME = 1  # Grain seed field code: 1 = GF(p)
SBOX_POW = 0  # Grain seed S-box code: 0 = x^alpha with alpha = 5
N_BITS = 254  # bit size of R
R_F = 8
R_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]  # t = 2..17 (circomlib)


def _seed_bits(t: int, r_f: int, r_p: int) -> list[int]:
    fields = [(FIELD_PRIME, 2), (SBOX_POW, 4), (N_BITS, 12), (t, 12), (r_f, 10), (r_p, 10)]
    bits: list[int] = []
    for value, width in fields:
        bits += [int(c) for c in format(value, f"0{width}b")]
    return bits + [1] * 30


def grain_bits(t: int, r_f: int, r_p: int) -> Iterator[int]:
    """The self-shrinking Grain output stream for parameters ``(t, R_F, R_P)``."""
    s = _seed_bits(t, r_f, r_p)
    assert len(s) == 80

    def clock() -> int:
        # Feedback polynomial x^80 + x^62 + x^51 + x^38 + x^23 + x^13 + 1 (taps as in the paper).
        b = s[62] ^ s[51] ^ s[38] ^ s[23] ^ s[13] ^ s[0]
        s.pop(0)
        s.append(b)
        return b

    for _ in range(160):
        clock()
    while True:
        a = clock()
        b = clock()
        if a == 1:
            yield b


def _take_int(stream: Iterator[int], n: int) -> int:
    v = 0
    for _ in range(n):
        v = (v << 1) | next(stream)
    return v


def generate(t: int) -> tuple[list[int], list[list[int]]]:
    """Round constants (flat, ``(R_F + R_P) * t`` of them) and the ``t x t`` MDS matrix."""
    if not 2 <= t <= 17:
        raise ValueError(f"t must be in 2..17, got {t}")
    r_p = R_P[t - 2]
    stream = grain_bits(t, R_F, r_p)
    constants = []
    for _ in range((R_F + r_p) * t):
        v = _take_int(stream, N_BITS)
        while v >= R:
            v = _take_int(stream, N_BITS)
        constants.append(v)
    while True:
        xy = [_take_int(stream, N_BITS) % R for _ in range(2 * t)]
        sums_nonzero = all((x + y) % R for x in xy[:t] for y in xy[t:])
        if len(set(xy)) == 2 * t and sums_nonzero:
            break
    xs, ys = xy[:t], xy[t:]
    mds = [[pow(xs[i] + ys[j], -1, R) for j in range(t)] for i in range(t)]
    return constants, mds
