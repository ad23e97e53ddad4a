"""The whole chain of custody on a real EVM: a two-party ceremony (phase 1 + phase 2, closed by
a beacon) for the solvency circuits, an epoch proved with those keys, the bundle verified
offline without --allow-dev, and the aggregate proof published through SolvencyRegistry on
py-evm (issue 5: "the registry uses the solvency bundle"), with the totals hidden and, from
the same work directory, revealed (SPEC §1.4)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.test_epoch_e2e import ACCOUNTS, RESERVES, SHAPE, TABLE, TOTALS
from zkproof import statement as stm
from zkproof.formats.epoch_header import parse_header
from zkproof.formats.strict_json import load
from zkproof.prover.circuits import circuits_for
from zkproof.prover.epoch import EpochJob, EpochKeys, prove_epoch
from zkproof.solidity import export, registry
from zkproof.verifier.bundle_check import verify_bundle

pytestmark = [pytest.mark.evm, pytest.mark.prove]
BEACON = "ab" * 32


def ceremony(r1cs_list):
    """Phase 1 by alice and bob + beacon, prepared; phase 2 per circuit by alice and bob + beacon."""
    from zkproof.ceremony import lagrange, phase2
    from zkproof.ceremony import powers_of_tau as pot
    from zkproof.ceremony.zkey_new import circuit_power, new_zkey

    pt = pot.new(max(circuit_power(r) for r in r1cs_list))
    for who in ("alice", "bob"):
        pt = pot.contribute(pt, entropy=f"{who} entropy", name=who)
    pt = lagrange.prepare_phase2(pot.beacon(pt, BEACON, 10, name="beacon"))
    keys = []
    for r in r1cs_list:
        pk = new_zkey(r, pt)
        for who in ("alice", "bob"):
            pk = phase2.contribute(pk, entropy=f"{who} phase2", name=who)
        keys.append(phase2.beacon(pk, BEACON, 10, name="beacon"))
    return keys


@pytest.fixture(scope="module")
def epoch(tmp_path_factory):
    c = circuits_for(SHAPE)
    batch_pk, agg_pk = ceremony([c.batch.to_r1cs(), c.aggregate.to_r1cs()])
    assert not batch_pk.dev_setup and not agg_pk.dev_setup
    job = EpochJob(SHAPE, 7, 1_700_000_000, ACCOUNTS, TABLE, RESERVES, [("USDC", 6), ("ETH", 9)])
    d = tmp_path_factory.mktemp("reg")
    keys = EpochKeys(batch_pk, agg_pk)
    out = prove_epoch(job, keys, d / "bundle", work_dir=d / "work", progress=False, workers=1)
    revealed = prove_epoch(dataclasses.replace(job, reveal_totals=True), keys, d / "revealed",
                           work_dir=d / "work", progress=False, workers=1)
    return out, agg_pk, revealed


def test_ceremony_bundle_verifies_without_allow_dev(epoch):
    rep = verify_bundle(str(epoch[0]))
    assert rep.ok, [c for c in rep.checks if not c.ok]


def publish_bundle(out, agg_pk):
    """Deploy a fresh verifier + registry and publish the bundle's aggregate proof."""
    from zkproof.devtools.evm import EvmChain
    from zkproof.formats.snarkjs_json import parse_proof

    header = parse_header(load(out / "header.json"), "header.json")
    public = header.aggregate_public()
    proof = parse_proof(load(out / "proofs" / "aggregate.json")["proof"], "aggregate.json")
    chain = EvmChain()
    stack = registry.deploy_stack(chain, agg_pk.verifying_key(), publisher=0)
    a, b, c, inputs = export.proof_calldata_args(proof, public)
    assert stack.verifier.call("verifyProof", a, b, c, inputs, gas=2_000_000).value is True
    r = stack.registry.transact("publish", a, b, c, inputs, sender=0, gas=2_000_000)
    assert r.success, r.error
    return header, stack, (a, b, c, inputs)


def test_revealed_totals_epoch_published_on_chain(epoch):
    """The same epoch with its totals revealed: accepted, recorded with the flag set and the
    unsalted commitment; the same proof with the flag cleared does not verify on chain."""
    _, agg_pk, revealed = epoch
    assert verify_bundle(str(revealed)).ok
    header, stack, (a, b, c, inputs) = publish_bundle(revealed, agg_pk)
    rec = stack.registry.call("getEpoch", header.epoch).value
    assert rec[7] is True and inputs[5] == 1
    assert rec[4] == header.totals_commitment == stm.revealed_totals_commitment(7, TOTALS)
    hidden_flag = [*inputs[:5], 0, *inputs[6:]]
    assert stack.verifier.call("verifyProof", a, b, c, hidden_flag, gas=2_000_000).value is False


def test_aggregate_proof_published_on_chain(epoch):
    out, agg_pk, _ = epoch
    header, stack, (a, b, c, inputs) = publish_bundle(out, agg_pk)
    # the record is keyed by the statement, and holds the proven root, table hash, totals
    # commitment and (hidden) flag
    assert stack.registry.call("latestEpoch").value == header.epoch
    rec = stack.registry.call("getEpoch", header.epoch).value
    assert bytes(rec[0]) == registry.statement_hash(inputs)
    assert rec[1] == header.root and rec[2] == header.risk_table_hash
    assert rec[4] == header.totals_commitment and rec[7] is False
    # ... and the open-interest hash, the shape digest and the header file's SHA-256 digest
    assert rec[8:] == (header.open_interest_hash, SHAPE.digest(),
                       stm.header_digest(load(out / "header.json")))
    # replaying the same statement is refused (ATTACKS D4)
    again = stack.registry.transact("publish", a, b, c, inputs, sender=0, gas=2_000_000)
    assert not again.success
    # a forged header (another root) with the same proof is refused
    forged = list(inputs)
    forged[0] = header.epoch + 1
    forged[2] = (forged[2] + 1) % (1 << 250)
    bad = stack.registry.transact("publish", a, b, c, forged, sender=0, gas=2_000_000)
    assert not bad.success
