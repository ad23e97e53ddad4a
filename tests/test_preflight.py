"""Pre-flight margin check: exact integer equity, boundaries (ATTACKS A3), missing
counterparties (A9), and the soundness of the rounding buffer against unrounded values."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.examples_gen import generate
from zkproof.margin.preflight import book_arrays, column_sums, equity_matrix, preflight
from zkproof.margin.risk_table import RiskTable, build_risk_table, unrounded_table
from zkproof.snapshot.inputs import load_snapshot, resolve_paths
from zkproof.snapshot.instruments import loads_instruments
from zkproof.snapshot.ledger import Account, loads_accounts
from zkproof.snapshot.marks import parse_market
from zkproof.snapshot.params import loads_params

# Format-1 inputs: the A3 boundary tests need a grid whose worst case for a short call is the
# last scenario; the format-2 venue is covered by tests/test_margin_venue.py.
EXAMPLES = Path(__file__).resolve().parent / "data" / "format1"


@pytest.fixture(scope="module")
def snap():
    s = load_snapshot(resolve_paths(EXAMPLES))
    return s, build_risk_table(s.params, s.instruments, s.oracle)


def _account(ids, balances=(0, 0, 0), **positions) -> Account:
    q = [0] * len(ids)
    for name, value in positions.items():
        q[ids.index(name.replace("_", "-"))] = value
    return Account("probe", b"\0" * 32, "user", tuple(balances), tuple(q), 1)


def _min_usdc(acc: Account, table: RiskTable) -> int:
    """Smallest USDC balance with which ``acc`` passes (independent plain-Python arithmetic)."""
    need = 0
    n_short = sum(-x for x in acc.positions if x < 0)
    for s in range(len(table.scenarios)):
        e = sum(b * table.c[a][s] for a, b in enumerate(acc.balances) if a) + \
            sum(q * table.v[i][s] for i, q in enumerate(acc.positions))
        req = n_short + (sum(-q * table.m[i] for i, q in enumerate(acc.positions) if q < 0) if s == 0 else 0)
        need = max(need, -(-(req - e) // table.c[0][s]))
    return need


def test_examples_pass(snap):
    s, table = snap
    rep = preflight(s.accounts, table, [i.id for i in s.instruments])
    assert rep.ok and not rep.failures and not rep.imbalances and rep.n_accounts == 50
    assert rep.liabilities["USDC"] == sum(a.balances[0] for a in s.accounts)


def test_equity_matches_plain_python(snap):
    """numpy object-array products equal a plain double loop over Python ints."""
    s, table = snap
    E, _ = equity_matrix(s.accounts, table)
    for u, acc in enumerate(s.accounts[:10]):
        for k in range(len(table.scenarios)):
            ref = sum(b * table.c[a][k] for a, b in enumerate(acc.balances)) + \
                  sum(q * table.v[i][k] for i, q in enumerate(acc.positions))
            assert E[u][k] == ref


def test_injected_failures_are_named():
    files = generate(seed=7, n_users=20, n_failing=2)
    params = loads_params(files["params.toml"])
    insts = loads_instruments(files["instruments.json"], params=params)
    table = build_risk_table(params, insts, parse_market(json.loads(files["oracle.json"]), "oracle.json",
                                                         params, insts))
    accounts = loads_accounts(files["accounts.jsonl"], params, insts)
    rep = preflight(accounts, table, [i.id for i in insts])
    assert len(rep.failures) == 2 and not rep.imbalances
    for f in rep.failures:
        assert f.shortfall > 0 and f.equity < f.required and f.scenario in rep.failing_scenarios[f.account]
        assert accounts[f.line - 1].id == f.account


def test_a3_one_unit_short_in_last_scenario(snap):
    """A3(a)/(c): a short call's worst case is the last scenario; at the minimal collateral it
    passes, one base unit less fails there, with the exact shortfall reported."""
    s, table = snap
    ids = [i.id for i in s.instruments]
    probe = _account(ids, **{"ETH-20261225-3000-C": -2_500_000})
    usdc = _min_usdc(probe, table)
    ok = Account(probe.id, probe.nonce, "user", (usdc, 0, 0), probe.positions, 1)
    bad = Account(probe.id, probe.nonce, "user", (usdc - 1, 0, 0), probe.positions, 1)
    assert preflight([ok], table, ids).failures == []
    (f,) = preflight([bad], table, ids).failures
    S = len(table.scenarios)
    assert f.scenario == S - 1
    E, req = equity_matrix([bad], table)
    assert f.shortfall == req[0][S - 1] - E[0][S - 1] and 0 < f.shortfall <= table.c[0][S - 1]


def test_a3_mark_floor_binds(snap):
    """A3(b): a calendar spread with a delta hedge is limited by the short-option floor at the
    mark, not by a stress scenario; one unit below the floor fails in scenario 0."""
    s, table = snap
    ids = [i.id for i in s.instruments]
    probe = _account(ids, **{"ETH-20270326-3000-C": -1_000_000, "ETH-20261225-3000-C": 2_000_000,
                             "ETH-PERP": -500_000})
    usdc = _min_usdc(probe, table)
    bad = Account("probe", probe.nonce, "user", (usdc - 1, 0, 0), probe.positions, 1)
    ok = Account("probe", probe.nonce, "user", (usdc, 0, 0), probe.positions, 1)
    (f,) = preflight([bad], table, ids).failures
    assert f.scenario == 0 and f.scenario_label == "mark"
    assert preflight([ok], table, ids).failures == []


def test_a9_missing_counterparty_is_reported(snap):
    """A9: dropping the vault leaves every instrument it traded imbalanced; the report names them."""
    s, table = snap
    ids = [i.id for i in s.instruments]
    vault = next(a for a in s.accounts if a.role == "protocol_vault")
    rep = preflight([a for a in s.accounts if a is not vault], table, ids)
    assert not rep.ok
    assert rep.imbalances == {ids[i]: -q for i, q in enumerate(vault.positions) if q}


def test_reserves_shortfall_reported(snap):
    s, table = snap
    ids = [i.id for i in s.instruments]
    L = preflight(s.accounts, table, ids).liabilities
    assert preflight(s.accounts, table, ids, reserves=dict(L)).ok
    rep = preflight(s.accounts, table, ids, reserves=dict(L, BTC=L["BTC"] - 1))
    assert rep.reserve_shortfalls == {"BTC": 1} and not rep.ok


def test_short_buffer_is_needed():
    """Why the buffer exists: v = floor(10.7) = 10. Short 10 units with 100 units of collateral
    pass E >= 0 (E = 100 - 100 = 0) although the true equity is 100 - 107 = -7. With the buffer
    (E >= number of short units) the account fails."""
    t = RiskTable(12, 0, (("USD", 0),), ("X",), ("mark",), c=((1,),), v=((10,),), m=(0,))
    acc = Account("a", b"", "user", (100,), (-10,), 1)
    E, req = equity_matrix([acc], t)
    assert E[0][0] == 0 and 100 * 1 - 10 * Decimal("10.7") < 0
    assert req[0][0] == 10 and preflight([acc], t, ["X"]).failures


positions = st.lists(st.integers(-(10**9), 10**9), min_size=16, max_size=16)


@settings(max_examples=25, deadline=None)
@given(positions)
def test_passing_means_solvent_before_rounding(snap, q):
    """Soundness of the rounding (docs/formats.md): an account that passes the integer check with
    the least possible collateral is solvent under the UNROUNDED values in every scenario, and
    covers the unrounded floor at the mark."""
    s, table = snap
    exact = _unrounded(s)
    probe = Account("p", b"", "user", (0, 0, 0), tuple(q), 1)
    usdc = _min_usdc(probe, table)
    acc = Account("p", b"", "user", (usdc, 0, 0), tuple(q), 1)
    assert not preflight([acc], table, [i.id for i in s.instruments]).failures
    for k in range(len(table.scenarios)):
        e = usdc * exact.c[0][k][0] + sum(x * exact.v[i][k][0] for i, x in enumerate(q))
        floor = sum(-x * exact.m[i][0] for i, x in enumerate(q) if x < 0) if k == 0 else 0
        assert e >= floor


_CACHE: dict = {}


def _unrounded(s):
    if "x" not in _CACHE:
        _CACHE["x"] = unrounded_table(s.params, s.instruments, s.oracle)
    return _CACHE["x"]


extreme_books = st.lists(
    st.tuples(st.lists(st.sampled_from([0, 1, 2**64 - 1, 2**63, 12345]) | st.integers(0, 2**64 - 1),
                       min_size=3, max_size=3),
              st.lists(st.sampled_from([0, 2**63 - 1, 1 - 2**63, -1]) | st.integers(1 - 2**63, 2**63 - 1),
                       min_size=4, max_size=4)),
    min_size=1, max_size=5)
table_entries = st.integers(-(2**40) + 1, 2**40 - 1)


@settings(max_examples=40, deadline=None)
@given(extreme_books, st.lists(table_entries, min_size=3 * 3 + 4 * 3, max_size=3 * 3 + 4 * 3),
       st.lists(st.integers(0, 2**40 - 1), min_size=4, max_size=4))
def test_limb_arithmetic_is_exact_at_the_bounds(book, entries, m):
    """A12 completeness: b = 2^64-1, q = +-(2^63-1), |entries| = 2^40-1 give exactly the plain
    Python-integer E and requirements (no int64 overflow anywhere). Books whose slack reaches
    2^88 (beyond the circuit's margin-check width) are refused, the first such account named."""
    c = tuple(tuple(abs(x) for x in entries[3 * a:3 * a + 3]) for a in range(3))
    v = tuple(tuple(entries[9 + 3 * i:9 + 3 * i + 3]) for i in range(4))
    t = RiskTable(12, 0, (("A", 0), ("B", 0), ("C", 0)), tuple("WXYZ"), ("mark", "s1", "s2"), c, v, tuple(m))
    accounts = [Account(str(k), b"", "user", tuple(b), tuple(q), k + 1) for k, (b, q) in enumerate(book)]
    E, req = equity_matrix(accounts, t)
    for u, (b, q) in enumerate(book):
        n = [max(-x, 0) for x in q]
        for s in range(3):
            ref = sum(x * c[a][s] for a, x in enumerate(b)) + sum(x * v[i][s] for i, x in enumerate(q))
            assert E[u][s] == ref
            assert req[u][s] == sum(n) + (sum(x * y for x, y in zip(n, m)) if s == 0 else 0)
    b_arr, q_arr = book_arrays(accounts, t)
    assert column_sums(b_arr) == [sum(col) for col in zip(*(b for b, _ in book))]
    assert column_sums(q_arr) == [sum(col) for col in zip(*(q for _, q in book))]
    too_wide = [(u, s) for u in range(len(book)) for s in range(3) if E[u][s] - req[u][s] >= 2**88]
    if too_wide:  # the circuit's 88-bit margin check could not take it: refused, first one named
        u, s = too_wide[0]
        with pytest.raises(InputError, match=f"^accounts.jsonl: line {u + 1}: account {u}: scenario {s} "):
            preflight(accounts, t, list("WXYZ"))
        keep = sorted(set(range(len(book))) - {x for x, _ in too_wide})
        accounts, book = [accounts[k] for k in keep], [book[k] for k in keep]
        E, req = [E[k] for k in keep], [req[k] for k in keep]
    rep = preflight(accounts, t, list("WXYZ"))
    expected = {accounts[u].id: [s for s in range(3) if E[u][s] < req[u][s]] for u in range(len(book))}
    assert rep.failing_scenarios == {k: x for k, x in expected.items() if x}  # int64 carry sign == exact


@pytest.mark.parametrize("b,fails", [(2**48, True), (2**48 + 1, False), (2**64 - 1, False)])
def test_sign_exact_across_limb_boundaries(b, fails):
    """D = E - req = -1 with every limb of E and req nonzero-carrying: the carry-propagated sign
    says 'fails'; D = 0 passes (ATTACKS A3 at the limb level)."""
    t = RiskTable(12, 0, (("USD", 0),), ("X",), ("mark",), c=((1,),), v=((0,),), m=(0,))
    acc = Account("a", b"", "user", (b,), (-(2**48 + 1),), 1)
    rep = preflight([acc], t, ["X"])
    assert bool(rep.failures) is fails
    if fails:
        assert rep.failures[0].shortfall == 1


@pytest.mark.parametrize("extra,refused", [(0, False), (1, True), (2**48, True)])
def test_equity_above_check_width_is_refused(extra, refused):
    """A12 boundary: slack E - req = 2^88 - 1 passes (the circuit's check width is 88 bits);
    2^88 and beyond are refused with a one-line InputError naming the account, its line and
    the scenario, instead of producing an unsatisfiable witness. Carries cross every 16-bit limb."""
    assert stm.EQUITY_CHECK_BITS == 88
    t = RiskTable(12, 0, (("USD", 0),), ("X",), ("mark", "down"), c=((2**24, 2**24),),
                  v=((2**24 - 1, 0),), m=(0,))
    small = Account("small", b"", "user", (1,), (0,), 1)
    # scenario 1: E = (2^64 - 1) * 2^24 + 0 = 2^88 - 2^24; scenario 0 adds q * (2^24 - 1)
    acc = Account("whale", b"", "user", (2**64 - 1,), (1 + extra,), 2)
    E, req = equity_matrix([acc], t)
    assert E[0][0] - req[0][0] == 2**88 - 1 + extra * (2**24 - 1)
    if not refused:
        assert preflight([small, acc], t, ["X"]).failures == []
        return
    with pytest.raises(InputError) as err:
        preflight([small, acc], t, ["X"], file="books/accounts.jsonl")
    msg = str(err.value)
    assert msg.startswith("books/accounts.jsonl: line 2: account whale: scenario 0 (mark): ")
    assert f"{2**88 - 1 + extra * (2**24 - 1)} value units is >= 2^88" in msg and "\n" not in msg


def test_decorrelated_patterns_catch_a_spread_book(snap):
    """Known limit of joint moves, and its fix: a long-ETH / short-BTC perp spread sized to equal
    dollar deltas needs little collateral when both assets move together; with the sign pattern
    {BTC = -1} the same collateral fails in a decorrelated scenario."""
    s, _ = snap
    text = (EXAMPLES / "params.toml").read_text()
    joint = text.replace('["-4", "-3", "-2", "-1", "1", "2", "3", "4"]', '["-4", "-2", "2", "4"]')
    spread = joint.replace('vol_shocks = ', 'spot_shock_signs = [{}, {BTC = -1}]\nvol_shocks = ')
    ids = [i.id for i in s.instruments]
    probe = _account(ids, **{"ETH-PERP": 30_000_000, "BTC-PERP": -100_000_000})  # 30 ETH vs 1 BTC
    tables = {}
    for name, params_text in (("joint", joint), ("spread", spread)):
        p = loads_params(params_text)
        tables[name] = build_risk_table(p, s.instruments, s.oracle)
        assert p.n_scenarios == (8 if name == "joint" else 16)
    usdc = _min_usdc(probe, tables["joint"])
    acc = Account("p", b"", "user", (usdc, 0, 0), probe.positions, 1)
    assert preflight([acc], tables["joint"], ids).failures == []
    (f,) = preflight([acc], tables["spread"], ids).failures
    assert "[BTC-]" in f.scenario_label and f.shortfall > 1000 * 10**12  # > $1000 short


@pytest.mark.parametrize("n_inst", [31, 80, 200])
def test_wide_universe_limb_blocks_are_exact(n_inst):
    """A + 2I > 64 (a venue's universe): the block-summed, carry-normalised limbs give exactly
    the plain Python-integer E and requirements at the extremes (b = 2^64-1, q = +-(2^63-1),
    |entries| = 2^40-1), and the failing scenarios are exactly those with E < req. A single
    int64 accumulation over all instruments would overflow here (2^56 x 2 x 200 > 2^63)."""
    import random

    rng = random.Random(n_inst)
    big = 2**40 - 1
    S = 3
    c = tuple(tuple(rng.choice([big, 1, rng.randrange(big)]) for _ in range(S)) for _ in range(3))
    v = tuple(tuple(rng.choice([big, -big, rng.randrange(-big, big)]) for _ in range(S))
              for _ in range(n_inst))
    m = tuple(rng.choice([big, 0, rng.randrange(big)]) for _ in range(n_inst))
    t = RiskTable(12, 0, (("A", 0), ("B", 0), ("C", 0)), tuple(f"I{k}" for k in range(n_inst)),
                  ("mark", "s1", "s2"), c, v, m)
    books = []
    for k in range(6):
        b = tuple(rng.choice([0, 2**64 - 1, rng.randrange(2**64)]) for _ in range(3))
        q = tuple(rng.choice([0, 2**63 - 1, 1 - 2**63, rng.randrange(-2**40, 2**40)]) for _ in range(n_inst))
        books.append(Account(str(k), b"", "user", b, q, k + 1))
    for k in range(6, 14):  # modest books, inside the 2^88 check width: pass or fail by sign
        b = tuple(rng.choice([0, rng.randrange(2**12)]) for _ in range(3))
        q = tuple(rng.randrange(-2**12, 2**12) if rng.random() < 0.3 else 0 for _ in range(n_inst))
        books.append(Account(str(k), b"", "user", b, q, k + 1))
    E, req = equity_matrix(books, t)
    for u, acc in enumerate(books):
        n = [max(-x, 0) for x in acc.positions]
        for s in range(S):
            ref = sum(x * c[a][s] for a, x in enumerate(acc.balances)) + \
                sum(x * v[i][s] for i, x in enumerate(acc.positions))
            assert E[u][s] == ref
            assert req[u][s] == sum(n) + (sum(x * y for x, y in zip(n, m)) if s == 0 else 0)
    small = [a for u, a in enumerate(books) if all(abs(E[u][s] - req[u][s]) < 2**88 for s in range(S))]
    assert len(small) >= 8
    if small:
        rep = preflight(small, t, list(t.instruments))
        idx = {a.id: u for u, a in enumerate(books)}
        expected = {a.id: [s for s in range(S) if E[idx[a.id]][s] < req[idx[a.id]][s]] for a in small}
        assert rep.failing_scenarios == {k: x for k, x in expected.items() if x}
        pairs = sum(len(x) for x in rep.failing_scenarios.values())
        assert 0 < pairs < len(small) * S  # both outcomes occur (account x scenario)
