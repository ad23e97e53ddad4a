"""Merkle sum tree in-circuit: agrees with the native tree; binding, path-shape and wrap attacks."""

from __future__ import annotations

import random
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_gadget_support import assert_hints_pinned, fails_at, solve_ok
from zkproof.field.fr import R
from zkproof.gadgets import merkle_sum as ms
from zkproof.r1cs.system import ConstraintSystem
from zkproof.witness.merkle_sum_tree import MerkleSumTree, SumNode, leaf_node, node

A, DEPTH, BITS = 2, 3, 96
POSEIDON_7_CONST_TAG = 381 - 3  # Poseidon of 7 inputs, first one a constant tag
NODE_COUNT = POSEIDON_7_CONST_TAG + A * (BITS + 1)  # 572
SWAP_COUNT = 1 + (1 + A)
LEVEL_COUNT = A * (BITS + 1) + SWAP_COUNT + NODE_COUNT  # 770


def _node_vars(cs, prefix):
    return ms.SumNodeVar.of(cs.private(f"{prefix}_h"), [cs.private(f"{prefix}_s{a}") for a in range(A)])


def _node_inputs(prefix, n: SumNode):
    return {f"{prefix}_h": n.hash, **{f"{prefix}_s{a}": s for a, s in enumerate(n.sums)}}


@cache
def _node_circuit():
    cs = ConstraintSystem()
    out = ms.node(cs, _node_vars(cs, "l"), _node_vars(cs, "r"), sum_bits=BITS)
    return cs, out


def test_node_count_pinned():
    assert _node_circuit()[0].num_constraints == NODE_COUNT


@given(st.lists(st.integers(0, 2**64 - 1), min_size=2 * A, max_size=2 * A), st.integers(0, R - 1),
       st.integers(0, R - 1))
@settings(max_examples=10)
def test_node_equals_native(sums, hl, hr):
    left, right = SumNode(hl, tuple(sums[:A])), SumNode(hr, tuple(sums[A:]))
    cs, out = _node_circuit()
    a = solve_ok(cs, {**_node_inputs("l", left), **_node_inputs("r", right)})
    want = node(left, right, BITS)
    assert (a[out.hash], tuple(a[s] for s in out.sums)) == (want.hash, want.sums)


def test_node_parent_sum_overflow_rejected():
    cs, _ = _node_circuit()
    left, right = SumNode(1, (2**95, 0)), SumNode(2, (2**95, 0))
    ins = {**_node_inputs("l", left), **_node_inputs("r", right)}
    assert fails_at(cs, ins) == "node/sum_0_range/recompose"


@pytest.mark.parametrize("bit,want", [(0, ("c", "s")), (1, ("s", "c"))])
def test_swap(bit, want):
    cs = ConstraintSystem()
    b = cs.private("bit")
    left, right = ms.swap(cs, b, _node_vars(cs, "c"), _node_vars(cs, "s"))
    assert cs.num_constraints == SWAP_COUNT
    cur, sib = SumNode(11, (1, 2)), SumNode(22, (3, 4))
    a = solve_ok(cs, {"bit": bit, **_node_inputs("c", cur), **_node_inputs("s", sib)})
    pick = {"c": cur, "s": sib}
    got = [SumNode(a[x.hash], tuple(a[s] for s in x.sums)) for x in (left, right)]
    assert got == [pick[want[0]], pick[want[1]]]
    assert fails_at(cs, {"bit": 2, **_node_inputs("c", cur), **_node_inputs("s", sib)}) == "swap/bit_boolean"


@cache
def _path_circuit():
    """Public root (hash, sums); private leaf, path bits and siblings."""
    cs = ConstraintSystem()
    root = ms.SumNodeVar.of(cs.public("root_h"), [cs.public(f"root_s{a}") for a in range(A)])
    lf = _node_vars(cs, "leaf")
    bits = [cs.private(f"bit{j}") for j in range(DEPTH)]
    sibs = [_node_vars(cs, f"sib{j}") for j in range(DEPTH)]
    got = ms.path_root(cs, lf, bits, sibs, sum_bits=BITS)
    ms.assert_node_equal(cs, got, root)
    return cs, got


def _tree(seed=0):
    rng = random.Random(seed)
    leaves = [leaf_node(rng.randrange(R), [rng.randrange(2**64) for _ in range(A)]) for _ in range(6)]
    return MerkleSumTree(leaves, depth=DEPTH)


def _path_inputs(tree, index, proof=None):
    p = proof or tree.inclusion_proof(index)
    ins = {**_node_inputs("root", tree.root), **_node_inputs("leaf", p.leaf)}
    for j, (b, s) in enumerate(zip(p.path_bits, p.siblings)):
        ins[f"bit{j}"] = b
        ins.update(_node_inputs(f"sib{j}", s))
    return ins


def test_path_count_pinned():
    assert _path_circuit()[0].num_constraints == DEPTH * LEVEL_COUNT + 1 + A


@given(st.integers(0, 2**16), st.integers(0, 7))
@settings(max_examples=8)
def test_path_agrees_with_native_tree(seed, index):
    """Property: every native inclusion proof satisfies the circuit with the native root."""
    tree = _tree(seed)
    cs, got = _path_circuit()
    a = solve_ok(cs, _path_inputs(tree, index))
    assert a[got.hash] == tree.root.hash and tuple(a[s] for s in got.sums) == tree.root_sums


def test_swapped_siblings():
    tree = _tree()
    ins = _path_inputs(tree, 5)
    for k in ("h", "s0", "s1"):
        ins[f"sib0_{k}"], ins[f"sib1_{k}"] = ins[f"sib1_{k}"], ins[f"sib0_{k}"]
    assert fails_at(_path_circuit()[0], ins) == "root/hash"


def test_non_binary_index():
    ins = _path_inputs(_tree(), 2)
    ins["bit1"] = 2
    assert fails_at(_path_circuit()[0], ins) == "path/level_1/swap/bit_boolean"


def test_flipped_path_bit():
    ins = _path_inputs(_tree(), 2)
    ins["bit0"] ^= 1
    assert fails_at(_path_circuit()[0], ins) == "root/hash"


@pytest.mark.parametrize("attack", ["split", "double", "cross_wire", "understate_leaf"])
def test_sum_tree_binding(attack):
    """A6: sums split, doubled, moved between assets, or a leaf balance understated: unsat."""
    tree = _tree()
    ins = _path_inputs(tree, 3)
    if attack == "split":
        ins["sib1_s0"] //= 2
    elif attack == "double":
        ins["sib2_s1"] *= 2
    elif attack == "cross_wire":
        ins["sib0_s0"], ins["sib0_s1"] = ins["sib0_s0"] - 1, ins["sib0_s1"] + 1
    else:
        ins["leaf_s0"] -= 1
    assert fails_at(_path_circuit()[0], ins) == "root/hash"


def test_root_sums_must_match():
    ins = _path_inputs(_tree(), 3)
    ins["root_s1"] += 1
    assert fails_at(_path_circuit()[0], ins) == "root/sum_1"


def test_negative_sibling_sum_wraps_rejected():
    """A sibling sum of r - 5 (= -5) fails its range check before anything else."""
    ins = _path_inputs(_tree(), 3)
    ins["sib1_s0"] = R - 5
    assert fails_at(_path_circuit()[0], ins) == "path/level_1/sibling_sum_0_range/recompose"


def test_path_hints_pinned():
    """A5 on a seeded sample of the path's hints (selects, range bits, S-boxes)."""
    cs, got = _path_circuit()
    outs = {"root_h": got.hash, **{f"root_s{a}": s for a, s in enumerate(got.sums)}}
    assert_hints_pinned(cs, _path_inputs(_tree(), 6), outs, max_hints=12, seed=3)
    selects = [h for h in cs.hints if "select" in h.name]
    assert len(selects) == DEPTH * (1 + A)
    for h in selects[:3]:
        ins = _path_inputs(_tree(), 6)
        assert fails_at(cs, ins, {h.outputs[0]: 7}) is not None


@pytest.mark.slow
def test_node_every_hint_pinned():
    """A5 over every hint of a node (all S-boxes and all range-check bits)."""
    cs, out = _node_circuit()
    left, right = SumNode(5, (10, 20)), SumNode(6, (30, 40))
    outs = {"hash": out.hash, **{f"s{a}": s for a, s in enumerate(out.sums)}}
    assert_hints_pinned(cs, {**_node_inputs("l", left), **_node_inputs("r", right)}, outs)


def test_leaf_gadget_and_tree_root_equal_native():
    """In-circuit leaves (hash + sums from the same wires) and full root equal the native tree."""
    cs = ConstraintSystem()
    raw = [(i + 1, [i * 3, 2**64 - 1 - i], [i - 2]) for i in range(4)]
    leaves = []
    for i in range(len(raw)):
        ids = cs.private(f"id{i}")
        bs = [cs.private(f"b{i}_{a}") for a in range(A)]
        qs = [cs.private(f"q{i}")]
        leaves.append(ms.leaf(cs, ids, bs, qs, name=f"leaf_{i}"))
    # 4 leaves: Poseidon of 4 inputs (tag, id, 2 balances packed in one element, 1 position
    # limb in another), constant tag: 297 - 3 each
    assert cs.num_constraints == 4 * (297 - 3)
    root = ms.tree_root(cs, leaves)
    assert cs.num_constraints == 4 * (297 - 3) + 3 * (381 - 3)  # + 3 nodes without range checks
    ins = {}
    for i, (idh, bal, pos) in enumerate(raw):
        ins.update({f"id{i}": idh, f"q{i}": pos[0] % R, **{f"b{i}_{a}": b for a, b in enumerate(bal)}})
    a = solve_ok(cs, ins)
    want = MerkleSumTree([leaf_node(*r) for r in raw]).root
    assert (a[root.hash], tuple(a[s] for s in root.sums)) == (want.hash, want.sums)
    ins["b2_1"] -= 1  # understated balance: the root moves (hash and sums come from the same wire)
    b = solve_ok(cs, ins)
    assert b[root.hash] != want.hash and b[root.sums[1]] == want.sums[1] - 1
    with pytest.raises(ValueError, match="power-of-two"):
        ms.tree_root(cs, leaves[:3])


N_LEAVES, LEAF_ASSETS, LEAF_INSTRUMENTS = 4, 3, 4


@cache
def _leaf_tree_circuit():
    """4 leaves of 3 assets and 4 instruments (position limbs split 3 + 1 across elements)."""
    cs = ConstraintSystem()
    leaves = []
    for i in range(N_LEAVES):
        bs = [cs.private(f"b{i}_{a}") for a in range(LEAF_ASSETS)]
        qs = [cs.private(f"q{i}_{k}") for k in range(LEAF_INSTRUMENTS)]
        leaves.append(ms.leaf(cs, cs.private(f"id{i}"), bs, qs, name=f"leaf_{i}"))
    return cs, ms.tree_root(cs, leaves)


balances_st = st.integers(0, 2**64 - 1) | st.sampled_from([0, 1, 2**64 - 1])
positions_st = st.integers(1 - 2**63, 2**63 - 1) | st.sampled_from([0, 1 - 2**63, 2**63 - 1, -1])
leaf_st = st.tuples(st.integers(0, R - 1), st.lists(balances_st, min_size=LEAF_ASSETS, max_size=LEAF_ASSETS),
                    st.lists(positions_st, min_size=LEAF_INSTRUMENTS, max_size=LEAF_INSTRUMENTS))


@given(st.lists(leaf_st, min_size=N_LEAVES, max_size=N_LEAVES))
@settings(max_examples=10, deadline=None)
def test_property_packed_leaves_circuit_root_equals_native(raw):
    """Property: for any in-range balances and positions (incl. the bounds), the circuit's packed
    leaves and tree root equal the native tree's (one layout: merkle_sum_layout)."""
    cs, root = _leaf_tree_circuit()
    ins = {}
    for i, (idh, bal, pos) in enumerate(raw):
        ins[f"id{i}"] = idh
        ins.update({f"b{i}_{a}": b for a, b in enumerate(bal)})
        ins.update({f"q{i}_{k}": q % R for k, q in enumerate(pos)})
    a = solve_ok(cs, ins)
    want = MerkleSumTree([leaf_node(*r) for r in raw]).root
    assert (a[root.hash], tuple(a[s] for s in root.sums)) == (want.hash, want.sums)
