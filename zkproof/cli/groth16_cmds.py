"""`zkproof groth16 ...` commands (snarkjs command shapes). Filled in by the engine work."""

import click


@click.group()
def groth16() -> None:
    """groth16 commands, same arguments and default file names as snarkjs."""
