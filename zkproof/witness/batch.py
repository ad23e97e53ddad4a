"""Native side of one batch: slots -> Merkle sum tree, longs and shorts per instrument,
commitment, circuit inputs.

The model the batch circuit (``circuits/solvency_batch.py``) must agree with; the prover feeds
``BatchWitness.inputs`` to ``ConstraintSystem.solve``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.hash.poseidon import poseidon
from zkproof.witness.merkle_sum_tree import MerkleSumTree, leaf_node


@dataclass(frozen=True)
class Slot:
    """One batch slot: a real account, or padding (zeros, random id_hash: ATTACKS B11c)."""

    id_hash: int
    balances: tuple[int, ...]
    positions: tuple[int, ...]

    @staticmethod
    def padding(shape: stm.Shape) -> Slot:
        return Slot(secrets.randbelow(R), (0,) * shape.n_assets, (0,) * shape.n_instruments)


@dataclass
class BatchWitness:
    shape: stm.Shape
    epoch: int
    slots: list[Slot]
    blinder: int
    tree: MerkleSumTree
    longs: list[int]   # sum_u max(q[u][i], 0): the batch's share of the public open interest
    shorts: list[int]  # sum_u max(-q[u][i], 0): equal to the longs over the epoch (ATTACKS A9)
    commitment: int

    @property
    def interests(self) -> list[int]:
        """The committed ``long + 2^K short`` per instrument (``statement.interest``)."""
        return [stm.interest(x, y, self.shape.interest_bits) for x, y in zip(self.longs, self.shorts)]

    @property
    def root(self):
        return self.tree.root


def build_batch(shape: stm.Shape, epoch: int, slots: list[Slot], blinder: int | None = None) -> BatchWitness:
    """Tree, longs and shorts per instrument, and commitment of a full batch
    (``len(slots) == capacity``)."""
    if len(slots) != shape.capacity:
        raise ValueError(f"a batch holds exactly {shape.capacity} slots, got {len(slots)}")
    blinder = secrets.randbelow(R) if blinder is None else blinder
    leaves = [leaf_node(s.id_hash, s.balances, s.positions) for s in slots]
    tree = MerkleSumTree(leaves, depth=shape.depth, sum_bits=stm.BALANCE_BITS + shape.depth)
    longs = [sum(max(s.positions[i], 0) for s in slots) for i in range(shape.n_instruments)]
    shorts = [sum(max(-s.positions[i], 0) for s in slots) for i in range(shape.n_instruments)]
    com = stm.batch_commitment(poseidon, epoch, tree.root.hash, list(tree.root.sums),
                               [stm.interest(x, y, shape.interest_bits) for x, y in zip(longs, shorts)],
                               blinder)
    return BatchWitness(shape, epoch, list(slots), blinder, tree, longs, shorts, com)


def public_values(w: BatchWitness, c, v, m) -> list[int]:
    """The batch proof's public inputs (``statement.batch_public_names`` order): epoch,
    commitment, shape digest, then the table entries field-encoded (``statement.table_values``)."""
    return [w.epoch, w.commitment, w.shape.digest(), *stm.table_values(c, v, m)]


def margin_slack(slot: Slot, c, v, m) -> list[int]:
    """``E[s] - req[s]`` per scenario, exact integers: the values the circuit's margin checks
    decompose (``circuits/solvency_batch._margin``; requirements as in docs/formats.md §8.1)."""
    n = [max(-q, 0) for q in slot.positions]
    buffer = sum(n) * stm.SHORT_BUFFER
    out = []
    for s in range(len(c[0])):  # Shape: at least one asset
        e = sum(b * c[a][s] for a, b in enumerate(slot.balances)) + \
            sum(q * v[i][s] for i, q in enumerate(slot.positions))
        floor = sum(x * y for x, y in zip(n, m)) if s == 0 else 0
        out.append(e - floor - buffer)
    return out


def check_equity_width(w: BatchWitness, c, v, m) -> None:
    """Refuse a slot whose margin slack ``E - req`` reaches ``2^equity_check_bits`` (2^88).

    The circuit checks ``E - req >= 0`` with ``equity_check_bits`` bits (sound at any width
    <= 252: ``zkproof.statement.Shape.equity_check_bits``); a larger honest value would make
    the witness unsatisfiable at ``account_u/margin/...``, so it is refused here with the slot
    and scenario named (pre-flight refuses it earlier with the account id). Negative slack is
    not refused: that is an account under margin, which the circuit must reject (ATTACKS A3).

    Raises:
        InputError: ``<batch>: account_u: scenario s: ...``.
    """
    k = w.shape.equity_check_bits
    for u, slot in enumerate(w.slots):
        for s, d in enumerate(margin_slack(slot, c, v, m)):
            if d >= 1 << k:
                raise InputError("<batch>", f"account_{u}", f"scenario {s}: equity minus requirement "
                                 f"{d} value units is >= 2^{k}, above what the circuit's margin "
                                 "check covers (lower the value unit or split the account)")


def circuit_inputs(w: BatchWitness, c, v, m) -> dict[str, int]:
    """Inputs of ``circuits.solvency_batch.build(shape)`` for this batch (the table ``c, v, m``
    is public: the verifier supplies the published one).

    Raises:
        InputError: a slot's equity is too large for the circuit's margin check
            (``check_equity_width``).
    """
    check_equity_width(w, c, v, m)
    names = stm.batch_public_names(w.shape)
    values = public_values(w, c, v, m)
    if len(values) != len(names):
        raise ValueError(f"the table has {len(values) - len(stm.BATCH_PUBLIC_HEAD)} entries, "
                         f"the shape {w.shape.table_size}")
    out = dict(zip(names, values))
    out["blinder"] = w.blinder
    for u, slot in enumerate(w.slots):
        out[f"account_{u}/id_hash"] = slot.id_hash
        out.update({f"account_{u}/b[{a}]": stm.fe(x) for a, x in enumerate(slot.balances)})
        out.update({f"account_{u}/q[{i}]": stm.fe(x) for i, x in enumerate(slot.positions)})
    return out
