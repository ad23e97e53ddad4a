"""Transcript primitives against independent references: hashlib (blake2b), ffjavascript
(ChaCha, fromRng, point encodings, noble's blake2b midstate) via node, and hashlib.sha256."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkproof.ceremony import transcript as tr
from zkproof.curve.bn254 import (
    G1_GENERATOR,
    G2_GENERATOR,
    g1_mul,
    g2_mul,
    in_g2_subgroup,
    is_on_curve_g1,
    is_on_curve_g2,
)

SEED = [1, 2, 3, 4, 5, 6, 7, 0xFFFFFFFF]
# Known answers produced by ffjavascript 0.3 (ChaCha, Fr/G1/G2.fromRng) from SEED, drawn in order.
KAT_U32 = [2843426090, 702634182, 1546719747, 3696494269]
KAT_FR = 1228521959810308207412999274047637700870195625213183691101299736449920413101
KAT_G1 = (20558164382258880586345644507460057479147638433254312354154576806875584817629,
          21359412215486673832654807512501274387626956169881319077144854373173357782516)
KAT_G2 = ((9506272160673723963972595598182368374609082070454483614303663632104455210852,
           20946418263072305448917210753229503690240867804307414910563573476874790523729),
          (15698963777069569339509727316988106637302052396831514295765680402341638285794,
           21459592094610757547512558076323434227001214255993714682984948698098900801382))


@given(st.binary(max_size=700), st.integers(0, 700))
def test_blake2b_matches_hashlib_for_any_split(data: bytes, cut: int) -> None:
    """Blake2b: digest of any two-part update equals hashlib.blake2b(digest_size=64)."""
    h = tr.Blake2b().update(data[:cut]).update(data[cut:])
    assert h.digest() == hashlib.blake2b(data, digest_size=64).digest()


@given(st.binary(max_size=600), st.binary(max_size=300))
def test_partial_hash_round_trip_resumes_the_same_hash(head: bytes, tail: bytes) -> None:
    """A midstate exported and re-imported continues to the same digest."""
    h = tr.Blake2b().update(head)
    part = h.to_partial()
    assert len(part) == 216
    assert tr.Blake2b.from_partial(part).update(tail).digest() == tr.blake2b(head, tail)


def test_partial_hash_rejects_bad_sizes_and_positions() -> None:
    with pytest.raises(ValueError, match="216"):
        tr.Blake2b.from_partial(bytes(215))
    bad = bytearray(tr.Blake2b().update(b"x").to_partial())
    bad[128 + 18 * 4] = 200  # pos > 128
    with pytest.raises(ValueError, match="position"):
        tr.Blake2b.from_partial(bytes(bad))


def test_chacha_and_from_rng_known_answers() -> None:
    rng = tr.ChaCha(SEED)
    assert [rng.next_u32() for _ in range(4)] == KAT_U32
    rng = tr.ChaCha(SEED)
    assert tr.fr_from_rng(rng) == KAT_FR
    assert tr.g1_from_rng(rng) == KAT_G1
    g2 = tr.g2_from_rng(rng)
    assert g2 == KAT_G2
    assert is_on_curve_g2(g2) and in_g2_subgroup(g2)


def test_from_rng_differs_for_another_seed() -> None:
    rng = tr.ChaCha(SEED[:-1] + [0])
    assert tr.fr_from_rng(rng) != KAT_FR
    assert tr.g1_from_rng(rng) != KAT_G1


def test_fq2_sqrt_roots_and_non_squares() -> None:
    for k in range(1, 6):
        y = g2_mul(G2_GENERATOR, k)[1]
        sq = tr._fq2_mul(y, y)
        root = tr.fq2_sqrt(sq)
        assert root is not None and tr._fq2_mul(root, root) == sq
    assert tr.fq2_sqrt((3, 1)) is None or tr._fq2_mul(tr.fq2_sqrt((3, 1)), tr.fq2_sqrt((3, 1))) == (3, 1)
    non_squares = [a for a in ((i, 1) for i in range(2, 30)) if tr.fq2_sqrt(a) is None]
    assert non_squares, "half of F_p2 are non-squares"


def test_beacon_rng_is_iterated_sha256() -> None:
    h = bytes.fromhex("00ff")
    cur = h
    for _ in range(1 << 10):
        cur = hashlib.sha256(cur).digest()
    assert tr.rng_from_beacon(h, 10).next_u32() == tr.ChaCha.from_hash(cur).next_u32()
    assert tr.rng_from_beacon(h, 11).next_u32() != tr.ChaCha.from_hash(cur).next_u32()
    with pytest.raises(ValueError, match="numIterationsExp"):
        tr.rng_from_beacon(h, 64)


def test_encodings_shape() -> None:
    p = g1_mul(G1_GENERATOR, 5)
    assert tr.g1_uncompressed(p) == p[0].to_bytes(32, "big") + p[1].to_bytes(32, "big")
    assert tr.g1_compressed(None)[0] == 0x40 and tr.g1_uncompressed(None) == bytes(64)
    neg = (p[0], tr.P - p[1])
    assert tr.g1_compressed(p)[0] & 0x80 != tr.g1_compressed(neg)[0] & 0x80
    assert is_on_curve_g1(tr.g1_from_rng(tr.ChaCha(SEED)))


ORACLE = r"""
const ff = require("ffjavascript");
const {blake2b} = require("@noble/hashes/blake2b");
(async () => {
  const misc = await import(process.argv[1]);
  const curve = await ff.buildBn128(true);
  const b = (a) => Buffer.from(a).toString("hex");
  const P1 = curve.G1.toAffine(curve.G1.timesScalar(curve.G1.g, 12345678901234567890n));
  const P2 = curve.G2.toAffine(curve.G2.timesScalar(curve.G2.g, 98765432109876543210n));
  const c1 = new Uint8Array(32), c2 = new Uint8Array(64);
  curve.G1.toRprCompressed(c1, 0, P1); curve.G2.toRprCompressed(c2, 0, P2);
  const h = blake2b.create({dkLen: 64});
  const data = new Uint8Array(1000); for (let i = 0; i < 1000; i++) data[i] = (i * 7) & 255;
  h.update(data.subarray(0, 64)); h.update(new Uint8Array(data.subarray(64, 1000)));
  const rng = new ff.ChaCha([9, 8, 7, 6, 5, 4, 3, 2]);
  const g2 = curve.G2.toObject(curve.G2.toAffine(curve.G2.fromRng(rng))).map(x => x.map(String));
  console.log(JSON.stringify({p1u: b(curve.G1.toUncompressed(P1)), p2u: b(curve.G2.toUncompressed(P2)),
    p1c: b(c1), p2c: b(c2), part: b(misc.toPartialHash(h)), g2}));
  process.exit(0);
})();
"""


@pytest.mark.interop
def test_against_ffjavascript_and_noble(npm_tools) -> None:
    misc = npm_tools.module_path("snarkjs", "src", "misc.js")
    o = json.loads(npm_tools.run_node_script(ORACLE, str(misc)))
    p1, p2 = g1_mul(G1_GENERATOR, 12345678901234567890), g2_mul(G2_GENERATOR, 98765432109876543210)
    assert tr.g1_uncompressed(p1).hex() == o["p1u"]
    assert tr.g2_uncompressed(p2).hex() == o["p2u"]
    assert tr.g1_compressed(p1).hex() == o["p1c"]
    assert tr.g2_compressed(p2).hex() == o["p2c"]
    data = bytes((i * 7) & 255 for i in range(1000))
    h = tr.Blake2b().update(data[:64]).update(data[64:])
    assert h.to_partial().hex() == o["part"]  # byte-exact midstate, stale buffer bytes included
    g2 = tr.g2_from_rng(tr.ChaCha([9, 8, 7, 6, 5, 4, 3, 2]))
    assert [[str(c) for c in g2[0]], [str(c) for c in g2[1]]] == o["g2"][:2]
