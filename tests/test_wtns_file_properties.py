"""Properties of the ``.wtns`` reader/writer: reversibility, mutations, and the vectorised range
check against plain integer comparison."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import fr_elements
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats.binfile import build_binfile
from zkproof.formats.wtns_file import read_wtns, read_wtns_bytes, wtns_bytes

witnesses = st.lists(fr_elements(), max_size=20).map(lambda t: [1, *t])


def parse_or_input_error(data: bytes) -> list[int] | None:
    try:
        return read_wtns("fuzz.wtns", data)
    except InputError as e:
        assert str(e).startswith("fuzz.wtns: ") and "\n" not in str(e)
        return None


@given(witnesses)
def test_read_inverts_write(w):
    data = wtns_bytes(w)
    assert read_wtns("p.wtns", data) == w
    assert read_wtns_bytes("p.wtns", data) == b"".join(v.to_bytes(32, "little") for v in w)


@given(witnesses, st.data())
def test_every_truncation_is_input_error(w, data):
    full = wtns_bytes(w)
    cut = data.draw(st.integers(0, len(full) - 1))
    with pytest.raises(InputError):
        read_wtns("cut.wtns", full[:cut])


@given(witnesses, st.integers(0, 23 + 12 + 40), st.integers(1, 255))
def test_header_byte_flips_round_trip_or_input_error(w, off, xor):
    """Container header, section-1 header and body: refused, or read back to the same bytes."""
    full = bytearray(wtns_bytes(w))
    full[off] ^= xor
    back = parse_or_input_error(bytes(full))
    if back is not None:
        assert wtns_bytes(back) == bytes(full)


@given(witnesses, st.binary(min_size=1, max_size=40), st.data())
def test_any_byte_mutation_round_trips_or_input_error(w, junk, data):
    full = bytearray(wtns_bytes(w))
    off = data.draw(st.integers(0, len(full) - 1))
    full[off:off + len(junk)] = junk
    back = parse_or_input_error(bytes(full))
    if back is not None:
        assert wtns_bytes(back) == bytes(full)


def raw_values(values: list[int]) -> bytes:
    hdr = (32).to_bytes(4, "little") + R.to_bytes(32, "little") + len(values).to_bytes(4, "little")
    return build_binfile(b"wtns", 2, [(1, hdr), (2, b"".join(v.to_bytes(32, "little") for v in values))])


@given(st.lists(st.one_of(st.integers(0, 2**256 - 1), st.integers(R - 2**130, R + 2**130)),
                min_size=1, max_size=12))
def test_range_check_agrees_with_int_comparison(tail):
    """The numpy limb comparison refuses exactly the values ``>= r``, naming the first one."""
    values = [1, *tail]
    first_bad = next((i for i, v in enumerate(values) if v >= R), None)
    if first_bad is None:
        assert read_wtns("v.wtns", raw_values(values)) == values
    else:
        with pytest.raises(InputError, match=rf"witness\[{first_bad}\]: value {values[first_bad]} "):
            read_wtns("v.wtns", raw_values(values))


@given(st.binary(max_size=200))
def test_random_bytes_never_crash(blob):
    parse_or_input_error(blob)
    parse_or_input_error(b"wtns\x02\x00\x00\x00" + blob)
