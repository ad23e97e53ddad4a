"""Pre-flight margin check with the exact integer arithmetic the circuit uses (SPEC §1.2-1.4, §3).

For each account ``u`` and scenario ``s`` (all Python ``int``, no rounding anywhere)::

    E[u][s]   = sum_a b[u][a] * c[a][s] + sum_i q[u][i] * v[i][s]
    N[u]      = sum_i max(-q[u][i], 0)                     (short units: rounding buffer)
    req[u][0] = sum_i max(-q[u][i], 0) * m[i] + N[u] * SHORT_BUFFER
    req[u][s] = N[u] * SHORT_BUFFER                          (s = 1..K)

An account fails in scenario s when ``E[u][s] < req[u][s]``; the shortfall is the difference
in value units. Also reported: per-instrument imbalances ``sum_u q[u][i] != 0`` (SPEC §1.3,
ATTACKS A9) and, when reserves are given, assets with ``L_a = sum_u b[u][a] > R_a`` (§1.4).
The products are exact: int64 limb arithmetic in numpy, recombined as Python integers.

Refused outright (``InputError`` naming the account and scenario): an account whose slack
``E[u][s] - req[u][s]`` is ``>= 2^EQUITY_CHECK_BITS`` (2^88 value units, 3.1e14 USD at 10^-12
USD). The circuit's margin check has that width (``Shape.equity_check_bits``, docs/soundness.md
§1: sound at any width, complete only below it), so such an account would make the batch
witness unsatisfiable instead of proving.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zkproof.errors import InputError
from zkproof.margin.risk_table import RiskTable
from zkproof.snapshot.ledger import Account
from zkproof.statement import EQUITY_CHECK_BITS, SHORT_BUFFER


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


LIMB_BITS = 16
N_LIMBS = 4  # 4 x 16 bits cover b < 2^64 and |q| < 2^63


def _limbs(x: np.ndarray) -> list[np.ndarray]:
    """Signed 16-bit limbs of an int64/uint64 array: ``x = sum_l limb[l] * 2^(16 l)``."""
    if x.dtype == np.uint64:
        mag, sign = x, np.ones(x.shape, dtype=np.int64)
    else:
        mag, sign = np.abs(x).astype(np.uint64), np.sign(x)
    mask = np.uint64((1 << LIMB_BITS) - 1)
    return [((mag >> np.uint64(LIMB_BITS * k)) & mask).astype(np.int64) * sign for k in range(N_LIMBS)]


def _combine(parts: list[np.ndarray]) -> np.ndarray:
    """``sum_l parts[l] * 2^(16 l)`` as exact Python integers (object array)."""
    total = parts[0].astype(object)
    for k in range(1, len(parts)):
        total = total + (parts[k].astype(object) << (LIMB_BITS * k))
    return total


def equity_matrix(accounts: list[Account], table: RiskTable) -> tuple[np.ndarray, np.ndarray]:
    """``E`` (n x S) and ``req`` (n x S) as exact-integer object arrays.

    Exact and vectorised: balances and positions are split into 16-bit limbs (``_limb_parts``);
    only the final recombination uses Python integers.
    """
    return equity_from_arrays(*book_arrays(accounts, table), table)


def book_arrays(accounts: list[Account], table: RiskTable) -> tuple[np.ndarray, np.ndarray]:
    """Balances ``b`` (n x A, uint64) and positions ``q`` (n x I, int64)."""
    b = np.array([a.balances for a in accounts], dtype=np.uint64).reshape(len(accounts), len(table.c))
    q = np.array([a.positions for a in accounts], dtype=np.int64).reshape(len(accounts), len(table.v))
    return b, q


def column_sums(x: np.ndarray) -> list[int]:
    """Exact per-column sums (``L_a``, ``sum_u q[u][i]``) for up to 2^40 rows."""
    return [int(t) for t in _combine([limb.sum(axis=0) for limb in _limbs(x)])]


def _limb_parts(b: np.ndarray, q: np.ndarray, table: RiskTable) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per-limb int64 parts of ``E`` and ``req`` (n x S): ``E = sum_l E_l * 2^(16 l)``.

    Each product ``limb * entry`` is below ``2^56``; with ``A + 2I <= 64`` every part (and
    ``E_l - req_l``) stays below ``2^62`` in absolute value, so int64 never overflows. A wider
    universe is summed in blocks of instruments that each satisfy that bound; each block's parts
    are carry-normalised to ``WIDE_LIMBS`` limbs (all but the top in ``[0, 2^16)``) before the
    blocks are added, so the sums stay far below ``2^62`` too.
    """
    S, A, n_inst = len(table.scenarios), len(table.c), len(table.v)
    c = np.array(table.c, dtype=np.int64).reshape(A, S)
    v = np.array(table.v, dtype=np.int64).reshape(n_inst, S)
    m = np.array(table.m, dtype=np.int64).reshape(n_inst, 1)
    b_limbs, q_limbs = _limbs(b), _limbs(q)
    n_limbs = _limbs(np.where(q < 0, -q, 0))  # n = max(-q, 0) < 2^63
    if A + 2 * n_inst <= 64:
        return _block_parts(b_limbs, c, q_limbs, n_limbs, v, m, S)
    if A > 62:
        raise ValueError("preflight limb arithmetic supports A <= 62 collateral assets")
    size = (64 - A) // 2
    e_tot = req_tot = None
    for lo in range(0, n_inst, size):
        cols = slice(lo, lo + size)
        e, r = _block_parts(b_limbs if lo == 0 else None, c, [x[:, cols] for x in q_limbs],
                            [x[:, cols] for x in n_limbs], v[cols], m[cols], S)
        e, r = _normalize(e, WIDE_LIMBS), _normalize(r, WIDE_LIMBS)
        e_tot = e if e_tot is None else [x + y for x, y in zip(e_tot, e)]
        req_tot = r if req_tot is None else [x + y for x, y in zip(req_tot, r)]
    return e_tot, req_tot


WIDE_LIMBS = 9  # 9 x 16 bits: |E| < 2^143 covers A * 2^104 + 4096 * 2^103


def _block_parts(b_limbs, c, q_limbs, n_limbs, v, m, S):
    e_parts = [(bl @ c if b_limbs is not None else 0) + ql @ v
               for bl, ql in zip(b_limbs or [None] * len(q_limbs), q_limbs)]
    req_parts = []
    for n in n_limbs:
        part = np.repeat(n.sum(axis=1, keepdims=True) * SHORT_BUFFER, S, axis=1)
        part[:, 0:1] += n @ m
        req_parts.append(part)
    return e_parts, req_parts


def _normalize(parts: list[np.ndarray], width: int) -> list[np.ndarray]:
    """The same value as ``width`` limbs, all but the top in ``[0, 2^16)`` (carry propagation)."""
    out, carry = [], np.zeros_like(parts[0])
    for k in range(width - 1):
        x = (parts[k] if k < len(parts) else 0) + carry
        carry = x >> LIMB_BITS
        out.append(x & ((1 << LIMB_BITS) - 1))
    out.append(carry)
    return out


def _negative(parts: list[np.ndarray]) -> np.ndarray:
    """Mask of ``sum_l parts[l] * 2^(16 l) < 0``, exactly, by carry propagation in int64."""
    carry = np.zeros_like(parts[0])
    for part in parts[:-1]:
        carry = (part + carry) >> LIMB_BITS  # floor division: the remainder is in [0, 2^16)
    return parts[-1] + carry < 0


def _at_least(parts: list[np.ndarray], bits: int) -> np.ndarray:
    """Mask of ``sum_l parts[l] * 2^(16 l) >= 2^bits``, exactly (``bits >= 16 (L - 1)``).

    After carry propagation the value is ``top * 2^(16 (L-1)) + low`` with ``low`` in
    ``[0, 2^(16 (L-1)))``, so it is ``>= 2^bits`` iff ``top >= 2^(bits - 16 (L-1))``.
    """
    shift = LIMB_BITS * (len(parts) - 1)
    if bits < shift:
        raise ValueError(f"bound 2^{bits} is below the top limb's weight 2^{shift}")
    carry = np.zeros_like(parts[0])
    for part in parts[:-1]:
        carry = (part + carry) >> LIMB_BITS
    return parts[-1] + carry >= 1 << (bits - shift)


def check_equity_width(accounts: list[Account], table: RiskTable, e_parts: list[np.ndarray],
                       req_parts: list[np.ndarray], file: str = "accounts.jsonl",
                       check_bits: int = EQUITY_CHECK_BITS) -> None:
    """Refuse the first account whose ``E - req`` reaches ``2^check_bits`` in a scenario
    (``check_bits``: the circuits' ``Shape.equity_check_bits``, 88 by default).

    Raises:
        InputError: ``accounts.jsonl: line N: account ID: scenario s (label): ...``.
    """
    slack = [e - r for e, r in zip(e_parts, req_parts)]
    if check_bits >= LIMB_BITS * (len(slack) - 1):
        mask = _at_least(slack, check_bits)
    else:  # a width below the top limb's weight (tiny caps): exact integers
        mask = _combine(slack) >= (1 << check_bits)
    rows, cols = np.nonzero(mask)
    if len(rows):
        u, s = int(rows[0]), int(cols[0])  # row-major: first account, then its first scenario
        d = int(_combine([p[u:u + 1, s:s + 1] for p in slack])[0][0])
        acc = accounts[u]
        raise InputError(file, f"line {acc.line}", f"account {acc.id}: scenario {s} "
                         f"({table.scenarios[s]}): equity minus requirement {d} value units is "
                         f">= 2^{check_bits}, above the circuit's margin check width")


def equity_from_arrays(b: np.ndarray, q: np.ndarray, table: RiskTable) -> tuple[np.ndarray, np.ndarray]:
    e_parts, req_parts = _limb_parts(b, q, table)
    return _combine(e_parts), _combine(req_parts)


def preflight(accounts: list[Account], table: RiskTable, instrument_ids: list[str],
              reserves: dict[str, int] | None = None, *, file: str = "accounts.jsonl",
              check_bits: int = EQUITY_CHECK_BITS) -> PreflightReport:
    """Check every account in every scenario, the zero-sum positions and (optionally) reserves.

    Raises:
        InputError: an account's ``E - req`` is ``>= 2^check_bits`` in some scenario
            (``check_equity_width``; ``file`` names the accounts file in the message).
    """
    report = PreflightReport(n_accounts=len(accounts))
    b, q = book_arrays(accounts, table)
    e_parts, req_parts = _limb_parts(b, q, table)
    check_equity_width(accounts, table, e_parts, req_parts, file, check_bits)
    failing = np.nonzero(_negative([e - r for e, r in zip(e_parts, req_parts)]).any(axis=1))[0]
    E = _combine([p[failing] for p in e_parts])  # exact integers for the failing rows only
    req = _combine([p[failing] for p in req_parts])
    for row, u in enumerate(failing):
        slack = [E[row][k] - req[row][k] for k in range(len(table.scenarios))]
        s = min(range(len(slack)), key=lambda k: (slack[k], k))
        acc = accounts[u]
        report.failures.append(MarginFailure(acc.id, acc.line, s, table.scenarios[s],
                                             int(E[row][s]), int(req[row][s])))
        report.failing_scenarios[acc.id] = [k for k in range(len(slack)) if slack[k] < 0]
    for inst, total in zip(instrument_ids, column_sums(q)):
        if total:
            report.imbalances[inst] = total
    for (sym, _), total in zip(table.assets, column_sums(b)):
        report.liabilities[sym] = total
        if reserves is not None and report.liabilities[sym] > reserves.get(sym, 0):
            report.reserve_shortfalls[sym] = report.liabilities[sym] - reserves.get(sym, 0)
    return report
