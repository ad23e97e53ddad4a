"""Merkle sum tree primitives a verifier needs: nodes, leaves, inclusion proofs.

Split from ``zkproof.witness.merkle_sum_tree`` (which builds whole trees and re-exports these
names) so that the verifier side, which may import only ``field``, ``curve``, ``hash``,
``formats``, ``errors`` and ``groth16.keys`` (docs/architecture.md), can check a user's
inclusion proof. Hash layouts and domain tags: ``zkproof.hash.merkle_sum_layout``.

Notes:
    ``node(left, right, sum_bits)`` refuses sums outside ``[0, 2^sum_bits)``, exactly where the
    circuit's range checks would be unsatisfied. Path bits are little-endian in the leaf index:
    bit ``j`` is 1 when the level-``j`` node is a right child (its sibling is on the left).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkproof.field.fr import R
from zkproof.hash import merkle_sum_layout as layout
from zkproof.hash.merkle_sum_layout import DEFAULT_SUM_BITS
from zkproof.hash.poseidon import poseidon


@dataclass(frozen=True)
class SumNode:
    """A tree node: its hash and its per-asset sums (field elements, sums as plain ints)."""

    hash: int
    sums: tuple[int, ...]


@dataclass(frozen=True)
class InclusionProof:
    index: int
    leaf: SumNode
    path_bits: tuple[int, ...]  # bit j: 1 if the level-j node is a right child
    siblings: tuple[SumNode, ...]  # level 0 (leaf's sibling) upwards


def _check_sums(sums: Sequence[int], sum_bits: int, what: str) -> None:
    for a, s in enumerate(sums):
        if not 0 <= s < 1 << sum_bits:
            raise ValueError(f"{what} sum of asset {a} is outside [0, 2^{sum_bits}): {s}")


def leaf_node(id_hash: int, balances: Sequence[int], positions: Sequence[int] = (),
              balance_bits: int = 64) -> SumNode:
    """Leaf: hash of ``(id_hash, packed balances, packed positions)``; sums = balances (< 2^64).

    Raises:
        ValueError: a balance outside ``[0, 2^balance_bits)`` or a position (a signed integer)
            outside ``(-2^63, 2^63)``. The leaf packs 64-bit limbs three to a field element
            (``merkle_sum_layout``), which is injective only on range-checked limbs (ATTACKS
            A13): a value the circuit's range checks would refuse is refused here, before
            packing, so a native leaf always has a satisfying circuit witness.
    """
    if balance_bits > layout.LIMB_BITS:
        raise ValueError(f"balance_bits {balance_bits} exceeds the {layout.LIMB_BITS}-bit leaf limb")
    _check_sums(balances, balance_bits, "leaf balance")
    bound = layout.POSITION_OFFSET
    for i, q in enumerate(positions):
        if not -bound < q < bound:
            raise ValueError(f"leaf position {i} is outside (-2^63, 2^63): {q!r:.40}")
    values = [v % R for v in layout.leaf_values(id_hash, list(balances), [q % R for q in positions])]
    return SumNode(layout.hash_tagged(poseidon, layout.LEAF, values), tuple(balances))


def node(left: SumNode, right: SumNode, sum_bits: int = DEFAULT_SUM_BITS) -> SumNode:
    """Parent of ``left`` and ``right``: hash over both children, sums added per asset."""
    _check_sums(left.sums, sum_bits, "left child")
    _check_sums(right.sums, sum_bits, "right child")
    sums = tuple(a + b for a, b in zip(left.sums, right.sums, strict=True))
    _check_sums(sums, sum_bits, "parent")
    return SumNode(layout.node_hash(poseidon, left.hash, left.sums, right.hash, right.sums), sums)


def root_from_proof(proof: InclusionProof, sum_bits: int = DEFAULT_SUM_BITS) -> SumNode:
    """Recompute the root from a proof (raises ``ValueError`` on out-of-range sums)."""
    if len(proof.path_bits) != len(proof.siblings):
        raise ValueError(f"{len(proof.path_bits)} path bits for {len(proof.siblings)} siblings")
    cur = proof.leaf
    for bit, sib in zip(proof.path_bits, proof.siblings):
        if bit not in (0, 1):
            raise ValueError(f"path bit must be 0 or 1, got {bit}")
        cur = node(sib, cur, sum_bits) if bit else node(cur, sib, sum_bits)
    return cur


def verify_inclusion(root: SumNode, proof: InclusionProof, depth: int,
                     sum_bits: int = DEFAULT_SUM_BITS) -> bool:
    """True iff ``proof`` has ``depth`` levels and recomputes ``root`` (hash and sums).

    Raises:
        ValueError: "path length N, expected D" (ATTACKS A7), or malformed path bits / sums.
    """
    if len(proof.siblings) != depth or len(proof.path_bits) != depth:
        raise ValueError(f"path length {len(proof.siblings)}, expected {depth}")
    if proof.index != sum(b << j for j, b in enumerate(proof.path_bits)):
        return False
    return root_from_proof(proof, sum_bits) == root
