"""Aggregate circuit: ties ``n_batches`` batch proofs into one epoch statement (SPEC §1.3-1.5, §5).

Public inputs (``zkproof.statement.AGGREGATE_PUBLIC``): ``epoch``, ``timestamp``, ``root``,
``risk_table_hash``, ``reserves_commitment``, ``totals_revealed``, ``totals_commitment``,
``open_interest_hash``, ``shape_digest``, ``header_digest``, ``batches_hash``.

Private: per batch slot ``b``: its Merkle-sum root ``(hash, sums)``, packed longs and shorts
``w[i]`` and blinder (all bound by the batch's public commitment); the epoch's open interest
``oi[i]`` (bound by ``open_interest_hash``, whose preimage the header publishes); the reserves
``R[a]`` (bound by ``reserves_commitment``); the totals ``salt``.

Proved:

* ``batches_hash``: the hash of the recomputed batch commitments (each
  ``statement.batch_commitment``: one chained Poseidon sponge over ``epoch, root, sums,
  blinder, oi``, 987 constraints per batch slot at the default shape) equals the public one;
  the verifier recomputes it from the header's commitments, which are the batch proofs' public
  inputs, so every batch proved with this epoch and table is counted exactly once.
* ``zero_sum[i]``: ``sum_b w_b[i] = oi[i] (1 + 2^K)`` (one linear constraint), and
  ``open_interest_hash``: ``chain_hash(OPEN_INTEREST, oi)`` equals the public one. With ``L``
  and ``S`` the epoch's longs and shorts of instrument ``i`` (integers below ``2^K``, K =
  ``Shape.interest_bits``), ``sum_b w_b[i] = L + 2^K S < 2^(2K+1) < r`` is exact, and the
  verifier hashes the header's ``open_interest``, whose entries it checks are below ``2^K``.
  So ``oi[i] (1 + 2^K) < 2^(2K+1)`` too, the equation holds over the integers, and reading its
  base-``2^K`` digits gives ``L = oi[i] = S``: positions net to zero (ATTACKS A9) and the
  longs are the published open interest. Leaving out any set of accounts holding positions (a
  netting set included) lowers some ``OI_i``, which anyone compares with the venue's market
  data (SPEC §1.3). (A prover that solves ``oi[i] = sum_b w_b[i] / (1 + 2^K)`` in the field
  for an unbalanced epoch gets a value the header cannot carry.)
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
from zkproof.r1cs.lc import LinearCombination, as_lc
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
            w = [cs.private(f"w[{i}]") for i in range(I)]
            blinder = cs.private("blinder")
            commitments.append(stm.batch_commitment(hasher(cs, "commitment"), pub["epoch"], root.hash,
                                                    root.sums, w, blinder))
            batches.append((root, w))
    cs.enforce_equal(stm.long_hash(hasher(cs, "batches"), stm.BATCHES, commitments),
                     pub["batches_hash"], "batches_hash")

    open_interest = [cs.private(f"oi[{i}]") for i in range(I)]
    for i in range(I):
        total = sum((LinearCombination() + w[i] for _, w in batches), LinearCombination())
        cs.enforce_equal(total, stm.interest(as_lc(open_interest[i]), as_lc(open_interest[i]),
                                             shape.interest_bits), f"zero_sum[{i}]")
    cs.enforce_equal(stm.open_interest_hash(hasher(cs, "open_interest"), open_interest),
                     pub["open_interest_hash"], "open_interest_hash")

    top = merkle_sum.tree_root(cs, [root for root, _ in batches], sum_bits=None,
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
