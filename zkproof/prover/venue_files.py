"""Prove a venue epoch on files: a ``[venue]`` snapshot + venue keys -> a venue bundle
(docs/venue-design.md §3; the bundle's layout: docs/formats.md).

Steps (each named, in order; see ``prove_venue_files``), as the dense driver
``zkproof.prover.epoch`` runs them:

1. plan    -- the tier of each batch: the wide tier takes the LAST ``ceil(n_wide / capacity)``
              batches, the narrow tier the rest (``tier_plan``: more accounts than the tiers'
              slots are refused before any work); per tier a shuffled slot assignment with a
              secret seed, a random id hash per padding slot, a secret blinder per batch and
              the totals salt; saved to ``WORK/plan.json`` (mode 0700 directory) so an
              interrupted run resumes identically;
2. roots   -- every batch's native witness (slots, leaves, root) under its tier's shape, then
              ``witness.venue_aggregate.build_venue_epoch``: the liabilities (committed under
              the plan's salt, or revealed under 0), the open interest, ``gamma`` hashed from
              all of them and every root; each batch bound to ``gamma`` with the plan's blinder;
3. batches -- one ``parallel.VenueBatchTask`` per batch under its tier's key (in this process,
              a process pool or Dask: ``parallel.prove_batches``); each finished proof is saved
              to ``WORK/batch_NNNN.json`` bound to the epoch, index, tier shape, inputs, plan,
              the tier key's id and the public inputs (``workdir.batch_binding``), and reused on
              resume only under an equal binding (``gamma`` is in the public inputs, so a run
              that reveals the totals proves the batches again: the salt is in ``gamma``);
4. header  -- every account's inclusion record (its slots and the sibling hashes up to its
              batch root), the header (``formats.venue_header.VenueHeader``: the listed
              universes, tables, open interest, batch roots and commitments, ``gamma``, the
              protocol's own accounts with their records), ``header_digest`` into the
              aggregate's witness, then the aggregate proof;
5. bundle  -- one sealed, equal-length inclusion file per slot of every batch (real or
              padding), the keys, the proofs, the header, and (``page``) the account holders'
              verification page (``zkproof.page``: ``verify.html``, ``page/``); staged,
              verified as ``zkproof verify`` verifies a venue bundle
              (``verifier.venue_bundle.verify_venue_bundle``; a batch proof that fails is
              removed from WORK and nothing is published), then published atomically
              (``formats.bundle``).

The protocol's own accounts need no pairing (the dense driver pairs them because a sum-tree
path shows the level-0 sibling's balances): a venue path holds sibling hashes only.
The whole run holds the work directory's lock (``workdir.work_lock``): a second prover on the
same directory stops at once naming the holder.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from zkproof import page as holder_page
from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats import inclusion_file, strict_json
from zkproof.formats.binfile import atomic_write
from zkproof.formats.epoch_header import Asset
from zkproof.formats.snarkjs_json import dump_vk, vk_bytes, vk_sha256
from zkproof.formats.venue_header import (
    VenueBatchEntry,
    VenueHeader,
    VenueProtocolAccount,
    VenueRecord,
    record_bytes,
)
from zkproof.margin.risk_table import RiskTable
from zkproof.prover import workdir
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.epoch import key_id, publish, totals_salt
from zkproof.prover.parallel import BatchHook, VenueBatchTask, finished, prove_batches, prove_checked
from zkproof.prover.venue_epoch import VenueEpochKeys
from zkproof.prover.venue_keys import AGGREGATE, VenueKeyShape, key_name
from zkproof.venue import (
    VenueShape,
    field_hash,
    tree_path,
    universe_vector,
)
from zkproof.verifier.venue_bundle import verify_venue_bundle
from zkproof.witness.venue import VenueAccount, VenueBatchWitness, build_venue_batch
from zkproof.witness.venue_aggregate import VenueEpochWitness, build_venue_epoch
from zkproof.witness.venue_inputs import VenueInputs

PLAN_FORMAT = "zkproof-venue-plan/1"


@dataclass(frozen=True)
class VenueJob:
    """Everything the venue prover needs, already validated by the snapshot loaders and
    ``venue_inputs``: the keys' shape, the epoch, the accounts of each tier with their holders,
    the risk table (listed universes) and the reserves per listed asset (params order)."""

    keys_shape: VenueKeyShape
    epoch: int
    timestamp: int
    inputs: VenueInputs
    table: RiskTable
    reserves: tuple[int, ...]
    reveal_totals: bool = False  # publish L_a in the header (SPEC §1.4); default: hidden, salted
    accounts_file: str = "<accounts>"  # named by the refusals before any work
    epoch_file: str = "<epoch>"


# -- checks before any work -------------------------------------------------------------------

def check_shapes(job: VenueJob, keys_file: str = "<venue keys>") -> None:
    """The keys' tier shapes are the snapshot's (universes, ``P``, ``B``, ``K``, capacity, table
    and margin widths): ``InputError`` naming the first field that differs."""
    ks, vi = job.keys_shape, job.inputs
    want = (vi.shape,) if vi.wide == vi.shape else (vi.shape, vi.wide)
    have = ks.tier_shapes()
    if tuple(s.p for s in have) != tuple(s.p for s in want):
        raise InputError(keys_file, "tiers", f"the keys prove tiers P = {[s.p for s in have]}, the "
                         f"snapshot's [venue] has P = {[s.p for s in want]} (p, wide_p)")
    for got, need in zip(have, want, strict=True):
        for f in dataclasses.fields(VenueShape):
            a, b = getattr(got, f.name), getattr(need, f.name)
            if a != b:
                raise InputError(keys_file, f.name, f"the keys were made for {f.name} = {a}, the "
                                 f"inputs need {b}")


def batches_needed(ks: VenueKeyShape, counts: Mapping[int, int]) -> dict[int, int]:
    """Batches each tier takes for ``counts[P]`` accounts: ``ceil(n / capacity)``."""
    cap = ks.epoch.batch.capacity
    return {p: -(-counts.get(p, 0) // cap) for p in ks.tiers}


def tier_plan(ks: VenueKeyShape, counts: Mapping[int, int], file: str = "<accounts>") -> list[int]:
    """The tier (its ``P``) of each of the keys' batches in aggregate order, for ``counts[P]``
    accounts per tier: every wider tier takes its ``batches_needed`` at the end (narrow to
    wide), the narrow tier all the others; ``InputError`` naming ``file`` when the tiers need
    more batches than the shape holds (``zkproof setup`` and ``prove`` both refuse before any
    work)."""
    cap, n = ks.epoch.batch.capacity, ks.epoch.n_batches
    need = batches_needed(ks, counts)
    if sum(need.values()) > n:
        held = ", ".join(f"{counts.get(p, 0)} of tier P={p}" for p in ks.tiers)
        raise InputError(file, "count", f"{sum(counts.values())} accounts ({held}) need "
                         f"{sum(need.values())} batches of capacity {cap}; the shape has {n} "
                         "(raise --batches or --capacity in `zkproof setup`)")
    wide = [p for p in ks.tiers[1:] for _ in range(need[p])]
    return [ks.tiers[0]] * (n - len(wide)) + wide


def tier_batches(job: VenueJob) -> list[int]:
    """``tier_plan`` for the job's accounts (narrow tier, then the wide tier when the keys
    have two)."""
    ks = job.keys_shape
    counts = {p: len(job.inputs.tier(p)[0]) for p in ks.tiers}
    return tier_plan(ks, counts, job.accounts_file)


def preflight_venue(job: VenueJob) -> None:
    """What the aggregate would refuse after every batch proof, refused first: positions that do
    not net to zero per instrument, reserves outside the aggregate's range, liabilities above
    the reserves of an asset."""
    vi, table = job.inputs, job.table
    net = [0] * vi.shape.i_max
    liab = [0] * vi.shape.a_max
    for accounts in (vi.accounts, vi.wide_accounts):
        for a in accounts:
            for j, q in a.positions:
                net[j] += q
            for k, b in a.balances:
                liab[k] += b
    bad = [i for i, x in enumerate(net) if x]
    if bad:
        name = table.instruments[bad[0] - 1]
        raise InputError(job.accounts_file, "positions", f"{len(bad)} instruments do not net to "
                         f"zero (first: {name}, net {net[bad[0]]}); nothing was proved")
    bound = job.keys_shape.epoch.reserve_bits
    for a, ((symbol, _), reserve) in enumerate(zip(table.assets, job.reserves, strict=True)):
        if not 0 <= reserve < 1 << bound:
            raise InputError(job.epoch_file, f"reserves.{symbol}", f"{reserve} is outside the venue "
                             f"aggregate's range [0, 2^{bound})")
        if liab[a + 1] > reserve:
            raise InputError(job.epoch_file, f"reserves.{symbol}", f"liabilities {liab[a + 1]} "
                             f"exceed the reserves {reserve}; nothing was proved")


# -- step 1: the plan -------------------------------------------------------------------------

def _inputs_digest(job: VenueJob) -> str:
    h = hashlib.sha256(f"{job.epoch}|{job.timestamp}|{job.reserves}|{job.keys_shape}".encode())
    h.update(job.table.sha256())
    h.update(repr(job.inputs.tables.d).encode())
    for p in sorted(set(job.keys_shape.tiers)):
        for va, acc in zip(*job.inputs.tier(p), strict=True):
            h.update(f"{p}|{acc.id}|{acc.nonce.hex()}|{acc.role}|{va.positions}|{va.balances}\n".encode())
    return h.hexdigest()


def _new_plan(job: VenueJob, digest: str, batch_keys: dict[str, str]) -> dict:
    tiers = tier_batches(job)
    cap = job.keys_shape.epoch.batch.capacity
    rng = secrets.SystemRandom()
    slots: list[list[int]] = [[] for _ in tiers]
    for p in sorted(set(tiers)):
        batches = [b for b, t in enumerate(tiers) if t == p]
        n_accounts = len(job.inputs.tier(p)[0])
        order = list(range(n_accounts)) + [-1] * (len(batches) * cap - n_accounts)
        rng.shuffle(order)
        for k, b in enumerate(batches):
            slots[b] = order[k * cap:(k + 1) * cap]
    return {"format": PLAN_FORMAT, "inputs": digest, "batch_keys": batch_keys, "tiers": tiers,
            "slots": slots,
            "padding": [[str(secrets.randbelow(R)) for _ in range(cap)] for _ in tiers],
            "blinders": [str(secrets.randbelow(R - 1) + 1) for _ in tiers],
            "totals_salt": str(totals_salt())}


def _plan(job: VenueJob, work: Path, batch_keys: dict[str, str], digest: str) -> dict:
    """The tiers, slot assignment, padding, blinders and totals salt, created once and reused on
    resume; the batch keys' ids too, so finished batch proofs are never mixed with proofs under
    other keys. Whether the totals are revealed is not part of the plan."""
    path = work / "plan.json"
    if not path.exists():
        plan = _new_plan(job, digest, batch_keys)
        atomic_write(path, json.dumps(plan))
        return plan
    plan = strict_json.load(path)
    if not isinstance(plan, dict) or plan.get("format") != PLAN_FORMAT:
        raise InputError(str(path), "format", f"not a {PLAN_FORMAT} plan: use a fresh --work directory")
    if plan.get("inputs") != digest:
        raise InputError(str(path), "inputs", "the work directory belongs to other inputs: "
                         "use a fresh --work directory")
    if plan.get("batch_keys") != batch_keys:
        raise InputError(str(path), "batch_keys", "the finished batch proofs in the work "
                         "directory were made with other batch keys: use a fresh --work directory")
    tiers = tier_batches(job)
    if plan.get("tiers") != tiers:
        raise InputError(str(path), "tiers", "the plan's tiers are not this epoch's: use a fresh "
                         "--work directory")
    cap = job.keys_shape.epoch.batch.capacity
    for p in sorted(set(tiers)):
        placed = sorted(j for b, t in enumerate(tiers) if t == p for j in plan["slots"][b] if j >= 0)
        if placed != list(range(len(job.inputs.tier(p)[0]))) or any(
                len(plan[k][b]) != cap for k in ("slots", "padding") for b in range(len(tiers))):
            raise InputError(str(path), "slots", f"the plan does not place every account of tier P = {p} "
                             "exactly once: use a fresh --work directory")
    return plan


def _batch_witnesses(job: VenueJob, plan: dict) -> list[VenueBatchWitness]:
    """Step 2a: every batch's slots, leaves and root under its tier's shape (a padding slot
    is an empty account with the plan's random id hash)."""
    ks, tables = job.keys_shape, job.inputs.tables
    out = []
    for b, p in enumerate(plan["tiers"]):
        accounts = job.inputs.tier(p)[0]
        row = [accounts[j] if j >= 0 else VenueAccount(int(plan["padding"][b][u]))
               for u, j in enumerate(plan["slots"][b])]
        out.append(build_venue_batch(ks.tier(p), tables, row))
    return out


def epoch_witness(job: VenueJob, plan: dict) -> VenueEpochWitness:
    """Steps 2a-2b: the batches' roots, then the liabilities, open interest and ``gamma``; each
    batch bound to ``gamma`` with the plan's blinder (so a resumed run rebuilds the very public
    inputs its finished batch files are bound to)."""
    ks = job.keys_shape
    batches = _batch_witnesses(job, plan)
    w = build_venue_epoch(ks.epoch, job.epoch, job.inputs.tables, batches,
                          list(universe_vector(job.reserves, ks.epoch.batch.a_max)),
                          reveal_totals=job.reveal_totals, salt=int(plan["totals_salt"]))
    return dataclasses.replace(w, batches=[b.bind(w.gamma, int(x))
                                           for b, x in zip(w.batches, plan["blinders"], strict=True)])


# -- step 4: records and header ---------------------------------------------------------------

def records(job: VenueJob, plan: dict, w: VenueEpochWitness) -> dict[tuple[int, int], VenueRecord]:
    """Every account's inclusion record, by its ``(tier P, index in the tier)``."""
    out = {}
    for b, (p, bw) in enumerate(zip(plan["tiers"], w.batches, strict=True)):
        accounts = job.inputs.tier(p)[0]
        for u, j in enumerate(plan["slots"][b]):
            if j >= 0:
                va = accounts[j]
                out[p, j] = VenueRecord(job.epoch, b, u, p, va.positions, va.balances,
                                        tuple(tree_path(field_hash, bw.leaves, u)))
    return out


def _vks(keys: VenueEpochKeys, ks: VenueKeyShape) -> dict[str, dict]:
    """Each tier's verification key by ``key_name``, then the aggregate's (snarkjs JSON)."""
    out = {key_name(s): dump_vk(keys.batch[s].verifying_key()) for s in ks.tier_shapes()}
    out[AGGREGATE] = dump_vk(keys.aggregate.verifying_key())
    return out


def build_header(job: VenueJob, plan: dict, w: VenueEpochWitness, recs: dict, vks: dict[str, dict],
                 dev: bool) -> VenueHeader:
    """The public header of the epoch (``formats.venue_header``), per listed slot."""
    ks, vi, table = job.keys_shape, job.inputs, job.table
    n_i, n_a = len(table.instruments), len(table.assets)
    protocol = [VenueProtocolAccount(acc.id, acc.role, acc.nonce, recs[p, j])
                for p in sorted(set(plan["tiers"]))
                for j, acc in enumerate(vi.tier(p)[1]) if acc.role in stm.PROTOCOL_ROLES]
    fingerprints = {key_name(s): venue_batch_circuit(s).to_r1cs().fingerprint() for s in ks.tier_shapes()}
    fingerprints[AGGREGATE] = venue_aggregate_circuit(ks.epoch).to_r1cs().fingerprint()
    return VenueHeader(
        epoch=job.epoch, timestamp=job.timestamp, shape=ks.epoch, tiers=tuple(ks.tiers),
        assets=[Asset(s, d, r) for (s, d), r in zip(table.assets, job.reserves, strict=True)],
        instruments=list(table.instruments), scenarios=list(table.scenarios),
        value_unit_exponent=table.value_unit_exponent, snapshot_time=table.snapshot_time,
        v=[list(r) for r in table.v], ml=list(table.ml), ms=list(table.ms),
        c=[list(r) for r in table.c], d=[list(r) for r in vi.tables.d[1:n_a + 1]],
        risk_table_sha256=table.sha256().hex(),
        open_interest=list(w.open_interest[1:n_i + 1]),
        batches=[VenueBatchEntry(p, bw.root, bw.commitment) for p, bw in zip(plan["tiers"], w.batches)],
        gamma=w.gamma, totals_commitment=w.totals_commitment, protocol_accounts=protocol,
        vk_sha256={name: vk_sha256(vk) for name, vk in vks.items()},
        circuit_fingerprints=fingerprints, dev_setup=dev,
        totals=list(w.liabilities[1:n_a + 1]) if job.reveal_totals else None,
        loans=list(w.loans[1:n_a + 1]) if job.reveal_totals else None)


# -- the driver -------------------------------------------------------------------------------

def prove_venue_files(job: VenueJob, keys: VenueEpochKeys, out_dir: str | os.PathLike,
                      work_dir: str | os.PathLike | None = None, progress: bool = True,
                      overwrite: bool = False, *, zkeys: Mapping[str, str] | None = None,
                      workers: int | None = None, scheduler: str | None = None,
                      threads: int | None = None, on_batch_done: BatchHook | None = None,
                      page: bool = False) -> Path:
    """Run steps 1-5 under the work directory's lock; returns the bundle directory. Safe to
    re-run after an interruption (kill -9 included). ``keys``: a proving key per tier shape
    and the aggregate's; ``zkeys``: the tier keys' files by ``key_name``, which pool and Dask
    workers read (else each is published once into the work directory). ``workers``,
    ``scheduler``, ``threads``, ``on_batch_done``, ``page``: as ``prover.epoch.prove_epoch``."""
    out = Path(out_dir)
    if page:
        holder_page.assets()  # a missing asset stops the run here, not after the proofs
    if out.exists() and not overwrite:  # as the publish step would say, but before any work
        raise InputError(str(out), "<dir>", "already exists (use a new directory or --force)")
    check_shapes(job)
    missing = [key_name(s) for s in job.keys_shape.tier_shapes() if s not in keys.batch]
    if missing:
        raise InputError("<venue keys>", missing[0], "no proving key for this tier")
    tier_batches(job)  # too many accounts: refused before the work directory is touched
    preflight_venue(job)
    work = workdir.prepare(Path(work_dir) if work_dir else out.with_name(f".{out.name}.work"))
    with workdir.work_lock(work):
        return _prove_locked(job, keys, out, work, progress, overwrite, zkeys, workers, scheduler,
                             threads, on_batch_done, page)


def _prove_locked(job: VenueJob, keys: VenueEpochKeys, out: Path, work: Path, progress: bool,
                  overwrite: bool, zkeys: Mapping[str, str] | None, workers: int | None,
                  scheduler: str | None, threads: int | None, on_batch_done: BatchHook | None,
                  page: bool) -> Path:
    ks = job.keys_shape
    digest = _inputs_digest(job)
    pks = {key_name(s): keys.batch[s] for s in ks.tier_shapes()}
    batch_keys = {name: key_id(pk) for name, pk in pks.items()}
    plan = _plan(job, work, batch_keys, digest)                                    # 1. plan
    plan_digest = workdir.digest({k: plan[k] for k in ("tiers", "slots", "padding", "blinders")})
    w = epoch_witness(job, plan)                                                   # 2. roots
    tasks = []
    for b, bw in enumerate(w.batches):
        name = key_name(bw.shape)
        binding = workdir.batch_binding(epoch=job.epoch, index=b, shape=bw.shape, inputs=digest,
                                        plan=plan_digest, batch_key=batch_keys[name],
                                        public=bw.public_values())
        tasks.append(VenueBatchTask(b, bw, name, str(work / f"batch_{b:04d}.json"), binding))
    for shape in {bw.shape for bw in w.batches}:
        venue_batch_circuit(shape)  # built once here: forked workers inherit it
    used = {t.key for t in tasks}
    prove_batches(tasks, {n: pk for n, pk in pks.items() if n in used}, work,   # 3. batches
                  zkey_path={n: p for n, p in (zkeys or {}).items() if n in used} or None,
                  workers=workers, scheduler=scheduler, threads=threads, progress=progress,
                  on_batch_done=on_batch_done)
    files: dict[str, object] = {}
    for t in tasks:
        result = finished(t)
        if result is None:
            raise InputError(t.out, "binding", "changed while this prove held the work directory")
        files[f"proofs/batch_{t.index:04d}.json"] = result
    recs = records(job, plan, w)                                                   # 4. header
    vks = _vks(keys, ks)
    dev = any(pk.dev_setup for pk in pks.values()) or keys.aggregate.dev_setup
    header = build_header(job, plan, w, recs, vks, dev)
    header_json = header.to_json()
    w.header_digest = stm.header_digest(header_json)
    files["proofs/aggregate.json"] = prove_checked(venue_aggregate_circuit(ks.epoch), w.inputs(),
                                                   keys.aggregate, w.public_values(), "venue aggregate")
    files.update(inclusion_files(job, plan, recs))                                 # 5. bundle
    files["header.json"] = header_json
    files.update({f"keys/{name}.vk.json": vk_bytes(vk) for name, vk in vks.items()})
    return publish(out, files, page=page, progress=progress, overwrite=overwrite,
                   check_staged=lambda staged: _check_own_bundle(staged, out, work, allow_dev=dev))


def inclusion_files(job: VenueJob, plan: dict, recs: dict) -> dict[str, bytes]:
    """One sealed file per slot of every batch, all of the widest tier's record size."""
    ks = job.keys_shape
    size = record_bytes(ks.tier(ks.tiers[-1]))
    out = {}
    for b, p in enumerate(plan["tiers"]):
        holders = job.inputs.tier(p)[1]
        for j in plan["slots"][b]:
            if j < 0:
                name, blob = inclusion_file.seal_padding(job.epoch, size)
            else:
                name, blob = inclusion_file.seal(recs[p, j], holders[j].id, holders[j].nonce, size)
            out[name] = blob
    return out


# -- step 5: the staged bundle is verified before it is published -----------------------------

_BATCH_INDEX = re.compile(r"batch_(\d+) public inputs")
_BATCH_LIST = re.compile(r"batches \[([\d, ]+)\]")


def _check_own_bundle(staged: Path, out: Path, work: Path, allow_dev: bool) -> None:
    """Publish only what verifies (dev keys accepted iff they were used): a failed check stops
    the run. A failing batch proof came from a partial file in ``work`` (tampered, or bound by a
    copied binding): the file is removed, so a re-run proves it again."""
    report = verify_venue_bundle(str(staged), allow_dev=allow_dev)
    failed = [c for c in report.checks if not c.ok]
    if not failed:
        return
    bad: set[int] = set()
    for c in failed:
        if m := _BATCH_INDEX.fullmatch(c.name):
            bad.add(int(m.group(1)))
        elif c.name.startswith("batch proofs") and (m := _BATCH_LIST.search(c.detail or "")):
            bad.update(int(x) for x in m.group(1).split(","))
    names = [f"batch_{n:04d}.json" for n in sorted(bad)]
    for name in names:
        (work / name).unlink(missing_ok=True)
    if names:
        raise InputError(str(work / names[0]), "proof", f"{len(names)} batch proof(s) from the "
                         f"work directory do not verify ({failed[0].detail or failed[0].name}): "
                         "removed; nothing was published, run prove again to redo them")
    raise InputError(str(out), failed[0].name, f"the bundle would not verify "
                     f"({failed[0].detail or 'failed'}): nothing was published")
