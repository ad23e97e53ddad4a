"""Range checks by lookup: ``x`` in ``[0, 2^w)`` as ``b``-bit limbs, each looked up in a
``2^b``-row table of ``0..2^b - 1`` (gnark's ``std/rangecheck``, our code).

Layout of one check (``k = ceil(w / b)`` limbs, top width ``w_top = w - b (k - 1)`` in ``1..b``):

* ``l_0 .. l_{k-2}``: hinted ``b``-bit limbs, each queried in the ``2^b`` table;
* ``top = (x - sum_i 2^(b i) l_i) * 2^(-b (k - 1))``: a *linear combination*, so the
  recomposition costs no constraint;
* ``w_top = b``: ``top`` queried in the ``2^b`` table. ``w_top < b`` (width not a multiple of
  ``b``), one of two, whichever costs less over all checks with that ``w_top``:
  ``shift``: ``top`` and ``top * 2^(b - w_top)`` both in the ``2^b`` table (1 more query);
  ``table``: ``top`` in its own ``2^w_top`` table (``2^w_top + 1`` constraints, shared).

Soundness (docs/soundness.md §8): every queried value is a canonical integer below
``2^b``; with ``top < 2^w_top``, ``sum_i 2^(b i) l_i + 2^(b (k - 1)) top < 2^w <= 2^252 < r``,
so the field identity defining ``top`` is an integer identity and ``x < 2^w``: limbs cannot
wrap. The shifted query makes ``top < 2^w_top`` from ``top < 2^b``: ``2^(b - w_top) top <
2^(2b) < r`` does not wrap either. Without it a ``w``-bit check would accept up to
``2^(b k) - 1`` (GHSA-rjjm-x32p-m3f7: a 7-bit check with ``b = 4`` accepting ``2^7``).

Cost model (constraints, exact; ``tests/test_gadget_lookup_range.py`` checks it against the
built system): ``2^b + 1`` (main table rows + its sum, if any query uses it) ``+ sum_checks k``
(one inverse per limb) ``+ sum_{w_top < b} min(n_{w_top}, 2^w_top + 1)`` (shift queries or own
table), plus one commitment hiding constraint per circuit. ``b`` minimises it over ``1..MAX_BASE_BITS``. For
2^14 checks of 64 bits: ``b = 13``, 5 limbs (top 12 bits in a 2^12 table), 5.75 per check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from zkproof.field.fr import R
from zkproof.gadgets.lookup import Lookups, Table
from zkproof.gadgets.range_check import MAX_RANGE_BITS
from zkproof.r1cs.lc import LCLike, LinearCombination, as_lc

MAX_BASE_BITS = 20  # a 2^20-row table already costs more than it saves below ~2^17 checks
TOP_MODES = ("shift", "table")


@dataclass(frozen=True)
class Plan:
    """The cheapest layout for a set of widths: base ``b``, the mode per top width, cost."""

    base_bits: int
    top_mode: dict[int, str]  # w_top (< b) -> "shift" | "table"
    constraints: int


def limb_layout(n_bits: int, b: int) -> tuple[int, int]:
    """``(k, w_top)``: number of limbs and the top limb's width for a ``n_bits`` check."""
    k = -(-n_bits // b)
    return k, n_bits - b * (k - 1)


def plan(widths: list[int], base_bits: int | None = None, top_mode: str | None = None) -> Plan:
    """The layout of minimum constraint count (module docstring) for checks of these widths.

    ``base_bits`` / ``top_mode`` force a choice (tests, benchmarks); ``None``: cheapest."""
    if top_mode is not None and top_mode not in TOP_MODES:
        raise ValueError(f"top_mode must be one of {TOP_MODES}, got {top_mode!r}")
    best: Plan | None = None
    for b in [base_bits] if base_bits is not None else range(1, MAX_BASE_BITS + 1):
        cost, modes, main_used = 0, {}, False
        tops: Counter = Counter()
        for w in widths:
            k, w_top = limb_layout(w, b)
            cost += k
            main_used |= k > 1 or w_top == b
            if w_top < b:
                tops[w_top] += 1
        for w_top, n in sorted(tops.items()):
            shift, own = n, (1 << w_top) + 1
            modes[w_top] = top_mode or ("shift" if shift <= own else "table")
            cost += shift if modes[w_top] == "shift" else own
            main_used |= modes[w_top] == "shift"
        cost += (1 << b) + 1 if main_used else 0
        if best is None or cost < best.constraints:
            best = Plan(b, modes, cost)
    assert best is not None
    return best


class RangeChecker:
    """``check(x, n_bits)`` now, limbs and queries at ``lookups.finalize()``.

    Inputs:
        lookups: the circuit's ``Lookups``; base_bits / top_mode: force the plan (``None``:
        the cheapest for all checks registered, ``plan``).
    Functionality:
        Constrains each checked ``x`` to ``[0, 2^n_bits)``, ``1 <= n_bits <= 252``.
    Constraints:
        ``plan(...).constraints`` in total (hints: one limb hint per check with ``k >= 2``).
        Names: ``{lookups.name}/range_{b}/query_{q}``, ``.../range_{w_top}/...``.
    """

    def __init__(self, lookups: Lookups, *, base_bits: int | None = None,
                 top_mode: str | None = None, name: str = "range") -> None:
        if base_bits is not None and not 1 <= base_bits <= MAX_BASE_BITS:
            raise ValueError(f"base_bits must be in 1..{MAX_BASE_BITS}, got {base_bits}")
        self.lookups = lookups
        self.name = name
        self.base_bits = base_bits
        self.top_mode = top_mode
        self.checks: list[tuple[LinearCombination, int]] = []
        self.plan: Plan | None = None
        lookups.defer(self._emit)

    def check(self, x: LCLike, n_bits: int) -> None:
        """Register ``0 <= x < 2^n_bits`` (emitted at ``finalize``; the limb hint of the
        ``i``-th registered check is ``{lookups.name}/{name}/check_{i}/limbs``)."""
        if not 1 <= n_bits <= MAX_RANGE_BITS:
            raise ValueError(f"range width must be in 1..{MAX_RANGE_BITS} bits, got {n_bits}")
        self.checks.append((as_lc(x), n_bits))

    def _table(self, bits: int) -> Table:
        name = f"{self.name}_{bits}"
        for t in self.lookups.tables:
            if t.name == name:
                return t
        return self.lookups.table(name, range(1 << bits))

    def _emit(self) -> None:
        if not self.checks:
            return
        p = self.plan = plan([w for _, w in self.checks], self.base_bits, self.top_mode)
        b, cs = p.base_bits, self.lookups.cs
        for i, (x, w) in enumerate(self.checks):
            k, w_top = limb_layout(w, b)
            limbs = []
            if k > 1:
                limbs = cs.hint(lambda v, k=k: [(v >> (b * i)) & ((1 << b) - 1) for i in range(k - 1)],
                                [x], f"{self.name}/check_{i}/limbs", n_out=k - 1)
                limbs = limbs if isinstance(limbs, list) else [limbs]
            low = LinearCombination({v.key: 1 << (b * i) for i, v in enumerate(limbs)})
            top = (x - low) * pow(1 << (b * (k - 1)), -1, R)
            for v in limbs:
                self.lookups.query(self._table(b), v)
            if w_top == b:
                self.lookups.query(self._table(b), top)
            elif p.top_mode[w_top] == "shift":
                self.lookups.query(self._table(b), top)
                self.lookups.query(self._table(b), top * (1 << (b - w_top)))
            else:
                self.lookups.query(self._table(w_top), top)
