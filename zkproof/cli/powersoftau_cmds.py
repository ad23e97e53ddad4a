"""`zkproof powersoftau ...` commands (snarkjs command shapes). Filled in by the engine work."""

import click


@click.group()
def powersoftau() -> None:
    """powersoftau commands, same arguments and default file names as snarkjs."""
