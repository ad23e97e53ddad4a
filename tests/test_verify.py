"""The pure-Python Groth16 verifier against ATTACKS B1-B8, C1 and C6 (verify part).

Every case starts from the committed snarkjs vector (``vectors/snarkjs``: a circom circuit with
circomlib gadgets, proved by snarkjs 0.7.6), so the default suite needs no npm tool; the same
mutations are replayed against snarkjs itself in ``test_interop_verify.py``.
Verdicts map to the CLI's exit codes: valid 0, invalid 1, malformed 2, insecure 3.
"""

from __future__ import annotations

import dataclasses

import pytest
from py_ecc import optimized_bn128 as ob
from py_ecc.fields import optimized_bn128_FQ as FQ

from tests.test_verify_support import (
    PROOF,
    PUBLIC,
    VK,
    classify,
    twist_point_outside_g2,
    vector_json,
    vector_objects,
    write_case,
)
from zkproof.curve.bn254 import G2_GENERATOR, P, g1_neg, g2_to_py_ecc, in_g2_subgroup
from zkproof.curve.pairing import pairing_product_is_one
from zkproof.errors import InsecureSetup, MalformedProof
from zkproof.field.fr import R
from zkproof.formats import snarkjs_json as sj
from zkproof.groth16.keys import Proof
from zkproof.groth16.verify import (
    Sources,
    pairing_check,
    prepare_inputs,
    verify,
    verify_files,
)


def _files_verdict(tmp_path, **case):
    return classify(verify_files, *write_case(tmp_path, **case))


def _assert_malformed(tmp_path, field: str, reason: str, **case) -> None:
    verdict, err = _files_verdict(tmp_path, **case)
    assert verdict == "malformed", (verdict, err)
    assert isinstance(err, MalformedProof) and err.field == field and reason in err.reason, str(err)
    assert "\n" not in str(err) and str(err).startswith(str(tmp_path))


# --- the good case (and its timing, for the report) -----------------------------------------

def test_snarkjs_vector_verifies(tmp_path):
    assert classify(verify_files, *write_case(tmp_path)) == ("valid", None)


def test_wrong_public_input_is_invalid_not_malformed():
    vk, public, proof = vector_objects()  # verifies: test_snarkjs_vector_verifies
    assert verify(vk, [public[0] + 1, public[1]], proof) is False
    assert verify(vk, public, Proof(proof.a, proof.b, g1_neg(proof.c))) is False


# --- B1 public_input_plus_r ---------------------------------------------------------------------

@pytest.mark.parametrize("shift", [R, 2 * R, "max"])
def test_public_input_plus_r(tmp_path, shift):
    public = vector_json(PUBLIC)
    value = 2**256 - 1 if shift == "max" else int(public[0]) + shift
    public[0] = str(value)
    _assert_malformed(tmp_path, "public[0]", "not reduced below r", public=public)
    vk, values, proof = vector_objects()
    with pytest.raises(MalformedProof, match=r"public\[0\]: not reduced below r"):
        verify(vk, [value, values[1]], proof)


def test_public_input_plus_r_passes_a_reducing_verifier():
    """Why B1 matters: x + r is the same scalar, so a verifier that reduces accepts it."""
    vk, values, proof = vector_objects()
    assert pairing_check(vk, prepare_inputs(vk, [values[0] + R, values[1]]), proof) is True


# --- B2 noncanonical_numbers ----------------------------------------------------------------------

NONCANONICAL = ["-1", "+5", " 5", "5 ", "0x05", "5.0", "4_2", "05", "", "1e3", "\u0665",
                "5\n", "9" * 5000, 5, 1e3, True, None, ["5"], {"v": "5"}]


@pytest.mark.parametrize("bad", NONCANONICAL, ids=repr)
def test_noncanonical_numbers(tmp_path, bad):
    public = vector_json(PUBLIC)
    public[1] = bad
    _assert_malformed(tmp_path / "pub", "public[1]", "expected", public=public)
    proof = vector_json(PROOF)
    proof["pi_a"][0] = bad
    _assert_malformed(tmp_path / "proof", "pi_a[0]", "expected", proof=proof)
    vk = vector_json(VK)
    vk["IC"][1][1] = bad
    _assert_malformed(tmp_path / "vk", "IC[1][1]", "expected", vk=vk)


@pytest.mark.parametrize("text", ['["750", NaN]', '["750", Infinity]', '["750", -Infinity]',
                                  '["750", ' + "9" * 5000 + "]", '["750", "1000"'])
def test_noncanonical_numbers_in_raw_json(tmp_path, text):
    _assert_malformed(tmp_path, "<json>", "invalid JSON", raw={PUBLIC: text})


def test_negative_scalar_never_reaches_py_ecc():
    vk, values, proof = vector_objects()
    with pytest.raises(MalformedProof, match=r"public\[0\]: not reduced below r: got -1"):
        verify(vk, [-1, values[1]], proof)
    with pytest.raises(MalformedProof, match=r"public\[1\]: expected an integer"):
        verify(vk, [values[0], True], proof)


# --- B3 public_input_count -------------------------------------------------------------------------

@pytest.mark.parametrize("public", [["750"], ["750", "1000", "0"], []], ids=len)
def test_public_input_count(tmp_path, public):
    _assert_malformed(tmp_path, "public", f"expected 2 public inputs, got {len(public)}",
                      public=public)


def test_public_input_count_missing_zero_is_not_implied(tmp_path):
    """A trailing 0 dropped must not mean "the rest are zero" (snarkjs has no count check)."""
    vk, values, proof = vector_objects()
    with pytest.raises(MalformedProof, match="expected 2 public inputs, got 1"):
        verify(vk, values[:1], proof)


# --- B4 coordinate_not_reduced ----------------------------------------------------------------------

@pytest.mark.parametrize("file,path,field", [
    (PROOF, ("pi_a", 0), "pi_a[0]"), (PROOF, ("pi_b", 1, 0), "pi_b[1][0]"),
    (VK, ("vk_alpha_1", 1), "vk_alpha_1[1]"), (VK, ("vk_gamma_2", 0, 1), "vk_gamma_2[0][1]"),
    (VK, ("IC", 2, 0), "IC[2][0]")])
def test_coordinate_not_reduced(tmp_path, file, path, field):
    obj = vector_json(file)
    node = obj
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = str(int(node[path[-1]]) + P)
    case = {"proof": obj} if file == PROOF else {"vk": obj}
    _assert_malformed(tmp_path, field, "not reduced below q", **case)


def test_coordinate_not_reduced_in_memory_and_py_ecc_would_reduce():
    vk, values, proof = vector_objects()
    x, y = proof.a
    assert FQ(x + P) == FQ(x)  # py_ecc reduces silently: the check must be ours
    bad = Proof((x + P, y), proof.b, proof.c)
    with pytest.raises(MalformedProof, match="pi_a: coordinate not reduced below q"):
        verify(vk, values, bad)


# --- B5 point_off_curve ------------------------------------------------------------------------------

def _off_curve_cases():
    return [("pi_a", PROOF, lambda o: o.__setitem__("pi_a", ["1", "3", "1"])),
            ("pi_c", PROOF, lambda o: o["pi_c"].__setitem__(1, str((int(o["pi_c"][1]) + 1) % P))),
            ("pi_b", PROOF, lambda o: o["pi_b"][1].__setitem__(0, str((int(o["pi_b"][1][0]) + 1) % P))),
            ("vk_alpha_1", VK, lambda o: o["vk_alpha_1"].__setitem__(0, "1"))]


@pytest.mark.parametrize("field,file,mutate", _off_curve_cases(),
                         ids=lambda c: c if isinstance(c, str) else "")
def test_point_off_curve(tmp_path, field, file, mutate):
    obj = vector_json(file)
    mutate(obj)
    _assert_malformed(tmp_path, field, "not on curve", **({"proof": obj} if file == PROOF else {"vk": obj}))


def test_point_off_curve_in_memory():
    vk, values, proof = vector_objects()
    with pytest.raises(MalformedProof, match="pi_a: not on curve"):
        verify(vk, values, Proof((1, 3), proof.b, proof.c))
    vk.alpha_g1 = (1, 3)
    with pytest.raises(MalformedProof, match="vk_alpha_1: not on curve"):
        verify(vk, values, proof)


# --- B6 g2_not_in_subgroup -----------------------------------------------------------------------------

def test_g2_not_in_subgroup(tmp_path):
    pt = twist_point_outside_g2()
    assert not in_g2_subgroup(pt)
    # py_ecc pairs it without complaint (measured): only our check stands in the way.
    assert ob.is_on_curve(g2_to_py_ecc(pt), ob.b2)
    pairing_product_is_one([((1, 2), pt)])
    as_json = sj.dump_proof(Proof((1, 2), pt, (1, 2)))["pi_b"]
    proof = vector_json(PROOF)
    proof["pi_b"] = as_json
    _assert_malformed(tmp_path / "p", "pi_b", "not in G2 subgroup", proof=proof)
    vk = vector_json(VK)
    vk["vk_delta_2"] = as_json
    _assert_malformed(tmp_path / "k", "vk_delta_2", "not in G2 subgroup", vk=vk)


def test_g2_not_in_subgroup_in_memory():
    vk, values, proof = vector_objects()
    with pytest.raises(MalformedProof, match="pi_b: not in G2 subgroup"):
        verify(vk, values, Proof(proof.a, twist_point_outside_g2(), proof.c))
    for name in ("beta_g2", "gamma_g2"):
        bad = dataclasses.replace(vk, **{name: twist_point_outside_g2()})
        with pytest.raises(MalformedProof, match=f"{sj.JSON_NAME[name]}: not in G2 subgroup"):
            verify(bad, values, proof)


# --- B7 identity_points ----------------------------------------------------------------------------------

G1_INF, G2_INF = ["0", "1", "0"], [["0", "0"], ["1", "0"], ["0", "0"]]


@pytest.mark.parametrize("file,key,value,field,reason", [
    (PROOF, "pi_a", ["0", "0", "1"], "pi_a", "not on curve"),
    (PROOF, "pi_c", G1_INF, "pi_c", "point at infinity"),
    (PROOF, "pi_b", G2_INF, "pi_b", "point at infinity"),
    (VK, "vk_delta_2", G2_INF, "vk_delta_2", "point at infinity"),
    (VK, "vk_alpha_1", G1_INF, "vk_alpha_1", "point at infinity"),
    (PROOF, "pi_a", ["0", "0", "0"], "pi_a[2]", 'projective z must be "1"'),
    (PROOF, "pi_a", "z=2", "pi_a[2]", 'projective z must be "1"'),
    (PROOF, "pi_b", "z=2", "pi_b[2]", 'projective z must be ["1", "0"]'),
    (PROOF, "pi_a", "drop z", "pi_a", "expected an array of 3"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_identity_points(tmp_path, file, key, value, field, reason):
    obj = vector_json(file)
    if value == "z=2":
        obj[key][2] = "2" if key != "pi_b" else ["2", "0"]
    elif value == "drop z":
        obj[key] = obj[key][:2]
    else:
        obj[key] = value
    _assert_malformed(tmp_path, field, reason, **({"proof": obj} if file == PROOF else {"vk": obj}))


def test_identity_points_ic(tmp_path):
    vk = vector_json(VK)
    vk["IC"][2] = G1_INF
    _assert_malformed(tmp_path, "IC[2]", "point at infinity", vk=vk)


def test_identity_points_in_memory():
    vk, values, proof = vector_objects()
    for bad, field in ((Proof(None, proof.b, proof.c), "pi_a"), (Proof((0, 0), proof.b, proof.c), "pi_a"),
                       (Proof(proof.a, None, proof.c), "pi_b"),
                       (Proof(proof.a, ((0, 0), (0, 0)), proof.c), "pi_b"),
                       (Proof(proof.a, proof.b, None), "pi_c")):
        with pytest.raises(MalformedProof, match=f"{field}: .*infinity"):
            verify(vk, values, bad)
    for key in ({"ic": [vk.ic[0], None, vk.ic[2]]}, {"delta_g2": None}):
        with pytest.raises(MalformedProof, match="infinity"):
            verify(dataclasses.replace(vk, **key), values, proof)


# --- B8 g2_limb_order --------------------------------------------------------------------------------------

def test_g2_limb_order(tmp_path):
    proof = vector_json(PROOF)
    proof["pi_b"] = [c[::-1] for c in proof["pi_b"][:2]] + [proof["pi_b"][2]]
    _assert_malformed(tmp_path / "p", "pi_b", "not on curve", proof=proof)
    vk = vector_json(VK)
    vk["vk_beta_2"] = [c[::-1] for c in vk["vk_beta_2"][:2]] + [vk["vk_beta_2"][2]]
    _assert_malformed(tmp_path / "k", "vk_beta_2", "not on curve", vk=vk)


# --- C1 zero_contribution_key (verify part) --------------------------------------------------------------

def test_zero_contribution_key_forgery():
    """Under gamma == delta, A = alpha, B = beta, C = -vk_x passes the pairing equation for
    ANY public input (shown with a naive check), and our verifier refuses the key."""
    vk, _, _ = vector_objects()
    weak = dataclasses.replace(vk, delta_g2=vk.gamma_g2)
    forged_inputs = [12345, 67890]  # not a statement anyone proved
    vk_x = prepare_inputs(weak, forged_inputs)
    forged = Proof(weak.alpha_g1, weak.beta_g2, g1_neg(vk_x))
    assert pairing_check(weak, vk_x, forged) is True  # the naive verifier is fooled
    with pytest.raises(InsecureSetup, match="gamma == delta: insecure setup"):
        verify(weak, forged_inputs, forged)
    # the same forgery under the real key (gamma != delta) is simply invalid
    naive = Proof(vk.alpha_g1, vk.beta_g2, g1_neg(prepare_inputs(vk, forged_inputs)))
    assert verify(vk, forged_inputs, naive) is False


def test_zero_contribution_key_files(tmp_path):
    vk = vector_json(VK)
    vk["vk_delta_2"] = vk["vk_gamma_2"]
    assert _files_verdict(tmp_path / "a", vk=vk)[0] == "insecure"
    vk["vk_gamma_2"] = vk["vk_beta_2"]  # gamma != delta, but delta is still the G2 generator
    assert sj.parse_vk(vk, VK).delta_g2 == G2_GENERATOR
    verdict, err = _files_verdict(tmp_path / "b", vk=vk)
    assert verdict == "insecure" and "delta == G2 generator" in str(err)


# --- C6 dev_setup_is_loud (verify part) -------------------------------------------------------------------

def test_dev_key_refused_unless_allowed(tmp_path):
    vk = vector_json(VK)
    vk[sj.DEV_MARKER_KEY] = sj.INSECURE_DEV_MARKER
    paths = write_case(tmp_path, vk=vk)
    verdict, err = classify(verify_files, *paths)
    assert verdict == "insecure" and sj.INSECURE_DEV_MARKER in str(err)
    assert classify(verify_files, *paths, allow_dev=True) == ("valid", None)


def test_sources_name_the_files_in_errors():
    vk, values, proof = vector_objects()
    with pytest.raises(MalformedProof, match=r"^my-public\.json: public: expected 2"):
        verify(vk, values[:1], proof, sources=Sources(public="my-public.json"))
