"""Merkle sum tree in-circuit: node, path-bit swap, inclusion path, full root.

Layout and domain tags come from ``zkproof.hash.merkle_sum_layout`` (shared with the native tree
``zkproof.witness.merkle_sum_tree``): ``node = H(tag(NODE, 2 + 2A), h_L, s_L..., h_R, s_R...)``,
``sums = s_L + s_R`` per asset.

Soundness (ATTACKS A6, A7):
    * Binding: the parent hash commits to each child's per-asset sums, and the parent sums are
      the *linear* sums of exactly those wires -- a node cannot carry ``max(s_L, s_R)`` (Maxwell)
      or move value between assets without changing a hashed input.
    * No wrap: every sum that enters a node is in ``[0, 2^k)`` with ``k = sum_bits <= 252``:
      leaves by the caller's 64-bit balance checks, siblings of a path by this gadget, parents by
      this gadget (``assert_in_range``). Then ``s_L + s_R < 2^(k+1) < r``: the field sum is the
      integer sum. Completeness needs ``capacity * 2^64 < 2^k`` (``DEFAULT_SUM_BITS = 96``:
      2^32 leaves). In a full tree built from range-checked leaves (``merkle_sum_root``) sums
      cannot wrap before ``k = 64 + depth`` reaches 253, so parent checks there are optional.
    * Path bits are constrained boolean; a bit of 2 breaks ``bit_boolean``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from zkproof.gadgets.boolean import assert_boolean, select
from zkproof.gadgets.poseidon import poseidon
from zkproof.gadgets.range_check import MAX_RANGE_BITS, assert_in_range
from zkproof.hash import merkle_sum_layout as layout
from zkproof.hash.merkle_sum_layout import DEFAULT_SUM_BITS
from zkproof.r1cs.lc import LCLike, LinearCombination, as_lc
from zkproof.r1cs.system import ConstraintSystem


@dataclass
class SumNodeVar:
    """A node in the circuit: its hash and per-asset sums as linear combinations."""

    hash: LinearCombination
    sums: list[LinearCombination]

    @staticmethod
    def of(hash_: LCLike, sums: Sequence[LCLike]) -> SumNodeVar:
        return SumNodeVar(as_lc(hash_), [as_lc(s) for s in sums])


def _hasher(cs: ConstraintSystem, name: str):
    count = itertools.count()
    return lambda xs: poseidon(cs, xs, f"{name}/poseidon_{next(count)}")


def leaf(cs: ConstraintSystem, id_hash: LCLike, balances: Sequence[LCLike],
         positions: Sequence[LCLike], name: str = "leaf") -> SumNodeVar:
    """Leaf node from the *same* wires the caller range-checks.

    Preconditions (the caller's constraints, ATTACKS A13): every balance in ``[0, 2^64)`` and
    every position ``q`` in ``(-2^63, 2^63)``. The layout packs them as 64-bit limbs
    (``b``, ``q + 2^63``) three to a field element, which is injective only because of those
    range checks: without them ``b_0 + 2^64, b_1 - 1`` would hash like ``b_0, b_1``.
    Constraints:
        One Poseidon of ``2 + ceil(A/3) + ceil(I/3)`` inputs with a constant tag (packing is
        linear: free); names ``{name}/poseidon_0/...``.
    Notes:
        The sums are the balance wires themselves, so a leaf cannot hash one balance and add
        another (ATTACKS A6 b).
    """
    h = layout.leaf_hash(_hasher(cs, name), as_lc(id_hash), [as_lc(b) for b in balances],
                         [as_lc(q) for q in positions])
    return SumNodeVar.of(h, balances)


def node(cs: ConstraintSystem, left: SumNodeVar, right: SumNodeVar, *,
         sum_bits: int | None = DEFAULT_SUM_BITS, name: str = "node") -> SumNodeVar:
    """Parent of two nodes whose sums are already in ``[0, 2^sum_bits)``.

    Constraints:
        Poseidon of ``3 + 2A`` inputs (constant tag) + ``A * (sum_bits + 1)`` parent range checks
        (none if ``sum_bits`` is None). Names: ``{name}/poseidon_0/...``,
        ``{name}/sum_{a}_range/...``.
    """
    h = layout.node_hash(_hasher(cs, name), left.hash, left.sums, right.hash, right.sums)
    sums = [a + b for a, b in zip(left.sums, right.sums, strict=True)]
    if sum_bits is not None:
        for a, s in enumerate(sums):
            assert_in_range(cs, s, sum_bits, f"{name}/sum_{a}_range")
    return SumNodeVar(h, sums)


def swap(cs: ConstraintSystem, bit: LCLike, current: SumNodeVar, sibling: SumNodeVar,
         name: str = "swap") -> tuple[SumNodeVar, SumNodeVar]:
    """``(left, right) = bit ? (sibling, current) : (current, sibling)``; asserts ``bit`` boolean.

    Constraints: ``1 + (1 + A)`` (booleanity, one select per element; right = cur + sib - left).
    """
    assert_boolean(cs, bit, f"{name}/bit_boolean")
    cur = [current.hash, *current.sums]
    sib = [sibling.hash, *sibling.sums]
    left = [as_lc(select(cs, bit, s, c, f"{name}/select_{i}")) for i, (c, s) in enumerate(zip(cur, sib))]
    right = [c + s - l for c, s, l in zip(cur, sib, left)]
    return SumNodeVar(left[0], left[1:]), SumNodeVar(right[0], right[1:])


def path_root(cs: ConstraintSystem, leaf_node: SumNodeVar, path_bits: Sequence[LCLike],
              siblings: Sequence[SumNodeVar], *, sum_bits: int = DEFAULT_SUM_BITS,
              name: str = "path") -> SumNodeVar:
    """Root recomputed from a leaf and its inclusion path (siblings' sums range-checked).

    Constraints per level: ``A * (sum_bits + 1)`` sibling ranges + swap + node.
    Names: ``{name}/level_{j}/{sibling_sum_{a}_range,swap,node}/...``.
    """
    if len(path_bits) != len(siblings):
        raise ValueError(f"{len(path_bits)} path bits for {len(siblings)} siblings")
    cur = leaf_node
    for j, (bit, sib) in enumerate(zip(path_bits, siblings)):
        with cs.namespace(f"{name}/level_{j}"):
            for a, s in enumerate(sib.sums):
                assert_in_range(cs, s, sum_bits, f"sibling_sum_{a}_range")
            left, right = swap(cs, bit, cur, sib)
            cur = node(cs, left, right, sum_bits=sum_bits)
    return cur


def tree_root(cs: ConstraintSystem, leaves: Sequence[SumNodeVar], *, sum_bits: int | None = None,
              leaf_bits: int = 64, name: str = "mst") -> SumNodeVar:
    """Root of a full tree over ``2^d`` leaves whose sums the caller range-checked (< 2^leaf_bits).

    ``sum_bits=None`` skips the parent range checks: sums at level ``j`` are below
    ``2^(leaf_bits + j)`` as integers, which cannot wrap while ``leaf_bits + d <= 252`` (checked).
    """
    n = len(leaves)
    if n < 2 or n & (n - 1):
        raise ValueError(f"tree_root needs a power-of-two number (>= 2) of leaves, got {n}")
    if sum_bits is None and leaf_bits + n.bit_length() - 1 > MAX_RANGE_BITS:
        raise ValueError(f"{n} leaves of {leaf_bits}-bit sums could wrap: pass sum_bits")
    level, j = list(leaves), 0
    while len(level) > 1:
        level = [node(cs, level[i], level[i + 1], sum_bits=sum_bits, name=f"{name}/level_{j}/node_{i // 2}")
                 for i in range(0, len(level), 2)]
        j += 1
    return level[0]


def assert_node_equal(cs: ConstraintSystem, a: SumNodeVar, b: SumNodeVar, name: str = "root") -> None:
    """Constrain two nodes equal: hash and every sum (``1 + A`` constraints)."""
    cs.enforce_equal(a.hash, b.hash, f"{name}/hash")
    for k, (x, y) in enumerate(zip(a.sums, b.sums, strict=True)):
        cs.enforce_equal(x, y, f"{name}/sum_{k}")
