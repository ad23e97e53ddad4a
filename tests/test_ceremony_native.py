"""The ceremony's C kernels (``zkproof.ceremony.native``) against their pure-Python twins.

Each native function must give the bytes of its reference (per-point ``transcript`` encoders,
the generic kernel's batch multiplication and MSM, py_ecc additions, the Python BLAKE2b
compression), infinity, 0 and +-1 scalars included; malformed arguments raise ValueError. The
prescaled native Lagrange sections and the partial prepare are checked against the reference
transform, and a partial ptau is refused by zkey new and by ptau verify for the domains it lacks.
"""

from __future__ import annotations

import random

import pytest

from zkproof import kernel
from zkproof.ceremony import blake2b_state, lagrange, native, ptau_verify
from zkproof.ceremony import powers_of_tau as pot
from zkproof.ceremony.zkey_new import check_ptau_fits, new_zkey
from zkproof.curve import bn254
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.r1cs.constraints import R1CS

pytestmark = pytest.mark.skipif(native.NATIVE is None, reason="native groupfft not built")

SIZES = (native.G1_SIZE, native.G2_SIZE)


def _points(size: int, n: int, seed: int) -> bytes:
    """n random multiples of the generator; entry 1 is infinity, entries 2 and 3 are equal."""
    rng = random.Random(seed)
    sc = [rng.randrange(1, R) for _ in range(n)]
    sc[1], sc[3] = 0, sc[2]
    gen = bn254.g1_to_lem(bn254.G1_GENERATOR) if size == 64 else bn254.g2_to_lem(bn254.G2_GENERATOR)
    mul = kernel.g1_batch_mul if size == 64 else kernel.g2_batch_mul
    return bytes(mul(gen * n, b"".join(s.to_bytes(32, "little") for s in sc)))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("compressed", [False, True])
def test_encode_matches_transcript_encoders(size: int, compressed: bool) -> None:
    buf = _points(size, 40, seed=size)
    out = native.encode(buf, size, compressed)
    assert out == native.encode_python(buf, size, compressed)
    width = size // 2 if compressed else size
    inf = out[width:2 * width]  # entry 1 is infinity
    assert inf == ((b"\x40" + bytes(width - 1)) if compressed else bytes(width))
    # a changed point changes its encoding (and only its own)
    other = _points(size, 40, seed=size + 1)
    tampered = buf[:size * 5] + other[size * 5:size * 6] + buf[size * 6:]
    enc2 = native.encode(tampered, size, compressed)
    assert enc2[:5 * width] == out[:5 * width] and enc2[5 * width:6 * width] != out[5 * width:6 * width]


@pytest.mark.parametrize("size", SIZES)
def test_mul_geometric_matches_batch_mul(size: int) -> None:
    buf = _points(size, 70, seed=7)
    rng = random.Random(size)
    for first, ratio in ((1, rng.randrange(R)), (rng.randrange(R), rng.randrange(R)),
                         (rng.randrange(R), 1), (5, 0), (0, 9), (R - 1, R - 1)):
        assert (native.mul_geometric(buf, size, first, ratio)
                == native.mul_geometric_python(buf, size, first, ratio)), (first, ratio)
    # the twin with the wrong ratio gives other bytes
    assert native.mul_geometric(buf, size, 1, 3) != native.mul_geometric_python(buf, size, 1, 2)


@pytest.mark.parametrize("size", SIZES)
def test_mul_geometric_fixed_base_comb(size: int) -> None:
    """A fresh accumulator (one point repeated >= 64 times) takes the comb-table path."""
    gen = bn254.g1_to_lem(bn254.G1_GENERATOR) if size == 64 else bn254.g2_to_lem(bn254.G2_GENERATOR)
    rng = random.Random(size + 5)
    other = _points(size, 4, seed=size)[2 * size:3 * size]
    for base in (gen, other):
        buf = base * 100
        for first, ratio in ((1, rng.randrange(R)), (rng.randrange(R), 1), (0, 3), (R - 1, R - 1)):
            assert (native.mul_geometric(buf, size, first, ratio)
                    == native.mul_geometric_python(buf, size, first, ratio)), (first, ratio)
    assert native.mul_geometric(bytes(size) * 100, size, 5, 7) == bytes(size) * 100
    # one different point drops back to the general path, still exact
    mixed = gen * 99 + other
    assert native.mul_geometric(mixed, size, 2, 3) == native.mul_geometric_python(mixed, size, 2, 3)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("sub", [False, True])
def test_add_matches_py_ecc(size: int, sub: bool) -> None:
    a, b = _points(size, 20, seed=1), _points(size, 20, seed=2)
    b = b[:size * 4] + a[size * 4:size * 5] + b[size * 5:]  # a_4 == b_4: doubling / infinity
    out = native.add(a, b, size, sub)
    assert out == native.add_python(a, b, size, sub)
    if sub:
        assert out[size * 4:size * 5] == bytes(size)
    assert out != native.add(a, b, size, not sub)


@pytest.mark.parametrize("size", SIZES)
def test_lincomb_matches_per_target_msm(size: int) -> None:
    bases = _points(size, 50, seed=3)
    rng = random.Random(11)
    idx, scalars, start = [], [], [0]
    for _ in range(120):  # empty targets, +-1, 0, small and full scalars, repeated bases
        for _ in range(rng.choice([0, 1, 1, 2, 3, 40])):
            idx.append(rng.randrange(50))
            scalars.append(rng.choice([1, R - 1, 0, 2, rng.randrange(2**64), rng.randrange(R)]))
        start.append(len(idx))
    out = native.lincomb(bases, size, idx, scalars, start)
    assert out == native.lincomb_python(bases, size, idx, scalars, start)
    scalars[-1] = (scalars[-1] + 1) % R if idx else 0
    assert native.lincomb(bases, size, idx, scalars, start) != out


def test_bad_arguments_raise_value_error() -> None:
    g1 = native.NATIVE
    pts = _points(64, 4, seed=5)
    with pytest.raises(ValueError, match="< r"):
        g1.g1_mul_geometric(pts, R.to_bytes(32, "little"), (1).to_bytes(32, "little"))
    with pytest.raises(ValueError, match="multiple of 64"):
        g1.g1_mul_geometric(pts[:-1], (1).to_bytes(32, "little"), (1).to_bytes(32, "little"))
    with pytest.raises(ValueError, match="out of range"):
        native.lincomb(pts, 64, [4], [3], [0, 1])
    with pytest.raises(ValueError, match="inconsistent"):
        g1.g1_lincomb(pts, b"\0" * 4, b"\0" * 32, (2).to_bytes(8, "little") * 2)
    with pytest.raises(ValueError, match="equal multiples"):
        g1.g1_add(pts, pts[:64])
    with pytest.raises(ValueError, match="shift"):
        g1.g1_ifft(pts, 65)
    with pytest.raises(ValueError, match="whole blocks"):
        g1.blake2b_blocks(bytes(64), bytes(100), 0)


def test_blake2b_blocks_and_partial_state_match_pure_python(monkeypatch) -> None:
    rng = random.Random(4)
    data = bytes(rng.randrange(256) for _ in range(128 * 9 + 77))
    h = [rng.randrange(2**64) for _ in range(8)]
    fast = native.blake2b_blocks(h, data[:128 * 9], 256)
    ref = [*h]
    for i in range(9):
        blake2b_state._compress(ref, data[128 * i:128 * (i + 1)], 256 + 128 * (i + 1), False)
    assert fast == ref
    assert native.blake2b_blocks(h, data[:128 * 9], 128) != ref  # the counter matters

    def hasher():
        st = blake2b_state.Blake2b().update(data[:3])
        return st.update(data[3:3 + 128 * 5]).update(data[3 + 128 * 5:])

    native_state = hasher()
    monkeypatch.setattr(native, "NATIVE", None)
    python_state = hasher()
    assert native_state.to_partial() == python_state.to_partial()
    assert native_state.digest() == python_state.digest() == __import__("hashlib").blake2b(data).digest()


@pytest.mark.parametrize("size,pad", [(64, True), (64, False), (128, False)])
def test_prescaled_lagrange_section_matches_reference(size: int, pad: bool) -> None:
    buf = _points(size, 16, seed=9)
    full = lagrange.lagrange_section(buf, size, 4, pad)
    ref = b"".join(lagrange.group_ifft_python(lagrange._domain_input(buf, size, p, pad and p == 4),
                                              size) for p in range(5))
    assert full == ref
    part = lagrange.lagrange_section(buf, size, 4, pad, powers={2, 4})
    for p in range(5):
        lo, hi = lagrange.lagrange_offset(p) * size, (lagrange.lagrange_offset(p) + (1 << p)) * size
        assert part[lo:hi] == (full[lo:hi] if p in (2, 4) else bytes(hi - lo)), p


def test_ifft_shift_is_the_unnormalised_transform() -> None:
    g = native.NATIVE
    buf = _points(64, 8, seed=12)
    scaled = g.g1_ifft(buf, 0)  # sum_j w^{-ij} P_j, no 1/n
    assert native.mul_geometric(scaled, 64, pow(8, -1, R), 1) == g.g1_ifft(buf)
    assert g.g1_ifft(buf, 2) == native.mul_geometric(scaled, 64, 4, 1)
    assert g.g1_ifft(buf[:64], 3) == native.mul_geometric(buf[:64], 64, 8, 1)


def test_odd_outputs_are_the_odd_entries_of_the_transform() -> None:
    for size, pad in ((64, True), (64, False), (128, False)):
        for p in (1, 2, 4):
            dom = lagrange._domain_input(_points(size, 16, seed=p), size, p, pad)
            full = lagrange.group_ifft_python(dom, size)
            odd = lagrange.odd_outputs(dom, size)
            n = 1 << p
            assert odd == b"".join(bytes(size) + full[(2 * i + 1) * size:(2 * i + 2) * size]
                                   for i in range(n // 2)), (size, p)
            assert odd != lagrange.odd_outputs(lagrange._domain_input(_points(size, 16, 99), size, p,
                                                                      pad), size)


@pytest.fixture(scope="module")
def small_ptau():
    pt = pot.contribute(pot.new(4), entropy="native test", random_bytes=bytes(64))
    return pt, lagrange.prepare_phase2(pt), lagrange.prepare_phase2(pt, circuit_powers=[3])


def _r1cs_of_power(k: int) -> R1CS:
    """x_{i+1} = x_i * x_i chains: 2^(k-1) - 1 constraints + 1 public -> circuit power k."""
    m = (1 << (k - 1)) - 1
    cons = [({2 + i: 1}, {2 + i: 1}, {3 + i: 1}) for i in range(m)]
    return R1CS(n_wires=m + 3, n_pub_out=1, n_pub_in=0, n_prv_in=1, constraints=cons)


def test_partial_prepare_holds_what_zkey_new_reads(small_ptau) -> None:
    pt, full, part = small_ptau
    for sec in (12, 13, 14, 15):
        for p in range(pt.power + (2 if sec == 12 else 1)):
            want = p == 3 or (sec == 12 and p == 4)
            assert lagrange.domain_prepared(part, sec, p) == want, (sec, p)
            assert lagrange.domain_prepared(full, sec, p)
            lo, hi = lagrange.lagrange_offset(p), lagrange.lagrange_offset(p) + (1 << p)
            size = 128 if sec == 13 else 64
            got, ref = part.lagrange[sec][lo * size:hi * size], full.lagrange[sec][lo * size:hi * size]
            if p == 3:
                assert got == ref
            elif sec == 12 and p == 4:  # H points: odd entries only
                for i in range(1 << p):
                    assert got[i * size:(i + 1) * size] == (ref[i * size:(i + 1) * size] if i % 2
                                                            else bytes(size)), i


def test_partial_ptau_gives_the_same_zkey_and_refuses_other_powers(small_ptau) -> None:
    _, full, part = small_ptau
    r3 = _r1cs_of_power(3)
    assert check_ptau_fits(r3, part) == 3
    a, b = new_zkey(r3, full), new_zkey(r3, part)
    assert (a.a_query, a.b_g2_query, a.l_query, a.h_query, a.ic, a.extra) == (
        b.a_query, b.b_g2_query, b.l_query, b.h_query, b.ic, b.extra)
    with pytest.raises(InputError, match="domain 2\\^2 missing"):
        check_ptau_fits(_r1cs_of_power(2), part)
    assert check_ptau_fits(_r1cs_of_power(2), full) == 2


def test_partial_prepare_fails_ptau_verify_full_passes(small_ptau) -> None:
    _, full, part = small_ptau
    assert ptau_verify.verify(full).ok
    rep = ptau_verify.verify(part)
    assert not rep.ok and any("Lagrange evaluations for domain 2^0" in e for e in rep.errors)


_FALLBACK = """
import hashlib, sys
sys.path.insert(0, sys.argv[1])
from zkproof.ceremony import powers_of_tau as pot, lagrange, phase2, native
from zkproof.ceremony.zkey_new import new_zkey
from zkproof.formats.ptau_file import ptau_bytes
from zkproof.formats.zkey_file import zkey_bytes
from test_ceremony_native import _r1cs_of_power
pt = pot.new(3)
pt = pot.contribute(pt, entropy="a", random_bytes=bytes(64))
pt = pot.beacon(pt, "00" * 32, 10)
full = lagrange.prepare_phase2(pt)
part = lagrange.prepare_phase2(pt, circuit_powers=[2])
pk = phase2.contribute(new_zkey(_r1cs_of_power(2), part), entropy="c", random_bytes=bytes(64))
print(native.NATIVE is not None, *(hashlib.sha256(b).hexdigest()
                                   for b in (ptau_bytes(full), ptau_bytes(part), zkey_bytes(pk))))
"""


def test_python_fallback_gives_the_same_ceremony_bytes() -> None:
    """One ceremony (contribution, beacon, full and partial prepare, zkey new, phase-2
    contribution) with the C kernels and with ZKPROOF_KERNEL=python: identical files."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    def run(env_extra: dict[str, str]) -> list[str]:
        env = dict(os.environ, **env_extra)
        return subprocess.run([sys.executable, "-c", _FALLBACK, str(Path(__file__).parent)],
                              env=env, check=True, capture_output=True, text=True).stdout.split()

    fast, slow = run({}), run({"ZKPROOF_KERNEL": "python"})
    assert fast[0] == "True" and slow[0] == "False"
    assert fast[1:] == slow[1:]
    assert len(set(fast[1:])) == 3


def test_kernel_set_threads_reaches_the_group_fft():
    """The group FFT links its own thread pool; ``kernel.set_threads`` sets both (0 = default)."""
    default = native.NATIVE.threads()
    try:
        kernel.set_threads(1)
        assert native.NATIVE.threads() == 1 == kernel.threads()
        kernel.set_threads(3)
        assert native.NATIVE.threads() == 3 == kernel.threads()
    finally:
        kernel.set_threads(0)
    assert native.NATIVE.threads() == default == kernel.threads()
