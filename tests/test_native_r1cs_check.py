"""The native R1CS check (``kernel.r1cs_first_unsatisfied``) against two Python references.

``ConstraintSystem.check`` evaluates the rows in C when the native kernel is loaded; the
soundness tests name broken constraints through ``which_is_unsatisfied`` (the plain Python
loop). Both must report the same first row on every witness: random systems with honest and
tampered witnesses (hypothesis), and the batch circuit under the ATTACKS A1/A2/A3 overrides.
The pure-Python ``python_backend.r1cs_first_unsatisfied`` (the fallback's twin of the C code,
reading the same buffer) is held to the same answers.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_solvency_batch_soundness import SHAPE, honest, witness
from zkproof import kernel
from zkproof.circuits import solvency_batch as sb
from zkproof.errors import ConstraintUnsatisfied
from zkproof.field.fr import R
from zkproof.kernel import python_backend
from zkproof.r1cs.system import ConstraintSystem

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
