"""Batch circuit: one batch of ``capacity`` accounts (SPEC §1.1-1.2, and the batch's share of
§1.3-1.5; soundness argument in docs/soundness.md).

Public inputs (``zkproof.statement.batch_public_names(shape)``): ``epoch``,
``batch_commitment``, ``shape_digest``, then the risk table ``c, v, m`` entry by entry
(``table/c[a][s]``, ``table/v[i][s]``, ``table/m[i]``, field-encoded, in
``statement.table_values`` order).

``shape_digest`` is constrained to the constant ``shape.digest()`` (constraint
``shape_digest``): the key made from this circuit verifies only a statement whose verifier
supplies this shape's digest, so a header that relabels the shape (same table size, other
instruments and scenarios) fails the pairing even with the key digest pinned.

The table is public, not hashed: the margin products multiply by the very public wires, and
the verifier builds those inputs from the header's range-checked table, so a proof made with
any other table does not verify against the published one (ATTACKS A15, A17). This replaces
the former in-circuit table hash (13,987 constraints per batch at the default shape) by one
QAP row per entry (snarkjs' convention for public inputs: 339 rows) and a verifier-side fold
of those inputs into the key, once per bundle (``zkproof.verifier.fold``).

Private: per account ``id_hash``, balances ``b[a]``, positions ``q[i]``, and the batch
``blinder``.

Proved, per account ``u`` (namespace ``account_{u}``):

* ``balance_range[a]``: ``0 <= b[a] < 2^64``;  ``position_range[i]``: ``|q[i]| < 2^63``;
* ``margin/scenario_{s}`` for s = 1..K: ``E[s] = sum_a b c[a][s] + sum_i q v[i][s] >= N``;
* ``margin/mark_floor``: ``E[0] - sum_i max(-q[i], 0) m[i] >= N``, with the rounding buffer
  ``N = sum_i max(-q[i], 0)`` (one value unit per short unit, docs/formats.md §8.1);
* the leaf of the Merkle sum tree hashes the same wires.

And for the batch: the Merkle sum root over all leaves (sums are exact: leaves < 2^64, at most
2^depth of them), per instrument the longs ``long[i] = sum_u max(q[u][i], 0) = sum_u (q[u][i] +
neg[u][i])`` and shorts ``short[i] = sum_u neg[u][i]`` (linear in wires the range check has
already: free; both in ``[0, 2^(63 + depth))``), packed as ``w[i] = long[i] + 2^K short[i]``
(``statement.interest``, ``K = Shape.interest_bits``), and ``batch_commitment`` =
``statement.batch_commitment``: one chained Poseidon sponge over ``epoch, root, root sums,
blinder, w`` (constraint ``batch_commitment``). The aggregate reads the zero-sum check and the
public open interest off the ``w`` (circuits/aggregate.py). Equity widths:
soundness bound ``Shape.equity_bits`` (every ``|E - req| < 2^equity_bits <= 2^252``, ATTACKS
A4), check width ``Shape.equity_check_bits`` (88 at the default shape: completeness for
``E - req < 2^88`` value units, enforced by pre-flight). The leaf packs the range-checked
balance and position limbs three to a field element (``zkproof.hash.merkle_sum_layout``,
ATTACKS A13).
"""

from __future__ import annotations

from zkproof import statement as stm
from zkproof.gadgets import merkle_sum
from zkproof.gadgets.compare import assert_nonnegative
from zkproof.gadgets.range_check import assert_in_range
from zkproof.r1cs.lc import LinearCombination, as_lc
from zkproof.r1cs.system import ConstraintSystem

from .common import hasher, mul, signed_position


def build(shape: stm.Shape) -> ConstraintSystem:
    """The batch R1CS for ``shape`` (deterministic: same shape, same fingerprint)."""
    A, I, S = shape.n_assets, shape.n_instruments, shape.n_scenarios
    cs = ConstraintSystem()
    pub = [cs.public(name) for name in stm.batch_public_names(shape)]
    epoch, commitment, shape_digest = pub[:len(stm.BATCH_PUBLIC_HEAD)]
    table = iter(pub[len(stm.BATCH_PUBLIC_HEAD):])
    cs.enforce_equal(shape_digest, shape.digest(), "shape_digest")
    # The risk table, public and in table_values order (c rows, v rows, m): A15.
    c = [[next(table) for _ in range(S)] for _ in range(A)]
    v = [[next(table) for _ in range(S)] for _ in range(I)]
    m = [next(table) for _ in range(I)]
    assert next(table, None) is None

    leaves = []
    longs, shorts = [LinearCombination() for _ in range(I)], [LinearCombination() for _ in range(I)]
    for u in range(shape.capacity):
        with cs.namespace(f"account_{u}"):
            idh = cs.private("id_hash")
            b = [cs.private(f"b[{a}]") for a in range(A)]
            q = [cs.private(f"q[{i}]") for i in range(I)]
            for a in range(A):
                assert_in_range(cs, b[a], stm.BALANCE_BITS, f"balance_range[{a}]")
            neg = [signed_position(cs, q[i], f"position_range[{i}]") for i in range(I)]
            _margin(cs, shape, b, q, neg, c, v, m)
            leaves.append(merkle_sum.leaf(cs, idh, b, q))
            longs = [longs[i] + q[i] + neg[i] for i in range(I)]  # max(q, 0): q = -neg or neg = 0
            shorts = [shorts[i] + neg[i] for i in range(I)]

    root = merkle_sum.tree_root(cs, leaves, sum_bits=None, leaf_bits=stm.BALANCE_BITS)
    blinder = cs.private("blinder")
    interests = [stm.interest(longs[i], shorts[i], shape.interest_bits) for i in range(I)]
    com = stm.batch_commitment(hasher(cs, "commitment"), epoch, root.hash, root.sums, interests, blinder)
    cs.enforce_equal(com, commitment, "batch_commitment")
    return cs


def _margin(cs, shape, b, q, neg, c, v, m) -> None:
    """Equity in every scenario covers the rounding buffer; at mark it also covers the
    short-option floor (SPEC §1.2; docs/formats.md §8.1).

    One published ``v`` per instrument is rounded down, which understates longs but can
    overstate a short by less than one value unit per short unit. So every requirement adds
    ``N = sum_i max(-q_i, 0)`` (``SHORT_BUFFER = 1``): ``E[s] - N >= 0`` (s >= 1) and
    ``E[0] - sum_i max(-q_i, 0) m_i - N >= 0``. ``N`` is linear in the ``neg`` wires: free.
    """
    # Check width k' = equity_check_bits (88) < soundness bound equity_bits (109): a negative
    # value is r - y with y < 2^109, which has no k'-bit decomposition (docs/soundness.md §1).
    k = shape.equity_check_bits
    buffer = sum(neg, LinearCombination()) * stm.SHORT_BUFFER
    with cs.namespace("margin"):
        for s in range(shape.n_scenarios):
            terms = [mul(cs, b[a], c[a][s], f"e{s}/b{a}") for a in range(shape.n_assets)]
            terms += [mul(cs, q[i], v[i][s], f"e{s}/q{i}") for i in range(shape.n_instruments)]
            equity = sum((as_lc(t) for t in terms), LinearCombination())
            if s == 0:
                floor = sum((as_lc(mul(cs, neg[i], m[i], f"floor/q{i}")) for i in range(shape.n_instruments)),
                            LinearCombination())
                assert_nonnegative(cs, equity - floor - buffer, k, "mark_floor")
            else:
                assert_nonnegative(cs, equity - buffer, k, f"scenario_{s}")
