"""``zkproof risk-table`` and ``zkproof check`` end to end through ``cli.main.main``: exit codes
0 (good), 1 (failing accounts), 2 (malformed input or tripped oracle breaker, one line)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from zkproof.cli import main as cli_main
from zkproof.cli.solvency_cmds import register
from zkproof.examples_gen import write_example
from zkproof.margin.risk_table import RiskTable

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

if "check" not in cli_main.cli.commands:  # until main.py registers them itself
    register(cli_main.cli)


def run(capsys, *argv) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        cli_main.main(list(argv))
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.fixture
def inputs(tmp_path):
    for f in (p for p in EXAMPLES.iterdir() if p.is_file()):  # examples/venue/ is its own snapshot
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def test_risk_table_prints_hash_and_writes_bytes(capsys, inputs):
    out_file = inputs / "risk_table.bin"
    code, out, _ = run(capsys, "risk-table", "--inputs", str(inputs), "--out", str(out_file), "--greeks")
    assert code == 0
    table = RiskTable.from_bytes(out_file.read_bytes())
    assert f"sha256     {table.sha256().hex()}" in out and str(table.field_hash()) in out
    assert "delta coin" in out and "vega USD/pt" in out and "theta USD/day" in out  # trader units
    row = next(line.split() for line in out.splitlines() if "ETH-20261225-3000-C" in line)
    price, delta, gamma, vega, theta = (float(x) for x in row[1:])
    assert 0.5 < delta < 0.6 and 0 < gamma and 1 < vega < 10 and -10 < theta < 0  # per coin, per day


def test_risk_table_greeks_json_units(capsys, inputs):
    """--json --greeks carries the units; theta per day is 1/365 of the per-year figure."""
    code, out, _ = run(capsys, "risk-table", "--inputs", str(inputs), "--json", "--greeks")
    doc = json.loads(out)
    assert doc["greeks_units"]["theta_per_day"] == "USD per day per coin"
    assert doc["greeks_units"]["vega_per_vol_point"] == "USD per vol point per coin"
    g = doc["greeks"]["ETH-20261225-3000-C"]
    assert set(g) == {"price", "delta_coin", "gamma_coin_per_quote", "vega_per_vol_point", "theta_per_day"}


def test_risk_table_json(capsys, inputs):
    code, out, _ = run(capsys, "risk-table", "--inputs", str(inputs), "--json")
    doc = json.loads(out)
    assert code == 0 and len(doc["c"]) == 3 and len(doc["v"]) == 16 and len(doc["scenarios"]) == 17


def test_check_passes_on_examples(capsys, inputs):
    code, out, _ = run(capsys, "check", "--inputs", str(inputs))
    assert code == 0 and "50 accounts, 0 failing margin, 0 imbalanced" in out


def test_check_names_failing_accounts(capsys, tmp_path):
    write_example(tmp_path, seed=11, n_users=12, n_failing=2)
    code, out, _ = run(capsys, "check", "--inputs", str(tmp_path))
    assert code == 1
    fails = [line for line in out.splitlines() if line.startswith("FAIL ")]
    assert len(fails) == 2 and all("scenario" in f and "shortfall" in f for f in fails)
    moves = [line for line in out.splitlines() if "worst scenario moves:" in line]
    assert len(moves) == 2 and all("ETH" in m and "%" in m and "pts" in m for m in moves)
    code, out, _ = run(capsys, "check", "--inputs", str(tmp_path), "--json")
    doc = json.loads(out)
    assert code == 1 and not doc["ok"] and len(doc["failures"]) == 2
    assert all(int(f["shortfall"]) > 0 for f in doc["failures"])
    assert all("%" in f["moves"] for f in doc["failures"])


def test_check_reports_imbalance(capsys, inputs):
    lines = (inputs / "accounts.jsonl").read_text().splitlines()
    (inputs / "accounts.jsonl").write_text("\n".join(lines[:-1]) + "\n")  # drop the protocol vault
    code, out, _ = run(capsys, "check", "--inputs", str(inputs))
    assert code == 1 and "IMBALANCE ETH-PERP" in out


@pytest.mark.parametrize("target,old,new,pattern", [
    ("accounts.jsonl", '"USDC":"', '"USDC":"-', r"accounts\.jsonl: line 1: balances\.USDC: negative balance"),
    ("oracle.json", '"spot": "1.0001"', '"spot": "1.2"',
     r"oracle\.json: prices\.USDC\[2\]\.spot: sources disagree"),
    ("params.toml", 'haircut = "0.1"', "haircut = 0.1", r"params\.toml: assets\.ETH\.haircut"),
    ("instruments.json", '"underlying": "BTC"', '"underlying": "SOL"',
     r"instruments\.json: instruments\[\d+\]\.underlying: unknown asset"),
])
def test_malformed_inputs_exit_2_with_one_line(capsys, inputs, target, old, new, pattern):
    path = inputs / target
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    for cmd in (("check",), ("risk-table",)) if target != "accounts.jsonl" else (("check",),):
        code, out, err = run(capsys, *cmd, "--inputs", str(inputs))
        assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("zkproof: ") and re.search(pattern, err), err


def test_explicit_paths_override_directory(capsys, inputs, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere")
    shutil.move(inputs / "oracle.json", other / "snap.json")
    code, _, err = run(capsys, "check", "--inputs", str(inputs))
    assert code == 2 and "oracle.json" in err
    code, _, _ = run(capsys, "check", "--inputs", str(inputs), "--oracle", str(other / "snap.json"))
    assert code == 0


def test_check_with_reserves(capsys, inputs):
    """With epoch.json: reserves equal to the liabilities pass; one base unit less fails."""
    epoch_file = pytest.importorskip("zkproof.snapshot.epoch_file")
    from zkproof.snapshot.inputs import load_snapshot, resolve_paths

    snap = load_snapshot(resolve_paths(inputs))
    totals = {a.symbol: sum(acc.balances[k] for acc in snap.accounts)
              for k, a in enumerate(snap.params.assets)}
    for short, expected in ((0, 0), (1, 1)):
        doc = {"format": epoch_file.FORMAT, "epoch": "1", "timestamp": "2026-11-20T16:00:00Z",
               "reserves": {s: str(x - (short if s == "ETH" else 0)) for s, x in totals.items()}}
        (inputs / "epoch.json").write_text(json.dumps(doc))
        code, out, _ = run(capsys, "check", "--inputs", str(inputs), "--epoch", str(inputs / "epoch.json"))
        assert code == expected
        assert ("RESERVES ETH: liabilities exceed reserves by 1" in out) is bool(short)
