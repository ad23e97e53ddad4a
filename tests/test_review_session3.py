"""Adversarial review of session 3's changes (helper R): commits ``6871efb..ce7305f``.

Reviewed: batch verification of a bundle's proofs (``groth16.verify.batch_pairing_check`` /
``verify_many``), the R1CS check in C (``kernel.r1cs_first_unsatisfied``, used by
``ConstraintSystem.check`` and hence ``prover.parallel.prove_checked``), Poseidon in C
(``hash.poseidon.enable_native``), and the import rule of a verify-only process.

Each test either pins a property the review checked and found sound, or shows one of the
review's findings, each fixed in the same change (the tests failed before the fix):

* ``r1cs_first_unsatisfied`` with ``rows`` near ``2^64 / 3`` overflows ``3 * rows`` in the
  allocation and reads/writes out of bounds (segfault) -- reachable from Python;
* ``ConstraintSystem.check`` under the native kernel raises ``OverflowError`` on an
  ``Assignment`` holding a negative value, where the Python loop reduces mod r;
* the check-buffer cache keyed only by sizes serves a stale buffer after ``constraints.pop()``
  plus ``enforce`` (same size, different row);
* ``batch_pairing_check`` accepts any weight from its ``randomness`` hook, including 0 and r,
  which turn a wrong proof's equation into ``1 = 1``.

Pairings are few (synthetic keys with known trapdoors, so no prover run): ~30 Miller loops.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import pytest

from zkproof import kernel
from zkproof.curve import bn254
from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, g1_mul, g1_neg, g2_mul
from zkproof.errors import MalformedProof
from zkproof.field.fr import R
from zkproof.groth16 import verify as gv
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.r1cs.system import Assignment, ConstraintSystem

native_only = pytest.mark.skipif(kernel.BACKEND != "native", reason="needs the native kernel "
                                 "(CI builds it; test_native_build fails without it)")

# --- batch verification ---------------------------------------------------------------------
# A key with known secrets, so valid proofs for any public input are one scalar division away:
# e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta) with A = s G1, B = u G2, vk_x = v G1,
# C = c G1 holds iff s u = a b + v g + c d (mod r).
ALPHA, BETA, GAMMA, DELTA = 11, 13, 17, 19
# IC = [G1, -G1]: vk_x = (1 - x) G1, so the public input x = 1 gives vk_x = O (the point at
# infinity), a case the batch's accumulators must treat exactly as the per-proof check does.
VK = VerifyingKey(g1_mul(G1_GENERATOR, ALPHA), g2_mul(G2_GENERATOR, BETA),
                  g2_mul(G2_GENERATOR, GAMMA), g2_mul(G2_GENERATOR, DELTA),
                  [G1_GENERATOR, g1_neg(G1_GENERATOR)])


def _proof(x: int, s: int, u: int, c_shift: int = 0) -> Proof:
    """A proof of public input ``x`` under ``VK`` (``c_shift != 0``: wrong by ``c_shift G1``)."""
    v = (1 - x) % R
    c = (s * u - ALPHA * BETA - v * GAMMA) * pow(DELTA, -1, R) % R
    return Proof(g1_mul(G1_GENERATOR, s), g2_mul(G2_GENERATOR, u), g1_mul(G1_GENERATOR, c + c_shift))


def _items(rows):
    return [([x], p, gv.Sources(f"p{i}", f"p{i}", f"p{i}")) for i, (x, p) in enumerate(rows)]


@pytest.fixture(scope="module")
def synthetic():
    """Two good proofs (one with vk_x = O) and a wrong one (C off by G1), all for VK."""
    gv.check_vk(VK, "vk")
    good_inf, good, bad_inf = (1, _proof(1, 3, 5)), (5, _proof(5, 7, 9)), (1, _proof(1, 3, 5, 1))
    assert gv.prepare_inputs(VK, [1]) is None  # vk_x really is the point at infinity
    return good_inf, good, bad_inf


def test_batch_with_infinite_vk_x_and_duplicates_accepts_only_good_proofs(synthetic):
    """vk_x = O and a proof listed twice: the batch accepts the good set (one multi-pairing)."""
    good_inf, good, _ = synthetic
    assert gv.verify_many(VK, _items([good_inf, good, good_inf])) == [True, True, True]


def test_batch_names_the_bad_proof_wherever_it_stands(synthetic):
    """Twin: the wrong proof (vk_x = O, C + G1), first, or listed twice -- duplicating a wrong
    proof cannot make it cancel itself (independent weights), and the fallback reports per
    proof, in the caller's order, never ok for the bad one."""
    good_inf, good, bad_inf = synthetic
    assert gv.verify(VK, [1], bad_inf[1], check_key=False) is False
    assert gv.verify_many(VK, _items([bad_inf, good])) == [False, True]
    assert gv.verify_many(VK, _items([bad_inf, bad_inf])) == [False, False]


def _twist_point_outside_g2() -> bn254.G2Affine:
    """On the twist, not in the order-r subgroup (as tests/test_foundation.py finds one)."""
    from py_ecc.fields import optimized_bn128_FQ2 as FQ2

    b2, x = FQ2(list(bn254._B2)), FQ2([1, 0])
    while True:
        rhs = x ** 3 + b2
        y = rhs ** ((bn254.P ** 2 + 15) // 32)
        if y * y == rhs:
            pt = ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))
            if bn254.is_on_curve_g2(pt) and not bn254.in_g2_subgroup(pt):
                return pt
        x = x + FQ2([1, 0])


def test_b_outside_g2_is_refused_before_any_weighting(synthetic, monkeypatch):
    """ATTACKS B6 in a batch: a B off the subgroup would leave a factor outside the order-r
    G_T and break the 2^-128 argument, so it must be refused as malformed, naming its file,
    before any pairing -- here no pairing may even start."""
    good_inf, good, _ = synthetic
    monkeypatch.setattr(gv, "pairing_product_is_one", lambda pairs: pytest.fail("paired"))
    evil = (good[0], Proof(good[1].a, _twist_point_outside_g2(), good[1].c))
    with pytest.raises(MalformedProof, match=r"^p1: pi_b: not in G2 subgroup"):
        gv.verify_many(VK, _items([good_inf, evil]))
    # twin: the same list without the evil B reaches the pairing
    with pytest.raises(pytest.fail.Exception, match="paired"):
        gv.verify_many(VK, _items([good_inf, good]))


def test_weights_are_fresh_distinct_and_128_bit(synthetic, monkeypatch):
    """The weights come from ``secrets`` at check time: each item its own, each call new, in
    [1, 2^128) -- nothing is derived from the proofs, so the prover cannot predict them.
    (The pairing is stubbed: the captured first pair is (-r_i A_i, B_i).)"""
    good_inf, _, _ = synthetic
    draws: list[int] = []
    real = gv.secrets.randbelow

    def spy(n):
        assert n == (1 << 128) - 1
        draws.append(1 + real(n))
        return draws[-1] - 1

    captured = []
    monkeypatch.setattr(gv.secrets, "randbelow", spy)
    monkeypatch.setattr(gv, "pairing_product_is_one", lambda pairs: captured.append(pairs) or True)
    item = (gv.prepare_inputs(VK, [1]), good_inf[1])
    assert gv.batch_pairing_check(VK, [item, item])
    assert gv.batch_pairing_check(VK, [item, item])
    assert len(draws) == 4 and len(set(draws)) == 4 and all(1 <= d < 2**128 for d in draws)
    firsts = [p[0] for pairs in captured for p in pairs[:2]]
    assert firsts == [g1_mul(g1_neg(good_inf[1].a), d) for d in draws]


@pytest.mark.parametrize("weight", [0, R])
def test_degenerate_weights_are_refused(synthetic, weight):
    _, _, bad_inf = synthetic
    item = (gv.prepare_inputs(VK, [1]), bad_inf[1])
    with pytest.raises(ValueError):
        gv.batch_pairing_check(VK, [item], randomness=lambda: weight)


def test_empty_batch_is_vacuous():
    """No items: nothing to accept and nothing reported (the bundle verifier requires its
    expected proof files to exist before it gets here)."""
    assert gv.batch_pairing_check(VK, []) is True
    assert gv.verify_many(VK, []) == []


# --- the R1CS check in C ----------------------------------------------------------------------

@native_only
def test_huge_row_count_is_refused_not_a_wild_pointer():
    """``3 * rows`` wraps for rows = (2^64 + 2) / 3 (a valid Py_ssize_t): calloc gets 2 elements
    and the row loop walks off the heap. The binding must refuse rows beyond the u32 row index
    (or size_t / (3 * 32)) with ValueError/MemoryError. Twin: a sane rows value works."""
    code = ("import struct; from zkproof import kernel\n"
            "body = struct.pack('<I', 0); wit = (1).to_bytes(32, 'little')\n"
            "assert kernel.r1cs_first_unsatisfied(body, wit, 3) == -1\n"
            "try:\n"
            "    print(kernel.r1cs_first_unsatisfied(body, wit, (2**64 + 2) // 3))\n"
            "except (ValueError, MemoryError) as e:\n"
            "    print('refused', type(e).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"crashed: rc {out.returncode}"
    assert out.stdout.startswith("refused")



def _square_system() -> tuple[ConstraintSystem, object, object]:
    """Inputs x (public) and y (private): x * x = y (row 0), y * 1 = y (row 1)."""
    cs = ConstraintSystem()
    x, y = cs.public("x"), cs.private("y")
    cs.enforce(x, x, y, "sq")
    cs.enforce(y, cs.ONE, y, "id")
    return cs, x, y


@native_only
def test_unreduced_witness_values_same_verdict_both_paths():
    """Values in [r, 2^256) in a hand-built assignment: C reduces each word fully (fr_reduce
    loops), Python reduces mod r: same verdict. Twin: y off by one is row 0 in both."""
    cs, x, y = _square_system()
    good = Assignment(cs, {0: 1, x.key: 3 + R, y.key: 9 + 2 * R})
    bad = Assignment(cs, {0: 1, x.key: 3 + R, y.key: 10 + 4 * R})
    assert cs.which_is_unsatisfied(good) is None
    cs.check(good)
    assert cs.which_is_unsatisfied(bad) == "sq"
    with pytest.raises(Exception, match="sq"):
        cs.check(bad)


@native_only
def test_negative_value_in_assignment_checked_mod_r():
    cs, x, y = _square_system()
    a = Assignment(cs, {0: 1, x.key: -3, y.key: 9})
    assert cs.which_is_unsatisfied(a) is None  # the Python loop: (-3)^2 = 9
    cs.check(a)


@native_only
def test_empty_system_and_public_only_wires():
    """No rows: both buffers' checks pass. A row on public wires only (wire 1..n_pub, ONE = 0):
    the C check reads the same wires as the Python loop (bad public value named)."""
    from zkproof.kernel import python_backend

    empty = ConstraintSystem()
    body = empty.check_coefficients()
    assert body == struct.pack("<I", 0)
    one = (1).to_bytes(32, "little")
    assert kernel.r1cs_first_unsatisfied(body, one, 0) == -1
    assert python_backend.r1cs_first_unsatisfied(body, one, 0) == -1
    empty.check(empty.solve({}))
    cs = ConstraintSystem()
    p, q = cs.public("p"), cs.public("q")
    cs.enforce(p, cs.ONE * 2, q, "double")
    cs.check(cs.solve({"p": 4, "q": 8}))
    with pytest.raises(Exception, match="double"):
        cs.check(cs.solve({"p": 4, "q": 9}))


@native_only
def test_check_buffer_follows_a_replaced_row():
    cs, x, y = _square_system()
    cs.check(cs.solve({"x": 3, "y": 9}))  # builds and caches the buffer
    cs.constraints.pop()
    cs.constraint_names.pop()
    cs.enforce(y, cs.ONE, x, "y_is_x")  # same row count, different row: y = x
    a = cs.solve({"x": 3, "y": 9})  # row 1 now says y = x: 9 != 3
    assert cs.which_is_unsatisfied(a) == "y_is_x"
    with pytest.raises(Exception, match="y_is_x"):
        cs.check(a)


@native_only
def test_non_canonical_buffer_words_reduced_alike():
    """Coefficient and witness words in [r, 2^256) (never written by ``check_coefficients``,
    but the binding takes any buffer): C (``fr_reduce`` loops to below r) and the Python twin
    (big ints, reduced at the end) agree, on a holding row and on a broken one."""
    from zkproof.kernel import python_backend

    top = 2**256 - 1  # = top % R + 5 R: five subtractions needed
    mont = pow(2, 512, R)

    def entry(m, row, wire, c):  # c: the plain coefficient; stored as c * 2^512 (+ k r)
        v = c * mont % R
        v += R * ((top - v) // R)  # the largest representative below 2^256
        return struct.pack("<III", m, row, wire) + v.to_bytes(32, "little")

    x = 5
    wit = (1).to_bytes(32, "little") + top.to_bytes(32, "little") + (x + 4 * R).to_bytes(32, "little")
    # row 0: w1 * 1 = w1 (w1 = 2^256 - 1 unreduced); row 1: (x) * (x) = 25 + 1 (broken)
    body = [entry(0, 0, 1, 1), entry(1, 0, 0, 1), entry(2, 0, 1, 1),
            entry(0, 1, 2, 1), entry(1, 1, 2, 1), entry(2, 1, 0, x * x + 1)]
    buf = struct.pack("<I", len(body)) + b"".join(body)
    def both(b: bytes) -> tuple[int, int]:
        return python_backend.r1cs_first_unsatisfied(b, wit, 2), kernel.r1cs_first_unsatisfied(b, wit, 2)

    assert both(buf) == (1, 1)
    good = buf[:-32] + ((x * x) * mont % R).to_bytes(32, "little")  # twin: row 1 holds
    assert both(good) == (-1, -1)


def test_solver_names_resolve_as_before_in_both_circuits():
    """``solve`` now finds inputs by dict before scanning every variable: the same variable
    as the old first-match scan whenever names are unique, which they are in both solvency
    circuits (so overrides in the soundness tests still hit the variables they name). Twin: a
    hint output sharing an input's name -- the one case where the two lookups differ -- is
    resolved to the input."""
    from tests.test_solvency_batch_soundness import SHAPE
    from zkproof.circuits import aggregate
    from zkproof.circuits import solvency_batch as sb

    for cs in (sb.build(SHAPE), aggregate.build(SHAPE)):
        names = [v.name for v in (*cs._publics, *cs._privates)]
        assert len(set(names)) == len(names)
        assert all(cs._key(n) == v.key for n, v in cs._inputs.items())
    cs = ConstraintSystem()
    h = cs.public_from_hint("x", lambda: 7, [])
    x = cs.private("x")
    assert [v.name for v in cs._publics] == ["x"] and cs._key("x") == x.key != h.key


# --- Poseidon in C ------------------------------------------------------------------------------

@native_only
@pytest.mark.parametrize("threads", [1, 2])
def test_many_mixed_widths_on_the_thread_path(threads):
    """>= 64 hashes per width (the threaded path, PAR_MIN = 64) interleaved over widths 2..17
    with 0 and r - 1 among the inputs: the same digests as the Python permutation, with one
    worker thread and with two; the per-width handles do not mix."""
    from zkproof.hash import poseidon as ph

    assert ph.enable_native()
    batch = [[(k * 7919 + j) % R if (k + j) % 5 else (0 if k % 2 else R - 1) for j in range(1 + k % 16)]
             for k in range(16 * 65)]
    before = kernel.threads()
    kernel.set_threads(threads)
    try:
        got = ph.poseidon_many(batch)
    finally:
        kernel.set_threads(before)
    sample = range(0, len(batch), 13)
    assert [got[k] for k in sample] == [ph.permute([0, *batch[k]], n_out=1)[0] for k in sample]
    assert got[5] == ph.poseidon(batch[5])
    # twin: one changed input in one hash changes that digest only
    batch[100][0] = (batch[100][0] + 1) % R
    again = ph.poseidon_many(batch)
    assert [k for k in range(len(batch)) if again[k] != got[k]] == [100]


@native_only
def test_native_call_refuses_unreduced_input_and_bad_shapes():
    """C-side validation (defence in depth behind ``_field_inputs``): an input word equal to r,
    a buffer not a whole number of hashes, n_out outside 1..t, a width beyond 17."""
    from zkproof.hash import poseidon as ph

    assert ph.enable_native()
    k, h = ph._native, ph._handle(3)
    ok = (1).to_bytes(32, "little") + (2).to_bytes(32, "little")
    assert int.from_bytes(k.poseidon_many(h, ok), "little") == ph.poseidon([1, 2])
    with pytest.raises(ValueError, match="not below r"):
        k.poseidon_many(h, (1).to_bytes(32, "little") + R.to_bytes(32, "little"))
    with pytest.raises(ValueError):
        k.poseidon_many(h, ok[:-1])
    for n_out in (0, 4):
        with pytest.raises(ValueError, match="n_out"):
            k.poseidon_permute(h, ok + ok[:32], n_out)
    with pytest.raises(ValueError, match="bad shape"):
        k.poseidon_params(18, 8, 57, b"")


# --- the import rule through the CLI ------------------------------------------------------------

FORBIDDEN_CLI = ("zkproof._native", "zkproof.kernel", "zkproof.witness", "zkproof.prover",
                 "zkproof.groth16.prove", "zkproof.gadgets", "zkproof.circuits")


@pytest.mark.parametrize("argv", [["verify", "{d}/no-bundle"],
                                  ["inclusion", "verify", "{d}/no-bundle", "--id", "u1",
                                   "--nonce", "00" * 32]])
def test_verify_only_cli_process_loads_no_native_code(tmp_path, argv):
    """``zkproof verify`` / ``zkproof inclusion verify`` through ``zkproof.cli.main``: after the
    command ran (exit 2 on a missing bundle), no native or prover module is loaded and Poseidon
    is still the Python code. Twin: ``prove``'s import (witness.batch) does switch to C."""
    args = [a.format(d=tmp_path) for a in argv]
    code = ("import sys, json\nfrom zkproof.cli import main as m\n"
            f"try:\n    m.main({args!r})\nexcept SystemExit as e:\n    rc = e.code\n"
            "from zkproof.hash import poseidon as P\n"
            "print(json.dumps([rc, P._native is None, sorted(x for x in sys.modules "
            "if x.startswith('zkproof'))]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    rc, pure, mods = json.loads(out.stdout.strip().splitlines()[-1])
    assert rc == 2 and pure
    assert "zkproof.verifier.bundle_check" in mods or "zkproof.verifier.inclusion" in mods
    assert [m for m in mods if any(m == f or m.startswith(f + ".") for f in FORBIDDEN_CLI)] == []
    if kernel.BACKEND == "native":
        twin = subprocess.run([sys.executable, "-c", "import sys, zkproof.witness.batch; "
                               "from zkproof.hash import poseidon as P; "
                               "print(P._native is None, 'zkproof._native.kernel' in sys.modules)"],
                              capture_output=True, text=True, timeout=60)
        assert twin.stdout.split() == ["False", "True"]
