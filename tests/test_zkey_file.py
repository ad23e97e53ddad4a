"""``formats.zkey_file``: snarkjs zkey layout, strict reading (ATTACKS B9), dev marker, extras.

Keys come from the dev setup of the toy circuit (fast); the snarkjs-made key and its byte-identical
round trip are in ``tests/test_interop_prove.py``.
"""

from __future__ import annotations

import struct

import pytest

from zkproof.curve import bn254
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats.binfile import build_binfile, read_binfile
from zkproof.formats.zkey_file import (
    DEV_MARKER_SECTION,
    SNARKJS_ORDER,
    coeff_stored,
    coeff_value,
    read_zkey,
    write_zkey,
    zkey_bytes,
)
from zkproof.groth16.setup import ToxicWaste, dev_setup
from zkproof.r1cs import ConstraintSystem


@pytest.fixture(scope="module")
def pk():
    cs = ConstraintSystem()
    out = cs.public("out")
    x = cs.private("x")
    x2 = cs.hint(lambda v: v * v, [x], name="x2")
    cs.enforce(x, x, x2, name="square")
    cs.enforce(x2 + x + 5, cs.ONE, out, name="sum")
    return dev_setup(cs.to_r1cs(), ToxicWaste(5, 6, 7, 8, 9), quiet=True)


@pytest.fixture(scope="module")
def image(pk) -> bytes:
    return zkey_bytes(pk)


def _rebuild(image: bytes, edit) -> bytes:
    """Apply ``edit(sections: dict, order: list)`` to a parsed image and re-serialize."""
    bf = read_binfile("<mem>", b"zkey", 2, image)
    sections = {k: bytearray(v) for k, v in bf.sections.items()}
    order = list(bf.order)
    edit(sections, order)
    return build_binfile(b"zkey", bf.version, [(k, bytes(sections[k])) for k in order])


def _read(data: bytes):
    return read_zkey("bad.zkey", data)


def test_layout_is_snarkjs(pk, image):
    bf = read_binfile("<mem>", b"zkey", 1, image)
    assert bf.order == SNARKJS_ORDER + [DEV_MARKER_SECTION]
    assert bytes(bf.sections[1]) == struct.pack("<I", 1)
    hdr = bytes(bf.sections[2])
    assert hdr[:4] == struct.pack("<I", 32) and int.from_bytes(hdr[4:36], "little") == bn254.P
    assert int.from_bytes(hdr[40:72], "little") == R
    assert struct.unpack_from("<III", hdr, 72) == (pk.n_vars, pk.n_public, pk.domain_size)
    # LEM: alpha_1's x coordinate times 2^256 mod p (ffjavascript toRprLEM)
    assert int.from_bytes(hdr[84:116], "little") == pk.alpha_g1[0] * pow(2, 256, bn254.P) % bn254.P
    assert len(bf.sections[10]) == 64 + 4  # csHash + zero contributions


def test_read_back_equals_written(pk, image, tmp_path):
    write_zkey(tmp_path / "k.zkey", pk)
    assert (tmp_path / "k.zkey").read_bytes() == image
    back = read_zkey(tmp_path / "k.zkey")
    assert back.dev_setup and zkey_bytes(back) == image
    for name in ("n_vars", "n_public", "domain_size", "alpha_g1", "beta_g1", "beta_g2", "gamma_g2",
                 "delta_g1", "delta_g2", "ic", "coeffs", "a_query", "b_g1_query", "b_g2_query",
                 "l_query", "h_query"):
        assert getattr(back, name) == getattr(pk, name), name


def test_coefficient_encoding_is_r_squared():
    assert coeff_value(coeff_stored(R - 1)) == R - 1
    assert coeff_stored(1) == pow(2, 512, R)


def test_unknown_sections_are_kept_verbatim(image):
    data = _rebuild(image, lambda s, o: (s.__setitem__(42, bytearray(b"opaque")), o.insert(3, 42)))
    back = _read(data)
    assert back.extra["unknown_sections"] == {42: b"opaque"}
    assert zkey_bytes(back) == data


def test_wrong_magic(image):
    with pytest.raises(InputError, match="bad.zkey: magic"):
        _read(b"ptau" + image[4:])


def test_wrong_version(image):
    with pytest.raises(InputError, match="bad.zkey: version"):
        _read(image[:4] + struct.pack("<I", 3) + image[8:])


def test_plonk_protocol_refused(image):
    data = _rebuild(image, lambda s, o: s.__setitem__(1, bytearray(struct.pack("<I", 2))))
    with pytest.raises(InputError, match=r"section 1 \(header\): protocol id 2 is not Groth16"):
        _read(data)


@pytest.mark.parametrize("offset, what", [(4, "q"), (40, "r")])
def test_wrong_curve_prime(image, offset, what):
    def edit(s, o):
        s[2][offset] ^= 1
    with pytest.raises(InputError, match=rf"section 2 \(groth16 header\): prime {what}"):
        _read(_rebuild(image, edit))


def test_off_curve_header_point(image):
    def edit(s, o):
        s[2][84] ^= 1  # alpha_1.x
    with pytest.raises(InputError, match=r"alpha_1: G1 point is not on the curve"):
        _read(_rebuild(image, edit))


def test_domain_size_not_matching_h_section(image):
    def edit(s, o):
        struct.pack_into("<I", s[2], 80, 2 * struct.unpack_from("<I", s[2], 80)[0])
    with pytest.raises(InputError, match=r"section 9 \(H\): expected 8 points"):
        _read(_rebuild(image, edit))


def test_n_vars_not_matching_sections(pk, image):
    def edit(s, o):
        struct.pack_into("<I", s[2], 72, pk.n_vars + 1)
    with pytest.raises(InputError, match=r"section 5 \(A\)"):
        _read(_rebuild(image, edit))


def test_ic_size_not_matching_n_public(image):
    def edit(s, o):
        s[3] += bytes(64)
    with pytest.raises(InputError, match=r"section 3 \(IC\): expected 2 points"):
        _read(_rebuild(image, edit))


def test_coefficient_not_reduced(image):
    def edit(s, o):
        s[4][4 + 12:4 + 44] = R.to_bytes(32, "little")
    with pytest.raises(InputError, match=r"section 4 \(coefficients\)\[0\]: .*not reduced"):
        _read(_rebuild(image, edit))


def test_coefficient_signal_out_of_range(pk, image):
    def edit(s, o):
        struct.pack_into("<I", s[4], 4 + 8, pk.n_vars)
    with pytest.raises(InputError, match=r"section 4 \(coefficients\)\[0\]: .*signal"):
        _read(_rebuild(image, edit))


def test_coefficient_count_not_matching_size(image):
    def edit(s, o):
        struct.pack_into("<I", s[4], 0, struct.unpack_from("<I", s[4], 0)[0] + 1)
    with pytest.raises(InputError, match=r"section 4 \(coefficients\): .* coefficients need"):
        _read(_rebuild(image, edit))


def test_missing_section(image):
    with pytest.raises(InputError, match=r"section 9 \(H\): missing"):
        _read(_rebuild(image, lambda s, o: o.remove(9)))


def test_truncated_by_one_byte(image):
    with pytest.raises(InputError, match="bad.zkey: section"):
        _read(image[:-1])


def test_forged_dev_marker_section(image):
    def edit(s, o):
        s[DEV_MARKER_SECTION] = bytearray(b"SECURE")
    with pytest.raises(InputError, match=r"section 99 \(dev marker\)"):
        _read(_rebuild(image, edit))


def test_altered_dev_marker_text_is_refused(image):
    """The marker followed by an altered explanation ('\n' turned into '\x0b') is refused: read
    as a dev key, it would be written back with the canonical text, so the file would not
    round-trip. Only zkproof's exact text is accepted; the honest one reads."""
    def edit(s, o):
        s[DEV_MARKER_SECTION] = bytearray(bytes(s[DEV_MARKER_SECTION]).replace(b"\n", b"\x0b", 1))
    with pytest.raises(InputError, match=r"section 99 \(dev marker\): is not zkproof's"):
        _read(_rebuild(image, edit))
    assert _read(_rebuild(image, lambda s, o: None)).dev_setup


def test_write_refuses_inconsistent_key(pk, tmp_path):
    from dataclasses import replace

    bad = replace(pk, h_query=pk.h_query[:-64])
    with pytest.raises(ValueError, match="h_query"):
        write_zkey(tmp_path / "x.zkey", bad)
    assert not (tmp_path / "x.zkey").exists()


def test_coefficient_r_minus_1_is_accepted_and_matrix_2_is_not(image):
    def top(s, o):
        s[4][4 + 12:4 + 44] = (R - 1).to_bytes(32, "little")
    assert coeff_value(int.from_bytes(_read(_rebuild(image, top)).coeffs[16:48], "little")) \
        == coeff_value(R - 1)

    def matrix(s, o):
        struct.pack_into("<I", s[4], 4, 2)
    with pytest.raises(InputError, match=r"section 4 \(coefficients\)\[0\]: matrix 2"):
        _read(_rebuild(image, matrix))
