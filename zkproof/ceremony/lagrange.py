"""Phase-2 preparation: Lagrange-basis evaluations of the powers of tau (ptau sections 12-15).

For a domain ``H = <w>`` of size ``n = 2^p``, ``L_i(tau) G = (1/n) sum_j w^{-ij} tau^j G``: an
inverse FFT whose "coefficients" are group elements (ffjavascript ``G.lagrangeEvaluations`` for
``p <= 28``, natural order in and out). snarkjs stores, for every p = 0..power (and power+1 for
tauG1, with the missing last power taken as the point at infinity), the 2^p evaluations in
increasing p. The twiddle multiplications of each butterfly stage are batched through
``zkproof.kernel.*_batch_mul`` (native when built); the additions use py_ecc.
"""

from __future__ import annotations

from collections.abc import Callable

from tqdm import tqdm

from zkproof import kernel
from zkproof.curve import bn254
from zkproof.field.fr import R, root_of_unity
from zkproof.formats.ptau_file import Ptau

G1_SIZE, G2_SIZE = 64, 128


def _ops(size: int) -> tuple[Callable, Callable, Callable, Callable]:
    if size == G1_SIZE:
        return bn254.g1_from_lem, bn254.g1_to_lem, bn254.g1_add, kernel.g1_batch_mul
    return bn254.g2_from_lem, bn254.g2_to_lem, bn254.g2_add, kernel.g2_batch_mul


def _bitrev(a: list) -> list:
    n = len(a)
    bits = n.bit_length() - 1
    return [a[int(f"{i:0{bits}b}"[::-1], 2) if bits else 0] for i in range(n)]


def group_ifft(buf: bytes, size: int) -> bytes:
    """Inverse DFT of ``n`` points (LEM buffer): ``out_i = (1/n) sum_j w_n^{-ij} P_j``."""
    dec, enc, add, batch_mul = _ops(size)
    pts = [bytes(buf[i:i + size]) for i in range(0, len(buf), size)]
    n = len(pts)
    if n == 1:
        return bytes(buf)
    w_inv = pow(root_of_unity(n), -1, R)
    a = [dec(p) for p in _bitrev(pts)]
    length = 2
    while length <= n:  # iterative Cooley-Tukey, decimation in time
        half = length // 2
        w_len = pow(w_inv, n // length, R)
        idx = [(s + k, s + k + half, pow(w_len, k, R)) for s in range(0, n, length)
               for k in range(half)]
        scaled = batch_mul(b"".join(enc(a[j]) for _, j, _ in idx),
                           b"".join(w.to_bytes(32, "little") for _, _, w in idx))
        for m, (i, j, _) in enumerate(idx):
            v = dec(scaled[m * size:(m + 1) * size])
            u = a[i]
            a[i] = add(u, v)
            a[j] = add(u, _neg(v, size))
        length <<= 1
    n_inv = pow(n, -1, R)
    return bytes(batch_mul(b"".join(enc(p) for p in a), n_inv.to_bytes(32, "little") * n))


def _neg(p, size: int):
    return bn254.g1_neg(p) if size == G1_SIZE else bn254.g2_neg(p)


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
