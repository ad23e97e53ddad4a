"""``zkproof risk-table`` and ``zkproof check``: the margin engine from the command line.

Examples::

    zkproof risk-table --inputs examples --out risk_table.bin
    zkproof risk-table --inputs examples --json          # the whole table as JSON
    zkproof check --inputs examples                      # exit 1 if any account fails margin

Inputs default to ``DIR/params.toml``, ``DIR/instruments.json``, ``DIR/oracle.json``,
``DIR/accounts.jsonl`` (``--inputs DIR``, default ``.``); each can be given explicitly.
Exit status: 0 all good; 1 ``check`` found failing accounts, imbalanced instruments or short
reserves; 2 malformed input or a tripped oracle circuit breaker (one line naming file and
field, mapped by ``cli/main.py``).
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal

import click

from zkproof.formats.binfile import atomic_write

EXIT_FAILED = 1  # the snapshot is well formed but fails the statement (as "proof invalid")


def _input_options(names: tuple[str, ...]):
    def decorate(fn):
        for name in reversed(names):
            fn = click.option(f"--{name}", "path_" + name, type=click.Path(dir_okay=False), default=None,
                              help=f"{name} file (default: DIR/<standard name>)")(fn)
        return click.option("--inputs", "inputs_dir", type=click.Path(file_okay=False), default=".",
                            show_default=True, help="directory holding the snapshot files")(fn)
    return decorate


def _load(inputs_dir, paths: dict, with_accounts: bool):
    from zkproof.margin.risk_table import build_risk_table
    from zkproof.snapshot.inputs import load_snapshot, resolve_paths

    snap = load_snapshot(resolve_paths(inputs_dir, **paths), with_accounts)
    table = build_risk_table(snap.params, snap.instruments, snap.oracle, str(snap.paths["instruments"]))
    return snap, table


def _usd(units: int, exponent: int) -> str:
    return f"{Decimal(units).scaleb(-exponent):,.2f}"


@click.command("risk-table")
@_input_options(("params", "instruments", "oracle"))
@click.option("--out", type=click.Path(dir_okay=False), help="write the canonical table bytes here")
@click.option("--json", "as_json", is_flag=True, help="print the whole table as JSON")
@click.option("--greeks", is_flag=True, help="also print mark price and Greeks of every option, per coin of "
              "underlying: delta in coin, gamma in coin per quote unit, vega per vol point, theta per day")
def risk_table_cmd(inputs_dir, path_params, path_instruments, path_oracle, out, as_json, greeks):
    """Build the integer risk table c, v, m (and ml, ms) from the oracle snapshot and risk
    parameters; print its hash.

    Example: ``zkproof risk-table --inputs examples --greeks``
    """
    from zkproof.margin.valuation import greeks as option_greeks

    paths = {"params": path_params, "instruments": path_instruments, "oracle": path_oracle}
    snap, table = _load(inputs_dir, paths, with_accounts=False)
    if out:
        atomic_write(out, table.to_bytes())
    doc = table.to_json()
    q = snap.params.quote
    if greeks:
        options = [i for i in snap.instruments if i.kind == "option"]
        doc["greeks"] = {i.id: option_greeks(i, snap.oracle) for i in options}
        doc["greeks_units"] = {"price": f"{q} per coin", "delta_coin": "coin per coin",
                               "gamma_coin_per_quote": f"coin per {q} per coin",
                               "vega_per_vol_point": f"{q} per vol point per coin",
                               "theta_per_day": f"{q} per day per coin"}
    if as_json:
        click.echo(json.dumps(doc, indent=1))
        return
    click.echo(f"assets {len(table.assets)}, instruments {len(table.instruments)}, "
               f"scenarios {len(table.scenarios) - 1} + mark, value unit 10^-{table.value_unit_exponent} "
               f"{snap.params.quote}")
    if greeks:
        click.echo(f"  {'option (per coin)':24s} {'price ' + q:>14s} {'delta coin':>11s} "
                   f"{'gamma coin/' + q:>15s} {'vega ' + q + '/pt':>13s} {'theta ' + q + '/day':>15s}")
    for name, g in doc.get("greeks", {}).items():
        click.echo(f"  {name:24s} {g['price']:14.4f} {g['delta_coin']:11.4f} "
                   f"{g['gamma_coin_per_quote']:15.3e} {g['vega_per_vol_point']:13.4f} "
                   f"{g['theta_per_day']:15.4f}")
    click.echo(f"sha256     {doc['sha256']}")
    click.echo(f"field_hash {doc['field_hash']}")


def _failure_json(f, rep, moves: str) -> dict:
    return {"account": f.account, "line": f.line, "scenario": f.scenario, "label": f.scenario_label,
            "moves": moves, "equity": str(f.equity), "required": str(f.required),
            "shortfall": str(f.shortfall),
            "failing_scenarios": rep.failing_scenarios[f.account]}


@click.command("check")
@_input_options(("params", "instruments", "oracle", "accounts"))
@click.option("--epoch", "epoch_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="epoch.json with the reserves R_a: also check L_a <= R_a")
@click.option("--json", "as_json", is_flag=True, help="machine-readable report")
def check_cmd(inputs_dir, path_params, path_instruments, path_oracle, path_accounts, epoch_path, as_json):
    """Pre-flight: which accounts fail margin, by how much, under which scenario (with its moves:
    spot in %, vol in points); exit 1 if any. On a venue snapshot (``[venue]`` in params.toml)
    the rule is the venue circuit's: loans valued at the debt column d, maintenance ml/ms at mark.

    Example: ``zkproof check --inputs examples``
    """
    from zkproof.margin.preflight import preflight
    from zkproof.margin.scenarios import describe, market_states

    paths = {"params": path_params, "instruments": path_instruments, "oracle": path_oracle,
             "accounts": path_accounts}
    snap, table = _load(inputs_dir, paths, with_accounts=True)
    reserves = None
    if epoch_path:
        from zkproof.snapshot.epoch_file import load_epoch_input

        epoch = load_epoch_input(epoch_path, snap.params)
        reserves = {a.symbol: r for a, r in zip(snap.params.assets, epoch.reserves)}
    if snap.params.venue is None:
        rep = preflight(snap.accounts, table, [i.id for i in snap.instruments], reserves,
                        file=str(snap.paths["accounts"]))
    else:  # a venue snapshot: the venue circuit's rule (loans at the debt column, ml/ms at mark)
        from zkproof.margin.risk_table import debt_column
        from zkproof.margin.venue_preflight import venue_preflight

        rep = venue_preflight(snap.accounts, table, debt_column(snap.params, snap.oracle),
                              [i.id for i in snap.instruments], reserves, file=str(snap.paths["accounts"]))
    e = table.value_unit_exponent
    states = market_states(snap.oracle, snap.params) if rep.failures else []
    moves = {f.account: describe(states[f.scenario], snap.oracle, snap.params) for f in rep.failures}
    if as_json:
        click.echo(json.dumps({
            "ok": rep.ok, "accounts": rep.n_accounts, "table_sha256": table.sha256().hex(),
            "failures": [_failure_json(f, rep, moves[f.account]) for f in rep.failures],
            "imbalances": {k: str(x) for k, x in rep.imbalances.items()},
            "reserve_shortfalls": {k: str(x) for k, x in rep.reserve_shortfalls.items()},
        }, indent=1))
    else:
        for f in rep.failures:
            click.echo(f"FAIL {f.account} (line {f.line}): scenario {f.scenario} {f.scenario_label}: "
                       f"equity {_usd(f.equity, e)} < required {_usd(f.required, e)}, shortfall "
                       f"{_usd(f.shortfall, e)} {snap.params.quote} ({f.shortfall} value units); "
                       f"fails {len(rep.failing_scenarios[f.account])} of {len(table.scenarios)} scenarios"
                       f"\n     worst scenario moves: {moves[f.account]}")
        for inst, total in rep.imbalances.items():
            click.echo(f"IMBALANCE {inst}: positions sum to {total}, expected 0")
        for sym, short in rep.reserve_shortfalls.items():
            click.echo(f"RESERVES {sym}: liabilities exceed reserves by {short} base units")
        click.echo(f"{rep.n_accounts} accounts, {len(rep.failures)} failing margin, "
                   f"{len(rep.imbalances)} imbalanced instruments; table sha256 {table.sha256().hex()}")
    if not rep.ok:
        sys.exit(EXIT_FAILED)  # SystemExit: passes through click (standalone_mode=False) and main()


def register(cli_group: click.Group) -> None:
    """Add ``risk-table`` and ``check`` to the top-level ``zkproof`` group."""
    cli_group.add_command(risk_table_cmd)
    cli_group.add_command(check_cmd)
