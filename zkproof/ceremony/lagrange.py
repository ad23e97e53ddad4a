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

from collections.abc import Callable, Iterable

from py_ecc import optimized_bn128 as ob
from tqdm import tqdm

from zkproof import kernel
from zkproof.ceremony import native
from zkproof.curve import bn254
from zkproof.curve.bn254 import P
from zkproof.field.fr import R, root_of_unity
from zkproof.formats.ptau_file import Ptau

G1_SIZE, G2_SIZE = 64, 128

_native_gfft = native.NATIVE  # the groupfft extension (or None), loaded once in ceremony.native


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


def _domain_input(buf: bytes, size: int, p: int, pad: bool) -> bytes:
    n = 1 << p
    if pad:
        return bytes(buf[:(n - 1) * size]) + bytes(size)
    return bytes(buf[:n * size])


def odd_outputs(dom: bytes, size: int) -> bytes:
    """The inverse DFT of the n = 2^p >= 2 points ``dom`` at odd indices only, even ones left
    at infinity: ``out_{2i+1} = (1/n) sum_{j<n/2} w_{n/2}^{-ij} w_n^{-j} (P_j - P_{j+n/2})``
    (one decimation-in-frequency split, since w_n^{-(2i+1) n/2} = -1): a half-size transform,
    about half the work. zkey new reads only these entries of the domain 2^(k+1) (H points)."""
    n = len(dom) // size
    h = n // 2
    if _native_gfft is None:
        full = group_ifft(dom, size)
        return b"".join(bytes(size) + full[(2 * i + 1) * size:(2 * i + 2) * size] for i in range(h))
    diff = native.add(dom[:h * size], dom[h * size:], size, sub=True)
    c = native.mul_geometric(diff, size, pow(n, -1, R), pow(root_of_unity(n), -1, R))
    odd = (_native_gfft.g1_ifft if size == G1_SIZE else _native_gfft.g2_ifft)(c, 0)
    zero = bytes(size)
    return b"".join(zero + odd[i * size:(i + 1) * size] for i in range(h))


def lagrange_section(buf: bytes, size: int, max_power: int, pad_last: bool,
                     desc: str = "lagrange", powers: Iterable[int] | None = None,
                     odd_powers: Iterable[int] = ()) -> bytes:
    """Concatenated evaluations for p = 0..max_power; ``pad_last``: the top power lacks its last
    point (tauG1 has 2n - 1 entries), which snarkjs replaces by infinity.

    ``powers``: compute only these domains in full, ``odd_powers`` (p >= 1) only their odd
    entries (``odd_outputs``), and leave everything else at infinity (a *partial* prepare, see
    ``prepare_phase2``); ``powers=None``: every domain in full, as snarkjs.

    Native path: every domain's input is a prefix of the same points, so the 1/n scalings are
    shared: the points are multiplied once by ``2^-M`` (M = the largest domain computed in full)
    and domain p is ``2^(M-p) sum_j w^{-ij} S_j`` -- ``M - p`` doublings per output point
    (``g1_ifft(…, shift)``) instead of one scalar multiplication per point and domain.
    """
    todo = sorted(set(range(max_power + 1)) if powers is None
                  else {p for p in powers if 0 <= p <= max_power})
    odd = {p for p in odd_powers if 1 <= p <= max_power} - set(todo)
    out: list[bytes] = []
    scaled, top = buf, -1
    if _native_gfft is not None and todo:
        top = todo[-1]
        npts = min(len(buf) // size, 1 << top)
        scaled = native.mul_geometric(bytes(buf[:npts * size]), size, pow(1 << top, -1, R), 1)
    ifft = None if _native_gfft is None else (
        _native_gfft.g1_ifft if size == G1_SIZE else _native_gfft.g2_ifft)
    # progress on stderr, shown only on a terminal (tqdm disable=None)
    for p in tqdm(range(max_power + 1), desc=desc, unit="domain", disable=None, leave=False):
        pad = pad_last and p == max_power
        if p in odd:
            out.append(odd_outputs(_domain_input(buf, size, p, pad), size))
        elif p not in todo:
            out.append(bytes(size << p))
        elif ifft is not None:
            out.append(ifft(_domain_input(scaled, size, p, pad), top - p))
        else:
            out.append(group_ifft(_domain_input(buf, size, p, pad), size))
    return b"".join(out)


def prepare_phase2(pt: Ptau, circuit_powers: Iterable[int] | None = None) -> Ptau:
    """``powersoftau prepare phase2``: add sections 12-15 (the accumulator is unchanged).

    ``circuit_powers=None`` (default) computes every domain, byte-identical to snarkjs. Given
    the powers k of the circuits the file will serve (``zkey_new.circuit_power``), only what
    zkey new reads is computed: domain 2^k of sections 12-15 and the odd entries of domain
    2^(k+1) of section 12 (its H points); everything else is left at infinity. For the demo's
    circuits (2^15 and 2^13) that is ~30% less work. Such a *partial* file serves zkey new
    for circuits of exactly those powers (others are refused by ``zkey_new.check_ptau_fits``),
    and ``ptau verify`` (ours and snarkjs') reports its skipped domains as invalid: publish a
    full prepare.
    """
    top = pt.power
    if circuit_powers is None:
        full, odd = None, set()
    else:
        full = {k for k in circuit_powers}
        odd = {k + 1 for k in full} - full
    lag = {12: lagrange_section(pt.tau_g1, G1_SIZE, top + 1, True, "tauG1", full, odd),
           13: lagrange_section(pt.tau_g2, G2_SIZE, top, False, "tauG2", full),
           14: lagrange_section(pt.alpha_tau_g1, G1_SIZE, top, False, "alphaTauG1", full),
           15: lagrange_section(pt.beta_tau_g1, G1_SIZE, top, False, "betaTauG1", full)}
    return Ptau(pt.power, pt.ceremony_power, pt.tau_g1, pt.tau_g2, pt.alpha_tau_g1,
                pt.beta_tau_g1, pt.beta_g2, list(pt.contributions), lag)


def domain_prepared(pt: Ptau, section: int, p: int) -> bool:
    """False when domain 2^p of Lagrange section 12-15 was skipped by a partial prepare (all
    its points at infinity; a computed domain always has one that is not: sum_i L_i = 1)."""
    size = G2_SIZE if section == 13 else G1_SIZE
    lo, hi = lagrange_offset(p) * size, (lagrange_offset(p) + (1 << p)) * size
    if pt.lagrange is None:
        return False
    dom = pt.lagrange[section][lo:hi]
    return dom != bytes(len(dom))


def lagrange_offset(p: int) -> int:
    """Index of the first evaluation for domain size 2^p inside a Lagrange section."""
    return (1 << p) - 1
