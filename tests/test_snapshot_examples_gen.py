"""The seeded synthetic protocol: deterministic bytes, zero-sum books, exactly the requested
number of failing accounts, and the shipped ``examples/`` equal to the generator's output."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest

from zkproof import statement as stm
from zkproof.examples_gen import (
    PERP_LEVERAGE,
    SPOT,
    VENUE_DEMO,
    VENUE_DEMO_BATCHES,
    VENUE_DEMO_CAPACITY,
    generate,
    generate_venue,
    venue_example,
)
from zkproof.margin.preflight import preflight
from zkproof.margin.risk_table import build_risk_table, debt_column
from zkproof.margin.venue_preflight import venue_preflight, venue_slacks
from zkproof.snapshot.inputs import Snapshot
from zkproof.snapshot.instruments import loads_instruments
from zkproof.snapshot.ledger import loads_accounts
from zkproof.snapshot.marks import parse_market
from zkproof.snapshot.params import VenueParams, loads_params
from zkproof.witness.venue_inputs import venue_inputs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _check(files):
    params = loads_params(files["params.toml"])
    insts = loads_instruments(files["instruments.json"], params=params)
    table = build_risk_table(params, insts, parse_market(json.loads(files["oracle.json"]), "oracle.json",
                                                         params, insts))
    accounts = loads_accounts(files["accounts.jsonl"], params, insts)
    return accounts, preflight(accounts, table, [i.id for i in insts])


def test_shipped_examples_are_the_generator_output():
    for name, text in generate(seed=2026, n_users=48).items():
        assert (EXAMPLES / name).read_text() == (text if text.endswith("\n") else text + "\n"), name


def test_same_seed_same_bytes_other_seed_other_bytes():
    assert generate(seed=5, n_users=10) == generate(seed=5, n_users=10)
    assert generate(seed=5, n_users=10)["accounts.jsonl"] != generate(seed=6, n_users=10)["accounts.jsonl"]


@pytest.mark.parametrize("n_failing", [0, 1, 4])
def test_requested_failures_and_zero_sum(n_failing):
    accounts, rep = _check(generate(seed=3, n_users=40, n_failing=n_failing))
    assert len(accounts) == 42 and not rep.imbalances
    assert len(rep.failures) == n_failing
    assert all(f.account.startswith("user-") for f in rep.failures)
    roles = [a.role for a in accounts]
    assert roles.count("insurance_fund") == 1 and roles.count("protocol_vault") == 1


def test_hundreds_of_accounts():
    files = generate(seed=1, n_users=300)
    accounts, rep = _check(files)
    assert len(accounts) == 302 and rep.ok
    assert sum(1 for line in files["accounts.jsonl"].splitlines() if json.loads(line)["positions"]) > 250


def _venue(files, capacity=8):
    """The generated venue loaded, its venue statement inputs (margin checked per account by
    ``venue_inputs``) and the venue pre-flight report (``zkproof check``'s)."""
    params = loads_params(files["params.toml"])
    insts = loads_instruments(files["instruments.json"], params=params)
    market = parse_market(json.loads(files["oracle.json"]), "oracle.json", params, insts)
    table = build_risk_table(params, insts, market)
    accounts = loads_accounts(files["accounts.jsonl"], params, insts)
    snap = Snapshot(params, insts, market, accounts, {k: Path(f"{k}.json") for k in
                                                      ("params", "instruments", "oracle", "accounts")})
    report = venue_preflight(accounts, table, debt_column(params, market), [i.id for i in insts])
    return snap, table, report, capacity


SMALL = dict(seed=4, n_users=40, n_underlyings=3, n_expiries=3, n_strikes=4)


@pytest.fixture(scope="module")
def small_venue():
    files = generate_venue(**SMALL)
    return files, _venue(files)


def test_venue_generator_small_chain(small_venue):
    """generate_venue: per underlying a perpetual, two futures, expiries x strikes x call/put,
    plus the mark-margined alt perpetuals; every option marked and every expiry forwarded by three
    sources; 20+ collateral assets; same arguments, same bytes."""
    files, (snap, table, rep, _) = small_venue
    assert files == generate_venue(**SMALL)
    assert files["accounts.jsonl"] != generate_venue(**dict(SMALL, seed=5))["accounts.jsonl"]
    insts = json.loads(files["instruments.json"])["instruments"]
    assert len(insts) == 3 * (1 + 2 + 3 * 4 * 2) + len(PERP_LEVERAGE)
    oracle = json.loads(files["oracle.json"])
    assert len(oracle["marks"]) == 3 * 3 * 4 * 2
    assert all(len(q) == 3 for q in oracle["marks"].values())
    assets = [a.symbol for a in snap.params.assets]
    assert len(assets) >= 20 and {"USDC", "USDT", "DAI", "ETH", "BTC", "SOL", "DOGE"} <= set(assets)
    assert len(table.c) == len(assets) and all(row[0] > 0 for row in table.c)  # every asset priced
    assert rep.ok and rep.n_accounts == 40 + 3 + 2


def test_venue_generator_accounts_fit_the_tiers_and_pass(small_venue):
    """Every account converts to the venue statement (``venue_inputs``: at most ``b`` balances,
    ``wide_p`` positions, margin with loans at ``d``) and passes the venue pre-flight; users are
    in the narrow tier, the market makers and the vault in the wide one; books net to zero and
    each asset's net balance is covered by the epoch's reserves."""
    files, (snap, table, rep, capacity) = small_venue
    vp = snap.params.venue
    assert (vp.i_max, vp.a_max, vp.p, vp.b, vp.wide_p) == (1024, 64, 16, 8, 128)
    vi = venue_inputs(snap, table, capacity)
    wide = {a.id_hash for a in vi.wide_accounts}
    for acc in snap.accounts:
        n_pos = sum(1 for q in acc.positions if q)
        assert n_pos <= vp.wide_p and sum(1 for b in acc.balances if b) <= vp.b
        if acc.id.startswith("user-"):
            assert n_pos <= vp.p
        if acc.id.startswith("market-maker-") or acc.role == "protocol_vault":
            assert stm.id_hash(acc.id, acc.nonce) in wide
    assert sum(1 for a in snap.accounts if a.id.startswith("market-maker-")) == 3
    assert not rep.imbalances and not rep.failures
    reserves = json.loads(files["epoch.json"])["reserves"]
    assert all(0 <= rep.liabilities[s] <= int(r) for s, r in reserves.items())


def test_venue_generator_borrowers_and_leverage(small_venue):
    """Borrowers hold a negative balance covered by their other collateral at the debt column
    (the same loan valued at ``c`` would be cheaper); users hold mark-margined perpetuals at
    high leverage (maintenance ``1 / (2 L)``, ``L`` up to 50)."""
    files, (snap, table, _, _) = small_venue
    borrowers = [a for a in snap.accounts if any(b < 0 for b in a.balances)]
    assert len(borrowers) >= 3
    assert 'perpetual_max_leverage = {ETH = 25, BTC = 40, SOL = 20, BNB = 50' in files["params.toml"]
    alt = {i for i, inst in enumerate(snap.instruments) if inst.kind == "perpetual"
           and inst.underlying in PERP_LEVERAGE}
    spot = {a: float(SPOT[a]) for a in SPOT}
    lev = []
    for acc in snap.accounts:
        notional = sum(abs(acc.positions[i]) / 10 ** snap.instruments[i].position_decimals
                       * spot[snap.instruments[i].underlying] for i in alt)
        net = sum(b / 10 ** a.decimals * spot[a.symbol] for b, a in zip(acc.balances, snap.params.assets))
        if notional and acc.id.startswith("user-"):
            lev.append(notional / net)
    assert max(lev) > 10


def test_venue_preflight_values_loans_at_the_debt_column(small_venue):
    """The check tool values a loan at ``d``: a borrower (positions closed) whose loan is grown
    one unit past what its collateral covers at ``d`` fails ``venue_preflight`` in its tightest
    scenario, although the same balances valued at ``c`` pass; the borrower as generated passes."""
    _, (snap, table, _, _) = small_venue
    debt = debt_column(snap.params, snap.oracle)
    ids = [i.id for i in snap.instruments]
    borrower = next(a for a in snap.accounts if any(b < 0 for b in a.balances))
    acc = dataclasses.replace(borrower, positions=(0,) * len(borrower.positions))
    assert venue_preflight([acc], table, debt, ids).ok
    slack = venue_slacks(table, debt, [], list(enumerate(acc.balances)))
    j = min(range(len(slack)), key=slack.__getitem__)
    col = (j + 1) % len(table.scenarios)  # slack j weighs scenario j + 1; the last, the mark
    a = next(k for k, b in enumerate(acc.balances) if b < 0)
    grown = list(acc.balances)
    grown[a] -= slack[j] // debt[a][col] + 1
    bad = dataclasses.replace(acc, balances=tuple(grown))
    rep = venue_preflight([bad], table, debt, ids)
    assert not rep.ok and rep.failures[0].account == acc.id and rep.failures[0].shortfall > 0
    assert venue_preflight([bad], table, table.c, ids).ok, "valued at c the same loan passes"


@pytest.mark.parametrize("n_failing", [0, 2])
def test_venue_generator_requested_failures(n_failing):
    files = generate_venue(seed=7, n_users=20, n_underlyings=2, n_expiries=2, n_strikes=3,
                           n_failing=n_failing)
    _, _, rep, _ = _venue(files)
    assert len(rep.failures) == n_failing and all(f.account.startswith("user-") for f in rep.failures)
    assert not rep.imbalances


def test_venue_generator_one_underlying_lists_and_trades_only_its_chain():
    """``n_underlyings=1``: the ETH chain and the alt perpetuals only; no BTC or SOL instrument is
    listed or held (BTC and SOL remain collateral)."""
    files = generate_venue(seed=4, n_users=30, n_underlyings=1, n_expiries=2, n_strikes=3)
    snap, table, rep, _ = _venue(files)
    unders = {i.underlying for i in snap.instruments}
    assert unders == {"ETH"} | set(PERP_LEVERAGE)
    assert rep.ok and {"BTC", "SOL"} <= {a.symbol for a in snap.params.assets}


def test_venue_generator_without_venue_section():
    """``venue=None``: no ``[venue]`` section and no loans (a v1 snapshot the dense pre-flight
    reads), the same caps."""
    files = generate_venue(seed=4, n_users=10, n_underlyings=2, n_expiries=1, n_strikes=1, venue=None,
                           collateral=("USDC", "ETH", "BTC"))
    assert "[venue]" not in files["params.toml"]
    accounts, rep = _check(files)
    assert rep.ok and all(b >= 0 for a in accounts for b in a.balances)


@pytest.mark.slow
def test_realistic_venue_default_fits_the_wide_tier():
    """The default venue (2 underlyings x 8 expiries x 30 strikes, 200 users, 3 market makers):
    every account within ``wide_p`` (the busiest market makers and the vault fill it) and
    passing the venue's margin with loans at ``d``."""
    files = generate_venue()
    snap, table, rep, capacity = _venue(files)
    assert len(snap.instruments) == 966 + len(PERP_LEVERAGE) and rep.ok
    vi = venue_inputs(snap, table, capacity)
    assert len(vi.wide_accounts) == 4
    assert max(sum(1 for q in a.positions if q) for a in snap.accounts) <= snap.params.venue.wide_p


def test_shipped_examples_have_an_epoch_json_that_covers_the_liabilities():
    """`zkproof prove --inputs examples` needs epoch.json: it loads, and its reserves cover the
    accounts' totals (110 %), at the oracle's snapshot time."""
    from zkproof import pipeline

    loaded = pipeline.load_inputs(EXAMPLES)
    totals = [sum(a.balances[k] for a in loaded.snapshot.accounts)
              for k in range(len(loaded.snapshot.params.assets))]
    assert loaded.epoch.epoch == 1 and loaded.epoch.timestamp == loaded.snapshot.oracle.snapshot_time
    assert all(r == t + t // 10 for r, t in zip(loaded.epoch.reserves, totals))


@pytest.mark.parametrize("n_failing, code", [(0, 0), (1, 1)])
def test_zkproof_check_on_a_venue_snapshot(tmp_path, capsys, n_failing, code):
    """``zkproof check`` on a generated venue (loans, ``[venue]``) applies the venue rule: exit
    0 when every account passes, 1 naming the failing user."""
    from zkproof.cli import main as cli_main
    from zkproof.examples_gen import write_files

    write_files(tmp_path, generate_venue(seed=9, n_users=12, n_underlyings=1, n_expiries=1, n_strikes=2,
                                         n_failing=n_failing))
    with pytest.raises(SystemExit) as e:
        cli_main.main(["check", "--inputs", str(tmp_path), "--epoch", str(tmp_path / "epoch.json")])
    out = capsys.readouterr().out
    assert e.value.code == code and f"{n_failing} failing margin, 0 imbalanced" in out
    assert ("FAIL user-" in out) == bool(n_failing)


def test_shipped_venue_example_is_the_generator_output():
    """``examples/venue/`` is ``examples_gen.venue_example()`` byte for byte (the demo's venue)."""
    for name, text in venue_example().items():
        assert (EXAMPLES / "venue" / name).read_text() == (text if text.endswith("\n") else text + "\n"), name


def test_venue_example_at_the_demo_shape():
    """The venue demo's shape (docs/venue-design.md §6, ``examples/venue/``): ``I_max = 128``,
    ``A_max = 32``, ``P = 16``, wide ``P = 32``, capacity 2, 16 batches; 24 users and 192
    trades list 124 instruments and put the 3 market makers and the vault in the wide tier, every
    account passing (``venue_inputs``), all within the slots."""
    from zkproof import pipeline
    from zkproof.prover.venue_keys import VenueKeyShape
    from zkproof.snapshot.inputs import load_snapshot, resolve_paths
    from zkproof.venue import VenueEpochShape

    assert VENUE_DEMO == VenueParams(128, 32, 16, 8, 32, Decimal("0.05"))
    snap = load_snapshot(resolve_paths(EXAMPLES / "venue"))
    table = build_risk_table(snap.params, snap.instruments, snap.oracle)
    vi = venue_inputs(snap, table, VENUE_DEMO_CAPACITY)
    assert len(snap.instruments) == 124 and len(snap.params.assets) == 26 and len(vi.wide_accounts) == 4
    assert any(b < 0 for a in snap.accounts for b in a.balances)  # borrowers
    ks = VenueKeyShape(VenueEpochShape(vi.shape, VENUE_DEMO_BATCHES), (16, 32))
    assert pipeline.venue_batches_needed(ks, snap.accounts) == 15


def test_venue_generator_does_not_depend_on_the_hash_seed():
    """Two interpreters with different string-hash seeds write the same venue (no iteration
    over a set of names decides what the seeded generator draws)."""
    import os
    import subprocess
    import sys

    code = ("import hashlib; from zkproof.examples_gen import venue_example; "
            "print(hashlib.sha256(repr(venue_example(n_users=8)).encode()).hexdigest())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1
