"""Fold known public inputs into a Groth16 verifying key, once for many proofs.

The Groth16 check uses the public inputs only through ``vk_x = IC_0 + sum_k x_k IC_(k+1)``
(``zkproof.groth16.verify.prepare_inputs``). When some inputs are the same for every proof a
verifier checks -- the risk table of every batch proof of one bundle (``zkproof.statement``:
batch public inputs ``epoch, batch_commitment, shape_digest, table...``) -- their part of that sum can be
computed once:

    IC'_0 = IC_0 + sum_{k in fixed} x_k IC_(k+1),   IC' = [IC'_0] + [IC_(j+1) for j not in fixed]

and every proof is then verified against ``IC'`` with only its remaining inputs, in their
order. ``vk_x`` is the same point either way, so the folded check accepts exactly the proofs
the full one accepts, for exactly those fixed values (tests/test_verifier_fold.py). Binding is
unchanged: a proof made for another table gives a different ``vk_x`` relation and fails the
pairing (ATTACKS A15, A17).

Cost: one scalar multiplication per fixed input. A field element above ``r/2`` is taken as the
negative ``-(r - x)`` (``x_k IC = (r - x_k)(-IC)``), so the table's signed entries (below
2^40) cost short multiplications instead of 254-bit ones (19 ms each in py_ecc). Measured on
the shipped example table (339 entries, at most 31 bits): 0.76 s CPU once per bundle, against
1.4 s per batch proof for the unfolded ``prepare_inputs``.

Verifier side: imports only curve, field, errors and ``groth16.keys`` (the import rule of
``zkproof.verifier``).
"""

from __future__ import annotations

from collections.abc import Mapping

from zkproof.curve.bn254 import g1_add
from zkproof.errors import MalformedProof
from zkproof.groth16.keys import VerifyingKey
from zkproof.groth16.verify import fix_inputs


def fold_public_inputs(vk: VerifyingKey, fixed: Mapping[int, int],
                       file: str = "<verification key>") -> VerifyingKey:
    """The key ``vk`` with the public inputs ``fixed`` (0-based index -> value) folded in.

    Arguments:
        vk: a key already checked by ``groth16.verify.check_vk`` (points valid, gamma != delta).
        fixed: public-input index -> value in ``[0, r)``; indices in ``[0, vk.n_public)``.
        file: named in errors.

    Returns:
        A key with ``vk.n_public - len(fixed)`` public inputs (the others, in order). Verify
        with ``groth16.verify.verify(..., check_key=False)``: ``IC'_0`` is a sum, so it may be
        infinity, which ``check_vk`` (meant for published keys) refuses.

    Raises:
        MalformedProof: a key with a commitment, an index out of range, or a value that is
            not an int in ``[0, r)`` (a negative scalar must never reach py_ecc: ATTACKS B2).
    """
    if vk.commitment is not None:  # its challenges hash every input, folded ones included
        raise MalformedProof(file, "zkproof_commitment", "cannot fold inputs of a key with a commitment")
    fx = fix_inputs(vk, dict(fixed), file)
    rest = [vk.ic[j + 1] for j in range(vk.n_public) if j not in fx.values]
    return VerifyingKey(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2,
                        [g1_add(vk.ic[0], fx.partial), *rest], dev_setup=vk.dev_setup)
