"""`zkproof r1cs info` and `zkproof wtns check` (snarkjs command shapes)."""

import click


@click.group()
def r1cs() -> None:
    """Inspect circom .r1cs files."""


@click.group()
def wtns() -> None:
    """Inspect and check .wtns witness files."""
