"""Groth16 key and proof data (arkworks field names; snarkjs names live in ``formats``).

Symbol map (Groth 2016, §3.2; snarkjs ``zkey_new.js``):

* ``tau`` -- the secret evaluation point x; ``alpha, beta, gamma, delta`` -- the toxic scalars.
* ``u_i(x), v_i(x), w_i(x)`` -- the QAP polynomials of wire i (A, B, C columns).
* ``alpha_g1 = alpha*G1``, ``beta_g1 = beta*G1``, ``beta_g2 = beta*G2``, ``gamma_g2 = gamma*G2``,
  ``delta_g1 = delta*G1``, ``delta_g2 = delta*G2``.
* ``ic[i] = (beta u_i + alpha v_i + w_i)(tau) / gamma * G1`` for public wires i = 0..n_public.
* ``a_query[i] = u_i(tau) G1``, ``b_g1_query[i] = v_i(tau) G1``, ``b_g2_query[i] = v_i(tau) G2``
  for every wire; ``l_query[j] = (beta u_j + alpha v_j + w_j)(tau)/delta G1`` for private wires
  (snarkjs "C" section); ``h_query`` -- snarkjs' odd-coset variant (see ``groth16.setup``).

Big vectors are kept as LEM byte buffers (``zkproof.kernel`` layout) so a 2^20-constraint key is
never expanded into Python objects; small elements are affine int tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkproof.curve.bn254 import G1Affine, G2Affine

INSECURE_DEV_MARKER = "INSECURE-DEV-SETUP"


@dataclass
class VerifyingKey:
    """What ``verification_key.json`` holds. ``dev_setup`` marks single-party test keys."""

    alpha_g1: G1Affine
    beta_g2: G2Affine
    gamma_g2: G2Affine
    delta_g2: G2Affine
    ic: list[G1Affine]
    dev_setup: bool = False

    @property
    def n_public(self) -> int:
        return len(self.ic) - 1


@dataclass
class Proof:
    """``(A, B, C)``: A, C in G1, B in G2."""

    a: G1Affine
    b: G2Affine
    c: G1Affine


@dataclass
class ProvingKey:
    """The Groth16 part of a snarkjs ``.zkey`` (sections 2-9), plus the verifying key.

    ``coeffs`` is the raw body of zkey section 4 (u32 count, then per entry u32 matrix, u32
    constraint, u32 signal, 32-byte value), exactly as snarkjs stores it.
    """

    n_vars: int
    n_public: int
    domain_size: int
    alpha_g1: G1Affine
    beta_g1: G1Affine
    beta_g2: G2Affine
    gamma_g2: G2Affine
    delta_g1: G1Affine
    delta_g2: G2Affine
    ic: list[G1Affine]
    coeffs: bytes
    a_query: bytes      # n_vars G1 LEM
    b_g1_query: bytes   # n_vars G1 LEM
    b_g2_query: bytes   # n_vars G2 LEM
    l_query: bytes      # (n_vars - n_public - 1) G1 LEM
    h_query: bytes      # domain_size G1 LEM
    dev_setup: bool = False
    extra: dict = field(default_factory=dict)  # e.g. the contributions section, kept verbatim

    def verifying_key(self) -> VerifyingKey:
        return VerifyingKey(self.alpha_g1, self.beta_g2, self.gamma_g2, self.delta_g2,
                            list(self.ic), self.dev_setup)
