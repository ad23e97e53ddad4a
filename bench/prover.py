"""Whole-process Groth16 proving: zkproof vs snarkjs vs arkworks (groth16py), same files.

    .venv/bin/python -m bench.prover [--sizes 12,14,16,18] [--runs 3]

For each size 2^k: a circom circuit of ours (a chain of circomlib Poseidon(2) hashes sized to
fill ~85% of the domain), compiled with circom2; witness by `snarkjs wtns calculate`; one zkey
from our single-party dev setup (benchmark only: the same key for every prover). Then each
prover runs as a whole process under /usr/bin/time, median of --runs: wall seconds, CPU seconds
(user + sys, robust on a shared machine) and peak RSS. snarkjs verifies every proof we make.
groth16py (arkworks, GPL-3.0) is a benchmark peer installed by `make bench` only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from zkproof.devtools import npm

CACHE = npm.REPO / ".cache" / "bench"
VENV_BIN = Path(sys.executable).parent
POSEIDON2_CONSTRAINTS = 517  # circom2 (default optimisation) for circomlib Poseidon(2)

SOURCE = """pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
template Chain(n) {{
    signal input x; signal input y; signal output out;
    signal acc[n + 1]; component h[n];
    acc[0] <== x;
    for (var i = 0; i < n; i++) {{
        h[i] = Poseidon(2); h[i].inputs[0] <== acc[i]; h[i].inputs[1] <== y; acc[i + 1] <== h[i].out;
    }}
    out <== acc[n];
}}
component main {{public [y]}} = Chain({n});
"""


def _timed(cmd: list[str], cwd: Path) -> dict:
    """Run under /usr/bin/time: wall s, cpu s, peak RSS MiB."""
    proc = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M", *cmd], cwd=cwd,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}")
    line = [x for x in proc.stderr.splitlines() if x.startswith("TIME ")][-1].split()
    return {"wall": float(line[1]), "cpu": float(line[2]) + float(line[3]), "rss_mib": int(line[4]) / 1024}


def prepare(k: int) -> dict:
    """Compile, witness and key for size 2^k (cached under .cache/bench/k<k>/)."""
    d = CACHE / f"k{k}"
    n = max(1, int(0.85 * (1 << k) / POSEIDON2_CONSTRAINTS))
    if not (d / "circuit.zkey").exists():
        shutil.rmtree(d, ignore_errors=True)
        paths = npm.circom_compile(SOURCE.format(n=n), "circuit", d)
        (d / "input.json").write_text(json.dumps({"x": "1", "y": "2"}))
        npm.run_snarkjs("wtns", "calculate", paths["wasm"], "input.json", "witness.wtns", cwd=d)
        setup = _timed([str(VENV_BIN / "zkproof"), "groth16", "dev-setup", "circuit.r1cs",
                        "circuit.zkey.tmp"], d)
        Path(d / "circuit.zkey.tmp").replace(d / "circuit.zkey")
        npm.run_snarkjs("zkey", "export", "verificationkey", "circuit.zkey", "vk.json", cwd=d)
        (d / "setup.json").write_text(json.dumps(setup))
    info = npm.run_snarkjs("r1cs", "info", "circuit.r1cs", cwd=d).stdout
    constraints = int(next(x for x in info.splitlines() if "# of Constraints" in x).split(":")[-1])
    return {"dir": d, "constraints": constraints, "setup": json.loads((d / "setup.json").read_text())}


def measure(k: int, runs: int, with_arkworks: bool) -> dict:
    p = prepare(k)
    d = p["dir"]
    cmds = {
        "zkproof": [str(VENV_BIN / "zkproof"), "groth16", "prove", "circuit.zkey", "witness.wtns",
                    "ours_proof.json", "ours_public.json"],
        "snarkjs": [*npm.snarkjs_cli(), "groth16", "prove", "circuit.zkey", "witness.wtns",
                    "sj_proof.json", "sj_public.json"],
    }
    if with_arkworks:
        cmds["arkworks"] = [sys.executable, "-c", "import groth16py, sys; "
                            "groth16py.prove_wtns(groth16py.import_zkey(sys.argv[1])[0], sys.argv[2])",
                            "circuit.zkey", "witness.wtns"]
    out = {"k": k, "constraints": p["constraints"], "dev_setup_s": p["setup"]["wall"]}
    for name, cmd in cmds.items():
        samples = [_timed(cmd, d) for _ in range(runs)]
        out[name] = {m: statistics.median(s[m] for s in samples) for m in ("wall", "cpu", "rss_mib")}
    ok = npm.run_snarkjs("groth16", "verify", "vk.json", "ours_public.json", "ours_proof.json",
                         cwd=d, check=False)
    out["snarkjs_accepts_ours"] = ok.returncode == 0 and "OK" in ok.stdout
    out["same_public"] = json.loads((d / "ours_public.json").read_text()) == \
        json.loads((d / "sj_public.json").read_text())
    return out


def arkworks_available() -> bool:
    return subprocess.run([sys.executable, "-c", "import groth16py"], capture_output=True).returncode == 0


def print_table(rows: list[dict]) -> None:
    peers = [p for p in ("zkproof", "snarkjs", "arkworks") if p in rows[0]]
    print("Groth16 prove, whole process (median): wall s / cpu s / peak MiB")
    ark_col = f"{'ours/arkworks':>14}" if "arkworks" in peers else ""
    print(f"{'2^k':>4} {'constraints':>11} " + "".join(f"{p:>26}" for p in peers) +
          f"{'ours/snarkjs':>13}{ark_col}  snarkjs verifies ours")
    for r in rows:
        cells = "".join(f"{r[p]['wall']:>9.2f} {r[p]['cpu']:>7.2f} {r[p]['rss_mib']:>8.0f}" for p in peers)
        ratio = r["zkproof"]["wall"] / r["snarkjs"]["wall"]
        ark = f"{r['zkproof']['wall'] / r['arkworks']['wall']:>14.2f}" if "arkworks" in peers else ""
        print(f"{r['k']:>4} {r['constraints']:>11} {cells}{ratio:>13.2f}{ark}  {r['snarkjs_accepts_ours']}")


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="12,14,16,18")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ns = ap.parse_args(argv)
    ark = arkworks_available()
    rows = []
    for k in (int(x) for x in ns.sizes.split(",")):
        print(f"... 2^{k}", file=sys.stderr, flush=True)
        rows.append(measure(k, ns.runs, ark))
    if ns.json:
        print(json.dumps(rows, indent=1, default=str))
    else:
        print_table(rows)
    return rows


if __name__ == "__main__":
    main()
