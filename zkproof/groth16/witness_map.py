"""The witness map: the scalars snarkjs' Groth16 prover multiplies against the zkey H section.

Symbol map (Groth 2016 §3.2; snarkjs ``groth16_prove.js``: ``buildABC1``, ``joinABC``):

* ``n``          -- the domain size (zkey ``domainSize``), ``w_n`` its generator, ``H = <w_n>``.
* ``a(x), b(x)`` -- the polynomials with ``a(w_n^c) = sum_s A[c][s] * w_s`` (section-4 rows).
* ``c(x)``       -- snarkjs does not store the C matrix: it takes ``c(w_n^c) = a(w_n^c) b(w_n^c)``
  (the true C rows live in the IC/L points), so ``a b - c`` vanishes on ``H`` by construction.
* ``g = w_2n``   -- the coset shift: ``g H`` is the set of odd points of the 2n-domain.
* output ``p_i = (a b - c)(g w_n^i)`` for i < n. Since ``Z(x) = x^n - 1 = -2`` on ``g H``,
  ``sum_i p_i L^{2n}_{2i+1}(tau) = (a b - c)(tau) = h(tau) Z(tau)``, and the zkey H section
  holds exactly ``L^{2n}_{2i+1}(tau) / delta * G1`` (see ``groth16.setup``).

A pure function of byte buffers (32-byte little-endian canonical scalars) so the native kernel
can port it with identical output; transforms go through ``zkproof.kernel.fr_ntt``.
"""

from __future__ import annotations

import struct

from zkproof import kernel
from zkproof.field.fr import TWO_ADICITY, R, root_of_unity

_COEF = struct.Struct("<III32s")
_MONT_R2_INV = pow(pow(2, 512, R), -1, R)  # section-4 values are c * (2^256)^2 mod r


def row_sums(coeffs: bytes, witness: bytes, matrices: int, rows: int) -> tuple[list[int], ...]:
    """``sum_s M[c][s] * w_s`` for each of ``matrices`` matrices and every row ``c < rows``, from
    a section-4-style body (values stored as ``coefficient * 2^512 mod r``), reduced mod r."""
    w = memoryview(witness).cast("B")
    n_vars = len(w) // 32
    (count,) = struct.unpack_from("<I", coeffs, 0)
    if len(coeffs) != 4 + count * _COEF.size:
        raise ValueError(f"coefficient buffer holds {len(coeffs)} bytes, expected {4 + count * _COEF.size}")
    out = tuple([0] * rows for _ in range(matrices))
    cache: dict[int, int] = {}
    for m, c, s, v in _COEF.iter_unpack(memoryview(coeffs)[4:]):
        if m >= matrices or c >= rows or s >= n_vars:
            raise ValueError(f"coefficient (matrix {m}, row {c}, signal {s}) out of range")
        ws = cache.get(s)
        if ws is None:
            ws = cache[s] = int.from_bytes(w[32 * s:32 * s + 32], "little")
        out[m][c] += int.from_bytes(v, "little") * ws
    k = _MONT_R2_INV
    return tuple([x * k % R for x in sums] for sums in out)


def ab_evaluations(coeffs: bytes, witness: bytes, domain_size: int) -> tuple[list[int], list[int]]:
    """``a(w^c)``, ``b(w^c)`` for every row c of the domain, from the section-4 body."""
    a, b = row_sums(coeffs, witness, 2, domain_size)
    return a, b


def _encode(values: list[int]) -> bytes:
    return b"".join(v.to_bytes(32, "little") for v in values)


def _decode(buf: bytes) -> list[int]:
    return [int.from_bytes(buf[i:i + 32], "little") for i in range(0, len(buf), 32)]


def coset_shift(domain_size: int) -> int:
    """``w_2n``: the shift snarkjs applies (``Fr.w[power + 1]``), so ``g H`` = odd 2n-points."""
    if domain_size >= 1 << TWO_ADICITY:
        raise ValueError("domain 2^28 needs snarkjs' Fr.shift coset; not supported")
    return root_of_unity(2 * domain_size)


def to_coset(evals: list[int], domain_size: int) -> list[int]:
    """Values on ``H`` -> values of the same polynomial (degree < n) on ``g H``."""
    coeffs = kernel.fr_ntt(_encode(evals), inverse=True)
    return _decode(kernel.fr_ntt(coeffs, shift=coset_shift(domain_size)))


def h_evaluations(coeffs: bytes, witness: bytes, domain_size: int) -> bytes:
    """``(a b - c)`` on the odd coset ``g H`` as 32-byte LE scalars (snarkjs ``joinABC``)."""
    a, b = ab_evaluations(coeffs, witness, domain_size)
    c = [x * y % R for x, y in zip(a, b)]
    a_odd, b_odd, c_odd = (to_coset(v, domain_size) for v in (a, b, c))
    return _encode([(x * y - z) % R for x, y, z in zip(a_odd, b_odd, c_odd)])
