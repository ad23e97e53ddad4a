"""A venue snapshot (the four input files with a ``[venue]`` section) to the typed venue
statement (``zkproof.witness.venue_inputs``), proved and verified end to end.

The venue: ``generate_venue`` with two underlyings, one expiry and one strike (8 instruments,
3 assets, the 16-scenario preset), universes ``I_max = 16``, ``A_max = 4``, ``P = 4``, ``B = 4``,
wide tier ``P = 8``; borrow haircut 5 %.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import pytest

from tests.test_snapshot_schemas import SCHEMAS, _errors
from zkproof import pipeline
from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.examples_gen import generate_venue, write_files
from zkproof.groth16.setup import dev_setup
from zkproof.margin.risk_table import build_risk_table, debt_column
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.venue_epoch import VenueEpochKeys, prove_venue_epoch
from zkproof.snapshot.inputs import load_snapshot, resolve_paths
from zkproof.venue import VenueEpochShape
from zkproof.verifier.venue_check import verify_venue_epoch
from zkproof.witness import venue as wv
from zkproof.witness import venue_aggregate as wa
from zkproof.witness.venue_inputs import venue_account, venue_inputs

VENUE = '\n[venue]\ni_max = 16\na_max = 4\np = 4\nb = 4\nwide_p = 8\nborrow_haircut = "0.05"\n'
CAPACITY = 8
# A borrower: 1 ETH against a 500 USDC loan (covered at d in every scenario of the preset).
BORROWER = {"id": "borrower-0", "nonce": "cd" * 32, "balances": {"USDC": "-500000000", "ETH": "1000000000"},
            "positions": {}}


def write_venue(tmp: Path, venue: str | None = VENUE, extra: list[dict] = ()) -> Path:
    """The generated venue in ``tmp``, ``venue`` appended to params.toml, ``extra`` accounts appended."""
    files = generate_venue(seed=2, n_users=4, n_underlyings=2, n_expiries=1, n_strikes=1, venue=None,
                           collateral=("USDC", "ETH", "BTC"), n_market_makers=0)
    if venue is not None:
        files["params.toml"] += venue
    files["accounts.jsonl"] += "".join(json.dumps(a) + "\n" for a in extra)
    return write_files(tmp, files)


def load(directory: Path):
    snap = load_snapshot(resolve_paths(directory))
    return snap, build_risk_table(snap.params, snap.instruments, snap.oracle)


def account(ident: str, balances: dict[str, int], positions: dict[str, int] | None = None) -> dict:
    return {"id": ident, "nonce": "ab" * 32, "balances": {k: str(v) for k, v in balances.items()},
            "positions": {k: str(v) for k, v in (positions or {}).items()}}


@pytest.fixture(scope="module")
def venue(tmp_path_factory):
    snap, table = load(write_venue(tmp_path_factory.mktemp("venue"), extra=[BORROWER]))
    return snap, table, venue_inputs(snap, table, CAPACITY)


def test_tables_over_the_universes(venue):
    snap, table, vi = venue
    t = vi.tables
    t.validate(vi.shape)
    n_i, n_a = len(snap.instruments), len(snap.params.assets)
    assert t.listed_i == (False,) + (True,) * n_i + (False,) * (16 - 1 - n_i)
    assert t.listed_a == (False,) + (True,) * n_a + (False,) * (4 - 1 - n_a)
    assert t.v[1:n_i + 1] == table.v and t.ml[1:n_i + 1] == table.ml and t.ms[1:n_i + 1] == table.ms
    assert t.c[1:n_a + 1] == table.c
    assert not any(t.v[0]) and not any(t.v[n_i + 1]) and not any(t.c[0])
    assert vi.shape.k == snap.params.n_scenarios and vi.wide.p == 8


def test_debt_column_rule(venue):
    """``d = ceil(value x (1 + h))`` per base unit, ``>= c`` everywhere, strictly above ``c`` for
    a priced asset; with ``h = 0`` a USDC unit of debt costs what it is worth."""
    snap, table, vi = venue
    d = debt_column(snap.params, snap.oracle)
    assert vi.tables.d[1:4] == d
    for a in range(3):
        for s in range(len(table.scenarios)):
            assert d[a][s] >= table.c[a][s] and d[a][s] > 0
    usdc = 10 ** (snap.params.value_unit_exponent - snap.params.asset("USDC").decimals)
    assert d[0][0] == usdc * 105 // 100  # 1 USDC (= 1 USD at mark) x 1.05, exact


def test_v1_table_bytes_unchanged_by_venue_section(tmp_path):
    """The venue section adds the debt column to the venue tables only: the v1 table's bytes
    and hash are those of the same snapshot without it."""
    _, with_venue = load(write_venue(tmp_path / "a"))
    _, without = load(write_venue(tmp_path / "b", venue=None))
    assert with_venue.to_bytes() == without.to_bytes()


def test_accounts_tiers_and_sparse_slots(venue):
    snap, _, vi = venue
    narrow = {a.id_hash for a in vi.accounts}
    wide = {a.id_hash for a in vi.wide_accounts}
    assert wide, "the generated venue has accounts over P = 4"
    for acc in snap.accounts:
        va = venue_account(acc)
        n = sum(1 for q in acc.positions if q)
        assert va.id_hash == stm.id_hash(acc.id, acc.nonce)
        assert (va.id_hash in wide) == (n > 4) and (va.id_hash in narrow) == (n <= 4)
        idx = [j for j, _ in va.positions]
        assert idx == sorted(set(idx)) and all(q for _, q in va.positions)
        assert [b for _, b in va.balances] == [b for b in acc.balances if b]


def test_index_order_independent_of_key_order(tmp_path):
    a = account("k", {"USDC": 10**12, "ETH": 10**9}, {"ETH-PERP": 1000, "BTC-PERP": -20})
    b = dict(a, balances=dict(reversed(a["balances"].items())),
             positions=dict(reversed(a["positions"].items())))
    vas = []
    for name, acc in (("a", a), ("b", b)):
        snap, table = load(write_venue(tmp_path / name, extra=[acc]))
        vas.append(venue_inputs(snap, table, CAPACITY).accounts[-1])
    assert vas[0] == vas[1]
    assert [j for j, _ in vas[0].positions] == sorted(j for j, _ in vas[0].positions)


def test_negative_balance_refused_in_v1_snapshot(tmp_path):
    d = write_venue(tmp_path, venue=None, extra=[account("borrower", {"USDC": -5, "ETH": 10**9})])
    with pytest.raises(InputError, match=r"accounts.jsonl: line 7: balances.USDC: negative balance -5"):
        load(d)


def test_negative_balance_accepted_in_venue_snapshot(tmp_path):
    snap, _ = load(write_venue(tmp_path, extra=[account("borrower", {"USDC": -5, "ETH": 10**9})]))
    assert snap.accounts[-1].balances[0] == -5


def test_balance_outside_signed_range_refused(tmp_path):
    d = write_venue(tmp_path, extra=[account("borrower", {"USDC": -(1 << 63), "ETH": 10**9})])
    with pytest.raises(InputError, match=r"line 7: balances.USDC: balance .* outside \(-2\^63, 2\^63\)"):
        load(d)


def test_bad_venue_section_refused(tmp_path):
    d = write_venue(tmp_path, venue="\n[venue]\ni_max = 12\na_max = 4\np = 4\nb = 4\nwide_p = 8\n")
    with pytest.raises(InputError, match=r"params.toml: venue.i_max: expected a power of two"):
        load(d)


def _loan_at_c_not_d(snap, table, vi):
    """An ETH holder's USDC loan ``L``: the largest ``L`` the ETH covers in every scenario at ``c``."""
    eth, s_n = 10**9, len(table.scenarios)
    c_eth, c_usdc = vi.tables.c[2], vi.tables.c[1]
    loan = min(eth * c_eth[s] // c_usdc[s] for s in range(s_n))
    return account("borrower", {"USDC": -loan, "ETH": eth})


def test_loan_valued_at_d_not_c(venue, tmp_path):
    """ATTACK: a loan valued as if it were a holding (``c``). Covered at ``c`` in every scenario,
    short at ``d``: the conversion's pre-flight refuses it naming the line."""
    snap, table, vi = venue
    acc = _loan_at_c_not_d(snap, table, vi)
    snap2, table2 = load(write_venue(tmp_path / "loan", extra=[acc]))
    va = venue_account(snap2.accounts[-1])
    at_c = dataclasses.replace(vi.tables, d=vi.tables.c)
    assert all(s >= 0 for s in wv.slacks(vi.shape, wv.account_slots(vi.shape, at_c, va)))
    with pytest.raises(InputError, match=r"accounts.jsonl: line 7: balances: account 'borrower' fails "):
        venue_inputs(snap2, table2, CAPACITY)
    with pytest.raises(InputError, match="margin slack"):
        wv.build_venue_batch(vi.shape, vi.tables, [va])


def test_smaller_loan_accepted(venue, tmp_path):
    snap, table, vi = venue
    acc = _loan_at_c_not_d(snap, table, vi)
    acc["balances"]["USDC"] = str(int(acc["balances"]["USDC"]) * 9 // 10)
    snap2, table2 = load(write_venue(tmp_path, extra=[acc]))
    assert venue_inputs(snap2, table2, CAPACITY).accounts[-1].balances[0][1] < 0


def test_instruments_over_capacity(tmp_path):
    d = write_venue(tmp_path, venue=VENUE.replace("i_max = 16", "i_max = 8"))
    with pytest.raises(InputError, match=r"instruments.json: instruments: 8 listed instruments exceed"):
        venue_inputs(*load(d), CAPACITY)


def test_assets_over_capacity(tmp_path):
    d = write_venue(tmp_path, venue=VENUE.replace("a_max = 4", "a_max = 2"))
    with pytest.raises(InputError, match=r"params.toml: assets: 3 assets exceed"):
        venue_inputs(*load(d), CAPACITY)


def test_account_over_the_wide_tier(tmp_path):
    d = write_venue(tmp_path, venue=VENUE.replace("wide_p = 8", "wide_p = 4"))
    with pytest.raises(InputError, match=r"accounts.jsonl: line \d+: positions: account '[^']+': "
                                         r"5 positions, the wide tier holds 4"):
        venue_inputs(*load(d), CAPACITY)


def test_v1_snapshot_is_not_a_venue(tmp_path):
    with pytest.raises(InputError, match=r"params.toml: venue: missing"):
        venue_inputs(*load(write_venue(tmp_path, venue=None)), CAPACITY)


@pytest.mark.prove
def test_converted_venue_proves_and_verifies(venue):
    """The conversion's tables and tiers, as batches of an epoch (narrow and wide tier, a
    borrower among them), prove with dev keys and verify."""
    _, _, vi = venue
    assert any(b < 0 for a in vi.accounts for _, b in a.balances)
    assert len(vi.accounts) <= CAPACITY and len(vi.wide_accounts) <= CAPACITY
    batches = [wv.build_venue_batch(vi.shape, vi.tables, list(vi.accounts)),
               wv.build_venue_batch(vi.wide, vi.tables, list(vi.wide_accounts))]
    eshape = VenueEpochShape(vi.shape, 2)
    liab = wa.epoch_totals(batches, "liab")
    w = wa.build_venue_epoch(eshape, 3, vi.tables, batches, [max(x, 0) + 1 for x in liab], salt=0x77)
    keys = VenueEpochKeys({s: dev_setup(venue_batch_circuit(s).to_r1cs(), quiet=True)
                           for s in (vi.shape, vi.wide)},
                          dev_setup(venue_aggregate_circuit(eshape).to_r1cs(), quiet=True))
    proofs = prove_venue_epoch(w, keys)
    r = verify_venue_epoch(keys.verifying_keys(), proofs.public, proofs, allow_dev=True)
    assert not r.failed(), r.failed()


def test_venue_params_match_the_schema(tmp_path):
    """The v2 params schema describes the ``[venue]`` section: the test venue's params validate,
    an unknown key in it does not."""
    schema = json.loads((SCHEMAS / "params.v2.schema.json").read_text())
    doc = tomllib.loads((write_venue(tmp_path) / "params.toml").read_text())
    assert _errors(doc, schema, schema) == []
    doc["venue"]["q"] = 1
    assert _errors(doc, schema, schema)


def test_table_from_another_snapshot_refused(venue, tmp_path):
    """The conversion takes ``c``/``v`` from the table and ``d`` from the snapshot's oracle: a
    table of another listing (here: the snapshot without one instrument) is refused."""
    snap, table, _ = venue
    other = dataclasses.replace(table, instruments=table.instruments[:-1], v=table.v[:-1])
    with pytest.raises(InputError, match="the table was not built from this snapshot"):
        venue_inputs(snap, other, CAPACITY)


def test_dense_prove_refuses_a_venue_snapshot(tmp_path):
    """A venue snapshot given to the dense prover (dense keys: shape.json): one line naming
    [venue], before any key is read, rather than loans proved under rules they were not written
    for (`zkproof setup` builds the venue circuits for it: tests/test_venue_setup.py; venue keys
    prove it: tests/test_venue_files.py)."""
    d = write_venue(tmp_path, extra=[account("borrower", {"USDC": -5, "ETH": 10**9})])
    dense_keys = tmp_path / "dense-keys"
    pipeline.save_shape(dense_keys, stm.Shape(3, 8, 17, 8, 40, 2))
    with pytest.raises(InputError, match="venue snapshot is proved by the venue circuits"):
        pipeline.prove(pipeline.load_inputs(d), dense_keys, tmp_path / "bundle", progress=False)
