"""Pre-flight margin check with the exact integer arithmetic the circuit uses (SPEC §1.2-1.4, §3).

For each account ``u`` and scenario ``s`` (all Python ``int``, no rounding anywhere)::

    E[u][s]   = sum_a b[u][a] * c[a][s] + sum_i q[u][i] * v[i][s]
    N[u]      = sum_i max(-q[u][i], 0)                     (short units: rounding buffer)
    req[u][0] = sum_i max(-q[u][i], 0) * m[i] + N[u] * SHORT_BUFFER
    req[u][s] = N[u] * SHORT_BUFFER                          (s = 1..K)

An account fails in scenario s when ``E[u][s] < req[u][s]``; the shortfall is the difference
in value units. Also reported: per-instrument imbalances ``sum_u q[u][i] != 0`` (SPEC §1.3,
ATTACKS A9) and, when reserves are given, assets with ``L_a = sum_u b[u][a] > R_a`` (§1.4).
The products use numpy ``object`` arrays (exact Python integers, vectorised loops).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zkproof.margin.risk_table import SHORT_BUFFER, RiskTable
from zkproof.snapshot.ledger import Account


@dataclass(frozen=True)
class MarginFailure:
    account: str
    line: int
    scenario: int
    scenario_label: str
    equity: int
    required: int

    @property
    def shortfall(self) -> int:
        return self.required - self.equity


@dataclass
class PreflightReport:
    n_accounts: int
    failures: list[MarginFailure] = field(default_factory=list)  # worst scenario per failing account
    failing_scenarios: dict[str, list[int]] = field(default_factory=dict)
    imbalances: dict[str, int] = field(default_factory=dict)  # instrument id -> sum_u q
    liabilities: dict[str, int] = field(default_factory=dict)  # asset -> L_a
    reserve_shortfalls: dict[str, int] = field(default_factory=dict)  # asset -> L_a - R_a > 0

    @property
    def ok(self) -> bool:
        return not (self.failures or self.imbalances or self.reserve_shortfalls)


def equity_matrix(accounts: list[Account], table: RiskTable) -> tuple[np.ndarray, np.ndarray]:
    """``E`` (n x S) and ``req`` (n x S) as exact-integer object arrays."""
    b = np.array([a.balances for a in accounts], dtype=object).reshape(len(accounts), len(table.c))
    q = np.array([a.positions for a in accounts], dtype=object).reshape(len(accounts), len(table.v))
    c = np.array(table.c, dtype=object).reshape(len(table.c), len(table.scenarios))
    v = np.array(table.v, dtype=object).reshape(len(table.v), len(table.scenarios))
    E = b.dot(c) + q.dot(v)
    shorts = np.where(q < 0, -q, 0).astype(object)
    n_short = shorts.sum(axis=1) * SHORT_BUFFER
    req = np.repeat(n_short.reshape(-1, 1), len(table.scenarios), axis=1).astype(object)
    req[:, 0] += shorts.dot(np.array(table.m, dtype=object).reshape(-1))
    return E, req


def preflight(accounts: list[Account], table: RiskTable, instrument_ids: list[str],
              reserves: dict[str, int] | None = None) -> PreflightReport:
    """Check every account in every scenario, the zero-sum positions and (optionally) reserves."""
    report = PreflightReport(n_accounts=len(accounts))
    E, req = equity_matrix(accounts, table)
    slack = E - req
    for u in np.nonzero((slack < 0).any(axis=1))[0]:
        row = slack[u]
        s = min(range(len(row)), key=lambda k: (row[k], k))
        acc = accounts[u]
        report.failures.append(MarginFailure(acc.id, acc.line, s, table.scenarios[s],
                                             int(E[u][s]), int(req[u][s])))
        report.failing_scenarios[acc.id] = [k for k in range(len(row)) if row[k] < 0]
    for i, inst in enumerate(instrument_ids):
        total = sum(a.positions[i] for a in accounts)
        if total:
            report.imbalances[inst] = total
    for k, (sym, _) in enumerate(table.assets):
        report.liabilities[sym] = sum(a.balances[k] for a in accounts)
        if reserves is not None and report.liabilities[sym] > reserves.get(sym, 0):
            report.reserve_shortfalls[sym] = report.liabilities[sym] - reserves.get(sym, 0)
    return report
