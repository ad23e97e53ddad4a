"""``zkproof``: entry point. Assembles the noun groups and maps errors to exit codes.

Exit status (SPEC §4, §6): 0 success / valid; 1 a well-formed proof or bundle that does not
verify; 2 malformed input (one line ``zkproof: FILE: FIELD: REASON`` on stderr, never a
traceback); 3 an insecure setup refused (gamma == delta, dev key without ``--allow-dev``).
"""

from __future__ import annotations

import sys

import click

from zkproof import __version__
from zkproof.errors import InputError, InsecureSetup, ZkProofError

EXIT_INVALID = 1
EXIT_MALFORMED = 2
EXIT_INSECURE = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="zkproof")
def cli() -> None:
    """Zero-knowledge proof of solvency for derivatives protocols (Groth16 over BN254).

    The groth16 / powersoftau / zkey / r1cs / wtns commands take the same arguments and default
    file names as snarkjs, so the two tools can be swapped.
    """


def _register() -> None:
    from zkproof.cli import epoch_cmds, formats_cmds, groth16_cmds, powersoftau_cmds, solvency_cmds, zkey_cmds

    cli.add_command(groth16_cmds.groth16)
    cli.add_command(powersoftau_cmds.powersoftau)
    cli.add_command(zkey_cmds.zkey)
    cli.add_command(formats_cmds.r1cs)
    cli.add_command(formats_cmds.wtns)
    solvency_cmds.register(cli)
    epoch_cmds.register(cli)


_register()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn zkproof's own errors into one-line messages and exit codes."""
    try:
        # standalone_mode=False: click *returns* the code of ctx.exit(n) instead of raising
        rc = cli.main(args=argv, prog_name="zkproof", standalone_mode=False)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_MALFORMED)
    except click.exceptions.Abort:
        click.echo("zkproof: aborted", err=True)
        sys.exit(130)
    except InputError as e:
        click.echo(f"zkproof: {e}", err=True)
        sys.exit(EXIT_MALFORMED)
    except InsecureSetup as e:
        click.echo(f"zkproof: insecure setup: {e}", err=True)
        sys.exit(EXIT_INSECURE)
    except ZkProofError as e:
        click.echo(f"zkproof: {e}", err=True)
        sys.exit(EXIT_MALFORMED)
    except OSError as e:
        click.echo(f"zkproof: {e.filename or ''}: {e.strerror or e}", err=True)
        sys.exit(EXIT_MALFORMED)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
