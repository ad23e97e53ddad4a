"""Write ``zkproof/hash/poseidon_constants.json``: circomlib's Poseidon parameters for t = 2..17.

Usage (from the repository root; ~10 s)::

    .venv/bin/python scripts/gen_poseidon_constants.py [--out PATH]

The constants are generated here, from the Poseidon paper's Grain LFSR procedure
(``zkproof.hash.grain``), not copied from circomlib. ``tests/test_poseidon_constants.py``
checks the committed file against a fresh generation and (interop) against circomlibjs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from zkproof.hash.grain import R_F, R_P, generate

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "zkproof" / "hash" / "poseidon_constants.json"
COMMAND = ".venv/bin/python scripts/gen_poseidon_constants.py"


def build() -> dict:
    """The whole parameter set as a JSON-ready dict (hex strings, ``0x`` + 64 digits)."""
    params: dict[str, dict] = {}
    for t in range(2, 18):
        c, m = generate(t)
        params[str(t)] = {
            "C": [f"0x{x:064x}" for x in c],
            "M": [[f"0x{x:064x}" for x in row] for row in m],
        }
    return {
        "source": "Grain LFSR (Poseidon paper, ePrint 2019/458, App. E) as in hadeshash "
                  "generate_parameters_grain.sage 1 0 254 t 8 R_P <BN254 r>; "
                  "equal to circomlib/circomlibjs poseidon_constants",
        "command": COMMAND,
        "R_F": R_F,
        "R_P": R_P,
        "params": params,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    out: Path = ap.parse_args().out
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(build(), separators=(",", ":")) + "\n")
    tmp.replace(out)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
