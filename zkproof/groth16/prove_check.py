"""The prover's ``--check`` mode: sanity checks run before any MSM (plonkathon's per-round
"sanity check", arkworks' ``debug_assert!(cs.is_satisfied())``).

* ``check_witness``  -- every R1CS constraint holds (named by index and name) and the zkey's
  section-4 rows agree with the circuit's A and B rows (the key belongs to this circuit).
  Needs the ``R1CS``: a zkey stores only A and B, the C rows are folded into its IC/L points.
* ``check_quotient`` -- ``a(z) b(z) - c(z) = h(z) Z(z)`` at a random ``z``, with ``h`` recovered
  from the witness-map output (``h = p / Z`` on the odd coset, where ``Z = -2``). With the R1CS,
  ``c`` comes from its C rows; without it, from snarkjs' ``c = a b`` on the domain.
"""

from __future__ import annotations

import secrets

from zkproof import kernel
from zkproof.errors import ConstraintUnsatisfied, InputError
from zkproof.field.fr import R
from zkproof.groth16.keys import ProvingKey
from zkproof.groth16.witness_map import ab_evaluations, coset_shift
from zkproof.r1cs.constraints import R1CS


def _row(row: dict[int, int], w: list[int]) -> int:
    return sum(c * w[i] for i, c in row.items()) % R


def check_witness(pk: ProvingKey, w: list[int], r1cs: R1CS) -> list[int]:
    """Raise ``ConstraintUnsatisfied`` for the first violated constraint; return C on the domain."""
    if r1cs.n_wires != pk.n_vars or r1cs.n_public != pk.n_public:
        raise InputError("proving key", "header", f"circuit has {r1cs.n_wires} wires / "
                         f"{r1cs.n_public} public, key has {pk.n_vars} / {pk.n_public}")
    a_ev, b_ev = ab_evaluations(pk.coeffs, _encode(w), pk.domain_size)
    c_ev = [0] * pk.domain_size
    for k, (a, b, c) in enumerate(r1cs.constraints):
        av, bv, cv = _row(a, w), _row(b, w), _row(c, w)
        if (av * bv - cv) % R:
            raise ConstraintUnsatisfied(r1cs.constraint_name(k), k,
                                        f"A*B = {av * bv % R}, C = {cv}")
        if (av, bv) != (a_ev[k], b_ev[k]):
            raise InputError("proving key", f"section 4 (coefficients) row {k}",
                             "A/B rows differ from the circuit's: key made for another circuit")
        c_ev[k] = cv
    return c_ev


def _encode(w: list[int]) -> bytes:
    return b"".join(x.to_bytes(32, "little") for x in w)


def _horner(coeffs: bytes, z: int) -> int:
    acc = 0
    for i in range(len(coeffs) - 32, -1, -32):
        acc = (acc * z + int.from_bytes(coeffs[i:i + 32], "little")) % R
    return acc


def check_quotient(pk: ProvingKey, witness: bytes, h_odd: bytes, c_evals: list[int] | None) -> None:
    """Assert ``a b - c = h Z`` at a random point (Schwartz-Zippel), before any MSM."""
    n = pk.domain_size
    a_ev, b_ev = ab_evaluations(pk.coeffs, witness, n)
    if c_evals is None:
        c_evals = [x * y % R for x, y in zip(a_ev, b_ev)]
    g = coset_shift(n)
    z_on_coset = (pow(g, n, R) - 1) % R  # = -2: Z is constant on the odd coset
    inv_z = pow(z_on_coset, -1, R)
    h_vals = b"".join((int.from_bytes(h_odd[i:i + 32], "little") * inv_z % R).to_bytes(32, "little")
                      for i in range(0, len(h_odd), 32))
    h_coeffs = kernel.fr_ntt(h_vals, inverse=True, shift=g)
    polys = [kernel.fr_ntt(_encode(v), inverse=True) for v in (a_ev, b_ev, c_evals)]
    z = secrets.randbelow(R)
    a, b, c = (_horner(p, z) for p in polys)
    if (a * b - c - _horner(h_coeffs, z) * (pow(z, n, R) - 1)) % R:
        raise ConstraintUnsatisfied("quotient a*b - c = h*Z", -1,
                                    "the polynomial identity fails at a random point")
