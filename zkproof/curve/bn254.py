"""BN254 curve: constants, affine points as plain ints, checks and encodings.

Representation used across zkproof (py_ecc's ``Point2D`` convention, infinity = ``None``):

* ``G1Affine = tuple[int, int] | None``                  -- ``(x, y)`` with ``0 <= x, y < P``
* ``G2Affine = tuple[tuple[int, int], tuple[int, int]] | None`` -- ``((x.c0, x.c1), (y.c0, y.c1))``,
  i.e. ``x = x.c0 + x.c1 * u`` over ``F_p[u]/(u^2 + 1)``. This is the order of snarkjs JSON and
  py_ecc ``FQ2([c0, c1])``; the EVM precompile wants ``[c1, c0]`` (see ``zkproof.solidity``).

``P`` is py_ecc's ``field_modulus`` (snarkjs ``q``), ``R`` its ``curve_order`` (snarkjs ``r``).

Encodings (snarkjs/ffjavascript names):

* LEM ("little-endian Montgomery"): each coordinate as ``x * 2^256 mod P``, 32 bytes little
  endian; G1 = x||y (64 bytes), G2 = x.c0||x.c1||y.c0||y.c1 (128 bytes). The point at infinity is
  all zero bytes. Used inside ``.zkey`` and ``.ptau`` sections and by the native kernel.
"""

from __future__ import annotations

from py_ecc import optimized_bn128 as ob
from py_ecc.fields import optimized_bn128_FQ as FQ
from py_ecc.fields import optimized_bn128_FQ2 as FQ2

from zkproof.field.fr import R

P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
N8 = 32
MONT_R = pow(2, 256, P)  # Montgomery factor of the base field (ffjavascript's)
MONT_R_INV = pow(MONT_R, -1, P)

G1Affine = tuple[int, int] | None
G2Affine = tuple[tuple[int, int], tuple[int, int]] | None

G1_GENERATOR: G1Affine = (1, 2)
G2_GENERATOR: G2Affine = (
    (10857046999023057135944570762232829481370756359578518086990519993285655852781,
     11559732032986387107991004021392285783925812861821192530917403151452391805634),
    (8495653923123431417604973247489272438418190587263600148770280649306958101930,
     4082367875863433681332203403145435568316851327593401208105741076214120093531),
)

# b = 3 on G1; b2 = 3 / (9 + u) on the twist. Kept as int pairs for checks that must run
# before any py_ecc object is built (py_ecc reduces coordinates silently: ATTACKS B4).
_B2 = (19485874751759354771024239261021720505790618469301721065564631296452457478373,
       266929791119991161246907387137283842545076965332900288569378510910307636690)


def _fq2_mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def is_on_curve_g1(pt: G1Affine) -> bool:
    """``y^2 = x^3 + 3`` with both coordinates reduced; ``None`` (infinity) is on the curve."""
    if pt is None:
        return True
    x, y = pt
    if not (0 <= x < P and 0 <= y < P):
        return False
    return (y * y - x * x * x - 3) % P == 0


def is_on_curve_g2(pt: G2Affine) -> bool:
    """``y^2 = x^3 + 3/(9+u)`` on the twist with every limb reduced below ``P``."""
    if pt is None:
        return True
    x, y = pt
    if not all(0 <= c < P for c in (*x, *y)):
        return False
    lhs = _fq2_mul(y, y)
    rhs = _fq2_mul(_fq2_mul(x, x), x)
    return lhs == ((rhs[0] + _B2[0]) % P, (rhs[1] + _B2[1]) % P)


def in_g2_subgroup(pt: G2Affine) -> bool:
    """``r * B == O``: the twist has cofactor > 1, so on-curve does not imply in G2 (B6)."""
    if pt is None:
        return True
    return ob.is_inf(ob.multiply(g2_to_py_ecc(pt), R))




# --- conversions to and from py_ecc (optimized_bn128, homogeneous projective) -------------

def g1_to_py_ecc(pt: G1Affine):
    if pt is None:
        return ob.Z1
    return (FQ(pt[0]), FQ(pt[1]), FQ.one())


def g2_to_py_ecc(pt: G2Affine):
    if pt is None:
        return ob.Z2
    return (FQ2(list(pt[0])), FQ2(list(pt[1])), FQ2.one())


def g1_from_py_ecc(p) -> G1Affine:
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return (int(x), int(y))


def g2_from_py_ecc(p) -> G2Affine:
    if ob.is_inf(p):
        return None
    x, y = ob.normalize(p)
    return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))


# Self-checks at import. G1 has cofactor 1: every point on the curve is in the subgroup.
assert is_on_curve_g1(G1_GENERATOR) and is_on_curve_g2(G2_GENERATOR)
assert g2_from_py_ecc(ob.G2) == G2_GENERATOR
assert in_g2_subgroup(G2_GENERATOR)
assert ob.curve_order == R and ob.field_modulus == P
assert (P ** 12 - 1) % R == 0


# --- group operations on affine values (slow path: a handful of points at a time) ---------

def g1_add(a: G1Affine, b: G1Affine) -> G1Affine:
    return g1_from_py_ecc(ob.add(g1_to_py_ecc(a), g1_to_py_ecc(b)))


def g1_neg(a: G1Affine) -> G1Affine:
    return None if a is None else (a[0], (-a[1]) % P)


def g1_mul(a: G1Affine, k: int) -> G1Affine:
    """``k * a`` for any integer ``k`` (reduced mod R first: py_ecc recurses on negatives)."""
    return g1_from_py_ecc(ob.multiply(g1_to_py_ecc(a), k % R))


def g2_add(a: G2Affine, b: G2Affine) -> G2Affine:
    return g2_from_py_ecc(ob.add(g2_to_py_ecc(a), g2_to_py_ecc(b)))


def g2_neg(a: G2Affine) -> G2Affine:
    return None if a is None else (a[0], ((-a[1][0]) % P, (-a[1][1]) % P))


def g2_mul(a: G2Affine, k: int) -> G2Affine:
    return g2_from_py_ecc(ob.multiply(g2_to_py_ecc(a), k % R))


# --- LEM encoding (zkey / ptau sections, native kernel) -------------------------------------

def _fq_to_lem(x: int) -> bytes:
    return (x * MONT_R % P).to_bytes(N8, "little")


def _fq_from_lem(b: bytes) -> int:
    return int.from_bytes(b, "little") * MONT_R_INV % P


def g1_to_lem(pt: G1Affine) -> bytes:
    if pt is None:
        return bytes(2 * N8)
    return _fq_to_lem(pt[0]) + _fq_to_lem(pt[1])


def g1_from_lem(b: bytes | memoryview) -> G1Affine:
    b = bytes(b)
    if b == bytes(2 * N8):
        return None
    return (_fq_from_lem(b[:32]), _fq_from_lem(b[32:64]))


def g2_to_lem(pt: G2Affine) -> bytes:
    if pt is None:
        return bytes(4 * N8)
    (x0, x1), (y0, y1) = pt
    return b"".join(_fq_to_lem(c) for c in (x0, x1, y0, y1))


def g2_from_lem(b: bytes | memoryview) -> G2Affine:
    b = bytes(b)
    if b == bytes(4 * N8):
        return None
    x0, x1, y0, y1 = (_fq_from_lem(b[i:i + 32]) for i in range(0, 128, 32))
    return ((x0, x1), (y0, y1))
