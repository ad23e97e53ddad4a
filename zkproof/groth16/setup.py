"""INSECURE single-party Groth16 setup, in exactly snarkjs' zkey layout. Tests and demos only.

One process draws (or is given) the toxic waste, so whoever ran it can forge proofs: the key is
marked ``INSECURE-DEV-SETUP`` (``ProvingKey.dev_setup``, persisted as zkey section 99, which
snarkjs ignores), a warning goes to stderr, and nothing secret is ever written to disk (the
scalars live only in this function's locals). Real keys come from ``zkproof.ceremony``.

Symbol map (Groth 2016 §3.2 -> snarkjs ``zkey_new.js`` sections; QAP of ``zkproof.r1cs.qap``):

* ``tau, alpha, beta, gamma, delta`` -- ``ToxicWaste``; ``G1 = (1, 2)``, ``G2`` the generators.
* ``u_i, v_i, w_i``  -- wire polynomials at tau (``qap_at``); ``K_i = beta u_i + alpha v_i + w_i``.
* section 3 IC  ``ic[i] = K_i / gamma G1`` (i <= l)    section 8 C  ``l_query[j] = K_j / delta G1``
* section 5 A   ``u_i G1``   section 6 B1 ``v_i G1``   section 7 B2 ``v_i G2``
* section 9 H   ``h_query[i] = L^{2n}_{2i+1}(tau) / delta G1``: the Lagrange basis of the 2n-domain
  at its odd points (snarkjs takes the odd entries of the prepared ptau's 2n block), matching
  the prover's evaluations of ``a b - c`` on the odd coset (``groth16.witness_map``).
* section 20 (a circuit with ``R1CS.commitment``, see ``groth16.keys``): for the committed wires
  j, ``basis[j] = K_j / gamma G1``, ``sigma_basis[j] = sigma K_j / gamma G1``, ``sigma G2``;
  their section-8 entries are the point at infinity (``K_j / delta`` must not exist, or a
  prover could change a committed value after the challenge: docs/soundness.md §7).
"""

from __future__ import annotations

import hashlib
import secrets
import struct
import sys
from dataclasses import dataclass, field

from zkproof import kernel
from zkproof.curve import bn254
from zkproof.field.fr import TWO_ADICITY, R
from zkproof.groth16.keys import INSECURE_DEV_MARKER, CommitmentKey, ProvingKey
from zkproof.r1cs.constraints import R1CS
from zkproof.r1cs.qap import coefficient_section, lagrange_at, qap_at


@dataclass(frozen=True)
class ToxicWaste:
    """The setup's secret scalars (nonzero elements of F_r). ``repr`` never shows them."""

    tau: int = field(repr=False)
    alpha: int = field(repr=False)
    beta: int = field(repr=False)
    gamma: int = field(repr=False)
    delta: int = field(repr=False)
    sigma: int = field(default=0, repr=False)  # the commitment's; 0: drawn by dev_setup if needed

    def __post_init__(self) -> None:
        for name in ("tau", "alpha", "beta", "gamma", "delta"):
            if getattr(self, name) % R == 0:
                raise ValueError(f"toxic waste {name} must be nonzero mod r")

    @staticmethod
    def random() -> ToxicWaste:
        return ToxicWaste(*(secrets.randbelow(R - 1) + 1 for _ in range(6)))


def _scalars(values: list[int]) -> bytes:
    return b"".join((v % R).to_bytes(32, "little") for v in values)


def _fixed_base_g1(values: list[int]) -> bytes:
    """``[v_i G1]`` as LEM, through the kernel's batch multiplication."""
    return kernel.g1_batch_mul(bn254.g1_to_lem(bn254.G1_GENERATOR) * len(values), _scalars(values))


def _fixed_base_g2(values: list[int]) -> bytes:
    return kernel.g2_batch_mul(bn254.g2_to_lem(bn254.G2_GENERATOR) * len(values), _scalars(values))


def _lem_points(buf: bytes) -> list[bn254.G1Affine]:
    return [bn254.g1_from_lem(buf[i:i + 64]) for i in range(0, len(buf), 64)]


def dev_setup(r1cs: R1CS, toxic: ToxicWaste | None = None, *, quiet: bool = False) -> ProvingKey:
    """A Groth16 proving key for ``r1cs`` from one party's toxic waste (random if not given)."""
    if not quiet:
        print(f"WARNING: {INSECURE_DEV_MARKER}: single-party Groth16 setup; whoever ran it can "
              "forge proofs. Tests and demos only.", file=sys.stderr)
    t = toxic or ToxicWaste.random()
    u, v, w, n = qap_at(r1cs, t.tau)
    if n >= 1 << TWO_ADICITY:
        raise ValueError("circuit too big: snarkjs' 2^28 domain (Fr.shift coset) is not supported")
    l_pub = r1cs.n_public
    inv_gamma, inv_delta = pow(t.gamma, -1, R), pow(t.delta, -1, R)
    k = [(t.beta * ui + t.alpha * vi + wi) % R for ui, vi, wi in zip(u, v, w)]
    committed = set(r1cs.commitment.wires) if r1cs.commitment is not None else set()
    lag2 = lagrange_at(t.tau, 2 * n)
    g1 = _fixed_base_g1(
        [t.alpha, t.beta, t.delta]
        + [ki * inv_gamma for ki in k[:l_pub + 1]])
    alpha_g1, beta_g1, delta_g1, *ic = _lem_points(g1)
    g2 = _fixed_base_g2([t.beta, t.gamma, t.delta])
    beta_g2, gamma_g2, delta_g2 = (bn254.g2_from_lem(g2[i:i + 128]) for i in range(0, 384, 128))
    pk = ProvingKey(
        n_vars=r1cs.n_wires, n_public=l_pub, domain_size=n,
        alpha_g1=alpha_g1, beta_g1=beta_g1, delta_g1=delta_g1, ic=ic,
        beta_g2=beta_g2, gamma_g2=gamma_g2, delta_g2=delta_g2,
        coeffs=coefficient_section(r1cs),
        a_query=_fixed_base_g1(u),
        b_g1_query=_fixed_base_g1(v),
        b_g2_query=_fixed_base_g2(v),
        l_query=_fixed_base_g1([0 if j in committed else k[j] * inv_delta
                                 for j in range(l_pub + 1, r1cs.n_wires)]),
        h_query=_fixed_base_g1([lag2[2 * i + 1] * inv_delta for i in range(n)]),
        dev_setup=True,
    )
    if r1cs.commitment is not None:
        sigma = t.sigma % R or secrets.randbelow(R - 1) + 1
        wires = r1cs.commitment.wires
        basis = [k[j] * inv_gamma for j in wires]
        pk.commitment = CommitmentKey(
            wires=tuple(wires), n_challenges=r1cs.commitment.n_challenges,
            basis=_fixed_base_g1(basis), sigma_basis=_fixed_base_g1([b * sigma for b in basis]),
            sigma_g2=bn254.g2_from_lem(_fixed_base_g2([sigma])))
    pk.extra["contributions"] = _empty_contributions(pk)
    return pk


def _empty_contributions(pk: ProvingKey) -> bytes:
    """Section 10 with no contribution. Its 64-byte hash is blake2b-512 over our sections 2-9
    (and 20, with a commitment)
    (NOT snarkjs' circuit hash, which is defined relative to a ptau: a dev key has none)."""
    from zkproof.formats.zkey_file import COMMITMENT_SECTION, zkey_sections

    h = hashlib.blake2b(digest_size=64)
    sections = zkey_sections(pk)
    for kind in [*range(2, 10), *([COMMITMENT_SECTION] if pk.commitment else [])]:
        h.update(sections[kind])
    return h.digest() + struct.pack("<I", 0)


setup = dev_setup  # arkworks' name: ``setup(cs, toxic)``; there is no secure single-party setup
