"""Phase 2 of the ceremony (circuit-specific delta), transcript-compatible with snarkjs.

Symbols (Bowe-Gabizon-Miers 2017 §7; snarkjs ``zkey_contribute.js``, ``zkey_beacon.js``,
``zkey_verify_frominit.js``): a contributor with secret ``x`` sets ``delta <- x delta`` (G1 and
G2) and divides the L ("C") and H sections by ``x``. Its public key is ``(g1_s, g1_sx = x g1_s,
g2_spx = x g2_sp)`` with ``g2_sp = hashToG2(transcript)`` and ``transcript`` = blake2b(csHash ||
every earlier contribution's (deltaAfter, g1_s, g1_sx, g2_spx, transcript) || g1_s || g1_sx),
all uncompressed. Section 10 holds ``csHash (64) | u32 n | n contributions``, each
``deltaAfter G1 | g1_s G1 | g1_sx G1 | g2_spx G2 | transcript (64) | u32 type | u32 len | params``
(params as in ptau: 1 name, 2 numIterationsExp, 3 beaconHash).

A key with a commitment (zkey section 20, ``groth16.keys.CommitmentKey``) has a second toxic
scalar, sigma, which every contribution re-randomises like delta: after drawing ``x`` and
``g1_s`` (snarkjs' order, so plain keys are untouched), it draws ``y`` and ``g1_t`` from the
same RNG and sets ``sigma <- y sigma`` (``sigma_basis`` and ``sigma_2`` times ``y``). Its record
in zkey section 21 (``u32 n | n * (sigmaAfter G1 | g1_t G1 | g1_ty G1 | g2_tpy G2 |
transcript (64))``, one per section-10 contribution, same order) proves it like delta's:
``g2_tp = hashToG2(transcript)`` with ``transcript`` = blake2b(``SIGMA_TAG`` || this
contribution's section-10 transcript || the earlier sigma records || g1_t || g1_ty), and
``zkey verify`` checks ``same_ratio(g1_t, g1_ty, g2_tp, g2_tpy)`` and ``same_ratio(sigma_prev,
sigmaAfter, g2_tp, g2_tpy)`` (``sigma_prev`` starts at G1), then sigma_2 and the sigma basis
against the last sigmaAfter. A beacon's ``y`` re-derives from its hash like its ``x``. The
contribution hash (a contributor's receipt) of such a key also covers its sigma record.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field, replace

from zkproof.ceremony import native
from zkproof.ceremony import transcript as tr
from zkproof.curve import bn254
from zkproof.errors import InputError, InsecureSetup
from zkproof.field.fr import R
from zkproof.formats.binfile import SectionReader
from zkproof.formats.ptau_file import contribution_params_bytes, read_contribution_params
from zkproof.groth16.keys import ProvingKey, VerifyingKey

G1_SIZE, G2_SIZE = 64, 128
SIGMA_TAG = b"zkproof/phase2/commitment-sigma/v1"
SIGMA_RECORD_SIZE = 3 * G1_SIZE + G2_SIZE + 64


@dataclass
class SigmaContribution:
    """One contribution's update of the commitment's sigma (zkey section 21)."""

    sigma_after: bn254.G1Affine
    g1_t: bn254.G1Affine
    g1_ty: bn254.G1Affine
    g2_tpy: bn254.G2Affine
    transcript: bytes


@dataclass
class MpcContribution:
    delta_after: bn254.G1Affine
    g1_s: bn254.G1Affine
    g1_sx: bn254.G1Affine
    g2_spx: bn254.G2Affine
    transcript: bytes
    type: int = 0
    name: str = ""
    num_iterations_exp: int = 0
    beacon_hash: bytes = b""


@dataclass
class MpcParams:
    cs_hash: bytes
    contributions: list[MpcContribution] = field(default_factory=list)


# --- section 10 bytes ------------------------------------------------------------------------

def _g1(rd: SectionReader, what: str) -> bn254.G1Affine:
    pt = bn254.g1_from_lem(rd.take(G1_SIZE))
    if not bn254.is_on_curve_g1(pt):
        raise InputError(rd.path, f"{rd.label}: {what}", "G1 point is not on the curve")
    return pt


def _g2(rd: SectionReader, what: str) -> bn254.G2Affine:
    pt = bn254.g2_from_lem(rd.take(G2_SIZE))
    if not bn254.is_on_curve_g2(pt) or not bn254.in_g2_subgroup(pt):
        raise InputError(rd.path, f"{rd.label}: {what}", "G2 point is not on the curve / in G2")
    return pt


def parse_mpc_params(raw: bytes, path: str = "<zkey>") -> MpcParams:
    """Parse section 10 strictly (sorted known params, exact length)."""
    rd = SectionReader(path, "section 10 (contributions)", memoryview(bytes(raw)))
    mp = MpcParams(bytes(rd.take(64)))
    for i in range(1, rd.u32() + 1):
        w = f"contribution {i}"
        c = MpcContribution(_g1(rd, f"{w} deltaAfter"), _g1(rd, f"{w} g1_s"),
                            _g1(rd, f"{w} g1_sx"), _g2(rd, f"{w} g2_spx"), bytes(rd.take(64)))
        c.type = rd.u32()
        if c.type not in (0, 1):
            raise InputError(path, f"{rd.label}: {w} type", f"expected 0 or 1, got {c.type}")
        read_contribution_params(rd, c, f"{rd.label}: {w} params")
        mp.contributions.append(c)
    rd.expect_end()
    return mp


def mpc_params_bytes(mp: MpcParams) -> bytes:
    parts = [mp.cs_hash, struct.pack("<I", len(mp.contributions))]
    for c in mp.contributions:
        parts += [bn254.g1_to_lem(c.delta_after), bn254.g1_to_lem(c.g1_s), bn254.g1_to_lem(c.g1_sx),
                  bn254.g2_to_lem(c.g2_spx), c.transcript, struct.pack("<I", c.type),
                  contribution_params_bytes(c)]
    return b"".join(parts)


def parse_sigma_contributions(raw: bytes, path: str = "<zkey>") -> list[SigmaContribution]:
    """Parse section 21 strictly (exact length, points on the curve / in G2)."""
    rd = SectionReader(path, "section 21 (sigma contributions)", memoryview(bytes(raw)))
    out = []
    for i in range(1, rd.u32() + 1):
        w = f"sigma contribution {i}"
        out.append(SigmaContribution(_g1(rd, f"{w} sigmaAfter"), _g1(rd, f"{w} g1_t"),
                                     _g1(rd, f"{w} g1_ty"), _g2(rd, f"{w} g2_tpy"),
                                     bytes(rd.take(64))))
    rd.expect_end()
    return out


def sigma_contributions_bytes(records: list[SigmaContribution]) -> bytes:
    parts = [struct.pack("<I", len(records))]
    for c in records:
        parts += [bn254.g1_to_lem(c.sigma_after), bn254.g1_to_lem(c.g1_t), bn254.g1_to_lem(c.g1_ty),
                  bn254.g2_to_lem(c.g2_tpy), c.transcript]
    return b"".join(parts)


def sigma_contributions_of(pk: ProvingKey, path: str = "<zkey>") -> list[SigmaContribution]:
    """Section 21 of a key with a commitment (InputError if it is missing)."""
    if "sigma_contributions" not in pk.extra:
        raise InputError(path, "section 21 (sigma contributions)", "missing (the key has a commitment)")
    return parse_sigma_contributions(pk.extra["sigma_contributions"], path)


def sigma_transcript(delta_transcript: bytes, earlier: list[SigmaContribution],
                     g1_t: bn254.G1Affine, g1_ty: bn254.G1Affine) -> bytes:
    """The hash a sigma record's ``g2_tp = hashToG2(...)`` comes from (see the module)."""
    h = hashlib.blake2b(SIGMA_TAG + delta_transcript, digest_size=64)
    for c in earlier:
        h.update(sigma_contributions_bytes([c])[4:])
    h.update(tr.g1_uncompressed(g1_t) + tr.g1_uncompressed(g1_ty))
    return h.digest()


def mpc_params_of(pk: ProvingKey, path: str = "<zkey>") -> MpcParams:
    if "contributions" not in pk.extra:
        raise InputError(path, "section 10 (contributions)", "missing")
    return parse_mpc_params(pk.extra["contributions"], path)


# --- hashes ----------------------------------------------------------------------------------

def pubkey_bytes(c: MpcContribution) -> bytes:
    """``zkey_utils.hashPubKey`` input: deltaAfter, g1_s, g1_sx, g2_spx (uncompressed), transcript."""
    return (tr.g1_uncompressed(c.delta_after) + tr.g1_uncompressed(c.g1_s)
            + tr.g1_uncompressed(c.g1_sx) + tr.g2_uncompressed(c.g2_spx) + c.transcript)


def transcript_prefix(mp: MpcParams, upto: int) -> hashlib._Hash:
    h = hashlib.blake2b(mp.cs_hash, digest_size=64)
    for c in mp.contributions[:upto]:
        h.update(pubkey_bytes(c))
    return h


def contribution_hash(c: MpcContribution, sigma: SigmaContribution | None = None) -> bytes:
    """snarkjs' "Contribution Hash"; for a key with a commitment, over the sigma record too
    (``sigma``), so a contributor's receipt also pins the sigma update they made."""
    extra = sigma_contributions_bytes([sigma])[4:] if sigma is not None else b""
    return tr.blake2b(pubkey_bytes(c) + extra)


def last_contribution_hash(pk: ProvingKey) -> bytes:
    """The "Contribution Hash" of the newest contribution (what a contributor publishes)."""
    sigma = sigma_contributions_of(pk)[-1] if pk.commitment is not None else None
    return contribution_hash(mpc_params_of(pk).contributions[-1], sigma)


# --- contributing ----------------------------------------------------------------------------

def _apply(pk: ProvingKey, mp: MpcParams, rng: tr.ChaCha, **meta) -> ProvingKey:
    """Draw (x, g1_s) from ``rng`` in snarkjs' order, build the key, rescale delta, L and H."""
    x = tr.fr_from_rng(rng)
    if x == 0:  # ATTACKS C2
        raise InsecureSetup("phase-2 contribution secret is 0")
    g1_s = tr.g1_from_rng(rng)
    g1_sx = bn254.g1_mul(g1_s, x)
    h = transcript_prefix(mp, len(mp.contributions))
    h.update(tr.g1_uncompressed(g1_s) + tr.g1_uncompressed(g1_sx))
    transcript = h.digest()
    g2_spx = bn254.g2_mul(tr.hash_to_g2(transcript), x)
    delta_g1, delta_g2 = bn254.g1_mul(pk.delta_g1, x), bn254.g2_mul(pk.delta_g2, x)
    if delta_g1 is None or delta_g2 is None:
        raise InsecureSetup("resulting delta is the point at infinity")
    c = MpcContribution(delta_g1, g1_s, g1_sx, g2_spx, transcript, **meta)
    inv = pow(x, -1, R)
    scale = lambda buf: native.mul_geometric(buf, G1_SIZE, inv, 1)  # noqa: E731  (GLV, C)
    new_mp = MpcParams(mp.cs_hash, [*mp.contributions, c])
    extra = dict(pk.extra, contributions=mpc_params_bytes(new_mp))
    commitment = pk.commitment
    if commitment is not None:
        commitment, extra["sigma_contributions"] = _apply_sigma(pk, transcript, rng)
    out = replace(pk, delta_g1=delta_g1, delta_g2=delta_g2, l_query=scale(pk.l_query),
                  h_query=scale(pk.h_query), extra=extra, commitment=commitment)
    return out


def _apply_sigma(pk: ProvingKey, delta_transcript: bytes, rng: tr.ChaCha):
    """Draw (y, g1_t) after delta's draws; ``sigma <- y sigma``; the new section 21."""
    records = sigma_contributions_of(pk)
    y = tr.fr_from_rng(rng)
    if y == 0:
        raise InsecureSetup("phase-2 contribution secret for sigma is 0")
    g1_t = tr.g1_from_rng(rng)
    g1_ty = bn254.g1_mul(g1_t, y)
    transcript = sigma_transcript(delta_transcript, records, g1_t, g1_ty)
    prev = records[-1].sigma_after if records else bn254.G1_GENERATOR
    rec = SigmaContribution(bn254.g1_mul(prev, y), g1_t, g1_ty,
                            bn254.g2_mul(tr.hash_to_g2(transcript), y), transcript)
    ck = pk.commitment
    new_ck = replace(ck, sigma_basis=native.mul_geometric(ck.sigma_basis, G1_SIZE, y, 1),
                     sigma_g2=bn254.g2_mul(ck.sigma_g2, y))
    return new_ck, sigma_contributions_bytes([*records, rec])


def contribute(pk: ProvingKey, entropy: str, name: str = "",
               random_bytes: bytes | None = None, *, path: str = "<zkey>") -> ProvingKey:
    """``zkey contribute``: the new key (``last_contribution_hash`` gives the receipt).

    Refuses a key whose phase 2 a beacon has closed: the beacon is the last word (its secret
    is public, so it only guarantees anything if nobody can move delta afterwards), and
    ``zkey verify`` rejects any key with a contribution after it (ATTACKS C4)."""
    if pk.dev_setup:
        raise InsecureSetup("cannot contribute to a single-party dev key (INSECURE-DEV-SETUP)")
    mp = mpc_params_of(pk, path)
    beacons = [i for i, c in enumerate(mp.contributions, start=1) if c.type == 1]
    if beacons:
        raise InputError(path, f"section 10 (contributions): contribution {beacons[0]}",
                         "phase 2 is closed by this beacon: a contribution after it is refused "
                         "(zkey verify would reject the key); contribute to the key before the beacon")
    rng = tr.rng_from_entropy(entropy, random_bytes if random_bytes is not None else os.urandom(64))
    return _apply(pk, mp, rng, type=0, name=name)


def beacon(pk: ProvingKey, beacon_hash_hex: str, num_iterations_exp: int,
           name: str = "") -> ProvingKey:
    """``zkey beacon``: the closing contribution, a public function of (hash, iterations) (C4)."""
    from zkproof.ceremony.powers_of_tau import check_beacon_iterations, parse_beacon_hash

    raw = parse_beacon_hash(beacon_hash_hex)
    check_beacon_iterations(num_iterations_exp)
    if pk.dev_setup:
        raise InsecureSetup("cannot contribute to a single-party dev key (INSECURE-DEV-SETUP)")
    rng = tr.rng_from_beacon(raw, num_iterations_exp)
    return _apply(pk, mpc_params_of(pk), rng, type=1, name=name, beacon_hash=raw,
                  num_iterations_exp=num_iterations_exp)


# --- export ----------------------------------------------------------------------------------

def export_verification_key(pk: ProvingKey, *, allow_dev: bool = False) -> VerifyingKey:
    """The verifying key, refusing keys anyone could forge proofs for (ATTACKS C1, C6)."""
    if pk.dev_setup and not allow_dev:
        raise InsecureSetup("INSECURE-DEV-SETUP: single-party dev key; pass allow_dev to export it")
    if pk.gamma_g2 == pk.delta_g2:
        raise InsecureSetup("gamma == delta: insecure setup (phase 2 has 0 contributions)")
    if pk.delta_g2 == bn254.G2_GENERATOR and not pk.dev_setup:
        raise InsecureSetup("delta == G2 generator: insecure setup (no phase-2 contribution)")
    if not pk.dev_setup and "contributions" in pk.extra:
        if not mpc_params_of(pk).contributions:
            raise InsecureSetup("gamma == delta: insecure setup (phase 2 has 0 contributions)")
    if pk.commitment is not None and pk.commitment.sigma_g2 in (bn254.G2_GENERATOR, pk.delta_g2):
        raise InsecureSetup("commitment sigma is 1 or delta: anyone can forge its proof of knowledge")
    return pk.verifying_key()
from zkproof.ceremony.zkey_new import new_zkey, new_zkey_file  # noqa: E402,F401  (re-export: `groth16 setup`)
