"""``zkey verify``: a phase-2 key against its initial key (snarkjs ``zkey_verify_frominit.js``).

``verify_from_r1cs`` rebuilds the initial key from the R1CS and the ptau with our own
``new_zkey`` (as snarkjs' ``zkey verify`` does) and then runs ``verify_from_init``:

1. each contribution i (1-based, ``INVALID(i): ...``): its transcript is the hash of csHash, the
   earlier public keys and its own (g1_s, g1_sx); the same-ratio proof of its secret holds for
   ``g2_sp = hashToG2(transcript)``; ``deltaAfter`` follows the previous delta by that secret;
   a beacon's key re-derives from its declared hash and iterations (ATTACKS C3, C4, C2);
2. the header equals the initial key's except delta; delta1 is the last deltaAfter and delta2
   has the same ratio; the circuit hash equals the one the R1CS + ptau give (C5);
3. sections IC, coefficients, A, B1, B2 are byte-identical to the initial key's; L and H are the
   initial ones divided by the final delta (random linear combination + one pairing each).
4. with a commitment (zkey sections 20, 21; ``ceremony.phase2``): one sigma record per
   contribution, each with a consistent transcript, a same-ratio proof of its secret ``y``
   and ``sigmaAfter`` following the previous one by ``y`` (a beacon's ``y`` re-derived from its
   hash); section 20's wires, challenge count and basis byte-identical to the initial key's;
   sigma_2 the last sigmaAfter's G2 counterpart; the sigma basis the basis times sigma.
All pairing equations are batched into one multi-pairing (``ptau_verify.PairingBatch``); when
the batch fails, each check is re-run alone to name the culprit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from zkproof import kernel
from zkproof.ceremony import transcript as tr
from zkproof.ceremony.phase2 import (
    MpcParams,
    SigmaContribution,
    contribution_hash,
    mpc_params_of,
    sigma_contributions_of,
    sigma_transcript,
    transcript_prefix,
)
from zkproof.ceremony.ptau_verify import PairingBatch
from zkproof.curve import bn254
from zkproof.formats.ptau_file import Ptau
from zkproof.groth16.keys import ProvingKey
from zkproof.r1cs.constraints import R1CS

G1_SIZE = 64


@dataclass
class Phase2Report:
    ok: bool = False
    cs_hash: str = ""
    n_contributions: int = 0
    contributions: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def _beacon_mismatch(c, sigma: SigmaContribution | None = None) -> str | None:
    rng = tr.rng_from_beacon(c.beacon_hash, c.num_iterations_exp)
    x = tr.fr_from_rng(rng)
    g1_s = tr.g1_from_rng(rng)
    if g1_s != c.g1_s:
        return "key of the beacon does not match (g1_s): not derived from the declared beacon"
    if bn254.g1_mul(g1_s, x) != c.g1_sx:
        return "key of the beacon does not match (g1_sx): not derived from the declared beacon"
    if sigma is not None:
        y = tr.fr_from_rng(rng)
        g1_t = tr.g1_from_rng(rng)
        if g1_t != sigma.g1_t or bn254.g1_mul(g1_t, y) != sigma.g1_ty:
            return "sigma key of the beacon does not match: not derived from the declared beacon"
    return None


def _check_sigma_chain(mp: MpcParams, sigmas: list[SigmaContribution],
                       batch_for) -> tuple[str | None, bn254.G1Affine]:
    """Each contribution's sigma record (``ceremony.phase2``): transcript, same-ratio proof of
    its ``y``, ``sigmaAfter = y * previous`` (pairing checks go to ``batch_for(i)``)."""
    cur = bn254.G1_GENERATOR
    if len(sigmas) != len(mp.contributions):
        return (f"INVALID: {len(sigmas)} sigma records for {len(mp.contributions)} contributions: "
                "every contribution must re-randomise the commitment's sigma"), cur
    for i, (c, sc) in enumerate(zip(mp.contributions, sigmas), start=1):
        if sigma_transcript(c.transcript, sigmas[:i - 1], sc.g1_t, sc.g1_ty) != sc.transcript:
            return f"INVALID({i}): inconsistent sigma transcript hash", cur
        if c.type == 1:
            why = _beacon_mismatch(c, sc)
            if why:
                return f"INVALID({i}): {why}", cur
        tp = tr.hash_to_g2(sc.transcript)
        batch = batch_for(i)
        if not batch.same_ratio(sc.g1_t, sc.g1_ty, tp, sc.g2_tpy):
            return f"INVALID({i}): sigma public key has a point at infinity", cur
        if not batch.same_ratio(cur, sc.sigma_after, tp, sc.g2_tpy):
            return f"INVALID({i}): sigmaAfter is infinity (degenerate contribution)", cur
        cur = sc.sigma_after
    return None, cur


def _check_chain(mp: MpcParams, batch_for) -> tuple[str | None, bn254.G1Affine, list[dict]]:
    """Structural checks of every contribution; pairing checks go to ``batch_for(i)``."""
    cur_delta = bn254.G1_GENERATOR
    info = []
    for i, c in enumerate(mp.contributions, start=1):
        h = transcript_prefix(mp, i - 1)
        h.update(tr.g1_uncompressed(c.g1_s) + tr.g1_uncompressed(c.g1_sx))
        if h.digest() != c.transcript:
            return f"INVALID({i}): inconsistent transcript hash", cur_delta, info
        if c.type == 1:
            why = _beacon_mismatch(c)
            if why:
                return f"INVALID({i}): {why}", cur_delta, info
        elif any(x.type == 1 for x in mp.contributions[:i - 1]):
            return (f"INVALID({i}): contribution after the beacon: the beacon must close "
                    f"phase 2 (C4)"), cur_delta, info
        sp = tr.hash_to_g2(c.transcript)
        batch = batch_for(i)
        if not batch.same_ratio(c.g1_s, c.g1_sx, sp, c.g2_spx):
            return f"INVALID({i}): public key has a point at infinity", cur_delta, info
        if not batch.same_ratio(cur_delta, c.delta_after, sp, c.g2_spx):
            return f"INVALID({i}): deltaAfter is infinity (degenerate contribution)", cur_delta, info
        entry = {"index": i, "name": c.name, "type": "beacon" if c.type == 1 else "contribution",
                 "contribution_hash": contribution_hash(c).hex()}
        if c.type == 1:
            entry.update(beacon_hash=c.beacon_hash.hex(), num_iterations_exp=c.num_iterations_exp)
        info.append(entry)
        cur_delta = c.delta_after
    return None, cur_delta, info


def _rand_combo(buf: bytes, r: bytes):
    return kernel.g1_msm(buf, r)


def _commitment_sections(init: ProvingKey, pk: ProvingKey, cur_sigma, batch: PairingBatch) -> str | None:
    """Section 20 against the initial key; sigma_2 and the sigma basis against ``cur_sigma``."""
    a, b = init.commitment, pk.commitment
    if (a is None) != (b is None):
        return "commitment key (section 20) present in only one of the key and the initial key"
    if a is None:
        return None
    if (a.wires, a.n_challenges, bytes(a.basis)) != (b.wires, b.n_challenges, bytes(b.basis)):
        return "commitment key (wires, challenges or basis) is not identical"
    if len(b.sigma_basis) != len(a.basis):
        return "commitment sigma basis has the wrong size"
    if not batch.same_ratio(bn254.G1_GENERATOR, cur_sigma, bn254.G2_GENERATOR, b.sigma_g2):
        return "invalid commitment sigma_2 (infinity)"
    r = b"".join(secrets.randbits(64).to_bytes(32, "little") for _ in range(len(a.basis) // G1_SIZE))
    if not batch.same_ratio(_rand_combo(a.basis, r), _rand_combo(b.sigma_basis, r),
                            bn254.G2_GENERATOR, b.sigma_g2):
        return "commitment sigma basis does not match (a point at infinity)"
    return None


def _sections(init: ProvingKey, pk: ProvingKey, cur_delta, batch: PairingBatch) -> str | None:
    if (init.n_vars, init.n_public, init.domain_size) != (pk.n_vars, pk.n_public, pk.domain_size):
        return "different circuit parameters (nVars, nPublic or domainSize)"
    for name in ("alpha_g1", "beta_g1", "beta_g2", "gamma_g2"):
        if getattr(init, name) != getattr(pk, name):
            return f"invalid {name}: differs from the initial key"
    if pk.delta_g1 != cur_delta:
        return "invalid delta1: not the last contribution's deltaAfter"
    if not batch.same_ratio(bn254.G1_GENERATOR, cur_delta, bn254.G2_GENERATOR, pk.delta_g2):
        return "invalid delta2 (infinity)"
    if pk.ic != init.ic:
        return "IC section is not identical"
    for name, label in (("coeffs", "coefficients"), ("a_query", "A"), ("b_g1_query", "B1"),
                        ("b_g2_query", "B2")):
        if bytes(getattr(pk, name)) != bytes(getattr(init, name)):
            return f"{label} section is not identical"
    for name, label in (("l_query", "L"), ("h_query", "H")):
        a, b = bytes(getattr(init, name)), bytes(getattr(pk, name))
        if len(a) != len(b):
            return f"{label} section has the wrong size"
        if not any(a):  # empty, or all infinity (every private wire committed): nothing to scale
            if any(b):
                return f"{label} section does not match (the initial one is all infinity)"
            continue
        r = b"".join(secrets.randbits(64).to_bytes(32, "little") for _ in range(len(a) // G1_SIZE))
        if not batch.same_ratio(_rand_combo(a, r), _rand_combo(b, r), pk.delta_g2, init.delta_g2):
            return f"{label} section does not match (a point at infinity)"
    return None


def verify_from_init(init: ProvingKey, pk: ProvingKey, *, init_path: str = "<init>",
                     zkey_path: str = "<zkey>") -> Phase2Report:
    """Check ``pk`` descends from ``init`` by valid contributions (see module docstring)."""
    mp, mp_init = mpc_params_of(pk, zkey_path), mpc_params_of(init, init_path)
    rep = Phase2Report(cs_hash=mp.cs_hash.hex(), n_contributions=len(mp.contributions))
    if mp.cs_hash != mp_init.cs_hash:
        rep.errors.append("circuit hash mismatch: the zkey is not for this circuit and ptau")
        return rep
    batch = PairingBatch()
    why, cur_delta, rep.contributions = _check_chain(mp, lambda i: batch)
    why = why or _sections(init, pk, cur_delta, batch)
    if not why and (pk.commitment is not None or init.commitment is not None):
        why = _commitment_sections(init, pk, bn254.G1_GENERATOR, PairingBatch())  # shape only
        if not why:
            sigmas = sigma_contributions_of(pk, zkey_path)
            why, cur_sigma = _check_sigma_chain(mp, sigmas, lambda i: batch)
            why = why or _commitment_sections(init, pk, cur_sigma, batch)
            for entry, c, sc in zip(rep.contributions, mp.contributions, sigmas):
                entry["contribution_hash"] = contribution_hash(c, sc).hex()  # the receipt
    if why and why.startswith("INVALID(") and not batch.check():
        why = _locate(init, pk, mp)  # an earlier contribution already fails its pairing check
    if why:
        rep.errors.append(why if why.startswith("INVALID") else f"INVALID: {why}")
        return rep
    if not batch.check():
        rep.errors.append(_locate(init, pk, mp))
        return rep
    if not mp.contributions:
        rep.errors.append("INVALID: 0 contributions: gamma == delta, anyone can forge proofs")
        return rep
    rep.ok = True
    return rep


def _locate(init: ProvingKey, pk: ProvingKey, mp: MpcParams) -> str:
    batches: dict[int, PairingBatch] = {}
    structural, cur_delta, _ = _check_chain(mp, lambda i: batches.setdefault(i, PairingBatch()))
    for i in sorted(batches):
        if not batches[i].check():
            return (f"INVALID({i}): the public key's same-ratio proof fails or deltaAfter does "
                    f"not follow the public key")
    if structural:
        return structural
    b = PairingBatch()
    b.same_ratio(bn254.G1_GENERATOR, cur_delta, bn254.G2_GENERATOR, pk.delta_g2)
    if not b.check():
        return "INVALID: invalid delta2: not delta1's G2 counterpart"
    for name, label in (("l_query", "L"), ("h_query", "H")):
        b = PairingBatch()
        a, c = bytes(getattr(init, name)), bytes(getattr(pk, name))
        if not any(a):
            continue
        r = b"".join(secrets.randbits(64).to_bytes(32, "little") for _ in range(len(a) // G1_SIZE))
        b.same_ratio(_rand_combo(a, r), _rand_combo(c, r), pk.delta_g2, init.delta_g2)
        if not b.check():
            return f"INVALID: {label} section does not match"
    if pk.commitment is not None:
        return _locate_sigma(init, pk, mp)
    return "INVALID: a pairing check fails"


def _locate_sigma(init: ProvingKey, pk: ProvingKey, mp: MpcParams) -> str:
    batches: dict[int, PairingBatch] = {}
    why, cur_sigma = _check_sigma_chain(mp, sigma_contributions_of(pk),
                                        lambda i: batches.setdefault(i, PairingBatch()))
    for i in sorted(batches):
        if not batches[i].check():
            return (f"INVALID({i}): the sigma public key's same-ratio proof fails or sigmaAfter "
                    "does not follow it")
    if why:
        return why
    b = PairingBatch()
    b.same_ratio(bn254.G1_GENERATOR, cur_sigma, bn254.G2_GENERATOR, pk.commitment.sigma_g2)
    if not b.check():
        return "INVALID: invalid commitment sigma_2: not the last sigmaAfter's G2 counterpart"
    b = PairingBatch()
    _commitment_sections(init, pk, cur_sigma, b)
    if not b.check():
        return "INVALID: commitment sigma basis does not match sigma_2"
    return "INVALID: a pairing check fails"


def verify_from_r1cs(r1cs: R1CS, pt: Ptau, pk: ProvingKey, *, r1cs_path: str = "<r1cs>",
                     ptau_path: str = "<ptau>", zkey_path: str = "<zkey>") -> Phase2Report:
    """``snarkjs zkey verify CIRCUIT.r1cs POT.ptau CIRCUIT.zkey``."""
    from zkproof.ceremony.zkey_new import new_zkey

    init = new_zkey(r1cs, pt, r1cs_path=r1cs_path, ptau_path=ptau_path)
    return verify_from_init(init, pk, init_path=f"{r1cs_path} + {ptau_path}", zkey_path=zkey_path)
