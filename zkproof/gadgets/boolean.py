"""Boolean gadgets: ``assert_boolean``, ``select``, ``is_zero``.

Conventions for every gadget module: inputs are ``LCLike`` (a ``Variable``, a
``LinearCombination`` or an int constant); a gadget that only constrains is named ``assert_*``;
constraint names are relative to the caller's namespace (``cs.namespace``).
"""

from __future__ import annotations

from zkproof.field.fr import R
from zkproof.r1cs.lc import LCLike, LinearCombination, Variable, as_lc
from zkproof.r1cs.system import ConstraintSystem


def assert_boolean(cs: ConstraintSystem, b: LCLike, name: str = "boolean") -> None:
    """Constrain ``b`` to {0, 1}: ``b * (b - 1) = 0`` (1 constraint)."""
    cs.enforce(b, as_lc(b) - 1, 0, name)


def select(cs: ConstraintSystem, bit: LCLike, if_one: LCLike, if_zero: LCLike,
           name: str = "select") -> Variable:
    """``bit ? if_one : if_zero`` for a ``bit`` the caller has constrained boolean (1 constraint).

    Notes:
        ``out - if_zero = bit * (if_one - if_zero)`` pins ``out`` for any ``bit`` value; it is a
        mux only if ``bit`` is boolean (assert it once, then reuse it across selects).
    """
    out = cs.hint(lambda b, x, y: (y + b * (x - y)) % R, [bit, if_one, if_zero], name=f"{name}_out")
    cs.enforce(bit, as_lc(if_one) - as_lc(if_zero), as_lc(out) - as_lc(if_zero), name)
    return out


def is_zero(cs: ConstraintSystem, x: LCLike, name: str = "is_zero") -> LinearCombination:
    """1 if ``x = 0`` else 0 (circomlib ``IsZero``; 2 constraints, output boolean).

    Notes:
        ``x * inv = 1 - out`` and ``x * out = 0``. If ``x != 0`` the second forces ``out = 0`` and
        the first ``inv = 1/x``; if ``x = 0`` the first forces ``out = 1`` (``inv`` is free and
        nothing reads it).
    """
    inv = cs.hint(lambda v: pow(v, -1, R) if v else 0, [x], name=f"{name}_inv")
    out = cs.hint(lambda v: 0 if v else 1, [x], name=f"{name}_out")
    cs.enforce(x, inv, 1 - as_lc(out), f"{name}/inverse")
    cs.enforce(x, out, 0, f"{name}/zero_product")
    return as_lc(out)


def assert_nonzero(cs: ConstraintSystem, x: LCLike, name: str = "nonzero") -> None:
    """Constrain ``x != 0`` with one hinted inverse: ``x * inv = 1`` (1 constraint)."""
    inv = cs.hint(lambda v: pow(v, -1, R) if v else 0, [x], name=f"{name}_inv")
    cs.enforce(x, inv, 1, name)
