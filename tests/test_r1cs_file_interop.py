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

# One node process runs a list of snarkjs API calls (the functions its CLI calls): starting node
# and loading snarkjs costs ~0.5-3 s on a shared machine, so each test module pays it once or twice.
SNARKJS_BATCH = r"""
const snarkjs = require("snarkjs");
(async () => {
  const jobs = JSON.parse(process.argv[process.argv.length - 1]);
  const out = [];
  for (const job of jobs) {
    const log = [];
    const push = (m) => { log.push(m); };
    const logger = {debug() {}, info: push, warn: push, error: push};
    try {
      let value = null;
      if (job.op === "r1cs info") await snarkjs.r1cs.info(job.r1cs, logger);
      else if (job.op === "r1cs export json") value = await snarkjs.r1cs.exportJson(job.r1cs, logger);
      else if (job.op === "wtns calculate") await snarkjs.wtns.calculate(job.input, job.wasm, job.wtns);
      else if (job.op === "wtns export json") value = (await snarkjs.wtns.exportJson(job.wtns)).map(String);
      else if (job.op === "wtns check") value = await snarkjs.wtns.check(job.r1cs, job.wtns, logger);
      else throw new Error("unknown op " + job.op);
      out.push({ok: true, value, log});
    } catch (e) { out.push({ok: false, error: String((e && e.message) || e), log}); }
  }
  // exit only once the pipe has taken everything (a bare exit cuts stdout at 64 KiB)
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
})();
"""


def snarkjs_batch(npm, jobs: list[dict]) -> list[dict]:
    """Run snarkjs API calls in one node process: ``[{op, r1cs|wtns|...}] -> [{ok, value, log}]``."""
    jobs = [{k: str(v) if isinstance(v, Path) else v for k, v in job.items()} for job in jobs]
    return json.loads(npm.run_node_script(SNARKJS_BATCH, json.dumps(jobs)).splitlines()[-1])


def aborted_at(result: dict) -> int | None:
    """The constraint index snarkjs' ``wtns check`` stopped at, from its log."""
    hits = [int(m.group(1)) for ln in result["log"] if (m := re.search(r"aborting .* constraint (\d+)", ln))]
    return hits[0] if hits else None


def as_js_constraints(r) -> list:
    return [[{str(w): str(c) for w, c in row.items()} for row in abc] for abc in r.constraints]


@pytest.fixture(scope="module", params=sorted(CIRCUITS))
def circuit(request, circom_circuit, npm_tools, tmp_path_factory):
    """A circom circuit, and snarkjs' view of it (info, export json, and of a copy cut short)."""
    name = request.param
    c = circom_circuit(name, CIRCUITS[name][0])
    data = c["r1cs"].read_bytes()
    d = tmp_path_factory.mktemp(name)
    (d / "third.r1cs").write_bytes(data[:len(data) // 3])
    (d / "short.r1cs").write_bytes(data[:-1])
    info, js, third = snarkjs_batch(npm_tools, [{"op": "r1cs info", "r1cs": c["r1cs"]},
                                                {"op": "r1cs export json", "r1cs": c["r1cs"]},
                                                {"op": "r1cs info", "r1cs": d / "third.r1cs"}])
    return dict(c, name=name, info=info, json=js["value"], third=third, dir=d)


def test_reader_agrees_with_snarkjs_export_json(circuit):
    ours = read_r1cs(circuit["r1cs"])
    js = circuit["json"]
    assert (js["n8"], int(js["prime"])) == (32, ours.prime)
    assert (js["nVars"], js["nOutputs"], js["nPubInputs"], js["nPrvInputs"], js["nLabels"],
            js["nConstraints"]) == (ours.n_wires, ours.n_pub_out, ours.n_pub_in, ours.n_prv_in,
                                    ours.n_labels, ours.n_constraints)
    assert js["map"] == ours.wire_to_label
    assert as_js_constraints(ours) == js["constraints"]
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


def test_info_numbers_equal_snarkjs(circuit):
    assert circuit["info"]["ok"] and circuit["info"]["log"] == info_lines(read_r1cs(circuit["r1cs"]))


def test_info_cli_lines_equal_snarkjs_cli(circom_circuit, npm_tools, capsys):
    """The two command lines print the same statistics (one circuit: the CLI costs a node start)."""
    from tests.test_cli_r1cs_wtns import run

    c = circom_circuit("poseidon_lt", CIRCUITS["poseidon_lt"][0])
    p = npm_tools.run_snarkjs("r1cs", "info", c["r1cs"])
    theirs = [re.sub(r"^\[\w+\]\s+snarkJS: ", "", ln) for ln in ANSI.sub("", p.stdout).splitlines()]
    code, out, _ = run(["r1cs", "info", str(c["r1cs"])], capsys)
    assert code == 0 and out.splitlines() == theirs and "# of Constraints: 537" in theirs


def test_builder_r1cs_readable_by_snarkjs(npm_tools, tmp_path):
    cs = small_cs()
    r = cs.to_r1cs()
    path = tmp_path / "ours.r1cs"
    write_r1cs(path, r)
    write_wtns(tmp_path / "good.wtns", cs.solve({"y": 35, "x": 3}).witness())
    write_wtns(tmp_path / "bad.wtns", cs.solve({"y": 36, "x": 3}).witness())
    info, js, good, bad = snarkjs_batch(npm_tools, [
        {"op": "r1cs info", "r1cs": path}, {"op": "r1cs export json", "r1cs": path},
        {"op": "wtns check", "r1cs": path, "wtns": tmp_path / "good.wtns"},
        {"op": "wtns check", "r1cs": path, "wtns": tmp_path / "bad.wtns"}])
    assert info["log"] == info_lines(r)
    assert js["value"]["constraints"] == as_js_constraints(r)
    # snarkjs checks our witness against our r1cs: good passes, a wrong y fails at constraint 2
    assert good["value"] is True and aborted_at(good) is None
    assert bad["value"] is False and aborted_at(bad) == 2


def test_corrupted_copies_refused(circuit):
    """Twin of the byte-identity test. A file cut inside its first section: both tools refuse
    it. A file one byte short: we refuse it; snarkjs 0.7.6 does not notice (its reader never
    checks section sizes against the file size when the map section is not loaded)."""
    from zkproof.errors import InputError

    with pytest.raises(InputError, match=r"section 2 \(constraints\): declares \d+ bytes"):
        read_r1cs(circuit["dir"] / "third.r1cs")
    assert not circuit["third"]["ok"] and "Missing section" in circuit["third"]["error"]
    with pytest.raises(InputError, match="truncated"):
        read_r1cs(circuit["dir"] / "short.r1cs")
