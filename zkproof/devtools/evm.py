"""Deploy and call contracts on a real EVM (py-evm, set up through eth-tester's PyEVMBackend).

Why not ``web3.eth.estimate_gas`` or ``eth_call`` alone: a Groth16 verifier that *returns false*
when its pairing precompile runs out of gas makes ``estimate_gas`` under-report. Every call here
runs one transaction with an explicit gas limit and reports, from that same execution, the return
data, the revert reason and the gas actually spent, so the number
printed by ``bench/gas.py`` is the number a real transaction pays.

Gas figures:

* ``gas_used`` -- execution gas of the call frame (what the contract code and precompiles
  consume; excludes the 21,000 intrinsic gas and calldata gas).
* ``tx_gas`` -- the receipt's ``gasUsed`` (intrinsic + calldata + execution - refund); only for
  committed transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth.exceptions import Revert
from eth_abi import decode, encode
from eth_tester import PyEVMBackend
from eth_utils import keccak, to_checksum_address

from zkproof.devtools.solc import CompiledContract

DEFAULT_GAS = 5_000_000


def _types(params: list) -> list[str]:
    out = []
    for p in params:
        t = p["type"]
        if t.startswith("tuple"):
            t = "(" + ",".join(_types(p["components"])) + ")" + t[len("tuple"):]
        out.append(t)
    return out


def _signature(entry: dict) -> str:
    return f"{entry['name']}({','.join(_types(entry['inputs']))})"


class DeployFailed(RuntimeError):
    """The constructor reverted; ``error``/``args`` are decoded through the contract's ABI."""

    def __init__(self, contract: str, error: str, args: tuple):
        self.error, self.args_ = error, args
        super().__init__(f"deploying {contract} failed: {error}{args}")


@dataclass
class CallResult:
    """The outcome of one execution: ``success`` is False on revert, out-of-gas or invalid op."""

    success: bool
    output: bytes
    gas_used: int
    values: tuple = ()
    error: str | None = None      # custom error name, Error(string) reason, or EVM error class
    error_args: tuple = ()
    tx_gas: int | None = None
    intrinsic_gas: int = 0        # 21,000 + calldata (+ creation) gas charged before execution
    logs: list = field(default_factory=list)  # (topics, data) of committed transactions

    @property
    def value(self) -> Any:
        """The single return value (e.g. ``verifyProof``'s bool)."""
        return self.values[0] if len(self.values) == 1 else self.values


@dataclass
class Contract:
    """A deployed contract: its address and the ABI used to encode calls and decode results."""

    chain: EvmChain
    address: bytes
    abi: list

    def _fn(self, name: str) -> dict:
        fns = [e for e in self.abi if e.get("type") == "function" and e["name"] == name]
        if len(fns) != 1:
            raise KeyError(f"function {name!r}: {len(fns)} ABI entries")
        return fns[0]

    def encode(self, name: str, *args) -> bytes:
        fn = self._fn(name)
        return keccak(text=_signature(fn))[:4] + encode(_types(fn["inputs"]), list(args))

    def call(self, name: str, *args, gas: int = DEFAULT_GAS, sender: int = 0) -> CallResult:
        """Execute ``name(args)`` as a transaction with ``gas`` and then discard its state."""
        return self.chain.execute(self, name, self.encode(name, *args), gas, sender, commit=False)

    def transact(self, name: str, *args, gas: int = DEFAULT_GAS, sender: int = 0) -> CallResult:
        """Execute and commit ``name(args)`` in a newly mined block."""
        return self.chain.execute(self, name, self.encode(name, *args), gas, sender, commit=True)

    def decode_error(self, data: bytes) -> tuple[str, tuple]:
        """Map revert data to ``(error name, args)`` through the ABI's custom errors."""
        entries = [e for e in self.abi if e.get("type") == "error"]
        entries.append({"name": "Error", "inputs": [{"type": "string"}]})
        for e in entries:
            if data[:4] == keccak(text=_signature(e))[:4]:
                return e["name"], tuple(decode(_types(e["inputs"]), data[4:]))
        return ("revert" if not data else "0x" + data.hex()), ()


class EvmChain:
    """A fresh single-node chain (py-evm, post-merge, eth-tester's funded accounts)."""

    def __init__(self) -> None:
        self.backend = PyEVMBackend()
        self.keys = self.backend.account_keys
        self.backend.mine_blocks()

    @property
    def chain(self):
        return self.backend.chain

    def account(self, index: int) -> bytes:
        return self.keys[index].public_key.to_canonical_address()

    def address(self, index: int) -> str:
        return to_checksum_address(self.account(index))

    @property
    def next_timestamp(self) -> int:
        """``block.timestamp`` the next transaction will see."""
        return self.chain.get_block().header.timestamp

    def set_next_timestamp(self, ts: int) -> None:
        self.chain.set_header_timestamp(ts)

    def deploy(self, compiled: CompiledContract, ctor_types: list[str] = (),
               ctor_args: list = (), sender: int = 0, gas: int = 10_000_000) -> Contract:
        data = compiled.bytecode + (encode(list(ctor_types), list(ctor_args)) if ctor_types else b"")
        tx = self._signed({"to": b"", "data": data, "gas": gas}, sender)
        _, receipt, comp = self.chain.apply_transaction(tx)
        self.backend.mine_blocks()
        contract = Contract(self, comp.msg.storage_address, compiled.abi)
        if comp.is_error:
            err = comp.error
            name, args = (contract.decode_error(bytes(err.args[0])) if isinstance(err, Revert)
                          else (type(err).__name__, ()))
            raise DeployFailed(compiled.name, name, args)
        return contract

    def _signed(self, tx: dict, sender: int):
        tx = dict(tx, value=0, **{"from": self.account(sender)})
        return self.backend._get_normalized_and_signed_evm_transaction(tx)

    def execute(self, contract: Contract, name: str, data: bytes, gas: int, sender: int,
                commit: bool) -> CallResult:
        tx = self._signed({"to": contract.address, "data": data, "gas": gas}, sender)
        if commit:
            _, receipt, comp = self.chain.apply_transaction(tx)
            self.backend.mine_blocks()
            tx_gas = receipt.gas_used
            logs = [(list(log.topics), log.data) for log in receipt.logs]
        else:
            state = self.chain.get_vm().state
            snap = state.snapshot()
            comp = state.apply_transaction(tx)
            state.revert(snap)
            tx_gas, logs = None, []
        result = CallResult(success=not comp.is_error, output=comp.output,
                            gas_used=comp.get_gas_used(), tx_gas=tx_gas, logs=logs,
                            intrinsic_gas=tx.intrinsic_gas)
        if comp.is_error:
            err = comp.error
            if isinstance(err, Revert):
                result.error, result.error_args = contract.decode_error(bytes(err.args[0]))
            else:
                result.error = type(err).__name__
        else:
            outputs = contract._fn(name)["outputs"]
            result.values = tuple(decode(_types(outputs), comp.output)) if outputs else ()
        return result
