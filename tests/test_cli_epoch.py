"""The solvency CLI end to end on a tiny snapshot (tests/data/tiny): setup (dev keys), prove,
verify (exit codes, --json), inclusion verify, and bad input (SPEC §4, §6)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.prove

TINY = Path(__file__).parent / "data" / "tiny"
ALICE_NONCE = "11" * 32


def zk(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "zkproof.cli.main", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    inputs = d / "inputs"
    shutil.copytree(TINY, inputs)
    r = zk("setup", "--inputs", inputs, "--capacity", 2, "--batches", 2, "--out", d / "keys", "--dev")
    assert r.returncode == 0, r.stderr
    assert "INSECURE-DEV-SETUP" in r.stderr
    r = zk("prove", "--inputs", inputs, "--keys", d / "keys", "--out", d / "bundle")
    assert r.returncode == 0, r.stderr
    return d


def test_verify_ok_with_allow_dev_and_json(proved):
    r = zk("verify", proved / "bundle", "--allow-dev", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert rep["valid"] is True and rep["epoch"] == 3
    assert all(c["ok"] for c in rep["checks"])
    assert rep["totals"] == "hidden" and int(rep["totals_commitment"]) > 0  # the default


def test_prove_reveal_totals_and_verify_report(proved):
    """SPEC §1.4 option: --reveal-totals (same --work: the batch proofs are reused) publishes
    the totals; verify shows them (--json; the text report below). Twin: the same bundle with a total
    edited (manifest re-signed) exits 1 and names the failed check."""
    import hashlib

    work = proved / ".bundle.work"
    assert (work / "plan.json").exists()
    r = zk("prove", "--inputs", proved / "inputs", "--keys", proved / "keys", "--out",
           proved / "open", "--work", work, "--reveal-totals")
    assert r.returncode == 0, r.stderr
    r = zk("verify", proved / "open", "--allow-dev", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert rep["valid"] is True
    assert rep["totals"] == {"USDC": "150000000000", "ETH": "2000000000"}
    assert {c["name"] for c in rep["checks"] if c["ok"]} >= {
        "revealed totals open the commitment", "revealed totals covered by reserves"}

    header = proved / "open" / "header.json"
    h = json.loads(header.read_text())
    h["totals"][0] = "140000000000"
    data = json.dumps(h).encode()
    header.write_bytes(data)
    manifest = json.loads((proved / "open" / "manifest.json").read_text())
    manifest["files"]["header.json"] = hashlib.sha256(data).hexdigest()
    (proved / "open" / "manifest.json").write_text(json.dumps(manifest))
    r = zk("verify", proved / "open", "--allow-dev")
    assert r.returncode == 1 and "[FAIL] revealed totals open the commitment" in r.stdout
    assert "totals (revealed): USDC 140000000000 of reserves 160000000000, ETH 2000000000 of " \
        "reserves 2000000000" in r.stdout
    assert "[ok] revealed totals covered by reserves: USDC 140000000000 <= 160000000000" in r.stdout


def test_verify_refuses_dev_keys_by_default(proved):
    """C6: exit non-zero and say why, unless --allow-dev."""
    r = zk("verify", proved / "bundle")
    assert r.returncode == 1
    assert "INSECURE-DEV-SETUP" in r.stdout and "INVALID" in r.stdout
    assert "totals: hidden (salted commitment " in r.stdout


def test_inclusion_verify(proved):
    r = zk("inclusion", "verify", proved / "bundle", "--id", "alice", "--nonce", ALICE_NONCE, "--allow-dev")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "INCLUDED" in r.stdout and "balance USDC: 50000000000 (50000.000000 USDC)" in r.stdout
    r = zk("inclusion", "verify", proved / "bundle", "--id", "mallory", "--nonce", ALICE_NONCE,
           "--allow-dev")
    assert r.returncode == 1 and "not in epoch 3" in r.stdout


def test_inclusion_verify_bad_nonce_is_malformed(proved):
    r = zk("inclusion", "verify", proved / "bundle", "--id", "alice", "--nonce", "0x11")
    assert r.returncode == 2 and "64 lowercase hex" in r.stderr and "Traceback" not in r.stderr


def test_tampered_bundle_is_one_line_exit_2(proved, tmp_path):
    dst = tmp_path / "b"
    shutil.copytree(proved / "bundle", dst)
    p = dst / "proofs" / "aggregate.json"
    p.write_text(p.read_text().replace("1", "2", 1))
    r = zk("verify", dst, "--allow-dev")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "aggregate.json" in r.stderr and "tampered" in r.stderr


def test_prove_refuses_failing_account_before_proving(proved, tmp_path):
    """SPEC §3: the pre-flight stops the run with a clear error; nothing is written."""
    inputs = tmp_path / "inputs"
    shutil.copytree(TINY, inputs)
    lines = (inputs / "accounts.jsonl").read_text().splitlines()
    lines[1] = lines[1].replace('"USDC":"90000000000"', '"USDC":"1000000"')  # bob short, no collateral
    (inputs / "accounts.jsonl").write_text("\n".join(lines) + "\n")
    r = zk("prove", "--inputs", inputs, "--keys", proved / "keys", "--out", tmp_path / "bundle")
    assert r.returncode == 2 and "under margin" in r.stderr
    assert not (tmp_path / "bundle").exists()


def test_prove_with_keys_for_another_shape(proved, tmp_path):
    keys = tmp_path / "keys"
    shutil.copytree(proved / "keys", keys)
    shape = json.loads((keys / "shape.json").read_text())
    shape["n_scenarios"] = 5
    (keys / "shape.json").write_text(json.dumps(shape))
    r = zk("prove", "--inputs", TINY, "--keys", keys, "--out", tmp_path / "bundle")
    assert r.returncode == 2 and "shape" in r.stderr


def test_existing_bundle_is_not_overwritten(proved):
    r = zk("prove", "--inputs", TINY, "--keys", proved / "keys", "--out", proved / "bundle")
    assert r.returncode == 2 and "already exists" in r.stderr


def test_setup_equity_check_bits(tmp_path, proved):
    """``setup --equity-check-bits`` fixes the margin-check width in the shape and the circuit:
    252 (no cap) costs 17 scenarios x (equity_bits - 88) more constraints per account than the
    default; prove then checks the keys' shape against the inputs with that width. Twin: a width
    outside 1..252 is refused (exit 2)."""
    from zkproof.formats.r1cs_file import read_r1cs
    from zkproof.statement import Shape

    r = zk("setup", "--inputs", proved / "inputs", "--capacity", 2, "--batches", 2,
           "--out", tmp_path / "wide", "--equity-check-bits", 252)
    assert r.returncode == 0, r.stderr
    shape = Shape(**json.loads((tmp_path / "wide" / "shape.json").read_text()))
    default = Shape(**json.loads((proved / "keys" / "shape.json").read_text()))
    assert (shape.equity_check_cap, default.equity_check_cap) == (252, 88)
    assert shape.equity_check_bits == shape.equity_bits > default.equity_check_bits == 88
    extra = read_r1cs(tmp_path / "wide" / "batch.r1cs").n_constraints - \
        read_r1cs(proved / "keys" / "batch.r1cs").n_constraints
    assert extra == shape.capacity * shape.n_scenarios * (shape.equity_bits - 88)
    r = zk("setup", "--inputs", proved / "inputs", "--out", tmp_path / "bad", "--equity-check-bits", 253)
    assert r.returncode == 2 and "253" in r.stderr


def test_verify_vk_sha256_anchor(proved):
    """``verify --vk-sha256 NAME=HEX``: the ceremony's published digest anchors a key (check
    "batch key is the ceremony's"); an unanchored key is listed as a note with its digest.
    Twins: a wrong digest exits 1 naming the key; a malformed option exits 2."""
    import hashlib

    digest = hashlib.sha256((proved / "bundle" / "keys" / "batch.vk.json").read_bytes()).hexdigest()
    r = zk("verify", proved / "bundle", "--allow-dev", "--vk-sha256", f"batch={digest}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[ok] batch key is the ceremony's" in r.stdout
    assert "[note] aggregate key is pinned only by this bundle's header" in r.stdout
    r = zk("verify", proved / "bundle", "--allow-dev", "--vk-sha256", "batch=" + "0" * 64)
    assert r.returncode == 1 and "[FAIL] batch key is the ceremony's" in r.stdout
    r = zk("verify", proved / "bundle", "--allow-dev", "--vk-sha256", "batch")
    assert r.returncode == 2 and "vk-sha256" in r.stderr


def _inputs_with(tmp_path, name, old, new):
    inputs = tmp_path / "inputs"
    shutil.copytree(TINY, inputs)
    text = (inputs / name).read_text()
    assert old in text
    (inputs / name).write_text(text.replace(old, new))
    return inputs


def test_stale_snapshot_prove_refused(proved, tmp_path):
    """ATTACKS A20: epoch.json stamped a year after the oracle snapshot (or before it): prove
    stops with one line naming the file, the field and the parameter; nothing is written.
    Twin: within oracle.max_snapshot_age_seconds (an hour later, the default bound) it proves
    and the header carries both times."""
    for stamp, reason in (("2027-11-20T16:00:00Z", "31536000 s older than the epoch timestamp"),
                          ("2026-11-20T15:59:59Z", "1 s after the epoch timestamp")):
        inputs = _inputs_with(tmp_path / stamp[:4], "epoch.json", "2026-11-20T16:00:00Z", stamp)
        r = zk("prove", "--inputs", inputs, "--keys", proved / "keys", "--out", tmp_path / "bundle")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "epoch.json: timestamp:" in r.stderr and reason in r.stderr
        assert "oracle.max_snapshot_age_seconds" in r.stderr
        assert not (tmp_path / "bundle").exists()
    inputs = _inputs_with(tmp_path / "ok", "epoch.json", "2026-11-20T16:00:00Z", "2026-11-20T17:00:00Z")
    r = zk("prove", "--inputs", inputs, "--keys", proved / "keys", "--out", tmp_path / "bundle")
    assert r.returncode == 0, r.stderr
    h = json.loads((tmp_path / "bundle" / "header.json").read_text())
    assert h["timestamp"] - h["risk_table"]["snapshot_time"] == 3600
    r = zk("verify", tmp_path / "bundle", "--allow-dev")
    assert r.returncode == 0 and "[ok] oracle snapshot age: 3600 s before the epoch (max 3600 s)" in r.stdout
    r = zk("verify", tmp_path / "bundle", "--allow-dev", "--max-snapshot-age", 3599)
    assert r.returncode == 1 and "[FAIL] oracle snapshot age" in r.stdout


def test_absurd_spot_prove_refused(proved, tmp_path):
    """ATTACKS A21: every oracle source quotes ETH at 1e-21 USD (they agree, so the deviation
    check passes): prove stops on the plausibility band, naming the asset and the source;
    nothing is written."""
    inputs = tmp_path / "inputs"
    shutil.copytree(TINY, inputs)
    doc = json.loads((inputs / "oracle.json").read_text())
    for q in doc["prices"]["ETH"]:
        q["spot"] = "0.000000000000000000001"
    (inputs / "oracle.json").write_text(json.dumps(doc))
    r = zk("prove", "--inputs", inputs, "--keys", proved / "keys", "--out", tmp_path / "bundle")
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "prices.ETH[0].spot: implausible price: coinbase quotes ETH at" in r.stderr
    assert not (tmp_path / "bundle").exists()


def test_fake_root_inclusion_verify_cli(proved, tmp_path):
    """ATTACKS B14 through the CLI: alice's record re-sealed with a path through a tree that
    holds only her, and the header's root replaced by that tree's root. `inclusion verify`
    exits 1 naming the aggregate statement check (it used to print INCLUDED); --json says
    the same. The honest bundle, from four loose files: exit 0, and the output lists the root,
    the balances by symbol and what was NOT checked."""
    import hashlib

    from tests.test_inclusion_verify import empty_path, one_holder_root, seal_json
    from zkproof.formats import inclusion_file
    from zkproof.formats.epoch_header import parse_header

    src = proved / "bundle"
    header = parse_header(json.loads((src / "header.json").read_text()), "header.json")
    shape, nonce = header.shape, bytes.fromhex(ALICE_NONCE)
    rel = f"inclusion/{inclusion_file.locator(header.epoch, 'alice', nonce)}.bin"
    loose = tmp_path / "loose"
    loose.mkdir()
    for name in ("header.json", "proofs/aggregate.json", "keys/aggregate.vk.json", rel):
        shutil.copy(src / name, loose / Path(name).name)
    args = ["--header", loose / "header.json", "--aggregate-proof", loose / "aggregate.json",
            "--aggregate-vk", loose / "aggregate.vk.json", "--record", loose / Path(rel).name]
    r = zk("inclusion", "verify", "--id", "alice", "--nonce", ALICE_NONCE, "--allow-dev", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"root {header.root}" in r.stdout and "[ok] path to the proven root" in r.stdout
    assert "[NOT CHECKED] the batch proofs" in r.stdout and "zkproof verify BUNDLE" in r.stdout
    assert "balance USDC: 50000000000 (50000.000000 USDC)" in r.stdout

    rec = empty_path(inclusion_file.open_sealed((loose / Path(rel).name).read_bytes(), header.epoch,
                                                "alice", nonce, rel), shape.n_assets)
    root = one_holder_root(shape, "alice", nonce, rec)
    dst = tmp_path / "fake"
    shutil.copytree(src, dst)
    _, blob = seal_json(rec, "alice", nonce, (src / rel).stat().st_size - 16)  # 16: the GCM tag
    (dst / rel).write_bytes(blob)
    h = json.loads((dst / "header.json").read_text())
    h["root"] = str(root)
    (dst / "header.json").write_text(json.dumps(h))
    m = json.loads((dst / "manifest.json").read_text())
    for name in (rel, "header.json"):
        m["files"][name] = hashlib.sha256((dst / name).read_bytes()).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(m))
    r = zk("inclusion", "verify", dst, "--id", "alice", "--nonce", ALICE_NONCE, "--allow-dev")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "[FAIL] proofs/aggregate.json statement: public[2] (root) differs from the header" in r.stdout
    assert "[ok] path to the proven root" in r.stdout and "INCLUDED" not in r.stdout
    assert "NOT VERIFIED: proofs/aggregate.json statement" in r.stdout
    r = zk("inclusion", "verify", dst, "--id", "alice", "--nonce", ALICE_NONCE, "--allow-dev", "--json")
    rep = json.loads(r.stdout)
    assert r.returncode == 1 and rep["included"] is False and rep["root"] == str(root)
    assert [c["name"] for c in rep["checks"] if not c["ok"]] == ["proofs/aggregate.json statement"]
    assert zk("verify", dst, "--allow-dev").returncode == 1
