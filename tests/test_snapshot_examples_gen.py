"""The seeded synthetic protocol: deterministic bytes, zero-sum books, exactly the requested
number of failing accounts, and the shipped ``examples/`` equal to the generator's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkproof.examples_gen import generate
from zkproof.margin.preflight import preflight
from zkproof.margin.risk_table import build_risk_table
from zkproof.snapshot.instruments import loads_instruments
from zkproof.snapshot.ledger import loads_accounts
from zkproof.snapshot.marks import parse_market
from zkproof.snapshot.params import loads_params

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


def test_venue_generator_small_chain():
    """generate_venue: per underlying a perpetual, two futures, expiries x strikes x call/put,
    every option marked and every expiry forwarded by three sources; books net to zero and pass
    (the 966-instrument default is exercised by the slow test in test_margin_venue.py)."""
    from zkproof.examples_gen import generate_venue

    files = generate_venue(seed=4, n_users=15, n_underlyings=3, n_expiries=3, n_strikes=4)
    assert files == generate_venue(seed=4, n_users=15, n_underlyings=3, n_expiries=3, n_strikes=4)
    accounts, rep = _check(files)
    insts = json.loads(files["instruments.json"])["instruments"]
    assert len(insts) == 3 * (1 + 2 + 3 * 4 * 2) and rep.ok and len(accounts) == 17
    oracle = json.loads(files["oracle.json"])
    assert len(oracle["marks"]) == 3 * 3 * 4 * 2
    assert all(len(q) == 3 for q in oracle["marks"].values())
