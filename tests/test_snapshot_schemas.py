"""The JSON Schemas in ``zkproof/schemas`` agree with the loaders: the shipped examples validate,
and the malformed variants the loaders reject are rejected by the schema too.

``jsonschema`` is not a dependency, so a small validator for the keywords the schemas use
(type, const, enum, required, properties, additionalProperties, propertyNames, items, pattern,
minimum, maximum, minItems, maxItems, uniqueItems, minProperties, oneOf, $ref) lives here.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "zkproof" / "schemas"
EXAMPLES = ROOT / "tests" / "data" / "format1"  # the schemas describe format 1
TYPES = {"object": dict, "array": list, "string": str}


def _errors(inst, schema, root) -> list[str]:
    if "$ref" in schema:
        node = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        return _errors(inst, node, root)
    errs: list[str] = []
    t = schema.get("type")
    if t == "integer" and (isinstance(inst, bool) or not isinstance(inst, int)):
        return ["not an integer"]
    if t in TYPES and not isinstance(inst, TYPES[t]):
        return [f"not a {t}"]
    if "const" in schema and inst != schema["const"]:
        errs.append("const")
    if "enum" in schema and inst not in schema["enum"]:
        errs.append("enum")
    if "pattern" in schema and not re.search(schema["pattern"], inst):
        errs.append(f"pattern {inst!r}")
    if "minimum" in schema and inst < schema["minimum"] or "maximum" in schema and inst > schema["maximum"]:
        errs.append("range")
    if "oneOf" in schema and sum(not _errors(inst, s, root) for s in schema["oneOf"]) != 1:
        errs.append("oneOf")
    if isinstance(inst, dict):
        errs += [f"missing {k}" for k in schema.get("required", []) if k not in inst]
        if len(inst) < schema.get("minProperties", 0):
            errs.append("minProperties")
        props = schema.get("properties", {})
        for k, v in inst.items():
            if "propertyNames" in schema:
                errs += _errors(k, schema["propertyNames"], root)
            if k in props:
                errs += _errors(v, props[k], root)
            elif schema.get("additionalProperties") is False:
                errs.append(f"unknown {k}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errs += _errors(v, schema["additionalProperties"], root)
    if isinstance(inst, list):
        if not schema.get("minItems", 0) <= len(inst) <= schema.get("maxItems", 1 << 30):
            errs.append("items count")
        if schema.get("uniqueItems") and len(set(map(json.dumps, inst))) != len(inst):
            errs.append("uniqueItems")
        for x in inst:
            errs += _errors(x, schema.get("items", {}), root)
    return errs


def validate(doc, name: str) -> list[str]:
    schema = json.loads((SCHEMAS / name).read_text())
    assert schema["$schema"].endswith("2020-12/schema")
    return _errors(doc, schema, schema)


def _docs():
    return {
        "oracle.schema.json": json.loads((EXAMPLES / "oracle.json").read_text()),
        "instruments.schema.json": json.loads((EXAMPLES / "instruments.json").read_text()),
        "params.schema.json": tomllib.loads((EXAMPLES / "params.toml").read_text()),
    }


def test_examples_validate():
    for name, doc in _docs().items():
        assert validate(doc, name) == [], name
    for line in (EXAMPLES / "accounts.jsonl").read_text().splitlines():
        assert validate(json.loads(line), "account.schema.json") == []


BAD = {
    "account.schema.json": [
        lambda d: d["balances"].update(USDC="-5"), lambda d: d["balances"].update(USDC="+5"),
        lambda d: d["balances"].update(USDC=5), lambda d: d.pop("nonce"), lambda d: d.update(x=1),
        lambda d: d.update(nonce="AB" * 32), lambda d: d["positions"].update(X="5.0"),
        lambda d: d.update(role="admin"),
    ],
    "oracle.schema.json": [
        lambda d: d["prices"]["ETH"][0].update(spot=3000.5), lambda d: d.update(snapshot_time="2026-11-20"),
        lambda d: d.update(format="x"), lambda d: d["prices"]["ETH"][0].update(extra=1),
        lambda d: d["prices"]["ETH"][0].update(implied_vol="0.60"),
    ],
    "instruments.schema.json": [
        lambda d: d["instruments"][0].update(kind="swap"), lambda d: d["instruments"][3].pop("strike"),
        lambda d: d["instruments"][0].update(expiry="2027-01-01T00:00:00Z"),
        lambda d: d["instruments"][3].update(strike=3000), lambda d: d.update(instruments=[]),
    ],
    "params.schema.json": [
        lambda d: d["assets"]["ETH"].update(haircut=0.1), lambda d: d["oracle"].update(min_sources=0),
        lambda d: d["scenarios"].update(vol_shocks=["0.5", "0.5"]), lambda d: d.pop("short_floor"),
        lambda d: d["assets"]["ETH"].update(decimals=True),
    ],
}


@pytest.mark.parametrize("name,k", [(n, k) for n, fs in BAD.items() for k in range(len(fs))])
def test_schema_rejects_what_the_loader_rejects(name, k):
    if name == "account.schema.json":
        doc = json.loads((EXAMPLES / "accounts.jsonl").read_text().splitlines()[0])
        doc.setdefault("positions", {})
    else:
        doc = _docs()[name]
    BAD[name][k](doc)
    assert validate(doc, name) != []


def test_schema_accepts_sign_patterns_and_rejects_bad_signs():
    doc = _docs()["params.schema.json"]
    doc["scenarios"]["spot_shock_signs"] = [{}, {"BTC": -1}]
    assert validate(doc, "params.schema.json") == []
    doc["scenarios"]["spot_shock_signs"] = [{"BTC": 2}]
    assert validate(doc, "params.schema.json") != []


FORMAT2 = ROOT / "examples"
BAD_V2 = {
    "oracle.v2.schema.json": [
        lambda d: d["marks"]["ETH-20261225-3000-C"][0].update(price=246.6),
        lambda d: d["marks"]["ETH-20261225-3000-C"][0].pop("implied_vol"),
        lambda d: d["forwards"]["ETH"].update({"2026-12-25": []}),
        lambda d: d.pop("forwards"), lambda d: d.update(format="zkproof-oracle/1"),
    ],
    "params.v2.schema.json": [
        lambda d: d.update(preset="cme"), lambda d: d["scenarios"].update(levels=["1/3", "1/3"]),
        lambda d: d["scenarios"].update(levels=["0.50"]), lambda d: d.pop("marks"),
        lambda d: d["maintenance"].update(perpetual_max_leverage={"ETH": "25"}),
    ],
}


def _docs_v2():
    return {"oracle.v2.schema.json": json.loads((FORMAT2 / "oracle.json").read_text()),
            "params.v2.schema.json": tomllib.loads((FORMAT2 / "params.toml").read_text())}


def test_format2_examples_validate():
    for name, doc in _docs_v2().items():
        assert validate(doc, name) == [], name


@pytest.mark.parametrize("name,k", [(n, k) for n, fs in BAD_V2.items() for k in range(len(fs))])
def test_format2_schema_rejects_what_the_loader_rejects(name, k):
    doc = _docs_v2()[name]
    BAD_V2[name][k](doc)
    assert validate(doc, name) != []
