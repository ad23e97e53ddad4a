"""Micro-benchmark of the prover kernel: G1/G2 MSM, batch mul and NTT, native vs pure Python.

    .venv/bin/python -m bench.msm_ntt [--max-log 16] [--threads N] [--json]

Prints, for n = 2^12 .. 2^max-log: G1 MSM ns per point for random 254-bit scalars and for a
witness-like mix (0, +-1, bits, 64-bit balances, a few full scalars), G2 MSM at the smaller sizes,
and forward / coset-inverse NTT time; then native vs python on a small n (the pure-Python
kernel needs seconds for 2^8 points). Each figure is the median of ``--repeat`` runs and is
given twice: wall clock and process CPU time (all threads), because the machine is shared and
the wall clock alone mostly measures the neighbours.

Bases are ``s_i * G`` made by the native batch multiplication (timed too, per point).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from zkproof.curve import bn254
from zkproof.field.fr import R
from zkproof.kernel import python_backend


def _timed(fn, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def _scalars(rnd: random.Random, n: int, kind: str) -> bytes:
    if kind == "random":
        vals = [rnd.randrange(R) for _ in range(n)]
    else:   # witness-like: what circom witnesses of range-checked balances look like
        vals = [rnd.choice([0, 0, 1, 1, 1, R - 1, rnd.randrange(2), rnd.randrange(2**64),
                            R - rnd.randrange(2**64), rnd.randrange(R)]) for _ in range(n)]
    return b"".join(v.to_bytes(32, "little") for v in vals)


def _prove_like(native, rnd: random.Random, pts: bytes, pts2: bytes, log_n: int, repeat: int) -> dict:
    """Kernel calls of one snarkjs-style Groth16 proof at n = 2^log_n (witness ~ n variables):
    G1 MSMs for A, B1 and C over witness-like scalars, one over n random scalars (the H
    part of C), the G2 MSM for B, and the six NTTs of the witness map. G2 bases are the 2^12
    distinct points made above, tiled (repetition does not change the MSM's work)."""
    n = 1 << log_n
    p1 = pts[:64 * n]
    p2 = (pts2 * (n * 128 // len(pts2) + 1))[:128 * n]
    wit = [_scalars(rnd, n, "witness") for _ in range(3)]
    h = _scalars(rnd, n, "random")

    def run():
        for w in wit:
            native.g1_msm(p1, w)
        native.g1_msm(p1, h)
        native.g2_msm(p2, wit[0])
        for _ in range(3):
            native.fr_ntt(native.fr_ntt(h, inverse=True), shift=5)

    w, c = _timed(run, repeat)
    print(f"prove-like kernel work at 2^{log_n}: {w:.2f} s wall, {c:.2f} s cpu "
          f"(4 G1 MSM + 1 G2 MSM + 6 NTT of {n})")
    return {"log_n": log_n, "wall_s": w, "cpu_s": c}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-log", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="native worker threads (0 = all cores)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--prove-like", action="store_true",
                    help="also time the kernel work of one Groth16 proof with 2^max-log constraints")
    args = ap.parse_args(argv)
    from zkproof._native import kernel as native

    native.set_threads(args.threads)
    rnd = random.Random(1)
    res: dict = {"threads": native.threads(), "rows": []}
    n_max = 1 << args.max_log
    g1 = bn254.g1_to_lem(bn254.G1_GENERATOR) * n_max
    g2 = bn254.g2_to_lem(bn254.G2_GENERATOR)
    base_scalars = _scalars(rnd, n_max, "random")
    w, c = _timed(lambda: native.g1_batch_mul(g1, base_scalars), 1)
    pts = native.g1_batch_mul(g1, base_scalars)
    res["g1_batch_mul_us_per_point"] = {"wall": w / n_max * 1e6, "cpu": c / n_max * 1e6}
    n_g2 = min(n_max, 1 << 12)
    pts2 = native.g2_batch_mul(g2 * n_g2, base_scalars[:32 * n_g2])
    print(f"threads={res['threads']}  g1_batch_mul: {w / n_max * 1e6:.1f} us/pt wall, "
          f"{c / n_max * 1e6:.1f} us/pt cpu")
    print(f"{'log n':>5} {'G1 rand ns/pt':>22} {'G1 witness ns/pt':>22} {'G2 rand ns/pt':>22} "
          f"{'NTT ms':>16} {'iNTT coset ms':>16}   (wall / cpu)")
    for log_n in range(12, args.max_log + 1):
        n = 1 << log_n
        row: dict = {"log_n": log_n}
        p = pts[:64 * n]
        for kind in ("random", "witness"):
            s = _scalars(rnd, n, kind)
            w, c = _timed(lambda p=p, s=s: native.g1_msm(p, s), args.repeat)
            row[f"g1_{kind}_ns_per_point"] = {"wall": w / n * 1e9, "cpu": c / n * 1e9}
        if n <= n_g2:
            s = _scalars(rnd, n, "random")
            w, c = _timed(lambda n=n, s=s: native.g2_msm(pts2[:128 * n], s), args.repeat)
            row["g2_random_ns_per_point"] = {"wall": w / n * 1e9, "cpu": c / n * 1e9}
        v = _scalars(rnd, n, "random")
        w, c = _timed(lambda v=v: native.fr_ntt(v), args.repeat)
        row["ntt_ms"] = {"wall": w * 1e3, "cpu": c * 1e3}
        w, c = _timed(lambda v=v: native.fr_ntt(v, inverse=True, shift=5), args.repeat)
        row["intt_coset_ms"] = {"wall": w * 1e3, "cpu": c * 1e3}
        res["rows"].append(row)

        def fmt(key, row=row):
            x = row.get(key)
            return f"{x['wall']:>10.0f} /{x['cpu']:>9.0f}" if x else f"{'-':>20}"

        def fmt_ms(key, row=row):
            return f"{row[key]['wall']:>7.1f} /{row[key]['cpu']:>6.1f}"

        print(f"{log_n:>5} {fmt('g1_random_ns_per_point'):>22} {fmt('g1_witness_ns_per_point'):>22} "
              f"{fmt('g2_random_ns_per_point'):>22} {fmt_ms('ntt_ms'):>16} {fmt_ms('intt_coset_ms'):>16}")
    # native vs pure Python on a size the reference can do in seconds
    n = 256
    p, s = pts[:64 * n], _scalars(rnd, n, "random")
    wn, cn = _timed(lambda: native.g1_msm(p, s), args.repeat)
    wp, cp = _timed(lambda: python_backend.g1_msm(p, s), 1)
    v = _scalars(rnd, 1024, "random")
    wnn, _ = _timed(lambda: native.fr_ntt(v, shift=5), args.repeat)
    wpn, _ = _timed(lambda: python_backend.fr_ntt(v, shift=5), 1)
    res["vs_python"] = {"g1_msm_256": {"native_s": wn, "python_s": wp, "speedup": wp / wn},
                        "ntt_1024": {"native_s": wnn, "python_s": wpn, "speedup": wpn / wnn}}
    print(f"G1 MSM n=256: native {wn * 1e3:.2f} ms, python {wp * 1e3:.0f} ms, speedup {wp / wn:.0f}x")
    print(f"NTT n=1024:   native {wnn * 1e3:.2f} ms, python {wpn * 1e3:.0f} ms, speedup {wpn / wnn:.0f}x")
    if args.prove_like:
        res["prove_like"] = _prove_like(native, rnd, pts, pts2, args.max_log, args.repeat)
    native.set_threads(0)
    if args.json:
        print(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
