"""Round-trip properties of ``formats.zkey_file`` (eth-abi ``test_reversibility_properties``).

* write(read(x)) == x for keys with random extra sections in random positions;
* any mutated or truncated image either reads (and then re-serializes to itself) or raises
  ``InputError`` -- never another exception.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkproof.errors import InputError
from zkproof.formats.binfile import build_binfile, read_binfile
from zkproof.formats.zkey_file import read_zkey, zkey_bytes
from zkproof.groth16.setup import ToxicWaste, dev_setup
from zkproof.r1cs import ConstraintSystem


@pytest.fixture(scope="module")
def image() -> bytes:
    cs = ConstraintSystem()
    y = cs.public("y")
    a, b = cs.private("a"), cs.private("b")
    ab = cs.hint(lambda u, v: u * v, [a, b], name="ab")
    cs.enforce(a, b, ab, name="mul")
    cs.enforce(ab + 3 * a, cs.ONE, y, name="out")
    return zkey_bytes(dev_setup(cs.to_r1cs(), ToxicWaste(2, 3, 4, 5, 6), quiet=True))


_settings = settings(max_examples=20, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@_settings
@given(extra=st.dictionaries(st.integers(11, 98), st.binary(max_size=40), max_size=3),
       data=st.data())
def test_round_trip_with_extra_sections(image, extra, data):
    bf = read_binfile("<mem>", b"zkey", 1, image)
    order = list(bf.order)
    for kind in extra:
        order.insert(data.draw(st.integers(0, len(order))), kind)
    sections = {**{k: bytes(v) for k, v in bf.sections.items()}, **extra}
    blob = build_binfile(b"zkey", 1, [(k, sections[k]) for k in order])
    pk = read_zkey("k.zkey", blob)
    assert pk.extra["unknown_sections"] == extra
    assert zkey_bytes(pk) == blob


@_settings
@given(data=st.data())
def test_mutated_image_reads_consistently_or_raises_input_error(image, data):
    blob = bytearray(image)
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(blob) - 1))
        blob[pos] ^= data.draw(st.integers(1, 255))
    if data.draw(st.booleans()):
        blob = blob[:data.draw(st.integers(0, len(blob)))]
    try:
        pk = read_zkey("m.zkey", bytes(blob))
    except InputError as e:
        assert str(e).startswith("m.zkey: ") and "\n" not in str(e)
        return
    assert zkey_bytes(pk) == bytes(blob)
