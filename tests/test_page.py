"""The account holders' verification page (zkproof.page), in a real headless Chromium.

A small proved bundle (dev keys, the tiny shape of tests/test_epoch_e2e.py) is published with
its page once per module, with a second epoch for replayed records. Each case opens
``verify.html?id=..&nonce=..`` from disk and reads the verdict the page writes into
``#verdict``; the same case goes to the Python verifier, and the two must agree (differential).
Attacks: a wrong nonce, a tampered header (root; timestamp; a relabelled field only the header
digest binds; root with the proof's public inputs to match), a stale oracle snapshot, a tampered
aggregate proof, a record from another epoch (re-sealed, or dropped), a dev key without consent.
The page must make no network request, and its CSP must stop one that a script tries. Under
node, ``src/format.js`` must compute what the Python side computes (aggregate public inputs with
the header digest, canonical header JSON, id hash, leaf, root) on the same files: a format
change on either side fails here instead of drifting.
"""

from __future__ import annotations

import http.server
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from tests.test_epoch_e2e import ACCOUNTS
from zkproof import page as holder_page
from zkproof import statement as stm
from zkproof.devtools import npm
from zkproof.errors import InputError
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats import inclusion_file, strict_json
from zkproof.formats.epoch_header import parse_header
from zkproof.formats.page_data import DATA_PATH
from zkproof.hash.merkle_sum_proof import leaf_node
from zkproof.verifier.bundle_check import verify_bundle
from zkproof.verifier.inclusion import verify_inclusion

pytestmark = [pytest.mark.browser, pytest.mark.prove]

USER = ACCOUNTS[0]
VERDICT = ("(t => t && /^(verified|not verified)/.test(t) && t)"
           "(document.getElementById('verdict')?.textContent)")


def locator_rel(epoch: int, user=USER) -> str:
    return f"inclusion/{inclusion_file.locator(epoch, user.id, user.nonce)}.bin"


def seal_under(epoch: int, plaintext: bytes, user=USER) -> bytes:
    """``plaintext`` sealed with ``user``'s key and locator of ``epoch`` (inclusion_file's AEAD)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    loc = bytes.fromhex(inclusion_file.locator(epoch, user.id, user.nonce))
    key = inclusion_file._key(epoch, user.id, user.nonce)
    return AESGCM(key).encrypt(loc[:12], plaintext, epoch.to_bytes(8, "big") + loc)


def rewrite(src: Path, dst: Path, edit) -> Path:
    """A copy of bundle ``src`` with ``edit(files)`` applied to its ``{rel: bytes}`` and a fresh,
    consistent manifest (the strongest tamperer: digests match), page data regenerated."""
    b = bundle_fmt.read_bundle(src)
    files = {rel: b.path(rel).read_bytes() for rel in b.digests}
    edit(files)
    files.update(holder_page.page_files(files))
    return bundle_fmt.write_bundle(dst, files)


def edit_json(files, rel, fn):
    obj = json.loads(files[rel])
    fn(obj)
    files[rel] = json.dumps(obj).encode()


def open_page(browser, bundle: Path, user_id: str, nonce: bytes, allow_dev=True, query=True, extra=""):
    q = f"?id={user_id}&nonce={nonce.hex()}" + ("&allow_dev=1" if allow_dev else "") + extra if query else ""
    tab = browser.tab((bundle / "verify.html").as_uri() + q)
    return tab


def verified_details(browser, bundle: Path, user_id: str, nonce: bytes) -> str:
    """The page's details text for an account whose verdict must be ``verified``."""
    tab = open_page(browser, bundle, user_id, nonce)
    try:
        assert tab.wait_for(VERDICT).startswith("verified")
        return tab.eval("document.getElementById('details').innerText")
    finally:
        tab.close()


def page_verdict(browser, bundle: Path, user_id: str, nonce: bytes, allow_dev=True, extra="") -> str:
    tab = open_page(browser, bundle, user_id, nonce, allow_dev, extra=extra)
    try:
        verdict = tab.wait_for(VERDICT, timeout=120)
        bad = [u for u in tab.requests() if not u.startswith(("file:", "blob:", "data:"))]
        assert bad == [], f"the page asked the network for {bad}"
        assert tab.console() == [], tab.console()
        return verdict
    finally:
        tab.close()


def python_verdict(bundle: Path, user_id: str, nonce: bytes, allow_dev=True,
                   max_snapshot_age=stm.MAX_SNAPSHOT_AGE_SECONDS) -> tuple[bool, str]:
    """``zkproof inclusion verify``'s verdict, which makes the page's checks: the header, the
    snapshot age, the aggregate key and proof, the holder's record and path."""
    try:
        inc = verify_inclusion(str(bundle), user_id, nonce, allow_dev=allow_dev,
                               max_snapshot_age=max_snapshot_age)
    except InputError as e:
        return False, str(e)
    failed = next((c for c in inc.checks if not c.ok), None)
    return inc.ok, f"{failed.name}: {failed.detail}" if failed else "included"


def agree(browser, bundle, user_id, nonce, allow_dev=True, max_snapshot_age=None) -> str:
    """The page's verdict, asserted equal (verified or not) to the Python verifier's."""
    extra = "" if max_snapshot_age is None else f"&max_snapshot_age={max_snapshot_age}"
    verdict = page_verdict(browser, bundle, user_id, nonce, allow_dev, extra)
    ok, why = python_verdict(bundle, user_id, nonce, allow_dev,
                             stm.MAX_SNAPSHOT_AGE_SECONDS if max_snapshot_age is None else max_snapshot_age)
    assert verdict.startswith("verified") == ok, f"page: {verdict!r}; python: {ok} ({why})"
    return verdict


# --- the page in Chromium, each case also through the Python verifier ------------------------


def test_right_id_and_nonce_verify(browser, page_bundles):
    v = agree(browser, page_bundles[7], USER.id, USER.nonce)
    assert v.startswith("verified: your account is in epoch 7's proven root")
    assert v.endswith("not checked here: the batch proofs and the chain (see below)")


def test_page_shows_what_it_did_not_check_and_the_snapshot(browser, page_bundles):
    """Like `zkproof inclusion verify`: the batch proofs and the chain comparison are named as
    not checked, and the snapshot age is a check of its own."""
    text = verified_details(browser, page_bundles[7], USER.id, USER.nonce)
    assert "NOT CHECKED\tthe batch proofs\t" in text and "Not checked by this page" in text
    assert "oracle snapshot age\t0 s before the epoch (max 3600 s)" in text
    assert "oracle snapshot 2023-11-14T22:13:20Z (snapshot_time 1700000000)" in text


def test_stale_snapshot(browser, page_bundles):
    """ATTACKS A20: epoch 8 (600 s after its snapshot) under a holder's bound of 599 s fails the
    age check in the page and in Python alike; the page's default bound is the CLI's."""
    v = agree(browser, page_bundles[8], USER.id, USER.nonce, max_snapshot_age=599)
    assert v == ("not verified: oracle snapshot age: the oracle snapshot is 600 s older than the "
                 "epoch timestamp (max 599 s)")
    assert agree(browser, page_bundles[8], USER.id, USER.nonce, max_snapshot_age=600).startswith("verified")
    for bad in ("-5", "1.5", "x"):  # the holder's bound must be whole seconds
        v = page_verdict(browser, page_bundles[8], USER.id, USER.nonce, extra=f"&max_snapshot_age={bad}")
        assert v.startswith("not verified: maximum snapshot age: max_snapshot_age must be"), bad


def test_key_with_commitment_extension_refused(browser, page_bundles, tmp_path):
    """An aggregate key carrying the commitment extension (docs/formats.md §14), pinned by a
    rewritten header: snarkjs cannot check it, so the page refuses it by name; the Python
    verifier does not accept it either."""
    def edit(files):
        vk = json.loads(files["keys/aggregate.vk.json"])
        vk["zkproof_commitment"] = {"version": 1, "nChallenges": 1, "vk_sigma_2": vk["vk_gamma_2"],
                                    "IC": vk.pop("IC")}
        files["keys/aggregate.vk.json"] = json.dumps(vk).encode()

        def pin(h):
            import hashlib
            h["verification_keys"]["aggregate"] = hashlib.sha256(files["keys/aggregate.vk.json"]).hexdigest()
            h[stm.HEADER_DIGEST_KEY] = str(stm.header_digest(h))
        edit_json(files, "header.json", pin)
    b = rewrite(page_bundles[7], tmp_path / "b", edit)
    v = agree(browser, b, USER.id, USER.nonce)
    assert v.startswith("not verified: aggregate key from a real ceremony: a key with a Groth16 commitment")


def test_snapshot_after_the_epoch(browser, page_bundles, tmp_path):
    """A header whose timestamp precedes its oracle snapshot: refused before any proof."""
    b = rewrite(page_bundles[7], tmp_path / "b",
                lambda f: edit_json(f, "header.json", lambda h: h.update(timestamp=1_699_999_999)))
    v = agree(browser, b, USER.id, USER.nonce)
    assert v == ("not verified: oracle snapshot age: the oracle snapshot (1700000000) is 1 s after the "
                 "epoch timestamp (1699999999)")


def test_every_account_verifies_and_shows_its_balances_and_positions(browser, page_bundles):
    for acc in ACCOUNTS[1:]:
        text = verified_details(browser, page_bundles[7], acc.id, acc.nonce)
        for sym, b in zip(("USDC", "ETH"), acc.balances):
            assert f"{sym}\t" in text and str(b) in text
        for i, q in enumerate(acc.positions):  # by instrument id, in contracts and base units
            assert (f"P{i + 1}\t{q}\t{q}" in text) == (q != 0), (i, q, text)
        assert "Epoch 7" in text


def test_revealed_totals_verify(browser, page_bundles):
    text = verified_details(browser, page_bundles["revealed"], USER.id, USER.nonce)
    assert "hidden" not in text.split("Epoch 7")[1].split("Liabilities")[0]
    assert "987654.321183" in text  # L_USDC = 987,654,321,183 base units, 6 decimals


def test_wrong_nonce(browser, page_bundles):
    v = agree(browser, page_bundles[7], USER.id, bytes(32))
    assert v == "not verified: your inclusion record: id not in epoch 7 (no record for this id and nonce)"


def test_someone_elses_id(browser, page_bundles):
    v = agree(browser, page_bundles[7], ACCOUNTS[1].id, USER.nonce)
    assert v.startswith("not verified: your inclusion record: id not in epoch 7")


def test_tampered_header_root(browser, page_bundles, tmp_path):
    """ATTACKS A10: a header with another root (manifest rewritten to match) fails the statement."""
    def edit(files):
        edit_json(files, "header.json", lambda h: h.update(root=str((int(h["root"]) + 1) % stm.R)))
    b = rewrite(page_bundles[7], tmp_path / "b", edit)
    v = agree(browser, b, USER.id, USER.nonce)
    assert v == "not verified: proofs/aggregate.json statement: public[2] (root) differs from the header"


def test_tampered_header_timestamp(browser, page_bundles, tmp_path):
    """The holder's own path still reaches the root, but the header no longer matches the proof."""
    def edit(files):
        edit_json(files, "header.json", lambda h: h.update(timestamp=h["timestamp"] + 60))
    b = rewrite(page_bundles[7], tmp_path / "b", edit)
    rep = verify_inclusion(str(b), USER.id, USER.nonce, allow_dev=True)
    assert [c.name for c in rep.checks if not c.ok] == ["proofs/aggregate.json statement"]  # the path passes
    v = agree(browser, b, USER.id, USER.nonce)
    assert v == "not verified: proofs/aggregate.json statement: public[1] (timestamp) differs from the header"


@pytest.mark.parametrize("edit_header", [
    lambda h: h["assets"][1].update(symbol="BTC"),
    lambda h: h["instruments"].__setitem__(0, "ETH-PERP-relabelled"),
    lambda h: h["circuit_fingerprints"].update(batch="0" * 64),
    lambda h: h.update(extra_field="x"),
], ids=["asset-symbol", "instrument-name", "circuit-fingerprint", "unknown-key"])
def test_relabelled_header(browser, page_bundles, tmp_path, edit_header):
    """ATTACKS B13: a field no other input covers (a label), changed with the header's own
    header_digest rewritten to match: the recomputed digest differs from the proven one (an
    unknown key is refused by the strict parse first)."""
    def edit(h):
        edit_header(h)
        h[stm.HEADER_DIGEST_KEY] = str(stm.header_digest(h))
    b = rewrite(page_bundles[7], tmp_path / "b", lambda f: edit_json(f, "header.json", edit))
    v = agree(browser, b, USER.id, USER.nonce)
    if "extra_field" in (b / "header.json").read_text():
        assert v == 'not verified: bundle files: header.json: <header>: unknown keys ["extra_field"]'
    else:
        assert v == ("not verified: proofs/aggregate.json statement: public[9] (header_digest) differs "
                     "from the header")


def test_tampered_header_and_public_input(browser, page_bundles, tmp_path):
    """Root changed in the header and in the proof's public.json alike (the header digest too,
    as the tamperer recomputes it): the pairing catches it."""
    def edit(files):
        new = {}

        def bump(h):
            h["root"] = str((int(h["root"]) + 1) % stm.R)
            h[stm.HEADER_DIGEST_KEY] = str(stm.header_digest(h))
            new.update(root=h["root"], digest=h[stm.HEADER_DIGEST_KEY])
        edit_json(files, "header.json", bump)

        def public(p):
            p["public"][stm.AGGREGATE_PUBLIC.index("root")] = new["root"]
            p["public"][stm.AGGREGATE_PUBLIC.index("header_digest")] = new["digest"]
        edit_json(files, "proofs/aggregate.json", public)
    b = rewrite(page_bundles[7], tmp_path / "b", edit)
    v = agree(browser, b, USER.id, USER.nonce)
    assert v == "not verified: proofs/aggregate.json proof: pairing check failed"


@pytest.mark.parametrize("point", [["1", "2", "1"], ["1", "3", "1"]], ids=["other-point", "off-curve"])
def test_tampered_aggregate_proof(browser, page_bundles, tmp_path, point):
    b = rewrite(page_bundles[7], tmp_path / "b",
                lambda f: edit_json(f, "proofs/aggregate.json", lambda p: p["proof"].update(pi_a=point)))
    v = agree(browser, b, USER.id, USER.nonce)
    assert v == "not verified: proofs/aggregate.json proof: pairing check failed"


def test_aggregate_proof_b_outside_g2(browser, page_bundles, tmp_path):
    """ATTACKS B6: a pi_b on the twist but outside G2 (snarkjs checks only the curve)."""
    from tests.test_verify_support import twist_point_outside_g2
    from zkproof.formats import snarkjs_json as sj
    from zkproof.groth16.keys import Proof

    pi_b = sj.dump_proof(Proof((1, 2), twist_point_outside_g2(), (1, 2)))["pi_b"]
    b = rewrite(page_bundles[7], tmp_path / "b",
                lambda f: edit_json(f, "proofs/aggregate.json", lambda p: p["proof"].update(pi_b=pi_b)))
    v = agree(browser, b, USER.id, USER.nonce)
    assert v == "not verified: proofs/aggregate.json proof: pi_b is not in G2's prime-order subgroup"


def test_tampered_page_data_is_caught_by_zkproof_verify(page_bundles, tmp_path):
    """A page whose data file is not the bundle's own (here: another epoch's) fails the
    auditor's check, even with a consistent manifest."""
    other = (page_bundles[8] / DATA_PATH).read_bytes()
    b = bundle_fmt.read_bundle(page_bundles[7])
    files = {rel: b.path(rel).read_bytes() for rel in b.digests}
    files[DATA_PATH] = other
    rep = verify_bundle(str(bundle_fmt.write_bundle(tmp_path / "b", files)), allow_dev=True)
    assert [c.name for c in rep.checks if not c.ok] == ["verification page data matches the bundle"]


def test_record_from_another_epoch_resealed(browser, page_bundles, tmp_path):
    """ATTACKS B11: last epoch's record (its path climbs to epoch 8's root) sealed under this
    epoch's key at this epoch's locator: refused by its epoch field."""
    rec8 = inclusion_file.open_sealed((page_bundles[8] / locator_rel(8)).read_bytes(), 8, USER.id, USER.nonce,
                                      locator_rel(8))
    size = len((page_bundles[7] / locator_rel(7)).read_bytes()) - 16

    def edit(files):
        files[locator_rel(7)] = seal_under(7, json.dumps(rec8, separators=(",", ":")).encode().ljust(size))
    b = rewrite(page_bundles[7], tmp_path / "b", edit)
    v = agree(browser, b, USER.id, USER.nonce)
    assert v == (f"not verified: your inclusion record: {locator_rel(7)}: epoch: record is not for epoch 7 "
                 "(it is for epoch 8)")


def test_record_from_another_epoch_copied(browser, page_bundles, tmp_path):
    """Epoch 8's sealed file put at epoch 7's locator: it does not open under epoch 7's key."""
    def edit(files):
        files[locator_rel(7)] = (page_bundles[8] / locator_rel(8)).read_bytes()
    b = rewrite(page_bundles[7], tmp_path / "b", edit)
    v = agree(browser, b, USER.id, USER.nonce)
    assert v.startswith(f"not verified: your inclusion record: {locator_rel(7)} cannot be opened with this "
                        "id and nonce for epoch 7")


def test_dropped_record(browser, page_bundles, tmp_path):
    """The holder drops their own sealed file, or its plaintext JSON: verified; epoch 8's file on
    epoch 7's page: not (it does not open under epoch 7's key)."""
    rec = inclusion_file.open_sealed((page_bundles[7] / locator_rel(7)).read_bytes(), 7, USER.id, USER.nonce,
                                     locator_rel(7))
    (tmp_path / "mine.json").write_text(json.dumps(rec))
    for src, expect in ((page_bundles[7] / locator_rel(7), "verified"), (tmp_path / "mine.json", "verified"),
                        (page_bundles[8] / locator_rel(8), "not verified: your inclusion record: ")):
        tab = open_page(browser, page_bundles[7], "", b"", query=False)
        try:
            tab.wait_for("document.getElementById('verdict')?.textContent.startsWith('enter')")
            tab.eval(f"document.getElementById('uid').value = {json.dumps(USER.id)}; "
                     f"document.getElementById('nonce').value = '{USER.nonce.hex()}'; "
                     "document.getElementById('allowdev').checked = true")
            tab.set_file("#record", str(src))
            tab.wait_for("document.getElementById('dropname')?.textContent.startsWith('record:')")
            tab.eval("document.querySelector('button').click()")
            assert tab.wait_for(VERDICT).startswith(expect)
        finally:
            tab.close()


def test_dev_key_refused_without_consent(browser, page_bundles):
    v = agree(browser, page_bundles[7], USER.id, USER.nonce, allow_dev=False)
    assert v.startswith("not verified: aggregate key from a real ceremony: INSECURE-DEV-SETUP key: refused")


# --- no network ------------------------------------------------------------------------------


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


def test_csp_stops_a_script_that_tries_the_network(browser, page_bundles, tmp_path):
    """A script inside the page (as if the page's code were hostile) tries fetch, XHR, a beacon,
    an image and a WebSocket to a local server: under verify.html's CSP none arrives; the same
    probe without the CSP reaches the server (so the probe and the counter work)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        for name, keep_csp in (("csp", True), ("control", False)):
            d = tmp_path / name
            shutil.copytree(page_bundles[7], d)
            probe = (f"(async () => {{ const u = '{url}/' + '{name}';"
                     "try { await fetch(u + '/fetch'); } catch (e) {}"
                     "try { const x = new XMLHttpRequest(); x.open('GET', u + '/xhr'); x.send(); }"
                     " catch (e) {}"
                     "try { navigator.sendBeacon(u + '/beacon', 'x'); } catch (e) {}"
                     "try { const i = new Image(); i.src = u + '/img'; document.body.append(i); }"
                     " catch (e) {}"
                     "try { new WebSocket(u.replace('http', 'ws') + '/ws'); } catch (e) {}"
                     "document.title = 'probed'; })();")
            (d / "page" / "probe.js").write_text(probe)
            html = (d / "verify.html").read_text()
            if not keep_csp:
                html = html.replace('http-equiv="Content-Security-Policy"', 'name="no-csp"')
            html = html.replace("</body>", '<script src="page/probe.js"></script></body>')
            (d / "verify.html").write_text(html)
            _Counter.hits.clear()
            tab = browser.tab((d / "verify.html").as_uri())
            try:
                tab.wait_for("document.title === 'probed'")
                time.sleep(1.0)  # let anything the CSP did not stop arrive
            finally:
                tab.close()
            if keep_csp:
                assert _Counter.hits == [], f"the CSP let through {_Counter.hits}"
            else:
                assert _Counter.hits, "control: the probe should reach the server without the CSP"
    finally:
        server.shutdown()


def test_page_requests_only_its_own_files(browser, page_bundles):
    tab = open_page(browser, page_bundles[7], USER.id, USER.nonce)
    try:
        tab.wait_for(VERDICT)
        urls = tab.requests()
    finally:
        tab.close()
    base = page_bundles[7].as_uri()
    files = sorted({u.split("?")[0] for u in urls if u.startswith("file:")})
    assert files == [f"{base}/{p}" for p in ("page/bundle-data.js", "page/snarkjs.min.js", "page/verify.css",
                                              "page/zkproof-page.js", "verify.html")]
    assert all(u.startswith(("file:", "blob:")) for u in urls), urls


# --- format.js against the Python side, under node -------------------------------------------

NODE_PROBE = r"""
const [formatJs, circomlibjs, headerPath, usersJson, canonJson] = process.argv.slice(-5);
(async () => {
  const F = await import(formatJs);
  const { buildPoseidon } = await import(circomlibjs);
  const p = await buildPoseidon();
  const H = (xs) => p.F.toObject(p(xs));
  const fs = require("fs");
  const header = await F.readHeader(fs.readFileSync(headerPath, "utf8"), H);
  const out = { aggregate: F.aggregatePublic(H, header).map(String), users: [], canonical: [],
    maxAge: F.MAX_SNAPSHOT_AGE_SECONDS, roles: F.PROTOCOL_ROLES, names: F.AGGREGATE_PUBLIC,
    snapshotTime: header.snapshotTime, protocolIds: header.protocolAccounts.map((a) => a.id) };
  for (const text of JSON.parse(canonJson)) {
    try {
      const canon = F.canonicalJson(text, "t.json", "drop");
      out.canonical.push({ ok: Buffer.from(canon, "utf8").toString("hex") });
    } catch (e) {
      if (!(e instanceof F.FormatError)) throw e;
      out.canonical.push({ error: e.message });
    }
  }
  for (const u of JSON.parse(usersJson)) {
    const nonce = F.parseNonce(u.nonce);
    const sealed = new Uint8Array(fs.readFileSync(u.sealed));
    const text = await F.openSealed(sealed, header.epoch, u.id, nonce);
    const rec = F.parseRecord(JSON.parse(text), header.shape, header.epoch);
    const idh = await F.idHash(H, u.id, nonce);
    const leaf = F.leafNode(H, idh, rec.balances, rec.positions);
    const inc = await F.checkInclusion(H, header, rec, u.id, nonce);
    out.users.push({ idHash: String(idh), leaf: String(leaf.hash), ok: inc.ok, root: String(inc.root.hash),
      locator: await F.locator(header.epoch, u.id, nonce), record: text });
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


# JSON texts whose canonical form (statement.canonical_header_bytes) format.js must reproduce
# byte for byte, or refuse as Python's strict_json / json.dumps do.
CANONICAL_CASES = [
    '{"b": 1, "a": [true, false, null], "drop": "x", "c": {"z": "", "y": []}}',
    r'{"s": "caf\u00e9 \u20ac \ud83d\ude00 \u00e9 plain \u20ac", "raw": "€ é 😀", "k\u00e9y": 0}',
    r'{"ctl": "\u0000\u001f\u007f \b\f\n\r\t \\ \" \/", "u2028": "\u2028\u2029"}',
    r'{"\ud83d\ude00": 1, "\uffff": 2, "\u00ff": 3, "A": 4}',
    '{"big": 123456789012345678901234567890, "neg": -0, "m": -17, "z": 0}',
    '{"f": [1.0, -0.0, 0.5, 1e16, 1e15, 123456789.125, 1e-5, 0.0001, 1.5e-7, 2.5E+3, 1e22, '
    '9999999999999998.0, 0.1, 1e-400, 5e-324, 1.7976931348623157e308, 3.14159]}',
    ' \n {"ws" :\t[ 1 , 2 ] }\r\n',
    '{"a": 1, "a": 2}',
    r'{"lone": "\ud800"}',
    '{"inf": 1e400}',
    '{"nan": NaN}',
    '{"a": 1} x',
    '[' * 65 + ']' * 65,
    '[' * 64 + ']' * 64,
    '{"ctl": "a\tb"}',  # a raw tab inside a string
]


def test_canonical_json_equals_python(page_bundles):
    """format.js's canonical JSON is statement.canonical_header_bytes on every JSON text Python's
    strict_json reads, and refuses every text for which Python has no digest (duplicate keys,
    unpaired surrogates, infinities, NaN, trailing data, nesting beyond 64, raw control
    characters)."""
    bundle = page_bundles[7]
    fmt = (holder_page.SRC / "format.js").as_uri()
    circ = npm.module_path("circomlibjs", "main.js").as_uri()
    out = json.loads(npm.run_node_script(NODE_PROBE, fmt, circ, str(bundle / "header.json"), "[]",
                                         json.dumps(CANONICAL_CASES)))
    for text, got in zip(CANONICAL_CASES, out["canonical"], strict=True):
        try:
            obj = strict_json.loads(text.encode("utf-8", "surrogatepass"), "t.json")
            if isinstance(obj, dict):
                obj.pop("drop", None)
            want = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=False).encode("utf-8").hex()
        except (InputError, ValueError) as e:  # no digest in Python either
            assert "error" in got, (text, e, got)
            continue
        assert got == {"ok": want}, text
    assert stm.canonical_header_bytes({"drop": 1, "header_digest": "2"}) == b'{"drop":1}'


@pytest.mark.parametrize("which", [7, 8, "revealed"])
def test_format_js_equals_python(page_bundles, which):
    bundle = page_bundles[which]
    header = parse_header(json.loads((bundle / "header.json").read_text()), "header.json")
    users, records = [], []
    for acc in ACCOUNTS:
        rel = locator_rel(header.epoch, acc)
        rec = inclusion_file.open_sealed((bundle / rel).read_bytes(), header.epoch, acc.id, acc.nonce, rel)
        records.append(rec)
        users.append({"id": acc.id, "nonce": acc.nonce.hex(), "sealed": str(bundle / rel)})
    fmt = (holder_page.SRC / "format.js").as_uri()
    circ = npm.module_path("circomlibjs", "main.js").as_uri()
    out = json.loads(npm.run_node_script(NODE_PROBE, fmt, circ, str(bundle / "header.json"),
                                         json.dumps(users), "[]"))
    assert out["names"] == list(stm.AGGREGATE_PUBLIC)
    assert out["aggregate"] == [str(x) for x in header.aggregate_public()]
    assert out["aggregate"][stm.AGGREGATE_PUBLIC.index("header_digest")] == header_json_digest(bundle)
    assert (out["maxAge"], out["roles"]) == (stm.MAX_SNAPSHOT_AGE_SECONDS, list(stm.PROTOCOL_ROLES))
    assert out["snapshotTime"] == header.snapshot_time
    assert out["protocolIds"] == [p.id for p in header.protocol_accounts]
    for acc, rec, got in zip(ACCOUNTS, records, out["users"]):
        r = verify_inclusion(str(bundle), acc.id, acc.nonce, allow_dev=True)
        assert r.ok and got["ok"]
        assert got["idHash"] == str(stm.id_hash(acc.id, acc.nonce))
        assert got["leaf"] == str(leaf_node(stm.id_hash(acc.id, acc.nonce), acc.balances, acc.positions).hash)
        assert got["root"] == str(header.root)
        assert got["locator"] == inclusion_file.locator(header.epoch, acc.id, acc.nonce)
        assert json.loads(got["record"]) == rec  # the page opens the sealed file as Python does


def header_json_digest(bundle: Path) -> str:
    """The header file's own digest as Python recomputes it from the bytes (not from a parse)."""
    return str(stm.header_digest(strict_json.loads((bundle / "header.json").read_bytes(), "header.json")))


# --- export ----------------------------------------------------------------------------------


def test_zkproof_page_exports_the_page_alone(page_bundles, tmp_path):
    from click.testing import CliRunner

    from zkproof.cli.main import cli

    r = CliRunner().invoke(cli, ["page", str(page_bundles[7]), str(tmp_path / "site")])
    assert r.exit_code == 0, r.output
    site = tmp_path / "site"
    got = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert got == sorted(["verify.html", "page/verify.css", DATA_PATH,
                          *(f"page/{n}" for n in holder_page.BUILT)])
    for rel in got:
        assert (tmp_path / "site" / rel).read_bytes() == (page_bundles[7] / rel).read_bytes()


def test_missing_assets_is_one_line_error(page_bundles, tmp_path, monkeypatch):
    monkeypatch.setattr(holder_page, "ASSETS", tmp_path / "nowhere")
    with pytest.raises(InputError, match=r"missing: the verification page's assets are built by `make page`"):
        holder_page.export_page(page_bundles[7], tmp_path / "site")
    assert not (tmp_path / "site").exists()
