"""Pure-Python reference kernel: the oracle for the C kernel and the fallback when it is absent.

Group law from py_ecc's optimized_bn128 (homogeneous projective), bucket MSM (Pippenger) so that
small demos stay usable without the native kernel. See ``zkproof.kernel`` for buffer layouts.
"""

from __future__ import annotations

from py_ecc import optimized_bn128 as ob

from zkproof.curve import bn254
from zkproof.field.fr import R, root_of_unity


def _scalars(buf) -> list[int]:
    mv = memoryview(buf).cast("B")
    return [int.from_bytes(mv[i:i + 32], "little") for i in range(0, len(mv), 32)]


def _chunks(buf, size: int) -> list[bytes]:
    mv = memoryview(buf).cast("B")
    if len(mv) % size:
        raise ValueError(f"buffer length {len(mv)} is not a multiple of {size}")
    return [bytes(mv[i:i + size]) for i in range(0, len(mv), size)]


def _window(n: int) -> int:
    return 1 if n < 4 else max(2, min(16, n.bit_length() - 2))


def _pippenger(points: list, scalars: list[int], zero):
    """sum s_i P_i by buckets of ``c``-bit windows (Bernstein et al.; Pippenger 1976)."""
    pairs = [(p, s % R) for p, s in zip(points, scalars, strict=True) if s % R and not ob.is_inf(p)]
    if not pairs:
        return zero
    c = _window(len(pairs))
    mask = (1 << c) - 1
    total = zero
    for w in range((254 + c - 1) // c - 1, -1, -1):
        for _ in range(c):
            total = ob.double(total)
        buckets = [zero] * (1 << c)
        for p, s in pairs:
            d = (s >> (w * c)) & mask
            if d:
                buckets[d] = ob.add(buckets[d], p)
        running, acc = zero, zero
        for d in range(mask, 0, -1):
            running = ob.add(running, buckets[d])
            acc = ob.add(acc, running)
        total = ob.add(total, acc)
    return total


def g1_msm(points, scalars) -> bn254.G1Affine:
    pts = [bn254.g1_to_py_ecc(bn254.g1_from_lem(b)) for b in _chunks(points, 64)]
    return bn254.g1_from_py_ecc(_pippenger(pts, _scalars(scalars), ob.Z1))


def g2_msm(points, scalars) -> bn254.G2Affine:
    pts = [bn254.g2_to_py_ecc(bn254.g2_from_lem(b)) for b in _chunks(points, 128)]
    return bn254.g2_from_py_ecc(_pippenger(pts, _scalars(scalars), ob.Z2))


def g1_batch_mul(points, scalars) -> bytes:
    pts = _chunks(points, 64)
    ss = _scalars(scalars)
    if len(pts) != len(ss):
        raise ValueError("points and scalars differ in length")
    return b"".join(bn254.g1_to_lem(bn254.g1_mul(bn254.g1_from_lem(p), s)) for p, s in zip(pts, ss))


def g2_batch_mul(points, scalars) -> bytes:
    pts = _chunks(points, 128)
    ss = _scalars(scalars)
    if len(pts) != len(ss):
        raise ValueError("points and scalars differ in length")
    return b"".join(bn254.g2_to_lem(bn254.g2_mul(bn254.g2_from_lem(p), s)) for p, s in zip(pts, ss))


def _ntt_in_place(a: list[int], omega: int) -> None:
    """Iterative radix-2 Cooley-Tukey, bit-reversed input order, natural output."""
    n = len(a)
    j = 0
    for i in range(1, n):
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            a[i], a[j] = a[j], a[i]
    length = 2
    while length <= n:
        w_len = pow(omega, n // length, R)
        half = length // 2
        ws = [1] * half
        for k in range(1, half):
            ws[k] = ws[k - 1] * w_len % R
        for start in range(0, n, length):
            for k in range(half):
                u = a[start + k]
                v = a[start + k + half] * ws[k] % R
                a[start + k] = (u + v) % R
                a[start + k + half] = (u - v) % R
        length <<= 1


def fr_ntt(values, inverse: bool = False, shift: int = 1) -> bytes:
    a = _scalars(values)
    n = len(a)
    omega = root_of_unity(n)
    shift %= R
    if not inverse:
        if shift != 1:
            g = 1
            for i in range(n):
                a[i] = a[i] * g % R
                g = g * shift % R
        _ntt_in_place(a, omega)
    else:
        _ntt_in_place(a, pow(omega, -1, R))
        n_inv = pow(n, -1, R)
        g_inv = pow(shift, -1, R)
        g = n_inv
        for i in range(n):
            a[i] = a[i] * g % R
            g = g * g_inv % R
    return b"".join(x.to_bytes(32, "little") for x in a)


def h_evaluations(coeffs, witness, domain_size: int) -> bytes:
    """``(a b - c)`` on the odd coset ``g H`` (snarkjs ``joinABC``), 32-byte LE scalars.

    The reference for the native ``h_evaluations``: the same steps as
    ``zkproof.groth16.witness_map.h_evaluations`` (whose row sums it reuses), with every transform
    on this module's NTT so that it never runs native code.
    """
    from zkproof.groth16.witness_map import ab_evaluations, coset_shift  # lazy: avoids an import cycle

    a, b = ab_evaluations(bytes(coeffs), witness, domain_size)
    c = [x * y % R for x, y in zip(a, b)]
    g = coset_shift(domain_size)

    def on_coset(v: list[int]) -> list[int]:
        ev = fr_ntt(fr_ntt(b"".join(x.to_bytes(32, "little") for x in v), inverse=True), shift=g)
        return _scalars(ev)

    a_odd, b_odd, c_odd = on_coset(a), on_coset(b), on_coset(c)
    return b"".join(((x * y - z) % R).to_bytes(32, "little") for x, y, z in zip(a_odd, b_odd, c_odd))


def r1cs_first_unsatisfied(coeffs, witness, rows: int) -> int:
    """Index of the first row with ``a b != c``, or -1: the reference for the native check.

    ``coeffs`` is a section-4-style body (``u32 count``, then ``count`` entries ``u32 matrix,
    u32 row, u32 signal, 32-byte value``) with matrices 0, 1, 2 = A, B, C and values in
    section-4 form ``coefficient * 2^512 mod r`` (``zkproof.r1cs.system.check_coefficients``).
    """
    from zkproof.groth16.witness_map import row_sums  # lazy: avoids an import cycle

    if not 0 <= rows <= 1 << 32:  # as the native binding: row indices are u32
        raise ValueError(f"rows must be in 0..2^32, got {rows}")
    for i, (a, b, c) in enumerate(zip(*row_sums(bytes(coeffs), witness, 3, rows))):
        if a * b % R != c:
            return i
    return -1
