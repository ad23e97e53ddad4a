"""``zkproof inclusion verify`` checks what it claims (ATTACKS B11, B14) and the epoch's oracle
snapshot age (A20): a holder's check runs from the header, the aggregate proof and key and
their own sealed record, verifies the aggregate proof against the header, walks the path to the
proven root, and names what it did not check. Each attack below exits 1 naming the failed
check; its honest twin passes. Dev keys at the tiny shape of tests/test_epoch_e2e.py."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil

import pytest

from tests.test_epoch_e2e import ACCOUNTS, RESERVES, SHAPE, TABLE, rewrite
from zkproof import statement as stm
from zkproof.curve.bn254 import P
from zkproof.formats import inclusion_file
from zkproof.formats.epoch_header import parse_header
from zkproof.groth16.setup import dev_setup
from zkproof.hash.merkle_sum_proof import InclusionProof, SumNode, leaf_node, root_from_proof
from zkproof.prover.circuits import circuits_for
from zkproof.prover.epoch import EpochJob, EpochKeys, prove_epoch
from zkproof.verifier.bundle_check import verify_bundle
from zkproof.verifier.inclusion import BATCH_PROOFS_UNCHECKED, HolderFiles, verify_inclusion

pytestmark = pytest.mark.prove

EPOCH, T0 = 7, 1_700_000_000
HOLDER = ACCOUNTS[1]
TOP_DEPTH = SHAPE.n_batches.bit_length() - 1
RECORD_SIZE = inclusion_file.record_bytes(SHAPE.n_assets, SHAPE.n_instruments, SHAPE.depth + TOP_DEPTH)


@pytest.fixture(scope="module")
def keys():
    c = circuits_for(SHAPE)
    return EpochKeys(dev_setup(c.batch.to_r1cs(), quiet=True), dev_setup(c.aggregate.to_r1cs(), quiet=True))


def _job(timestamp: int = T0) -> EpochJob:
    return EpochJob(SHAPE, EPOCH, timestamp, ACCOUNTS, TABLE, RESERVES, [("USDC", 6), ("ETH", 9)])


@pytest.fixture(scope="module")
def bundle(keys, tmp_path_factory):
    d = tmp_path_factory.mktemp("holder")
    return prove_epoch(_job(), keys, d / "bundle", work_dir=d / "work", progress=False)


@pytest.fixture
def dst(bundle, tmp_path):
    out = tmp_path / "b"
    shutil.copytree(bundle, out)
    return out


def check(dst, user=HOLDER, nonce=None, **kw):
    kw.setdefault("allow_dev", True)
    return verify_inclusion(str(dst) if dst is not None else None, user.id,
                            user.nonce if nonce is None else nonce, **kw)


def failed(report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


def record_rel(epoch: int = EPOCH, user=HOLDER) -> str:
    return f"inclusion/{inclusion_file.locator(epoch, user.id, user.nonce)}.bin"


def open_record(dst) -> dict:
    rel = record_rel()
    return inclusion_file.open_sealed((dst / rel).read_bytes(), EPOCH, HOLDER.id, HOLDER.nonce, rel)


def seal_json(rec: dict, user_id: str, nonce: bytes, size: int) -> tuple[str, bytes]:
    """Seal a record given as its JSON (the protocol knows the holder's id and nonce, so it can
    seal anything for them)."""
    nodes = [[(int(n["hash"]), [int(s) for s in n["sums"]]) for n in rec[k]] for k in ("path", "top_path")]
    r = inclusion_file.InclusionRecord(rec["epoch"], rec["batch"], rec["index"],
                                       [int(x) for x in rec["balances"]],
                                       [int(x) for x in rec["positions"]], *nodes)
    return inclusion_file.seal(r, user_id, nonce, size)


def reseal(dst, rec: dict) -> None:
    """``rec`` sealed as the holder's record in bundle ``dst``, the manifest re-signed."""
    rel, blob = seal_json(rec, HOLDER.id, HOLDER.nonce, RECORD_SIZE)
    (dst / rel).write_bytes(blob)
    m = json.loads((dst / "manifest.json").read_text())
    m["files"][rel] = hashlib.sha256(blob).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(m))


def test_holder_happy_path_names_what_was_checked_and_not(bundle):
    """The honest holder: every check holds, the report carries the root, epoch and snapshot
    time, the balances and positions by asset symbol and instrument, and says the batch
    proofs were NOT checked; --full runs them (then nothing is left but the chain)."""
    r = check(bundle)
    assert r.ok, failed(r)
    names = [c.name for c in r.checks]
    assert {"oracle snapshot age", "aggregate key pinned by header", "aggregate key from a real ceremony",
            "aggregate key shape", "proofs/aggregate.json proof"} <= set(names)
    assert names[-3:] == ["record for this id and nonce", "record is for this epoch",
                          "path to the proven root"]
    assert not any(n.startswith("proofs/batch_") for n in names)  # not checked: said below
    assert r.unchecked == [BATCH_PROOFS_UNCHECKED]
    assert r.balances == {"USDC": HOLDER.balances[0], "ETH": HOLDER.balances[1]}
    assert r.positions == dict(zip(TABLE.instruments, HOLDER.positions))
    header = parse_header(json.loads((bundle / "header.json").read_text()), "header.json")
    out = r.to_json()
    assert (out["included"], out["root"], out["epoch"], out["snapshot_time"]) == \
        (True, str(header.root), EPOCH, TABLE.snapshot_time)
    full = check(bundle, full=True)
    assert full.ok and full.unchecked == []
    assert {"proofs/batch_0000.json proof", "proofs/batch_0001.json proof"} <= {c.name for c in full.checks}


def test_holder_needs_only_four_files(bundle, tmp_path):
    """No bundle folder: the header, the aggregate proof and key and the holder's record, each
    from anywhere. Twins: a given file that does not exist is malformed input (exit 2); no
    record is a failed check; no key, an error naming the option."""
    d = tmp_path / "mine"
    d.mkdir()
    for rel, name in (("header.json", "h.json"), ("proofs/aggregate.json", "p.json"),
                      ("keys/aggregate.vk.json", "vk.json"), (record_rel(), "me.bin")):
        shutil.copy(bundle / rel, d / name)
    files = HolderFiles(None, d / "h.json", d / "p.json", d / "vk.json", d / "me.bin")
    r = check(None, files=files)
    assert r.ok, failed(r)
    from zkproof.errors import InputError

    with pytest.raises(InputError, match="not found"):
        check(None, files=dataclasses.replace(files, record=d / "nobody.bin"))
    r = check(None, files=dataclasses.replace(files, record=None))
    assert failed(r) == {"record for this id and nonce": "no record given (--record FILE)"}
    with pytest.raises(InputError, match="--aggregate-vk"):
        check(None, files=dataclasses.replace(files, aggregate_vk=None))


def one_holder_root(shape, user_id: str, nonce: bytes, rec: dict) -> int:
    """The root of a tree holding only this holder's leaf (``rec``'s balances, positions,
    batch and slot) with every other node empty: what a fake-root header would publish."""
    leaf = leaf_node(stm.id_hash(user_id, nonce), [int(x) for x in rec["balances"]],
                     [int(x) for x in rec["positions"]])
    top_depth = shape.n_batches.bit_length() - 1
    zero = SumNode(0, (0,) * shape.n_assets)
    bits = tuple((rec["index"] >> j) & 1 for j in range(shape.depth))
    batch_root = root_from_proof(InclusionProof(rec["index"], leaf, bits, (zero,) * shape.depth),
                                 stm.BALANCE_BITS + shape.depth)
    tbits = tuple((rec["batch"] >> j) & 1 for j in range(top_depth))
    return root_from_proof(InclusionProof(rec["batch"], batch_root, tbits, (zero,) * top_depth),
                           shape.reserve_bits).hash


def empty_path(rec: dict, n_assets: int) -> dict:
    """``rec`` with every sibling of both paths an empty node (hash 0, sums 0)."""
    empty = {"hash": "0", "sums": ["0"] * n_assets}
    return {**rec, "path": [empty] * len(rec["path"]), "top_path": [empty] * len(rec["top_path"])}


def _fake_root_header(dst) -> int:
    """The fake-root forgery: the holder's record re-sealed with a path through a tree that
    holds only them, and the header's root replaced by that tree's root (manifest re-signed).
    Returns the fake root."""
    rec = empty_path(open_record(dst), SHAPE.n_assets)
    reseal(dst, rec)
    root = one_holder_root(SHAPE, HOLDER.id, HOLDER.nonce, rec)
    rewrite(dst, "header.json", lambda h: h.update(root=str(root)))
    return root


def test_fake_root_one_holder_tree_is_not_included(dst):
    """B14: a header whose root is a fake one-holder tree. The path walk alone holds (the old
    check printed INCLUDED and exited 0); the aggregate proof's root is another: the named
    statement check fails, as does ``zkproof verify``."""
    root = _fake_root_header(dst)
    r = check(dst)
    assert not r.ok
    assert [c.ok for c in r.checks if c.name == "path to the proven root"] == [True]  # the walk holds
    assert failed(r) == {"proofs/aggregate.json statement": "public[2] (root) differs from the header"}
    assert r.to_json()["root"] == str(root)
    assert not verify_bundle(str(dst), allow_dev=True).ok


def test_fake_root_with_forged_public_inputs_fails_the_pairing(dst):
    """B14, the forger also rewrites the aggregate proof's public inputs to the fake header's:
    the statement matches, the pairing does not."""
    _fake_root_header(dst)
    h = parse_header(json.loads((dst / "header.json").read_text()), "header.json")
    rewrite(dst, "proofs/aggregate.json", lambda o: o.update(public=[str(x) for x in h.aggregate_public()]))
    r = check(dst)
    assert failed(r) == {"proofs/aggregate.json proof": "pairing check failed"}


def test_tampered_aggregate_proof_fails(dst):
    """The aggregate proof's A negated (still a valid curve point): the pairing fails, named."""
    def negate_a(o):
        o["proof"]["pi_a"][1] = str(P - int(o["proof"]["pi_a"][1]))
    rewrite(dst, "proofs/aggregate.json", negate_a)
    r = check(dst)
    assert failed(r) == {"proofs/aggregate.json proof": "pairing check failed"}


def test_tampered_path_fails(dst):
    """B11b: a sibling's sums raised (max attack) or its hash changed in the holder's record,
    re-sealed with their key: the recomputed root differs from the proven one."""
    rec = open_record(dst)
    for mutate in (lambda n: n.update(sums=[str(int(s) + 1) for s in n["sums"]]),
                   lambda n: n.update(hash=str(int(n["hash"]) ^ 1))):
        bad = json.loads(json.dumps(rec))
        mutate(bad["path"][0])
        reseal(dst, bad)
        r = check(dst)
        assert list(failed(r)) == ["path to the proven root"], failed(r)
        assert "differs from the header's root" in failed(r)["path to the proven root"]
    reseal(dst, rec)
    assert check(dst).ok


def test_wrong_nonce_fails(dst):
    """B11a: a wrong nonce finds no record in the folder, and cannot open the holder's own
    record when given explicitly."""
    wrong = bytes([9]) * 32
    r = check(dst, nonce=wrong)
    assert list(failed(r)) == ["record for this id and nonce"]
    assert "not in epoch 7" in failed(r)["record for this id and nonce"]
    r = check(dst, nonce=wrong, files=HolderFiles(record=dst / record_rel()))
    assert list(failed(r)) == ["record for this id and nonce"]
    assert "cannot be opened for epoch 7" in failed(r)["record for this id and nonce"]


def test_record_from_another_epoch_fails(dst, tmp_path):
    """A record sealed for epoch 8 given against epoch 7's header does not open; one sealed
    under epoch 7's key but saying epoch 8 is refused by name. Twin: the same record sealed
    for epoch 7 verifies."""
    rec = open_record(dst)
    other = tmp_path / "e8.bin"
    _, blob = inclusion_file.seal(inclusion_file.InclusionRecord(
        8, rec["batch"], rec["index"], list(HOLDER.balances), list(HOLDER.positions),
        [(int(n["hash"]), [int(s) for s in n["sums"]]) for n in rec["path"]],
        [(int(n["hash"]), [int(s) for s in n["sums"]]) for n in rec["top_path"]]),
        HOLDER.id, HOLDER.nonce, RECORD_SIZE)
    other.write_bytes(blob)
    r = check(dst, files=HolderFiles(record=other))
    assert list(failed(r)) == ["record for this id and nonce"]
    relabelled = tmp_path / "says8.bin"
    text = json.dumps({**rec, "epoch": 8}, separators=(",", ":")).encode().ljust(RECORD_SIZE)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    loc = inclusion_file.locator(EPOCH, HOLDER.id, HOLDER.nonce)
    key = inclusion_file._key(EPOCH, HOLDER.id, HOLDER.nonce)
    relabelled.write_bytes(AESGCM(key).encrypt(bytes.fromhex(loc)[:12], text,
                                               EPOCH.to_bytes(8, "big") + bytes.fromhex(loc)))
    r = check(dst, files=HolderFiles(record=relabelled))
    assert failed(r) == {"record is for this epoch": "epoch 8, the header's is 7"}
    assert check(dst, files=HolderFiles(record=dst / record_rel())).ok


def test_aggregate_key_anchor(bundle):
    """``--vk-sha256 aggregate=HEX``: the ceremony's digest anchors the key; a wrong one fails
    by name; unanchored, the report notes the digest to compare."""
    digest = hashlib.sha256((bundle / "keys" / "aggregate.vk.json").read_bytes()).hexdigest()
    r = check(bundle, trusted_vk_sha256={"aggregate": digest})
    assert r.ok and "aggregate key is the ceremony's" in [c.name for c in r.checks]
    assert not any("pinned only by" in n for n in r.notes)
    r = check(bundle, trusted_vk_sha256={"aggregate": "0" * 64})
    assert list(failed(r)) == ["aggregate key is the ceremony's"]
    assert any("pinned only by" in n for n in check(bundle).notes)
    assert not check(bundle, allow_dev=False).ok  # dev keys refused by default, as by verify


# --- A20: the oracle snapshot's age ------------------------------------------------------------

def test_stale_snapshot_epoch_proves_but_fails_verify(keys, tmp_path):
    """A20 reproduction: an epoch stamped a year after its oracle snapshot. Every proof is
    valid (the prover API does not refuse it; `zkproof prove` does, tests/test_cli_epoch.py),
    and the verifier names the failed age check; inclusion verify too. Twin: a bound of a
    year accepts it."""
    year = 365 * 86400
    out = prove_epoch(_job(T0 + year), keys, tmp_path / "stale", work_dir=tmp_path / "w", progress=False)
    rep = verify_bundle(str(out), allow_dev=True)
    assert failed(rep) == {"oracle snapshot age": f"the oracle snapshot is {year} s older than the "
                           "epoch timestamp (max 3600 s)"}
    assert all(c.ok for c in rep.checks if c.name.endswith(" proof"))
    assert list(failed(check(out))) == ["oracle snapshot age"]
    assert verify_bundle(str(out), allow_dev=True, max_snapshot_age=year).ok


@pytest.mark.parametrize("delta,message", [(-3601, "older than the epoch timestamp"),
                                           (1, "s after the epoch timestamp")])
def test_stale_snapshot_time_in_header_is_checked(dst, delta, message):
    """A20: the header's snapshot_time moved an hour and a second before the epoch, or a
    second after it (manifest re-signed): ``verify`` and ``inclusion verify`` name the check."""
    rewrite(dst, "header.json", lambda h: h["risk_table"].update(snapshot_time=h["timestamp"] + delta))
    for rep in (verify_bundle(str(dst), allow_dev=True), check(dst)):
        assert message in failed(rep)["oracle snapshot age"]
