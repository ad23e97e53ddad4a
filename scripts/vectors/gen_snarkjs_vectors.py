"""Regenerate ``vectors/snarkjs/``: a circom-compiled circuit proved and verified by snarkjs.

Usage (from the repository root, npm peers installed by ``make tools``)::

    .venv/bin/python scripts/vectors/gen_snarkjs_vectors.py [--out vectors/snarkjs] [--ptau FILE]

Steps (all snarkjs 0.7.6 / circom2 0.2.23 / circomlib 2.0.5): compile ``toy_solvency.circom``
(circomlib ``Num2Bits`` and ``LessEqThan``), ``wtns calculate``, ``groth16 setup`` on a power-6
ptau, one ``zkey contribute`` and a ``zkey beacon`` (so gamma != delta: a key straight from
``groth16 setup`` has gamma == delta and zkproof refuses it, ATTACKS C1), ``zkey export
verificationkey``, ``groth16 prove``, ``groth16 verify``. Not reproducible byte for byte:
snarkjs mixes fresh OS randomness into every contribution (even with ``-e``) and proving draws
fresh ``r, s``; the r1cs, the witness and ``public.json`` are deterministic.

``make_example`` is also imported by ``tests/test_interop_verify.py`` so that the test builds
its artefacts exactly the way the committed vectors were built.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NAME = "toy_solvency"
SOURCE = """pragma circom 2.0.0;
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Toy solvency statement: two private balances, each < 2^16, whose sum (public output) is at
// most the public reserves. Public signals in snarkjs order: [total, reserves].
template ToySolvency() {
    signal input reserves;
    signal input balances[2];
    signal output total;
    component range[2];
    for (var i = 0; i < 2; i++) {
        range[i] = Num2Bits(16);
        range[i].in <== balances[i];
    }
    total <== balances[0] + balances[1];
    component covered = LessEqThan(20);
    covered.in[0] <== total;
    covered.in[1] <== reserves;
    covered.out === 1;
}

component main {public [reserves]} = ToySolvency();
"""
INPUT = {"reserves": "1000", "balances": ["300", "450"]}
ENTROPY = "zkproof vectors/snarkjs contribution"
BEACON = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
PTAU_POWER = 6


def make_ptau(run: Callable, workdir: Path, power: int = PTAU_POWER) -> Path:
    """A phase2-prepared ptau: new, one contribution, a beacon, prepare phase2."""
    for args in (("powersoftau", "new", "bn128", str(power), "p0.ptau"),
                 ("powersoftau", "contribute", "p0.ptau", "p1.ptau", "--name=vectors", f"-e={ENTROPY}"),
                 ("powersoftau", "beacon", "p1.ptau", "p2.ptau", BEACON, "10", "--name=beacon"),
                 ("powersoftau", "prepare", "phase2", "p2.ptau", "final.ptau")):
        run(*args, cwd=workdir)
    return workdir / "final.ptau"


def make_example(run: Callable, workdir: Path, r1cs: Path, wasm: Path, ptau: Path,
                 inputs: dict = INPUT) -> dict[str, Path]:
    """Witness, a contributed zkey, its verification key and one snarkjs proof in ``workdir``."""
    wd = Path(workdir)
    (wd / "input.json").write_text(json.dumps(inputs))
    steps = (("wtns", "calculate", wasm, "input.json", f"{NAME}.wtns"),
             ("groth16", "setup", r1cs, ptau, "z0.zkey"),
             ("zkey", "contribute", "z0.zkey", "z1.zkey", "--name=vectors", f"-e={ENTROPY}"),
             ("zkey", "beacon", "z1.zkey", "final.zkey", BEACON, "10", "--name=beacon"),
             ("zkey", "export", "verificationkey", "final.zkey", "verification_key.json"),
             ("groth16", "prove", "final.zkey", f"{NAME}.wtns", "proof.json", "public.json"),
             ("groth16", "verify", "verification_key.json", "public.json", "proof.json"))
    for args in steps:
        run(*args, cwd=wd)
    return {"wtns": wd / f"{NAME}.wtns", "zkey": wd / "final.zkey", "z0": wd / "z0.zkey",
            "vk": wd / "verification_key.json", "proof": wd / "proof.json",
            "public": wd / "public.json", "input": wd / "input.json"}


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(REPO))
    from zkproof.devtools import npm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "vectors" / "snarkjs")
    ap.add_argument("--ptau", type=lambda s: Path(s).resolve(),
                    help="a phase2-prepared ptau (default: make one, power 6)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        wd = Path(d)
        c = npm.circom_compile(SOURCE, NAME, wd / "circuit")
        ptau = args.ptau or make_ptau(npm.run_snarkjs, wd)
        ex = make_example(npm.run_snarkjs, wd, c["r1cs"], c["wasm"], ptau)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{NAME}.circom").write_text(SOURCE)
        for src in (c["r1cs"], ex["wtns"], ex["vk"], ex["proof"], ex["public"], ex["input"]):
            shutil.copy(src, args.out / src.name)
    for f in sorted(args.out.iterdir()):
        print(f"{f.stat().st_size:7d}  {f.relative_to(REPO) if f.is_relative_to(REPO) else f}")
        if f.stat().st_size > 50_000:
            print(f"error: {f} is larger than 50 kB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
