"""The integer risk table: pinned bytes, determinism, rounding direction, bounds, encoding.

SPEC §1 (the table c, v, m and its hash), §3 (deterministic), ATTACKS A15 (table swap changes
the hash), A12 (bounds asserted in code).
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.margin.risk_table import EPS, TABLE_BITS, RiskTable, build_risk_table, unrounded_table
from zkproof.margin.scenarios import market_states
from zkproof.margin.valuation import build_smiles, float_instrument_per_coin
from zkproof.snapshot.instruments import Instrument, loads_instruments
from zkproof.snapshot.marks import market_from_v1
from zkproof.snapshot.oracle import loads_oracle
from zkproof.snapshot.params import loads_params

# Format-1 inputs (one flat vol per underlying, sigma-scaled grid): the engine's v1 path.
# tests/test_margin_venue.py covers format 2 (marks, smile, rulebook) on examples/.
EXAMPLES = Path(__file__).resolve().parent / "data" / "format1"
# Pinned: the canonical bytes of the format-1 table (changes only with a documented format change).
EXAMPLE_SHA256 = "99487478f52c2716597675c4f9b50c21e3d130311aeda39a03a8d1a05ba8b525"


def _inputs(params_text=None, oracle_edit=None):
    params = loads_params(params_text or (EXAMPLES / "params.toml").read_text(), "params.toml")
    insts = loads_instruments((EXAMPLES / "instruments.json").read_text(), "instruments.json", params)
    doc = json.loads((EXAMPLES / "oracle.json").read_text())
    if oracle_edit:
        oracle_edit(doc)
    return params, insts, loads_oracle(json.dumps(doc), params, "oracle.json")


@pytest.fixture(scope="module")
def example():
    params, insts, oracle = _inputs()
    return params, insts, oracle, build_risk_table(params, insts, oracle)


def test_example_table_hash_is_pinned(example):
    table = example[3]
    assert table.sha256().hex() == EXAMPLE_SHA256
    assert table.field_hash() == int(EXAMPLE_SHA256, 16) >> 3 and 0 <= table.field_hash() < R


def test_table_ignores_the_ambient_decimal_context(example):
    """Same bytes whatever the caller's decimal context (precision, rounding, traps)."""
    params, insts, oracle, table = example
    ctx = decimal.Context(prec=6, rounding=decimal.ROUND_CEILING, traps=[decimal.Inexact])
    with decimal.localcontext(ctx):
        again = build_risk_table(params, insts, oracle)
    assert again.to_bytes() == table.to_bytes()


def test_table_shape_and_bounds(example):
    params, insts, _, t = example
    S = params.n_scenarios + 1
    assert S == 17 and len(t.scenarios) == S and t.scenarios[0] == "mark"
    assert [len(r) for r in t.c] == [S] * 3 and [len(r) for r in t.v] == [S] * 16 and len(t.m) == 16
    entries = [x for r in t.c for x in r] + [x for r in t.v for x in r] + list(t.m)
    assert max(abs(x) for x in entries) < 2**TABLE_BITS  # ATTACKS §5 worksheet: |c|,|v|,m < 2^C
    assert min(x for r in t.c for x in r) > 0 and min(t.m) >= 0
    for inst, row in zip(insts, t.v):
        if inst.kind in ("perpetual", "future"):
            assert row[0] == 0  # marked to market: no value at the mark
        else:
            assert min(row) >= 0  # a long option is never a liability


def test_exact_values_need_no_shaving(example):
    """USDC at spot 1, haircut 2%, 6 decimals: exactly 0.98e-6 USD = 980000 value units."""
    t = example[3]
    assert set(t.c[0]) == {980000}
    assert t.c[1][0] == 2700000  # ETH gwei at 3000 USD, 10% haircut: exact


def test_rounding_is_in_the_protocols_disfavour(example):
    """c, v rounded down and m up, each by less than one value unit (plus EPS when inexact)."""
    params, insts, oracle, t = example
    x = unrounded_table(params, insts, oracle)
    for table_rows, exact_rows in ((t.c, x.c), (t.v, x.v)):
        for row, xrow in zip(table_rows, exact_rows):
            for n, (val, exact) in zip(row, xrow):
                slack = EPS if not exact else 0
                assert n <= val and (n <= val - slack or n == 0) and val - n < 1 + slack
    for n, (val, exact) in zip(t.m, x.m):
        assert n >= val and n - val < 1 + (EPS if not exact else 0)


def test_float_path_agrees_with_integer_table(example):
    """Independent float64 revaluation (numpy/scipy) matches v to 1e-9 relative + 1 unit."""
    params, insts, oracle, t = example
    states = market_states(oracle, params)
    market = market_from_v1(oracle)
    for inst, row in zip(insts, t.v):
        for s, state in enumerate(states):
            scale = 10.0 ** (12 - inst.position_decimals)
            f = float_instrument_per_coin(inst, state, market, params, build_smiles(insts, market)) * scale
            assert abs(f - row[s]) <= 1 + 1e-9 * abs(f), (inst.id, s)


def test_stress_moves_are_monotone(example):
    """Down shocks lower ETH collateral and long-perp value; up shocks raise them."""
    t = example[3]
    eth, perp = t.c[1], t.v[0]
    downs, ups = range(1, 9), range(9, 17)
    assert all(eth[s] < eth[0] for s in downs) and all(eth[s] > eth[0] for s in ups)
    assert all(perp[s] < 0 for s in downs) and all(perp[s] > 0 for s in ups)


def test_bytes_round_trip(example):
    t = example[3]
    assert RiskTable.from_bytes(t.to_bytes()) == t


@pytest.mark.parametrize("mutate,pattern", [
    (lambda b: b[:-1], "entries: truncated"),
    (lambda b: b + b"\x00", "entries: 1 trailing bytes"),
    (lambda b: b"ZKPRISK2" + b[8:], "magic"),
    (lambda b: b[:8] + b"\x01" + b[9:], "header: expected version 2"),
    (lambda b: b[:-8] + (2**40).to_bytes(8, "little"), r"entry \d+: value 1099511627776 out of range"),
    (lambda b: b[:-8] + (-1).to_bytes(8, "little", signed=True), r"entry \d+: value -1 out of range"),
    (lambda b: b[:12], "header: truncated"),
])
def test_bad_bytes_rejected(example, mutate, pattern):
    with pytest.raises(InputError, match=r"^risk_table\.bin: " + pattern):
        RiskTable.from_bytes(mutate(example[3].to_bytes()), "risk_table.bin")


def test_any_change_of_inputs_changes_the_hash(example):
    """ATTACKS A15: another haircut or a dropped scenario gives another hash (and field hash)."""
    base = example[3]
    text = (EXAMPLES / "params.toml").read_text()
    other = [text.replace('haircut = "0.08"', 'haircut = "0.09"'),
             text.replace('"3", "4"]', '"3"]'),
             text.replace("option = \"0.01\"", "option = \"0.02\"")]
    hashes = {base.sha256()}
    for t in other:
        assert t != text
        p, i, o = _inputs(t)
        table = build_risk_table(p, i, o)
        hashes.add(table.sha256())
        assert table.field_hash() != base.field_hash()
    assert len(hashes) == 4


def test_entry_bound_enforced():
    """Bad twin of the bounds test: a value unit too fine for 2^40 is refused at build time."""
    text = (EXAMPLES / "params.toml").read_text()
    text = text.replace("value_unit_exponent = 12", "value_unit_exponent = 16")
    p, i, o = _inputs(text)
    with pytest.raises(InputError, match=r"^<risk table>: c\[\w+\]\[0\]: .* >= 2\^40"):
        build_risk_table(p, i, o)


def test_option_on_zero_vol_underlying_refused():
    def zero_vol(doc):
        for q in doc["prices"]["ETH"]:
            q["implied_vol"] = "0"
    p, i, o = _inputs(oracle_edit=zero_vol)
    with pytest.raises(InputError, match=r"prices\.ETH\.implied_vol: zero implied vol"):
        build_risk_table(p, i, o)


def test_json_view_matches_table(example):
    t = example[3]
    doc = t.to_json()
    assert doc["sha256"] == EXAMPLE_SHA256 and doc["c"][0][0] == str(t.c[0][0])
    assert [Decimal(x) for x in doc["m"]] == [Decimal(x) for x in t.m]


def test_equity_range_bits_worksheet():
    """ATTACKS §5 / A12: k bits hold the largest honest D and stay <= 252 (docs/formats.md §8)."""
    from zkproof.margin.risk_table import equity_range_bits

    assert equity_range_bits(3, 16) == 109
    A, I, C = 3, 16, TABLE_BITS
    worst_E = A * (2**64 - 1) * (2**C - 1) + I * (2**63 - 1) * (2**C - 1)
    worst_req = I * (2**63 - 1) * (2**C - 1) + I * (2**63 - 1)
    assert worst_E < 2**109 and worst_E + worst_req < 2**109
    with pytest.raises(AssertionError):
        equity_range_bits(3, 16, table_bits=190)  # bad twin: k would exceed 252


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_bytes_round_trip_or_raise(example, data):
    """Property: decoding any mutated byte string either gives a table that
    re-encodes to the same bytes, or raises InputError; never anything else."""
    raw = bytearray(example[3].to_bytes())
    for _ in range(data.draw(st.integers(1, 3))):
        k = data.draw(st.integers(0, len(raw) - 1))
        raw[k] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, 4))
    blob = bytes(raw[:len(raw) - cut])
    try:
        table = RiskTable.from_bytes(blob, "t.bin")
    except InputError as exc:
        assert str(exc).startswith("t.bin: ")
        return
    assert table.to_bytes() == blob


def test_fresh_process_gives_the_pinned_hash():
    """A fresh interpreter (other hash seed, hostile default decimal context set before import)
    builds the same table bytes: nothing depends on process state."""
    import subprocess
    import sys

    code = ("import decimal\n"
            "decimal.getcontext().prec = 5; decimal.getcontext().rounding = decimal.ROUND_UP\n"
            "from zkproof.snapshot.inputs import load_snapshot, resolve_paths\n"
            "from zkproof.margin.risk_table import build_risk_table\n"
            f"s = load_snapshot(resolve_paths({str(EXAMPLES)!r}), with_accounts=False)\n"
            "print(build_risk_table(s.params, s.instruments, s.oracle).sha256().hex())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.stdout.strip() == EXAMPLE_SHA256


def test_worthless_option_is_zero_not_a_liability():
    """A call struck at 1,000,000 on ETH is worth < 10^-40 USD (its N(d) is clamped to 0): the
    inexact 0 would floor to -1 after EPS; options are >= 0, so the table publishes 0 (still <= X)."""
    params, insts, oracle = _inputs()
    far = Instrument(id="ETH-FAR-C", kind="option", underlying="ETH", position_decimals=6, right="call",
                     strike=Decimal(1_000_000), expiry=insts[3].expiry)
    table = build_risk_table(params, insts + (far,), oracle)
    assert set(table.v[-1]) == {0}
    x = unrounded_table(params, insts + (far,), oracle)
    assert all(val >= 0 and not exact for val, exact in x.v[-1])


def test_descriptor_spells_the_strike_as_the_input():
    """A strike below 1e-6 is hashed as written ("0.0000001"), not in Python's exponent form
    ("1E-7"), so an auditor who copies the input reproduces the descriptor and the hash."""
    from zkproof.margin.risk_table import descriptor

    tiny = Instrument(id="X-C", kind="option", underlying="ETH", position_decimals=6, right="call",
                      strike=Decimal("0.0000001"), expiry=1800000000)
    assert descriptor(tiny) == "X-C|option|ETH|call|0.0000001|1800000000|6"
    assert str(Decimal("0.0000001")) == "1E-7"  # what the descriptor must not use
    perp = Instrument(id="P", kind="perpetual", underlying="ETH", position_decimals=6)
    assert descriptor(perp) == "P|perpetual|ETH||||6"
