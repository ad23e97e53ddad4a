"""``vk_alphabeta_12`` against ffjavascript (snarkjs' curve library) on random points.

snarkjs writes ``e(alpha, beta)`` in wasmcurves' F_p12 tower and with wasmcurves' final
exponentiation, which is py_ecc's pairing raised to ``2z(6z^2 + 3z + 1)``; this test pins both
the tower mapping and that exponent (``zkproof.formats.snarkjs_json.alphabeta_12``).
"""

from __future__ import annotations

import json
import random

import pytest

from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, g1_mul, g2_mul
from zkproof.field.fr import R
from zkproof.formats import snarkjs_json as sj
from zkproof.groth16.keys import VerifyingKey

pytestmark = pytest.mark.interop

FFJS_PAIRINGS = """
const ff = require("ffjavascript");
const fs = require("fs");
(async () => {
  const c = await ff.buildBn128(true);
  const u = ff.utils.unstringifyBigInts;
  const pairs = JSON.parse(fs.readFileSync(process.argv[process.argv.length - 1], "utf8"));
  const out = pairs.map(([a, b]) => ff.utils.stringifyBigInts(
      c.Gt.toObject(c.pairing(c.G1.fromObject(u(a)), c.G2.fromObject(u(b))))));
  console.log(JSON.stringify(out));
  process.exit(0);
})();
"""


def _vk(alpha, beta) -> VerifyingKey:
    return VerifyingKey(alpha, beta, G2_GENERATOR, G2_GENERATOR, [G1_GENERATOR])


def test_alphabeta_matches_ffjavascript(npm_tools, tmp_path):
    rng = random.Random(20261121)
    scalars = [(rng.randrange(1, R), rng.randrange(1, R)) for _ in range(3)]
    keys = [_vk(g1_mul(G1_GENERATOR, a), g2_mul(G2_GENERATOR, b)) for a, b in scalars]
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps([[sj._g1(k.alpha_g1), sj._g2(k.beta_g2)] for k in keys]))
    theirs = json.loads(npm_tools.run_node_script(FFJS_PAIRINGS, str(path)))
    ours = [sj.alphabeta_12(k) for k in keys]
    assert ours == theirs
    # twin: without the exponent (plain py_ecc pairing mapped to the tower) they differ
    assert sj._GT_LAMBDA != 1
    swapped = [sj.alphabeta_12(_vk(k.alpha_g1, G2_GENERATOR)) for k in keys]
    assert all(s != t for s, t in zip(swapped, theirs, strict=True))
