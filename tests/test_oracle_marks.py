"""Oracle format 2 (per-instrument marks, per-expiry forwards) and params format 2 (the venue
rulebook, presets): good inputs load, and each circuit-breaker case stops the run with one line
naming the instrument (or expiry) and the source (SPEC §3, §6; issue 12)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from zkproof.errors import InputError
from zkproof.margin.risk_table import build_risk_table
from zkproof.snapshot.instruments import loads_instruments
from zkproof.snapshot.marks import parse_market
from zkproof.snapshot.oracle import OracleHalt
from zkproof.snapshot.params import loads_params

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PARAMS_TEXT = (EXAMPLES / "params.toml").read_text()
PARAMS = loads_params(PARAMS_TEXT)
INSTRUMENTS = loads_instruments((EXAMPLES / "instruments.json").read_text(), params=PARAMS)
DOC = json.loads((EXAMPLES / "oracle.json").read_text())
CALL = "ETH-20261225-3000-C"
DEC = "2026-12-25T08:00:00Z"


def _market(edit=None, params=PARAMS):
    doc = json.loads(json.dumps(DOC))
    if edit:
        edit(doc)
    return parse_market(doc, "oracle.json", params, INSTRUMENTS)


def test_example_market_loads_with_medians():
    m = _market()
    assert m.version == 2 and len(m.marks) == 12 and len(m.forwards) == 4
    quotes = DOC["marks"][CALL]
    assert m.marks[CALL].vol == sorted(Decimal(q["implied_vol"]) for q in quotes)[1]
    assert m.marks[CALL].price == sorted(Decimal(q["price"]) for q in quotes)[1]
    fwd = sorted(Decimal(q["price"]) for q in DOC["forwards"]["ETH"][DEC])[1]
    assert m.forwards[("ETH", INSTRUMENTS[2].expiry)] == fwd


def _set(path, key, value, k=1):
    def edit(doc):
        node = doc
        for p in path:
            node = node[p]
        node[k][key] = value
    return edit


HALTS = {
    "stale mark": (_set(["marks", CALL], "timestamp", "2026-11-20T15:58:59Z"),
                   rf"marks\.{CALL}\[1\]\.timestamp: stale: kraken quote of {CALL} is 61 s old"),
    "future mark": (_set(["marks", CALL], "timestamp", "2026-11-20T16:00:06Z", 0),
                    rf"marks\.{CALL}\[0\]\.timestamp: coinbase quote of {CALL} is 6 s after"),
    "mark price disagrees": (_set(["marks", CALL], "price", "262", 2),
                             rf"marks\.{CALL}\[2\]\.price: sources disagree: bitstamp price 262"),
    "mark vol disagrees": (_set(["marks", CALL], "implied_vol", "0.7", 0),
                           rf"marks\.{CALL}\[0\]\.implied_vol: sources disagree: coinbase vol 0\.7"),
    "negative mark price": (_set(["marks", CALL], "price", "-1", 0),
                            rf"marks\.{CALL}\[0\]\.price: negative price -1 from coinbase"),
    "zero mark vol": (_set(["marks", CALL], "implied_vol", "0", 2),
                      rf"marks\.{CALL}\[2\]\.implied_vol: zero implied vol from bitstamp"),
    "missing mark source": (lambda d: d["marks"][CALL].pop(),
                            rf"marks\.{CALL}: missing prices for {CALL}: 2 sources, need 3"),
    "missing mark": (lambda d: d["marks"].pop(CALL), rf"marks\.{CALL}: missing mark"),
    "duplicate mark source": (_set(["marks", CALL], "source", "coinbase", 2),
                              rf"marks\.{CALL}: duplicate source name for {CALL}"),
    "forward disagrees": (_set(["forwards", "ETH", DEC], "price", "3100", 0),
                          rf"forwards\.ETH\.{DEC}\[0\]\.price: sources disagree: coinbase 3100"),
    "negative forward": (_set(["forwards", "ETH", DEC], "price", "-3000", 0),
                         rf"forwards\.ETH\.{DEC}\[0\]\.price: negative price -3000 from coinbase"),
    "stale forward": (_set(["forwards", "BTC", DEC], "timestamp", "2026-11-20T15:50:00Z", 2),
                      rf"forwards\.BTC\.{DEC}\[2\]\.timestamp: stale: bitstamp"),
    "missing forward": (lambda d: d["forwards"]["ETH"].pop(DEC),
                        r"forwards\.ETH: missing forward for expiry"),
}


@pytest.mark.parametrize("case", HALTS)
def test_circuit_breaker_per_instrument(case):
    """Each bad quote stops the run: an OracleHalt, one line, naming the instrument and source."""
    edit, pattern = HALTS[case]
    with pytest.raises(OracleHalt, match=r"^oracle\.json: " + pattern) as e:
        _market(edit)
    assert "\n" not in str(e.value)


def test_within_tolerance_passes():
    """Good twin: a mark price 0.2 % of the forward from the median, a vol 2 points away, a quote
    exactly 60 s old all pass."""
    def edit(doc):
        q = doc["marks"][CALL]
        fwd = sorted(Decimal(x["price"]) for x in doc["forwards"]["ETH"][DEC])[1]
        q[2]["price"] = str(Decimal(q[1]["price"]) + Decimal("0.002") * fwd)
        q[0]["implied_vol"] = str(Decimal(q[1]["implied_vol"]) - Decimal("0.02"))
        q[1]["timestamp"] = "2026-11-20T15:59:00Z"
    assert _market(edit).marks[CALL].vol == Decimal(DOC["marks"][CALL][1]["implied_vol"])


def test_inconsistent_mark_price_and_vol_halt_the_table():
    """Every source agrees on a price that is not Black-76 at the agreed vol (e.g. a stale price
    feed and a live vol feed): the table build stops, naming the option, before anything is
    written."""
    def edit(doc):
        for q in doc["marks"][CALL]:
            q["price"] = str(Decimal(q["price"]) + 20)
    m = _market(edit)
    with pytest.raises(OracleHalt, match=rf"^<oracle>: marks\.{CALL}: mark price .* disagree: Black-76"):
        build_risk_table(PARAMS, INSTRUMENTS, m)


MALFORMED = {
    "unknown option": (lambda d: d["marks"].update({"ETH-X": d["marks"][CALL]}),
                       r"marks\.ETH-X: not a listed"),
    "mark for a perpetual": (lambda d: d["marks"].update({"ETH-PERP": d["marks"][CALL]}),
                             r"marks\.ETH-PERP: not a listed option"),
    "unlisted expiry": (lambda d: d["forwards"]["ETH"].update({"2027-01-01T08:00:00Z": []}),
                        r"forwards\.ETH\.2027-01-01T08:00:00Z: no listed option or future"),
    "float price": (_set(["marks", CALL], "price", 246.5), rf"marks\.{CALL}\[1\]\.price: expected a decimal"),
    "too many digits": (_set(["marks", CALL], "price", "246.62120000000000000000000000001"),
                        rf"marks\.{CALL}\[1\]\.price: 32 significant digits, at most 30"),
    "extra field": (_set(["marks", CALL], "note", "x"), rf"marks\.{CALL}\[1\]\.note: unknown field"),
    "no marks section": (lambda d: d.pop("marks"), r"marks: missing field"),
    "bad format": (lambda d: d.update(format="zkproof-oracle/3"), r"format: expected"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_market(case):
    edit, pattern = MALFORMED[case]
    with pytest.raises(InputError, match=r"^oracle\.json: " + pattern):
        _market(edit)


def test_format2_oracle_needs_format2_params():
    v1 = loads_params((Path(__file__).parent / "data" / "format1" / "params.toml").read_text())
    with pytest.raises(InputError, match=r"^oracle\.json: format: zkproof-oracle/2 needs risk parameters"):
        _market(params=v1)


# ----------------------------------------------------------------------------- params format 2


def test_preset_fills_and_file_overrides():
    """span16 gives 7 levels x 2 vol shocks + 2 tails = 16; a key in the file overrides it."""
    assert PARAMS.n_scenarios == 16 and PARAMS.rulebook.preset == "span16"
    assert [lv.text for lv in PARAMS.rulebook.tail_levels] == ["2", "-2"]
    assert PARAMS.rulebook.tail_cover == Decimal("0.35")
    text = PARAMS_TEXT.replace('vol_floor = "0.1"', 'vol_floor = "0.1"\ntail_levels = ["3", "-3"]')
    assert [lv.text for lv in loads_params(text).rulebook.tail_levels] == ["3", "-3"]


def test_max_leverage_rule():
    """Hyperliquid's rule: maintenance = 1 / (2 x max leverage): 25x -> 2 %, 40x -> 1.25 %."""
    rb = PARAMS.rulebook
    assert rb.perpetual == {"ETH": Decimal("0.02"), "BTC": Decimal("0.0125")}


BAD_PARAMS = {
    "unknown preset": (('preset = "span16"', 'preset = "cme"'), r"preset: unknown preset 'cme'"),
    "level not in lowest terms": (('vol_floor = "0.1"', 'vol_floor = "0.1"\nlevels = ["2/6"]'),
                                  r"scenarios\.levels\[0\]: expected a fraction p/q in lowest terms"),
    "duplicate level": (('vol_floor = "0.1"', 'vol_floor = "0.1"\nlevels = ["1/2", "0.5"]'),
                        r"scenarios\.levels: duplicate level"),
    "move to zero": (('ETH = "0.18"', 'ETH = "0.5"'),
                     r"scenarios\.tail_levels: level -2 x scan range 0\.5 of ETH"),
    "1/(2x3) not exact": (("ETH = 25", "ETH = 3"), r"maintenance\.perpetual_max_leverage\.ETH: 1/\(2 x 3\)"),
    "both rules": (("[maintenance]", '[maintenance]\nperpetual = {ETH = "0.02"}'),
                   r"maintenance\.perpetual_max_leverage\.ETH: give perpetual or"),
    "unknown scan asset": (('ETH = "0.18"', 'DOGE = "0.18"'), r"scenarios\.scan_range\.DOGE: unknown asset"),
    "missing marks": (("[marks]", "[marksx]"), r"marks: missing field"),
}


@pytest.mark.parametrize("case", BAD_PARAMS)
def test_bad_params_v2(case):
    (old, new), pattern = BAD_PARAMS[case]
    assert old in PARAMS_TEXT
    with pytest.raises(InputError, match=r"^params\.toml: " + pattern):
        loads_params(PARAMS_TEXT.replace(old, new, 1), "params.toml")


def test_missing_maintenance_fraction_refused_at_build():
    """A listed perpetual without a maintenance fraction is an error, not a zero requirement."""
    text = PARAMS_TEXT.replace("{ETH = 25, BTC = 40}", "{ETH = 25}")
    p = loads_params(text)
    with pytest.raises(InputError, match=r"maintenance\.perpetual\.BTC: missing, but .* BTC-PERP"):
        build_risk_table(p, INSTRUMENTS, _market(params=p))
