"""Shared pytest configuration: hypothesis profiles, the npm peers, temp dirs."""

from __future__ import annotations

import dataclasses
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# A flake hunt before a release (CI draws fresh examples every run, so a rare counterexample
# shows up there first): HYPOTHESIS_PROFILE=hunt [HUNT_EXAMPLES=3000] pytest -m "not slow" FILES
settings.register_profile("hunt", max_examples=int(os.environ.get("HUNT_EXAMPLES", "3000")),
                          deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def npm_tools():
    """The npm peers (snarkjs, circom2, circomlib, circomlibjs, solc).

    Missing tools FAIL the test (never skip): `make test` installs them, so their absence is a
    broken setup, not an optional feature.
    """
    from zkproof.devtools import npm

    try:
        npm.snarkjs_cli()
        npm.module_path("circom2", "cli.js")
        npm.module_path("circomlib", "circuits")
    except npm.ToolMissing as exc:
        pytest.fail(f"npm tools missing: {exc}")
    return npm


# --- cached artefacts made by the npm peers (recipes in zkproof.devtools.npm) -----------------


@pytest.fixture(scope="session")
def snarkjs_ptau(npm_tools):
    """``snarkjs_ptau(power) -> Path``: a snarkjs-made, phase2-prepared ptau (one contribution
    and a beacon), cached under ``.cache/ptau/`` (the test tmp dirs are not shared)."""
    return npm_tools.cached_ptau


@pytest.fixture(scope="session")
def circom_circuit(npm_tools):
    """``circom_circuit(name, source) -> dict`` with ``r1cs``, ``wasm``, ``sym``, ``dir`` paths,
    compiled once per distinct source and cached under ``.cache/circom/<sha>/``."""
    return npm_tools.cached_circuit


@pytest.fixture(scope="module", params=[True, False], ids=["adx", "portable"])
def field_path(request):
    """Both native field products: BMI2/ADX assembly (when the CPU has it) and the portable C
    code (tests/test_native_*.py run their differential checks on each)."""
    from zkproof._native import kernel as native

    on = native._set_adx(request.param)
    if request.param and not on:
        pytest.skip("this CPU has no BMI2/ADX: only the portable path exists")
    yield request.param
    native._set_adx(True)


@pytest.fixture(scope="module")
def key(circom_circuit, snarkjs_ptau):
    """A snarkjs Groth16 key (one phase-2 contribution) for the test circuit whose public inputs
    are the registry header (test_evm_verifier, test_registry, test_solidity_export)."""
    from zkproof.solidity import fixtures as fx

    n = fx.header_fields()
    return fx.snarkjs_key(circom_circuit(f"epoch{n}", fx.epoch_circuit(n)), snarkjs_ptau(fx.PTAU_POWER))


# --- bundles with the holders' page, and a real browser (tests/test_page.py, test_html_report.py) --


@pytest.fixture(scope="session")
def page_bundles(tmp_path_factory):
    """Bundles with the account holders' page (tests/test_page.py, tests/test_html_report.py):
    epoch 7 (totals hidden) and 8, one set of dev keys, each bundle with its page; and
    epoch 7 again with its totals revealed (same work directory: only the aggregate is new)."""
    from tests.test_epoch_e2e import ACCOUNTS, RESERVES, SHAPE, TABLE
    from zkproof import page as holder_page
    from zkproof.errors import InputError
    from zkproof.groth16.setup import dev_setup
    from zkproof.prover.circuits import circuits_for
    from zkproof.prover.epoch import EpochJob, EpochKeys, prove_epoch

    try:
        holder_page.assets()
    except InputError as e:
        pytest.fail(f"page assets missing ({e}): `make page` builds them")
    c = circuits_for(SHAPE)
    keys = EpochKeys(dev_setup(c.batch.to_r1cs(), quiet=True), dev_setup(c.aggregate.to_r1cs(), quiet=True))
    d = tmp_path_factory.mktemp("page")
    job = EpochJob(SHAPE, 7, 1_700_000_000, ACCOUNTS, TABLE, RESERVES, [("USDC", 6), ("ETH", 9)])
    out = {7: prove_epoch(job, keys, d / "e7", work_dir=d / "w7", progress=False, page=True),
           8: prove_epoch(dataclasses.replace(job, epoch=8, timestamp=1_700_000_600), keys, d / "e8",
                          work_dir=d / "w8", progress=False, page=True),
           "revealed": prove_epoch(dataclasses.replace(job, reveal_totals=True), keys, d / "e7r",
                                   work_dir=d / "w7", progress=False, page=True)}
    return out


@pytest.fixture(scope="session")
def browser():
    from zkproof.devtools import chromium, npm

    try:
        chromium.executable()
    except npm.ToolMissing as e:
        pytest.fail(f"{e}")  # `make test` installs it: its absence is a broken setup
    with chromium.Browser() as b:
        yield b


