"""``.r1cs`` against circom2 and snarkjs: same numbers, same constraints, same bytes, both ways."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_r1cs_file import small_cs
from zkproof.cli.formats_cmds import info_lines
from zkproof.field.fr import R
from zkproof.formats.r1cs_file import r1cs_bytes, read_r1cs, write_r1cs
from zkproof.formats.wtns_file import write_wtns

pytestmark = pytest.mark.interop

# name -> (circom source, an input.json that satisfies it)
CIRCUITS = {
    "poseidon_lt": ("""pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
template T() {
  signal input a; signal input b; signal input c;
  signal output h; signal output lt;
  component p = Poseidon(2); p.inputs[0] <== a; p.inputs[1] <== b; h <== p.out;
  component l = LessThan(16); l.in[0] <== a; l.in[1] <== c; lt <== l.out;
}
component main {public [a]} = T();
""", {"a": 3, "b": 4, "c": 100}),
    "bits_mux": ("""pragma circom 2.0.0;
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/mux1.circom";
template B() {
  signal input v; signal input s; signal output o;
  component n = Num2Bits(64); n.in <== v;
  component z = IsZero(); z.in <== s;
  component m = Mux1(); m.c[0] <== v; m.c[1] <== 7; m.s <== z.out; o <== m.out;
}
component main {public [s]} = B();
""", {"v": "18446744073709551615", "s": 0}),
    "custom_gate": ("""pragma circom 2.0.6;
pragma custom_templates;
template custom CMul() { signal input a; signal input b; signal output c; c <-- a * b; }
template T() { signal input x; signal input y; signal output z;
  component m = CMul(); m.a <== x; m.b <== y; z <== m.c + x; }
component main = T();
""", {"x": 3, "y": 5}),
}

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module", params=sorted(CIRCUITS))
def circuit(request, circom_circuit):
    name = request.param
    c = circom_circuit(name, CIRCUITS[name][0])
    return dict(c, name=name, input=CIRCUITS[name][1])


def snarkjs_log(npm, *args) -> tuple[int, list[str]]:
    """Run snarkjs; return its exit code and its log lines without colours and prefixes."""
    p = npm.run_snarkjs(*args, check=False)
    text = ANSI.sub("", p.stdout + p.stderr)
    return p.returncode, [re.sub(r"^\[\w+\]\s+snarkJS: ", "", ln) for ln in text.splitlines()]


def snarkjs_r1cs_json(npm, r1cs: Path, tmp: Path) -> dict:
    out = tmp / (r1cs.stem + ".json")
    npm.run_snarkjs("r1cs", "export", "json", r1cs, out)
    return json.loads(out.read_text())


def test_reader_agrees_with_snarkjs_export_json(circuit, npm_tools, tmp_path):
    ours = read_r1cs(circuit["r1cs"])
    js = snarkjs_r1cs_json(npm_tools, circuit["r1cs"], tmp_path)
    assert (js["n8"], int(js["prime"])) == (32, ours.prime)
    assert (js["nVars"], js["nOutputs"], js["nPubInputs"], js["nPrvInputs"], js["nLabels"],
            js["nConstraints"]) == (ours.n_wires, ours.n_pub_out, ours.n_pub_in, ours.n_prv_in,
                                    ours.n_labels, ours.n_constraints)
    assert js["map"] == ours.wire_to_label
    as_js = [[{str(w): str(c) for w, c in row.items()} for row in abc] for abc in ours.constraints]
    assert as_js == js["constraints"]
    assert js["useCustomGates"] == (4 in ours.custom and 5 in ours.custom)
    assert (circuit["name"] == "custom_gate") == js["useCustomGates"]


def test_writer_output_byte_identical_to_circom(circuit, tmp_path):
    data = circuit["r1cs"].read_bytes()
    out = tmp_path / "copy.r1cs"
    write_r1cs(out, read_r1cs(circuit["r1cs"]))
    assert out.read_bytes() == data
    # and the twin: a changed coefficient changes the bytes (the comparison can fail)
    r = read_r1cs(circuit["r1cs"])
    a = r.constraints[0][2] or r.constraints[0][0]
    w = next(iter(a))
    a[w] = (a[w] + 1) % R
    assert r1cs_bytes(r) != data


def test_info_numbers_equal_snarkjs(circuit, npm_tools):
    code, log = snarkjs_log(npm_tools, "r1cs", "info", circuit["r1cs"])
    assert code == 0
    ours = info_lines(read_r1cs(circuit["r1cs"]))
    assert [ln for ln in log if ln.startswith(("Curve", "# of"))] == ours


def test_builder_r1cs_readable_by_snarkjs(npm_tools, tmp_path):
    cs = small_cs()
    r = cs.to_r1cs()
    path = tmp_path / "ours.r1cs"
    write_r1cs(path, r)
    code, log = snarkjs_log(npm_tools, "r1cs", "info", path)
    assert code == 0 and [ln for ln in log if ln.startswith(("Curve", "# of"))] == info_lines(r)
    js = snarkjs_r1cs_json(npm_tools, path, tmp_path)
    assert js["constraints"] == [[{str(w): str(c) for w, c in row.items()} for row in abc]
                                 for abc in r.constraints]
    # snarkjs checks our witness against our r1cs: good passes, a wrong y fails at constraint 2
    write_wtns(tmp_path / "good.wtns", cs.solve({"y": 35, "x": 3}).witness())
    write_wtns(tmp_path / "bad.wtns", cs.solve({"y": 36, "x": 3}).witness())
    assert snarkjs_log(npm_tools, "wtns", "check", path, tmp_path / "good.wtns")[0] == 0
    code, log = snarkjs_log(npm_tools, "wtns", "check", path, tmp_path / "bad.wtns")
    assert code != 0 and any("aborting checking process at constraint 2" in ln for ln in log)


def test_corrupted_copies_refused(circuit, npm_tools, tmp_path):
    """Twin of the byte-identity test. A file cut inside its first section: both tools refuse
    it. A file one byte short: we refuse it; snarkjs 0.7.6 does not notice (its reader never
    checks section sizes against the file size when the map section is not loaded)."""
    from zkproof.errors import InputError

    data = circuit["r1cs"].read_bytes()
    half, short = tmp_path / "half.r1cs", tmp_path / "short.r1cs"
    half.write_bytes(data[:len(data) // 3])
    short.write_bytes(data[:-1])
    with pytest.raises(InputError, match="section 2"):
        read_r1cs(half)
    assert snarkjs_log(npm_tools, "r1cs", "info", half)[0] != 0
    with pytest.raises(InputError, match="truncated"):
        read_r1cs(short)
