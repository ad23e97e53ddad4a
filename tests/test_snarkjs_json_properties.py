"""Properties of the snarkjs JSON reader/writer (eth-abi ``_properties.py`` style).

* Round trip: ``parse(dump(x)) == x`` for points, proofs, keys and public inputs.
* Canonicity: any string either parses to an int whose decimal form is that very string, or
  raises ``MalformedProof`` -- one number, one spelling.
* Mutation: any single-byte edit of a snarkjs-written file either parses to the same value or
  raises ``MalformedProof`` (never another exception, never a different accepted value); for
  ``public.json``, where a digit edit is a different but well-formed input, the verifier then
  returns False.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import fr_elements
from tests.test_verify_support import PROOF, PUBLIC, VECTORS, VK, vector_objects
from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, P, g1_mul, g2_mul
from zkproof.errors import MalformedProof
from zkproof.field.fr import R
from zkproof.formats import snarkjs_json as sj
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.groth16.verify import verify

nonzero_scalars = st.integers(1, R - 1)
g1_points = nonzero_scalars.map(lambda k: g1_mul(G1_GENERATOR, k))
g2_points = nonzero_scalars.map(lambda k: g2_mul(G2_GENERATOR, k))


@given(g1_points, g2_points)
def test_points_round_trip(p1, p2):
    """Point: parse(dump(P)) == P in G1 and G2."""
    assert sj.parse_g1(sj._g1(p1), "f", "p") == p1
    assert sj.parse_g2(sj._g2(p2), "f", "p") == p2


@given(g1_points, g2_points, g1_points)
def test_proof_round_trip(a, b, c):
    """Proof: parse_proof(load(dumps(dump_proof(pi)))) == pi."""
    proof = Proof(a, b, c)
    assert sj.parse_proof(sj.dump_proof(proof), "proof.json") == proof


@settings(max_examples=10)
@given(g1_points, st.lists(g1_points, min_size=1, max_size=4), st.booleans())
def test_vk_round_trip(alpha, ic, dev):
    """VerifyingKey: parse_vk(dump_vk(vk)) == vk, including the dev marker."""
    vk0 = vector_objects()[0]
    vk = VerifyingKey(alpha, vk0.beta_g2, vk0.gamma_g2, vk0.delta_g2, ic, dev)
    assert sj.parse_vk(sj.dump_vk(vk, with_alphabeta=False), "vk.json") == vk


@given(st.lists(fr_elements(), max_size=8))
def test_public_round_trip(values):
    """Public inputs: parse_public(dump_public(x)) == x for every list of field elements."""
    assert sj.parse_public(sj.dump_public(values), "public.json") == values


@given(st.one_of(st.text(max_size=90), st.text("0123456789", max_size=80),
                 st.integers(0, 2**300).map(str)))
def test_one_number_one_spelling(text):
    """parse_uint(s) either returns n with str(n) == s and n < modulus, or raises MalformedProof."""
    try:
        n = sj.parse_uint(text, "f", "x", P, "q")
    except MalformedProof as e:
        assert e.file == "f" and e.field == "x"
        assert not (text.isascii() and text.isdigit() and str(int(text)) == text and int(text) < P)
    else:
        assert str(n) == text and 0 <= n < P


def _mutate(data: bytes, op: str, pos: int, byte: int) -> bytes:
    pos %= len(data) + (op == "insert")
    if op == "replace":
        return data[:pos] + bytes([byte]) + data[pos + 1:]
    if op == "insert":
        return data[:pos] + bytes([byte]) + data[pos:]
    return data[:pos] + data[pos + 1:]


mutations = st.tuples(st.sampled_from(["replace", "insert", "delete"]), st.integers(0, 10**6),
                      st.one_of(st.sampled_from(b'0123456789"[]{},: \n-+.eE'), st.integers(0, 255)))
PARSERS = {VK: sj.parse_vk, PROOF: sj.parse_proof, PUBLIC: sj.parse_public}


def _reparse(tmp_path, name: str, mutation) -> object:
    path = tmp_path / name
    path.write_bytes(_mutate((VECTORS / name).read_bytes(), *mutation))
    return PARSERS[name](sj.load_json(path), str(path))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([VK, PROOF]), mutations)
def test_mutated_key_or_proof_parses_same_or_is_malformed(tmp_path, name, mutation):
    """Mutated vk/proof JSON: same value, or MalformedProof -- nothing else."""
    original = vector_objects()[0 if name == VK else 2]
    try:
        value = _reparse(tmp_path, name, mutation)
    except MalformedProof as e:
        assert "\n" not in str(e)
    else:
        assert value == original


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations)
def test_mutated_public_parses_same_is_malformed_or_invalid(tmp_path, mutation):
    """Mutated public.json: same values, MalformedProof, or values the verifier rejects."""
    vk, public, proof = vector_objects()
    try:
        value = _reparse(tmp_path, PUBLIC, mutation)
    except MalformedProof:
        return
    if value != public:
        try:
            assert verify(vk, value, proof) is False
        except MalformedProof as e:  # e.g. a digit deleted: one input fewer
            assert e.field == "public"
