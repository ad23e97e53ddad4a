"""Loaders of the four snapshot files: good inputs load, each malformed one is a one-line error
naming file, line and field (SPEC §6; ATTACKS A1, A8c, A9), and the oracle circuit breaker
(plausibility bands: A21)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from zkproof.errors import InputError
from zkproof.snapshot.inputs import load_snapshot, resolve_paths
from zkproof.snapshot.instruments import check_not_expired, loads_instruments
from zkproof.snapshot.ledger import loads_accounts
from zkproof.snapshot.oracle import OracleHalt, loads_oracle, median
from zkproof.snapshot.params import DEFAULT_SPOT_MAX, DEFAULT_SPOT_MIN, loads_params
from zkproof.statement import MAX_SNAPSHOT_AGE_SECONDS

# Format-1 snapshot files (oracle format 2 and params format 2: tests/test_oracle_marks.py).
EXAMPLES = Path(__file__).resolve().parent / "data" / "format1"
PARAMS_TEXT = (EXAMPLES / "params.toml").read_text()
PARAMS = loads_params(PARAMS_TEXT)
INSTRUMENTS = loads_instruments((EXAMPLES / "instruments.json").read_text(), params=PARAMS)
ORACLE_DOC = json.loads((EXAMPLES / "oracle.json").read_text())
ACCOUNT_LINES = (EXAMPLES / "accounts.jsonl").read_text().splitlines()


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and msg.count(": ") >= 2
    return msg


# ----------------------------------------------------------------------------- whole snapshot


def test_example_snapshot_loads(tmp_path):
    for f in (p for p in EXAMPLES.iterdir() if p.is_file()):  # examples/venue/ is its own snapshot
        shutil.copy(f, tmp_path / f.name)
    snap = load_snapshot(resolve_paths(tmp_path))
    assert len(snap.accounts) == 50 and len(snap.instruments) == 16 and len(snap.params.assets) == 3
    roles = {a.role for a in snap.accounts}
    assert {"insurance_fund", "protocol_vault", "user"} <= roles
    for i in range(len(snap.instruments)):  # zero-sum positions (SPEC §1.3)
        assert sum(a.positions[i] for a in snap.accounts) == 0
    assert snap.oracle.spot["ETH"] == median([q.spot for q in snap.oracle.quotes["ETH"]])


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(OSError):
        load_snapshot(resolve_paths(tmp_path))


# ----------------------------------------------------------------------------- accounts


def _accounts(lines: list[str]):
    return loads_accounts("\n".join(lines) + "\n", PARAMS, INSTRUMENTS, "accounts.jsonl")


def _edit(k: int, fn) -> list[str]:
    lines = list(ACCOUNT_LINES)
    obj = json.loads(lines[k])
    fn(obj)
    lines[k] = json.dumps(obj)
    return lines


ACCOUNT_CASES = {
    "duplicate id (A8c)": (lambda: ACCOUNT_LINES + [ACCOUNT_LINES[3]], r"line 51: id: duplicate account id"),
    "negative balance (A1)": (lambda: _edit(2, lambda o: o["balances"].update(USDC="-1")),
                              r"line 3: balances\.USDC: negative balance"),
    "balance 2^64 (A2)": (lambda: _edit(2, lambda o: o["balances"].update(ETH=str(2**64))),
                          r"line 3: balances\.ETH: balance .* >= 2\^64"),
    "position 2^63 (A2)": (lambda: _edit(4, lambda o: o["positions"].update({"ETH-PERP": str(2**63)})),
                           r"line 5: positions\.ETH-PERP: position"),
    "unknown asset": (lambda: _edit(0, lambda o: o["balances"].update(DOGE="1")),
                      r"line 1: balances\.DOGE: unknown asset"),
    "unknown instrument": (lambda: _edit(9, lambda o: o["positions"].update({"SOL-PERP": "1"})),
                           r"line 10: positions\.SOL-PERP: unknown instrument"),
    "json number": (lambda: _edit(1, lambda o: o["balances"].update(USDC=5)),
                    r"line 2: balances\.USDC: expected a decimal string"),
    "non-canonical +5": (lambda: _edit(1, lambda o: o["balances"].update(USDC="+5")),
                         r"line 2: balances\.USDC: expected a canonical"),
    "missing nonce": (lambda: _edit(6, lambda o: o.pop("nonce")), r"line 7: nonce: missing field"),
    "uppercase nonce": (lambda: _edit(6, lambda o: o.update(nonce=o["nonce"].upper())), r"line 7: nonce"),
    "unknown field": (lambda: _edit(6, lambda o: o.update(extra=1)), r"line 7: extra: unknown field"),
    "bad role": (lambda: _edit(6, lambda o: o.update(role="admin")), r"line 7: role"),
    "id with space": (lambda: _edit(6, lambda o: o.update(id="a b")), r"line 7: id"),
    "truncated line": (lambda: ACCOUNT_LINES[:3] + [ACCOUNT_LINES[3][:40]], r"line 4: invalid JSON"),
    "blank line": (lambda: ACCOUNT_LINES[:3] + [""] + ACCOUNT_LINES[3:], r"line 4: blank line"),
    "duplicate key": (lambda: [ACCOUNT_LINES[0][:-1] + ', "id": "x"}'] + ACCOUNT_LINES[1:],
                      r"line 1: id: duplicate key"),
    "NaN": (lambda: [ACCOUNT_LINES[0].replace('"role"', '"x":NaN,"role"')] + ACCOUNT_LINES[1:],
            r"line 1: invalid JSON"),
    "not an object": (lambda: ["[1, 2]"] + ACCOUNT_LINES[1:], r"line 1: expected a JSON object"),
}


@pytest.mark.parametrize("case", ACCOUNT_CASES)
def test_bad_accounts_rejected(case):
    make, pattern = ACCOUNT_CASES[case]
    with pytest.raises(InputError, match=r"^accounts\.jsonl: " + pattern) as e:
        _accounts(make())
    _one_line(e)


def test_good_accounts_load_and_carriage_return_rejected():
    assert len(_accounts(ACCOUNT_LINES)) == 50
    with pytest.raises(InputError, match="line 1: carriage return"):
        loads_accounts("\r\n".join(ACCOUNT_LINES), PARAMS, INSTRUMENTS, "accounts.jsonl")
    with pytest.raises(InputError, match="no accounts"):
        loads_accounts("", PARAMS, INSTRUMENTS, "accounts.jsonl")


def test_boundary_values_accepted():
    """Completeness twin of A2: b = 2^64-1 and q = +-(2^63-1) load."""
    lines = _edit(0, lambda o: o.update(balances={"USDC": str(2**64 - 1)},
                                       positions={"ETH-PERP": str(2**63 - 1), "BTC-PERP": str(1 - 2**63)}))
    acc = _accounts(lines)[0]
    assert acc.balances[0] == 2**64 - 1 and acc.positions[0] == 2**63 - 1 and 1 - 2**63 in acc.positions


# ----------------------------------------------------------------------------- oracle


def _oracle(edit):
    doc = json.loads(json.dumps(ORACLE_DOC))
    edit(doc)
    return loads_oracle(json.dumps(doc), PARAMS, "oracle.json")


ORACLE_CASES = {
    "stale": (lambda d: d["prices"]["ETH"][1].update(timestamp="2026-11-20T15:58:59Z"),
              r"prices\.ETH\[1\]\.timestamp: stale: kraken is 61 s old"),
    "from the future": (lambda d: d["prices"]["BTC"][0].update(timestamp="2026-11-20T16:00:06Z"),
                        r"prices\.BTC\[0\]\.timestamp: coinbase is 6 s after"),
    "spot disagrees": (lambda d: d["prices"]["BTC"][2].update(spot="91000"),
                       r"prices\.BTC\[2\]\.spot: sources disagree"),
    "vol disagrees": (lambda d: d["prices"]["ETH"][0].update(implied_vol="0.75"),
                      r"prices\.ETH\[0\]\.implied_vol: sources disagree"),
    "missing source": (lambda d: d["prices"]["ETH"].pop(), r"prices\.ETH: missing prices: 2 sources, need 3"),
    "missing asset": (lambda d: d["prices"].pop("USDC"), r"prices\.USDC: missing prices: 0 sources"),
    "duplicate source": (lambda d: d["prices"]["ETH"][1].update(source="coinbase"),
                         r"prices\.ETH: duplicate source"),
}


def test_timestamp_in_non_ascii_digits_is_malformed():
    """Arabic-Indic digits for 2026 read as the same time to strptime (and to ``\\d``), but the
    one accepted spelling is ASCII: a malformed field, named, not an oracle halt."""
    with pytest.raises(InputError, match=r"^oracle\.json: prices\.ETH\[1\]\.timestamp: expected a UTC time"):
        _oracle(lambda d: d["prices"]["ETH"][1].update(timestamp="\u0662\u0660\u0662\u0666-11-20T16:00:00Z"))


@pytest.mark.parametrize("case", ORACLE_CASES)
def test_oracle_circuit_breaker(case):
    edit, pattern = ORACLE_CASES[case]
    with pytest.raises(OracleHalt, match=r"^oracle\.json: " + pattern) as e:
        _oracle(edit)
    _one_line(e)


ORACLE_MALFORMED = {
    "unknown asset": (lambda d: d["prices"].update(DOGE=[]), r"prices\.DOGE: unknown asset"),
    "float spot": (lambda d: d["prices"]["ETH"][0].update(spot=3000.5),
                   r"prices\.ETH\[0\]\.spot: expected a"),
    "zero spot": (lambda d: d["prices"]["ETH"][0].update(spot="0"), r"prices\.ETH\[0\]\.spot"),
    "bad time": (lambda d: d.update(snapshot_time="2026-11-20 16:00:00"), r"snapshot_time: expected a UTC"),
    "bad format": (lambda d: d.update(format="v2"), r"format: expected"),
    "extra field": (lambda d: d.update(note="x"), r"note: unknown field"),
}


@pytest.mark.parametrize("case", ORACLE_MALFORMED)
def test_oracle_malformed(case):
    edit, pattern = ORACLE_MALFORMED[case]
    with pytest.raises(InputError, match=r"^oracle\.json: " + pattern):
        _oracle(edit)


def test_oracle_within_tolerance_passes_and_medians():
    """Good twin: moves just inside every tolerance pass; the aggregate is the median."""
    def edit(d):
        d["prices"]["ETH"][1].update(timestamp="2026-11-20T15:59:00Z")  # exactly 60 s old
        d["prices"]["BTC"][0].update(timestamp="2026-11-20T16:00:05Z")  # exactly 5 s ahead
    o = _oracle(edit)
    assert o.spot["ETH"] == sorted(q.spot for q in o.quotes["ETH"])[1]
    assert median([1, 2, 3, 10]) == 2.5


def _all_sources(sym: str, spot: str):
    return lambda d: [q.update(spot=spot) for q in d["prices"][sym]]


@pytest.mark.parametrize("sym,spot,band", [("ETH", "0.000000000000000000001", r"\[0\.000001, 1000000000\]"),
                                           ("BTC", "999999999999", r"\[0\.000001, 1000000000\]")])
def test_absurd_spot_all_sources_agree_is_refused(sym, spot, band):
    """ATTACKS A21: every source agrees on an absurd spot (1e-21 USD for ETH), so the
    deviation check passes; the asset's plausibility band (here the default) stops the run,
    naming the asset, the field and the source."""
    with pytest.raises(OracleHalt, match=rf"^oracle\.json: prices\.{sym}\[0\]\.spot: implausible price: "
                       rf"coinbase quotes {sym} at .* outside {band}") as e:
        _oracle(_all_sources(sym, spot))
    _one_line(e)


def test_absurd_spot_per_asset_band():
    """ATTACKS A21 with a tight band set in params.toml: ETH at 50 USD (every source) is refused
    under [100, 100000] and accepted under the default band; the band's edges themselves pass."""
    tight = loads_params(PARAMS_TEXT.replace('haircut = "0.1"', 'haircut = "0.1"\nspot_min = "100"\n'
                                             'spot_max = "100000"', 1), "params.toml")
    assert (tight.asset("ETH").spot_min, tight.asset("ETH").spot_max) == (Decimal(100), Decimal(100000))
    assert tight.asset("BTC").spot_min == DEFAULT_SPOT_MIN and tight.asset("BTC").spot_max == DEFAULT_SPOT_MAX
    doc = json.loads(json.dumps(ORACLE_DOC))
    _all_sources("ETH", "50")(doc)
    with pytest.raises(OracleHalt, match=r"prices\.ETH\[0\]\.spot: implausible price: coinbase .* ETH at 50"):
        loads_oracle(json.dumps(doc), tight, "oracle.json")
    assert loads_oracle(json.dumps(doc), PARAMS, "oracle.json").spot["ETH"] == 50
    for edge in ("100", "100000"):
        _all_sources("ETH", edge)(doc)
        assert loads_oracle(json.dumps(doc), tight, "oracle.json").spot["ETH"] == Decimal(edge)


# ----------------------------------------------------------------------------- params, instruments


PARAMS_CASES = {
    "float haircut": (('haircut = "0.1"', "haircut = 0.1"),
                      r"assets\.ETH\.haircut: expected a decimal string"),
    "haircut 1": (('haircut = "0.1"', 'haircut = "1"'), r"assets\.ETH\.haircut: expected 0 <= value <= 0.99"),
    "bad format": (("risk-params/1", "risk-params/9"), r"format: expected"),
    "duplicate shock": (('"3", "4"]', '"3", "3"]'), r"scenarios\.spot_shocks_sigma: duplicate shock"),
    "unknown key": (("[oracle]\n", "[oracle]\nfoo = 1\n"), r"oracle\.foo: unknown field"),
    "missing section": (("[short_floor]", "[short_floorx]"), r"short_floor: missing field"),
    "invalid toml": (("quote = \"USD\"", "quote = USD"), r"document: invalid TOML"),
    "decimals bool": (("decimals = 6", "decimals = true"), r"assets\.USDC\.decimals: expected an integer"),
    "band reversed": (('haircut = "0.1"', 'haircut = "0.1"\nspot_min = "5000"\nspot_max = "100"'),
                      r"assets\.ETH\.spot_min: expected 0 < spot_min < spot_max"),
    "band zero": (('haircut = "0.1"', 'haircut = "0.1"\nspot_min = "0"'),
                  r"assets\.ETH\.spot_min: expected 0 < spot_min < spot_max"),
    "band float": (('haircut = "0.1"', 'haircut = "0.1"\nspot_max = 1e5'),
                   r"assets\.ETH\.spot_max: expected a decimal string"),
    "snapshot age": (("[oracle]\n", "[oracle]\nmax_snapshot_age_seconds = 86401\n"),
                     r"oracle\.max_snapshot_age_seconds: expected 0 <= value <= 86400"),
}


@pytest.mark.parametrize("case", PARAMS_CASES)
def test_bad_params_rejected(case):
    (old, new), pattern = PARAMS_CASES[case]
    assert old in PARAMS_TEXT
    with pytest.raises(InputError, match=r"^params\.toml: " + pattern):
        loads_params(PARAMS_TEXT.replace(old, new, 1), "params.toml")


def test_params_good():
    assert PARAMS.n_scenarios == 16 and [a.symbol for a in PARAMS.assets] == ["USDC", "ETH", "BTC"]
    assert PARAMS.value_unit_exponent == 12
    assert PARAMS.oracle.max_snapshot_age_seconds == MAX_SNAPSHOT_AGE_SECONDS  # the default
    p = loads_params(PARAMS_TEXT.replace("[oracle]\n", "[oracle]\nmax_snapshot_age_seconds = 600\n"))
    assert p.oracle.max_snapshot_age_seconds == 600


def _instruments(edit):
    doc = json.loads((EXAMPLES / "instruments.json").read_text())
    edit(doc["instruments"])
    return loads_instruments(json.dumps(doc), "instruments.json", PARAMS)


INSTRUMENT_CASES = {
    "duplicate id (A8c)": (lambda x: x.append(dict(x[0])), r"instruments\[16\]\.id: duplicate instrument id"),
    "unknown underlying": (lambda x: x[0].update(underlying="SOL"), r"instruments\[0\]\.underlying: unknown"),
    "bad kind": (lambda x: x[0].update(kind="swap"), r"instruments\[0\]\.kind: expected one of"),
    "option without strike": (lambda x: x[4].pop("strike"), r"instruments\[4\]\.strike: missing field"),
    "perpetual with expiry": (lambda x: x[0].update(expiry="2027-01-01T00:00:00Z"),
                              r"instruments\[0\]\.expiry: unknown field"),
    "zero strike": (lambda x: x[4].update(strike="0"), r"instruments\[4\]\.strike: expected a positive"),
    "bad right": (lambda x: x[4].update(right="straddle"), r"instruments\[4\]\.right"),
}


@pytest.mark.parametrize("case", INSTRUMENT_CASES)
def test_bad_instruments_rejected(case):
    edit, pattern = INSTRUMENT_CASES[case]
    with pytest.raises(InputError, match=r"^instruments\.json: " + pattern):
        _instruments(edit)


def test_expired_instrument_rejected():
    snapshot = 1795190400
    check_not_expired(INSTRUMENTS, snapshot, "instruments.json")  # good twin
    with pytest.raises(InputError, match=r"instruments\[2\]\.expiry: ETH-20261225-2550-P expired"):
        check_not_expired(INSTRUMENTS, INSTRUMENTS[2].expiry, "instruments.json")


@pytest.mark.parametrize("pattern,message", [
    ("[{SOL = -1}]", r"spot_shock_signs\[0\]\.SOL: unknown asset"),
    ("[{BTC = 2}]", r"spot_shock_signs\[0\]\.BTC: expected 1 or -1"),
    ("[{BTC = true}]", r"spot_shock_signs\[0\]\.BTC: expected 1 or -1"),
    ("[{}, {BTC = 1}]", r"spot_shock_signs: duplicate sign pattern"),
    ("[]", r"spot_shock_signs: expected a non-empty list"),
    ('["x"]', r"spot_shock_signs\[0\]: expected a table"),
])
def test_bad_sign_patterns(pattern, message):
    text = PARAMS_TEXT.replace("vol_shocks = ", f"spot_shock_signs = {pattern}\nvol_shocks = ")
    with pytest.raises(InputError, match=r"^params\.toml: scenarios\." + message):
        loads_params(text, "params.toml")


def test_good_sign_patterns_multiply_the_grid():
    text = PARAMS_TEXT.replace("vol_shocks = ", "spot_shock_signs = [{}, {BTC = -1, ETH = 1}]\nvol_shocks = ")
    p = loads_params(text, "params.toml")
    assert p.n_scenarios == 32 and p.spot_shock_signs == ((), (("BTC", -1),))


def test_deeply_nested_json_is_refused_not_crashed():
    """A hostile snapshot file nested 10^5 deep gives a one-line error (json's C scanner would
    recurse once per level and can crash the interpreter under a raised recursion limit)."""
    from zkproof.snapshot.jsonio import loads_strict

    with pytest.raises(InputError, match="nested deeper"):
        loads_strict("[" * 100_000, "oracle.json")
