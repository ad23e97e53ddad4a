"""circom's binary ``.r1cs`` file <-> ``zkproof.r1cs.constraints.R1CS``.

Section map (iden3 container, magic ``r1cs``, version 1; layout as ``r1csfile`` reads it)::

    1 header       n8 u32 | prime n8 bytes LE | nWires u32 | nPubOut u32 | nPubIn u32
                   | nPrvIn u32 | nLabels u64 | mConstraints u32
    2 constraints  mConstraints times: A, B, C, each  nTerms u32 | nTerms x (wire u32 | coeff n8 LE)
    3 wire2label   nWires x label u64  (optional on read: snarkjs only needs it to export JSON)
    4, 5, ...      custom gates (PLONK only) and anything else: kept verbatim in ``R1CS.custom``
    20 commitment  (ours, file version 2) u32 version (1) | u32 nChallenges | u32 n | n x wire u32
                   -> ``R1CS.commitment`` (``ConstraintSystem.commit``; the hiding wire last)

A circuit with a commitment is written as version 2, which snarkjs and circom's tools refuse
("Invalid Version"): set up as plain Groth16 its challenges would be the prover's to pick.
Version 2 requires section 20; in version 1 a section 20 is kept in ``R1CS.custom`` like any
unknown section.

circom2 writes the sections in the order 2, 1, 3; ``write_r1cs`` uses the same order, so reading
and rewriting a circom file gives the same bytes. The reader is strict (ATTACKS B9): a prime other
than BN254's ``r``, ``n8 != 32``, a coefficient ``>= r``, a wire ``>= nWires``, a wire repeated in
one linear combination, a label ``>= nLabels``, a section whose size disagrees with its header, or
a truncated file raise ``InputError(path, "section N (name)" | "constraint k", reason)``.

``R1CS.constraint_names`` / ``wire_names`` are not part of the format. ``write_names`` stores them
in a JSON sidecar (``circuit.names.json``) bound to the circuit's fingerprint, and ``load_names``
recovers names from that sidecar or from circom's ``.sym`` file (wire -> signal name).
"""

from __future__ import annotations

import json
import os
import re
import struct
from pathlib import Path
from typing import TYPE_CHECKING

from zkproof.errors import InputError
from zkproof.field.fr import N8, R
from zkproof.formats.binfile import BinFile, atomic_write, build_binfile, read_binfile
from zkproof.r1cs.constraints import R1CS, CommitmentSpec, Row

if TYPE_CHECKING:  # the builder is only duck-typed here (``to_r1cs``)
    from zkproof.r1cs.system import ConstraintSystem

MAGIC = b"r1cs"
VERSION = 1
COMMITMENT_VERSION = 2  # the file version of a circuit with a commitment (section 20)
HEADER, CONSTRAINTS, WIRE2LABEL, COMMITMENT = 1, 2, 3, 20
NAMES = {HEADER: "header", CONSTRAINTS: "constraints", WIRE2LABEL: "wire2label",
         4: "custom gates list", 5: "custom gates uses", COMMITMENT: "commitment"}
CIRCOM_ORDER = (CONSTRAINTS, HEADER, WIRE2LABEL)  # circom2's section order
_HEADER_SIZE = 4 + N8 + 4 * 4 + 8 + 4
_U32 = struct.Struct("<I")
_TERM = 4 + N8
_ABC = "ABC"


def _label(kind: int) -> str:
    return f"section {kind} ({NAMES.get(kind, 'unknown')})"


# ── reading ──────────────────────────────────────────────────────────────────────────────

def read_r1cs(path: str | os.PathLike, data: bytes | None = None) -> R1CS:
    """Parse a ``.r1cs`` file (or ``data`` if given, ``path`` then only names it in errors)."""
    path = str(path)
    try:
        bf = read_binfile(path, MAGIC, COMMITMENT_VERSION, data)
    except InputError as e:  # the container names sections by number only: add the name
        hit = re.fullmatch(r"section (\d+)", e.field)
        raise (InputError(e.file, _label(int(hit.group(1))), e.reason) if hit else e) from None
    r1cs, m = _read_header(path, bf)
    r1cs.constraints = _read_constraints(path, bytes(bf.section(CONSTRAINTS, NAMES[CONSTRAINTS])),
                                         m, r1cs.n_wires)
    if WIRE2LABEL in bf.sections:
        r1cs.wire_to_label = _read_map(path, bf.sections[WIRE2LABEL], r1cs.n_wires, r1cs.n_labels)
    ours = bf.version == COMMITMENT_VERSION  # section 20 is ours only in version 2
    r1cs.custom = {k: bytes(v) for k, v in bf.sections.items()
                   if (k not in NAMES or k > WIRE2LABEL) and not (ours and k == COMMITMENT)}
    if ours:
        if COMMITMENT not in bf.sections:
            raise InputError(path, "version", f"version {COMMITMENT_VERSION} is for circuits with a "
                                              f"commitment (section {COMMITMENT}), which this file lacks")
        r1cs.commitment = _read_commitment(path, bf, r1cs)
    return r1cs


def _read_commitment(path: str, bf: BinFile, r1cs: R1CS) -> CommitmentSpec:
    """Section 20: distinct private wires (at least the hiding one), challenges among the
    public wires."""
    rd = bf.reader(COMMITMENT, NAMES[COMMITMENT])
    version, n_ch, n = rd.u32(), rd.u32(), rd.u32()
    if version != 1:
        raise InputError(path, rd.label, f"commitment version {version} unsupported (this reads 1)")
    if not 1 <= n_ch <= r1cs.n_public:
        raise InputError(path, rd.label, f"nChallenges {n_ch} not in [1, {r1cs.n_public}]")
    if n < 1 or rd.remaining() != 4 * n:
        raise InputError(path, rd.label, f"{n} wires need {4 * n} bytes, got {rd.remaining()}")
    wires = tuple(rd.u32() for _ in range(n))
    if len(set(wires)) != n or any(not r1cs.n_public < w < r1cs.n_wires for w in wires):
        raise InputError(path, rd.label, "committed wires must be distinct private wires")
    return CommitmentSpec(wires, n_ch)


def _read_header(path: str, bf: BinFile) -> tuple[R1CS, int]:
    """The header as an ``R1CS`` without constraints, and mConstraints."""
    label = _label(HEADER)
    rd = bf.reader(HEADER, NAMES[HEADER])
    rd.field_header(N8, R, "BN254 r")
    n_wires, n_out, n_pub, n_prv = (rd.u32() for _ in range(4))
    n_labels = rd.u64()
    m = rd.u32()
    rd.expect_end()
    if n_wires < 1 + n_out + n_pub + n_prv:
        raise InputError(path, label, f"nWires: expected >= 1 + nPubOut + nPubIn + nPrvIn = "
                                      f"{1 + n_out + n_pub + n_prv}, got {n_wires}")
    return R1CS(n_wires=n_wires, n_pub_out=n_out, n_pub_in=n_pub, n_prv_in=n_prv,
                constraints=[], n_labels=n_labels), m


def _read_constraints(path: str, buf: bytes, m: int, n_wires: int) -> list[tuple[Row, Row, Row]]:
    """Decode ``m`` constraints from the whole constraints section ``buf`` (which must end there)."""
    if m * 12 > len(buf):  # each constraint needs at least three term counts
        raise InputError(path, _label(CONSTRAINTS),
                         f"{m} constraints need at least {m * 12} bytes, section has {len(buf)}")
    out: list[tuple[Row, Row, Row]] = []
    pos, end, from_bytes, unpack = 0, len(buf), int.from_bytes, _U32.unpack_from
    for k in range(m):
        rows = []
        for part in _ABC:
            if pos + 4 > end:
                raise InputError(path, f"constraint {k}",
                                 f"{part}: truncated: section 2 ends before mConstraints={m}")
            (n,) = unpack(buf, pos)
            pos += 4
            if pos + n * _TERM > end:
                raise InputError(path, f"constraint {k}", f"{part}: {n} terms overrun the section")
            row: Row = {}
            for _ in range(n):
                (w,) = unpack(buf, pos)
                c = from_bytes(buf[pos + 4:pos + _TERM], "little")
                pos += _TERM
                if w >= n_wires or c >= R or w in row:
                    raise InputError(path, f"constraint {k}", _bad_term(part, w, c, n_wires))
                row[w] = c
            rows.append(row)
        out.append((rows[0], rows[1], rows[2]))
    if pos != end:
        raise InputError(path, _label(CONSTRAINTS),
                         f"{end - pos} trailing bytes after {m} constraints (header says mConstraints={m})")
    return out


def _bad_term(part: str, w: int, c: int, n_wires: int) -> str:
    if w >= n_wires:
        return f"{part}: wire {w} >= nWires {n_wires}"
    if c >= R:
        return f"{part}: wire {w}: coefficient {c} is not reduced below r"
    return f"{part}: wire {w} appears twice"


def _read_map(path: str, data: memoryview, n_wires: int, n_labels: int) -> list[int]:
    label = _label(WIRE2LABEL)
    if len(data) != 8 * n_wires:
        raise InputError(path, label, f"size: expected 8 * nWires = {8 * n_wires}, got {len(data)}")
    labels = list(struct.unpack(f"<{n_wires}Q", data))
    for w, lab in enumerate(labels):
        if lab >= n_labels:
            raise InputError(path, label, f"wire {w}: label {lab} >= nLabels {n_labels}")
    return labels


# ── writing ──────────────────────────────────────────────────────────────────────────────

def r1cs_bytes(r1cs: R1CS) -> bytes:
    """Serialize ``r1cs`` in circom2's layout (see the module docstring). Raises ``ValueError``
    for a system the reader would refuse (wire out of range, coefficient not in ``[0, r)``)."""
    _check_writable(r1cs)
    header = struct.pack("<I", N8) + r1cs.prime.to_bytes(N8, "little") + struct.pack(
        "<IIIIQI", r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in, r1cs.n_labels,
        r1cs.n_constraints)
    bodies = {HEADER: header, CONSTRAINTS: _constraints_bytes(r1cs.constraints)}
    if r1cs.wire_to_label is not None:
        bodies[WIRE2LABEL] = struct.pack(f"<{r1cs.n_wires}Q", *r1cs.wire_to_label)
    sections = [(k, bodies[k]) for k in CIRCOM_ORDER if k in bodies]
    sections += [(k, bytes(v)) for k, v in r1cs.custom.items()]
    cm = r1cs.commitment
    if cm is None:
        return build_binfile(MAGIC, VERSION, sections)
    body = struct.pack(f"<III{len(cm.wires)}I", 1, cm.n_challenges, len(cm.wires), *cm.wires)
    return build_binfile(MAGIC, COMMITMENT_VERSION, [*sections, (COMMITMENT, body)])


def write_r1cs(path: str | os.PathLike, r1cs: R1CS | ConstraintSystem, *, names: bool = True) -> None:
    """Write ``r1cs`` (or a builder's ``to_r1cs()``) to ``path`` atomically.

    When the system carries our constraint names (it comes from ``ConstraintSystem``) and
    ``names`` is true, the names sidecar is written next to it, so ``zkproof wtns check`` can say
    *which* named constraint a witness breaks.
    """
    if not isinstance(r1cs, R1CS):
        r1cs = r1cs.to_r1cs()
    atomic_write(path, r1cs_bytes(r1cs))
    if names and r1cs.constraint_names is not None:
        write_names(path, r1cs)


def _constraints_bytes(constraints: list[tuple[Row, Row, Row]]) -> bytes:
    parts: list[bytes] = []
    pack = _U32.pack
    for abc in constraints:
        for row in abc:
            parts.append(pack(len(row)))
            for w, c in row.items():
                parts.append(pack(w))
                parts.append(c.to_bytes(N8, "little"))
    return b"".join(parts)


def _check_writable(r1cs: R1CS) -> None:
    if r1cs.prime != R:
        raise ValueError(f"only BN254 r1cs can be written, prime {r1cs.prime}")
    if r1cs.n_wires < 1 + r1cs.n_pub_out + r1cs.n_pub_in + r1cs.n_prv_in:
        raise ValueError("n_wires is smaller than 1 + outputs + public inputs + private inputs")
    for k, abc in enumerate(r1cs.constraints):
        for part, row in zip(_ABC, abc):
            for w, c in row.items():
                if not (0 <= w < r1cs.n_wires and 0 <= c < R):
                    raise ValueError(f"constraint {k}: {part}: term {w}:{c} out of range")
    labels = r1cs.wire_to_label
    if labels is not None and (len(labels) != r1cs.n_wires or any(
            not 0 <= lab < r1cs.n_labels for lab in labels)):
        raise ValueError("wire_to_label must have n_wires entries, each < n_labels")
    if any(k in (HEADER, CONSTRAINTS, WIRE2LABEL) for k in r1cs.custom):
        raise ValueError("R1CS.custom may not hold sections 1, 2 or 3")
    if r1cs.commitment is not None and COMMITMENT in r1cs.custom:
        raise ValueError("R1CS.custom may not hold section 20 when the circuit has a commitment")


# ── names: our sidecar and circom's .sym ─────────────────────────────────────────────────

def names_path(r1cs_path: str | os.PathLike) -> Path:
    """``circuit.r1cs`` -> ``circuit.names.json``."""
    return Path(r1cs_path).with_suffix(".names.json")


def write_names(r1cs_path: str | os.PathLike, r1cs: R1CS) -> Path:
    """Store ``constraint_names`` / ``wire_names`` next to the ``.r1cs`` (bound by fingerprint)."""
    doc = {"r1cs_fingerprint": r1cs.fingerprint(), "constraint_names": r1cs.constraint_names,
           "wire_names": r1cs.wire_names}
    out = names_path(r1cs_path)
    atomic_write(out, json.dumps(doc, indent=1) + "\n")
    return out


class StaleNames(InputError):
    """A names sidecar whose fingerprint is not the circuit's: it names another circuit."""


def load_names(r1cs_path: str | os.PathLike, r1cs: R1CS, strict: bool = False) -> str | None:
    """Fill ``r1cs.constraint_names`` / ``wire_names`` from the sidecar or circom's ``.sym``.

    Returns the file the names came from, or ``None``. A malformed sidecar or ``.sym`` line is an
    ``InputError``; a well-formed sidecar written for another circuit (its fingerprint differs)
    raises ``StaleNames`` if ``strict``, and is otherwise skipped in favour of the ``.sym``.
    """
    side = names_path(r1cs_path)
    if side.exists():
        try:
            _load_sidecar(side, r1cs)
            return str(side)
        except StaleNames:
            if strict:
                raise
    sym = Path(r1cs_path).with_suffix(".sym")
    if sym.exists():
        r1cs.wire_names = read_sym(sym, r1cs.n_wires)
        return str(sym)
    return None


def _load_sidecar(side: Path, r1cs: R1CS) -> None:
    try:
        doc = json.loads(side.read_text())
    except (OSError, ValueError) as e:
        raise InputError(str(side), "file", f"not readable JSON: {e}") from None
    if not isinstance(doc, dict):
        raise InputError(str(side), "file", "expected a JSON object")
    if doc.get("r1cs_fingerprint") != r1cs.fingerprint():
        raise StaleNames(str(side), "r1cs_fingerprint", "does not match the .r1cs next to it")
    for key, n in (("constraint_names", r1cs.n_constraints), ("wire_names", r1cs.n_wires)):
        v = doc.get(key)
        if v is not None and (not isinstance(v, list) or len(v) != n
                              or not all(isinstance(s, str) for s in v)):
            raise InputError(str(side), key, f"expected a list of {n} strings")
        setattr(r1cs, key, v)


def read_sym(path: str | os.PathLike, n_wires: int) -> list[str]:
    """circom ``.sym``: lines ``labelIdx,wireIdx,componentIdx,name``; wire -1 = optimised away.

    Returns one name per wire (``"one"`` for wire 0; several signals on one wire joined by ``|``,
    as snarkjs' ``loadsyms`` does).
    """
    names = [""] * n_wires
    names[0] = "one"
    try:
        lines = Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), "file", str(e)) from None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.split(",", 3)
        try:
            wire = int(parts[1])
        except (IndexError, ValueError):
            raise InputError(str(path), f"line {i}", "expected labelIdx,wireIdx,componentIdx,name") from None
        if wire >= n_wires:
            raise InputError(str(path), f"line {i}", f"wire {wire} >= nWires {n_wires}")
        if wire > 0 and len(parts) == 4:
            names[wire] = parts[3] if not names[wire] else names[wire] + "|" + parts[3]
    return names
