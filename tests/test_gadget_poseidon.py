"""In-circuit Poseidon: equals the native hash and circom's circomlib ``Poseidon(n)``."""

from __future__ import annotations

import json
import random
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import fr_elements
from tests.test_gadget_support import assert_hints_pinned, fails_at, solve_ok
from zkproof.field.fr import R
from zkproof.gadgets.poseidon import poseidon as poseidon_gadget
from zkproof.hash.poseidon import poseidon
from zkproof.r1cs.system import ConstraintSystem

# Pinned constraint counts for 1..16 inputs: 3 * (8 t + R_P) - 3 (one constant S-box).
COUNTS = {1: 213, 2: 240, 3: 261, 4: 297, 5: 321, 6: 354, 7: 381, 8: 402, 9: 417, 10: 459,
          11: 465, 12: 504, 13: 543, 14: 537, 15: 573, 16: 609}


@cache
def _circuit(n: int):
    cs = ConstraintSystem()
    xs = [cs.private(f"x{i}") for i in range(n)]
    out = poseidon_gadget(cs, xs, "h")
    return cs, out


def _inputs(values):
    return {f"x{i}": v for i, v in enumerate(values)}


@pytest.mark.parametrize("n", range(1, 17))
def test_count_pinned_and_matches_native(n):
    cs, out = _circuit(n)
    assert cs.num_constraints == COUNTS[n]
    vals = [random.randrange(R) for _ in range(n)]
    assert solve_ok(cs, _inputs(vals))[out] == poseidon(vals)


def test_count_formula_all_arities():
    from zkproof.hash.grain import R_P

    assert COUNTS == {n: 3 * (8 * (n + 1) + R_P[n - 1]) - 3 for n in range(1, 17)}


@given(st.integers(1, 4).flatmap(lambda n: st.lists(fr_elements(), min_size=n, max_size=n)))
def test_in_circuit_equals_native(vals):
    """Property: for any inputs, the circuit's output wire equals the native hash."""
    cs, out = _circuit(len(vals))
    assert solve_ok(cs, _inputs(vals))[out] == poseidon(vals)


def test_constant_inputs_cost_no_first_round_sbox():
    cs = ConstraintSystem()
    x = cs.private("x")
    out = poseidon_gadget(cs, [7, x])
    assert cs.num_constraints == COUNTS[2] - 3
    assert solve_ok(cs, {"x": 11})[out] == poseidon([7, 11])


def test_wrong_claimed_hash_rejected():
    cs = ConstraintSystem()
    xs = [cs.private("x0"), cs.private("x1")]
    claimed = cs.public("claimed")
    cs.enforce_equal(poseidon_gadget(cs, xs, "h"), claimed, "claimed_hash")
    solve_ok(cs, {"x0": 1, "x1": 2, "claimed": poseidon([1, 2])})
    assert fails_at(cs, {"x0": 1, "x1": 2, "claimed": poseidon([1, 3])}) == "claimed_hash"


@pytest.mark.parametrize("which", ["x2", "x4", "x5"])
def test_tampered_sbox_names_its_constraint(which):
    cs, _ = _circuit(2)
    hint = next(h for h in cs.hints if h.name == f"h/round_5/sbox_0/{which}")
    assert fails_at(cs, _inputs([1, 2]), {hint.outputs[0]: 12345}) == f"h/round_5/sbox_0/{which}"


def test_every_sbox_hint_pinned():
    """A5 on a sample of Poseidon(2)'s S-box hints (all 240 in the slow test)."""
    cs, out = _circuit(2)
    assert_hints_pinned(cs, _inputs([3, 4]), {"hash": out}, max_hints=24, seed=1)


@pytest.mark.slow
def test_every_sbox_hint_pinned_all():
    cs, out = _circuit(2)
    assert_hints_pinned(cs, _inputs([3, 4]), {"hash": out})


def test_arity_limits():
    cs = ConstraintSystem()
    with pytest.raises(ValueError, match="1..16"):
        poseidon_gadget(cs, [])
    with pytest.raises(ValueError, match="1..16"):
        poseidon_gadget(cs, list(range(17)))


CIRCOM_SRC = """pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
component main = Poseidon({n});
"""


@pytest.mark.interop
@pytest.mark.parametrize("n", [2, 5])
def test_circom_poseidon_witness_equals_ours(n, circom_circuit, npm_tools, tmp_path):
    """circom-compiled circomlib Poseidon(n): its witness output equals our circuit's hash."""
    from zkproof.formats.r1cs_file import read_r1cs
    from zkproof.formats.wtns_file import read_wtns

    paths = circom_circuit(f"poseidon{n}", CIRCOM_SRC.format(n=n))
    vals = [random.randrange(R) for _ in range(n - 1)] + [R - 1]
    (tmp_path / "input.json").write_text(json.dumps({"inputs": [str(v) for v in vals]}))
    npm_tools.run_snarkjs("wtns", "calculate", paths["wasm"], tmp_path / "input.json",
                          tmp_path / "w.wtns")
    theirs = read_wtns(tmp_path / "w.wtns")[1]  # wire 1: the one public output
    cs, out = _circuit(n)
    assert solve_ok(cs, _inputs(vals))[out] == theirs == poseidon(vals)
    # our circuit is never larger than circom's compilation of circomlib's template
    assert cs.num_constraints <= read_r1cs(paths["r1cs"]).n_constraints


def test_fingerprint_pinned():
    """The exact R1CS of Poseidon(2) (a shape change must be a deliberate diff)."""
    assert _circuit(2)[0].to_r1cs().fingerprint() == (
        "ea196ad27c8c9c543b8180f7c6cc29a1d6325d03ed163cf3d2a1596c6e6a8a8e")


@pytest.mark.interop
def test_snarkjs_checks_our_poseidon_r1cs(npm_tools, tmp_path):
    """snarkjs ``wtns check`` accepts our Poseidon(3) R1CS with our witness, rejects a tampered one."""
    from zkproof.formats.r1cs_file import write_r1cs
    from zkproof.formats.wtns_file import write_wtns

    cs, _ = _circuit(3)
    write_r1cs(tmp_path / "p.r1cs", cs.to_r1cs())
    w = cs.solve(_inputs([1, 2, R - 1])).witness()
    write_wtns(tmp_path / "good.wtns", w)
    good = npm_tools.run_snarkjs("wtns", "check", tmp_path / "p.r1cs", tmp_path / "good.wtns")
    assert "WITNESS IS CORRECT" in good.stdout
    w[-1] = (w[-1] + 1) % R
    write_wtns(tmp_path / "bad.wtns", w)
    bad = npm_tools.run_snarkjs("wtns", "check", tmp_path / "p.r1cs", tmp_path / "bad.wtns", check=False)
    assert bad.returncode != 0 and "WITNESS IS NOT CORRECT" in bad.stdout
