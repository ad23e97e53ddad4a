"""The solvency statement's shared definitions (SPEC §1): one source of truth for the prover,
the circuits and the verifier.

Everything that both sides must compute identically lives here: domain tags, how ids, leaves,
the risk table, reserves and batch commitments are hashed, the bit widths of every range check
and the order of public inputs. The verifier may import this module (it imports only
``zkproof.field`` and ``zkproof.hash``).

Hash layouts (Poseidon with circomlib's parameters; every hash starts with a distinct domain tag
and has a fixed arity, ATTACKS §5 / TOB-IDEN3-3, -5):

* ``id_hash   = H(TAG_ID, sha256(id) mod r, nonce)``                       (3 inputs)
* ``pos_hash  = H(q_1 .. q_I)``  (I <= 16, field-encoded signed)            (I inputs)
* ``leaf_hash = H(TAG_LEAF, id_hash, b_1 .. b_A, pos_hash)``               (A + 3 inputs)
* Merkle sum tree nodes: ``zkproof.witness.merkle_sum_tree`` (tag, child hashes and sums).
* ``long_hash(tag, xs) = fold(H(h, x_15k .. x_15k+14))`` starting from ``h = H(tag, len(xs))``,
  the last chunk zero-padded to 15: used for the risk table and the list of batch commitments.
* ``reserves_commitment = H(TAG_RESERVES, epoch, R_1 .. R_A)``
* ``batch_commitment = H(TAG_BATCH, epoch, root_hash, S_1 .. S_A, oi_hash, blinder)`` with
  ``oi_hash = H(oi_1 .. oi_I)``, ``oi_i = sum_u q[u][i]`` of the batch.

Public inputs:

* batch proof:     ``[epoch, risk_table_hash, batch_commitment]``
* aggregate proof: ``[epoch, timestamp, root, risk_table_hash, reserves_commitment, batches_hash]``
  (the first five are the header fields the on-chain registry records).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from zkproof.field.fr import R
from zkproof.hash.poseidon import poseidon

TAG_ID = 1
TAG_LEAF = 2
TAG_NODE = 3
TAG_BATCH = 4
TAG_TABLE = 5
TAG_RESERVES = 6
TAG_BATCHES = 7

BALANCE_BITS = 64     # 0 <= b < 2^64                      (SPEC §1.1)
POSITION_BITS = 63    # |q| < 2^63, sign-magnitude          (SPEC §1.1)
MAX_FIELD_BITS = 252  # widths of range-checked values stay <= 252: no alias mod r (ATTACKS A4)
CHUNK = 15


def fe(x: int) -> int:
    """Field encoding of a signed integer (``-x`` becomes ``r - x``)."""
    return x % R


@dataclass(frozen=True)
class Shape:
    """Sizes of one statement; fixed by the circuit (changing any needs a new setup)."""

    n_assets: int
    n_instruments: int
    n_scenarios: int   # K + 1: scenario 0 is the mark
    capacity: int      # accounts per batch, a power of two
    table_bits: int    # |c|, |v|, m < 2^table_bits, checked by the verifier on the header

    def __post_init__(self) -> None:
        if self.capacity < 2 or self.capacity & (self.capacity - 1):
            raise ValueError(f"capacity must be a power of two >= 2, got {self.capacity}")
        if not 1 <= self.n_instruments <= 16 or not 1 <= self.n_assets <= 5:
            raise ValueError("1..16 instruments and 1..5 assets (Poseidon arity)")
        assert self.equity_bits <= MAX_FIELD_BITS and self.sum_bits <= MAX_FIELD_BITS

    @property
    def depth(self) -> int:
        return self.capacity.bit_length() - 1

    @property
    def equity_bits(self) -> int:
        """k with |E| < 2^k for every in-range account (ATTACKS §5 worksheet):
        |E| <= (A + I) * 2^64 * 2^C, plus the short floor at mark (I * 2^63 * 2^C)."""
        bound = (self.n_assets + 2 * self.n_instruments) * (1 << BALANCE_BITS) * (1 << self.table_bits)
        return bound.bit_length()

    @property
    def sum_bits(self) -> int:
        """Per-asset sums of a batch are < capacity * 2^64."""
        return BALANCE_BITS + self.depth


def id_field(user_id: str) -> int:
    """A user id as one field element: SHA-256 of its UTF-8 bytes, reduced once (ATTACKS A8b)."""
    return int.from_bytes(hashlib.sha256(user_id.encode("utf-8")).digest(), "big") % R


def id_hash(user_id: str, nonce: int) -> int:
    if not 0 <= nonce < R:
        raise ValueError("nonce must be a field element")
    return poseidon([TAG_ID, id_field(user_id), nonce])


def positions_hash(positions: Sequence[int]) -> int:
    return poseidon([fe(q) for q in positions])


def leaf_hash(idh: int, balances: Sequence[int], positions: Sequence[int]) -> int:
    return poseidon([TAG_LEAF, idh, *balances, positions_hash(positions)])


def long_hash(tag: int, values: Sequence[int]) -> int:
    """Hash of an arbitrary-length list (length bound in, ATTACKS §5)."""
    h = poseidon([tag, len(values)])
    for i in range(0, len(values), CHUNK):
        chunk = [fe(x) for x in values[i:i + CHUNK]]
        h = poseidon([h, *chunk, *([0] * (CHUNK - len(chunk)))])
    return h


def table_values(c: Sequence[Sequence[int]], v: Sequence[Sequence[int]], m: Sequence[int]) -> list[int]:
    """The risk table flattened row by row: c[a][s], then v[i][s], then m[i]."""
    return [x for row in c for x in row] + [x for row in v for x in row] + list(m)


def risk_table_hash(c, v, m) -> int:
    return long_hash(TAG_TABLE, table_values(c, v, m))


def reserves_commitment(epoch: int, reserves: Sequence[int]) -> int:
    return poseidon([TAG_RESERVES, epoch, *reserves])


def batch_commitment(epoch: int, root_hash: int, root_sums: Sequence[int],
                     open_interest: Sequence[int], blinder: int) -> int:
    oi_hash = poseidon([fe(x) for x in open_interest])
    return poseidon([TAG_BATCH, epoch, root_hash, *root_sums, oi_hash, blinder])


def batches_hash(commitments: Sequence[int]) -> int:
    return long_hash(TAG_BATCHES, commitments)
