"""`make bench`: every benchmark in one run, printed side by side with its peer.

    .venv/bin/python -m bench.run [--quick]

Sections: (1) Groth16 prove, whole process, zkproof vs snarkjs vs arkworks (groth16py) at
2^12..2^18 constraints (`bench.prover`); (2) kernel micro-benchmarks, G1 MSM ns/point
(`bench.msm_ntt`); (3) Poseidon per hash, C vs Python vs circomlibjs (`bench.poseidon`);
(4) solvency cost per account (`bench.solvency`); (5) on-chain gas, our verifier vs snarkjs'
(`bench.gas`). `--quick` runs the small sizes only. The machine is shared:
read the ratios, and the CPU-seconds columns where given.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import subprocess
import sys
import time


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    load = open("/proc/loadavg").read().split()[:3]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"{cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} "
            f"cores, Python {platform.python_version()}, node {node}, load {' '.join(load)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ns = ap.parse_args(argv)
    print(f"machine: {_machine()}\n")
    sections = [
        ("bench.prover", ["--sizes", "12,14" if ns.quick else "12,14,16,18",
                          "--runs", "1" if ns.quick else "3"]),
        ("bench.msm_ntt", ["--max-log", "14" if ns.quick else "16"]),
        ("bench.poseidon", ["--no-batch"] if ns.quick else []),
        ("bench.solvency", ["--capacity", "2", "--no-workers"] if ns.quick else []),
        ("bench.gas", []),
        ("bench.lookups", ["--log-checks", "10"] if ns.quick else []),
    ]
    failed = []
    for module, args in sections:
        print(f"=== {module} {' '.join(args)}", flush=True)
        t = time.perf_counter()
        try:
            importlib.import_module(module).main(args)
        except SystemExit as e:  # argparse in a section
            if e.code:
                failed.append(module)
        except Exception as e:  # noqa: BLE001 - report and go on to the next section
            print(f"{module} FAILED: {type(e).__name__}: {e}", flush=True)
            failed.append(module)
        print(f"({time.perf_counter() - t:.0f} s)\n", flush=True)
    if failed:
        print(f"failed sections: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
