"""Prove one epoch: accounts + risk table + keys -> a bundle directory (SPEC §4, §5, §6).

Steps (each named, in order; see ``prove_epoch``):

1. plan   -- shuffle accounts into ``n_batches x capacity`` slots with a secret seed, pick
             blinders and the totals salt; saved to ``WORK/plan.json`` (private: mode 0700
             directory) so an interrupted run resumes identically;
2. batches -- per batch: native tree and commitment, solve the batch circuit, check every
             constraint (naming the first broken one), prove; each finished proof is saved to
             ``WORK/batch_NNNN.json`` atomically with its binding and skipped on resume only
             under an equal binding (``zkproof.prover.workdir``); batches run in parallel
             (processes or Dask, ``zkproof.prover.parallel``);
3. aggregate -- top tree over batch roots; the inclusion records; the header (open interest,
             the protocol's own accounts with their records, ``header_digest`` over all of it),
             then solve, check, prove the aggregate with that digest as a public input; the
             totals ``L_a`` are committed under the plan's salt (hidden, the default) or under
             0 and published in the header (``reveal_totals``; SPEC §1.4). The salt never
             leaves the work directory;
4. inclusion -- one sealed, equal-length file per slot (``zkproof.formats.inclusion_file``);
5. bundle -- header, keys, proofs, inclusion files, manifest; staged, verified as
             ``zkproof verify`` would (``verify_bundle``; a batch proof that fails is removed
             from WORK and the run stops with nothing published), then published atomically.

The whole run holds the work directory's lock (``workdir.work_lock``): a second prover on the
same directory stops at once naming the holder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zkproof import page as holder_page
from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats import bundle, inclusion_file, strict_json
from zkproof.formats.binfile import atomic_write
from zkproof.formats.epoch_header import Asset, EpochHeader, ProtocolAccount
from zkproof.formats.snarkjs_json import dump_vk, vk_bytes, vk_sha256
from zkproof.groth16.keys import ProvingKey
from zkproof.prover import workdir
from zkproof.prover.circuits import aggregate_circuit, batch_circuit, circuits_for
from zkproof.prover.parallel import BatchHook, BatchTask, finished, prove_batches, prove_checked
from zkproof.verifier.bundle_check import verify_bundle
from zkproof.witness import aggregate as wagg
from zkproof.witness import batch as wbatch


@dataclass
class EpochKeys:
    """The two proving keys. ``batch_zkey``: the batch key's file, if it is one that pool and
    Dask workers can read (saves re-serialising a large key into the work directory)."""

    batch: ProvingKey
    aggregate: ProvingKey
    batch_zkey: str | None = None


def key_id(pk: ProvingKey) -> str:
    """Names one proving key cheaply: every setup or contribution changes delta."""
    return hashlib.sha256(repr((pk.domain_size, pk.n_vars, pk.alpha_g1, pk.delta_g1, pk.delta_g2,
                                pk.ic)).encode()).hexdigest()


@dataclass
class EpochJob:
    """Everything the prover needs, already validated by the snapshot loaders."""

    shape: stm.Shape
    epoch: int
    timestamp: int
    accounts: list  # zkproof.snapshot.ledger.Account
    table: object   # zkproof.margin.risk_table.RiskTable
    reserves: tuple[int, ...]
    assets: list[tuple[str, int]]  # (symbol, decimals)
    reveal_totals: bool = False  # publish L_a in the header (SPEC §1.4); default: hidden, salted


def _inputs_digest(job: EpochJob) -> str:
    h = hashlib.sha256(f"{job.epoch}|{job.timestamp}|{job.reserves}|{job.shape}".encode())
    h.update(job.table.sha256())
    for a in job.accounts:
        h.update(f"{a.id}|{a.nonce.hex()}|{a.balances}|{a.positions}\n".encode())
    return h.hexdigest()


def totals_salt() -> int:
    """A fresh secret totals salt: 32 random bytes reduced mod r, never 0 (0 is the salt of
    revealed totals). Why it exists: docs/soundness.md §2 (ATTACKS A14)."""
    while True:
        salt = int.from_bytes(secrets.token_bytes(32), "big") % R
        if salt:
            return salt


def check_capacity(shape: stm.Shape, n_accounts: int, file: str = "<accounts>") -> None:
    """Refuse more accounts than the shape has slots (``capacity x n_batches``): setup checks
    it when it sees the accounts, prove before any work."""
    n_slots = shape.capacity * shape.n_batches
    if n_accounts > n_slots:
        raise InputError(file, "count", f"{n_accounts} accounts exceed the {n_slots} slots of "
                         f"this shape ({shape.n_batches} batches x capacity {shape.capacity})")


def _plan(job: EpochJob, work: Path, batch_key: str, digest: str) -> dict:
    """The slot assignment, blinders and totals salt, created once and reused on resume; the
    batch key's id too, so finished batch proofs are never mixed with proofs under another key.
    The option to reveal the totals is not part of the plan: one work directory can publish
    either (the batches do not depend on it; revealed totals use salt 0)."""
    path = work / "plan.json"
    if path.exists():
        plan = strict_json.load(path)
        if plan.get("inputs") != digest:
            raise InputError(str(path), "inputs", "the work directory belongs to other inputs: "
                             "use a fresh --work directory")
        if plan.get("batch_key", batch_key) != batch_key:
            raise InputError(str(path), "batch_key", "the finished batch proofs in the work "
                             "directory were made with another batch key: use a fresh --work directory")
        if "totals_salt" not in plan:  # a plan from before the totals option: draw it once
            plan["totals_salt"] = str(totals_salt())
            atomic_write(path, json.dumps(plan))
        return plan
    n_slots = job.shape.capacity * job.shape.n_batches
    order = list(range(len(job.accounts)))
    secrets.SystemRandom().shuffle(order)
    order = _pair_protocol_accounts(order + [-1] * (n_slots - len(order)), job.accounts)
    plan = {"inputs": digest, "batch_key": batch_key, "order": order,
            "padding": [str(secrets.randbelow(R)) for _ in range(n_slots)],
            "blinders": [str(secrets.randbelow(R)) for _ in range(job.shape.n_batches)],
            "totals_salt": str(totals_salt())}
    atomic_write(path, json.dumps(plan))
    return plan


def _pair_protocol_accounts(order: list[int], accounts: list) -> list[int]:
    """``order`` (a shuffled slot assignment, -1 = padding) with the protocol's own accounts
    moved into sibling pairs at random pair positions, an odd one out next to a padding slot
    if there is one: their inclusion paths are published in the header, and a path shows its
    level-0 sibling's balances (docs/soundness.md §5). Users keep their shuffled order."""
    protocol = [j for j in order if j >= 0 and accounts[j].role in stm.PROTOCOL_ROLES]
    rest = [j for j in order if j < 0 or accounts[j].role not in stm.PROTOCOL_ROLES]
    units = [protocol[i:i + 2] for i in range(0, len(protocol), 2)]
    if units and len(units[-1]) == 1 and -1 in rest:
        rest.remove(-1)
        units[-1].append(-1)
    new: list[int | None] = [None] * len(order)
    for unit, pair in zip(units, secrets.SystemRandom().sample(range(len(order) // 2), len(units))):
        new[2 * pair:2 * pair + len(unit)] = unit
    fill = iter(rest)
    return [next(fill) if j is None else j for j in new]


def _slots(job: EpochJob, plan: dict) -> list[list[wbatch.Slot]]:
    shape, out = job.shape, []
    for b in range(shape.n_batches):
        row = []
        for u in range(shape.capacity):
            k = b * shape.capacity + u
            j = plan["order"][k]
            if j < 0:
                row.append(wbatch.Slot(int(plan["padding"][k]), (0,) * shape.n_assets,
                                       (0,) * shape.n_instruments))
            else:
                a = job.accounts[j]
                row.append(wbatch.Slot(stm.id_hash(a.id, a.nonce), tuple(a.balances), tuple(a.positions)))
        out.append(row)
    return out


def prove_epoch(job: EpochJob, keys: EpochKeys, out_dir: str | os.PathLike,
                work_dir: str | os.PathLike | None = None, progress: bool = True,
                overwrite: bool = False, *, workers: int | None = None, scheduler: str | None = None,
                threads: int | None = None, on_batch_done: BatchHook | None = None,
                page: bool = False) -> Path:
    """Run steps 1-5 under the work directory's lock; returns the bundle directory. Safe to
    re-run after an interruption (kill -9 included).

    Scale-out (step 2, ``zkproof.prover.parallel``; numbers in docs/scale.md): ``workers`` batch
    proofs at a time (``None`` = one process per core, 1 = in this process), or Dask tasks when
    ``scheduler`` is ``"local"`` or a scheduler address; ``threads`` = native-kernel threads per
    process (default: cores / workers locally, all cores of a remote Dask worker).
    ``on_batch_done(index)`` runs in this process after each finished batch (progress
    reporting; tests use it to simulate an interruption).
    ``page``: also publish the account holders' verification page (``zkproof.page``:
    ``verify.html`` and ``page/``, in the manifest like every other file); its built assets
    are checked before any proving starts.
    """
    if page:
        holder_page.assets()  # a missing asset stops the run here, not after the proofs
    out = Path(out_dir)
    work = workdir.prepare(Path(work_dir) if work_dir else out.with_name(f".{out.name}.work"))
    check_capacity(job.shape, len(job.accounts))
    with workdir.work_lock(work):
        return _prove_locked(job, keys, out, work, progress, overwrite, workers, scheduler,
                             threads, on_batch_done, page)


def _prove_locked(job: EpochJob, keys: EpochKeys, out: Path, work: Path, progress: bool,
                  overwrite: bool, workers: int | None, scheduler: str | None,
                  threads: int | None, on_batch_done: BatchHook | None, page: bool) -> Path:
    shape = job.shape
    inputs = _inputs_digest(job)
    batch_key = key_id(keys.batch)
    plan = _plan(job, work, batch_key, inputs)                                  # 1. plan
    plan_digest = workdir.digest({k: plan[k] for k in ("order", "padding", "blinders")})
    slots = _slots(job, plan)
    table = job.table
    table_hash = stm.risk_table_hash(table.c, table.v, table.m)
    batch_circuit(shape)  # built once here: forked workers inherit it
    witnesses = [wbatch.build_batch(shape, job.epoch, slots[b], int(plan["blinders"][b]))
                 for b in range(shape.n_batches)]
    tasks = []
    for b in range(shape.n_batches):
        public = wbatch.public_values(witnesses[b], table.c, table.v, table.m)
        binding = workdir.batch_binding(epoch=job.epoch, index=b, shape=shape, inputs=inputs,
                                        plan=plan_digest, batch_key=batch_key, public=public)
        tasks.append(BatchTask(shape, b, witnesses[b], table.c, table.v, table.m,
                               str(work / f"batch_{b:04d}.json"), binding))
    prove_batches(tasks, keys.batch, work, workers=workers, scheduler=scheduler,  # 2. batches
                  zkey_path=keys.batch_zkey,
                  threads=threads, progress=progress, on_batch_done=on_batch_done)
    files: dict[str, object] = {}
    for t in tasks:
        result = finished(t)
        if result is None:
            raise InputError(t.out, "binding", "changed while this prove held the work directory")
        files[f"proofs/batch_{t.index:04d}.json"] = result
    agg = wagg.build_aggregate(shape, job.epoch, job.timestamp, witnesses, list(job.reserves),
                               table_hash, reveal_totals=job.reveal_totals,      # 3. aggregate
                               salt=int(plan["totals_salt"]))
    records = _records(job, plan, witnesses, agg)
    vks = {name: dump_vk(pk.verifying_key()) for name, pk in (("batch", keys.batch),
                                                              ("aggregate", keys.aggregate))}
    dev = keys.batch.dev_setup or keys.aggregate.dev_setup
    header = EpochHeader(
        epoch=job.epoch, timestamp=job.timestamp, shape=shape,
        assets=[Asset(s, d, r) for (s, d), r in zip(job.assets, job.reserves)],
        instruments=list(table.instruments), scenarios=list(table.scenarios),
        value_unit_exponent=table.value_unit_exponent,
        c=[list(r) for r in table.c], v=[list(r) for r in table.v], m=list(table.m),
        ml=list(table.ml), ms=list(table.ms),
        risk_table_sha256=table.sha256().hex(), root=agg.top.root.hash,
        batch_commitments=[w.commitment for w in witnesses],
        totals_commitment=agg.totals_commitment,
        vk_sha256={k: vk_sha256(v) for k, v in vks.items()},
        circuit_fingerprints=circuits_for(shape).fingerprints(),
        snapshot_time=table.snapshot_time, open_interest=agg.open_interest,
        protocol_accounts=[ProtocolAccount(a.id, a.role, a.nonce, records[j])
                           for j, a in enumerate(job.accounts) if a.role in stm.PROTOCOL_ROLES],
        dev_setup=dev,
        totals=list(agg.liabilities) if job.reveal_totals else None)
    header_json = header.to_json()
    agg.header_digest = stm.header_digest(header_json)
    files["proofs/aggregate.json"] = prove_checked(
        aggregate_circuit(shape), wagg.circuit_inputs(agg), keys.aggregate,
        [agg.public()[k] for k in stm.AGGREGATE_PUBLIC], "aggregate")
    files.update(_inclusion_files(job, plan, records))                          # 4. inclusion
    files["header.json"] = header_json                                           # 5. bundle
    files.update({f"keys/{k}.vk.json": vk_bytes(v) for k, v in vks.items()})
    return publish(out, files, page=page, progress=progress, overwrite=overwrite,
                   check_staged=lambda staged: _check_own_bundle(staged, out, work, allow_dev=dev))


def publish(out: Path, files: dict, *, page: bool, progress: bool, overwrite: bool,
            check_staged: Callable[[Path], None]) -> Path:
    """Stage the bundle's files (with the holders' page when ``page``: it embeds the files'
    bytes exactly as the bundle stores them), run ``check_staged`` on the staged directory
    (the prover's own verification: it raises to stop the run) and publish atomically."""
    if page:
        encoded = {rel: c if isinstance(c, bytes) else strict_json.dumps(c) for rel, c in files.items()}
        files = {**encoded, **holder_page.page_files(encoded)}

    def check(staged: Path) -> None:
        if progress:
            print("verifying the bundle before publishing it", file=sys.stderr, flush=True)
        check_staged(staged)

    return bundle.write_bundle(out, files, overwrite=overwrite, check=check)


_BATCH_CHECK = re.compile(r"proofs/(batch_\d{4}\.json) (?:proof|statement)")


def _check_own_bundle(staged: Path, out: Path, work: Path, allow_dev: bool) -> None:
    """Publish only what ``zkproof verify`` accepts (dev keys accepted iff they were used): a
    failed check stops the run. A failing batch proof came from a partial file in ``work``
    (tampered, or bound by a copied binding): the file is removed, so a re-run proves it again."""
    report = verify_bundle(str(staged), allow_dev=allow_dev)
    failed = [c for c in report.checks if not c.ok]
    if not failed:
        return
    batches = [m.group(1) for c in failed if (m := _BATCH_CHECK.fullmatch(c.name))]
    for name in batches:
        (work / name).unlink(missing_ok=True)
    if batches:
        raise InputError(str(work / batches[0]), "proof", f"{len(batches)} batch proof(s) from the "
                         f"work directory do not verify ({failed[0].detail or failed[0].name}): "
                         "removed; nothing was published, run prove again to redo them")
    raise InputError(str(out), failed[0].name, f"the bundle would not verify "
                     f"({failed[0].detail or 'failed'}): nothing was published")


def _records(job: EpochJob, plan: dict, witnesses, agg) -> dict[int, inclusion_file.InclusionRecord]:
    """Every account's inclusion record, by account index (the sealed files hold them; the
    header holds the protocol accounts' in the clear)."""
    shape, out = job.shape, {}
    for b, w in enumerate(witnesses):
        top = agg.top.inclusion_proof(b)
        for u in range(shape.capacity):
            j = plan["order"][b * shape.capacity + u]
            if j >= 0:
                a = job.accounts[j]
                proof = w.tree.inclusion_proof(u)
                out[j] = inclusion_file.InclusionRecord(
                    job.epoch, b, u, list(a.balances), list(a.positions),
                    [(s.hash, list(s.sums)) for s in proof.siblings],
                    [(s.hash, list(s.sums)) for s in top.siblings])
    return out


def _inclusion_files(job: EpochJob, plan: dict, records: dict) -> dict[str, bytes]:
    shape = job.shape
    size = inclusion_file.record_bytes(shape.n_assets, shape.n_instruments,
                                       shape.depth + shape.n_batches.bit_length() - 1)
    out = {}
    for j in plan["order"]:
        if j < 0:
            name, blob = inclusion_file.seal_padding(job.epoch, size)
        else:
            a = job.accounts[j]
            name, blob = inclusion_file.seal(records[j], a.id, a.nonce, size)
        out[name] = blob
    return out
