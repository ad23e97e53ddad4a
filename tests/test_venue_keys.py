"""``prover.venue_keys``: the venue keys directory's shape file round-trips and refuses what no
key set can be (tiers out of order, a narrow tier that is not the shape's, unknown fields)."""

from __future__ import annotations

import json

import pytest

from zkproof.errors import InputError
from zkproof.prover.venue_keys import (
    SHAPE_FILE,
    VenueKeyShape,
    is_venue_keys,
    key_name,
    load_key_shape,
    save_key_shape,
)
from zkproof.venue import VenueEpochShape, VenueShape

KS = VenueKeyShape(VenueEpochShape(VenueShape(i_max=16, a_max=8, p=2, b=2, k=2, capacity=4), 4), (2, 8))


def test_shape_file_round_trips(tmp_path):
    assert not is_venue_keys(tmp_path)
    save_key_shape(tmp_path, KS)
    assert is_venue_keys(tmp_path) and load_key_shape(tmp_path) == KS
    assert [key_name(s) for s in KS.tier_shapes()] == ["batch_p2", "batch_p8"]
    assert KS.tier(8).p == 8 and KS.tier(8).i_max == 16


def test_a_tier_the_keys_lack_is_refused():
    with pytest.raises(InputError, match="no tier with P = 4"):
        KS.tier(4)


@pytest.mark.parametrize("change, field", [
    ({"tiers": [8, 2]}, "tiers"),
    ({"tiers": []}, "tiers"),
    ({"i_max": 12}, "i_max"),
    ({"extra": 1}, "shape"),
])
def test_bad_shape_file_is_refused(tmp_path, change, field):
    raw = {**KS.to_json(), **change}
    (tmp_path / SHAPE_FILE).write_text(json.dumps(raw))
    with pytest.raises(InputError) as e:
        load_key_shape(tmp_path)
    assert e.value.field == field and e.value.file.endswith(SHAPE_FILE)
