"""The auditor's and user's verifiers (``zkproof.verifier``) import no prover-side module:
verification is a pure function of the bundle (STYLE §5.2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("zkproof.r1cs", "zkproof.kernel", "zkproof._native", "zkproof.groth16.prove",
             "zkproof.groth16.setup", "zkproof.ceremony", "zkproof.gadgets", "zkproof.witness",
             "zkproof.prover", "zkproof.margin", "zkproof.snapshot", "zkproof.circuits",
             "zkproof.formats.zkey_file", "zkproof.formats.ptau_file")


@pytest.mark.parametrize("module", ["zkproof.verifier.bundle_check", "zkproof.verifier.inclusion",
                                    "zkproof.verifier.fold"])
def test_bundle_verifier_import_closure(module):
    code = (f"import sys, json; import {module}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('zkproof'))))")
    mods = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                     check=True).stdout)
    assert module in mods
    bad = [m for m in mods if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == []
