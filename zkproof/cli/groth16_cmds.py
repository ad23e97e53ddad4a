"""``zkproof groth16 setup|dev-setup|prove|verify``: snarkjs' argument order and default names.

Examples::

    zkproof groth16 setup circuit.r1cs pot12_final.ptau circuit_0000.zkey
    zkproof groth16 prove circuit_final.zkey witness.wtns proof.json public.json
    zkproof groth16 verify verification_key.json public.json proof.json

``verify`` exits 0 for a valid proof, 1 for an invalid one, 2 for malformed input (one line,
naming the file and field), 3 for an insecure key (gamma == delta, or a dev key without
``--allow-dev``).
"""

from __future__ import annotations

import sys

import click


@click.group()
def groth16() -> None:
    """Groth16 setup, prove and verify (same arguments and default file names as snarkjs)."""


@groth16.command("setup")
@click.argument("r1cs_path", default="circuit.r1cs", metavar="[CIRCUIT.r1cs]")
@click.argument("ptau_path", default="powersoftau.ptau", metavar="[POT.ptau]")
@click.argument("zkey_path", default="circuit_0000.zkey", metavar="[CIRCUIT.zkey]")
def setup_cmd(r1cs_path: str, ptau_path: str, zkey_path: str) -> None:
    """Phase-2 initial key from a circuit and a prepared powers-of-tau file.

    The result has no phase-2 contribution yet (gamma == delta): contribute with
    `zkproof zkey contribute` and close with `zkproof zkey beacon` before exporting keys.

    Example: zkproof groth16 setup circuit.r1cs pot12_final.ptau circuit_0000.zkey
    """
    from zkproof.ceremony.phase2 import new_zkey_file

    new_zkey_file(r1cs_path, ptau_path, zkey_path)
    click.echo(f"wrote {zkey_path} (0 phase-2 contributions: contribute before use)")


@groth16.command("dev-setup")
@click.argument("r1cs_path", metavar="CIRCUIT.r1cs")
@click.argument("zkey_path", metavar="CIRCUIT.zkey")
def dev_setup_cmd(r1cs_path: str, zkey_path: str) -> None:
    """INSECURE single-party setup for tests and demos: one process knows the toxic waste.

    The key is marked INSECURE-DEV-SETUP; `zkproof groth16 verify` refuses it unless given
    --allow-dev, and the Solidity exporter refuses it always.

    Example: zkproof groth16 dev-setup circuit.r1cs circuit_dev.zkey
    """
    from zkproof.formats.r1cs_file import read_r1cs
    from zkproof.formats.zkey_file import write_zkey
    from zkproof.groth16.setup import dev_setup

    write_zkey(zkey_path, dev_setup(read_r1cs(r1cs_path)))  # warns on stderr itself
    click.echo(f"wrote {zkey_path}")


@groth16.command("prove")
@click.argument("zkey_path", default="circuit_final.zkey", metavar="[CIRCUIT.zkey]")
@click.argument("wtns_path", default="witness.wtns", metavar="[WITNESS.wtns]")
@click.argument("proof_path", default="proof.json", metavar="[PROOF.json]")
@click.argument("public_path", default="public.json", metavar="[PUBLIC.json]")
@click.option("--check", is_flag=True,
              help="Assert the witness satisfies the circuit and A*B - C = h*Z before any MSM.")
@click.option("--r1cs", "r1cs_path", type=click.Path(exists=True), default=None,
              help="The circuit's .r1cs: lets --check name the violated constraint.")
def prove_cmd(zkey_path: str, wtns_path: str, proof_path: str, public_path: str, check: bool,
              r1cs_path: str | None) -> None:
    """Prove with a .zkey and a .wtns; writes snarkjs-format proof.json and public.json.

    Example: zkproof groth16 prove circuit_final.zkey witness.wtns proof.json public.json
    """
    from zkproof.groth16.prove import prove_files

    prove_files(zkey_path, wtns_path, proof_path, public_path, check=check, r1cs_path=r1cs_path)


@groth16.command("verify")
@click.argument("vk_path", default="verification_key.json", metavar="[VERIFICATION_KEY.json]")
@click.argument("public_path", default="public.json", metavar="[PUBLIC.json]")
@click.argument("proof_path", default="proof.json", metavar="[PROOF.json]")
@click.option("--allow-dev", is_flag=True, help="Accept keys from the INSECURE single-party dev setup.")
def verify_cmd(vk_path: str, public_path: str, proof_path: str, allow_dev: bool) -> None:
    """Verify a Groth16 proof: exit 0 valid, 1 invalid, 2 malformed input, 3 insecure key.

    Example: zkproof groth16 verify verification_key.json public.json proof.json
    """
    from zkproof.groth16.verify import verify_files

    if verify_files(vk_path, public_path, proof_path, allow_dev=allow_dev):
        click.echo("OK: proof is valid")
        return
    click.echo("INVALID: proof does not verify", err=True)
    sys.exit(1)
