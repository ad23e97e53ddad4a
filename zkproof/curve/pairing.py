"""Pairing check as one multi-pairing: prod_i e(P_i, Q_i) == 1 with a single final exponentiation.

Callers must have validated every point (on curve, in subgroup, reduced): this module builds
py_ecc objects and trusts them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from py_ecc.optimized_bn128 import FQ12, final_exponentiate, is_inf
from py_ecc.optimized_bn128.optimized_pairing import cast_point_to_fq12, miller_loop, twist

from zkproof.curve.bn254 import G1Affine, G2Affine, g1_to_py_ecc, g2_to_py_ecc


def pairing_product_is_one(pairs: Iterable[tuple[G1Affine, G2Affine]],
                           on_pair: Callable[[], None] | None = None) -> bool:
    """True iff ``prod e(p, q) == 1`` over ``pairs`` of (G1, G2) affine points.

    ``on_pair``: called after each Miller loop (a progress hook for long batches)."""
    acc = FQ12.one()
    for p, q in pairs:
        if on_pair is not None:
            on_pair()
        pp, qq = g1_to_py_ecc(p), g2_to_py_ecc(q)
        if is_inf(pp) or is_inf(qq):
            continue  # e(O, Q) = e(P, O) = 1
        acc = acc * miller_loop(twist(qq), cast_point_to_fq12(pp), final_exponentiate=False)
    return final_exponentiate(acc) == FQ12.one()
