"""SolvencyRegistry on a real EVM: tests named after ATTACKS D1-D5.

One module-scoped chain holds the history "epoch 1, then epoch 2 published by the publisher";
attacks are then sent as real transactions against it (a reverted transaction changes nothing,
which the tests check by reading the records back). Each publish runs the BN254 pairing in
py-evm (seconds), so only the cases that must reach the verifier do.
"""

from __future__ import annotations

import pytest
from eth_utils import keccak

from zkproof.errors import InsecureSetup
from zkproof.field.fr import R
from zkproof.solidity import export, registry
from zkproof.solidity import fixtures as fx

pytestmark = [pytest.mark.evm, pytest.mark.interop]

GAS = 2_000_000
# Gas taken off a successful publish so that the pairing, not the registry's own bookkeeping,
# runs short: after the verifier returns, publish writes 6 fresh storage slots, updates
# latestEpoch and emits the event; with 150k short (the value for the 6-field header) the
# pairing still finished and publish ran out of gas in that bookkeeping (measured: OutOfGas).
STARVE = 220_000
EVENT = keccak(text="EpochPublished(uint256,bytes32,uint256,uint256,uint256,bool,uint256,uint256,uint256)")


@pytest.fixture(scope="module")
def world(key):
    """Chain + our stack; headers relative to the chain clock; proofs for each header."""
    from zkproof.devtools.evm import EvmChain

    chain = EvmChain()
    vk = fx.parse_vk_file(key.vk_json)
    stack = registry.deploy_stack(chain, vk, publisher=0)
    t = chain.next_timestamp
    headers = {
        "h1": fx.header(1, t - 9000, 101, 201, 301),  # totals hidden
        "h2": fx.header(2, t - 8000, 102, 202, 302, totals_revealed=1, totals_commitment=402),
        "h3": fx.header(3, t - 7000, 103, 203, 303),
        "future": fx.header(3, t + 3600, 103, 203, 303),
    }
    proofs = fx.snarkjs_prove(key, list(headers.values()))
    args = {}
    for name, (pj, pub) in zip(headers, proofs):
        proof, inputs = fx.parse_proof_obj(pj, pub)
        assert inputs == headers[name]
        args[name] = (proof, export.proof_calldata_args(proof, inputs))
    return {"chain": chain, "vk": vk, "stack": stack, "headers": headers, "args": args}


def publish(reg, a, b, c, header, sender=0, gas=GAS):
    return reg.transact("publish", a, b, c, header, sender=sender, gas=gas)


@pytest.fixture(scope="module")
def history(world):
    """Epochs 1 and 2 published by the publisher (real transactions)."""
    reg = world["stack"].registry
    results = [publish(reg, *world["args"][h][1]) for h in ("h1", "h2")]
    for r in results:
        assert r.success, (r.error, r.error_args)
    return results


def record(reg, epoch):
    return reg.call("getEpoch", epoch).value


def test_publish_records_statement_and_emits_event(world, history):
    """Epoch 1 (totals hidden) and epoch 2 (totals revealed) are both accepted and recorded
    with every named header field, the flag included (SPEC §1.4)."""
    from eth_abi import decode

    reg = world["stack"].registry
    for epoch, name, revealed in ((1, "h1", False), (2, "h2", True)):
        h = world["headers"][name]
        rec = record(reg, epoch)
        sh = registry.statement_hash(h)
        # (statementHash, root, riskTableHash, reservesCommitment, totalsCommitment, timestamp,
        #  publishedAt, totalsRevealed, openInterestHash, shapeDigest, headerDigest)
        assert rec[:6] == (sh, h[2], h[3], h[4], h[6], h[1]) and rec[7] is revealed
        assert rec[8:] == (h[7], h[8], h[9])
        assert h[5] == int(revealed) and rec[6] >= h[1]
        assert reg.call("statementHashOf", h).value == sh
        topics, data = history[epoch - 1].logs[-1]
        assert topics[0] == int.from_bytes(EVENT, "big") and topics[1] == epoch
        assert topics[2] == int.from_bytes(sh, "big")
        assert decode(["uint256", "uint256", "uint256", "bool", "uint256", "uint256", "uint256"], data) == \
            (h[2], h[3], h[4], revealed, h[6], h[1], h[9])
    assert reg.call("latestEpoch").value == 2
    assert record(reg, 3)[0] == b"\0" * 32  # never published


def test_D1_header_field_not_below_r_is_refused(world, history):
    reg = world["stack"].registry
    (a, b, c, h) = world["args"]["h3"][1]
    for i in (0, 2, 4, 5, 6, 7, 9, 10):
        bad = list(h)
        bad[i] += R  # the verifier would see the same residue
        r = publish(reg, a, b, c, bad)
        assert not r.success and (r.error, r.error_args) == ("HeaderFieldNotInField", (i,))
    with pytest.raises(Exception, match="header|root"):
        registry.statement_hash([*h[:2], h[2] + R, *h[3:]])
    assert reg.call("latestEpoch").value == 2


def test_D4_replay_same_epoch_is_refused(world, history):
    reg = world["stack"].registry
    r = publish(reg, *world["args"]["h2"][1])
    assert not r.success and (r.error, r.error_args) == ("EpochNotIncreasing", (2, 2))


def test_D4_rerandomized_proof_verifies_but_cannot_overwrite(world, history):
    """The new proof is different bytes and still verifies; the epoch is keyed by statement."""
    stack = world["stack"]
    proof, (a, b, c, h) = world["args"]["h2"]
    other = fx.rerandomize_proof(proof, world["vk"], 3, 987654321)
    a2, b2, c2, _ = export.proof_calldata_args(other, h)
    assert (a2, b2, c2) != (a, b, c)
    assert stack.verifier.call("verifyProof", a2, b2, c2, h, gas=GAS).value is True
    r = publish(stack.registry, a2, b2, c2, h)
    assert not r.success and r.error == "EpochNotIncreasing"
    assert record(stack.registry, 2)[0] == registry.statement_hash(h)


def test_D4_older_epoch_after_newer_is_refused(world, history):
    r = publish(world["stack"].registry, *world["args"]["h1"][1])
    assert not r.success and (r.error, r.error_args) == ("EpochNotIncreasing", (1, 2))


def test_D4_future_timestamp_is_refused(world, history):
    reg, hf = world["stack"].registry, world["headers"]["future"]
    r = publish(reg, *world["args"]["future"][1])
    assert not r.success and r.error == "TimestampInFuture" and r.error_args[0] == hf[1]


def test_D4_timestamp_not_after_previous_is_refused(world, history):
    (a, b, c, h) = world["args"]["h3"][1]
    same_time = [h[0], world["headers"]["h2"][1], *h[2:]]
    r = publish(world["stack"].registry, a, b, c, same_time)
    assert not r.success and r.error == "TimestampNotIncreasing"


def test_D4_unauthorised_publisher_is_refused(world, history):
    r = publish(world["stack"].registry, *world["args"]["h3"][1], sender=1)
    assert not r.success and r.error == "NotPublisher"


def test_D4_forged_header_with_someone_elses_proof_is_refused(world, history):
    """A valid proof of h3 submitted with h3's root changed: the pairing fails -> InvalidProof."""
    reg = world["stack"].registry
    (a, b, c, h) = world["args"]["h3"][1]
    r = publish(reg, a, b, c, [*h[:2], h[2] + 1, *h[3:]])
    assert not r.success and r.error == "InvalidProof"
    assert reg.call("latestEpoch").value == 2


def test_D3_verifier_false_is_not_success_and_starved_pairing_writes_nothing(world, key):
    """D3 with snarkjs' verifier, which *returns false* when its pairing runs out of gas:
    (a) a false from the verifier reverts publish; (b) with just enough gas to start but not
    finish the pairing, publish reverts and no record is written; (c) one gas short of a
    successful publish also reverts. Then the same publish with enough gas succeeds."""
    from zkproof.devtools import solc
    from zkproof.devtools.evm import Contract

    chain = world["chain"]
    _, snarkjs_c = fx.compile_verifiers(key)
    snark = chain.deploy(snarkjs_c)
    reg_c = fx.compile_registry()
    reg = chain.deploy(reg_c, ["address", "bytes32", "address"],
                       [snark.address, b"\x42" * 32, chain.account(0)])
    reg = Contract(chain, reg.address, reg.abi)
    assert solc.SOLC_VERSION == "0.8.28"
    (a, b, c, h) = world["args"]["h1"][1]

    ok = reg.call("publish", a, b, c, h, gas=GAS)  # dry run: the gas a real publish needs
    assert ok.success
    starved = reg.call("publish", a, b, c, h, gas=ok.intrinsic_gas + ok.gas_used - STARVE)
    assert not starved.success and starved.error == "InvalidProof"
    r = publish(reg, a, b, c, h, gas=ok.intrinsic_gas + ok.gas_used - STARVE)
    assert not r.success and record(reg, 1)[0] == b"\0" * 32
    r = publish(reg, a, b, c, [*h[:3], h[3] + 1, *h[4:]])  # (a) verifier returns false
    assert not r.success and r.error == "InvalidProof"
    r = publish(reg, a, b, c, h, gas=ok.intrinsic_gas + ok.gas_used - 1)  # (c)
    assert not r.success and record(reg, 1)[0] == b"\0" * 32
    assert reg.call("latestEpoch").value == 0


def test_D3_starved_pairing_in_our_verifier_reverts_with_reason(world, history):
    reg = world["stack"].registry
    (a, b, c, h) = world["args"]["h3"][1]
    ok = reg.call("publish", a, b, c, h, gas=GAS)
    assert ok.success and ok.value == registry.statement_hash(h)
    r = reg.call("publish", a, b, c, h, gas=ok.intrinsic_gas + ok.gas_used - STARVE)
    assert not r.success and (r.error, r.error_args) == ("PrecompileFailed", (8,))


def test_D5_verifier_and_key_are_pinned(world, key):
    stack = world["stack"]
    reg = stack.registry
    assert reg.call("verifier").value.lower() == "0x" + stack.verifier.address.hex()
    assert reg.call("vkHash").value == stack.vk_hash == export.vk_hash(world["vk"])
    assert stack.verifier.call("VK_HASH").value == stack.vk_hash
    mutators = {e["name"] for e in reg.abi
                if e.get("type") == "function" and e["stateMutability"] not in ("view", "pure")}
    assert mutators == {"publish", "transferPublisher"}  # no path to swap verifier or key


def test_D5_registry_refuses_a_vk_hash_other_than_its_verifiers(world):
    from zkproof.devtools.evm import DeployFailed

    chain, stack = world["chain"], world["stack"]
    wrong = bytes(32)
    with pytest.raises(DeployFailed) as exc:
        chain.deploy(fx.compile_registry(), ["address", "bytes32", "address"],
                     [stack.verifier.address, wrong, chain.account(0)])
    assert exc.value.error == "VkHashMismatch" and exc.value.args_ == (stack.vk_hash, wrong)
    chain.deploy(fx.compile_registry(), ["address", "bytes32", "address"],
                 [stack.verifier.address, stack.vk_hash, chain.account(0)])  # the right hash


def test_D5_gamma_equal_delta_key_is_refused_at_deploy(world, key):
    from zkproof.devtools.evm import EvmChain

    with pytest.raises(InsecureSetup, match="gamma == delta"):
        registry.deploy_stack(EvmChain(), fx.parse_vk_file(key.vk0_json))


def test_publisher_transfer_is_evented_and_exclusive(world):
    from zkproof.devtools.evm import EvmChain

    chain = EvmChain()
    stack = registry.deploy_stack(chain, world["vk"], publisher=0)
    reg = stack.registry
    r = reg.transact("transferPublisher", chain.account(2), sender=1)
    assert not r.success and r.error == "NotPublisher"
    r = reg.transact("transferPublisher", chain.account(2), sender=0)
    assert r.success and r.logs[0][0][0] == int.from_bytes(
        keccak(text="PublisherTransferred(address,address)"), "big")
    assert reg.call("publisher").value.lower() == "0x" + chain.account(2).hex()
    r = reg.transact("transferPublisher", b"\0" * 20, sender=2)
    assert not r.success and r.error == "ZeroAddress"


def test_header_layout_is_one_constant():
    assert fx.header_fields() == registry.HEADER_FIELDS == len(registry.HEADER_NAMES) == 11
    assert registry.HEADER_NAMES == ("epoch", "timestamp", "root", "risk_table_hash",
                                     "reserves_commitment", "totals_revealed", "totals_commitment",
                                     "open_interest_hash", "shape_digest", "header_digest",
                                     "batches_hash")
    assert fx.header(1, 2, 3, 4, 5, 1, 7, 8, 9, 10, 11) == [1, 2, 3, 4, 5, 1, 7, 8, 9, 10, 11]
