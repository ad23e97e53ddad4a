"""The native R1CS check (``kernel.r1cs_first_unsatisfied``) against two Python references.

``ConstraintSystem.check`` evaluates the rows in C when the native kernel is loaded; the
soundness tests name broken constraints through ``which_is_unsatisfied`` (the plain Python
loop). Both must report the same first row on every witness: random systems with honest and
tampered witnesses (hypothesis), and the batch circuit under the ATTACKS A1/A2/A3 overrides.
The pure-Python ``python_backend.r1cs_first_unsatisfied`` (the fallback's twin of the C code,
reading the same buffer) is held to the same answers, and so are the edges a random system
rarely reaches: unreduced and negative values, an empty system, rows on public wires only, a
row replaced in place, and a row count whose buffer size would overflow.
"""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_solvency_batch_soundness import SHAPE, honest, witness
from zkproof import kernel
from zkproof.circuits import solvency_batch as sb
from zkproof.errors import ConstraintUnsatisfied
from zkproof.field.fr import R
from zkproof.kernel import python_backend
from zkproof.r1cs.system import Assignment, ConstraintSystem

pytestmark = pytest.mark.skipif(kernel.BACKEND != "native", reason="unreachable: CI builds the "
                                "kernel (ZKPROOF_REQUIRE_NATIVE=1); test_native_build fails without it")

coeff = st.one_of(st.integers(-3, 3), st.integers(0, R - 1), st.sampled_from([R - 1, 2**64, -(2**63)]))


def _first_by_native(cs: ConstraintSystem, assignment) -> int:
    wit = b"".join(x.to_bytes(32, "little") for x in assignment.witness())
    return kernel.r1cs_first_unsatisfied(cs.check_coefficients(), wit, cs.num_constraints)


def _first_by_reference(cs: ConstraintSystem, assignment) -> int:
    wit = b"".join(x.to_bytes(32, "little") for x in assignment.witness())
    return python_backend.r1cs_first_unsatisfied(cs.check_coefficients(), wit, cs.num_constraints)


def _first_by_loop(cs: ConstraintSystem, assignment) -> int:
    name = cs.which_is_unsatisfied(assignment)
    return -1 if name is None else cs.constraint_names.index(name)


@st.composite
def systems(draw):
    """A random system over 1-5 inputs (public and private) whose honest witness satisfies every
    row (each row's C is a hint t = A*B), and overrides that tamper with 0-2 variables."""
    cs = ConstraintSystem()
    n_pub, n_prv = draw(st.integers(0, 2)), draw(st.integers(1, 3))
    xs = [cs.public(f"p{i}") for i in range(n_pub)] + [cs.private(f"x{i}") for i in range(n_prv)]
    values = {v.name: draw(st.integers(0, R - 1)) for v in xs}
    pool = [cs.ONE, *xs]
    for row in range(draw(st.integers(1, 8))):
        lcs = []
        for _ in range(2):
            terms = draw(st.lists(st.tuples(st.sampled_from(pool), coeff), min_size=1, max_size=4))
            lc = terms[0][0] * terms[0][1]
            for var, c in terms[1:]:
                lc = lc + var * c
            lcs.append(lc)
        t = cs.hint(lambda a, b: a * b % R, lcs, f"t{row}")
        cs.enforce(lcs[0], lcs[1], t, f"row{row}")
        pool.append(t)
    names = [v.name for v in (*cs._publics, *cs._privates)]
    tampered = draw(st.dictionaries(st.sampled_from(names), st.integers(0, R - 1), max_size=2))
    return cs, values, tampered


@given(systems())
def test_native_check_names_the_same_first_row(case):
    cs, values, tampered = case
    honest_assignment = cs.solve(values)
    assert _first_by_native(cs, honest_assignment) == -1 == _first_by_loop(cs, honest_assignment)
    bad = cs.solve(values, overrides=tampered)
    first = _first_by_loop(cs, bad)
    assert _first_by_native(cs, bad) == first == _first_by_reference(cs, bad)
    if first >= 0:
        with pytest.raises(ConstraintUnsatisfied) as exc:
            cs.check(bad)
        assert (exc.value.index, exc.value.name) == (first, cs.constraint_names[first])
    else:
        cs.check(bad)


def test_a_single_wrong_product_is_found_in_the_last_row():
    """One broken row at the very end of a long system (the reduction loop's last index)."""
    cs = ConstraintSystem()
    x = cs.private("x")
    prev = x
    for k in range(300):
        t = cs.hint(lambda a: a * a % R, [prev], f"sq{k}")
        cs.enforce(prev, prev, t, f"sq{k}")
        prev = t
    good = cs.solve({"x": 3})
    assert _first_by_native(cs, good) == -1
    bad = cs.solve({"x": 3}, overrides={"sq299": 5})
    assert _first_by_native(cs, bad) == 299 == _first_by_loop(cs, bad)


@pytest.fixture(scope="module")
def batch_cs():
    return sb.build(SHAPE)


@pytest.mark.parametrize("override", [
    {"account_0/b[1]": R - 10**6},        # A1: balance wrapped as r - 10^6
    {"account_1/b[0]": 2**64},            # A2: balance just out of range
    {"account_0/q[0]": 2**63},            # A2: position just out of range
    {"account_0/b[0]": 0},                # A3: the account falls under margin
])
def test_batch_circuit_attacks_named_alike(batch_cs, override):
    _, inp = witness(honest())
    assert _first_by_native(batch_cs, batch_cs.solve(inp)) == -1
    bad = batch_cs.solve(inp, overrides=override)
    first = _first_by_loop(batch_cs, bad)
    assert first >= 0
    assert _first_by_native(batch_cs, bad) == first
    with pytest.raises(ConstraintUnsatisfied) as exc:
        batch_cs.check(bad)
    assert (exc.value.index, exc.value.name) == (first, batch_cs.constraint_names[first])


def test_buffer_errors_are_value_errors():
    cs = ConstraintSystem()
    x = cs.private("x")
    cs.enforce(x, x, x, "idem")
    wit = b"".join(v.to_bytes(32, "little") for v in cs.solve({"x": 1}).witness())
    body = cs.check_coefficients()
    for fn in (kernel.r1cs_first_unsatisfied, python_backend.r1cs_first_unsatisfied):
        with pytest.raises(ValueError, match="bytes"):
            fn(body[:-1], wit, 1)
        with pytest.raises(ValueError, match="out of range"):
            fn(body, wit, 0)  # row 0 is outside a 0-row system
        assert fn(body, wit, 1) == -1


def test_huge_row_count_is_refused_not_a_wild_pointer():
    """rows = (2^64 + 2) / 3 is a valid Py_ssize_t, and ``3 * rows`` wraps to 2 in a 64-bit
    size: an allocation sized by it would hold 2 elements while the row loop walks ``rows``
    rows. The binding refuses rows beyond the u32 row index (or size_t / (3 * 32)) with
    ValueError/MemoryError before allocating; run in a subprocess, so a crash fails the test
    rather than the run. Twin: a sane rows value works."""
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


def test_unreduced_witness_values_same_verdict_both_paths():
    """Values in [r, 2^256) in a hand-built assignment: ``check`` (in C) and the Python loop
    read them mod r and give the same verdict. Twin: y off by one is row 0 in both."""
    cs, x, y = _square_system()
    good = Assignment(cs, {0: 1, x.key: 3 + R, y.key: 9 + 2 * R})
    bad = Assignment(cs, {0: 1, x.key: 3 + R, y.key: 10 + 4 * R})
    assert cs.which_is_unsatisfied(good) is None
    cs.check(good)
    assert cs.which_is_unsatisfied(bad) == "sq"
    with pytest.raises(Exception, match="sq"):
        cs.check(bad)


def test_negative_value_in_assignment_checked_mod_r():
    """An ``Assignment`` holding a negative value (-3, built by hand): ``check`` reduces it mod
    r before it reaches the C buffer, as the Python loop does, so (-3)^2 = 9 holds in both and
    neither raises."""
    cs, x, y = _square_system()
    a = Assignment(cs, {0: 1, x.key: -3, y.key: 9})
    assert cs.which_is_unsatisfied(a) is None  # the Python loop: (-3)^2 = 9
    cs.check(a)


def test_empty_system_and_public_only_wires():
    """No rows: both buffers' checks pass. A row on public wires only (wire 1..n_pub, ONE = 0):
    the C check reads the same wires as the Python loop (bad public value named)."""
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


def test_check_buffer_follows_a_replaced_row():
    """The coefficient buffer ``check`` hands to C is the system's current rows: a row replaced
    in place (``constraints.pop()`` then ``enforce``: same row count, different row) is checked
    as the new row, never against a buffer built for the old one."""
    cs, x, y = _square_system()
    cs.check(cs.solve({"x": 3, "y": 9}))  # builds and caches the buffer
    cs.constraints.pop()
    cs.constraint_names.pop()
    cs.enforce(y, cs.ONE, x, "y_is_x")  # same row count, different row: y = x
    a = cs.solve({"x": 3, "y": 9})  # row 1 now says y = x: 9 != 3
    assert cs.which_is_unsatisfied(a) == "y_is_x"
    with pytest.raises(Exception, match="y_is_x"):
        cs.check(a)


def test_non_canonical_buffer_words_reduced_alike():
    """Coefficient and witness words in [r, 2^256) (never written by ``check_coefficients``,
    but the binding takes any buffer): C (``fr_reduce`` loops to below r) and the Python twin
    (big ints, reduced at the end) agree, on a holding row and on a broken one."""
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
