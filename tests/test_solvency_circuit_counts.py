"""Pinned constraint counts of the parts of the solvency circuits that do not depend on the
account loop, at the default shape (3 assets, 16 instruments, 17 scenarios: the examples').

The risk table is 339 public inputs (no constraint; one QAP row each) and each batch
commitment one chained sponge of 22 values, 987 constraints (docs/scale.md, docs/soundness.md);
each ``w_i`` packs the batch's longs and shorts of instrument ``i``, linear in existing wires.
Each circuit has one ``shape_digest`` equality; the aggregate adds the open-interest sponge
(831) and its equality once per epoch. A change to any count changes the circuit (and needs a
new setup).
"""

from __future__ import annotations

from collections import Counter

import pytest

from zkproof import statement as stm
from zkproof.circuits import aggregate, solvency_batch

TABLE_BITS = 40  # zkproof.margin.risk_table.TABLE_BITS (counts do not depend on it)


def shape(capacity: int, n_batches: int = 2) -> stm.Shape:
    return stm.Shape(3, 16, 17, capacity, TABLE_BITS, n_batches)


def top_level(cs) -> Counter:
    return Counter(n.split("/")[0] for n in cs.constraint_names)


@pytest.fixture(scope="module")
def batch2():
    return solvency_batch.build(shape(2))


def test_batch_fixed_part_is_pinned(batch2):
    """Fixed per batch: the commitment sponge (987 + the equality), the shape digest equality
    and the tree nodes; the table costs no constraint. Fixed = 2 n(2) - n(4) removes the
    per-account part exactly."""
    parts = top_level(batch2)
    assert parts["commitment"] == 987 and parts["batch_commitment"] == 1 and parts["shape_digest"] == 1
    assert "table" not in parts and not any(n.startswith("table/") for n in batch2.constraint_names)
    assert 2 * batch2.num_constraints - solvency_batch.build(shape(4)).num_constraints == 575


def test_batch_public_inputs_are_epoch_commitment_shape_and_table(batch2):
    assert batch2.num_public == 3 + shape(2).table_size == 342


def test_aggregate_per_batch_cost_is_pinned():
    """Per batch slot: its commitment sponge (987) plus its share of the list hash and top
    tree; n(4) - n(2) = 2 slots' worth."""
    a2, a4 = aggregate.build(shape(2, 2)), aggregate.build(shape(2, 4))
    parts = Counter(n.split("/")[1] for n in a2.constraint_names if n.startswith("batch_0/"))
    assert parts == {"commitment": 987}
    assert a4.num_constraints - a2.num_constraints == 2 * 1407


def test_aggregate_open_interest_and_shape_cost_is_pinned():
    """Once per epoch: the open-interest sponge over I = 16 sums (831) and its equality, and the
    shape digest equality."""
    parts = top_level(aggregate.build(shape(2, 2)))
    assert parts["open_interest"] == 831 and parts["open_interest_hash"] == 1
    assert parts["shape_digest"] == 1
