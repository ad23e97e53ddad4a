"""The one definition of what the Merkle sum tree hashes: domain tags and input layouts.

Both the native tree (``zkproof.witness.merkle_sum_tree``, ``hash_fn`` = native Poseidon) and
the circuit (``zkproof.gadgets.merkle_sum``, ``hash_fn`` = in-circuit Poseidon over linear
combinations) call these functions, so the two cannot drift apart.

Layouts (``A`` assets, ``I`` instruments; ``H = Poseidon`` with circomlib parameters):

    leaf   = H(tag(LEAF, n), id_hash, P_1..P_ceil(A/3), Q_1..Q_ceil(I/3))   leaf sums = (b_1..b_A)
             n = 1 + ceil(A/3) + ceil(I/3)   (8 at A = 3, I = 16: one Poseidon call)
    node   = H(tag(NODE, 2 + 2A), h_L, s_L1..s_LA, h_R, s_R1..s_RA)    node sums = s_L + s_R
    header = H(tag(HEADER, n), fields...)                              (epoch header; lead's)

Leaf packing (ATTACKS A13). Balances and positions are packed ``LIMBS_PER_ELEMENT = 3`` limbs
of ``LIMB_BITS = 64`` bits per field element, least significant first:
``P_j = b_{3j} + b_{3j+1} * 2^64 + b_{3j+2} * 2^128`` and ``Q_j`` likewise over the position
limbs ``q_i + 2^63``. Every limb is range-checked in ``[0, 2^64)`` by the batch circuit before
it is hashed (balances by ``balance_range``: ``0 <= b < 2^64``; positions by
``position_range``: ``|q| < 2^63``, so ``q + 2^63`` is in ``(0, 2^64)``), so a packed value is
an integer below ``2^192 < r`` whose base-2^64 digits are the limbs: the packing is injective and
a unit moved between two limbs (``b_0 + 2^64``, ``b_1 - 1``: the same packed value) is caught by
the range check of the limb that left ``[0, 2^64)``. The packing is a linear combination: zero
constraints. Positions enter as field elements (``q mod r``), so ``(q mod r) + 2^63`` is the
limb ``q + 2^63`` mod r. The native side (``zkproof.hash.merkle_sum_proof.leaf_node``) refuses
out-of-range balances and positions before packing, where the circuit would be unsatisfied.
Nothing else in the tree is packed: node hashes take one value per field element.

``tag(kind, n) = kind * 2^32 + n``: the domain (leaf / node / header) *and* the list length
are hashed as the first element (ATTACKS §5: TOB-IDEN3-3 domain separation, TOB-IDEN3-5
fixed length); both are constants, ``n < 2^32`` checked. The node hash commits to both
children's per-asset sums (ATTACKS A6), so a parent cannot carry sums its children's hashes do
not bind.

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
LIMB_BITS = 64  # every packed limb is range-checked in [0, 2^64) before it is hashed (A13)
LIMBS_PER_ELEMENT = 3  # 3 x 64 = 192 bits < 253: a packed element never wraps mod r
POSITION_OFFSET = 1 << 63  # limb of a position q, |q| < 2^63: q + 2^63 in (0, 2^64)


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


def pack_limbs(limbs: Sequence[T], limb_bits: int = LIMB_BITS) -> list[T]:
    """``[sum_k x_{3j+k} * 2^(w k)]_j``: ``ceil(len / 3)`` elements, least significant limb first
    (``w = limb_bits``, 64 by default; at most 84 so that three limbs stay below ``2^252``).

    Generic over ``T`` (ints or linear combinations: only ``*`` by an int and ``+`` are used), so
    in-circuit it is a linear combination (0 constraints). Injective only on limbs in
    ``[0, 2^w)``: the callers range-check every limb (module docstring, ATTACKS A13).
    """
    if not 1 <= limb_bits <= 84:
        raise ValueError(f"limb width must be in 1..84 bits, got {limb_bits}")
    out = []
    for j in range(0, len(limbs), LIMBS_PER_ELEMENT):
        group = limbs[j:j + LIMBS_PER_ELEMENT]
        acc = group[0]
        for k in range(1, len(group)):
            acc = acc + group[k] * (1 << (limb_bits * k))
        out.append(acc)
    return out


def position_limb(q: T) -> T:
    """The limb of a position given as a field element ``q mod r``: ``q + 2^63`` (mod r)."""
    return q + POSITION_OFFSET


def leaf_values(id_hash: T, balances: Sequence[T], positions: Sequence[T]) -> list[T]:
    """The leaf's hashed values in order: ``id_hash, packed balances..., packed positions...``.

    ``balances`` are the range-checked wires ``b_a``; ``positions`` the wires ``q_i`` (field
    elements). Natively the caller reduces the results mod r (a position limb of a negative
    ``q`` is ``r - |q| + 2^63`` before reduction).
    """
    return [id_hash, *pack_limbs(list(balances)), *pack_limbs([position_limb(q) for q in positions])]


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
