"""Solvency benchmark (issue 4): constraints per account, what dominates them, seconds per
account, and the cost of a million accounts on this machine.

    .venv/bin/python -m bench.solvency [--capacity 8] [--no-workers] [--venue-capacity 256]
                                       [--venue-only] [--json]

Inputs: the shipped ``examples/`` (3 assets, 16 instruments, 16 stress scenarios + mark).

1. The batch circuit is built at two capacities (``--capacity`` and twice it); the difference
   divided by the capacity difference is the exact marginal cost of one account, the rest is the
   fixed per-batch part. The same difference per constraint-name prefix (names are namespaced:
   ``account_0/margin/...``, ``mst/level_1/...``) says what dominates.
2. One batch at ``--capacity`` is solved, checked and proved in a fresh process (as a pool
   worker would be) with a single-party dev key (INSECURE-DEV-SETUP, benchmark only; cached in
   ``.cache/bench/solvency/``): wall and CPU seconds per account, and peak RSS of that worker.
3. Two batches in one process with all kernel threads vs two worker processes with one thread
   each (``zkproof.prover.parallel``): which default wins on this machine.
4. Extrapolation to 10^6 accounts; 5. what would cut the dense per-account constraint count.
6. The sparse venue batch circuit (``circuits/venue_batch.py``) at I_max = 1024, A_max = 64,
   P = 16, B = 8, K = 16 and ``--venue-capacity`` (256: the tables' rows, paid once per batch,
   are then about 6 % of an account): constraints per account (the built batch / capacity,
   tables included) by constraint family, the total at I_max = 4096 (at that capacity and at
   twice it, where 4096 rows amortise as 1024 do at 256), and one real prove of a
   batch of synthetic accounts (dev key, INSECURE-DEV-SETUP, cached in
   ``.cache/bench/venue/``; process CPU of the prove / capacity). Then the venue aggregate
   (``circuits/venue_aggregate.py``) built at 4 and 8 batches: its constraints per batch (the
   difference / 4) at I_max = 1024 and 4096, which are equal. The last line, exactly:
   ``per account: N constraints, T CPU-s (I_max=.., A_max=.., P=.., B=.., K=.., capacity=..)``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from zkproof import statement as stm
from zkproof.devtools.npm import REPO

from .solvency_model import designs

CACHE = REPO / ".cache" / "bench" / "solvency"
TARGET = 2_500  # issue 4: constraints per account
MILLION = 1_000_000
CATEGORIES = [  # (label, constraint-name pattern), first match wins
    ("balance_range", r"account_\d+/balance_range"),
    ("position_range", r"account_\d+/position_range"),
    ("margin products", r"account_\d+/margin/(e\d+|floor)/"),
    ("margin range checks", r"account_\d+/margin/(scenario_\d+|mark_floor)/"),
    ("leaf hash", r"account_\d+/leaf/"),
    ("tree nodes", r"mst/"),
    ("batch commitment", r"(commitment/|batch_commitment)"),
]


def load_examples():
    from zkproof.margin.risk_table import build_risk_table
    from zkproof.snapshot.inputs import load_snapshot, resolve_paths

    snap = load_snapshot(resolve_paths(REPO / "examples"))
    return snap, build_risk_table(snap.params, snap.instruments, snap.oracle)


def shape_for(table, capacity: int, n_batches: int = 2) -> stm.Shape:
    from zkproof.margin.risk_table import TABLE_BITS

    return stm.Shape(len(table.assets), len(table.instruments), len(table.scenarios), capacity,
                     TABLE_BITS, n_batches)


def categorise(names: list[str]) -> Counter:
    out: Counter = Counter()
    for n in names:
        out[next((label for label, pat in CATEGORIES if re.match(pat, n)), "other")] += 1
    return out


def count_constraints(table, cap: int) -> dict:
    """Exact marginal cost per account and per category, from two capacities."""
    from zkproof.circuits import aggregate, solvency_batch

    built = {}
    for c in (cap, 2 * cap):
        t = time.perf_counter()
        cs = solvency_batch.build(shape_for(table, c))
        built[c] = (cs.num_constraints, categorise(cs.constraint_names), time.perf_counter() - t)
    (n1, cat1, _), (n2, cat2, _) = built[cap], built[2 * cap]
    marginal = {k: (cat2[k] - cat1[k]) / cap for k in cat2}
    agg = {n: aggregate.build(shape_for(table, cap, n)).num_constraints for n in (2, 4)}
    return {"capacity": cap, "total": {cap: n1, 2 * cap: n2}, "per_account": (n2 - n1) / cap,
            "fixed": n1 - cap * (n2 - n1) / cap, "marginal": marginal,
            "fixed_by_category": {k: cat1[k] - cap * marginal[k] for k in cat1},
            "build_seconds": {c: b[2] for c, b in built.items()},
            "aggregate_per_batch": (agg[4] - agg[2]) / 2, "aggregate_fixed": 2 * agg[2] - agg[4]}


def cached_dev_key(r1cs, path: Path) -> Path:
    """A dev key for ``r1cs`` at ``path``, made again only when the circuit's fingerprint
    changed (INSECURE-DEV-SETUP)."""
    from zkproof.formats.zkey_file import write_zkey
    from zkproof.groth16.setup import dev_setup

    fp = path.with_name(path.name + ".fingerprint")
    if not path.exists() or not fp.exists() or fp.read_text() != r1cs.fingerprint():
        path.parent.mkdir(parents=True, exist_ok=True)
        t = time.process_time()
        write_zkey(path, dev_setup(r1cs, quiet=True))
        fp.write_text(r1cs.fingerprint())
        print(f"  (dev setup: {time.process_time() - t:.0f} CPU-s, cached in {path})")
    return path


def dev_key_path(table, cap: int) -> Path:
    """A dev key for the batch circuit at ``cap``, made once (INSECURE-DEV-SETUP)."""
    from zkproof.prover.circuits import circuits_for

    shape = shape_for(table, cap)
    path = CACHE / f"batch_{shape.n_assets}a{shape.n_instruments}i{shape.n_scenarios}s_cap{cap}.zkey"
    return cached_dev_key(circuits_for(shape).batch.to_r1cs(), path)


def batch_tasks(snap, table, cap: int, n: int, work: Path) -> list:
    """``n`` full batches of real example accounts (round-robin), as the epoch prover makes them."""
    from zkproof.prover.parallel import BatchTask
    from zkproof.prover.workdir import batch_binding
    from zkproof.witness import batch as wbatch

    shape = shape_for(table, cap)  # the batch circuit does not depend on n_batches
    accs = snap.accounts
    tasks = []
    for b in range(n):
        slots = [wbatch.Slot(stm.id_hash(a.id, a.nonce), tuple(a.balances), tuple(a.positions))
                 for a in (accs[(b * cap + u) % len(accs)] for u in range(cap))]
        w = wbatch.build_batch(shape, 1, slots, blinder=12345 + b)
        binding = batch_binding(epoch=1, index=b, shape=shape, inputs="bench", plan="bench",
                                batch_key="bench", public=wbatch.public_values(w, table.c, table.v, table.m))
        tasks.append(BatchTask(shape, b, w, table.c, table.v, table.m, str(work / f"batch_{b:04d}.json"),
                               binding))
    return tasks


def _rss_mib() -> float:
    """Peak RSS of this process image (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def probe(cap: int, zkey: str, threads: int | None) -> dict:
    """A fresh worker process: build, read the key, solve + check, prove one batch."""
    from zkproof.formats.zkey_file import read_zkey
    from zkproof.groth16.prove import prove
    from zkproof.prover import parallel
    from zkproof.prover.circuits import circuits_for
    from zkproof.witness import batch as wbatch

    parallel.set_kernel_threads(threads)
    snap, table = load_examples()
    out = {"rss_start": _rss_mib()}
    t = time.perf_counter()
    circuits = circuits_for(shape_for(table, cap))
    out.update(build=time.perf_counter() - t, rss_built=_rss_mib())
    pk = read_zkey(zkey)
    out["rss_key"] = _rss_mib()
    with tempfile.TemporaryDirectory() as d:
        task = batch_tasks(snap, table, cap, 1, Path(d))[0]
        inputs = wbatch.circuit_inputs(task.witness, task.c, task.v, task.m)
        w, c = time.perf_counter(), time.process_time()
        assignment = circuits.batch.solve(inputs)
        circuits.batch.check(assignment)
        out.update(solve_wall=time.perf_counter() - w, solve_cpu=time.process_time() - c)
        w, c = time.perf_counter(), time.process_time()
        _, public = prove(pk, assignment.witness())
        out.update(prove_wall=time.perf_counter() - w, prove_cpu=time.process_time() - c)
        assert public == task.expected_public
    out["rss_peak"] = _rss_mib()
    return out


def in_fresh_process(fn, *args):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def compare_workers(snap, table, cap: int, zkey: str, per_worker: int = 2, repeat: int = 3) -> dict:
    """``per_worker x cores`` batches: 1 process x all kernel threads vs N processes x 1
    thread; wall seconds, median of ``repeat`` alternating runs (the machine is shared), each
    including the pool's one-off cost (publish the key, each worker reads it; the driver's
    circuit is inherited by fork). Also that one-off cost alone."""
    from zkproof.formats.zkey_file import read_zkey
    from zkproof.prover.circuits import circuits_for
    from zkproof.prover.parallel import prove_batches, publish_key

    t = time.perf_counter()
    pk = read_zkey(zkey)
    out: dict = {"read key (per worker)": time.perf_counter() - t}
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        publish_key(pk, Path(d))
        out["publish key (per run)"] = time.perf_counter() - t
    n = os.cpu_count() or 1
    circuits_for(shape_for(table, cap))  # built once in the driver (forked workers inherit it)
    modes = ((f"1 process x {n} threads", 1, n), (f"{n} processes x 1 thread", n, 1))
    runs: dict[str, list[float]] = {label: [] for label, _, _ in modes}
    for _ in range(repeat):
        for label, workers, threads in modes:
            with tempfile.TemporaryDirectory() as d:
                tasks = batch_tasks(snap, table, cap, per_worker * n, Path(d))
                w = time.perf_counter()
                prove_batches(tasks, pk, Path(d), workers=workers, threads=threads, progress=False)
                runs[label].append(time.perf_counter() - w)
    out.update({label: statistics.median(v) for label, v in runs.items()})
    out["runs"] = runs
    return out


def extrapolate(counts: dict, probe_: dict, capacities=(256, 512, 1024, 4096)) -> list[dict]:
    """10^6 accounts at other capacities, linear in constraints from the measured batch (MSM
    cost grows a little slower than n, NTT a little faster: read as +-30 %)."""
    cap = counts["capacity"]
    n_cap = counts["total"][cap]
    cpu_per_constraint = (probe_["solve_cpu"] + probe_["prove_cpu"]) / n_cap
    mem_per_constraint = (probe_["rss_peak"] - probe_["rss_start"]) / n_cap
    rows = []
    for k in (cap, *capacities):
        n_batch = counts["fixed"] + k * counts["per_account"]
        batches = 1 << (-(-MILLION // k) - 1).bit_length()  # n_batches is a power of two
        n_agg = counts["aggregate_fixed"] + batches * counts["aggregate_per_batch"]
        cpu_h = (batches * n_batch + n_agg) * cpu_per_constraint / 3600
        rows.append({"capacity": k, "batch_constraints": n_batch, "batches": batches,
                     "aggregate_constraints": n_agg, "cpu_hours": cpu_h,
                     "wall_hours_2_cores": cpu_h / (os.cpu_count() or 1),
                     "worker_rss_gib": (probe_["rss_start"] + mem_per_constraint * n_batch) / 1024,
                     "aggregate_rss_gib": (probe_["rss_start"] + mem_per_constraint * n_agg) / 1024})
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--capacity", type=int, default=8, help="batch capacity proved (power of two)")
    ap.add_argument("--no-workers", action="store_true", help="skip the processes-vs-threads run")
    ap.add_argument("--venue-capacity", type=int, default=VENUE_CAPACITY,
                    help="capacity of the venue batch proved (power of two)")
    ap.add_argument("--venue-only", action="store_true", help="only part 5 (the venue circuit)")
    ap.add_argument("--json", action="store_true", help="also print the raw numbers as JSON")
    args = ap.parse_args(argv)
    result = {} if args.venue_only else dense(args)
    result["venue"] = venue_part(args.venue_capacity)
    if args.json:
        print(json.dumps(result, indent=1, default=str))
    print(result["venue"]["line_4096"])
    print(result["venue"]["last_line"])
    return result


def dense(args) -> dict:
    """Parts 1-4: the dense v1 batch circuit on examples/."""
    cap = args.capacity
    snap, table = load_examples()
    shape = shape_for(table, cap)
    print(f"examples/: {shape.n_assets} assets, {shape.n_instruments} instruments, "
          f"{shape.n_scenarios - 1} stress scenarios + mark; kernel threads = {os.cpu_count()}")

    counts = count_constraints(table, cap)
    m = counts["marginal"]
    print(f"\n1. constraints: batch({cap}) = {counts['total'][cap]:,}, batch({2 * cap}) = "
          f"{counts['total'][2 * cap]:,} (built in {counts['build_seconds'][cap]:.1f} s / "
          f"{counts['build_seconds'][2 * cap]:.1f} s)")
    print(f"   per account {counts['per_account']:,.0f}   fixed per batch {counts['fixed']:,.0f}   "
          f"(target <= {TARGET:,}); aggregate: {counts['aggregate_per_batch']:,.0f} per batch "
          f"+ {counts['aggregate_fixed']:,.0f}")
    print("   per account, by constraint-name prefix:")
    for k, v in sorted(m.items(), key=lambda kv: -kv[1]):
        if v:
            print(f"     {k:<22} {v:>7,.0f}  {100 * v / counts['per_account']:4.1f} %")
    print("   fixed part: " + ", ".join(f"{k} {v:,.0f}" for k, v in counts["fixed_by_category"].items() if v))

    zkey = str(dev_key_path(table, cap))
    p = in_fresh_process(probe, cap, zkey, None)
    print(f"\n2. one batch of {cap} in a fresh worker process (dev key, INSECURE-DEV-SETUP):")
    print(f"   build circuit {p['build']:.1f} s (once per worker); solve+check {p['solve_wall']:.2f} s "
          f"wall / {p['solve_cpu']:.2f} s CPU; prove {p['prove_wall']:.2f} s wall / "
          f"{p['prove_cpu']:.2f} s CPU")
    print(f"   per account: solve {p['solve_cpu'] / cap:.3f} s CPU, prove {p['prove_cpu'] / cap:.3f} s CPU, "
          f"total {(p['solve_cpu'] + p['prove_cpu']) / cap:.3f} s CPU")
    print(f"   worker peak RSS {p['rss_peak']:.0f} MiB (start {p['rss_start']:.0f}, after build "
          f"{p['rss_built']:.0f}, after key {p['rss_key']:.0f}); "
          f"zkey {os.path.getsize(zkey) / 2**20:.0f} MiB")

    wk = {}
    if not args.no_workers:
        wk = compare_workers(snap, table, cap, zkey)
        print(f"\n3. {2 * (os.cpu_count() or 1)} batches of {cap}, wall seconds (median of 3): " +
              "; ".join(f"{k}: {v:.1f} s" for k, v in wk.items() if k != "runs"))
        print("   all runs: " + "; ".join(f"{k}: " + ", ".join(f"{x:.1f}" for x in v)
                                       for k, v in wk["runs"].items()))
        print(f"   load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(shared machine: neighbours' load is in these numbers)")

    rows = extrapolate(counts, p)
    print("\n4. 10^6 accounts on this machine (linear in constraints from step 2):")
    print("   capacity  batch constr.  batches  aggregate constr.  CPU-hours  wall h (all cores)  "
          "RSS/worker GiB  RSS aggregate GiB")
    for r in rows:
        print(f"   {r['capacity']:>8}  {r['batch_constraints']:>13,.0f}  {r['batches']:>7}  "
              f"{r['aggregate_constraints']:>17,.0f}  {r['cpu_hours']:>9.1f}  "
              f"{r['wall_hours_2_cores']:>18.1f}  "
              f"{r['worker_rss_gib']:>14.1f}  {r['aggregate_rss_gib']:>17.1f}")

    usd = 2 ** shape.equity_check_bits * 10.0 ** -table.value_unit_exponent
    print(f"\n5. cutting constraints per account (target {TARGET:,}); margin checks are "
          f"{shape.equity_check_bits} bits wide (soundness bound {shape.equity_bits}): pre-flight "
          f"refuses an account with equity >= {usd:.2e} USD at 10^-{table.value_unit_exponent} USD "
          "per unit:")
    alts = designs(shape, m)
    measured = sum(alts[0][1].values())
    assert abs(measured - counts["per_account"]) < 1, (measured, counts["per_account"])
    for name, terms in alts:
        total = sum(terms.values())
        print(f"   {total:>7,.0f} ({total - measured:+7,.0f})  {name}")
    ranges = sum(m[k] for k in ('balance_range', 'position_range', 'margin range checks'))
    print(f"   range checks (balance, position, margin) are {100 * ranges / measured:.0f} % "
          "of an account: in R1CS an n-bit check costs n + 1 constraints")
    return {"counts": {k: v for k, v in counts.items() if k != "total"}, "probe": p, "workers": wk,
            "extrapolation": rows, "designs": [(n, sum(t.values())) for n, t in alts]}


# -- 5. the sparse venue batch circuit -----------------------------------------------------

VENUE_CAPACITY = 256
VENUE_CACHE = REPO / ".cache" / "bench" / "venue"
VENUE_FAMILIES = [  # (family, constraint-name pattern), first match wins
    ("position_row (lookup queries)", r"lookup/instruments/query_"),
    ("balance_row (lookup queries)", r"lookup/assets/query_"),
    ("margin products", r"account_\d+/margin/"),
    ("gamma sums (rlc products)", r"account_\d+/rlc/"),
    ("sums commitment (per batch)", r"(rlc/commitment/|sums_commitment$)"),
    ("leaf hash", r"account_\d+/leaf/"),
    ("tree nodes", r"tree/"),
    ("slot_order (products)", r"account_\d+/slot_order/"),
    ("position_range (sign, negative part)", r"account_\d+/position_range/"),
    ("balance_range (sign, negative part)", r"account_\d+/balance_range/"),
    ("table rows (per batch)", r"lookup/(instruments|assets)/row_"),
    ("table listed booleans (per batch)", r"table/"),
]


def venue_shape(i_max: int, capacity: int):
    from zkproof.venue import VenueShape

    return VenueShape(i_max=i_max, a_max=64, p=16, b=8, k=16, capacity=capacity)


def venue_breakdown(circuit) -> Counter:
    """Constraints of a built venue batch per family. Range-check limb queries (emitted
    together under ``lookup/range_*``) are given to the family that registered each check,
    from the checker's plan: ``k`` limbs, plus the shifted top in ``shift`` mode; the range
    tables' rows and the lookup argument's sums and ``beta`` powers are per batch."""
    from zkproof.gadgets.range_lookup import limb_layout

    plan = circuit.range_checker.plan
    out: Counter = Counter()
    for entry in circuit.range_checks:
        family = entry.family
        k, w_top = limb_layout(entry.n_bits, plan.base_bits)
        shifted = w_top < plan.base_bits and plan.top_mode[w_top] == "shift"
        out[f"{family} (range limbs)"] += k + int(shifted)
    ranged = sum(out.values())
    for n in circuit.cs.constraint_names:
        label = next((lab for lab, pat in VENUE_FAMILIES if re.match(pat, n)), None)
        if label is None and re.match(r"lookup/range_\d+/query_", n):
            ranged -= 1
            continue
        out[label or "range tables, lookup sums, beta powers, root, digest (per batch)"] += 1
    assert ranged == 0, f"range queries attributed {ranged} more than built"
    return out


def synthetic_venue(shape, seed: int = 7):
    """Tables with 3/4 of each universe listed and ``capacity`` accounts of 1..P positions
    and 1..B balances (some loans), each with enough collateral in every scenario."""
    import random

    from zkproof.venue import VenueTables
    from zkproof.witness.venue import VenueAccount

    rng = random.Random(seed)
    S = shape.n_scenarios
    li = [i % 4 != 0 for i in range(shape.i_max)]
    la = [a % 4 != 0 for a in range(shape.a_max)]
    v = [tuple(rng.randrange(-10**9, 10**9) if li[i] else 0 for _ in range(S)) for i in range(shape.i_max)]
    ml = [rng.randrange(10**7) if li[i] else 0 for i in range(shape.i_max)]
    ms = [rng.randrange(10**7) if li[i] else 0 for i in range(shape.i_max)]
    c = [tuple(rng.randrange(10**6, 10**9) if la[a] else 0 for _ in range(S)) for a in range(shape.a_max)]
    d = [tuple(x + rng.randrange(10**6) if la[a] else 0 for x in c[a]) for a in range(shape.a_max)]
    tables = VenueTables(tuple(v), tuple(ml), tuple(ms), tuple(li), tuple(c), tuple(d), tuple(la))
    listed_i = [i for i in range(shape.i_max) if li[i]]
    listed_a = [a for a in range(shape.a_max) if la[a]]
    accounts = []
    for _ in range(shape.capacity):
        pos = sorted(rng.sample(listed_i, rng.randint(1, shape.p)))
        bal = sorted(rng.sample(listed_a, rng.randint(1, shape.b)))
        positions = tuple((j, rng.randrange(-10**6, 10**6) or 1) for j in pos)
        balances = [(a, rng.randrange(-10**6, 10**9)) for a in bal]
        # collateral: the last balance covers every scenario's loss (and the mark requirement)
        worst = sum(abs(q) * (max(abs(x) for x in v[j]) + ml[j] + ms[j] + 1) for j, q in positions)
        worst += sum(-b * max(d[a]) for a, b in balances if b < 0)
        a_last = balances[-1][0]
        balances[-1] = (a_last, max(balances[-1][1], 0) + worst // min(c[a_last]) + 1)
        accounts.append(VenueAccount(rng.randrange(1, 1 << 250), positions, tuple(balances)))
    return tables, accounts


def venue_key(r1cs, name: str):
    """A dev key for this venue circuit, made once per fingerprint (INSECURE-DEV-SETUP)."""
    return cached_dev_key(r1cs, VENUE_CACHE / f"{name}.zkey")


def venue_probe(i_max: int, capacity: int, zkey: str) -> dict:
    """A fresh process: build the venue batch, read the key, solve + check one batch of
    synthetic accounts, prove it (process CPU), verify."""
    from zkproof.circuits import venue_batch
    from zkproof.formats.zkey_file import read_zkey
    from zkproof.groth16.prove import challenge_fn, prove
    from zkproof.groth16.verify import verify
    from zkproof.hash.poseidon import poseidon
    from zkproof.venue import rlc_challenge, table_hash
    from zkproof.witness.venue import build_venue_batch

    shape = venue_shape(i_max, capacity)
    t = time.perf_counter()
    circuit = venue_batch.build(shape)
    out = {"build": time.perf_counter() - t}
    pk = read_zkey(zkey)
    tables, accounts = synthetic_venue(shape)
    w = build_venue_batch(shape, tables, accounts)
    # a one-batch epoch's gamma (epoch 1, no open interest or totals committed: the bench
    # proves the batch, not the aggregate)
    w = w.bind(rlc_challenge(poseidon, 1, table_hash(tables), 0, 0, [w.root]))
    t, c = time.perf_counter(), time.process_time()
    a = circuit.cs.solve(w.inputs(), challenges=challenge_fn(pk))
    circuit.cs.check(a)
    out.update(solve_wall=time.perf_counter() - t, solve_cpu=time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    proof, public = prove(pk, a.witness())
    out.update(prove_wall=time.perf_counter() - t, prove_cpu=time.process_time() - c)
    out["verified"] = verify(pk.verifying_key(), public, proof)
    out["rss_peak"] = _rss_mib()
    return out


def venue_part(capacity: int) -> dict:
    """Part 5: constraints per account by family at I_max = 1024 (and the total at 4096), and
    the prove CPU per account of one real batch at I_max = 1024."""
    from zkproof.circuits import venue_batch

    shape = venue_shape(1024, capacity)
    t = time.perf_counter()
    circuit = venue_batch.build(shape)
    build_s = time.perf_counter() - t
    n_total = circuit.cs.num_constraints
    per_account = n_total / capacity
    fam = venue_breakdown(circuit)
    print(f"\n6. venue batch (sparse, circuits/venue_batch.py): I_max={shape.i_max}, A_max={shape.a_max}, "
          f"P={shape.p}, B={shape.b}, K={shape.k}, capacity={capacity}: {n_total:,} constraints "
          f"(built in {build_s:.0f} s), {circuit.cs.num_public:,} public inputs; range base 2^"
          f"{circuit.range_checker.plan.base_bits}")
    print("   per account (per-batch parts divided by the capacity), by family:")
    for k, v in sorted(fam.items(), key=lambda kv: -kv[1]):
        print(f"     {k:<66} {v / capacity:>8,.1f}  {100 * v / n_total:4.1f} %")
    r1cs = circuit.cs.to_r1cs()
    del circuit
    zkey = str(venue_key(r1cs, f"venue_i{shape.i_max}_cap{capacity}"))
    del r1cs
    p = in_fresh_process(venue_probe, shape.i_max, capacity, zkey)
    assert p["verified"], "the venue batch proof does not verify"
    cpu = p["prove_cpu"] / capacity
    print(f"   one batch proved in a fresh process: solve+check {p['solve_cpu']:.1f} CPU-s, prove "
          f"{p['prove_wall']:.1f} s wall / {p['prove_cpu']:.1f} CPU-s, verified; peak RSS "
          f"{p['rss_peak']:.0f} MiB")
    # 4096 rows cost four times as much per batch: at twice the capacity they amortise as well
    n4096 = {c: venue_batch.build(venue_shape(4096, c)).cs.num_constraints / c
             for c in (capacity, 2 * capacity)}
    line_4096 = (f"at I_max=4096: {n4096[capacity]:.0f} constraints per account at capacity={capacity}, "
                 f"{n4096[2 * capacity]:.0f} at capacity={2 * capacity} (A_max={shape.a_max}, P={shape.p}, "
                 f"B={shape.b}, K={shape.k})")
    agg = {i_max: venue_aggregate_per_batch(venue_shape(i_max, capacity)) for i_max in (1024, 4096)}
    line_aggregate = ("venue aggregate (circuits/venue_aggregate.py), constraints per batch = (at 8 "
                      "batches - at 4) / 4: " + ", ".join(
                          f"{per:.0f} at I_max={i} ({n[4]:,} / {n[8]:,})" for i, (n, per) in agg.items())
                      + f" (A_max={shape.a_max})")
    print(line_aggregate)
    last = (f"per account: {per_account:.0f} constraints, {cpu:.3f} CPU-s (I_max={shape.i_max}, "
            f"A_max={shape.a_max}, P={shape.p}, B={shape.b}, K={shape.k}, capacity={capacity})")
    return {"per_account": per_account, "per_account_4096": n4096, "families": dict(fam),
            "aggregate_per_batch": {i: per for i, (_, per) in agg.items()},
            "probe": p, "line_4096": line_4096, "last_line": last}


def venue_aggregate_per_batch(batch_shape) -> tuple[dict[int, int], float]:
    """Constraints of the venue aggregate built at 4 and 8 batches, and per batch (the
    difference over 4): what does not depend on the universes' sizes."""
    from zkproof.circuits import venue_aggregate
    from zkproof.venue import VenueEpochShape

    n = {k: venue_aggregate.build(VenueEpochShape(batch_shape, k)).num_constraints for k in (4, 8)}
    return n, (n[8] - n[4]) / 4


if __name__ == "__main__":
    main()
