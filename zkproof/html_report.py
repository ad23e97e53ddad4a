"""``zkproof verify BUNDLE --html report.html``: the auditor's report as one self-contained file.

Sections: the verdict, every check with its detail, the notes, the epoch header field by field
(each marked *bound*, with the proof or check that binds it, or *unverified*: ``FIELD_BINDING``),
reserves against liabilities per asset (a chart when the totals are revealed, the hidden-totals
statement otherwise), the risk table as heatmaps (instruments x scenarios, assets x scenarios),
the scenario grid, the verification keys' digests and, given the ceremony's final ``.zkey``
files, a summary of their phase-2 transcripts. Pictures are inline SVG drawn here (no plotting
library: vector output that prints sharply, and a report that is a pure function of the
bundle). No script, no external resource; ``@media print`` keeps tables whole on paper.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

from zkproof.formats.binfile import atomic_write
from zkproof.formats.epoch_header import HEADER_KEYS, EpochHeader
from zkproof.snapshot.jsonio import format_timestamp
from zkproof.verifier.bundle_check import Report

# What binds each header field (SPEC §1: every field shown is bound or marked unverified; None
# would mark a field unverified). The aggregate proof's public input header_digest is the
# SHA-256 of the whole header as read (statement.header_digest), so every field is bound by it;
# the entries name the tighter binding where there is one, and say when a bound field is a
# label whose meaning no proof checks. tests/test_html_report.py fails when the header gains a
# key (or a key of assets, shape or risk_table) that is not listed here.
_DIGEST = "aggregate public input header_digest"
_LABEL = f"{_DIGEST} (a label: bound to the proof, its meaning checked by none)"
FIELD_BINDING: dict[str, str | None] = {
    "format": _DIGEST,
    "epoch": "aggregate public input epoch; every batch proof's public input epoch",
    "timestamp": "aggregate public input timestamp; the oracle snapshot's age checked against it",
    "shape": "public input shape_digest of both proofs (every shape field, equity_check_cap "
             "included; a constant of the circuits)",
    "assets.symbol": f"{_LABEL}; inside risk_table.sha256",
    "assets.decimals": f"{_DIGEST}; inside risk_table.sha256",
    "assets.reserves": "aggregate public input reserves_commitment (recomputed from the header)",
    "instruments": f"{_LABEL}; inside risk_table.sha256",
    "scenarios": f"{_LABEL}; inside risk_table.sha256",
    "risk_table.value_unit_exponent": f"{_DIGEST}; inside risk_table.sha256",
    "risk_table.snapshot_time": f"{_DIGEST}; inside risk_table.sha256; its age at the timestamp checked",
    "risk_table.c/v/m": "every batch proof's public inputs; aggregate public input risk_table_hash",
    "risk_table.ml/ms": f"{_DIGEST}; inside risk_table.sha256 (published with the table; the "
                        "circuits use m)",
    "risk_table.sha256": "recomputed from the table and its metadata (check risk table SHA-256); "
                         f"{_DIGEST}",
    "open_interest": "aggregate public input open_interest_hash (recomputed from the header)",
    "protocol_accounts": "each record climbed to the proven root (check protocol account ID "
                         f"included); {_DIGEST}",
    "root": "aggregate public input root",
    "batch_commitments": "each batch proof's public input; aggregate public input batches_hash",
    "totals_revealed": "aggregate public input totals_revealed",
    "totals_commitment": "aggregate public input totals_commitment",
    "totals": "opens totals_commitment (salt 0), which the aggregate proof binds",
    "verification_keys": "SHA-256 of keys/*.vk.json checked (anchored to the ceremony only with --vk-sha256)",
    "circuit_fingerprints": f"{_DIGEST}; not recomputed by the verifier (compare with `zkproof setup`)",
    "dev_setup": "checked against the keys' INSECURE-DEV-SETUP marker",
    "risk_table_hash": "recomputed from the table by the verifier",
    "reserves_commitment": "recomputed from the reserves by the verifier",
    "open_interest_hash": "recomputed from open_interest by the verifier",
    "shape_digest": "recomputed from the shape by the verifier",
    "header_digest": "recomputed from the header as read (check header digest); aggregate public "
                     "input header_digest",
}


def binding_keys() -> set[str]:
    """The header's top-level keys that ``FIELD_BINDING`` covers."""
    return {k.split(".")[0] for k in FIELD_BINDING}


@dataclass
class ZkeySummary:
    name: str
    file: str
    contributions: list[tuple[str, str, str]]  # (kind, name, contribution hash hex)
    vk_sha256: str


def zkey_summary(name: str, path: str) -> ZkeySummary:
    """The phase-2 transcript of a final ``.zkey``: contributions in order, and the SHA-256 of the
    verification key it exports (to compare with the bundle's ``keys/NAME.vk.json``)."""
    from zkproof.ceremony.phase2 import contribution_hash, mpc_params_of
    from zkproof.formats.snarkjs_json import vk_sha256
    from zkproof.formats.zkey_file import read_zkey

    pk = read_zkey(path)
    mp = mpc_params_of(pk, path)
    rows = [
        ("beacon" if c.type == 1 else "contribution", c.name or "(unnamed)", contribution_hash(c).hex())
        for c in mp.contributions
    ]
    return ZkeySummary(name, str(path), rows, vk_sha256(pk.verifying_key()))


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    """Cells are HTML already (callers escape)."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _color(t: float) -> str:
    """Diverging scale: -1 red, 0 white, +1 blue."""
    t = max(-1.0, min(1.0, t))
    if t < 0:
        r, g, b = 255, int(255 * (1 + t * 0.75)), int(255 * (1 + t * 0.8))
    else:
        r, g, b = int(255 * (1 - t * 0.85)), int(255 * (1 - t * 0.55)), 255
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(rows: list[str], cols: list[str], values: list[list[int]], title: str) -> str:
    """Each row's scenario values relative to its mark (column 0), scaled by the row's largest
    move: blue = worth more than at mark, red = less. Cell tooltips carry the exact integers."""
    cw, ch, left = 22, 18, 190
    top = 16 + int(5.2 * min(26, max((len(c) for c in cols), default=1)))  # rotated column labels
    w, h = max(left + cw * len(cols) + 20, left + 520), top + ch * len(rows) + 40
    out = [
        f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'role="img" aria-label="{_e(title)}" font-family="sans-serif" font-size="10">'
    ]
    for j, c in enumerate(cols):
        x = left + j * cw + cw / 2
        out.append(f'<text transform="translate({x:.0f},{top - 4}) rotate(-60)">{_e(c[:26])}</text>')
    for i, (name, row) in enumerate(zip(rows, values)):
        y = top + i * ch
        label = name.split("|")[0][:30]
        out.append(f'<text x="{left - 4}" y="{y + 13}" text-anchor="end">{_e(label)}</text>')
        base = row[0]
        scale = max((abs(v - base) for v in row), default=0) or 1
        for j, v in enumerate(row):
            out.append(
                f'<rect x="{left + j * cw}" y="{y}" width="{cw - 1}" height="{ch - 1}" '
                f'fill="{_color((v - base) / scale)}"><title>{_e(name)} / {_e(cols[j])}: {v}</title></rect>'
            )
    ly = top + ch * len(rows) + 14
    for k in range(11):
        out.append(f'<rect x="{left + k * 16}" y="{ly}" width="16" height="10" fill="{_color(k / 5 - 1)}"/>')
    out.append(
        f'<text x="{left + 180}" y="{ly + 9}">red: worth less than at mark, blue: more '
        "(per row, scaled to its largest move)</text>"
    )
    out.append("</svg>")
    return "".join(out)


def coverage_svg(assets: list[tuple[str, int, int]]) -> str:
    """Horizontal bars: liabilities as a share of reserves per asset (100 % line dashed)."""
    bw, left, bh = 360, 90, 22
    w, h = left + bw + 120, 20 + bh * len(assets) + 10
    out = [
        f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'role="img" aria-label="liabilities over reserves" font-family="sans-serif" font-size="11">'
    ]
    for k, (sym, liab, res) in enumerate(assets):
        y = 10 + k * bh
        share = liab / res if res else (0.0 if liab == 0 else float("inf"))
        width = min(share, 1.2) / 1.2 * bw
        color = "#2e7d32" if share <= 1 else "#c62828"
        out.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{_e(sym)}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{bw}" height="{bh - 6}" fill="#eee"/>')
        out.append(f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{bh - 6}" fill="{color}"/>')
        out.append(f'<text x="{left + bw + 6}" y="{y + 14}">{share * 100:.1f} % of reserves</text>')
    x100 = left + bw / 1.2
    out.append(
        f'<line x1="{x100:.1f}" y1="4" x2="{x100:.1f}" y2="{h - 4}" stroke="#000" stroke-dasharray="4 3"/>'
    )
    out.append("</svg>")
    return "".join(out)


_SCEN = re.compile(r"spot([+-][0-9.]+)sd((?:\[[^\]]*\])*)_vol([+-][0-9.]+)%")


def scenario_grid_html(scenarios: list[str]) -> str:
    """The scenarios as a grid (spot shock x vol shock, cell = scenario index) when the labels
    follow the margin engine's ``spot{z}sd[..]_vol{w}%``; as a list otherwise."""
    parsed = {s: _SCEN.fullmatch(name) for s, name in enumerate(scenarios) if s}
    if scenarios and all(parsed.values()):
        spots = list(dict.fromkeys(m.group(1) + m.group(2) for m in parsed.values()))
        vols = list(dict.fromkeys(m.group(3) for m in parsed.values()))
        cell = {(m.group(1) + m.group(2), m.group(3)): s for s, m in parsed.items()}
        rows = [[_e(sp + " sd")] + [_e(cell.get((sp, v), "")) for v in vols] for sp in spots]
        return (
            f"<p>Scenario 0 is the mark ({_e(scenarios[0])}); stress scenarios by spot shock "
            "(in implied-vol standard deviations; [asset-] moves against) and vol shock:</p>"
            + _table(["spot \\ vol"] + [_e(v + " %") for v in vols], rows, "grid")
        )
    return _table(["#", "scenario"], [[str(s), _e(n)] for s, n in enumerate(scenarios)])


def _fmt(x: int, decimals: int) -> str:
    s = str(abs(x)).rjust(decimals + 1, "0")
    out = f"{s[:-decimals]}.{s[-decimals:]}".rstrip("0").rstrip(".") if decimals else s
    return ("-" if x < 0 else "") + out


def _header_rows(h: EpochHeader) -> list[list[str]]:
    def row(key: str, value: str) -> list[str]:
        b = FIELD_BINDING[key]
        status = (
            f'<span class="bound">bound</span>: {_e(b)}'
            if b
            else '<span class="unv">unverified</span> (label, not in any proof)'
        )
        return [f"<code>{_e(key)}</code>", value, status]

    s = h.shape
    rows = [
        row("format", "zkproof-epoch/1"),
        row("epoch", _e(h.epoch)),
        row("timestamp", _e(h.timestamp)),
        row(
            "shape",
            _e(
                f"{s.n_assets} assets, {s.n_instruments} instruments, {s.n_scenarios} scenarios, "
                f"{s.n_batches} batches x {s.capacity}, table_bits {s.table_bits}, "
                f"equity_check_cap {s.equity_check_cap}"
            ),
        ),
        row("assets.symbol", _e(", ".join(a.symbol for a in h.assets))),
        row("assets.decimals", _e(", ".join(str(a.decimals) for a in h.assets))),
        row("assets.reserves", _e(", ".join(f"{a.symbol} {a.reserves}" for a in h.assets))),
        row(
            "instruments",
            _e(
                f"{len(h.instruments)}: "
                + ", ".join(h.instruments[:6])
                + (" ..." if len(h.instruments) > 6 else "")
            ),
        ),
        row("scenarios", _e(f"{len(h.scenarios)} (grid below)")),
        row("risk_table.value_unit_exponent", _e(f"1 value unit = 10^-{h.value_unit_exponent}")),
        row("risk_table.snapshot_time", _e(f"{h.snapshot_time} ({format_timestamp(h.snapshot_time)}), "
                                           f"{h.timestamp - h.snapshot_time} s before the epoch")),
        row("risk_table.c/v/m", _e(f"{s.table_size} entries (heatmaps below)")),
        row("risk_table.ml/ms", _e(f"{len(h.ml)} + {len(h.ms)} maintenance values per unit at mark")),
        row("risk_table.sha256", f"<code>{_e(h.risk_table_sha256)}</code>"),
        row("open_interest", _e(", ".join(f"{name.split('|')[0]} {oi}" for name, oi in
                                          zip(h.instruments, h.open_interest)))),
        row("protocol_accounts", _e(", ".join(f"{p.id} ({p.role})" for p in h.protocol_accounts) or "none")),
        row("root", f"<code>{_e(h.root)}</code>"),
        row("batch_commitments", _e(f"{len(h.batch_commitments)} commitments")),
        row("totals_revealed", _e(h.totals_revealed)),
        row("totals_commitment", f"<code>{_e(h.totals_commitment)}</code>"),
    ]
    if h.totals is not None:
        rows.append(row("totals", _e(", ".join(f"{a.symbol} {t}" for a, t in zip(h.assets, h.totals)))))
    rows += [
        row("verification_keys", "<br>".join(f"{k}: <code>{_e(v)}</code>" for k, v in h.vk_sha256.items())),
        row(
            "circuit_fingerprints",
            "<br>".join(f"{k}: <code>{_e(v)}</code>" for k, v in h.circuit_fingerprints.items()),
        ),
        row("dev_setup", _e(h.dev_setup)),
        row("risk_table_hash", f"<code>{_e(h.risk_table_hash)}</code>"),
        row("reserves_commitment", f"<code>{_e(h.reserves_commitment)}</code>"),
        row("open_interest_hash", f"<code>{_e(h.open_interest_hash)}</code>"),
        row("shape_digest", f"<code>{_e(s.digest())}</code>"),
        row("header_digest", f"<code>{_e(h.published_digest)}</code>"
            + ("" if h.published_digest == h.header_digest else
               f" (recomputed: <code>{_e(h.header_digest)}</code>)")),
    ]
    return rows


CSS = """
body{font:14px/1.45 system-ui,sans-serif;color:#222;max-width:72em;margin:1.5em auto;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.2em .5em;
text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:#f2f2f2}
code{font-size:.9em}#verdict{font-size:1.25em;font-weight:700;padding:.6em 1em;border-radius:6px}
#verdict.ok{background:#dff3e3;color:#14532d}#verdict.bad{background:#fde2e1;color:#7f1d1d}
.ok{color:#14532d;font-weight:600}.fail{color:#b91c1c;font-weight:700}.bound{color:#14532d}
.unv{color:#8a5a00;font-weight:600}
table.checks td:first-child{white-space:nowrap}.note{color:#555}svg{max-width:100%;height:auto}
@media print{body{max-width:none;margin:0;font-size:11px}h2{break-after:avoid}
table,svg,figure{break-inside:avoid}#verdict{border:2px solid #000}}
"""


def render(report: Report, zkeys: list[ZkeySummary] | None = None) -> str:
    """The report as one HTML document (no script, no external resource)."""
    h = report.header
    verdict = (
        "VALID: every account meets margin, positions net to zero, reserves cover liabilities"
        if report.ok
        else "INVALID: " + next((f"{c.name}: {c.detail}" for c in report.checks if not c.ok), "no check ran")
    )
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>zkproof report: {_e(report.bundle)}</title><style>{CSS}</style></head><body>",
        f"<h1>Proof of solvency report{f': epoch {h.epoch}' if h else ''}</h1>",
        f"<p>Bundle <code>{_e(report.bundle)}</code>, checked by <code>zkproof verify</code>.</p>",
        f"<div id='verdict' class='{'ok' if report.ok else 'bad'}'>{_e(verdict)}</div>",
        "<h2>Checks</h2>",
        _table(
            ["", "check", "detail"],
            [
                [
                    f"<span class='{'ok' if c.ok else 'fail'}'>{'ok' if c.ok else 'FAIL'}</span>",
                    _e(c.name),
                    _e(c.detail),
                ]
                for c in report.checks
            ],
            "checks",
        ),
    ]
    if report.notes:
        parts.append("<ul class='note'>" + "".join(f"<li>{_e(n)}</li>" for n in report.notes) + "</ul>")
    if h is not None:
        parts += [
            "<h2>Epoch header</h2>",
            "<p class='note'>Every field is <span class='bound'>bound</span> to the "
            "proofs (or recomputed and compared by the verifier) or marked "
            "<span class='unv'>unverified</span>: "
            "labels that no proof covers. Read the unverified ones as the venue's claims. The "
            "aggregate proof's public input header_digest covers the whole header: a label bound "
            "only by it is the venue's committed claim, whose meaning no proof checks.</p>",
            _table(["field", "value", "status"], _header_rows(h)),
        ]
        parts.append("<h2>Reserves and liabilities</h2>")
        if h.totals is not None:
            rows = [
                [
                    _e(a.symbol),
                    _e(_fmt(a.reserves, a.decimals)),
                    _e(_fmt(t, a.decimals)),
                    _e(f"{t / a.reserves * 100:.2f} %" if a.reserves else "-"),
                ]
                for a, t in zip(h.assets, h.totals)
            ]
            parts += [
                "<p>The venue reveals its liabilities L_a (the sum of all balances); "
                "the aggregate proof shows "
                "they are exactly the committed root's sums, and each is within the reserves.</p>",
                _table(["asset", "reserves R_a", "liabilities L_a", "L_a / R_a"], rows),
                "<figure>"
                + coverage_svg([(a.symbol, t, a.reserves) for a, t in zip(h.assets, h.totals)])
                + "</figure>",
            ]
        else:
            parts += [
                "<p><b>Totals hidden.</b> The aggregate proof shows, for every asset, that the liabilities "
                "L_a (the sum of all balances under the proven root) are at most the reserves R_a below; "
                "L_a itself stays hidden behind the salted totals_commitment.</p>",
                _table(
                    ["asset", "reserves R_a", "liabilities L_a"],
                    [
                        [_e(a.symbol), _e(_fmt(a.reserves, a.decimals)), "hidden, &le; R_a (proven)"]
                        for a in h.assets
                    ],
                ),
            ]
        parts += [
            "<h2>Risk table</h2>",
            f"<p>Unit values per scenario in value units of 10^-{_e(h.value_unit_exponent)} "
            "(bound: every batch "
            "proof's public inputs). Instruments (v[i][s], per long unit):</p>",
            "<figure>"
            + heatmap_svg(h.instruments, h.scenarios, h.v, "instruments x scenarios")
            + "</figure>",
            "<p>Collateral assets (c[a][s], per unit held, after haircut):</p>",
            "<figure>"
            + heatmap_svg([a.symbol for a in h.assets], h.scenarios, h.c, "assets x scenarios")
            + "</figure>",
            "<p>Maintenance requirement at mark per unit (m[i]):</p>",
            _table(
                ["instrument", "m[i]", "v[i][mark]"],
                [[_e(n), _e(m), _e(v[0])] for n, m, v in zip(h.instruments, h.m, h.v)],
            ),
            "<h2>Scenario grid</h2>",
            scenario_grid_html(h.scenarios),
        ]
        anchored = {c.name.split()[0] for c in report.checks if c.name.endswith("is the ceremony's") and c.ok}
        parts += [
            "<h2>Verification keys</h2>",
            _table(
                ["key", "SHA-256 of keys/NAME.vk.json (pinned by the header)", "anchored"],
                [
                    [
                        _e(k),
                        f"<code>{_e(v)}</code>",
                        "yes: --vk-sha256 matches"
                        if k in anchored
                        else "<span class='unv'>no</span>: compare with the ceremony's published digest",
                    ]
                    for k, v in h.vk_sha256.items()
                ],
            ),
        ]
        parts.append("<h2>Ceremony transcript</h2>")
        if zkeys:
            for z in zkeys:
                match = z.vk_sha256 == h.vk_sha256.get(z.name)
                parts += [
                    f"<p><b>{_e(z.name)}</b>: <code>{_e(z.file)}</code>; its verification key "
                    + ("<span class=ok>matches</span>" if match else "<span class=fail>does NOT match</span>")
                    + " the bundle's (summary only: check the transcript with "
                    "<code>zkproof zkey verify</code>)."
                    "</p>",
                    _table(
                        ["#", "kind", "name", "contribution hash (BLAKE2b)"],
                        [
                            [str(i + 1), _e(k), _e(n), f"<code>{_e(hh[:32])}...</code>"]
                            for i, (k, n, hh) in enumerate(z.contributions)
                        ],
                    ),
                ]
        else:
            parts.append(
                "<p class='note'>No ceremony transcript given: pass <code>--zkey batch=FILE --zkey "
                "aggregate=FILE</code> (the ceremony's final keys) to list its contributions here.</p>"
            )
    parts.append(
        f"<p class='note'>Generated by zkproof from the bundle's files; report SHA-256 of header.json: "
        f"{_e(_sha(report.bundle, 'header.json'))}.</p></body></html>\n"
    )
    return "".join(parts)


def _sha(bundle: str, rel: str) -> str:
    p = Path(bundle) / rel
    return hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "-"


def write_report(path: str, report: Report, zkeys: list[ZkeySummary] | None = None) -> None:
    atomic_write(path, render(report, zkeys).encode("utf-8"))


__all__ = [
    "FIELD_BINDING",
    "HEADER_KEYS",
    "ZkeySummary",
    "binding_keys",
    "render",
    "write_report",
    "zkey_summary",
]
