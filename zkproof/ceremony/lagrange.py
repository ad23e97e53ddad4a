"""Phase-2 preparation: Lagrange-basis evaluations of the powers of tau (ptau sections 12-15).

For a domain ``H = <w>`` of size ``n = 2^p``, ``L_i(tau) G = (1/n) sum_j w^{-ij} tau^j G``: an
inverse FFT whose "coefficients" are group elements (ffjavascript ``G.lagrangeEvaluations`` for
``p <= 28``, natural order in and out). snarkjs stores, for every p = 0..power (and power+1 for
tauG1, with the missing last power taken as the point at infinity), the 2^p evaluations in
increasing p.

``group_ifft`` runs the whole transform in C (``zkproof._native.groupfft``: Jacobian butterflies,
threads, GIL released) when that extension imports and ``ZKPROOF_KERNEL`` is not ``python``;
otherwise ``group_ifft_python``, the reference: twiddle multiplications of each butterfly stage
batched through ``zkproof.kernel.*_batch_mul``, additions with py_ecc. Both give identical bytes
(tests/test_groupfft.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from py_ecc import optimized_bn128 as ob
from tqdm import tqdm

from zkproof import kernel
from zkproof.curve import bn254
from zkproof.curve.bn254 import P
from zkproof.field.fr import R, root_of_unity
from zkproof.formats.ptau_file import Ptau

G1_SIZE, G2_SIZE = 64, 128

_native_gfft = None
if os.environ.get("ZKPROOF_KERNEL", "") != "python":
    try:  # built by setup.py next to the kernel; optional like it
        from zkproof._native import groupfft as _native_gfft  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - depends on the build
        _native_gfft = None


def _ops(size: int) -> tuple[Callable, Callable, Callable, Callable]:
    if size == G1_SIZE:
        return bn254.g1_from_lem, bn254.g1_to_lem, bn254.g1_to_py_ecc, kernel.g1_batch_mul
    return bn254.g2_from_lem, bn254.g2_to_lem, bn254.g2_to_py_ecc, kernel.g2_batch_mul


def _bitrev(a: list) -> list:
    n = len(a)
    bits = n.bit_length() - 1
    return [a[int(f"{i:0{bits}b}"[::-1], 2) if bits else 0] for i in range(n)]


def _batch_inv_p(values: list[int]) -> list[int]:
    """Inverses mod P of nonzero ``values`` with one exponentiation (Montgomery's trick)."""
    prefix, acc = [], 1
    for v in values:
        prefix.append(acc)
        acc = acc * v % P
    inv = pow(acc, -1, P)
    out = [0] * len(values)
    for k in range(len(values) - 1, -1, -1):
        out[k] = prefix[k] * inv % P
        inv = inv * values[k] % P
    return out


def _fq2_mul_int(a, b) -> tuple[int, int]:
    a0, a1 = int(a[0]), int(a[1])
    return ((a0 * b[0] - a1 * b[1]) % P, (a0 * b[1] + a1 * b[0]) % P)


def _batch_affine(points: list, size: int) -> list:
    """py_ecc homogeneous projective points -> affine int tuples, one field inversion in all
    (py_ecc's ``normalize`` inverts once per point, which dominated this module's run time)."""
    live = [k for k, p in enumerate(points) if not ob.is_inf(p)]
    out: list = [None] * len(points)
    if size == G1_SIZE:
        invs = _batch_inv_p([points[k][2].n for k in live])
        for k, zi in zip(live, invs, strict=True):
            x, y, _ = points[k]
            out[k] = (x.n * zi % P, y.n * zi % P)
        return out
    norms = [(z.coeffs[0] * z.coeffs[0] + z.coeffs[1] * z.coeffs[1]) % P
             for z in (points[k][2] for k in live)]
    for k, ni in zip(live, _batch_inv_p(norms), strict=True):
        x, y, z = points[k]
        zi = (z.coeffs[0] * ni % P, -z.coeffs[1] * ni % P)  # 1/z = conj(z) / norm(z)
        out[k] = (_fq2_mul_int(x.coeffs, zi), _fq2_mul_int(y.coeffs, zi))
    return out


def group_ifft(buf: bytes, size: int) -> bytes:
    """Inverse DFT of ``n`` points (LEM buffer): ``out_i = (1/n) sum_j w_n^{-ij} P_j``.

    Native when available (see the module docstring), else ``group_ifft_python``.
    """
    if _native_gfft is not None:
        return _native_gfft.g1_ifft(buf) if size == G1_SIZE else _native_gfft.g2_ifft(buf)
    return group_ifft_python(buf, size)


def group_ifft_python(buf: bytes, size: int) -> bytes:
    """The reference ``group_ifft`` (and fallback): ``out_i = (1/n) sum_j w_n^{-ij} P_j``.

    Points stay projective (py_ecc) through each butterfly stage; the operands of a stage's
    twiddle multiplications are normalized together, then scaled by one kernel batch call.
    """
    dec, enc, proj, batch_mul = _ops(size)
    pts = [bytes(buf[i:i + size]) for i in range(0, len(buf), size)]
    n = len(pts)
    if n == 1:
        return bytes(buf)
    w_inv = pow(root_of_unity(n), -1, R)
    a = [proj(dec(p)) for p in _bitrev(pts)]
    length = 2
    while length <= n:  # iterative Cooley-Tukey, decimation in time
        half = length // 2
        w_len = pow(w_inv, n // length, R)
        idx = [(s + k, s + k + half, pow(w_len, k, R)) for s in range(0, n, length)
               for k in range(half)]
        operands = _batch_affine([a[j] for _, j, _ in idx], size)
        scaled = batch_mul(b"".join(enc(p) for p in operands),
                           b"".join(w.to_bytes(32, "little") for _, _, w in idx))
        for m, (i, j, _) in enumerate(idx):
            v = proj(dec(scaled[m * size:(m + 1) * size]))
            u = a[i]
            a[i] = ob.add(u, v)
            a[j] = ob.add(u, ob.neg(v))
        length <<= 1
    n_inv = pow(n, -1, R)
    return bytes(batch_mul(b"".join(enc(p) for p in _batch_affine(a, size)),
                           n_inv.to_bytes(32, "little") * n))


def lagrange_section(buf: bytes, size: int, max_power: int, pad_last: bool,
                     desc: str = "lagrange") -> bytes:
    """Concatenated evaluations for p = 0..max_power; ``pad_last``: the top power lacks its last
    point (tauG1 has 2n - 1 entries), which snarkjs replaces by infinity."""
    out = []
    # progress on stderr, shown only on a terminal (tqdm disable=None)
    for p in tqdm(range(max_power + 1), desc=desc, unit="domain", disable=None, leave=False):
        n = 1 << p
        if pad_last and p == max_power:
            chunk = bytes(buf[:(n - 1) * size]) + bytes(size)
        else:
            chunk = bytes(buf[:n * size])
        out.append(group_ifft(chunk, size))
    return b"".join(out)


def prepare_phase2(pt: Ptau) -> Ptau:
    """``powersoftau prepare phase2``: add sections 12-15 (the accumulator is unchanged)."""
    lag = {12: lagrange_section(pt.tau_g1, G1_SIZE, pt.power + 1, True, "tauG1"),
           13: lagrange_section(pt.tau_g2, G2_SIZE, pt.power, False, "tauG2"),
           14: lagrange_section(pt.alpha_tau_g1, G1_SIZE, pt.power, False, "alphaTauG1"),
           15: lagrange_section(pt.beta_tau_g1, G1_SIZE, pt.power, False, "betaTauG1")}
    return Ptau(pt.power, pt.ceremony_power, pt.tau_g1, pt.tau_g2, pt.alpha_tau_g1,
                pt.beta_tau_g1, pt.beta_g2, list(pt.contributions), lag)


def lagrange_offset(p: int) -> int:
    """Index of the first evaluation for domain size 2^p inside a Lagrange section."""
    return (1 << p) - 1
