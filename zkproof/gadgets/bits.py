"""Bit decomposition: ``num_to_bits`` (circomlib ``Num2Bits``) and ``bits_to_num``."""

from __future__ import annotations

from collections.abc import Sequence

from zkproof.gadgets.boolean import assert_boolean
from zkproof.r1cs.lc import LCLike, LinearCombination, Variable, as_lc
from zkproof.r1cs.system import ConstraintSystem

MAX_UNIQUE_BITS = 253  # 2^253 < r: a 253-bit decomposition of a field element is unique


def bits_to_num(bits: Sequence[LCLike]) -> LinearCombination:
    """``sum_i 2^i bits[i]`` (little-endian; linear, no constraint)."""
    out = LinearCombination()
    for i, b in enumerate(bits):
        out = out + as_lc(b) * (1 << i)
    return out


def num_to_bits(cs: ConstraintSystem, x: LCLike, n_bits: int, name: str = "bits") -> list[Variable]:
    """Little-endian bits of ``x``, constrained: ``n_bits`` booleanity + 1 recomposition.

    Inputs:
        x: the value to decompose; n_bits: 1..253.
    Outputs:
        ``n_bits`` variables ``b_i`` with ``x = sum_i 2^i b_i`` and each ``b_i`` in {0, 1}.
    Functionality:
        Proves ``0 <= x < 2^n_bits`` (as an integer representative of the field element).
    Notes:
        For ``n_bits <= 253`` every sum ``sum 2^i b_i < 2^253 < r``, so the bits are unique (no
        alias ``x + r``). Widths 254 would admit two decompositions of small ``x``: refused.
        Constraint names: ``{name}/bit_{i}_boolean``, ``{name}/recompose``.
    """
    if not 1 <= n_bits <= MAX_UNIQUE_BITS:
        raise ValueError(f"num_to_bits width must be in 1..{MAX_UNIQUE_BITS}, got {n_bits}")
    bits = cs.hint(lambda v: [(v >> i) & 1 for i in range(n_bits)], [x], name=f"{name}_hint",
                   n_out=n_bits)
    bits = bits if isinstance(bits, list) else [bits]
    for i, b in enumerate(bits):
        assert_boolean(cs, b, f"{name}/bit_{i}_boolean")
    cs.enforce_equal(bits_to_num(bits), x, f"{name}/recompose")
    return bits
