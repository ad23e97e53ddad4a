"""``.wtns`` against snarkjs: witnesses from `snarkjs wtns calculate` read value for value, written
back byte for byte, and `zkproof wtns check` agrees with `snarkjs wtns check` (same verdict, same
first failing constraint)."""

from __future__ import annotations

import re

import pytest

from tests.test_cli_r1cs_wtns import run
from tests.test_r1cs_file_interop import ANSI, CIRCUITS, aborted_at, snarkjs_batch
from zkproof.field.fr import R
from zkproof.formats.r1cs_file import read_r1cs, read_sym
from zkproof.formats.wtns_file import read_wtns, read_wtns_bytes, write_wtns

pytestmark = pytest.mark.interop

TAMPER = ["first_output", "last_input", "last_wire"]
# Tampering these wires leaves every R1CS constraint satisfied, so both checkers must accept.
FREE_WIRES = {
    ("bits_mux", "last_wire"): "IsZero's inverse hint is unconstrained when its input is 0",
    ("custom_gate", "last_wire"): "m.b only feeds the custom gate; neither checker evaluates those",
}


def tamper_wire(cir, which: str) -> int:
    return {"first_output": 1, "last_input": cir.n_pub_out + cir.n_pub_in + cir.n_prv_in,
            "last_wire": cir.n_wires - 1}[which]


@pytest.fixture(scope="module", params=sorted(CIRCUITS))
def solved(request, circom_circuit, npm_tools, tmp_path_factory):
    """A circom circuit, the witness snarkjs computes for its input, its JSON export, and
    snarkjs' `wtns check` verdict on it and on copies with one wire changed (``TAMPER``)."""
    name = request.param
    c = circom_circuit(name, CIRCUITS[name][0])
    d = tmp_path_factory.mktemp(name)
    wtns = d / "witness.wtns"
    calc, export = snarkjs_batch(npm_tools, [
        {"op": "wtns calculate", "input": CIRCUITS[name][1], "wasm": c["wasm"], "wtns": wtns},
        {"op": "wtns export json", "wtns": wtns}])
    assert calc["ok"] and export["ok"], (calc, export)
    cir = read_r1cs(c["r1cs"])
    for which in TAMPER:
        w = read_wtns(wtns)
        wire = tamper_wire(cir, which)
        w[wire] = (w[wire] + 1) % R
        write_wtns(d / f"{which}.wtns", w)
    checks = snarkjs_batch(npm_tools, [{"op": "wtns check", "r1cs": c["r1cs"], "wtns": d / f"{f}.wtns"}
                                       for f in ["witness", *TAMPER]])
    return dict(c, name=name, wtns=wtns, dir=d, cir=cir, json=[int(v) for v in export["value"]],
                checks=dict(zip(["witness", *TAMPER], checks)))


def test_reader_agrees_with_snarkjs_export_json(solved):
    ours = read_wtns(solved["wtns"])
    assert ours == solved["json"] and len(ours) == solved["cir"].n_wires
    buf = read_wtns_bytes(solved["wtns"])
    assert buf == b"".join(v.to_bytes(32, "little") for v in solved["json"])


def test_writer_output_byte_identical_to_snarkjs(solved, tmp_path):
    w = read_wtns(solved["wtns"])
    write_wtns(tmp_path / "copy.wtns", w)
    assert (tmp_path / "copy.wtns").read_bytes() == solved["wtns"].read_bytes()
    write_wtns(tmp_path / "other.wtns", [*w[:-1], (w[-1] + 1) % R])  # twin: a change shows
    assert (tmp_path / "other.wtns").read_bytes() != solved["wtns"].read_bytes()


def test_both_checkers_accept_the_good_witness(solved, capsys):
    assert solved["checks"]["witness"]["value"] is True
    ours, out, _ = run(["wtns", "check", str(solved["r1cs"]), str(solved["wtns"])], capsys)
    assert ours == 0 and "WITNESS IS CORRECT" in out


@pytest.mark.parametrize("which", TAMPER)
def test_both_checkers_reject_a_tampered_witness_at_the_same_constraint(solved, capsys, which):
    theirs = solved["checks"][which]
    ours, out, _ = run(["wtns", "check", str(solved["r1cs"]), str(solved["dir"] / f"{which}.wtns")],
                       capsys)
    assert (ours == 0) == (theirs["value"] is True)
    if (solved["name"], which) in FREE_WIRES:
        assert ours == 0  # and so does snarkjs (asserted above)
        return
    assert ours == 1
    assert out.startswith(f"WITNESS IS NOT CORRECT: constraint {aborted_at(theirs)} ")
    wire = tamper_wire(solved["cir"], which)
    name = read_sym(solved["sym"], solved["cir"].n_wires)[wire]
    assert f"  wire {wire} {name} = " in out  # the tampered signal is named from the .sym


@pytest.mark.parametrize("solved", ["poseidon_lt"], indirect=True)  # one: a CLI run = a node start
def test_cli_exit_codes_match_snarkjs_cli(solved, npm_tools, capsys):
    """The command lines, not only the APIs: same exit status on a good and a tampered witness."""
    for f, expect in (("witness", 0), ("first_output", 1)):
        path = str(solved["dir"] / f"{f}.wtns")
        p = npm_tools.run_snarkjs("wtns", "check", solved["r1cs"], path, check=False)
        ours, _, _ = run(["wtns", "check", str(solved["r1cs"]), path], capsys)
        assert p.returncode == ours == expect
        assert ("WITNESS IS CORRECT" in ANSI.sub("", p.stdout)) == (expect == 0)
        assert not re.search(r"Error", p.stderr)
