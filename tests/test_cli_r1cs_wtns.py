"""`zkproof r1cs info` / `zkproof wtns check`: output, exit codes 0/1/2, one-line errors."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.test_r1cs_file import small_cs
from zkproof.cli.main import main
from zkproof.field.fr import R
from zkproof.formats.r1cs_file import write_names, write_r1cs
from zkproof.formats.wtns_file import write_wtns


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ei:
        main(argv)
    cap = capsys.readouterr()
    return ei.value.code, cap.out, cap.err


@pytest.fixture
def files(tmp_path, monkeypatch):
    """circuit.r1cs + witness.wtns (good) + bad.wtns (y = 36 instead of 35) in the cwd."""
    monkeypatch.chdir(tmp_path)
    cs = small_cs()
    write_r1cs("circuit.r1cs", cs.to_r1cs(), names=False)
    write_wtns("witness.wtns", cs.solve({"y": 35, "x": 3}).witness())
    write_wtns("bad.wtns", cs.solve({"y": 36, "x": 3}).witness())
    return cs


def test_info_prints_snarkjs_lines(files, capsys):
    code, out, err = run(["r1cs", "info"], capsys)
    assert code == 0 and err == ""
    assert out.splitlines() == ["Curve: bn-128", "# of Wires: 5", "# of Constraints: 3",
                                "# of Private Inputs: 1", "# of Public Inputs: 1", "# of Labels: 5",
                                "# of Outputs: 0"]


def test_check_good_witness_exit_0(files, capsys):
    code, out, _ = run(["wtns", "check"], capsys)
    assert code == 0 and "WITNESS IS CORRECT" in out


def test_check_bad_witness_exit_1_names_constraint_and_signals(files, capsys):
    write_r1cs("circuit.r1cs", files)  # a ConstraintSystem: its names go to circuit.names.json
    code, out, _ = run(["wtns", "check", "circuit.r1cs", "bad.wtns"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("WITNESS IS NOT CORRECT: constraint 2 'sum' is not satisfied")
    assert "A*B = 35, C = 36" in lines[0]
    assert "  wire 1 y = 36" in lines and "  wire 4 x3 = 27" in lines


def test_check_bad_witness_without_names_gives_index_only(files, capsys):
    code, out, _ = run(["wtns", "check", "circuit.r1cs", "bad.wtns"], capsys)
    assert code == 1 and "constraint 2 is not satisfied" in out and "'sum'" not in out
    assert "  wire 1 = 36" in out.splitlines()


def test_negative_values_shown_signed(files, capsys):
    write_wtns("neg.wtns", [1, R - 1, 3, 9, 27])
    code, out, _ = run(["wtns", "check", "circuit.r1cs", "neg.wtns"], capsys)
    assert code == 1 and "  wire 1 = -1" in out.splitlines()


@pytest.mark.parametrize("argv,match", [
    (["r1cs", "info", "witness.wtns"], "zkproof: witness.wtns: magic: expected 'r1cs'"),
    (["r1cs", "info", "missing.r1cs"], "zkproof: missing.r1cs: file: "),
    (["wtns", "check", "circuit.r1cs", "circuit.r1cs"], "zkproof: circuit.r1cs: magic: expected 'wtns'"),
    (["wtns", "check", "circuit.r1cs", "short.wtns"],
     r"zkproof: short.wtns: section 1 \(header\): nWitness: expected 5 \(nWires of circuit.r1cs\), got 4"),
    (["wtns", "check", "trunc.r1cs", "witness.wtns"], "zkproof: trunc.r1cs: "),
    (["wtns", "check", "circuit.r1cs", "nonreduced.wtns"], r"zkproof: nonreduced.wtns: witness\[2\]"),
])
def test_malformed_input_exit_2_one_line(files, capsys, argv, match):
    write_wtns("short.wtns", [1, 35, 3, 9])
    data = open("circuit.r1cs", "rb").read()
    open("trunc.r1cs", "wb").write(data[:-1])
    good = open("witness.wtns", "rb").read()
    open("nonreduced.wtns", "wb").write(good[:-96] + R.to_bytes(32, "little") + good[-64:])
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert re.match(match, err), err


def test_stale_sidecar_is_ignored_with_a_note(files, capsys):
    other = small_cs()
    other.enforce(other.ONE, other.ONE, other.ONE, name="extra")
    write_names("circuit.r1cs", other.to_r1cs())
    code, out, err = run(["wtns", "check", "circuit.r1cs", "bad.wtns"], capsys)
    assert code == 1 and "constraint 2 is not satisfied" in out and "'sum'" not in out
    assert "note: ignoring circuit.names.json: it was written for another circuit" in err


def test_malformed_sidecar_exit_2(files, capsys):
    open("circuit.names.json", "w").write("{not json")
    code, _, err = run(["wtns", "check", "circuit.r1cs", "bad.wtns"], capsys)
    assert code == 2 and err.startswith("zkproof: circuit.names.json: file: not readable JSON")


@pytest.mark.parametrize("argv", [["r1cs", "info", "--help"], ["wtns", "check", "--help"]])
def test_help_has_example(argv, capsys):
    code, out, _ = run(argv, capsys)
    assert code == 0 and "Example:" in out and "zkproof " + argv[0] in out


def test_subprocess_no_traceback(files):
    """The installed entry point: real exit codes and no traceback on malformed input."""
    def z(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "zkproof.cli.main", *args],
                              capture_output=True, text=True, timeout=60)

    assert z("wtns", "check").returncode == 0
    assert z("wtns", "check", "circuit.r1cs", "bad.wtns").returncode == 1
    bad = z("wtns", "check", "bad.wtns", "bad.wtns")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == "zkproof: bad.wtns: magic: expected 'r1cs', got b'wtns'"
