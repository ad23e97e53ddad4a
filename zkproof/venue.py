"""The venue statement's shared definitions (docs/venue-design.md §1-§2): the shape, the public
tables, the leaf and tree layout and the margin formula. One source of truth for the sparse
batch circuit (``circuits/venue_batch.py``) and its witness builder (``zkproof.witness.venue``).

Layouts (``H`` = Poseidon, ``tag(kind, n) = kind * 2^32 + n`` as in ``merkle_sum_layout``):

* instrument row ``i`` (``0 <= i < I_max``): ``(i, v[i][0..K], ml[i], ms[i], listed[i])``;
* asset rows ``(a, s)`` (``0 <= a < A_max``, ``s`` = sign): ``(a, 0, c[a][0..K], listed[a])``
  and ``(a, 1, d[a][0..K], listed[a])``: a balance ``b`` looks up the row of its own sign, so
  one product ``b * x[s]`` per scenario is ``b^+ c[s] - b^- d[s]``;
* row 0 of each universe is the empty row (all zero, never listed);
* a slot ``(j, x)`` (index, signed amount ``|x| < 2^63``) is the limb
  ``j * 2^64 + (x + 2^63) < 2^(64 + INDEX_BITS) = 2^80``, packed three to a field element
  (``merkle_sum_layout.pack_limbs``, 240 bits);
* ``leaf = H(tag(VENUE_LEAF, n), tier, id_hash, packed positions..., packed balances...)`` with
  ``tier = P * 2^32 + B`` (``VenueShape.tier``): a leaf of one tier never hashes like a leaf of
  another, and never like a v1 leaf or a node (other kinds);
* ``node = H(tag(NODE, 2), h_L, h_R)``: ``merkle_sum_layout.node_hash`` with no sums;
* ``shape_digest = H(tag(VENUE_SHAPE, 8), every VenueShape field in declaration order)``.

The epoch's random linear combinations (docs/venue-design.md §3):

* ``gamma = long_hash(RLC, [epoch, table_hash, open_interest_hash, totals_commitment,
  root_1..root_n])`` (``rlc_challenge``): fixed after every batch root, the public open
  interest and the committed liabilities and gross loans are, so no value it weighs is chosen
  after it;
* ``table_hash = long_hash(VENUE_TABLE, table_public_values)``, ``open_interest_hash =
  long_hash(VENUE_OI, OI[0..I_max))``; ``totals_commitment = H(tag(TOTALS, 2 + 2 A_max), epoch,
  salt_used, L_0..L_(A_max-1), G_0..G_(A_max-1))`` (``totals_commitment``: the liabilities, then
  the gross loans);
* per batch ``S_net = sum q_p gamma^(j_p)``, ``S_long = sum q_p^+ gamma^(j_p)``,
  ``S_liab = sum b_k gamma^(a_k)``, ``S_loan = sum b_k^- gamma^(a_k)`` over every slot of every
  account (``account_rlc``), under ``sums_commitment = H(tag(VENUE_SUMS, 5), S_net, S_long,
  S_liab, S_loan, blinder)``.

Margin (``margin_slacks``; ``q^- = max(-q, 0)``, ``q^+ = q + q^-``, ``N = SHORT_BUFFER sum_p
q_p^-``, the v1 rounding buffer of docs/formats.md §8.1):
``E[s] = sum_k b_k x_k[s] + sum_p q_p v_p[s]``; every ``E[s] - N`` (s = 1..K) and
``E[0] - sum_p (q_p^+ ml_p + q_p^- ms_p) - N`` must be ``>= 0``.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.hash import merkle_sum_layout as layout
from zkproof.hash.poseidon import poseidon

T = TypeVar("T")
Mul = Callable[[T, T, str], T]  # mul(x, y, name): x * y (ints, or one constraint in-circuit)

INDEX_BITS = 16        # universes up to 2^16 slots: a slot limb is below 2^80
SLOT_LIMB_BITS = layout.LIMB_BITS + INDEX_BITS
AMOUNT_OFFSET = layout.POSITION_OFFSET  # x + 2^63 in (0, 2^64) for |x| < 2^63
TABLE_FILE = "<venue tables>"


def _power_of_two(n: int) -> bool:
    return n >= 2 and not n & (n - 1)


@dataclass(frozen=True)
class VenueShape:
    """Sizes fixed by the keys of one sparse batch circuit (one tier ``(p, b)``).

    ``i_max``/``a_max``: universe capacities (powers of two, at most ``2^INDEX_BITS``);
    ``p``/``b``: position and balance slots per account; ``k``: stress scenarios (scenario 0
    is the mark: ``k + 1`` value columns); ``capacity``: accounts per batch (power of two);
    ``table_bits``: ``|v|, ml, ms, c, d < 2^table_bits`` (the verifier checks the table);
    ``equity_check_cap``: width cap of the margin checks (completeness only, as v1).
    """

    i_max: int = 1024
    a_max: int = 64
    p: int = 16
    b: int = 8
    k: int = 16
    capacity: int = 256
    table_bits: int = 40
    equity_check_cap: int = stm.EQUITY_CHECK_BITS

    def __post_init__(self) -> None:
        for name in ("i_max", "a_max", "capacity"):
            n = getattr(self, name)
            if not isinstance(n, int) or not _power_of_two(n) or (name != "capacity" and n > 1 << INDEX_BITS):
                limit = f" in 2..2^{INDEX_BITS}" if name != "capacity" else " >= 2"
                raise InputError("venue shape", name, f"expected a power of two{limit}, got {n!r}")
        for name, hi in (("p", 256), ("b", 256), ("k", 256)):
            n = getattr(self, name)
            lo = 0 if name == "k" else 1
            if not isinstance(n, int) or not lo <= n <= hi:
                raise InputError("venue shape", name, f"expected an integer in {lo}..{hi}, got {n!r}")
        if not 1 <= self.table_bits <= 64:
            raise InputError("venue shape", "table_bits", f"expected 1..64, got {self.table_bits!r}")
        if not 1 <= self.equity_check_cap <= stm.MAX_FIELD_BITS:
            raise InputError("venue shape", "equity_check_cap",
                             f"expected 1..{stm.MAX_FIELD_BITS}, got {self.equity_check_cap!r}")
        if self.equity_bits > stm.MAX_FIELD_BITS:
            raise InputError("venue shape", "p/b/table_bits",
                             f"equity bound needs {self.equity_bits} > {stm.MAX_FIELD_BITS} bits")

    @property
    def n_scenarios(self) -> int:
        """``K + 1`` value columns: scenario 0 is the mark."""
        return self.k + 1

    @property
    def tier(self) -> int:
        """The tier tag hashed into every leaf: ``P * 2^32 + B``."""
        return (self.p << 32) | self.b

    @property
    def position_order_bits(self) -> int:
        """Width of ``j' - j - 1 >= 0`` between used position slots (``< I_max``)."""
        return (self.i_max - 1).bit_length()

    @property
    def balance_order_bits(self) -> int:
        """Width of ``a' - a - 1 >= 0`` between used balance slots (``< A_max``)."""
        return (self.a_max - 1).bit_length()

    @property
    def equity_bits(self) -> int:
        """``|E[s] - req - N| < 2^equity_bits`` for every in-range account: ``B + P`` value
        terms, ``P`` mark requirements (each ``< 2^(63 + table_bits)``) and ``N < P 2^63``."""
        bound = (self.b + 2 * self.p + 1) << (stm.POSITION_BITS + self.table_bits)
        return bound.bit_length()

    @property
    def equity_check_bits(self) -> int:
        """Width of ``E - req >= 0`` in the circuit (soundness: any width up to 252, because a
        negative slack is ``r - y`` with ``y < 2^equity_bits <= 2^252``; completeness: the
        witness builder refuses an account whose slack does not fit)."""
        return min(self.equity_check_cap, self.equity_bits)

    @property
    def instrument_width(self) -> int:
        """Columns of an instrument row: index, ``K + 1`` values, ``ml``, ``ms``, ``listed``."""
        return self.n_scenarios + 4

    @property
    def asset_width(self) -> int:
        """Columns of an asset row: index, sign, ``K + 1`` values, ``listed``."""
        return self.n_scenarios + 3

    def digest(self) -> int:
        """``H(tag(VENUE_SHAPE, n), fields...)``: the circuit pins it, so a key made for one
        shape verifies no statement of another."""
        return layout.hash_tagged(poseidon, stm.VENUE_SHAPE,
                                  [getattr(self, f.name) for f in dataclasses.fields(self)])


@dataclass(frozen=True)
class VenueTables:
    """The public risk table over the universes (docs/venue-design.md §1), integers.

    ``v[i][s]``, ``ml[i]``, ``ms[i]``, ``listed_i[i]`` for ``i < I_max``; ``c[a][s]``,
    ``d[a][s]``, ``listed_a[a]`` for ``a < A_max``. ``validate`` checks what the circuit
    relies on: integer entries and boolean ``listed`` flags, row 0 empty, unlisted rows zero,
    ``0 <= c <= d``, ``ml, ms >= 0``, every entry below ``2^table_bits``.
    """

    v: tuple[tuple[int, ...], ...]
    ml: tuple[int, ...]
    ms: tuple[int, ...]
    listed_i: tuple[bool, ...]
    c: tuple[tuple[int, ...], ...]
    d: tuple[tuple[int, ...], ...]
    listed_a: tuple[bool, ...]

    def validate(self, shape: VenueShape) -> None:
        """Raise ``InputError`` naming the first entry the shape or the statement rejects."""
        S, bound = shape.n_scenarios, 1 << shape.table_bits

        def bad(field: str, reason: str) -> InputError:
            return InputError(TABLE_FILE, field, reason)

        I, A = shape.i_max, shape.a_max
        for name, rows, n in (("v", self.v, I), ("c", self.c, A), ("d", self.d, A)):
            if len(rows) != n or any(len(r) != S for r in rows):
                raise bad(name, f"expected {n} rows of {S} values")
        for name, col, n in (("ml", self.ml, I), ("ms", self.ms, I), ("listed_i", self.listed_i, I),
                             ("listed_a", self.listed_a, A)):
            if len(col) != n:
                raise bad(name, f"expected {n} values, got {len(col)}")
        for name, col in (("listed_i", self.listed_i), ("listed_a", self.listed_a)):
            flags = [n for n, x in enumerate(col) if type(x) not in (bool, int) or x not in (0, 1)]
            if flags:
                raise bad(f"{name}[{flags[0]}]", f"expected a boolean, got {col[flags[0]]!r}")
        for name, rows in (("v", self.v), ("ml", [self.ml]), ("ms", [self.ms]), ("c", self.c),
                           ("d", self.d)):
            if any(type(x) is not int for row in rows for x in row):
                raise bad(name, "expected integers")
        if self.listed_i[0] or self.listed_a[0]:
            raise bad("listed", "row 0 is the empty row and is never listed")
        for i in range(shape.i_max):
            if not self.listed_i[i] and (any(self.v[i]) or self.ml[i] or self.ms[i]):
                raise bad(f"v[{i}]", "an unlisted instrument row must be zero")
            if not (all(abs(x) < bound for x in self.v[i]) and 0 <= self.ml[i] < bound
                    and 0 <= self.ms[i] < bound):
                raise bad(f"v[{i}]", f"expected |v|, ml, ms < 2^{shape.table_bits}, ml, ms >= 0")
        for a in range(shape.a_max):
            if not self.listed_a[a] and (any(self.c[a]) or any(self.d[a])):
                raise bad(f"c[{a}]", "an unlisted asset row must be zero")
            for s in range(S):
                if not 0 <= self.c[a][s] <= self.d[a][s] < bound:
                    raise bad(f"c[{a}][{s}]", f"expected 0 <= c <= d < 2^{shape.table_bits}, "
                                             f"got c = {self.c[a][s]}, d = {self.d[a][s]}")

    def instrument_row(self, i: int) -> tuple[int, ...]:
        """``(v[i][0..K], ml[i], ms[i], listed[i])``: the looked-up columns after the index."""
        return (*self.v[i], self.ml[i], self.ms[i], int(self.listed_i[i]))

    def asset_row(self, a: int, sign: int) -> tuple[int, ...]:
        """``(c or d [a][0..K], listed[a])`` for a balance of this sign (1: negative)."""
        return (*(self.d if sign else self.c)[a], int(self.listed_a[a]))


def _padded(rows: list, n: int, empty) -> tuple:
    """Row 0 empty, the listed rows in slots ``1..len(rows)``, empty up to ``n`` slots."""
    return tuple([empty, *rows] + [empty] * (n - 1 - len(rows)))


def universe_vector(xs: Sequence[int], n: int) -> tuple[int, ...]:
    """A per-listed-item vector (open interest, reserves, totals) over a universe of ``n``
    slots: 0 in slot 0 and past the listing."""
    return _padded(list(xs), n, 0)


def universe_tables(i_max: int, a_max: int, n_scenarios: int, v: Sequence, ml: Sequence, ms: Sequence,
                    c: Sequence, d: Sequence) -> VenueTables:
    """The public tables over the universes from the listed rows (instrument ``i`` in slot
    ``i + 1``, asset ``a`` in slot ``a + 1``; row 0 and every slot past the listing empty)."""
    zeros = (0,) * n_scenarios
    return VenueTables(
        v=_padded([tuple(r) for r in v], i_max, zeros), ml=_padded(list(ml), i_max, 0),
        ms=_padded(list(ms), i_max, 0), listed_i=_padded([True] * len(v), i_max, False),
        c=_padded([tuple(r) for r in c], a_max, zeros), d=_padded([tuple(r) for r in d], a_max, zeros),
        listed_a=_padded([True] * len(c), a_max, False))


def public_names(shape: VenueShape) -> tuple[str, ...]:
    """The batch proof's public inputs in order: ``root``, ``shape_digest``, ``gamma``,
    ``sums_commitment``, then per instrument ``table/v[i][0..K], table/ml[i], table/ms[i],
    table/listed_i[i]``, then per asset ``table/c[a][0..K], table/d[a][0..K],
    table/listed_a[a]``, then ``rlc/gamma_i[0..I_max)`` and ``rlc/gamma_a[0..A_max)`` (the
    powers of ``gamma``, ``rlc_powers``)."""
    S = range(shape.n_scenarios)
    names = ["root", "shape_digest", "gamma", "sums_commitment"]
    for i in range(shape.i_max):
        names += [f"table/v[{i}][{s}]" for s in S]
        names += [f"table/ml[{i}]", f"table/ms[{i}]", f"table/listed_i[{i}]"]
    for a in range(shape.a_max):
        names += [f"table/c[{a}][{s}]" for s in S] + [f"table/d[{a}][{s}]" for s in S]
        names += [f"table/listed_a[{a}]"]
    names += [f"rlc/gamma_i[{i}]" for i in range(shape.i_max)]
    names += [f"rlc/gamma_a[{a}]" for a in range(shape.a_max)]
    return tuple(names)


def table_public_values(tables: VenueTables) -> list[int]:
    """The table's public inputs in ``public_names`` order (after root and digest), field-encoded."""
    out: list[int] = []
    for i in range(len(tables.v)):
        out += [stm.fe(x) for x in tables.instrument_row(i)]
    for a in range(len(tables.c)):
        out += [stm.fe(x) for x in tables.c[a]] + [stm.fe(x) for x in tables.d[a]] + [int(tables.listed_a[a])]
    return out


def slot_limb(index: T, amount: T) -> T:
    """``index * 2^64 + amount + 2^63``: injective for ``index < 2^16``, ``|amount| < 2^63``."""
    return index * (1 << layout.LIMB_BITS) + amount + AMOUNT_OFFSET


def leaf_values(tier: int, id_hash: T, positions: Sequence[tuple[T, T]],
                balances: Sequence[tuple[T, T]]) -> list:
    """``tier, id_hash, packed position limbs..., packed balance limbs...`` (every slot, used
    or not; natively the caller reduces mod r)."""
    pos = layout.pack_limbs([slot_limb(j, q) for j, q in positions], SLOT_LIMB_BITS)
    bal = layout.pack_limbs([slot_limb(a, b) for a, b in balances], SLOT_LIMB_BITS)
    return [tier, id_hash, *pos, *bal]


def leaf_hash(hash_fn: Callable[[list], T], tier: int, id_hash: T, positions: Sequence[tuple[T, T]],
              balances: Sequence[tuple[T, T]]) -> T:
    return layout.hash_tagged(hash_fn, stm.VENUE_LEAF, leaf_values(tier, id_hash, positions, balances))


def field_hash(xs: list) -> int:
    """Native Poseidon over integers reduced mod r, as the circuit's wires hold them (a signed
    amount ``x`` as ``x mod r``): the hash of every native leaf and node."""
    return poseidon([x % R for x in xs])


def tree_root(hash_fn: Callable[[list], T], leaves: Sequence[T]) -> T:
    """Root of the plain Poseidon tree over ``2^d`` leaves (``node = H(tag(NODE, 2), l, r)``)."""
    level = list(leaves)
    if len(level) < 2 or len(level) & (len(level) - 1):
        raise ValueError(f"a tree needs a power-of-two number (>= 2) of leaves, got {len(level)}")
    while len(level) > 1:
        level = [layout.node_hash(hash_fn, level[i], [], level[i + 1], []) for i in range(0, len(level), 2)]
    return level[0]


def tree_path(hash_fn: Callable[[list], T], leaves: Sequence[T], index: int) -> list[T]:
    """The sibling hashes from leaf ``index`` up to the root of ``tree_root(leaves)``, leaf
    level first (``formats.venue_header.VenueRecord.root`` climbs them back)."""
    level, path = list(leaves), []
    while len(level) > 1:
        path.append(level[index ^ 1])
        level = [layout.node_hash(hash_fn, level[i], [], level[i + 1], []) for i in range(0, len(level), 2)]
        index >>= 1
    return path


def margin_slacks(q: Sequence[T], q_neg: Sequence[T], v: Sequence[Sequence[T]], ml: Sequence[T],
                  ms: Sequence[T], b: Sequence[T], x: Sequence[Sequence[T]], mul: Mul) -> list[T]:
    """``[E[1] - N, ..., E[K] - N, E[0] - req - N]`` (module docstring), generic over ints and
    circuit wires: the witness builder and the circuit call this one function.

    Inputs: per position ``q_p``, ``q_p^-``, its row's ``v_p[0..K]``, ``ml_p``, ``ms_p``; per
    balance ``b_k`` and its signed row's ``x_k[0..K]`` (``c`` if ``b_k >= 0``, else ``d``).
    ``mul(x, y, name)``: products are named ``e{s}/pos{p}``, ``e{s}/bal{k}``, ``mark/long{p}``,
    ``mark/short{p}``. Constraints in-circuit: ``(K + 1)(P + B) + 2P`` products.
    """
    add = functools.partial(functools.reduce, operator.add)
    n_scen = len(v[0]) if v else len(x[0])
    buffer = add(q_neg) * stm.SHORT_BUFFER
    equity = []
    for s in range(n_scen):
        terms = [mul(b[k], x[k][s], f"e{s}/bal{k}") for k in range(len(b))]
        terms += [mul(q[p], v[p][s], f"e{s}/pos{p}") for p in range(len(q))]
        equity.append(add(terms))
    req = add([mul(q[p] + q_neg[p], ml[p], f"mark/long{p}") for p in range(len(q))]
              + [mul(q_neg[p], ms[p], f"mark/short{p}") for p in range(len(q))])
    return [e - buffer for e in equity[1:]] + [equity[0] - req - buffer]


# -- the epoch: random linear combinations over the universes (docs/venue-design.md §3) ----------

MAX_BATCH_BITS = 24  # an epoch has at most 2^24 batches


@dataclass(frozen=True)
class VenueEpochShape:
    """Sizes fixed by the keys of the venue aggregate: the batch shape and ``n_batches``
    batch slots (at most ``2^MAX_BATCH_BITS``). ``accounts_bits``: every epoch has fewer than
    ``2^accounts_bits`` accounts; it is set by that maximum, not by ``n_batches``, so the
    widths of the once-per-epoch checks (and hence the aggregate's cost per batch) do not
    grow with the number of batches."""

    batch: VenueShape
    n_batches: int

    def __post_init__(self) -> None:
        if not isinstance(self.n_batches, int) or not 1 <= self.n_batches <= 1 << MAX_BATCH_BITS:
            raise InputError("venue shape", "n_batches",
                             f"expected 1..2^{MAX_BATCH_BITS}, got {self.n_batches!r}")

    @property
    def accounts_bits(self) -> int:
        return (self.batch.capacity - 1).bit_length() + MAX_BATCH_BITS

    @property
    def interest_bits(self) -> int:
        """Every integer coordinate the sums weigh is below ``2^interest_bits`` in magnitude:
        an instrument's net or longs, an asset's net balance (at most one slot per universe
        index per account, each below ``2^63``). ``OI[i] < 2^interest_bits`` (the verifier
        checks the header's)."""
        return stm.POSITION_BITS + self.accounts_bits

    @property
    def reserve_bits(self) -> int:
        """Reserves ``R_a < 2^reserve_bits`` (range-checked in the aggregate)."""
        return stm.BALANCE_BITS + self.accounts_bits

    @property
    def cover_bits(self) -> int:
        """Width of ``R_a - L_a >= 0``: ``R_a - L_a < 2^reserve_bits + 2^interest_bits``."""
        return self.reserve_bits + 1

    def digest(self) -> int:
        """``H(tag(VENUE_EPOCH_SHAPE, 2), batch shape digest, n_batches)``."""
        return layout.hash_tagged(poseidon, stm.VENUE_EPOCH_SHAPE, [self.batch.digest(), self.n_batches])


def aggregate_public_names(shape: VenueEpochShape) -> tuple[str, ...]:
    """The venue aggregate's public inputs in order: ``epoch``, ``shape_digest``,
    ``table_hash``, ``open_interest_hash``, ``totals_revealed``, ``totals_commitment``,
    ``header_digest`` (``statement.header_digest`` of the epoch's header: bound as a public
    input, no constraint uses it: ATTACKS A17), ``gamma``, ``oi_eval``, ``reserves[a]``,
    ``rlc/gamma_a[a]`` (``a < A_max``), then per batch ``batch_{b}/root`` and
    ``batch_{b}/commitment`` (the batch proof's ``root`` and ``sums_commitment``)."""
    A = range(shape.batch.a_max)
    return ("epoch", "shape_digest", "table_hash", "open_interest_hash", "totals_revealed",
            "totals_commitment", "header_digest", "gamma", "oi_eval", *(f"reserves[{a}]" for a in A),
            *(f"rlc/gamma_a[{a}]" for a in A),
            *(x for b in range(shape.n_batches) for x in (f"batch_{b}/root", f"batch_{b}/commitment")))


def table_hash(tables: VenueTables) -> int:
    """``long_hash(VENUE_TABLE, table_public_values)``: the table's one field element in gamma."""
    return stm.long_hash(poseidon, stm.VENUE_TABLE, table_public_values(tables))


def open_interest_hash(open_interest: Sequence[int]) -> int:
    """``long_hash(VENUE_OI, OI[0..I_max))``: the header's open interest (longs) per instrument."""
    return stm.long_hash(poseidon, stm.VENUE_OI, [stm.fe(x) for x in open_interest])


def rlc_challenge(hash_fn: Callable[[list], T], epoch: T, table_digest: T, oi_hash: T,
                  totals_commitment: T, roots: Sequence[T]) -> T:
    """``gamma``: generic over native Poseidon and the in-circuit gadget (the aggregate
    recomputes it from the very public roots, so the prover cannot pick it)."""
    return stm.long_hash(hash_fn, stm.RLC, [epoch, table_digest, oi_hash, totals_commitment, *roots])


def rlc_powers(gamma: int, n: int) -> list[int]:
    """``[gamma^0, ..., gamma^(n-1)] mod r``: the public columns the verifier computes."""
    out, g = [], 1
    for _ in range(n):
        out.append(g)
        g = g * gamma % R
    return out


def rlc_eval(powers: Sequence[int], values: Sequence[int]) -> int:
    """``sum_i gamma^i x_i mod r`` (``x_i`` signed integers): e.g. ``OI_eval``."""
    return sum(g * stm.fe(x) for g, x in zip(powers, values, strict=True)) % R


def batch_public_values(shape: VenueShape, root: int, gamma: int, sums_commitment: int,
                        table_values: Sequence[int],
                        powers: tuple[Sequence[int], Sequence[int]] | None = None) -> list[int]:
    """A batch proof's public inputs in ``public_names`` order: the prover's witness and the
    verifier's recomputation both call this. ``powers``: ``(gamma^i, gamma^a)`` when the caller
    already has them (the verifier computes them once per epoch, not once per batch)."""
    g_i, g_a = powers if powers is not None else (rlc_powers(gamma, shape.i_max),
                                                  rlc_powers(gamma, shape.a_max))
    return [root, shape.digest(), gamma, sums_commitment, *table_values, *g_i, *g_a]


def aggregate_public_values(shape: VenueEpochShape, epoch: int, table_digest: int,
                            open_interest: Sequence[int], totals_revealed: bool,
                            totals_commitment: int, header_digest: int, gamma: int,
                            reserves: Sequence[int], batches: Sequence[tuple[int, int]]) -> list[int]:
    """The aggregate's public inputs in ``aggregate_public_names`` order, from the table's
    digest (``table_hash``, computed once by the caller), the open interest, the reserves and
    each batch's ``(root, sums_commitment)``: the prover's witness and the verifier both call this."""
    out = [epoch, shape.digest(), table_digest, open_interest_hash(open_interest), int(totals_revealed),
           totals_commitment, header_digest, gamma,
           rlc_eval(rlc_powers(gamma, shape.batch.i_max), open_interest), *reserves,
           *rlc_powers(gamma, shape.batch.a_max)]
    for root, commitment in batches:
        out += [root, commitment]
    return out


def account_rlc(q: Sequence[T], q_neg: Sequence[T], g_pos: Sequence[T], b: Sequence[T],
                b_neg: Sequence[T], g_bal: Sequence[T], mul: Mul) -> tuple[T, T, T, T]:
    """One account's ``(S_net, S_long, S_liab, S_loan)`` terms: ``sum_p q_p g_p``,
    ``sum_p (q_p + q_p^-) g_p``, ``sum_k b_k g_k``, ``sum_k b_k^- g_k`` with ``g`` the
    looked-up ``gamma^index`` and ``b^-`` the negative part of the amount's range check.
    Products named ``net{p}``, ``long{p}``, ``liab{k}``, ``loan{k}``: ``2P + 2B`` constraints
    in-circuit."""
    add = functools.partial(functools.reduce, operator.add)
    net = add([mul(q[p], g_pos[p], f"net{p}") for p in range(len(q))])
    long = add([mul(q[p] + q_neg[p], g_pos[p], f"long{p}") for p in range(len(q))])
    liab = add([mul(b[k], g_bal[k], f"liab{k}") for k in range(len(b))])
    loan = add([mul(b_neg[k], g_bal[k], f"loan{k}") for k in range(len(b))])
    return net, long, liab, loan


def sums_commitment(hash_fn: Callable[[list], T], net: T, long: T, liab: T, loan: T, blinder: T) -> T:
    """``H(tag(VENUE_SUMS, 5), S_net, S_long, S_liab, S_loan, blinder)``: a batch's public
    commitment to its gamma sums. The secret blinder hides them (``S_liab`` and ``S_loan`` are
    random combinations of the batch's per-asset totals: ATTACKS A14); the aggregate opens it
    in-circuit."""
    return layout.hash_tagged(hash_fn, stm.VENUE_SUMS, [net, long, liab, loan, blinder])


def totals_commitment(hash_fn: Callable[[list], T], epoch: T, salt_used: T, liabilities: Sequence[T],
                      loans: Sequence[T]) -> T:
    """``statement.totals_commitment`` over the liabilities ``L_a`` then the gross loans
    ``G_a`` (``H(tag(TOTALS, 2 + 2 A_max), epoch, salt_used, L..., G...)``): one commitment,
    one salt and one public input for both vectors, fixed together before ``gamma``. Gross
    holdings are ``L_a + G_a`` (net = holdings - loans), so they need no vector of their own."""
    return stm.totals_commitment(hash_fn, epoch, salt_used, [*liabilities, *loans])


# -- a proved epoch: the seam between the venue prover and its verifier ---------------------------

@dataclass(frozen=True)
class VenueEpochPublic:
    """What a verifier of a venue epoch is given besides the proofs: the epoch, its shape, the
    public table, the header's open interest ``OI`` (longs per instrument), the reserves, the
    totals commitment and, when revealed, the liabilities ``L_a`` and gross loans ``G_a`` it
    opens to (salt 0, ``totals_commitment``), and the claimed ``gamma`` (the verifier
    recomputes it from the rest and the batch roots)."""

    shape: VenueEpochShape
    epoch: int
    tables: VenueTables
    open_interest: tuple[int, ...]
    reserves: tuple[int, ...]
    totals_commitment: int
    gamma: int
    totals: tuple[int, ...] | None = None  # the liabilities (net), when revealed
    loans: tuple[int, ...] | None = None  # the gross loans, revealed with the liabilities
    header_digest: int = 0  # statement.header_digest of the published header (0: no header)

    @property
    def holdings(self) -> tuple[int, ...] | None:
        """Gross holdings per asset when revealed: ``L_a + G_a`` (net = holdings - loans)."""
        if self.totals is None or self.loans is None:
            return None
        return tuple(t + g for t, g in zip(self.totals, self.loans, strict=True))


@dataclass(frozen=True)
class VenueBatchProof:
    """One batch proof: its tier's shape, its root and sums commitment (the values the
    aggregate takes as ``batch_{b}/root``, ``batch_{b}/commitment``), the Groth16 proof and the
    public inputs the prover proved against (``public_names`` order; the verifier compares
    them with its own and never verifies against them)."""

    shape: VenueShape
    root: int
    sums_commitment: int
    proof: Proof
    public: tuple[int, ...]


@dataclass(frozen=True)
class VenueEpochProofs:
    """A proved venue epoch: the public data, the batch proofs in aggregate order, and the
    aggregate proof with the public inputs it was proved against
    (``aggregate_public_names`` order)."""

    public: VenueEpochPublic
    batches: tuple[VenueBatchProof, ...]
    aggregate: Proof
    aggregate_public: tuple[int, ...]


@dataclass(frozen=True)
class VenueEpochVks:
    """Verification keys of a venue epoch: one batch key per tier shape, the aggregate's."""

    batch: dict[VenueShape, VerifyingKey]
    aggregate: VerifyingKey
