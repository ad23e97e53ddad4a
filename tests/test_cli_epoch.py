"""The solvency CLI end to end on a tiny snapshot (tests/data/tiny): setup (dev keys), prove,
verify (exit codes, --json), inclusion verify, and bad input (SPEC §4, §6)."""

from __future__ import annotations

import json
import os
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
    assert "position ETH-PERP: 3000000 (3.000000 contracts)" in r.stdout  # position_decimals 6
    assert "position ETH-20261225-3000-P: -2000000 (-2.000000 contracts)" in r.stdout
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
    exits 1 naming the aggregate statement check, never INCLUDED; --json says the same. The
    honest bundle, from four loose files: exit 0, and the output lists the root, the balances
    by symbol and what was NOT checked."""
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
def test_exported_vk_sha256sum_pins_the_bundle_key(proved, tmp_path):
    """An honest ceremony publishes `sha256sum verification_key.json` of `zkey export
    verificationkey`: those are the bytes of the bundle's keys/NAME.vk.json (one canonical
    form, trailing newline included), so the pin passes."""
    import hashlib

    for name in ("batch", "aggregate"):
        vk = tmp_path / f"{name}_verification_key.json"
        r = zk("zkey", "export", "verificationkey", proved / "keys" / f"{name}_final.zkey", vk,
               "--allow-dev")
        assert r.returncode == 0, r.stderr
        assert vk.read_bytes() == (proved / "bundle" / "keys" / f"{name}.vk.json").read_bytes()
    sums = {n: hashlib.sha256((tmp_path / f"{n}_verification_key.json").read_bytes()).hexdigest()
            for n in ("batch", "aggregate")}
    r = zk("verify", proved / "bundle", "--allow-dev", *[f"--vk-sha256={n}={h}" for n, h in sums.items()])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[ok] batch key is the ceremony's" in r.stdout
    assert "[ok] aggregate key is the ceremony's" in r.stdout


def test_verify_json_on_a_malformed_bundle_prints_an_error_object(proved, tmp_path):
    """`verify --json` always prints JSON: a tampered bundle gives valid false and the error
    (file, field, reason) on stdout, the one line on stderr, exit 2."""
    dst = tmp_path / "b"
    shutil.copytree(proved / "bundle", dst)
    p = dst / "proofs" / "aggregate.json"
    p.write_text(p.read_text().replace("1", "2", 1))
    r = zk("verify", dst, "--allow-dev", "--json")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    rep = json.loads(r.stdout)
    assert rep["valid"] is False and rep["bundle"] == str(dst)
    assert rep["error"]["file"].endswith("aggregate.json") and "tampered" in rep["error"]["reason"]
    r = zk("verify", tmp_path / "missing", "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["error"]["reason"] == "not a bundle directory"


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_setup_refuses_fewer_slots_than_accounts(tmp_path):
    """setup sees examples/accounts.jsonl (50 accounts): 2 batches x 2 slots is refused before
    any circuit is built (exit 2, no keys); a shape that fits states its slot count."""
    r = zk("setup", "--inputs", EXAMPLES, "--capacity", 2, "--batches", 2, "--out", tmp_path / "k")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "accounts.jsonl: count: 50 accounts exceed the 4 slots of this shape" in r.stderr
    assert not (tmp_path / "k").exists()


def test_setup_states_the_slot_count(proved):
    r = zk("setup", "--inputs", proved / "inputs", "--capacity", 2, "--batches", 2,
           "--out", proved / "again")
    assert r.returncode == 0, r.stderr
    assert "shape: 2 batches x capacity 2 = 4 account slots (3 accounts in " in r.stderr


def test_prove_refuses_too_many_accounts_before_any_work(proved, tmp_path):
    """More accounts than the keys' slots: prove stops before reading a key or creating its
    work directory, naming the accounts file and the slot count."""
    inputs = tmp_path / "inputs"
    shutil.copytree(proved / "inputs", inputs)
    lines = (inputs / "accounts.jsonl").read_text().splitlines()
    extra = [json.loads(lines[0]) for _ in range(2)]
    for i, acc in enumerate(extra):
        acc["id"], acc["nonce"] = f"extra-{i}", f"{i + 7:02x}" * 32
    (inputs / "accounts.jsonl").write_text("\n".join(lines + [json.dumps(a) for a in extra]) + "\n")
    r = zk("prove", "--inputs", inputs, "--keys", proved / "keys", "--out", tmp_path / "bundle")
    assert r.returncode == 2 and "count: 5 accounts exceed the 4 slots" in r.stderr
    assert not (tmp_path / "bundle").exists() and not (tmp_path / ".bundle.work").exists()


# -- two provers, kill -9: real processes on keys with 8 batches -----------------------------
@pytest.fixture(scope="module")
def eight(tmp_path_factory):
    d = tmp_path_factory.mktemp("eight")
    shutil.copytree(TINY, d / "inputs")
    r = zk("setup", "--inputs", d / "inputs", "--capacity", 2, "--batches", 8, "--out", d / "keys", "--dev")
    assert r.returncode == 0, r.stderr
    return d


def _prove_process(d, work, out, workers, *more):
    return subprocess.Popen([sys.executable, "-m", "zkproof.cli.main", "prove", "--inputs", d / "inputs",
                             "--keys", d / "keys", "--out", out, "--work", work, "--workers", str(workers),
                             *more], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_for(cond, what, timeout=600.0):
    import time

    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def _children(pid):
    """Processes whose parent is ``pid`` (field 4 of /proc/N/stat)."""
    out = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.add(int(proc.name))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return out


def _running(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_two_provers_on_one_work_dir(eight, tmp_path):
    """Two real `zkproof prove` processes on one --work: while the first holds it (stopped
    with SIGSTOP, so the race is certain), the second exits 2 with one line naming the
    directory and the holder's pid; the first then finishes and its bundle verifies."""
    import signal

    work = tmp_path / "work"
    first = _prove_process(eight, work, tmp_path / "first", 1)
    try:
        _wait_for(lambda: (work / "lock").is_file() and f"pid {first.pid} " in (work / "lock").read_text(),
                  "the first prover's lock")
        os.kill(first.pid, signal.SIGSTOP)
        r = zk("prove", "--inputs", eight / "inputs", "--keys", eight / "keys", "--out",
               tmp_path / "second", "--work", work)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert f"{work}: lock: another prove is using this work directory (pid {first.pid} on " in r.stderr
        assert not (tmp_path / "second").exists()
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.wait(timeout=900) == 0, first.stderr.read()
    r = zk("verify", tmp_path / "first", "--allow-dev")
    assert r.returncode == 0, r.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("mode", [(), ("--scheduler", "local")], ids=["pool", "dask-local"])
def test_kill_9_leaves_no_worker_and_resumes(eight, tmp_path, mode):
    """kill -9 of a two-worker prove (process pool or local Dask cluster) after its first
    batch: no child process survives it (workers die with the driver); the re-run keeps every
    finished batch file as it was (same mtime: not proved again), proves the rest, and the
    bundle verifies."""
    import signal
    import time

    if mode:
        pytest.importorskip("dask.distributed")
    work, out = tmp_path / "work", tmp_path / "bundle"
    p = _prove_process(eight, work, out, 2, *mode)
    _wait_for(lambda: list(work.glob("batch_*.json")) and len(_children(p.pid)) >= 2,
              "a finished batch and two workers")
    workers = _children(p.pid)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    deadline = time.monotonic() + 5
    while any(_running(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _running(w)], "worker processes outlived the killed prover"
    assert not out.exists()
    before = {f.name: f.stat().st_mtime_ns for f in work.glob("batch_*.json")}
    assert 1 <= len(before) < 8
    r = zk("prove", "--inputs", eight / "inputs", "--keys", eight / "keys", "--out", out,
           "--work", work, "--workers", 2)
    assert r.returncode == 0, r.stderr
    assert "not reused" not in r.stderr
    assert {n: (work / n).stat().st_mtime_ns for n in before} == before
    r = zk("verify", out, "--allow-dev")
    assert r.returncode == 0, r.stdout


@pytest.mark.slow  # a dev setup of a 2^16 batch circuit: about 1-3 min on 2 shared cores
def test_shipped_examples_prove_and_verify(tmp_path):
    """examples/ as shipped (with its epoch.json) goes through setup, prove and verify."""
    r = zk("setup", "--inputs", EXAMPLES, "--capacity", 16, "--batches", 4, "--out", tmp_path / "keys",
           "--dev")
    assert r.returncode == 0, r.stderr
    assert "4 batches x capacity 16 = 64 account slots (50 accounts in " in r.stderr
    r = zk("prove", "--inputs", EXAMPLES, "--keys", tmp_path / "keys", "--out", tmp_path / "bundle")
    assert r.returncode == 0, r.stderr
    r = zk("verify", tmp_path / "bundle", "--allow-dev", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["epoch"] == 1
