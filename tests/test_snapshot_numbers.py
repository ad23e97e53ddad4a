"""Strict number parsing (SPEC §6; ATTACKS A1, A2 text forms, B2 non-canonical numbers)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.snapshot import numbers as nb

NON_CANONICAL = ["+5", "0x05", " 5", "5 ", "5.0", "1e3", "4_2", "05", "-0", "", "-", "NaN", "Infinity",
                 "٥", "5\n", "0.50", ".5", "5.", "1" * 5000]


@pytest.mark.parametrize("text", NON_CANONICAL)
def test_non_canonical_integers_rejected(text):
    with pytest.raises(InputError, match=r"^f: line 3: balances\.USDC: ") as e:
        nb.parse_int(text, "f", "line 3: balances.USDC")
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("value", [5, 5.0, True, None, [5], {"v": 5}])
def test_json_numbers_and_other_types_rejected(value):
    """Amounts are decimal strings: a bare JSON number (or bool, null) is an error."""
    with pytest.raises(InputError, match="expected a decimal string"):
        nb.parse_int(value, "f", "x")


@pytest.mark.parametrize("text,value", [("0", 0), ("5", 5), ("-5", -5), ("18446744073709551615", 2**64 - 1)])
def test_canonical_integers_accepted(text, value):
    assert nb.parse_int(text, "f", "x") == value


@given(st.integers(-(10**70), 10**70))
def test_int_round_trip(x):
    """Property: the canonical text of every integer parses back to it."""
    assert nb.parse_int(str(x), "f", "x") == x


@given(st.text(max_size=30))
def test_int_parser_never_crashes(text):
    """Property: any string either parses to the int whose str() it is, or raises InputError."""
    try:
        x = nb.parse_int(text, "f", "x")
    except InputError:
        return
    assert str(x) == text


@pytest.mark.parametrize("text", ["0", "0.5", "-0.3", "3012.45", "1"])
def test_canonical_decimals_accepted(text):
    assert str(nb.parse_decimal(text, "f", "x")) == text


@pytest.mark.parametrize("text", ["5.0", "0.50", "1e3", "+1", "01.5", ".5", "5.", "-0", "1,5", "0x1"])
def test_non_canonical_decimals_rejected(text):
    with pytest.raises(InputError):
        nb.parse_decimal(text, "f", "x")


# ATTACKS A1/A2: the loader rejects the text forms of the witness attacks; boundaries accepted.
BAD_BALANCES = {"negative": "-1000000", "2^64": str(2**64), "p-1": str(R - 1),
                "p-10^6 (A1 wrap)": str(R - 10**6), "2^64-1+r": str(2**64 - 1 + R)}


@pytest.mark.parametrize("name", BAD_BALANCES)
def test_balance_out_of_range_rejected(name):
    with pytest.raises(InputError, match="balances.ETH"):
        nb.parse_balance(BAD_BALANCES[name], "accounts.jsonl", "line 7: balances.ETH")


@pytest.mark.parametrize("text", ["0", "1", str(2**64 - 1)])
def test_balance_boundaries_accepted(text):
    assert nb.parse_balance(text, "f", "x") == int(text)


@pytest.mark.parametrize("text", [str(2**63), str(-(2**63)), str(R - 2**63), str(R - 1), str(2**64)])
def test_position_out_of_range_rejected(text):
    with pytest.raises(InputError, match=r"outside \(-2\^63, 2\^63\)"):
        nb.parse_position(text, "f", "x")


@pytest.mark.parametrize("text", ["0", str(2**63 - 1), str(-(2**63) + 1), "-1"])
def test_position_boundaries_accepted(text):
    assert nb.parse_position(text, "f", "x") == int(text)


def test_small_int_rejects_bool_and_float():
    for bad in (True, 6.0, "6"):
        with pytest.raises(InputError):
            nb.parse_small_int(bad, "f", "decimals", 0, 18)
    assert nb.parse_small_int(6, "f", "decimals", 0, 18) == 6
