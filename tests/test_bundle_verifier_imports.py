"""The auditor's and user's verifiers (``zkproof.verifier``) import no prover-side module:
verification is a pure function of the bundle (docs/architecture.md). A verify-only process started
through the CLI (``zkproof verify``, ``zkproof inclusion verify``) loads no native code and
hashes Poseidon in Python (docs/architecture.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from zkproof import kernel

FORBIDDEN = ("zkproof.r1cs", "zkproof.kernel", "zkproof._native", "zkproof.groth16.prove",
             "zkproof.groth16.setup", "zkproof.ceremony", "zkproof.gadgets", "zkproof.witness",
             "zkproof.prover", "zkproof.margin", "zkproof.snapshot", "zkproof.circuits",
             "zkproof.formats.zkey_file", "zkproof.formats.ptau_file")


@pytest.mark.parametrize("module", ["zkproof.verifier.bundle_check", "zkproof.verifier.inclusion",
                                    "zkproof.verifier.fold", "zkproof.verifier.venue_check",
                                    "zkproof.verifier.bundle_common", "zkproof.verifier.venue_bundle",
                                    "zkproof.verifier.dispatch"])
def test_bundle_verifier_import_closure(module):
    code = (f"import sys, json; import {module}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('zkproof'))))")
    mods = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                     check=True).stdout)
    assert module in mods
    bad = [m for m in mods if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == []


# The CLI's command table also loads the R1CS toolkit and the file formats (for the format
# commands); what a verify-only CLI process must never load is native code or the proving side.
FORBIDDEN_CLI = ("zkproof._native", "zkproof.kernel", "zkproof.witness", "zkproof.prover",
                 "zkproof.groth16.prove", "zkproof.gadgets", "zkproof.circuits")


@pytest.mark.parametrize("argv", [["verify", "{d}/no-bundle"],
                                  ["inclusion", "verify", "{d}/no-bundle", "--id", "u1",
                                   "--nonce", "00" * 32]])
def test_verify_only_cli_process_loads_no_native_code(tmp_path, argv):
    """``zkproof verify`` / ``zkproof inclusion verify`` through ``zkproof.cli.main``: after the
    command ran (exit 2 on a missing bundle), no native or prover module is loaded and Poseidon
    is still the Python code. Twin: ``prove``'s import (witness.batch) does switch to C."""
    args = [a.format(d=tmp_path) for a in argv]
    code = ("import sys, json\nfrom zkproof.cli import main as m\n"
            f"try:\n    m.main({args!r})\nexcept SystemExit as e:\n    rc = e.code\n"
            "from zkproof.hash import poseidon as P\n"
            "print(json.dumps([rc, P._native is None, sorted(x for x in sys.modules "
            "if x.startswith('zkproof'))]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    rc, pure, mods = json.loads(out.stdout.strip().splitlines()[-1])
    assert rc == 2 and pure
    assert "zkproof.verifier.bundle_check" in mods or "zkproof.verifier.inclusion" in mods
    assert [m for m in mods if any(m == f or m.startswith(f + ".") for f in FORBIDDEN_CLI)] == []
    if kernel.BACKEND == "native":
        twin = subprocess.run([sys.executable, "-c", "import sys, zkproof.witness.batch; "
                               "from zkproof.hash import poseidon as P; "
                               "print(P._native is None, 'zkproof._native.kernel' in sys.modules)"],
                              capture_output=True, text=True, timeout=60)
        assert twin.stdout.split() == ["False", "True"]
