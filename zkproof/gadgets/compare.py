"""Comparisons: ``less_than``, ``less_or_equal``, ``assert_nonnegative`` (circomlib ``LessThan``).

Soundness (ATTACKS A4): operand widths ``n_bits <= 252`` (circomlib's ``assert(n <= 252)``), so
``a + 2^n - b`` (< 2^253 < r) has a unique ``n + 1``-bit decomposition and its top bit is the
comparison; an aliasing decomposition of ``a + 2^n - b + r`` does not exist.
"""

from __future__ import annotations

from zkproof.gadgets.bits import num_to_bits
from zkproof.gadgets.range_check import MAX_RANGE_BITS, assert_in_range
from zkproof.r1cs.lc import LCLike, LinearCombination, as_lc
from zkproof.r1cs.system import ConstraintSystem


def _check_width(n_bits: int) -> None:
    if not 1 <= n_bits <= MAX_RANGE_BITS:
        raise ValueError(f"comparison width must be in 1..{MAX_RANGE_BITS} bits, got {n_bits}")


def less_than(cs: ConstraintSystem, a: LCLike, b: LCLike, n_bits: int, *,
              check_inputs: bool = True, name: str = "less_than") -> LinearCombination:
    """Boolean ``a < b`` for ``a, b`` in ``[0, 2^n_bits)``.

    Inputs:
        a, b; n_bits <= 252; check_inputs: range-check ``a`` and ``b`` here (``2 n + 2``
        constraints). Pass False only if the caller already range-checked both.
    Outputs:
        ``1 - top bit of (a + 2^n - b)``, a linear combination of one constrained bit.
    Constraints:
        ``n + 2`` (+ ``2 n + 2`` with ``check_inputs``).
    Notes:
        Without the input ranges the result means nothing (``a = r - 1`` is "small" mod r).
    """
    _check_width(n_bits)
    if check_inputs:
        assert_in_range(cs, a, n_bits, f"{name}/a_range")
        assert_in_range(cs, b, n_bits, f"{name}/b_range")
    bits = num_to_bits(cs, as_lc(a) + (1 << n_bits) - as_lc(b), n_bits + 1, f"{name}/diff")
    return 1 - as_lc(bits[n_bits])


def less_or_equal(cs: ConstraintSystem, a: LCLike, b: LCLike, n_bits: int, *,
                  check_inputs: bool = True, name: str = "less_or_equal") -> LinearCombination:
    """Boolean ``a <= b`` (= ``a < b + 1``) for ``a, b`` in ``[0, 2^n_bits)``; same cost."""
    _check_width(n_bits)
    if check_inputs:
        assert_in_range(cs, a, n_bits, f"{name}/a_range")
        assert_in_range(cs, b, n_bits, f"{name}/b_range")
    # a + 2^n - (b + 1) is in [0, 2^(n+1)) for a, b in [0, 2^n): same decomposition width.
    bits = num_to_bits(cs, as_lc(a) + (1 << n_bits) - as_lc(b) - 1, n_bits + 1, f"{name}/diff")
    return 1 - as_lc(bits[n_bits])


def assert_nonnegative(cs: ConstraintSystem, x: LCLike, n_bits: int, name: str = "nonnegative") -> None:
    """Constrain a signed value ``x`` (``|x| < 2^n_bits`` by the caller's bound) to be ``>= 0``.

    Notes:
        The check is ``0 <= x < 2^n_bits`` (``n + 1`` constraints). A negative ``x = -k`` is the
        field element ``r - k > 2^253`` for ``k < 2^252``, so it has no ``n``-bit decomposition:
        the caller must show ``|x| < 2^n_bits <= 2^252`` (SPEC soundness worksheet).
    """
    _check_width(n_bits)
    assert_in_range(cs, x, n_bits, name)
