// The account holder's verification page: orchestration and display only. Everything about
// the bundle's format is in ./format.js; Poseidon is circomlibjs', the Groth16 check is
// snarkjs' browser build (loaded by verify.html as the global `snarkjs`), SHA-256 and
// AES-GCM are the browser's Web Crypto. The bundle's public files and the sealed records
// come from page/bundle-data.js (`window.ZKPROOF_BUNDLE`, written by `zkproof page`): a page
// opened from disk cannot fetch files, and this one is forbidden any connection by its CSP.
//
// Two bundle formats, told apart by the header's format (format.readHeader): a dense epoch
// (`zkproof-epoch/1`: one root, dense records) and a venue epoch (`zkproof-venue-epoch/1`:
// per-batch roots, sparse records by asset and instrument slot, docs/formats.md §20).
//
// Verdict: the element #verdict ends as "verified: ..." or "not verified: <check>: <reason>".
// URL: ?id=..&nonce=..[&allow_dev=1][&max_snapshot_age=SECONDS] runs the check on load (for
// automation). Like `zkproof inclusion verify`, the page names what it does not check.

import { buildPoseidon } from "circomlibjs/src/poseidon_wasm.js";
import { getCurveFromName } from "ffjavascript";
import * as F from "./format.js";

const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};
const enc = new TextEncoder();
const sha256hex = async (text) => F.toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(text))));
const fromB64 = (s) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));

let poseidonFn = null, curve = null;
async function tools() {
  if (!poseidonFn) {
    const p = await buildPoseidon();
    poseidonFn = (xs) => p.F.toObject(p(xs));
    curve = await getCurveFromName("bn128", true);
  }
  return poseidonFn;
}

/** A G2 point (snarkjs JSON) in the prime-order subgroup: r * P = 0 (ffjavascript's curve). */
function inG2Subgroup(point) {
  const p = curve.G2.fromObject(point.map((c) => c.map(BigInt)));
  return curve.G2.isValid(p) && curve.G2.isZero(curve.G2.timesScalar(p, curve.r));
}

// What the page does not check, shown with every result (verifier/inclusion.py
// BATCH_PROOFS_UNCHECKED and CHAIN_NOTE, for a holder in a browser).
export const NOT_CHECKED = [
  { name: "the batch proofs", detail: "that every account under this root meets margin in every scenario, holds " +
    "in-range balances, that positions net to zero and that the header's batch commitments are " +
    "those of proven batches (auditors check them with `zkproof verify BUNDLE`)" },
  { name: "the chain", detail: "that this root and epoch are the ones the venue published on chain (the " +
    "registry): compare them yourself; this page binds your account to the header's root, not the " +
    "header to the chain" }];

// The same for a venue epoch (per-batch roots, sparse accounts, tiers).
export const VENUE_NOT_CHECKED = [
  { name: "the batch proofs", detail: "that every account in the batches under these roots meets margin in every " +
    "scenario and its maintenance at mark, holds positions and balances only on listed slots, that positions net " +
    "to zero with the header's open interest, and that each batch is proven under its tier's key with the " +
    "header's batch commitment (auditors check them with `zkproof verify BUNDLE`)" },
  { name: "the chain", detail: "that these batch roots and this epoch are the ones the venue published on chain " +
    "(the registry): compare them yourself; this page binds your account to your batch's root in the header, " +
    "not the header to the chain" }];

class Checks {
  constructor() { this.list = []; }
  add(name, ok, detail = "") { this.list.push({ name, ok, detail }); return ok; }
  get ok() { return this.list.length > 0 && this.list.every((c) => c.ok); }
  get failed() { return this.list.find((c) => !c.ok); }
}

function fileText(data, rel) {
  const t = data.files[rel];
  if (typeof t !== "string") throw new F.FormatError(rel, "<file>", "missing from the page data");
  return t;
}

function json(text, rel) {
  try { return JSON.parse(text); } catch (e) { throw new F.FormatError(rel, "<json>", e.message); }
}

const utc = (t) => new Date(t * 1000).toISOString().replace(".000Z", "Z");

/** The bundle-level checks: header, oracle snapshot age, aggregate key and proof. */
async function checkBundle(data, allowDev, maxAge, checks) {
  const H = await tools();
  const header = await F.readHeader(fileText(data, "header.json"), H);
  const venue = header.format === F.VENUE_HEADER_FORMAT;
  checks.add("header bounds and hashes", true, `${venue ? "venue " : ""}epoch ${header.epoch}, ` +
    `${header.shape.n_batches} batches x ${header.shape.capacity}` + (venue ? ` (tiers P=${header.tiers.join(", ")})` : ""));
  const age = F.snapshotAgeProblem(header.timestamp, header.snapshotTime, maxAge);
  checks.add("oracle snapshot age", age === null, age ??
    `${header.timestamp - header.snapshotTime} s before the epoch (max ${maxAge} s)`);
  const vkText = fileText(data, "keys/aggregate.vk.json");
  const digest = await sha256hex(vkText);
  if (!checks.add("aggregate key pinned by header", digest === header.vkSha256.aggregate,
    digest === header.vkSha256.aggregate ? `SHA-256 ${digest}` : `keys/aggregate.vk.json SHA-256 ${digest.slice(0, 16)}... differs from header verification_keys.aggregate`)) return header;
  const vk = json(vkText, "keys/aggregate.vk.json");
  const names = venue ? F.venueAggregateNames(header.shape) : F.AGGREGATE_PUBLIC;
  const problem = F.keyProblem(vk, header, allowDev, names.length);
  if (!checks.add("aggregate key from a real ceremony", problem === null,
    problem ?? (vk[F.DEV_MARKER_KEY] || header.devSetup ? "INSECURE-DEV-SETUP key (accepted: allow_dev)" : ""))) return header;
  if (!checks.add("aggregate key points in G2's subgroup", ["vk_beta_2", "vk_gamma_2", "vk_delta_2"].every((k) => inG2Subgroup(vk[k])),
    "")) return header;
  if (venue) {
    // verifier/venue_check.py: gamma is the hash of the epoch, table, open interest, totals
    // commitment and batch roots; revealed totals open their commitment within the reserves.
    const gamma = F.venueGamma(H, header);
    if (!checks.add("gamma", gamma === header.gamma, gamma === header.gamma ?
      "the hash of the epoch, table, open interest, totals commitment and batch roots" :
      "the header's gamma is not the hash of the epoch, table, open interest, totals commitment and batch roots")) return header;
    if (header.totals !== null) {
      const t = F.venueTotalsProblem(H, header);
      if (!checks.add("revealed totals", t === null, t ?? "open the totals commitment and are within the reserves")) return header;
    }
  }
  const agg = json(fileText(data, "proofs/aggregate.json"), "proofs/aggregate.json");
  if (agg === null || typeof agg !== "object" || !Array.isArray(agg.public) || typeof agg.proof !== "object") {
    throw new F.FormatError("proofs/aggregate.json", "<root>", 'expected {"proof": ..., "public": [...]}');
  }
  const expected = (venue ? F.venueAggregatePublic(H, header) : F.aggregatePublic(H, header)).map(String);
  let detail = "";
  if (agg.public.length !== expected.length) detail = `${agg.public.length} public inputs, expected ${expected.length}`;
  else {
    const k = expected.findIndex((x, i) => agg.public[i] !== x);
    if (k >= 0) detail = `public[${k}] (${names[k]}) differs from the header`;
  }
  if (!checks.add("proofs/aggregate.json statement", detail === "", detail ||
    `${expected.length} public inputs rebuilt from the header (header digest ${String(header.headerDigest).slice(0, 12)}...)`)) return header;
  let ok = false;
  try {
    if (!inG2Subgroup(agg.proof.pi_b)) detail = "pi_b is not in G2's prime-order subgroup";
    else ok = await snarkjs.groth16.verify(vk, expected, agg.proof);
  } catch (e) {
    detail = `malformed proof: ${e.message}`;
  }
  checks.add("proofs/aggregate.json proof", ok, ok ? "Groth16 pairing check (snarkjs) holds" : detail || "pairing check failed");
  return header;
}

/** The holder's record: embedded sealed blob, a dropped .bin, or a dropped plaintext .json. */
async function readRecord(data, header, userId, nonce, dropped) {
  const loc = await F.locator(header.epoch, userId, nonce);
  let text;
  if (dropped && dropped.text !== null) text = dropped.text;
  else {
    let blob = dropped ? dropped.bytes : null;
    if (!blob) {
      if (!data.records) return { error: `this page does not embed the records: drop the file inclusion/${loc}.bin from the bundle` };
      if (!(loc in data.records)) return { error: `id not in epoch ${header.epoch} (no record for this id and nonce)` };
      blob = fromB64(data.records[loc]);
    }
    text = await F.openSealed(blob, header.epoch, userId, nonce);
    if (text === null) return { error: `inclusion/${loc}.bin cannot be opened with this id and nonce for epoch ${header.epoch} (another epoch's or account's record, or tampered)` };
  }
  const file = `inclusion/${loc}.bin`;
  try {
    return { record: header.format === F.VENUE_HEADER_FORMAT ?
      F.readVenueRecord(text, header.shape, header.tiers, header.epoch, file) :
      F.parseRecord(json(text, file), header.shape, header.epoch, file) };
  } catch (e) {
    if (e instanceof F.FormatError) return { error: e.message };
    throw e;
  }
}

/** Run every check; returns {ok, verdict, checks, header, record}. Never throws. */
export async function verify(data, { userId, nonceHex, allowDev = false, dropped = null,
  maxSnapshotAge = F.MAX_SNAPSHOT_AGE_SECONDS }) {
  const checks = new Checks();
  let header = null, record = null;
  try {
    if (!data || data.format !== "zkproof-page-data/1") {
      throw new F.FormatError("page/bundle-data.js", "format", "missing or not zkproof-page-data/1");
    }
    if (!globalThis.crypto?.subtle) {
      throw new F.FormatError("verify.html", "<context>", "this browser gives the page no Web Crypto: open it from disk or over https");
    }
    const nonce = F.parseNonce(nonceHex);
    if (!userId) checks.add("your id and nonce", false, "enter your account id");
    else if (!nonce) checks.add("your id and nonce", false, "the nonce must be 64 lowercase hex digits");
    if (!Number.isSafeInteger(maxSnapshotAge) || maxSnapshotAge < 0) {
      checks.add("maximum snapshot age", false, "max_snapshot_age must be a whole number of seconds >= 0");
    }
    header = await checkBundle(data, allowDev, maxSnapshotAge, checks);
    if (header && userId && nonce) {
      const r = await readRecord(data, header, userId, nonce, dropped);
      if (checks.add("your inclusion record", !r.error, r.error ?? `batch ${r.record.batch}, slot ${r.record.index}`)) {
        record = r.record;
        const inc = await (header.format === F.VENUE_HEADER_FORMAT ? F.checkVenueInclusion : F.checkInclusion)(
          await tools(), header, record, userId, nonce);
        checks.add("your leaf is in the proven root", inc.ok, inc.detail);
      }
    }
  } catch (e) {
    checks.add("bundle files", false, e instanceof F.FormatError ? e.message : `unexpected error: ${e && e.message}`);
  }
  const failed = checks.failed;
  const venue = header?.format === F.VENUE_HEADER_FORMAT;
  const where = venue ? `batch ${record?.batch}'s proven root in epoch ${header.epoch}` : `epoch ${header?.epoch}'s proven root`;
  const verdict = failed ? `not verified: ${failed.name}: ${failed.detail}` :
    `verified: your account is in ${where} and the aggregate proof holds; ` +
    "not checked here: the batch proofs and the chain (see below)";
  return { ok: !failed, verdict, checks: checks.list, notChecked: venue ? VENUE_NOT_CHECKED : NOT_CHECKED, header, record };
}

// ---- display ---------------------------------------------------------------------------

function decimal(x, decimals) {
  const neg = x < 0n, s = (neg ? -x : x).toString().padStart(decimals + 1, "0");
  const out = decimals ? `${s.slice(0, -decimals)}.${s.slice(-decimals)}`.replace(/\.?0+$/, "") : s;
  return (neg ? "-" : "") + out;
}

function table(rows, head) {
  const t = el("table");
  const tr = el("tr");
  head.forEach((h) => tr.append(el("th", h)));
  t.append(tr);
  for (const r of rows) {
    const row = el("tr");
    r.forEach((c) => row.append(el("td", c)));
    t.append(row);
  }
  return t;
}

// descriptor "id|kind|underlying|right|strike|expiry|position_decimals" (docs/formats.md §8)
const contracts = (n, q) => { const d = n.split("|").at(-1); return decimal(q, /^[0-9]{1,2}$/.test(d) ? Number(d) : 0); };

/** A venue holder's used slots: balance slot k is listed asset k - 1 (a negative balance is a
 * loan), position slot k listed instrument k - 1 (signed: negative is short). A slot past the
 * listing cannot be in a proven batch (the batch circuit finds no listed row for it), so it is
 * shown by number only. */
function showVenueAccount(out, h, rec) {
  out.append(el("h2", "Your account as proven"));
  out.append(el("p", `Batch ${rec.batch}, slot ${rec.index}, tier P=${rec.tier} (up to ${rec.tier} positions and ${h.shape.b} balances).`));
  const asset = (k) => h.assets[Number(k) - 1] ?? { symbol: `unlisted asset slot ${k}`, decimals: 0 };
  out.append(rec.balances.length ? table(rec.balances.map(([k, x]) => [asset(k).symbol, decimal(x, asset(k).decimals),
    String(x), x < 0n ? "loan" : "holding"]), ["asset", "balance", "base units", ""]) : el("p", "No balances."));
  const name = (k) => h.instruments[Number(k) - 1] ?? `unlisted instrument slot ${k}`;
  out.append(rec.positions.length ? table(rec.positions.map(([k, q]) => [name(k).split("|")[0], contracts(name(k), q), String(q),
    q < 0n ? "short" : "long", name(k)]), ["instrument", "position (contracts)", "base units", "", "descriptor"]) :
    el("p", "No open positions."));
}

function show(result) {
  const v = $("verdict");
  v.textContent = result.verdict;
  v.className = result.ok ? "ok" : "bad";
  const out = $("details");
  out.replaceChildren();
  out.append(el("h2", "Checks"));
  out.append(table([...result.checks.map((c) => [c.ok ? "ok" : "FAIL", c.name, c.detail]),
    ...result.notChecked.map((u) => ["NOT CHECKED", u.name, u.detail])],
  ["", "check", "detail"]));
  const h = result.header;
  const venue = h?.format === F.VENUE_HEADER_FORMAT;
  if (result.record && h && venue) showVenueAccount(out, h, result.record);
  else if (result.record && h) {
    out.append(el("h2", "Your account as proven"));
    out.append(table(h.assets.map((a, k) => [a.symbol, decimal(result.record.balances[k], a.decimals), String(result.record.balances[k])]),
      ["asset", "balance", "base units"]));
    const pos = h.instruments.map((name, i) => [name, result.record.positions[i]]).filter(([, q]) => q !== 0n);
    out.append(pos.length ? table(pos.map(([n, q]) => [n.split("|")[0], contracts(n, q), String(q)]),
      ["instrument", "position (contracts)", "base units"]) : el("p", "No open positions."));
  }
  if (h) {
    out.append(el("h2", `Epoch ${h.epoch}`));
    if (!result.ok) out.append(el("p", "Not verified: the values below are what the header claims, not proven.", "bad-note"));
    const root = !venue ? `root ${h.root}` : result.record ?
      `your batch ${result.record.batch}'s root ${h.batches[result.record.batch].root} (one of ${h.shape.n_batches} batch roots)` :
      `${h.shape.n_batches} batch roots`;
    out.append(el("p", `Epoch time ${utc(h.timestamp)} (timestamp ${h.timestamp}); oracle snapshot ${utc(h.snapshotTime)} ` +
      `(snapshot_time ${h.snapshotTime}); ${root}`));
    if (venue && h.totals) {
      // net liabilities L, gross loans G, gross holdings L + G (docs/formats.md §20)
      out.append(table(h.assets.map((a, k) => [a.symbol, decimal(a.reserves, a.decimals), decimal(h.totals[k], a.decimals),
        decimal(h.totals[k] + h.loans[k], a.decimals), decimal(h.loans[k], a.decimals)]),
      ["asset", "reserves", "net liabilities", "gross holdings", "gross loans"]));
    } else {
      out.append(table(h.assets.map((a, k) => [a.symbol, decimal(a.reserves, a.decimals),
        h.totals ? decimal(h.totals[k], a.decimals) : "hidden"]), ["asset", "reserves", "liabilities"]));
    }
    out.append(el("p", !h.totals ?
      `Liabilities are hidden: the aggregate proof shows, for every asset, that the ${venue ? "net " : ""}sum of all balances is within the reserves.` :
      venue ? "Liabilities revealed by the venue; the aggregate proof shows that they are the net sum of all balances " +
        "(holdings minus loans) and within the reserves, and that the gross loans are the sum of all loans." :
        "Liabilities revealed by the venue; the aggregate proof shows they are the sum of all balances and within the reserves."));
    out.append(el("p", `Compare the aggregate key's SHA-256 ${h.vkSha256.aggregate} with the digest the ceremony published.`, "note"));
  }
  out.append(el("h2", "Not checked by this page"));
  const ul = el("ul");
  result.notChecked.forEach((u) => ul.append(el("li", `${u.name}: ${u.detail}`)));
  out.append(ul);
  out.append(el("p", `This page checks your own account, the aggregate proof (${venue ? "the batch roots, open interest, " +
    "net liabilities within reserves" : "one root, liabilities within reserves"}, the header as published) and the oracle ` +
    "snapshot's age.", "note"));
}

async function readDropped(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b) return { name: file.name, bytes: null, text: new TextDecoder().decode(bytes) };
  return { name: file.name, bytes, text: null };
}

async function run(dropped) {
  $("verdict").textContent = "checking...";
  $("verdict").className = "";
  const result = await verify(window.ZKPROOF_BUNDLE, {
    userId: $("uid").value, nonceHex: $("nonce").value.trim(), allowDev: $("allowdev").checked, dropped,
    maxSnapshotAge });
  show(result);
}

let maxSnapshotAge = F.MAX_SNAPSHOT_AGE_SECONDS;

function main() {
  const q = new URLSearchParams(location.search);
  if (q.has("max_snapshot_age")) {
    const t = q.get("max_snapshot_age");
    maxSnapshotAge = /^[0-9]{1,15}$/.test(t) ? Number(t) : -1;  // -1: refused by verify()
  }
  $("uid").value = q.get("id") ?? "";
  $("nonce").value = q.get("nonce") ?? "";
  $("allowdev").checked = q.get("allow_dev") === "1";
  let dropped = null;
  $("form").addEventListener("submit", (ev) => { ev.preventDefault(); run(dropped); });
  const take = async (file) => { dropped = await readDropped(file); $("dropname").textContent = `record: ${file.name}`; };
  $("record").addEventListener("change", (ev) => ev.target.files[0] && take(ev.target.files[0]));
  const zone = $("drop");
  zone.addEventListener("dragover", (ev) => ev.preventDefault());
  zone.addEventListener("drop", (ev) => { ev.preventDefault(); if (ev.dataTransfer.files[0]) take(ev.dataTransfer.files[0]); });
  if (q.has("id") && q.has("nonce")) run(null);
  else $("verdict").textContent = "enter your id and nonce, then Verify";
}

if (typeof document !== "undefined") main();
