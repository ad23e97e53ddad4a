"""``zkproof zkey ...``: phase 2 of the ceremony and key export, snarkjs' arguments and defaults.

Examples::

    zkproof zkey new circuit.r1cs pot12_final.ptau circuit_0000.zkey
    zkproof zkey contribute circuit_0000.zkey circuit_0001.zkey --name alice -e "random text"
    zkproof zkey beacon circuit_0001.zkey circuit_final.zkey 0102..1f 10 -n "final beacon"
    zkproof zkey verify circuit.r1cs pot12_final.ptau circuit_final.zkey
    zkproof zkey export verificationkey circuit_final.zkey verification_key.json
    zkproof zkey export solidityverifier circuit_final.zkey verifier.sol

Exit status: ``verify`` 0 valid / 1 invalid (naming the contribution or section); 2 malformed
input; 3 insecure key refused by ``export`` (0 contributions: gamma == delta; dev key).
"""

from __future__ import annotations

import json
import sys

import click

from zkproof.errors import InputError


@click.group()
def zkey() -> None:
    """zkey commands, same arguments and default file names as snarkjs."""


@zkey.command("new")
@click.argument("r1cs_path", default="circuit.r1cs", metavar="[CIRCUIT.r1cs]")
@click.argument("ptau_path", default="powersoftau.ptau", metavar="[POT.ptau]")
@click.argument("zkey_path", default="circuit_0000.zkey", metavar="[CIRCUIT.zkey]")
def new_cmd(r1cs_path: str, ptau_path: str, zkey_path: str) -> None:
    """Phase-2 initial key (= groth16 setup): gamma = delta = generator, 0 contributions.

    Example: zkproof zkey new circuit.r1cs pot12_final.ptau circuit_0000.zkey
    """
    from zkproof.ceremony.zkey_new import new_zkey_file

    cs_hash = new_zkey_file(r1cs_path, ptau_path, zkey_path)
    click.echo(f"Circuit hash: {cs_hash.hex()}")
    click.echo("0 phase-2 contributions: run `zkproof zkey contribute` before using the key",
               err=True)


def _beacon_args(beacon_hash: str, num_iterations_exp: int) -> None:
    from zkproof.ceremony.powers_of_tau import check_beacon_iterations, parse_beacon_hash

    try:
        parse_beacon_hash(beacon_hash)
        check_beacon_iterations(num_iterations_exp)
    except ValueError as exc:
        raise InputError("<command line>", "beacon", str(exc)) from None


@zkey.command("contribute")
@click.argument("inp", metavar="IN.zkey")
@click.argument("out", metavar="OUT.zkey")
@click.option("-n", "--name", default="", help="Contributor name recorded in the transcript.")
@click.option("-e", "--entropy", default=None, help="Extra entropy (asked for if omitted).")
def contribute_cmd(inp: str, out: str, name: str, entropy: str | None) -> None:
    """Add a phase-2 contribution (new delta); refused after a beacon (exit 2).

    Example: zkproof zkey contribute circuit_0000.zkey circuit_0001.zkey -n alice -e "..."
    """
    from zkproof.ceremony import phase2
    from zkproof.formats.zkey_file import read_zkey, write_zkey

    pk = read_zkey(inp)
    while not entropy:
        entropy = click.prompt("Enter a random text. (Entropy)", err=True)
    new = phase2.contribute(pk, entropy, name, path=inp)
    write_zkey(out, new)
    click.echo(f"Contribution hash: {phase2.last_contribution_hash(new).hex()}")


@zkey.command("beacon")
@click.argument("inp", metavar="IN.zkey")
@click.argument("out", metavar="OUT.zkey")
@click.argument("beacon_hash", metavar="BEACONHASH(hex)")
@click.argument("num_iterations_exp", type=int, metavar="NUMITERATIONSEXP")
@click.option("-n", "--name", default="", help="Name recorded for the beacon.")
def beacon_cmd(inp: str, out: str, beacon_hash: str, num_iterations_exp: int, name: str) -> None:
    """Close phase 2 with a public random beacon (anyone can recompute its key).

    Example: zkproof zkey beacon circuit_0001.zkey circuit_final.zkey 0102..1f 10 -n final
    """
    from zkproof.ceremony import phase2
    from zkproof.formats.zkey_file import read_zkey, write_zkey

    _beacon_args(beacon_hash, num_iterations_exp)
    new = phase2.beacon(read_zkey(inp), beacon_hash, num_iterations_exp, name)
    write_zkey(out, new)
    click.echo(f"Contribution hash: {phase2.last_contribution_hash(new).hex()}")


@zkey.command("verify")
@click.argument("r1cs_path", default="circuit.r1cs", metavar="[CIRCUIT.r1cs]")
@click.argument("ptau_path", default="powersoftau.ptau", metavar="[POT.ptau]")
@click.argument("zkey_path", default="circuit_final.zkey", metavar="[CIRCUIT.zkey]")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
def verify_cmd(r1cs_path: str, ptau_path: str, zkey_path: str, as_json: bool) -> None:
    """Check the key descends from this circuit and ptau by valid contributions; 0 ok, 1 not.

    Example: zkproof zkey verify circuit.r1cs pot12_final.ptau circuit_final.zkey
    """
    from dataclasses import asdict

    from zkproof.ceremony.phase2_verify import verify_from_r1cs
    from zkproof.formats.ptau_file import read_ptau
    from zkproof.formats.r1cs_file import read_r1cs
    from zkproof.formats.zkey_file import read_zkey

    pk = read_zkey(zkey_path)
    rep = verify_from_r1cs(read_r1cs(r1cs_path), read_ptau(ptau_path), pk, r1cs_path=r1cs_path,
                           ptau_path=ptau_path, zkey_path=zkey_path)
    if as_json:
        click.echo(json.dumps(asdict(rep), indent=1))
    else:
        click.echo(f"circuit hash {rep.cs_hash[:32]}..., {rep.n_contributions} contributions")
        for c in rep.contributions:
            click.echo(f"  #{c['index']} {c['type']} {c['name']!r}: {c['contribution_hash'][:32]}...")
        for e in rep.errors:
            click.echo(e, err=True)
        click.echo("ZKey OK" if rep.ok else "ZKey INVALID")
    sys.exit(0 if rep.ok else 1)


@zkey.group("export")
def export() -> None:
    """export verificationkey | solidityverifier."""


@export.command("verificationkey")
@click.argument("zkey_path", default="circuit_final.zkey", metavar="[CIRCUIT.zkey]")
@click.argument("out", default="verification_key.json", metavar="[verification_key.json]")
@click.option("--allow-dev", is_flag=True, help="Export an INSECURE-DEV-SETUP key anyway.")
def export_vk_cmd(zkey_path: str, out: str, allow_dev: bool) -> None:
    """Write verification_key.json; refuses 0-contribution (gamma == delta) and dev keys.

    The file holds the canonical bytes a bundle's keys/NAME.vk.json holds (docs/formats.md),
    so `sha256sum verification_key.json` is the digest to publish for `verify --vk-sha256`.

    Example: zkproof zkey export verificationkey circuit_final.zkey verification_key.json
    """
    from zkproof.ceremony.phase2 import export_verification_key
    from zkproof.formats.binfile import atomic_write
    from zkproof.formats.snarkjs_json import vk_bytes
    from zkproof.formats.zkey_file import read_zkey

    vk = export_verification_key(read_zkey(zkey_path), allow_dev=allow_dev)
    atomic_write(out, vk_bytes(vk))
    if vk.dev_setup:
        click.echo("WARNING: INSECURE-DEV-SETUP key exported", err=True)


@export.command("solidityverifier")
@click.argument("zkey_path", default="circuit_final.zkey", metavar="[CIRCUIT.zkey]")
@click.argument("out", default="verifier.sol", metavar="[verifier.sol]")
def export_sol_cmd(zkey_path: str, out: str) -> None:
    """Write a Solidity verifier; refuses insecure keys (gamma == delta, dev keys).

    Example: zkproof zkey export solidityverifier circuit_final.zkey verifier.sol
    """
    from zkproof.solidity.export import export_solidity_verifier_file

    if zkey_path.endswith(".zkey"):
        from zkproof.ceremony.phase2 import export_verification_key
        from zkproof.formats.zkey_file import read_zkey

        export_verification_key(read_zkey(zkey_path))  # same refusals as the VK export (C1)
    export_solidity_verifier_file(zkey_path, out)


@export.command("soliditycalldata")
@click.argument("public_path", default="public.json", metavar="[public.json]")
@click.argument("proof_path", default="proof.json", metavar="[proof.json]")
def export_calldata_cmd(public_path: str, proof_path: str) -> None:
    """Print verifyProof(a, b, c, input) arguments exactly as snarkjs does (G2 limbs in EVM order).

    Example: zkproof zkey export soliditycalldata public.json proof.json
    """
    from zkproof.formats.snarkjs_json import load_json, parse_proof, parse_public
    from zkproof.solidity.export import export_calldata

    click.echo(export_calldata(parse_proof(load_json(proof_path), proof_path),
                               parse_public(load_json(public_path), public_path)))
