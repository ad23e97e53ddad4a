"""Native kernel (zkproof._native.kernel) vs the pure-Python reference and py_ecc: MSM, batch mul.

Oracles: ``zkproof.kernel.python_backend`` (bucket MSM over py_ecc's group law) and plain
py_ecc sums of ``multiply``. For larger n the bases are ``P_i = (i + 1) G`` built by repeated
addition, so ``sum s_i P_i = (sum s_i (i + 1) mod r) G`` is one independent scalar
multiplication however many points there are.
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

from tests.strategies import EDGE_FR, fr_elements
from zkproof._native import kernel as native  # a missing build fails these tests, never skips
from zkproof.curve import bn254
from zkproof.field.fr import R
from zkproof.kernel import python_backend as ref

G1, G2 = bn254.G1_GENERATOR, bn254.G2_GENERATOR
# Small scalars seen in real witnesses plus their negatives (the classes of the native MSM).
EDGE = EDGE_FR + [3, 2**64 + 1, R - 2**64 + 1, R - 2**64, 2**32, R - 2**32, 2**253, 2**254 - 1]


def _enc_scalars(xs) -> bytes:
    return b"".join(x.to_bytes(32, "little") for x in xs)


def _multiples(base, count: int, encode) -> list[bytes]:
    """Encodings of (i + 1) * base for i < count, by repeated py_ecc addition."""
    out, acc = [], base
    for _ in range(count):
        out.append(encode(acc))
        acc = ob.add(acc, base)
    return out


@pytest.fixture(scope="module")
def g1_multiples() -> list[bytes]:
    return _multiples(ob.G1, 1500, lambda p: bn254.g1_to_lem(bn254.g1_from_py_ecc(p)))


@pytest.fixture(scope="module")
def g2_multiples() -> list[bytes]:
    return _multiples(ob.G2, 120, lambda p: bn254.g2_to_lem(bn254.g2_from_py_ecc(p)))


def _naive_g1(points: list[bn254.G1Affine], scalars: list[int]) -> bn254.G1Affine:
    acc = ob.Z1
    for p, s in zip(points, scalars):
        acc = ob.add(acc, ob.multiply(bn254.g1_to_py_ecc(p), s % R))
    return bn254.g1_from_py_ecc(acc)


# --- G1 MSM --------------------------------------------------------------------------------

point_mults = st.one_of(st.integers(1, R - 1), st.sampled_from([1, 2, R - 1, R - 2]))


@given(st.lists(st.tuples(point_mults, st.one_of(fr_elements(), st.sampled_from(EDGE))), max_size=7),
       st.booleans())
def test_g1_msm_matches_reference_and_py_ecc(terms, with_infinity):
    points = [bn254.g1_mul(G1, k) for k, _ in terms]
    scalars = [s for _, s in terms]
    if with_infinity:
        points.append(None)
        scalars.append(12345)
    pb = b"".join(bn254.g1_to_lem(p) for p in points)
    sb = _enc_scalars(scalars)
    got = native.g1_msm(pb, sb)
    assert got == ref.g1_msm(pb, sb) == _naive_g1(points, scalars)
    assert bn254.is_on_curve_g1(got)


def test_g1_msm_edge_cases():
    p = bn254.g1_mul(G1, 7)
    lem = bn254.g1_to_lem(p)
    neg = bn254.g1_to_lem(bn254.g1_neg(p))
    assert native.g1_msm(b"", b"") is None                                   # n = 0
    assert native.g1_batch_mul(b"", b"") == ref.g1_batch_mul(b"", b"") == b""
    assert native.g1_msm(lem * 3, _enc_scalars([0, 0, 0])) is None           # all-zero scalars
    assert native.g1_msm(bytes(64) * 2, _enc_scalars([5, R - 1])) is None    # only infinity
    assert native.g1_msm(lem + neg, _enc_scalars([9, 9])) is None            # P + (-P)
    assert native.g1_msm(lem + neg, _enc_scalars([1, 1])) is None            # +-1 fast path cancels
    assert native.g1_msm(lem * 2, _enc_scalars([1, 1])) == bn254.g1_mul(p, 2)          # P + P
    assert native.g1_msm(lem * 2, _enc_scalars([2**64 - 1, 1])) == bn254.g1_mul(p, 2**64)
    assert native.g1_msm(lem, _enc_scalars([R - 1])) == bn254.g1_neg(p)
    # Unreduced scalars are taken mod r, as the reference does.
    assert native.g1_msm(lem, (2**256 - 1).to_bytes(32, "little")) == bn254.g1_mul(p, 2**256 - 1)
    # Wrong-but-related answers must not pass: P + P is not 3P.
    assert native.g1_msm(lem * 2, _enc_scalars([1, 1])) != bn254.g1_mul(p, 3)


@pytest.mark.parametrize("kind", ["random", "small", "bits", "mixed"])
def test_g1_msm_large_against_one_scalar_mul(g1_multiples, field_path, kind):
    rnd = random.Random(kind)
    n = len(g1_multiples)
    draw = {
        "random": lambda: rnd.randrange(R),
        "small": lambda: rnd.choice([rnd.randrange(2**64), R - rnd.randrange(1, 2**64)]),
        "bits": lambda: rnd.randrange(2),
        "mixed": lambda: rnd.choice([0, 1, R - 1, rnd.randrange(2**40), R - rnd.randrange(2**40),
                                     rnd.randrange(R)]),
    }[kind]
    scalars = [draw() for _ in range(n)]
    pb = b"".join(g1_multiples)
    expect = bn254.g1_mul(G1, sum(s * (i + 1) for i, s in enumerate(scalars)))
    assert native.g1_msm(pb, _enc_scalars(scalars)) == expect
    scalars[0] = (scalars[0] + 1) % R                      # one changed scalar changes the sum
    assert native.g1_msm(pb, _enc_scalars(scalars)) != expect


def test_g1_msm_repeated_bases_many_threads(g1_multiples):
    """Every base repeated, thread counts 1..3: identical results (buckets hit P + P often)."""
    rnd = random.Random(7)
    pts = g1_multiples[:40] * 30
    scalars = [rnd.choice([1, 2, 3, R - 1, rnd.randrange(R)]) for _ in pts]
    expect = bn254.g1_mul(G1, sum(s * (i % 40 + 1) for i, s in enumerate(scalars)))
    before = native.threads()
    try:
        for t in (1, 2, 3):
            native.set_threads(t)
            assert native.g1_msm(b"".join(pts), _enc_scalars(scalars)) == expect
    finally:
        native.set_threads(0)
    assert native.threads() == before


# --- G2 MSM --------------------------------------------------------------------------------

@given(st.lists(st.tuples(st.integers(1, R - 1), st.one_of(fr_elements(), st.sampled_from(EDGE))),
                max_size=4))
def test_g2_msm_matches_reference(terms):
    points = [bn254.g2_mul(G2, k) for k, _ in terms]
    pb = b"".join(bn254.g2_to_lem(p) for p in points)
    sb = _enc_scalars([s for _, s in terms])
    got = native.g2_msm(pb, sb)
    expect = bn254.g2_mul(G2, sum(k * s for k, s in terms))
    assert got == ref.g2_msm(pb, sb) == expect
    assert bn254.is_on_curve_g2(got)


def test_g2_msm_edge_and_large(g2_multiples, field_path):
    q = bn254.g2_to_lem(bn254.g2_mul(G2, 11))
    nq = bn254.g2_to_lem(bn254.g2_neg(bn254.g2_mul(G2, 11)))
    assert native.g2_msm(b"", b"") is None
    assert native.g2_msm(q + nq, _enc_scalars([R - 1, R - 1])) is None
    assert native.g2_msm(q * 2, _enc_scalars([1, 1])) == bn254.g2_mul(G2, 22)
    assert native.g2_msm(bytes(128) + q, _enc_scalars([3, 2])) == bn254.g2_mul(G2, 22)
    rnd = random.Random(2)
    scalars = [rnd.choice([0, 1, R - 1, rnd.randrange(2**64), rnd.randrange(R)]) for _ in g2_multiples]
    expect = bn254.g2_mul(G2, sum(s * (i + 1) for i, s in enumerate(scalars)))
    assert native.g2_msm(b"".join(g2_multiples), _enc_scalars(scalars)) == expect
    assert native.g2_msm(b"".join(g2_multiples), _enc_scalars(scalars[::-1])) != expect


# --- batch multiplication ------------------------------------------------------------------

@given(st.lists(st.tuples(point_mults, st.one_of(fr_elements(), st.sampled_from(EDGE))), max_size=5))
def test_g1_batch_mul_matches_reference(terms):
    pb = b"".join(bn254.g1_to_lem(bn254.g1_mul(G1, k)) for k, _ in terms) + bytes(64)
    sb = _enc_scalars([s for _, s in terms] + [5])
    got = native.g1_batch_mul(pb, sb)
    assert got == ref.g1_batch_mul(pb, sb)
    for i, (k, s) in enumerate(terms):
        assert bn254.g1_from_lem(got[64 * i:64 * i + 64]) == bn254.g1_mul(G1, k * s)
    assert got[-64:] == bytes(64)                                     # infinity stays infinity


def test_g2_batch_mul_matches_reference():
    rnd = random.Random(3)
    ks = [1, R - 1, rnd.randrange(R)]
    ss = [0, 1, R - 1, 2**64 - 1, rnd.randrange(R)]
    pb = b"".join(bn254.g2_to_lem(bn254.g2_mul(G2, k)) for k in ks for _ in ss)
    sb = _enc_scalars(ss * len(ks))
    got = native.g2_batch_mul(pb, sb)
    assert got == ref.g2_batch_mul(pb, sb)
    assert got != ref.g2_batch_mul(pb, _enc_scalars((ss[1:] + ss[:1]) * len(ks)))


def test_batch_mul_many_points_threads(g1_multiples):
    """600 points (several thread chunks): out_i = s_i (i + 1) G, checked at sampled i."""
    rnd = random.Random(4)
    pts = g1_multiples[:600]
    scalars = [rnd.randrange(R) for _ in pts]
    got = native.g1_batch_mul(b"".join(pts), _enc_scalars(scalars))
    assert len(got) == 64 * 600
    for i in (0, 255, 256, 511, 599):
        assert bn254.g1_from_lem(got[64 * i:64 * i + 64]) == bn254.g1_mul(G1, scalars[i] * (i + 1))


# --- malformed input -----------------------------------------------------------------------

@pytest.mark.parametrize("fn,size", [("g1_msm", 64), ("g2_msm", 128),
                                     ("g1_batch_mul", 64), ("g2_batch_mul", 128)])
def test_length_errors(fn, size):
    f = getattr(native, fn)
    pts = bytes(size) * 2
    assert f(pts, bytes(64)) is not None or fn.endswith("msm")        # good input works
    with pytest.raises(ValueError, match="multiple of"):
        f(pts[:-1], bytes(64))
    with pytest.raises(ValueError, match="multiple of"):
        f(pts, bytes(63))
    with pytest.raises(ValueError, match="differ in length"):
        f(pts, bytes(96))
    with pytest.raises(TypeError):
        f("not a buffer", bytes(64))
    # any bytes-like object is accepted
    assert f(memoryview(bytearray(pts)), bytearray(64)) == f(pts, bytes(64))


# --- backend selection ---------------------------------------------------------------------

@pytest.mark.parametrize("env,expect", [("python", "python"), ("", "native")])
def test_kernel_backend_selection(env, expect):
    out = subprocess.run([sys.executable, "-c", "import zkproof.kernel as k; print(k.BACKEND)"],
                         env={**os.environ, "ZKPROOF_KERNEL": env}, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == expect
    assert out.stderr == ""


def test_msm_releases_the_gil(g1_multiples):
    """While a native MSM runs in one thread, another Python thread keeps running."""
    import threading
    import time

    pb = b"".join(g1_multiples) * 2
    sb = _enc_scalars(random.Random(9).randrange(R) for _ in range(2 * len(g1_multiples)))
    span: list[float] = []

    def work():
        span.append(time.perf_counter())
        native.g1_msm(pb, sb)
        span.append(time.perf_counter())

    t = threading.Thread(target=work)
    ticks = []
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
    t.join()
    inside = [x for x in ticks if span[0] < x < span[1]]
    assert span[1] - span[0] > 0.01
    assert len(inside) > 100        # with the GIL held this thread could not tick at all


def test_missing_native_module_falls_back_with_one_line():
    """No extension: zkproof.kernel says so once on stderr and runs the reference, same results."""
    code = ("import sys; sys.modules['zkproof._native.kernel'] = None\n"
            "import zkproof.kernel as k\n"
            "from zkproof.curve import bn254\n"
            "print(k.BACKEND, k.g1_msm(bn254.g1_to_lem(bn254.G1_GENERATOR), (3).to_bytes(32, 'little')))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "ZKPROOF_KERNEL": ""},
                         capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "python"
    assert str(bn254.g1_mul(G1, 3)[0]) in out.stdout
    assert len(out.stderr.strip().splitlines()) == 1 and "native kernel unavailable" in out.stderr
