"""Phase 1 of the ceremony (powers of tau), transcript-compatible with snarkjs.

Symbols (Bowe, Gabizon, Miers 2017, "Scalable multi-party computation for zk-SNARK parameters",
§3; snarkjs ``powersoftau_*.js``):

* the accumulator holds ``tau^i G1`` (i < 2n-1), ``tau^i G2``, ``alpha tau^i G1``,
  ``beta tau^i G1`` (i < n = 2^power) and ``beta G2``;
* a contribution with secrets ``(t, a, b)`` multiplies entry i by ``t^i`` (times ``a`` / ``b``)
  and publishes, per secret x, the key ``(g1_s, x g1_s, x g2_sp)`` where ``g2_sp`` is hashed
  from the previous challenge: the "same ratio" pairing ``e(g1_s, x g2_sp) = e(x g1_s, g2_sp)``
  proves knowledge of x and binds it to the transcript;
* challenge hash ``c_0`` = blake2b(blank hash || accumulator, uncompressed); the response hash
  ``r_i`` = blake2b(c_{i-1} || new accumulator, compressed || public key, uncompressed);
  ``c_i`` = blake2b(r_i || new accumulator, uncompressed).

The big elementwise scalings and the transcript encodings of whole sections go through
``zkproof.ceremony.native`` (C kernels when built; the generic kernel / per-point Python
encoders otherwise, same bytes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from tqdm import tqdm

from zkproof.ceremony import native
from zkproof.ceremony import transcript as tr
from zkproof.curve.bn254 import (
    G1_GENERATOR,
    G2_GENERATOR,
    g1_from_lem,
    g1_mul,
    g1_to_lem,
    g2_from_lem,
    g2_mul,
    g2_to_lem,
)
from zkproof.errors import InsecureSetup
from zkproof.formats.ptau_file import Contribution, KeyPart, Ptau, PublicKey

G1_SIZE, G2_SIZE = 64, 128


# --- keys ------------------------------------------------------------------------------------

@dataclass
class PrivateKey:
    """The toxic waste of one contribution: forget it as soon as it has been applied."""

    tau: int
    alpha: int
    beta: int


def _key_part(x: int, personalization: int, challenge: bytes, rng: tr.ChaCha) -> KeyPart:
    g1_s = tr.g1_from_rng(rng)
    g1_sx = g1_mul(g1_s, x)
    return KeyPart(g1_s, g1_sx, g2_mul(tr.g2_sp(personalization, challenge, g1_s, g1_sx), x))


def create_ptau_key(challenge: bytes, rng: tr.ChaCha) -> tuple[PrivateKey, PublicKey]:
    """``keypair.createPTauKey``: three secrets, then (tau, alpha, beta) key parts, in that
    order of RNG draws, so a beacon's key is a function of (hash, iterations, challenge)."""
    prv = PrivateKey(tr.fr_from_rng(rng), tr.fr_from_rng(rng), tr.fr_from_rng(rng))
    for name in ("tau", "alpha", "beta"):
        if getattr(prv, name) == 0:  # ATTACKS C2: a zero secret erases the accumulator
            raise InsecureSetup(f"contribution secret {name} is 0")
    pub = PublicKey(_key_part(prv.tau, 0, challenge, rng), _key_part(prv.alpha, 1, challenge, rng),
                    _key_part(prv.beta, 2, challenge, rng))
    return prv, pub


def pubkey_uncompressed(k: PublicKey) -> bytes:
    """``toPtauPubKeyRpr(…, montgomery=false)``: 6 G1 then 3 G2, uncompressed."""
    return b"".join([*(tr.g1_uncompressed(p) for p in (k.tau.g1_s, k.tau.g1_sx, k.alpha.g1_s,
                                                        k.alpha.g1_sx, k.beta.g1_s, k.beta.g1_sx)),
                     *(tr.g2_uncompressed(p) for p in (k.tau.g2_spx, k.alpha.g2_spx,
                                                       k.beta.g2_spx))])


# --- hashing the accumulator -----------------------------------------------------------------

def _points(buf: bytes, size: int) -> list:
    dec = g1_from_lem if size == G1_SIZE else g2_from_lem
    return [dec(buf[i:i + size]) for i in range(0, len(buf), size)]


def sections_of(pt: Ptau) -> list[tuple[bytes, int]]:
    """Sections 2-6 as (LEM buffer, point size), in transcript order."""
    return [(pt.tau_g1, G1_SIZE), (pt.tau_g2, G2_SIZE), (pt.alpha_tau_g1, G1_SIZE),
            (pt.beta_tau_g1, G1_SIZE), (g2_to_lem(pt.beta_g2), G2_SIZE)]


def uncompressed(buf: bytes, size: int) -> bytes:
    """snarkjs ``LEMtoU`` of a whole section (``native.encode``)."""
    return native.encode(buf, size, False)


def first_challenge_hash(power: int) -> bytes:
    """``calculateFirstChallengeHash``: blank hash, then the generator-only accumulator."""
    n = 1 << power
    g1, g2 = tr.g1_uncompressed(G1_GENERATOR), tr.g2_uncompressed(G2_GENERATOR)
    return tr.blake2b(tr.BLANK_HASH, g1 * (2 * n - 1), g2 * n, g1 * n, g1 * n, g2)


def accumulator_hash(prefix: bytes, pt: Ptau) -> bytes:
    """blake2b(prefix || sections 2-6 uncompressed): the next challenge after a response."""
    return tr.blake2b(prefix, *(uncompressed(b, s) for b, s in sections_of(pt)))


def challenge_of(pt: Ptau) -> bytes:
    return pt.contributions[-1].next_challenge if pt.contributions else first_challenge_hash(pt.power)


# --- the accumulator itself ------------------------------------------------------------------

def new(power: int) -> Ptau:
    """``powersoftau new bn128 POWER``: every entry is the generator, 0 contributions."""
    if not 1 <= power <= 28:
        raise ValueError(f"power must be in [1, 28], got {power}")
    n = 1 << power
    g1, g2 = g1_to_lem(G1_GENERATOR), g2_to_lem(G2_GENERATOR)
    return Ptau(power, power, g1 * (2 * n - 1), g2 * n, g1 * n, g1 * n, G2_GENERATOR, [])


def _scale(buf: bytes, size: int, first: int, inc: int) -> bytes:
    """Entry i times ``first inc^i`` (GLV in C when built, see ``native.mul_geometric``)."""
    return native.mul_geometric(buf, size, first, inc)


def apply_key(pt: Ptau, prv: PrivateKey, pub: PublicKey, challenge: bytes, *,
              kind: int = 0, name: str = "", beacon_hash: bytes = b"",
              num_iterations_exp: int = 0) -> Ptau:
    """Multiply the accumulator by the secrets and append the contribution record with its
    response and next-challenge hashes (``powersoftau_contribute.js`` ``processSection``)."""
    t, a, b = prv.tau, prv.alpha, prv.beta
    out = Ptau(pt.power, pt.ceremony_power,
               _scale(pt.tau_g1, G1_SIZE, 1, t), _scale(pt.tau_g2, G2_SIZE, 1, t),
               _scale(pt.alpha_tau_g1, G1_SIZE, a, t), _scale(pt.beta_tau_g1, G1_SIZE, b, t),
               g2_mul(pt.beta_g2, b), list(pt.contributions), None)
    response = tr.Blake2b().update(challenge)
    for buf, size in tqdm(sections_of(out), desc="hashing response", disable=None, leave=False):
        chunk = (1 << 20) // size * size  # snarkjs updates the hasher once per chunk of points
        for i in range(0, len(buf), chunk):
            response.update(native.encode(buf[i:i + chunk], size, True))
    partial = response.to_partial()
    response_hash = response.update(pubkey_uncompressed(pub)).digest()
    c = Contribution(out.point_g1(2, 1), out.point_g2(1), out.point_g1(4, 0),
                     out.point_g1(5, 0), out.beta_g2, pub, partial,
                     accumulator_hash(response_hash, out), kind, name, num_iterations_exp,
                     beacon_hash)
    for what in ("tau_g1", "tau_g2", "alpha_g1", "beta_g1", "beta_g2"):
        if getattr(c, what) is None:  # ATTACKS C2
            raise InsecureSetup(f"contribution leaves {what} at infinity")
    out.contributions.append(c)
    return out


def _refuse_reduced(pt: Ptau) -> None:
    if pt.power != pt.ceremony_power:
        raise ValueError("this file has been reduced: you cannot contribute into a reduced file")


def contribute(pt: Ptau, entropy: str, name: str = "", random_bytes: bytes | None = None) -> Ptau:
    """``powersoftau contribute``: secrets from ChaCha seeded by blake2b(64 OS-random bytes ||
    entropy) (``misc.getRandomRng``). Returns the new accumulator (phase-2 data dropped)."""
    _refuse_reduced(pt)
    challenge = challenge_of(pt)
    rng = tr.rng_from_entropy(entropy, random_bytes if random_bytes is not None else os.urandom(64))
    prv, pub = create_ptau_key(challenge, rng)
    return apply_key(pt, prv, pub, challenge, name=name)


def parse_beacon_hash(beacon_hash_hex: str) -> bytes:
    s = beacon_hash_hex[2:] if beacon_hash_hex.startswith("0x") else beacon_hash_hex
    try:
        raw = bytes.fromhex(s)
    except ValueError:
        raw = b""
    if not raw or len(raw) * 2 != len(s):
        raise ValueError("invalid beacon hash: it must be a valid hexadecimal sequence")
    if len(raw) >= 256:
        raise ValueError("maximum length of the beacon hash is 255 bytes")
    return raw


def check_beacon_iterations(num_iterations_exp: int) -> None:
    if not 10 <= num_iterations_exp <= 63:
        raise ValueError(f"invalid numIterationsExp {num_iterations_exp}: must be in [10, 63]")


def key_from_beacon(challenge: bytes, beacon_hash: bytes, num_iterations_exp: int):
    """``keyFromBeacon``: the beacon's secrets are a public function of its declared inputs."""
    return create_ptau_key(challenge, tr.rng_from_beacon(beacon_hash, num_iterations_exp))


def beacon(pt: Ptau, beacon_hash_hex: str, num_iterations_exp: int, name: str = "") -> Ptau:
    """``powersoftau beacon``: the closing contribution, reproducible by anyone (C4)."""
    raw = parse_beacon_hash(beacon_hash_hex)
    check_beacon_iterations(num_iterations_exp)
    _refuse_reduced(pt)
    challenge = challenge_of(pt)
    prv, pub = key_from_beacon(challenge, raw, num_iterations_exp)
    return apply_key(pt, prv, pub, challenge, kind=1, name=name, beacon_hash=raw,
                     num_iterations_exp=num_iterations_exp)
