"""`zkproof r1cs info` and `zkproof wtns check` (snarkjs command shapes and default file names).

Exit status (``cli/main.py``): 0 the witness satisfies every constraint / info printed; 1 a
well-formed witness that violates a constraint (the first one is named, with the signals it
involves); 2 a malformed ``.r1cs`` / ``.wtns`` (``InputError``: one line naming file and field).
"""

from __future__ import annotations

import sys

import click

from zkproof.errors import InputError
from zkproof.field.fr import R, to_signed
from zkproof.formats.r1cs_file import load_names, names_path, read_r1cs
from zkproof.formats.wtns_file import read_wtns
from zkproof.r1cs.constraints import R1CS, Row

_MAX_SIGNALS = 24  # signals listed for a failing constraint (big LCs are cut, with a count)


@click.group()
def r1cs() -> None:
    """Inspect circom .r1cs files."""


@r1cs.command("info")
@click.argument("circuit", default="circuit.r1cs", required=False)
def r1cs_info(circuit: str) -> None:
    """Print statistics of CIRCUIT (default circuit.r1cs), as `snarkjs r1cs info` does.

    \b
    Example:
      zkproof r1cs info build/solvency.r1cs
    """
    cir = read_r1cs(circuit)
    for line in info_lines(cir):
        click.echo(line)


def info_lines(cir: R1CS) -> list[str]:
    """The lines of `r1cs info`, in snarkjs' order and wording."""
    return [
        "Curve: bn-128" if cir.prime == R else f"Unknown Curve. Prime: {cir.prime}",
        f"# of Wires: {cir.n_wires}",
        f"# of Constraints: {cir.n_constraints}",
        f"# of Private Inputs: {cir.n_prv_in}",
        f"# of Public Inputs: {cir.n_pub_in}",
        f"# of Labels: {cir.n_labels}",
        f"# of Outputs: {cir.n_pub_out}",
    ]


@click.group()
def wtns() -> None:
    """Inspect and check .wtns witness files."""


@wtns.command("check")
@click.argument("circuit", default="circuit.r1cs", required=False)
@click.argument("witness", default="witness.wtns", required=False)
def wtns_check(circuit: str, witness: str) -> None:
    """Check that WITNESS (default witness.wtns) satisfies every constraint of CIRCUIT
    (default circuit.r1cs). Exit 0 if it does; exit 1 naming the first unsatisfied constraint
    and the signals it involves (names from circom's CIRCUIT.sym or our CIRCUIT.names.json).

    \b
    Example:
      snarkjs wtns calculate circuit_js/circuit.wasm input.json witness.wtns
      zkproof wtns check circuit.r1cs witness.wtns
    """
    cir = read_r1cs(circuit)
    w = read_wtns(witness)
    if len(w) != cir.n_wires:
        raise InputError(witness, "section 1 (header)",
                         f"nWitness: expected {cir.n_wires} (nWires of {circuit}), got {len(w)}")
    k = cir.first_unsatisfied(w)
    if cir.custom.keys() & {4, 5}:
        click.echo("note: custom gates (PLONK-only) are not checked, as in snarkjs", err=True)
    if k is None:
        click.echo(f"WITNESS IS CORRECT: {cir.n_constraints} constraints of {circuit} hold")
        return
    source = load_names(circuit, cir)
    if names_path(circuit).exists() and source != str(names_path(circuit)):
        click.echo(f"note: ignoring {names_path(circuit)}: it was written for another circuit", err=True)
    for line in failure_lines(cir, w, k):
        click.echo(line)
    sys.exit(1)  # as groth16 verify: SystemExit passes through main() unchanged


def failure_lines(cir: R1CS, w: list[int], k: int) -> list[str]:
    """Describe the violated constraint ``k``: its name, both sides, and the signals involved."""
    a, b, c = cir.constraints[k]
    av, bv, cv = (_eval(row, w) for row in (a, b, c))
    name = f" '{cir.constraint_names[k]}'" if cir.constraint_names else ""
    lines = [f"WITNESS IS NOT CORRECT: constraint {k}{name} is not satisfied: "
             f"A*B = {to_signed(av * bv % R)}, C = {to_signed(cv)}"]
    wires = list(dict.fromkeys([*a, *b, *c]))
    for wire in wires[:_MAX_SIGNALS]:
        label = cir.wire_names[wire] if cir.wire_names and cir.wire_names[wire] else ""
        lines.append(f"  wire {wire}{' ' + label if label else ''} = {to_signed(w[wire])}")
    if len(wires) > _MAX_SIGNALS:
        lines.append(f"  ... and {len(wires) - _MAX_SIGNALS} more wires")
    return lines


def _eval(row: Row, w: list[int]) -> int:
    return sum(coeff * w[wire] for wire, coeff in row.items()) % R
