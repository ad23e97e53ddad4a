"""In-circuit Poseidon with circomlib's parameters; same output as ``zkproof.hash.poseidon``.

Layout: the permutation in the optimized form of ``zkproof.hash.poseidon_params`` (identical
function, checked natively against the paper's form). Only S-boxes cost constraints; additions
of constants and the (sparse or full) MDS products are linear and fold into linear combinations.

Constraints:
    3 per S-box on a non-constant value (``x2 = x*x``, ``x4 = x2*x2``, ``x5 = x4*x``):
    ``3 * (R_F * t + R_P)`` minus 3 for each S-box whose input is a constant -- always the
    capacity element's first S-box, and any input given as an int (e.g. a domain tag).
    t = 3 (2 inputs): 240, as circomlib's ``Poseidon(2)``.
Notes:
    Every hint is an S-box power pinned by its own constraint (no free witness values).
    Constraint names: ``{name}/round_{r}/sbox_{i}/{x2,x4,x5}``.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkproof.field.fr import R
from zkproof.hash.poseidon import MAX_INPUTS
from zkproof.hash.poseidon_params import optimized
from zkproof.r1cs.lc import LCLike, LinearCombination, as_lc
from zkproof.r1cs.system import ConstraintSystem

Terms = dict[int, int]  # variable key -> coefficient, the raw form of a LinearCombination


def _add_const(x: Terms, k: int) -> Terms:
    out = dict(x)
    out[0] = (out.get(0, 0) + k) % R
    return out


def _lin(coeffs: Sequence[int], xs: Sequence[Terms]) -> Terms:
    """``sum_j coeffs[j] * xs[j]`` on raw terms (reduced once per key)."""
    acc: Terms = {}
    for c, x in zip(coeffs, xs):
        if c:
            for k, v in x.items():
                acc[k] = acc.get(k, 0) + c * v
    return {k: v % R for k, v in acc.items() if v % R}


def _sbox(cs: ConstraintSystem, x: Terms, name: str) -> Terms:
    if set(x) <= {0}:  # a constant: computed natively, no constraint
        return {0: pow(x.get(0, 0), 5, R)}
    lx = LinearCombination(x)
    x2 = cs.hint(lambda v: v * v % R, [lx], name=f"{name}/x2")
    x4 = cs.hint(lambda v: v * v % R, [x2], name=f"{name}/x4")
    x5 = cs.hint(lambda a, b: a * b % R, [x4, lx], name=f"{name}/x5")
    cs.enforce(lx, lx, x2, f"{name}/x2")
    cs.enforce(x2, x2, x4, f"{name}/x4")
    # x4 on the A side, x on B. The swap (x * x4) halves the B-matrix terms, which zkey new pays
    # in G2 (aggregate at the demo shape: 87 -> 67 CPU-s, once per ceremony), but puts every
    # x4 wire into the prover's G2 MSM: 2-4% more CPU per proof, every epoch. Kept as is.
    cs.enforce(x4, lx, x5, f"{name}/x5")
    return {x5.key: 1}


def _full_round(cs: ConstraintSystem, s: list[Terms], c: Sequence[int], mds, tag: str) -> list[Terms]:
    s = [_sbox(cs, _add_const(a, k), f"{tag}/sbox_{i}") for i, (a, k) in enumerate(zip(s, c))]
    return [_lin(row, s) for row in mds]


def poseidon(cs: ConstraintSystem, inputs: Sequence[LCLike], name: str = "poseidon") -> LinearCombination:
    """Poseidon of 1..16 linear combinations (or int constants); returns ``state[0]``.

    Inputs:
        inputs: the hashed values, in order (ints are constants and cost no S-box constraints
        in the first round).
    Outputs:
        A linear combination equal to ``zkproof.hash.poseidon.poseidon(values)``.
    """
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1..{MAX_INPUTS} inputs, got {len(inputs)}")
    t = len(inputs) + 1
    o = optimized(t)
    s: list[Terms] = [{}] + [dict(as_lc(x).terms) for x in inputs]
    r = 0
    for c in o.first_full:
        s = _full_round(cs, s, c, o.mds, f"{name}/round_{r}")
        r += 1
    s = [_add_const(a, k) for a, k in zip(s, o.pre_c)]
    s = [_lin(row, s) for row in o.pre_d]
    for k, (row0, col0) in zip(o.partial_k, o.sparse):
        x = _sbox(cs, _add_const(s[0], k), f"{name}/round_{r}/sbox_0")
        first = _lin(row0, [x, *s[1:]])
        s = [first] + [_lin([1, c], [a, x]) for a, c in zip(s[1:], col0)]
        r += 1
    for c in o.last_full:
        s = _full_round(cs, s, c, o.mds, f"{name}/round_{r}")
        r += 1
    return LinearCombination(s[0])
