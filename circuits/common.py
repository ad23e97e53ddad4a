"""Small pieces shared by the solvency circuits: named products, signed positions, hashing."""

from __future__ import annotations

from collections.abc import Callable

from zkproof.field.fr import R, to_signed
from zkproof.gadgets.boolean import assert_boolean
from zkproof.gadgets.poseidon import poseidon
from zkproof.gadgets.range_check import assert_in_range
from zkproof.r1cs.lc import LCLike, LinearCombination, Variable, as_lc
from zkproof.r1cs.system import ConstraintSystem
from zkproof.statement import POSITION_BITS

RangeCheck = Callable[[LCLike, int, str], None]  # check(x, n_bits, name): 0 <= x < 2^n_bits


def mul(cs: ConstraintSystem, x: LCLike, y: LCLike, name: str) -> Variable:
    """``x * y`` as a new wire: one hint and the constraint that pins it (1 constraint)."""
    out = cs.hint(lambda a, b: a * b % R, [x, y], name=f"{name}_out")
    cs.enforce(x, y, out, name)
    return out


def signed_position(cs: ConstraintSystem, q: LCLike, name: str,
                    check: RangeCheck | None = None) -> LinearCombination:
    """``max(-q, 0)`` of a range-checked signed ``q`` (``signed_parts``, sign dropped)."""
    return signed_parts(cs, q, name, check)[1]


def signed_parts(cs: ConstraintSystem, q: LCLike, name: str,
                 check: RangeCheck | None = None) -> tuple[Variable, LinearCombination]:
    """Constrain ``-2^63 < q < 2^63``; return ``(sign, max(-q, 0))`` (SPEC §1.1, §1.2).

    Functionality:
        ``q = mag - 2 * neg`` with ``sign`` boolean, ``mag`` in ``[0, 2^63)`` and
        ``neg = sign * mag`` (so ``q = mag`` or ``q = -mag``). ``check(x, n_bits, name)``
        range-checks the magnitude: ``None`` is the bit decomposition ``assert_in_range``
        (63 + 1 constraints), a lookup range checker's ``check`` costs its limbs instead.
    Constraints:
        ``{name}/sign_boolean``, ``{name}/magnitude`` (the range check),
        ``{name}/negative_part``, ``{name}/recompose``: 3 + the range check.
    Notes:
        Soundness: any ``q`` satisfying these equals ``+-mag`` as an integer with
        ``|q| < 2^63``; ``q = +-2^63``, ``r - 1 - 2^63`` and every other field element outside
        the range have no such decomposition (the magnitude would need 64 bits). ``sign`` is
        free only when ``mag = 0``, where ``q`` and ``neg`` are 0 either way (ATTACKS A5): a
        caller that selects by ``sign`` must make both choices agree at ``q = 0``.
    """
    sign = cs.hint(lambda v: 1 if to_signed(v) < 0 else 0, [q], name=f"{name}/sign")
    mag = cs.hint(lambda v: abs(to_signed(v)), [q], name=f"{name}/mag")
    assert_boolean(cs, sign, f"{name}/sign_boolean")
    if check is None:
        assert_in_range(cs, mag, POSITION_BITS, f"{name}/magnitude")
    else:
        check(mag, POSITION_BITS, f"{name}/magnitude")
    neg = mul(cs, sign, mag, f"{name}/negative_part")
    cs.enforce_equal(as_lc(mag) - 2 * as_lc(neg), q, f"{name}/recompose")
    return sign, as_lc(neg)


def hasher(cs: ConstraintSystem, name: str) -> Callable[[list], LinearCombination]:
    """An in-circuit Poseidon whose calls get distinct constraint-name prefixes."""
    count = iter(range(1 << 30))
    return lambda xs: poseidon(cs, xs, f"{name}/poseidon_{next(count)}")
