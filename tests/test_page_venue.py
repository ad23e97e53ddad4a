"""The account holders' verification page on a VENUE bundle (header ``zkproof-venue-epoch/1``,
docs/formats.md §15 and §20), in a real headless Chromium and, for every value both languages
compute, under node against the Python code.

The bundle: a tiny venue epoch proved in memory with dev keys (``I_max = 8``, ``A_max = 4``,
``P = 2``, ``B = 2``, ``K = 2``, capacity 2, two batches: batch 0 in the narrow tier ``P = 2``,
batch 1 in the wide tier ``P = 4``), its ``VenueHeader`` (whose digest goes into the aggregate
before it is proved), sealed venue records and the page. Holders: a loan (bob), a wide-tier
account with three positions that is also the header's protocol vault. Each page verdict must
agree with ``zkproof inclusion verify``'s on the same bundle (``verify_inclusion``, differential);
the auditor's ``verify_venue_bundle`` accepts the bundle with its page and refuses a page whose
data is not the bundle's.

Attacks, each ``not verified: <check>``: a wrong nonce, someone else's id, a relabelled
instrument, a batch's tier, the open interest or a batch root changed in the header (with every
derived value the tamperer can recompute: hashes, gamma, the header digest, the proof's public
inputs), a tampered aggregate proof, a record of another tier, a dev key without consent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_page import VERDICT, edit_json, rewrite, seal_under
from zkproof import page as holder_page
from zkproof import statement as stm
from zkproof.devtools import npm
from zkproof.errors import InputError
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats import inclusion_file, strict_json
from zkproof.formats import snarkjs_json as sj
from zkproof.formats.epoch_header import Asset, parse_header
from zkproof.formats.page_data import DATA_PATH
from zkproof.formats.venue_header import (
    VenueBatchEntry,
    VenueHeader,
    VenueProtocolAccount,
    VenueRecord,
    is_venue_header,
    parse_venue_header,
    parse_venue_record,
    record_bytes,
)
from zkproof.groth16.setup import dev_setup
from zkproof.hash import merkle_sum_layout as layout
from zkproof.hash.poseidon import poseidon
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.venue_epoch import VenueEpochKeys, prove_venue_epoch
from zkproof.venue import (
    SLOT_LIMB_BITS,
    VenueEpochShape,
    VenueShape,
    aggregate_public_names,
    aggregate_public_values,
    field_hash,
    leaf_hash,
    open_interest_hash,
    rlc_challenge,
    rlc_eval,
    rlc_powers,
    slot_limb,
    table_hash,
    table_public_values,
    totals_commitment,
    tree_path,
    universe_tables,
)
from zkproof.verifier.inclusion import verify_inclusion
from zkproof.verifier.venue_bundle import verify_venue_bundle
from zkproof.witness import venue as wv
from zkproof.witness import venue_aggregate as wa

pytestmark = [pytest.mark.browser, pytest.mark.prove]

SHAPE = VenueShape(i_max=8, a_max=4, p=2, b=2, k=2, capacity=2)
WIDE = dataclasses.replace(SHAPE, p=4)
EPOCH_SHAPE = VenueEpochShape(SHAPE, 2)
TIERS = (SHAPE.p, WIDE.p)
EPOCH, TIMESTAMP, SNAPSHOT = 9, 1_800_000_000, 1_799_999_400
INSTRUMENTS = ["ETH-PERP|perpetual|ETH||||3", "ETH-C3000|option|ETH|call|3000|1800086400|2",
               "BTC-FUT|future|BTC|||1800086400|0"]
ASSETS = [("USDC", 6), ("ETH", 9), ("BTC", 8)]
RESERVES = [3 * 10**4, 2 * 10**4, 0]  # listed assets (slots 1..3)
V = [[100, 90, 110], [200, 180, 220], [-50, -40, -60]]
ML, MS = [5, 10, 0], [7, 14, 3]
C = [[1000, 900, 700], [2000, 1800, 1400], [3000, 2700, 2100]]
D = [[1100, 1000, 1200], [2200, 2000, 2400], [3300, 3000, 3600]]
TABLES = universe_tables(SHAPE.i_max, SHAPE.a_max, SHAPE.n_scenarios, V, ML, MS, C, D)


@dataclass(frozen=True)
class Holder:
    id: str
    nonce: bytes
    positions: tuple[tuple[int, int], ...]  # (instrument slot, signed quantity)
    balances: tuple[tuple[int, int], ...]   # (asset slot, signed amount): negative = a loan

    @property
    def id_hash(self) -> int:
        return stm.id_hash(self.id, self.nonce)


def _nonce(k: int) -> bytes:
    return hashlib.sha256(b"venue page holder %d" % k).digest()


# Batch 0 (P = 2): alice, bob (a BTC loan); batch 1 (P = 4): carol, vault (three positions).
# Every instrument nets to zero over the epoch; open interest (longs) 5, 1, 2.
ALICE = Holder("alice", _nonce(0), ((1, 3), (3, -1)), ((1, 10**4), (2, 500)))
BOB = Holder("bob", _nonce(1), ((2, -1),), ((2, 10**4), (3, -20)))
CAROL = Holder("carol", _nonce(2), ((1, -5), (3, 2)), ((1, 10**4),))
VAULT = Holder("vault", _nonce(3), ((1, 2), (2, 1), (3, -1)), ((2, 500),))
BATCHES = [(SHAPE, [ALICE, BOB]), (WIDE, [CAROL, VAULT])]
HOLDERS = [h for _, hs in BATCHES for h in hs]


def locator_rel(epoch: int, h: Holder) -> str:
    return f"inclusion/{inclusion_file.locator(epoch, h.id, h.nonce)}.bin"


@pytest.fixture(scope="module")
def venue_keys() -> VenueEpochKeys:
    return VenueEpochKeys({s: dev_setup(venue_batch_circuit(s).to_r1cs(), quiet=True) for s in (SHAPE, WIDE)},
                          dev_setup(venue_aggregate_circuit(EPOCH_SHAPE).to_r1cs(), quiet=True))


def prove_bundle(keys: VenueEpochKeys, out: Path, *, reveal_totals: bool = False) -> Path:
    """Prove the epoch and publish it as a venue bundle with its page (the driver's steps:
    roots, gamma, header, header digest into the aggregate, proofs, sealed records)."""
    batches = [wv.build_venue_batch(s, TABLES, [wv.VenueAccount(h.id_hash, h.positions, h.balances)
                                                for h in hs]) for s, hs in BATCHES]
    w = wa.build_venue_epoch(EPOCH_SHAPE, EPOCH, TABLES, batches, [0, *RESERVES],
                             reveal_totals=reveal_totals, salt=0x5A17)
    records = {h.id: VenueRecord(EPOCH, b, u, s.p, h.positions, h.balances,
                                 tuple(tree_path(field_hash, batches[b].leaves, u)))
               for b, (s, hs) in enumerate(BATCHES) for u, h in enumerate(hs)}
    vks = {f"batch_p{s.p}": sj.vk_bytes(keys.batch[s].verifying_key()) for s in (SHAPE, WIDE)}
    vks["aggregate"] = sj.vk_bytes(keys.aggregate.verifying_key())
    header = VenueHeader(
        epoch=EPOCH, timestamp=TIMESTAMP, shape=EPOCH_SHAPE, tiers=TIERS,
        assets=[Asset(s, d, r) for (s, d), r in zip(ASSETS, RESERVES, strict=True)],
        instruments=INSTRUMENTS, scenarios=["mark", "down", "up"], value_unit_exponent=6,
        snapshot_time=SNAPSHOT, v=V, ml=ML, ms=MS, c=C, d=D, risk_table_sha256="0" * 64,
        open_interest=list(w.open_interest[1:len(INSTRUMENTS) + 1]),
        batches=[VenueBatchEntry(s.p, bw.root, bw.commitment) for (s, _), bw in zip(BATCHES, w.batches)],
        gamma=w.gamma, totals_commitment=w.totals_commitment,
        protocol_accounts=[VenueProtocolAccount(VAULT.id, "protocol_vault", VAULT.nonce, records[VAULT.id])],
        vk_sha256={name: hashlib.sha256(b).hexdigest() for name, b in vks.items()},
        circuit_fingerprints={name: "ab" * 32 for name in vks}, dev_setup=True,
        totals=list(w.liabilities[1:len(ASSETS) + 1]) if reveal_totals else None,
        loans=list(w.loans[1:len(ASSETS) + 1]) if reveal_totals else None)
    header.risk_table_sha256 = header.risk_table_sha256_recomputed()
    header_json = header.to_json()
    w.header_digest = stm.header_digest(header_json)
    proofs = prove_venue_epoch(w, keys)
    def proof_file(proof, public) -> bytes:
        return strict_json.dumps({"proof": sj.dump_proof(proof), "public": sj.dump_public(list(public))})

    files = {"header.json": strict_json.dumps(header_json),
             **{f"keys/{name}.vk.json": b for name, b in vks.items()},
             "proofs/aggregate.json": proof_file(proofs.aggregate, proofs.aggregate_public)}
    for n, bp in enumerate(proofs.batches):
        files[f"proofs/batch_{n:04d}.json"] = proof_file(bp.proof, bp.public)
    size = record_bytes(WIDE)
    for h in HOLDERS:
        name, blob = inclusion_file.seal(records[h.id], h.id, h.nonce, size)
        files[name] = blob
    files.update(holder_page.page_files(files))
    return bundle_fmt.write_bundle(out, files)


@pytest.fixture(scope="module")
def venue_bundles(venue_keys, tmp_path_factory):
    try:
        holder_page.assets()
    except InputError as e:
        pytest.fail(f"page assets missing ({e}): `make page` builds them")
    d = tmp_path_factory.mktemp("venue-page")
    return {"hidden": prove_bundle(venue_keys, d / "hidden"),
            "revealed": prove_bundle(venue_keys, d / "revealed", reveal_totals=True)}


# --- the Python oracle ------------------------------------------------------------------------


def python_verdict(bundle: Path, h: Holder, allow_dev: bool = True) -> tuple[bool, str]:
    """``zkproof inclusion verify``'s verdict on a venue bundle (``verify_inclusion``), which
    makes the page's checks: the header, the snapshot age, the aggregate key and proof against
    the header, the holder's record and its climb to its batch's root."""
    try:
        rep = verify_inclusion(str(bundle), h.id, h.nonce, allow_dev=allow_dev)
    except InputError as e:
        return False, str(e)
    failed = next((c for c in rep.checks if not c.ok), None)
    return rep.ok, f"{failed.name}: {failed.detail}" if failed else "included"


def open_page(browser, bundle: Path, h: Holder, nonce: bytes | None = None, allow_dev: bool = True):
    q = f"?id={h.id}&nonce={(h.nonce if nonce is None else nonce).hex()}"
    q += "&allow_dev=1" if allow_dev else ""
    return browser.tab((bundle / "verify.html").as_uri() + q)


def page_verdict(browser, bundle: Path, h: Holder, nonce: bytes | None = None, allow_dev: bool = True) -> str:
    tab = open_page(browser, bundle, h, nonce, allow_dev)
    try:
        verdict = tab.wait_for(VERDICT, timeout=120)
        bad = [u for u in tab.requests() if not u.startswith(("file:", "blob:", "data:"))]
        assert bad == [], f"the page asked the network for {bad}"
        assert tab.console() == [], tab.console()
        return verdict
    finally:
        tab.close()


def agree(browser, bundle: Path, h: Holder, nonce: bytes | None = None, allow_dev: bool = True) -> str:
    """The page's verdict, asserted equal (verified or not) to the Python oracle's."""
    verdict = page_verdict(browser, bundle, h, nonce, allow_dev)
    who = h if nonce is None else dataclasses.replace(h, nonce=nonce)
    ok, why = python_verdict(bundle, who, allow_dev)
    assert verdict.startswith("verified") == ok, f"page: {verdict!r}; python: {ok} ({why})"
    return verdict


def details(browser, bundle: Path, h: Holder) -> str:
    tab = open_page(browser, bundle, h)
    try:
        assert tab.wait_for(VERDICT, timeout=120).startswith("verified")
        return tab.eval("document.getElementById('details').innerText")
    finally:
        tab.close()


def retell(edit, *, gamma: bool = True):
    """A header.json editor: ``edit(VenueHeader)``, then what a tamperer recomputes: the table's
    SHA-256, the published hashes, gamma from the edited values and roots (unless
    ``gamma=False``) and the header digest (``VenueHeader.to_json``)."""
    def run(h: dict) -> None:
        hdr = parse_venue_header(h, "header.json")
        edit(hdr)
        hdr.risk_table_sha256 = hdr.risk_table_sha256_recomputed()
        if gamma:
            hdr.gamma = rlc_challenge(poseidon, hdr.epoch, table_hash(hdr.tables()),
                                      open_interest_hash(hdr.public().open_interest), hdr.totals_commitment,
                                      [e.root for e in hdr.batches])
        hdr.source_digest = None
        h.clear()
        h.update(hdr.to_json())
    return run


# --- the page in Chromium ---------------------------------------------------------------------


def test_right_id_and_nonce_verify(browser, venue_bundles):
    v = agree(browser, venue_bundles["hidden"], ALICE)
    assert v == ("verified: your account is in batch 0's proven root in epoch 9 and the aggregate proof "
                 "holds; not checked here: the batch proofs and the chain (see below)")


def test_every_holder_sees_balances_by_symbol_and_positions_by_instrument(browser, venue_bundles):
    """Each holder (both tiers, the vault too) verifies and sees their own slots: balance slot k
    as asset k - 1 (a negative one as a loan), position slot k as instrument k - 1, signed, in
    contracts (the descriptor's position decimals) and base units."""
    for h in HOLDERS:
        text = details(browser, venue_bundles["hidden"], h)
        b, u = next((b, hs.index(h)) for b, (_, hs) in enumerate(BATCHES) if h in hs)
        assert f"Batch {b}, slot {u}, tier P={BATCHES[b][0].p}" in text
        for slot, x in h.balances:
            sym, dec = ASSETS[slot - 1]
            shown = f"{x / 10**dec:.{dec}f}".rstrip("0").rstrip(".")
            assert f"{sym}\t{shown}\t{x}\t{'loan' if x < 0 else 'holding'}" in text, (h.id, text)
        for slot, q in h.positions:
            desc = INSTRUMENTS[slot - 1]
            dec = int(desc.split("|")[-1])
            shown = f"{q / 10**dec:.{dec}f}".rstrip("0").rstrip(".") if dec else str(q)
            side = "short" if q < 0 else "long"
            assert f"{desc.split('|')[0]}\t{shown}\t{q}\t{side}\t{desc}" in text, (h.id, text)
        assert "NOT CHECKED\tthe batch proofs\t" in text and "Epoch 9" in text
        root = parse_venue_header(json.loads((venue_bundles["hidden"] / "header.json").read_text()),
                                  "h").batches[b].root
        assert f"your batch {b}'s root {root} (one of 2 batch roots)" in text
    assert "BTC\t-0.0000002\t-20\tloan" in details(browser, venue_bundles["hidden"], BOB)


def test_revealed_totals_verify(browser, venue_bundles):
    text = details(browser, venue_bundles["revealed"], BOB)
    epoch_part = text.split("Epoch 9")[1]
    # reserves, net liabilities, gross holdings (net + loans), gross loans
    assert "USDC\t0.03\t0.02\t0.02\t0" in epoch_part and "BTC\t0\t-0.0000002\t0\t0.0000002" in epoch_part
    assert "revealed totals\topen the totals commitment and are within the reserves" in text


def test_wrong_nonce(browser, venue_bundles):
    v = agree(browser, venue_bundles["hidden"], ALICE, nonce=bytes(32))
    assert v == "not verified: your inclusion record: id not in epoch 9 (no record for this id and nonce)"


def test_someone_elses_id(browser, venue_bundles):
    v = agree(browser, venue_bundles["hidden"], dataclasses.replace(BOB, nonce=ALICE.nonce))
    assert v == "not verified: your inclusion record: id not in epoch 9 (no record for this id and nonce)"


def _relabel_instrument(h: VenueHeader) -> None:
    h.instruments[0] = "ETH-PERP|perpetual|ETH||||0"  # same slot, another contract size


def _retier(h: VenueHeader) -> None:
    h.batches[1] = dataclasses.replace(h.batches[1], tier=SHAPE.p)  # the wide batch called narrow


def _open_interest(h: VenueHeader) -> None:
    h.open_interest[0] -= 2  # a netting set of 2 longs dropped (ATTACKS A19)


@pytest.mark.parametrize("edit, holder, first", [
    (_relabel_instrument, ALICE, "public[6] (header_digest)"),
    (_retier, CAROL, "public[6] (header_digest)"),
    (_open_interest, ALICE, "public[3] (open_interest_hash)")],
    ids=["instrument-name", "batch-tier", "open-interest"])
def test_tampered_header_field(browser, venue_bundles, tmp_path, edit, holder, first):
    """ATTACKS B13, A17, A19: a header field changed with every value the tamperer can recompute
    (table SHA-256, published hashes, gamma, header digest): the aggregate was proved against
    other public inputs. A name is bound by the header digest alone; the open interest by its
    hash first."""
    b = rewrite(venue_bundles["hidden"], tmp_path / "b", lambda f: edit_json(f, "header.json", retell(edit)))
    v = agree(browser, b, holder)
    assert v == f"not verified: proofs/aggregate.json statement: {first} differs from the header"


def test_open_interest_changed_without_gamma(browser, venue_bundles, tmp_path):
    """The open interest changed (hash and digest rewritten) but gamma left: gamma is no longer
    the hash of the header's values and roots."""
    tamper = retell(_open_interest, gamma=False)
    b = rewrite(venue_bundles["hidden"], tmp_path / "b", lambda f: edit_json(f, "header.json", tamper))
    v = agree(browser, b, ALICE)
    assert v.startswith("not verified: gamma: the header's gamma is not the hash of the epoch")


def test_tampered_batch_root(browser, venue_bundles, tmp_path):
    """ATTACKS A17: batch 0's root replaced in the header and in the aggregate proof's public
    inputs (gamma, its powers, oi_eval and the digest recomputed to match): the pairing fails;
    batch 1's holder, whose own path still climbs, is refused as well."""
    def edit(files):
        def bump(h: VenueHeader) -> None:
            h.batches[0] = dataclasses.replace(h.batches[0], root=(h.batches[0].root + 1) % stm.R)
        edit_json(files, "header.json", retell(bump))
        hdr = parse_venue_header(json.loads(files["header.json"]), "header.json")
        pub = hdr.public()
        want = aggregate_public_values(EPOCH_SHAPE, hdr.epoch, table_hash(pub.tables), pub.open_interest,
                                       False, hdr.totals_commitment, hdr.header_digest, hdr.gamma,
                                       pub.reserves, [(e.root, e.commitment) for e in hdr.batches])
        edit_json(files, "proofs/aggregate.json", lambda p: p.update(public=[str(x) for x in want]))
    b = rewrite(venue_bundles["hidden"], tmp_path / "b", edit)
    for h in (ALICE, CAROL):
        assert agree(browser, b, h) == "not verified: proofs/aggregate.json proof: pairing check failed"


def test_tampered_aggregate_proof(browser, venue_bundles, tmp_path):
    def edit(files):
        edit_json(files, "proofs/aggregate.json", lambda p: p["proof"].update(pi_a=["1", "2", "1"]))
    b = rewrite(venue_bundles["hidden"], tmp_path / "b", edit)
    v = agree(browser, b, ALICE)
    assert v == "not verified: proofs/aggregate.json proof: pairing check failed"


def test_record_of_another_tier(browser, venue_bundles, tmp_path):
    """A narrow-tier account replayed as the wide tier, on the holder's side: Alice's record
    (batch 0, P = 2) resealed claiming the wide tier: the page hashes her leaf under her
    batch's tier and refuses the mismatch."""
    bundle = venue_bundles["hidden"]
    rel = locator_rel(EPOCH, ALICE)
    rec = inclusion_file.open_sealed((bundle / rel).read_bytes(), EPOCH, ALICE.id, ALICE.nonce, rel)
    rec["tier"] = WIDE.p
    b = rewrite(bundle, tmp_path / "b", lambda f: f.update(
        [inclusion_file.seal(_Raw(rec), ALICE.id, ALICE.nonce, record_bytes(WIDE))]))
    v = agree(browser, b, ALICE)
    assert v == ("not verified: your leaf is in the proven root: your record is of tier P=4, batch 0 of "
                 "tier P=2 in the header")


def test_record_from_another_epoch_resealed(browser, venue_bundles, tmp_path):
    """ATTACKS B11: a record of epoch 8 sealed under this epoch's key at this epoch's locator:
    refused by its epoch field."""
    bundle = venue_bundles["hidden"]
    rel = locator_rel(EPOCH, ALICE)
    rec = inclusion_file.open_sealed((bundle / rel).read_bytes(), EPOCH, ALICE.id, ALICE.nonce, rel)
    rec["epoch"] = EPOCH - 1
    text = json.dumps(rec, separators=(",", ":")).encode().ljust(record_bytes(WIDE))
    resealed = seal_under(EPOCH, text, ALICE)
    b = rewrite(bundle, tmp_path / "b", lambda f: f.update({rel: resealed}))
    v = agree(browser, b, ALICE)
    assert v == f"not verified: your inclusion record: {rel}: epoch: a record of epoch 8, not of epoch 9"


def test_dropped_record(browser, venue_bundles, tmp_path):
    """The holder drops their sealed file, or its plaintext JSON, on the page: verified."""
    bundle = venue_bundles["hidden"]
    rel = locator_rel(EPOCH, BOB)
    rec = inclusion_file.open_sealed((bundle / rel).read_bytes(), EPOCH, BOB.id, BOB.nonce, rel)
    (tmp_path / "mine.json").write_text(json.dumps(rec, indent=1) + "\n")
    for src in (bundle / rel, tmp_path / "mine.json"):
        tab = browser.tab((bundle / "verify.html").as_uri())
        try:
            tab.wait_for("document.getElementById('verdict')?.textContent.startsWith('enter')")
            tab.eval(f"document.getElementById('uid').value = {json.dumps(BOB.id)}; "
                     f"document.getElementById('nonce').value = '{BOB.nonce.hex()}'; "
                     "document.getElementById('allowdev').checked = true")
            tab.set_file("#record", str(src))
            tab.wait_for("document.getElementById('dropname')?.textContent.startsWith('record:')")
            tab.eval("document.querySelector('button').click()")
            assert tab.wait_for(VERDICT).startswith("verified: your account is in batch 0's"), src
        finally:
            tab.close()


@dataclass
class _Raw:
    """A record given as its JSON (inclusion_file.seal takes anything with epoch and to_json)."""

    obj: dict

    @property
    def epoch(self) -> int:
        return self.obj["epoch"]

    def to_json(self) -> dict:
        return self.obj


def test_dev_key_refused_without_consent(browser, venue_bundles):
    v = agree(browser, venue_bundles["hidden"], ALICE, allow_dev=False)
    assert v.startswith("not verified: aggregate key from a real ceremony: INSECURE-DEV-SETUP key: refused")


def test_zkproof_page_exports_a_venue_bundles_page(venue_bundles, tmp_path):
    """``zkproof page`` reads a venue bundle (per-tier keys in its layout) and writes its page."""
    from click.testing import CliRunner

    from zkproof.cli.main import cli

    r = CliRunner().invoke(cli, ["page", str(venue_bundles["hidden"]), str(tmp_path / "site")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "site" / DATA_PATH).read_bytes() == (venue_bundles["hidden"] / DATA_PATH).read_bytes()
    assert sorted(p.name for p in (venue_bundles["hidden"] / "keys").iterdir()) == [
        "aggregate.vk.json", "batch_p2.vk.json", "batch_p4.vk.json"]


def test_venue_bundle_with_its_page_verifies(venue_bundles):
    """The auditor's verifier accepts a venue bundle that carries the holders' page, and checks
    that the page's data is the bundle's own."""
    for which in ("hidden", "revealed"):
        rep = verify_venue_bundle(str(venue_bundles[which]), allow_dev=True)
        assert rep.ok, rep.failed()
        assert "verification page data matches the bundle" in [c.name for c in rep.checks]


def test_venue_page_data_from_another_bundle(venue_bundles, tmp_path):
    """A venue page whose data file is another bundle's (the revealed epoch's), manifest
    consistent: the page would check other files than the auditor did, so the bundle fails."""
    b = bundle_fmt.read_bundle(venue_bundles["hidden"])
    files = {rel: b.path(rel).read_bytes() for rel in b.digests}
    files[DATA_PATH] = (venue_bundles["revealed"] / DATA_PATH).read_bytes()
    rep = verify_venue_bundle(str(bundle_fmt.write_bundle(tmp_path / "b", files)), allow_dev=True)
    assert [c.name for c in rep.checks if not c.ok] == ["verification page data matches the bundle"]


def test_zkproof_prove_publishes_the_venue_page(browser, tmp_path):
    """``pipeline.prove`` (``zkproof prove``) on a venue snapshot (the venue of
    tests/test_venue_files.py: two tiers, four batches, a borrower) publishes the holders' page
    with the bundle; the borrower verifies in Chromium and sees the loan, as
    ``zkproof inclusion verify`` does."""
    from tests.test_venue_files import BORROWER, key_shape, write_venue
    from zkproof import pipeline
    from zkproof.formats.zkey_file import write_zkey
    from zkproof.prover.venue_keys import AGGREGATE, key_name, save_key_shape, zkey_path

    ks = key_shape()
    keys_dir = tmp_path / "keys"
    save_key_shape(keys_dir, ks)
    for s in ks.tier_shapes():
        write_zkey(zkey_path(keys_dir, key_name(s)), dev_setup(venue_batch_circuit(s).to_r1cs(), quiet=True))
    agg = dev_setup(venue_aggregate_circuit(ks.epoch).to_r1cs(), quiet=True)
    write_zkey(zkey_path(keys_dir, AGGREGATE), agg)
    loaded = pipeline.load_inputs(write_venue(tmp_path / "inputs"))
    out = pipeline.prove(loaded, keys_dir, tmp_path / "bundle", tmp_path / "work", progress=False, workers=1)
    assert (out / "verify.html").is_file() and (out / DATA_PATH).is_file()
    assert pipeline.verify(out, allow_dev=True).ok
    borrower = Holder(BORROWER["id"], bytes.fromhex(BORROWER["nonce"]), (), ())
    assert agree(browser, out, borrower).startswith("verified: your account is in batch ")
    assert "USDC\t-500\t-500000000\tloan" in details(browser, out, borrower)
    assert pipeline.prove(loaded, keys_dir, tmp_path / "bare", tmp_path / "work", progress=False,
                          workers=1, page=False).joinpath("verify.html").exists() is False


# --- format.js against the Python side, under node ---------------------------------------------

NODE_PROBE = r"""
const [formatJs, circomlibjs, headerPath, inputJson] = process.argv.slice(-4);
(async () => {
  const F = await import(formatJs);
  const { buildPoseidon } = await import(circomlibjs);
  const p = await buildPoseidon();
  const H = (xs) => p.F.toObject(p(xs));
  const fs = require("fs");
  const input = JSON.parse(inputJson);
  const s = String;
  const header = await F.readHeader(fs.readFileSync(headerPath, "utf8"), H);
  const out = { format: header.format, names: F.venueAggregateNames(header.shape),
    aggregate: F.venueAggregatePublic(H, header).map(s), gamma: s(F.venueGamma(H, header)),
    tableValues: F.venueTableValues(header).map(s), tableHash: s(F.venueTableHash(H, header)),
    oiHash: s(F.venueOpenInterestHash(H, header)), shapeDigest: s(F.venueEpochShapeDigest(H, header.shape)),
    totals: F.venueTotalsProblem(H, header), depth: header.shape.depth,
    opened: header.totals === null ? null : s(F.venueTotalsCommitment(H, header.epoch, 0n,
      F.universe(header.totals, header.shape.a_max), F.universe(header.loans, header.shape.a_max))),
    bits: [header.shape.interestBits, header.shape.reserveBits],
    protocol: header.protocolAccounts.map((a) => [a.id, a.role, a.record.batch, a.record.index]),
    users: [], headers: [], records: [], leaves: [], shapes: [], rlc: null };
  for (const u of input.users) {
    const nonce = F.parseNonce(u.nonce);
    const text = await F.openSealed(new Uint8Array(fs.readFileSync(u.sealed)), header.epoch, u.id, nonce);
    const rec = F.parseVenueRecord(JSON.parse(text), header.shape, header.tiers, header.epoch);
    const idh = await F.idHash(H, u.id, nonce);
    const entry = header.batches[rec.batch];
    const leaf = F.venueLeaf(H, entry.tier, header.shape.b, idh, rec.positions, rec.balances);
    const inc = await F.checkVenueInclusion(H, header, rec, u.id, nonce);
    out.users.push({ record: text, locator: await F.locator(header.epoch, u.id, nonce), idHash: s(idh),
      leaf: s(leaf), ok: inc.ok, root: s(inc.root), batch: rec.batch, index: rec.index, tier: rec.tier,
      positions: rec.positions.map((x) => x.map(s)), balances: rec.balances.map((x) => x.map(s)),
      path: rec.path.map(s) });
  }
  const field = async (fn) => { try { await fn(); return "ok"; } catch (e) {
    if (!(e instanceof F.FormatError)) throw e; return e.field; } };
  for (const text of input.headers) out.headers.push(await field(() => F.readHeader(text, H)));
  for (const r of input.records) {
    out.records.push(await field(() => F.readVenueRecord(r, header.shape, header.tiers, header.epoch)));
  }
  for (const l of input.leaves) {
    const slots = (xs) => xs.map(([j, x]) => [BigInt(j), BigInt(x)]);
    out.leaves.push({ leaf: s(F.venueLeaf(H, l.p, l.b, BigInt(l.idh), slots(l.positions), slots(l.balances))),
      limbs: F.packLimbs(slots(l.positions).map(([j, x]) => F.venueSlotLimb(j, x)), 80n).map(s),
      root: s(F.venueRootFromPath(H, BigInt(l.idh), l.index, l.path.map(BigInt))) });
  }
  for (const sh of input.shapes) {
    out.shapes.push([s(F.venueShapeDigest(H, sh, sh.p)), s(F.venueEpochShapeDigest(H, sh))]);
  }
  const powers = F.rlcPowers(BigInt(input.rlc.gamma), input.rlc.values.length);
  out.rlc = { powers: powers.map(s), eval: s(F.rlcEval(powers, input.rlc.values.map(BigInt))),
    challenge: s(F.rlcChallenge(H, input.rlc.epoch, ...input.rlc.hashes.map(BigInt),
      input.rlc.roots.map(BigInt))) };
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def node_probe(bundle: Path, **inputs) -> dict:
    rlc = {"gamma": "3", "values": [], "epoch": 0, "hashes": ["0", "0", "0"], "roots": []}
    inputs = {"users": [], "headers": [], "records": [], "leaves": [], "shapes": [], "rlc": rlc, **inputs}
    fmt = (holder_page.SRC / "format.js").as_uri()
    circ = npm.module_path("circomlibjs", "main.js").as_uri()
    header = str(bundle / "header.json")
    return json.loads(npm.run_node_script(NODE_PROBE, fmt, circ, header, json.dumps(inputs)))


@pytest.mark.parametrize("which", ["hidden", "revealed"])
def test_format_js_equals_python(venue_bundles, which):
    """Every value the page computes from a venue bundle equals Python's: the aggregate's public
    inputs and their names, gamma, the universe-padded table and its hash, the open interest
    hash, the epoch shape digest, the widths; each holder's opened record, id hash, leaf and the
    batch root it climbs to."""
    bundle = venue_bundles[which]
    header = parse_venue_header(strict_json.loads((bundle / "header.json").read_bytes(), "h"), "header.json")
    users = [{"id": h.id, "nonce": h.nonce.hex(), "sealed": str(bundle / locator_rel(EPOCH, h))}
             for h in HOLDERS]
    out = node_probe(bundle, users=users)
    pub = header.public()
    gamma = rlc_challenge(poseidon, header.epoch, table_hash(pub.tables),
                          open_interest_hash(pub.open_interest), header.totals_commitment,
                          [e.root for e in header.batches])
    want = aggregate_public_values(header.shape, header.epoch, table_hash(pub.tables), pub.open_interest,
                                   header.totals is not None, header.totals_commitment, header.header_digest,
                                   gamma, pub.reserves, [(e.root, e.commitment) for e in header.batches])
    assert out["format"] == "zkproof-venue-epoch/1"
    assert out["names"] == list(aggregate_public_names(header.shape))
    assert out["aggregate"] == [str(x) for x in want]
    proved = json.loads((bundle / "proofs/aggregate.json").read_text())["public"]
    assert out["aggregate"] == proved
    assert out["gamma"] == str(gamma) == str(header.gamma)
    assert out["tableValues"] == [str(x) for x in table_public_values(pub.tables)]
    assert out["tableHash"] == str(table_hash(pub.tables))
    assert out["oiHash"] == str(open_interest_hash(pub.open_interest))
    assert out["shapeDigest"] == str(header.shape.digest())
    assert out["depth"] == 1 and out["bits"] == [header.shape.interest_bits, header.shape.reserve_bits]
    assert out["totals"] is None
    if header.totals is not None:  # the revealed liabilities and gross loans open the commitment
        assert out["opened"] == str(totals_commitment(poseidon, EPOCH, 0, [stm.fe(x) for x in pub.totals],
                                                      list(pub.loans))) == str(header.totals_commitment)
        assert pub.loans == (0, 0, 0, 20)
    assert out["protocol"] == [[a.id, a.role, a.record.batch, a.record.index]
                               for a in header.protocol_accounts]
    for h, got in zip(HOLDERS, out["users"], strict=True):
        rel = locator_rel(EPOCH, h)
        obj = inclusion_file.open_sealed((bundle / rel).read_bytes(), EPOCH, h.id, h.nonce, rel)
        rec = parse_venue_record(obj, header.shape, header.tiers, EPOCH, rel)
        shape = header.batch_shape(rec.batch)
        assert json.loads(got["record"]) == obj
        assert got["locator"] == inclusion_file.locator(EPOCH, h.id, h.nonce)
        assert got["idHash"] == str(h.id_hash)
        assert got["leaf"] == str(rec.leaf(h.id_hash, shape))
        assert got["ok"]
        assert got["root"] == str(rec.root(h.id_hash, shape)) == str(header.batches[rec.batch].root)
        assert (got["batch"], got["index"], got["tier"]) == (rec.batch, rec.index, rec.tier)
        assert got["positions"] == [[str(j), str(x)] for j, x in rec.positions]
        assert got["balances"] == [[str(j), str(x)] for j, x in rec.balances]
        assert got["path"] == [str(x) for x in rec.path]


def test_leaf_limbs_shapes_and_rlc_equal_python(venue_bundles):
    """The layouts on inputs the bundle does not reach: slots and amounts at their extremes in
    a wide tier, a long path, other shapes' digests, gamma powers and evaluations of signed
    values, gamma over many roots."""
    big = (1 << 63) - 1
    leaves = [
        {"p": 4, "b": 2, "idh": str(stm.R - 1), "positions": [[1, -big], [2, big], [65535, -1]],
         "balances": [[3, -big]], "index": 5, "path": [str(stm.R - 2), "0", "12345"]},
        {"p": 128, "b": 8, "idh": "7", "positions": [[j, (-1) ** j * j] for j in range(1, 129)],
         "balances": [[j, -j] for j in range(1, 9)], "index": 0, "path": []},
        {"p": 2, "b": 2, "idh": "0", "positions": [], "balances": [], "index": 1, "path": ["1"]},
    ]
    shapes = [{"i_max": 1024, "a_max": 64, "p": 16, "b": 8, "k": 16, "capacity": 256, "table_bits": 40,
               "equity_check_cap": 88, "n_batches": 4096},
              {"i_max": 8, "a_max": 4, "p": 128, "b": 2, "k": 0, "capacity": 2, "table_bits": 1,
               "equity_check_cap": 252, "n_batches": 1}]
    values = [0, 1, -1, stm.R - 1, -(1 << 100), 123456789]
    rlc = {"gamma": str(stm.R - 3), "values": [str(x) for x in values], "epoch": 2**53 - 1,
           "hashes": ["1", "2", str(stm.R - 1)], "roots": [str(x) for x in range(40)]}
    as_text = [{**c, **{k: [[str(j), str(x)] for j, x in c[k]] for k in ("positions", "balances")}}
               for c in leaves]  # JSON numbers above 2^53 would not reach node exactly
    out = node_probe(venue_bundles["hidden"], leaves=as_text, shapes=shapes, rlc=rlc)
    for case, got in zip(leaves, out["leaves"], strict=True):
        pos = [tuple(x) for x in case["positions"]] + [(0, 0)] * (case["p"] - len(case["positions"]))
        bal = [tuple(x) for x in case["balances"]] + [(0, 0)] * (case["b"] - len(case["balances"]))
        tier = (case["p"] << 32) | case["b"]
        assert got["leaf"] == str(leaf_hash(field_hash, tier, int(case["idh"]), pos, bal))
        limbs = layout.pack_limbs([slot_limb(j, x) for j, x in case["positions"]], SLOT_LIMB_BITS)
        assert got["limbs"] == [str(x) for x in limbs]
        rec = VenueRecord(0, 0, case["index"], case["p"], (), (), tuple(int(x) for x in case["path"]))
        h = int(case["idh"])  # the climb alone, from a given leaf
        for level, sib in enumerate(rec.path):
            h = (layout.node_hash(poseidon, sib, [], h, []) if (rec.index >> level) & 1
                 else layout.node_hash(poseidon, h, [], sib, []))
        assert got["root"] == str(h)
    for sh, got in zip(shapes, out["shapes"], strict=True):
        fields = {k: v for k, v in sh.items() if k != "n_batches"}
        es = VenueEpochShape(VenueShape(**fields), sh["n_batches"])
        assert got == [str(es.batch.digest()), str(es.digest())]
    powers = rlc_powers(stm.R - 3, len(values))
    assert out["rlc"]["powers"] == [str(x) for x in powers]
    assert out["rlc"]["eval"] == str(rlc_eval(powers, values))
    gamma = rlc_challenge(poseidon, 2**53 - 1, 1, 2, stm.R - 1, list(range(40)))
    assert out["rlc"]["challenge"] == str(gamma)


def _header_cases(obj: dict) -> list[tuple[str, dict]]:
    """Headers the strict parse must refuse (or accept), each named, with its digest and
    published hashes left as they are unless the case is about them."""
    def case(name, fn):
        h = json.loads(json.dumps(obj))
        fn(h)
        return name, h
    return [
        case("ok", lambda h: None),
        case("unknown key", lambda h: h.update(extra=1)),
        case("format", lambda h: h.update(format="zkproof-epoch/1x")),
        case("tiers order", lambda h: h.update(tiers=[4, 2])),
        case("tier too wide", lambda h: h.update(tiers=[2, 257])),
        case("i_max not a power of two", lambda h: h["shape"].update(i_max=6)),
        case("i_max beyond 2^16", lambda h: h["shape"].update(i_max=1 << 17)),
        case("capacity", lambda h: h["shape"].update(capacity=3)),
        case("k", lambda h: h["shape"].update(k=257)),
        case("table_bits", lambda h: h["shape"].update(table_bits=65)),
        case("b", lambda h: h["shape"].update(b=0)),
        case("n_batches", lambda h: h["shape"].update(n_batches=0)),
        case("asset reserves", lambda h: h["assets"][0].update(reserves="-1")),
        case("asset symbol", lambda h: h["assets"][1].update(symbol="")),
        case("too many assets", lambda h: h["assets"].append({"symbol": "X", "decimals": 0,
                                                               "reserves": "0"})),
        case("instrument", lambda h: h["instruments"].__setitem__(1, 5)),
        case("scenarios", lambda h: h["scenarios"].pop()),
        case("d below c", lambda h: h["risk_table"]["d"][1].__setitem__(2, "1")),
        case("v bound", lambda h: h["risk_table"]["v"][0].__setitem__(0, str(1 << 40))),
        case("ml negative", lambda h: h["risk_table"]["ml"].__setitem__(2, "-1")),
        case("batch tier", lambda h: h["batches"][1].update(tier=3)),
        case("batch root", lambda h: h["batches"][0].update(root=str(stm.R))),
        case("batches count", lambda h: h["batches"].pop()),
        case("key names", lambda h: h["verification_keys"].pop("batch_p4")),
        case("dev_setup", lambda h: h.update(dev_setup=1)),
        case("open interest", lambda h: h["open_interest"].__setitem__(0, "-1")),
        case("open interest hash", lambda h: h.update(open_interest_hash="1")),
        case("table hash", lambda h: h.update(table_hash="2")),
        case("shape digest", lambda h: h.update(shape_digest="3")),
        case("totals without flag", lambda h: h.update(totals=["1", "2", "3"])),
        case("protocol record slot order",
             lambda h: h["protocol_accounts"][0]["record"]["positions"].reverse()),
        case("protocol record epoch", lambda h: h["protocol_accounts"][0]["record"].update(epoch=8)),
        case("protocol role", lambda h: h["protocol_accounts"][0].update(role="user")),
        case("gamma", lambda h: h.update(gamma=str(stm.R))),
        *_float_cases(case),
    ]


def _float_cases(case) -> list:
    """Integers written as floats, which JSON.parse cannot tell apart: Python refuses each at
    its field, the page the whole text (``<json>``)."""
    return [case("float tier", lambda h: h["tiers"].__setitem__(1, 4.0)),
            case("float epoch", lambda h: h.update(epoch=9e0)),
            case("float record index", lambda h: h["protocol_accounts"][0]["record"].update(index=1.0))]


def _revealed_cases(obj: dict) -> list[tuple[str, dict]]:
    """A header with revealed totals: the gross loans go with the liabilities."""
    def case(name, fn):
        h = json.loads(json.dumps(obj))
        fn(h)
        return name, h
    return [case("ok", lambda h: None),
            case("loans missing", lambda h: h.pop("loans")),
            case("loans negative", lambda h: h["loans"].__setitem__(2, "-20")),
            case("loans count", lambda h: h["loans"].pop()),
            case("hidden, loans published", lambda h: h.update(totals_revealed=0) or h.pop("totals"))]


@pytest.mark.parametrize("which", ["hidden", "revealed"])
def test_header_parse_equals_python(venue_bundles, which):
    """format.js refuses exactly the headers Python refuses, naming the same field (a header
    of another format goes to the dense parser on both sides)."""
    obj = json.loads((venue_bundles[which] / "header.json").read_text())
    cases = (_header_cases if which == "hidden" else _revealed_cases)(obj)
    out = node_probe(venue_bundles["hidden"], headers=[json.dumps(h) for _, h in cases])
    for (name, h), got in zip(cases, out["headers"], strict=True):
        try:
            (parse_venue_header if is_venue_header(h) else parse_header)(h, "header.json")
            want = "ok"
        except InputError as e:
            want = e.field
        if name.startswith("float "):
            assert want != "ok" and got == "<json>", (name, want, got)
            continue
        assert got == want, name
    assert out["headers"][0] == "ok" and sum(x == "ok" for x in out["headers"]) == 1


def test_record_parse_equals_python(venue_bundles):
    """format.js refuses exactly the records parse_venue_record refuses, naming the same field."""
    bundle = venue_bundles["hidden"]
    header = parse_venue_header(json.loads((bundle / "header.json").read_text()), "header.json")
    rel = locator_rel(EPOCH, VAULT)
    good = inclusion_file.open_sealed((bundle / rel).read_bytes(), EPOCH, VAULT.id, VAULT.nonce, rel)

    def case(fn):
        r = json.loads(json.dumps(good))
        fn(r)
        return r
    records = [
        good,
        case(lambda r: r.update(epoch=8)),
        case(lambda r: r.update(tier=3)),
        case(lambda r: r.update(tier=2)),  # three positions in a P = 2 record
        case(lambda r: r.update(batch=2)),
        case(lambda r: r.update(index=2)),
        case(lambda r: r["positions"][1].__setitem__(0, "1")),
        case(lambda r: r["positions"][0].__setitem__(1, "0")),
        case(lambda r: r["positions"][0].__setitem__(1, str(1 << 63))),
        case(lambda r: r["positions"][2].__setitem__(0, "8")),  # I_max = 8: slots 1..7
        case(lambda r: r["balances"][0].__setitem__(0, "4")),
        case(lambda r: r["balances"].append(["3", "1"]) or r["balances"].append(["4", "1"])),
        case(lambda r: r["path"].append("1")),
        case(lambda r: r["path"].__setitem__(0, str(stm.R))),
        case(lambda r: r.update(format="zkproof-inclusion/1")),
        case(lambda r: r.pop("tier")),
        case(lambda r: r.update(index=1.0)),  # JSON.parse reads 1; Python refuses the float
    ]
    texts = [json.dumps(r) for r in records] + ['{"format": 1, "format": 2}']  # duplicate key
    out = node_probe(bundle, records=texts)
    for text, got in zip(texts, out["records"], strict=True):
        try:
            obj = inclusion_file.load_record_json(text.encode(), "r")
            parse_venue_record(obj, header.shape, header.tiers, EPOCH, "r")
            want = "ok"
        except InputError as e:
            want = e.field
        if "1.0" in text:  # the page refuses the text itself
            assert want != "ok" and got == "<json>", (text, want, got)
            continue
        assert got == want, text
    assert out["records"][0] == "ok" and out["records"].count("ok") == 1
