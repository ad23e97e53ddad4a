"""Groth16 prover, snarkjs-compatible (same proof for the same zkey, witness, r and s).

Symbol map (Groth 2016 §3.2 -> ``ProvingKey`` fields -> snarkjs ``groth16_prove.js``):

* ``w``            -- the full witness, ``w_0 = 1``, public inputs ``w_1..w_l`` (l = n_public).
* ``r, s``         -- the prover's blinding scalars.
* ``A = alpha + sum_i w_i u_i(tau) + r delta``  (G1: ``alpha_g1``, ``a_query``, ``delta_g1``)
* ``B = beta + sum_i w_i v_i(tau) + s delta``   (G2: ``beta_g2``, ``b_g2_query``, ``delta_g2``;
  the same sum in G1 with ``b_g1_query`` is ``B1``, needed for C)
* ``C = sum_{i>l} w_i L_i + sum_j p_j H_j + s A + r B1 - r s delta``  (``l_query``, ``h_query``),
  where ``L_i = (beta u_i + alpha v_i + w_i)(tau)/delta G1`` and ``p = h_evaluations(...)`` with
  ``sum_j p_j H_j = h(tau) Z(tau)/delta G1`` (see ``groth16.witness_map``).

With a commitment (``pk.commitment``, ``groth16.keys``): ``D = sum_{j in J} w_j basis[j]`` and
``pok = sum_{j in J} w_j sigma_basis[j]``, two more G1 MSMs; ``C`` needs no change because the
committed wires' ``L_j`` are infinity in the key. The witness must already hold the challenges
hashed from this ``D`` (``challenge_fn(pk)`` is the callback ``ConstraintSystem.solve`` takes),
so the prover only checks them: a witness solved with the stand-in challenges, a zero hiding
wire or challenges picked by hand are refused before any other MSM.

Every MSM, NTT and the witness map (``kernel.h_evaluations``, the port of
``groth16.witness_map``) go through ``zkproof.kernel``; the key's big vectors stay byte buffers.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence

from zkproof import kernel
from zkproof.curve import bn254
from zkproof.errors import ConstraintUnsatisfied, InputError
from zkproof.field.fr import R
from zkproof.groth16.keys import CommitmentKey, CommitmentProof, Proof, ProvingKey, commitment_challenges
from zkproof.groth16.prove_check import check_quotient, check_witness
from zkproof.r1cs.constraints import R1CS
from zkproof.r1cs.system import CommitOpening


def witness_bytes(pk: ProvingKey, witness: bytes | Sequence[int], source: str = "witness") -> bytes:
    """The witness as ``n_vars * 32`` LE canonical bytes, checked against the key."""
    if isinstance(witness, (bytes, bytearray, memoryview)):
        buf = bytes(witness)
        values = None
    else:
        values = [int(v) for v in witness]
        if any(not 0 <= v < R for v in values):
            raise InputError(source, "values", "a witness value is not in [0, r)")
        buf = b"".join(v.to_bytes(32, "little") for v in values)
    if len(buf) != pk.n_vars * 32:
        raise InputError(source, "length", f"expected {pk.n_vars} values (the key's nVars), "
                                           f"got {len(buf) / 32:g}")
    if int.from_bytes(buf[:32], "little") != 1:
        raise InputError(source, "witness[0]", "the constant wire must be 1")
    if values is None and any(int.from_bytes(buf[i:i + 32], "little") >= R for i in range(0, len(buf), 32)):
        raise InputError(source, "values", "a witness value is not reduced below r")
    return buf


def _scalar(x: int) -> bytes:
    return (x % R).to_bytes(32, "little")


def challenge_fn(pk: ProvingKey) -> Callable[[CommitOpening], list[int]]:
    """The ``challenges`` callback for ``ConstraintSystem.solve`` under this key: from a
    ``CommitOpening`` (committed values, then ``.hiding``, ``.publics``) it computes ``D`` as
    ``prove`` will and returns ``commitment_challenges(D, publics)``."""
    ck = pk.commitment
    if ck is None:
        raise ValueError("this proving key has no commitment")

    def challenges(opening: CommitOpening) -> list[int]:
        values = [*opening, opening.hiding]
        if len(values) != len(ck.wires):
            raise ValueError(f"{len(values)} committed values, the key commits {len(ck.wires)} wires")
        d = kernel.g1_msm(ck.basis, b"".join(_scalar(v) for v in values))
        return commitment_challenges(d, opening.publics, ck.n_challenges)

    return challenges


def commit(ck: CommitmentKey, w: bytes, n_pub: int, source: str = "witness") -> CommitmentProof:
    """``D`` and its proof of knowledge from the witness buffer, after checking the witness's
    challenge wires are the hash of this ``D`` and the other public inputs, and the hiding wire
    is not 0 (docs/soundness.md §7)."""
    if int.from_bytes(w[32 * ck.wires[-1]:32 * ck.wires[-1] + 32], "little") == 0:
        raise InputError(source, f"wire {ck.wires[-1]} (commitment hiding)",
                         "is 0: the commitment would not hide; solve with groth16.prove.challenge_fn")
    scalars = b"".join(w[32 * j:32 * j + 32] for j in ck.wires)
    d, pok = kernel.g1_msm(ck.basis, scalars), kernel.g1_msm(ck.sigma_basis, scalars)
    first = n_pub - ck.n_challenges + 1
    want = commitment_challenges(d, _ints(w[32:32 * first]), ck.n_challenges)
    if _ints(w[32 * first:32 * (n_pub + 1)]) != want:
        raise InputError(source, f"wires {first}..{n_pub} (commitment challenges)",
                         "are not the hash of the commitment and the public inputs; solve "
                         "with groth16.prove.challenge_fn(pk)")
    return CommitmentProof(d, pok)


def prove(pk: ProvingKey, witness: bytes | Sequence[int], *, r: int | None = None,
          s: int | None = None, check: bool = False,
          r1cs: R1CS | None = None) -> tuple[Proof, list[int]]:
    """A Groth16 proof of ``witness`` under ``pk`` and the public values ``w_1..w_l`` (without
    the challenge wires when ``pk`` has a commitment: the verifier recomputes those).

    ``check=True`` runs the sanity checks of ``groth16.prove_check`` before any MSM (naming the
    violated constraint when ``r1cs`` is given) and verifies the finished proof with a pairing.
    """
    w = witness_bytes(pk, witness)
    n_pub = pk.n_public
    cm = commit(pk.commitment, w, n_pub) if pk.commitment is not None else None
    c_evals = None
    if check and r1cs is not None:                                    # step 0: R1CS holds
        c_evals = check_witness(pk, _ints(w), r1cs)
    p = kernel.h_evaluations(pk.coeffs, w, pk.domain_size)            # step 1: witness map
    if check:
        check_quotient(pk, w, p, c_evals)                             # a b - c = h Z
    r = secrets.randbelow(R) if r is None else r % R                  # step 2: blinding
    s = secrets.randbelow(R) if s is None else s % R
    one, g1, g2 = _scalar(1), bn254.g1_to_lem, bn254.g2_to_lem
    # step 3: A, B (and B in G1) as one MSM each: fixed terms ride along as extra bases
    a = kernel.g1_msm(g1(pk.alpha_g1) + pk.a_query + g1(pk.delta_g1), one + w + _scalar(r))
    b = kernel.g2_msm(g2(pk.beta_g2) + pk.b_g2_query + g2(pk.delta_g2), one + w + _scalar(s))
    b1 = kernel.g1_msm(g1(pk.beta_g1) + pk.b_g1_query + g1(pk.delta_g1), one + w + _scalar(s))
    # step 4: C = sum_{i>l} w_i L_i + sum_j p_j H_j + s A + r B1 - r s delta
    c = kernel.g1_msm(pk.l_query + pk.h_query + g1(a) + g1(b1) + g1(pk.delta_g1),
                      w[(n_pub + 1) * 32:] + p + _scalar(s) + _scalar(r) + _scalar(-r * s))
    proof = Proof(a, b, c, cm)
    public = _ints(w[32:(n_pub + 1) * 32])
    if check and not self_verify(pk, proof, public):                  # step 5: self-check
        raise ConstraintUnsatisfied("groth16 self-verification", -1,
                                    "the proof does not verify: the witness does not satisfy the "
                                    "circuit (give the .r1cs to name the constraint)")
    return proof, public[:n_pub - (pk.commitment.n_challenges if pk.commitment else 0)]


def _ints(buf: bytes) -> list[int]:
    return [int.from_bytes(buf[i:i + 32], "little") for i in range(0, len(buf), 32)]


def self_verify(pk: ProvingKey, proof: Proof, public: list[int]) -> bool:
    """``e(A,B) = e(alpha,beta) e(vk_x,gamma) e(C,delta)`` as one multi-pairing (--check);
    ``public``: every public wire (with the challenges); with a commitment ``vk_x`` includes
    ``D`` and ``e(pok, G2) = e(D, sigma)`` is checked too."""
    from zkproof.curve.pairing import pairing_product_is_one

    vk_x = kernel.g1_msm(b"".join(bn254.g1_to_lem(pt) for pt in pk.ic),
                         b"".join(_scalar(x) for x in [1, *public]))
    pairs = [(bn254.g1_neg(proof.a), proof.b), (pk.alpha_g1, pk.beta_g2), (proof.c, pk.delta_g2)]
    if proof.commitment is None:
        return pairing_product_is_one([*pairs, (vk_x, pk.gamma_g2)])
    d, pok = proof.commitment.d, proof.commitment.pok
    return (pairing_product_is_one([*pairs, (bn254.g1_add(vk_x, d), pk.gamma_g2)])
            and pairing_product_is_one([(pok, bn254.G2_GENERATOR),
                                        (bn254.g1_neg(d), pk.commitment.sigma_g2)]))


def prove_files(zkey_path: str | os.PathLike, wtns_path: str | os.PathLike,
                proof_json_path: str | os.PathLike, public_json_path: str | os.PathLike,
                check: bool = False, r1cs_path: str | os.PathLike | None = None) -> tuple[Proof, list[int]]:
    """snarkjs ``groth16 prove``: zkey + wtns -> proof.json + public.json (atomic writes)."""
    from zkproof.formats.r1cs_file import read_r1cs
    from zkproof.formats.snarkjs_json import dump_proof, dump_public, write_json
    from zkproof.formats.wtns_file import read_wtns_bytes
    from zkproof.formats.zkey_file import read_zkey

    pk = read_zkey(zkey_path)
    w = read_wtns_bytes(wtns_path)
    if len(w) != pk.n_vars * 32:
        raise InputError(str(wtns_path), "section 2 (witness)",
                         f"{len(w) // 32} values, but the key {zkey_path} has nVars = {pk.n_vars}")
    r1cs = read_r1cs(r1cs_path) if r1cs_path is not None else None
    proof, public = prove(pk, w, check=check, r1cs=r1cs)
    write_json(proof_json_path, dump_proof(proof))
    write_json(public_json_path, dump_public(public))
    return proof, public
