"""Log-derivative lookups (Haböck, ePrint 2022/1530) on the circuit's one commitment.

Symbols (docs/soundness.md §8):

* a table ``T`` has rows ``t_j = (t_j0, ..., t_jK)`` (constants or linear combinations of
  public inputs) and receives queries ``f_q = (f_q0, ..., f_qK)`` (any linear combinations);
* ``m_j``: multiplicity of row ``j`` (a hint: how many queries equal it);
* ``alpha``, ``beta``: challenges of ``cs.commit`` over every private wire of every query and
  every multiplicity; a row or query is compressed to ``c(x) = x_0 + beta x_1 + ... + beta^K x_K``
  (``K = 0``: no ``beta``);
* the argument: ``sum_q 1/(alpha - c(f_q)) = sum_j m_j/(alpha - c(t_j))``.

Deferred emission (gnark's ``Compiler().Defer``): gadgets register tables and queries with one
``Lookups`` while the circuit is built; ``Lookups.finalize`` then runs the deferred callbacks
(``range_lookup.RangeChecker`` decomposes there), commits once, and emits per table

* ``{name}/{table}/query_{q}``: ``inv_q * (alpha - c(f_q)) = 1`` (one per query),
* ``{name}/{table}/row_{j}``: ``u_j * (alpha - c(t_j)) = m_j`` (one per row),
* ``{name}/{table}/sum``: ``sum_q inv_q = sum_j u_j`` (one per table),
* ``{name}/beta_pow_{k}`` (once, ``k >= 2``) and ``{name}/{table}/{query_q,row_j}_col_{k}``
  (``beta^k x_k`` for each non-constant column ``k >= 1``) for multi-column tables.

Soundness (docs/soundness.md §8): the committed values fix every ``f_q`` and ``m_j``
before ``alpha, beta`` exist. If some ``f_q`` is no row, the two sides differ as rational
functions of ``alpha`` (``f_q``'s pole has residue ``#{q' : f_q' = f_q}``, a nonzero count
since there are fewer queries than the field characteristic r), so a random ``alpha`` satisfies
the sum with probability at most ``(n_queries + n_rows) / r``; ``beta`` adds ``K n_rows / r``
per query (Schwartz-Zippel). A prover who chooses ``alpha`` after the values forges at will
(tests: ``test_prover_choosing_the_challenge_forges``), so the challenge is the proof system's
hash of the commitment, never a witness value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from zkproof.field.fr import R
from zkproof.r1cs.lc import LCLike, LinearCombination, Variable, as_lc
from zkproof.r1cs.system import ConstraintSystem

Row = tuple[LinearCombination, ...]


def _inverses(values: Sequence[int]) -> list[int]:
    """``1/v`` for each value, 0 where ``v = 0`` (the constraint using it then fails)."""
    prefix, acc = [], 1
    for v in values:
        prefix.append(acc)
        acc = acc * v % R if v else acc
    inv_acc = pow(acc, -1, R)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        if values[i]:
            out[i] = prefix[i] * inv_acc % R
            inv_acc = inv_acc * values[i] % R
    return out


def _compress(cols: Sequence[int], beta: int) -> int:
    acc = 0
    for x in reversed(cols):
        acc = (acc * beta + x) % R
    return acc


@dataclass
class Table:
    """Rows of ``width`` columns and the queries registered against them.

    ``rows``: linear combinations over constants and public inputs only (a private row would
    let the prover move the table after the fact; it is refused). ``queries``: any linear
    combinations; their private wires are committed by ``Lookups.finalize``.
    """

    name: str
    width: int
    rows: list[Row]
    queries: list[Row] = field(default_factory=list)

    @cached_property
    def constant(self) -> bool:
        return all(set(x.terms) <= {0} for row in self.rows for x in row)

    @cached_property
    def row_values(self) -> list[tuple[int, ...]]:
        """The rows' values (constant tables only; rows never change after declaration)."""
        return [tuple(x.terms.get(0, 0) for x in row) for row in self.rows]


def _first_index(rows: Sequence[tuple[int, ...]]) -> dict[tuple[int, ...], int]:
    index: dict[tuple[int, ...], int] = {}
    for j, row in enumerate(rows):
        index.setdefault(row, j)
    return index


def _multiplicities(n_rows: int, width: int, constant_rows: list[tuple[int, ...]] | None) -> Callable:
    """Hint: ``m_j`` = how many queries equal row ``j`` (duplicate rows: the first one counts).

    Inputs: the query columns, flattened, then (non-constant tables) the row columns."""
    fixed = _first_index(constant_rows) if constant_rows is not None else None

    def fn(*vals: int) -> list[int]:
        if fixed is None:
            n_q = len(vals) - n_rows * width
            flat = vals[n_q:]
            index = _first_index([tuple(flat[i:i + width]) for i in range(0, len(flat), width)])
        else:
            n_q, index = len(vals), fixed
        m = [0] * n_rows
        for i in range(0, n_q, width):
            j = index.get(tuple(vals[i:i + width]))
            if j is not None:
                m[j] += 1
        return m

    return fn


class Lookups:
    """Collects tables and queries while a circuit is built; ``finalize`` emits the argument.

    Inputs:
        cs: the system; name: namespace of the emitted constraints (``lookup``).
    Functionality:
        ``table``/``indexed_table`` declare tables, ``query`` (``assert_in_table``,
        ``lookup_row``) registers queries, ``defer`` registers a callback run at ``finalize``
        before the argument is built (it may add tables and queries). ``finalize`` must come
        after every public input and every query, and owns the circuit's one ``cs.commit``;
        ``also_commit`` lets another gadget add wires to it and use the challenges ``finalize``
        returns (in constraints emitted after it).
    Constraints:
        ``sum over used tables of (n_queries + n_rows + 1)`` for single-column tables, plus
        one ``beta^k x_k`` product per non-constant column ``k >= 1`` of each multi-column
        query and non-constant row, and ``K_max - 1`` powers of ``beta``.
    """

    def __init__(self, cs: ConstraintSystem, name: str = "lookup") -> None:
        self.cs = cs
        self.name = name
        self.tables: list[Table] = []
        self._deferred: list[Callable[[], None]] = []
        self._extra: list[LinearCombination] = []
        self._min_challenges = 0
        self.finalized = False
        self.challenges: list[Variable] = []

    # -- declaring -----------------------------------------------------------------------
    def table(self, name: str, rows: Sequence[LCLike | Sequence[LCLike]]) -> Table:
        """A table of constant or public rows (a row is one value or a tuple of columns)."""
        self._open()
        if any(t.name == name for t in self.tables):
            raise ValueError(f"lookup table '{name}' declared twice")
        tuples = [tuple(as_lc(x) for x in (r if isinstance(r, (tuple, list)) else (r,))) for r in rows]
        if not tuples:
            raise ValueError(f"lookup table '{name}' has no rows")
        width = len(tuples[0])
        if any(len(r) != width for r in tuples):
            raise ValueError(f"lookup table '{name}': rows of different widths")
        for r in tuples:
            for x in r:
                if any(k > 0 for k in x.terms):
                    raise ValueError(f"lookup table '{name}': rows must be constants or public "
                                     f"inputs, got a private wire in {x!r}")
        t = Table(name, width, tuples)
        self.tables.append(t)
        return t

    def indexed_table(self, name: str, values: Sequence[Sequence[LCLike]]) -> Table:
        """Rows ``(j, values[j][0], ..., values[j][K])``: the row index is column 0."""
        return self.table(name, [(j, *row) for j, row in enumerate(values)])

    def query(self, table: Table, values: LCLike | Sequence[LCLike]) -> None:
        """Constrain ``values`` (one per column) to equal some row of ``table`` (no hint)."""
        self._open()
        cols = tuple(as_lc(x) for x in (values if isinstance(values, (tuple, list)) else (values,)))
        if len(cols) != table.width:
            raise ValueError(f"query into '{table.name}' has {len(cols)} columns, expected {table.width}")
        table.queries.append(cols)

    def also_commit(self, values: Sequence[LCLike], n_challenges: int = 1) -> None:
        """Commit these values' private wires too, and make at least ``n_challenges``
        challenges: for a gadget that needs its own challenge (the circuit has only one
        commitment). Its values are then fixed before every challenge ``finalize`` returns."""
        self._open()
        self._extra += [as_lc(x) for x in values]
        self._min_challenges = max(self._min_challenges, n_challenges)

    def defer(self, fn: Callable[[], None]) -> None:
        """Run ``fn()`` at ``finalize``, before the argument is emitted."""
        self._open()
        self._deferred.append(fn)

    def _open(self) -> None:
        if self.finalized:
            raise ValueError(f"lookups '{self.name}' already finalized")

    # -- emitting ------------------------------------------------------------------------
    def finalize(self) -> list[Variable]:
        """Emit the argument for every table that received a query; returns the challenges:
        ``alpha`` first, then ``beta`` if a multi-column table is used, then up to the count
        ``also_commit`` asked for (``[]`` if nothing was queried or added: no commitment)."""
        self._open()
        cs = self.cs
        with cs.namespace(self.name):
            for fn in self._deferred:
                fn()
            self.finalized = True
            used = [t for t in self.tables if t.queries]
            if not used and not self._extra:
                return []
            mults = {t.name: self._multiplicity_wires(t) for t in used}
            width = max((t.width for t in used), default=1)
            committed = self._private_wires(used, mults)
            if not committed:
                raise ValueError(f"lookups '{self.name}': nothing private to commit to")
            n_challenges = max(2 if width > 1 else 1, self._min_challenges)
            self.challenges = cs.commit(committed, "commit", n_challenges)
            alpha = self.challenges[0]
            beta_pows: list[LinearCombination] = [as_lc(1)]
            if width > 1:
                beta_pows.append(as_lc(self.challenges[1]))
            for k in range(2, width):
                p = cs.hint(lambda a, b: a * b % R, [beta_pows[-1], self.challenges[1]], f"beta_pow_{k}")
                cs.enforce(beta_pows[-1], self.challenges[1], p, f"beta_pow_{k}")
                beta_pows.append(as_lc(p))
            for t in used:
                with cs.namespace(t.name):
                    self._emit_table(t, alpha, beta_pows, mults[t.name])
        return list(self.challenges)

    def _multiplicity_wires(self, t: Table) -> list[Variable]:
        fixed = t.row_values if t.constant else None
        inputs = [x for q in t.queries for x in q]
        if fixed is None:
            inputs += [x for row in t.rows for x in row]
        m = self.cs.hint(_multiplicities(len(t.rows), t.width, fixed), inputs,
                         f"{t.name}/multiplicity", n_out=len(t.rows))
        return m if isinstance(m, list) else [m]

    def _private_wires(self, used: list[Table], mults: dict[str, list[Variable]]) -> list[Variable]:
        """Every private wire a query (or ``also_commit``) reads, then the multiplicities, as
        this system's handles."""
        by_key: dict[int, Variable] = {v.key: v for v in self.cs.inputs.values() if v.key > 0}
        for h in self.cs.hints:
            for v in h.outputs:
                if v.key > 0:
                    by_key[v.key] = v
        lcs = [x for t in used for q in t.queries for x in q] + self._extra
        keys = sorted({k for x in lcs for k in x.terms if k > 0})
        return [by_key[k] for k in keys] + [v for t in used for v in mults[t.name]]

    def _compressed(self, cols: Row, beta_pows: list[LinearCombination], name: str) -> LinearCombination:
        """``cols[0] + sum_k beta^k cols[k]``: linear for constant columns, one product each
        otherwise (``{name}_col_{k}``)."""
        out = cols[0]
        for k in range(1, len(cols)):
            x = cols[k]
            if set(x.terms) <= {0}:
                out = out + beta_pows[k] * x.terms.get(0, 0)
                continue
            p = self.cs.hint(lambda b, v: b * v % R, [beta_pows[k], x], f"{name}_col_{k}")
            self.cs.enforce(beta_pows[k], x, p, f"{name}_col_{k}")
            out = out + p
        return out

    def _emit_table(self, t: Table, alpha: Variable, beta_pows: list[LinearCombination],
                    m: list[Variable]) -> None:
        cs = self.cs
        fs = [self._compressed(q, beta_pows, f"query_{i}") for i, q in enumerate(t.queries)]
        ts = [self._compressed(row, beta_pows, f"row_{j}") for j, row in enumerate(t.rows)]
        inv = cs.hint(lambda a, *f: _inverses([(a - x) % R for x in f]), [alpha, *fs], "inverse",
                      n_out=len(fs))
        inv = inv if isinstance(inv, list) else [inv]
        n = len(ts)
        u = cs.hint(lambda a, *tm: [x * y % R for x, y in
                                    zip(_inverses([(a - x) % R for x in tm[:n]]), tm[n:])],
                    [alpha, *ts, *m], "row_term", n_out=n)
        u = u if isinstance(u, list) else [u]
        # The full-size inverses go on the A side: the B side is proved in G2 as well (about
        # three times G1's cost per wire), and there it holds only alpha and the queried values,
        # which are small for range checks (cheap MSM scalars).
        for i, (f, w) in enumerate(zip(fs, inv)):
            cs.enforce(w, alpha - f, 1, f"query_{i}")
        for j, (tj, uj, mj) in enumerate(zip(ts, u, m)):
            cs.enforce(uj, alpha - tj, mj, f"row_{j}")
        total = dict.fromkeys((w.key for w in inv), 1)  # built directly: += per term is O(n^2)
        total.update(dict.fromkeys((x.key for x in u), -1))
        cs.enforce(LinearCombination(total), 1, 0, "sum")


def assert_in_table(lookups: Lookups, table: Table, values: LCLike | Sequence[LCLike]) -> None:
    """Constrain ``values`` to be a row of ``table`` (one query: 1 constraint + ``beta``
    products for non-constant columns ``k >= 1``, emitted at ``finalize``)."""
    lookups.query(table, values)


def lookup_row(lookups: Lookups, table: Table, index: LCLike, name: str = "lookup_row") -> list[Variable]:
    """The values of row ``index`` of an ``indexed_table``, constrained by one query
    ``(index, v_0, ..., v_K)``.

    Outputs:
        ``K + 1`` hinted variables, pinned by the query: a row exists with column 0 = ``index``
        only if ``index`` is in ``[0, n_rows)``, and then its other columns are the values.
    Constraints (at ``finalize``):
        1 inverse + ``K + 1`` products ``beta^k v_k``.
    Notes:
        For a table of public rows the value hint reads every entry (the solver evaluates
        ``n_rows (K + 1)`` inputs per call: ~15 ms for 1024 x 17). Where the witness builder
        already knows the values, give them as private inputs and ``assert_in_table(table,
        (index, *values))`` instead: the same query, no hint.
    """
    width = table.width - 1
    if width < 1:
        raise ValueError(f"lookup_row needs an indexed table (index + values), '{table.name}' has 1 column")
    if table.constant:
        rows = table.row_values

        def fn(i: int) -> list[int]:
            return list(rows[i][1:]) if i < len(rows) else [0] * width

        inputs: list[LCLike] = [index]
    else:
        flat = [x for row in table.rows for x in row[1:]]
        n = len(table.rows)

        def fn(i: int, *vals: int) -> list[int]:
            return list(vals[i * width:(i + 1) * width]) if i < n else [0] * width

        inputs = [index, *flat]
    out = lookups.cs.hint(fn, inputs, f"{name}/value", n_out=width)
    out = out if isinstance(out, list) else [out]
    lookups.query(table, (index, *out))
    return out
