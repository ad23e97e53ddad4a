"""``.r1cs`` reader/writer: round trips of builder circuits, and every malformed field refused."""

from __future__ import annotations

import struct

import pytest

from zkproof.curve.bn254 import P
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats.binfile import build_binfile
from zkproof.formats.r1cs_file import (
    StaleNames,
    load_names,
    names_path,
    r1cs_bytes,
    read_r1cs,
    read_sym,
    write_names,
    write_r1cs,
)
from zkproof.r1cs import ConstraintSystem
from zkproof.r1cs.constraints import R1CS


def small_cs() -> ConstraintSystem:
    """y = x^3 + x + 5 (the Vitalik example), public y, private x."""
    cs = ConstraintSystem()
    y = cs.public("y")
    x = cs.private("x")
    x2 = cs.hint(lambda v: v * v % R, [x], name="x2")
    x3 = cs.hint(lambda a, v: a * v % R, [x2, x], name="x3")
    cs.enforce(x, x, x2, name="square")
    cs.enforce(x2, x, x3, name="cube")
    cs.enforce(x3 + x + 5, cs.ONE, y, name="sum")
    return cs


def header(n8=32, prime=R, n_wires=4, n_out=1, n_pub=1, n_prv=1, n_labels=4, m=1) -> bytes:
    return struct.pack("<I", n8) + prime.to_bytes(n8, "little") + struct.pack(
        "<IIIIQI", n_wires, n_out, n_pub, n_prv, n_labels, m)


def lc(*terms: tuple[int, int]) -> bytes:
    return struct.pack("<I", len(terms)) + b"".join(
        struct.pack("<I", w) + c.to_bytes(32, "little") for w, c in terms)


GOOD_C = lc((2, 1)) + lc((3, 1)) + lc((1, 1))  # w2 * w3 = w1


def raw(hdr: bytes | None = None, cons: bytes = GOOD_C, labels: bytes | None = None,
        extra: list[tuple[int, bytes]] | None = None, version: int = 1, magic: bytes = b"r1cs") -> bytes:
    hdr = header() if hdr is None else hdr
    labels = struct.pack("<4Q", 0, 1, 2, 3) if labels is None else labels
    return build_binfile(magic, version, [(2, cons), (1, hdr), (3, labels), *(extra or [])])


def test_builder_round_trip(tmp_path):
    r = small_cs().to_r1cs()
    path = tmp_path / "c.r1cs"
    write_r1cs(path, r)
    back = read_r1cs(path)
    assert (back.n_wires, back.n_pub_out, back.n_pub_in, back.n_prv_in, back.n_labels) == (
        r.n_wires, r.n_pub_out, r.n_pub_in, r.n_prv_in, r.n_labels)
    assert back.constraints == r.constraints and back.wire_to_label == r.wire_to_label
    assert back.fingerprint() == r.fingerprint()
    assert r1cs_bytes(back) == path.read_bytes()


def test_builder_r1cs_satisfied_by_solved_witness_after_round_trip(tmp_path):
    cs = small_cs()
    write_r1cs(tmp_path / "c.r1cs", cs.to_r1cs())
    back = read_r1cs(tmp_path / "c.r1cs")
    good = cs.solve({"y": 35, "x": 3}).witness()
    assert back.first_unsatisfied(good) is None
    bad = cs.solve({"y": 36, "x": 3}).witness()
    assert back.first_unsatisfied(bad) == 2


def test_hand_made_file_parses():
    r = read_r1cs("m.r1cs", raw())
    assert r.constraints == [({2: 1}, {3: 1}, {1: 1})]
    assert r.wire_to_label == [0, 1, 2, 3] and r.custom == {}
    assert r1cs_bytes(r) == raw()


def test_custom_sections_kept_verbatim():
    data = raw(extra=[(4, b"\x00\x00\x00\x00"), (5, b"\x00\x00\x00\x00"), (9, b"xyz")])
    r = read_r1cs("m.r1cs", data)
    assert r.custom == {4: b"\x00" * 4, 5: b"\x00" * 4, 9: b"xyz"}
    assert r1cs_bytes(r) == data


def test_map_section_is_optional_and_omitted_again():
    data = build_binfile(b"r1cs", 1, [(2, GOOD_C), (1, header())])
    r = read_r1cs("m.r1cs", data)
    assert r.wire_to_label is None
    assert r1cs_bytes(r) == data


BAD = [
    ("wrong magic", raw(magic=b"wtns"), "magic"),
    ("version 2", raw(version=2), "version"),
    ("base-field prime", raw(hdr=header(prime=P)), r"section 1 \(header\): prime"),
    ("n8 = 48", raw(hdr=header(n8=48)), r"section 1 \(header\): n8"),
    ("nWires too small", raw(hdr=header(n_wires=2, n_labels=4), labels=struct.pack("<2Q", 0, 1)),
     "nWires"),
    ("header trailing byte", raw(hdr=header() + b"\0"), r"section 1 \(header\)"),
    ("header short", raw(hdr=header()[:-1]), r"section 1 \(header\)"),
    ("coefficient = r", raw(cons=lc((2, R)) + lc((3, 1)) + lc((1, 1))), "constraint 0.*A: wire 2.*r"),
    ("coefficient = 2^256-1", raw(cons=lc((2, 1)) + lc((3, 2**256 - 1)) + lc((1, 1))),
     "constraint 0.*B"),
    ("wire = nWires", raw(cons=lc((2, 1)) + lc((3, 1)) + lc((4, 1))), "constraint 0.*C: wire 4 >= nWires 4"),
    ("wire twice in one lc", raw(cons=lc((2, 1), (2, 5)) + lc((3, 1)) + lc((1, 1))), "appears twice"),
    ("more constraints than declared", raw(cons=GOOD_C * 2), r"section 2 \(constraints\).*trailing"),
    ("fewer constraints than declared", raw(hdr=header(m=2)), r"constraint 1: A: truncated.*=2"),
    ("term count overruns", raw(cons=struct.pack("<I", 9) + GOOD_C[4:]), "constraint 0.*overrun"),
    ("map too short", raw(labels=struct.pack("<3Q", 0, 1, 2)), r"section 3 \(wire2label\): size"),
    ("label >= nLabels", raw(labels=struct.pack("<4Q", 0, 1, 2, 4)), "wire 3: label 4 >= nLabels 4"),
    ("missing header", build_binfile(b"r1cs", 1, [(2, GOOD_C)]), "section 1.*missing"),
    ("missing constraints", build_binfile(b"r1cs", 1, [(1, header())]), "section 2.*missing"),
    ("duplicate section", raw(extra=[(1, header())]), "appears twice"),
    ("truncated by one byte", raw()[:-1], r"section 3 \(wire2label\): .*truncated"),
    ("cut inside constraints", raw()[:60], r"section 2 \(constraints\): .*truncated"),
    ("trailing byte after file", raw() + b"\0", "trailing"),
    ("huge mConstraints", raw(hdr=header(m=2**32 - 1)), "constraints need at least"),
]


@pytest.mark.parametrize("data,match", [(d, m) for _, d, m in BAD], ids=[n for n, _, _ in BAD])
def test_malformed_file_raises_input_error(data, match):
    with pytest.raises(InputError, match=match) as ei:
        read_r1cs("bad.r1cs", data)
    assert str(ei.value).startswith("bad.r1cs: ") and "\n" not in str(ei.value)


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.r1cs: file"):
        read_r1cs(tmp_path / "nope.r1cs")


@pytest.mark.parametrize("mutate", [
    lambda r: r.constraints.append(({r.n_wires: 1}, {}, {})),
    lambda r: r.constraints.append(({0: R}, {}, {})),
    lambda r: setattr(r, "wire_to_label", [0]),
    lambda r: setattr(r, "n_wires", 1),
    lambda r: r.custom.update({2: b""}),
], ids=["wire out of range", "coefficient r", "short map", "n_wires too small", "custom clobbers"])
def test_writer_refuses_what_reader_would_refuse(tmp_path, mutate):
    r = small_cs().to_r1cs()
    mutate(r)
    with pytest.raises(ValueError):
        write_r1cs(tmp_path / "x.r1cs", r)
    assert not (tmp_path / "x.r1cs").exists()


def test_names_sidecar_round_trip(tmp_path):
    r = small_cs().to_r1cs()
    path = tmp_path / "c.r1cs"
    write_r1cs(path, r, names=False)
    assert not names_path(path).exists()
    write_names(path, r)
    back = read_r1cs(path)
    assert back.constraint_names is None
    assert load_names(path, back) == str(names_path(path))
    assert back.constraint_names == ["square", "cube", "sum"]
    assert back.wire_names == ["ONE", "y", "x", "x2", "x3"]


def test_names_sidecar_of_another_circuit_refused_or_skipped(tmp_path):
    r = small_cs().to_r1cs()
    write_names(tmp_path / "c.r1cs", r)
    other = small_cs().to_r1cs()
    other.constraints.pop()
    other.constraint_names = None
    with pytest.raises(StaleNames, match="c.names.json: r1cs_fingerprint"):
        load_names(tmp_path / "c.r1cs", other, strict=True)
    assert load_names(tmp_path / "c.r1cs", other) is None and other.constraint_names is None
    (tmp_path / "c.sym").write_text("1,1,0,main.y\n")
    assert load_names(tmp_path / "c.r1cs", other) == str(tmp_path / "c.sym")
    assert other.wire_names[:2] == ["one", "main.y"]


def test_write_r1cs_of_builder_writes_names_sidecar_unless_told_not_to(tmp_path):
    write_r1cs(tmp_path / "a.r1cs", small_cs())
    assert (tmp_path / "a.names.json").exists()
    assert read_r1cs(tmp_path / "a.r1cs").fingerprint() == small_cs().to_r1cs().fingerprint()
    write_r1cs(tmp_path / "b.r1cs", small_cs(), names=False)
    assert not (tmp_path / "b.names.json").exists()
    circom_like = read_r1cs(tmp_path / "a.r1cs")  # no names: nothing beside it either
    write_r1cs(tmp_path / "c.r1cs", circom_like)
    assert not (tmp_path / "c.names.json").exists()


def test_no_names_available(tmp_path):
    r = small_cs().to_r1cs()
    assert load_names(tmp_path / "c.r1cs", R1CS(r.n_wires, 0, 1, 1, [])) is None


def test_sym_file_names_wires(tmp_path):
    sym = tmp_path / "c.sym"
    sym.write_text("1,1,0,main.out\n2,2,0,main.in\n3,-1,0,main.gone\n4,2,1,main.sub.in\n")
    assert read_sym(sym, 3) == ["one", "main.out", "main.in|main.sub.in"]
    sym.write_text("1,7,0,main.out\n")
    with pytest.raises(InputError, match="c.sym: line 1: wire 7 >= nWires 3"):
        read_sym(sym, 3)
    sym.write_text("garbage\n")
    with pytest.raises(InputError, match="c.sym: line 1"):
        read_sym(sym, 3)
