"""``zkproof verify BUNDLE --html``: the auditor's report, rendered in a real headless Chromium.

The report of a valid bundle and of a tampered one are screenshotted to PNG: the image must not
be blank (decoded here: enough non-white pixels, the verdict's colour present) and the verdict
read back from the rendered page must be the verifier's. Every header field must be labelled
bound or unverified, and the report must load nothing (no script, no external resource).
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkproof import statement as stm
from zkproof.cli.main import cli, main
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats.epoch_header import REVEALED_KEYS
from zkproof.html_report import FIELD_BINDING, binding_keys

pytestmark = [pytest.mark.browser, pytest.mark.prove]


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced PNG (Chromium's)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, color, _, _, interlace = ihdr
    assert depth == 8 and interlace == 0 and color in (2, 6)
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, [bytes(r[k] for k in range(len(r)) if k % bpp < 3) for r in rows]


def report_of(bundle: Path, out: Path, *extra: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["verify", str(bundle), "--allow-dev", "--html", str(out), *extra])
    return r.exit_code, out.read_text()


def render(browser, html: Path, png: Path) -> str:
    tab = browser.tab(html.as_uri())
    try:
        verdict = tab.eval("document.getElementById('verdict').textContent")
        tab.screenshot(str(png))
        assert [u for u in tab.requests() if not u.startswith("file:")] == []
    finally:
        tab.close()
    return verdict


def ink(png: Path) -> tuple[float, set[tuple[int, int, int]]]:
    """Share of non-white pixels, and the set of colours (sampled)."""
    w, h, rows = png_pixels(png)
    dark, colours = 0, set()
    for y in range(0, h, 3):
        row = rows[y]
        for x in range(0, w, 3):
            px = tuple(row[3 * x:3 * x + 3])
            colours.add(px)
            dark += px != (255, 255, 255)
    return dark / (len(range(0, h, 3)) * len(range(0, w, 3))), colours


def test_report_of_a_valid_bundle(browser, page_bundles, tmp_path):
    code, text = report_of(page_bundles[7], tmp_path / "r.html")
    assert code == 0
    assert "<script" not in text and "http://" not in text and "https://" not in text
    verdict = render(browser, tmp_path / "r.html", tmp_path / "r.png")
    assert verdict.startswith("VALID: every account meets margin")
    share, colours = ink(tmp_path / "r.png")
    assert share > 0.05, f"screenshot nearly blank ({share:.1%} ink)"
    assert (0xDF, 0xF3, 0xE3) in colours  # the green verdict box was drawn
    for needle in ("Epoch header", "Reserves and liabilities", "Totals hidden", "Risk table",
                   'aria-label="instruments x scenarios"', "Scenario grid", "Verification keys",
                   "Ceremony transcript", "verification page data matches the bundle"):
        assert needle in text


def test_report_of_a_tampered_bundle(browser, page_bundles, tmp_path):
    """A header whose timestamp differs from the proof's: exit 1, the report says INVALID and why."""
    b = bundle_fmt.read_bundle(page_bundles[7])
    files = {rel: b.path(rel).read_bytes() for rel in b.digests}
    h = json.loads(files["header.json"])
    h["timestamp"] += 60  # within the snapshot age; the header's own digest rewritten to match
    h[stm.HEADER_DIGEST_KEY] = str(stm.header_digest(h))
    files["header.json"] = json.dumps(h).encode()
    bad = bundle_fmt.write_bundle(tmp_path / "b", files)
    code, text = report_of(bad, tmp_path / "r.html")
    assert code == 1
    verdict = render(browser, tmp_path / "r.html", tmp_path / "r.png")
    assert verdict == ("INVALID: proofs/aggregate.json statement: public[1] (timestamp) differs from "
                       "the header")
    share, colours = ink(tmp_path / "r.png")
    assert share > 0.05 and (0xFD, 0xE2, 0xE1) in colours  # the red verdict box


def test_report_with_revealed_totals_draws_coverage(page_bundles, tmp_path):
    code, text = report_of(page_bundles["revealed"], tmp_path / "r.html")
    assert code == 0
    assert 'aria-label="liabilities over reserves"' in text
    assert "987654.321183" in text and "98.77 %" in text  # L_USDC / R_USDC = 987,654,321,183 / 10^12


def test_every_header_field_is_bound_or_labelled_unverified(page_bundles, tmp_path):
    """SPEC §1: a header key the report does not classify fails here (e.g. a new v2 field), and
    every field the header digest alone binds says so."""
    assert REVEALED_KEYS <= binding_keys() | {"assets", "risk_table"}
    assert {k.split(".")[0] for k in FIELD_BINDING if "." in k} <= {"assets", "risk_table"}
    header = json.loads((page_bundles["revealed"] / "header.json").read_text())
    for parent in ("assets", "risk_table"):  # every key inside them, e.g. risk_table.ml
        inner = header[parent][0] if parent == "assets" else header[parent]
        covered = {k for e in FIELD_BINDING if e.startswith(parent + ".")
                   for k in e.split(".", 1)[1].split("/")}
        assert set(inner) == covered, parent
    _, text = report_of(page_bundles["revealed"], tmp_path / "r.html")
    shown = set(re.findall(r"<tr><td><code>([^<]+)</code></td>", text))
    assert shown == set(FIELD_BINDING)
    for key, binding in FIELD_BINDING.items():
        row = re.search(rf"<tr><td><code>{re.escape(key)}</code></td>.*?</tr>", text).group(0)
        assert ("unverified" in row) == (binding is None), key
    for label in ("format", "assets.symbol", "instruments", "scenarios", "circuit_fingerprints"):
        assert "header_digest" in FIELD_BINDING[label], label


def test_zkey_option_needs_html_and_a_name(page_bundles, capsys):
    for args, why in ((["--zkey", "batch=x.zkey"], "zkey: only used with --html"),
                      (["--html", "r.html", "--zkey", "x.zkey"], "expected batch=FILE or aggregate=FILE")):
        with pytest.raises(SystemExit) as e:
            main(["verify", str(page_bundles[7]), "--allow-dev", *args])
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and why in err
