"""Pre-flight of a venue snapshot (params with ``[venue]``, docs/venue-design.md §2): the venue
batch circuit's own margin slacks, zero-sum books, net liabilities against reserves.

Per account, with ``q^- = max(-q, 0)`` and ``N = SHORT_BUFFER sum q^-`` (``venue.margin_slacks``,
the function the circuit and its witness builder call)::

    E[s]  = sum_a (b_a^+ c[a][s] - b_a^- d[a][s]) + sum_i q_i v[i][s]
    pass  iff  E[s] - N >= 0 (s = 1..K)  and  E[0] - sum_i (q_i^+ ml[i] + q_i^- ms[i]) - N >= 0

Loans are valued at the debt column ``d >= c`` (``risk_table.debt_column``), long positions pay
``ml`` at mark, short ones ``ms``. The report has the v1 pre-flight's type
(``preflight.PreflightReport``), so ``zkproof check`` prints both alike; the liabilities are the
signed net balances ``L_a = sum_u b[u][a]``. A slack ``>= 2^check_bits`` is refused outright
(``InputError``), as the circuit's margin checks have that width.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkproof.errors import InputError
from zkproof.margin.preflight import MarginFailure, PreflightReport
from zkproof.margin.risk_table import RiskTable
from zkproof.snapshot.ledger import Account
from zkproof.statement import EQUITY_CHECK_BITS, SHORT_BUFFER
from zkproof.venue import margin_slacks

Table = Sequence[Sequence[int]]


def venue_slacks(table: RiskTable, debt: Table, positions: Sequence[tuple[int, int]],
                 balances: Sequence[tuple[int, int]]) -> list[int]:
    """``[E[1] - N, ..., E[K] - N, E[0] - req - N]`` of one account: ``positions`` as
    ``(instrument row, q)``, ``balances`` as ``(asset row, b)`` (rows of ``table``; a negative
    ``b`` weighs ``debt[a]``)."""
    zero = (0,) * len(table.scenarios)
    pos = [(q, table.v[i], table.ml[i], table.ms[i]) for i, q in positions if q] + [(0, zero, 0, 0)]
    bal = [(b, (table.c if b > 0 else debt)[a]) for a, b in balances if b] + [(0, zero)]
    q = [p[0] for p in pos]
    return margin_slacks(q, [max(-x, 0) for x in q], [p[1] for p in pos], [p[2] for p in pos],
                         [p[3] for p in pos], [b[0] for b in bal], [b[1] for b in bal],
                         lambda x, y, _: x * y)


def venue_preflight(accounts: Sequence[Account], table: RiskTable, debt: Table,
                    instrument_ids: Sequence[str], reserves: dict[str, int] | None = None, *,
                    file: str = "accounts.jsonl", check_bits: int = EQUITY_CHECK_BITS) -> PreflightReport:
    """Every account against the venue circuit's margin rule, the books, the reserves.

    Raises:
        InputError: an account's slack is ``>= 2^check_bits`` in some scenario.
    """
    report = PreflightReport(n_accounts=len(accounts))
    k = len(table.scenarios) - 1
    for acc in accounts:
        slack = venue_slacks(table, debt, list(enumerate(acc.positions)), list(enumerate(acc.balances)))
        by_scenario = [slack[k]] + slack[:k]  # index s: scenario s (0 = mark)
        for s, x in enumerate(by_scenario):
            if x >= 1 << check_bits:
                raise InputError(file, f"line {acc.line}", f"account {acc.id}: scenario {s} "
                                 f"({table.scenarios[s]}): equity minus requirement {x} value units "
                                 f"is >= 2^{check_bits}, above the circuit's margin check width")
        failing = [s for s, x in enumerate(by_scenario) if x < 0]
        if failing:
            s = min(failing, key=lambda j: (by_scenario[j], j))
            buffer = sum(max(-q, 0) for q in acc.positions) * SHORT_BUFFER
            required = buffer + (0 if s else sum(max(q, 0) * ml + max(-q, 0) * ms for q, ml, ms
                                                 in zip(acc.positions, table.ml, table.ms)))
            report.failures.append(MarginFailure(acc.id, acc.line, s, table.scenarios[s],
                                                 by_scenario[s] + required, required))
            report.failing_scenarios[acc.id] = failing
    for i, inst in enumerate(instrument_ids):
        total = sum(acc.positions[i] for acc in accounts)
        if total:
            report.imbalances[inst] = total
    for a, (sym, _) in enumerate(table.assets):
        report.liabilities[sym] = total = sum(acc.balances[a] for acc in accounts)
        if reserves is not None and total > reserves.get(sym, 0):
            report.reserve_shortfalls[sym] = total - reserves.get(sym, 0)
    return report
