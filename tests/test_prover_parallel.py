"""Scale-out of step 2 (SPEC §5, §6): batch proofs in a process pool and on Dask give bundles
that verify; an interruption (an exception after k batches, a killed worker) leaves the finished
batch files, and a re-run resumes without rewriting them (mtimes unchanged).

Tiny shape (4 batches of 2 slots) and single-party dev keys keep it fast; every bundle is
checked by the independent verifier (``zkproof.verifier.bundle_check``), which re-derives the
statement from the header and checks each Groth16 proof with a pairing.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from concurrent.futures.process import BrokenProcessPool

import pytest

from tests import test_epoch_e2e as e2e
from zkproof.errors import InputError
from zkproof.formats import strict_json
from zkproof.formats.zkey_file import write_zkey
from zkproof.groth16.setup import dev_setup
from zkproof.prover import parallel
from zkproof.prover.circuits import circuits_for
from zkproof.prover.epoch import EpochJob, EpochKeys, key_id, prove_epoch
from zkproof.verifier.bundle_check import verify_bundle

pytestmark = pytest.mark.prove

SHAPE = dataclasses.replace(e2e.SHAPE, n_batches=4)  # the e2e test's tiny shape, 4 batches
TABLE = e2e.TABLE
account = e2e.account
ACCOUNTS = [account(1, (100, 5), (3, -2)), account(2, (50, 0), (-1, 2)), account(3, (10, 5), (-2, 0)),
            account(4, (7, 1), (0, 0)), account(5, (30, 2), (0, 0))]
JOB = EpochJob(SHAPE, 7, 1_700_000_000, ACCOUNTS, TABLE, (200, 20), [("USDC", 6), ("ETH", 9)])


class Interrupt(Exception):
    pass


@pytest.fixture(scope="module")
def keys():
    c = circuits_for(SHAPE)
    return EpochKeys(dev_setup(c.batch.to_r1cs(), quiet=True), dev_setup(c.aggregate.to_r1cs(), quiet=True))


def batch_files(work):
    return {p.name: p.stat().st_mtime_ns for p in work.glob("batch_*.json")}


def assert_bundle_holds_work_files(out, work):
    """The bundle publishes exactly the batch proofs of the work dir (no re-proving)."""
    for i in range(SHAPE.n_batches):
        name = f"batch_{i:04d}.json"
        partial = strict_json.load(work / name)
        assert partial["binding"]["index"] == str(i) and partial["binding"]["epoch"] == str(JOB.epoch)
        assert strict_json.load(out / "proofs" / name) == partial["result"]


def assert_verifies(out):
    rep = verify_bundle(str(out), allow_dev=True)
    assert rep.ok, [c for c in rep.checks if not c.ok]
    assert sum(c.ok and c.name.startswith("proofs/batch_") and c.name.endswith(" proof")
               for c in rep.checks) == SHAPE.n_batches


def stop_after(k):
    seen = []

    def hook(index):
        seen.append(index)
        if len(seen) >= k:
            raise Interrupt(f"stopped after {seen}")
    return hook, seen


@pytest.mark.parametrize("workers,k", [(1, 2), (2, 1)])
def test_interrupted_run_resumes_without_rewriting(keys, tmp_path, workers, k):
    """A hook raising after k batches aborts the run and publishes no bundle (batches already
    running in other workers finish); the re-run keeps the finished batch files byte-for-byte
    and in place (mtimes), proves only the others, and the bundle verifies."""
    work, out = tmp_path / "work", tmp_path / "bundle"
    hook, seen = stop_after(k)
    with pytest.raises(Interrupt):
        prove_epoch(JOB, keys, out, work_dir=work, progress=False, workers=workers, on_batch_done=hook)
    assert not out.exists()
    before = batch_files(work)
    assert {f"batch_{i:04d}.json" for i in seen} <= set(before)
    assert k <= len(before) <= k + workers - 1 < SHAPE.n_batches
    contents = {n: (work / n).read_bytes() for n in before}
    resumed = []
    prove_epoch(JOB, keys, out, work_dir=work, progress=False, workers=workers,
                on_batch_done=resumed.append)
    after = batch_files(work)
    assert {n: after[n] for n in before} == before
    assert all((work / n).read_bytes() == b for n, b in contents.items())
    assert sorted(resumed) == sorted(set(range(SHAPE.n_batches)) - {int(n[6:10]) for n in before})
    assert_bundle_holds_work_files(out, work)  # the pairing checks run in the tests below


def _dies_on_batch_3(task, pk, _orig=parallel.prove_batch):
    if task.index == 3:
        os._exit(1)  # a killed worker: no exception, no cleanup
    return _orig(task, pk)


def test_killed_worker_then_resume(keys, tmp_path, monkeypatch):
    """A worker process that dies mid-run breaks the pool (a clear error, no bundle); what
    finished stays, and the re-run proves only the missing batches."""
    if parallel._start_method() != "fork":
        pytest.skip("the patched worker function reaches the pool only by fork")
    work, out = tmp_path / "work", tmp_path / "bundle"
    monkeypatch.setattr(parallel, "prove_batch", _dies_on_batch_3)
    with pytest.raises(BrokenProcessPool):
        prove_epoch(JOB, keys, out, work_dir=work, progress=False, workers=2)
    monkeypatch.undo()
    before = batch_files(work)
    assert "batch_0003.json" not in before and not out.exists()
    resumed = []
    prove_epoch(JOB, keys, out, work_dir=work, progress=False, workers=2, on_batch_done=resumed.append)
    assert {n: batch_files(work)[n] for n in before} == before
    assert 3 in resumed and not set(resumed) & {int(n[6:10]) for n in before}
    assert_bundle_holds_work_files(out, work)
    assert_verifies(out)


def test_progress_bar_counts_batches(keys, tmp_path, capsys):
    """The bar is on stderr and counts finished batches, resumed ones included."""
    work = tmp_path / "work"
    hook, _ = stop_after(1)
    with pytest.raises(Interrupt):
        prove_epoch(JOB, keys, tmp_path / "b", work_dir=work, progress=True, workers=1,
                    on_batch_done=hook)
    capsys.readouterr()
    prove_epoch(JOB, keys, tmp_path / "b", work_dir=work, progress=True, workers=2)
    err = capsys.readouterr().err
    assert "batch proofs" in err and "1/4" in err and "4/4" in err


def test_bad_workers_and_foreign_work_dir(keys, tmp_path):
    with pytest.raises(InputError, match="workers: must be >= 1"):
        prove_epoch(JOB, keys, tmp_path / "b", work_dir=tmp_path / "w", progress=False, workers=0)
    other = EpochJob(SHAPE, 8, JOB.timestamp, ACCOUNTS, TABLE, JOB.reserves, JOB.assets)
    with pytest.raises(InputError, match="plan.json: inputs: the work directory belongs to other"):
        prove_epoch(other, keys, tmp_path / "b", work_dir=tmp_path / "w", progress=False)


def test_work_dir_with_proofs_under_another_batch_key_is_refused(keys, tmp_path):
    """Finished batch files are only reused under the key that made them (else the bundle
    would mix keys); the same key resumes."""
    work = tmp_path / "w"
    hook, _ = stop_after(1)
    with pytest.raises(Interrupt):
        prove_epoch(JOB, keys, tmp_path / "b", work_dir=work, progress=False, workers=1,
                    on_batch_done=hook)
    other = EpochKeys(dev_setup(circuits_for(SHAPE).batch.to_r1cs(), quiet=True), keys.aggregate)
    assert key_id(other.batch) != key_id(keys.batch)
    with pytest.raises(InputError, match="plan.json: batch_key: the finished batch proofs"):
        prove_epoch(JOB, other, tmp_path / "b", work_dir=work, progress=False)
    before = batch_files(work)
    out = prove_epoch(JOB, keys, tmp_path / "b", work_dir=work, progress=False)
    assert {n: batch_files(work)[n] for n in before} == before
    assert_bundle_holds_work_files(out, work)


def test_workers_read_the_given_zkey_file(keys, tmp_path, monkeypatch):
    """With ``EpochKeys.batch_zkey`` the pool reads that file and publishes no copy; the
    batches are proved in worker processes, not in the driver."""
    zkey = tmp_path / "batch.zkey"
    write_zkey(zkey, keys.batch)
    ek = EpochKeys(keys.batch, keys.aggregate, batch_zkey=str(zkey))
    pids = tmp_path / "pids"
    pids.mkdir()
    forked = parallel._start_method() == "fork"
    if forked:  # the patched function reaches the workers only by fork
        def recording(task, pk, _orig=parallel.prove_batch):
            (pids / f"{task.index}").write_text(str(os.getpid()))
            return _orig(task, pk)
        monkeypatch.setattr(parallel, "prove_batch", recording)
    out = prove_epoch(JOB, ek, tmp_path / "b", work_dir=tmp_path / "w", progress=False, workers=2)
    monkeypatch.undo()
    assert not list((tmp_path / "w").glob("*.zkey"))
    if forked:
        seen = {int(p.read_text()) for p in pids.iterdir()}
        assert len(list(pids.iterdir())) == SHAPE.n_batches and os.getpid() not in seen
    assert_bundle_holds_work_files(out, tmp_path / "w")
    bad = EpochKeys(keys.batch, keys.aggregate, batch_zkey=str(tmp_path / "missing.zkey"))
    with pytest.raises(InputError, match="missing.zkey: batch key: no such file"):
        prove_epoch(JOB, bad, tmp_path / "b2", work_dir=tmp_path / "w2", progress=False, workers=2)


def test_scheduler_without_dask_is_a_clear_error(keys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if missing
    with pytest.raises(InputError, match=r"scheduler: Dask is not installed: pip install"):
        prove_epoch(JOB, keys, tmp_path / "b", work_dir=tmp_path / "w", progress=False,
                    scheduler="local")
    assert not (tmp_path / "b").exists() and not list((tmp_path / "w").glob("*.zkey"))


def test_published_key_is_named_by_content(keys, tmp_path):
    """Workers read the batch key from the work dir; other keys get another file."""
    p1 = parallel.publish_key(keys.batch, tmp_path)
    assert parallel.publish_key(keys.batch, tmp_path) == p1
    p2 = parallel.publish_key(keys.aggregate, tmp_path)
    assert p2 != p1 and parallel._worker_key(p1).domain_size == keys.batch.domain_size


def test_dask_local_cluster_interrupt_then_resume_in_pool(keys, tmp_path):
    """Dask tasks write to the same work dir: stop a LocalCluster run after one batch, finish
    with the process pool (the exchange point is the directory, not the mode); it verifies."""
    pytest.importorskip("dask.distributed")
    work, out = tmp_path / "work", tmp_path / "bundle"
    hook, seen = stop_after(1)
    with pytest.raises(Interrupt):
        prove_epoch(JOB, keys, out, work_dir=work, progress=False, workers=2, scheduler="local",
                    on_batch_done=hook)
    before = batch_files(work)
    assert f"batch_{seen[0]:04d}.json" in before and not out.exists()
    prove_epoch(JOB, keys, out, work_dir=work, progress=False, workers=2)
    assert {n: batch_files(work)[n] for n in before} == before
    assert_bundle_holds_work_files(out, work)
    assert_verifies(out)


def test_dask_unreachable_scheduler_is_a_clear_error(keys, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", "2s")
    with pytest.raises(InputError, match="scheduler: cannot reach Dask scheduler tcp://127.0.0.1:9"):
        prove_epoch(JOB, keys, tmp_path / "b", work_dir=tmp_path / "w", progress=False,
                    scheduler="tcp://127.0.0.1:9")


def test_pool_without_fork_builds_the_circuit_in_each_worker(keys, tmp_path, monkeypatch):
    """When forking is unsafe (other threads in the driver) the pool uses forkserver: workers
    import zkproof, build the circuit themselves and read the published key."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        pytest.skip("no forkserver on this platform")
    monkeypatch.setattr(parallel, "_start_method", lambda: "forkserver")
    out = prove_epoch(JOB, keys, tmp_path / "b", work_dir=tmp_path / "w", progress=False, workers=2)
    assert len(list((tmp_path / "w").glob("batch-*.zkey"))) == 1
    assert_bundle_holds_work_files(out, tmp_path / "w")


# -- the work directory is not trusted (issue: foreign partials, races, unverified bundles) ---
OTHER_EPOCH = dataclasses.replace(JOB, epoch=8)


@pytest.fixture(scope="module")
def finished_work(keys, tmp_path_factory):
    """A work directory with every batch of JOB (epoch 7) proved, and its bundle."""
    d = tmp_path_factory.mktemp("finished")
    out = prove_epoch(JOB, keys, d / "bundle", work_dir=d / "work", progress=False, workers=1)
    return d / "work", out


def test_foreign_batch_file_from_another_epoch_is_proved_again(keys, finished_work, tmp_path, capsys):
    """ATTACKS B15: a batch file of epoch 7 dropped into the work directory of epoch 8 is never
    published as is (its statement binds epoch 7, so the bundle would fail `verify`): it is
    named on stderr, proved again under epoch 8's binding, and the bundle verifies."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(finished_work[0] / "batch_0002.json", work / "batch_0002.json")
    out = prove_epoch(OTHER_EPOCH, keys, tmp_path / "b", work_dir=work, progress=False, workers=1)
    err = capsys.readouterr().err
    assert "batch_0002.json: made for another epoch 7, this run 8: not reused, proving batch 2 " \
        "again" in err
    assert strict_json.load(work / "batch_0002.json")["binding"]["epoch"] == "8"
    rep = verify_bundle(str(out), allow_dev=True)
    assert rep.ok and rep.header.epoch == 8


def test_foreign_batch_file_under_another_key_or_plan_is_proved_again(keys, finished_work, tmp_path,
                                                                      capsys):
    """Same epoch and inputs, but a file bound to another batch key (in a copy of the finished
    work directory) and one from another work directory (other blinders: another plan):
    neither is reused, each is named by what differs; the other batches are."""
    work = tmp_path / "work"
    shutil.copytree(finished_work[0], work)
    foreign = strict_json.load(work / "batch_0001.json")
    foreign["binding"]["batch_key"] = "f" * 64
    (work / "batch_0001.json").write_bytes(strict_json.dumps(foreign))
    resumed = []
    out = prove_epoch(JOB, keys, tmp_path / "b", work_dir=work, progress=False, workers=1,
                      on_batch_done=resumed.append)
    assert resumed == [1]
    assert "batch_0001.json: made for another batch_key: not reused" in capsys.readouterr().err
    assert_verifies(out)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(finished_work[0] / "batch_0000.json", fresh / "batch_0000.json")
    prove_epoch(JOB, keys, tmp_path / "b2", work_dir=fresh, progress=False, workers=1)
    assert "batch_0000.json: made for another plan: not reused" in capsys.readouterr().err


def test_foreign_batch_file_with_forged_binding_never_reaches_a_bundle(keys, finished_work, tmp_path):
    """The binding says "this batch" but the proof is another batch's (a copied binding, a
    tampered file): prove verifies the staged bundle, refuses to publish (one-line error naming
    the file, exit 2 from the CLI), removes the bad partial; the re-run redoes only that batch."""
    work = tmp_path / "work"
    shutil.copytree(finished_work[0], work)
    bad = strict_json.load(work / "batch_0001.json")
    bad["result"]["proof"] = strict_json.load(work / "batch_0000.json")["result"]["proof"]
    (work / "batch_0001.json").write_bytes(strict_json.dumps(bad))
    before = batch_files(work)
    with pytest.raises(InputError, match=r"batch_0001\.json: proof: 1 batch proof\(s\) from the work "
                       r"directory do not verify \(pairing check failed\): removed; nothing was published"):
        prove_epoch(JOB, keys, tmp_path / "b", work_dir=work, progress=False, workers=1)
    assert not (tmp_path / "b").exists() and not (work / "batch_0001.json").exists()
    resumed = []
    out = prove_epoch(JOB, keys, tmp_path / "b", work_dir=work, progress=False, workers=1,
                      on_batch_done=resumed.append)
    assert resumed == [1]
    assert {n: t for n, t in batch_files(work).items() if n != "batch_0001.json"} == \
        {n: t for n, t in before.items() if n != "batch_0001.json"}
    assert_verifies(out)


def test_second_prover_in_process_is_refused_naming_the_holder(keys, tmp_path):
    """The lock is per open file: even in one process a second prove_epoch on the same work
    directory stops before any work (the two-process case: test_cli_epoch)."""
    from zkproof.prover import workdir

    work = workdir.prepare(tmp_path / "w")
    with workdir.work_lock(work):
        with pytest.raises(InputError, match=rf"{work}: lock: another prove is using this work "
                           rf"directory \(pid {os.getpid()} on .* since .*\)"):
            prove_epoch(JOB, keys, tmp_path / "b", work_dir=work, progress=False, workers=1)
    assert not (work / "plan.json").exists()


def test_batch_worker_builds_only_the_batch_circuit(keys, tmp_path):
    """A worker proves batches with the batch circuit alone: the aggregate circuit (3.8 GiB at
    1,024 batches) is never built in it."""
    from zkproof.prover.circuits import aggregate_circuit, batch_circuit
    from zkproof.prover.workdir import batch_binding
    from zkproof.witness import batch as wbatch

    slots = [[wbatch.Slot(i + 1, (0, 0), (0, 0)) for i in range(SHAPE.capacity)]]
    w = wbatch.build_batch(SHAPE, JOB.epoch, slots[0], 5)
    public = wbatch.public_values(w, TABLE.c, TABLE.v, TABLE.m)
    binding = batch_binding(epoch=JOB.epoch, index=0, shape=SHAPE, inputs="i", plan="p",
                            batch_key="k", public=public)
    task = parallel.BatchTask(SHAPE, 0, w, TABLE.c, TABLE.v, TABLE.m, str(tmp_path / "b.json"), binding)
    aggregate_circuit.cache_clear()
    batch_circuit.cache_clear()
    try:
        index, data = parallel.run_task(task, parallel.publish_key(keys.batch, tmp_path))
        assert index == 0 and aggregate_circuit.cache_info().currsize == 0
        assert batch_circuit.cache_info().currsize == 1
        assert parallel.run_task(task, "unused: the file is reused")[1] == data
    finally:
        aggregate_circuit.cache_clear()


def test_local_dask_cluster_serves_no_dashboard_on_8787():
    """``--scheduler local`` must not open the dashboard port (``dashboard_address=None`` alone
    still starts the scheduler's HTTP server on :8787)."""
    pytest.importorskip("dask.distributed")
    psutil = pytest.importorskip("psutil")
    cluster = parallel.local_cluster(1)
    try:
        ports = {c.laddr.port for c in psutil.Process().net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN}
        assert ports and 8787 not in ports
        assert cluster.scheduler.http_server is not None  # the health endpoints: a random port
    finally:
        cluster.close()


def test_dask_with_relative_keys_and_work_paths(keys, tmp_path, monkeypatch):
    """Relative ``--keys`` / ``--work`` paths are made absolute before they are shipped: the
    Dask workers (here in another current directory, as on another host) read the key and
    write the batch files where the driver means."""
    dd = pytest.importorskip("dask.distributed")
    orig = parallel.local_cluster

    def elsewhere(n):
        cluster = orig(n)
        with dd.Client(cluster) as client:
            client.run(os.chdir, "/")
        return cluster

    monkeypatch.setattr(parallel, "local_cluster", elsewhere)
    monkeypatch.chdir(tmp_path)
    write_zkey(tmp_path / "batch.zkey", keys.batch)
    ek = EpochKeys(keys.batch, keys.aggregate, batch_zkey="batch.zkey")
    out = prove_epoch(JOB, ek, "bundle", work_dir="work", progress=False, workers=2, scheduler="local")
    assert_verifies(tmp_path / out)
    assert sorted(batch_files(tmp_path / "work")) == [f"batch_{i:04d}.json" for i in range(4)]
