"""Variables and linear combinations over F_r.

A ``Variable`` is a handle with an integer key: 0 is the constant ONE, ``-k`` is the k-th public
input (k >= 1), ``+j`` is the j-th private variable. Keys become circom wire indices only when the
system is exported (ONE, publics, privates: the order Groth16 and ``.r1cs`` files need), so
publics may be declared at any point while building.
"""

from __future__ import annotations

from typing import Union

from zkproof.field.fr import R

LCLike = Union["LinearCombination", "Variable", int]


class Variable:
    """A wire of the constraint system. Arithmetic on it yields ``LinearCombination``s."""

    __slots__ = ("key", "name")

    def __init__(self, key: int, name: str):
        self.key = key
        self.name = name

    def lc(self) -> LinearCombination:
        return LinearCombination({self.key: 1})

    def __repr__(self) -> str:
        return f"Variable({self.key}, {self.name!r})"

    # Arithmetic delegates to LinearCombination.
    def __add__(self, o: LCLike) -> LinearCombination:
        return self.lc() + o

    __radd__ = __add__

    def __sub__(self, o: LCLike) -> LinearCombination:
        return self.lc() - o

    def __rsub__(self, o: LCLike) -> LinearCombination:
        return as_lc(o) - self.lc()

    def __mul__(self, k: int) -> LinearCombination:
        return self.lc() * k

    __rmul__ = __mul__

    def __neg__(self) -> LinearCombination:
        return self.lc() * -1


class LinearCombination:
    """``sum_k coeff_k * var_k`` with coefficients reduced mod R and zero terms dropped."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[int, int] | None = None):
        self.terms: dict[int, int] = {}
        if terms:
            for k, c in terms.items():
                c %= R
                if c:
                    self.terms[k] = c

    @staticmethod
    def constant(c: int) -> LinearCombination:
        return LinearCombination({0: c})

    def __add__(self, o: LCLike) -> LinearCombination:
        out = LinearCombination()
        out.terms = dict(self.terms)
        for k, c in as_lc(o).terms.items():
            v = (out.terms.get(k, 0) + c) % R
            if v:
                out.terms[k] = v
            else:
                out.terms.pop(k, None)
        return out

    __radd__ = __add__

    def __sub__(self, o: LCLike) -> LinearCombination:
        return self + as_lc(o) * -1

    def __rsub__(self, o: LCLike) -> LinearCombination:
        return as_lc(o) - self

    def __mul__(self, k: int) -> LinearCombination:
        if not isinstance(k, int):
            return NotImplemented  # products of wires need a constraint
        k %= R
        out = LinearCombination()
        if k:
            out.terms = {key: c * k % R for key, c in self.terms.items()}
        return out

    __rmul__ = __mul__

    def __neg__(self) -> LinearCombination:
        return self * -1

    def evaluate(self, values: dict[int, int]) -> int:
        """Value under an assignment ``key -> value`` (``values[0]`` must be 1)."""
        return sum(c * values[k] for k, c in self.terms.items()) % R

    def __repr__(self) -> str:
        return f"LC({self.terms})"


def as_lc(x: LCLike) -> LinearCombination:
    if isinstance(x, LinearCombination):
        return x
    if isinstance(x, Variable):
        return x.lc()
    if isinstance(x, int):
        return LinearCombination.constant(x)
    raise TypeError(f"cannot use {type(x).__name__} as a linear combination")
