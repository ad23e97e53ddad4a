"""The C Poseidon (``zkproof/_native/poseidon.c``) against the Python oracle and circomlibjs.

``zkproof.hash.poseidon.poseidon`` runs the C permutation when the native kernel is built; these
tests compare it with the Python optimized ``permute`` and the paper-form ``permute_reference``
for every width 2..17 (both native field products: ``field_path``), with the circomlibjs
vectors in ``vectors/poseidon``, and in batches of mixed widths on one worker thread and on
two; and check that the low-level API really depends on the constants it is given and refuses
malformed buffers and unreduced inputs itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import fr_elements
from zkproof import kernel
from zkproof.field.fr import R
from zkproof.hash import poseidon as P
from zkproof.hash.poseidon_params import params

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "vectors" / "poseidon" / "cases").glob("*.json"))
CIRCOMLIB_1_2 = 7853200120776062878684798364095072458815029376092732009249414926327459813530

pytestmark = pytest.mark.skipif(not P.enable_native(),
                                reason="native kernel not built or ZKPROOF_KERNEL=python")


def _le(xs) -> bytes:
    return b"".join(x.to_bytes(32, "little") for x in xs)


def _ints(buf: bytes) -> list[int]:
    return [int.from_bytes(buf[i:i + 32], "little") for i in range(0, len(buf), 32)]


def _native_permute(state: list[int], n_out: int) -> list[int]:
    return _ints(P._native.poseidon_permute(P._handle(len(state)), _le(state), n_out))


def _inputs(t: int):
    return st.lists(fr_elements(), min_size=t - 1, max_size=t - 1)


def test_native_is_used():
    """The module picked the kernel (the kernel package chose the native backend)."""
    assert P._native is not None and hasattr(P._native, "poseidon_many")
    assert P.poseidon([1, 2]) == CIRCOMLIB_1_2


@pytest.mark.parametrize("t", range(2, 18))
@settings(max_examples=12)
@given(data=st.data())
def test_hash_equals_python_every_width(field_path, t, data):
    """Against the Python optimized form (itself checked against the paper form in
    tests/test_poseidon.py; the edge and full-state tests here use the paper form directly)."""
    xs = data.draw(_inputs(t))
    assert P.poseidon(xs) == P.permute([0, *xs], n_out=1)[0]


@pytest.mark.parametrize("t", range(2, 18))
def test_edge_inputs_every_width(field_path, t):
    for xs in ([0] * (t - 1), [R - 1] * (t - 1), [R - 1, 0] * (t // 2) + [1] * (t % 2)):
        xs = xs[:t - 1]
        assert P.poseidon(xs) == P.permute_reference([0, *xs])[0]


@pytest.mark.parametrize("t", [2, 3, 10, 17])
@given(data=st.data())
def test_full_permutation_equals_reference(field_path, t, data):
    """The whole permuted state, any capacity element (not just the hash's state[0])."""
    state = data.draw(st.lists(fr_elements(), min_size=t, max_size=t))
    ref = P.permute_reference(state)
    assert _native_permute(state, t) == ref
    assert _native_permute(state, 1) == ref[:1]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_circomlibjs_vector(path: Path):
    case = json.loads(path.read_text())
    xs = [int(x) for x in case["inputs"]]
    assert P.poseidon(xs) == int(case["output"])
    xs[0] = (xs[0] + 1) % R  # bad twin: one input off by one
    assert P.poseidon(xs) != int(case["output"])


def test_poseidon_many_matches_single_calls():
    """Mixed lengths, several hashes per length, and enough of one length to use the threads."""
    batch = [[k, k + 1] for k in range(150)] + [list(range(n)) for n in range(1, 17)] + [[R - 1] * 9] * 3
    assert P.poseidon_many(batch) == [P.permute([0, *xs], n_out=1)[0] for xs in batch]
    assert P.poseidon_many([]) == []


def test_poseidon_many_depends_on_each_entry():
    base = [[1, 2], [3, 4], [5, 6]]
    out = P.poseidon_many(base)
    assert len(set(out)) == 3
    assert P.poseidon_many([[1, 2], [3, 5], [5, 6]]) == [out[0], P.poseidon([3, 5]), out[2]]


@pytest.mark.parametrize("threads", [1, 2])
def test_many_mixed_widths_on_the_thread_path(threads):
    """>= 64 hashes per width (the threaded path, PAR_MIN = 64) interleaved over widths 2..17
    with 0 and r - 1 among the inputs: the same digests as the Python permutation, with one
    worker thread and with two; the per-width handles do not mix."""
    assert P.enable_native()
    batch = [[(k * 7919 + j) % R if (k + j) % 5 else (0 if k % 2 else R - 1) for j in range(1 + k % 16)]
             for k in range(16 * 65)]
    before = kernel.threads()
    kernel.set_threads(threads)
    try:
        got = P.poseidon_many(batch)
    finally:
        kernel.set_threads(before)
    sample = range(0, len(batch), 13)
    assert [got[k] for k in sample] == [P.permute([0, *batch[k]], n_out=1)[0] for k in sample]
    assert got[5] == P.poseidon(batch[5])
    # twin: one changed input in one hash changes that digest only
    batch[100][0] = (batch[100][0] + 1) % R
    again = P.poseidon_many(batch)
    assert [k for k in range(len(batch)) if again[k] != got[k]] == [100]


@pytest.mark.parametrize("bad", [[], list(range(17)), [R], [-1], [1.0], [True], [1, R + 5]])
def test_bad_inputs_same_error_as_python(bad):
    """Validation stays in Python: the same ValueError text with and without the kernel."""
    with pytest.raises(ValueError) as native_err:
        P.poseidon(bad)
    with pytest.raises(ValueError) as batch_err:
        P.poseidon_many([[1], bad])
    with pytest.raises(ValueError) as python_err:
        P._field_inputs(bad)
    assert str(native_err.value) == str(python_err.value) == str(batch_err.value)
    assert str(python_err.value).startswith("Poseidon ")


def test_low_level_refuses_malformed_buffers():
    h = P._handle(3)
    assert P._native.poseidon_many(h, b"") == b""  # zero hashes
    with pytest.raises(ValueError, match="not a multiple of 64"):
        P._native.poseidon_many(h, b"\0" * 96)  # 1.5 hashes of 2 inputs
    with pytest.raises(ValueError, match=r"element 3 \(hash 1, position 1\) is not below r"):
        P._native.poseidon_many(h, _le([1, 2, 3, R]))
    with pytest.raises(ValueError, match="n_out must be in 1..3"):
        P._native.poseidon_permute(h, _le([1, 2, 3]), 4)
    with pytest.raises(ValueError, match="expected"):
        P._native.poseidon_params(3, 8, 57, P.native_constants(3)[:-32])
    with pytest.raises(ValueError, match="bad shape"):
        P._native.poseidon_params(18, 8, 57, b"")
    consts = bytearray(P.native_constants(3))
    consts[32 * 5:32 * 6] = R.to_bytes(32, "little")
    with pytest.raises(ValueError, match="constant 5 is not below r"):
        P._native.poseidon_params(3, 8, 57, bytes(consts))
    with pytest.raises(ValueError):
        P._native.poseidon_many(object(), b"")  # not a handle


def test_native_call_refuses_unreduced_input_and_bad_shapes():
    """C-side validation (defence in depth behind ``_field_inputs``): an input word equal to r,
    a buffer not a whole number of hashes, n_out outside 1..t, a width beyond 17."""
    assert P.enable_native()
    k, h = P._native, P._handle(3)
    ok = (1).to_bytes(32, "little") + (2).to_bytes(32, "little")
    assert int.from_bytes(k.poseidon_many(h, ok), "little") == P.poseidon([1, 2])
    with pytest.raises(ValueError, match="not below r"):
        k.poseidon_many(h, (1).to_bytes(32, "little") + R.to_bytes(32, "little"))
    with pytest.raises(ValueError):
        k.poseidon_many(h, ok[:-1])
    for n_out in (0, 4):
        with pytest.raises(ValueError, match="n_out"):
            k.poseidon_permute(h, ok + ok[:32], n_out)
    with pytest.raises(ValueError, match="bad shape"):
        k.poseidon_params(18, 8, 57, b"")


@pytest.mark.parametrize("t", [3, 10])
def test_digest_depends_on_every_constant_block(t):
    """Mutation check: changing one constant in each block of the buffer changes the digest,
    so the C code reads (and uses) all of them; the unmodified buffer gives the real hash."""
    r_f, r_p, _, _ = params(t)
    consts = P.native_constants(t)
    xs = list(range(1, t))
    good = P._native.poseidon_params(t, r_f, r_p, consts)
    want = P.poseidon(xs)
    assert _ints(P._native.poseidon_many(good, _le(xs))) == [want]
    half = r_f // 2
    starts = {"first_full": 0, "mds": half * t, "pre_c": half * t + t * t,
              "pre_d": half * t + t * t + t, "partial_k": half * t + 2 * t * t + t,
              "sparse": half * t + 2 * t * t + t + r_p, "last_full": half * t + 2 * t * t + t + r_p * 2 * t}
    # partial_k[0] is 0 by construction (round 0's constants are pre_c): mutate entry 1
    for name, start in starts.items():
        k = start + (1 if name == "partial_k" else 0)
        bad = bytearray(consts)
        v = (int.from_bytes(bad[32 * k:32 * k + 32], "little") + 1) % R
        bad[32 * k:32 * k + 32] = v.to_bytes(32, "little")
        h = P._native.poseidon_params(t, r_f, r_p, bytes(bad))
        assert _ints(P._native.poseidon_many(h, _le(xs))) != [want], name


def _run(code: str, **env: str) -> str:
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True,
                          text=True, check=True, cwd=ROOT).stdout


def test_python_fallback_subprocess_same_digest():
    """ZKPROOF_KERNEL=python: enable_native() declines, the pure-Python path gives the same digests."""
    code = ("from zkproof.hash import poseidon as P; "
            "print(P.enable_native(), P._native, P.poseidon([1, 2]), P.poseidon_many([[3] * 16, [P.R - 1]]))")
    out = _run(code, ZKPROOF_KERNEL="python").split(maxsplit=3)
    assert out[:2] == ["False", "None"]
    assert int(out[2]) == CIRCOMLIB_1_2
    assert out[3].strip() == str(P.poseidon_many([[3] * 16, [R - 1]]))


def test_prover_side_enables_native_verifier_side_does_not():
    """Import rule (docs/architecture.md): hash.poseidon and hash.merkle_sum_proof alone load no
    native code; importing the prover's tree builder (witness.merkle_sum_tree) switches to C."""
    code = ("import sys, zkproof.hash.merkle_sum_proof, zkproof.statement; "
            "from zkproof.hash import poseidon as P; "
            "a = (P._native is None, 'zkproof._native.kernel' in sys.modules); "
            "import zkproof.witness.batch; print(a, P._native is None, P.poseidon([1, 2]))")
    assert _run(code).split() == ["(True,", "False)", "False", str(CIRCOMLIB_1_2)]


def test_python_only_block_hashes_without_the_native_code(monkeypatch):
    """``python_only()`` (the demo's verification step): inside, ``poseidon`` never reaches the
    C kernel (a kernel that raises proves it) and gives the same digest; after, C again."""
    digest = P.poseidon([1, 2])
    with P.python_only():
        assert P._native is None
        monkeypatch.setattr(P, "_handle", lambda t: (_ for _ in ()).throw(AssertionError("C used")))
        assert P.poseidon([1, 2]) == digest
        monkeypatch.undo()
    assert P._native is not None and P.poseidon([1, 2]) == digest
