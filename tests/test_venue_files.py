"""The venue epoch on files (``zkproof.prover.venue_files``): a ``[venue]`` snapshot and venue
keys -> a venue bundle through ``pipeline.prove`` and ``zkproof prove``; resume, foreign and
tampered partials, the lock, and the refusals made before any work.

The venue: the example generator's snapshot (``examples_gen.generate``: 16 instruments, 3
assets, 4 users, the insurance fund and the vault) with a ``[venue]`` section, three scenarios
(mark and spot +/- the scan range), universes ``I_max = 32``, ``A_max = 4``, ``P = 4``, ``B = 4``,
wide tier ``P = 8``, plus a borrower; 5 accounts in the narrow tier (the insurance fund among
them) and 2 in the wide tier (the vault among them).
Keys: capacity 2, 4 batches (3 narrow, the last one wide), single-party dev keys written as
``zkproof setup`` lays them out (``venue_keys.save_key_shape``, ``KEY_final.zkey``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from zkproof import pipeline
from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.examples_gen import generate, write_files
from zkproof.formats import bundle, inclusion_file, strict_json
from zkproof.formats.venue_header import parse_venue_header, parse_venue_record
from zkproof.formats.zkey_file import write_zkey
from zkproof.groth16.setup import dev_setup
from zkproof.prover import workdir
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.venue_epoch import VenueEpochKeys
from zkproof.prover.venue_files import prove_venue_files
from zkproof.prover.venue_keys import AGGREGATE, VenueKeyShape, key_name, save_key_shape, zkey_path
from zkproof.venue import VenueEpochShape, VenueShape

pytestmark = pytest.mark.prove

VENUE = '\n[venue]\ni_max = 32\na_max = 4\np = 4\nb = 4\nwide_p = 8\nborrow_haircut = "0.05"\n'
SCENARIOS = '[scenarios]\nlevels = ["1", "-1"]\nvol_shocks = ["0"]\ntail_levels = []\n'
BORROWER = {"id": "borrower-0", "nonce": "cd" * 32, "role": "user",
            "balances": {"USDC": "-500000000", "ETH": "1000000000"}, "positions": {}}
CAPACITY, N_BATCHES = 2, 4
TIERS = (4, 8)


def write_venue(directory: Path, venue: str = VENUE, extra: tuple[dict, ...] = (BORROWER,),
                drop: str | None = None) -> Path:
    """The test venue's five files in ``directory``; ``extra`` accounts appended, the account
    ``drop`` left out."""
    files = generate(seed=2, n_users=4)
    files["params.toml"] = files["params.toml"].replace("[scenarios]\n", SCENARIOS) + venue
    lines = [x for x in files["accounts.jsonl"].splitlines() if drop is None or json.loads(x)["id"] != drop]
    files["accounts.jsonl"] = "".join(x + "\n" for x in lines) + "".join(json.dumps(a) + "\n" for a in extra)
    return write_files(directory, files)


def key_shape(n_batches: int = N_BATCHES, tiers: tuple[int, ...] = TIERS) -> VenueKeyShape:
    batch = VenueShape(i_max=32, a_max=4, p=tiers[0], b=4, k=2, capacity=CAPACITY, table_bits=40)
    return VenueKeyShape(VenueEpochShape(batch, n_batches), tiers)


def shape_only_keys(directory: Path, ks: VenueKeyShape) -> Path:
    """A keys directory with the shape file only: a refusal before any key is read needs no more."""
    save_key_shape(directory, ks)
    return directory


@pytest.fixture(scope="module")
def venue(tmp_path_factory):
    d = tmp_path_factory.mktemp("venue")
    return pipeline.load_inputs(write_venue(d / "inputs"))


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Dev keys of both tiers and the aggregate, in memory and as a keys directory."""
    ks = key_shape()
    keys = VenueEpochKeys({s: dev_setup(venue_batch_circuit(s).to_r1cs(), quiet=True)
                           for s in ks.tier_shapes()},
                          dev_setup(venue_aggregate_circuit(ks.epoch).to_r1cs(), quiet=True))
    d = tmp_path_factory.mktemp("keys")
    save_key_shape(d, ks)
    for s, pk in keys.batch.items():
        write_zkey(zkey_path(d, key_name(s)), pk)
    write_zkey(zkey_path(d, AGGREGATE), keys.aggregate)
    return ks, keys, d


@pytest.fixture(scope="module")
def proved(venue, keys, tmp_path_factory):
    """The honest bundle, proved through ``pipeline.prove`` with two pool workers (the tier keys
    read from the keys directory), and its work directory."""
    d = tmp_path_factory.mktemp("proved")
    out = pipeline.prove(venue, keys[2], d / "bundle", d / "work", progress=False, workers=2)
    return out, d / "work"


def header_of(out: Path):
    return parse_venue_header(strict_json.load(out / "header.json"), "header.json")


def assert_verifies(out: Path) -> None:
    """As `zkproof verify --allow-dev` (``pipeline.verify``: a venue bundle by its header)."""
    report = pipeline.verify(out, allow_dev=True)
    assert report.ok and report.header.shape.batch.i_max == 32, report.failed()


def batch_files(work: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in work.glob("batch_*.json")}


def job(venue, keys, **kw):
    return dataclasses.replace(pipeline.venue_job(venue, keys[0]), **kw)


class Interrupt(Exception):
    pass


def stop_after(k: int):
    seen: list[int] = []

    def hook(index: int) -> None:
        seen.append(index)
        if len(seen) >= k:
            raise Interrupt(f"stopped after {seen}")
    return hook, seen


# -- completeness ------------------------------------------------------------------------------

def test_honest_venue_snapshot_proves_to_a_bundle(venue, proved):
    out, _ = proved
    assert_verifies(out)
    header = header_of(out)
    assert header.epoch == venue.epoch.epoch and header.tiers == TIERS
    assert [b.tier for b in header.batches] == [4, 4, 4, 8]  # the wide tier in the last batch
    names = set(bundle.read_bundle(out).digests)
    assert {"keys/batch_p4.vk.json", "keys/batch_p8.vk.json", "keys/aggregate.vk.json",
            "proofs/aggregate.json", *(f"proofs/batch_{b:04d}.json" for b in range(N_BATCHES))} <= names
    sealed = [out / n for n in names if n.startswith("inclusion/")]
    assert len(sealed) == N_BATCHES * CAPACITY and len({p.stat().st_size for p in sealed}) == 1
    assert header.totals is None
    assert not list(proved[1].glob("*.zkey"))  # the pool's workers read the keys directory's files


def test_revealed_totals_from_the_same_work_dir(venue, keys, proved, tmp_path):
    """--reveal-totals on the hidden run's work directory: the salt is 0, so gamma and every
    batch's public inputs change and each batch is proved again; the header lists the
    liabilities per listed asset (the snapshot's signed balance totals) and the gross loans,
    and the bundle verifies."""
    work = tmp_path / "work"
    shutil.copytree(proved[1], work)
    resumed: list[int] = []
    out = prove_venue_files(job(venue, keys, reveal_totals=True), keys[1], tmp_path / "b", work,
                            progress=False, workers=1, on_batch_done=resumed.append)
    assert sorted(resumed) == list(range(N_BATCHES))
    assert_verifies(out)
    snap = venue.snapshot
    n_a = len(snap.params.assets)
    assert header_of(out).totals == [sum(a.balances[k] for a in snap.accounts) for k in range(n_a)]
    loans = [sum(max(-a.balances[k], 0) for a in snap.accounts) for k in range(n_a)]
    assert header_of(out).loans == loans and loans[0] > 0  # the borrower's USDC
    assert header_of(out).gamma != header_of(proved[0]).gamma


def test_every_account_opens_its_record_up_to_its_batch_root(venue, proved):
    """Each holder's sealed file opens with its id and nonce; the record's slots are the
    account's, and its path climbs to the root the header publishes for its batch, in its tier."""
    out, _ = proved
    header = header_of(out)
    snap = venue.snapshot
    for acc in snap.accounts:
        loc = inclusion_file.locator(header.epoch, acc.id, acc.nonce)
        raw = inclusion_file.open_sealed((out / "inclusion" / f"{loc}.bin").read_bytes(), header.epoch,
                                         acc.id, acc.nonce, loc)
        rec = parse_venue_record(raw, header.shape, header.tiers, header.epoch, loc)
        entry = header.batches[rec.batch]
        assert rec.tier == entry.tier == (4 if sum(1 for q in acc.positions if q) <= 4 else 8)
        assert rec.root(stm.id_hash(acc.id, acc.nonce), header.tier_shape(rec.tier)) == entry.root
        assert rec.balances == tuple((a + 1, b) for a, b in enumerate(acc.balances) if b)
        assert rec.positions == tuple((i + 1, q) for i, q in enumerate(acc.positions) if q)


def test_protocol_accounts_named_in_the_header(venue, proved):
    """The insurance fund (narrow tier) and the vault (wide tier) are named with their roles,
    nonces and records, which climb to their batch roots; no other account is named."""
    out, _ = proved
    header = header_of(out)
    snap = venue.snapshot
    want = {a.id: a for a in snap.accounts if a.role in stm.PROTOCOL_ROLES}
    assert {p.id for p in header.protocol_accounts} == set(want) == {"insurance-fund", "protocol-vault"}
    for p in header.protocol_accounts:
        acc = want[p.id]
        assert (p.role, p.nonce) == (acc.role, acc.nonce)
        entry = header.batches[p.record.batch]
        assert p.record.tier == entry.tier
        assert p.record.root(stm.id_hash(p.id, p.nonce), header.tier_shape(entry.tier)) == entry.root
    vault = next(p for p in header.protocol_accounts if p.role == "protocol_vault")
    assert vault.record.tier == 8 and vault.record.batch == N_BATCHES - 1


def test_protocol_record_on_another_batch_does_not_climb(proved):
    """ATTACK (a protocol account left out, claimed in another batch): its record's path does
    not climb to another batch's root."""
    header = header_of(proved[0])
    p = next(p for p in header.protocol_accounts if p.role == "insurance_fund")
    other = next(b for b in header.batches[:3] if b.root != header.batches[p.record.batch].root)
    assert p.record.root(stm.id_hash(p.id, p.nonce), header.tier_shape(4)) != other.root


def test_single_tier_venue_set_up_and_proved_through_the_cli(tmp_path):
    """``wide_p == p``: `zkproof setup --dev` makes keys of one tier (``batch_p8``), every
    account is in it; `zkproof prove` (unchanged for the user) publishes a bundle with its
    holders' page, that `zkproof verify` accepts (the page's data included) and in which the
    borrower's `zkproof inclusion verify` holds."""
    inputs = write_venue(tmp_path / "inputs", venue=VENUE.replace("p = 4\n", "p = 8\n"))
    keys_dir = tmp_path / "keys"
    r = subprocess.run([sys.executable, "-m", "zkproof.cli.main", "setup", "--inputs", str(inputs),
                        "--capacity", str(CAPACITY), "--batches", str(N_BATCHES), "--out", str(keys_dir),
                        "--dev"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in keys_dir.glob("*.zkey")) == ["aggregate_final.zkey", "batch_p8_final.zkey"]
    out = tmp_path / "bundle"
    r = subprocess.run([sys.executable, "-m", "zkproof.cli.main", "prove", "--inputs", str(inputs),
                        "--keys", str(keys_dir), "--out", str(out), "--workers", "1"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"wrote {out}; account holders' page: {out / 'verify.html'}"
    header = header_of(out)
    assert header.tiers == (8,) and [b.tier for b in header.batches] == [8] * N_BATCHES
    assert {p.role for p in header.protocol_accounts} == set(stm.PROTOCOL_ROLES)
    for args in (("verify", out, "--allow-dev"),
                 ("inclusion", "verify", out, "--id", BORROWER["id"], "--nonce", BORROWER["nonce"],
                  "--allow-dev")):
        r = subprocess.run([sys.executable, "-m", "zkproof.cli.main", *map(str, args)],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
    assert "USDC, a loan)" in r.stdout  # the borrower's balance, shown as the loan it is


# -- resume and the work directory -------------------------------------------------------------

def test_interrupted_run_resumes_reusing_finished_batches(venue, keys, tmp_path):
    """A hook raising after the first finished batch aborts the run (no bundle); the re-run
    keeps that batch file byte for byte (and in place), proves only the others, and verifies."""
    work, out = tmp_path / "work", tmp_path / "bundle"
    hook, seen = stop_after(1)
    with pytest.raises(Interrupt):
        prove_venue_files(job(venue, keys), keys[1], out, work, progress=False, workers=1,
                          on_batch_done=hook)
    assert not out.exists()
    before = batch_files(work)
    assert set(before) == {f"batch_{seen[0]:04d}.json"}
    data = {n: (work / n).read_bytes() for n in before}
    resumed: list[int] = []
    prove_venue_files(job(venue, keys), keys[1], out, work, progress=False, workers=1,
                      on_batch_done=resumed.append)
    assert sorted(resumed) == sorted(set(range(N_BATCHES)) - set(seen))
    assert {n: batch_files(work)[n] for n in before} == before
    assert all((work / n).read_bytes() == b for n, b in data.items())
    for n in range(N_BATCHES):
        partial = strict_json.load(work / f"batch_{n:04d}.json")
        assert strict_json.load(out / "proofs" / f"batch_{n:04d}.json") == partial["result"]
    assert_verifies(out)


def test_foreign_partial_is_proved_again(venue, keys, proved, tmp_path, capsys):
    """A partial bound to another batch key (in a copy of the finished work directory) is
    named and proved again; the other batches are reused."""
    work = tmp_path / "work"
    shutil.copytree(proved[1], work)
    foreign = strict_json.load(work / "batch_0001.json")
    foreign["binding"]["batch_key"] = "f" * 64
    (work / "batch_0001.json").write_bytes(strict_json.dumps(foreign))
    resumed: list[int] = []
    out = prove_venue_files(job(venue, keys), keys[1], tmp_path / "b", work, progress=False,
                            workers=1, on_batch_done=resumed.append)
    assert resumed == [1]
    assert "batch_0001.json: made for another batch_key: not reused" in capsys.readouterr().err
    assert_verifies(out)


def test_tampered_partial_never_reaches_a_bundle(venue, keys, proved, tmp_path):
    """ATTACK (a partial under this run's binding holding another batch's proof): the staged
    bundle does not verify, nothing is published, the file is removed; the re-run proves
    that batch alone again."""
    work = tmp_path / "work"
    shutil.copytree(proved[1], work)
    bad = strict_json.load(work / "batch_0001.json")
    bad["result"]["proof"] = strict_json.load(work / "batch_0000.json")["result"]["proof"]
    (work / "batch_0001.json").write_bytes(strict_json.dumps(bad))
    with pytest.raises(InputError, match=r"batch_0001\.json: proof: 1 batch proof\(s\) from the work "
                       r"directory do not verify .*removed; nothing was published"):
        prove_venue_files(job(venue, keys), keys[1], tmp_path / "b", work, progress=False, workers=1)
    assert not (tmp_path / "b").exists() and not (work / "batch_0001.json").exists()
    resumed: list[int] = []
    out = prove_venue_files(job(venue, keys), keys[1], tmp_path / "b", work, progress=False,
                            workers=1, on_batch_done=resumed.append)
    assert resumed == [1]
    assert_verifies(out)


def test_tampered_partial_public_inputs_never_reach_a_bundle(venue, keys, proved, tmp_path):
    """ATTACK (a partial under this run's binding whose public inputs were edited: another
    root): the staged bundle's batch public inputs differ from the header's, nothing is
    published and the file is removed."""
    work = tmp_path / "work"
    shutil.copytree(proved[1], work)
    bad = strict_json.load(work / "batch_0002.json")
    bad["result"]["public"][0] = str(int(bad["result"]["public"][0]) + 1)
    (work / "batch_0002.json").write_bytes(strict_json.dumps(bad))
    with pytest.raises(InputError, match=r"batch_0002\.json: proof: 1 batch proof\(s\) from the work "
                       r"directory do not verify \(root: .*\): removed"):
        prove_venue_files(job(venue, keys), keys[1], tmp_path / "b", work, progress=False, workers=1)
    assert not (tmp_path / "b").exists() and not (work / "batch_0002.json").exists()
    assert (work / "batch_0001.json").exists()


def test_work_dir_with_proofs_under_another_tier_key_is_refused(venue, keys, proved, tmp_path):
    """Finished batch proofs are reused only under the tier keys that made them: a resume
    with another key for the wide tier is refused before any work (a bundle never mixes keys)."""
    ks, pks, _ = keys
    wide = ks.tier(8)
    other = VenueEpochKeys({**pks.batch, wide: dev_setup(venue_batch_circuit(wide).to_r1cs(), quiet=True)},
                           pks.aggregate)
    work = tmp_path / "work"
    shutil.copytree(proved[1], work)
    before = batch_files(work)
    with pytest.raises(InputError, match="plan.json: batch_keys: the finished batch proofs in the work "
                       "directory were made with other batch keys"):
        prove_venue_files(job(venue, keys), other, tmp_path / "b", work, progress=False, workers=1)
    assert batch_files(work) == before and not (tmp_path / "b").exists()


def test_plan_that_drops_or_repeats_an_account_is_refused(venue, keys, proved, tmp_path):
    """A plan.json edited to put one account in two slots (and so leave another out) is refused
    before any work, whatever its inputs digest says."""
    work = tmp_path / "work"
    shutil.copytree(proved[1], work)
    plan = strict_json.load(work / "plan.json")
    narrow = [j for b in range(3) for j in plan["slots"][b] if j >= 0]
    b, u = next((b, u) for b in range(3) for u, j in enumerate(plan["slots"][b]) if j != narrow[0])
    plan["slots"][b][u] = narrow[0]
    (work / "plan.json").write_text(json.dumps(plan))
    with pytest.raises(InputError, match=r"plan.json: slots: the plan does not place every account of "
                       r"tier P = 4 exactly once"):
        prove_venue_files(job(venue, keys), keys[1], tmp_path / "b", work, progress=False, workers=1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_then_resume(venue, keys, tmp_path):
    """kill -9 of a two-worker `zkproof prove` on the venue after its first finished batch: no
    worker survives it, the lock is free again, and the re-run keeps every finished batch file
    as it was (same bytes and mtime), proves the rest and publishes a bundle that verifies."""
    import signal

    from tests.test_cli_epoch import _children, _running, _wait_for

    work, out = tmp_path / "work", tmp_path / "bundle"
    inputs = Path(venue.snapshot.paths["params"]).parent
    cmd = [sys.executable, "-m", "zkproof.cli.main", "prove", "--inputs", str(inputs), "--keys",
           str(keys[2]), "--out", str(out), "--work", str(work), "--workers", "2"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: list(work.glob("batch_*.json")) and len(_children(p.pid)) >= 2,
              "a finished batch and two workers")
    workers = _children(p.pid)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    _wait_for(lambda: not any(_running(w) for w in workers), "the workers to end", timeout=30)
    before = batch_files(work)
    data = {n: (work / n).read_bytes() for n in before}
    assert before and not out.exists()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    assert {n: batch_files(work)[n] for n in before} == before
    assert all((work / n).read_bytes() == b for n, b in data.items())
    assert_verifies(out)


def test_existing_bundle_refused_before_any_work(venue, keys, proved, tmp_path):
    """An existing output directory without --force: refused before the work directory is
    touched (the publish step would refuse it only after every proof)."""
    with pytest.raises(InputError, match=r"bundle: <dir>: already exists \(use a new directory or --force\)"):
        prove_venue_files(job(venue, keys), keys[1], proved[0], tmp_path / "w", progress=False, workers=1)
    assert not (tmp_path / "w").exists()


def test_work_dir_of_other_inputs_is_refused(venue, keys, proved, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(proved[1], work)
    other = job(venue, keys, epoch=venue.epoch.epoch + 1)
    with pytest.raises(InputError, match="plan.json: inputs: the work directory belongs to other inputs"):
        prove_venue_files(other, keys[1], tmp_path / "b", work, progress=False, workers=1)


def test_second_prover_on_the_same_work_dir_exits_2(venue, keys, tmp_path):
    """While a prove holds the work directory, `zkproof prove` on it stops at once: one line
    naming the holder, exit 2, nothing written."""
    work = workdir.prepare(tmp_path / "work")
    inputs = Path(venue.snapshot.paths["params"]).parent
    with workdir.work_lock(work):
        r = subprocess.run([sys.executable, "-m", "zkproof.cli.main", "prove", "--inputs", str(inputs),
                            "--keys", str(keys[2]), "--out", str(tmp_path / "b"), "--work", str(work),
                            "--workers", "1"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    assert "lock: another prove is using this work directory (pid" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists() and not (work / "plan.json").exists()


# -- refusals before any work ------------------------------------------------------------------

def test_too_many_accounts_for_the_slots_refused_before_any_work(venue, tmp_path):
    """Keys of 2 batches of 2: the 5 narrow accounts need 3 narrow batches and the wide ones
    one more. Refused naming the accounts file, before any key is read (the keys directory
    holds the shape only) and before the work directory exists."""
    keys_dir = shape_only_keys(tmp_path / "keys", key_shape(n_batches=2))
    with pytest.raises(InputError, match=r"accounts.jsonl: count: 7 accounts \(5 of tier P=4, 2 of tier "
                       r"P=8\) need 4 batches of capacity 2; the shape has 2 \(raise --batches"):
        pipeline.prove(venue, keys_dir, tmp_path / "b", tmp_path / "work", progress=False)
    assert not (tmp_path / "work").exists() and not (tmp_path / "b").exists()


def test_account_over_wide_p_refused_naming_its_line(tmp_path):
    """An account with more positions than the wide tier holds: `zkproof prove` exits 2 with
    one line naming the file, the account's line and its position count, before any key is read."""
    venue = VENUE.replace("p = 4\n", "p = 2\n").replace("wide_p = 8", "wide_p = 4")
    inputs = write_venue(tmp_path / "inputs", venue=venue)
    snap = pipeline.load_inputs(inputs).snapshot
    over = next(a for a in snap.accounts if sum(1 for q in a.positions if q) > 4)
    keys_dir = shape_only_keys(tmp_path / "keys", key_shape(tiers=(2, 4)))
    r = subprocess.run([sys.executable, "-m", "zkproof.cli.main", "prove", "--inputs", str(inputs),
                        "--keys", str(keys_dir), "--out", str(tmp_path / "b")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    n = sum(1 for q in over.positions if q)
    assert f"accounts.jsonl: line {over.line}: positions: account '{over.id}': {n} positions, the " \
        "wide tier holds 4 (venue.wide_p)" in r.stderr
    assert not (tmp_path / "b").exists()


def test_dropped_netting_set_refused_before_any_work(tmp_path):
    """ATTACK (a dropped netting set): the snapshot without one account that holds positions
    does not net to zero; refused naming an instrument before any key is read."""
    inputs = write_venue(tmp_path / "inputs", drop="user-00000")
    keys_dir = shape_only_keys(tmp_path / "keys", key_shape())
    with pytest.raises(InputError, match=r"accounts.jsonl: positions: \d+ instruments do not net to zero "
                       r"\(first: .*, net -?\d+\); nothing was proved"):
        pipeline.prove(pipeline.load_inputs(inputs), keys_dir, tmp_path / "b", tmp_path / "w",
                       progress=False)
    assert not (tmp_path / "w").exists()


def test_reserves_below_liabilities_refused_before_any_work(tmp_path):
    """epoch.json with ETH reserves one unit below the accounts' ETH total: refused naming the
    file and the asset, before any key is read."""
    inputs = write_venue(tmp_path / "inputs")
    loaded = pipeline.load_inputs(inputs)
    eth = [a.symbol for a in loaded.snapshot.params.assets].index("ETH")
    total = sum(a.balances[eth] for a in loaded.snapshot.accounts)
    doc = json.loads((inputs / "epoch.json").read_text())
    doc["reserves"]["ETH"] = str(total - 1)
    (inputs / "epoch.json").write_text(json.dumps(doc))
    keys_dir = shape_only_keys(tmp_path / "keys", key_shape())
    with pytest.raises(InputError, match=rf"epoch.json: reserves.ETH: liabilities {total} exceed the "
                       rf"reserves {total - 1}; nothing was proved"):
        pipeline.prove(pipeline.load_inputs(inputs), keys_dir, tmp_path / "b", tmp_path / "w",
                       progress=False)
    assert not (tmp_path / "w").exists()


def test_keys_of_another_shape_refused(venue, tmp_path):
    """Keys made for another capacity or another wide tier: refused naming the field."""
    ks = key_shape()
    other = VenueKeyShape(dataclasses.replace(ks.epoch, batch=dataclasses.replace(ks.epoch.batch, k=3)),
                          ks.tiers)
    with pytest.raises(InputError, match=r"venue_shape.json: k: the keys were made for k = 3, the "
                       r"inputs need 2"):
        pipeline.prove(venue, shape_only_keys(tmp_path / "k1", other), tmp_path / "b", progress=False)
    with pytest.raises(InputError, match=r"venue_shape.json: tiers: the keys prove tiers P = \[4, 16\]"):
        pipeline.prove(venue, shape_only_keys(tmp_path / "k2", key_shape(tiers=(4, 16))), tmp_path / "b",
                       progress=False)


def test_keys_and_snapshot_kinds_must_match(venue, tmp_path):
    """Dense keys on a venue snapshot, venue keys on a dense one: one line each, no work."""
    dense = tmp_path / "dense-keys"
    pipeline.save_shape(dense, stm.Shape(3, 8, 3, 2, 40, 2))
    with pytest.raises(InputError, match="params.toml: venue: a venue snapshot is proved by the venue "
                       "circuits"):
        pipeline.prove(venue, dense, tmp_path / "b", progress=False)
    plain = write_venue(tmp_path / "plain", venue="", extra=())
    with pytest.raises(InputError, match=r"venue: venue keys \(venue_shape.json\), but the inputs have no "
                       r"\[venue\] section"):
        pipeline.prove(pipeline.load_inputs(plain), shape_only_keys(tmp_path / "vk", key_shape()),
                       tmp_path / "b", progress=False)
