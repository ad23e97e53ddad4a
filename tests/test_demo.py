"""``zkproof demo`` end to end at a small size: synthetic protocol, real two-party ceremony with
a beacon, proofs, and a bundle that ``zkproof verify`` accepts WITHOUT ``--allow-dev`` (the
keys come from a multi-party ceremony, not a dev setup). Twin: the same bundle with one batch
proof's public input changed is refused (exit 1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from zkproof.demo import run_demo

pytestmark = pytest.mark.prove


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert run_demo(out, n_users=2, capacity=2, n_batches=None) is True
    return out


def zk(*args):
    return subprocess.run([sys.executable, "-m", "zkproof.cli.main", *map(str, args)],
                          capture_output=True, text=True, timeout=900)


def test_demo_bundle_verifies_without_allow_dev(demo):
    r = zk("verify", demo / "bundle", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert rep["valid"] is True and all(c["ok"] for c in rep["checks"])
    shape = json.loads((demo / "keys" / "shape.json").read_text())
    assert (shape["capacity"], shape["n_batches"]) == (2, 2)  # 2 users + fund + vault
    r = zk("powersoftau", "verify", demo / "keys" / "pot_beacon.ptau")
    assert r.returncode == 0 and "Powers of tau OK" in r.stdout + r.stderr


def test_demo_bundle_tampered_is_refused(demo, tmp_path):
    import hashlib
    import shutil

    dst = tmp_path / "bundle"
    shutil.copytree(demo / "bundle", dst)
    rel = "proofs/batch_0000.json"
    obj = json.loads((dst / rel).read_text())
    obj["public"][1] = str(int(obj["public"][1]) + 1)  # the batch commitment
    (dst / rel).write_text(json.dumps(obj))
    m = json.loads((dst / "manifest.json").read_text())
    m["files"][rel] = hashlib.sha256((dst / rel).read_bytes()).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(m))
    r = zk("verify", dst)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL" in r.stdout + r.stderr


def test_demo_bundle_has_the_holders_page_and_report(demo, tmp_path):
    """The bundle carries verify.html (its data checked by `zkproof verify` above), and the HTML
    report summarises the demo's ceremony from its final zkeys: three contributions each
    (alice, bob, the beacon) and keys that are the bundle's."""
    assert (demo / "bundle" / "verify.html").is_file()
    assert (demo / "bundle" / "page" / "bundle-data.js").is_file()
    r = zk("verify", demo / "bundle", "--html", tmp_path / "r.html",
           "--zkey", f"batch={demo / 'keys' / 'batch_final.zkey'}",
           "--zkey", f"aggregate={demo / 'keys' / 'aggregate_final.zkey'}")
    assert r.returncode == 0, r.stdout + r.stderr
    text = (tmp_path / "r.html").read_text()
    assert "verification page data matches the bundle" in text
    assert text.count("<span class=ok>matches</span>") == 2
    for kind, who in (("contribution", "alice"), ("contribution", "bob"), ("beacon", "beacon")):
        assert text.count(f"<td>{kind}</td><td>{who}</td>") == 2  # once per circuit


# -- the venue demo (the default `zkproof demo`) --------------------------------------------------

@pytest.fixture(scope="module")
def venue_demo(tmp_path_factory):
    from zkproof.demo import run_venue_demo

    out = tmp_path_factory.mktemp("venue_demo")
    assert run_venue_demo(out, n_users=4, n_batches=8) is True
    return out


def test_venue_demo_bundle_verifies_without_allow_dev(venue_demo):
    """The ceremony's keys (both tiers and the aggregate) are multi-party: `zkproof verify`
    accepts the venue bundle without --allow-dev, and the header names the demo's universes."""
    r = zk("verify", venue_demo / "bundle", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    rep = json.loads(r.stdout)
    assert rep["valid"] is True and all(c["ok"] for c in rep["checks"])
    header = json.loads((venue_demo / "bundle" / "header.json").read_text())
    assert header["format"] == "zkproof-venue-epoch/1" and header["tiers"] == [16, 32]
    assert (header["shape"]["i_max"], header["shape"]["a_max"]) == (128, 32)
    assert len(header["instruments"]) == 124 and len(header["assets"]) == 26


def test_venue_demo_tampered_batch_proof_is_refused(venue_demo, tmp_path):
    import hashlib
    import shutil

    dst = tmp_path / "bundle"
    shutil.copytree(venue_demo / "bundle", dst)
    rel = "proofs/batch_0000.json"
    obj = json.loads((dst / rel).read_text())
    obj["proof"]["pi_c"], obj["proof"]["pi_a"] = obj["proof"]["pi_a"], obj["proof"]["pi_c"]
    (dst / rel).write_text(json.dumps(obj))
    m = json.loads((dst / "manifest.json").read_text())
    m["files"][rel] = hashlib.sha256((dst / rel).read_bytes()).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(m))
    r = zk("verify", dst)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL" in r.stdout + r.stderr
