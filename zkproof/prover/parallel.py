"""Batch proofs in parallel: in-process, a local process pool, or a Dask cluster (SPEC §5, §6).

Batches are independent, so step 2 of ``zkproof.prover.epoch`` (and of the venue driver,
``zkproof.prover.venue_files``) fans out. A task is any ``ProvableBatch``: it carries its own
circuit (built once per process), its inputs, the public inputs it must prove, and the name of
its proving key (``BatchTask``: a dense batch, key ``"batch"``; ``VenueBatchTask``: a sparse
venue batch of one tier, key ``venue_keys.key_name(shape)``). Every mode runs the same unit of
work, ``prove_batch``, and the work directory is the exchange point:

* each finished batch proof is written to ``WORK/batch_NNNN.json`` atomically (temp file +
  ``os.replace``) together with its binding (``zkproof.prover.workdir``: epoch, inputs, plan,
  batch key, shape, public inputs), so a file either exists complete or not at all; a batch
  whose file exists *with this run's binding* is skipped, which is the resume rule of SPEC §6
  in every mode; a file bound to anything else is named on stderr and proved again;
* each batch proving key a pending task names is published once to
  ``WORK/batch-<sha256[:16]>.zkey`` (named by its content, so a work directory reused with
  other keys never feeds a stale key) unless the caller gives its file; pool and Dask workers
  read a key once per process (``_worker_key``) and build a task's circuit once per process,
  and only batch circuits (``batch_circuit``, ``venue_batch_circuit``: the aggregate circuit is
  the driver's).
  Paths shipped to workers are absolute (a worker's current directory is not the driver's).

Modes (``prove_batches``):

* ``workers=1``, no scheduler: a plain loop in the calling process (the kernel's own threads
  still parallelise MSM/NTT inside each proof);
* ``workers=N > 1`` (default: one per core): ``concurrent.futures.ProcessPoolExecutor``
  (fork when safe, ``_start_method``), ``cores / N`` kernel threads per worker;
* ``scheduler="local"`` or ``"tcp://host:8786"``: ``dask.distributed`` (optional dependency,
  ``pip install 'dask[distributed]'``); every task also returns its file's bytes, which the
  driver writes if the worker's file is not visible to it (no shared file system). A local
  cluster serves no dashboard and binds no fixed HTTP port (``local_cluster``).

Workers die with the driver: pool workers (``die_with_parent``) ask the Linux kernel for SIGKILL
when their parent ends (``prctl(PR_SET_PDEATHSIG)``) and run a watchdog thread that exits once
the parent or the driver is gone (any POSIX system); a local Dask cluster's workers end with
their nanny, which lives in the driver. So a kill -9 of ``zkproof prove`` leaves no worker
proving into the work directory (tested for both); the re-run resumes.

Interruption: a failed task, ``KeyboardInterrupt`` or an exception from ``on_batch_done``
cancels the batches not yet started; finished files stay, and a re-run resumes.
"""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from zkproof import kernel
from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.formats.binfile import atomic_write
from zkproof.formats.snarkjs_json import dump_proof, dump_public
from zkproof.groth16.keys import Proof, ProvingKey
from zkproof.groth16.prove import challenge_fn, prove
from zkproof.prover.circuits import batch_circuit, venue_batch_circuit
from zkproof.prover.workdir import StalePartial, partial_bytes, read_partial, write_partial
from zkproof.r1cs.system import ConstraintSystem
from zkproof.witness import batch as wbatch
from zkproof.witness.venue import VenueBatchWitness

BatchHook = Callable[[int], None]
Say = Callable[[str], None]
CONNECT_TIMEOUT = "20s"  # to reach a Dask scheduler
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_SECONDS = 0.5   # how often a worker's watchdog looks for its parent


def say_stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class ProvableBatch(Protocol):
    """One batch proof to make: everything a remote worker needs except the proving key, which
    it names (``key``). ``out``: WORK/batch_NNNN.json (absolute); ``binding``
    (``zkproof.prover.workdir.batch_binding``): what that file must be bound to."""

    index: int
    out: str
    binding: dict
    key: str

    def circuit(self) -> ConstraintSystem: ...

    def circuit_inputs(self) -> dict[str, int]: ...

    @property
    def expected_public(self) -> list[int]: ...


@dataclass(frozen=True)
class BatchTask:
    """A dense batch (``circuits/solvency_batch.py``), proved under the key ``"batch"``."""

    shape: stm.Shape
    index: int
    witness: wbatch.BatchWitness
    c: tuple
    v: tuple
    m: tuple
    out: str
    binding: dict
    key: ClassVar[str] = "batch"

    def circuit(self) -> ConstraintSystem:
        return batch_circuit(self.shape)

    def circuit_inputs(self) -> dict[str, int]:
        return wbatch.circuit_inputs(self.witness, self.c, self.v, self.m)

    @property
    def expected_public(self) -> list[int]:
        """Epoch, commitment, the table entries (``statement.batch_public_names``)."""
        return wbatch.public_values(self.witness, self.c, self.v, self.m)


@dataclass(frozen=True)
class VenueBatchTask:
    """A sparse venue batch of one tier (``circuits/venue_batch.py`` at ``witness.shape``),
    already bound to the epoch's ``gamma`` and its blinder; ``key`` names its tier's proving
    key (``venue_keys.key_name``)."""

    index: int
    witness: VenueBatchWitness
    key: str
    out: str
    binding: dict

    def circuit(self) -> ConstraintSystem:
        return venue_batch_circuit(self.witness.shape)

    def circuit_inputs(self) -> dict[str, int]:
        return self.witness.inputs()

    @property
    def expected_public(self) -> list[int]:
        """Root, shape digest, gamma, sums commitment, the table, the powers of gamma
        (``venue.public_names``)."""
        return self.witness.public_values()


def prove_statement(cs, inputs: dict, pk: ProvingKey, expected_public: list[int],
                    what: str) -> tuple[Proof, list[int]]:
    """Solve, check every named constraint, prove: never prove a false statement. A key with a
    commitment solves the challenges as ``prove`` will compute them (``challenge_fn``)."""
    assignment = cs.solve(inputs, challenges=None if pk.commitment is None else challenge_fn(pk))
    cs.check(assignment)  # names the first broken constraint
    proof, public = prove(pk, assignment.witness())
    if public != expected_public:
        raise AssertionError(f"{what}: public inputs {public} differ from the statement")
    return proof, public


def prove_checked(cs, inputs: dict, pk: ProvingKey, expected_public: list[int], what: str) -> dict:
    """``prove_statement``, as the proof and public files' JSON."""
    proof, public = prove_statement(cs, inputs, pk, expected_public, what)
    return {"proof": dump_proof(proof), "public": dump_public(public)}


def prove_batch(task: ProvableBatch, pk: ProvingKey) -> bytes:
    """The unit of work of every mode: the bound batch file's bytes, also written to
    ``task.out``."""
    result = prove_checked(task.circuit(), task.circuit_inputs(), pk, task.expected_public,
                           f"batch {task.index}")
    return write_partial(task.out, task.binding, result)


def finished(task: ProvableBatch, say: Say | None = None) -> dict | None:
    """The batch's result if ``task.out`` holds it under this task's binding, else None (a
    file bound to anything else is named through ``say`` and will be proved again)."""
    try:
        return read_partial(task.out, task.binding)
    except StalePartial as e:
        if say is not None:
            say(f"{e}: not reused, proving batch {task.index} again")
        return None


# -- worker side (pool and Dask) ----------------------------------------------------------
_KEYS: dict[str, tuple[tuple[int, int], ProvingKey]] = {}


def _worker_key(zkey_path: str) -> ProvingKey:
    """The batch key, read once per worker process (re-read only if the file changed)."""
    from zkproof.formats.zkey_file import read_zkey

    st = os.stat(zkey_path)
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _KEYS.get(zkey_path)
    if hit is None or hit[0] != stamp:
        _KEYS[zkey_path] = (stamp, read_zkey(zkey_path))
    return _KEYS[zkey_path][1]


def set_kernel_threads(n: int | None) -> None:
    """Threads of the native kernel in this process (no-op for the Python kernel)."""
    if n:
        kernel.set_threads(n)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(parent: int, driver: int) -> None:
    while os.getppid() == parent and _alive(driver):
        time.sleep(WATCH_SECONDS)
    os._exit(1)  # the driver is gone: nobody will collect this proof


def die_with_parent(driver: int) -> None:
    """End this worker process when its parent or the ``driver`` process ends, kill -9
    included: ``PR_SET_PDEATHSIG`` (Linux; SIGKILL when the parent exits) plus a watchdog
    thread (any POSIX; covers a parent that is not the driver, e.g. a forkserver)."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent or not _alive(driver):  # it died before the prctl took effect
        os._exit(1)
    threading.Thread(target=_watch, args=(parent, driver), daemon=True,
                     name="zkproof-parent-watchdog").start()


def _init_worker(threads: int | None, driver: int) -> None:
    die_with_parent(driver)
    set_kernel_threads(threads)


def run_task(task: ProvableBatch, zkey_path: str, threads: int | None = None) -> tuple[int, bytes]:
    """Worker entry point: skip a batch already on disk under this binding, else prove it
    under the key read from ``zkey_path`` (the file of ``task.key``)."""
    result = finished(task)
    if result is not None:
        return task.index, partial_bytes(task.binding, result)
    set_kernel_threads(threads)
    return task.index, prove_batch(task, _worker_key(zkey_path))


def publish_key(pk: ProvingKey, work: Path) -> str:
    """Write the batch key into the work directory once, named by its content."""
    from zkproof.formats.zkey_file import zkey_bytes

    data = zkey_bytes(pk)
    path = work / f"batch-{hashlib.sha256(data).hexdigest()[:16]}.zkey"
    if not path.exists():
        atomic_write(path, data)
    return str(path)


# -- driver side --------------------------------------------------------------------------
def default_workers() -> int:
    """Worker processes when the caller does not say: one per core. Solving is single-threaded
    Python (about half of a batch), so N processes x 1 kernel thread beat 1 process x N kernel
    threads (docs/scale.md: 23.5 s vs 32.3 s for 4 batches of 8 on 2 cores)."""
    return max(1, os.cpu_count() or 1)


def _start_method() -> str:
    """``fork`` (workers inherit the built circuit: no rebuild) unless other threads run in this
    process (a Dask client, say): forking them is unsafe, so ``forkserver`` (workers rebuild)."""
    methods = multiprocessing.get_all_start_methods()
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and type(t).__name__ != "TMonitor"]  # tqdm's
    if "fork" in methods and not others:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _by_key(tasks: Sequence[ProvableBatch], value):
    """``value`` per key name: a mapping as given, a single value for every task's key."""
    return dict(value) if isinstance(value, Mapping) else {t.key: value for t in tasks}


def prove_batches(tasks: Sequence[ProvableBatch], pk: ProvingKey | Mapping[str, ProvingKey],
                  work: Path, *, workers: int | None = None, scheduler: str | None = None,
                  threads: int | None = None, progress: bool = True,
                  on_batch_done: BatchHook | None = None,
                  zkey_path: str | Mapping[str, str] | None = None,
                  say: Say | None = say_stderr) -> None:
    """Make every ``task.out`` hold its batch's proof under its binding; the progress bar
    counts finished batches in every mode. ``pk``: the proving key of every task, or one per
    key name (``task.key``: a venue epoch has one per tier). ``zkey_path``: those keys as files
    workers can read, likewise (a key without a file is published to ``work``). ``say``: where
    a stale file is named."""
    from tqdm import tqdm

    n = default_workers() if workers is None else workers
    if n < 1:
        raise InputError("<options>", "workers", f"must be >= 1, got {n}")
    keys = _by_key(tasks, pk)
    missing = sorted({t.key for t in tasks} - set(keys))
    if missing:
        raise ValueError(f"no proving key for the batches of key {missing[0]!r}")
    zkeys = {} if zkey_path is None else _by_key(tasks, zkey_path)
    for name, path in zkeys.items():
        if not os.path.isfile(path):
            raise InputError(path, "batch key", "no such file (workers read the batch key from it)")
        zkeys[name] = os.path.abspath(path)
    if scheduler is not None:
        _dask()  # a clear error before any work if Dask is missing
    pending = [t for t in tasks if finished(t, say) is None]
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(pending), desc="batch proofs",
               unit="batch", disable=not progress)

    def done(index: int) -> None:
        bar.update(1)
        if on_batch_done is not None:
            on_batch_done(index)

    def files() -> dict[str, str]:
        """A readable key file for each key a pending task needs."""
        return {name: zkeys.get(name) or publish_key(keys[name], work) for name in {t.key for t in pending}}

    per_worker = threads
    if threads is None and n > 1 and scheduler in (None, "local"):
        per_worker = max(1, (os.cpu_count() or 1) // n)  # do not oversubscribe the cores
    try:
        if not pending:
            return
        if scheduler is not None:
            _run_dask(pending, files(), scheduler, n if workers else None, per_worker, done)
        elif n == 1 or len(pending) <= 1:
            set_kernel_threads(threads)
            for t in pending:
                prove_batch(t, keys[t.key])
                done(t.index)
        else:
            _run_pool(pending, files(), min(n, len(pending)), per_worker, done)
    finally:
        bar.close()


def _run_pool(pending: list[ProvableBatch], zkeys: Mapping[str, str], n: int, threads: int | None,
              done: Callable[[int], None]) -> None:
    ctx = multiprocessing.get_context(_start_method())
    pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker,
                               initargs=(threads, os.getpid()))
    todo, running = list(reversed(pending)), set()
    try:
        # At most n batches in flight: an interruption then stops within one batch per worker.
        while todo or running:
            while todo and len(running) < n:
                task = todo.pop()
                running.add(pool.submit(run_task, task, zkeys[task.key], threads))
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for f in finished:
                index, _ = f.result()  # a worker's exception (or a killed worker) surfaces here
                done(index)
    finally:
        # Wait for running proofs so no process outlives us (their files are written
        # atomically, so they count on resume).
        pool.shutdown(wait=True, cancel_futures=True)


def _dask():
    try:
        import dask.distributed as dd
    except ImportError:
        raise InputError("<options>", "scheduler", "Dask is not installed: pip install "
                         "'dask[distributed]' (or zkproof[scale]), or drop --scheduler") from None
    return dd


def local_cluster(n_workers: int):
    """A Dask cluster on this machine that serves nothing beyond its scheduler port: no
    dashboard, and the scheduler's HTTP endpoints (health, metrics) on a random loopback port
    instead of :8787 (``dashboard_address=None`` alone still binds 8787)."""
    dd = _dask()
    return dd.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"})


def _run_dask(pending: list[ProvableBatch], zkeys: Mapping[str, str], scheduler: str, workers: int | None,
              threads: int | None, done: Callable[[int], None]) -> None:
    dd = _dask()
    cluster = None
    if scheduler == "local":
        cluster = local_cluster(workers or default_workers())
        client = dd.Client(cluster)
    else:
        try:
            client = dd.Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError("<options>", "scheduler",
                             f"cannot reach Dask scheduler {scheduler}: {e}") from None
    try:
        futures = [client.submit(run_task, t, zkeys[t.key], threads, pure=False) for t in pending]
        try:
            for f in dd.as_completed(futures):
                index, data = f.result()
                task = next(t for t in pending if t.index == index)
                if finished(task) is None:  # the worker's file system is not ours
                    atomic_write(task.out, data)
                done(index)
        finally:
            for f in futures:
                f.cancel()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
