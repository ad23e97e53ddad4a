"""Phase-2 initial key from an R1CS and a prepared ptau (= ``snarkjs zkey new`` / ``groth16 setup``).

Symbol map (snarkjs ``zkey_new.js``; Groth 2016 §3.2 with gamma = delta = 1 before phase 2):

* ``m`` constraints, ``l = n_public`` public wires, domain ``H`` of size ``2^k`` with
  ``k = floor(log2(m + l)) + 1`` (room for the ``l + 1`` extra rows ``x_s * 1 = 0`` that make the
  public inputs' u_s independent); ``L_c = L_c(tau) G1`` etc. from ptau sections 12-15;
* ``a_query[s] = sum_c A[c][s] L_c`` (+ ``L_{m+s}`` for public s), ``b_g1_query`` /
  ``b_g2_query`` likewise with B in G1 / G2;
* ``ic[s]`` (public) and ``l_query[s]`` (private):
  ``sum_c A[c][s] (beta L_c) + B[c][s] (alpha L_c) + C[c][s] L_c`` (+ ``beta L_{m+s}``, public);
* ``h_query[i] = L'_{2i+1}`` in the domain of size ``2n`` (snarkjs' odd-coset variant);
* ``csHash`` = blake2b over alpha1, beta1, beta2, gamma2, delta1, delta2 (uncompressed), then
  per section (IC, H, C, A, B1, B2) a big-endian u32 count and the points, where "H" is hashed
  as ``tau^{i+n} G1 - tau^i G1`` for i < n - 1 (the Z(tau)-multiples it is built from).
* with ``R1CS.commitment`` (``groth16.keys``): the committed wires' K-sums go to the commitment
  basis (section 20) instead of ``l_query``, whose entries for them are infinity; sigma = 1
  (``sigma_basis = basis``, ``sigma_2 = G2``) until phase 2; section 21 holds 0 sigma records;
  csHash then also hashes ``COMMITMENT_HASH_TAG``, nChallenges, the wires and the basis.
"""

from __future__ import annotations

import hashlib
import os
import struct

from zkproof.ceremony import native
from zkproof.ceremony import transcript as tr
from zkproof.ceremony.lagrange import domain_prepared, lagrange_offset
from zkproof.curve import bn254
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats.ptau_file import Ptau, read_ptau
from zkproof.formats.zkey_file import coeff_stored, write_zkey
from zkproof.groth16.keys import CommitmentKey, ProvingKey
from zkproof.r1cs.constraints import R1CS

G1_SIZE, G2_SIZE = 64, 128
COMMITMENT_HASH_TAG = b"zkproof/zkey/commitment-key/v1"


def circuit_power(r1cs: R1CS) -> int:
    """snarkjs ``cirPower = log2(m + nPublic) + 1`` (floor log2)."""
    return max(r1cs.n_constraints + r1cs.n_public, 1).bit_length() - 1 + 1


class _Terms:
    """Sparse sums ``sum s_j B_{idx_j}`` per target wire, gathered then computed in one
    ``native.lincomb`` call per section (one kernel MSM call per wire before: ~85% of zkey new's
    time at 2^15)."""

    def __init__(self, n_targets: int):
        self.terms: list[list[tuple[int, int]]] = [[] for _ in range(n_targets)]

    def add(self, target: int, base: int, scalar: int) -> None:
        self.terms[target].append((base, scalar))

    def compute(self, bases: bytes, size: int) -> bytes:
        idx, scalars, start = [], [], [0]
        for t in self.terms:
            for b, s in t:
                idx.append(b)
                scalars.append(s)
            start.append(len(idx))
        return native.lincomb(bases, size, idx, scalars, start)


def _unc(buf: bytes, size: int) -> bytes:
    return native.encode(buf, size, False)


def _hash_section(h, buf: bytes, size: int) -> None:
    h.update(struct.pack(">I", len(buf) // size))
    h.update(_unc(buf, size))


def _h_hash_points(pt: Ptau, n: int) -> bytes:
    """``tau^{i+n} G1 - tau^i G1`` for i < n - 1, uncompressed (zkey_new.js ``hashHPoints``)."""
    tau = pt.tau_g1
    diff = native.add(tau[n * G1_SIZE:(2 * n - 1) * G1_SIZE], tau[:(n - 1) * G1_SIZE], G1_SIZE,
                      sub=True)
    return native.encode(diff, G1_SIZE, False)


def check_ptau_fits(r1cs: R1CS, pt: Ptau, ptau_path: str = "<ptau>") -> int:
    """The circuit's power, or InputError "ptau power N < required M" (ATTACKS C5)."""
    k = circuit_power(r1cs)
    if k > pt.power:
        raise InputError(ptau_path, "power", f"ptau power {pt.power} < required {k} "
                         f"({r1cs.n_constraints} constraints + {r1cs.n_public} public inputs)")
    if pt.lagrange is None:
        raise InputError(ptau_path, "sections 12-15",
                         "powers of tau is not prepared: run `powersoftau prepare phase2`")
    for sec, p in ((12, k), (12, k + 1), (13, k), (14, k), (15, k)):
        if not domain_prepared(pt, sec, p):  # a partial prepare (lagrange.prepare_phase2)
            raise InputError(ptau_path, f"section {sec}",
                             f"Lagrange basis for domain 2^{p} missing (partial prepare phase2); "
                             f"prepare again with power {k}")
    return k


def new_zkey(r1cs: R1CS, pt: Ptau, *, r1cs_path: str = "<r1cs>", ptau_path: str = "<ptau>") -> ProvingKey:
    """The phase-2 initial key: gamma = delta = generator, 0 contributions, csHash (see module)."""
    from zkproof.ceremony.phase2 import (  # circular at import time
        MpcParams,
        mpc_params_bytes,
        sigma_contributions_bytes,
    )

    if r1cs.prime != R:
        raise InputError(r1cs_path, "prime", "r1cs curve does not match the ptau curve (bn128)")
    k = check_ptau_fits(r1cs, pt, ptau_path)
    n, m, l_pub, n_vars = 1 << k, r1cs.n_constraints, r1cs.n_public, r1cs.n_wires
    off = lagrange_offset(k)
    # G1 bases: tau L_c (c < n), then alpha L_c, then beta L_c; G2 bases: tau L_c.
    g1_bases = b"".join(pt.lagrange[sec][off * G1_SIZE:(off + n) * G1_SIZE] for sec in (12, 14, 15))
    g2_bases = pt.lagrange[13][off * G2_SIZE:(off + n) * G2_SIZE]
    tau, alpha, beta = 0, n, 2 * n
    a_t, b1_t, b2_t = _Terms(n_vars), _Terms(n_vars), _Terms(n_vars)
    ic_t, c_t = _Terms(l_pub + 1), _Terms(n_vars - l_pub - 1)
    wires = r1cs.commitment.wires if r1cs.commitment is not None else ()
    ck_t, ck_index = _Terms(len(wires)), {w: i for i, w in enumerate(wires)}
    coeffs = []

    def lc_add(s: int, base: int, v: int) -> None:
        if s <= l_pub:
            ic_t.add(s, base, v)
        elif s in ck_index:  # its L entry stays infinity: a committed value enters only via D
            ck_t.add(ck_index[s], base, v)
        else:
            c_t.add(s - l_pub - 1, base, v)

    for c, (ra, rb, rc) in enumerate(r1cs.constraints):
        for s, v in ra.items():
            a_t.add(s, tau + c, v)
            lc_add(s, beta + c, v)
            coeffs.append((0, c, s, v))
        for s, v in rb.items():
            b1_t.add(s, tau + c, v)
            b2_t.add(s, c, v)
            lc_add(s, alpha + c, v)
            coeffs.append((1, c, s, v))
        for s, v in rc.items():
            lc_add(s, tau + c, v)
    for s in range(l_pub + 1):
        a_t.add(s, tau + m + s, 1)
        ic_t.add(s, beta + m + s, 1)
        coeffs.append((0, m + s, s, 1))
    coeff_body = struct.pack("<I", len(coeffs)) + b"".join(
        struct.pack("<III", mt, c, s) + coeff_stored(v).to_bytes(32, "little")
        for mt, c, s, v in coeffs)
    big12 = pt.lagrange[12]
    off2 = lagrange_offset(k + 1)
    h_query = b"".join(big12[(off2 + 2 * i + 1) * G1_SIZE:(off2 + 2 * i + 2) * G1_SIZE]
                       for i in range(n))
    ic = ic_t.compute(g1_bases, G1_SIZE)
    pk = ProvingKey(
        n_vars=n_vars, n_public=l_pub, domain_size=n,
        alpha_g1=pt.point_g1(4, 0), beta_g1=pt.point_g1(5, 0), beta_g2=pt.beta_g2,
        gamma_g2=bn254.G2_GENERATOR, delta_g1=bn254.G1_GENERATOR, delta_g2=bn254.G2_GENERATOR,
        ic=[bn254.g1_from_lem(ic[i:i + G1_SIZE]) for i in range(0, len(ic), G1_SIZE)],
        coeffs=coeff_body, a_query=a_t.compute(g1_bases, G1_SIZE),
        b_g1_query=b1_t.compute(g1_bases, G1_SIZE), b_g2_query=b2_t.compute(g2_bases, G2_SIZE),
        l_query=c_t.compute(g1_bases, G1_SIZE), h_query=h_query)
    h = hashlib.blake2b(digest_size=64)
    for p1 in (pk.alpha_g1, pk.beta_g1):
        h.update(tr.g1_uncompressed(p1))
    h.update(tr.g2_uncompressed(pk.beta_g2))
    h.update(tr.g2_uncompressed(pk.gamma_g2) + tr.g1_uncompressed(pk.delta_g1)
             + tr.g2_uncompressed(pk.delta_g2))
    _hash_section(h, ic, G1_SIZE)
    h.update(struct.pack(">I", n - 1) + _h_hash_points(pt, n))
    _hash_section(h, pk.l_query, G1_SIZE)
    _hash_section(h, pk.a_query, G1_SIZE)
    _hash_section(h, pk.b_g1_query, G1_SIZE)
    _hash_section(h, pk.b_g2_query, G2_SIZE)
    if r1cs.commitment is not None:
        basis = ck_t.compute(g1_bases, G1_SIZE)
        pk.commitment = CommitmentKey(tuple(wires), r1cs.commitment.n_challenges, basis, basis,
                                      bn254.G2_GENERATOR)
        h.update(COMMITMENT_HASH_TAG + struct.pack(f">II{len(wires)}I", r1cs.commitment.n_challenges,
                                                   len(wires), *wires))
        _hash_section(h, basis, G1_SIZE)
        pk.extra["sigma_contributions"] = sigma_contributions_bytes([])
    pk.extra["contributions"] = mpc_params_bytes(MpcParams(h.digest(), []))
    return pk


def new_zkey_file(r1cs_path: str | os.PathLike, ptau_path: str | os.PathLike,
                  zkey_path: str | os.PathLike) -> bytes:
    """Read, build, write atomically; returns the circuit hash (csHash)."""
    from zkproof.ceremony.phase2 import parse_mpc_params
    from zkproof.formats.r1cs_file import read_r1cs

    r1cs = read_r1cs(r1cs_path)
    pt = read_ptau(ptau_path)
    pk = new_zkey(r1cs, pt, r1cs_path=str(r1cs_path), ptau_path=str(ptau_path))
    write_zkey(zkey_path, pk)
    return parse_mpc_params(pk.extra["contributions"]).cs_hash
