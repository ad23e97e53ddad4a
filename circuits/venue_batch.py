"""Sparse venue batch circuit: ``capacity`` accounts of one tier ``(P, B)`` over universes of
``I_max`` instruments and ``A_max`` assets (docs/venue-design.md §1-§2; layouts and the margin
formula in ``zkproof.venue``).

Public inputs (``venue.public_names``): ``root`` (the batch's plain Poseidon tree over its
leaves), ``shape_digest`` (pinned to ``shape.digest()``), ``gamma`` (the epoch's challenge,
``venue.rlc_challenge``), ``sums_commitment``, the table entry by entry, then the powers
``rlc/gamma_i[i] = gamma^i`` and ``rlc/gamma_a[a] = gamma^a``. As in the dense circuit the
table is public, not hashed: the lookups' table side is built from the very public wires, so a
proof made with any other table does not verify against the published one (ATTACKS A15, A17).

The powers are one more column of the instrument and asset rows, so a slot's ``gamma^index``
is looked up with its row (one query column). They are public inputs that the verifier
computes from ``gamma`` (``venue.rlc_powers``), as it builds the table from the header: a
proof verifies only against those very values, so the circuit needs no chain
``g_(i+1) = g_i gamma`` (it would re-prove what the verifier computes, ``I_max + A_max``
products per batch), and the lookup tables stay rows of public wires, which is what
``Lookups.table`` admits (rows fixed before the lookup challenges). ``gamma`` itself enters no
constraint: it is the value the verifier matches with the aggregate's ``gamma``.

Private, per account ``u`` (namespace ``account_{u}``): ``id_hash``; position slots
``pos_{p}/index``, ``pos_{p}/amount``, ``pos_{p}/row[0..K+3]`` (the looked-up
``v[0..K], ml, ms, listed``), ``pos_{p}/gamma_power``; balance slots ``bal_{k}/index``,
``bal_{k}/amount``, ``bal_{k}/row[0..K+1]`` (``c`` or ``d`` by the amount's sign, then
``listed``), ``bal_{k}/gamma_power``. Per batch: ``rlc/blinder``.

Constraint families (names; docs/venue-design.md §2 gives why a bad witness fails each):

* ``table/listed_boolean``: every public ``listed`` is 0 or 1 (``I_max + A_max`` per batch);
* ``account_{u}/slot_order/{pos,bal}_{p}/...``: a slot is used iff its row is listed
  (``used = listed``); ``unused_index``/``unused_amount``: ``j (1 - listed) = 0``,
  ``x (1 - listed) = 0``; ``used_first``: ``listed' (1 - listed) = 0``; ``gap``:
  ``listed' (j' - j - 1)``, range-checked in ``[0, 2^w)``, ``2^w >= I_max`` (resp. ``A_max``);
* ``account_{u}/{position,balance}_range/{p}``: ``|x| < 2^63`` by sign and a 63-bit
  magnitude (``common.signed_parts`` with the lookup range checker);
* lookup queries (``lookup/instruments/query_*``, ``lookup/assets/query_*``): each position's
  ``(j, v[0..K], ml, ms, listed, gamma^j)`` is an instrument row, each balance's ``(a, sign,
  x[0..K], listed, gamma^a)`` an asset row of its own sign (``c`` for ``b >= 0``, ``d`` for
  ``b < 0``; at ``b = 0`` the sign is free and either row contributes 0);
* ``account_{u}/rlc/{net,long}{p}``, ``account_{u}/rlc/{liab,loan}{k}``: the products of
  ``venue.account_rlc`` (``q gamma^j``, ``q^+ gamma^j``, ``b gamma^a``, ``b^- gamma^a``;
  ``2P + 2B`` per account; ``b^-`` is the negative part of the amount's range check, the one
  whose sign selects the ``d`` row); ``rlc/commitment/...`` and ``sums_commitment``:
  ``venue.sums_commitment`` of the batch's sums ``S_net, S_long, S_liab, S_loan`` under the
  private blinder equals the public one. The sums are not public inputs: ``S_liab`` and
  ``S_loan`` are random combinations of the batch's per-asset totals, which hidden totals
  forbid publishing (ATTACKS A14); the aggregate opens the commitment in-circuit;
* ``account_{u}/margin/...``: the products of ``venue.margin_slacks``; its ``K + 1`` slacks
  are range-checked in ``[0, 2^equity_check_bits)`` (a negative slack is ``r - y``,
  ``y < 2^equity_bits <= 2^252``: no decomposition);
* ``account_{u}/leaf/...``: ``venue.leaf_hash`` over the very range-checked wires (slot limbs
  ``j 2^64 + x + 2^63`` are injective: ``j`` is a table index ``< 2^16`` and ``|x| < 2^63``);
* ``tree/...`` and ``root``: the batch root equals the public ``root``;
* ``lookup/...``: the log-derivative argument (``zkproof.gadgets.lookup``) on the circuit's
  one commitment; range checks are limbs in a ``2^b`` table (``range_lookup``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkproof import venue
from zkproof.gadgets.lookup import Lookups, Table
from zkproof.gadgets.range_lookup import RangeChecker
from zkproof.r1cs.lc import LCLike, LinearCombination, Variable, as_lc
from zkproof.r1cs.system import ConstraintSystem

from .common import RangeCheck, hasher, mul, signed_parts


@dataclass(frozen=True)
class RangeCheckEntry:
    """One range check: its family (``position_range``, ``balance_range``, ``slot_order``,
    ``margin``), width and name (``account_{u}/margin/slack_{s}``, ...). The ``i``-th entry is
    the ``i``-th check of ``VenueBatchCircuit.range_checker`` (same order)."""

    family: str
    n_bits: int
    name: str


@dataclass
class VenueBatchCircuit:
    """The built system, and what the cost breakdown and the tests need: every range check in
    registration order, and the range checker (its plan is set after ``finalize``)."""

    shape: venue.VenueShape
    cs: ConstraintSystem
    range_checks: list[RangeCheckEntry] = field(default_factory=list)
    range_checker: RangeChecker | None = None


@dataclass
class _Slot:
    index: Variable
    amount: Variable
    row: list[Variable]
    power: Variable  # gamma^index, the looked-up last column
    sign: Variable
    neg: LinearCombination

    @property
    def listed(self) -> Variable:
        return self.row[-1]


def build(shape: venue.VenueShape) -> VenueBatchCircuit:
    """The batch R1CS for ``shape`` (deterministic: same shape, same fingerprint)."""
    S = shape.n_scenarios
    cs = ConstraintSystem()
    out = VenueBatchCircuit(shape, cs)
    pub = [cs.public(n) for n in venue.public_names(shape)]
    root, digest, commitment = pub[0], pub[1], pub[3]  # pub[2]: gamma (the verifier's)
    cs.enforce_equal(digest, shape.digest(), "shape_digest")
    n_table = len(pub) - 4 - shape.i_max - shape.a_max
    table = iter(pub[4:4 + n_table])
    g_i, g_a = pub[4 + n_table:4 + n_table + shape.i_max], pub[4 + n_table + shape.i_max:]
    inst_rows, asset_rows, listed = [], [], []
    for i in range(shape.i_max):
        vals = [next(table) for _ in range(S + 3)]  # v[0..K], ml, ms, listed
        inst_rows.append((i, *vals, g_i[i]))
        listed.append(vals[-1])
    for a in range(shape.a_max):
        c = [next(table) for _ in range(S)]
        d = [next(table) for _ in range(S)]
        la = next(table)
        asset_rows += [(a, 0, *c, la, g_a[a]), (a, 1, *d, la, g_a[a])]
        listed.append(la)
    assert next(table, None) is None
    with cs.namespace("table"):
        for n, x in enumerate(listed):
            cs.enforce(x, 1 - as_lc(x), 0, f"listed_boolean[{n}]")

    lookups = Lookups(cs)
    rc = out.range_checker = RangeChecker(lookups)
    instruments = lookups.table("instruments", inst_rows)
    assets = lookups.table("assets", asset_rows)

    def check(family: str, u: int) -> RangeCheck:
        def fn(x: LCLike, n_bits: int, name: str) -> None:
            out.range_checks.append(RangeCheckEntry(family, n_bits, f"account_{u}/{name}"))
            rc.check(x, n_bits)
        return fn

    leaves, sums = [], []
    for u in range(shape.capacity):
        with cs.namespace(f"account_{u}"):
            idh = cs.private("id_hash")
            pos = _slots(cs, lookups, instruments, "pos", shape.p, S + 3, check("position_range", u),
                         signed=False)
            bal = _slots(cs, lookups, assets, "bal", shape.b, S + 1, check("balance_range", u),
                         signed=True)
            _order(cs, pos, "pos", shape.position_order_bits, check("slot_order", u))
            _order(cs, bal, "bal", shape.balance_order_bits, check("slot_order", u))
            with cs.namespace("margin"):
                slacks = venue.margin_slacks(
                    [s.amount for s in pos], [s.neg for s in pos], [s.row[:S] for s in pos],
                    [s.row[S] for s in pos], [s.row[S + 1] for s in pos],
                    [s.amount for s in bal], [s.row[:S] for s in bal],
                    lambda x, y, name: as_lc(mul(cs, x, y, name)))
            margin = check("margin", u)
            for s, slack in enumerate(slacks):
                margin(slack, shape.equity_check_bits, f"margin/slack_{s}")
            with cs.namespace("rlc"):
                sums.append(venue.account_rlc(
                    [s.amount for s in pos], [s.neg for s in pos], [s.power for s in pos],
                    [s.amount for s in bal], [s.neg for s in bal], [s.power for s in bal],
                    lambda x, y, name: as_lc(mul(cs, x, y, name))))
            leaves.append(venue.leaf_hash(hasher(cs, "leaf"), shape.tier, as_lc(idh),
                                          [(as_lc(s.index), as_lc(s.amount)) for s in pos],
                                          [(as_lc(s.index), as_lc(s.amount)) for s in bal]))
    cs.enforce_equal(venue.tree_root(hasher(cs, "tree"), leaves), root, "root")
    totals = [sum((t[n] for t in sums), LinearCombination()) for n in range(4)]
    cs.enforce_equal(venue.sums_commitment(hasher(cs, "rlc/commitment"), *totals,
                                           as_lc(cs.private("rlc/blinder"))),
                     commitment, "sums_commitment")
    lookups.finalize()
    return out


def _slots(cs: ConstraintSystem, lookups: Lookups, table: Table, kind: str, n: int, n_cols: int,
           check: RangeCheck, *, signed: bool) -> list[_Slot]:
    """``n`` slots: inputs, the amount's range check and the row query (the sign is a query
    column for balances: the row of the amount's own sign)."""
    family = "balance_range" if signed else "position_range"
    slots = []
    for p in range(n):
        index, amount = cs.private(f"{kind}_{p}/index"), cs.private(f"{kind}_{p}/amount")
        row = [cs.private(f"{kind}_{p}/row[{c}]") for c in range(n_cols)]
        power = cs.private(f"{kind}_{p}/gamma_power")
        sign, neg = signed_parts(cs, amount, f"{family}/{p}", check)
        lookups.query(table, (index, sign, *row, power) if signed else (index, *row, power))
        slots.append(_Slot(index, amount, row, power, sign, neg))
    return slots


def _order(cs: ConstraintSystem, slots: list[_Slot], kind: str, bits: int, check: RangeCheck) -> None:
    """``slot_order``: used (listed) slots first, strictly increasing indices, unused slots
    ``(0, 0)``."""
    with cs.namespace("slot_order"):
        for p, s in enumerate(slots):
            unused = 1 - as_lc(s.listed)
            cs.enforce(s.index, unused, 0, f"{kind}_{p}/unused_index")
            cs.enforce(s.amount, unused, 0, f"{kind}_{p}/unused_amount")
        for p in range(1, len(slots)):
            prev, cur = slots[p - 1], slots[p]
            cs.enforce(cur.listed, 1 - as_lc(prev.listed), 0, f"{kind}_{p}/used_first")
            gap = mul(cs, cur.listed, as_lc(cur.index) - prev.index - 1, f"{kind}_{p}/gap")
            check(gap, bits, f"slot_order/{kind}_{p}/gap_range")
