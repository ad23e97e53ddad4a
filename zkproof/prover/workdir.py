"""The prover's work directory: one prover at a time, and partial results bound to their maker.

A work directory (``prove --work``) keeps what an interrupted run must not redo: ``plan.json``
(slot order, blinders, totals salt; ``zkproof.prover.epoch``, ``zkproof.prover.venue_files``)
and one ``batch_NNNN.json`` per finished batch proof. Two rules keep it from feeding a bundle
anything foreign:

* **one prover**: ``work_lock`` takes an exclusive ``fcntl.flock`` on ``WORK/lock`` for the
  whole run and writes the holder (pid, host, start time) into it; a second prover on the same
  directory stops at once with an ``InputError`` naming the directory and the holder (exit 2).
  The kernel drops the lock when the holder's process (and every worker sharing the
  descriptor) ends, kill -9 included, so a stale lock never needs clearing by hand.
* **bound partials**: a batch file carries a ``binding`` (``batch_binding``: epoch, batch
  index, shape, the SHA-256 of the job's inputs and of the plan, the batch key's id, the
  SHA-256 of the batch's public inputs) next to its proof. ``read_partial`` hands a file back
  for reuse only if its binding equals the expected one exactly; any other file (another
  epoch, inputs, plan, key or shape, an older layout, unparsable bytes) is reported by the
  first field that differs and proved again. A file whose binding was copied but whose proof
  is wrong is caught before publishing: ``prove_epoch`` verifies the bundle it stages.

Layout of ``WORK/batch_NNNN.json`` (written atomically)::

    {"format": "zkproof-batch-partial/1", "binding": {...}, "result": {"proof": ..., "public": [...]}}

``result`` is what the bundle publishes as ``proofs/batch_NNNN.json``.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from zkproof import statement as stm
from zkproof.errors import InputError, ZkProofError
from zkproof.formats import strict_json
from zkproof.formats.binfile import atomic_write
from zkproof.venue import VenueShape

PARTIAL_FORMAT = "zkproof-batch-partial/1"
LOCK = "lock"


def prepare(work: Path) -> Path:
    """``work`` as an absolute path (workers on other hosts or in other directories get the
    same name), created private (mode 0700: the plan holds the blinders and the salt)."""
    work = Path(os.path.abspath(work))
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o700)
    return work


@contextmanager
def work_lock(work: Path) -> Iterator[None]:
    """Hold ``WORK/lock`` exclusively for the block, or raise ``InputError`` naming the holder."""
    path = work / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            holder = os.pread(fd, 256, 0).decode("utf-8", "replace").strip() or "a process"
            raise InputError(str(work), "lock", f"another prove is using this work directory "
                             f"({holder}): wait for it to finish or use another --work") from None
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {stamp}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock (never unlinked: a path re-created under a waiter races)


def digest(obj: object) -> str:
    """SHA-256 of a JSON-able value in one canonical text (sorted keys)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def batch_binding(*, epoch: int, index: int, shape: stm.Shape | VenueShape, inputs: str, plan: str,
                  batch_key: str, public: Sequence[int]) -> dict[str, str]:
    """What one batch proof was made from; a partial is reused only under an equal binding.
    ``shape``: the batch circuit's (a dense ``Shape``, or a venue batch's tier ``VenueShape``)."""
    return {"epoch": str(epoch), "index": str(index), "shape": digest(asdict(shape)),
            "inputs": inputs, "plan": plan, "batch_key": batch_key,
            "public": digest([str(x) for x in public])}


def partial_bytes(binding: dict[str, str], result: dict) -> bytes:
    return strict_json.dumps({"format": PARTIAL_FORMAT, "binding": binding, "result": result})


def write_partial(path: str, binding: dict[str, str], result: dict) -> bytes:
    data = partial_bytes(binding, result)
    atomic_write(path, data)
    return data


class StalePartial(ZkProofError):
    """A partial file that is not this batch's (the reason names the first differing field)."""


def read_partial(path: str, binding: dict[str, str]) -> dict | None:
    """The ``result`` of ``path`` if its binding equals ``binding``; None if there is no file;
    ``StalePartial`` (naming why) for any other file."""
    if not os.path.exists(path):
        return None
    try:
        doc = strict_json.load(path)
    except InputError as e:
        raise StalePartial(f"{path}: unreadable ({e.reason})") from None
    if not isinstance(doc, dict) or doc.get("format") != PARTIAL_FORMAT \
            or set(doc) != {"format", "binding", "result"} or not isinstance(doc["binding"], dict):
        raise StalePartial(f"{path}: not a {PARTIAL_FORMAT} file")
    got = doc["binding"]
    for key, want in binding.items():
        if got.get(key) != want:
            shown = f" {got.get(key)}, this run {want}" if key in ("epoch", "index") else ""
            raise StalePartial(f"{path}: made for another {key}{shown}")
    if set(got) != set(binding):
        raise StalePartial(f"{path}: binding fields {sorted(got)} differ")
    result = doc["result"]
    if not isinstance(result, dict) or set(result) != {"proof", "public"}:
        raise StalePartial(f'{path}: result is not {{"proof", "public"}}')
    return result
