"""Native group inverse DFT (``zkproof._native.groupfft``) against the Python reference.

``zkproof.ceremony.lagrange.group_ifft_python`` is the reference (py_ecc additions, kernel batch
multiplications); the native transform must give the same bytes, infinity and repeated points
included. A direct O(n^2) sum with py_ecc alone, ``out_i = (1/n) sum_j w^{-ij} P_j``, is the
independent oracle for both at small n.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from py_ecc import optimized_bn128 as ob

from zkproof import kernel
from zkproof.ceremony import lagrange
from zkproof.curve import bn254
from zkproof.field.fr import R, root_of_unity

groupfft = pytest.importorskip("zkproof._native.groupfft",
                               reason="native groupfft not built (setup.py extension)")

SIZES = {"g1": lagrange.G1_SIZE, "g2": lagrange.G2_SIZE}


def _native(group: str):
    return groupfft.g1_ifft if group == "g1" else groupfft.g2_ifft


def _points(group: str, scalars: list[int]) -> bytes:
    """LEM points s_i * G (s_i = 0 gives the all-zero infinity encoding)."""
    if group == "g1":
        gen, mul = bn254.g1_to_lem(bn254.G1_GENERATOR), kernel.g1_batch_mul
    else:
        gen, mul = bn254.g2_to_lem(bn254.G2_GENERATOR), kernel.g2_batch_mul
    return bytes(mul(gen * len(scalars), b"".join(s.to_bytes(32, "little") for s in scalars)))


def _scalars(n: int, seed: int) -> list[int]:
    """Random multipliers with an infinity and a repeated point when n >= 4."""
    rng = random.Random(seed)
    sc = [rng.randrange(1, R) for _ in range(n)]
    if n >= 4:
        sc[1] = 0
        sc[2] = sc[3]
    return sc


@pytest.mark.parametrize("group", ["g1", "g2"])
@pytest.mark.parametrize("n", [1, 2, 4, 8, 64])
def test_native_matches_python_reference(group: str, n: int) -> None:
    buf = _points(group, _scalars(n, seed=n))
    ref = lagrange.group_ifft_python(buf, SIZES[group])
    assert _native(group)(buf) == ref
    assert _native(group)(bytearray(buf)) == ref  # any bytes-like
    if n >= 4:  # twin: one changed input point changes the transform
        bad = _points(group, _scalars(n, seed=n)[:-1] + [5])
        assert _native(group)(bad) != ref


def _direct_dft(group: str, buf: bytes) -> bytes:
    """(1/n) sum_j w^{-ij} P_j with py_ecc only (no kernel, no FFT)."""
    size = SIZES[group]
    dec, enc, proj = ((bn254.g1_from_lem, bn254.g1_to_lem, bn254.g1_to_py_ecc) if group == "g1"
                      else (bn254.g2_from_lem, bn254.g2_to_lem, bn254.g2_to_py_ecc))
    pts = [proj(dec(buf[i:i + size])) for i in range(0, len(buf), size)]
    n = len(pts)
    w_inv, n_inv = pow(root_of_unity(n), -1, R), pow(n, -1, R)
    out = []
    for i in range(n):
        acc = ob.Z1 if group == "g1" else ob.Z2
        for j, p in enumerate(pts):
            acc = ob.add(acc, ob.multiply(p, pow(w_inv, i * j, R) * n_inv % R))
        aff = None if ob.is_inf(acc) else ob.normalize(acc)
        if aff is not None:
            aff = ((int(aff[0]), int(aff[1])) if group == "g1" else
                   (tuple(int(c) for c in aff[0].coeffs), tuple(int(c) for c in aff[1].coeffs)))
        out.append(enc(aff))
    return b"".join(out)


@pytest.mark.parametrize("group", ["g1", "g2"])
@pytest.mark.parametrize("n", [2, 4])
def test_native_matches_direct_py_ecc_sum(group: str, n: int) -> None:
    buf = _points(group, _scalars(n, seed=100 + n))
    expected = _direct_dft(group, buf)
    assert _native(group)(buf) == expected
    # twin: the oracle of a rotated input (out_i times w^i) is a different transform
    size = SIZES[group]
    assert _native(group)(buf) != _direct_dft(group, buf[size:] + buf[:size])


def test_all_infinity_and_all_equal_points() -> None:
    inf = bytes(64 * 8)
    assert groupfft.g1_ifft(inf) == inf
    # eight copies of P: out_0 = P, all other outputs are infinity (sum of the roots is 0)
    p = _points("g1", [7])
    out = groupfft.g1_ifft(p * 8)
    assert out[:64] == p and out[64:] == bytes(64 * 7)
    assert groupfft.g1_ifft(p * 7 + _points("g1", [8])) != p + bytes(64 * 7)


@given(log_n=st.integers(min_value=0, max_value=4), seed=st.integers(0, 2**32),
       group=st.sampled_from(["g1", "g2"]), zeros=st.integers(0, 3))
def test_native_matches_reference_property(log_n: int, seed: int, group: str, zeros: int) -> None:
    n = 1 << log_n
    rng = random.Random(seed)
    sc = [rng.randrange(0, R) for _ in range(n)]
    for _ in range(zeros):
        sc[rng.randrange(n)] = 0
    buf = _points(group, sc)
    assert _native(group)(buf) == lagrange.group_ifft_python(buf, SIZES[group])


@pytest.mark.parametrize("length", [0, 3 * 64, 6 * 64, 63, 65])
def test_bad_lengths_raise_value_error(length: int) -> None:
    with pytest.raises(ValueError, match="g1_ifft"):
        groupfft.g1_ifft(bytes(length))
    with pytest.raises(ValueError, match="g2_ifft"):
        groupfft.g2_ifft(bytes(2 * length))


def test_good_lengths_accepted() -> None:
    assert groupfft.g1_ifft(bytes(64 * 4)) == bytes(64 * 4)
    assert groupfft.g2_ifft(bytes(128 * 2)) == bytes(128 * 2)


def test_group_ifft_dispatches_to_native() -> None:
    buf = _points("g2", _scalars(8, seed=3))
    assert lagrange._native_gfft is groupfft
    assert lagrange.group_ifft(buf, lagrange.G2_SIZE) == lagrange.group_ifft_python(buf, 128)


_SUBPROCESS = """
import hashlib, sys
from zkproof import kernel
from zkproof.ceremony import lagrange
from zkproof.curve import bn254
n = 128  # 2 butterfly chunks per stage: both threads work
sc = b"".join(pow(3, i + 1, 2**200).to_bytes(32, "little") for i in range(n))
buf = kernel.g1_batch_mul(bn254.g1_to_lem(bn254.G1_GENERATOR) * n, sc)
print(lagrange._native_gfft is not None, hashlib.sha256(lagrange.group_ifft(buf, 64)).hexdigest())
"""


def _run(env_extra: dict[str, str]) -> list[str]:
    env = dict(os.environ, **env_extra)
    out = subprocess.run([sys.executable, "-c", _SUBPROCESS], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return out


def test_one_thread_two_threads_portable_field_and_python_kernel_agree() -> None:
    one = _run({"ZKPROOF_THREADS": "1"})
    two = _run({"ZKPROOF_THREADS": "2"})
    no_adx = _run({"ZKPROOF_NO_ADX": "1"})  # the portable C field product instead of mulx/adx
    py = _run({"ZKPROOF_KERNEL": "python"})
    assert one[0] == two[0] == no_adx[0] == "True"
    assert py[0] == "False"  # ZKPROOF_KERNEL=python selects the reference path
    assert one[1] == two[1] == no_adx[1] == py[1]


def test_native_matches_reference_n512_g1() -> None:
    """256 distinct twiddles through the GLV decomposition (every k < n/2 of w_512^{-k})."""
    buf = _points("g1", _scalars(512, seed=512))
    assert groupfft.g1_ifft(buf) == lagrange.group_ifft_python(buf, lagrange.G1_SIZE)
