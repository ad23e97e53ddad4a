"""Range checks of 64 bits: bit decomposition vs log-derivative lookups, same machine, same run.

    .venv/bin/python -m bench.lookups [--log-checks 14] [--profile] [--json]

Two circuits over ``2^N`` private 64-bit values (default N = 14): ``bits`` checks each with
``assert_in_range`` (64 booleans + 1 recomposition), ``lookup`` with one ``RangeChecker`` (limbs
in a ``2^b`` table, ``b`` from the cost model of ``zkproof.gadgets.range_lookup``). For each:
constraints per check; one witness (seeded random values) solved and checked; a single-party dev
key (INSECURE-DEV-SETUP, benchmark only; cached in ``.cache/bench/lookups/``); one real Groth16
proof (the lookup circuit's with its commitment), verified. CPU seconds are process CPU (all
kernel threads); the machine is shared, so read the ratio. ``--profile`` prints where the
lookup circuit's time goes: each kernel call of its proof (CPU s, number of scalars) and the
solve's top Python functions (cProfile, by own time).

The first run at the default size spends ~15 CPU-minutes on the bits circuit's dev setup
(2^21 domain); later runs read the cached keys and take about a minute.

Last line, exactly:
``range64 constraints per check: X (bits: Y); prove CPU per check lookup/bits: R``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import time

from zkproof.devtools.npm import REPO

CACHE = REPO / ".cache" / "bench" / "lookups"
WIDTH = 64


def build(kind: str, n: int):
    """The ``bits`` or ``lookup`` circuit over ``n`` private values."""
    from zkproof.gadgets.lookup import Lookups
    from zkproof.gadgets.range_check import assert_in_range
    from zkproof.gadgets.range_lookup import RangeChecker
    from zkproof.r1cs.system import ConstraintSystem

    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}") for i in range(n)]
    if kind == "bits":
        for i, x in enumerate(xs):
            assert_in_range(cs, x, WIDTH, f"range_{i}")
        return cs, None
    lk = Lookups(cs)
    rc = RangeChecker(lk)
    for x in xs:
        rc.check(x, WIDTH)
    lk.finalize()
    return cs, rc.plan


def dev_key(kind: str, n: int, r1cs):
    """A dev key for this circuit, made once per circuit fingerprint (INSECURE-DEV-SETUP)."""
    from zkproof.formats.zkey_file import read_zkey, write_zkey
    from zkproof.groth16.setup import dev_setup

    path = CACHE / f"{kind}_{n}.zkey"
    fp = CACHE / (path.name + ".fingerprint")
    if path.exists() and fp.exists() and fp.read_text() == r1cs.fingerprint():
        return read_zkey(path), 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    t = time.process_time()
    pk = dev_setup(r1cs, quiet=True)
    spent = time.process_time() - t
    write_zkey(path, pk)
    fp.write_text(r1cs.fingerprint())
    return pk, spent


def timed_kernel(fn, calls: list, enabled: bool = True):
    """``fn()`` with each kernel call made by ``groth16.prove`` timed: ``calls`` receives
    ``(name, n_scalars, cpu_s)`` in call order (D, its PoK, h, A, B in G2, B in G1, C)."""
    from zkproof.groth16 import prove as prove_mod

    real = prove_mod.kernel
    if not enabled:
        return fn()

    class Timed:
        def __getattr__(self, name):
            f = getattr(real, name)

            def timed(*args):
                t = time.process_time()
                res = f(*args)
                calls.append((name, len(args[1]) // 32, time.process_time() - t))
                return res

            return timed

    prove_mod.kernel = Timed()
    try:
        return fn()
    finally:
        prove_mod.kernel = real


def measure(kind: str, n: int, profile: bool) -> dict:
    from zkproof.groth16.prove import challenge_fn, prove
    from zkproof.groth16.verify import verify

    t = time.process_time()
    cs, plan = build(kind, n)
    out: dict = {"kind": kind, "constraints": cs.num_constraints, "build_cpu": time.process_time() - t,
                 "plan": None if plan is None else {"base_bits": plan.base_bits, "top_mode": plan.top_mode}}
    r1cs = cs.to_r1cs()
    pk, out["setup_cpu"] = dev_key(kind, n, r1cs)
    out["domain"] = pk.domain_size
    rng = random.Random(n)
    inputs = {f"x{i}": rng.randrange(1 << WIDTH) for i in range(n)}
    prof = cProfile.Profile() if profile else None
    t = time.process_time()
    if prof:
        prof.enable()
    a = cs.solve(inputs, challenges=challenge_fn(pk) if cs.commitment else None)
    cs.check(a)
    if prof:
        prof.disable()
    out["solve_cpu"] = time.process_time() - t
    w, t = time.perf_counter(), time.process_time()
    proof, public = timed_kernel(lambda: prove(pk, a.witness()), out.setdefault("kernel", []),
                                 enabled=profile)
    out["prove_cpu"], out["prove_wall"] = time.process_time() - t, time.perf_counter() - w
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(8)
        out["profile"] = s.getvalue()
    out["verified"] = verify(pk.verifying_key(), public, proof)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log-checks", type=int, default=14, help="2^N range checks (default 14)")
    ap.add_argument("--profile", action="store_true", help="profile the lookup solve + prove")
    ap.add_argument("--json", action="store_true", help="also print the raw numbers as JSON")
    args = ap.parse_args(argv)
    n = 1 << args.log_checks
    res = {}
    for kind in ("lookup", "bits"):
        r = res[kind] = measure(kind, n, args.profile and kind == "lookup")
        plan = f", plan {r['plan']}" if r["plan"] else ""
        print(f"{kind:>6}: {r['constraints']:,} constraints ({r['constraints'] / n:.4g} per check"
              f"{plan}), domain 2^{r['domain'].bit_length() - 1}; CPU s: build {r['build_cpu']:.1f}, "
              f"dev setup {r['setup_cpu']:.1f} (0: cached), solve+check {r['solve_cpu']:.1f}, "
              f"prove {r['prove_cpu']:.1f} ({r['prove_wall']:.1f} s wall); verified {r['verified']}",
              flush=True)
        if not r["verified"]:
            raise SystemExit(f"{kind}: the proof does not verify")
    if args.profile:
        print("lookup prove, kernel calls (CPU s, scalars): " + "; ".join(
            f"{name} {k:,} {cpu:.2f}" for name, k, cpu in res["lookup"]["kernel"]))
        print("lookup solve + check (cProfile, top 8 by own time):\n" + res["lookup"]["profile"])
    x = res["lookup"]["constraints"] / n
    y = res["bits"]["constraints"] / n
    ratio = res["lookup"]["prove_cpu"] / res["bits"]["prove_cpu"]
    print(f"per check: solve+check CPU {1e6 * res['lookup']['solve_cpu'] / n:.0f} us (bits "
          f"{1e6 * res['bits']['solve_cpu'] / n:.0f} us), prove CPU "
          f"{1e6 * res['lookup']['prove_cpu'] / n:.0f} us (bits {1e6 * res['bits']['prove_cpu'] / n:.0f} us)")
    if args.json:
        print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "profile"} for k, v in res.items()},
                         indent=1, default=str))
    print(f"range64 constraints per check: {x:.4g} (bits: {y:.4g}); "
          f"prove CPU per check lookup/bits: {ratio:.3f}")
    return res


if __name__ == "__main__":
    main()
