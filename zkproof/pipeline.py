"""The data flow of one epoch in one screen: snapshot -> risk table -> witness -> proof -> verification.

Each step is a call into its own stage package; the CLI and the demo call these functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.formats.zkey_file import read_zkey
from zkproof.margin.preflight import preflight
from zkproof.margin.risk_table import TABLE_BITS, build_risk_table
from zkproof.prover.epoch import EpochJob, EpochKeys, check_capacity, prove_epoch
from zkproof.snapshot.epoch_file import load_epoch_input
from zkproof.snapshot.inputs import load_snapshot, resolve_paths
from zkproof.verifier.bundle_check import Report
from zkproof.verifier.dispatch import verify_any
from zkproof.verifier.venue_bundle import VenueReport

SHAPE_FILE = "shape.json"


@dataclass
class Loaded:
    snapshot: object
    table: object
    epoch: object


def load_inputs(inputs_dir: str | Path, epoch_file: str | Path | None = None) -> Loaded:
    """① snapshot in, validated (circuit breaker on the oracle; the epoch no later than
    ``max_snapshot_age_seconds`` after the oracle snapshot), ② the risk table."""
    paths = resolve_paths(inputs_dir)
    snap = load_snapshot(paths)
    require_dense(snap, paths["params"])
    table = build_risk_table(snap.params, snap.instruments, snap.oracle)
    epoch_path = epoch_file or Path(inputs_dir) / "epoch.json"
    ep = load_epoch_input(epoch_path, snap.params)
    problem = stm.snapshot_age_problem(ep.timestamp, snap.oracle.snapshot_time,
                                       snap.params.oracle.max_snapshot_age_seconds)
    if problem:
        raise InputError(str(epoch_path), "timestamp",
                         f"{problem}; see oracle.max_snapshot_age_seconds in params.toml")
    return Loaded(snap, table, ep)


def require_dense(snap, params_path: str | Path) -> None:
    """``setup`` and ``prove`` run the dense circuits: a venue snapshot (``[venue]`` in
    params.toml: sparse accounts, loans valued at the debt column) is refused in one line rather
    than proved under rules it was not written for (its loans would fail ``balance_range``)."""
    if snap.params.venue is not None:
        raise InputError(str(params_path), "venue", "a venue snapshot is proved by the venue "
                         "circuits (zkproof.prover.venue_epoch, docs/venue-design.md), which "
                         "`zkproof setup` and `zkproof prove` do not run yet; without [venue] "
                         "the inputs are proved by the dense circuits")


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

    ``reveal_totals``: publish the liabilities ``L_a`` in the header (SPEC §1.4); by default they
    stay hidden behind a salted commitment. ``page``: publish the account holders' verification
    page with the bundle (``zkproof.page``; its assets come from ``make page``)."""
    snap, table, ep = loaded.snapshot, loaded.table, loaded.epoch
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


def verify(bundle_dir: str | Path, allow_dev: bool = False) -> Report | VenueReport:
    """⑤ verification: every proof and consistency check of a bundle, dense or venue
    (``verifier.dispatch.verify_any``)."""
    return verify_any(bundle_dir, allow_dev=allow_dev)
