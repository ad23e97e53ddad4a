"""Native side of one sparse venue batch: typed accounts -> slots, leaves, root, circuit inputs.

The model ``circuits/venue_batch.py`` must agree with: both hash with ``zkproof.venue``'s
layouts and check margin with its one ``margin_slacks``. ``build_venue_batch`` refuses (one-line
``InputError``) an account the circuit would reject, so an honest batch always proves.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R, to_signed
from zkproof.hash.poseidon import poseidon
from zkproof.venue import (
    VenueShape,
    VenueTables,
    account_rlc,
    batch_public_values,
    field_hash,
    leaf_hash,
    margin_slacks,
    public_names,
    rlc_powers,
    sums_commitment,
    table_public_values,
    tree_root,
)

ACCOUNTS_FILE = "<venue accounts>"


@dataclass(frozen=True)
class VenueAccount:
    """One account: ``positions`` ``(instrument index, signed quantity)`` and ``balances``
    ``(asset index, signed amount; negative = a loan)``, each in strictly increasing index
    order, every index a listed slot of its universe."""

    id_hash: int
    positions: tuple[tuple[int, int], ...] = ()
    balances: tuple[tuple[int, int], ...] = ()

    @staticmethod
    def padding() -> VenueAccount:
        """An empty slot of a batch: no positions, no balances, a random ``id_hash``."""
        return VenueAccount(secrets.randbelow(R))


@dataclass(frozen=True)
class Slots:
    """An account's full slot vectors: used slots first, then ``(0, 0)``, and the rows the
    circuit looks up: ``VenueTables.instrument_row`` per position, ``asset_row`` by the
    amount's sign per balance (``d`` for a loan)."""

    positions: tuple[tuple[int, int], ...]
    balances: tuple[tuple[int, int], ...]
    position_rows: tuple[tuple[int, ...], ...]
    balance_rows: tuple[tuple[int, ...], ...]


def account_slots(shape: VenueShape, tables: VenueTables, acc: VenueAccount, where: str = "account") -> Slots:
    """The slots of ``acc``, or ``InputError`` naming what the circuit would reject."""
    def bad(field: str, reason: str) -> InputError:
        return InputError(ACCOUNTS_FILE, f"{where}.{field}", reason)

    out = {}
    for kind, items, n, n_univ, listed in (
            ("positions", acc.positions, shape.p, shape.i_max, tables.listed_i),
            ("balances", acc.balances, shape.b, shape.a_max, tables.listed_a)):
        if len(items) > n:
            raise bad(kind, f"{len(items)} slots, the tier holds {n}")
        prev = 0
        for j, x in items:
            if not 0 < j < n_univ or not listed[j]:
                raise bad(kind, f"index {j} is not a listed slot of the universe (1..{n_univ - 1})")
            if j <= prev:
                raise bad(kind, f"indices must be strictly increasing, got {j} after {prev}")
            if not -(1 << stm.POSITION_BITS) < x < 1 << stm.POSITION_BITS:
                raise bad(kind, f"amount {x} outside (-2^63, 2^63)")
            prev = j
        out[kind] = tuple(items) + ((0, 0),) * (n - len(items))
    pos, bal = out["positions"], out["balances"]
    return Slots(pos, bal, tuple(tables.instrument_row(j) for j, _ in pos),
                 tuple(tables.asset_row(a, int(b < 0)) for a, b in bal))


def slacks(shape: VenueShape, slots: Slots) -> list[int]:
    """The exact margin slacks the circuit range-checks (``venue.margin_slacks`` on ints)."""
    S = shape.n_scenarios
    q = [x for _, x in slots.positions]
    return margin_slacks(q, [max(-x, 0) for x in q], [r[:S] for r in slots.position_rows],
                         [r[S] for r in slots.position_rows], [r[S + 1] for r in slots.position_rows],
                         [x for _, x in slots.balances], [r[:S] for r in slots.balance_rows],
                         lambda x, y, _: x * y)


@dataclass(frozen=True)
class RlcSums:
    """A batch's gamma sums (field elements): ``S_net = sum q gamma^j``, ``S_long = sum q^+
    gamma^j``, ``S_liab = sum b gamma^a``, ``S_loan = sum b^- gamma^a`` over every slot
    (``venue.account_rlc``)."""

    net: int
    long: int
    liab: int
    loan: int


@dataclass
class VenueBatchWitness:
    """A batch: its slots and root (fixed first), then ``bind`` fixes the epoch's ``gamma``
    (derived from every root) and the secret blinder of its sums commitment."""

    shape: VenueShape
    tables: VenueTables
    accounts: list[VenueAccount]
    slots: list[Slots]
    leaves: list[int]
    root: int
    gamma: int | None = None
    blinder: int = 0

    def bind(self, gamma: int, blinder: int | None = None) -> VenueBatchWitness:
        """This batch under the epoch's ``gamma``, with ``blinder`` (a fresh secret one by
        default; never 0: an unblinded commitment lets anyone confirm guessed sums by
        hashing, ATTACKS A14)."""
        blinder = secrets.randbelow(R - 1) + 1 if blinder is None else blinder
        if not 0 < blinder < R:
            raise ValueError("the sums commitment needs a secret blinder in [1, r) (ATTACKS A14)")
        return dataclasses.replace(self, gamma=gamma % R, blinder=blinder)

    def _gamma(self) -> int:
        if self.gamma is None:
            raise ValueError("the batch is not bound to the epoch's gamma yet (bind)")
        return self.gamma

    def totals(self, kind: str) -> list[int]:
        """Integer sums per universe index over the batch: ``"net"`` (``sum q`` per instrument),
        ``"long"`` (``sum q^+``), ``"liab"`` (``sum b`` per asset) or ``"loan"`` (``sum b^-``,
        the gross loans)."""
        assets = kind in ("liab", "loan")
        out = [0] * (self.shape.a_max if assets else self.shape.i_max)
        for sl in self.slots:
            for j, x in (sl.balances if assets else sl.positions):
                out[j] += max(x, 0) if kind == "long" else max(-x, 0) if kind == "loan" else x
        return out

    def sums(self) -> RlcSums:
        """The circuit's sums, by ``venue.account_rlc`` on the slots' ints mod r."""
        g_i = rlc_powers(self._gamma(), self.shape.i_max)
        g_a = rlc_powers(self._gamma(), self.shape.a_max)
        net = long = liab = loan = 0
        for sl in self.slots:  # amounts read as the circuit's sign hint reads them (to_signed)
            q = [to_signed(x % R) for _, x in sl.positions]
            b = [to_signed(x % R) for _, x in sl.balances]
            n, lg, li, lo = account_rlc(q, [max(-x, 0) for x in q], [_power(g_i, j) for j, _ in sl.positions],
                                        b, [max(-x, 0) for x in b], [_power(g_a, a) for a, _ in sl.balances],
                                        lambda x, y, _: x * y % R)
            net, long, liab, loan = net + n, long + lg, liab + li, loan + lo
        return RlcSums(net % R, long % R, liab % R, loan % R)

    @property
    def commitment(self) -> int:
        """``venue.sums_commitment`` of ``sums()`` under the blinder: the public ``sums_commitment``."""
        s = self.sums()
        return sums_commitment(poseidon, s.net, s.long, s.liab, s.loan, self.blinder)

    def public_values(self) -> list[int]:
        """``venue.public_names`` order: root, shape digest, gamma, sums commitment, the table,
        the powers of gamma (what the verifier computes from the header and gamma)."""
        return batch_public_values(self.shape, self.root, self._gamma(), self.commitment,
                                   table_public_values(self.tables))

    def inputs(self) -> dict[str, int]:
        """Every input of ``circuits.venue_batch.build(shape)`` by name, field-encoded."""
        out = dict(zip(public_names(self.shape), self.public_values(), strict=True))
        out["rlc/blinder"] = self.blinder
        powers = {"pos": rlc_powers(self._gamma(), self.shape.i_max),
                  "bal": rlc_powers(self._gamma(), self.shape.a_max)}
        for u, (acc, sl) in enumerate(zip(self.accounts, self.slots)):
            pre = f"account_{u}"
            out[f"{pre}/id_hash"] = acc.id_hash
            for kind, items, rows in (("pos", sl.positions, sl.position_rows),
                                      ("bal", sl.balances, sl.balance_rows)):
                for p, ((j, x), row) in enumerate(zip(items, rows)):
                    out[f"{pre}/{kind}_{p}/index"] = j
                    out[f"{pre}/{kind}_{p}/amount"] = stm.fe(x)
                    for c, val in enumerate(row):
                        out[f"{pre}/{kind}_{p}/row[{c}]"] = stm.fe(val)
                    out[f"{pre}/{kind}_{p}/gamma_power"] = _power(powers[kind], j)
        return out


def _power(powers: list[int], j: int) -> int:
    """``gamma^j`` for an index of the universe; 1 for a (malicious) index outside it, whose
    query matches no row either way."""
    return powers[j] if 0 <= j < len(powers) else 1


def build_venue_batch(shape: VenueShape, tables: VenueTables,
                      accounts: list[VenueAccount]) -> VenueBatchWitness:
    """Slots, margin (refused if negative or wider than the check), leaves and root of a batch
    of up to ``capacity`` accounts (padded with ``VenueAccount.padding``)."""
    tables.validate(shape)
    if len(accounts) > shape.capacity:
        raise InputError(ACCOUNTS_FILE, "accounts",
                         f"{len(accounts)} accounts, a batch holds {shape.capacity}")
    accounts = list(accounts) + [VenueAccount.padding() for _ in range(shape.capacity - len(accounts))]
    slots = []
    for u, acc in enumerate(accounts):
        sl = account_slots(shape, tables, acc, f"account[{u}]")
        for s, slack in enumerate(slacks(shape, sl)):
            if not 0 <= slack < 1 << shape.equity_check_bits:
                what = "mark requirement" if s == shape.k else f"scenario {s + 1}"
                raise InputError(ACCOUNTS_FILE, f"account[{u}]",
                                 f"margin slack {slack} in {what} outside [0, 2^{shape.equity_check_bits})")
        slots.append(sl)
    return assemble(shape, tables, accounts, slots)


def assemble(shape: VenueShape, tables: VenueTables, accounts: list[VenueAccount],
             slots: list[Slots]) -> VenueBatchWitness:
    """Leaves and root of slots as given, unchecked (``build_venue_batch`` checks first; a
    soundness test hands a malicious prover's slots here, so that the circuit, not this
    module, is what rejects them). Amounts are integers (or field elements ``r - x``); every
    hashed value is reduced mod r, as the circuit's wires are."""
    leaves = [leaf_hash(field_hash, shape.tier, acc.id_hash, sl.positions, sl.balances)
              for acc, sl in zip(accounts, slots, strict=True)]
    return VenueBatchWitness(shape, tables, list(accounts), list(slots), leaves,
                             tree_root(field_hash, leaves))
