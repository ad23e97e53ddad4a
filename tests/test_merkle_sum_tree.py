"""Native Merkle sum tree: root and sums against a naive recursion, inclusion proofs, attacks."""

from __future__ import annotations

import dataclasses
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkproof.field.fr import R
from zkproof.hash import merkle_sum_layout as layout
from zkproof.hash.poseidon import poseidon
from zkproof.witness.merkle_sum_tree import (
    MerkleSumTree,
    SumNode,
    leaf_node,
    node,
    root_from_proof,
    verify_inclusion,
)

A = 3  # assets in these tests


def _leaves(n, seed=0):
    return [leaf_node(1000 + i + seed, [i * 7 + seed, (2**64 - 1) - i, i * i], [i - 3, -(i + 1)])
            for i in range(n)]


def _naive_root(nodes):
    """Independent model: the layout written out literally, recursion on halves."""
    if len(nodes) == 1:
        return nodes[0]
    mid = len(nodes) // 2
    lft, rgt = _naive_root(nodes[:mid]), _naive_root(nodes[mid:])
    h = poseidon([(2 << 32) | (2 + 2 * A), lft.hash, *lft.sums, rgt.hash, *rgt.sums])
    return SumNode(h, tuple(a + b for a, b in zip(lft.sums, rgt.sums)))


def test_leaf_hash_layout_literal():
    """The packed layout written out: 3 balances in one element, positions as q + 2^63 limbs."""
    lf = leaf_node(5, [1, 2, 3], [-1, 4])
    packed_b = 1 + 2 * 2**64 + 3 * 2**128
    packed_q = (2**63 - 1) + (2**63 + 4) * 2**64
    assert lf.hash == poseidon([(1 << 32) | 3, 5, packed_b, packed_q])
    assert lf.sums == (1, 2, 3)
    # 3 assets, 16 positions: 1 + 1 + 6 = 8 values, one Poseidon call (tag + 8 inputs)
    full = leaf_node(7, [2**64 - 1] * 3, [-(2**63 - 1)] * 8 + [2**63 - 1] * 8)
    top = 2**64 - 1
    groups = [[1] * 3, [1] * 3, [1, 1, top], [top] * 3, [top] * 3, [top]]
    want = [(1 << 32) | 8, 7, top * (1 + 2**64 + 2**128)] + \
        [sum(x << (64 * k) for k, x in enumerate(g)) for g in groups]
    assert full.hash == poseidon(want)


@pytest.mark.parametrize("n_assets,n_instruments,n_values", [(1, 1, 3), (3, 16, 8), (4, 4, 5),
                                                              (5, 16, 9), (2, 0, 2)])
def test_leaf_value_count(n_assets, n_instruments, n_values):
    """n = 1 + ceil(A/3) + ceil(I/3): at most 9 values for the largest shape, one call."""
    vals = layout.leaf_values(1, [0] * n_assets, [0] * n_instruments)
    assert len(vals) == n_values <= layout.MAX_DIRECT


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13])
def test_root_and_sums_match_naive(n):
    leaves = _leaves(n)
    tree = MerkleSumTree(leaves)
    padded = leaves + [SumNode(0, (0,) * A)] * ((1 << tree.depth) - n)
    assert tree.root == _naive_root(padded)
    assert tree.root_sums == tuple(sum(lf.sums[a] for lf in leaves) for a in range(A))


def test_root_changes_with_any_balance():
    base = MerkleSumTree(_leaves(4)).root
    assert MerkleSumTree(_leaves(4, seed=1)).root != base


@pytest.mark.parametrize("index", range(8))
def test_inclusion_proof_verifies(index):
    tree = MerkleSumTree(_leaves(7), depth=3)
    proof = tree.inclusion_proof(index)
    assert verify_inclusion(tree.root, proof, depth=3)


def _proof():
    tree = MerkleSumTree(_leaves(8))
    return tree, tree.inclusion_proof(5)


def test_swapped_siblings():
    tree, p = _proof()
    bad = dataclasses.replace(p, siblings=(p.siblings[1], p.siblings[0], *p.siblings[2:]))
    assert not verify_inclusion(tree.root, bad, 3)


def test_flipped_path_bit():
    tree, p = _proof()
    bits = list(p.path_bits)
    bits[0] ^= 1
    bad = dataclasses.replace(p, path_bits=tuple(bits), index=p.index ^ 1)
    assert not verify_inclusion(tree.root, bad, 3)


@pytest.mark.parametrize("change", ["split", "double", "cross_wire"])
def test_sibling_sums_tampered(change):
    """Maxwell-style: a sibling whose sums are split, doubled or moved between assets."""
    tree, p = _proof()
    s = p.siblings[1]
    sums = {"split": (s.sums[0] // 2, *s.sums[1:]), "double": tuple(2 * x for x in s.sums),
            "cross_wire": (s.sums[0] - 1, s.sums[1] + 1, s.sums[2])}[change]
    bad = dataclasses.replace(p, siblings=(p.siblings[0], SumNode(s.hash, sums), p.siblings[2]))
    assert not verify_inclusion(tree.root, bad, 3)


@pytest.mark.parametrize("depth", [2, 4])
def test_path_length_wrong(depth):
    tree, p = _proof()
    with pytest.raises(ValueError, match=f"path length 3, expected {depth}"):
        verify_inclusion(tree.root, p, depth)


def test_non_binary_path_bit():
    _, p = _proof()
    with pytest.raises(ValueError, match="path bit"):
        root_from_proof(dataclasses.replace(p, path_bits=(2, 0, 1)))


@pytest.mark.parametrize("bad", [2**64, -1, R - 1])
def test_leaf_balance_out_of_range(bad):
    with pytest.raises(ValueError, match="leaf balance"):
        leaf_node(1, [0, bad, 0])


def test_negative_sibling_sum_refused():
    """A sibling 'sum' of r - 5 (i.e. -5) would shrink totals: refused like the circuit."""
    tree, p = _proof()
    s = p.siblings[0]
    bad = dataclasses.replace(p, siblings=(SumNode(s.hash, (R - 5, *s.sums[1:])), *p.siblings[1:]))
    with pytest.raises(ValueError, match="outside"):
        verify_inclusion(tree.root, bad, 3)


def test_node_sum_bound():
    big = SumNode(1, (2**95,))
    assert node(big, SumNode(2, (2**95 - 1,))).sums == (2**96 - 1,)
    with pytest.raises(ValueError, match="parent sum"):
        node(big, big)


def test_tree_shape_errors():
    with pytest.raises(ValueError, match="do not fit"):
        MerkleSumTree(_leaves(5), depth=2)
    with pytest.raises(ValueError, match="at least one"):
        MerkleSumTree([])
    with pytest.raises(IndexError):
        MerkleSumTree(_leaves(4)).inclusion_proof(4)


def test_limb_packing_carry():
    """A13, native side: the packing sites are the leaf's balances and positions (node, id and
    statement hashes take one value per element: enumerated below). A unit moved between two
    limbs gives the same packed value, so only the range check of each limb stops it: the
    native leaf refuses the shifted values (the circuit's twin: test_solvency_batch_soundness)."""
    # enumerate: what is packed, and what is not
    assert layout.leaf_values(9, [1, 2], [3]) == [9, 1 + 2 * 2**64, 3 + 2**63]
    assert layout.node_values(7, [1, 2], 8, [3, 4]) == [7, 1, 2, 8, 3, 4]
    # the carry attack on balances: (b0 + 2^64, b1 - 1) packs like (b0, b1) ...
    honest, shifted = [5, 7, 0], [5 + 2**64, 6, 0]
    assert layout.pack_limbs(honest) == layout.pack_limbs(shifted)
    with pytest.raises(ValueError, match="leaf balance sum of asset 0 is outside"):
        leaf_node(9, shifted)  # ... and b0 + 2^64 is refused before packing
    with pytest.raises(ValueError, match="leaf balance sum of asset 1 is outside"):
        leaf_node(9, [5, -1 % R, 0])  # the borrowing limb alone: b1 = -1 = r - 1
    # the same on positions: q0 + 2^64 and q1 - 1 (limbs q + 2^63)
    q_honest, q_shifted = [3, -4], [3 + 2**64, -5]
    lim = [layout.position_limb(q) for q in q_honest]
    assert layout.pack_limbs(lim) == layout.pack_limbs([layout.position_limb(q) for q in q_shifted])
    with pytest.raises(ValueError, match="leaf position 0 is outside"):
        leaf_node(9, [0], q_shifted)
    for q in (2**63, -(2**63), R - 1):
        with pytest.raises(ValueError, match="leaf position 0 is outside"):
            leaf_node(9, [0], [q])
    # the boundaries themselves pack to distinct limbs in (0, 2^64)
    assert [layout.position_limb(q) for q in (1 - 2**63, 2**63 - 1)] == [1, 2**64 - 1]
    assert leaf_node(9, [1 << 32, 0]).hash != leaf_node(9, [0, 1]).hash


def test_domain_tags_separate_leaf_and_node():
    """The same values hashed as a leaf and as a node give different digests (TOB-IDEN3-3)."""
    vals = [1, 2, 3, 4, 5, 6, 7, 8]
    as_leaf = layout.hash_tagged(poseidon, layout.LEAF, vals)
    assert as_leaf != layout.hash_tagged(poseidon, layout.NODE, vals)
    assert as_leaf != layout.hash_tagged(poseidon, layout.LEAF, vals + [0])


def test_long_lists_are_chunked():
    vals = list(range(40))
    h = layout.hash_tagged(poseidon, layout.LEAF, vals)
    chunks = [poseidon([layout.tag(layout.CHUNK, (layout.LEAF << 16) | len(c)), *c])
              for c in (vals[:15], vals[15:30], vals[30:])]
    assert h == poseidon([layout.tag(layout.LEAF, 40), *chunks])
    with pytest.raises(ValueError, match="at most 225"):
        layout.hash_tagged(poseidon, layout.LEAF, [0] * 226)


@given(st.lists(st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)), min_size=1, max_size=9),
       st.data())
def test_property_every_leaf_included(balances, data):
    """Any leaf's proof verifies, and the root sums are the exact integer sums (A12)."""
    leaves = [leaf_node(i, list(b)) for i, b in enumerate(balances)]
    tree = MerkleSumTree(leaves)
    i = data.draw(st.integers(0, len(leaves) - 1))
    assert verify_inclusion(tree.root, tree.inclusion_proof(i), tree.depth)
    assert tree.root_sums == tuple(sum(b[a] for b in balances) for a in range(2))


@pytest.mark.slow
def test_ten_thousand_leaves_timing():
    t0 = time.perf_counter()
    tree = MerkleSumTree([leaf_node(i, [i, 2 * i, 3 * i], [i - 7]) for i in range(10_000)])
    elapsed = time.perf_counter() - t0
    assert tree.depth == 14 and tree.root_sums[0] == sum(range(10_000))
    print(f"10^4 leaves: {elapsed:.1f} s")


def test_proof_primitives_importable_by_the_verifier():
    """``zkproof.hash.merkle_sum_proof`` loads no prover-side module (architecture import rule)."""
    import subprocess
    import sys

    code = ("import sys, zkproof.hash.merkle_sum_proof; "
            "bad = [m for m in sys.modules if m.startswith(('zkproof.witness', 'zkproof.gadgets', "
            "'zkproof.r1cs', 'zkproof._native', 'zkproof.prover'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    from zkproof.hash import merkle_sum_proof
    from zkproof.witness import merkle_sum_tree

    assert merkle_sum_tree.verify_inclusion is merkle_sum_proof.verify_inclusion
