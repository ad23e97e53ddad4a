"""The solvency commands: ``setup``, ``prove``, ``verify``, ``inclusion verify``, ``demo``.

Protocol: ``zkproof setup`` (circuits and keys), ``zkproof check`` (pre-flight),
``zkproof prove``, ``zkproof page`` (export the holders' page). Auditor / regulator:
``zkproof verify BUNDLE [--json] [--html FILE]``. Account holder: ``zkproof inclusion verify
BUNDLE --id ID --nonce HEX`` (or the header, aggregate proof and key and the sealed record given
one by one), or ``BUNDLE/verify.html`` in a browser.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from zkproof.errors import InputError
from zkproof.snapshot.jsonio import format_timestamp


@click.command("setup")
@click.option("--inputs", "inputs_dir", default=".", type=click.Path(file_okay=False),
              help="Directory with params.toml, instruments.json, oracle.json (default: .).")
@click.option("--capacity", default=16, show_default=True, help="Accounts per batch (power of two).")
@click.option("--batches", default=2, show_default=True, help="Batch slots per epoch (power of two).")
@click.option("--out", "keys_dir", default="keys", show_default=True, type=click.Path(file_okay=False))
@click.option("--equity-check-bits", type=click.IntRange(1, 252), default=88, show_default=True,
              help="Width of the in-circuit margin checks: accounts whose equity minus requirement "
                   "reaches 2^N value units are refused by pre-flight (2^88 = 3.1e14 USD at "
                   "10^-12 USD). 252 covers every in-range account at 21 more constraints per "
                   "scenario and account. Soundness does not depend on it (docs/soundness.md).")
@click.option("--dev", is_flag=True, help="Also write INSECURE single-party keys (tests and demos only).")
def setup_cmd(inputs_dir: str, capacity: int, batches: int, keys_dir: str, equity_check_bits: int,
              dev: bool) -> None:
    """Build the batch and aggregate circuits for these inputs' sizes; write KEYS/*.r1cs.

    The shape holds BATCHES x CAPACITY account slots, fixed by the ceremony: setup prints the
    slot count and, when the inputs directory has accounts.jsonl, refuses a shape with fewer
    slots than accounts (exit 2) before building anything.

    A venue snapshot (params.toml with [venue], docs/venue-design.md) gets the venue circuits
    over its universes: KEYS/venue_shape.json, one batch circuit per tier (batch_p{P}.r1cs for
    P = venue.p and venue.wide_p) and aggregate.r1cs (with --dev, *_final.zkey). Its keys serve
    every epoch until a capacity changes: listing and expiry change only the table. An account
    takes a slot of the narrowest tier holding its positions; each tier fills whole batches.

    \b
    Example: zkproof setup --inputs examples --capacity 16 --batches 4 --out keys
             zkproof setup --inputs venue --capacity 8 --batches 8 --dev --out venue-keys

    Then run the ceremony with the snarkjs-shaped commands, e.g.:

    \b
      zkproof powersoftau new bn128 17 pot_0000.ptau
      zkproof powersoftau contribute pot_0000.ptau pot_0001.ptau --name=alice
      zkproof powersoftau beacon pot_0001.ptau pot_beacon.ptau BEACONHEX 10
      zkproof powersoftau prepare phase2 pot_beacon.ptau pot_final.ptau
      zkproof zkey new keys/batch.r1cs pot_final.ptau keys/batch_0000.zkey
      zkproof zkey contribute keys/batch_0000.zkey keys/batch_0001.zkey --name=alice
      zkproof zkey beacon keys/batch_0001.zkey keys/batch_final.zkey BEACONHEX 10
      (the same for aggregate)
    """
    from zkproof import pipeline
    from zkproof.ceremony.zkey_new import circuit_power
    from zkproof.formats.r1cs_file import write_r1cs
    from zkproof.margin.risk_table import TABLE_BITS, build_risk_table
    from zkproof.prover.circuits import circuits_for
    from zkproof.prover.epoch import check_capacity
    from zkproof.snapshot.inputs import load_snapshot, resolve_paths
    from zkproof.statement import Shape

    paths = resolve_paths(inputs_dir)
    snap = load_snapshot(paths, with_accounts=paths["accounts"].is_file())
    table = build_risk_table(snap.params, snap.instruments, snap.oracle)
    if snap.params.venue is not None:
        _setup_venue(snap, table, capacity, batches, Path(keys_dir), equity_check_bits, dev)
        return
    try:
        shape = Shape(len(table.assets), len(table.instruments), len(table.scenarios), capacity,
                      TABLE_BITS, batches, equity_check_cap=equity_check_bits)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    n_slots = shape.capacity * shape.n_batches
    if snap.accounts is not None:
        check_capacity(shape, len(snap.accounts), str(paths["accounts"]))
        seen = f"{len(snap.accounts)} accounts in {paths['accounts']}"
    else:
        seen = f"no {paths['accounts']} to check against"
    click.echo(f"shape: {shape.n_batches} batches x capacity {shape.capacity} = {n_slots} account "
               f"slots ({seen}); prove refuses an epoch with more accounts", err=True)
    keys = Path(keys_dir)
    pipeline.save_shape(keys, shape)
    circuits = circuits_for(shape)
    for name, cs in (("batch", circuits.batch), ("aggregate", circuits.aggregate)):
        r = cs.to_r1cs()
        write_r1cs(keys / f"{name}.r1cs", r)
        click.echo(f"{keys / (name + '.r1cs')}: {r.n_constraints} constraints, ptau power "
                   f"{circuit_power(r)} needed")
        if dev:
            from zkproof.formats.zkey_file import write_zkey
            from zkproof.groth16.setup import dev_setup

            write_zkey(keys / f"{name}_final.zkey", dev_setup(r))


def _setup_venue(snap, table, capacity: int, batches: int, keys: Path, equity_check_bits: int,
                 dev: bool) -> None:
    from zkproof import pipeline

    try:
        ks = pipeline.venue_key_shape(snap, table, capacity, batches, equity_check_bits)
    except InputError as e:
        if e.file != "venue shape":
            raise
        raise click.BadParameter(f"{e.field}: {e.reason}") from None
    b = ks.epoch.batch
    if snap.accounts is not None:
        need = pipeline.venue_batches_needed(ks, snap.accounts, str(snap.paths["accounts"]))
        seen = f"{len(snap.accounts)} accounts in {snap.paths['accounts']} take {need}"
    else:
        seen = f"no {snap.paths['accounts']} to check against"
    click.echo(f"venue shape: I_max {b.i_max}, A_max {b.a_max}, P {'/'.join(map(str, ks.tiers))}, "
               f"B {b.b}, K {b.k}; {batches} batches x capacity {capacity} ({seen})", err=True)

    def done(c) -> None:
        click.echo(f"{keys / (c.name + '.r1cs')}: {c.n_constraints} constraints, {c.n_public} public "
                   f"inputs, ptau power {c.power} needed" + (" (dev key written)" if dev else ""))

    pipeline.setup_venue(snap, table, keys, capacity, batches, dev, equity_check_bits, progress=done)


@click.command("prove")
@click.option("--inputs", "inputs_dir", default=".", type=click.Path(file_okay=False),
              help="Snapshot directory: params.toml, instruments.json, oracle.json, accounts.jsonl, "
                   "epoch.json.")
@click.option("--keys", "keys_dir", default="keys", show_default=True, type=click.Path(file_okay=False))
@click.option("--out", default="bundle", show_default=True, type=click.Path(file_okay=False))
@click.option("--work", default=None, type=click.Path(file_okay=False),
              help="Work directory for resuming (default: .OUT.work next to OUT).")
@click.option("--force", is_flag=True, help="Replace an existing bundle directory.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Batch proofs at a time (default: one process per core; 1 = in this process).")
@click.option("--scheduler", default=None, metavar="ADDR|local",
              help="Prove batches on a Dask cluster (tcp://host:8786) or a local Dask cluster "
                   "(needs `pip install 'zkproof[scale]'`; docs/scale.md).")
@click.option("--reveal-totals", is_flag=True,
              help="Publish the total liabilities per asset in the header (bound by the proof). "
                   "Default: hidden, only a salted commitment is published.")
@click.option("--no-page", is_flag=True,
              help="Leave out the account holders' verification page (verify.html and page/; its "
                   "assets are built by `make page`).")
def prove_cmd(inputs_dir: str, keys_dir: str, out: str, work: str | None, force: bool,
              workers: int | None, scheduler: str | None, reveal_totals: bool, no_page: bool) -> None:
    """Prove an epoch: pre-flight, every batch, the aggregate; publish the bundle atomically.

    Batches are independent and proved in parallel (all cores, or a Dask cluster). An
    interrupted run resumes where it stopped (finished batch proofs are kept in --work).

    The totals L_a (sum of all balances per asset) are hidden by default: the header carries
    only a commitment salted with a secret kept in --work. With --reveal-totals the header
    lists them and the proof shows they are exactly the proved liabilities, each <= reserves
    (docs/formats.md §11). The same --work directory can publish either.

    The bundle carries the account holders' verification page, OUT/verify.html (open it from
    disk or any static host: no server, no network; `zkproof page` exports it alone).

    A venue snapshot ([venue] in params.toml) is proved with the venue keys `zkproof setup`
    made from it (KEYS/venue_shape.json): sparse batches of each tier (the wide tier in the
    last batches), the venue aggregate, a venue bundle with its holders' page
    (docs/venue-design.md, docs/formats.md §20).

    \b
    Example: zkproof prove --inputs snapshot/ --keys keys/ --out bundle-42/
             zkproof prove --inputs snapshot/ --keys keys/ --out bundle-42-open/ --reveal-totals
             zkproof prove --inputs venue-snapshot/ --keys venue-keys/ --out venue-42/
    """
    from zkproof import pipeline

    loaded = pipeline.load_inputs(inputs_dir)
    path = pipeline.prove(loaded, Path(keys_dir), Path(out), Path(work) if work else None,
                          progress=True, overwrite=force, workers=workers, scheduler=scheduler,
                          reveal_totals=reveal_totals, page=not no_page)
    page = path / "verify.html"
    click.echo(f"wrote {path}" + (f"; account holders' page: {page}" if page.is_file() else ""))


def _vk_sha256_option(f):
    return click.option(
        "--vk-sha256", "vk_sha256", multiple=True, metavar="NAME=HEX",
        help="The ceremony's published SHA-256 of keys/NAME.vk.json (NAME: batch or aggregate; "
             "a venue bundle: batch_pP per tier, e.g. batch_p16, or aggregate); repeatable. "
             "Without it the report notes that the keys are pinned only by the "
             "bundle's own header.")(f)


def _max_snapshot_age_option(f):
    from zkproof.statement import MAX_SNAPSHOT_AGE_SECONDS

    return click.option(
        "--max-snapshot-age", type=click.IntRange(min=0), default=MAX_SNAPSHOT_AGE_SECONDS,
        show_default=True, metavar="SECONDS",
        help="Largest accepted gap between the oracle snapshot and the epoch timestamp (the "
             "header's snapshot_time and timestamp); a snapshot after the epoch always fails.")(f)


def _vk_digests(items: tuple[str, ...]) -> dict[str, str]:
    """``NAME=HEX`` options as ``{NAME: HEX}`` (validated by ``bundle_check.trusted_digests``)."""
    trusted = {}
    for item in items:
        name, sep, digest = item.partition("=")
        if not sep:
            raise InputError("<options>", "vk-sha256", f"expected NAME=HEX, got {item!r}")
        trusted[name] = digest
    return trusted


@click.command("verify")
@click.argument("bundle_dir", metavar="BUNDLE", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
@click.option("--allow-dev", is_flag=True, help="Accept INSECURE single-party dev keys.")
@_vk_sha256_option
@_max_snapshot_age_option
@click.option("--protocol-account", "protocol_accounts", multiple=True, metavar="ID",
              help="An id from the venue's published list of its own accounts (vault, insurance "
                   "fund); repeatable. Each must be named in the header with a path to the proven "
                   "root. Without it the report lists the ids the header names.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False), default=None,
              help="Also write a self-contained HTML report (checks, header with each field bound or "
                   "unverified, reserves, risk-table heatmaps, scenario grid, keys) to this file.")
@click.option("--zkey", "zkeys", multiple=True, metavar="NAME=FILE",
              help="With --html: the ceremony's final .zkey of NAME (batch or aggregate), to summarise "
                   "its phase-2 transcript in the report; repeatable.")
def verify_cmd(bundle_dir: str, as_json: bool, allow_dev: bool, vk_sha256: tuple[str, ...],
               max_snapshot_age: int, protocol_accounts: tuple[str, ...], html_out: str | None,
               zkeys: tuple[str, ...]) -> None:
    """Verify an epoch bundle offline: exit 0 only if every proof and check holds.

    The header's format picks the verifier: a dense epoch (zkproof-epoch/1) or a venue epoch
    (zkproof-venue-epoch/1: one batch key per tier, keys/batch_pP.vk.json, the risk table over
    the instrument and asset universes, one root per batch).

    Exit 1: a proof or consistency check fails (the report names it); 2: a malformed or
    tampered file (one line naming file and field; with --json also on stdout as
    {"bundle", "valid": false, "error": {"file", "field", "reason"}}). The report shows the total liabilities
    per asset when the bundle reveals them (and that each is <= reserves), "hidden" otherwise.

    The bundle's header pins its verification keys, but the prover writes the header: anchor
    the keys to the digests the ceremony published with --vk-sha256 (the report lists the
    digests to compare otherwise; on chain the registry anchors the aggregate key itself).
    The batch proofs are paired together (random weights; one by one only to name a bad one),
    with a progress bar on stderr when it is a terminal. The oracle snapshot must be at most
    --max-snapshot-age seconds older than the epoch (stale prices cannot be replayed).

    Omission (SPEC §1.3): the report prints the proven open interest per instrument, to compare
    with the venue's market data; --protocol-account names the venue's own accounts, which
    must be proven included. An account with balances only and no positions can still be left
    out: its holder's `zkproof inclusion verify` notices.

    --html writes the same report as one HTML file (pictures inline, no script, printable);
    its exit status is that of the verification. Not yet for venue bundles (exit 2).

    \b
    Example: zkproof verify bundle-42/ --json
             zkproof verify bundle-42/ --vk-sha256 batch=9f86...08 --vk-sha256 aggregate=2c26...ae
             zkproof verify bundle-42/ --protocol-account protocol-vault --protocol-account insurance-fund
             zkproof verify bundle-42/ --html report.html --zkey batch=keys/batch_final.zkey
             zkproof verify venue-42/ --vk-sha256 batch_p16=9f86...08 --vk-sha256 batch_p128=1b4f...a3
    """
    from zkproof.errors import InputError
    from zkproof.verifier.dispatch import is_venue_bundle, verify_any
    from zkproof.verifier.venue_bundle import VenueReport

    zkey_files = {}
    for item in zkeys:
        name, sep, path = item.partition("=")
        if not sep or name not in ("batch", "aggregate") or not path:
            raise InputError("<options>", "zkey", f"expected batch=FILE or aggregate=FILE, got {item!r}")
        if html_out is None:
            raise InputError("<options>", "zkey", "only used with --html")
        zkey_files[name] = path
    try:
        if html_out is not None and is_venue_bundle(bundle_dir):
            raise InputError("<options>", "html", "not yet for venue bundles")
        with _ProgressBar() as bar:
            report = verify_any(bundle_dir, allow_dev=allow_dev, vk_sha256=_vk_digests(vk_sha256),
                                protocol_accounts=protocol_accounts, progress=bar.update,
                                max_snapshot_age=max_snapshot_age)
    except (InputError, OSError) as e:
        if not as_json:
            raise
        err = e if isinstance(e, InputError) else InputError(e.filename or bundle_dir, "<file>",
                                                             e.strerror or str(e))
        click.echo(json.dumps({"bundle": bundle_dir, "valid": False, "error": {
            "file": err.file, "field": err.field, "reason": err.reason}}, indent=1))
        click.echo(f"zkproof: {err}", err=True)
        sys.exit(2)
    if html_out is not None:
        from zkproof import html_report

        summaries = [html_report.zkey_summary(n, p) for n, p in zkey_files.items()]
        html_report.write_report(html_out, report, summaries)
        click.echo(f"wrote {html_out}", err=True)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=1))
    else:
        h = report.header
        if isinstance(report, VenueReport):
            _echo_venue_summary(report)
        elif h is not None:
            click.echo(f"epoch {h.epoch} at {h.timestamp} ({format_timestamp(h.timestamp)}), oracle snapshot "
                       f"{h.snapshot_time} ({format_timestamp(h.snapshot_time)}): root {h.root}")
            if h.totals is None:
                click.echo(f"totals: hidden (salted commitment {h.totals_commitment})")
            else:
                click.echo("totals (revealed): " + ", ".join(
                    f"{a.symbol} {t} of reserves {a.reserves}" for a, t in zip(h.assets, h.totals)))
            click.echo("open interest (compare with the venue's market data): " + ", ".join(
                f"{i.split('|')[0]} {x}" for i, x in zip(h.instruments, h.open_interest)))
            click.echo(f"header digest {h.header_digest}")
        for c in report.checks:
            click.echo(f"[{'ok' if c.ok else 'FAIL'}] {c.name}" + (f": {c.detail}" if c.detail else ""))
        for note in report.notes:
            click.echo(f"[note] {note}")
        click.echo("VALID: every account meets margin, positions net to zero, reserves cover "
                   "liabilities" if report.ok else "INVALID")
    sys.exit(0 if report.ok else 1)


def _echo_venue_summary(report) -> None:
    """The head of ``zkproof verify``'s report on a venue bundle: epoch and times, each batch's
    tier and root, the totals and the open interest per listed instrument."""
    h = report.header
    if h is None:
        return
    click.echo(f"venue epoch {h.epoch} at {h.timestamp} ({format_timestamp(h.timestamp)}), oracle "
               f"snapshot {h.snapshot_time} ({format_timestamp(h.snapshot_time)}): "
               f"{len(h.batches)} batches, tiers P={list(h.tiers)}")
    for n, e in enumerate(h.batches):
        click.echo(f"  batch {n} (P={e.tier}): root {e.root}")
    if h.totals is None or h.loans is None:
        click.echo(f"totals: hidden (salted commitment {h.totals_commitment})")
    else:
        click.echo("totals (revealed, net liabilities and gross loans): " + ", ".join(
            f"{a.symbol} {t} of reserves {a.reserves} (loans {g})"
            for a, t, g in zip(h.assets, h.totals, h.loans)))
    click.echo("open interest (compare with the venue's market data): " + ", ".join(
        f"{i.split('|')[0]} {x}" for i, x in zip(h.instruments, h.open_interest)))
    click.echo(f"header digest {h.header_digest}")


class _ProgressBar:
    """A tqdm bar on stderr per verification step ("checking points", "pairing", ...), shown
    only when stderr is a terminal and the step has more than 8 items."""

    def __init__(self) -> None:
        self.bar = None
        self.step = None

    def update(self, step: str, done: int, total: int) -> None:
        if total <= 8 or not sys.stderr.isatty():
            return
        if step != self.step:
            self.close()
            from tqdm import tqdm

            self.step, self.bar = step, tqdm(total=total, desc=f"batch proofs: {step}", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.bar, self.step = None, None

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@click.group("inclusion")
def inclusion() -> None:
    """A user's own account in an epoch."""


@inclusion.command("verify")
@click.argument("bundle_dir", metavar="[BUNDLE]", required=False, type=click.Path())
@click.option("--id", "user_id", required=True, help="Your account id, as the protocol knows it.")
@click.option("--nonce", required=True, help="Your secret nonce: 64 hex digits.")
@click.option("--header", type=click.Path(dir_okay=False), default=None,
              help="The epoch's header.json (default: BUNDLE/header.json).")
@click.option("--aggregate-proof", type=click.Path(dir_okay=False), default=None,
              help="The aggregate proof (default: BUNDLE/proofs/aggregate.json).")
@click.option("--aggregate-vk", type=click.Path(dir_okay=False), default=None,
              help="Its verification key (default: BUNDLE/keys/aggregate.vk.json).")
@click.option("--record", type=click.Path(dir_okay=False), default=None,
              help="Your sealed record (default: found in BUNDLE/inclusion/ by id and nonce).")
@_vk_sha256_option
@click.option("--allow-dev", is_flag=True, help="Accept INSECURE single-party dev keys.")
@_max_snapshot_age_option
@click.option("--full", is_flag=True, help="Also verify the whole BUNDLE first (every batch "
              "proof: `zkproof verify`), so only the comparison with the chain is left to you.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
def inclusion_verify_cmd(bundle_dir: str | None, user_id: str, nonce: str, header: str | None,
                         aggregate_proof: str | None, aggregate_vk: str | None, record: str | None,
                         vk_sha256: tuple[str, ...], allow_dev: bool, max_snapshot_age: int,
                         full: bool, as_json: bool) -> None:
    """Check that your account (balances and positions) is in the epoch root the aggregate
    proof proves, and print that root and epoch to compare with the chain.

    Checked: the aggregate key (pinned by the header; anchor it to the ceremony's digest with
    --vk-sha256 aggregate=HEX), the aggregate proof against the header (its root is covered by
    the reserves), the oracle snapshot's age, your record (opened with your id and nonce) and
    your path up to that root. NOT checked unless --full: the batch proofs (that every account
    meets margin); the report says so. Exit 0 only if every check holds; 1 if one fails; 2 for
    a malformed file.

    On a venue bundle (format zkproof-venue-epoch/1) your record climbs to the root of its
    batch as the header lists it; balances are shown by asset symbol (negative: a loan) and
    positions by instrument; the aggregate key's name is still aggregate.

    \b
    Example: zkproof inclusion verify bundle-42/ --id user-00017 --nonce 5071...9452
             zkproof inclusion verify --id user-00017 --nonce 5071...9452 --header header.json \\
               --aggregate-proof aggregate.json --aggregate-vk aggregate.vk.json --record 3f0c....bin
    """
    from decimal import Decimal

    from zkproof.verifier.inclusion import HolderFiles, VenueInclusionReport, verify_inclusion

    try:
        nonce_bytes = bytes.fromhex(nonce)
        if len(nonce_bytes) != 32 or nonce != nonce.lower():
            raise ValueError
    except ValueError:
        raise click.BadParameter("expected 64 lowercase hex digits", param_hint="--nonce") from None
    if bundle_dir is None and header is None:
        raise click.UsageError("give BUNDLE, or --header, --aggregate-proof, --aggregate-vk and --record")

    def path(p: str | None) -> Path | None:
        return Path(p) if p is not None else None

    files = HolderFiles(None, path(header), path(aggregate_proof), path(aggregate_vk), path(record))
    r = verify_inclusion(bundle_dir, user_id, nonce_bytes, files=files, allow_dev=allow_dev,
                         trusted_vk_sha256=_vk_digests(vk_sha256), max_snapshot_age=max_snapshot_age,
                         full=full)
    if as_json:
        click.echo(json.dumps(r.to_json(), indent=1))
        sys.exit(0 if r.ok else 1)
    h = r.header
    venue = isinstance(r, VenueInclusionReport)
    click.echo(f"{'venue ' if venue else ''}epoch {h.epoch} at {h.timestamp} "
               f"({format_timestamp(h.timestamp)}), oracle snapshot "
               f"{h.snapshot_time} ({format_timestamp(h.snapshot_time)})")
    if venue:
        click.echo(f"header digest {h.header_digest}" + ("" if r.batch is None else
                                                          f"; batch {r.batch} root {r.root}"))
    else:
        click.echo(f"root {h.root}")
    for c in r.checks:
        click.echo(f"[{'ok' if c.ok else 'FAIL'}] {c.name}" + (f": {c.detail}" if c.detail else ""))
    for note in r.notes:
        click.echo(f"[note] {note}")
    for item in r.unchecked:
        click.echo(f"[NOT CHECKED] {item}")
    decimals = {a.symbol: a.decimals for a in h.assets}
    for sym, b in r.balances.items():
        click.echo(f"  balance {sym}: {b} ({Decimal(b).scaleb(-decimals.get(sym, 0)):f} {sym}"
                   + (", a loan)" if b < 0 else ")"))
    for inst, q in r.positions.items():  # descriptor id|...|position_decimals (--json: whole)
        name, tail = inst.split("|")[0], inst.rsplit("|", 1)[-1]
        dec = int(tail) if tail.isdecimal() and len(tail) <= 2 else 0  # a label: never fails
        click.echo(f"  position {name}: {q} ({Decimal(q).scaleb(-dec):f} contracts)")
    if r.ok:
        where = f"the root of batch {r.batch}" if venue else f"root {h.root}"
        click.echo(f"INCLUDED: your account is in {where} of epoch {h.epoch}, which the "
                   "aggregate proof shows covered by the reserves" +
                   ("" if not r.unchecked else " (see NOT CHECKED above)"))
    else:
        click.echo("NOT VERIFIED: " + "; ".join(c.name for c in r.checks if not c.ok))
    sys.exit(0 if r.ok else 1)


@click.command("page")
@click.argument("bundle_dir", metavar="BUNDLE", type=click.Path())
@click.argument("out", metavar="OUT", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace an existing OUT directory.")
def page_cmd(bundle_dir: str, out: str, force: bool) -> None:
    """Export the account holders' verification page of BUNDLE to OUT, alone.

    OUT gets verify.html and page/ (scripts and the bundle's public data and sealed records):
    publish it on any static host or hand it out; it opens from disk too, needs no server and
    makes no connection. Holders enter their id and nonce (or drop their inclusion record), or
    open OUT/verify.html?id=ID&nonce=HEX. The bundle's manifest is checked first; the page itself
    checks the proofs, in the browser. A dense or a venue bundle (docs/formats.md §15, §20).

    \b
    Example: zkproof page bundle-42/ site/
             chromium 'site/verify.html?id=user-00017&nonce=5071...9452'
    """
    from zkproof.page import export_page

    path = export_page(bundle_dir, out, overwrite=force)
    click.echo(f"wrote {path / 'verify.html'}")


@click.command("demo")
@click.option("--out", default="demo-out", show_default=True, type=click.Path(file_okay=False))
@click.option("--dense", is_flag=True, help="The v1 protocol on the dense circuits instead of the venue.")
@click.option("--users", type=click.IntRange(min=1), default=None,
              help="Synthetic users (venue: 24, plus 3 market makers, fund and vault; dense: 126, "
                   "plus fund and vault).")
@click.option("--capacity", default=8, show_default=True,
              help="Dense only: accounts per batch (power of two).")
def demo_cmd(out: str, dense: bool, users: int | None, capacity: int) -> None:
    """End-to-end demo: synthetic venue, multi-party ceremony, proof, verification, inclusion.

    The venue (default): two underlyings with option chains (4 expiries x 7 strikes x
    call/put), futures and perpetuals, six alt perpetuals at up to 50x, 26 collateral assets,
    borrowers, three market makers and the vault in the wide tier (P = 32), at the demo's
    universes I_max = 128, A_max = 32 (docs/venue-design.md §6): 24 users fill 15 of 16
    batches of 2. All three circuits are 2^14, so the ceremony takes 1-2 minutes on 2 cores.
    The keys directory keeps the phase-1 transcript (`pot_beacon.ptau`, verifiable with
    `zkproof powersoftau verify`) and every circuit's final key.

    --dense: the v1 protocol (126 users + insurance fund + vault = 128 accounts, 16 batches of
    8, both circuits of 2^15, about 4 minutes on 2 cores).

    Example: zkproof demo --out demo-out
    """
    from zkproof.demo import run_demo, run_venue_demo

    if dense:
        ok = run_demo(Path(out), 126 if users is None else users, capacity, None)
    else:
        ok = run_venue_demo(Path(out), 24 if users is None else users)
    sys.exit(0 if ok else 1)


def register(cli: click.Group) -> None:
    for cmd in (setup_cmd, prove_cmd, verify_cmd, inclusion, page_cmd, demo_cmd):
        cli.add_command(cmd)
