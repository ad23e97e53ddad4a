"""snarkjs Groth16 ``.zkey`` files <-> ``zkproof.groth16.keys.ProvingKey``.

Section map (snarkjs ``src/zkey_utils.js``, ``zkey_new.js``; iden3 container, magic ``zkey``)::

    1  header        u32 protocol id (1 = Groth16; 2 = PLONK and 10 = FFLONK are refused)
    2  groth header  u32 n8q | q | u32 n8r | r | u32 nVars | u32 nPublic | u32 domainSize |
                     alpha_1 G1 | beta_1 G1 | beta_2 G2 | gamma_2 G2 | delta_1 G1 | delta_2 G2
    3  IC            (nPublic + 1) G1                          -> ProvingKey.ic
    4  coefficients  u32 n | n * (u32 matrix, u32 constraint, u32 signal, 32-byte value)
                     -> ProvingKey.coeffs (raw body, see ``zkproof.r1cs.qap``)
    5  A             nVars G1                                  -> a_query
    6  B1            nVars G1                                  -> b_g1_query
    7  B2            nVars G2                                  -> b_g2_query
    8  C             (nVars - nPublic - 1) G1                  -> l_query
    9  H             domainSize G1                             -> h_query
    10 contributions csHash (64 bytes) | u32 n | contributions -> extra["contributions"] (raw)
    99 zkproof dev marker (ours; snarkjs ignores unknown sections) -> dev_setup=True
    20 commitment key (ours, file version 3) u32 version (1) | u32 nChallenges | u32 nWires |
                     nWires * u32 wire | nWires G1 basis | nWires G1 sigma basis | sigma_2 G2
                     -> ProvingKey.commitment (``groth16.keys.CommitmentKey``)
    21 sigma contributions (ours, ceremony keys with section 20) -> extra["sigma_contributions"]
                     (raw; ``ceremony.phase2`` parses it)

A key with a commitment is written as file version 3, which snarkjs refuses ("Invalid
Version"): its prover would leave out ``D``, and its ``zkey contribute`` / ``verify`` would not
re-randomise or check sigma. Version 3 requires section 20; in versions 1 and 2, sections 20 and
21 are unknown sections like any other (kept verbatim, no commitment).

Encodings, checked against snarkjs' writers: every point is LEM (little-endian Montgomery,
``curve.G1.toRprLEM``), infinity all-zero; coefficient values are stored as ``c * R^2 mod r``
(``R = 2^256 mod r``, snarkjs ``writeFr2``) so that the prover's Montgomery product with a
plain witness value yields ``c * w`` in Montgomery form.

Reading is strict (ATTACKS B9): wrong magic/version/protocol, curve primes other than BN254's,
section sizes that do not match nVars/nPublic/domainSize, coefficients out of range and
off-curve header/IC points raise ``InputError(path, "section N (name)", reason)``. Big sections
are kept as byte buffers (sizes checked, points not decoded). Unknown sections and the section
order are kept in ``extra`` so that a snarkjs zkey read and rewritten is byte-identical.
"""

from __future__ import annotations

import os
import struct

import numpy as np

from zkproof.curve import bn254
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats.binfile import SectionReader, atomic_write, build_binfile, read_binfile
from zkproof.groth16.keys import COMMITMENT_VERSION, INSECURE_DEV_MARKER, CommitmentKey, ProvingKey

MAGIC = b"zkey"
MAX_VERSION = 3  # snarkjs writes 1 and its prover accepts up to 2; 3: with a commitment (ours)
COMMITMENT_FILE_VERSION = 3
COMMITMENT_SECTION, SIGMA_CONTRIBUTIONS_SECTION = 20, 21
GROTH16_PROTOCOL_ID = 1
SECTION_NAMES = {1: "header", 2: "groth16 header", 3: "IC", 4: "coefficients", 5: "A",
                 6: "B1", 7: "B2", 8: "C", 9: "H", 10: "contributions", 20: "commitment key",
                 21: "sigma contributions", 99: "dev marker"}
DEV_MARKER_SECTION = 99
# Order snarkjs' ``zkey new`` writes; ``write_zkey`` uses it for keys that were not read from disk.
SNARKJS_ORDER = [1, 2, 4, 3, 9, 8, 5, 6, 7, 10]
COEF_SIZE = 12 + 32
G1_SIZE, G2_SIZE = 64, 128
MONT_R_FR = pow(2, 256, R)
MONT_R2_FR = MONT_R_FR * MONT_R_FR % R
MONT_R2_INV_FR = pow(MONT_R2_FR, -1, R)


def _label(kind: int) -> str:
    return f"section {kind} ({SECTION_NAMES.get(kind, 'unknown')})"


def _sized(path: str, kind: int, body: memoryview, n: int, size: int) -> bytes:
    if len(body) != n * size:
        raise InputError(path, _label(kind),
                         f"expected {n} points of {size} bytes ({n * size} bytes), got {len(body)}")
    return bytes(body)


def _g1(path: str, field: str, rd: SectionReader) -> bn254.G1Affine:
    pt = bn254.g1_from_lem(rd.take(G1_SIZE))
    if not bn254.is_on_curve_g1(pt):
        raise InputError(path, field, "G1 point is not on the curve")
    return pt


def _g2(path: str, field: str, rd: SectionReader) -> bn254.G2Affine:
    pt = bn254.g2_from_lem(rd.take(G2_SIZE))
    if not bn254.is_on_curve_g2(pt) or not bn254.in_g2_subgroup(pt):
        raise InputError(path, field, "G2 point is not on the curve or not in the subgroup")
    return pt


def _read_groth_header(path: str, rd: SectionReader) -> dict:
    label = rd.label
    for name, prime in (("q", bn254.P), ("r", R)):
        n8 = rd.u32()
        if n8 != 32:
            raise InputError(path, label, f"n8{name} must be 32 (BN254), got {n8}")
        value = rd.bigint(n8)
        if value != prime:
            raise InputError(path, label, f"prime {name} is not BN254's: {value}")
    h = {"n_vars": rd.u32(), "n_public": rd.u32(), "domain_size": rd.u32()}
    n = h["domain_size"]
    if n == 0 or n & (n - 1):
        raise InputError(path, label, f"domainSize must be a power of two, got {n}")
    if h["n_public"] + 1 > h["n_vars"]:
        raise InputError(path, label, f"nPublic {h['n_public']} does not fit nVars {h['n_vars']}")
    h["alpha_g1"] = _g1(path, f"{label}.alpha_1", rd)
    h["beta_g1"] = _g1(path, f"{label}.beta_1", rd)
    h["beta_g2"] = _g2(path, f"{label}.beta_2", rd)
    h["gamma_g2"] = _g2(path, f"{label}.gamma_2", rd)
    h["delta_g1"] = _g1(path, f"{label}.delta_1", rd)
    h["delta_g2"] = _g2(path, f"{label}.delta_2", rd)
    rd.expect_end()
    return h


_COEF_DTYPE = np.dtype([("m", "<u4"), ("c", "<u4"), ("s", "<u4"), ("v", "<u8", (4,))])
_R_LIMBS = [(R >> (64 * i)) & (2**64 - 1) for i in range(4)]


def check_coeffs(path: str, body: bytes, n_vars: int, domain_size: int) -> None:
    """Validate section 4: count vs size, matrix in {0, 1}, indices in range, values < r
    (vectorised: a key for 2^20 constraints has millions of entries)."""
    label = _label(4)
    if len(body) < 4:
        raise InputError(path, label, "truncated: no coefficient count")
    (n,) = struct.unpack_from("<I", body, 0)
    if len(body) != 4 + n * COEF_SIZE:
        raise InputError(path, label, f"{n} coefficients need {4 + n * COEF_SIZE} bytes, got {len(body)}")
    arr = np.frombuffer(body, dtype=_COEF_DTYPE, count=n, offset=4)
    bad = np.flatnonzero((arr["m"] > 1) | (arr["c"] >= domain_size) | (arr["s"] >= n_vars))
    if bad.size:
        m, c, s = (int(arr[k][bad[0]]) for k in ("m", "c", "s"))
        raise InputError(path, f"{label}[{bad[0]}]",
                         f"matrix {m}, constraint {c}, signal {s} out of range "
                         f"(matrix <= 1, constraint < {domain_size}, signal < {n_vars})")
    v = arr["v"]
    greater, equal = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    for i in (3, 2, 1, 0):  # most significant limb first
        greater |= equal & (v[:, i] > np.uint64(_R_LIMBS[i]))
        equal &= v[:, i] == np.uint64(_R_LIMBS[i])
    bad = np.flatnonzero(greater | equal)
    if bad.size:
        raise InputError(path, f"{label}[{bad[0]}]", "coefficient value is not reduced below r")


def read_zkey(path: str | os.PathLike, data: bytes | None = None) -> ProvingKey:
    """Parse a snarkjs Groth16 zkey; see the module docstring for what is checked."""
    path = str(path)
    bf = read_binfile(path, MAGIC, MAX_VERSION, data)
    rd = bf.reader(1, SECTION_NAMES[1])
    protocol = rd.u32()
    if protocol != GROTH16_PROTOCOL_ID:
        raise InputError(path, _label(1), f"protocol id {protocol} is not Groth16 (1)")
    rd.expect_end()
    h = _read_groth_header(path, bf.reader(2, SECTION_NAMES[2]))
    n_vars, n_pub, n = h["n_vars"], h["n_public"], h["domain_size"]
    rd = bf.reader(3, SECTION_NAMES[3])
    if rd.remaining() != (n_pub + 1) * G1_SIZE:
        raise InputError(path, _label(3), f"expected {n_pub + 1} points ({(n_pub + 1) * G1_SIZE} "
                                          f"bytes), got {rd.remaining()}")
    ic = [_g1(path, f"{_label(3)}[{i}]", rd) for i in range(n_pub + 1)]
    coeffs = bytes(bf.section(4, SECTION_NAMES[4]))
    check_coeffs(path, coeffs, n_vars, n)
    sizes = {5: (n_vars, G1_SIZE), 6: (n_vars, G1_SIZE), 7: (n_vars, G2_SIZE),
             8: (n_vars - n_pub - 1, G1_SIZE), 9: (n, G1_SIZE)}
    vec = {k: _sized(path, k, bf.section(k, SECTION_NAMES[k]), cnt, sz) for k, (cnt, sz) in sizes.items()}
    extra: dict = {"version": bf.version, "section_order": list(bf.order), "unknown_sections": {}}
    ours = bf.version == COMMITMENT_FILE_VERSION  # sections 20, 21 are ours only in version 3
    for kind in bf.order:
        if kind == 10:
            extra["contributions"] = bytes(bf.sections[kind])
        elif ours and kind == SIGMA_CONTRIBUTIONS_SECTION:
            extra["sigma_contributions"] = bytes(bf.sections[kind])
        elif kind > 9 and kind != DEV_MARKER_SECTION and not (ours and kind == COMMITMENT_SECTION):
            extra["unknown_sections"][kind] = bytes(bf.sections[kind])
    commitment = None
    if ours:
        if COMMITMENT_SECTION not in bf.sections:
            raise InputError(path, "version", f"version {bf.version} is for keys with a commitment "
                                              "(section 20), which this file lacks")
        commitment = _read_commitment(path, bf.reader(COMMITMENT_SECTION, SECTION_NAMES[20]), n_vars, n_pub)
    dev = DEV_MARKER_SECTION in bf.sections
    # Exactly our text: a marker whose explanation was altered would read back as the canonical
    # one, so the file would not round-trip (found by test_zkey_file_properties' mutations).
    if dev and bytes(bf.sections[DEV_MARKER_SECTION]) != dev_marker_body():
        raise InputError(path, _label(DEV_MARKER_SECTION),
                         f"is not zkproof's {INSECURE_DEV_MARKER} marker text")
    return ProvingKey(n_vars=n_vars, n_public=n_pub, domain_size=n, ic=ic, coeffs=coeffs,
                      a_query=vec[5], b_g1_query=vec[6], b_g2_query=vec[7], l_query=vec[8],
                      h_query=vec[9], dev_setup=dev, extra=extra, commitment=commitment,
                      **{k: h[k] for k in ("alpha_g1", "beta_g1", "beta_g2", "gamma_g2",
                                           "delta_g1", "delta_g2")})


def _read_commitment(path: str, rd: SectionReader, n_vars: int, n_pub: int) -> CommitmentKey:
    """Section 20 (see the module docstring): committed wires are distinct private wires, the
    challenges fit among the public ones, the sigma point is in G2."""
    label = rd.label
    version, n_ch, n = rd.u32(), rd.u32(), rd.u32()
    if version != COMMITMENT_VERSION:
        raise InputError(path, label, f"commitment key version {version} unsupported "
                                      f"(this zkproof reads {COMMITMENT_VERSION})")
    if not 1 <= n_ch <= n_pub:
        raise InputError(path, label, f"nChallenges {n_ch} not in [1, nPublic = {n_pub}]")
    if not 1 <= n <= n_vars - n_pub - 1:
        raise InputError(path, label, f"{n} committed wires: expected 1..{n_vars - n_pub - 1}")
    wires = tuple(rd.u32() for _ in range(n))
    if len(set(wires)) != n or any(not n_pub < w < n_vars for w in wires):
        raise InputError(path, label, "committed wires must be distinct private wires "
                                      f"({n_pub + 1}..{n_vars - 1})")
    basis = bytes(rd.take(n * G1_SIZE))
    sigma_basis = bytes(rd.take(n * G1_SIZE))
    sigma_g2 = _g2(path, f"{label}.sigma_2", rd)
    rd.expect_end()
    return CommitmentKey(wires, n_ch, basis, sigma_basis, sigma_g2)


def commitment_section(ck: CommitmentKey) -> bytes:
    """Section 20's body (the inverse of ``_read_commitment``)."""
    n = len(ck.wires)
    if len(ck.basis) != n * G1_SIZE or len(ck.sigma_basis) != n * G1_SIZE:
        raise ValueError(f"CommitmentKey bases must hold {n} G1 points each")
    return (struct.pack(f"<III{n}I", COMMITMENT_VERSION, ck.n_challenges, n, *ck.wires)
            + ck.basis + ck.sigma_basis + bn254.g2_to_lem(ck.sigma_g2))


def dev_marker_body() -> bytes:
    """Body of section 99: the marker, then why (snarkjs ignores the section)."""
    return (INSECURE_DEV_MARKER + "\nsingle-party zkproof dev setup: the toxic waste was known to "
            "one process; anyone who kept it can forge proofs. Tests and demos only.\n").encode()


def zkey_sections(pk: ProvingKey) -> dict[int, bytes]:
    """Every section body of ``pk``, by type (also used by the ceremony code)."""
    _check_lengths(pk)
    header = struct.pack("<I", 32) + bn254.P.to_bytes(32, "little")
    header += struct.pack("<I", 32) + R.to_bytes(32, "little")
    header += struct.pack("<III", pk.n_vars, pk.n_public, pk.domain_size)
    header += bn254.g1_to_lem(pk.alpha_g1) + bn254.g1_to_lem(pk.beta_g1)
    header += bn254.g2_to_lem(pk.beta_g2) + bn254.g2_to_lem(pk.gamma_g2)
    header += bn254.g1_to_lem(pk.delta_g1) + bn254.g2_to_lem(pk.delta_g2)
    out = {1: struct.pack("<I", GROTH16_PROTOCOL_ID), 2: header,
           3: b"".join(bn254.g1_to_lem(p) for p in pk.ic), 4: bytes(pk.coeffs),
           5: bytes(pk.a_query), 6: bytes(pk.b_g1_query), 7: bytes(pk.b_g2_query),
           8: bytes(pk.l_query), 9: bytes(pk.h_query)}
    if "contributions" in pk.extra:
        out[10] = bytes(pk.extra["contributions"])
    out.update({int(k): bytes(v) for k, v in pk.extra.get("unknown_sections", {}).items()})
    if pk.commitment is not None:
        out[COMMITMENT_SECTION] = commitment_section(pk.commitment)
        if "sigma_contributions" in pk.extra:
            out[SIGMA_CONTRIBUTIONS_SECTION] = bytes(pk.extra["sigma_contributions"])
    if pk.dev_setup:
        out[DEV_MARKER_SECTION] = dev_marker_body()
    return out


def _check_lengths(pk: ProvingKey) -> None:
    want = {"a_query": pk.n_vars * G1_SIZE, "b_g1_query": pk.n_vars * G1_SIZE,
            "b_g2_query": pk.n_vars * G2_SIZE, "l_query": (pk.n_vars - pk.n_public - 1) * G1_SIZE,
            "h_query": pk.domain_size * G1_SIZE}
    for name, size in want.items():
        if len(getattr(pk, name)) != size:
            raise ValueError(f"ProvingKey.{name} has {len(getattr(pk, name))} bytes, expected {size}")
    if len(pk.ic) != pk.n_public + 1:
        raise ValueError(f"ProvingKey.ic has {len(pk.ic)} points, expected {pk.n_public + 1}")


def zkey_bytes(pk: ProvingKey) -> bytes:
    """The file image: sections in the order read (if any), else snarkjs' order, extras last;
    version 3 with a commitment key (else the version read, or 1)."""
    sections = zkey_sections(pk)
    order = [k for k in pk.extra.get("section_order", SNARKJS_ORDER) if k in sections]
    order += sorted(k for k in sections if k not in order)
    version = COMMITMENT_FILE_VERSION if pk.commitment is not None else int(pk.extra.get("version", 1))
    if version == COMMITMENT_FILE_VERSION and pk.commitment is None:
        raise ValueError("zkey version 3 is for keys with a commitment")
    return build_binfile(MAGIC, version, [(k, sections[k]) for k in order])


def write_zkey(path: str | os.PathLike, pk: ProvingKey) -> None:
    """Write ``pk`` as a snarkjs-readable zkey, atomically."""
    atomic_write(path, zkey_bytes(pk))


def coeff_value(stored: int) -> int:
    """The R1CS coefficient ``c`` from its stored form ``c * R^2 mod r``."""
    return stored * MONT_R2_INV_FR % R


def coeff_stored(value: int) -> int:
    """Inverse of ``coeff_value``: what snarkjs' ``writeFr2`` puts on disk for ``value``."""
    return value % R * MONT_R2_FR % R
