"""Our verifier against snarkjs 0.7.6 on a fresh circom + snarkjs build, case by case (ATTACKS B, C1, C6).

A circom2 circuit with circomlib gadgets (``scripts/vectors/gen_snarkjs_vectors.py``) is set up
and proved by snarkjs; each ATTACKS mutation is then judged by ours (``verify_files``: exit
0 valid / 1 invalid / 2 malformed / 3 insecure) and by snarkjs' ``groth16.verify`` (``true`` /
``false`` / a thrown error), all snarkjs cases in one node process. Measured verdicts, pinned
below, with the reason snarkjs reaches its own:

| case | ours | snarkjs | why snarkjs |
|---|---|---|---|
| valid proof | 0 | true | |
| B1 public + r, + 2r, 2^256-1 | 2 | false | ``publicInputsAreValid`` (< r), since CVE-2023-33252 |
| B2 public as ``"0x2ee"`` (= 750) | 2 | **true** | ``unstringifyBigInts`` reads hex |
| B2 public as ``"0750"`` / bare number 750 | 2 | **true** | ``BigInt("0750")``; numbers pass through |
| B2 public ``"-1"`` | 2 | false | left a string; ``Scalar.geq("-1", 0)`` is false |
| B3 one input fewer / none, proof of ``[0, 0]`` | 2 | **true** | no count check: missing inputs act as 0 |
| B3 one input more | 2 | error | ``IC[n+1]`` is undefined |
| B4 pi_a.x + q | 2 | **true** | ``F.fromObject`` reduces mod q |
| B5 pi_a = (1, 3) | 2 | false | ``G1.isValid`` (on curve) |
| B6 pi_b outside G2 | 2 | false | on-twist only, no subgroup check: refused by the pairing alone |
| B7 pi_c = infinity | 2 | false | ``isValid(O)`` is true; the pairing fails |
| B7 pi_a with z = "2" | 2 | false | read as projective (x/z, y/z): off curve |
| B8 pi_b limbs swapped | 2 | false | off the twist |
| B10 duplicate ``pi_a`` key, last one valid | 2 | **true** | ``JSON.parse`` keeps the last |
| C1 forged ``(alpha, beta, -vk_x)``, key of ``groth16 setup`` (gamma = delta) | 3 | **true** | no key check |
| C6 dev-marked key, no ``--allow-dev`` | 3 | true | unknown keys ignored |
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import pytest

from tests.test_verify_support import EXIT, PROOF, PUBLIC, VK, classify, twist_point_outside_g2
from zkproof.curve.bn254 import P, g1_neg
from zkproof.field.fr import R
from zkproof.formats import snarkjs_json as sj
from zkproof.groth16.keys import Proof
from zkproof.groth16.verify import prepare_inputs, verify_files

pytestmark = pytest.mark.interop

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("gen_snarkjs_vectors",
                                               REPO / "scripts" / "vectors" / "gen_snarkjs_vectors.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

SNARKJS_VERIFY_MANY = """
const snarkjs = require("snarkjs");
const fs = require("fs");
(async () => {
  const cases = JSON.parse(fs.readFileSync(process.argv[process.argv.length - 1], "utf8"));
  const out = {};
  for (const [name, c] of Object.entries(cases)) {
    try {
      const res = await snarkjs.groth16.verify(JSON.parse(c[0]), JSON.parse(c[1]), JSON.parse(c[2]));
      out[name] = String(res);
    } catch (e) { out[name] = "error: " + String((e && e.message) || e).split("\\n")[0]; }
  }
  console.log(JSON.stringify(out));
  process.exit(0);
})();
"""


@pytest.fixture(scope="module")
def example(circom_circuit, snarkjs_ptau, npm_tools, tmp_path_factory):
    """A fresh snarkjs build: contributed key, a proof of [750, 1000], a proof of [0, 0], and
    the uncontributed key straight from ``groth16 setup`` (gamma == delta)."""
    c = circom_circuit(gen.NAME, gen.SOURCE)
    wd = tmp_path_factory.mktemp("snarkjs_example")
    ex = gen.make_example(npm_tools.run_snarkjs, wd, c["r1cs"], c["wasm"], snarkjs_ptau(gen.PTAU_POWER))
    (wd / "zeros.json").write_text(json.dumps({"reserves": "0", "balances": ["0", "0"]}))
    for args in (("wtns", "calculate", c["wasm"], "zeros.json", "zeros.wtns"),
                 ("groth16", "prove", "final.zkey", "zeros.wtns", "proof0.json", "public0.json"),
                 ("zkey", "export", "verificationkey", "z0.zkey", "vk_setup_only.json")):
        npm_tools.run_snarkjs(*args, cwd=wd)
    ex.update(proof0=wd / "proof0.json", public0=wd / "public0.json", vk0=wd / "vk_setup_only.json")
    return ex


def _texts(ex: dict) -> dict[str, str]:
    return {k: Path(ex[k]).read_text() for k in ("vk", "public", "proof", "proof0", "public0", "vk0")}


def _cases(ex: dict) -> dict[str, tuple[str, str, str]]:
    """name -> (vk text, public text, proof text)."""
    t = _texts(ex)
    vk, pub, proof = (json.loads(t[k]) for k in ("vk", "public", "proof"))
    d = json.dumps

    def with_proof(key, value):
        return (t["vk"], t["public"], d({**proof, key: value}))

    def with_public(values):
        return (t["vk"], d(values), t["proof"])

    twist = sj.dump_proof(Proof((1, 2), twist_point_outside_g2(), (1, 2)))["pi_b"]
    weak = sj.parse_vk(json.loads(t["vk0"]), "vk0")
    inputs = [12345, 67890]
    forged = Proof(weak.alpha_g1, weak.beta_g2, g1_neg(prepare_inputs(weak, inputs)))
    dup_proof = t["proof"].replace('"pi_a": [', '"pi_a": ["1", "3", "1"], "pi_a": [', 1)
    return {
        "valid": (t["vk"], t["public"], t["proof"]),
        "B1_public_plus_r": with_public([str(int(pub[0]) + R), pub[1]]),
        "B1_public_plus_2r": with_public([str(int(pub[0]) + 2 * R), pub[1]]),
        "B1_public_2_256_minus_1": with_public([pub[0], str(2**256 - 1)]),
        "B2_public_hex": with_public([hex(int(pub[0])), pub[1]]),
        "B2_public_leading_zero": with_public(["0" + pub[0], pub[1]]),
        "B2_public_bare_number": with_public([int(pub[0]), pub[1]]),
        "B2_public_negative": with_public(["-1", pub[1]]),
        "B3_one_fewer_of_zero_inputs": (t["vk"], d(json.loads(t["public0"])[:1]), t["proof0"]),
        "B3_none_of_zero_inputs": (t["vk"], "[]", t["proof0"]),
        "B3_one_more": with_public([*pub, "0"]),
        "B4_pi_a_x_plus_q": with_proof("pi_a", [str(int(proof["pi_a"][0]) + P), *proof["pi_a"][1:]]),
        "B5_pi_a_off_curve": with_proof("pi_a", ["1", "3", "1"]),
        "B6_pi_b_outside_g2": with_proof("pi_b", twist),
        "B7_pi_c_infinity": with_proof("pi_c", ["0", "1", "0"]),
        "B7_pi_a_z_2": with_proof("pi_a", [*proof["pi_a"][:2], "2"]),
        "B8_pi_b_limbs_swapped": with_proof("pi_b", [c[::-1] for c in proof["pi_b"][:2]] + [["1", "0"]]),
        "B10_duplicate_key": (t["vk"], t["public"], dup_proof),
        "C1_forged_under_setup_key": (t["vk0"], d(sj.dump_public(inputs)), d(sj.dump_proof(forged))),
        "C6_dev_marked_key": (d({**vk, sj.DEV_MARKER_KEY: sj.INSECURE_DEV_MARKER}), t["public"], t["proof"]),
    }


EXPECTED = {  # case: (our exit code, snarkjs verdict); see the module docstring
    "valid": (0, "true"),
    "B1_public_plus_r": (2, "false"), "B1_public_plus_2r": (2, "false"),
    "B1_public_2_256_minus_1": (2, "false"),
    "B2_public_hex": (2, "true"), "B2_public_leading_zero": (2, "true"),
    "B2_public_bare_number": (2, "true"), "B2_public_negative": (2, "false"),
    "B3_one_fewer_of_zero_inputs": (2, "true"), "B3_none_of_zero_inputs": (2, "true"),
    "B3_one_more": (2, "error"),
    "B4_pi_a_x_plus_q": (2, "true"), "B5_pi_a_off_curve": (2, "false"),
    "B6_pi_b_outside_g2": (2, "false"), "B7_pi_c_infinity": (2, "false"),
    "B7_pi_a_z_2": (2, "false"), "B8_pi_b_limbs_swapped": (2, "false"),
    "B10_duplicate_key": (2, "true"),
    "C1_forged_under_setup_key": (3, "true"), "C6_dev_marked_key": (3, "true"),
}


@pytest.fixture(scope="module")
def verdicts(example, npm_tools, tmp_path_factory):
    """{case: (our exit code, our error, snarkjs verdict)} for every case."""
    cases = _cases(example)
    wd = tmp_path_factory.mktemp("cases")
    (wd / "cases.json").write_text(json.dumps(cases))
    theirs = json.loads(npm_tools.run_node_script(SNARKJS_VERIFY_MANY, str(wd / "cases.json")))
    out = {}
    for name, texts in cases.items():
        paths = []
        for fname, text in zip((VK, PUBLIC, PROOF), texts, strict=True):
            (wd / name).mkdir(exist_ok=True)
            (wd / name / fname).write_text(text)
            paths.append(wd / name / fname)
        verdict, err = classify(verify_files, *paths)
        out[name] = (EXIT[verdict], err, theirs[name].split(":")[0])
    return out


def test_snarkjs_proof_verifies_with_ours(example):
    assert verify_files(example["vk"], example["public"], example["proof"]) is True
    assert verify_files(example["vk"], example["public0"], example["proof0"]) is True


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_attack_rows_against_snarkjs(verdicts, case):
    ours, err, theirs = verdicts[case]
    assert (ours, theirs) == EXPECTED[case], (case, str(err))
    if ours != 0:
        assert err is not None and "\n" not in str(err)


def test_snarkjs_cli_exit_codes_match_the_library(example, npm_tools, tmp_path):
    """``snarkjs groth16 verify`` exits 0 on the valid proof and non-zero on x + r (B1),
    so the library verdicts above are the CLI's."""
    ok = npm_tools.run_snarkjs("groth16", "verify", example["vk"], example["public"], example["proof"])
    assert ok.returncode == 0 and "OK" in ok.stdout
    pub = json.loads(Path(example["public"]).read_text())
    bad = tmp_path / "public.json"
    bad.write_text(json.dumps([str(int(pub[0]) + R), pub[1]]))
    res = npm_tools.run_snarkjs("groth16", "verify", example["vk"], bad, example["proof"], check=False)
    assert res.returncode != 0 and "Public inputs are not valid" in res.stdout + res.stderr


def test_our_files_verify_with_snarkjs(example, npm_tools, tmp_path):
    """Round trip through our writer: parse snarkjs' files, dump them, snarkjs verifies; a dev
    marker added by us is ignored by snarkjs."""
    vk = sj.parse_vk(sj.load_json(example["vk"]), "vk")
    proof = sj.parse_proof(sj.load_json(example["proof"]), "proof")
    public = sj.parse_public(sj.load_json(example["public"]), "public")
    sj.write_json(tmp_path / VK, sj.dump_vk(dataclasses.replace(vk, dev_setup=True)))
    sj.write_json(tmp_path / PROOF, sj.dump_proof(proof))
    sj.write_json(tmp_path / PUBLIC, sj.dump_public(public))
    ok = npm_tools.run_snarkjs("groth16", "verify", VK, PUBLIC, PROOF, cwd=tmp_path)
    assert ok.returncode == 0 and "OK" in ok.stdout
    sj.write_json(tmp_path / PUBLIC, sj.dump_public([public[0] + 1, public[1]]))
    res = npm_tools.run_snarkjs("groth16", "verify", VK, PUBLIC, PROOF, cwd=tmp_path, check=False)
    assert res.returncode != 0


@pytest.mark.slow
def test_vector_generator_regenerates_valid_small_files(snarkjs_ptau, npm_tools, tmp_path):
    """``scripts/vectors/gen_snarkjs_vectors.py`` (the command in vectors/snarkjs/SOURCE.md)
    writes files under 50 kB whose proof verifies with ours and whose r1cs/public equal the
    committed ones (the key and proof are re-randomised by snarkjs on every run)."""
    out = tmp_path / "snarkjs"
    assert gen.main(["--out", str(out), "--ptau", str(snarkjs_ptau(gen.PTAU_POWER))]) == 0
    committed = REPO / "vectors" / "snarkjs"
    for name in ("toy_solvency.r1cs", "public.json", "toy_solvency.circom", "input.json"):
        assert (out / name).read_bytes() == (committed / name).read_bytes(), name
    assert all(f.stat().st_size < 50_000 for f in out.iterdir())
    assert verify_files(out / VK, out / PUBLIC, out / PROOF) is True
