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

Commitment extension (BSB22: Botrel and El Housni 2022, gnark's Groth16 with one commitment;
docs/formats.md §14, docs/soundness.md §7):

* ``J`` -- the committed private wires (``R1CS.commitment.wires``, the hiding wire last); their
  ``K_j / gamma G1`` form the commitment ``basis``, and their ``l_query`` entries are the point
  at infinity (a committed value enters the proof only through ``D``).
* ``sigma`` -- one more toxic scalar: ``sigma_basis[j] = sigma * basis[j]``, ``sigma_g2``.
* the proof adds ``D = sum_{j in J} w_j basis[j]`` (a Pedersen commitment; the random hiding wire
  makes it hiding) and ``pok = sum_{j in J} w_j sigma_basis[j]`` (its proof of knowledge,
  checked by ``e(pok, G2) = e(D, sigma_g2)``); the verifier folds ``D`` into ``vk_x`` and
  appends ``commitment_challenges(D, public)`` to the public inputs.

Big vectors are kept as LEM byte buffers (``zkproof.kernel`` layout) so a 2^20-constraint key is
never expanded into Python objects; small elements are affine int tuples.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from zkproof.curve.bn254 import G1Affine, G2Affine
from zkproof.field.fr import R

INSECURE_DEV_MARKER = "INSECURE-DEV-SETUP"
COMMITMENT_VERSION = 1  # of the zkey section, the vk and proof JSON extensions (docs/formats.md)
CHALLENGE_TAG = b"zkproof/groth16-commitment/challenge/v1"


@dataclass(frozen=True)
class CommitmentVk:
    """The verifying key's commitment part: ``sigma_g2 = sigma G2`` and how many challenges
    (the last ``n_challenges`` public inputs) are derived from the commitment."""

    sigma_g2: G2Affine
    n_challenges: int


@dataclass
class CommitmentKey:
    """The proving key's commitment part (zkey section 20). ``wires``: circom wire indices of
    the committed wires in commit order, the hiding wire last; ``basis`` / ``sigma_basis``: one
    G1 LEM point per wire (``K_j / gamma`` and ``sigma K_j / gamma``)."""

    wires: tuple[int, ...]
    n_challenges: int
    basis: bytes
    sigma_basis: bytes
    sigma_g2: G2Affine

    def verifying_key(self) -> CommitmentVk:
        return CommitmentVk(self.sigma_g2, self.n_challenges)


@dataclass(frozen=True)
class CommitmentProof:
    """``D`` (the commitment) and ``pok`` (its proof of knowledge), both G1."""

    d: G1Affine
    pok: G1Affine


def _be32(x: int) -> bytes:
    return x.to_bytes(32, "big")


def commitment_challenges(d: G1Affine, public: Sequence[int], n: int) -> list[int]:
    """The challenge values the verifier appends to ``public`` (every other public input, wire
    order): for ``i < n``, ``c_i = (H(i, 0) || H(i, 1)) mod r`` read big-endian, where
    ``H(i, k) = SHA-256(CHALLENGE_TAG || u32be(i) || u8(k) || D.x || D.y || u32be(len(public))
    || public[0] || ...)`` with every number 32-byte big-endian. 512 bits reduced mod r: the
    bias is below 2^-250. ``D`` must be a finite point (the verifier refuses infinity first)."""
    if d is None:
        raise ValueError("the commitment D is the point at infinity")
    body = _be32(d[0]) + _be32(d[1]) + struct.pack(">I", len(public)) + b"".join(
        _be32(v) for v in public)
    out = []
    for i in range(n):
        wide = b"".join(hashlib.sha256(CHALLENGE_TAG + struct.pack(">IB", i, k) + body).digest()
                        for k in (0, 1))
        out.append(int.from_bytes(wide, "big") % R)
    return out


@dataclass
class VerifyingKey:
    """What ``verification_key.json`` holds. ``dev_setup`` marks single-party test keys."""

    alpha_g1: G1Affine
    beta_g2: G2Affine
    gamma_g2: G2Affine
    delta_g2: G2Affine
    ic: list[G1Affine]
    dev_setup: bool = False
    commitment: CommitmentVk | None = None

    @property
    def n_public(self) -> int:
        """Public wires, including a commitment's challenges (``len(ic) - 1``)."""
        return len(self.ic) - 1

    @property
    def n_inputs(self) -> int:
        """Public inputs a verifier is given (``public.json``): the challenges are recomputed."""
        return self.n_public - (self.commitment.n_challenges if self.commitment else 0)


@dataclass
class Proof:
    """``(A, B, C)``: A, C in G1, B in G2; ``commitment`` for a key with a commitment."""

    a: G1Affine
    b: G2Affine
    c: G1Affine
    commitment: CommitmentProof | None = None


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
    l_query: bytes      # (n_vars - n_public - 1) G1 LEM; infinity for committed wires
    h_query: bytes      # domain_size G1 LEM
    dev_setup: bool = False
    extra: dict = field(default_factory=dict)  # e.g. the contributions section, kept verbatim
    commitment: CommitmentKey | None = None

    def verifying_key(self) -> VerifyingKey:
        ck = self.commitment.verifying_key() if self.commitment is not None else None
        return VerifyingKey(self.alpha_g1, self.beta_g2, self.gamma_g2, self.delta_g2,
                            list(self.ic), self.dev_setup, ck)
