"""Batch circuit cost per account (issue 4), pinned term by term at the default shape.

The marginal cost of one account is exact as the difference of two capacities divided by the
capacity difference (what ``bench.solvency`` does at 8 and 16): every per-account gadget is
repeated, and a tree over ``c`` leaves has ``c - 1`` nodes, so doubling adds one node per
account. Pinned: 3,947.
"""

from __future__ import annotations

import pytest

from bench.solvency import categorise
from bench.solvency_model import designs
from zkproof import statement as stm
from zkproof.circuits import solvency_batch as sb

DEFAULT = dict(n_assets=3, n_instruments=16, n_scenarios=17, table_bits=40)
PER_ACCOUNT = 3_947
TERMS = {
    "margin range checks": 17 * (88 + 1),       # 17 checks of E - req at equity_check_bits = 88
    "position_range": 16 * (63 + 4),            # sign, 63-bit magnitude, negative part, recompose
    "leaf hash": 417 - 3,                       # ONE Poseidon of 9 inputs (tag + id + 1 + 6 packed)
    "tree nodes": 414,                          # one node per account (A = 3, no range checks)
    "margin products": 17 * (3 + 16) + 16,      # b c, q v per scenario; neg m at mark
    "balance_range": 3 * (64 + 1),
}


def _marginal(cap: int) -> tuple[float, dict]:
    built = {c: sb.build(stm.Shape(capacity=c, **DEFAULT)) for c in (cap, 2 * cap)}
    n = {c: cs.num_constraints for c, cs in built.items()}
    cat = {c: categorise(cs.constraint_names) for c, cs in built.items()}
    return (n[2 * cap] - n[cap]) / cap, {k: (cat[2 * cap][k] - cat[cap][k]) / cap for k in cat[2 * cap]}


def _check(per_account: float, marginal: dict) -> None:
    assert per_account == PER_ACCOUNT == sum(TERMS.values())
    assert {k: v for k, v in marginal.items() if v} == TERMS
    shape = stm.Shape(capacity=8, **DEFAULT)
    assert shape.equity_check_bits == 88 and shape.equity_bits == 109  # check width vs soundness bound
    assert sum(designs(shape, marginal)[0][1].values()) == PER_ACCOUNT  # the bench's model agrees


def test_per_account_constraints_pinned():
    """Capacities 2 and 4 (fast); the same number as 8 and 16 (slow twin below)."""
    _check(*_marginal(2))


@pytest.mark.slow
def test_per_account_constraints_pinned_at_8_and_16():
    """What docs/scale.md and bench.solvency report: capacity 8 vs 16."""
    _check(*_marginal(8))
