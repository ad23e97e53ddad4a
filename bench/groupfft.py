"""prepare_phase2 before/after the native group inverse DFT (``zkproof._native.groupfft``).

Usage: ``python bench/groupfft.py [--python] POWER...`` -- for each power, a ptau with one
contribution (``powers_of_tau.new`` + ``contribute``) is prepared; prints wall and process CPU
seconds of ``lagrange.prepare_phase2`` with the native transform, and with the Python reference
path too when ``--python`` is given (slow: ~n log n py_ecc additions per section), and checks
that both give the same sections. Work is ~ sum_p p 2^p per section, so doubling n costs ~2.1x.
"""

from __future__ import annotations

import sys
import time

from zkproof.ceremony import lagrange, powers_of_tau


def _timed(pt) -> tuple[float, float, object]:
    w, c = time.perf_counter(), time.process_time()
    out = lagrange.prepare_phase2(pt)
    return time.perf_counter() - w, time.process_time() - c, out


def main(argv: list[str]) -> None:
    with_python = "--python" in argv
    powers = [int(a) for a in argv if not a.startswith("--")] or [10]
    native = lagrange._native_gfft
    for power in powers:
        pt = powers_of_tau.contribute(powers_of_tau.new(power), entropy=f"bench {power}")
        lagrange._native_gfft = native
        wall, cpu, out = _timed(pt)
        print(f"power {power:2d}  native  wall {wall:8.2f} s  cpu {cpu:8.2f} s", flush=True)
        if with_python:
            lagrange._native_gfft = None
            pwall, pcpu, ref = _timed(pt)
            lagrange._native_gfft = native
            same = ref.lagrange == out.lagrange
            print(f"power {power:2d}  python  wall {pwall:8.2f} s  cpu {pcpu:8.2f} s  "
                  f"speedup wall {pwall / wall:5.1f}x  identical {same}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
