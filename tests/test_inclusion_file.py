"""``zkproof.formats.inclusion_file`` parses a holder's record strictly (ATTACKS B11, SPEC §6):
the record comes from the protocol, the party being checked, so every sibling hash and sum is
one ASCII decimal spelling, read as written, and any other spelling is an ``InputError`` naming
the field, never a crash and never a value read some other way."""

from __future__ import annotations

import pytest

from zkproof.errors import InputError
from zkproof.formats.inclusion_file import parse_nodes as _nodes


@pytest.mark.parametrize("spelling", ["2", "10"])
def test_inclusion_sibling_ascii_decimal_is_read(spelling):
    """Twin of the test below: an ASCII decimal sibling hash and sums are read as written."""
    [n] = _nodes([{"hash": spelling, "sums": ["1", spelling]}], "rec", "path", 2, 1, 64)
    assert n.hash == int(spelling) and n.sums == (1, int(spelling))


@pytest.mark.parametrize("spelling", ["\u00b2", "\u0663"])
def test_inclusion_sibling_non_ascii_digits_are_input_errors(spelling):
    """B11/SPEC §6: a record's sibling value spelled with non-ASCII digits (superscript '²',
    which ``int()`` refuses, or Arabic-Indic '٣', which ``int()`` reads as 3) is refused with an
    InputError naming ``path[0]``, like every other malformed record field."""
    with pytest.raises(InputError) as e:
        _nodes([{"hash": spelling, "sums": ["1", "2"]}], "rec", "path", 2, 1, 64)
    assert e.value.field.startswith("path[0]")
