"""``.wtns`` reader/writer: round trips, the raw buffer, and every malformed field refused."""

from __future__ import annotations

import struct

import pytest

from zkproof.curve.bn254 import P
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats.binfile import build_binfile
from zkproof.formats.wtns_file import read_wtns, read_wtns_bytes, write_wtns, wtns_bytes

VALUES = [1, 0, 2, R - 1, 2**64 - 1, 2**255 % R, R // 2]


def raw(values=VALUES, n8=32, prime=R, n=None, version=2, magic=b"wtns", body=None) -> bytes:
    hdr = struct.pack("<I", n8) + prime.to_bytes(n8, "little") + struct.pack(
        "<I", len(values) if n is None else n)
    if body is None:
        body = b"".join(v.to_bytes(32, "little") for v in values)
    return build_binfile(magic, version, [(1, hdr), (2, body)])


def test_round_trip(tmp_path):
    path = tmp_path / "w.wtns"
    write_wtns(path, VALUES)
    assert path.read_bytes() == raw()
    assert read_wtns(path) == VALUES


def test_raw_buffer_is_le_32_byte_values(tmp_path):
    path = tmp_path / "w.wtns"
    write_wtns(path, VALUES)
    buf = read_wtns_bytes(path)
    assert len(buf) == 32 * len(VALUES)
    assert [int.from_bytes(buf[32 * i:32 * i + 32], "little") for i in range(len(VALUES))] == VALUES


def test_version_1_accepted():
    assert read_wtns("w.wtns", raw(version=1)) == VALUES


BAD = [
    ("wrong magic", raw(magic=b"r1cs"), "magic"),
    ("version 3", raw(version=3), "version"),
    ("base-field prime", raw(prime=P), r"section 1 \(header\): prime"),
    ("n8 = 48", raw(n8=48), r"section 1 \(header\): n8"),
    ("nWitness too big", raw(n=len(VALUES) + 1), r"section 2 \(witness\): size"),
    ("nWitness too small", raw(n=len(VALUES) - 1), r"section 2 \(witness\): size"),
    ("value = r", raw(values=[1, 5, R]), r"witness\[2\]: value .* not reduced"),
    ("value = 2^256-1", raw(values=[1, 2**256 - 1]), r"witness\[1\]"),
    ("value = r + 1 at index 0", raw(values=[R + 1, 0]), r"witness\[0\]: value"),
    ("witness[0] = 0", raw(values=[0, 1]), r"witness\[0\]: expected the constant 1"),
    ("witness[0] = r - 1", raw(values=[R - 1]), r"witness\[0\]"),
    ("empty witness", raw(values=[]), "empty"),
    ("truncated by one byte", raw()[:-1], r"section 2 \(witness\): .*truncated"),
    ("missing witness section", build_binfile(b"wtns", 2, [(1, raw()[24:24 + 40])]), "section 2.*missing"),
]


@pytest.mark.parametrize("data,match", [(d, m) for _, d, m in BAD], ids=[n for n, _, _ in BAD])
def test_malformed_file_raises_input_error(data, match):
    with pytest.raises(InputError, match=match) as ei:
        read_wtns("bad.wtns", data)
    assert str(ei.value).startswith("bad.wtns: ") and "\n" not in str(ei.value)


def test_value_just_below_r_in_every_limb_accepted():
    """The limb-wise range check: values equal to r on the high limbs but smaller below."""
    vals = [1, R - 1, R - 2**64, R - 2**128, R - 2**192, (R >> 64) << 64]
    assert read_wtns("w.wtns", raw(values=vals)) == vals
    for v in (R, R + 2**64, R + 2**128, R + 2**192):
        with pytest.raises(InputError, match=r"witness\[1\]"):
            read_wtns("w.wtns", raw(values=[1, v]))


@pytest.mark.parametrize("values", [[], [0, 1], [1, R], [1, -1]])
def test_writer_refuses_bad_values(tmp_path, values):
    with pytest.raises(ValueError):
        write_wtns(tmp_path / "w.wtns", values)
    assert not (tmp_path / "w.wtns").exists()


def test_writer_matches_witness_of_builder():
    from tests.test_r1cs_file import small_cs

    w = small_cs().solve({"y": 35, "x": 3}).witness()
    assert read_wtns("w.wtns", wtns_bytes(w)) == w == [1, 35, 3, 9, 27]
