"""Property: any mutation of a ptau file or a zkey section 10 either parses or raises
InputError -- never another exception (ATTACKS B9 for the ceremony formats)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkproof.ceremony import phase2
from zkproof.ceremony import powers_of_tau as pot
from zkproof.errors import InputError
from zkproof.formats.ptau_file import contribution_params_bytes, ptau_bytes, read_ptau

RB = bytes(64)
_DATA: dict = {}


def _ptau() -> bytes:
    if "ptau" not in _DATA:
        _DATA["ptau"] = ptau_bytes(pot.beacon(pot.contribute(pot.new(1), "e", "n", random_bytes=RB),
                                              "00ff", 10, "b"))
    return _DATA["ptau"]


def _mpc() -> bytes:
    if "mpc" not in _DATA:
        c = phase2.MpcContribution((1, 2), (1, 2), (1, 2), None, bytes(64), 1, "x", 10, b"\x01")
        _DATA["mpc"] = phase2.mpc_params_bytes(phase2.MpcParams(bytes(64), [c]))
    return _DATA["mpc"]


@st.composite
def mutations(draw, data_fn):
    data = bytearray(data_fn())
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return bytes(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations(_ptau))
def test_mutated_ptau_parses_or_raises_input_error(data: bytes) -> None:
    try:
        pt = read_ptau("m.ptau", data)
    except InputError as exc:
        assert str(exc).startswith("m.ptau: ")
        return
    assert ptau_bytes(pt) == data or len(ptau_bytes(pt)) == len(data)


@settings(max_examples=200, deadline=None)
@given(mutations(_mpc))
def test_mutated_section10_parses_or_raises_input_error(data: bytes) -> None:
    try:
        mp = phase2.parse_mpc_params(data, "k.zkey")
    except InputError:
        return
    assert phase2.mpc_params_bytes(mp) == data  # whatever parses is written back byte for byte


@pytest.mark.parametrize("ctype,params", [(0, [1, 1, ord("x"), 2, 10, 3, 1, 1]),  # plain + beacon's
                                           (1, [1, 1, ord("x")]),                 # beacon without
                                           (0, [1, 0])])                          # empty name
def test_contribution_params_not_in_canonical_form_are_refused(ctype, params) -> None:
    """A parameter a rewrite would drop (a beacon's iteration exponent and hash on a plain
    contribution), or one it would add, is refused in zkey section 10 and in a ptau file: a
    parsed file always writes back to the same bytes, so no field is shown that is not kept."""
    data = _mpc()
    c = phase2.parse_mpc_params(data).contributions[0]
    block = contribution_params_bytes(c)
    assert data.endswith(block)
    head = data[:-len(block) - 4]  # up to the type field
    bad = head + ctype.to_bytes(4, "little") + len(params).to_bytes(4, "little") + bytes(params)
    with pytest.raises(InputError, match="canonical parameters"):
        phase2.parse_mpc_params(bad, "k.zkey")


def test_unmutated_inputs_round_trip() -> None:
    assert ptau_bytes(read_ptau("m.ptau", _ptau())) == _ptau()
    assert phase2.mpc_params_bytes(phase2.parse_mpc_params(_mpc())) == _mpc()
    with pytest.raises(InputError):
        read_ptau("m.ptau", _ptau()[:-1])
