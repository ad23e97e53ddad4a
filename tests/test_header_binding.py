"""What the header binds, end to end at a tiny shape (issue 9, items 1-3; ATTACKS A9, A10,
A15, A17): the public open interest and the protocol's own accounts make a dropped netting set
visible; the shape digest binds the header's shape to the keys; the header digest and the
recomputed ``risk_table.sha256`` bind every metadata field.

One honest epoch with a protocol vault (dev keys), and the issue's reproduction: a prover that
leaves out an account under margin (short 10) together with the vault (long 10). Each tampered
bundle is a copy of the honest one, edited as a forger controlling the whole bundle would
(``tests.test_epoch_e2e.forge``: header edited, derived values recomputed, every proof's public
inputs rewritten to what the verifier derives, manifest re-signed)."""

from __future__ import annotations

import json

import pytest

from tests.test_epoch_e2e import AGG, copy, failed, forge, rewrite
from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.formats.epoch_header import parse_header
from zkproof.groth16.setup import dev_setup
from zkproof.hash.poseidon import poseidon
from zkproof.margin.risk_table import RiskTable
from zkproof.prover.circuits import circuits_for
from zkproof.prover.epoch import EpochJob, EpochKeys, prove_epoch
from zkproof.snapshot.ledger import Account
from zkproof.verifier.bundle_check import verify_bundle

pytestmark = pytest.mark.prove

SHAPE = stm.Shape(n_assets=2, n_instruments=2, n_scenarios=3, capacity=2, table_bits=40, n_batches=2)
# Every v entry is >= 0, so the relabelled reading below (A = 2, I = 6, S = 1: the same 14
# entries) is a well-formed table too (its m entries are this table's v entries).
TABLE = RiskTable(value_unit_exponent=6, snapshot_time=1_700_000_000,
                  assets=(("USDC", 6), ("ETH", 9)),
                  instruments=("P1|perpetual|ETH||||6", "P2|option|ETH|call|3000|1790000000|6"),
                  scenarios=("mark", "down", "up"),
                  c=((10, 9, 8), (1, 1, 1)), v=((5, 3, 7), (5, 4, 6)), m=(2, 1))
RESERVES = (10_000, 1_000)
VAULT = "protocol-vault"


def account(name, balances, positions, role="user", i=0):
    return Account(id=name, nonce=bytes([i + 1]) * 32, role=role, balances=tuple(balances),
                   positions=tuple(positions), line=i + 1)


USERS = [account("user-1", (1000, 50), (3, -2), i=1), account("user-2", (500, 0), (-3, 2), i=2)]
VENUE = USERS + [account("user-3", (0, 0), (-10, 0), i=3),                  # under margin
                 account(VAULT, (100, 0), (10, 0), role="protocol_vault", i=4)]
VENUE_OI = [sum(max(a.positions[i], 0) for a in VENUE) for i in range(2)]  # the venue's market data


def _keys():
    c = circuits_for(SHAPE)
    return EpochKeys(dev_setup(c.batch.to_r1cs(), quiet=True), dev_setup(c.aggregate.to_r1cs(), quiet=True))


def _prove(accounts, tmp, keys):
    job = EpochJob(SHAPE, 7, 1_700_000_100, accounts, TABLE, RESERVES, [("USDC", 6), ("ETH", 9)])
    return prove_epoch(job, keys, tmp / "bundle", work_dir=tmp / "work", progress=False)


@pytest.fixture(scope="module")
def keys():
    return _keys()


@pytest.fixture(scope="module")
def honest(tmp_path_factory, keys):
    """An honest epoch: user-2 holds the short side of the vault's long; one padding slot."""
    accounts = [USERS[0], account("user-2", (500, 0), (-13, 2), i=2), VENUE[3]]
    return _prove(accounts, tmp_path_factory.mktemp("honest"), keys)


@pytest.fixture(scope="module")
def netting_set_dropped(tmp_path_factory, keys):
    """Issue 9 reproduction: user-3 is under margin, so the prover leaves it out together with
    its counterparty, the vault; the remaining accounts net to zero and prove."""
    return _prove(USERS, tmp_path_factory.mktemp("dropped"), keys)


def test_honest_bundle_names_the_vault_and_its_open_interest(honest):
    rep = verify_bundle(str(honest), allow_dev=True, protocol_accounts=[VAULT])
    assert rep.ok, failed(rep)
    checks = {c.name: c for c in rep.checks}
    assert checks[f"protocol account {VAULT} included"].ok
    assert checks[f"protocol account {VAULT} named"].ok
    assert rep.open_interest() == {TABLE.instruments[0]: "13", TABLE.instruments[1]: "2"}
    h = json.loads((honest / "header.json").read_text())
    [vault] = h["protocol_accounts"]
    assert vault["id"] == VAULT and vault["record"]["balances"] == ["100", "0"]  # public by design
    # the vault's level-0 sibling is padding (the plan pairs protocol accounts), not a user
    assert vault["record"]["path"][0]["sums"] == ["0", "0"]


def test_netting_set_omitted(netting_set_dropped):
    """A9/A10 (issue 9 item 1): every proof of the reduced epoch holds, but its open interest
    is the venue's minus the dropped longs, and the vault the venue names is missing: INVALID."""
    rep = verify_bundle(str(netting_set_dropped), allow_dev=True, protocol_accounts=[VAULT])
    assert not rep.ok
    assert failed(rep) == {f"protocol account {VAULT} named"}
    oi = [int(x) for x in rep.open_interest().values()]
    assert oi == [3, 2] and oi != VENUE_OI == [13, 2]
    # without the venue's list, the report names what the header names (nothing) to compare
    rep = verify_bundle(str(netting_set_dropped), allow_dev=True)
    assert any("protocol accounts named by the header: none" in n for n in rep.notes)


def test_protocol_account_left_out_of_the_header(honest, tmp_path):
    """A10: the vault is in the tree but dropped from the header's list (header digest
    recomputed, proofs' inputs rewritten): INVALID at the named check."""
    dst = copy(honest, tmp_path)
    forge(dst, lambda h: _redigest(h, protocol_accounts=[]))
    rep = verify_bundle(str(dst), allow_dev=True, protocol_accounts=[VAULT])
    assert f"protocol account {VAULT} named" in failed(rep)


@pytest.mark.parametrize("edit", ["balance", "sibling"])
def test_protocol_account_path_not_reaching_the_root(honest, tmp_path, edit):
    """A10: a vault record whose leaf or path does not climb to the proven root is INVALID
    (here a balance lowered by one, or a sibling hash changed)."""
    def mutate(h):
        rec = h["protocol_accounts"][0]["record"]
        if edit == "balance":
            rec["balances"][0] = str(int(rec["balances"][0]) - 1)
        else:
            rec["path"][0]["hash"] = str(int(rec["path"][0]["hash"]) + 1)
        _redigest(h)

    dst = copy(honest, tmp_path)
    rewrite(dst, "header.json", mutate)
    rep = verify_bundle(str(dst), allow_dev=True, protocol_accounts=[VAULT])
    assert f"protocol account {VAULT} included" in failed(rep)


def test_open_interest_tampered_in_header(honest, tmp_path):
    """A9: the header's open interest raised to the venue's figure of another day (its hash
    recomputed, so the header parses): the aggregate proof does not verify."""
    def mutate(h):
        h["open_interest"][0] = str(int(h["open_interest"][0]) + 5)
        h["open_interest_hash"] = str(stm.open_interest_hash(poseidon, [int(x) for x in h["open_interest"]]))
        _redigest(h)

    dst = copy(honest, tmp_path)
    forge(dst, mutate)
    rep = verify_bundle(str(dst), allow_dev=True)
    assert AGG in failed(rep)


def test_open_interest_hash_mismatch_is_malformed(honest, tmp_path):
    dst = copy(honest, tmp_path)
    rewrite(dst, "header.json", lambda h: h["open_interest"].__setitem__(0, "14"))
    with pytest.raises(InputError, match="open_interest_hash"):
        verify_bundle(str(dst), allow_dev=True)


# --- item 2: the shape -----------------------------------------------------------------------


def _relabel(h):
    """Read the same 14 table entries as A = 2, I = 6, S = 1 (same table size, same
    risk_table_hash, other instruments and scenarios)."""
    rt = h["risk_table"]
    flat = [x for row in rt["c"] for x in row] + [x for row in rt["v"] for x in row] + rt["m"]
    h["shape"].update(n_instruments=6, n_scenarios=1)
    rt.update(c=[[flat[0]], [flat[1]]], v=[[x] for x in flat[2:8]], m=flat[8:14], ml=["0"] * 6, ms=["0"] * 6)
    h.update(instruments=[f"X{i}|perpetual" for i in range(6)], scenarios=["mark"],
             open_interest=["0"] * 6, protocol_accounts=[])
    hdr = stm.Shape(**h["shape"])
    h["open_interest_hash"] = str(stm.open_interest_hash(poseidon, [0] * 6))
    h["shape_digest"] = str(hdr.digest())
    _resha(h)
    _redigest(h)


def test_relabelled_header_shape(honest, tmp_path):
    """A17 (issue 9 item 2): the relabelled header parses, names the same table hash, and keeps
    both pinned keys; every proof fails because the shape digest the verifier supplies is not
    the one the circuits were built for."""
    h0 = json.loads((honest / "header.json").read_text())
    dst = copy(honest, tmp_path)
    h = forge(dst, _relabel)
    assert h.shape.table_size == SHAPE.table_size and h.risk_table_hash == int(h0["risk_table_hash"])
    rep = verify_bundle(str(dst), allow_dev=True, trusted_vk_sha256=h0["verification_keys"])
    bad = failed(rep)
    assert {AGG, "proofs/batch_0000.json proof", "proofs/batch_0001.json proof"} <= bad, bad
    assert not {"batch key is the ceremony's", "aggregate key is the ceremony's"} & bad


def test_relabelled_shape_without_forged_inputs_names_the_digest(honest, tmp_path):
    """The same relabel with the proofs' public.json left alone: each statement check names
    ``shape_digest`` as the first differing input."""
    dst = copy(honest, tmp_path)
    rewrite(dst, "header.json", _relabel)
    rep = verify_bundle(str(dst), allow_dev=True)
    details = {c.name: c.detail for c in rep.checks if not c.ok}
    assert details["proofs/batch_0000.json statement"] == "public[2] (shape_digest) differs from the header"
    k = stm.AGGREGATE_PUBLIC.index("open_interest_hash")
    assert details["proofs/aggregate.json statement"] == \
        f"public[{k}] ({stm.AGGREGATE_PUBLIC[k]}) differs from the header"


def test_zero_scenario_shape_is_refused_in_the_header(honest, tmp_path):
    dst = copy(honest, tmp_path)
    rewrite(dst, "header.json", lambda h: h["shape"].update(n_scenarios=0))
    with pytest.raises(InputError, match="n_scenarios"):
        verify_bundle(str(dst), allow_dev=True)


# --- item 3: metadata -------------------------------------------------------------------------


def _resha(h):
    """Recompute risk_table.sha256 from the header as the verifier does."""
    h["risk_table"]["sha256"] = parse_header(h, "header.json").risk_table_sha256_recomputed()


def _redigest(h, **changes):
    h.update(changes)
    h[stm.HEADER_DIGEST_KEY] = str(stm.header_digest(h))


def _symbol(h):
    h["assets"][0]["symbol"], h["assets"][1]["symbol"] = h["assets"][1]["symbol"], h["assets"][0]["symbol"]


def _strike(h):
    h["instruments"][1] = h["instruments"][1].replace("|3000|", "|3500|")


METADATA = {
    "asset symbol": _symbol,
    "asset decimals": lambda h: h["assets"][1].update(decimals=18),
    "value_unit_exponent": lambda h: h["risk_table"].update(value_unit_exponent=12),
    "instrument strike": _strike,
    "instrument label": lambda h: h["instruments"].__setitem__(0, "P1|future|ETH||||6"),
    "scenario label": lambda h: h["scenarios"].__setitem__(1, "up"),
    "snapshot_time": lambda h: h["risk_table"].update(snapshot_time=1_600_000_000),
}
FAST_METADATA = {"asset symbol", "instrument strike"}


@pytest.mark.parametrize("field", list(METADATA))
def test_metadata_changed_fails_named_checks(honest, tmp_path, field):
    """A17 (issue 9 item 3), a careless forger: one metadata field changed, nothing else: the
    risk table's SHA-256 and the header digest no longer match the header."""
    dst = copy(honest, tmp_path)
    rewrite(dst, "header.json", METADATA[field])
    rep = verify_bundle(str(dst), allow_dev=True)
    assert {"risk table SHA-256", "header digest"} <= failed(rep), failed(rep)


@pytest.mark.parametrize("field", [pytest.param(k, marks=() if k in FAST_METADATA else pytest.mark.slow)
                                   for k in METADATA])
def test_metadata_changed_with_every_digest_recomputed(honest, tmp_path, field):
    """A17, a careful forger: the field changed, risk_table.sha256 and header_digest recomputed,
    the proofs' public inputs rewritten: only the aggregate proof can fail, and it does (its
    header_digest input is the SHA-256 of the header it was made for)."""
    def mutate(h):
        METADATA[field](h)
        _resha(h)
        _redigest(h)

    dst = copy(honest, tmp_path)
    forge(dst, mutate)
    rep = verify_bundle(str(dst), allow_dev=True)
    assert failed(rep) == {AGG}, failed(rep)


def test_risk_table_sha256_changed(honest, tmp_path):
    """A15/A17: a published table SHA-256 that is not the table's (header digest recomputed) fails
    the named check, and the aggregate proof."""
    dst = copy(honest, tmp_path)
    def mutate(h):
        h["risk_table"]["sha256"] = "0" * 64
        _redigest(h)

    forge(dst, mutate)
    rep = verify_bundle(str(dst), allow_dev=True)
    assert {"risk table SHA-256", AGG} <= failed(rep), failed(rep)


def test_header_digest_published_wrong(honest, tmp_path):
    """The published header_digest is checked against the file; the proof is checked against
    the recomputed one, so a stale published digest is its own named failure."""
    dst = copy(honest, tmp_path)
    rewrite(dst, "header.json", lambda h: h.update(header_digest="5"))
    rep = verify_bundle(str(dst), allow_dev=True)
    assert failed(rep) == {"header digest"}


def test_unknown_header_field_is_refused(honest, tmp_path):
    """Every field is known to the parser and covered by the digest; an extra one is malformed."""
    dst = copy(honest, tmp_path)
    rewrite(dst, "header.json", lambda h: h.update(note="x"))
    with pytest.raises(InputError, match="unknown keys"):
        verify_bundle(str(dst), allow_dev=True)
