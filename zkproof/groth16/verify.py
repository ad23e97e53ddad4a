"""Groth16 verifier, pure Python: every input checked, then one multi-pairing.

Symbol map (Groth 2016, §3.2; snarkjs ``groth16_verify.js``; arkworks ``verifier.rs``):

* ``vk_x = ic[0] + sum_i x_i * ic[i+1]`` -- arkworks ``prepare_inputs``, snarkjs ``cpub``.
* accept iff ``e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta)``, checked as
  ``e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1`` with ONE final
  exponentiation (``zkproof.curve.pairing.pairing_product_is_one``).

Check order (ATTACKS §5, EIP-196/197 and py-evm's precompile, plus the count check snarkjs
lacks), each step before anything is handed to py_ecc, which reduces coordinates silently (B4)
and accepts G2 points outside the subgroup (B6):

1. parse strictly (``formats.snarkjs_json``: decimal strings, ``< modulus``, ``z == 1``);
2. public-input count == ``len(ic) - 1`` (B3: too few must not mean "the rest are zero");
3. public inputs are ints in ``[0, r)`` (B1, B2: a negative scalar must never reach py_ecc);
4. coordinates ``< q`` (B4); 5. no point at infinity (B7); 6. on the curve (B5, B8);
7. ``pi_b`` and every vk G2 point in the order-r subgroup (B6);
8. key sanity: ``gamma != delta`` and ``delta != G2 generator`` (C1: otherwise anyone forges
   ``A = alpha, B = beta, C = -vk_x``); 9. the pairing.

With a commitment (``vk.commitment``; ``groth16.keys``, docs/formats.md §14): the
public inputs are the ``vk.n_inputs`` given ones; the proof must carry ``D`` and ``pok``, each
finite, reduced and on the curve (G1's cofactor is 1: the subgroup), checked with ``A`` and
``C``; the key's ``sigma_g2`` goes through step 7 and must be neither the G2 generator nor
delta (step 8: with ``sigma = 1`` anyone forges the proof of knowledge). Then
``vk_x = ic[0] + sum_i x_i ic[i+1] + sum_k c_k ic[n_inputs+k+1] + D`` with
``c = commitment_challenges(D, x)``, and ``e(pok, G2) = e(D, sigma_g2)`` joins the multi-pairing
with its own random 128-bit weight (``pok_pairs``). A proof with a commitment under a key without
one, or the reverse, is malformed.

Malformed input raises ``MalformedProof(file, field, reason)``; an insecure key raises
``InsecureSetup``; a well-formed proof that does not verify returns ``False``.

Import rule (docs/architecture.md, enforced by ``tests/test_verifier_imports.py``): only
``zkproof.field``, ``zkproof.curve``, ``zkproof.formats.snarkjs_json`` (and ``strict_json``),
``zkproof.errors`` and ``zkproof.groth16.keys``; never the prover, the R1CS toolkit or the
native kernel. Points are checked one at a time through steps 4-7, proof before key.

Cost (measured, 2 public inputs): ~1.3 s CPU, of which the multi-pairing ~1.2 s and the four
G2 subgroup checks ~0.2 s. ``verify_many`` checks n proofs under one key with n + 3 Miller loops
and one final exponentiation (``batch_pairing_check``): the bundle verifier's batch proofs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkproof.curve.bn254 import (
    G2_GENERATOR,
    G1Affine,
    G2Affine,
    P,
    g1_add,
    g1_mul,
    g1_neg,
    in_g2_subgroup,
    is_on_curve_g1,
    is_on_curve_g2,
)
from zkproof.curve.pairing import pairing_product_is_one
from zkproof.errors import InsecureSetup, MalformedProof
from zkproof.field.fr import R
from zkproof.formats.snarkjs_json import JSON_NAME, load_json, parse_proof, parse_public, parse_vk
from zkproof.groth16.keys import (
    INSECURE_DEV_MARKER,
    CommitmentProof,
    Proof,
    VerifyingKey,
    commitment_challenges,
)


@dataclass(frozen=True)
class Sources:
    """File names used in error messages (``verify_files`` passes the real paths)."""

    vk: str = "<verification key>"
    public: str = "<public inputs>"
    proof: str = "<proof>"


# --- 2, 3: public inputs ----------------------------------------------------------------------

def check_public_inputs(vk: VerifyingKey, values: Sequence[int], file: str) -> None:
    """Exactly ``vk.n_inputs`` values (``n_public`` less a commitment's challenges), each an
    ``int`` in ``[0, r)`` (never reduced here)."""
    if len(values) != vk.n_inputs:
        raise MalformedProof(file, "public", f"expected {vk.n_inputs} public inputs, got {len(values)}")
    for i, v in enumerate(values):
        if type(v) is not int:
            raise MalformedProof(file, f"public[{i}]", f"expected an integer, got {type(v).__name__}")
        if not 0 <= v < R:
            raise MalformedProof(file, f"public[{i}]", f"not reduced below r: got {v}")


# --- 4-7: points --------------------------------------------------------------------------------

def _coords(pt: object) -> list[int]:
    """Flatten an affine point of int tuples; raises ValueError for any other shape."""
    if isinstance(pt, int) and not isinstance(pt, bool):
        return [pt]
    if isinstance(pt, tuple) and len(pt) == 2:
        return _coords(pt[0]) + _coords(pt[1])
    raise ValueError("not an affine point of integers")


def check_g1(pt: G1Affine, file: str, field: str) -> None:
    """Reduced (< q), finite, on the curve. G1 has cofactor 1, so that is the subgroup too."""
    _check_point(pt, 2, file, field)
    if not is_on_curve_g1(pt):
        raise MalformedProof(file, field, "not on curve")


def check_g2(pt: G2Affine, file: str, field: str) -> None:
    """Reduced, finite, on the twist, and ``r * pt == O`` (the twist's cofactor is not 1: B6)."""
    _check_point(pt, 4, file, field)
    if not is_on_curve_g2(pt):
        raise MalformedProof(file, field, "not on curve (twist)")
    if not in_g2_subgroup(pt):
        raise MalformedProof(file, field, "not in G2 subgroup")


def _check_point(pt: object, n: int, file: str, field: str) -> None:
    if pt is None:
        raise MalformedProof(file, field, "point at infinity is never valid in a proof or key")
    try:
        coords = _coords(pt)
    except ValueError:
        coords = []
    if len(coords) != n:
        raise MalformedProof(file, field, f"expected an affine point of {n} integers")
    for c in coords:
        if not 0 <= c < P:
            raise MalformedProof(file, field, f"coordinate not reduced below q: {c}")
    if not any(coords):
        raise MalformedProof(file, field, "all-zero coordinates encode infinity: never valid here")


def check_proof(proof: Proof, file: str, vk: VerifyingKey | None = None) -> None:
    """Steps 4-7 for ``A``, ``B``, ``C`` (field names as in ``proof.json``), and for ``D`` and
    ``pok`` when the proof carries a commitment; with ``vk``, the proof has one iff the key has."""
    check_g1(proof.a, file, JSON_NAME["a"])
    check_g2(proof.b, file, JSON_NAME["b"])
    check_g1(proof.c, file, JSON_NAME["c"])
    if vk is not None and (vk.commitment is None) != (proof.commitment is None):
        raise MalformedProof(file, JSON_NAME["commitment"],
                             "missing: the key has a commitment" if proof.commitment is None
                             else "present, but the key has no commitment")
    if proof.commitment is not None:
        check_g1(proof.commitment.d, file, f"{JSON_NAME['commitment']}.D")
        check_g1(proof.commitment.pok, file, f"{JSON_NAME['commitment']}.pok")


# --- 8: the key ---------------------------------------------------------------------------------

def check_vk(vk: VerifyingKey, file: str) -> None:
    """Steps 4-8 for the key: every point valid, ``ic`` non-empty, gamma != delta (C1).

    A key straight from phase-2 init has ``gamma = delta = G2 generator`` (snarkjs
    ``zkey_new.js``); with ``gamma == delta`` the proof ``(alpha, beta, -vk_x)`` verifies for
    any public input, so such a key raises ``InsecureSetup``, not ``False``.
    """
    check_g1(vk.alpha_g1, file, JSON_NAME["alpha_g1"])
    for name in ("beta_g2", "gamma_g2", "delta_g2"):
        check_g2(getattr(vk, name), file, JSON_NAME[name])
    if not vk.ic:
        raise MalformedProof(file, JSON_NAME["ic"], "expected at least one point (IC[0])")
    for i, pt in enumerate(vk.ic):
        check_g1(pt, file, f"{JSON_NAME['ic']}[{i}]")
    if vk.commitment is not None:
        check_g2(vk.commitment.sigma_g2, file, f"{JSON_NAME['commitment']}.vk_sigma_2")
        if not 1 <= vk.commitment.n_challenges <= vk.n_public:
            raise MalformedProof(file, f"{JSON_NAME['commitment']}.nChallenges",
                                 f"not in [1, nPublic = {vk.n_public}]")
    check_key_is_secure(vk, file)


def check_key_is_secure(vk: VerifyingKey, file: str) -> None:
    """Refuse keys whose delta (or a commitment's sigma) carries no secret: ``delta == gamma``,
    ``delta == G2``, ``sigma == G2`` or ``sigma == delta``."""
    if vk.gamma_g2 == vk.delta_g2:
        raise InsecureSetup(f"{file}: {JSON_NAME['delta_g2']}: gamma == delta: insecure setup")
    if vk.delta_g2 == G2_GENERATOR:
        raise InsecureSetup(f"{file}: {JSON_NAME['delta_g2']}: delta == G2 generator "
                            "(no phase-2 contribution): insecure setup")
    if vk.commitment is not None and vk.commitment.sigma_g2 in (G2_GENERATOR, vk.delta_g2):
        raise InsecureSetup(f"{file}: {JSON_NAME['commitment']}.vk_sigma_2: sigma is 1 or delta: "
                            "anyone can forge the commitment's proof of knowledge")


def check_not_dev(vk: VerifyingKey, file: str, allow_dev: bool) -> None:
    """C6: a single-party test key is refused unless the caller opts in (``--allow-dev``)."""
    if vk.dev_setup and not allow_dev:
        raise InsecureSetup(f"{file}: {INSECURE_DEV_MARKER}: single-party dev key, "
                            "refused without --allow-dev")


# --- 9: the pairing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FixedInputs:
    """Public inputs shared by many proofs under one key, with their part of ``vk_x``
    (``sum_k x_k ic[k+1]``) computed once (``fix_inputs``)."""

    values: dict[int, int]  # 0-based input index -> value in [0, r)
    partial: G1Affine | None  # None: infinity (every fixed value 0)


def signed_mul(base: G1Affine, x: int) -> G1Affine:
    """``x * base`` for ``x`` in ``[0, r)``, with ``x > r/2`` taken as ``-(r - x)``: a signed
    table entry costs a short multiplication, not a 254-bit one."""
    return g1_mul(base, x) if x <= R // 2 else g1_mul(g1_neg(base), R - x)


def fix_inputs(vk: VerifyingKey, fixed: dict[int, int], file: str = "<verification key>") -> FixedInputs:
    """``FixedInputs`` for these (index -> value) inputs of ``vk`` (``MalformedProof`` for an
    index outside the key's inputs or a value not an int in ``[0, r)``: ATTACKS B2)."""
    acc = None
    for k, x in sorted(fixed.items()):
        if type(k) is not int or not 0 <= k < vk.n_inputs:
            raise MalformedProof(file, "public",
                                 f"cannot fold input {k!r}: the key has {vk.n_inputs} public inputs")
        if type(x) is not int or not 0 <= x < R:
            raise MalformedProof(file, f"public[{k}]", f"not an integer reduced below r: {x!r}")
        if x:
            acc = g1_add(acc, signed_mul(vk.ic[k + 1], x))
    return FixedInputs(dict(fixed), acc)


def prepare_inputs(vk: VerifyingKey, values: Sequence[int],
                   commitment: CommitmentProof | None = None, fixed: FixedInputs | None = None) -> G1Affine:
    """``vk_x = ic[0] + sum_i values[i] * ic[i+1]`` (values already checked in ``[0, r)``);
    with a commitment, the challenges hashed from ``D`` and ``values`` are appended to
    ``values`` and ``D`` is added (``D`` already checked finite and on the curve). ``fixed``:
    inputs whose share of the sum is precomputed; ``values`` must hold exactly those values at
    those indices (``ValueError`` otherwise), so ``vk_x`` is the same point either way."""
    if (vk.commitment is None) != (commitment is None):
        raise ValueError("a commitment proof needs a commitment key and the reverse")
    if fixed is not None and any(values[k] != x for k, x in fixed.values.items()):
        raise ValueError("the proof's public inputs differ from the fixed ones")
    skip = fixed.values if fixed is not None else {}
    if commitment is not None:
        values = [*values, *commitment_challenges(commitment.d, values, vk.commitment.n_challenges)]
    acc = vk.ic[0] if commitment is None else g1_add(vk.ic[0], commitment.d)
    if fixed is not None:
        acc = g1_add(acc, fixed.partial)
    for k, (x, base) in enumerate(zip(values, vk.ic[1:], strict=True)):
        if x and k not in skip:
            acc = g1_add(acc, g1_mul(base, x))
    return acc


BATCH_SECURITY_BITS = 128  # r_i uniform in [1, 2^128): a bad batch passes with prob. <= 2^-128


def _draw_weight() -> int:
    return 1 + secrets.randbelow((1 << BATCH_SECURITY_BITS) - 1)


def pok_pairs(vk: VerifyingKey, weighted: Sequence[tuple[int, CommitmentProof]]) -> list:
    """``e(sum rho_k pok_k, G2) e(-sum rho_k D_k, sigma)``: each proof of knowledge
    ``e(pok, G2) = e(D, sigma)`` raised to its own random weight ``rho_k``, so it can share one
    final exponentiation with the Groth16 equations (two Miller loops for any number of proofs).
    A weight shared with the Groth16 equation would let a prover trade a wrong ``D`` in one
    against the other; independent ones leave a forged factor through with prob. <= 2^-128."""
    acc_pok, acc_d = None, None
    for rho, cm in weighted:
        acc_pok = g1_add(acc_pok, g1_mul(cm.pok, rho))
        acc_d = g1_add(acc_d, g1_mul(cm.d, rho))
    return [(acc_pok, G2_GENERATOR), (g1_neg(acc_d), vk.commitment.sigma_g2)]


def pairing_check(vk: VerifyingKey, vk_x: G1Affine, proof: Proof,
                  randomness: Callable[[], int] | None = None) -> bool:
    """``e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1``: four Miller loops, one
    final exponentiation; with a commitment, times ``pok_pairs`` (two more Miller loops, a
    random weight from ``randomness``, default ``secrets``). Trusts its inputs: call only after
    the checks above, with ``vk_x`` from ``prepare_inputs`` (which adds ``D``)."""
    pairs = [(g1_neg(proof.a), proof.b), (vk.alpha_g1, vk.beta_g2),
             (vk_x, vk.gamma_g2), (proof.c, vk.delta_g2)]
    if proof.commitment is not None:
        pairs += pok_pairs(vk, [(_weight(randomness), proof.commitment)])
    return pairing_product_is_one(pairs)


def _weight(randomness: Callable[[], int] | None) -> int:
    r_i = (randomness or _draw_weight)()
    if not (type(r_i) is int and 0 < r_i < R):
        # a weight of 0 (or r) drops its equation: never accept one, even from a hook
        raise ValueError("batch weights must be integers in [1, r)")
    return r_i


Progress = Callable[[str, int, int], None]  # (step, done, total): a hook for long batches


def batch_pairing_check(vk: VerifyingKey, items: Sequence[tuple[G1Affine, Proof]],
                        randomness: Callable[[], int] | None = None,
                        progress: Progress | None = None) -> bool:
    """Many proofs under one key, one multi-pairing (the small-exponent batch test of
    Bellare, Garay and Rabin, EUROCRYPT 1998, as Zcash's and arkworks' batch verifiers use it).

    ``items``: ``(vk_x, proof)`` pairs that already passed ``check_public_inputs`` /
    ``check_proof``, with ``vk_x = prepare_inputs(...)``. With fresh random ``r_i`` it checks

        prod_i e(-r_i A_i, B_i) * e((sum r_i) alpha, beta) * e(sum r_i vk_x_i, gamma)
                                 * e(sum r_i C_i, delta) == 1

    which is the product of the per-proof equations raised to ``r_i``: n + 3 Miller loops and
    one final exponentiation, against 4 n and n. If every proof verifies it holds. If one does
    not, its equation leaves a factor ``z_i != 1`` in the order-r group G_T (every point was
    checked to be in its order-r group first: B6), and ``prod z_i^(r_i) = 1`` for at most a
    ``2^-128`` fraction of the ``r_i``. Without the ``r_i`` two wrong proofs could cancel
    (e.g. their C swapped): ``tests/test_verify_batch.py`` shows it. A False says only that
    some proof is wrong: callers re-check one by one to name it.

    Proofs with a commitment (their ``vk_x`` already holds ``D``) add ``pok_pairs`` with fresh
    weights ``rho_i`` drawn after the ``r_i``: two more Miller loops for the whole batch.

    ``randomness``: for tests only; default ``secrets``. ``progress("pairing", k, total)``
    is called as the Miller loops run.
    """
    if not items:
        return True
    rs = [_weight(randomness) for _ in items]
    rhos = [(_weight(randomness), proof.commitment) for _, proof in items
            if proof.commitment is not None]
    total = sum(rs) % R
    pairs, acc_x, acc_c = [], None, None  # None = infinity, which g1_add takes
    for r_i, (vk_x, proof) in zip(rs, items, strict=True):
        pairs.append((g1_mul(g1_neg(proof.a), r_i), proof.b))
        acc_x = g1_add(acc_x, g1_mul(vk_x, r_i))
        acc_c = g1_add(acc_c, g1_mul(proof.c, r_i))
    pairs += [(g1_mul(vk.alpha_g1, total), vk.beta_g2), (acc_x, vk.gamma_g2), (acc_c, vk.delta_g2)]
    if rhos:
        pairs += pok_pairs(vk, rhos)
    if progress is None:
        return pairing_product_is_one(pairs)
    done = iter(range(1, len(pairs) + 1))
    return pairing_product_is_one(pairs, lambda: progress("pairing", next(done), len(pairs)))


def verify_many(vk: VerifyingKey, items: Sequence[tuple[Sequence[int], Proof, Sources]],
                randomness: Callable[[], int] | None = None,
                progress: Progress | None = None, fixed: FixedInputs | None = None) -> list[bool]:
    """``[verify(vk, x, proof, check_key=False) for x, proof, _ in items]`` with one batch
    pairing when every proof is good, per-proof pairings only to name the bad ones.

    Every item goes through steps 2-7 first, one by one (a malformed one raises
    ``MalformedProof`` naming its file, as ``verify`` does). The key must have passed
    ``check_vk`` (or be a folded copy of one that did). ``progress(step, done, total)``, if
    given, is called per proof checked, per Miller loop and per proof re-paired. ``fixed``:
    inputs every item shares (``fix_inputs``), their share of ``vk_x`` computed once.
    """
    prepared = []
    for k, (values, proof, src) in enumerate(items, 1):
        check_public_inputs(vk, values, src.public)
        check_proof(proof, src.proof, vk)
        prepared.append((prepare_inputs(vk, values, proof.commitment, fixed), proof))
        if progress is not None:
            progress("checking points", k, len(items))
    if batch_pairing_check(vk, prepared, randomness, progress):
        return [True] * len(prepared)
    out = []
    for k, (vk_x, proof) in enumerate(prepared, 1):
        out.append(pairing_check(vk, vk_x, proof))
        if progress is not None:
            progress("naming the bad proofs", k, len(prepared))
    return out


def verify(vk: VerifyingKey, public_values: Sequence[int], proof: Proof, *,
           sources: Sources = Sources(), check_key: bool = True) -> bool:
    """Verify one Groth16 proof.

    Arguments:
        vk, public_values, proof: in-memory objects (``formats.snarkjs_json`` parses files).
        sources: file names for error messages.
        check_key: False only if ``check_vk(vk, ...)`` already passed for this very key (a
            bundle verifier checks a key once for many proofs).

    Returns:
        True iff the proof verifies; False for a well-formed proof that does not.

    Raises:
        MalformedProof: wrong input count, an input not in ``[0, r)``, a point that is not
            reduced, at infinity, off the curve or outside G2.
        InsecureSetup: ``gamma == delta`` (or ``delta`` the G2 generator).
    """
    check_public_inputs(vk, public_values, sources.public)
    check_proof(proof, sources.proof, vk)
    if check_key:
        check_vk(vk, sources.vk)
    return pairing_check(vk, prepare_inputs(vk, public_values, proof.commitment), proof)


def verify_files(vk_path: str | os.PathLike, public_path: str | os.PathLike,
                 proof_path: str | os.PathLike, *, allow_dev: bool = False) -> bool:
    """``snarkjs groth16 verify`` with zkproof's checks: parse the three JSON files strictly,
    refuse dev keys unless ``allow_dev`` (C6), then ``verify``.

    Raises ``MalformedProof``/``InputError`` (CLI exit 2) for malformed files and
    ``InsecureSetup`` (exit 3); returns False (exit 1) for a proof that does not verify.
    """
    src = Sources(os.fspath(vk_path), os.fspath(public_path), os.fspath(proof_path))
    vk = parse_vk(load_json(vk_path), src.vk)
    public = parse_public(load_json(public_path), src.public)
    proof = parse_proof(load_json(proof_path), src.proof)
    check_not_dev(vk, src.vk, allow_dev)
    return verify(vk, public, proof, sources=src)
