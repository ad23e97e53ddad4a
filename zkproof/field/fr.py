"""The BN254 scalar field F_r: constants, inversion and the 2-adic roots of unity.

Elements are plain Python ``int`` in ``[0, R)``. ``R`` is py_ecc's ``curve_order`` and
snarkjs' ``r``. ``R - 1 = 2^28 * t`` with ``t`` odd; the multiplicative generator 5 (the
quadratic non-residue snarkjs/ffjavascript and arkworks use) gives the 2^28-th root of unity
``ROOT_OF_UNITY = 5^t``, so our evaluation domains coincide with snarkjs' and arkworks'.
"""

from __future__ import annotations

from collections.abc import Sequence

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
TWO_ADICITY = 28
GENERATOR = 5
ROOT_OF_UNITY = pow(GENERATOR, (R - 1) >> TWO_ADICITY, R)

# Self-checks at import (py_ecc style): a wrong constant must fail here, not in a proof.
assert pow(2, R - 1, R) == 1 and (R - 1) % (1 << TWO_ADICITY) == 0
assert ((R - 1) >> TWO_ADICITY) % 2 == 1
assert pow(ROOT_OF_UNITY, 1 << TWO_ADICITY, R) == 1
assert pow(ROOT_OF_UNITY, 1 << (TWO_ADICITY - 1), R) == R - 1
assert ROOT_OF_UNITY == 19103219067921713944291392827692070036145651957329286315305642004821462161904

N8 = 32  # bytes per serialized element


def inv(a: int) -> int:
    """Multiplicative inverse of ``a`` in F_r; raises ``ZeroDivisionError`` for 0."""
    a %= R
    if a == 0:
        raise ZeroDivisionError("inverse of 0 in F_r")
    return pow(a, -1, R)


def neg(a: int) -> int:
    return (-a) % R


def root_of_unity(n: int) -> int:
    """A primitive ``n``-th root of unity, ``n`` a power of two up to 2^28."""
    if n <= 0 or n & (n - 1) or n > (1 << TWO_ADICITY):
        raise ValueError(f"domain size must be a power of two <= 2^28, got {n}")
    return pow(ROOT_OF_UNITY, (1 << TWO_ADICITY) // n, R)


def batch_inverse(values: Sequence[int]) -> list[int]:
    """Inverses of all ``values`` with one field inversion (Montgomery's trick).

    Raises ``ZeroDivisionError`` if any value is 0.
    """
    n = len(values)
    prefix = [1] * (n + 1)
    acc = 1
    for i, v in enumerate(values):
        if v % R == 0:
            raise ZeroDivisionError(f"inverse of 0 at index {i}")
        acc = acc * v % R
        prefix[i + 1] = acc
    inv_acc = pow(acc, -1, R)
    out = [0] * n
    for i in range(n - 1, -1, -1):
        out[i] = prefix[i] * inv_acc % R
        inv_acc = inv_acc * values[i] % R
    return out


def to_signed(a: int) -> int:
    """Interpret ``a`` as a signed integer in ``(-R/2, R/2]`` (for display and range logic)."""
    a %= R
    return a - R if a > R // 2 else a


def encode(a: int) -> bytes:
    """32-byte little-endian canonical encoding (the ``.wtns`` layout)."""
    return (a % R).to_bytes(N8, "little")


def decode(b: bytes) -> int:
    """Inverse of ``encode``; the caller checks ``< R`` where canonicity matters."""
    return int.from_bytes(b, "little")
