"""Native Merkle sum tree: the model the circuit (``zkproof.gadgets.merkle_sum``) must agree with.

Every node carries ``(hash, sums)``; ``sums`` are per-asset totals of the leaves below it, and
the parent hash commits to both children's hashes *and* sums (layout and domain tags in
``zkproof.hash.merkle_sum_layout``, shared with the circuit). A user holding an inclusion proof
(their leaf, path bits, and each sibling's hash and sums) recomputes the root and its sums.

Notes:
    The node/leaf/proof primitives live in ``zkproof.hash.merkle_sum_proof`` (importable by the
    verifier) and are re-exported here. ``node`` refuses sums outside ``[0, 2^sum_bits)``,
    exactly where the circuit's range checks would be unsatisfied, so a native tree that builds
    is one the circuit accepts.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkproof.hash import poseidon
from zkproof.hash.merkle_sum_layout import DEFAULT_SUM_BITS
from zkproof.hash.merkle_sum_proof import (
    InclusionProof,
    SumNode,
    leaf_node,
    node,
    root_from_proof,
    verify_inclusion,
)

# The prover side hashes in C when the native kernel is built (same digests; the verifier-side
# modules, e.g. hash.merkle_sum_proof on its own, stay pure Python: docs/architecture.md).
poseidon.enable_native()

__all__ = ["InclusionProof", "MerkleSumTree", "SumNode", "leaf_node", "node", "root_from_proof",
           "verify_inclusion"]


class MerkleSumTree:
    """A complete binary tree of ``2^depth`` leaves (padded with ``padding``)."""

    def __init__(self, leaves: Sequence[SumNode], depth: int | None = None,
                 padding: SumNode | None = None, sum_bits: int = DEFAULT_SUM_BITS):
        if not leaves:
            raise ValueError("a Merkle sum tree needs at least one leaf")
        n_assets = len(leaves[0].sums)
        if any(len(x.sums) != n_assets for x in leaves):
            raise ValueError("every leaf must carry the same number of asset sums")
        if depth is None:
            depth = max(1, (len(leaves) - 1).bit_length())
        if len(leaves) > 1 << depth:
            raise ValueError(f"{len(leaves)} leaves do not fit a tree of depth {depth}")
        pad = padding or SumNode(0, (0,) * n_assets)
        self.depth = depth
        self.sum_bits = sum_bits
        self.levels: list[list[SumNode]] = [list(leaves) + [pad] * ((1 << depth) - len(leaves))]
        for _ in range(depth):
            below = self.levels[-1]
            self.levels.append([node(below[i], below[i + 1], sum_bits) for i in range(0, len(below), 2)])

    @property
    def root(self) -> SumNode:
        return self.levels[-1][0]

    @property
    def root_sums(self) -> tuple[int, ...]:
        return self.root.sums

    def inclusion_proof(self, index: int) -> InclusionProof:
        if not 0 <= index < len(self.levels[0]):
            raise IndexError(f"leaf index {index} outside 0..{len(self.levels[0]) - 1}")
        bits, siblings = [], []
        for j in range(self.depth):
            i = index >> j
            bits.append(i & 1)
            siblings.append(self.levels[j][i ^ 1])
        return InclusionProof(index, self.levels[0][index], tuple(bits), tuple(siblings))
