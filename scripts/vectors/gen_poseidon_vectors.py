"""Regenerate ``vectors/poseidon/``: circomlibjs' Poseidon on chosen inputs, one case per file.

Usage (from the repository root, needs ``make tools``)::

    .venv/bin/python scripts/vectors/gen_poseidon_vectors.py [--out vectors/poseidon/cases]

Inputs are chosen here (seeded, no randomness at test time); the outputs come only from
circomlibjs' ``buildPoseidon()`` run by node, never from our implementation.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from zkproof.devtools.npm import run_node_script
from zkproof.field.fr import R

REPO = Path(__file__).resolve().parents[2]
SEED = 20261121

# node: read a JSON list of input lists on argv, print a JSON list of decimal outputs.
NODE_SCRIPT = """
const { buildPoseidon } = require("circomlibjs");
(async () => {
  const poseidon = await buildPoseidon();
  const cases = JSON.parse(process.argv[process.argv.length - 1]);
  const out = cases.map(xs => poseidon.F.toString(poseidon(xs.map(BigInt))));
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


def case_inputs() -> dict[str, list[int]]:
    """Case name -> inputs: every arity 1..16 with sequential, zero, r-1 and random inputs."""
    rng = random.Random(SEED)
    cases: dict[str, list[int]] = {}
    for n in range(1, 17):
        cases[f"arity_{n:02d}_sequential"] = list(range(1, n + 1))
        cases[f"arity_{n:02d}_zeros"] = [0] * n
        cases[f"arity_{n:02d}_r_minus_1"] = [R - 1] * n
        cases[f"arity_{n:02d}_random"] = [rng.randrange(R) for _ in range(n)]
    cases["arity_02_circomlib_1_2"] = [1, 2]
    cases["arity_04_mixed_edges"] = [0, 1, R - 1, 2**64 - 1]
    return cases


def circomlibjs_hashes(inputs: list[list[int]]) -> list[int]:
    out = run_node_script(NODE_SCRIPT, json.dumps([[str(x) for x in xs] for xs in inputs]))
    return [int(x) for x in json.loads(out)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "vectors" / "poseidon" / "cases")
    out_dir: Path = ap.parse_args().out
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = case_inputs()
    outputs = circomlibjs_hashes(list(cases.values()))
    for (name, xs), h in zip(cases.items(), outputs):
        doc = {"inputs": [str(x) for x in xs], "output": str(h)}
        (out_dir / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {out_dir}")


if __name__ == "__main__":
    main()
