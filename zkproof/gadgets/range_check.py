"""Range checks: unsigned ``assert_in_range`` and signed ``assert_signed_in_range``.

Soundness (ATTACKS A4): widths are at most ``MAX_RANGE_BITS = 252``. A field element is in
range iff its canonical representative is; a "negative" value ``r - k`` (``0 < k <= 2^252``)
is ``> 2^253`` hence has no decomposition in <= 252 bits, and no ``x + r`` alias fits either.
"""

from __future__ import annotations

from zkproof.gadgets.bits import num_to_bits
from zkproof.gadgets.boolean import assert_nonzero
from zkproof.r1cs.lc import LCLike, as_lc
from zkproof.r1cs.system import ConstraintSystem

MAX_RANGE_BITS = 252


def _check_width(n_bits: int) -> None:
    if not 1 <= n_bits <= MAX_RANGE_BITS:
        raise ValueError(f"range width must be in 1..{MAX_RANGE_BITS} bits, got {n_bits}")


def assert_in_range(cs: ConstraintSystem, x: LCLike, n_bits: int, name: str = "range") -> None:
    """Constrain ``0 <= x < 2^n_bits`` (``n_bits + 1`` constraints).

    Notes:
        Fails at ``{name}/recompose`` for an honest hint and any out-of-range ``x`` (``2^n``,
        ``r - 1``, ``r - 2^n``); a forged bit vector fails booleanity or recomposition.
    """
    _check_width(n_bits)
    num_to_bits(cs, x, n_bits, name)


def assert_signed_in_range(cs: ConstraintSystem, x: LCLike, n_bits: int,
                           name: str = "signed_range") -> None:
    """Constrain ``-2^(n-1) < x < 2^(n-1)`` with ``x`` a field element read as signed.

    Functionality:
        ``z = x + 2^(n-1) - 1`` lies in ``[0, 2^n - 1)`` iff ``x`` is in range. We check
        ``0 <= z < 2^n`` (``n + 1`` constraints) and exclude the one extra value ``z = 2^n - 1``
        (i.e. ``x = 2^(n-1)``) with ``x - 2^(n-1) != 0`` (1 constraint): ``n + 2`` in total.
    Notes:
        Negative ``x = -k`` is the field element ``r - k``; the shift maps it to the small
        integer ``2^(n-1) - 1 - k``. ``n <= 252`` keeps every alias out (module docstring).
        Constraint names: ``{name}/bits/...``, ``{name}/not_upper_bound``.
    """
    _check_width(n_bits)
    half = 1 << (n_bits - 1)
    num_to_bits(cs, as_lc(x) + (half - 1), n_bits, f"{name}/bits")
    assert_nonzero(cs, as_lc(x) - half, f"{name}/not_upper_bound")
