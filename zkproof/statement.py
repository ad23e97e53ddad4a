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
* ``batch_commitment``: one chained sponge (``chain_hash``) over the ``n = 3 + A + I`` values
  ``epoch, root_hash, S_1..S_A, blinder, w_1..w_I``: ``h = H(tag(BATCH, n), x_1..x_k)``, then
  ``h = H(h, x_(k+1)..x_n)``, no padding; ``k = chain_split(n)`` (14 for A = 3, I = 16: 987
  constraints). ``w_i = interest(long_i, short_i) = long_i + 2^K short_i`` packs the batch's
  longs ``long_i = sum_u max(q[u][i], 0)`` and shorts ``short_i = sum_u max(-q[u][i], 0)``
  of instrument ``i``, ``K = Shape.interest_bits`` (both are below ``2^K`` by construction, so
  the packing is injective: docs/soundness.md §2). One layout, used by both circuits and both
  witness builders (``batch_commitment_values``). The epoch stops replaying a batch in another
  epoch and the secret blinder stops anyone confirming guessed totals by hashing (ATTACKS A14).
* ``open_interest_hash = chain_hash(OPEN_INTEREST, [OI_1..OI_I])``: the epoch's open interest
  per instrument (SPEC §1.3), which the header lists and the verifier hashes. The aggregate
  proves ``sum_b w_b[i] = OI_i (1 + 2^K)``: with ``OI_i < 2^K`` (checked by the verifier on the
  header) that is ``sum longs = sum shorts = OI_i`` as integers, the zero-sum check and the open
  interest in one linear constraint. Dropping any set of accounts that holds positions lowers
  some ``OI_i``.
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
VENUE_LEAF, VENUE_SHAPE = 14, 15  # the sparse venue batch: its leaf and its shape digest (zkproof.venue)
# the venue epoch (zkproof.venue): the challenge gamma, a batch's blinded gamma sums, the open
# interest vector, the table, the epoch shape digest
RLC, VENUE_SUMS, VENUE_OI, VENUE_TABLE, VENUE_EPOCH_SHAPE = 16, 17, 18, 19, 20

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
        if 2 * self.interest_bits + 1 > MAX_FIELD_BITS:
            raise ValueError("capacity x n_batches too large: the packed open interest would "
                             f"need {2 * self.interest_bits + 1} > {MAX_FIELD_BITS} bits")

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
    def interest_bits(self) -> int:
        """K with every batch's and the epoch's longs and shorts per instrument below ``2^K``:
        at most ``n_batches * capacity`` positions of magnitude below 2^63. The packed
        ``long + 2^K short`` summed over the batches stays below ``2^(2K + 1)`` (asserted
        ``< 2^252`` in ``__post_init__``)."""
        return POSITION_BITS + self.depth + self.n_batches.bit_length() - 1

    @property
    def open_interest_bound(self) -> int:
        """Every ``OI_i`` is below this (``2^interest_bits``); the verifier checks the header's."""
        return 1 << self.interest_bits

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


MAX_SNAPSHOT_AGE_SECONDS = 3600  # default bound on epoch timestamp - oracle snapshot time


def snapshot_age_problem(timestamp: int, snapshot_time: int, max_age: int) -> str | None:
    """Why an epoch stamped ``timestamp`` may not use prices snapshotted at ``snapshot_time``
    (None when it may): the snapshot must not be after the epoch, nor older than ``max_age``
    seconds, so old prices cannot be replayed in a later epoch (ATTACKS A20). The prover
    (``zkproof.pipeline``) and the verifier (``zkproof.verifier.bundle_check``) both ask this."""
    age = timestamp - snapshot_time
    if age < 0:
        return f"the oracle snapshot ({snapshot_time}) is {-age} s after the epoch timestamp ({timestamp})"
    if age > max_age:
        return f"the oracle snapshot is {age} s older than the epoch timestamp (max {max_age} s)"
    return None


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
    """The batch proof's public inputs in order: ``epoch, batch_commitment, shape_digest``, then the
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


def chain_split(n: int) -> int:
    """How many values the first call of ``chain_hash`` takes (the rest go to the second).

    ``n <= 15``: all of them (one call). ``15 < n <= 29``: the split ``k`` with both calls at
    most 16 inputs that needs the fewest partial rounds, ``R_P[k] + R_P[n - k]`` (call widths
    ``t = k + 2`` and ``n - k + 2``; full rounds cost the same for every split); ties go to the
    larger ``k``. It is a fixed function of ``n``, part of the layout like the tag.
    """
    if not 0 < n <= 2 * MAX_DIRECT - 1:
        raise ValueError(f"chain_hash takes 1..{2 * MAX_DIRECT - 1} values, got {n}")
    if n <= MAX_DIRECT:
        return n
    ks = range(n - MAX_DIRECT + 1, MAX_DIRECT + 1)  # 2nd call: h + (n - k) <= 16 inputs
    return min(ks, key=lambda k: (R_P[k] + R_P[n - k], -k))


def chain_hash(hash_fn: HashFn, kind: int, values: Sequence[T]) -> T:
    """``h = H(tag(kind, n), x_1..x_k)``, then ``h = H(h, x_(k+1)..x_n)`` (no zero padding),
    ``k = chain_split(n)``: a fixed-length sponge whose first call binds the kind and the total
    length (ATTACKS §5, TOB-IDEN3-3/-5). The second call starts with a Poseidon output, so it
    cannot be read as a tagged hash of another kind without a preimage of a small tag."""
    k = chain_split(len(values))
    h = hash_fn([tag(kind, len(values)), *values[:k]])
    return hash_fn([h, *values[k:]]) if k < len(values) else h


def interest(long: T, short: T, bits: int) -> T:
    """``long + 2^bits * short``: one instrument's longs and shorts in one committed value
    (``bits = Shape.interest_bits``; both below ``2^bits``, so the packing is injective)."""
    return long + short * (1 << bits)


def batch_commitment_values(epoch: T, root_hash: T, root_sums: Sequence[T], interests: Sequence[T],
                            blinder: T) -> list[T]:
    """The committed values in order: ``epoch, root_hash, S_1..S_A, blinder, w_1..w_I`` with
    ``w_i = interest(long_i, short_i)``."""
    return [epoch, root_hash, *root_sums, blinder, *interests]


def batch_commitment(hash_fn: HashFn, epoch: T, root_hash: T, root_sums: Sequence[T],
                     interests: Sequence[T], blinder: T) -> T:
    """``chain_hash(BATCH, batch_commitment_values(...))``: what both circuits and both witness
    builders compute; the header publishes it, the batch proof exposes it and the aggregate
    recomputes it (ATTACKS A14, A11b, A9)."""
    return chain_hash(hash_fn, BATCH, batch_commitment_values(epoch, root_hash, root_sums,
                                                              interests, blinder))


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
