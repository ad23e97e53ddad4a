"""A venue snapshot (the four input files, params with ``[venue]``) as the typed venue statement's
inputs: ``VenueTables`` over the universes and the ``VenueAccount`` list of each tier.

Slots: instrument ``i`` of ``instruments.json`` (file order, the risk table's order) is slot
``i + 1`` of the instrument universe, asset ``a`` of ``params.toml`` is slot ``a + 1`` of the
asset universe; slot 0 is the empty row and every slot past the listing is an unlisted zero row.
An account's slots are its nonzero positions and balances in increasing slot order (the loader's
dense table order, so the order of keys in ``accounts.jsonl`` never matters). An account with at
most ``P`` positions goes to the narrow tier, up to the wide tier's ``P`` to the wide tier.

Tables: ``v``, ``ml``, ``ms``, ``c`` are the risk table's rows (``RiskTable``), ``d`` the debt
column (``risk_table.debt_column``, ``d >= c``). Every account's margin is checked here with the
circuit's own formula (``witness.venue.slacks``), so a snapshot that converts proves.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.margin.risk_table import TABLE_BITS, RiskTable, debt_column, descriptor
from zkproof.snapshot.inputs import Snapshot
from zkproof.snapshot.ledger import Account
from zkproof.venue import VenueShape, VenueTables, universe_tables
from zkproof.witness.venue import VenueAccount, account_slots, slacks


@dataclass(frozen=True)
class VenueInputs:
    """The venue statement's inputs from one snapshot: the two tier shapes (same universes,
    ``b``, ``k`` and capacity; ``wide.p`` = the wide tier's ``P``), the public tables and the
    accounts of each tier in file order. ``holders``/``wide_holders``: the ledger's account
    behind each, in the same order (its id and nonce seal the holder's inclusion record; its
    role names a protocol account in the header)."""

    shape: VenueShape
    wide: VenueShape
    tables: VenueTables
    accounts: tuple[VenueAccount, ...]
    wide_accounts: tuple[VenueAccount, ...]
    holders: tuple[Account, ...]
    wide_holders: tuple[Account, ...]

    def tier(self, p: int) -> tuple[tuple[VenueAccount, ...], tuple[Account, ...]]:
        """The accounts of the tier with ``p`` position slots and their holders (no account
        for the wide ``p`` when it equals the narrow one: one tier)."""
        if p == self.shape.p:
            return self.accounts, self.holders
        if p == self.wide.p:
            return self.wide_accounts, self.wide_holders
        raise ValueError(f"no tier with P = {p} (narrow {self.shape.p}, wide {self.wide.p})")


def venue_tables(snap: Snapshot, table: RiskTable) -> VenueTables:
    """The public tables over the universes of ``snap.params.venue`` (checked against them)."""
    vp = snap.params.venue
    if vp is None:
        raise InputError(str(snap.paths["params"]), "venue", "missing: not a venue snapshot")
    n_i, n_a = len(snap.instruments), len(snap.params.assets)
    if n_i > vp.i_max - 1:
        raise InputError(str(snap.paths["instruments"]), "instruments",
                         f"{n_i} listed instruments exceed the universe (venue.i_max = {vp.i_max}: at most "
                         f"{vp.i_max - 1})")
    if n_a > vp.a_max - 1:
        raise InputError(str(snap.paths["params"]), "assets",
                         f"{n_a} assets exceed the universe (venue.a_max = {vp.a_max}: at most "
                         f"{vp.a_max - 1})")
    if (table.instruments != tuple(descriptor(i) for i in snap.instruments)
            or table.assets != tuple((a.symbol, a.decimals) for a in snap.params.assets)
            or table.snapshot_time != snap.oracle.snapshot_time):
        raise InputError("<risk table>", "instruments", "the table was not built from this snapshot")
    return universe_tables(vp.i_max, vp.a_max, len(table.scenarios), table.v, table.ml, table.ms, table.c,
                           debt_column(snap.params, snap.oracle))


def venue_account(acc: Account) -> VenueAccount:
    """The account's nonzero slots in increasing slot order (instrument/asset ``k`` is slot ``k + 1``)."""
    return VenueAccount(stm.id_hash(acc.id, acc.nonce),
                        tuple((i + 1, q) for i, q in enumerate(acc.positions) if q),
                        tuple((a + 1, b) for a, b in enumerate(acc.balances) if b))


def venue_inputs(snap: Snapshot, table: RiskTable, capacity: int = 256,
                 equity_check_cap: int = stm.EQUITY_CHECK_BITS) -> VenueInputs:
    """Tables, tiers and accounts of a loaded venue snapshot (``InputError``, one line naming the
    file, the account's line and the field, for a snapshot the venue circuits cannot prove:
    over capacity, over the wide tier, or short of margin in some scenario, within the margin
    checks' width ``equity_check_cap``, ``VenueShape.equity_check_bits``)."""
    tables = venue_tables(snap, table)
    vp = snap.params.venue
    shape = VenueShape(i_max=vp.i_max, a_max=vp.a_max, p=vp.p, b=vp.b, k=len(table.scenarios) - 1,
                       capacity=capacity, table_bits=TABLE_BITS, equity_check_cap=equity_check_cap)
    wide = dataclasses.replace(shape, p=vp.wide_p)
    tiers: dict[VenueShape, list[VenueAccount]] = {shape: [], wide: []}
    holders: dict[VenueShape, list[Account]] = {shape: [], wide: []}
    file = str(snap.paths["accounts"])
    for acc in snap.accounts or ():
        va = venue_account(acc)
        at = f"line {acc.line}"
        if len(va.balances) > vp.b:
            raise InputError(file, f"{at}: balances", f"account {acc.id!r}: {len(va.balances)} balances, "
                             f"the venue holds {vp.b} (venue.b)")
        if len(va.positions) > vp.wide_p:
            raise InputError(file, f"{at}: positions", f"account {acc.id!r}: {len(va.positions)} positions, "
                             f"the wide tier holds {vp.wide_p} (venue.wide_p)")
        tier = shape if len(va.positions) <= vp.p else wide
        check_margin(tier, tables, va, file, at, acc.id)
        tiers[tier].append(va)
        holders[tier].append(acc)
    one = wide == shape
    return VenueInputs(shape, wide, tables, tuple(tiers[shape]), () if one else tuple(tiers[wide]),
                       tuple(holders[shape]), () if one else tuple(holders[wide]))


def check_margin(shape: VenueShape, tables: VenueTables, va: VenueAccount, file: str, at: str,
                 account_id: str) -> None:
    """Pre-flight: the circuit's margin slacks of ``va`` (loans at ``d``) are all in range."""
    for s, slack in enumerate(slacks(shape, account_slots(shape, tables, va, at))):
        if not 0 <= slack < 1 << shape.equity_check_bits:
            what = "the mark requirement" if s == shape.k else f"scenario {s + 1}"
            raise InputError(file, f"{at}: balances", f"account {account_id!r} fails margin in {what} "
                             f"(slack {slack}; loans valued at the debt column d)")
