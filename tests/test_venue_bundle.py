"""A venue epoch on files: ``verifier.venue_bundle.verify_venue_bundle`` (``zkproof verify``) and
the holder's ``zkproof inclusion verify`` on a venue bundle. The honest bundle verifies; each
attack is INVALID naming the check it breaks, and its honest twin passes.

The bundle is built here (``write_venue_bundle``): a small epoch proved in memory with dev keys
(``I_max = 16``, ``A_max = 8``, ``K = 2``, capacity 2), batch 0 in the narrow tier ``P = 2``
(a user and the protocol vault), batch 1 in the wide tier ``P = 4`` (one account with three
positions netting batch 0's), the header built from the witness and written with
``formats.bundle.write_bundle`` as the venue driver lays it out (docs/formats.md §16).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from zkproof import statement as stm
from zkproof.cli.main import main
from zkproof.errors import InputError
from zkproof.formats import inclusion_file
from zkproof.formats.bundle import write_bundle
from zkproof.formats.epoch_header import Asset
from zkproof.formats.snarkjs_json import dump_proof, dump_public, vk_bytes, vk_sha256
from zkproof.formats.venue_header import (
    VenueBatchEntry,
    VenueHeader,
    VenueProtocolAccount,
    VenueRecord,
    parse_venue_header,
    record_bytes,
)
from zkproof.groth16.setup import dev_setup
from zkproof.hash.poseidon import poseidon
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.venue_epoch import VenueEpochKeys, prove_venue_epoch
from zkproof.venue import (
    VenueEpochShape,
    VenueShape,
    open_interest_hash,
    rlc_challenge,
    table_hash,
    tree_path,
    universe_tables,
    universe_vector,
)
from zkproof.verifier.dispatch import verify_any
from zkproof.verifier.inclusion import VENUE_BATCH_PROOFS_UNCHECKED, verify_inclusion
from zkproof.verifier.venue_bundle import VenueReport, verify_venue_bundle
from zkproof.verifier.venue_check import tier_label
from zkproof.witness import venue as wv
from zkproof.witness import venue_aggregate as wa

pytestmark = pytest.mark.prove

NARROW = VenueShape(i_max=16, a_max=8, p=2, b=2, k=2, capacity=2)
WIDE = dataclasses.replace(NARROW, p=4)
EPOCH_SHAPE = VenueEpochShape(NARROW, 2)
EPOCH, T0, SALT = 12, 1_800_000_000, 0x5A17
INSTRUMENTS = ["ETH-PERP|perpetual|ETH||||3", "ETH-C-3000|option|ETH|call|3000|1|2", "ETH-F|future|ETH||||0"]
ASSETS = [Asset("USDC", 6, 30_000), Asset("ETH", 18, 20_000)]
V = [[100, 90, 110], [200, 180, 220], [-50, -40, -60]]
ML, MS = [5, 10, 0], [7, 14, 3]
C = [[1000, 900, 700], [2000, 1800, 1400]]
D = [[1100, 1000, 1200], [2200, 2000, 2400]]
TABLES = universe_tables(NARROW.i_max, NARROW.a_max, NARROW.n_scenarios, V, ML, MS, C, D)


@dataclasses.dataclass(frozen=True)
class Holder:
    id: str
    nonce: bytes
    positions: tuple[tuple[int, int], ...]
    balances: tuple[tuple[int, int], ...]

    def account(self) -> wv.VenueAccount:
        return wv.VenueAccount(stm.id_hash(self.id, self.nonce), self.positions, self.balances)


USER = Holder("user-1", bytes([1]) * 32, ((1, 5), (3, -2)), ((1, 10**4), (2, 500)))
VAULT = Holder("vault", bytes([2]) * 32, ((2, -1),), ((2, 10**4),))
MAKER = Holder("maker-1", bytes([3]) * 32, ((1, -5), (2, 1), (3, 2)), ((1, 10**4), (2, -20)))  # 3 > P = 2
BATCHES = [(NARROW, [USER, VAULT]), (WIDE, [MAKER])]
NARROW_PROOFS, WIDE_PROOFS = f"batch proofs {tier_label(NARROW)}", f"batch proofs {tier_label(WIDE)}"


@dataclasses.dataclass
class Built:
    """The honest bundle's files (relpath -> bytes or JSON) and what the tests tamper with."""

    files: dict
    header: VenueHeader
    records: dict[str, tuple[VenueRecord, Holder]]


def _header(w: wa.VenueEpochWitness, records: dict, vks: dict[str, str]) -> VenueHeader:
    n_i, n_a = len(INSTRUMENTS), len(ASSETS)
    h = VenueHeader(
        epoch=EPOCH, timestamp=T0, shape=EPOCH_SHAPE, tiers=(NARROW.p, WIDE.p), assets=list(ASSETS),
        instruments=list(INSTRUMENTS), scenarios=["mark", "down", "up"], value_unit_exponent=6,
        snapshot_time=T0 - 10, v=V, ml=ML, ms=MS, c=C, d=D, risk_table_sha256="00" * 32,
        open_interest=list(w.open_interest[1:1 + n_i]),
        batches=[VenueBatchEntry(b.shape.p, b.root, b.commitment) for b in w.batches],
        gamma=w.gamma, totals_commitment=w.totals_commitment,
        protocol_accounts=[VenueProtocolAccount(VAULT.id, "protocol_vault", VAULT.nonce,
                                                records[VAULT.id][0])],
        vk_sha256=vks, circuit_fingerprints={k: "ab" * 32 for k in vks}, dev_setup=True,
        totals=list(w.liabilities[1:1 + n_a]) if w.reveal_totals else None,
        loans=list(w.loans[1:1 + n_a]) if w.reveal_totals else None)
    assert w.liabilities[n_a + 1:] == w.loans[n_a + 1:] == [0] * (NARROW.a_max - n_a - 1)
    return dataclasses.replace(h, risk_table_sha256=h.risk_table_sha256_recomputed())


def dev_keys() -> VenueEpochKeys:
    """INSECURE-DEV-SETUP keys of both tiers and the aggregate."""
    return VenueEpochKeys({s: dev_setup(venue_batch_circuit(s).to_r1cs(), quiet=True)
                           for s in (NARROW, WIDE)},
                          dev_setup(venue_aggregate_circuit(EPOCH_SHAPE).to_r1cs(), quiet=True))


def build_venue_epoch(keys: VenueEpochKeys, reveal_totals: bool = False) -> Built:
    """The proved epoch and its bundle files (module docstring)."""
    batches = [wv.build_venue_batch(s, TABLES, [h.account() for h in hs]) for s, hs in BATCHES]
    reserves = list(universe_vector([a.reserves for a in ASSETS], NARROW.a_max))
    w = wa.build_venue_epoch(EPOCH_SHAPE, EPOCH, TABLES, batches, reserves, salt=SALT,
                             reveal_totals=reveal_totals)
    records = {h.id: (VenueRecord(EPOCH, n, u, s.p, h.positions, h.balances,
                                  tuple(tree_path(poseidon, batches[n].leaves, u))), h)
               for n, (s, hs) in enumerate(BATCHES) for u, h in enumerate(hs)}
    vks = {f"batch_p{s.p}": vk_sha256(pk.verifying_key()) for s, pk in keys.batch.items()}
    vks["aggregate"] = vk_sha256(keys.aggregate.verifying_key())
    header = _header(w, records, vks)
    proofs = prove_venue_epoch(dataclasses.replace(w, header_digest=header.header_digest), keys)
    files: dict = {"header.json": header.to_json()}
    for s, pk in keys.batch.items():
        files[f"keys/batch_p{s.p}.vk.json"] = vk_bytes(pk.verifying_key())
    files["keys/aggregate.vk.json"] = vk_bytes(keys.aggregate.verifying_key())
    for n, b in enumerate(proofs.batches):
        files[f"proofs/batch_{n:04d}.json"] = {"proof": dump_proof(b.proof),
                                                "public": dump_public(list(b.public))}
    files["proofs/aggregate.json"] = {"proof": dump_proof(proofs.aggregate),
                                      "public": dump_public(list(proofs.aggregate_public))}
    size = record_bytes(WIDE)
    for rec, h in records.values():
        rel, blob = inclusion_file.seal(rec, h.id, h.nonce, size)
        files[rel] = blob
    for _ in range(EPOCH_SHAPE.n_batches * NARROW.capacity - len(records)):
        rel, blob = inclusion_file.seal_padding(EPOCH, size)
        files[rel] = blob
    return Built(files, header, records)


@pytest.fixture(scope="module")
def keys() -> VenueEpochKeys:
    return dev_keys()


@pytest.fixture(scope="module")
def built(keys) -> Built:
    return build_venue_epoch(keys)


@pytest.fixture(scope="module")
def honest(built, tmp_path_factory) -> Path:
    return write_bundle(tmp_path_factory.mktemp("venue") / "bundle", built.files)


def write(tmp_path: Path, built: Built, **changed) -> Path:
    """The honest bundle with some files replaced (``rel=content``, ``None`` removes), the
    manifest re-signed (the prover controls it)."""
    files = dict(built.files)
    for rel, content in changed.items():
        if content is None:
            files.pop(rel)
        else:
            files[rel] = content
    return write_bundle(tmp_path / "b", files)


def relabel(tmp_path: Path, built: Built, edit: Callable[[VenueHeader], VenueHeader]) -> Path:
    """A consistent liar: the header edited, its derived values, risk table SHA-256 and
    published digest recomputed, so the header parses and its own digests hold."""
    h = edit(parse_venue_header(json.loads(json.dumps(built.files["header.json"])), "header.json"))
    h = dataclasses.replace(h, source_digest=None, published_digest=None)
    h = dataclasses.replace(h, risk_table_sha256=h.risk_table_sha256_recomputed())
    return write(tmp_path, built, **{"header.json": h.to_json()})


def regamma(h: VenueHeader) -> VenueHeader:
    """``h`` with the gamma its public values hash to."""
    pub = h.public()
    return dataclasses.replace(h, gamma=rlc_challenge(
        poseidon, h.epoch, table_hash(pub.tables), open_interest_hash(pub.open_interest),
        h.totals_commitment, [e.root for e in h.batches]))


def failed(path: Path, **kw) -> list[str]:
    kw.setdefault("allow_dev", True)
    return verify_venue_bundle(str(path), **kw).failed()


# -- completeness ------------------------------------------------------------------------------

def test_honest_bundle_verifies(honest, built):
    r = verify_venue_bundle(str(honest), allow_dev=True, protocol_accounts=[VAULT.id],
                            vk_sha256=built.header.vk_sha256)
    assert r.ok, r.failed()
    names = [c.name for c in r.checks]
    for name in ("manifest digests", "oracle snapshot age", "header digest", "risk table SHA-256",
                 "protocol account vault included", "protocol account vault named",
                 "batch_p2 key is the ceremony's", "batch_p4 key is the ceremony's",
                 "aggregate key is the ceremony's", "gamma", "batch_0 public inputs",
                 "batch_1 public inputs", NARROW_PROOFS, WIDE_PROOFS, "aggregate proof",
                 "inclusion files"):
        assert name in names, name
    out = r.to_json()
    assert out["valid"] and out["totals"] == "hidden"
    assert out["open_interest"] == {INSTRUMENTS[0]: "5", INSTRUMENTS[1]: "1", INSTRUMENTS[2]: "2"}


def test_revealed_totals(keys, tmp_path):
    """An epoch that reveals its totals verifies and reports them; totals edited in the header
    (the commitment left as proved) do not open the commitment, and the aggregate refuses them."""
    revealed = build_venue_epoch(keys, reveal_totals=True)
    r = verify_venue_bundle(str(write(tmp_path / "ok", revealed)), allow_dev=True)
    assert r.ok, r.failed()
    assert r.totals() == {"USDC": str(2 * 10**4), "ETH": str(10_480)}
    assert r.loans() == {"USDC": "0", "ETH": "20"}
    assert "revealed totals covered by reserves" in [c.name for c in r.checks]
    bad = failed(relabel(tmp_path / "bad", revealed,
                         lambda h: dataclasses.replace(h, totals=[2 * 10**4, 10_000])))
    assert bad == ["revealed totals open the totals commitment"]
    bad = failed(relabel(tmp_path / "loans", revealed, lambda h: dataclasses.replace(h, loans=[0, 0])))
    assert bad == ["revealed totals open the totals commitment"]


def test_verify_any_dispatches_on_the_header_format(honest):
    r = verify_any(honest, allow_dev=True)
    assert isinstance(r, VenueReport) and r.ok


def zkproof(capsys, *argv: str) -> tuple[int, str, str]:
    """``zkproof ARGV`` through ``cli.main.main`` (exit codes as a user sees them)."""
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_cli_verify_venue_bundle(honest, tmp_path, capsys):
    code, out, _ = zkproof(capsys, "verify", str(honest), "--allow-dev", "--protocol-account", VAULT.id)
    assert code == 0, out
    assert "VALID" in out and "tiers P=[2, 4]" in out and "ETH-PERP 5" in out
    code, out, _ = zkproof(capsys, "verify", str(honest), "--allow-dev", "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    code, _, err = zkproof(capsys, "verify", str(honest), "--allow-dev", "--html", str(tmp_path / "r.html"))
    assert code == 2 and err == "zkproof: <options>: html: not yet for venue bundles\n"
    code, out, _ = zkproof(capsys, "verify", str(honest), "--allow-dev", "--protocol-account", "insurance")
    assert code == 1 and "[FAIL] protocol account insurance named" in out and "INVALID" in out


# -- the header ---------------------------------------------------------------------------------

def test_header_field_edited_without_its_digest(tmp_path, built):
    """An instrument renamed in header.json as published: the published digest no longer is the
    file's, the risk table SHA-256 no longer is the table's, and the aggregate proof was made
    for the file's true digest."""
    obj = json.loads(json.dumps(built.files["header.json"]))
    obj["instruments"][0] = "BTC-PERP|perpetual|BTC||||3"
    bad = failed(write(tmp_path, built, **{"header.json": obj}))
    assert {"header digest", "risk table SHA-256", "aggregate public inputs", "aggregate proof"} <= set(bad)


@pytest.mark.parametrize("what, edit", [
    ("instrument name", lambda h: dataclasses.replace(
        h, instruments=["BTC-PERP|perpetual|BTC||||3", *h.instruments[1:]])),
    ("asset symbol", lambda h: dataclasses.replace(
        h, assets=[Asset("USDT", 6, h.assets[0].reserves), *h.assets[1:]])),
    ("scenario label", lambda h: dataclasses.replace(h, scenarios=["mark", "up", "down"])),
])
def test_header_relabelled_consistently(tmp_path, built, what, edit):
    """Names no circuit reads, relabelled by a consistent liar (digests recomputed): bound by
    the aggregate's public ``header_digest``."""
    bad = failed(relabel(tmp_path, built, edit))
    assert "header digest" not in bad and "risk table SHA-256" not in bad
    assert bad == ["aggregate public inputs", "aggregate proof"], what


def test_batch_tier_relabelled(tmp_path, built):
    """The wide batch claimed as narrow: its proof is checked against the narrow tier's key and
    shape digest (and the header digest changed)."""
    bad = failed(relabel(tmp_path, built, lambda h: dataclasses.replace(
        h, batches=[h.batches[0], dataclasses.replace(h.batches[1], tier=NARROW.p)])))
    assert {"batch_1 public inputs", NARROW_PROOFS, "aggregate proof"} <= set(bad)


@pytest.mark.parametrize("change, broken", [
    ({"i_max": 32}, {f"batch key {tier_label(dataclasses.replace(NARROW, i_max=32))} shape"}),
    ({"a_max": 16}, {f"batch key {tier_label(dataclasses.replace(NARROW, a_max=16))} shape"}),
    ({"table_bits": 41}, {"batch_0 public inputs", "aggregate public inputs", NARROW_PROOFS,
                          "aggregate proof"}),
])
def test_shape_relabelled(tmp_path, built, change, broken):
    """Universe capacities or the table width relabelled (gamma recomputed to match): the keys
    take another number of inputs, or the shape digests (circuit constants) differ."""
    def edit(h):
        return regamma(dataclasses.replace(h, shape=VenueEpochShape(
            dataclasses.replace(h.shape.batch, **change), h.shape.n_batches)))

    assert broken <= set(failed(relabel(tmp_path, built, edit)))


def test_open_interest_lowered_as_if_a_netting_set_were_dropped(tmp_path, built):
    """The header publishes less open interest in ETH-PERP (gamma recomputed to match): the
    epoch's longs are not the published ones, so no proof verifies against this header."""
    def edit(h):
        return regamma(dataclasses.replace(h, open_interest=[h.open_interest[0] - 5, *h.open_interest[1:]]))

    bad = failed(relabel(tmp_path, built, edit))
    assert "gamma" not in bad
    assert {"batch_0 public inputs", NARROW_PROOFS, WIDE_PROOFS, "aggregate proof"} <= set(bad)


def test_protocol_account_left_out(tmp_path, built, honest):
    """The vault dropped from the header's protocol accounts: the auditor naming it sees it
    missing (and the header digest is not the proven one)."""
    path = relabel(tmp_path, built, lambda h: dataclasses.replace(h, protocol_accounts=[]))
    bad = failed(path, protocol_accounts=[VAULT.id])
    assert {"protocol account vault named", "aggregate proof"} <= set(bad)
    assert failed(honest, protocol_accounts=[VAULT.id, "insurance"]) == ["protocol account insurance named"]


def test_protocol_account_record_does_not_reach_its_root(tmp_path, built):
    """The vault's record in the header shows another balance: it does not climb to its batch's root."""
    def edit(h):
        acc = h.protocol_accounts[0]
        rec = dataclasses.replace(acc.record, balances=((2, 1),))
        return dataclasses.replace(h, protocol_accounts=[dataclasses.replace(acc, record=rec)])

    bad = failed(relabel(tmp_path, built, edit), protocol_accounts=[VAULT.id])
    assert {"protocol account vault included", "aggregate proof"} <= set(bad)
    assert "protocol account vault named" not in bad


# -- keys and proofs ----------------------------------------------------------------------------

def test_key_swapped(tmp_path, built):
    """The narrow tier's key file replaced by the wide tier's: the header's pin refuses it (as a
    pin changed alone refuses the right file); with the pin changed too, the ceremony's digest
    (--vk-sha256) refuses it, and without it the narrow proofs do not verify under that key."""
    wide = built.files["keys/batch_p4.vk.json"]
    assert failed(write(tmp_path / "1", built, **{"keys/batch_p2.vk.json": wide})) == \
        ["batch_p2 key pinned by header"]
    repinned = relabel(tmp_path / "pin", built, lambda h: dataclasses.replace(
        h, vk_sha256={**h.vk_sha256, "aggregate": "00" * 32}))
    assert failed(repinned) == ["aggregate key pinned by header"]
    true_pin = built.header.vk_sha256["batch_p2"]
    path = relabel(tmp_path / "2", built, lambda h: dataclasses.replace(
        h, vk_sha256={**h.vk_sha256, "batch_p2": h.vk_sha256["batch_p4"]}))
    swapped = write_bundle(tmp_path / "3", {**_files(path), "keys/batch_p2.vk.json": wide})
    assert "batch_p2 key is the ceremony's" in failed(swapped, vk_sha256={"batch_p2": true_pin})
    assert {NARROW_PROOFS, "aggregate proof"} <= set(failed(swapped))


def _files(path: Path) -> dict:
    """Every file of a written bundle but its manifest, as bytes."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*")
            if p.is_file() and p.name != "manifest.json"}


def test_batch_proof_files_swapped(tmp_path, built):
    bad = failed(write(tmp_path, built, **{"proofs/batch_0000.json": built.files["proofs/batch_0001.json"],
                                           "proofs/batch_0001.json": built.files["proofs/batch_0000.json"]}))
    assert {"batch_0 public inputs", "batch_1 public inputs", NARROW_PROOFS, WIDE_PROOFS} <= set(bad)
    assert "aggregate proof" not in bad


def test_batch_proof_missing(tmp_path, built):
    assert failed(write(tmp_path, built, **{"proofs/batch_0001.json": None})) == ["batch proofs present"]


def test_inclusion_file_missing(tmp_path, built):
    """One slot's sealed file removed: the count shows it (every slot has one, so the files
    tell nothing of how many accounts there are)."""
    rel = next(r for r in built.files if r.startswith("inclusion/"))
    assert failed(write(tmp_path, built, **{rel: None})) == ["inclusion files"]


def test_ceremony_digests_anchor_the_keys(honest, built):
    """--vk-sha256 per key: a wrong digest fails naming the key; a key name the epoch does not
    use is a failed check; a dense key name is a malformed option."""
    wrong = {**built.header.vk_sha256, "batch_p4": "00" * 32}
    assert failed(honest, vk_sha256=wrong) == ["batch_p4 key is the ceremony's"]
    assert failed(honest, vk_sha256={"batch_p8": "00" * 32}) == ["ceremony keys are this epoch's"]
    with pytest.raises(InputError, match="vk-sha256"):
        verify_venue_bundle(str(honest), vk_sha256={"batch": "00" * 32})


def test_dev_keys_refused_without_allow_dev(honest):
    assert failed(honest, allow_dev=False) == [
        "keys from a real ceremony (header)", f"batch key {tier_label(NARROW)} from a real ceremony",
        f"batch key {tier_label(WIDE)} from a real ceremony", "aggregate key from a real ceremony"]


def test_stale_snapshot(honest):
    assert failed(honest, max_snapshot_age=5) == ["oracle snapshot age"]
    assert failed(honest, max_snapshot_age=10) == []


def test_bad_input_is_an_input_error(tmp_path, built, honest):
    with pytest.raises(InputError, match="proof"):
        verify_venue_bundle(str(write(tmp_path, built, **{"proofs/batch_0000.json": {"proof": 1}})),
                            allow_dev=True)


# -- a holder's check ---------------------------------------------------------------------------

def holder(path: Path | None, h: Holder, nonce: bytes | None = None, **kw):
    kw.setdefault("allow_dev", True)
    return verify_inclusion(str(path) if path is not None else None, h.id,
                            h.nonce if nonce is None else nonce, **kw)


def test_holder_sees_positions_and_balances_by_name(honest, built):
    r = holder(honest, MAKER)
    assert r.ok, r.failed()
    assert r.positions == {INSTRUMENTS[0]: -5, INSTRUMENTS[1]: 1, INSTRUMENTS[2]: 2}
    assert r.balances == {"USDC": 10**4, "ETH": -20}
    assert (r.batch, r.root) == (1, built.header.batches[1].root)
    assert r.unchecked == [VENUE_BATCH_PROOFS_UNCHECKED]
    names = [c.name for c in r.checks]
    assert "aggregate proof" in names and not any(n.startswith("batch proofs") for n in names)
    assert names[-3:] == ["record for this id and nonce", "record is for this epoch",
                          "path to the proven root"]
    full = holder(honest, USER, full=True)
    assert full.ok and full.unchecked == [] and NARROW_PROOFS in [c.name for c in full.checks]
    assert full.balances == {"USDC": 10**4, "ETH": 500}


def test_cli_inclusion_verify_venue(honest, capsys):
    code, out, _ = zkproof(capsys, "inclusion", "verify", str(honest), "--id", MAKER.id,
                           "--nonce", MAKER.nonce.hex(), "--allow-dev")
    assert code == 0, out
    assert "position ETH-PERP: -5 (-0.005 contracts)" in out
    assert "balance USDC: 10000 (0.010000 USDC)" in out
    assert "balance ETH: -20 (-0.000000000000000020 ETH, a loan)" in out
    assert "[NOT CHECKED]" in out and "INCLUDED" in out
    code, out, _ = zkproof(capsys, "inclusion", "verify", str(honest), "--id", MAKER.id,
                           "--nonce", USER.nonce.hex(), "--allow-dev")
    assert code == 1 and "NOT VERIFIED: record for this id and nonce" in out


def test_wrong_nonce_or_someone_elses_id_is_not_verified(honest):
    assert holder(honest, MAKER, nonce=bytes(32)).failed() == ["record for this id and nonce"]
    other = dataclasses.replace(USER, nonce=MAKER.nonce)
    assert holder(honest, other).failed() == ["record for this id and nonce"]
    # the maker's own file, opened with the user's id: it does not open
    rel = f"inclusion/{inclusion_file.locator(EPOCH, MAKER.id, MAKER.nonce)}.bin"
    r = holder(None, USER, files=_holder_files(honest, record=honest / rel))
    assert r.failed() == ["record for this id and nonce"]


def _holder_files(path: Path, record: Path):
    from zkproof.verifier.inclusion import HolderFiles

    return HolderFiles(None, path / "header.json", path / "proofs/aggregate.json",
                       path / "keys/aggregate.vk.json", record)


@pytest.mark.parametrize("change", [
    {"balances": ((1, 10**4 + 1),)},
    {"positions": ((1, -5), (2, 1), (3, 1))},
    {"index": 1},
    {"tier": NARROW.p, "positions": ((1, -5), (2, 1))},
])
def test_tampered_record_is_not_verified(tmp_path, built, change):
    """The protocol knows the holder's id and nonce, so it can seal any record for them: one
    that is not the proven leaf does not climb to the batch's root."""
    rec, h = built.records[MAKER.id]
    rel, blob = inclusion_file.seal(dataclasses.replace(rec, **change), h.id, h.nonce, record_bytes(WIDE))
    r = holder(write(tmp_path, built, **{rel: blob}), MAKER)
    assert r.failed() == ["path to the proven root"]
