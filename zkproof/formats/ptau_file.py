"""snarkjs ``.ptau`` files (powers of tau, phase 1): read, validate, write.

Section map (snarkjs ``powersoftau_new.js`` / ``powersoftau_utils.js``), all points LEM::

    1  header          u32 n8 (=32) | n8 bytes q (LE) | u32 power | u32 ceremonyPower
    2  tauG1           2^power * 2 - 1 G1:  tau^i * G1
    3  tauG2           2^power G2:          tau^i * G2
    4  alphaTauG1      2^power G1:          alpha * tau^i * G1
    5  betaTauG1       2^power G1:          beta * tau^i * G1
    6  betaG2          1 G2:                beta * G2
    7  contributions   u32 n, then n times:
                         tauG1, tauG2, alphaG1, betaG1, betaG2 (the accumulator's first points)
                         public key: tau.g1_s, tau.g1_sx, alpha.g1_s, alpha.g1_sx, beta.g1_s,
                                     beta.g1_sx (G1), tau.g2_spx, alpha.g2_spx, beta.g2_spx (G2)
                         partialHash (216 bytes, see ``ceremony.transcript.Blake2b``)
                         nextChallenge (64 bytes)
                         u32 type (0 contribution, 1 beacon)
                         u32 paramLength, params: [1, len, name utf-8] [2, numIterationsExp]
                                                  [3, len, beaconHash]   (types ascending)
    12..15 (after ``prepare phase2``) Lagrange evaluations of sections 2, 3, 4, 5: for every
           p = 0..power (and power+1 for tauG1), the 2^p points L_i(tau) * G for the domain of
           size 2^p (times alpha / beta for 14 / 15), concatenated by increasing p.

Reading checks every coordinate is reduced and every point is on its curve (small points also
in the G2 subgroup), and names file and section on any failure (ATTACKS B9).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field

from zkproof.curve.bn254 import (
    G1Affine,
    G2Affine,
    P,
    g1_from_lem,
    g1_to_lem,
    g2_from_lem,
    g2_to_lem,
    in_g2_subgroup,
    is_on_curve_g1,
    is_on_curve_g2,
)
from zkproof.errors import InputError
from zkproof.formats.binfile import SectionReader, atomic_write, build_binfile, read_binfile

G1_SIZE, G2_SIZE = 64, 128
PARTIAL_HASH_SIZE = 216
SECTION_NAMES = {1: "header", 2: "tauG1", 3: "tauG2", 4: "alphaTauG1", 5: "betaTauG1",
                 6: "betaG2", 7: "contributions", 12: "lagrange tauG1", 13: "lagrange tauG2",
                 14: "lagrange alphaTauG1", 15: "lagrange betaTauG1"}
MAX_POWER = 28


@dataclass
class KeyPart:
    """Same-ratio proof of one secret s: ``g1_s`` random, ``g1_sx = x * g1_s``, ``g2_spx = x *
    g2_sp`` where ``g2_sp`` is re-derived from the challenge (``transcript.g2_sp``)."""

    g1_s: G1Affine
    g1_sx: G1Affine
    g2_spx: G2Affine


@dataclass
class PublicKey:
    tau: KeyPart
    alpha: KeyPart
    beta: KeyPart


@dataclass
class Contribution:
    """One entry of section 7. ``type`` 1 = beacon (then ``beacon_hash``, ``num_iterations_exp``)."""

    tau_g1: G1Affine
    tau_g2: G2Affine
    alpha_g1: G1Affine
    beta_g1: G1Affine
    beta_g2: G2Affine
    key: PublicKey
    partial_hash: bytes
    next_challenge: bytes
    type: int = 0
    name: str = ""
    num_iterations_exp: int = 0
    beacon_hash: bytes = b""


@dataclass
class Ptau:
    """A whole ptau file; big sections as LEM buffers (``zkproof.kernel`` layout)."""

    power: int
    ceremony_power: int
    tau_g1: bytes
    tau_g2: bytes
    alpha_tau_g1: bytes
    beta_tau_g1: bytes
    beta_g2: G2Affine
    contributions: list[Contribution] = field(default_factory=list)
    lagrange: dict[int, bytes] | None = None  # {12: ..., 13: ..., 14: ..., 15: ...}

    def point_g1(self, section: int, i: int) -> G1Affine:
        buf = {2: self.tau_g1, 4: self.alpha_tau_g1, 5: self.beta_tau_g1}[section]
        return g1_from_lem(buf[i * G1_SIZE:(i + 1) * G1_SIZE])

    def point_g2(self, i: int) -> G2Affine:
        return g2_from_lem(self.tau_g2[i * G2_SIZE:(i + 1) * G2_SIZE])


def section_sizes(power: int) -> dict[int, int]:
    """Expected byte size of sections 2-6 and 12-15 for ``power``."""
    n = 1 << power
    lag = lambda top, sz: sum(1 << p for p in range(top + 1)) * sz  # noqa: E731
    return {2: (2 * n - 1) * G1_SIZE, 3: n * G2_SIZE, 4: n * G1_SIZE, 5: n * G1_SIZE,
            6: G2_SIZE, 12: lag(power + 1, G1_SIZE), 13: lag(power, G2_SIZE),
            14: lag(power, G1_SIZE), 15: lag(power, G1_SIZE)}


# --- reading ---------------------------------------------------------------------------------

def _coord_ok(raw: bytes) -> bool:
    return int.from_bytes(raw, "little") < P


def _check_g1_buffer(path: str, label: str, buf: memoryview) -> None:
    for off in range(0, len(buf), G1_SIZE):
        raw = bytes(buf[off:off + G1_SIZE])
        if not (_coord_ok(raw[:32]) and _coord_ok(raw[32:])):
            raise InputError(path, f"{label}[{off // G1_SIZE}]", "coordinate not reduced below q")
        if not is_on_curve_g1(g1_from_lem(raw)):
            raise InputError(path, f"{label}[{off // G1_SIZE}]", "G1 point is not on the curve")


def _check_g2_buffer(path: str, label: str, buf: memoryview) -> None:
    for off in range(0, len(buf), G2_SIZE):
        raw = bytes(buf[off:off + G2_SIZE])
        if not all(_coord_ok(raw[i:i + 32]) for i in range(0, 128, 32)):
            raise InputError(path, f"{label}[{off // G2_SIZE}]", "coordinate not reduced below q")
        if not is_on_curve_g2(g2_from_lem(raw)):
            raise InputError(path, f"{label}[{off // G2_SIZE}]", "G2 point is not on the curve")


def _read_g1(rd: SectionReader, what: str) -> G1Affine:
    raw = bytes(rd.take(G1_SIZE))
    _check_g1_buffer(rd.path, f"{rd.label}: {what}", memoryview(raw))
    return g1_from_lem(raw)


def _read_g2(rd: SectionReader, what: str) -> G2Affine:
    raw = bytes(rd.take(G2_SIZE))
    _check_g2_buffer(rd.path, f"{rd.label}: {what}", memoryview(raw))
    pt = g2_from_lem(raw)
    if not in_g2_subgroup(pt):
        raise InputError(rd.path, f"{rd.label}: {what}", "G2 point is not in the subgroup")
    return pt


def _read_header(path: str, rd: SectionReader) -> tuple[int, int]:
    n8 = rd.u32()
    if n8 != 32:
        raise InputError(path, "section 1 (header): n8", f"expected 32, got {n8}")
    q = rd.bigint(32)
    if q != P:
        raise InputError(path, "section 1 (header): prime", "not the BN254 (bn128) base field")
    power, ceremony_power = rd.u32(), rd.u32()
    rd.expect_end()
    if not 1 <= power <= MAX_POWER or not power <= ceremony_power <= MAX_POWER:
        raise InputError(path, "section 1 (header): power",
                         f"expected 1 <= power <= ceremonyPower <= {MAX_POWER}, "
                         f"got {power}, {ceremony_power}")
    return power, ceremony_power


def read_contribution_params(rd: SectionReader, c, label: str) -> None:
    """Read the optional-parameters block of a contribution whose ``type`` is already set (ptau
    section 7 and zkey section 10 alike) into ``c``. Only the form ``contribution_params_bytes``
    writes is accepted (a name of 1..64 bytes; the iteration exponent and beacon hash on a
    beacon and only there), so every accepted file is written back byte for byte and no
    parameter is read that a rewrite would drop."""
    raw = bytes(rd.take(rd.u32()))
    body = SectionReader(rd.path, label, memoryview(raw))
    last = 0
    while body.remaining():
        kind = body.take(1)[0]
        if kind <= last or kind > 3:
            raise InputError(rd.path, label, f"parameter {kind} unknown or out of order")
        last = kind
        if kind == 1:
            try:
                c.name = bytes(body.take(body.take(1)[0])).decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(rd.path, f"{label}: name", "not valid UTF-8") from None
        elif kind == 2:
            c.num_iterations_exp = body.take(1)[0]
        else:
            c.beacon_hash = bytes(body.take(body.take(1)[0]))
    if contribution_params_bytes(c)[4:] != raw:
        raise InputError(rd.path, label, "not the canonical parameters: a name of 1..64 bytes, "
                         "and the iteration exponent and beacon hash exactly when type is 1 (beacon)")


def read_contribution(rd: SectionReader, idx: int) -> Contribution:
    w = f"contribution {idx}"
    firsts = [_read_g1(rd, f"{w} tauG1"), _read_g2(rd, f"{w} tauG2"), _read_g1(rd, f"{w} alphaG1"),
              _read_g1(rd, f"{w} betaG1"), _read_g2(rd, f"{w} betaG2")]
    g1s = [_read_g1(rd, f"{w} key g1[{i}]") for i in range(6)]
    g2s = [_read_g2(rd, f"{w} key g2[{i}]") for i in range(3)]
    key = PublicKey(KeyPart(g1s[0], g1s[1], g2s[0]), KeyPart(g1s[2], g1s[3], g2s[1]),
                    KeyPart(g1s[4], g1s[5], g2s[2]))
    c = Contribution(*firsts, key=key, partial_hash=bytes(rd.take(PARTIAL_HASH_SIZE)),
                     next_challenge=bytes(rd.take(64)))
    c.type = rd.u32()
    if c.type not in (0, 1):
        raise InputError(rd.path, f"{rd.label}: {w} type", f"expected 0 or 1, got {c.type}")
    read_contribution_params(rd, c, f"{rd.label}: contribution {idx} params")
    return c


def read_ptau(path: str | os.PathLike, data: bytes | None = None) -> Ptau:
    """Parse and validate a ptau file; raises ``InputError`` naming file and section."""
    path = str(path)
    bf = read_binfile(path, b"ptau", 1, data)
    power, ceremony_power = _read_header(path, bf.reader(1, "header"))
    sizes = section_sizes(power)
    bodies = {}
    for sec in (2, 3, 4, 5, 6):
        body = bf.section(sec, SECTION_NAMES[sec])
        if len(body) != sizes[sec]:
            raise InputError(path, f"section {sec} ({SECTION_NAMES[sec]})",
                             f"expected {sizes[sec]} bytes for power {power}, got {len(body)}")
        check = _check_g2_buffer if sec in (3, 6) else _check_g1_buffer
        check(path, f"section {sec} ({SECTION_NAMES[sec]})", body)
        bodies[sec] = bytes(body)
    rd = bf.reader(7, "contributions")
    contributions = [read_contribution(rd, i + 1) for i in range(rd.u32())]
    rd.expect_end()
    lagrange = None
    present = [s for s in (12, 13, 14, 15) if s in bf.sections]
    if present:
        if len(present) != 4:
            raise InputError(path, "sections 12-15", f"partial phase-2 data: only {present}")
        lagrange = {}
        for sec in present:
            body = bf.sections[sec]
            if len(body) != sizes[sec]:
                raise InputError(path, f"section {sec} ({SECTION_NAMES[sec]})",
                                 f"expected {sizes[sec]} bytes for power {power}, got {len(body)}")
            (_check_g2_buffer if sec == 13 else _check_g1_buffer)(
                path, f"section {sec} ({SECTION_NAMES[sec]})", body)
            lagrange[sec] = bytes(body)
    unknown = sorted(set(bf.sections) - {1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15})
    if unknown:
        raise InputError(path, f"section {unknown[0]}", "unknown section type")
    beta_g2 = g2_from_lem(bodies[6])
    return Ptau(power, ceremony_power, bodies[2], bodies[3], bodies[4], bodies[5], beta_g2,
                contributions, lagrange)


# --- writing ---------------------------------------------------------------------------------

def contribution_params_bytes(c) -> bytes:
    """The optional-parameters block snarkjs appends to every contribution, in ptau files and
    in zkey section 10 alike: name (tag 1, <= 64 bytes), and for a beacon the iteration
    exponent (tag 2) and the beacon hash (tag 3); prefixed by its u32 length. ``c`` is any
    contribution record with ``name``, ``type``, ``num_iterations_exp`` and ``beacon_hash``."""
    out = bytearray()
    if c.name:
        name = c.name[:64].encode("utf-8")
        out += bytes([1, len(name)]) + name
    if c.type == 1:
        out += bytes([2, c.num_iterations_exp, 3, len(c.beacon_hash)]) + c.beacon_hash
    return struct.pack("<I", len(out)) + bytes(out)


def contribution_bytes(c: Contribution) -> bytes:
    k = c.key
    return b"".join([
        g1_to_lem(c.tau_g1), g2_to_lem(c.tau_g2), g1_to_lem(c.alpha_g1), g1_to_lem(c.beta_g1),
        g2_to_lem(c.beta_g2),
        *(g1_to_lem(p) for p in (k.tau.g1_s, k.tau.g1_sx, k.alpha.g1_s, k.alpha.g1_sx,
                                 k.beta.g1_s, k.beta.g1_sx)),
        *(g2_to_lem(p) for p in (k.tau.g2_spx, k.alpha.g2_spx, k.beta.g2_spx)),
        c.partial_hash, c.next_challenge, struct.pack("<I", c.type), contribution_params_bytes(c)])


def header_bytes(power: int, ceremony_power: int | None = None) -> bytes:
    return (struct.pack("<I", 32) + P.to_bytes(32, "little")
            + struct.pack("<II", power, ceremony_power or power))


def ptau_bytes(pt: Ptau) -> bytes:
    contribs = struct.pack("<I", len(pt.contributions)) + b"".join(
        contribution_bytes(c) for c in pt.contributions)
    sections = [(1, header_bytes(pt.power, pt.ceremony_power)), (2, pt.tau_g1), (3, pt.tau_g2),
                (4, pt.alpha_tau_g1), (5, pt.beta_tau_g1), (6, g2_to_lem(pt.beta_g2)),
                (7, contribs)]
    if pt.lagrange:
        sections += [(s, pt.lagrange[s]) for s in (12, 13, 14, 15)]
    return build_binfile(b"ptau", 1, sections)


def write_ptau(path: str | os.PathLike, pt: Ptau) -> None:
    """Serialize ``pt`` atomically (SPEC §6)."""
    atomic_write(path, ptau_bytes(pt))

