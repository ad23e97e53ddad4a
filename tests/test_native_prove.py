"""Whole Groth16 proofs through the native kernel against the pure-Python kernel and snarkjs.

On snarkjs' own zkey and wtns (circomlib Poseidon + LessThan circuit of tests/test_interop_prove):
with the blinding r, s fixed, the proof made through ``zkproof._native`` is byte-for-byte the one
made through ``zkproof.kernel.python_backend``; it verifies under the pure-Python verifier and
snarkjs, and a proof from a changed witness does not.
"""

from __future__ import annotations

import pytest

from tests.test_interop_prove import _snarkjs_verify, leaf  # noqa: F401 - fixture reused
from zkproof import kernel
from zkproof.field.fr import R
from zkproof.formats.snarkjs_json import dump_proof, dump_public, write_json
from zkproof.formats.wtns_file import read_wtns
from zkproof.formats.zkey_file import read_zkey
from zkproof.groth16.prove import prove
from zkproof.groth16.verify import verify_files
from zkproof.kernel import python_backend

pytestmark = [pytest.mark.interop, pytest.mark.prove]

KERNEL_FUNCS = ["g1_msm", "g2_msm", "g1_batch_mul", "g2_batch_mul", "fr_ntt", "h_evaluations"]


def test_native_proof_equals_python_kernel_proof(leaf, npm_tools, monkeypatch, tmp_path):  # noqa: F811
    assert kernel.BACKEND == "native"
    pk = read_zkey(leaf["zkey"])
    w = read_wtns(leaf["wtns"])
    native_proof, public = prove(pk, w, r=12345, s=R - 6789)
    with monkeypatch.context() as m:
        for name in KERNEL_FUNCS:
            m.setattr(kernel, name, getattr(python_backend, name))
        python_proof, public_py = prove(pk, w, r=12345, s=R - 6789)
    assert native_proof == python_proof and public == public_py
    write_json(tmp_path / "proof.json", dump_proof(native_proof))
    write_json(tmp_path / "public.json", dump_public(public))
    assert verify_files(leaf["vk"], tmp_path / "public.json", tmp_path / "proof.json")
    assert _snarkjs_verify(npm_tools, leaf["vk"], tmp_path / "public.json", tmp_path / "proof.json")
    # twin: other blinding gives another (valid) proof; a changed witness gives an invalid one
    other, _ = prove(pk, w, r=1, s=2)
    assert other != native_proof
    bad = list(w)
    bad[-1] = (bad[-1] + 1) % R
    bad_proof, _ = prove(pk, bad, r=12345, s=R - 6789)
    write_json(tmp_path / "bad.json", dump_proof(bad_proof))
    assert not verify_files(leaf["vk"], tmp_path / "public.json", tmp_path / "bad.json")
