"""The devtools the contract tests stand on: solc (standard JSON, pinned) and py-evm calls."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from zkproof.devtools import solc
from zkproof.devtools.evm import EvmChain

pytestmark = pytest.mark.evm

SRC = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Probe {
    error TooBig(uint256 x, uint256 limit);
    uint256 public stored;
    event Stored(uint256 indexed x);
    function put(uint256 x) external returns (uint256) {
        if (x > 100) revert TooBig(x, 100);
        stored = x;
        emit Stored(x);
        return x + 1;
    }
    function burn(uint256 n) external pure returns (uint256 acc) {
        for (uint256 i = 0; i < n; ++i) acc = uint256(keccak256(abi.encode(acc, i)));
    }
    function fork() external view returns (uint256) { return block.blobbasefee; }
}
"""


@pytest.fixture(scope="module")
def probe():
    chain = EvmChain()
    return chain, chain.deploy(solc.compile_sources({"Probe.sol": SRC})["Probe"])


def test_compiles_with_pinned_solc_for_cancun():
    c = solc.compile_sources({"Probe.sol": SRC})["Probe"]
    assert c.method_identifiers["put(uint256)"] == keccak(text="put(uint256)")[:4].hex()
    assert solc.standard_input({"a.sol": ""})["settings"]["evmVersion"] == "cancun"
    assert solc.compile_sources({"Probe.sol": SRC})["Probe"] is c  # in-process cache


def test_compile_error_names_file_and_line():
    with pytest.raises(solc.SolcError, match=r"Bad\.sol:2"):
        solc.compile_sources({"Bad.sol": "pragma solidity ^0.8.0;\ncontract B { uint x = ; }\n"})


def test_call_returns_value_and_gas_and_discards_state(probe):
    chain, c = probe
    r = c.call("put", 7)
    assert r.success and r.value == 8 and r.gas_used > 20_000  # a fresh SSTORE was paid for
    # 21,000 + calldata: 4 non-zero selector bytes (16 each), the word 7 = 31 zero bytes (4 each)
    # and one non-zero byte (EIP-2028).
    assert all(c.encode("put", 7)[:4]) and r.intrinsic_gas == 21_000 + 4 * 16 + 31 * 4 + 16
    assert c.call("stored").value == 0  # call() never commits


def test_transact_commits_and_logs(probe):
    chain, c = probe
    r = c.transact("put", 9)
    assert r.success and r.tx_gas == r.intrinsic_gas + r.gas_used and len(r.logs) == 1
    assert c.call("stored").value == 9
    assert c.call("fork").success  # BLOBBASEFEE (Cancun) runs on this chain


def test_custom_error_and_out_of_gas_are_decoded(probe):
    chain, c = probe
    r = c.transact("put", 101)
    assert not r.success and (r.error, r.error_args) == ("TooBig", (101, 100))
    assert c.call("stored").value == 9  # the reverted transaction wrote nothing
    starved = c.call("burn", 1000, gas=60_000)
    assert not starved.success and starved.error == "OutOfGas"
    assert c.call("burn", 3, gas=60_000).success
