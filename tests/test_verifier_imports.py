"""Import rule (docs/architecture.md): the verifier's import closure stays small.

``zkproof.groth16.verify`` may reach only ``zkproof.field``, ``zkproof.curve``,
``zkproof.formats`` (``snarkjs_json`` and what it needs), ``zkproof.errors`` and
``zkproof.groth16.keys`` -- never the prover, the R1CS toolkit, the kernel or native code, so
an auditor reads one small closure (jolt's ``jolt-verifier`` rule).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("zkproof.r1cs", "zkproof.kernel", "zkproof._native", "zkproof.groth16.prove",
             "zkproof.groth16.setup", "zkproof.ceremony", "zkproof.gadgets", "zkproof.cli",
             "zkproof.poly", "zkproof.witness", "zkproof.prover", "zkproof.margin",
             "zkproof.snapshot", "zkproof.formats.zkey_file", "zkproof.formats.ptau_file")
ALLOWED_PREFIXES = ("zkproof.field", "zkproof.curve", "zkproof.hash", "zkproof.formats.snarkjs_json",
                    "zkproof.formats.strict_json", "zkproof.errors", "zkproof.groth16.keys")


def _modules_after_import(module: str) -> list[str]:
    code = (f"import sys, json; import {module}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('zkproof'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _forbidden(mods: list[str]) -> list[str]:
    return [m for m in mods if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]


@pytest.mark.parametrize("module", ["zkproof.groth16.verify", "zkproof.formats.snarkjs_json"])
def test_verifier_import_closure(module):
    mods = _modules_after_import(module)
    assert module in mods
    assert _forbidden(mods) == []
    packages = {"zkproof", "zkproof.formats", "zkproof.groth16"}
    extra = [m for m in mods if m not in packages and m != module
             and not m.startswith(ALLOWED_PREFIXES)]
    assert extra == [], f"{module} pulls in modules outside its allowed closure: {extra}"


def test_import_check_detects_a_forbidden_module():
    """Twin: the same check flags the prover side (so the test above can fail)."""
    mods = _modules_after_import("zkproof.r1cs")
    assert "zkproof.r1cs" in _forbidden(mods)
