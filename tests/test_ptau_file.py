"""``.ptau`` reader/writer: round trips, byte identity with snarkjs, strict InputErrors."""

from __future__ import annotations

import struct

import pytest

from zkproof.ceremony import powers_of_tau as pot
from zkproof.curve.bn254 import P
from zkproof.errors import InputError
from zkproof.formats.binfile import build_binfile, read_binfile
from zkproof.formats.ptau_file import ptau_bytes, read_ptau, section_sizes, write_ptau

BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


@pytest.fixture(scope="module")
def ceremony():
    """power 2: a contribution and a beacon (deterministic randomness)."""
    p0 = pot.new(2)
    p1 = pot.contribute(p0, "entropy", "alice", random_bytes=bytes(64))
    return pot.beacon(p1, BEACON, 10, "final")


def _sections(data: bytes) -> dict[int, bytes]:
    bf = read_binfile("x", b"ptau", 1, data)
    return {k: bytes(v) for k, v in bf.sections.items()}, bf.order


def _rebuild(data: bytes, **changes) -> bytes:
    secs, order = _sections(data)
    for k, v in changes.items():
        secs[int(k[1:])] = v
    return build_binfile(b"ptau", 1, [(k, secs[k]) for k in order])


def test_round_trip_is_byte_identical(ceremony, tmp_path) -> None:
    path = tmp_path / "c.ptau"
    write_ptau(path, ceremony)
    back = read_ptau(path)
    assert back == ceremony
    assert ptau_bytes(back) == path.read_bytes()
    assert [c.name for c in back.contributions] == ["alice", "final"]
    assert back.contributions[1].type == 1 and back.contributions[1].num_iterations_exp == 10
    assert back.contributions[1].beacon_hash == bytes.fromhex(BEACON)


def test_section_sizes() -> None:
    s = section_sizes(3)
    assert s[2] == 15 * 64 and s[3] == 8 * 128 and s[6] == 128
    assert s[12] == (1 + 2 + 4 + 8 + 16) * 64 and s[13] == 15 * 128


def test_truncated_file(ceremony) -> None:
    data = ptau_bytes(ceremony)
    with pytest.raises(InputError, match="truncated"):
        read_ptau("t.ptau", data[:-10])


def test_wrong_prime_named(ceremony) -> None:
    data = ptau_bytes(ceremony)
    header = struct.pack("<I", 32) + (P + 2).to_bytes(32, "little") + struct.pack("<II", 2, 2)
    with pytest.raises(InputError, match=r"t.ptau: section 1 \(header\): prime"):
        read_ptau("t.ptau", _rebuild(data, s1=header))


def test_power_out_of_range(ceremony) -> None:
    header = struct.pack("<I", 32) + P.to_bytes(32, "little") + struct.pack("<II", 40, 40)
    with pytest.raises(InputError, match="power"):
        read_ptau("t.ptau", _rebuild(ptau_bytes(ceremony), s1=header))


def test_section_size_mismatch_named(ceremony) -> None:
    secs, _ = _sections(ptau_bytes(ceremony))
    with pytest.raises(InputError, match=r"section 4 \(alphaTauG1\).*expected 256 bytes"):
        read_ptau("t.ptau", _rebuild(ptau_bytes(ceremony), s4=secs[4][:-64]))


def test_point_off_curve_named_with_index(ceremony) -> None:
    secs, _ = _sections(ptau_bytes(ceremony))
    bad = bytearray(secs[2])
    bad[64 * 3] ^= 1
    with pytest.raises(InputError, match=r"section 2 \(tauG1\)\[3\]"):
        read_ptau("t.ptau", _rebuild(ptau_bytes(ceremony), s2=bytes(bad)))


def test_unreduced_coordinate(ceremony) -> None:
    secs, _ = _sections(ptau_bytes(ceremony))
    bad = bytearray(secs[5])
    bad[0:32] = (P + 1).to_bytes(32, "little")
    with pytest.raises(InputError, match="not reduced"):
        read_ptau("t.ptau", _rebuild(ptau_bytes(ceremony), s5=bytes(bad)))


def test_unknown_contribution_parameter(ceremony) -> None:
    secs, _ = _sections(ptau_bytes(ceremony))
    body = bytearray(secs[7])
    # first contribution's params start after its fixed part: 4 + 64*3 + 128*2 + 64*6 + 128*3 + 216 + 64 + 4
    off = 4 + 64 * 3 + 128 * 2 + 64 * 6 + 128 * 3 + 216 + 64 + 4
    assert struct.unpack("<I", body[off:off + 4])[0] == 7  # [1, 5, "alice"]
    body[off + 4] = 9
    with pytest.raises(InputError, match="parameter 9 unknown or out of order"):
        read_ptau("t.ptau", _rebuild(ptau_bytes(ceremony), s7=bytes(body)))


def test_partial_phase2_sections_refused(ceremony) -> None:
    data = ptau_bytes(ceremony)
    secs, order = _sections(data)
    extra = build_binfile(b"ptau", 1, [(k, secs[k]) for k in order] + [(12, bytes(64 * 15))])
    with pytest.raises(InputError, match="partial phase-2"):
        read_ptau("t.ptau", extra)


def test_wrong_magic() -> None:
    with pytest.raises(InputError, match="magic"):
        read_ptau("t.ptau", b"zkey" + bytes(20))


@pytest.mark.interop
def test_new_is_byte_identical_to_snarkjs(npm_tools, tmp_path) -> None:
    npm_tools.run_snarkjs("powersoftau", "new", "bn128", "3", "s.ptau", cwd=tmp_path)
    write_ptau(tmp_path / "o.ptau", pot.new(3))
    assert (tmp_path / "o.ptau").read_bytes() == (tmp_path / "s.ptau").read_bytes()
    assert read_ptau(tmp_path / "s.ptau") == pot.new(3)
