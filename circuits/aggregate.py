"""Aggregate circuit: ties ``n_batches`` batch proofs into one epoch statement (SPEC §1.3-1.5, §5).

Public inputs (``zkproof.statement.AGGREGATE_PUBLIC``): ``epoch``, ``timestamp``, ``root``,
``risk_table_hash``, ``reserves_commitment``, ``totals_revealed``, ``totals_commitment``,
``open_interest_hash``, ``shape_digest``, ``header_digest``, ``batches_hash``.

Private: per batch slot ``b``: its Merkle-sum root ``(hash, sums)``, net positions ``net[i]``,
open interest ``oi[i]`` and blinder (all bound by the batch's public commitment); the reserves
``R[a]`` (bound by ``reserves_commitment``, whose preimage the header publishes); the totals
``salt``.

Proved:

* ``batches_hash``: the hash of the recomputed batch commitments (each
  ``statement.batch_commitment``: one chained Poseidon sponge over ``epoch, root, sums,
  blinder, oi``, 987 constraints per batch slot at the default shape) equals the public one;
  the verifier recomputes it from the header's commitments, which are the batch proofs' public
  inputs, so every batch proved with this epoch and table is counted exactly once.
* ``zero_sum[i]``: ``sum_b net_b[i] = 0`` for every instrument. Exact: each ``|net_b| <
  2^(63+d)`` (batch circuit), so ``|sum| < n_batches 2^(63+d) << r``.
* ``open_interest_hash``: ``chain_hash(OPEN_INTEREST, [OI_1..OI_I])`` with ``OI_i = sum_b
  oi_b[i]`` (each ``oi_b`` in ``[0, 2^(63+d))``, so the field sum is the integer sum of the
  longs) equals the public one; the verifier hashes the header's ``open_interest``. Leaving out
  any set of accounts holding positions (a netting set included: ATTACKS A9) lowers some
  ``OI_i``, which anyone compares with the venue's market data (SPEC §1.3).
* ``shape_digest``: equals the constant ``shape.digest()`` (keys bound to the shape).
* ``root``: the Merkle sum tree over the batch roots; its sums are the liabilities ``L_a``.
* ``reserve_range[a]``: ``R_a < 2^reserve_bits``; ``reserve_cover[a]``: ``R_a - L_a >= 0``.
  ``L_a`` are the very wires of the root's sums (ATTACKS A11).
* ``totals_revealed``: the public flag is 0 or 1. ``salt_used``: ``salt * (1 - totals_revealed)``
  (the salt counts only when the totals are hidden). ``totals_commitment``: ``H(tag(TOTALS,
  2 + A), epoch, salt_used, L_1..L_A)`` over those same root-sum wires equals the public one. Hidden
  (flag 0): a secret random salt, so nobody can confirm a guessed total by hashing (ATTACKS A14).
  Revealed (flag 1): the salt is forced to 0, so the verifier recomputes the commitment from the
  header's published totals, which therefore are exactly the ``L_a`` proved ``<= R_a``.
* ``risk_table_hash``, ``timestamp`` and ``header_digest`` (SHA-256 of the whole header,
  ``statement.header_digest``) are bound as public inputs (each public input has its
  own QAP row, so none is optimized out: ATTACKS A17); the table itself is a public input of
  every batch proof, and the verifier takes both from the same header (ATTACKS A15).
"""

from __future__ import annotations

from zkproof import statement as stm
from zkproof.gadgets import merkle_sum
from zkproof.gadgets.boolean import assert_boolean
from zkproof.gadgets.compare import assert_nonnegative
from zkproof.gadgets.range_check import assert_in_range
from zkproof.r1cs.lc import LinearCombination
from zkproof.r1cs.system import ConstraintSystem

from .common import hasher, mul


def build(shape: stm.Shape) -> ConstraintSystem:
    A, I, B = shape.n_assets, shape.n_instruments, shape.n_batches
    cs = ConstraintSystem()
    pub = {name: cs.public(name) for name in stm.AGGREGATE_PUBLIC}
    cs.enforce_equal(pub["shape_digest"], shape.digest(), "shape_digest")
    batches, commitments = [], []
    for b in range(B):
        with cs.namespace(f"batch_{b}"):
            root = merkle_sum.SumNodeVar.of(cs.private("root_hash"),
                                            [cs.private(f"sum[{a}]") for a in range(A)])
            net = [cs.private(f"net[{i}]") for i in range(I)]
            oi = [cs.private(f"oi[{i}]") for i in range(I)]
            blinder = cs.private("blinder")
            commitments.append(stm.batch_commitment(hasher(cs, "commitment"), pub["epoch"], root.hash,
                                                    root.sums, net, oi, blinder))
            batches.append((root, net, oi))
    cs.enforce_equal(stm.long_hash(hasher(cs, "batches"), stm.BATCHES, commitments),
                     pub["batches_hash"], "batches_hash")

    for i in range(I):
        total = sum((LinearCombination() + net[i] for _, net, _ in batches), LinearCombination())
        cs.enforce_equal(total, 0, f"zero_sum[{i}]")
    open_interest = [sum((LinearCombination() + oi[i] for _, _, oi in batches), LinearCombination())
                     for i in range(I)]
    cs.enforce_equal(stm.open_interest_hash(hasher(cs, "open_interest"), open_interest),
                     pub["open_interest_hash"], "open_interest_hash")

    top = merkle_sum.tree_root(cs, [root for root, _, _ in batches], sum_bits=None,
                               leaf_bits=stm.BALANCE_BITS + shape.depth, name="top")
    cs.enforce_equal(top.hash, pub["root"], "root")

    reserves = [cs.private(f"reserves[{a}]") for a in range(A)]
    cs.enforce_equal(stm.reserves_commitment(hasher(cs, "reserves"), pub["epoch"], reserves),
                     pub["reserves_commitment"], "reserves_commitment")
    for a in range(A):
        assert_in_range(cs, reserves[a], shape.reserve_bits, f"reserve_range[{a}]")
        assert_nonnegative(cs, reserves[a] - top.sums[a], shape.reserve_bits, f"reserve_cover[{a}]")

    # Revealed totals option (SPEC §1.4; docs/soundness.md §2): 1 + 1 constraints + one Poseidon.
    revealed = pub["totals_revealed"]
    assert_boolean(cs, revealed, "totals_revealed")
    salt_used = mul(cs, cs.private("salt"), 1 - revealed, "salt_used")
    cs.enforce_equal(stm.totals_commitment(hasher(cs, "totals"), pub["epoch"], salt_used, top.sums),
                     pub["totals_commitment"], "totals_commitment")
    return cs
