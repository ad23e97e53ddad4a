"""Properties of the ``.r1cs`` reader/writer (eth-abi style reversibility and mutation tests)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.strategies import fr_elements
from tests.test_r1cs_file import small_cs
from zkproof.errors import InputError
from zkproof.formats.r1cs_file import r1cs_bytes, read_r1cs
from zkproof.r1cs.constraints import R1CS


@st.composite
def r1cs_systems(draw) -> R1CS:
    """Random well-formed systems: any wire split, sparse rows, optional map, custom sections."""
    n_wires = draw(st.integers(1, 12))
    n_out = draw(st.integers(0, n_wires - 1))
    n_pub = draw(st.integers(0, n_wires - 1 - n_out))
    n_prv = draw(st.integers(0, n_wires - 1 - n_out - n_pub))
    row = st.dictionaries(st.integers(0, n_wires - 1), fr_elements(), max_size=4)
    constraints = draw(st.lists(st.tuples(row, row, row), max_size=6))
    n_labels = draw(st.integers(n_wires, n_wires + 5))
    labels = draw(st.none() | st.lists(st.integers(0, n_labels - 1), min_size=n_wires, max_size=n_wires))
    custom = draw(st.dictionaries(st.sampled_from([4, 5, 6, 2**32 - 1]), st.binary(max_size=20),
                                  max_size=3))
    return R1CS(n_wires, n_out, n_pub, n_prv, constraints, n_labels=n_labels, wire_to_label=labels,
                custom=custom)


def parse_or_input_error(data: bytes) -> R1CS | None:
    """The property's core: parsing either succeeds or raises InputError -- nothing else."""
    try:
        return read_r1cs("fuzz.r1cs", data)
    except InputError as e:
        assert str(e).startswith("fuzz.r1cs: ") and "\n" not in str(e)
        return None


@given(r1cs_systems())
def test_read_inverts_write(r):
    """read(write(r)) == r, and writing again gives the same bytes."""
    data = r1cs_bytes(r)
    back = read_r1cs("p.r1cs", data)
    assert back == r
    assert r1cs_bytes(back) == data


@given(r1cs_systems(), st.data())
def test_every_truncation_is_input_error(r, data):
    """Any strict prefix of a valid file is refused with an InputError."""
    full = r1cs_bytes(r)
    cut = data.draw(st.integers(0, len(full) - 1))
    with pytest.raises(InputError):
        read_r1cs("cut.r1cs", full[:cut])


def test_every_prefix_of_a_builder_file_is_refused():
    """Exhaustive over every cut point of one file (the hypothesis test samples them)."""
    full = r1cs_bytes(small_cs().to_r1cs())
    for cut in range(len(full)):
        with pytest.raises(InputError):
            read_r1cs("cut.r1cs", full[:cut])


def header_offsets(data: bytes) -> list[int]:
    """Offsets of the container header, every section header and the whole r1cs header body."""
    offs, pos = list(range(12)), 12
    for _ in range(struct.unpack_from("<I", data, 8)[0]):
        kind, size = struct.unpack_from("<IQ", data, pos)
        offs += range(pos, pos + 12)
        if kind == 1:
            offs += range(pos + 12, pos + 12 + size)
        pos += 12 + size
    return offs


@given(r1cs_systems(), st.data())
@example(small_cs().to_r1cs(), None)
def test_header_byte_flips_round_trip_or_input_error(r, data):
    """Flip one byte of a header: the reader refuses it, or what it read writes the same bytes."""
    full = bytearray(r1cs_bytes(r))
    offs = header_offsets(bytes(full))
    cases = ([(o, 0xFF) for o in offs] if data is None
             else [(data.draw(st.sampled_from(offs)), data.draw(st.integers(1, 255)))])
    for off, xor in cases:
        mutated = bytearray(full)
        mutated[off] ^= xor
        back = parse_or_input_error(bytes(mutated))
        if back is not None:
            assert r1cs_bytes(back) == bytes(mutated)


@given(r1cs_systems(), st.binary(min_size=1, max_size=8), st.data())
def test_any_byte_mutation_round_trips_or_input_error(r, junk, data):
    """Overwrite bytes anywhere (coefficients, wire ids, term counts): never another exception."""
    full = bytearray(r1cs_bytes(r))
    off = data.draw(st.integers(0, len(full) - 1))
    full[off:off + len(junk)] = junk
    back = parse_or_input_error(bytes(full))
    if back is not None:
        assert r1cs_bytes(back) == bytes(full)


@given(st.binary(max_size=200))
def test_random_bytes_never_crash(blob):
    parse_or_input_error(blob)
    parse_or_input_error(b"r1cs\x01\x00\x00\x00" + blob)
