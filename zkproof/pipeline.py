"""The data flow of one epoch in one screen: snapshot -> risk table -> witness -> proof -> verification.

Each step is a call into its own stage package; the CLI and the demo call these functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from zkproof import statement as stm
from zkproof.ceremony.zkey_new import circuit_power
from zkproof.errors import InputError
from zkproof.formats.r1cs_file import write_r1cs
from zkproof.formats.zkey_file import read_zkey, write_zkey
from zkproof.groth16.setup import dev_setup
from zkproof.margin.preflight import preflight
from zkproof.margin.risk_table import TABLE_BITS, build_risk_table
from zkproof.prover import venue_keys
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.epoch import EpochJob, EpochKeys, check_capacity, prove_epoch
from zkproof.prover.venue_files import (
    VenueJob,
    batches_needed,
    check_shapes,
    preflight_venue,
    prove_venue_files,
    tier_batches,
    tier_plan,
)
from zkproof.prover.venue_keys import AGGREGATE, VenueKeyShape, key_name, save_key_shape, zkey_path
from zkproof.snapshot.epoch_file import load_epoch_input
from zkproof.snapshot.inputs import load_snapshot, resolve_paths
from zkproof.venue import VenueEpochShape, VenueShape
from zkproof.verifier.bundle_check import Report
from zkproof.verifier.dispatch import verify_any
from zkproof.verifier.venue_bundle import VenueReport
from zkproof.witness.venue_inputs import venue_inputs, venue_tables

SHAPE_FILE = "shape.json"


@dataclass
class Loaded:
    snapshot: object
    table: object
    epoch: object
    epoch_file: str = "epoch.json"


def load_inputs(inputs_dir: str | Path, epoch_file: str | Path | None = None) -> Loaded:
    """① snapshot in, validated (circuit breaker on the oracle; the epoch no later than
    ``max_snapshot_age_seconds`` after the oracle snapshot), ② the risk table. A dense or a
    venue snapshot (``[venue]``): ``prove`` picks the circuits by the snapshot and the keys."""
    paths = resolve_paths(inputs_dir)
    snap = load_snapshot(paths)
    table = build_risk_table(snap.params, snap.instruments, snap.oracle)
    epoch_path = epoch_file or Path(inputs_dir) / "epoch.json"
    ep = load_epoch_input(epoch_path, snap.params)
    problem = stm.snapshot_age_problem(ep.timestamp, snap.oracle.snapshot_time,
                                       snap.params.oracle.max_snapshot_age_seconds)
    if problem:
        raise InputError(str(epoch_path), "timestamp",
                         f"{problem}; see oracle.max_snapshot_age_seconds in params.toml")
    return Loaded(snap, table, ep, str(epoch_path))


def require_dense(snap, params_path: str | Path) -> None:
    """What runs the dense circuits (the dense setup, a prove with dense keys) refuses a venue
    snapshot (``[venue]`` in params.toml: sparse accounts, loans valued at the debt column) in
    one line rather than proving it under rules it was not written for (its loans would fail
    ``balance_range``)."""
    if snap.params.venue is not None:
        raise InputError(str(params_path), "venue", "a venue snapshot is proved by the venue "
                         "circuits (docs/venue-design.md), with the keys `zkproof setup` makes "
                         "from it (venue_shape.json); without [venue] the inputs are proved by "
                         "the dense circuits")


def shape_of(loaded: Loaded, capacity: int, n_batches: int,
             equity_check_cap: int = stm.EQUITY_CHECK_BITS) -> stm.Shape:
    t = loaded.table
    return stm.Shape(n_assets=len(t.assets), n_instruments=len(t.instruments),
                     n_scenarios=len(t.scenarios), capacity=capacity, table_bits=TABLE_BITS,
                     n_batches=n_batches, equity_check_cap=equity_check_cap)


def save_shape(keys_dir: Path, shape: stm.Shape) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True)
    (keys_dir / SHAPE_FILE).write_text(json.dumps(shape.__dict__, indent=1) + "\n")


def load_shape(keys_dir: Path) -> stm.Shape:
    from zkproof.formats import strict_json

    raw = strict_json.load(keys_dir / SHAPE_FILE)
    try:
        return stm.Shape(**raw)
    except (TypeError, ValueError) as e:
        raise InputError(str(keys_dir / SHAPE_FILE), "shape", str(e)) from None


def prove(loaded: Loaded, keys_dir: Path, out: Path, work: Path | None = None,
          progress: bool = True, overwrite: bool = False, workers: int | None = None,
          scheduler: str | None = None, reveal_totals: bool = False, page: bool = True) -> Path:
    """③ witness and ④ proofs: the keys' shape against the inputs (slots, sizes) and the
    pre-flight first, before any key is read; then every batch, the aggregate and the bundle.
    Venue keys (``venue_keys.is_venue_keys``) on a venue snapshot: ``prove_venue``; dense keys
    on a dense snapshot: the dense circuits; any other pair is refused naming the keys or the
    params file.

    ``reveal_totals``: publish the liabilities ``L_a`` in the header (SPEC §1.4); by default they
    stay hidden behind a salted commitment. ``page``: publish the account holders' verification
    page with the bundle (``zkproof.page``; its assets come from ``make page``)."""
    snap, table, ep = loaded.snapshot, loaded.table, loaded.epoch
    if venue_keys.is_venue_keys(keys_dir):
        if snap.params.venue is None:
            raise InputError(str(keys_dir), "venue", "venue keys (venue_shape.json), but the "
                             f"inputs have no [venue] section in {snap.paths['params']}: prove "
                             "them with the keys of `zkproof setup` on these inputs")
        return prove_venue(loaded, keys_dir, out, work, progress=progress, overwrite=overwrite,
                           workers=workers, scheduler=scheduler, reveal_totals=reveal_totals, page=page)
    require_dense(snap, snap.paths["params"])
    reserves = {a.symbol: r for a, r in zip(snap.params.assets, ep.reserves)}
    shape = load_shape(keys_dir)
    check_capacity(shape, len(snap.accounts), str(snap.paths["accounts"]))
    report = preflight(snap.accounts, table, [i.id for i in snap.instruments], reserves,
                       file=str(snap.paths["accounts"]), check_bits=shape.equity_check_bits)
    if not report.ok:
        raise InputError(str(snap.paths["accounts"]), "pre-flight",
                         f"{len(report.failures)} accounts under margin, {len(report.imbalances)} "
                         f"instruments not netting to zero, {len(report.reserve_shortfalls)} assets "
                         "short of reserves (run `zkproof check` for the list); nothing was proved")
    if shape != shape_of(loaded, shape.capacity, shape.n_batches, shape.equity_check_cap):
        raise InputError(str(keys_dir / SHAPE_FILE), "shape", "the keys were made for other sizes "
                         "(assets, instruments or scenarios differ from the inputs)")
    batch_zkey = keys_dir / "batch_final.zkey"
    keys = EpochKeys(read_zkey(batch_zkey), read_zkey(keys_dir / "aggregate_final.zkey"),
                     batch_zkey=str(batch_zkey))  # workers read the key file, no copy
    job = EpochJob(shape, ep.epoch, ep.timestamp, list(snap.accounts), table, ep.reserves,
                   list(table.assets), reveal_totals=reveal_totals)
    return prove_epoch(job, keys, out, work, progress=progress, overwrite=overwrite,
                       workers=workers, scheduler=scheduler, page=page)


def venue_job(loaded: Loaded, ks: venue_keys.VenueKeyShape, reveal_totals: bool = False) -> VenueJob:
    """The venue prover's job for these inputs under keys of shape ``ks``: the tiers' accounts
    at the keys' capacity and margin width (``venue_inputs``: ``InputError`` naming the line of
    an account the venue circuits cannot hold)."""
    snap, table, ep = loaded.snapshot, loaded.table, loaded.epoch
    inputs = venue_inputs(snap, table, ks.epoch.batch.capacity, ks.epoch.batch.equity_check_cap)
    return VenueJob(ks, ep.epoch, ep.timestamp, inputs, table, tuple(ep.reserves),
                    reveal_totals=reveal_totals, accounts_file=str(snap.paths["accounts"]),
                    epoch_file=loaded.epoch_file)


def prove_venue(loaded: Loaded, keys_dir: Path, out: Path, work: Path | None = None,
                progress: bool = True, overwrite: bool = False, workers: int | None = None,
                scheduler: str | None = None, reveal_totals: bool = False, page: bool = True) -> Path:
    """A venue snapshot under venue keys: the keys' shape against the snapshot's tiers, the
    slots, the margin of every account, zero-sum and reserves first, before any key is read;
    then ``venue_files.prove_venue_files`` (the batches' workers read the tier keys' files).
    ``page``: publish the account holders' verification page with the bundle, as ``prove``."""
    ks = venue_keys.load_key_shape(keys_dir)
    job = venue_job(loaded, ks, reveal_totals)
    check_shapes(job, str(keys_dir / venue_keys.SHAPE_FILE))
    tier_batches(job)
    preflight_venue(job)
    keys = venue_keys.load_venue_keys(keys_dir, ks)
    zkeys = {venue_keys.key_name(s): str(venue_keys.zkey_path(keys_dir, venue_keys.key_name(s)))
             for s in ks.tier_shapes()}
    return prove_venue_files(job, keys, out, work, progress=progress, overwrite=overwrite,
                             zkeys=zkeys, workers=workers, scheduler=scheduler, page=page)


@dataclass(frozen=True)
class CircuitFile:
    """A circuit ``setup`` wrote: its key name (file stem), constraints, public inputs and the
    ptau power its ceremony needs (``ceremony.zkey_new.circuit_power``)."""

    name: str
    n_constraints: int
    n_public: int
    power: int


def venue_key_shape(snap, table, capacity: int, n_batches: int,
                    equity_check_cap: int = stm.EQUITY_CHECK_BITS) -> VenueKeyShape:
    """The keys' shape of a venue snapshot: ``[venue]``'s universes, ``p``, ``b`` and ``wide_p``
    (one tier when ``wide_p == p``), ``K`` from the risk table, ``TABLE_BITS``; the listing is
    checked against the universes (``venue_inputs.venue_tables``)."""
    vp = snap.params.venue
    venue_tables(snap, table)
    batch = VenueShape(i_max=vp.i_max, a_max=vp.a_max, p=vp.p, b=vp.b, k=len(table.scenarios) - 1,
                       capacity=capacity, table_bits=TABLE_BITS, equity_check_cap=equity_check_cap)
    tiers = (vp.p,) if vp.wide_p == vp.p else (vp.p, vp.wide_p)
    return VenueKeyShape(VenueEpochShape(batch, n_batches), tiers)


def venue_batches_needed(ks: VenueKeyShape, accounts, file: str = "<accounts>") -> int:
    """Batches these accounts take: per tier (the narrowest whose ``P`` holds the account's
    positions) ``ceil(n / capacity)`` (``venue_files.batches_needed``). ``InputError`` for an
    account over the widest tier, or for more batches than the shape's ``n_batches``
    (``venue_files.tier_plan``, the prover's own check; before any work)."""
    per_tier = dict.fromkeys(ks.tiers, 0)
    for acc in accounts:
        n = sum(1 for q in acc.positions if q)
        tier = next((p for p in ks.tiers if n <= p), None)
        if tier is None:
            raise InputError(file, f"line {acc.line}: positions", f"account {acc.id!r}: {n} positions, "
                             f"the widest tier holds {ks.tiers[-1]} (venue.wide_p)")
        per_tier[tier] += 1
    tier_plan(ks, per_tier, file)
    return sum(batches_needed(ks, per_tier).values())


def setup_venue(snap, table, keys_dir: Path, capacity: int, n_batches: int, dev: bool = False,
                equity_check_cap: int = stm.EQUITY_CHECK_BITS, progress=None) -> list[CircuitFile]:
    """``zkproof setup`` on a venue snapshot: the key shape (``venue_shape.json``), one batch
    circuit per tier (``batch_p{P}.r1cs``) and the aggregate (``aggregate.r1cs``); with ``dev``
    also INSECURE single-party keys (``*_final.zkey``). With accounts, too many for the slots
    are refused before anything is built or written. ``progress(CircuitFile)`` after each."""
    ks = venue_key_shape(snap, table, capacity, n_batches, equity_check_cap)
    if snap.accounts is not None:
        venue_batches_needed(ks, snap.accounts, str(snap.paths["accounts"]))
    save_key_shape(keys_dir, ks)
    circuits = [(key_name(s), venue_batch_circuit(s)) for s in ks.tier_shapes()]
    circuits.append((AGGREGATE, venue_aggregate_circuit(ks.epoch)))
    out = []
    for name, cs in circuits:
        r = cs.to_r1cs()
        write_r1cs(keys_dir / f"{name}.r1cs", r)
        if dev:
            write_zkey(zkey_path(keys_dir, name), dev_setup(r))
        out.append(CircuitFile(name, r.n_constraints, r.n_public, circuit_power(r)))
        if progress is not None:
            progress(out[-1])
    return out


def verify(bundle_dir: str | Path, allow_dev: bool = False) -> Report | VenueReport:
    """⑤ verification: every proof and consistency check of a bundle, dense or venue
    (``verifier.dispatch.verify_any``)."""
    return verify_any(bundle_dir, allow_dev=allow_dev)
