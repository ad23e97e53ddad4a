"""``zkproof setup`` on a venue snapshot: the key shape from ``[venue]`` and the risk table, one
batch circuit per tier and the aggregate, dev keys, and the refusals before any work (too many
accounts for the slots, an account over the widest tier, a bad capacity).

The venue: ``generate_venue`` with one underlying, one expiry, one strike (10 instruments, 26
assets), universes ``I_max = 16``, ``A_max = 32``, ``P = 4``, ``B = 8``, wide tier ``P = 8``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from zkproof import pipeline
from zkproof.errors import InputError
from zkproof.examples_gen import generate_venue, write_files
from zkproof.formats.r1cs_file import read_r1cs
from zkproof.formats.zkey_file import read_zkey
from zkproof.margin.risk_table import TABLE_BITS
from zkproof.prover.circuits import venue_aggregate_circuit, venue_batch_circuit
from zkproof.prover.venue_keys import load_key_shape
from zkproof.snapshot.params import VenueParams

CAPS = VenueParams(i_max=16, a_max=32, p=4, b=8, wide_p=8, borrow_haircut=Decimal("0.05"))


def venue_dir(tmp: Path, caps: VenueParams = CAPS, extra: list[dict] = ()) -> Path:
    files = generate_venue(seed=11, n_users=6, n_underlyings=1, n_expiries=1, n_strikes=1,
                           n_market_makers=1, venue=caps)
    files["accounts.jsonl"] += "".join(json.dumps(a) + "\n" for a in extra)
    return write_files(tmp, files)


def zk(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zkproof.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("venue")
    inputs = venue_dir(d / "inputs")
    r = zk("setup", "--inputs", inputs, "--capacity", 4, "--batches", 4, "--dev", "--out", d / "keys")
    assert r.returncode == 0, r.stderr
    return d / "keys", r


def test_setup_writes_the_key_shape_and_one_circuit_per_tier(keys):
    """``venue_shape.json`` has the snapshot's universes, ``K`` from the table (16 scenarios of
    the span16 preset), ``TABLE_BITS``, the capacity and batches, tiers ``(p, wide_p)``; the
    r1cs files are those circuits, the dev keys theirs."""
    d, r = keys
    ks = load_key_shape(d)
    b = ks.epoch.batch
    assert ks.tiers == (4, 8) and ks.epoch.n_batches == 4
    assert (b.i_max, b.a_max, b.p, b.b, b.k, b.capacity, b.table_bits) == (16, 32, 4, 8, 16, 4, TABLE_BITS)
    assert {p.name for p in d.iterdir()} == {"venue_shape.json"} | {
        f"{n}{ext}" for n in ("batch_p4", "batch_p8", "aggregate")
        for ext in (".r1cs", ".names.json", "_final.zkey")}  # names: `zkproof wtns check`
    expected = {f"batch_p{s.p}": venue_batch_circuit(s).to_r1cs() for s in ks.tier_shapes()}
    expected["aggregate"] = venue_aggregate_circuit(ks.epoch).to_r1cs()
    for name, want in expected.items():
        got = read_r1cs(d / f"{name}.r1cs")
        assert (got.n_constraints, got.n_public, got.n_wires) == (want.n_constraints, want.n_public,
                                                                  want.n_wires)
        pk = read_zkey(d / f"{name}_final.zkey")
        assert len(pk.verifying_key().ic) == want.n_public + 1
        assert f"{name}.r1cs: {want.n_constraints} constraints" in r.stdout
    assert "venue shape: I_max 16, A_max 32, P 4/8, B 8, K 16; 4 batches x capacity 4" in r.stderr


def test_setup_one_tier_when_wide_p_equals_p(tmp_path):
    inputs = venue_dir(tmp_path / "inputs", VenueParams(16, 32, 8, 8, 8))
    r = zk("setup", "--inputs", inputs, "--capacity", 4, "--batches", 4, "--out", tmp_path / "keys")
    assert r.returncode == 0, r.stderr
    assert load_key_shape(tmp_path / "keys").tiers == (8,)
    assert {p.name for p in (tmp_path / "keys").iterdir()} == {
        "venue_shape.json", "batch_p8.r1cs", "batch_p8.names.json", "aggregate.r1cs", "aggregate.names.json"}


def test_setup_refuses_more_accounts_than_slots_before_building(tmp_path):
    """9 accounts (8 narrow, the vault wide) need 2 + 1 batches of 4: a shape of 2 is refused
    in one line (exit 2), and nothing is written."""
    inputs = venue_dir(tmp_path / "inputs")
    r = zk("setup", "--inputs", inputs, "--capacity", 4, "--batches", 2, "--out", tmp_path / "keys")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "need 3 batches of capacity 4; the shape has 2" in r.stderr
    assert not (tmp_path / "keys").exists()


def test_setup_refuses_an_account_over_the_widest_tier(tmp_path):
    ids = ["ETH-PERP", "ETH-20261127", "ETH-20261127-1500-C"] + [f"{u}-PERP" for u in (
        "BNB", "XRP", "DOGE", "LINK", "AVAX", "SUI")]
    over = {"id": "whale", "nonce": "ab" * 32, "balances": {"USDC": "1000000000000"},
            "positions": {i: "1" for i in ids}}
    inputs = venue_dir(tmp_path / "inputs", extra=[over])
    r = zk("setup", "--inputs", inputs, "--capacity", 4, "--batches", 8, "--out", tmp_path / "keys")
    assert r.returncode == 2 and "account 'whale': 9 positions, the widest tier holds 8" in r.stderr, r.stderr
    assert not (tmp_path / "keys").exists()


def test_setup_refuses_a_capacity_that_is_no_power_of_two(tmp_path):
    inputs = venue_dir(tmp_path / "inputs")
    r = zk("setup", "--inputs", inputs, "--capacity", 6, "--batches", 4, "--out", tmp_path / "keys")
    assert r.returncode == 2 and "capacity" in r.stderr and not (tmp_path / "keys").exists()


def test_batches_needed_per_tier():
    """Each tier fills whole batches: 5 narrow and 1 wide account at capacity 4 take 2 + 1."""
    from types import SimpleNamespace

    from zkproof.prover.venue_keys import VenueKeyShape
    from zkproof.venue import VenueEpochShape, VenueShape

    ks = VenueKeyShape(VenueEpochShape(VenueShape(i_max=16, a_max=4, p=2, b=2, k=1, capacity=4), 3), (2, 8))
    acc = lambda n: SimpleNamespace(id="a", line=1, positions=(1,) * n + (0,) * 3)  # noqa: E731
    assert pipeline.venue_batches_needed(ks, [acc(1)] * 5 + [acc(3)]) == 3
    with pytest.raises(InputError, match="need 4 batches"):
        pipeline.venue_batches_needed(ks, [acc(1)] * 5 + [acc(3)] * 5)


def test_setup_help_has_a_venue_example():
    r = zk("setup", "--help")
    assert r.returncode == 0 and "zkproof setup --inputs venue" in r.stdout and "[venue]" in r.stdout


@pytest.mark.prove
def test_venue_ceremony_keys_prove_and_verify_without_dev(tmp_path):
    """``demo.ceremony_venue``: phase 1 once, phase 2 (two contributions and a beacon) for each
    tier's batch circuit and the aggregate, files laid out as ``zkproof setup`` lays them; the
    published digests are the keys' and the keys prove a venue epoch (both tiers, a borrower)
    that verifies without ``allow_dev``."""
    from tests.test_venue_inputs import BORROWER, load, write_venue
    from zkproof.demo import ceremony_venue
    from zkproof.formats.snarkjs_json import vk_sha256
    from zkproof.prover.venue_epoch import prove_venue_epoch
    from zkproof.prover.venue_keys import VenueKeyShape, key_name, load_venue_keys
    from zkproof.venue import VenueEpochShape
    from zkproof.verifier.venue_check import verify_venue_epoch
    from zkproof.witness import venue as wv
    from zkproof.witness import venue_aggregate as wa
    from zkproof.witness.venue_inputs import venue_inputs

    vi = venue_inputs(*load(write_venue(tmp_path / "inputs", extra=[BORROWER])), 2)
    tiers = [(vi.shape, list(vi.accounts)), (vi.wide, list(vi.wide_accounts))]
    batches = [wv.build_venue_batch(s, vi.tables, accs[k:k + 2]) for s, accs in tiers
               for k in range(0, len(accs), 2)]
    ks = VenueKeyShape(VenueEpochShape(vi.shape, len(batches)), (vi.shape.p, vi.wide.p))
    digests = ceremony_venue(tmp_path / "keys", ks)
    assert load_key_shape(tmp_path / "keys") == ks
    assert set(digests) == {key_name(vi.shape), key_name(vi.wide), "aggregate"}
    keys = load_venue_keys(tmp_path / "keys", ks)
    for s in ks.tier_shapes():
        assert vk_sha256(keys.batch[s].verifying_key()) == digests[key_name(s)]
    assert vk_sha256(keys.aggregate.verifying_key()) == digests["aggregate"]
    liab = wa.epoch_totals(batches, "liab")
    w = wa.build_venue_epoch(ks.epoch, 1, vi.tables, batches, [max(x, 0) + 1 for x in liab], salt=0x77)
    proofs = prove_venue_epoch(w, keys)
    r = verify_venue_epoch(keys.verifying_keys(), proofs.public, proofs, allow_dev=False)
    assert not r.failed(), r.failed()
