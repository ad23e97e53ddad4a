"""``zkproof powersoftau ...``: phase 1 of the ceremony, snarkjs' argument order and defaults.

Examples::

    zkproof powersoftau new bn128 12 pot12_0000.ptau
    zkproof powersoftau contribute pot12_0000.ptau pot12_0001.ptau --name "alice" -e "random text"
    zkproof powersoftau beacon pot12_0001.ptau pot12_beacon.ptau 0102..1f 10 -n "final beacon"
    zkproof powersoftau prepare phase2 pot12_beacon.ptau pot12_final.ptau
    zkproof powersoftau verify pot12_final.ptau

``verify`` exits 0 if the transcript is valid, 1 if not (naming the contribution, e.g.
``INVALID(2): ...``); malformed files exit 2 (``file: section: reason``).
"""

from __future__ import annotations

import json
import sys

import click

from zkproof.errors import InputError

CURVES = ("bn128", "bn254", "alt_bn128")


def _arg_error(field: str, exc: Exception) -> InputError:
    return InputError("<command line>", field, str(exc))


@click.group()
def powersoftau() -> None:
    """powersoftau commands, same arguments and default file names as snarkjs."""


@powersoftau.command("new")
@click.argument("curve", metavar="CURVE")
@click.argument("power", type=int, metavar="POWER")
@click.argument("out", default="powersoftau_0000.ptau", metavar="[OUT.ptau]")
def new_cmd(curve: str, power: int, out: str) -> None:
    """Start a ceremony: an accumulator of generators (tau = 1), 0 contributions.

    Example: zkproof powersoftau new bn128 12 pot12_0000.ptau
    """
    from zkproof.ceremony import powers_of_tau as pot
    from zkproof.formats.ptau_file import write_ptau

    if curve.lower() not in CURVES:
        raise InputError("<command line>", "curve", f"only bn128 is supported, got {curve!r}")
    try:
        pt = pot.new(power)
    except ValueError as exc:
        raise _arg_error("power", exc) from None
    write_ptau(out, pt)
    click.echo(f"First contribution hash: {pot.first_challenge_hash(power).hex()}")


@powersoftau.command("contribute")
@click.argument("inp", metavar="IN.ptau")
@click.argument("out", metavar="OUT.ptau")
@click.option("-n", "--name", default="", help="Contributor name recorded in the transcript.")
@click.option("-e", "--entropy", default=None, help="Extra entropy (asked for if omitted).")
def contribute_cmd(inp: str, out: str, name: str, entropy: str | None) -> None:
    """Add a contribution (fresh secrets from OS randomness + your entropy).

    Example: zkproof powersoftau contribute pot12_0000.ptau pot12_0001.ptau -n alice -e "..."
    """
    from zkproof.ceremony import powers_of_tau as pot
    from zkproof.ceremony.ptau_verify import response_hash
    from zkproof.formats.ptau_file import read_ptau, write_ptau

    pt = read_ptau(inp)
    while not entropy:
        entropy = click.prompt("Enter a random text. (Entropy)", err=True)
    try:
        new = pot.contribute(pt, entropy, name)
    except ValueError as exc:
        raise InputError(inp, "header", str(exc)) from None
    write_ptau(out, new)
    click.echo(f"Contribution response hash: {response_hash(new.contributions[-1]).hex()}")
    click.echo(f"Next challenge hash: {new.contributions[-1].next_challenge.hex()}")


@powersoftau.command("beacon")
@click.argument("inp", metavar="IN.ptau")
@click.argument("out", metavar="OUT.ptau")
@click.argument("beacon_hash", metavar="BEACONHASH(hex)")
@click.argument("num_iterations_exp", type=int, metavar="NUMITERATIONSEXP")
@click.option("-n", "--name", default="", help="Name recorded for the beacon.")
def beacon_cmd(inp: str, out: str, beacon_hash: str, num_iterations_exp: int, name: str) -> None:
    """Close the ceremony with a public random beacon: anyone can recompute its key.

    Example: zkproof powersoftau beacon pot12_0001.ptau pot12_beacon.ptau 0102..1f 10 -n final
    """
    from zkproof.ceremony import powers_of_tau as pot
    from zkproof.ceremony.ptau_verify import response_hash
    from zkproof.formats.ptau_file import read_ptau, write_ptau

    try:
        pot.parse_beacon_hash(beacon_hash)
        pot.check_beacon_iterations(num_iterations_exp)
    except ValueError as exc:
        raise _arg_error("beacon", exc) from None
    pt = read_ptau(inp)
    try:
        new = pot.beacon(pt, beacon_hash, num_iterations_exp, name)
    except ValueError as exc:
        raise InputError(inp, "header", str(exc)) from None
    write_ptau(out, new)
    click.echo(f"Contribution response hash: {response_hash(new.contributions[-1]).hex()}")


@powersoftau.group("prepare")
def prepare() -> None:
    """prepare phase2."""


@prepare.command("phase2")
@click.argument("inp", metavar="IN.ptau")
@click.argument("out", metavar="OUT.ptau")
@click.option("--circuit-power", "circuit_powers", type=int, multiple=True, metavar="K",
              help="Prepare only what zkey new reads for circuits of domain 2^K (repeatable; "
                   "about 30% less work for two circuits). The output is PARTIAL: it serves "
                   "zkey new for exactly these powers, and powersoftau verify (ours and "
                   "snarkjs') reports it invalid. Publish a full prepare.")
def prepare_phase2_cmd(inp: str, out: str, circuit_powers: tuple[int, ...]) -> None:
    """Add the Lagrange-basis sections (12-15) that phase 2 needs (byte-identical to snarkjs).

    \b
    Examples:
      zkproof powersoftau prepare phase2 pot12_beacon.ptau pot12_final.ptau
      zkproof powersoftau prepare phase2 pot16_beacon.ptau pot16_partial.ptau \\
          --circuit-power 15 --circuit-power 13
    """
    from zkproof.ceremony.lagrange import prepare_phase2
    from zkproof.formats.ptau_file import read_ptau, write_ptau

    pt = read_ptau(inp)
    for k in circuit_powers:
        if not 1 <= k <= pt.power:
            raise _arg_error("--circuit-power", ValueError(
                f"{k} is outside 1..{pt.power} (the power of {inp})"))
    powers = sorted(set(circuit_powers))
    if powers:
        domains = ", ".join(f"2^{k}" for k in powers)
        click.echo(f"WARNING: partial prepare for domains {domains} only: powersoftau verify will "
                   "report this file invalid; do not publish it", err=True)
    write_ptau(out, prepare_phase2(pt, powers or None))


@powersoftau.command("verify")
@click.argument("inp", metavar="IN.ptau")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
@click.option("--hash", "expected_hash", default=None, metavar="HEX",
              help="Pinned blake2b-512 of the whole file (e.g. from snarkjs' README ptau table).")
def verify_cmd(inp: str, as_json: bool, expected_hash: str | None) -> None:
    """Verify every contribution and the accumulator; exit 0 valid, 1 invalid.

    Example: zkproof powersoftau verify pot12_final.ptau
    """
    import hashlib
    from dataclasses import asdict
    from pathlib import Path

    from zkproof.ceremony.ptau_verify import verify
    from zkproof.formats.ptau_file import read_ptau

    if expected_hash is not None:  # ATTACKS C5: a ptau that is not the pinned public one
        try:
            got = hashlib.blake2b(Path(inp).read_bytes(), digest_size=64).hexdigest()
        except OSError as exc:
            raise InputError(inp, "file", exc.strerror or str(exc)) from None
        if got != expected_hash.lower().removeprefix("0x"):
            click.echo(f"INVALID: ptau hash mismatch: blake2b {got} != pinned {expected_hash}",
                       err=True)
            sys.exit(1)
    rep = verify(read_ptau(inp))
    if as_json:
        click.echo(json.dumps(asdict(rep), indent=1))
    else:
        click.echo(f"power 2^{rep.power}, {rep.n_contributions} contributions")
        for c in rep.contributions:
            click.echo(f"  #{c['index']} {c['type']} {c['name']!r}: response {c['response_hash'][:32]}...")
            if c["type"] == "beacon":
                click.echo(f"     beacon {c['beacon_hash']} iterations 2^{c['num_iterations_exp']}")
        for w in rep.warnings:
            click.echo(f"WARNING: {w}", err=True)
        for e in rep.errors:
            click.echo(e, err=True)
        click.echo("Powers of tau OK" if rep.ok else "Powers of tau INVALID")
    sys.exit(0 if rep.ok else 1)
