"""snarkjs JSON reader/writer: exact layout, strict grammar, one-line errors naming the field.

The oracle is snarkjs itself: the committed files in ``vectors/snarkjs`` were written by
snarkjs 0.7.6, and ours must re-serialise them byte for byte (including ``vk_alphabeta_12``,
which needs the pairing in ffjavascript's F_p12 tower and normalisation).
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.test_verify_support import PROOF, PUBLIC, VECTORS, VK, vector_json, vector_objects
from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, P
from zkproof.errors import InputError, MalformedProof
from zkproof.field.fr import R
from zkproof.formats import snarkjs_json as sj

# --- exact layout ---------------------------------------------------------------------------------


def test_vector_files_reserialise_byte_for_byte():
    vk, public, proof = vector_objects()
    assert sj.dumps(sj.dump_vk(vk)) == (VECTORS / VK).read_text()
    assert sj.dumps(sj.dump_proof(proof)) == (VECTORS / PROOF).read_text()
    assert sj.dumps(sj.dump_public(public)) == (VECTORS / PUBLIC).read_text()


def test_alphabeta_differs_for_another_key():
    """Twin of the byte-exact test: vk_alphabeta_12 really depends on alpha and beta."""
    vk, _, _ = vector_objects()
    other = dataclasses.replace(vk, alpha_g1=G1_GENERATOR)
    assert sj.alphabeta_12(other) != vector_json(VK)["vk_alphabeta_12"]


def test_infinity_encodings_round_trip_at_point_level():
    assert sj.parse_g1(["0", "1", "0"], "f", "p") is None
    assert sj.parse_g2([["0", "0"], ["1", "0"], ["0", "0"]], "f", "p") is None
    assert sj.parse_g1(sj._g1(None), "f", "p") is None and sj._g1(G1_GENERATOR) == ["1", "2", "1"]
    assert sj.parse_g2(sj._g2(G2_GENERATOR), "f", "p") == G2_GENERATOR
    with pytest.raises(MalformedProof, match=r"f: p\[2\]: projective z"):
        sj.parse_g1(["1", "1", "0"], "f", "p")  # z = 0 but not the snarkjs infinity encoding


def test_write_json_is_atomic_and_exact(tmp_path):
    _, _, proof = vector_objects()
    out = tmp_path / "sub" / "proof.json"
    sj.write_json(out, sj.dump_proof(proof))
    assert out.read_text() == (VECTORS / PROOF).read_text()
    assert [p.name for p in out.parent.iterdir()] == ["proof.json"]


# --- number grammar (ATTACKS B2) -----------------------------------------------------------------

@pytest.mark.parametrize("text,value", [("0", 0), ("1", 1), (str(R - 1), R - 1)])
def test_parse_uint_accepts_canonical(text, value):
    assert sj.parse_uint(text, "f", "x", R, "r") == value


@pytest.mark.parametrize("text,reason", [
    (str(R), "not reduced below r"), (str(2**256 - 1), "not reduced below r"),
    ("1" + "0" * 78, "at most 78 digits"), ("00", "canonical decimal"), ("-0", "canonical decimal"),
    ("\uff15", "canonical decimal"), ("1\n", "canonical decimal")])
def test_parse_uint_rejects(text, reason):
    with pytest.raises(MalformedProof, match=reason) as e:
        sj.parse_uint(text, "f.json", "x[0]", R, "r")
    assert (e.value.file, e.value.field) == ("f.json", "x[0]")


def test_dump_public_never_reduces():
    assert sj.dump_public([0, R - 1]) == ["0", str(R - 1)]
    for bad in ([R], [-1], [True], [1.0]):
        with pytest.raises(ValueError, match=r"public\[0\]"):
            sj.dump_public(bad)


# --- load_json strictness (B2, B9, B10) ----------------------------------------------------------

@pytest.mark.parametrize("raw,reason", [

    (b'["1", NaN]', "NaN is not JSON"),
    (b'["1", Infinity]', "Infinity is not JSON"),
    (b'{"protocol": "groth16", "pi_a": ["1", "2"', "invalid JSON at line 1"),
    (b"", "invalid JSON at line 1"),
    (b'["1"] ["2"]', "Extra data"),
    (b'["\xff"]', "invalid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64"),
    (b"[" * 100_000, "nested deeper than 64"),
    (b"[" + b"9" * 5000 + b"]", "invalid JSON")])
def test_load_json_rejects(tmp_path, raw, reason):
    path = tmp_path / "x.json"
    path.write_bytes(raw)
    with pytest.raises(MalformedProof, match=reason) as e:
        sj.load_json(path)
    assert e.value.file == str(path) and e.value.field == "<json>" and "\n" not in str(e.value)


def test_load_json_rejects_duplicate_keys(tmp_path):
    """B10: Python would silently keep the last value."""
    path = tmp_path / "x.json"
    path.write_bytes(b'{"pi_a": 1, "pi_a": 2}')
    with pytest.raises(MalformedProof, match="pi_a: duplicate key"):
        sj.load_json(path)


def test_load_json_accepts_valid_and_missing_file_is_input_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_bytes(b' {"a": ["1", {"b": 2}]}\n')
    assert sj.load_json(path) == {"a": ["1", {"b": 2}]}
    with pytest.raises(InputError, match="cannot read") as e:
        sj.load_json(tmp_path / "missing.json")
    assert not isinstance(e.value, MalformedProof)


# --- structure of vk / proof / public ---------------------------------------------------------------

def _vk_with(**changes):
    vk = vector_json(VK)
    for k, v in changes.items():
        if v is ...:
            del vk[k]
        else:
            vk[k] = v
    return vk


@pytest.mark.parametrize("changes,field,reason", [
    ({"nPublic": 3}, "nPublic", "len(IC) - 1 = 2"),
    ({"nPublic": "2"}, "nPublic", "len(IC) - 1 = 2"),
    ({"nPublic": True}, "nPublic", "len(IC) - 1 = 2"),
    ({"nPublic": 2.0}, "nPublic", "len(IC) - 1 = 2"),
    ({"protocol": "plonk"}, "protocol", "expected 'groth16'"),
    ({"curve": "bls12381"}, "curve", "expected 'bn128'"),
    ({"IC": []}, "IC", "non-empty array"),
    ({"vk_gamma_2": ...}, "vk_gamma_2", "missing key"),
    ({"protocol": ...}, "protocol", "missing key"),
    ({"vk_beta_1": ["1", "2", "1"]}, "vk_beta_1", "unknown key"),
    ({"vk_alphabeta_12": [[["1", "2"]] * 3]}, "vk_alphabeta_12", "array of 2"),
    ({"vk_alphabeta_12": [[[str(P), "0"]] * 3] * 2}, "vk_alphabeta_12[0][0][0]", "below q"),
    ({sj.DEV_MARKER_KEY: "yes"}, sj.DEV_MARKER_KEY, "INSECURE-DEV-SETUP"),
])
def test_parse_vk_rejects(changes, field, reason):
    with pytest.raises(MalformedProof, match=re.escape(reason)) as e:
        sj.parse_vk(_vk_with(**changes), "vk.json")
    assert (e.value.file, e.value.field) == ("vk.json", field)


def test_parse_vk_accepts_without_alphabeta_and_dev_marker_round_trips():
    vk = sj.parse_vk(_vk_with(vk_alphabeta_12=...), "vk.json")
    assert vk == vector_objects()[0] and not vk.dev_setup
    dev = dataclasses.replace(vk, dev_setup=True)
    obj = sj.dump_vk(dev, with_alphabeta=False)
    assert obj[sj.DEV_MARKER_KEY] == sj.INSECURE_DEV_MARKER and list(obj)[-1] == sj.DEV_MARKER_KEY
    assert sj.parse_vk(obj, "vk.json") == dev
    assert sj.DEV_MARKER_KEY not in sj.dump_vk(vk, with_alphabeta=False)


@pytest.mark.parametrize("mutate,field,reason", [
    (lambda o: o.__setitem__("protocol", "plonk"), "protocol", "expected 'groth16'"),
    (lambda o: o.pop("protocol"), "protocol", "missing key"),
    (lambda o: o.pop("pi_c"), "pi_c", "missing key"),
    (lambda o: o.__setitem__("pi_z", o["pi_a"]), "pi_z", "unknown key"),
    (lambda o: o.__setitem__("pi_b", o["pi_b"][:2]), "pi_b", "array of 3"),
    (lambda o: o["pi_b"].__setitem__(0, o["pi_b"][0] + ["0"]), "pi_b[0]", "array of 2"),
    (lambda o: o["pi_b"].__setitem__(2, ["1", "1"]), "pi_b[2]", "projective z"),
])
def test_parse_proof_rejects(mutate, field, reason):
    obj = vector_json(PROOF)
    mutate(obj)
    with pytest.raises(MalformedProof, match=reason) as e:
        sj.parse_proof(obj, "proof.json")
    assert e.value.field == field


def test_parse_proof_accepts_without_curve():
    """rapidsnark writes no ``curve`` key; the proof is the same."""
    obj = vector_json(PROOF)
    del obj["curve"]
    assert sj.parse_proof(obj, "proof.json") == vector_objects()[2]


@pytest.mark.parametrize("obj", [{"0": "1"}, "750", None])
def test_parse_public_rejects_non_arrays(obj):
    with pytest.raises(MalformedProof, match="public: expected an array"):
        sj.parse_public(obj, "public.json")
    assert sj.parse_public([], "public.json") == []


def test_attacker_controlled_key_keeps_the_error_on_one_line():
    obj = vector_json(PROOF)
    obj["pi_a\nOK: proof is valid"] = "x"
    with pytest.raises(MalformedProof, match="unknown key in proof") as e:
        sj.parse_proof(obj, "proof.json")
    assert "\n" not in str(e.value)


# --- the committed vector is self-consistent (read with the r1cs/wtns readers) -------------------

def test_vector_witness_satisfies_r1cs_and_matches_public():
    from zkproof.formats.r1cs_file import read_r1cs
    from zkproof.formats.wtns_file import read_wtns

    r1cs = read_r1cs(VECTORS / "toy_solvency.r1cs")
    witness = read_wtns(VECTORS / "toy_solvency.wtns")
    vk, public, _ = vector_objects()
    assert r1cs.n_public == vk.n_public == 2
    assert witness[0] == 1 and witness[1:3] == public == [750, 1000]
    assert r1cs.first_unsatisfied(witness) is None
    witness[4] = (witness[4] + 1) % R  # twin: a changed private wire breaks a constraint
    assert r1cs.first_unsatisfied(witness) is not None
