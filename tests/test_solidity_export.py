"""The Solidity exporter: refuses insecure or malformed keys (ATTACKS C1, C6, D5), writes the
key in EIP-197 order with negated G2 constants, and prints snarkjs' calldata (B8).

EVM execution of the generated contract is in ``test_evm_verifier.py``.
"""

from __future__ import annotations

import re

import pytest
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from zkproof.curve.bn254 import (
    G1_GENERATOR,
    G2_GENERATOR,
    P,
    g1_mul,
    g2_mul,
    g2_neg,
)
from zkproof.errors import InputError, InsecureSetup
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.solidity import export
from zkproof.solidity import fixtures as fx
from zkproof.solidity.keccak import keccak256


def synthetic_vk(n_public: int = 2, **override) -> VerifyingKey:
    """A well-formed key with known discrete logs (alpha=2, beta=3, gamma=1, delta=5)."""
    fields = dict(alpha_g1=g1_mul(G1_GENERATOR, 2), beta_g2=g2_mul(G2_GENERATOR, 3),
                  gamma_g2=G2_GENERATOR, delta_g2=g2_mul(G2_GENERATOR, 5),
                  ic=[g1_mul(G1_GENERATOR, 7 + i) for i in range(n_public + 1)])
    fields.update(override)
    return VerifyingKey(**fields)


@pytest.fixture(scope="module")
def vk() -> VerifyingKey:
    return synthetic_vk()


def constants(src: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"constant (\w+) = (\d+);", src)}


@given(st.binary(max_size=600))
def test_keccak256_matches_eth_utils(data):
    assert keccak256(data) == keccak(data)


def test_keccak256_is_not_nist_sha3():
    import hashlib

    assert keccak256(b"abc") != hashlib.sha3_256(b"abc").digest()


def test_error_selectors_are_keccak_of_their_signatures():
    for sig, sel in export.ERROR_SELECTORS.items():
        assert keccak(text=sig)[:4].hex() == sel, sig
    assert keccak(text="ProofInvalid(uint256)")[:4].hex() not in export.ERROR_SELECTORS.values()


def test_secure_key_exports(vk):
    src = export.export_solidity_verifier(vk)
    assert "contract Groth16Verifier" in src
    assert "uint256[2] calldata input" in src and "N_PUBLIC = 2;" in src
    assert "function verifyProof(" in src


def test_C1_D5_gamma_equal_delta_is_refused(vk):
    """C1/D5: with gamma == delta, A = alpha, B = beta, C = -vk_x verifies for any inputs."""
    bad = synthetic_vk(delta_g2=G2_GENERATOR, gamma_g2=G2_GENERATOR)
    with pytest.raises(InsecureSetup, match="gamma == delta: insecure setup"):
        export.export_solidity_verifier(bad)
    bad2 = synthetic_vk(gamma_g2=g2_mul(G2_GENERATOR, 5))  # gamma == delta, neither the generator
    with pytest.raises(InsecureSetup, match="gamma == delta"):
        export.export_solidity_verifier(bad2)


def test_delta_equal_g2_generator_is_refused():
    """snarkjs' phase-2 init leaves delta = G2 generator until someone contributes."""
    bad = synthetic_vk(gamma_g2=g2_mul(G2_GENERATOR, 11), delta_g2=G2_GENERATOR)
    with pytest.raises(InsecureSetup, match="delta == G2 generator"):
        export.export_solidity_verifier(bad)


def test_C6_dev_setup_key_is_refused(vk):
    """C6: a key from the single-party test setup never becomes a contract."""
    dev = synthetic_vk(dev_setup=True)
    with pytest.raises(InsecureSetup, match="INSECURE-DEV-SETUP"):
        export.export_solidity_verifier(dev)
    assert "contract" in export.export_solidity_verifier(vk)


@pytest.mark.parametrize("field, override", [
    ("alpha_g1", {"alpha_g1": (1, 3)}),
    ("ic[1]", {"ic": [g1_mul(G1_GENERATOR, 7), (G1_GENERATOR[0] + P, 2), g1_mul(G1_GENERATOR, 9)]}),
    ("ic[0]", {"ic": [None, g1_mul(G1_GENERATOR, 8), g1_mul(G1_GENERATOR, 9)]}),
    ("beta_g2", {"beta_g2": ((G2_GENERATOR[0][1], G2_GENERATOR[0][0]), G2_GENERATOR[1])}),
])
def test_malformed_key_point_is_refused(field, override):
    with pytest.raises(InputError, match=re.escape(field)):
        export.export_solidity_verifier(synthetic_vk(**override))


def test_delta_outside_g2_subgroup_is_refused():
    from tests.test_verify_support import twist_point_outside_g2

    with pytest.raises(InputError, match="delta_g2"):
        export.export_solidity_verifier(synthetic_vk(delta_g2=twist_point_outside_g2()))


def test_key_without_public_inputs_is_refused():
    with pytest.raises(InputError, match="at least 1 public input"):
        export.export_solidity_verifier(synthetic_vk(n_public=0))


def test_constants_are_negated_g2_in_eip197_order(vk):
    """G2 constants are -beta, -gamma, -delta as [x.c1, x.c0, y.c1, y.c0] (EIP-197)."""
    k = constants(export.export_solidity_verifier(vk))
    for name, pt in (("BETA", vk.beta_g2), ("GAMMA", vk.gamma_g2), ("DELTA", vk.delta_g2)):
        (x0, x1), (y0, y1) = g2_neg(pt)
        assert [k[f"{name}_NEG_{s}"] for s in ("X1", "X0", "Y1", "Y0")] == [x1, x0, y1, y0]
        assert k[f"{name}_NEG_Y1"] != pt[1][1]  # not the un-negated point
    assert (k["ALPHA_X"], k["ALPHA_Y"]) == vk.alpha_g1
    assert [(k[f"IC{i}_X"], k[f"IC{i}_Y"]) for i in range(3)] == vk.ic
    assert "IC3_X" not in k


def test_vk_hash_covers_every_key_word(vk):
    h = export.vk_hash(vk)
    assert len(h) == 32 and h == export.vk_hash(synthetic_vk())
    assert export.vk_hash(synthetic_vk(ic=[*vk.ic[:2], g1_mul(G1_GENERATOR, 99)])) != h
    assert export.vk_hash(synthetic_vk(beta_g2=g2_mul(G2_GENERATOR, 4))) != h
    assert f"VK_HASH = 0x{h.hex()};" in export.export_solidity_verifier(vk)


def test_calldata_swaps_g2_limbs_like_snarkjs():
    proof = Proof(a=(1, 2), b=((3, 4), (5, 6)), c=(7, 8))
    text = export.export_calldata(proof, [9, 10])
    w = [f'"0x{v:064x}"' for v in range(11)]
    assert text == (f"[{w[1]}, {w[2]}],[[{w[4]}, {w[3]}],[{w[6]}, {w[5]}]],[{w[7]}, {w[8]}],"
                    f"[{w[9]},{w[10]}]")
    assert export.proof_calldata_args(proof, [9, 10])[1] == [[4, 3], [6, 5]]


# --- against snarkjs' own setup (interop) -----------------------------------------------------

@pytest.mark.interop
def test_C1_zero_contribution_snarkjs_key_is_refused_though_snarkjs_exports_it(key, tmp_path):
    """C1/D5: ``groth16 setup`` output has gamma == delta; snarkjs exports it anyway."""
    assert "contract Groth16Verifier" in fx.snarkjs_verifier_source(key.zkey0)
    out = tmp_path / "V.sol"
    with pytest.raises(InsecureSetup, match="gamma == delta"):
        export.export_solidity_verifier_file(key.vk0_json, out)
    assert not out.exists() and not list(tmp_path.iterdir())  # nothing half-written
    export.export_solidity_verifier_file(key.vk_json, out)  # the contributed key exports
    assert f"N_PUBLIC = {key.n_public};" in out.read_text()


@pytest.mark.interop
def test_B8_calldata_equals_snarkjs_soliditycalldata(key, npm_tools, tmp_path):
    import json

    (proof_json, public), = fx.snarkjs_prove(key, [fx.header(1, 2, 3, 4, 5)])
    (tmp_path / "proof.json").write_text(json.dumps(proof_json))
    (tmp_path / "public.json").write_text(json.dumps(public))
    theirs = npm_tools.run_snarkjs("zkey", "export", "soliditycalldata", "public.json", "proof.json",
                                   cwd=tmp_path).stdout.strip()
    proof, inputs = fx.parse_proof_obj(proof_json, public)
    assert export.export_calldata(proof, inputs) == theirs
    unswapped = Proof(proof.a, ((proof.b[0][1], proof.b[0][0]), (proof.b[1][1], proof.b[1][0])), proof.c)
    assert export.export_calldata(unswapped, inputs) != theirs
