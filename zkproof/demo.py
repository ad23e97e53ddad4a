"""``zkproof demo``: a synthetic venue (or, with ``--dense``, the v1 protocol) proved and
verified end to end, with a real ceremony.

Steps: write a seeded venue (``run_venue_demo``: option chains, futures, perpetuals up to 50x,
26 collateral assets with borrowers, market makers and the vault in the wide tier; or the dense
protocol, ``run_demo``: two underlyings, three collateral assets, 128 accounts by default) ->
risk table -> the circuits (a batch circuit per tier and the aggregate) -> a small multi-party
ceremony (two phase-1 contributions and a beacon; per circuit
two phase-2 contributions and a beacon: no single party knows the toxic waste, so `zkproof
verify` accepts the keys without --allow-dev) -> prove the epoch -> verify the bundle -> check a
few users' inclusion proofs. Everything lands in OUT (inputs/, keys/, bundle/); the bundle
carries the account holders' page (bundle/verify.html) when its assets are built (`make page`).
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import click

from zkproof import pipeline
from zkproof import statement as stm
from zkproof.examples_gen import (
    VENUE_DEMO_BATCHES,
    VENUE_DEMO_CAPACITY,
    venue_example,
    write_example,
    write_files,
)

BEACON = "0000000000000000000000000000000000000000000000000000000000000000"  # documented demo beacon


def _step(msg: str) -> float:
    click.echo(f"==> {msg}", err=True)
    return time.perf_counter()


def write_inputs(inputs: Path, n_users: int, epoch: int = 1) -> None:
    """The seeded protocol with its ``epoch.json`` (reserves 110 % of the liabilities)."""
    write_example(inputs, seed=2026, n_users=n_users, epoch=epoch)


def write_venue_inputs(inputs: Path, n_users: int = 24, epoch: int = 1) -> None:
    """The seeded venue at the demo's shape (``examples_gen.venue_example``): what
    ``examples/venue/`` ships for 24 users."""
    write_files(inputs, venue_example(n_users, epoch))


def ceremony(keys: Path, shape, contributors=("alice", "bob"), iterations_exp: int = 10) -> dict[str, str]:
    """The dense epoch's ceremony: its batch and aggregate circuits (``ceremony_circuits``)."""
    from zkproof.prover.circuits import circuits_for

    circuits = circuits_for(shape)
    return ceremony_circuits(keys, {"batch": circuits.batch.to_r1cs(),
                                    "aggregate": circuits.aggregate.to_r1cs()}, contributors, iterations_exp)


def ceremony_venue(keys: Path, key_shape, contributors=("alice", "bob"),
                   iterations_exp: int = 10) -> dict[str, str]:
    """A venue's ceremony (``ceremony_circuits``): one batch circuit per tier of ``key_shape``
    (``prover.venue_keys.VenueKeyShape``; files ``batch_p{P}``) and the aggregate, with the key
    shape saved next to them (``venue_shape.json``), as ``zkproof setup`` lays them out."""
    from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
    from zkproof.prover.venue_keys import AGGREGATE, key_name, save_key_shape

    save_key_shape(keys, key_shape)
    r1cs = {key_name(s): venue_batch_circuit(s).to_r1cs() for s in key_shape.tier_shapes()}
    r1cs[AGGREGATE] = venue_aggregate_circuit(key_shape.epoch).to_r1cs()
    return ceremony_circuits(keys, r1cs, contributors, iterations_exp)


def ceremony_circuits(keys: Path, r1cs: dict, contributors=("alice", "bob"),
                      iterations_exp: int = 10) -> dict[str, str]:
    """Phase 1 (powers of tau, once, at the largest circuit's power) and phase 2 for each
    named circuit, transcripts kept under keys/ (``NAME.r1cs``, ``NAME_final.zkey``).

    Returns what a ceremony publishes for auditors: the SHA-256 of each circuit's
    ``vk.json`` by name (``zkproof verify --vk-sha256``)."""
    from zkproof.ceremony import lagrange, phase2
    from zkproof.ceremony import powers_of_tau as pot
    from zkproof.ceremony.zkey_new import circuit_power, new_zkey
    from zkproof.formats.ptau_file import write_ptau
    from zkproof.formats.r1cs_file import write_r1cs
    from zkproof.formats.snarkjs_json import vk_sha256
    from zkproof.formats.zkey_file import write_zkey

    keys.mkdir(parents=True, exist_ok=True)
    for name, r in r1cs.items():
        write_r1cs(keys / f"{name}.r1cs", r)
    powers = {name: circuit_power(r) for name, r in r1cs.items()}
    power = max(powers.values())
    t = _step(f"phase 1: powers of tau 2^{power}, contributions by {', '.join(contributors)}, beacon")
    pt = pot.new(power)
    for who in contributors:
        pt = pot.contribute(pt, entropy=secrets.token_hex(32), name=who)
        click.echo(f"    {who} contributed ({time.perf_counter() - t:.0f} s)", err=True)
    pt = pot.beacon(pt, BEACON, iterations_exp, name="beacon")
    # The phase-1 transcript as published (verifiable: `zkproof powersoftau verify`); a full
    # `powersoftau prepare phase2` of it gives the snarkjs-identical prepared file. The demo
    # prepares only the domains its circuits use (lagrange.prepare_phase2 docstring).
    write_ptau(keys / "pot_beacon.ptau", pt)
    click.echo(f"    beacon ({time.perf_counter() - t:.0f} s); preparing phase 2 for domains "
               f"{', '.join(f'2^{k}' for k in sorted(set(powers.values())))}", err=True)
    pt = lagrange.prepare_phase2(pt, circuit_powers=set(powers.values()))
    click.echo(f"    {time.perf_counter() - t:.1f} s", err=True)
    digests: dict[str, str] = {}
    for name, r in r1cs.items():
        t = _step(f"phase 2 for the {name} circuit ({r.n_constraints} constraints, {r.n_public} public "
                  f"inputs, 2^{powers[name]})")
        pk = new_zkey(r, pt)
        for who in contributors:
            pk = phase2.contribute(pk, entropy=secrets.token_hex(32), name=who)
        pk = phase2.beacon(pk, BEACON, iterations_exp, name="beacon")
        write_zkey(keys / f"{name}_final.zkey", pk)
        digests[name] = vk_sha256(pk.verifying_key())
        click.echo(f"    {time.perf_counter() - t:.1f} s; published vk SHA-256 {digests[name]}", err=True)
    return digests


def _page_assets_built() -> bool:
    from zkproof import page as holder_page
    from zkproof.errors import InputError

    try:
        holder_page.assets()
        return True
    except InputError as e:
        click.echo(f"    no verification page in the bundle: {e}", err=True)
        return False


def _prove_and_check(loaded, keys: Path, bundle: Path, digests: dict[str, str], t0: float) -> bool:
    """Prove the epoch, verify the bundle as an auditor would (the ceremony's digests, the
    protocol's own accounts named) and check three holders' inclusion; print the holders'
    page with the first account filled in."""
    with_page = _page_assets_built()
    t = _step("proving the epoch")
    pipeline.prove(loaded, keys, bundle, overwrite=True, page=with_page)
    click.echo(f"    {time.perf_counter() - t:.1f} s", err=True)
    _step("verifying the bundle (as an auditor would: zkproof verify --vk-sha256 ... "
          "--protocol-account ...)")
    from zkproof.hash.poseidon import python_only
    from zkproof.verifier.dispatch import verify_any
    from zkproof.verifier.inclusion import verify_inclusion

    accounts = loaded.snapshot.accounts
    with python_only():  # the prover hashed in C; the auditor's and users' checks do not
        named = [a.id for a in accounts if a.role in stm.PROTOCOL_ROLES]
        report = verify_any(bundle, vk_sha256=digests, protocol_accounts=named)
        for c in report.checks:
            click.echo(f"    [{'ok' if c.ok else 'FAIL'}] {c.name} {c.detail}", err=True)
        included = True
        users = [a for a in accounts if a.role not in stm.PROTOCOL_ROLES]
        for acc in users[:3]:  # zkproof inclusion verify --vk-sha256 aggregate=...
            r = verify_inclusion(str(bundle), acc.id, acc.nonce,
                                 trusted_vk_sha256={"aggregate": digests["aggregate"]})
            included &= r.ok
            click.echo(f"    user {acc.id}: {'included' if r.ok else 'NOT INCLUDED'} ("
                       + "; ".join(f"{c.name}: {c.detail}" for c in r.checks
                                   if not c.ok or c.name == "path to the proven root") + ")", err=True)
    status = "OK" if report.ok and included else "FAILED"
    click.echo(f"demo {status} in {time.perf_counter() - t0:.0f} s; bundle: {bundle}")
    if with_page and (bundle / "verify.html").is_file():
        acc = users[0]
        click.echo(f"account holders' page: {(bundle / 'verify.html').resolve().as_uri()}"
                   f"?id={acc.id}&nonce={acc.nonce.hex()}")
    return report.ok and included


def run_demo(out: Path, n_users: int, capacity: int, n_batches: int | None) -> bool:
    """The dense (v1) statement: ``write_inputs``' protocol, its two circuits' ceremony, prove,
    verify, inclusion."""
    t0 = time.perf_counter()
    inputs, keys, bundle = out / "inputs", out / "keys", out / "bundle"
    _step(f"synthetic protocol: {n_users} users + insurance fund + vault -> {inputs}")
    write_inputs(inputs, n_users)
    loaded = pipeline.load_inputs(inputs)
    n_acc = len(loaded.snapshot.accounts)
    if n_batches is None:
        n_batches = 2
        while n_batches * capacity < n_acc:
            n_batches *= 2
    shape = pipeline.shape_of(loaded, capacity, n_batches)
    pipeline.save_shape(keys, shape)
    click.echo(f"    {n_acc} accounts, {shape.n_assets} assets, {shape.n_instruments} instruments, "
               f"{shape.n_scenarios} scenarios; {n_batches} batches x {capacity} slots", err=True)
    digests = ceremony(keys, shape)
    return _prove_and_check(loaded, keys, bundle, digests, t0)


def run_venue_demo(out: Path, n_users: int = 24, n_batches: int = VENUE_DEMO_BATCHES) -> bool:
    """The venue statement at the demo's shape (``VENUE_DEMO``): ``write_venue_inputs``' venue
    (option chains, futures, perpetuals up to 50x, 26 collateral assets, borrowers, market
    makers and the vault in the wide tier), the ceremony of its tier circuits and aggregate,
    prove, verify, inclusion."""
    t0 = time.perf_counter()
    inputs, keys, bundle = out / "inputs", out / "keys", out / "bundle"
    _step(f"synthetic venue: {n_users} users, market makers, insurance fund, vault -> {inputs}")
    write_venue_inputs(inputs, n_users)
    loaded = pipeline.load_inputs(inputs)
    snap = loaded.snapshot
    ks = pipeline.venue_key_shape(snap, loaded.table, VENUE_DEMO_CAPACITY, n_batches)
    used = pipeline.venue_batches_needed(ks, snap.accounts, str(snap.paths["accounts"]))
    loans = sum(1 for a in snap.accounts if any(b < 0 for b in a.balances))
    vp = snap.params.venue
    click.echo(f"    {len(snap.accounts)} accounts ({loans} with loans), {len(snap.instruments)} of "
               f"{vp.i_max - 1} instrument slots, {len(snap.params.assets)} of {vp.a_max - 1} asset "
               f"slots, {ks.epoch.batch.n_scenarios} scenarios; tiers P = {list(ks.tiers)}; "
               f"{used} of {n_batches} batches x {VENUE_DEMO_CAPACITY} slots", err=True)
    digests = ceremony_venue(keys, ks)
    return _prove_and_check(loaded, keys, bundle, digests, t0)
