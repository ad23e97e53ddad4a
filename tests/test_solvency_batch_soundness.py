"""Batch circuit: completeness and soundness, named after rows A1-A6, A12, A13, A15 of docs/attacks.md.

Each malicious witness is injected through ``ConstraintSystem.solve(overrides=...)`` (a patched
prover) and the test asserts WHICH named constraint fails. Shape is small (2 assets, 2
instruments, 3 scenarios, 2 slots) so the suite stays fast; the logic is the same at any size.
"""

from __future__ import annotations

import random

import pytest

from zkproof import statement as stm
from zkproof.circuits import aggregate
from zkproof.circuits import solvency_batch as sb
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.hash import merkle_sum_layout as lay
from zkproof.hash.poseidon import poseidon
from zkproof.r1cs.system import ConstraintSystem
from zkproof.witness import batch as wb

SHAPE = stm.Shape(n_assets=2, n_instruments=2, n_scenarios=3, capacity=2, table_bits=40)
C = [[10, 9, 8], [1, 1, 1]]          # c[a][s]: asset 0 loses value under stress
V = [[5, 3, 7], [-5, -3, -7]]        # v[i][s]
M = [2, 1]                           # short floors
EPOCH = 7


@pytest.fixture(scope="module")
def cs():
    return sb.build(SHAPE)


def equity(slot, s, table=(C, V, M)):
    c, v, _ = table
    return sum(b * c[a][s] for a, b in enumerate(slot.balances)) + \
        sum(q * v[i][s] for i, q in enumerate(slot.positions))


def witness(slots, table=(C, V, M)):
    w = wb.build_batch(SHAPE, EPOCH, slots, blinder=12345)
    return w, wb.circuit_inputs(w, *table)


def honest():
    return [wb.Slot(11, (100, 5), (3, -2)), wb.Slot(12, (50, 0), (-3, 2))]


def broken(cs, inputs, overrides=None):
    return cs.which_is_unsatisfied(cs.solve(inputs, overrides=overrides))


def test_honest_batch_is_satisfied(cs):
    _, inp = witness(honest())
    assert broken(cs, inp) is None


def test_negative_balance_field_wrap(cs):
    """A1: b = -10^6 (as r - 10^6) to shrink liabilities."""
    _, inp = witness(honest())
    assert broken(cs, inp, {"account_0/b[1]": R - 10**6}).startswith("account_0/balance_range[1]/")


@pytest.mark.parametrize("value", [2**64, R - 1, 2**64 + 5])
def test_range_boundaries_balance(cs, value):
    """A2: balances at 2^64 and beyond (incl. p - 1) are unsat at balance_range."""
    _, inp = witness(honest())
    assert broken(cs, inp, {"account_1/b[0]": value}).startswith("account_1/balance_range[0]/")


@pytest.mark.parametrize("value", [2**63, R - 2**63, R - 2**63 - 1, 2**64])
def test_range_boundaries_position(cs, value):
    """A2: q = 2^63, q = -2^63 and beyond are unsat at position_range."""
    _, inp = witness(honest())
    assert broken(cs, inp, {"account_0/q[0]": value}).startswith("account_0/position_range[0]/")


def test_range_boundaries_completeness():
    """A2 completeness: b = 2^64 - 1 and q = +-(2^63 - 1) prove (with a table that keeps margin)."""
    table = ([[1, 1, 1], [1, 1, 1]], [[0, 0, 0], [0, 0, 0]], [0, 0])
    shape_cs = sb.build(SHAPE)
    slots = [wb.Slot(1, (2**64 - 1, 2**64 - 1), (2**63 - 1, -(2**63 - 1))),
             wb.Slot(2, (2**64 - 1, 0), (-(2**63 - 1), 2**63 - 1))]  # collateral covers the buffer
    _, inp = witness(slots, table)
    assert broken(shape_cs, inp) is None


def margin(slot, s, table=(C, V, M)):
    """What the circuit range-checks: E[s] minus the rounding buffer N (and the floor at mark)."""
    n = [max(-q, 0) for q in slot.positions]
    floor = sum(ni * mi for ni, mi in zip(n, table[2])) if s == 0 else 0
    return equity(slot, s, table) - floor - sum(n)


@pytest.mark.parametrize("slot", [0, 1])
def test_insolvent_account_hidden_one_scenario(cs, slot):
    """A3a/A3c: margin exactly one unit short in one stress scenario (the last one) and fine in
    all others, in the first and in the last batch slot."""
    bad = wb.Slot(11, (9, 7), (-10, 0))
    assert [margin(bad, s) for s in range(3)] == [17, 48, -1]
    slots = [wb.Slot(12, (0, 0), (10, 0))]
    slots.insert(slot, bad)
    _, inp = witness(slots)
    assert broken(cs, inp) == f"account_{slot}/margin/scenario_2/recompose"
    slots[slot] = wb.Slot(11, (9, 8), (-10, 0))  # one more unit of collateral: margin 0
    _, inp = witness(slots)
    assert broken(cs, inp) is None


def test_insolvent_account_hidden_mark_floor(cs):
    """A3b: equity at mark exactly one below floor + buffer; every stress scenario fine."""
    table = (C, [[5, 0, 0], [-5, -3, -7]], M)
    slots = [wb.Slot(11, (0, 20), (3, 0)), wb.Slot(12, (0, 23), (-3, 0))]
    assert [margin(slots[1], s, table) for s in range(3)] == [-1, 20, 20]
    _, inp = witness(slots, table)
    assert broken(cs, inp) == "account_1/margin/mark_floor/recompose"
    slots[1] = wb.Slot(12, (0, 24), (-3, 0))
    _, inp = witness(slots, table)
    assert broken(cs, inp) is None


def test_rounding_buffer_is_required(cs):
    """formats.md §8.1: equity exactly 0 with a short position is NOT enough (E >= N)."""
    table = ([[1, 1, 1], [1, 1, 1]], [[0, 0, 0], [0, 0, 0]], [0, 0])
    slots = [wb.Slot(11, (0, 0), (5, 0)), wb.Slot(12, (4, 0), (-5, 0))]  # E = 4, N = 5
    _, inp = witness(slots, table)
    assert broken(cs, inp).startswith("account_1/margin/")
    slots[1] = wb.Slot(12, (5, 0), (-5, 0))
    _, inp = witness(slots, table)
    assert broken(cs, inp) is None


def test_comparator_alias_hint(cs):
    """A4: feed the equity check the bits of E + r (or any other vector): still unsat."""
    slots = [wb.Slot(11, (0, 20), (3, 0)), wb.Slot(12, (0, 5), (-3, 0))]
    table = (C, [[5, 0, 0], [-5, -3, -7]], M)
    _, inp = witness(slots, table)
    e = margin(slots[1], 0, table) % R  # negative: -19
    k = SHAPE.equity_check_bits  # the check's width (88), not the soundness bound (107 here)
    assert k == stm.EQUITY_CHECK_BITS < SHAPE.equity_bits
    alias = (e + R)  # 255-bit: its low k bits are the only thing a k-bit vector can carry
    overrides = {f"account_1/margin/mark_floor_hint[{i}]": (alias >> i) & 1 for i in range(k)}
    assert broken(cs, inp, overrides).startswith("account_1/margin/mark_floor/")


TOP = 2**40 - 1  # the largest |c|, |v|, m the header admits at table_bits 40


@pytest.mark.parametrize("case", ["mark_floor", "scenario_2"])
def test_negative_slack_far_beyond_the_check_width_is_unsat(cs, case):
    """A4 with the narrow check: slack below -2^102, far below -2^88 and within this shape's
    107-bit soundness bound (2^63 - 1 units at the largest |v| or m the header admits), is unsat
    at that account's check -- with the honest hint, and with a patched hint carrying the low 88
    bits of the field element ``r - y`` (the only thing an 88-bit vector can carry). Cases: a
    short at mark (floor m and v both against it); a long that only scenario 2 hurts (mark and
    scenario 1 at slack 0, so they pass). Twin: the same accounts with flat positions prove."""
    k = SHAPE.equity_check_bits
    assert k == 88 < SHAPE.equity_bits
    if case == "mark_floor":
        table = ([[TOP] * 3, [TOP] * 3], [[-TOP] * 3, [TOP] * 3], [TOP, TOP])
        position, bad = (0, -(2**63 - 1)), [0, 1, 2]
    else:
        table = ([[TOP] * 3, [TOP] * 3], [[TOP] * 3, [0, 0, -TOP]], [0, 0])
        position, bad = (0, 2**63 - 1), [2]
    flat = [wb.Slot(11, (0, 0), (0, 0)), wb.Slot(12, (0, 0), (0, 0))]
    w = wb.build_batch(SHAPE, EPOCH, flat, blinder=5)
    assert broken(cs, wb.circuit_inputs(w, *table)) is None

    slots = [wb.Slot(11, (0, 0), position), wb.Slot(12, (0, 0), (0, 0))]
    slack = wb.margin_slack(slots[0], *table)
    assert [s for s, d in enumerate(slack) if d < 0] == bad
    assert all(-(2**SHAPE.equity_bits) < slack[s] <= -(2**102) for s in bad)  # far beyond 2^88
    w = wb.build_batch(SHAPE, EPOCH, slots, blinder=5)
    inp = wb.circuit_inputs(w, *table)  # negative slack is not refused natively: the circuit must
    name = case
    assert broken(cs, inp) == f"account_0/margin/{name}/recompose"
    low = (slack[bad[0]] % R) & ((1 << k) - 1)
    overrides = {f"account_0/margin/{name}_hint[{i}]": (low >> i) & 1 for i in range(k)}
    assert broken(cs, inp, overrides) == f"account_0/margin/{name}/recompose"


def test_risk_table_is_the_public_input(cs):
    """A15 (circuit side): the table the margin checks use IS the public input vector, in
    ``statement.table_values`` order after ``epoch, batch_commitment, shape_digest``; there is no private copy
    of it. So a proof made with another table carries that table in its public inputs, which the
    verifier builds from the header instead (bundle side: test_epoch_e2e.py::test_risk_table_swap)."""
    assert [v.name for v in cs._publics] == list(stm.batch_public_names(SHAPE))
    assert len(stm.batch_public_names(SHAPE)) == len(stm.BATCH_PUBLIC_HEAD) + SHAPE.table_size
    assert not [n for n in cs.inputs if n.startswith("table/") and cs.inputs[n].key > 0]
    w, inp = witness(honest())
    assert cs.solve(inp).public_values() == [EPOCH, w.commitment, SHAPE.digest(), *stm.table_values(C, V, M)]


def test_risk_table_swap(cs):
    """A15: an account one unit short in the last scenario under the published table is unsat
    there; with a lenient table (haircut of asset 0 in that scenario softened, c[0][2] 8 -> 9)
    the same witness is satisfied -- but that table is then in the proof's public inputs, where
    it differs from the published one exactly at ``table/c[0][2]``, which is what the bundle
    verifier reports (bundle side: test_epoch_e2e.py::test_risk_table_swap)."""
    lenient = ([[10, 9, 9], [1, 1, 1]], V, M)
    slots = [wb.Slot(11, (9, 7), (-10, 0)), wb.Slot(12, (0, 0), (10, 0))]
    assert margin(slots[0], 2) == -1 and margin(slots[0], 2, lenient) == 8
    _, inp = witness(slots)
    assert broken(cs, inp) == "account_0/margin/scenario_2/recompose"
    _, inp = witness(slots, lenient)
    assignment = cs.solve(inp)
    assert cs.which_is_unsatisfied(assignment) is None
    names = stm.batch_public_names(SHAPE)
    published = [EPOCH, inp["batch_commitment"], SHAPE.digest(), *stm.table_values(C, V, M)]
    diff = [names[k] for k, (x, y) in enumerate(zip(assignment.public_values(), published)) if x != y]
    assert diff == ["table/c[0][2]"]


def test_sum_tree_binding_understated_leaf(cs):
    """A6b: the committed batch sums cannot differ from the balances that were range-checked."""
    w, inp = witness(honest())
    understated = stm.batch_commitment(poseidon, EPOCH, w.root.hash, [w.root.sums[0] - 50, w.root.sums[1]],
                                       w.interests, w.blinder)
    inp["batch_commitment"] = understated
    assert broken(cs, inp) == "batch_commitment"


def test_every_hint_is_pinned(cs):
    """A5: replacing any hint output (sampled per hint kind) breaks a constraint, except the
    documented free one (the sign of a zero position)."""
    _, inp = witness(honest())
    rng = random.Random(5)
    kinds: dict[str, list] = {}
    for h in cs.hints:
        for var in h.outputs:
            kind = "".join(ch for ch in var.name if not ch.isdigit())
            kinds.setdefault(kind, []).append(var)
    honest_values = cs.solve(inp).values
    checked = 0
    for _kind, vars_ in sorted(kinds.items()):
        for var in rng.sample(vars_, min(2, len(vars_))):
            for bad in (0, 1, R - 1, rng.randrange(R)):
                if bad == honest_values[var.key]:
                    continue
                checked += 1
                assert broken(cs, inp, {var: bad}) is not None, f"hint {var.name} := {bad} is not pinned"
    assert checked > 50


A12_TABLE = ([[2**23] * 3, [2**23] * 3], [[2**24 - 1] * 3, [2**24 - 1] * 3], [0, 0])


def test_max_capacity_no_wrap():
    """A12 (completeness): every slot at b = 2^64 - 1 with extreme positions, and one account's
    slack E - req exactly 2^88 - 1 (the check width): proves, and the root sums are exact."""
    slots = [wb.Slot(1, (2**64 - 1, 2**64 - 1), (1, 0)),
             wb.Slot(2, (2**64 - 1, 2**64 - 1), (2**63 - 1, -(2**63 - 1)))]
    assert [margin(slots[0], s, A12_TABLE) for s in range(3)] == [2**88 - 1] * 3
    assert 0 <= margin(slots[1], 0, A12_TABLE) < 2**88
    w, inp = witness(slots, A12_TABLE)
    assert broken(sb.build(SHAPE), inp) is None
    assert w.root.sums == (2 * (2**64 - 1), 2 * (2**64 - 1))


def test_max_capacity_no_wrap_uncapped_check():
    """A12 exactly as docs/attacks.md writes it: every slot at b = 2^64 - 1, positions at
    +-(2^63 - 1), c and v at the table maxima (2^40 - 1), short floors at the maximum. With the
    margin-check cap lifted (``equity_check_cap = 252``: the check is ``equity_bits`` wide) it
    proves and the root sums are exact; with the default 88-bit cap the same batch is refused by
    the witness builder (a completeness limit of 3.1e14 USD per account, never a wrap)."""
    top = 2**40 - 1
    table = ([[top] * 3, [top] * 3], [[top] * 3, [-top] * 3], [0, 0])
    slots = [wb.Slot(1, (2**64 - 1, 2**64 - 1), (2**63 - 1, -(2**63 - 1))),
             wb.Slot(2, (2**64 - 1, 2**64 - 1), (-(2**63 - 1), 2**63 - 1))]
    wide = stm.Shape(**{**SHAPE.__dict__, "equity_check_cap": 252})
    assert wide.equity_check_bits == wide.equity_bits > 88
    assert all(0 <= margin(sl, s, table) < 2**wide.equity_bits for sl in slots for s in range(3))
    assert max(margin(sl, s, table) for sl in slots for s in range(3)) >= 2**88
    w = wb.build_batch(wide, EPOCH, slots, blinder=12345)
    assert broken(sb.build(wide), wb.circuit_inputs(w, *table)) is None
    assert w.root.sums == (2 * (2**64 - 1), 2 * (2**64 - 1))
    with pytest.raises(InputError, match=r">= 2\^88"):
        witness(slots, table)


def test_equity_above_check_width_refused(cs):
    """A12 boundary: slack 2^88 + 2^24 - 2 (one more position unit) is refused by the witness
    builder with the slot and scenario named, instead of an unsatisfiable witness. A patched
    prover that skips the refusal is stopped by the circuit (completeness, not soundness: the
    value is honest but wider than the 88-bit check)."""
    w, inp = witness([wb.Slot(1, (2**64 - 1, 2**64 - 1), (1, 0)), wb.Slot(2, (0, 0), (0, 0))], A12_TABLE)
    over = [wb.Slot(1, (2**64 - 1, 2**64 - 1), (2, 0)), wb.Slot(2, (0, 0), (0, 0))]
    assert margin(over[0], 0, A12_TABLE) == 2**88 + 2**24 - 2
    with pytest.raises(InputError, match=r"^<batch>: account_0: scenario 0: .* >= 2\^88"):
        witness(over, A12_TABLE)
    assert broken(cs, inp, {"account_0/q[0]": 2}) == "account_0/margin/mark_floor/recompose"


def _shift_unit(values: list[int], k: int) -> list[int]:
    """Move one unit from limb k + 1 to limb k (as 2^64 units): the packed value is unchanged."""
    out = list(values)
    out[k] += 2**64
    out[k + 1] -= 1
    return out


def _fe(xs) -> list[int]:
    return [x % R for x in xs]


def test_limb_packing_carry(cs):
    """A13: the only packing sites are the leaf's balances and position limbs (q + 2^63), three
    64-bit limbs per field element (merkle_sum_layout). For each site and each pair of adjacent
    limbs in one element, shift a unit between them: the leaf's hashed values are unchanged,
    and the witness fails at that account's range check of the limb that left [0, 2^64)."""
    w, inp = witness(honest())
    slot = w.slots[0]
    sites = {"balance": ("b", list(slot.balances), "balance_range"),
             "position": ("q", list(slot.positions), "position_range")}
    checked = 0
    for _site, (wire, values, check) in sites.items():
        for k in range(len(values) - 1):
            if (k + 1) % lay.LIMBS_PER_ELEMENT == 0:
                continue  # limbs k and k + 1 sit in different field elements
            shifted = _shift_unit(values, k)
            if wire == "b":
                before = lay.leaf_values(slot.id_hash, values, _fe(slot.positions))
                after = lay.leaf_values(slot.id_hash, shifted, _fe(slot.positions))
            else:
                before = lay.leaf_values(slot.id_hash, slot.balances, _fe(values))
                after = lay.leaf_values(slot.id_hash, slot.balances, _fe(shifted))
            assert _fe(before) == _fe(after)  # same hash input: only the range check stops it
            overrides = {f"account_0/{wire}[{i}]": x % R for i, x in enumerate(shifted)}
            assert broken(cs, inp, overrides).startswith(f"account_0/{check}[{k}]/")
            checked += 1
    assert checked == 2
    # nothing else is packed: node values are one per element
    assert lay.node_values("h", ["s0", "s1"], "g", ["t0", "t1"]) == ["h", "s0", "s1", "g", "t0", "t1"]


SHAPE3 = stm.Shape(n_assets=3, n_instruments=4, n_scenarios=1, capacity=2, table_bits=8)
TABLE3 = ([[1], [1], [1]], [[1], [1], [1], [1]], [0, 0, 0, 0])


def test_leaf_packing_every_limb_pair_of_a_full_element():
    """A13 at a shape whose first element holds three limbs (3 assets; 4 instruments: 3 + 1),
    so the 2^128 limb is packed too. Every adjacent pair inside one element: moving a unit (as
    2^64 units) leaves the hashed values unchanged and the witness fails at the range check of
    the limb that left [0, 2^64). Limbs in different elements (asset/instrument 2 -> 3): the
    same move changes the hashed values, so the hash itself binds them. Twin: the honest
    witness is satisfied."""
    cs = sb.build(SHAPE3)
    slots = [wb.Slot(11, (7, 8, 9), (1, -2, 3, -4)), wb.Slot(12, (1, 2, 3), (-1, 2, -3, 4))]
    w = wb.build_batch(SHAPE3, EPOCH, slots, blinder=3)
    inp = wb.circuit_inputs(w, *TABLE3)
    assert broken(cs, inp) is None
    s0 = w.slots[0]
    fe = lambda xs: [x % R for x in xs]  # noqa: E731

    def leaf(b, q):
        return fe(lay.leaf_values(s0.id_hash, list(b), fe(q)))

    base = leaf(s0.balances, s0.positions)
    for wire, values, check in (("b", list(s0.balances), "balance_range"),
                                ("q", list(s0.positions), "position_range")):
        for k in range(len(values) - 1):
            moved = list(values)
            moved[k] += 2**64
            moved[k + 1] -= 1
            b, q = (moved, s0.positions) if wire == "b" else (s0.balances, moved)
            same_element = (k + 1) % lay.LIMBS_PER_ELEMENT != 0
            assert (leaf(b, q) == base) is same_element, (wire, k)
            if same_element:
                overrides = {f"account_0/{wire}[{i}]": x % R for i, x in enumerate(moved)}
                assert broken(cs, inp, overrides).startswith(f"account_0/{check}[{k}]/"), (wire, k)


def test_open_interest_is_the_sum_of_longs(cs):
    """A9 (batch side): the committed w_i packs the longs sum_u max(q, 0) and the shorts
    sum_u max(-q, 0) of the range-checked positions; a commitment that understates either (a
    position left out of the count) is unsat."""
    w, inp = witness(honest())
    assert w.longs == [3, 2] and w.shorts == [3, 2]
    assert broken(cs, inp) is None
    K = SHAPE.interest_bits
    for i in range(SHAPE.n_instruments):
        for dl, ds in ((-1, 0), (0, -1)):
            bad = list(w.interests)
            bad[i] = stm.interest(w.longs[i] + dl, w.shorts[i] + ds, K)
            inp["batch_commitment"] = stm.batch_commitment(poseidon, EPOCH, w.root.hash,
                                                           list(w.root.sums), bad, w.blinder)
            assert broken(cs, inp) == "batch_commitment"


def test_relabelled_shape_digest_is_unsat(cs):
    """A17 (shape): the batch circuit pins its public shape_digest to its own shape's digest: a
    verifier that supplies the digest of a relabelled shape has no satisfying witness."""
    _, inp = witness(honest())
    other = stm.Shape(n_assets=2, n_instruments=3, n_scenarios=2, capacity=2, table_bits=40)
    assert other.digest() != SHAPE.digest()
    inp["shape_digest"] = other.digest()
    assert broken(cs, inp) == "shape_digest"


def test_every_input_name_resolves_to_its_input_in_both_circuits():
    """The overrides of these soundness tests name variables, and ``solve`` resolves a name to
    a declared input by dict before scanning every variable in order: the two agree whenever
    names are unique, which they are in both solvency circuits, so every override hits the
    variable it names. Twin: a hint output sharing an input's name -- the one case where the
    two lookups differ -- is resolved to the input."""
    for cs in (sb.build(SHAPE), aggregate.build(SHAPE)):
        names = [v.name for v in (*cs._publics, *cs._privates)]
        assert len(set(names)) == len(names)
        assert all(cs._key(n) == v.key for n, v in cs._inputs.items())
    cs = ConstraintSystem()
    h = cs.public_from_hint("x", lambda: 7, [])
    x = cs.private("x")
    assert [v.name for v in cs._publics] == ["x"] and cs._key("x") == x.key != h.key
