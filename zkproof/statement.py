"""The solvency statement's shared definitions (SPEC §1): one source of truth for the prover,
the circuits and the verifier.

Everything that both sides must compute identically lives here: domain kinds, how ids, the risk
table, reserves and batch commitments are hashed, the bit widths of every range check and the
order of public inputs. Hash functions are generic over ``hash_fn`` (native Poseidon on ints, or
the in-circuit gadget on linear combinations) in the style of ``zkproof.hash.merkle_sum_layout``,
which defines the leaf and node hashes and the ``tag(kind, n)`` domain separation used here too.
The verifier may import this module (it imports only ``zkproof.field`` and ``zkproof.hash``).

Layouts (``H`` = Poseidon with circomlib's parameters; ``tag(kind, n) = kind * 2^32 + n``):

* ``id_hash = H(tag(ID, 2), sha256(id) mod r, nonce mod r)`` (nonce: 32 secret bytes)
* leaf / node: ``merkle_sum_layout`` (leaf commits to id_hash, balances and positions).
* ``long_hash(kind, xs)``: ``h = H(tag(kind, len))``, then ``h = H(h, next 15 values)`` per
  chunk, the last zero-padded: the risk table's published hash (any length; the aggregate's
  public input) and the list of batch commitments.
* ``reserves_commitment = H(tag(RESERVES, 1 + A), epoch, R_1..R_A)``
* ``batch_commitment``: one chained sponge (``chain_hash``) over the ``n = 3 + A + 2I`` values
  ``epoch, root_hash, S_1..S_A, blinder, net_1..net_I, oi_1..oi_I`` (``net_i = sum over the
  batch of q[u][i]``, ``oi_i = sum over the batch of max(q[u][i], 0)``, the batch's open
  interest): ``h = H(tag(BATCH, n), first k_1 values)``, then ``h = H(h, next k_j values)``, no
  padding; chunks ``chain_chunks(n)`` (15 + 13 + 10 for A = 3, I = 16). One layout, used by
  both circuits and both witness builders (``batch_commitment_values``). The epoch stops
  replaying a batch in another epoch and the secret blinder stops anyone confirming guessed
  totals by hashing (ATTACKS A14).
* ``open_interest_hash = chain_hash(OPEN_INTEREST, [OI_1..OI_I])`` with ``OI_i`` the sum of the
  batches' ``oi_i``: the public open interest per instrument (SPEC §1.3), which the header lists
  and the verifier hashes; dropping any set of accounts that holds positions lowers it.
* ``shape_digest = H(tag(SHAPE, 7), n_assets, n_instruments, n_scenarios, capacity,
  table_bits, n_batches, equity_check_cap)`` (every ``Shape`` field, declaration order): a
  constant of both circuits, so a key made for one shape cannot verify a header that states
  another (``Shape.digest``).
* ``header_digest = SHA-256(canonical header JSON without its "header_digest" key) >> 3``:
  the top 253 bits (< 2^253 < r, no reduction needed); canonical = keys sorted, separators
  ``,`` and ``:``, no whitespace, non-ASCII as UTF-8 (``header_digest``). A public input of
  the aggregate proof, so every header field (metadata included) is bound to it.
* ``totals_commitment = H(tag(TOTALS, 2 + A), epoch, salt_used, L_1..L_A)`` with
  ``salt_used = salt * (1 - totals_revealed)``: the liabilities ``L_a`` (the epoch root's sums)
  under a secret salt when hidden (the default), under 0 when the header reveals them, so the
  verifier can recompute it from the published totals (SPEC §1.4, ATTACKS A14, A17).

Public inputs:

* batch proof:     ``[epoch, batch_commitment, shape_digest, table_1..table_T]``
  (``batch_public_names``):
  the ``T = Shape.table_size`` risk-table entries in ``table_values`` order, field-encoded. The
  circuit multiplies by these very wires, so it needs no table hash; the verifier builds them
  from the header's range-checked table (ATTACKS A15, A17) and folds them into the key once per
  bundle (``zkproof.verifier.fold``).
* aggregate proof: ``[epoch, timestamp, root, risk_table_hash, reserves_commitment,
  totals_revealed, totals_commitment, open_interest_hash, shape_digest, header_digest,
  batches_hash]`` (all of them form the on-chain registry's header; ``batches_hash`` stays
  last: it is the only one the registry does not store by name).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from zkproof.field.fr import R
from zkproof.hash.grain import R_P
from zkproof.hash.merkle_sum_layout import MAX_DIRECT, hash_tagged, tag
from zkproof.hash.poseidon import poseidon

T = TypeVar("T")
HashFn = Callable[[list], T]

# Domain kinds 1..4 are merkle_sum_layout's (LEAF, NODE, HEADER, CHUNK). OI (10) is retired
# (it tagged the former separate open-interest hash) and stays reserved: never reuse it.
ID, TABLE, RESERVES, BATCH, BATCHES, OI, TOTALS = 5, 6, 7, 8, 9, 10, 11
OPEN_INTEREST, SHAPE = 12, 13  # the public open interest per instrument; the shape digest

BALANCE_BITS = 64     # 0 <= b < 2^64                       (SPEC §1.1)
POSITION_BITS = 63    # |q| < 2^63, as sign and 63-bit magnitude (SPEC §1.1)
MAX_FIELD_BITS = 252  # range-checked widths stay <= 252: no alias mod r (ATTACKS A4)
EQUITY_CHECK_BITS = 88  # width of the in-circuit check E - req >= 0 (completeness bound only):
                        # honest requirement-adjusted equity < 2^88 value units (3.1e14 USD at
                        # 10^-12 USD), refused by pre-flight otherwise; soundness needs only
                        # |E - req| < 2^equity_bits <= 2^252 (docs/soundness.md, ATTACKS A4/A12)
SHORT_BUFFER = 1      # value units per short position unit added to every requirement
                      # (one rounded v cannot be conservative for both signs: formats.md §8.1)

ACCOUNT_ROLES = ("user", "insurance_fund", "protocol_vault")  # accounts.jsonl "role"
PROTOCOL_ROLES = ACCOUNT_ROLES[1:]  # the protocol's own accounts, named in the header (SPEC §1)

BATCH_PUBLIC_HEAD = ("epoch", "batch_commitment", "shape_digest")  # then the table
AGGREGATE_PUBLIC = ("epoch", "timestamp", "root", "risk_table_hash", "reserves_commitment",
                    "totals_revealed", "totals_commitment", "open_interest_hash", "shape_digest",
                    "header_digest", "batches_hash")
HEADER_DIGEST_KEY = "header_digest"  # the one header.json key header_digest leaves out


def fe(x: int) -> int:
    """Field encoding of a signed integer (``-x`` becomes ``r - x``)."""
    return x % R


@dataclass(frozen=True)
class Shape:
    """Sizes of one statement; fixed by the circuits (changing any needs a new setup)."""

    n_assets: int
    n_instruments: int
    n_scenarios: int   # K + 1: scenario 0 is the mark
    capacity: int      # accounts per batch, a power of two
    table_bits: int    # |c|, |v|, m < 2^table_bits, checked by the verifier on the header
    n_batches: int = 2  # batch slots of the aggregate, a power of two
    equity_check_cap: int = EQUITY_CHECK_BITS  # cap on the margin-check width (completeness
                        # only); 252 = no cap: every in-range account proves (ATTACKS A12 as
                        # written), at 17 * (equity_bits - 88) more constraints per account

    def __post_init__(self) -> None:
        for name in ("capacity", "n_batches"):
            n = getattr(self, name)
            if n < 2 or n & (n - 1):
                raise ValueError(f"{name} must be a power of two >= 2, got {n}")
        if not 1 <= self.n_instruments <= 16 or not 1 <= self.n_assets <= 5:
            raise ValueError("1..16 instruments and 1..5 assets (Poseidon arity)")
        if self.n_scenarios < 1:
            raise ValueError(f"n_scenarios must be >= 1 (scenario 0 is the mark), got {self.n_scenarios}")
        if not 1 <= self.table_bits <= 64:
            raise ValueError("table_bits must be in 1..64")
        if not 1 <= self.equity_check_cap <= MAX_FIELD_BITS:
            raise ValueError(f"equity_check_cap must be in 1..{MAX_FIELD_BITS}")
        assert self.equity_check_bits <= self.equity_bits <= MAX_FIELD_BITS
        assert self.reserve_bits < MAX_FIELD_BITS

    @property
    def depth(self) -> int:
        return self.capacity.bit_length() - 1

    @property
    def equity_bits(self) -> int:
        """k with |E| < 2^k for every in-range account (ATTACKS §5 worksheet, A12):
        |E| <= A * 2^64 * 2^C + I * 2^63 * 2^C, and the short floor adds I * 2^63 * 2^C."""
        bound = (self.n_assets + self.n_instruments) * (1 << BALANCE_BITS) * (1 << self.table_bits)
        return bound.bit_length()

    @property
    def equity_check_bits(self) -> int:
        """Width k' of the margin checks ``assert_nonnegative(E - req, k')`` in the circuit.

        Soundness does not depend on it: a negative ``E - req`` is ``r - y`` with
        ``0 < y < 2^equity_bits <= 2^252``, above ``2^253``, so it has no decomposition in any
        width up to 252 (ATTACKS A4). Completeness does: an honest account needs
        ``E - req < 2^k'`` in every scenario, which pre-flight and the witness builder check
        (``min(equity_check_cap, equity_bits)``: no wider than the soundness bound needs;
        the cap is 88 by default, 252 lifts it).
        """
        return min(self.equity_check_cap, self.equity_bits)

    @property
    def reserve_bits(self) -> int:
        """Totals L_a < n_batches * capacity * 2^64; reserves must be below 2^reserve_bits."""
        return BALANCE_BITS + self.depth + self.n_batches.bit_length() - 1

    @property
    def table_size(self) -> int:
        return (self.n_assets + self.n_instruments) * self.n_scenarios + self.n_instruments

    @property
    def open_interest_bound(self) -> int:
        """Every ``OI_i`` is below this: at most ``n_batches * capacity`` longs below 2^63."""
        return self.n_batches * self.capacity << POSITION_BITS

    def digest(self) -> int:
        """``H(tag(SHAPE, n), every field in declaration order)``: the ``shape_digest`` public
        input both circuits pin to a constant, so the keys are bound to this exact shape."""
        return hash_tagged(poseidon, SHAPE, [getattr(self, f.name) for f in dataclasses.fields(self)])


def id_field(user_id: str) -> int:
    """A user id as one field element: SHA-256 of its UTF-8 bytes, reduced once (ATTACKS A8b)."""
    return int.from_bytes(hashlib.sha256(user_id.encode("utf-8")).digest(), "big") % R


def nonce_field(nonce: bytes) -> int:
    """The per-user secret nonce (32 bytes, one spelling) as one field element, reduced once."""
    if len(nonce) != 32:
        raise ValueError(f"nonce must be 32 bytes, got {len(nonce)}")
    return int.from_bytes(nonce, "big") % R


def id_hash(user_id: str, nonce: bytes) -> int:
    """``H(tag(ID, 2), id, nonce)``: what the leaf commits to instead of the id (SPEC §1)."""
    return hash_tagged(poseidon, ID, [id_field(user_id), nonce_field(nonce)])


def long_hash(hash_fn: HashFn, kind: int, values: Sequence[T]) -> T:
    """Hash of a list of any length; kind and length are bound in (ATTACKS §5)."""
    h = hash_fn([tag(kind, len(values))])
    for i in range(0, len(values), MAX_DIRECT):
        chunk = list(values[i:i + MAX_DIRECT])
        h = hash_fn([h, *chunk, *([0] * (MAX_DIRECT - len(chunk)))])
    return h


def table_values(c: Sequence[Sequence[int]], v: Sequence[Sequence[int]], m: Sequence[int]) -> list[int]:
    """The risk table flattened row by row (c[a][s], then v[i][s], then m[i]), field-encoded."""
    return [fe(x) for row in c for x in row] + [fe(x) for row in v for x in row] + [fe(x) for x in m]


def table_names(shape: Shape) -> list[str]:
    """Names of the table entries in ``table_values`` order: ``table/c[a][s]``, ``table/v[i][s]``,
    ``table/m[i]`` (the batch circuit's public wires of the same names)."""
    S = range(shape.n_scenarios)
    return ([f"table/c[{a}][{s}]" for a in range(shape.n_assets) for s in S]
            + [f"table/v[{i}][{s}]" for i in range(shape.n_instruments) for s in S]
            + [f"table/m[{i}]" for i in range(shape.n_instruments)])


def batch_public_names(shape: Shape) -> tuple[str, ...]:
    """The batch proof's public inputs in order: ``epoch, batch_commitment``, then the
    ``shape.table_size`` table entries (``table_names``)."""
    return (*BATCH_PUBLIC_HEAD, *table_names(shape))


def risk_table_hash(c, v, m) -> int:
    return long_hash(poseidon, TABLE, table_values(c, v, m))


def reserves_commitment(hash_fn: HashFn, epoch: T, reserves: Sequence[T]) -> T:
    return hash_tagged(hash_fn, RESERVES, [epoch, *reserves])


def totals_commitment(hash_fn: HashFn, epoch: T, salt_used: T, totals: Sequence[T]) -> T:
    """``H(tag(TOTALS, 2 + A), epoch, salt_used, L_1..L_A)``: binds the liabilities to the epoch.

    ``salt_used`` is the prover's secret salt when the totals are hidden (a guessed or small
    total cannot be confirmed by hashing it: ATTACKS A14) and 0 when they are revealed, so anyone
    can recompute the commitment from the published totals (``revealed_totals_commitment``).
    """
    return hash_tagged(hash_fn, TOTALS, [epoch, salt_used, *totals])


def revealed_totals_commitment(epoch: int, totals: Sequence[int]) -> int:
    """The commitment a verifier recomputes from a header that reveals its totals (salt 0)."""
    return totals_commitment(poseidon, epoch, 0, list(totals))


def chain_chunks(n: int) -> tuple[int, ...]:
    """How many values each call of ``chain_hash`` takes, in order.

    ``m = ceil(n / 15)`` calls (the fewest: the first call holds the tag and at most 15 values,
    every later one the previous output and at most 15), and among the splits into ``m``
    chunks of 1..15 values the one with the fewest partial rounds ``sum_j R_P[k_j]`` (call
    widths ``t = k_j + 2``; full rounds cost ``8 t`` per call, the same total for every split
    into ``m`` calls); ties go to the larger earlier chunks. A fixed function of ``n``, part of
    the layout like the tag (22 values: 14 + 8; 38 values: 15 + 9 + 14 at the default shape).
    """
    if n < 1:
        raise ValueError(f"chain_hash takes at least 1 value, got {n}")
    m = -(-n // MAX_DIRECT)

    def best(rest: int, calls: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(cost key, chunks) of the best split of ``rest`` values into ``calls`` chunks."""
        if calls == 1:
            return (R_P[rest],), (rest,)
        options = []
        for k in range(max(1, rest - MAX_DIRECT * (calls - 1)), min(MAX_DIRECT, rest - (calls - 1)) + 1):
            cost, chunks = best(rest - k, calls - 1)
            options.append(((R_P[k] + cost[0], *(-c for c in (k, *chunks))), (k, *chunks)))
        key, chunks = min(options)
        return (key[0],), chunks

    return best(n, m)[1]


def chain_hash(hash_fn: HashFn, kind: int, values: Sequence[T]) -> T:
    """``h = H(tag(kind, n), x_1..x_k1)``, then ``h = H(h, next k_j values)`` per later chunk (no
    zero padding), chunks ``chain_chunks(n)``: a fixed-length sponge whose first call binds the
    kind and the total length (ATTACKS §5, TOB-IDEN3-3/-5). Every later call starts with a
    Poseidon output, so it cannot be read as a tagged hash of another kind without a preimage of
    a small tag."""
    chunks = chain_chunks(len(values))
    h = hash_fn([tag(kind, len(values)), *values[:chunks[0]]])
    at = chunks[0]
    for k in chunks[1:]:
        h = hash_fn([h, *values[at:at + k]])
        at += k
    return h


def batch_commitment_values(epoch: T, root_hash: T, root_sums: Sequence[T], net: Sequence[T],
                            open_interest: Sequence[T], blinder: T) -> list[T]:
    """The committed values in order: ``epoch, root_hash, S_1..S_A, blinder, net_1..net_I,
    oi_1..oi_I`` (``net_i = sum_u q[u][i]``, ``oi_i = sum_u max(q[u][i], 0)``)."""
    return [epoch, root_hash, *root_sums, blinder, *net, *open_interest]


def batch_commitment(hash_fn: HashFn, epoch: T, root_hash: T, root_sums: Sequence[T],
                     net: Sequence[T], open_interest: Sequence[T], blinder: T) -> T:
    """``chain_hash(BATCH, batch_commitment_values(...))``: what both circuits and both witness
    builders compute; the header publishes it, the batch proof exposes it and the aggregate
    recomputes it (ATTACKS A14, A11b, A9)."""
    return chain_hash(hash_fn, BATCH, batch_commitment_values(epoch, root_hash, root_sums, net,
                                                              open_interest, blinder))


def open_interest_hash(hash_fn: HashFn, open_interest: Sequence[T]) -> T:
    """``chain_hash(OPEN_INTEREST, [OI_1..OI_I])``: the aggregate's public ``open_interest_hash``
    over the epoch's open interest per instrument (SPEC §1.3)."""
    return chain_hash(hash_fn, OPEN_INTEREST, list(open_interest))


def canonical_header_bytes(header_json: Mapping) -> bytes:
    """The header as hashed by ``header_digest``: every key but ``header_digest``, sorted keys,
    separators ``,``/``:``, no whitespace, strings in UTF-8 (not ``\\u`` escaped)."""
    body = {k: v for k, v in header_json.items() if k != HEADER_DIGEST_KEY}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def header_digest(header_json: Mapping) -> int:
    """``SHA-256(canonical_header_bytes) >> 3``: the top 253 bits, an element of F_r without
    reduction (2^253 < r). The aggregate's public ``header_digest``: binds every field of
    header.json, including fields this function does not know by name."""
    return int.from_bytes(hashlib.sha256(canonical_header_bytes(header_json)).digest(), "big") >> 3


def batches_hash(commitments: Sequence[int]) -> int:
    return long_hash(poseidon, BATCHES, list(commitments))
