"""Log-derivative lookups: single- and multi-column tables, multiplicities, the challenge.

Attacks (docs/soundness.md §8): a query outside the table, tampered multiplicities,
every hint replaced by 0, 1, r-1 and random (A5), a row taken from another index, and a prover
who picks the challenge after seeing the values (forges: why the challenge must be the hash of
the commitment, which the proof system recomputes)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_gadget_support import (
    assert_hints_pinned,
    assert_overrides_never_satisfy,
    fails_at,
    solve_ok,
)
from zkproof.field.fr import R
from zkproof.gadgets.lookup import Lookups, assert_in_table, lookup_row
from zkproof.r1cs.system import ConstraintSystem

TABLE = [3, 5, 7, 11]


def _single(n_queries: int = 3, table=TABLE):
    cs = ConstraintSystem()
    lk = Lookups(cs)
    t = lk.table("t", table)
    qs = [cs.private(f"q{i}") for i in range(n_queries)]
    for q in qs:
        assert_in_table(lk, t, q)
    lk.finalize()
    return cs


def _hint(cs: ConstraintSystem, suffix: str):
    return next(h for h in cs.hints if h.name.endswith(suffix))


def _q(*vals):
    return {f"q{i}": v for i, v in enumerate(vals)}


def test_single_column_valid_and_count():
    cs = _single()
    # 3 queries + 4 rows + 1 sum + 1 commitment hiding row
    assert cs.num_constraints == 3 + 4 + 1 + 1
    a = solve_ok(cs, _q(5, 5, 11))
    m = _hint(cs, "t/multiplicity").outputs
    assert [a[v] for v in m] == [0, 2, 0, 1]
    assert cs.num_challenges == 1


@pytest.mark.parametrize("bad", [6, 0, R - 3, 3 + R % (1 << 64)])
def test_query_outside_table(bad):
    assert fails_at(_single(), _q(5, bad, 11)) == "lookup/t/sum"


def test_tampered_multiplicities():
    """m moved from row 5 to row 7 (same total), or doubled: the sum fails."""
    cs = _single()
    m = _hint(cs, "t/multiplicity").outputs
    assert fails_at(cs, _q(5, 5, 11), {m[1]: 1, m[2]: 1}) == "lookup/t/sum"
    assert fails_at(cs, _q(5, 5, 11), {m[1]: 4}) == "lookup/t/sum"
    # the same count, claimed for a value that is not queried, with an out-of-table query
    assert fails_at(cs, _q(5, 6, 11), {m[1]: 1, m[2]: 1}) == "lookup/t/sum"


def test_tampered_inverses_break_their_rows():
    cs = _single()
    inv = _hint(cs, "t/inverse").outputs
    u = _hint(cs, "t/row_term").outputs
    assert fails_at(cs, _q(5, 5, 11), {inv[1]: 1}) == "lookup/t/query_1"
    assert fails_at(cs, _q(5, 5, 11), {u[2]: 1}) == "lookup/t/row_2"


@pytest.mark.parametrize("vals", [(5, 5, 11), (3, 7, 11), (11, 11, 11)])
def test_single_column_hints_pinned(vals):
    """A5: each hint (multiplicities, inverses, row terms, the challenge) set to 0, 1, r-1 or a
    random value either breaks a constraint or changes nothing."""
    cs = _single()
    assert assert_hints_pinned(cs, _q(*vals), {}) > 0


@pytest.mark.parametrize("vals", [(5, 6, 11), (0, 0, 0), (R - 1, 3, 3)])
def test_single_column_rejected_under_every_tampered_hint(vals):
    assert_overrides_never_satisfy(_single(), _q(*vals))


def _forge(cs: ConstraintSystem, inputs: dict, table: list[int]) -> dict:
    """The witness of a prover who picks ``alpha`` after seeing the values: with ``alpha``
    fixed, the sum is one linear equation in the multiplicities; solve it for ``m_0``."""
    honest = cs.solve(inputs)
    alpha_var = cs.commitment.challenges[0]
    m = _hint(cs, "t/multiplicity").outputs
    f_vals = [honest[q] for q in _hint(cs, "t/inverse").inputs[1:]]
    alpha = 123456789  # any value off the table and the queries
    lhs = sum(pow(alpha - f, -1, R) for f in f_vals)
    rest = sum(honest[mj] * pow(alpha - t, -1, R) for mj, t in zip(m[1:], table[1:]))
    return {alpha_var: alpha, m[0]: (lhs - rest) * (alpha - table[0]) % R}


def test_prover_choosing_the_challenge_forges():
    """An out-of-table query (6) satisfies every constraint once the prover picks ``alpha``
    (the challenge wire overridden) and solves for one multiplicity. Bound to the committed
    values (here the stand-in hash of them; in a proof, the hash of the commitment point that
    the verifier recomputes), the same multiplicity fails."""
    cs = _single()
    inputs = _q(5, 6, 11)
    forged = _forge(cs, inputs, TABLE)
    assert fails_at(cs, inputs, forged) is None  # the R1CS alone accepts the forgery
    alpha_var = cs.commitment.challenges[0]
    bound = {k: v for k, v in forged.items() if k is not alpha_var}
    assert fails_at(cs, inputs, bound) == "lookup/t/sum"


def test_public_table_rows():
    cs = ConstraintSystem()
    lk = Lookups(cs)
    rows = [cs.public(f"row{j}") for j in range(3)]
    t = lk.table("t", rows)
    assert_in_table(lk, t, cs.private("q0"))
    lk.finalize()
    pub = {"row0": 10, "row1": 20, "row2": 30}
    solve_ok(cs, {**pub, "q0": 20})
    assert fails_at(cs, {**pub, "q0": 25}) == "lookup/t/sum"
    assert fails_at(cs, {**pub, "row1": 21, "q0": 20}) == "lookup/t/sum"  # table changed
    assert_overrides_never_satisfy(cs, {**pub, "q0": 25})


def test_duplicate_rows_and_linear_queries():
    """A table may repeat a row (the first copy counts); a query may be any linear
    combination (its private wires are committed)."""
    cs = ConstraintSystem()
    lk = Lookups(cs)
    t = lk.table("t", [1, 2, 2, 4])
    a, b = cs.private("a"), cs.private("b")
    assert_in_table(lk, t, a + b)
    assert_in_table(lk, t, 2 * a)
    lk.finalize()
    assert {v.key for v in cs.commitment.wires} >= {a.key, b.key}
    solve_ok(cs, {"a": 1, "b": 1})
    solve_ok(cs, {"a": 2, "b": 2})
    assert fails_at(cs, {"a": 2, "b": 1}) == "lookup/t/sum"
    assert fails_at(cs, {"a": 3, "b": 1}) == "lookup/t/sum"


def test_private_rows_refused():
    cs = ConstraintSystem()
    lk = Lookups(cs)
    with pytest.raises(ValueError, match="constants or public"):
        lk.table("t", [cs.private("secret"), 1])


def test_lifecycle():
    """No query: no commitment. After finalize nothing can be added; widths must match."""
    cs = ConstraintSystem()
    lk = Lookups(cs)
    t = lk.table("t", [(1, 2), (3, 4)])
    with pytest.raises(ValueError, match="expected 2"):
        lk.query(t, 1)
    with pytest.raises(ValueError, match="twice"):
        lk.table("t", [1])
    with pytest.raises(ValueError, match="different widths"):
        lk.table("u", [(1, 2), 3])
    assert lk.finalize() == [] and cs.commitment is None and cs.num_constraints == 0
    with pytest.raises(ValueError, match="already finalized"):
        lk.query(t, (1, 2))


# -- multi-column: (index, v_0..v_K) rows -------------------------------------------------------

VALUES = [(10, 100, 1000), (11, 110, 1100), (12, 120, 1200), (13, 130, 1300)]


def _indexed(public: bool = False):
    cs = ConstraintSystem()
    lk = Lookups(cs)
    if public:
        rows = [[cs.public(f"v{j}_{k}") for k in range(3)] for j in range(len(VALUES))]
    else:
        rows = VALUES
    t = lk.indexed_table("prices", rows)
    i0, i1 = cs.private("i0"), cs.private("i1")
    out0 = lookup_row(lk, t, i0, "row0")
    out1 = lookup_row(lk, t, i1, "row1")
    lk.finalize()
    pub = {f"v{j}_{k}": VALUES[j][k] for j in range(len(VALUES)) for k in range(3)} if public else {}
    return cs, pub, out0, out1


@pytest.mark.parametrize("public", [False, True])
def test_lookup_row_values_and_count(public):
    cs, pub, out0, out1 = _indexed(public)
    assert cs.num_challenges == 2
    a = solve_ok(cs, {**pub, "i0": 2, "i1": 0})
    assert [a[v] for v in out0] == list(VALUES[2]) and [a[v] for v in out1] == list(VALUES[0])
    # queries: 1 inverse + 3 beta products each; rows: 1 + (public: 3 products); beta^2, beta^3;
    # sum; hiding
    per_row = 1 + (3 if public else 0)
    assert cs.num_constraints == 2 * 4 + 4 * per_row + 2 + 1 + 1


@pytest.mark.parametrize("public", [False, True])
def test_position_priced_from_another_row(public):
    """The index's values replaced by another row's (each column, or the whole row): unsat."""
    cs, pub, out0, _ = _indexed(public)
    inputs = {**pub, "i0": 2, "i1": 0}
    assert fails_at(cs, inputs, {out0[0]: VALUES[1][0]}) == "lookup/prices/sum"
    assert fails_at(cs, inputs, dict(zip(out0, VALUES[3]))) == "lookup/prices/sum"
    # columns permuted within the right row
    assert fails_at(cs, inputs, dict(zip(out0, reversed(VALUES[2])))) == "lookup/prices/sum"


@pytest.mark.parametrize("index", [4, R - 1, 1 << 64])
def test_index_outside_table(index):
    cs, pub, _, _ = _indexed()
    assert fails_at(cs, {**pub, "i0": index, "i1": 0}) == "lookup/prices/sum"
    assert_overrides_never_satisfy(cs, {**pub, "i0": index, "i1": 0})


@pytest.mark.parametrize("public", [False, True])
def test_lookup_row_hints_pinned(public):
    cs, pub, out0, out1 = _indexed(public)
    outs = {f"a{k}": v for k, v in enumerate(out0)} | {f"b{k}": v for k, v in enumerate(out1)}
    assert_hints_pinned(cs, {**pub, "i0": 3, "i1": 3}, outs)


def test_multi_column_forged_row_rejected_under_every_tampered_hint():
    cs, _, out0, _ = _indexed()
    inputs = {"i0": 1, "i1": 2}
    # a forged value for row 1 column 0, then every other hint tampered one at a time
    honest = cs.solve(inputs)
    forged = {out0[0]: honest[out0[0]] + 1}
    for h in cs.hints:
        for var in h.outputs:
            if var is out0[0]:
                continue
            for val in (0, 1, R - 1, 987654321):
                assert fails_at(cs, inputs, {**forged, var: val}) is not None, h.name


# -- properties -----------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(table=st.lists(st.integers(0, 50), min_size=1, max_size=8),
       queries=st.lists(st.integers(0, 60), min_size=1, max_size=6))
def test_lookup_property(table, queries):
    """Satisfied iff every query is a row (any table, duplicates allowed)."""
    cs = ConstraintSystem()
    lk = Lookups(cs)
    t = lk.table("t", table)
    for i in range(len(queries)):
        assert_in_table(lk, t, cs.private(f"q{i}"))
    lk.finalize()
    ok = all(q in table for q in queries)
    assert (fails_at(cs, _q(*queries)) is None) == ok


@settings(max_examples=25, deadline=None)
@given(index=st.integers(0, 6), cols=st.lists(st.integers(0, 2000), min_size=3, max_size=3))
def test_lookup_row_property(index, cols):
    """A claimed row ``(index, cols)`` is accepted iff it is a row of the table."""
    cs, pub, out0, _ = _indexed()
    ok = index < len(VALUES) and tuple(cols) == VALUES[index]
    got = fails_at(cs, {"i0": index, "i1": 0}, dict(zip(out0, cols)))
    assert (got is None) == ok


def test_challenge_equal_to_a_query_value_is_unsat():
    """``alpha = f_q`` leaves ``inv_q (alpha - f_q) = 1`` without a solution (an honest prover
    then fails: probability n_queries / r)."""
    cs = _single()
    alpha = cs.commitment.challenges[0]
    assert fails_at(cs, _q(5, 5, 11), {alpha: 11}) == "lookup/t/query_2"
    solve_ok(cs, _q(5, 5, 11), {alpha: 3})  # on an unqueried row: m = 0 there, still sound


def test_also_commit_shares_the_one_commitment():
    """Another gadget's wires join the lookups' commitment and get their own challenge: a
    ``P(c) = Q(c)`` check on committed coefficients (sound only if c follows them)."""
    cs = ConstraintSystem()
    lk = Lookups(cs)
    t = lk.table("t", TABLE)
    assert_in_table(lk, t, cs.private("q0"))
    a0, a1, b0, b1 = (cs.private(n) for n in ("a0", "a1", "b0", "b1"))
    lk.also_commit([a0, a1 + b1, b0], n_challenges=2)
    alpha, c = lk.finalize()
    cs.enforce(a1 - b1, c, b0 - a0, "P(c) = Q(c)")
    assert {v.key for v in cs.commitment.wires} >= {a0.key, a1.key, b0.key, b1.key}
    solve_ok(cs, {"q0": 7, "a0": 3, "a1": 4, "b0": 3, "b1": 4})
    assert fails_at(cs, {"q0": 7, "a0": 3, "a1": 4, "b0": 5, "b1": 6}) == "P(c) = Q(c)"
    assert fails_at(cs, {"q0": 8, "a0": 3, "a1": 4, "b0": 3, "b1": 4}) == "lookup/t/sum"
    lone = ConstraintSystem()
    lk2 = Lookups(lone)
    lk2.also_commit([lone.private("x")])
    assert len(lk2.finalize()) == 1 and lone.num_constraints == 1  # the hiding row only
    with pytest.raises(ValueError, match="nothing private"):
        lk3 = Lookups(ConstraintSystem())
        lk3.also_commit([5])
        lk3.finalize()
