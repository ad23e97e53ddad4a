"""Poseidon per hash: the C permutation vs the pure-Python one vs circomlibjs (the peer).

    .venv/bin/python -m bench.poseidon [--widths 3,10,17] [--no-node] [--no-batch]

For each state width t (t - 1 inputs), CPU microseconds per hash (``time.process_time``; the
machine is shared, so CPU time, and the best of a few repeats):

* ``python``   -- ``zkproof.hash.poseidon.permute`` (the optimized form, pure Python);
* ``C``        -- ``poseidon()`` one call per hash (input checks and int <-> bytes included);
* ``C many``   -- ``poseidon_many()`` of 2,000 hashes (one native call; worker threads, whose
  CPU time is counted too);
* ``circomlibjs`` -- ``buildPoseidon()`` in node (``process.cpuUsage``), the peer.

Then the epoch driver's native part per account, ``witness.batch.build_batch`` through
``bench.solvency.batch_tasks`` (id hash, leaf, tree nodes, commitment sponge) on the shipped
examples, with the C hash and with the Python one.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from zkproof.field.fr import R
from zkproof.hash import poseidon as P

NODE_SCRIPT = """
const { buildPoseidon } = require("circomlibjs");
(async () => {
  const poseidon = await buildPoseidon();
  const [widths, reps] = JSON.parse(process.argv[process.argv.length - 1]);
  const out = {};
  for (const t of widths) {
    const xs = Array.from({length: t - 1}, (_, i) => BigInt(i + 1) * 0x1234567890abcdefn);
    for (let i = 0; i < 200; i++) poseidon(xs);  // warm-up (JIT, wasm)
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const c = process.cpuUsage();
      for (let i = 0; i < reps; i++) poseidon(xs);
      const d = process.cpuUsage(c);
      best = Math.min(best, (d.user + d.system) / reps);
    }
    out[t] = best;
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


def _per_call_us(fn, reps: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        c = time.process_time()
        for _ in range(reps):
            fn()
        best = min(best, (time.process_time() - c) / reps)
    return best * 1e6


def hash_rows(widths: list[int], node: bool) -> list[dict]:
    rng = random.Random(1)
    native = P.enable_native()
    peer = {}
    if node:
        from zkproof.devtools.npm import run_node_script

        out = run_node_script(NODE_SCRIPT, json.dumps([widths, 2000]))
        peer = {int(k): v for k, v in json.loads(out).items()}
    rows = []
    for t in widths:
        xs = [rng.randrange(R) for _ in range(t - 1)]
        P.poseidon(xs)  # warm-up: the optimized constants (and the native table) for t
        row = {"t": t, "python": _per_call_us(lambda xs=xs: P.permute([0, *xs], n_out=1), 50)}
        if native:
            row["C"] = _per_call_us(lambda xs=xs: P.poseidon(xs), 2000)
            batch = [xs] * 2000
            row["C many"] = _per_call_us(lambda b=batch: P.poseidon_many(b), 1) / len(batch)
            assert P.poseidon(xs) == P.permute([0, *xs], n_out=1)[0]
        if t in peer:
            row["circomlibjs"] = peer[t]
        rows.append(row)
    return rows


def build_batch_ms(cap: int = 8, n: int = 16) -> dict:
    """CPU ms per account of ``batch_tasks`` (``n`` batches of ``cap``), C hash vs Python hash."""
    from bench import solvency

    snap, table = solvency.load_examples()
    out = {}
    saved = P._native
    with tempfile.TemporaryDirectory() as d:
        for label, kernel in (("C", saved), ("python", None)):
            if label == "C" and kernel is None:
                continue
            P._native = kernel
            try:
                solvency.batch_tasks(snap, table, cap, 2, Path(d))  # warm-up
                out[label] = _per_call_us(lambda: solvency.batch_tasks(snap, table, cap, n, Path(d)), 1) \
                    / 1e3 / (cap * n)
            finally:
                P._native = saved
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", default="3,10,17", help="state widths t (inputs + 1)")
    ap.add_argument("--no-node", action="store_true", help="skip circomlibjs (needs make tools)")
    ap.add_argument("--no-batch", action="store_true", help="skip the build_batch measurement")
    ns = ap.parse_args(argv)
    widths = [int(x) for x in ns.widths.split(",")]
    rows = hash_rows(widths, not ns.no_node)
    cols = ["python", "C", "C many", "circomlibjs"]
    print("Poseidon, CPU us per hash (best of 3)")
    print(f"{'t':>3} " + " ".join(f"{c:>12}" for c in cols) + f" {'python/C':>9}")
    for r in rows:
        ratio = f"{r['python'] / r['C']:8.1f}x" if "C" in r else "      n/a"
        print(f"{r['t']:3d} " + " ".join(f"{r[c]:12.1f}" if c in r else f"{'-':>12}" for c in cols)
              + f" {ratio}")
    result = {"hash_us": rows}
    if not ns.no_batch:
        bb = build_batch_ms()
        result["build_batch_ms_per_account"] = bb
        print("build_batch (batch_tasks, capacity 8, 16 batches), CPU ms per account: "
              + ", ".join(f"{k} {v:.2f}" for k, v in bb.items()))
    return result


if __name__ == "__main__":
    main()
