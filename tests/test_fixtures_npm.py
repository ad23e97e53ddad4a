"""The shared npm fixtures produce what interop tests rely on."""

import pytest

pytestmark = pytest.mark.interop

SQUARE = """pragma circom 2.0.0;
include "circomlib/circuits/comparators.circom";
template Sq() { signal input x; signal output y; y <== x * x;
  component lt = LessThan(8); lt.in[0] <== x; lt.in[1] <== 100; lt.out === 1; }
component main = Sq();
"""


def test_snarkjs_ptau_is_prepared_and_verifies(snarkjs_ptau, npm_tools):
    path = snarkjs_ptau(6)
    assert path.stat().st_size > 0
    out = npm_tools.run_snarkjs("powersoftau", "verify", str(path)).stdout
    assert "Powers of Tau Ok" in out or "Powers Of tau file OK" in out


def test_circom_circuit_compiles_with_circomlib(circom_circuit, npm_tools):
    c = circom_circuit("sq", SQUARE)
    assert c["r1cs"].exists() and c["wasm"].exists()
    info = npm_tools.run_snarkjs("r1cs", "info", str(c["r1cs"])).stdout
    assert "# of Constraints" in info
