"""Sparse venue batch circuit (docs/venue-design.md §2): completeness, and one failing test per
attack, named after it.

A malicious prover's slots go through ``witness.venue.assemble`` (leaves and root computed from
them, unchecked), so the root is consistent and the constraint that fails is the one that
catches the attack. Range checks are lookups emitted together at the end
(``lookup/range_*``); ``failing_checks`` names which registered check (family and account)
holds a value outside its range, so a test can say WHICH check catches the attack.
"""

from __future__ import annotations

import dataclasses
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.solvency import venue_breakdown
from tests.test_gadget_support import fails_at
from zkproof.circuits import venue_batch
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.groth16.prove import challenge_fn, prove
from zkproof.groth16.setup import dev_setup
from zkproof.groth16.verify import verify
from zkproof.venue import VenueShape, VenueTables
from zkproof.witness import venue as wv

SHAPE = VenueShape(i_max=16, a_max=8, p=3, b=2, k=2, capacity=2)
GAMMA = 0x2A5F0C3B9D1E7A64C8B2F1D09E3A7C5B4D6E8F10A2B4C6D8E0F1A3B5C7D9E1F3  # a fixed epoch challenge
UNLISTED_I, UNLISTED_A = (4, 8, 12), (4,)


def make_tables(shape: VenueShape = SHAPE) -> VenueTables:
    """Per-unit values ``v[i] = (100 i, 90 i, 110 i)``, ``ml = 5 i``, ``ms = 7 i``; assets
    ``c[a] = (1000 a, 900 a, 700 a)``, ``d[a] = (1100 a, 1000 a, 1200 a)``."""
    li = tuple(i != 0 and i not in UNLISTED_I for i in range(shape.i_max))
    la = tuple(a != 0 and a not in UNLISTED_A for a in range(shape.a_max))
    col = {0: (100, 1000, 1100), 1: (90, 900, 1000), 2: (110, 700, 1200)}
    S = range(shape.n_scenarios)
    return VenueTables(
        v=tuple(tuple(col[s % 3][0] * i * li[i] for s in S) for i in range(shape.i_max)),
        ml=tuple(5 * i * li[i] for i in range(shape.i_max)),
        ms=tuple(7 * i * li[i] for i in range(shape.i_max)),
        listed_i=li,
        c=tuple(tuple(col[s % 3][1] * a * la[a] for s in S) for a in range(shape.a_max)),
        d=tuple(tuple(col[s % 3][2] * a * la[a] for s in S) for a in range(shape.a_max)),
        listed_a=la)


TABLES = make_tables()
FULL = [wv.VenueAccount(11, ((1, 5), (3, -2), (6, 7)), ((1, 10**4), (2, 500))),
        wv.VenueAccount(12, ((2, -1), (5, 3), (7, 1)), ((3, -20), (5, 10**4)))]


@pytest.fixture(scope="module")
def circuit():
    return venue_batch.build(SHAPE)


def slots(positions, balances, pos_rows=None, bal_rows=None, tables=TABLES) -> wv.Slots:
    """A prover's slot vectors as given (padded with ``(0, 0)``); rows default to the honest
    rows of the given indices (a balance's by the sign of its amount)."""
    pos = list(positions) + [(0, 0)] * (SHAPE.p - len(positions))
    bal = list(balances) + [(0, 0)] * (SHAPE.b - len(balances))
    prow = [tables.instrument_row(j) if j < SHAPE.i_max else tables.instrument_row(0) for j, _ in pos]
    brow = [tables.asset_row(a if a < SHAPE.a_max else 0, int(b < 0)) for a, b in bal]
    for p, row in (pos_rows or {}).items():
        prow[p] = row
    for k, row in (bal_rows or {}).items():
        brow[k] = row
    return wv.Slots(tuple(pos), tuple(bal), tuple(prow), tuple(brow))


def inputs_of(*account_slots: wv.Slots) -> dict:
    """Circuit inputs of a batch whose first accounts hold these slots (the rest: honest)."""
    honest = [wv.account_slots(SHAPE, TABLES, a) for a in FULL]
    sl = list(account_slots) + honest[len(account_slots):]
    return wv.assemble(SHAPE, TABLES, FULL, sl).bind(GAMMA).inputs()


def first_failure(circuit, inputs, overrides=None) -> str | None:
    """The first unsatisfied constraint's name (``None``: satisfied)."""
    return fails_at(circuit.cs, inputs, overrides)


def failing_checks(circuit, inputs, overrides=None) -> list[str]:
    """Names of the registered range checks whose value is outside ``[0, 2^n_bits)``."""
    a = circuit.cs.solve(inputs, overrides)
    return [e.name for e, (x, n) in zip(circuit.range_checks, circuit.range_checker.checks, strict=True)
            if not a[x] < 1 << n]


def assert_range_rejects(circuit, inputs, expected: str, overrides=None) -> None:
    """The batch is unsatisfied at a range lookup, and the out-of-range checks are exactly
    those named ``expected`` (a prefix)."""
    name = first_failure(circuit, inputs, overrides)
    assert name is not None and name.startswith("lookup/range_") and name.endswith("/sum"), name
    bad = failing_checks(circuit, inputs, overrides)
    assert bad and all(n.startswith(expected) for n in bad), bad


# -- completeness ----------------------------------------------------------------------------

def test_honest_batch_satisfies(circuit):
    w = wv.build_venue_batch(SHAPE, TABLES, FULL).bind(GAMMA)
    assert first_failure(circuit, w.inputs()) is None
    assert failing_checks(circuit, w.inputs()) == []


def test_partial_accounts_and_padding_satisfy(circuit):
    accs = [wv.VenueAccount(5, ((2, 1),), ((1, 10**3),))]
    w = wv.build_venue_batch(SHAPE, TABLES, accs).bind(GAMMA)  # the second account is padding
    assert first_failure(circuit, w.inputs()) is None


def test_circuit_margin_is_the_builders(circuit):
    """The circuit's checked slacks are ``venue.margin_slacks`` on the builder's ints."""
    w = wv.build_venue_batch(SHAPE, TABLES, FULL).bind(GAMMA)
    a = circuit.cs.solve(w.inputs())
    got = [a[x] for e, (x, _) in zip(circuit.range_checks, circuit.range_checker.checks)
           if e.family == "margin"]
    want = [s for sl in w.slots for s in wv.slacks(SHAPE, sl)]
    assert got == want and min(want) > 0


def test_loan_boundary_completeness(circuit):
    """A loan exactly covered in its worst scenario (slack 0) proves."""
    acc = wv.VenueAccount(7, (), ((3, -3500), (5, 3600)))
    w = wv.build_venue_batch(SHAPE, TABLES, [acc]).bind(GAMMA)
    assert 0 in wv.slacks(SHAPE, w.slots[0])
    assert first_failure(circuit, w.inputs()) is None


@given(st.data())
def test_random_honest_accounts_satisfy(circuit, data):
    """Random sorted slot subsets with signed amounts and enough collateral: the builder
    accepts and the circuit is satisfied; the same account with two indices swapped is not."""
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    listed_i = [i for i in range(SHAPE.i_max) if TABLES.listed_i[i]]
    pos = sorted(rng.sample(listed_i, rng.randint(0, SHAPE.p)))
    positions = tuple((j, rng.choice([-1, 1]) * rng.randrange(1, 2**40)) for j in pos)
    loan = rng.choice([0, -rng.randrange(1, 2**40)])
    worst = sum(abs(q) * (110 * j + 12 * j + 1) for j, q in positions) - loan * 3600
    acc = wv.VenueAccount(rng.randrange(R), positions, ((3, loan), (5, worst // 3500 + 1)) if loan
                          else ((5, worst // 3500 + 1),))
    w = wv.build_venue_batch(SHAPE, TABLES, [acc]).bind(GAMMA)
    assert first_failure(circuit, w.inputs()) is None
    if len(positions) >= 2:
        swapped = (positions[1], positions[0], *positions[2:])
        bad = inputs_of(slots(swapped, acc.balances))
        assert_range_rejects(circuit, bad, "account_0/slot_order/pos_1/gap_range")


# -- the builder refuses what the circuit rejects ----------------------------------------------

@pytest.mark.parametrize("acc, field", [
    (wv.VenueAccount(1, ((3, 1), (3, 1))), "positions"),
    (wv.VenueAccount(1, ((3, 1), (1, 1))), "positions"),
    (wv.VenueAccount(1, ((4, 1),)), "positions"),
    (wv.VenueAccount(1, ((16, 1),)), "positions"),
    (wv.VenueAccount(1, ((1, 1), (2, 1), (3, 1), (5, 1)), ((1, 10**6),)), "positions"),
    (wv.VenueAccount(1, (), ((1, 2**63),)), "balances"),
    (wv.VenueAccount(1, (), ((3, -1),)), "margin slack"),
])
def test_builder_refuses(acc, field):
    with pytest.raises(InputError, match=field):
        wv.build_venue_batch(SHAPE, TABLES, [acc])


@pytest.mark.parametrize("kw", [{"i_max": 1000}, {"a_max": 1}, {"i_max": 1 << 17}, {"p": 0},
                                {"capacity": 3}, {"k": -1}, {"table_bits": 65}])
def test_bad_shape_is_one_input_error(kw):
    with pytest.raises(InputError, match="venue shape"):
        VenueShape(**kw)


def test_tables_validated():
    bad_d = TABLES.d[:1] + ((0, 0, 0),) + TABLES.d[2:]  # d[1] < c[1]: a loan worth less than a holding
    t = TABLES
    with pytest.raises(InputError, match=r"c\[1\]\[0\]"):
        VenueTables(t.v, t.ml, t.ms, t.listed_i, t.c, bad_d, t.listed_a).validate(SHAPE)
    listed = (True,) + t.listed_i[1:]
    with pytest.raises(InputError, match="row 0"):
        VenueTables(t.v, t.ml, t.ms, listed, t.c, t.d, t.listed_a).validate(SHAPE)


@pytest.mark.parametrize("field, value", [("v", 100.0), ("c", 1.5), ("listed_i", 2), ("listed_a", -1)])
def test_table_entry_of_another_type_refused_by_validate(field, value):
    """A header entry the circuit's encoding does not take (a float, a ``listed`` flag other
    than 0/1) is one named ``InputError`` of ``validate``, the verifier's ``risk table`` check,
    not a crash in the table hash or a batch proof that no key can verify."""
    col = list(getattr(TABLES, field))
    col[1] = value if field.startswith("listed") else (value,) + col[1][1:]
    with pytest.raises(InputError, match=rf"{field}"):
        dataclasses.replace(TABLES, **{field: tuple(col)}).validate(SHAPE)


# -- attacks ---------------------------------------------------------------------------------

def test_duplicated_index_in_one_account(circuit):
    inp = inputs_of(slots(((1, 5), (1, 3), (6, 7)), ((1, 10**4),)))
    assert_range_rejects(circuit, inp, "account_0/slot_order/pos_1/gap_range")


def test_duplicated_balance_asset(circuit):
    inp = inputs_of(slots(((1, 5),), ((1, 10**4), (1, 10**4))))
    assert_range_rejects(circuit, inp, "account_0/slot_order/bal_1/gap_range")


def test_unsorted_index(circuit):
    inp = inputs_of(slots(((3, -2), (1, 5), (6, 7)), ((1, 10**4),)))
    assert_range_rejects(circuit, inp, "account_0/slot_order/pos_1/gap_range")


def test_used_slot_after_an_unused_one(circuit):
    inp = inputs_of(slots(((1, 5), (0, 0), (6, 7)), ((1, 10**4),)))
    assert first_failure(circuit, inp) == "account_0/slot_order/pos_2/used_first"


def test_unused_slot_carrying_an_amount(circuit):
    """Row 0 (unlisted, all zero) with q != 0: the position would escape margin and the leaf."""
    inp = inputs_of(slots(((1, 5), (3, -2), (0, -9)), ((1, 10**4),)))
    assert first_failure(circuit, inp) == "account_0/slot_order/pos_2/unused_amount"


@pytest.mark.parametrize("index", [16, 31, R - 1])
def test_index_outside_the_universe(circuit, index):
    """Row values copied from a real row; no row has index 16 (= I_max), 31 or -1."""
    inp = inputs_of(slots(((1, 5), (3, -2), (index, 7)), ((1, 10**4),),
                          pos_rows={2: TABLES.instrument_row(6)}))
    assert first_failure(circuit, inp) == "lookup/instruments/sum"


def test_balance_index_outside_the_universe(circuit):
    inp = inputs_of(slots(((1, 5),), ((1, 10**4), (8, 10)), bal_rows={1: TABLES.asset_row(5, 0)}))
    assert first_failure(circuit, inp) == "lookup/assets/sum"


def test_position_on_an_unused_slot(circuit):
    """Index 4 is not listed: its true row (zero, listed = 0) marks the slot unused, so the
    index must be 0; claiming listed = 1 is no row of the table."""
    inp = inputs_of(slots(((1, 5), (3, -2), (4, 7)), ((1, 10**4),)))
    assert first_failure(circuit, inp) == "account_0/slot_order/pos_2/unused_index"
    forged = TABLES.instrument_row(4)[:-1] + (1,)
    inp = inputs_of(slots(((1, 5), (3, -2), (4, 7)), ((1, 10**4),), pos_rows={2: forged}))
    assert first_failure(circuit, inp) == "lookup/instruments/sum"


def test_balance_on_an_unused_slot(circuit):
    inp = inputs_of(slots(((1, 5),), ((1, 10**4), (4, 10))))
    assert first_failure(circuit, inp) == "account_0/slot_order/bal_1/unused_index"


@pytest.mark.parametrize("row", ["other_row", "one_value"])
def test_position_priced_from_another_row(circuit, row):
    """A short in instrument 3 valued with instrument 1's row (cheaper to be short), or with one
    scenario value of its own row changed."""
    wrong = TABLES.instrument_row(1) if row == "other_row" else (1,) + TABLES.instrument_row(3)[1:]
    inp = inputs_of(slots(((1, 5), (3, -2), (6, 7)), ((1, 10**4),), pos_rows={1: wrong}))
    assert first_failure(circuit, inp) == "lookup/instruments/sum"


def test_loan_without_collateral_in_one_scenario(circuit):
    """Loan 3500 of asset 3 against 3599 of asset 5: covered at mark and in scenario 1, short
    by 3500 value units in scenario 2 (``d[3][2] = 3600``, ``c[5][2] = 3500``). The builder
    refuses it naming the scenario; forced into a batch, exactly that margin check fails."""
    acc = wv.VenueAccount(7, (), ((3, -3500), (5, 3599)))
    sl = wv.account_slots(SHAPE, TABLES, acc)
    assert wv.slacks(SHAPE, sl) == [3599 * 4500 - 3500 * 3000, -3500, 3599 * 5000 - 3500 * 3300]
    with pytest.raises(InputError, match="scenario 2"):
        wv.build_venue_batch(SHAPE, TABLES, [acc])
    assert_range_rejects(circuit, inputs_of(sl), "account_0/margin/slack_1")


def test_maintenance_at_mark_not_met(circuit):
    """Long 10 of instrument 13 against short 10 of 14 on 2 units of asset 1: covered in both
    stress scenarios, but not at mark once ``ml``, ``ms`` and the buffer are due
    (``2000 - 1000 - 650 - 980 - 10 < 0``); 3 units cover it."""
    def account(units):
        return wv.account_slots(SHAPE, TABLES, wv.VenueAccount(7, ((13, 10), (14, -10)), ((1, units),)))
    assert wv.slacks(SHAPE, account(3)) == [2700 - 900 - 10, 2100 - 1100 - 10, 3000 - 1000 - 1630 - 10]
    assert first_failure(circuit, inputs_of(account(3))) is None
    assert wv.slacks(SHAPE, account(2)) == [1800 - 900 - 10, 1400 - 1100 - 10, 2000 - 1000 - 1630 - 10]
    assert_range_rejects(circuit, inputs_of(account(2)), "account_0/margin/slack_2")


def test_loan_valued_at_c_instead_of_d(circuit):
    """A loan's query carries its sign: the c row for a negative amount is no row. Forcing the
    sign to 0 breaks the sign decomposition; with the magnitude set to ``-20`` as well (and the
    sums committed without the loan, whose negative part is now 0), only the magnitude range
    check is left to fail, and it does."""
    from zkproof.hash.poseidon import poseidon
    from zkproof.venue import rlc_powers, sums_commitment

    acc = FULL[1]
    c_row = TABLES.asset_row(3, 0)
    loan_as_c = slots(acc.positions, acc.balances, bal_rows={0: c_row})
    w = wv.assemble(SHAPE, TABLES, FULL, [wv.account_slots(SHAPE, TABLES, FULL[0]), loan_as_c]).bind(GAMMA)
    inp = w.inputs()
    assert first_failure(circuit, inp) == "lookup/assets/sum"
    over = {"account_1/balance_range/0/sign": 0}  # the sign hint, overridden by name
    assert first_failure(circuit, inp, over) == "account_1/balance_range/0/recompose"
    over["account_1/balance_range/0/mag"] = R - 20
    s = w.sums()
    inp["sums_commitment"] = sums_commitment(poseidon, s.net, s.long, s.liab,
                                             (s.loan - 20 * rlc_powers(GAMMA, 4)[3]) % R, w.blinder)
    assert_range_rejects(circuit, inp, "account_1/balance_range/0/magnitude", over)


@pytest.mark.parametrize("amount", [2**63, R - 2**63, 2**64, R - 2**64, R // 2])
def test_position_amount_out_of_range_or_wrapped(circuit, amount):
    inp = inputs_of(slots(((1, 5), (3, amount), (6, 7)), ((1, 10**4),)))
    bad = failing_checks(circuit, inp)
    assert "account_0/position_range/1/magnitude" in bad
    assert first_failure(circuit, inp).startswith("lookup/range_")


@pytest.mark.parametrize("amount", [2**63, R - 2**63, R - 2**64])
def test_balance_amount_out_of_range_or_wrapped(circuit, amount):
    inp = inputs_of(slots(((1, 5),), ((1, 10**4), (2, amount)), bal_rows={1: TABLES.asset_row(2, 0)}))
    bad = failing_checks(circuit, inp)
    assert "account_0/balance_range/1/magnitude" in bad
    assert first_failure(circuit, inp).startswith("lookup/")


# -- A5: every hint of the new gadgets replaced by 0, 1, r-1 and a random value ----------------

NEW_GADGET_HINTS = ("slot_order/", "position_range/", "balance_range/", "/margin/", "/rlc/",
                    "lookup/instruments/", "lookup/assets/", "lookup/range")


def _tampered(circuit, inputs, *, per_kind: int = 2, max_outputs: int = 4, seed: int = 0):
    """(hint name, value, first failure) for new-gadget hint outputs set to 0, 1, r-1 and a
    random value: ``per_kind`` hints of each kind (the name with its indices dropped: every
    kind of every family, in both accounts where there are two), ``max_outputs`` outputs of a
    hint with many (multiplicities, inverses)."""
    cs = circuit.cs
    honest = cs.solve(inputs)
    rng = random.Random(seed)
    kinds: dict[str, list] = {}
    for h in cs.hints:
        if "poseidon" not in h.name and any(k in h.name for k in NEW_GADGET_HINTS):
            kinds.setdefault(re.sub(r"\d+", "#", h.name), []).append(h)
    for group in kinds.values():
        for h in (group if len(group) <= per_kind else [group[0], group[-1]]):
            outs = h.outputs if len(h.outputs) <= max_outputs else rng.sample(h.outputs, max_outputs)
            for var in outs:
                for val in (0, 1, R - 1, rng.randrange(R)):
                    if val != honest.values[var.key]:
                        yield h.name, val, cs.which_is_unsatisfied(cs.solve(inputs, {var: val}))


def test_new_gadget_hints_pinned(circuit):
    """On a batch where every slot is used (so no sign is free), each tampered hint breaks a
    constraint."""
    inputs = wv.build_venue_batch(SHAPE, TABLES, FULL).bind(GAMMA).inputs()
    tried = 0
    for name, val, failure in _tampered(circuit, inputs):
        tried += 1
        assert failure is not None, f"hint '{name}' = {val} still satisfies"
    assert tried > 100


@pytest.mark.parametrize("attack", ["duplicated_index", "loan_valued_at_c"])
def test_rejected_batch_stays_rejected_under_every_tampered_hint(circuit, attack):
    if attack == "duplicated_index":
        inp = inputs_of(slots(((1, 5), (1, 3), (6, 7)), ((1, 10**4),)))
    else:
        acc = FULL[1]
        inp = inputs_of(wv.account_slots(SHAPE, TABLES, FULL[0]),
                        slots(acc.positions, acc.balances, bal_rows={0: TABLES.asset_row(3, 0)}))
    for name, val, failure in _tampered(circuit, inp, max_outputs=3, seed=1):
        assert failure is not None, f"hint '{name}' = {val} satisfies a rejected batch"


# -- a real proof -----------------------------------------------------------------------------

def test_groth16_prove_and_verify_with_commitment():
    """One small batch proved and verified with a dev key (INSECURE-DEV-SETUP); the proof does
    not verify against another root or another table."""
    shape = VenueShape(i_max=8, a_max=4, p=2, b=2, k=1, capacity=2)
    tables = make_tables(shape)
    c = venue_batch.build(shape)
    pk = dev_setup(c.cs.to_r1cs(), quiet=True)
    assert pk.commitment is not None
    acc = wv.VenueAccount(3, ((1, 2), (3, -1)), ((1, 50), (3, -2)))
    w = wv.build_venue_batch(shape, tables, [acc]).bind(GAMMA)
    a = c.cs.solve(w.inputs(), challenges=challenge_fn(pk))
    c.cs.check(a)
    proof, public = prove(pk, a.witness())
    vk = pk.verifying_key()
    assert public == w.public_values() and verify(vk, public, proof)
    assert not verify(vk, [public[0] + 1, *public[1:]], proof)  # another root
    assert not verify(vk, [*public[:4], public[4] + 1, *public[5:]], proof)  # v[0][0] moved
    assert not verify(vk, [*public[:-1], public[-1] + 1], proof)  # gamma^(A_max - 1) moved
    assert not verify(vk, [*public[:3], public[3] + 1, *public[4:]], proof)  # sums commitment


# -- the cost breakdown bench.solvency prints ---------------------------------------------------

def test_bench_breakdown_accounts_for_every_constraint(circuit):
    """``bench.solvency.venue_breakdown`` gives every constraint of the built batch to one
    family (range-check limbs to the family that registered the check)."""
    fam = venue_breakdown(circuit)
    assert sum(fam.values()) == circuit.cs.num_constraints
    assert fam["margin products"] == SHAPE.capacity * ((SHAPE.k + 1) * (SHAPE.p + SHAPE.b) + 2 * SHAPE.p)
    assert fam["position_row (lookup queries)"] == SHAPE.capacity * SHAPE.p * (SHAPE.k + 6)
    assert fam["balance_row (lookup queries)"] == SHAPE.capacity * SHAPE.b * (SHAPE.k + 5)
    assert fam["gamma sums (rlc products)"] == SHAPE.capacity * 2 * (SHAPE.p + SHAPE.b)


# -- binding: the leaf, the root, the shape ----------------------------------------------------

def test_leaf_limb_carry_keeps_the_root_but_fails_the_range(circuit):
    """A13 for slot limbs: ``(6, 7)`` and ``(5, 7 + 2^64)`` pack to the same limb, so the leaf
    and the root are the honest ones (and the margin holds); the amount's magnitude check is
    what rejects it."""
    honest = wv.account_slots(SHAPE, TABLES, FULL[0])
    carried = slots(((1, 5), (3, -2), (5, 7 + 2**64)), FULL[0].balances)
    other = wv.account_slots(SHAPE, TABLES, FULL[1])
    assert wv.assemble(SHAPE, TABLES, FULL, [carried, other]).root == \
        wv.assemble(SHAPE, TABLES, FULL, [honest, other]).root
    bad = failing_checks(circuit, inputs_of(carried))
    assert bad == ["account_0/position_range/2/magnitude"]


def test_leaf_binds_the_tier():
    """The same slots hash to another leaf in another tier (no replay across tiers)."""
    from zkproof.hash.poseidon import poseidon
    from zkproof.venue import leaf_hash

    wide = VenueShape(i_max=16, a_max=8, p=128, b=2, k=2, capacity=2)
    pos, bal = ((1, 5), (0, 0), (0, 0)), ((1, 10), (0, 0))
    assert leaf_hash(poseidon, SHAPE.tier, 9, pos, bal) != leaf_hash(poseidon, wide.tier, 9, pos, bal)


def test_another_root_or_shape_fails(circuit):
    inp = wv.build_venue_batch(SHAPE, TABLES, FULL).bind(GAMMA).inputs()
    assert first_failure(circuit, {**inp, "root": inp["root"] + 1}) == "root"
    assert first_failure(circuit, {**inp, "shape_digest": inp["shape_digest"] + 1}) == "shape_digest"
    assert first_failure(circuit, {**inp, "table/listed_i[4]": 2}) == "table/listed_boolean[4]"


# -- the gamma sums (docs/venue-design.md §3) -----------------------------------------------------

def test_circuit_sums_are_the_builders(circuit):
    """The circuit's ``S_net, S_long, S_liab, S_loan`` are ``venue.account_rlc`` on the
    builder's ints, and equal the integer totals per index weighted by ``gamma^index``."""
    from zkproof.venue import rlc_eval, rlc_powers

    w = wv.build_venue_batch(SHAPE, TABLES, FULL).bind(GAMMA)
    assert first_failure(circuit, w.inputs()) is None
    s, g_i, g_a = w.sums(), rlc_powers(GAMMA, SHAPE.i_max), rlc_powers(GAMMA, SHAPE.a_max)
    assert s.net == rlc_eval(g_i, w.totals("net")) and s.long == rlc_eval(g_i, w.totals("long"))
    assert s.liab == rlc_eval(g_a, w.totals("liab")) and s.loan == rlc_eval(g_a, w.totals("loan"))
    assert w.totals("long")[1] == 5 and w.totals("net")[3] == -2 and w.totals("liab")[3] == -20
    assert w.totals("loan")[3] == 20 and w.totals("loan")[1] == 0 and sum(w.totals("loan")) == 20


@pytest.mark.parametrize("kind", ["pos", "bal"])
def test_gamma_power_of_another_row(circuit, kind):
    """A slot weighted with another index's power (moving its quantity to another instrument
    or asset in the sums), the commitment made over the sums so moved: no table row."""
    from zkproof.hash.poseidon import poseidon
    from zkproof.venue import rlc_powers, sums_commitment

    w = wv.build_venue_batch(SHAPE, TABLES, FULL).bind(GAMMA)
    inp, s, g = w.inputs(), w.sums(), rlc_powers(GAMMA, 8)
    inp[f"account_0/{kind}_0/gamma_power"] = g[2]  # slot 0 holds index 1 (q = 5, b = 10^4)
    moved = (g[2] - g[1]) * (5 if kind == "pos" else 10**4)
    sums = ((s.net + moved, s.long + moved, s.liab, s.loan) if kind == "pos"
            else (s.net, s.long, s.liab + moved, s.loan))
    inp["sums_commitment"] = sums_commitment(poseidon, *(x % R for x in sums), w.blinder)
    table = "instruments" if kind == "pos" else "assets"
    assert first_failure(circuit, inp) == f"lookup/{table}/sum"


def test_sums_commitment_opened_to_other_sums(circuit):
    """The public commitment binds the computed sums and the blinder: another commitment, or
    the same one with another blinder, fails."""
    inp = wv.build_venue_batch(SHAPE, TABLES, FULL).bind(GAMMA).inputs()
    assert first_failure(circuit, {**inp, "sums_commitment": inp["sums_commitment"] + 1}) == "sums_commitment"
    assert first_failure(circuit, {**inp, "rlc/blinder": inp["rlc/blinder"] + 1}) == "sums_commitment"


def test_loan_sum_of_the_other_sign_part(circuit):
    """``S_loan`` weighs each balance's negative part, the one its sign selects the ``d`` row
    with: a commitment made over the positive parts instead (a prover reporting the loan as
    zero), or over ``S_liab`` in place of ``S_loan``, does not open."""
    from zkproof.hash.poseidon import poseidon
    from zkproof.venue import rlc_eval, rlc_powers, sums_commitment

    w = wv.build_venue_batch(SHAPE, TABLES, FULL).bind(GAMMA)
    inp, s, g_a = w.inputs(), w.sums(), rlc_powers(GAMMA, SHAPE.a_max)
    positive = rlc_eval(g_a, [t + g for t, g in zip(w.totals("liab"), w.totals("loan"), strict=True)])
    for loan in (0, positive, s.liab):
        assert loan != s.loan
        forged = sums_commitment(poseidon, s.net, s.long, s.liab, loan, w.blinder)
        assert first_failure(circuit, {**inp, "sums_commitment": forged}) == "sums_commitment"


def test_blinder_reused_to_fake_hiding():
    """Two bindings of the same batch draw fresh blinders: the same sums commit to different
    values (nobody confirms guessed sums by hashing); a zero blinder is refused."""
    w = wv.build_venue_batch(SHAPE, TABLES, FULL)
    a, b = w.bind(GAMMA), w.bind(GAMMA)
    assert a.sums() == b.sums() and a.commitment != b.commitment
    with pytest.raises(ValueError, match="blinder"):
        w.bind(GAMMA, 0)


# -- the formula and the tiers -------------------------------------------------------------------

@given(st.lists(st.tuples(st.integers(1, 7), st.integers(-2**62, 2**62)), max_size=2),
       st.lists(st.tuples(st.integers(1, 15), st.integers(-2**62, 2**62)), max_size=3))
def test_margin_formula_is_the_designs(bal, pos):
    """``venue.margin_slacks`` on the builder's sign-selected rows equals the design's formula
    ``sum_k (b^+ c[s] - b^- d[s]) + sum_p q v[s] - N`` and
    ``E[0] - sum_p (q^+ ml + q^- ms) - N`` written out directly."""
    t = TABLES
    bal = [(a, b) for a, b in dict(bal).items() if t.listed_a[a]]
    pos = [(j, q) for j, q in dict(pos).items() if t.listed_i[j]]
    sl = wv.account_slots(SHAPE, t, wv.VenueAccount(1, tuple(sorted(pos)), tuple(sorted(bal))))
    n = sum(max(-q, 0) for _, q in pos)

    def e(s):
        return (sum(max(b, 0) * t.c[a][s] - max(-b, 0) * t.d[a][s] for a, b in bal)
                + sum(q * t.v[j][s] for j, q in pos))
    req = sum(max(q, 0) * t.ml[j] + max(-q, 0) * t.ms[j] for j, q in pos)
    assert wv.slacks(SHAPE, sl) == [e(s) - n for s in range(1, SHAPE.n_scenarios)] + [e(0) - req - n]


def test_wide_tier_is_the_same_circuit_at_another_shape():
    """P = 128 (market makers, the vault): an account with 100 positions proves in its tier."""
    wide = VenueShape(i_max=256, a_max=8, p=128, b=2, k=1, capacity=2)
    tables = make_tables(wide)
    listed = [i for i in range(wide.i_max) if tables.listed_i[i]][:100]
    acc = wv.VenueAccount(5, tuple((j, (-1) ** j * (j + 1)) for j in listed), ((1, 10**6),))
    w = wv.build_venue_batch(wide, tables, [acc]).bind(GAMMA)
    c = venue_batch.build(wide)
    assert fails_at(c.cs, w.inputs()) is None
    assert wide.tier != SHAPE.tier and wide.digest() != SHAPE.digest()
