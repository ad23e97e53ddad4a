"""The whole chain of custody on a real EVM: a two-party ceremony (phase 1 + phase 2, closed by
a beacon) for the solvency circuits, an epoch proved with those keys, the bundle verified
offline without --allow-dev, and the aggregate proof published through SolvencyRegistry on
py-evm (issue 5: "the registry uses the solvency bundle")."""

from __future__ import annotations

import pytest

from tests.test_epoch_e2e import ACCOUNTS, SHAPE, TABLE
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
    job = EpochJob(SHAPE, 7, 1_700_000_000, ACCOUNTS, TABLE, (160, 10), [("USDC", 6), ("ETH", 9)])
    d = tmp_path_factory.mktemp("reg")
    out = prove_epoch(job, EpochKeys(batch_pk, agg_pk), d / "bundle", work_dir=d / "work",
                      progress=False, workers=1)
    return out, agg_pk


def test_ceremony_bundle_verifies_without_allow_dev(epoch):
    rep = verify_bundle(str(epoch[0]))
    assert rep.ok, [c for c in rep.checks if not c.ok]


def test_aggregate_proof_published_on_chain(epoch):
    from zkproof.devtools.evm import EvmChain
    from zkproof.formats.snarkjs_json import parse_proof

    out, agg_pk = epoch
    header = parse_header(load(out / "header.json"), "header.json")
    public = header.aggregate_public()
    proof = parse_proof(load(out / "proofs" / "aggregate.json")["proof"], "aggregate.json")
    chain = EvmChain()
    stack = registry.deploy_stack(chain, agg_pk.verifying_key(), publisher=0)
    a, b, c, inputs = export.proof_calldata_args(proof, public)
    assert stack.verifier.call("verifyProof", a, b, c, inputs, gas=2_000_000).value is True
    r = stack.registry.transact("publish", a, b, c, inputs, sender=0, gas=2_000_000)
    assert r.success, r.error
    # the record is keyed by the statement, and holds the proven root and table hash
    assert stack.registry.call("latestEpoch").value == header.epoch
    rec = stack.registry.call("getEpoch", header.epoch).value
    assert bytes(rec[0]) == registry.statement_hash(inputs)
    assert rec[1] == header.root and rec[2] == header.risk_table_hash
    # replaying the same statement is refused (ATTACKS D4)
    again = stack.registry.transact("publish", a, b, c, inputs, sender=0, gas=2_000_000)
    assert not again.success
    # a forged header (another root) with the same proof is refused
    forged = list(inputs)
    forged[0] = header.epoch + 1
    forged[2] = (forged[2] + 1) % (1 << 250)
    bad = stack.registry.transact("publish", a, b, c, forged, sender=0, gas=2_000_000)
    assert not bad.success
