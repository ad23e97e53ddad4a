"""`zkproof zkey ...` commands (snarkjs command shapes). Filled in by the engine work."""

import click


@click.group()
def zkey() -> None:
    """zkey commands, same arguments and default file names as snarkjs."""
