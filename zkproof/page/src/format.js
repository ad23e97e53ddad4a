// zkproof's bundle format as the verification page reads it: the ONE JavaScript copy of it.
//
// Everything the page must compute exactly as the Python verifier does lives here and nowhere
// else in JavaScript: the header's fields and bounds (zkproof/formats/epoch_header.py), the
// aggregate proof's public inputs built from the header (zkproof/statement.py AGGREGATE_PUBLIC,
// EpochHeader.aggregate_public), the header digest over the canonical header JSON
// (statement.canonical_header_bytes), the oracle snapshot's age (statement.snapshot_age_problem),
// the user's id hash, leaf and node layouts
// (zkproof/hash/merkle_sum_layout.py, zkproof/hash/merkle_sum_proof.py), the sealed inclusion
// record (zkproof/formats/inclusion_file.py) and its validation (zkproof/verifier/inclusion.py);
// and for a venue epoch (header format `zkproof-venue-epoch/1`, docs/formats.md §20) the venue
// header (zkproof/formats/venue_header.py parse_venue_header), the venue aggregate's public
// inputs (zkproof/venue.py aggregate_public_values: the universe-padded table and open interest
// hashes, gamma, its powers and oi_eval), the venue record and leaf (venue.leaf_hash) and its
// climb to its batch's root (`node = H(tag(NODE, 2), left, right)`).
// tests/test_page.py runs this module under node against the Python code on real bundles, so a
// format change on either side fails a test instead of drifting silently.
//
// Pure functions, no imports: the caller passes `H`, circomlibjs' Poseidon as a function from
// an array of BigInt to a BigInt, and the Web Crypto API is `globalThis.crypto.subtle` (browsers
// on file:// and https, and node >= 19). Errors are `FormatError(file, field, reason)`, the
// shape of the Python side's one-line InputError.

export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export const HEADER_FORMAT = "zkproof-epoch/1";
export const RECORD_FORMAT = "zkproof-inclusion/1";
export const DEV_MARKER_KEY = "zkproof_setup";

// Domain kinds (merkle_sum_layout: LEAF, NODE, HEADER, CHUNK; statement: ID .. TOTALS).
const LEAF = 1, NODE = 2, CHUNK = 4, ID = 5, TABLE = 6, RESERVES = 7, BATCHES = 9;
const OPEN_INTEREST = 12, SHAPE = 13;
const MAX_DIRECT = 15;
const MAX_FIELD_BITS = 252;
// Poseidon partial rounds per width t = 2..17 (circomlib; zkproof/hash/grain.py R_P).
const R_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
// The protocol's own accounts named in the header (statement.PROTOCOL_ROLES).
export const PROTOCOL_ROLES = ["insurance_fund", "protocol_vault"];
// Default bound on epoch timestamp - oracle snapshot time (statement.MAX_SNAPSHOT_AGE_SECONDS,
// the CLI's --max-snapshot-age default).
export const MAX_SNAPSHOT_AGE_SECONDS = 3600;
export const BALANCE_BITS = 64;
export const POSITION_BITS = 63;
const LIMB_BITS = 64n, LIMBS_PER_ELEMENT = 3;
const POSITION_OFFSET = 1n << 63n;

// The aggregate proof's public inputs, in order (statement.AGGREGATE_PUBLIC).
export const AGGREGATE_PUBLIC = ["epoch", "timestamp", "root", "risk_table_hash",
  "reserves_commitment", "totals_revealed", "totals_commitment", "open_interest_hash",
  "shape_digest", "header_digest", "batches_hash"];
export const HEADER_DIGEST_KEY = "header_digest";

// The G2 generator (snarkjs order [c0, c1]); a key whose delta is it had no phase-2 secret.
const G2_GENERATOR = [
  ["10857046999023057135944570762232829481370756359578518086990519993285655852781",
   "11559732032986387107991004021392285783925812861821192530917403151452391805634"],
  ["8495653923123431417604973247489272438418190587263600148770280649306958101930",
   "4082367875863433681332203403145435568316851327593401208105741076214120093531"]];

export class FormatError extends Error {
  constructor(file, field, reason) {
    super(`${file}: ${field}: ${reason}`);
    this.file = file; this.field = field; this.reason = reason;
  }
}

const mod = (x) => ((x % R) + R) % R;

// ---- hashing layouts --------------------------------------------------------------------

export function tag(kind, n) {
  if (!(n > 0 && n < 2 ** 32)) throw new Error(`hash input length must be in 1..2^32-1, got ${n}`);
  return (BigInt(kind) << 32n) | BigInt(n);
}

/** H(tag(kind, n), values...) for n <= 15; chunked (15 per chunk) up to 225 values. */
export function hashTagged(H, kind, values) {
  const n = values.length;
  if (n <= MAX_DIRECT) return H([tag(kind, n), ...values]);
  if (n > MAX_DIRECT * MAX_DIRECT) throw new Error(`at most 225 values can be hashed, got ${n}`);
  const digests = [];
  for (let i = 0; i < n; i += MAX_DIRECT) {
    const c = values.slice(i, i + MAX_DIRECT);
    digests.push(H([tag(CHUNK, (kind << 16) | c.length), ...c]));
  }
  return H([tag(kind, n), ...digests]);
}

/** h = H(tag(kind, len)), then h = H(h, next 15 values) per chunk, the last zero-padded. */
export function longHash(H, kind, values) {
  let h = H([tag(kind, values.length)]);
  for (let i = 0; i < values.length; i += MAX_DIRECT) {
    const c = values.slice(i, i + MAX_DIRECT);
    while (c.length < MAX_DIRECT) c.push(0n);
    h = H([h, ...c]);
  }
  return h;
}

/** chain_split: how many values the first call of chainHash takes (the fewest partial rounds
 * over both calls, ties to the larger k). */
export function chainSplit(n) {
  if (!(n > 0 && n <= 2 * MAX_DIRECT - 1)) throw new Error(`chain_hash takes 1..${2 * MAX_DIRECT - 1} values, got ${n}`);
  if (n <= MAX_DIRECT) return n;
  let best = null;
  for (let k = n - MAX_DIRECT; k <= MAX_DIRECT; k++) {
    const cost = R_P[k] + R_P[n - k];
    if (best === null || cost < best.cost || (cost === best.cost && k > best.k)) best = { k, cost };
  }
  return best.k;
}

/** h = H(tag(kind, n), x_1..x_k), then h = H(h, x_(k+1)..x_n), k = chainSplit(n), no padding. */
export function chainHash(H, kind, values) {
  const k = chainSplit(values.length);
  const h = H([tag(kind, values.length), ...values.slice(0, k)]);
  return k < values.length ? H([h, ...values.slice(k)]) : h;
}

/** The risk table flattened row by row (c[a][s], v[i][s], m[i]), field-encoded. */
export function tableValues(header) {
  return [...header.c.flat(), ...header.v.flat(), ...header.m].map(mod);
}

export const riskTableHash = (H, header) => longHash(H, TABLE, tableValues(header));
export const reservesCommitment = (H, header) =>
  hashTagged(H, RESERVES, [BigInt(header.epoch), ...header.assets.map((a) => a.reserves)]);
export const batchesHash = (H, header) => longHash(H, BATCHES, header.batchCommitments);
export const openInterestHash = (H, header) => chainHash(H, OPEN_INTEREST, header.openInterest);
/** Shape.digest: every shape field in declaration order. */
export const shapeDigest = (H, shape) => hashTagged(H, SHAPE, [shape.n_assets, shape.n_instruments,
  shape.n_scenarios, shape.capacity, shape.table_bits, shape.n_batches, shape.equity_check_cap].map(BigInt));

/** The aggregate proof's public inputs (AGGREGATE_PUBLIC), every one recomputed or read from the
 * parsed header; `header.headerDigest` is the digest of the file as read (readHeader). */
export function aggregatePublic(H, header) {
  return [BigInt(header.epoch), BigInt(header.timestamp), header.root, riskTableHash(H, header),
    reservesCommitment(H, header), BigInt(header.totals === null ? 0 : 1),
    header.totalsCommitment, openInterestHash(H, header), shapeDigest(H, header.shape),
    header.headerDigest, batchesHash(H, header)];
}

/** statement.snapshot_age_problem: why an epoch stamped `timestamp` may not use prices
 * snapshotted at `snapshotTime` (null when it may); `maxAge` is the verifier's own bound. */
export function snapshotAgeProblem(timestamp, snapshotTime, maxAge) {
  const age = timestamp - snapshotTime;
  if (age < 0) return `the oracle snapshot (${snapshotTime}) is ${-age} s after the epoch timestamp (${timestamp})`;
  if (age > maxAge) return `the oracle snapshot is ${age} s older than the epoch timestamp (max ${maxAge} s)`;
  return null;
}

// ---- the header digest: canonical JSON ------------------------------------------------------
//
// statement.canonical_header_bytes is Python's json.dumps(obj, sort_keys=True,
// separators=(",", ":"), ensure_ascii=False, allow_nan=False) of the header as strict_json
// parsed it, in UTF-8. JSON.parse loses what that needs (integers beyond 2^53, the spelling of
// a float, duplicate keys), so the text is parsed again here, token by token, and written out
// as Python writes it:
// - objects: keys sorted by code point; a duplicate key is refused (strict_json refuses it);
// - strings: only '"', '\\' and the controls U+0000..U+001F escaped (\n, \r, \t, \b, \f, else
//   \u00xx in lowercase hex); everything else as itself, UTF-8 encoded. A string with an
//   unpaired surrogate is refused (Python cannot encode it: no digest exists);
// - integers (no fraction, no exponent): the exact decimal value, "-0" as "0"; more than 4300
//   digits refused (Python's int limit, which strict_json turns into an error);
// - other numbers: Python's float repr (shortest round-trip digits; exponent form with a sign
//   and two digits at least when the decimal exponent is < -4 or >= 16, else fixed with ".0");
//   an infinite value (1e400) is refused (allow_nan=False);
// - nesting deeper than 64 levels is refused (strict_json.MAX_JSON_DEPTH).

const MAX_JSON_DEPTH = 64;

function cmpCodePoints(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0)), y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

const SHORT_ESCAPES = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

function pyString(s) {
  return '"' + s.replace(/["\\\u0000-\u001f]/g, (c) => SHORT_ESCAPES[c] ??
    "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + '"';
}

/** Python's repr of the double nearest to x (finite). */
export function pyFloatRepr(x) {
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expPart] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", ""), exp10 = parseInt(expPart, 10), decpt = exp10 + 1;
  let out;
  if (decpt <= -4 || decpt > 16) {
    out = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + (exp10 < 0 ? "-" : "+") +
      String(Math.abs(exp10)).padStart(2, "0");
  } else if (decpt <= 0) out = "0." + "0".repeat(-decpt) + digits;
  else if (decpt >= digits.length) out = digits + "0".repeat(decpt - digits.length) + ".0";
  else out = digits.slice(0, decpt) + "." + digits.slice(decpt);
  return (x < 0 ? "-" : "") + out;
}

const NUMBER_RE = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The canonical text of one JSON document (the rules above), leaving out the top-level key
 * `dropKey`. Throws FormatError(file, "<json>", reason) for text strict_json refuses and for
 * values Python could not serialise. `seen`, if given, gets `seen.float`: the first number
 * written with a fraction or an exponent (a Python float, which JSON.parse cannot tell from an
 * integer), else it stays unset. */
export function canonicalJson(text, file = "header.json", dropKey = HEADER_DIGEST_KEY, seen = null) {
  let i = 0;
  const fail = (reason) => { throw new FormatError(file, "<json>", `${reason} at offset ${i}`); };
  const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
  const str = () => {
    if (text[i] !== '"') fail("expected a string");
    let out = "";
    i++;
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text[i];
      if (c === '"') { i++; break; }
      if (c < " ") fail("control character in a string");
      if (c !== "\\") { out += c; i++; continue; }
      const e = text[i + 1];
      const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }[e];
      if (simple !== undefined) { out += simple; i += 2; continue; }
      if (e !== "u" || !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("invalid escape");
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    }
    if (UNPAIRED_SURROGATE.test(out)) fail("a string with an unpaired surrogate (no UTF-8 form)");
    return out;
  };
  const value = (depth) => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      if (depth >= MAX_JSON_DEPTH) fail(`nested deeper than ${MAX_JSON_DEPTH}`);
      i++; ws();
      const close = c === "{" ? "}" : "]";
      const items = [];
      if (text[i] === close) { i++; return c === "{" ? "{}" : "[]"; }
      for (;;) {
        if (c === "{") {
          ws();
          const key = str();
          ws();
          if (text[i] !== ":") fail("expected ':'");
          i++;
          if (items.some(([k]) => k === key)) throw new FormatError(file, key, "duplicate key");
          items.push([key, value(depth + 1)]);
        } else items.push(value(depth + 1));
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === close) { i++; break; }
        fail(`expected ',' or '${close}'`);
      }
      if (c === "[") return "[" + items.join(",") + "]";
      const kept = items.filter(([k]) => depth > 0 || k !== dropKey).sort((a, b) => cmpCodePoints(a[0], b[0]));
      return "{" + kept.map(([k, v]) => pyString(k) + ":" + v).join(",") + "}";
    }
    if (c === '"') return pyString(str());
    for (const lit of ["true", "false", "null"]) {
      if (text.startsWith(lit, i)) { i += lit.length; return lit; }
    }
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) fail("invalid JSON value");
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      if (m[1].length > 4300) fail("an integer of more than 4300 digits");
      return BigInt(m[0]).toString();
    }
    const x = Number(m[0]);
    if (!Number.isFinite(x)) fail(`${m[0].slice(0, 20)} is out of a double's range`);
    if (seen && seen.float === undefined) seen.float = { text: m[0].slice(0, 20), offset: i - m[0].length };
    return pyFloatRepr(x);
  };
  const out = value(0);
  ws();
  if (i !== text.length) fail("extra data after the JSON value");
  return out;
}

/** statement.header_digest: SHA-256 of the canonical header (UTF-8), top 253 bits. */
export async function headerDigest(text, file = "header.json", seen = null) {
  return beInt(await sha256(enc.encode(canonicalJson(text, file, HEADER_DIGEST_KEY, seen)))) >> 3n;
}

/** header.json's text: strictly parsed by its format (parseHeader, or parseVenueHeader for a venue
 * epoch) with its digest as read. */
export async function readHeader(text, H, file = "header.json") {
  const seen = {};
  const digest = await headerDigest(text, file, seen);
  let obj;
  try { obj = JSON.parse(text); } catch (e) { throw new FormatError(file, "<json>", e.message); }
  if (!isVenueHeader(obj)) return parseHeader(obj, H, file, digest);
  // Every number of a venue header is an integer (a JSON integer or a decimal string), and
  // parse_venue_header refuses a float where it reads one (`type(v) is int`); JSON.parse reads
  // `4.0` as 4, so the text decides.
  if (seen.float) {
    throw new FormatError(file, "<json>", `${seen.float.text} at offset ${seen.float.offset}: every number of a venue header is an integer`);
  }
  return parseVenueHeader(obj, H, file, digest);
}

// ---- the header --------------------------------------------------------------------------

const INT_RE = /^-?(0|[1-9][0-9]{0,79})$/;
const HEADER_KEYS = ["format", "epoch", "timestamp", "shape", "assets", "instruments", "scenarios",
  "risk_table", "open_interest", "protocol_accounts", "root", "batch_commitments",
  "totals_revealed", "totals_commitment", "verification_keys", "circuit_fingerprints",
  "dev_setup", "risk_table_hash", "reserves_commitment", "open_interest_hash", "shape_digest",
  HEADER_DIGEST_KEY];
const SHAPE_KEYS = ["n_assets", "n_instruments", "n_scenarios", "capacity", "n_batches", "table_bits",
  "equity_check_cap"];

function reader(file) {
  const err = (fld, reason) => new FormatError(file, fld, reason);
  return {
    err, file,
    obj(v, fld, keys) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) throw err(fld, "expected an object");
      const have = Object.keys(v).sort(), want = [...keys].sort();
      const missing = want.filter((k) => !have.includes(k)), extra = have.filter((k) => !want.includes(k));
      if (missing.length) throw err(fld, `missing keys ${JSON.stringify(missing)}`);
      if (extra.length) throw err(fld, `unknown keys ${JSON.stringify(extra)}`);
      return v;
    },
    small(v, fld, lo, hi) {
      if (!Number.isSafeInteger(v) || v < lo || v > hi) throw err(fld, `expected an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
      return v;
    },
    num(v, fld, lo, hi) {  // lo <= n < hi, decimal string with one spelling
      if (typeof v !== "string" || !INT_RE.test(v) || v === "-0") throw err(fld, `expected a decimal string, got ${JSON.stringify(v)}`);
      const n = BigInt(v);
      if (n < lo || n >= hi) throw err(fld, `${v} is outside [${lo}, ${hi})`);
      return n;
    },
    lst(v, fld, n) {
      if (!Array.isArray(v) || (n !== undefined && v.length !== n)) throw err(fld, `expected a list of ${n ?? "some"} items`);
      return v;
    },
    hex(v, fld, n) {
      if (typeof v !== "string" || !new RegExp(`^[0-9a-f]{${n}}$`).test(v)) throw err(fld, `expected ${n} lowercase hex digits`);
      return v;
    },
  };
}

const log2 = (n) => Math.round(Math.log2(n));

/** Derived sizes (statement.Shape): tree depths, the bit widths of sums and reserves, and
 * interest_bits (every open interest is below 2^interestBits). */
export function shapeInfo(shape) {
  const depth = log2(shape.capacity), topDepth = log2(shape.n_batches);
  return { ...shape, depth, topDepth, reserveBits: BALANCE_BITS + depth + topDepth,
    pathSumBits: BALANCE_BITS + depth, interestBits: POSITION_BITS + depth + topDepth };
}

/** Strict parse of header.json (mirrors epoch_header.parse_header), with the published derived
 * values (risk_table_hash, reserves_commitment, open_interest_hash, shape_digest) compared with
 * their recomputation. `digest`: headerDigest of the file's text (readHeader computes it); the
 * header's own `header_digest` is only range-checked here, as in Python: the recomputed value
 * is what goes to the aggregate proof. */
export function parseHeader(obj, H, file, digest) {
  const p = reader(file);
  if (typeof digest !== "bigint") throw new TypeError("parseHeader needs the header digest of the file as read");
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw p.err("<header>", "expected an object");
  let revealed = 0;
  if ("totals_revealed" in obj) {
    revealed = p.small(obj.totals_revealed, "totals_revealed", 0, 1);
    if (revealed && !("totals" in obj)) throw p.err("totals", "missing: totals_revealed is 1, so the header must list the totals");
    if (!revealed && "totals" in obj) throw p.err("totals", "present, but totals_revealed is 0 (hidden totals are never published)");
  }
  const h = p.obj(obj, "<header>", revealed ? [...HEADER_KEYS, "totals"] : HEADER_KEYS);
  if (h.format !== HEADER_FORMAT) throw p.err("format", `expected ${JSON.stringify(HEADER_FORMAT)}`);
  const sh = p.obj(h.shape, "shape", SHAPE_KEYS);
  const shape = {};
  for (const k of SHAPE_KEYS) shape[k] = p.small(sh[k], `shape.${k}`, 1, 1 << 20);
  for (const k of ["capacity", "n_batches"]) {
    if (shape[k] < 2 || (shape[k] & (shape[k] - 1))) throw p.err("shape", `${k} must be a power of two >= 2, got ${shape[k]}`);
  }
  if (shape.n_instruments > 16 || shape.n_assets > 5) throw p.err("shape", "1..16 instruments and 1..5 assets (Poseidon arity)");
  if (shape.table_bits > 64) throw p.err("shape", "table_bits must be in 1..64");
  if (shape.equity_check_cap > MAX_FIELD_BITS) throw p.err("shape", `equity_check_cap must be in 1..${MAX_FIELD_BITS}`);
  const info = shapeInfo(shape);
  if (2 * info.interestBits + 1 > MAX_FIELD_BITS) {
    throw p.err("shape", `capacity x n_batches too large: the packed open interest would need ${2 * info.interestBits + 1} > ${MAX_FIELD_BITS} bits`);
  }
  const A = shape.n_assets, I = shape.n_instruments, S = shape.n_scenarios;
  const bound = 1n << BigInt(shape.table_bits), reserveBound = 1n << BigInt(info.reserveBits);
  const assets = p.lst(h.assets, "assets", A).map((a, k) => {
    p.obj(a, `assets[${k}]`, ["symbol", "decimals", "reserves"]);
    return { symbol: String(a.symbol), decimals: p.small(a.decimals, `assets[${k}].decimals`, 0, 36),
      reserves: p.num(a.reserves, `assets[${k}].reserves`, 0n, reserveBound) };
  });
  const rt = p.obj(h.risk_table, "risk_table", ["value_unit_exponent", "snapshot_time", "c", "v", "m",
    "ml", "ms", "sha256"]);
  const table = (rows, name, n) => p.lst(rows, `risk_table.${name}`, n).map((row, i) =>
    p.lst(row, `risk_table.${name}[${i}]`, S).map((x, s) => p.num(x, `risk_table.${name}[${i}][${s}]`, -bound + 1n, bound)));
  const c = table(rt.c, "c", A), v = table(rt.v, "v", I);
  const [m, ml, ms] = ["m", "ml", "ms"].map((k) =>
    p.lst(rt[k], `risk_table.${k}`, I).map((x, i) => p.num(x, `risk_table.${k}[${i}]`, 0n, bound)));
  c.forEach((row, a) => { if (row.some((x) => x < 0n)) throw p.err(`risk_table.c[${a}]`, "collateral values must be >= 0"); });
  const keys = p.obj(h.verification_keys, "verification_keys", ["batch", "aggregate"]);
  const fps = p.obj(h.circuit_fingerprints, "circuit_fingerprints", ["batch", "aggregate"]);
  if (typeof h.dev_setup !== "boolean") throw p.err("dev_setup", "expected true or false");
  const header = {
    format: HEADER_FORMAT,
    // JSON numbers: the page reads epochs up to 2^53 - 1 exactly (Python: 2^63 - 1); a larger
    // epoch is refused here, never rounded.
    epoch: p.small(h.epoch, "epoch", 0, Number.MAX_SAFE_INTEGER),
    timestamp: p.small(h.timestamp, "timestamp", 0, 2 ** 40 - 1),
    shape: info, assets,
    instruments: p.lst(h.instruments, "instruments", I).map(String),
    scenarios: p.lst(h.scenarios, "scenarios", S).map(String),
    valueUnitExponent: p.small(rt.value_unit_exponent, "risk_table.value_unit_exponent", 0, 36),
    c, v, m, riskTableSha256: p.hex(rt.sha256, "risk_table.sha256", 64),
    root: p.num(h.root, "root", 0n, R),
    batchCommitments: p.lst(h.batch_commitments, "batch_commitments", shape.n_batches)
      .map((x, b) => p.num(x, `batch_commitments[${b}]`, 0n, R)),
    totalsCommitment: p.num(h.totals_commitment, "totals_commitment", 0n, R),
    totals: revealed ? p.lst(h.totals, "totals", A).map((x, a) => p.num(x, `totals[${a}]`, 0n, reserveBound)) : null,
    vkSha256: { batch: p.hex(keys.batch, "verification_keys.batch", 64),
      aggregate: p.hex(keys.aggregate, "verification_keys.aggregate", 64) },
    circuitFingerprints: { batch: p.hex(fps.batch, "circuit_fingerprints.batch", 64),
      aggregate: p.hex(fps.aggregate, "circuit_fingerprints.aggregate", 64) },
    devSetup: h.dev_setup,
    snapshotTime: p.small(rt.snapshot_time, "risk_table.snapshot_time", 0, 2 ** 40 - 1),
    ml, ms,
    openInterest: p.lst(h.open_interest, "open_interest", I)
      .map((x, i) => p.num(x, `open_interest[${i}]`, 0n, 1n << BigInt(info.interestBits))),
    protocolAccounts: protocolAccounts(p, h.protocol_accounts, info, h.epoch),
    headerDigest: digest,
    publishedDigest: p.num(h[HEADER_DIGEST_KEY], HEADER_DIGEST_KEY, 0n, R),
  };
  for (const [name, derived] of [["risk_table_hash", riskTableHash(H, header)],
    ["reserves_commitment", reservesCommitment(H, header)],
    ["open_interest_hash", openInterestHash(H, header)], ["shape_digest", shapeDigest(H, info)]]) {
    if (p.num(h[name], name, 0n, R) !== derived) throw p.err(name, "does not match the value recomputed from the header");
  }
  return header;
}

/** [{id, role, nonce, record}]: ids unique non-empty strings, roles from PROTOCOL_ROLES, nonces
 * 64 hex digits, records strictly parsed (epoch_header._protocol_accounts). */
function protocolAccounts(p, raw, shape, epoch) {
  const out = [];
  p.lst(raw, "protocol_accounts").forEach((e, k) => {
    const at = `protocol_accounts[${k}]`;
    p.obj(e, at, ["id", "role", "nonce", "record"]);
    if (typeof e.id !== "string" || !e.id) throw p.err(`${at}.id`, "expected a non-empty string");
    if (out.some((a) => a.id === e.id)) throw p.err(`${at}.id`, `duplicate id ${JSON.stringify(e.id).slice(0, 40)}`);
    if (!PROTOCOL_ROLES.includes(e.role)) throw p.err(`${at}.role`, `expected one of ${PROTOCOL_ROLES.join(", ")}`);
    out.push({ id: e.id, role: e.role, nonce: p.hex(e.nonce, `${at}.nonce`, 64),
      record: parseRecord(e.record, shape, epoch, p.file, `${at}.record.`) });
  });
  return out;
}

// ---- the verification key ------------------------------------------------------------------

/** The checks of groth16.verify.check_key_is_secure and the dev marker: null if the key is
 * fine, else the reason. `allowDev` accepts a single-party key (tests and demos only);
 * `nPublic`: the aggregate's public inputs (11 for a dense epoch; venueAggregateNames for a
 * venue epoch). */
export function keyProblem(vk, header, allowDev, nPublic = AGGREGATE_PUBLIC.length) {
  const same = (p, q) => JSON.stringify(p.slice(0, 2)) === JSON.stringify(q.slice(0, 2));
  if (vk.protocol !== "groth16" || vk.curve !== "bn128") return "not a Groth16 BN254 key";
  if ("zkproof_commitment" in vk) {
    return "a key with a Groth16 commitment (docs/formats.md §14), which this page does not verify: use `zkproof inclusion verify`";
  }
  if (!Array.isArray(vk.IC)) return "no IC in the key";
  if (same(vk.vk_gamma_2, vk.vk_delta_2)) return "gamma == delta: insecure setup";
  if (same(vk.vk_delta_2, G2_GENERATOR)) return "delta == G2 generator (no phase-2 contribution): insecure setup";
  if ((DEV_MARKER_KEY in vk || header.devSetup) && !allowDev) return "INSECURE-DEV-SETUP key: refused (single-party test key)";
  if (vk.nPublic !== nPublic || vk.IC.length !== nPublic + 1) {
    return `${vk.nPublic} public inputs, expected ${nPublic}`;
  }
  return null;
}

// ---- the user's leaf and path ----------------------------------------------------------------

const enc = new TextEncoder();
const subtle = () => globalThis.crypto.subtle;
const sha256 = async (bytes) => new Uint8Array(await subtle().digest("SHA-256", bytes));
const beInt = (bytes) => bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) { out.set(x, o); o += x.length; }
  return out;
};
const epochBytes = (epoch) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(epoch));
  return b;
};
export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The nonce as 32 bytes from 64 lowercase hex digits (the CLI's one spelling), else null. */
export function parseNonce(hex) {
  if (typeof hex !== "string" || !/^[0-9a-f]{64}$/.test(hex)) return null;
  return Uint8Array.from(hex.match(/../g), (x) => parseInt(x, 16));
}

/** id_hash = H(tag(ID, 2), sha256(id) mod r, nonce mod r). */
export async function idHash(H, userId, nonce) {
  const idField = beInt(await sha256(enc.encode(userId))) % R;
  return hashTagged(H, ID, [idField, beInt(nonce) % R]);
}

/** merkle_sum_layout.pack_limbs: three limbs of `bits` bits per element, least significant first. */
export function packLimbs(limbs, bits = LIMB_BITS) {
  const out = [];
  for (let j = 0; j < limbs.length; j += LIMBS_PER_ELEMENT) {
    let acc = 0n;
    limbs.slice(j, j + LIMBS_PER_ELEMENT).forEach((x, k) => { acc += x << (bits * BigInt(k)); });
    out.push(acc);
  }
  return out;
}

/** Leaf node {hash, sums}: H(tag(LEAF, n), id_hash, packed balances, packed position limbs). */
export function leafNode(H, idh, balances, positions) {
  const values = [idh, ...packLimbs(balances), ...packLimbs(positions.map((q) => mod(q) + POSITION_OFFSET))].map(mod);
  return { hash: hashTagged(H, LEAF, values), sums: balances.slice() };
}

function checkSums(sums, bits, what) {
  const hi = 1n << BigInt(bits);
  sums.forEach((s, a) => { if (s < 0n || s >= hi) throw new RangeError(`${what} sum of asset ${a} is outside [0, 2^${bits}): ${s}`); });
}

/** Parent node: hash over both children (hash and sums), sums added per asset. */
export function node(H, left, right, sumBits) {
  checkSums(left.sums, sumBits, "left child");
  checkSums(right.sums, sumBits, "right child");
  const sums = left.sums.map((s, a) => s + right.sums[a]);
  checkSums(sums, sumBits, "parent");
  return { hash: hashTagged(H, NODE, [left.hash, ...left.sums, right.hash, ...right.sums]), sums };
}

/** Climb from `leaf` at `index` with `siblings` (leaf level first; bit j of index set = right child). */
export function rootFromPath(H, leaf, index, siblings, sumBits) {
  let cur = leaf;
  siblings.forEach((sib, j) => { cur = ((index >> j) & 1) ? node(H, sib, cur, sumBits) : node(H, cur, sib, sumBits); });
  return cur;
}

// ---- the sealed record ------------------------------------------------------------------------

async function material(label, epoch, userId, nonce) {
  return sha256(concat(enc.encode(label), epochBytes(epoch), await sha256(enc.encode(userId)), nonce));
}

/** The record's file name in inclusion/ (without .bin): 16 bytes of SHA-256, hex. */
export async function locator(epoch, userId, nonce) {
  return toHex((await material("zkproof/locator", epoch, userId, nonce)).slice(0, 16));
}

/** Decrypt a sealed record (AES-256-GCM, key and IV from epoch, id and nonce; epoch and
 * locator authenticated) and parse its JSON; null when it does not open with these. */
export async function openSealed(blob, epoch, userId, nonce) {
  const loc = (await material("zkproof/locator", epoch, userId, nonce)).slice(0, 16);
  const keyBytes = await material("zkproof/inclusion-key", epoch, userId, nonce);
  const key = await subtle().importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
  let plain;
  try {
    plain = await subtle().decrypt({ name: "AES-GCM", iv: loc.slice(0, 12),
      additionalData: concat(epochBytes(epoch), loc) }, key, blob);
  } catch (e) {
    return null;
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(plain).replace(/ +$/, "");
}

const DEC_RE = /^-?(0|[1-9][0-9]{0,39})$/;
const NODE_RE = /^(0|[1-9][0-9]{0,79})$/;

/** Validate a record's fields for `epoch` and the parsed `shape` (shapeInfo), mirroring
 * inclusion_file.parse_record; `prefix` goes before every field name (a header entry). */
export function parseRecord(rec, sh, epoch, file = "inclusion record", prefix = "") {
  const err = (fld, reason) => new FormatError(file, prefix + fld, reason);
  const keys = ["format", "epoch", "batch", "index", "balances", "positions", "path", "top_path"];
  if (rec === null || typeof rec !== "object" || Array.isArray(rec) ||
      JSON.stringify(Object.keys(rec).sort()) !== JSON.stringify([...keys].sort())) {
    throw err("<record>", "unexpected record layout");
  }
  if (rec.format !== RECORD_FORMAT || rec.epoch !== epoch) {
    throw err("epoch", `record is not for epoch ${epoch}` +
      (Number.isSafeInteger(rec.epoch) ? ` (it is for epoch ${rec.epoch})` : ""));
  }
  const int = (v, fld, lo, hi) => {
    if (!Number.isSafeInteger(v) || v < lo || v >= hi) throw err(fld, `expected an integer in [${lo}, ${hi}), got ${JSON.stringify(v)}`);
    return v;
  };
  const list = (v, fld, n) => {
    if (!Array.isArray(v) || v.length !== n) throw err(fld, `expected a list of ${n} values`);
    return v;
  };
  const dec = (v, fld, lo, hi) => {
    if (typeof v !== "string" || !DEC_RE.test(v) || v === "-0") throw err(fld, `expected a decimal string, got ${JSON.stringify(v)}`);
    const n = BigInt(v);
    if (n < lo || n >= hi) throw err(fld, `${v} is outside [${lo}, ${hi})`);
    return n;
  };
  const nodes = (raw, fld, depth, bits) => {
    if (!Array.isArray(raw) || raw.length !== depth) {
      throw err(fld, `path length ${Array.isArray(raw) ? raw.length : "?"}, expected ${depth}`);
    }
    return raw.map((nd, j) => {
      if (nd === null || typeof nd !== "object" || JSON.stringify(Object.keys(nd).sort()) !== '["hash","sums"]' ||
          !Array.isArray(nd.sums) || nd.sums.length !== sh.n_assets) {
        throw err(`${fld}[${j}]`, "expected {hash, sums[n_assets]}");
      }
      if (![nd.hash, ...nd.sums].every((x) => typeof x === "string" && NODE_RE.test(x))) {
        throw err(`${fld}[${j}]`, "expected non-negative decimal strings");
      }
      const sums = nd.sums.map(BigInt);
      if (sums.some((s) => s >= 1n << BigInt(bits))) throw err(`${fld}[${j}].sums`, `sum outside [0, 2^${bits})`);
      return { hash: BigInt(nd.hash), sums };
    });
  };
  const bal = 1n << BigInt(BALANCE_BITS), pos = 1n << BigInt(POSITION_BITS);
  return {
    epoch: rec.epoch,
    batch: int(rec.batch, "batch", 0, sh.n_batches),
    index: int(rec.index, "index", 0, sh.capacity),
    balances: list(rec.balances, "balances", sh.n_assets).map((x, k) => dec(x, `balances[${k}]`, 0n, bal)),
    positions: list(rec.positions, "positions", sh.n_instruments).map((x, k) => dec(x, `positions[${k}]`, -pos + 1n, pos)),
    path: nodes(rec.path, "path", sh.depth, sh.pathSumBits),
    topPath: nodes(rec.top_path, "top_path", sh.topDepth, sh.reserveBits),
  };
}

/** The user's leaf climbed to the epoch root: {ok, detail, root}. A sibling hash that is not a
 * field element or a sum out of range is a failure (the Python verifier's ValueError). */
export async function checkInclusion(H, header, record, userId, nonce) {
  const sh = header.shape;
  try {
    for (const nd of [...record.path, ...record.topPath]) {
      if (nd.hash >= R) throw new RangeError("a sibling hash is not a field element (>= r)");
    }
    const leaf = leafNode(H, await idHash(H, userId, nonce), record.balances, record.positions);
    const batchRoot = rootFromPath(H, leaf, record.index, record.path, sh.pathSumBits);
    const root = rootFromPath(H, batchRoot, record.batch, record.topPath, sh.reserveBits);
    const ok = root.hash === header.root;
    return { ok, root, detail: ok ? "leaf is in the proven epoch root" :
      "recomputed root differs from the header's proven root" };
  } catch (e) {
    if (e instanceof RangeError) return { ok: false, root: null, detail: e.message };
    throw e;
  }
}

// ---- the venue epoch (docs/formats.md §20; zkproof/venue.py, zkproof/formats/venue_header.py) ----
//
// Only listed items are in the header: instrument i is slot i + 1 of the instrument universe
// (I_max slots), asset a slot a + 1 of the asset universe (A_max slots); slot 0 and every slot
// past the listing are the empty row. The proofs' public table, open interest, reserves and
// totals cover the universes: they are rebuilt here from the header alone (`universe`).

export const VENUE_HEADER_FORMAT = "zkproof-venue-epoch/1";
export const VENUE_RECORD_FORMAT = "zkproof-venue-inclusion/1";
// statement.TOTALS, VENUE_LEAF .. VENUE_EPOCH_SHAPE (VENUE_SUMS = 17 is the batches' own).
const TOTALS = 11, VENUE_LEAF = 14, VENUE_SHAPE = 15, RLC = 16, VENUE_OI = 18, VENUE_TABLE = 19;
const VENUE_EPOCH_SHAPE = 20;
const INDEX_BITS = 16;                       // venue.INDEX_BITS: universes up to 2^16 slots
const SLOT_LIMB_BITS = LIMB_BITS + BigInt(INDEX_BITS);  // venue.SLOT_LIMB_BITS = 80
const MAX_BATCH_BITS = 24;                   // venue.MAX_BATCH_BITS
const AMOUNT = 1n << BigInt(POSITION_BITS);  // |amount| < 2^63
const VENUE_BATCH_FIELDS = ["i_max", "a_max", "b", "k", "capacity", "table_bits", "equity_check_cap"];
const VENUE_HEADER_KEYS = ["format", "epoch", "timestamp", "shape", "tiers", "assets", "instruments",
  "scenarios", "risk_table", "open_interest", "batches", "gamma", "protocol_accounts", "totals_revealed",
  "totals_commitment", "verification_keys", "circuit_fingerprints", "dev_setup", "table_hash",
  "open_interest_hash", "shape_digest", HEADER_DIGEST_KEY];
const VENUE_RECORD_KEYS = ["format", "epoch", "batch", "index", "tier", "positions", "balances", "path"];

/** venue_header.is_venue_header. */
export const isVenueHeader = (obj) =>
  obj !== null && typeof obj === "object" && !Array.isArray(obj) && obj.format === VENUE_HEADER_FORMAT;

const bitLength = (n) => (n === 0n ? 0 : n.toString(2).length);  // n >= 0
const powerOfTwo = (n) => n >= 2 && (n & (n - 1)) === 0;

/** venue.VenueShape's own checks, for the batch shape with `p` position slots: null, or
 * [field, reason] (the field named as the Python side names it). */
function venueShapeProblem(s, p) {
  for (const name of ["i_max", "a_max", "capacity"]) {
    const n = s[name];
    if (!powerOfTwo(n) || (name !== "capacity" && n > 2 ** INDEX_BITS)) {
      return [name, `expected a power of two${name !== "capacity" ? ` in 2..2^${INDEX_BITS}` : " >= 2"}, got ${n}`];
    }
  }
  for (const [name, v] of [["p", p], ["b", s.b], ["k", s.k]]) {
    const lo = name === "k" ? 0 : 1;
    if (!(v >= lo && v <= 256)) return [name, `expected an integer in ${lo}..256, got ${v}`];
  }
  if (!(s.table_bits >= 1 && s.table_bits <= 64)) return ["table_bits", `expected 1..64, got ${s.table_bits}`];
  if (!(s.equity_check_cap >= 1 && s.equity_check_cap <= MAX_FIELD_BITS)) {
    return ["equity_check_cap", `expected 1..${MAX_FIELD_BITS}, got ${s.equity_check_cap}`];
  }
  const equityBits = bitLength(BigInt(s.b + 2 * p + 1) << BigInt(POSITION_BITS + s.table_bits));
  if (equityBits > MAX_FIELD_BITS) return ["p/b/table_bits", `equity bound needs ${equityBits} > ${MAX_FIELD_BITS} bits`];
  return null;
}

/** The epoch shape's derived widths (venue.VenueEpochShape): tree depth, every account count
 * below 2^accountsBits, open interest and totals below 2^interestBits, reserves below
 * 2^reserveBits. */
export function venueShapeInfo(shape) {
  const depth = bitLength(BigInt(shape.capacity - 1));
  const accountsBits = depth + MAX_BATCH_BITS;
  return { ...shape, nScenarios: shape.k + 1, depth, accountsBits,
    interestBits: POSITION_BITS + accountsBits, reserveBits: BALANCE_BITS + accountsBits };
}

/** VenueShape.digest of the tier with `p` position slots: every field in declaration order. */
export const venueShapeDigest = (H, shape, p) => hashTagged(H, VENUE_SHAPE,
  [shape.i_max, shape.a_max, p, shape.b, shape.k, shape.capacity, shape.table_bits, shape.equity_check_cap].map(BigInt));
/** VenueEpochShape.digest: H(tag(VENUE_EPOCH_SHAPE, 2), narrow tier's digest, n_batches). */
export const venueEpochShapeDigest = (H, shape) =>
  hashTagged(H, VENUE_EPOCH_SHAPE, [venueShapeDigest(H, shape, shape.p), BigInt(shape.n_batches)]);

/** venue.universe_vector: a per-listed-item vector over n slots (0 in slot 0 and past the listing). */
export const universe = (xs, n) => [0n, ...xs, ...Array(n - 1 - xs.length).fill(0n)];

/** venue.table_public_values of header.tables(): per instrument slot (v[0..K], ml, ms, listed),
 * then per asset slot (c[0..K], d[0..K], listed), over the universes, field-encoded. */
export function venueTableValues(header) {
  const { i_max: I, a_max: A, nScenarios: S } = header.shape;
  const zeros = Array(S).fill(0n), out = [];
  for (let i = 0; i < I; i++) {
    if (i >= 1 && i <= header.v.length) out.push(...header.v[i - 1], header.ml[i - 1], header.ms[i - 1], 1n);
    else out.push(...zeros, 0n, 0n, 0n);
  }
  for (let a = 0; a < A; a++) {
    if (a >= 1 && a <= header.c.length) out.push(...header.c[a - 1], ...header.d[a - 1], 1n);
    else out.push(...zeros, ...zeros, 0n);
  }
  return out.map(mod);
}

/** venue.table_hash: long_hash(VENUE_TABLE, table values over the universes). */
export const venueTableHash = (H, header) => longHash(H, VENUE_TABLE, venueTableValues(header));
/** venue.open_interest_hash: long_hash(VENUE_OI, OI[0..I_max)). */
export const venueOpenInterestHash = (H, header) =>
  longHash(H, VENUE_OI, universe(header.openInterest, header.shape.i_max).map(mod));

/** venue.rlc_challenge: gamma = long_hash(RLC, [epoch, table hash, open interest hash, totals
 * commitment, root_1..root_n]). */
export const rlcChallenge = (H, epoch, tableDigest, oiHash, totalsCommitment, roots) =>
  longHash(H, RLC, [BigInt(epoch), tableDigest, oiHash, totalsCommitment, ...roots]);

/** venue.rlc_powers: [gamma^0 .. gamma^(n-1)] mod r. */
export function rlcPowers(gamma, n) {
  const out = [];
  let g = 1n;
  for (let i = 0; i < n; i++) { out.push(g); g = (g * gamma) % R; }
  return out;
}

/** venue.rlc_eval: sum_i gamma^i x_i mod r (x_i signed). */
export const rlcEval = (powers, values) => powers.reduce((acc, g, i) => (acc + g * mod(values[i])) % R, 0n);

/** venue.aggregate_public_names. */
export function venueAggregateNames(shape) {
  const A = [...Array(shape.a_max).keys()];
  return ["epoch", "shape_digest", "table_hash", "open_interest_hash", "totals_revealed", "totals_commitment",
    "header_digest", "gamma", "oi_eval", ...A.map((a) => `reserves[${a}]`), ...A.map((a) => `rlc/gamma_a[${a}]`),
    ...[...Array(shape.n_batches).keys()].flatMap((b) => [`batch_${b}/root`, `batch_${b}/commitment`])];
}

/** gamma recomputed from the header (its batch roots in order): what the aggregate recomputes
 * in-circuit and the verifier compares with the header's `gamma`. */
export const venueGamma = (H, header) => rlcChallenge(H, header.epoch, header.tableHash, header.openInterestHash,
  header.totalsCommitment, header.batches.map((e) => e.root));

/** venue.aggregate_public_values, every value from the parsed header: epoch, the epoch shape's
 * digest, the table and open interest hashes (over the universes), totals_revealed, the totals
 * commitment, the header digest of the file as read, gamma recomputed (venueGamma), oi_eval,
 * the reserves over A_max, gamma^a, then each batch's root and commitment. */
export function venueAggregatePublic(H, header) {
  const { i_max: I, a_max: A } = header.shape;
  const gamma = venueGamma(H, header);
  return [BigInt(header.epoch), header.shapeDigest, header.tableHash, header.openInterestHash,
    BigInt(header.totals === null ? 0 : 1), header.totalsCommitment, header.headerDigest, gamma,
    rlcEval(rlcPowers(gamma, I), universe(header.openInterest, I)),
    ...universe(header.assets.map((a) => a.reserves), A), ...rlcPowers(gamma, A),
    ...header.batches.flatMap((e) => [e.root, e.commitment])];
}

/** venue.totals_commitment: H(tag(TOTALS, 2 + 2 A_max), epoch, salt_used, L_0.., G_0..): the
 * net liabilities then the gross loans, over the asset universe. */
export const venueTotalsCommitment = (H, epoch, saltUsed, liabilities, loans) =>
  hashTagged(H, TOTALS, [BigInt(epoch), saltUsed, ...liabilities.map(mod), ...loans.map(mod)]);

/** The revealed totals' checks of verifier/venue_check.py: null, or why not. The net
 * liabilities and the gross loans (published together) must open the totals commitment (salt
 * 0, over A_max) and the liabilities be covered by the reserves. */
export function venueTotalsProblem(H, header) {
  if (header.totals === null) return null;
  const A = header.shape.a_max;
  const totals = universe(header.totals, A), reserves = universe(header.assets.map((a) => a.reserves), A);
  if (venueTotalsCommitment(H, header.epoch, 0n, totals, universe(header.loans, A)) !== header.totalsCommitment) {
    return "the revealed liabilities and gross loans do not open the totals commitment";
  }
  const short = totals.flatMap((t, a) => (t > reserves[a] ? [a] : []));
  return short.length ? `liabilities exceed the reserves of assets [${short.join(", ")}]` : null;
}

/** [[slot, amount]]: at most nMax, slots strictly increasing in [1, universe), amounts nonzero,
 * |x| < 2^63 (venue_header._slots). Slots and amounts as BigInt. */
function venueSlots(p, raw, fld, nMax, universeSize) {
  const items = p.lst(raw, fld);
  if (items.length > nMax) throw p.err(fld, `${items.length} slots, the tier holds ${nMax}`);
  const out = [];
  let prev = 0n;
  items.forEach((pair, k) => {
    const at = `${fld}[${k}]`;
    p.lst(pair, at, 2);
    const j = p.num(pair[0], `${at}[0]`, 1n, BigInt(universeSize));
    const x = p.num(pair[1], `${at}[1]`, -AMOUNT + 1n, AMOUNT);
    if (j <= prev) throw p.err(`${at}[0]`, `slots must be strictly increasing, got ${j} after ${prev}`);
    if (x === 0n) throw p.err(`${at}[1]`, "a used slot holds a nonzero amount");
    out.push([j, x]);
    prev = j;
  });
  return out;
}

/** venue_header.parse_venue_record: one record of this epoch and (parsed) header shape and
 * tiers; `prefix` goes before every field name (a header entry). */
export function parseVenueRecord(rec, shape, tiers, epoch, file = "inclusion record", prefix = "") {
  const p = reader(file);
  const r = p.obj(rec, prefix.replace(/\.+$/, "") || "<record>", VENUE_RECORD_KEYS);
  if (r.format !== VENUE_RECORD_FORMAT) throw p.err(`${prefix}format`, `expected ${JSON.stringify(VENUE_RECORD_FORMAT)}`);
  if (r.epoch !== epoch || !Number.isInteger(r.epoch)) {
    throw p.err(`${prefix}epoch`, `a record of epoch ${JSON.stringify(r.epoch)}, not of epoch ${epoch}`);
  }
  if (!Number.isInteger(r.tier) || !tiers.includes(r.tier)) {
    throw p.err(`${prefix}tier`, `expected one of the tiers ${JSON.stringify(tiers)}, got ${JSON.stringify(r.tier)}`);
  }
  return {
    epoch: r.epoch,
    batch: p.small(r.batch, `${prefix}batch`, 0, shape.n_batches - 1),
    index: p.small(r.index, `${prefix}index`, 0, shape.capacity - 1),
    tier: r.tier,
    positions: venueSlots(p, r.positions, `${prefix}positions`, r.tier, shape.i_max),
    balances: venueSlots(p, r.balances, `${prefix}balances`, shape.b, shape.a_max),
    path: p.lst(r.path, `${prefix}path`, shape.depth).map((h, k) => p.num(h, `${prefix}path[${k}]`, 0n, R)),
  };
}

/** A venue record's JSON text (an opened sealed file or a dropped .json), read as
 * inclusion_file.load_record_json and parse_venue_record read it: strict JSON (no duplicate
 * key), no float where an integer belongs (JSON.parse cannot tell `1.0` from 1), then
 * parseVenueRecord. */
export function readVenueRecord(text, shape, tiers, epoch, file = "inclusion record") {
  const seen = {};
  canonicalJson(text, file, null, seen);
  if (seen.float) throw new FormatError(file, "<json>", `${seen.float.text} at offset ${seen.float.offset}: every number of a venue record is an integer`);
  let obj;
  try { obj = JSON.parse(text); } catch (e) { throw new FormatError(file, "<json>", e.message); }
  return parseVenueRecord(obj, shape, tiers, epoch, file);
}

/** venue_header.parse_venue_header: the same bounds, in the same order, each failure naming the
 * same field; table_hash, open_interest_hash and shape_digest recomputed and compared (the
 * recomputed values are kept: tableHash, openInterestHash, shapeDigest). `digest`: headerDigest
 * of the file's text (readHeader). JSON integers above 2^53 - 1 (an epoch) are refused here,
 * never rounded. */
export function parseVenueHeader(obj, H, file, digest) {
  const p = reader(file);
  if (typeof digest !== "bigint") throw new TypeError("parseVenueHeader needs the header digest of the file as read");
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) throw p.err("<header>", "expected an object");
  let revealed = 0;
  if ("totals_revealed" in obj) {
    revealed = p.small(obj.totals_revealed, "totals_revealed", 0, 1);
    for (const key of ["totals", "loans"]) {
      if (revealed && !(key in obj)) throw p.err(key, `missing: totals_revealed is 1, so the header must list the ${key}`);
      if (!revealed && key in obj) throw p.err(key, `present, but totals_revealed is 0 (hidden ${key} are never published)`);
    }
  }
  const h = p.obj(obj, "<header>", revealed ? [...VENUE_HEADER_KEYS, "totals", "loans"] : VENUE_HEADER_KEYS);
  if (h.format !== VENUE_HEADER_FORMAT) throw p.err("format", `expected ${JSON.stringify(VENUE_HEADER_FORMAT)}`);
  const sh = p.obj(h.shape, "shape", [...VENUE_BATCH_FIELDS, "n_batches"]);
  const tiers = p.lst(h.tiers, "tiers").map((t, k) => p.small(t, `tiers[${k}]`, 1, 256));
  if (!tiers.length || tiers.some((t, k) => k > 0 && tiers[k - 1] >= t)) {
    throw p.err("tiers", `expected strictly increasing position counts, got ${JSON.stringify(tiers)}`);
  }
  const batch = {};
  for (const f of VENUE_BATCH_FIELDS) batch[f] = p.small(sh[f], `shape.${f}`, 0, 1 << 20);
  for (const t of tiers) {
    const bad = venueShapeProblem(batch, t);
    if (bad) throw p.err(`shape.${bad[0]}`, bad[1]);
  }
  const shape = venueShapeInfo({ ...batch, p: tiers[0], n_batches: p.small(sh.n_batches, "shape.n_batches", 1, 2 ** MAX_BATCH_BITS) });
  const S = shape.nScenarios, bound = 1n << BigInt(shape.table_bits);
  const assets = p.lst(h.assets, "assets").map((a, k) => {
    p.obj(a, `assets[${k}]`, ["symbol", "decimals", "reserves"]);
    return { symbol: a.symbol, decimals: p.small(a.decimals, `assets[${k}].decimals`, 0, 36),
      reserves: p.num(a.reserves, `assets[${k}].reserves`, 0n, 1n << BigInt(shape.reserveBits)) };
  });
  if (assets.length > shape.a_max - 1) throw p.err("assets", `${assets.length} assets exceed the universe (at most ${shape.a_max - 1})`);
  if (!assets.every((a) => typeof a.symbol === "string" && a.symbol)) throw p.err("assets", "every symbol is a non-empty string");
  const instruments = p.lst(h.instruments, "instruments");
  if (instruments.length > shape.i_max - 1 || !instruments.every((x) => typeof x === "string" && x)) {
    throw p.err("instruments", `expected at most ${shape.i_max - 1} non-empty strings`);
  }
  const scenarios = p.lst(h.scenarios, "scenarios", S);
  if (!scenarios.every((x) => typeof x === "string")) throw p.err("scenarios", "expected strings");
  const I = instruments.length, A = assets.length;
  const rt = p.obj(h.risk_table, "risk_table", ["value_unit_exponent", "snapshot_time", "v", "ml", "ms", "c", "d", "sha256"]);
  const rows = (name, n, lo) => p.lst(rt[name], `risk_table.${name}`, n).map((row, i) =>
    p.lst(row, `risk_table.${name}[${i}]`, S).map((x, s) => p.num(x, `risk_table.${name}[${i}][${s}]`, lo, bound)));
  const col = (name) => p.lst(rt[name], `risk_table.${name}`, I).map((x, i) => p.num(x, `risk_table.${name}[${i}]`, 0n, bound));
  const c = rows("c", A, 0n), d = rows("d", A, 0n);
  c.forEach((row, a) => row.forEach((x, s) => {
    if (x > d[a][s]) throw p.err(`risk_table.d[${a}][${s}]`, `the debt value ${d[a][s]} is below the collateral value ${x} (d >= c)`);
  }));
  const batches = p.lst(h.batches, "batches", shape.n_batches).map((e, k) => {
    p.obj(e, `batches[${k}]`, ["tier", "root", "commitment"]);
    if (!Number.isInteger(e.tier) || !tiers.includes(e.tier)) throw p.err(`batches[${k}].tier`, `expected one of the tiers ${JSON.stringify(tiers)}`);
    return { tier: e.tier, root: p.num(e.root, `batches[${k}].root`, 0n, R),
      commitment: p.num(e.commitment, `batches[${k}].commitment`, 0n, R) };
  });
  const keyNames = [...tiers.map((t) => `batch_p${t}`), "aggregate"];
  const keys = p.obj(h.verification_keys, "verification_keys", keyNames);
  const fps = p.obj(h.circuit_fingerprints, "circuit_fingerprints", keyNames);
  if (typeof h.dev_setup !== "boolean") throw p.err("dev_setup", "expected true or false");
  const epoch = p.small(h.epoch, "epoch", 0, Number.MAX_SAFE_INTEGER);
  const interest = 1n << BigInt(shape.interestBits);
  const header = {
    format: VENUE_HEADER_FORMAT,
    epoch, timestamp: p.small(h.timestamp, "timestamp", 0, 2 ** 40 - 1), shape, tiers, assets,
    instruments, scenarios,
    valueUnitExponent: p.small(rt.value_unit_exponent, "risk_table.value_unit_exponent", 0, 36),
    snapshotTime: p.small(rt.snapshot_time, "risk_table.snapshot_time", 0, 2 ** 40 - 1),
    v: rows("v", I, -bound + 1n), ml: col("ml"), ms: col("ms"), c, d,
    riskTableSha256: p.hex(rt.sha256, "risk_table.sha256", 64),
    openInterest: p.lst(h.open_interest, "open_interest", I).map((x, i) => p.num(x, `open_interest[${i}]`, 0n, interest)),
    batches, gamma: p.num(h.gamma, "gamma", 0n, R),
    totalsCommitment: p.num(h.totals_commitment, "totals_commitment", 0n, R),
    protocolAccounts: venueProtocolAccounts(p, h.protocol_accounts, shape, tiers, epoch),
    vkSha256: Object.fromEntries([...keyNames].sort().map((k) => [k, p.hex(keys[k], `verification_keys.${k}`, 64)])),
    circuitFingerprints: Object.fromEntries([...keyNames].sort().map((k) => [k, p.hex(fps[k], `circuit_fingerprints.${k}`, 64)])),
    devSetup: h.dev_setup,
    totals: revealed ? p.lst(h.totals, "totals", A).map((x, a) => p.num(x, `totals[${a}]`, -interest + 1n, interest)) : null,
    loans: revealed ? p.lst(h.loans, "loans", A).map((x, a) => p.num(x, `loans[${a}]`, 0n, interest)) : null,
    headerDigest: digest,
    publishedDigest: p.num(h[HEADER_DIGEST_KEY], HEADER_DIGEST_KEY, 0n, R),
  };
  // VenueTables.validate holds by the bounds above: row 0 and unlisted rows are zero by
  // construction, 0 <= c <= d < 2^table_bits, |v| < 2^table_bits, 0 <= ml, ms < 2^table_bits.
  header.tableHash = venueTableHash(H, header);
  header.openInterestHash = venueOpenInterestHash(H, header);
  header.shapeDigest = venueEpochShapeDigest(H, shape);
  for (const [name, derived] of [["table_hash", header.tableHash], ["open_interest_hash", header.openInterestHash],
    ["shape_digest", header.shapeDigest]]) {
    if (p.num(h[name], name, 0n, R) !== derived) throw p.err(name, "does not match the value recomputed from the header");
  }
  return header;
}

/** venue_header._protocol_accounts: ids unique non-empty strings, roles from PROTOCOL_ROLES,
 * nonces 64 hex digits, records strictly parsed. */
function venueProtocolAccounts(p, raw, shape, tiers, epoch) {
  const out = [];
  p.lst(raw, "protocol_accounts").forEach((e, k) => {
    const at = `protocol_accounts[${k}]`;
    p.obj(e, at, ["id", "role", "nonce", "record"]);
    if (typeof e.id !== "string" || !e.id) throw p.err(`${at}.id`, "expected a non-empty string");
    if (out.some((a) => a.id === e.id)) throw p.err(`${at}.id`, `duplicate id ${JSON.stringify(e.id).slice(0, 40)}`);
    if (!PROTOCOL_ROLES.includes(e.role)) throw p.err(`${at}.role`, `expected one of ${PROTOCOL_ROLES.join(", ")}`);
    out.push({ id: e.id, role: e.role, nonce: p.hex(e.nonce, `${at}.nonce`, 64),
      record: parseVenueRecord(e.record, shape, tiers, epoch, p.file, `${at}.record.`) });
  });
  return out;
}

/** VenueShape.tier: the tier tag P * 2^32 + B hashed into every leaf. */
export const venueTierTag = (p, b) => (BigInt(p) << 32n) | BigInt(b);
/** venue.slot_limb: index * 2^64 + amount + 2^63. */
export const venueSlotLimb = (index, amount) => (BigInt(index) << LIMB_BITS) + amount + POSITION_OFFSET;

/** venue.leaf_hash (VenueRecord.leaf): H(tag(VENUE_LEAF, n), tier tag, id_hash, packed position
 * limbs, packed balance limbs), the used slots padded with (0, 0) to P and B. */
export function venueLeaf(H, p, b, idh, positions, balances) {
  const limbs = (xs, n) => {
    if (xs.length > n) throw new RangeError(`${xs.length} slots, the tier holds ${n}`);
    const padded = [...xs, ...Array(n - xs.length).fill([0n, 0n])];
    return packLimbs(padded.map(([j, x]) => venueSlotLimb(j, x)), SLOT_LIMB_BITS);
  };
  return hashTagged(H, VENUE_LEAF, [venueTierTag(p, b), idh, ...limbs(positions, p), ...limbs(balances, b)].map(mod));
}

/** VenueRecord.root: climb `path` (leaf level first) from `leaf` at `index`; node = H(tag(NODE,
 * 2), left, right), bit j of index set = the climbing hash is the right child. */
export function venueRootFromPath(H, leaf, index, path) {
  let h = leaf;
  path.forEach((sib, j) => { h = ((index >> j) & 1) ? hashTagged(H, NODE, [sib, h]) : hashTagged(H, NODE, [h, sib]); });
  return h;
}

/** The holder's leaf climbed to the root of their batch in the header: {ok, detail, root}. The
 * leaf is hashed under the tier the header gives that batch (its key's P), which must be the
 * record's own. */
export async function checkVenueInclusion(H, header, record, userId, nonce) {
  const entry = header.batches[record.batch];
  if (record.tier !== entry.tier) {
    return { ok: false, root: null, detail: `your record is of tier P=${record.tier}, batch ${record.batch} of tier P=${entry.tier} in the header` };
  }
  const leaf = venueLeaf(H, entry.tier, header.shape.b, await idHash(H, userId, nonce), record.positions, record.balances);
  const root = venueRootFromPath(H, leaf, record.index, record.path);
  const ok = root === entry.root;
  return { ok, root, detail: ok ? `leaf is in batch ${record.batch}'s proven root` :
    `recomputed root differs from batch ${record.batch}'s root in the header` };
}
