"""End to end at a tiny shape: prove an epoch, verify the bundle, check inclusion; then tamper
(ATTACKS A10, A14, A17, B10, B11, C6). The epoch is published twice from one work directory:
totals hidden (the default) and revealed (SPEC §1.4). Dev keys (single-party) keep it fast; the
ceremony path is tested in the demo and ceremony tests, and keys anchored outside the bundle
(``verify --vk-sha256``) here. Hidden totals are hidden from the public, not from account
holders (docs/soundness.md §5): pinned below."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil

import pytest

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats.epoch_header import parse_header
from zkproof.groth16.setup import dev_setup
from zkproof.hash.poseidon import poseidon
from zkproof.margin.risk_table import RiskTable
from zkproof.prover.circuits import circuits_for
from zkproof.prover.epoch import EpochJob, EpochKeys, prove_epoch
from zkproof.snapshot.ledger import Account
from zkproof.verifier.bundle_check import Report, verify_bundle
from zkproof.verifier.inclusion import verify_inclusion

pytestmark = pytest.mark.prove

SHAPE = stm.Shape(n_assets=2, n_instruments=2, n_scenarios=3, capacity=2, table_bits=40, n_batches=2)
TABLE = RiskTable(value_unit_exponent=6, snapshot_time=1_700_000_000,
                  assets=(("USDC", 6), ("ETH", 9)), instruments=("P1|perpetual", "P2|perpetual"),
                  scenarios=("mark", "down", "up"),
                  c=((10, 9, 8), (1, 1, 1)), v=((5, 3, 7), (-5, -3, -7)), m=(2, 1))


def account(i, balances, positions):
    return Account(id=f"user-{i}", nonce=bytes([i]) * 32, role="user", balances=tuple(balances),
                   positions=tuple(positions), line=i + 1)


# User 1's balances make the totals distinctive numbers, so a search of the bundle's bytes for
# them cannot hit an unrelated value (test_hidden_bundle_holds_neither_salt_nor_totals).
ACCOUNTS = [account(1, (987_654_321_123, 5_000_000_017), (3, -2)), account(2, (50, 0), (-1, 2)),
            account(3, (10, 5), (-2, 0))]
TOTALS = (987_654_321_183, 5_000_000_022)  # L_a = sum of the balances above
RESERVES = (1_000_000_000_000, 6_000_000_000)


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    c = circuits_for(SHAPE)
    keys = EpochKeys(dev_setup(c.batch.to_r1cs(), quiet=True), dev_setup(c.aggregate.to_r1cs(), quiet=True))
    job = EpochJob(SHAPE, 7, 1_700_000_000, ACCOUNTS, TABLE, RESERVES, [("USDC", 6), ("ETH", 9)])
    d = tmp_path_factory.mktemp("epoch")
    out = prove_epoch(job, keys, d / "bundle", work_dir=d / "work", progress=False)
    return job, keys, out, d


@pytest.fixture(scope="module")
def revealed(proved):
    """The same epoch with ``reveal_totals``, from the same work directory: the batch proofs
    are reused, only the aggregate is proved again (salt 0, flag 1)."""
    job, keys, _, d = proved
    out = prove_epoch(dataclasses.replace(job, reveal_totals=True), keys, d / "revealed",
                      work_dir=d / "work", progress=False)
    return out


def copy(bundle_dir, tmp_path):
    dst = tmp_path / "b"
    shutil.copytree(bundle_dir, dst)
    return dst


def rewrite(dst, rel, mutate):
    """Edit one file and re-sign the manifest (an attacker who controls the whole bundle)."""
    p = dst / rel
    obj = json.loads(p.read_text())
    mutate(obj)
    data = bundle_fmt.strict_json.dumps(obj)
    p.write_bytes(data)
    m = json.loads((dst / "manifest.json").read_text())
    m["files"][rel] = hashlib.sha256(data).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(m))


def test_bundle_verifies(proved):
    _, _, out, _ = proved
    rep = verify_bundle(str(out), allow_dev=True)
    assert rep.ok, [c for c in rep.checks if not c.ok]
    names = {c.name for c in rep.checks}
    assert {"proofs/batch_0000.json proof", "proofs/batch_0001.json proof",
            "proofs/aggregate.json proof", "inclusion files"} <= names


def test_dev_keys_refused_without_allow_dev(proved):
    rep = verify_bundle(str(proved[2]))
    assert not rep.ok and any("INSECURE-DEV-SETUP" in c.detail for c in rep.checks)


def test_dev_marked_keys_pass_only_with_allow_dev(proved):
    """Twin of the test below: the bundle as proved (dev keys, marked) is refused without
    --allow-dev and accepted with it."""
    out = proved[2]
    assert not verify_bundle(str(out)).ok
    assert verify_bundle(str(out), allow_dev=True).ok


def test_keys_pinned_only_by_the_bundle_are_not_trusted(proved, tmp_path):
    """B10/C6: the header is the prover's, so it cannot vouch for the keys. A forger makes
    single-party keys (whose toxic waste it holds), drops their dev marker and proves the epoch
    with them, so the header pins their SHA-256 and says dev_setup false: every check passes
    (the header digest binds the header to the proof, but the forger made both), yet the report
    NOTES that the keys are pinned only by the bundle, and with the ceremony's published digests
    (``--vk-sha256``) it fails, naming the key. Twin: the honest bundle verified against its own
    keys' digests passes both key checks."""
    def key_notes(report):
        return [n for n in report.notes if " key is pinned only" in n]

    job, _, out, _ = proved
    honest = {name: hashlib.sha256((out / "keys" / f"{name}.vk.json").read_bytes()).hexdigest()
              for name in ("batch", "aggregate")}
    ok = verify_bundle(str(out), allow_dev=True, trusted_vk_sha256=honest)
    assert ok.ok and not key_notes(ok)
    assert {c.name for c in ok.checks} >= {"batch key is the ceremony's", "aggregate key is the ceremony's"}

    c = circuits_for(SHAPE)
    unmarked = EpochKeys(*(dataclasses.replace(dev_setup(r1cs, quiet=True), dev_setup=False)
                           for r1cs in (c.batch.to_r1cs(), c.aggregate.to_r1cs())))
    dst = prove_epoch(job, unmarked, tmp_path / "b", work_dir=tmp_path / "work", progress=False)
    digests = {name: hashlib.sha256((dst / "keys" / f"{name}.vk.json").read_bytes()).hexdigest()
               for name in ("batch", "aggregate")}
    report = verify_bundle(str(dst))
    assert report.ok  # nothing inside the bundle can tell
    assert [n.split(" key is pinned only")[0] for n in key_notes(report)] == ["batch", "aggregate"]
    assert digests["batch"] in key_notes(report)[0]
    anchored = verify_bundle(str(dst), trusted_vk_sha256={"batch": honest["batch"]})
    failed = {c.name: c.detail for c in anchored.checks if not c.ok}
    assert not anchored.ok and list(failed) == ["batch key is the ceremony's"]
    assert failed["batch key is the ceremony's"].endswith(f"differs from the trusted {honest['batch']}")
    with pytest.raises(InputError, match="vk-sha256"):
        verify_bundle(str(dst), trusted_vk_sha256={"batch": "12"})
    with pytest.raises(InputError, match="unknown key name"):
        verify_bundle(str(dst), trusted_vk_sha256={"batchh": honest["batch"]})


def test_every_user_finds_their_account(proved):
    job, _, out, _ = proved
    for a in job.accounts:
        r = verify_inclusion(str(out), a.id, a.nonce, allow_dev=True)
        assert r.ok, [c for c in r.checks if not c.ok]
        assert r.balances == dict(zip(("USDC", "ETH"), a.balances))
        assert r.positions == dict(zip(TABLE.instruments, a.positions))


def test_user_inclusion_wrong_nonce_and_unknown_id(proved):
    """B11a / A10: a wrong nonce or an id outside the epoch finds no record (non-zero exit)."""
    job, _, out, _ = proved
    assert not verify_inclusion(str(out), "user-1", bytes([9]) * 32, allow_dev=True).ok
    r = verify_inclusion(str(out), "user-404", bytes([1]) * 32, allow_dev=True)
    failed = {c.name: c.detail for c in r.checks if not c.ok}
    assert list(failed) == ["record for this id and nonce"]
    assert "not in epoch 7" in failed["record for this id and nonce"]


def test_bundle_tamper_header_reserve(proved, tmp_path):
    """B10/A17: change R_a in the header (digests re-signed): the recomputed commitment differs."""
    dst = copy(proved[2], tmp_path)
    rewrite(dst, "header.json", lambda h: h["assets"][0].update(reserves="161"))
    with pytest.raises(InputError, match="reserves_commitment"):
        verify_bundle(str(dst), allow_dev=True)


def forge(dst, mutate):
    """A17 forger: edit header.json, then rewrite every proof file's public inputs to the ones
    the verifier derives from the edited header (manifest re-signed), keeping the valid proofs.
    Whatever still fails is the proof itself (or a named header check)."""
    rewrite(dst, "header.json", mutate)
    h = parse_header(json.loads((dst / "header.json").read_text()), "header.json")
    for b in range(h.shape.n_batches):
        rewrite(dst, f"proofs/batch_{b:04d}.json",
                lambda o, b=b: o.update(public=[str(x) for x in h.batch_public(b)]))
    rewrite(dst, "proofs/aggregate.json",
            lambda o: o.update(public=[str(x) for x in h.aggregate_public()]))
    return h


def failed(rep):
    return {c.name for c in rep.checks if not c.ok}


AGG = "proofs/aggregate.json proof"
OPENS = "revealed totals open the commitment"


def _reserve(h):
    h["assets"][1]["reserves"] = str(RESERVES[1] + 1)
    h["reserves_commitment"] = str(stm.reserves_commitment(poseidon, h["epoch"],
                                                           [RESERVES[0], RESERVES[1] + 1]))


def _table(h):
    h["risk_table"]["c"][0][0] = "11"
    t = TABLE
    c = [[11, *t.c[0][1:]], list(t.c[1])]
    h["risk_table_hash"] = str(stm.risk_table_hash(c, t.v, t.m))


def _reveal_true_totals(h):
    """Flip a hidden bundle's flag and publish the *true* totals: without the salt they do not
    open the salted commitment (A14), and the proof was made for flag 0."""
    h.update(totals_revealed=1, totals=[str(t) for t in TOTALS])


HIDDEN_EDITS = {
    "epoch": (lambda h: h.update(epoch=8, reserves_commitment=str(
        stm.reserves_commitment(poseidon, 8, list(RESERVES)))), {AGG}),
    "timestamp": (lambda h: h.update(timestamp=1_700_000_001), {AGG}),
    "root": (lambda h: h.update(root="5"), {AGG}),
    "reserves[1]": (_reserve, {AGG}),
    "risk_table": (_table, {AGG}),
    "totals_commitment": (lambda h: h.update(totals_commitment=str(int(h["totals_commitment"]) + 1)),
                          {AGG}),
    "totals_revealed": (_reveal_true_totals, {AGG, OPENS}),
}


# Each case verifies a whole bundle (three pure-Python pairings, ~15 s CPU): the totals cases and
# the root run by default, the other header fields under -m slow.
FAST_HIDDEN = {"root", "totals_commitment", "totals_revealed"}
FAST_REVEALED = {"totals[0]", "totals[1]", "totals_revealed"}


def _params(edits, fast):
    return [pytest.param(k, marks=() if k in fast else pytest.mark.slow) for k in edits]


@pytest.mark.parametrize("field", _params(HIDDEN_EDITS, FAST_HIDDEN))
def test_public_input_binding(proved, tmp_path, field):
    """A17: one valid proof kept, each header field changed in turn (derived values recomputed,
    proof files' public inputs rewritten, as a forger controlling the bundle would): the
    aggregate proof no longer verifies (and, for the flag, the named totals check fails)."""
    mutate, expected = HIDDEN_EDITS[field]
    dst = copy(proved[2], tmp_path)
    forge(dst, mutate)
    rep = verify_bundle(str(dst), allow_dev=True)
    assert not rep.ok and expected <= failed(rep), failed(rep)


def test_public_input_binding_twin_unchanged_forgery_verifies(proved, tmp_path):
    """The twin of the A17 test: the same forging steps with no edit leave a valid bundle, so
    the failures above come from the edits alone."""
    dst = copy(proved[2], tmp_path)
    forge(dst, lambda h: None)
    rep = verify_bundle(str(dst), allow_dev=True)
    assert rep.ok, failed(rep)


def _total(a, d):
    def mutate(h):
        h["totals"][a] = str(TOTALS[a] + d)
    return mutate


def _total_recommitted(h):
    h["totals"][0] = str(TOTALS[0] - 1)
    h["totals_commitment"] = str(stm.revealed_totals_commitment(7, [TOTALS[0] - 1, TOTALS[1]]))


def _hide(h):
    del h["totals"]
    h["totals_revealed"] = 0


REVEALED_EDITS = {
    "totals[0]": (_total(0, -1), {OPENS}),          # the proof's public inputs are unchanged ...
    "totals[1]": (_total(1, +1), {OPENS}),          # ... the named check catches it
    "totals[0]+commitment": (_total_recommitted, {AGG}),
    "totals_commitment": (lambda h: h.update(totals_commitment=str(int(h["totals_commitment"]) + 1)),
                          {AGG, OPENS}),
    "totals_revealed": (_hide, {AGG}),
}


def test_revealed_bundle_verifies_and_reports_totals(revealed):
    rep = verify_bundle(str(revealed), allow_dev=True)
    assert rep.ok, failed(rep)
    h = rep.header
    assert h.totals == list(TOTALS) and h.totals_revealed == 1
    assert h.totals_commitment == stm.revealed_totals_commitment(7, TOTALS)
    assert rep.totals() == {"USDC": str(TOTALS[0]), "ETH": str(TOTALS[1])}
    checks = {c.name: c for c in rep.checks}
    assert checks[OPENS].ok
    assert checks["revealed totals covered by reserves"].detail == \
        f"USDC {TOTALS[0]} <= {RESERVES[0]}, ETH {TOTALS[1]} <= {RESERVES[1]}"
    assert rep.to_json()["totals"] == rep.totals()


def test_revealed_and_hidden_share_the_batches(proved, revealed):
    """One work directory publishes either: same root and batch commitments, other flag and
    commitment."""
    hid = json.loads((proved[2] / "header.json").read_text())
    rev = json.loads((revealed / "header.json").read_text())
    assert hid["root"] == rev["root"] and hid["batch_commitments"] == rev["batch_commitments"]
    assert (hid["totals_revealed"], rev["totals_revealed"]) == (0, 1)
    assert hid["totals_commitment"] != rev["totals_commitment"]
    assert "totals" not in hid and rev["totals"] == [str(t) for t in TOTALS]


@pytest.mark.parametrize("field", _params(REVEALED_EDITS, FAST_REVEALED))
def test_revealed_public_input_binding(revealed, tmp_path, field):
    """A17, revealed case: each total, the commitment and the flag; every change fails, by the
    proof or by the named check that the totals open the commitment."""
    mutate, expected = REVEALED_EDITS[field]
    dst = copy(revealed, tmp_path)
    forge(dst, mutate)
    rep = verify_bundle(str(dst), allow_dev=True)
    assert not rep.ok and expected <= failed(rep), failed(rep)


@pytest.mark.slow
def test_revealed_totals_above_reserves_fail_the_clear_check(revealed, tmp_path):
    """The verifier also checks L_a <= R_a in the clear: totals raised above the reserves (and
    recommitted) fail that named check as well as the proof."""
    big = [RESERVES[0] + 1, TOTALS[1]]
    dst = copy(revealed, tmp_path)
    forge(dst, lambda h: h.update(totals=[str(t) for t in big], totals_commitment=str(
        stm.revealed_totals_commitment(7, big))))
    rep = verify_bundle(str(dst), allow_dev=True)
    assert {"revealed totals covered by reserves", AGG} <= failed(rep)


def test_hidden_flag_flipped_without_totals_is_malformed(proved, tmp_path):
    """Flag 1 with no totals listed is refused at parse, naming the field."""
    dst = copy(proved[2], tmp_path)
    rewrite(dst, "header.json", lambda h: h.update(totals_revealed=1))
    with pytest.raises(InputError, match="header.json: totals: missing"):
        verify_bundle(str(dst), allow_dev=True)
    rewrite(dst, "header.json", lambda h: h.update(totals_revealed=2))
    with pytest.raises(InputError, match="totals_revealed"):
        verify_bundle(str(dst), allow_dev=True)


def _header_obj(proved) -> dict:
    out = proved[2]
    return json.loads((out / "header.json").read_text())


@pytest.mark.parametrize("edit,field", [
    (lambda h: h.update(totals=["1", "2"]), "totals"),                   # flag 0, totals listed
    (lambda h: h.update(totals_revealed=True, totals=["1", "2"]), "totals_revealed"),  # a JSON bool
    (lambda h: h.update(totals_revealed=1, totals=["1"]), "totals"),      # one total short
    (lambda h: h.update(totals_revealed=1, totals=["-1", "2"]), "totals[0]"),
    (lambda h: h.update(totals_revealed=1, totals=["1", str(1 << 80)]), "totals[1]"),  # >= 2^reserve_bits
    (lambda h: h.update(totals_commitment=str(R)), "totals_commitment"),  # not reduced
    (lambda h: h.update(totals_commitment="0x1"), "totals_commitment"),
])
def test_header_totals_fields_are_strict(proved, edit, field):
    """SPEC §1.4 / A17: the flag is the JSON integer 0 or 1, totals appear exactly when it is 1,
    one per asset, each in [0, 2^reserve_bits); the commitment is a reduced decimal. Each bad
    form is an InputError naming the field (parse only: no proving). Twin: the header as
    proved parses, hidden."""
    h = _header_obj(proved)
    assert parse_header(h, "header.json").totals is None
    assert parse_header(h, "header.json").shape.reserve_bits < 80
    edit(h)
    with pytest.raises(InputError) as e:
        parse_header(h, "header.json")
    assert e.value.field == field


def test_hidden_bundle_holds_neither_salt_nor_totals(proved, revealed):
    """A14 (privacy): no file of the hidden bundle contains the salt or any L_a, in decimal or
    as 8/16/32-byte big- or little-endian words; the salt stays in the private work directory.
    Twin: the same search finds the totals in the revealed bundle."""
    job, _, out, d = proved
    salt = int(json.loads((d / "work" / "plan.json").read_text())["totals_salt"])
    assert 0 < salt < R

    def needles(x):
        out = [str(x).encode()]
        for n in (8, 16, 32):
            if x < 1 << (8 * n):
                out += [x.to_bytes(n, "big"), x.to_bytes(n, "little")]
        return out

    def found(bundle_dir, values):
        hits = set()
        for f in bundle_dir.rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                hits |= {x for x in values for n in needles(x) if n in data}
        return hits

    assert found(out, [salt, *TOTALS]) == set()
    assert found(revealed, [salt]) == set()
    assert found(revealed, list(TOTALS)) == set(TOTALS)
    header = json.loads((out / "header.json").read_text())
    assert header["totals_revealed"] == 0 and "totals" not in header
    # a guesser who knows the true totals cannot confirm them without the salt
    assert int(header["totals_commitment"]) != stm.revealed_totals_commitment(7, TOTALS)
    assert int(header["totals_commitment"]) == stm.totals_commitment(poseidon, 7, salt, list(TOTALS))
    assert Report(str(out), header=parse_header(header, "header.json")).totals() == "hidden"


def test_hidden_totals_are_known_to_every_account_holder(proved):
    """Known limit (docs/soundness.md §5, formats.md §12): totals hidden by default (SPEC §1.4)
    are hidden from the public and the chain, NOT from users. The smallest account (user-2:
    balances 50 and 0) opens only its own sealed record, climbs its path as ``zkproof inclusion
    verify`` does, and reads the exact liabilities off the root's sums: SPEC §1.5 puts per-asset
    sums in every node and sibling sums in every inclusion proof, so this cannot be avoided
    without changing the SPEC. Pinned so that a change in either direction is noticed."""
    from zkproof.formats import inclusion_file
    from zkproof.hash.merkle_sum_proof import InclusionProof, SumNode, leaf_node, root_from_proof

    job, _, out, _ = proved
    b = bundle_fmt.read_bundle(str(out))
    header = parse_header(b.json("header.json"), "header.json")
    assert header.totals is None  # hidden
    a = job.accounts[1]
    rel = f"inclusion/{inclusion_file.locator(7, a.id, a.nonce)}.bin"
    rec = inclusion_file.open_sealed(b.path(rel).read_bytes(), 7, a.id, a.nonce, rel)
    shape = header.shape
    nodes = [SumNode(int(h), tuple(int(s) for s in sums)) for h, sums in
             ((n["hash"], n["sums"]) for n in rec["path"])]
    top = [SumNode(int(n["hash"]), tuple(int(s) for s in n["sums"])) for n in rec["top_path"]]
    leaf = leaf_node(stm.id_hash(a.id, a.nonce), [int(x) for x in rec["balances"]],
                     [int(x) for x in rec["positions"]])
    bits = tuple((rec["index"] >> j) & 1 for j in range(shape.depth))
    batch_root = root_from_proof(InclusionProof(rec["index"], leaf, bits, tuple(nodes)), 64 + shape.depth)
    tbits = tuple((rec["batch"] >> j) & 1 for j in range(len(top)))
    root = root_from_proof(InclusionProof(rec["batch"], batch_root, tbits, tuple(top)), shape.reserve_bits)
    assert root.hash == header.root  # the user's ordinary inclusion check
    assert root.sums == TOTALS  # one account holder learns the hidden totals exactly


def test_bundle_tamper_dropped_file(proved, tmp_path):
    dst = copy(proved[2], tmp_path)
    os.unlink(dst / "proofs" / "batch_0001.json")
    with pytest.raises(InputError, match="batch_0001.json.*missing"):
        verify_bundle(str(dst), allow_dev=True)


def test_bundle_tamper_swapped_batch_proofs(proved, tmp_path):
    """B10: batch 0's proof file replaced by batch 1's: its statement no longer matches."""
    dst = copy(proved[2], tmp_path)
    other = json.loads((dst / "proofs" / "batch_0001.json").read_text())
    rewrite(dst, "proofs/batch_0000.json", lambda o: o.update(other))
    rep = verify_bundle(str(dst), allow_dev=True)
    assert not rep.ok
    assert any(c.name == "proofs/batch_0000.json statement" and not c.ok for c in rep.checks)


def test_resume_skips_finished_batches(proved, tmp_path):
    """An interrupted run resumes from WORK without redoing finished batch proofs."""
    job, keys, _, d = proved
    before = {p.name: p.stat().st_mtime_ns for p in (d / "work").glob("batch_*.json")}
    out = prove_epoch(job, keys, tmp_path / "again", work_dir=d / "work", progress=False)
    after = {p.name: p.stat().st_mtime_ns for p in (d / "work").glob("batch_*.json")}
    assert before == after and len(before) == SHAPE.n_batches
    assert verify_bundle(str(out), allow_dev=True).ok
    # the resumed run used the plan's totals salt: the same hidden commitment (SPEC §1.4)
    first, again = (json.loads((p / "header.json").read_text()) for p in (proved[2], out))
    assert again["totals_commitment"] == first["totals_commitment"] and again["totals_revealed"] == 0


def test_user_inclusion_malicious_record_is_refused_not_crashed(proved, tmp_path):
    """B11: the protocol writes the sealed records; a malformed one (sealed with the user's own
    key, so it decrypts) must give a one-line InputError, never a crash or a pass."""
    from zkproof.formats import inclusion_file

    job, _, out, _ = proved
    a = job.accounts[0]
    dst = copy(out, tmp_path)
    size = inclusion_file.record_bytes(SHAPE.n_assets, SHAPE.n_instruments,
                                       SHAPE.depth + SHAPE.n_batches.bit_length() - 1)
    bad = inclusion_file.InclusionRecord(7, 0, 0, [-5, 0], [0, 0], [], [])
    name, blob = inclusion_file.seal(bad, a.id, a.nonce, size)
    (dst / name).write_bytes(blob)
    m = json.loads((dst / "manifest.json").read_text())
    m["files"][name] = hashlib.sha256(blob).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(InputError, match=r"balances\[0\]"):
        verify_inclusion(str(dst), a.id, a.nonce, allow_dev=True)


def _header_with_table_entry(h, table: str, index: tuple[int, ...], delta: int) -> None:
    """Change one entry of the header's risk table and re-derive the header's own table hash
    (as a forger who controls the bundle would)."""
    from zkproof.formats.epoch_header import parse_header

    row = h["risk_table"][table]
    for k in index[:-1]:
        row = row[k]
    row[index[-1]] = str(int(row[index[-1]]) + delta)
    rt = h["risk_table"]
    c, v, m = ([[int(x) for x in r] for r in rt["c"]], [[int(x) for x in r] for r in rt["v"]],
               [int(x) for x in rt["m"]])
    h["risk_table_hash"] = str(stm.risk_table_hash(c, v, m))
    parse_header(h, "header.json")  # still a well-formed header


@pytest.mark.parametrize("table,index,name", [("c", (0, 1), "table/c[0][1]"),
                                              ("v", (1, 2), "table/v[1][2]"),
                                              ("m", (1,), "table/m[1]")])
def test_public_input_binding_table_entries(proved, tmp_path, table, index, name):
    """A17: each table entry is a batch public input. Changing one in the header (table hash
    re-derived) fails every batch statement at that very input and the aggregate statement at
    risk_table_hash; rewriting the batch public.json files to match the changed header as well
    (the verifier builds the inputs itself, so the folded table is the header's) fails the pairing."""
    dst = copy(proved[2], tmp_path)
    rewrite(dst, "header.json", lambda h: _header_with_table_entry(h, table, index, 1))
    rep = verify_bundle(str(dst), allow_dev=True)
    failed = {c.name: c.detail for c in rep.checks if not c.ok}
    k = stm.batch_public_names(SHAPE).index(name)
    for b in range(SHAPE.n_batches):
        assert failed[f"proofs/batch_{b:04d}.json statement"] == \
            f"public[{k}] ({name}) differs from the header"
    assert "(risk_table_hash)" in failed["proofs/aggregate.json statement"]

    for b in range(SHAPE.n_batches):
        rewrite(dst, f"proofs/batch_{b:04d}.json",
                lambda o: o["public"].__setitem__(k, str((int(o["public"][k]) + 1) % R)))
    rep = verify_bundle(str(dst), allow_dev=True)
    failed = {c.name: c.detail for c in rep.checks if not c.ok}
    for b in range(SHAPE.n_batches):
        assert failed[f"proofs/batch_{b:04d}.json proof"] == "pairing check failed"


def test_risk_table_swap(proved, tmp_path):
    """A15 (bundle side): batch 0 proved again with a lenient table (c[0][2] 8 -> 9, a softer
    haircut) by a patched prover. With its own public.json the statement check names the swapped
    entry; with the header's table copied into public.json the pairing fails. The honest batch 1
    still verifies in both cases."""
    from zkproof.prover import epoch as pe
    from zkproof.prover.parallel import BatchTask, prove_batch
    from zkproof.witness import batch as wbatch

    job, keys, out, d = proved
    plan = pe._plan(job, d / "work", pe.key_id(keys.batch), pe._inputs_digest(job))
    w = wbatch.build_batch(SHAPE, job.epoch, pe._slots(job, plan)[0], int(plan["blinders"][0]))
    lenient_c = ((10, 9, 9), (1, 1, 1))
    task = BatchTask(SHAPE, 0, w, lenient_c, TABLE.v, TABLE.m, str(tmp_path / "swapped.json"), {})
    swapped = json.loads(prove_batch(task, keys.batch))["result"]

    dst = copy(out, tmp_path)
    rewrite(dst, "proofs/batch_0000.json", lambda o: o.update(swapped))
    rep = verify_bundle(str(dst), allow_dev=True)
    failed = {c.name: c.detail for c in rep.checks if not c.ok}
    k = stm.batch_public_names(SHAPE).index("table/c[0][2]")
    assert failed == {"proofs/batch_0000.json statement":
                      f"public[{k}] (table/c[0][2]) differs from the header"}

    published = json.loads((out / "proofs" / "batch_0000.json").read_text())["public"]
    rewrite(dst, "proofs/batch_0000.json", lambda o: o.update(public=published))
    rep = verify_bundle(str(dst), allow_dev=True)
    failed = {c.name: c.detail for c in rep.checks if not c.ok}
    assert failed == {"proofs/batch_0000.json proof": "pairing check failed"}


@pytest.mark.interop
def test_snarkjs_verifies_a_batch_proof(proved, tmp_path, npm_tools):
    """snarkjs groth16 verify accepts a bundle's batch proof with all its public inputs (the
    table included, unfolded), and rejects it when one table entry differs."""
    out = proved[2]
    obj = json.loads((out / "proofs" / "batch_0001.json").read_text())
    (tmp_path / "vk.json").write_bytes((out / "keys" / "batch.vk.json").read_bytes())
    (tmp_path / "proof.json").write_text(json.dumps(obj["proof"]))
    k = stm.batch_public_names(SHAPE).index("table/m[0]")
    bad = list(obj["public"])
    bad[k] = str(int(bad[k]) + 1)
    for name, public in (("public.json", obj["public"]), ("bad.json", bad)):
        (tmp_path / name).write_text(json.dumps(public))

    def snarkjs_ok(public: str) -> bool:
        proc = npm_tools.run_snarkjs("groth16", "verify", "vk.json", public, "proof.json",
                                     cwd=tmp_path, check=False)
        return proc.returncode == 0 and "OK" in proc.stdout

    assert len(obj["public"]) == len(stm.BATCH_PUBLIC_HEAD) + SHAPE.table_size
    assert snarkjs_ok("public.json")
    assert not snarkjs_ok("bad.json")


def _reseal(dst, a, rec: dict, **changes) -> None:
    """Re-seal ``a``'s record with ``changes`` (the protocol writes records: it can do this)."""
    from zkproof.formats import inclusion_file

    def nodes(raw):
        return [(int(n["hash"]), [int(s) for s in n["sums"]]) for n in raw]

    fields = dict(epoch=rec["epoch"], batch=rec["batch"], index=rec["index"],
                  balances=[int(x) for x in rec["balances"]], positions=[int(x) for x in rec["positions"]],
                  path=nodes(rec["path"]), top_path=nodes(rec["top_path"]))
    fields.update(changes)
    size = inclusion_file.record_bytes(SHAPE.n_assets, SHAPE.n_instruments,
                                       SHAPE.depth + SHAPE.n_batches.bit_length() - 1)
    name, blob = inclusion_file.seal(inclusion_file.InclusionRecord(**fields), a.id, a.nonce, size)
    (dst / name).write_bytes(blob)
    m = json.loads((dst / "manifest.json").read_text())
    m["files"][name] = hashlib.sha256(blob).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize("field,change", [
    ("balances[0]", lambda b, q: {"balances": [b[0] + 2**64, b[1] - 1]}),  # a unit carried b[1] -> b[0]
    ("positions[0]", lambda b, q: {"positions": [q[0] + 2**64, q[1] - 1]}),  # the same between positions
    ("positions[1]", lambda b, q: {"positions": [q[0], -(2**63)]}),  # |q| = 2^63 itself
    ("balances[1]", lambda b, q: {"balances": [b[0], 2**64]}),
])
def test_user_inclusion_limb_out_of_range_is_refused(proved, tmp_path, field, change):
    """A13 on the user side: the leaf packs 64-bit limbs three to a field element, so a record
    that carries a unit between limbs hashes to the SAME leaf (the proven root would match and
    the user would be shown a balance above 2^64). The verifier refuses every limb outside
    its range before packing, naming the field. Twin: the honest record, re-sealed, verifies."""
    from zkproof.field.fr import R
    from zkproof.formats import inclusion_file
    from zkproof.hash import merkle_sum_layout as lay

    job, _, out, _ = proved
    a = job.accounts[0]
    assert a.balances[1] >= 1 and a.positions[1] < 0  # room for the carries below
    change = change(list(a.balances), list(a.positions))
    dst = copy(out, tmp_path)
    rel = f"inclusion/{inclusion_file.locator(7, a.id, a.nonce)}.bin"
    rec = inclusion_file.open_sealed((dst / rel).read_bytes(), 7, a.id, a.nonce, rel)
    if field in ("balances[0]", "positions[0]"):  # the carry: same packed leaf values
        b, q = change.get("balances", list(a.balances)), change.get("positions", list(a.positions))
        honest = lay.leaf_values(0, list(a.balances), [x % R for x in a.positions])
        assert [x % R for x in lay.leaf_values(0, b, [x % R for x in q])] == [x % R for x in honest]
    _reseal(dst, a, rec)
    assert verify_inclusion(str(dst), a.id, a.nonce, allow_dev=True).ok
    _reseal(dst, a, rec, **change)
    with pytest.raises(InputError, match=rf"{rel}: {re.escape(field)}: .* is outside"):
        verify_inclusion(str(dst), a.id, a.nonce, allow_dev=True)


@pytest.mark.parametrize("which", ["batch", "aggregate"])
def test_key_with_gamma_equal_delta_is_a_failed_check_not_a_crash(proved, tmp_path, which):
    """C1: a key whose delta equals gamma (every proof verifies) in a bundle whose header pins
    it (the prover controls both): ``verify`` reports the failed ceremony check by name and the
    bundle INVALID, rather than stopping on the first key with an exception."""
    dst = copy(proved[2], tmp_path)
    rel = f"keys/{which}.vk.json"
    rewrite(dst, rel, lambda vk: vk.update(vk_delta_2=vk["vk_gamma_2"]))
    digest = hashlib.sha256((dst / rel).read_bytes()).hexdigest()
    rewrite(dst, "header.json", lambda h: h["verification_keys"].update({which: digest}))
    rep = verify_bundle(str(dst), allow_dev=True)
    bad = {c.name: c.detail for c in rep.checks if not c.ok}
    assert not rep.ok and "gamma == delta" in bad[f"{which} key from a real ceremony"]
