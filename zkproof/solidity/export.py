"""Export a Groth16 verification key as a Solidity verifier, and a proof as its calldata.

The generated contract (template in ``verifier_template.py``) keeps snarkjs' ABI
(``verifyProof(uint[2],uint[2][2],uint[2],uint[N]) returns (bool)``) so integrators can swap the
two, and differs from snarkjs' template where the attacks list asks it to (ATTACKS D1, D2, D5):

* every proof coordinate is checked ``< P`` (snarkjs negates ``A.y`` with ``mod(sub(q, y), q)``,
  which maps the non-canonical ``y + (2^256 mod q)`` back onto a valid ``-A``);
* proof points at infinity are refused (B7);
* a failing precompile reverts with ``PrecompileFailed`` instead of returning ``false``, so a
  call with too little gas can never be mistaken for "invalid proof", and ``estimate_gas`` works;
* keys from a single-party dev setup or with ``gamma == delta`` / ``delta == G2 generator``
  (phase-2 init with no contribution, ATTACKS C1/C6) are refused with ``InsecureSetup``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from zkproof.curve.bn254 import (
    G2_GENERATOR,
    G2Affine,
    P,
    g2_neg,
    in_g2_subgroup,
    is_on_curve_g1,
    is_on_curve_g2,
)
from zkproof.errors import InputError, InsecureSetup
from zkproof.field.fr import R
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.solidity.keccak import keccak256
from zkproof.solidity.verifier_template import VERIFIER_TEMPLATE, VK_X_STEP

GENERATOR_NAME = "zkproof.solidity.export"

# 4-byte selectors of the custom errors (keccak256 of the signature; a test re-derives them).
ERROR_SELECTORS = {
    "PublicInputNotInField(uint256)": "065fe5fc",
    "ProofCoordinateNotInField(uint256)": "c7c8d5ac",
    "ProofPointNotOnCurve(uint256)": "23a1852e",
    "ProofPointAtInfinity(uint256)": "e52c4968",
    "PrecompileFailed(uint256)": "00a48593",
}


def g2_evm_words(pt: G2Affine) -> list[int]:
    """A G2 point as the precompile reads it: ``[x.c1, x.c0, y.c1, y.c0]`` (EIP-197)."""
    (x0, x1), (y0, y1) = pt
    return [x1, x0, y1, y0]


def check_exportable(vk: VerifyingKey, file: str = "<verifying key>") -> None:
    """Refuse keys that are malformed (``InputError``) or insecure (``InsecureSetup``).

    Notes:
        ``gamma == delta`` lets anyone forge: ``A = alpha, B = beta, C = -vk_x`` satisfies the
        equation for any inputs (ATTACKS C1). snarkjs' phase-2 init sets ``delta`` to the G2
        generator, which is also ``gamma``, so a key exported before any contribution has both
        marks; we refuse either.
    """
    if vk.commitment is not None:
        raise InputError(file, "zkproof_commitment", "a key with a commitment (BSB22): the "
                         "Solidity verifier cannot check it; verify with `zkproof groth16 verify`")
    if vk.dev_setup:
        raise InsecureSetup(f"{file}: INSECURE-DEV-SETUP key: the Solidity exporter refuses "
                            "single-party dev keys")
    if vk.delta_g2 == vk.gamma_g2:
        raise InsecureSetup(f"{file}: delta_g2: gamma == delta: insecure setup")
    if vk.delta_g2 == G2_GENERATOR:
        raise InsecureSetup(f"{file}: delta_g2: delta == G2 generator (phase 2 has no "
                            "contribution): insecure setup")
    if len(vk.ic) < 1:
        raise InputError(file, "ic", "expected at least 1 point, got 0")
    g1 = {"alpha_g1": vk.alpha_g1, **{f"ic[{i}]": p for i, p in enumerate(vk.ic)}}
    for name, pt in g1.items():
        if pt is None or not is_on_curve_g1(pt):
            raise InputError(file, name, "not a finite point on the curve")
    for name in ("beta_g2", "gamma_g2", "delta_g2"):
        pt = getattr(vk, name)
        if pt is None or not is_on_curve_g2(pt) or not in_g2_subgroup(pt):
            raise InputError(file, name, "not a finite point of the G2 subgroup")


def vk_words(vk: VerifyingKey) -> list[int]:
    """The key as 32-byte words in ``VK_HASH`` order (see the template's ``VK_HASH`` doc)."""
    words = [*vk.alpha_g1]
    for pt in (vk.beta_g2, vk.gamma_g2, vk.delta_g2):
        words += g2_evm_words(pt)
    for pt in vk.ic:
        words += [*pt]
    return words


def vk_hash(vk: VerifyingKey) -> bytes:
    """keccak256 over ``vk_words(vk)``, each as 32 big-endian bytes (the contract's VK_HASH)."""
    return keccak256(b"".join(w.to_bytes(32, "big") for w in vk_words(vk)))


def _constants(vk: VerifyingKey) -> str:
    lines = [f"uint256 internal constant ALPHA_X = {vk.alpha_g1[0]};",
             f"uint256 internal constant ALPHA_Y = {vk.alpha_g1[1]};"]
    for name, pt in (("BETA", vk.beta_g2), ("GAMMA", vk.gamma_g2), ("DELTA", vk.delta_g2)):
        for suffix, w in zip(("X1", "X0", "Y1", "Y0"), g2_evm_words(g2_neg(pt))):
            lines.append(f"uint256 internal constant {name}_NEG_{suffix} = {w};")
    for i, (x, y) in enumerate(vk.ic):
        lines += [f"uint256 internal constant IC{i}_X = {x};",
                  f"uint256 internal constant IC{i}_Y = {y};"]
    return "\n".join("    " + ln for ln in lines)


def _all_below(base: str, count: int, modulus: str) -> str:
    """Yul ``and(lt(w_0, M), and(lt(w_1, M), ... lt(w_last, M)))`` over ``count`` calldata
    words from ``base``, one term per line."""
    terms = [f"lt(calldataload(add({base}, {32 * i})), {modulus})" for i in range(count)]
    pad = "\n" + " " * 16
    lines = [f"and({t}," for t in terms[:-1]] + [terms[-1] + ")" * (count - 1)]
    return pad + pad.join(lines) + "\n" + " " * 12


def export_solidity_verifier(vk: VerifyingKey, contract_name: str = "Groth16Verifier") -> str:
    """Solidity source of a verifier contract for ``vk``.

    Arguments:
        vk: the verifying key (arkworks names; G2 limbs in ``[c0, c1]`` order).
        contract_name: the Solidity contract name.

    Returns:
        The source text; compile it with solc >= 0.8.4 (custom errors).

    Raises:
        InsecureSetup: dev key, ``gamma == delta`` or ``delta == G2 generator``.
        InputError: a key point is infinity, off the curve or outside its subgroup.
    """
    check_exportable(vk)
    n = vk.n_public
    if n == 0:  # Solidity has no uint256[0]; snarkjs' template fails to compile there too
        raise InputError("<verifying key>", "ic", "expected at least 1 public input, got 0")
    input_checks = _all_below("input", n, "R")
    coordinate_checks = _all_below("a", 8, "P")  # a, b, c: 8 consecutive calldata words
    steps = "".join(VK_X_STEP.substitute(j=j, offset=32 * (j - 1)) for j in range(1, n + 1))
    return VERIFIER_TEMPLATE.substitute(
        generator=GENERATOR_NAME, contract_name=contract_name, n_public=n, r=R, p=P,
        vk_constants=_constants(vk), vk_hash="0x" + vk_hash(vk).hex(),
        input_checks=input_checks, coordinate_checks=coordinate_checks, vk_x_steps=steps)


def proof_calldata_args(proof: Proof, public: Sequence[int]) -> tuple[list, list, list, list]:
    """``(a, b, c, input)`` as ``verifyProof`` takes them (``b`` limbs swapped to EIP-197).
    A proof with a commitment raises ``InputError``: the contract cannot check it."""
    if proof.commitment is not None:
        raise InputError("<proof>", "zkproof_commitment", "a proof with a commitment (BSB22): "
                         "the Solidity verifier cannot check it")
    (bx0, bx1), (by0, by1) = proof.b
    return ([*proof.a], [[bx1, bx0], [by1, by0]], [*proof.c], [int(v) for v in public])


def export_calldata(proof: Proof, public: Sequence[int]) -> str:
    """The text ``snarkjs zkey export soliditycalldata`` prints for the same proof and inputs.

    ``[a0, a1],[[b01, b00],[b11, b10]],[c0, c1],[inputs...]``, each a 0x-prefixed 64-digit hex
    string in double quotes (ATTACKS B8: the exporter writes EIP-197 limb order exactly as
    snarkjs does).
    """
    def h(v: int) -> str:
        return f'"0x{v:064x}"'

    a, b, c, inp = proof_calldata_args(proof, public)
    return (f"[{h(a[0])}, {h(a[1])}],"
            f"[[{h(b[0][0])}, {h(b[0][1])}],[{h(b[1][0])}, {h(b[1][1])}]],"
            f"[{h(c[0])}, {h(c[1])}],"
            f"[{','.join(h(v) for v in inp)}]")


def _load_vk(path: Path) -> VerifyingKey:
    if path.suffix == ".zkey":
        from zkproof.formats import zkey_file  # lands with the formats helper

        return zkey_file.read_zkey(path).verifying_key()
    from zkproof.formats import snarkjs_json

    return snarkjs_json.parse_vk(snarkjs_json.load_json(path), str(path))


def export_solidity_verifier_file(key_path: str | os.PathLike, out_path: str | os.PathLike,
                                  contract_name: str = "Groth16Verifier") -> Path:
    """``zkproof zkey export solidityverifier KEY OUT``: KEY is a ``.zkey`` or a
    ``verification_key.json``; OUT is written atomically (never half a contract)."""
    src = export_solidity_verifier(_load_vk(Path(key_path)), contract_name)
    out = Path(out_path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(src)
    os.replace(tmp, out)
    return out


__all__ = ["export_solidity_verifier", "export_solidity_verifier_file", "export_calldata",
           "proof_calldata_args", "check_exportable", "vk_hash", "g2_evm_words"]
