"""The one definition of what the Merkle sum tree hashes: domain tags and input layouts.

Both the native tree (``zkproof.witness.merkle_sum_tree``, ``hash_fn`` = native Poseidon) and
the circuit (``zkproof.gadgets.merkle_sum``, ``hash_fn`` = in-circuit Poseidon over linear
combinations) call these functions, so the two cannot drift apart.

Layouts (``A`` assets, ``I`` instruments; ``H = Poseidon`` with circomlib parameters):

    leaf   = H(tag(LEAF, 1 + A + I), id_hash, b_1..b_A, q_1..q_I)     leaf sums = (b_1..b_A)
    node   = H(tag(NODE, 2 + 2A), h_L, s_L1..s_LA, h_R, s_R1..s_RA)    node sums = s_L + s_R
    header = H(tag(HEADER, n), fields...)                              (epoch header; lead's)

``tag(kind, n) = kind * 2^32 + n``: the domain (leaf / node / header) *and* the list length
are hashed as the first element (ATTACKS §5: TOB-IDEN3-3 domain separation, TOB-IDEN3-5
fixed length). The node hash commits to both children's per-asset sums (ATTACKS A6), so a
parent cannot carry sums its children's hashes do not bind. Signed positions enter as field
elements ``q mod r``; nothing is packed (ATTACKS A13: one value per field element).

Lists longer than 15 values are hashed in chunks of 15, each ``H(tag(CHUNK, kind * 2^16 +
len), chunk...)``, then ``H(tag(kind, n), chunk digests...)``; up to 225 values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

LEAF, NODE, HEADER, CHUNK = 1, 2, 3, 4
MAX_DIRECT = 15  # one Poseidon takes at most 16 inputs: the tag and 15 values
DEFAULT_SUM_BITS = 96  # node sums < 2^96: 2^32 leaves of balances < 2^64 (see gadgets.merkle_sum)


def tag(kind: int, length: int) -> int:
    """Domain tag: the hash's kind and its input length, as one field element."""
    if not 0 < length < 1 << 32:
        raise ValueError(f"hash input length must be in 1..2^32-1, got {length}")
    return (kind << 32) | length


def hash_tagged(hash_fn: Callable[[list], T], kind: int, values: Sequence) -> T:
    """``H(tag(kind, n), values...)`` for ``n <= 15``; chunked for ``15 < n <= 225``."""
    n = len(values)
    if n <= MAX_DIRECT:
        return hash_fn([tag(kind, n), *values])
    if n > MAX_DIRECT * MAX_DIRECT:
        raise ValueError(f"at most {MAX_DIRECT * MAX_DIRECT} values can be hashed, got {n}")
    chunks = [list(values[i:i + MAX_DIRECT]) for i in range(0, n, MAX_DIRECT)]
    digests = [hash_fn([tag(CHUNK, (kind << 16) | len(c)), *c]) for c in chunks]
    return hash_fn([tag(kind, n), *digests])


def leaf_values(id_hash: T, balances: Sequence[T], positions: Sequence[T]) -> list[T]:
    """The leaf's hashed values in order: ``id_hash, balances..., positions...``."""
    return [id_hash, *balances, *positions]


def node_values(left_hash: T, left_sums: Sequence[T], right_hash: T, right_sums: Sequence[T]) -> list[T]:
    """The node's hashed values in order: ``h_L, sums_L..., h_R, sums_R...``."""
    if len(left_sums) != len(right_sums):
        raise ValueError(f"children carry {len(left_sums)} and {len(right_sums)} asset sums")
    return [left_hash, *left_sums, right_hash, *right_sums]


def leaf_hash(hash_fn: Callable[[list], T], id_hash: T, balances: Sequence[T],
              positions: Sequence[T]) -> T:
    return hash_tagged(hash_fn, LEAF, leaf_values(id_hash, balances, positions))


def node_hash(hash_fn: Callable[[list], T], left_hash: T, left_sums: Sequence[T], right_hash: T,
              right_sums: Sequence[T]) -> T:
    return hash_tagged(hash_fn, NODE, node_values(left_hash, left_sums, right_hash, right_sums))
