"""``powersoftau verify``: check a whole phase-1 transcript (snarkjs ``powersoftau_verify.js``).

Checks, in order, each failure named ``INVALID(i): ...`` with the 1-based contribution index:

1. there is at least one contribution (a fresh accumulator has tau = 1: ATTACKS C1);
2. for every contribution i, against the previous one (or the generator-only initial state):
   a beacon's key equals the key re-derived from its declared hash and iterations (C4); the
   three same-ratio proofs of knowledge hold for ``g2_sp`` re-hashed from the previous
   challenge (which chains the hashes: an edited hash breaks the next proof, C3); and the
   published first points follow the previous ones by the same secrets; zero points refused (C2);
3. the last contribution's points are the file's, and the accumulator is consistent: for random
   ``r``, ``e(sum r_i P_i, tau G2) = e(sum r_i P_{i+1}, G2)`` per section (one pairing check
   instead of n), and its next-challenge hash is blake2b(response || accumulator);
4. if present, sections 12-15 are the Lagrange evaluations: ``sum_i f(w^i) L_i = sum_j r_j
   tau^j`` for a random polynomial f with coefficients r (one MSM pair per domain size).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from zkproof import kernel
from zkproof.ceremony import powers_of_tau as pot
from zkproof.ceremony import transcript as tr
from zkproof.ceremony.lagrange import lagrange_offset
from zkproof.curve.bn254 import (
    G1_GENERATOR,
    G2_GENERATOR,
    G1Affine,
    G2Affine,
    g1_add,
    g1_mul,
    g1_neg,
)
from zkproof.curve.pairing import pairing_product_is_one
from zkproof.formats.ptau_file import Contribution, Ptau

G1_SIZE, G2_SIZE = 64, 128


@dataclass
class PtauReport:
    """What ``verify`` found. ``ok`` only if every check passed; ``errors`` name the index."""

    ok: bool = False
    power: int = 0
    n_contributions: int = 0
    contributions: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    phase2_prepared: bool = False

    def __bool__(self) -> bool:
        return self.ok


def same_ratio(g1s: G1Affine, g1sx: G1Affine, g2s: G2Affine, g2sx: G2Affine) -> bool:
    """``e(g1s, g2sx) == e(g1sx, g2s)``, refusing any point at infinity (misc.sameRatio, C2)."""
    batch = PairingBatch()
    return batch.same_ratio(g1s, g1sx, g2s, g2sx) and batch.check()


class PairingBatch:
    """Many same-ratio checks as one multi-pairing with one final exponentiation.

    Each check ``e(A, D) = e(B, C)`` enters with a fresh 128-bit random weight ``w`` as
    ``e(wA, D) e(-wB, C)``; terms sharing a G2 point are merged on the G1 side, so a transcript
    costs one Miller loop per distinct G2 point. A forged check passes only with probability
    about 2^-128 (small-exponent batch verification, Bellare-Garay-Rabin 1998).
    """

    def __init__(self) -> None:
        self.terms: dict = {}

    def _add(self, g1: G1Affine, g2: G2Affine) -> None:
        key = g2
        self.terms[key] = g1_add(self.terms.get(key), g1)

    def same_ratio(self, g1s: G1Affine, g1sx: G1Affine, g2s: G2Affine, g2sx: G2Affine) -> bool:
        """Queue the check; False at once if any point is at infinity (C2)."""
        if g1s is None or g1sx is None or g2s is None or g2sx is None:
            return False
        w = secrets.randbits(128) | 1
        self._add(g1_mul(g1s, w), g2sx)
        self._add(g1_neg(g1_mul(g1sx, w)), g2s)
        return True

    def check(self) -> bool:
        return pairing_product_is_one(list((g1, g2) for g2, g1 in self.terms.items()))


@dataclass
class _State:
    tau_g1: G1Affine
    tau_g2: G2Affine
    alpha_g1: G1Affine
    beta_g1: G1Affine
    beta_g2: G2Affine
    next_challenge: bytes


def _initial(power: int) -> _State:
    return _State(G1_GENERATOR, G2_GENERATOR, G1_GENERATOR, G1_GENERATOR, G2_GENERATOR,
                  pot.first_challenge_hash(power))


def response_hash(c: Contribution) -> bytes:
    """Resume the stored blake2b midstate with the public key (snarkjs ``readContribution``)."""
    return tr.Blake2b.from_partial(c.partial_hash).update(pot.pubkey_uncompressed(c.key)).digest()


def check_contribution(cur: Contribution, prev: _State, batch: PairingBatch) -> str | None:
    """None if contribution ``cur`` may follow ``prev`` (its pairing checks queued on
    ``batch``); else the reason found without pairings."""
    k = cur.key
    if cur.type == 1:
        try:
            _, bk = pot.key_from_beacon(prev.next_challenge, cur.beacon_hash, cur.num_iterations_exp)
        except Exception as exc:  # a zero secret from the beacon, bad exp
            return f"beacon key cannot be derived: {exc}"
        for part in ("tau", "alpha", "beta"):
            mine, theirs = getattr(k, part), getattr(bk, part)
            for fld in ("g1_s", "g1_sx", "g2_spx"):
                if getattr(mine, fld) != getattr(theirs, fld):
                    return (f"beacon key ({part}.{fld}) does not derive from the declared beacon "
                            f"hash and numIterationsExp")
    sp = {name: tr.g2_sp(i, prev.next_challenge, getattr(k, name).g1_s, getattr(k, name).g1_sx)
          for i, name in enumerate(("tau", "alpha", "beta"))}
    for name in ("tau", "alpha", "beta"):
        part = getattr(k, name)
        if not batch.same_ratio(part.g1_s, part.g1_sx, sp[name], part.g2_spx):
            return f"invalid key ({name}): a point of the proof of knowledge is at infinity"
    checks = [
        ("tau*G1", (prev.tau_g1, cur.tau_g1, sp["tau"], k.tau.g2_spx)),
        ("tau*G2", (k.tau.g1_s, k.tau.g1_sx, prev.tau_g2, cur.tau_g2)),
        ("alpha*G1", (prev.alpha_g1, cur.alpha_g1, sp["alpha"], k.alpha.g2_spx)),
        ("beta*G1", (prev.beta_g1, cur.beta_g1, sp["beta"], k.beta.g2_spx)),
        ("beta*G2", (k.beta.g1_s, k.beta.g1_sx, prev.beta_g2, cur.beta_g2)),
    ]
    for what, args in checks:
        if not batch.same_ratio(*args):
            return f"{what} is at infinity"
    return None


def _rand_scalars(n: int, bits: int = 64) -> list[int]:
    return [secrets.randbits(bits) for _ in range(n)]


def _msm(buf: bytes, size: int, scalars: list[int]):
    data = b"".join(s.to_bytes(32, "little") for s in scalars)
    return (kernel.g1_msm if size == G1_SIZE else kernel.g2_msm)(buf, data)


def powers_consistent(buf: bytes, size: int, tau_g1: G1Affine, tau_g2: G2Affine,
                      batch: PairingBatch) -> bool:
    """Random linear combination: consecutive entries differ by the factor tau (queued)."""
    n = len(buf) // size
    if n < 2:
        return True
    r = _rand_scalars(n - 1)
    r1, r2 = _msm(buf[:(n - 1) * size], size, r), _msm(buf[size:], size, r)
    if size == G1_SIZE:
        return batch.same_ratio(r1, r2, G2_GENERATOR, tau_g2)
    return batch.same_ratio(G1_GENERATOR, tau_g1, r1, r2)


def lagrange_consistent(tau_buf: bytes, lag_buf: bytes, size: int, max_power: int,
                        pad_last: bool) -> int | None:
    """None if every domain's evaluations match; else the failing power p."""
    for p in range(max_power + 1):
        n = 1 << p
        r = _rand_scalars(n)
        pts = bytes(tau_buf[:n * size])
        if pad_last and p == max_power:
            r[-1] = 0
            pts = bytes(tau_buf[:(n - 1) * size]) + bytes(size)
        evals = kernel.fr_ntt(b"".join(x.to_bytes(32, "little") for x in r))
        lag = lag_buf[lagrange_offset(p) * size:(lagrange_offset(p) + n) * size]
        lhs = _msm(pts, size, r)
        rhs = (kernel.g1_msm if size == G1_SIZE else kernel.g2_msm)(lag, evals)
        if lhs != rhs:
            return p
    return None


def _summary(i: int, c: Contribution, prev_challenge: bytes) -> dict:
    d = {"index": i, "name": c.name, "type": "beacon" if c.type == 1 else "contribution",
         "challenge": prev_challenge.hex(), "response_hash": response_hash(c).hex(),
         "next_challenge": c.next_challenge.hex()}
    if c.type == 1:
        d.update(beacon_hash=c.beacon_hash.hex(), num_iterations_exp=c.num_iterations_exp)
    return d


def _check_accumulator(pt: Ptau, last: Contribution, batch: PairingBatch) -> str | None:
    n = 1 << pt.power
    if pt.point_g1(2, 0) != G1_GENERATOR or pt.point_g2(0) != G2_GENERATOR:
        return "first element of tauG1 / tauG2 must be the generator"
    if pt.point_g1(2, 1) != last.tau_g1 or pt.point_g2(1) != last.tau_g2:
        return "tauG1[1] / tauG2[1] do not match the last contribution"
    if pt.point_g1(4, 0) != last.alpha_g1 or pt.point_g1(5, 0) != last.beta_g1:
        return "alphaTauG1[0] / betaTauG1[0] do not match the last contribution"
    if pt.beta_g2 != last.beta_g2:
        return "betaG2 does not match the last contribution"
    for name, buf, size in (("tauG1", pt.tau_g1, G1_SIZE), ("tauG2", pt.tau_g2, G2_SIZE),
                            ("alphaTauG1", pt.alpha_tau_g1, G1_SIZE),
                            ("betaTauG1", pt.beta_tau_g1, G1_SIZE)):
        assert len(buf) // size in (n, 2 * n - 1)
        if not powers_consistent(buf, size, last.tau_g1, last.tau_g2, batch):
            return f"{name} section: a random combination of the powers is at infinity"
    if pt.power == pt.ceremony_power and pot.accumulator_hash(response_hash(last), pt) != last.next_challenge:
        return "hash of the accumulator does not match the next challenge of the last contribution"
    return None


def _locate(pt: Ptau) -> str:
    """Slow path after a failed batch: re-run each contribution alone to name the index."""
    prev = _initial(pt.ceremony_power)
    for i, c in enumerate(pt.contributions, start=1):
        batch = PairingBatch()
        why = check_contribution(c, prev, batch)
        if why is None and c.type == 0 and any(x.type == 1 for x in pt.contributions[:i - 1]):
            why = "contribution after the beacon: the beacon must close the ceremony (C4)"
        if why or not batch.check():
            return (f"INVALID({i}): {why or 'a same-ratio pairing check fails: the key or the '}"
                    f"{'' if why else 'published points do not follow the previous contribution'}")
        prev = _State(c.tau_g1, c.tau_g2, c.alpha_g1, c.beta_g1, c.beta_g2, c.next_challenge)
    batch = PairingBatch()
    why = _check_accumulator(pt, pt.contributions[-1], batch)
    if why is None and not batch.check():
        why = "the accumulator sections are not successive powers of tau (pairing check fails)"
    return f"INVALID({len(pt.contributions)}): {why}"


def verify(pt: Ptau) -> PtauReport:
    """Verify every contribution, the accumulator, and (if present) the phase-2 sections."""
    rep = PtauReport(power=pt.power, n_contributions=len(pt.contributions),
                     phase2_prepared=pt.lagrange is not None)
    if not pt.contributions:
        rep.errors.append("INVALID(0): the file has 0 contributions: it cannot be used in production")
        return rep
    batch = PairingBatch()
    prev = _initial(pt.ceremony_power)
    for i, c in enumerate(pt.contributions, start=1):
        why = check_contribution(c, prev, batch)
        if why is None and c.type == 0 and any(x.type == 1 for x in pt.contributions[:i - 1]):
            why = "contribution after the beacon: the beacon must close the ceremony (C4)"
        if why:  # earlier keys are not hashed into later ones here (unlike phase 2): i is it
            rep.errors.append(f"INVALID({i}): {why}")
            return rep
        rep.contributions.append(_summary(i, c, prev.next_challenge))
        prev = _State(c.tau_g1, c.tau_g2, c.alpha_g1, c.beta_g1, c.beta_g2, c.next_challenge)
    why = _check_accumulator(pt, pt.contributions[-1], batch)
    if why:
        rep.errors.append(f"INVALID({len(pt.contributions)}): {why}")
        return rep
    if not batch.check():
        rep.errors.append(_locate(pt))
        return rep
    if pt.lagrange is None:
        rep.warnings.append("no phase-2 sections (12-15): run `powersoftau prepare phase2`")
    else:
        for sec, buf, size, top, pad in ((12, pt.tau_g1, G1_SIZE, pt.power + 1, True),
                                         (13, pt.tau_g2, G2_SIZE, pt.power, False),
                                         (14, pt.alpha_tau_g1, G1_SIZE, pt.power, False),
                                         (15, pt.beta_tau_g1, G1_SIZE, pt.power, False)):
            bad = lagrange_consistent(buf, pt.lagrange[sec], size, top, pad)
            if bad is not None:
                rep.errors.append(f"INVALID(section {sec}): Lagrange evaluations for domain 2^{bad} "
                                  f"do not match the powers of tau")
                return rep
    rep.ok = True
    return rep
