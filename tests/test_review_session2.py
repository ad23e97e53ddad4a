"""Adversarial review of session 2's circuit and verifier changes (task H5).

Changes reviewed: the packed leaf (3 x 64-bit limbs per element, ATTACKS A13), the 88-bit margin
check under the 109-bit soundness bound (A4, A12), the risk table as batch public inputs folded
into the key (A15, A17), the one-sponge batch commitment (A14, §5), the revealed-totals option
(SPEC §1.4, A14, A17) and the 8-field registry header.

Each test pins a property no earlier test exercised. The review found three gaps, first
written as strict xfails and now fixed or pinned: keys anchored outside the bundle
(``verify --vk-sha256``), ASCII-only decimals in inclusion records, and hidden totals being
known to every account holder (a SPEC §1.5 limit, documented and pinned).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from zkproof import statement as stm
from zkproof.circuits import solvency_batch as sb
from zkproof.errors import InputError
from zkproof.field.fr import R
from zkproof.hash import merkle_sum_layout as lay
from zkproof.witness import batch as wb

# --- change 2: 88-bit margin checks, soundness bound equity_bits ------------------------------

SHAPE = stm.Shape(n_assets=2, n_instruments=2, n_scenarios=3, capacity=2, table_bits=40)
EPOCH = 7
TOP = 2**40 - 1  # the largest |c|, |v|, m the header admits at table_bits 40


def _broken(cs, inputs, overrides=None):
    return cs.which_is_unsatisfied(cs.solve(inputs, overrides=overrides))


@pytest.fixture(scope="module")
def batch_cs():
    return sb.build(SHAPE)


@pytest.mark.parametrize("case", ["mark_floor", "scenario_2"])
def test_negative_slack_far_beyond_the_check_width_is_unsat(batch_cs, case):
    """A4 with the narrow check: slack below -2^102, far below -2^88 and within this shape's
    107-bit soundness bound (2^63 - 1 units at the largest |v| or m the header admits), is unsat
    at that account's check -- with the honest hint, and with a patched hint carrying the low 88
    bits of the field element ``r - y`` (the only thing an 88-bit vector can carry). Cases: a
    short at mark (floor m and v both against it); a long that only scenario 2 hurts (mark and
    scenario 1 at slack 0, so they pass). Twin: the same accounts with flat positions prove."""
    k = SHAPE.equity_check_bits
    assert k == 88 < SHAPE.equity_bits
    if case == "mark_floor":
        table = ([[TOP] * 3, [TOP] * 3], [[-TOP] * 3, [TOP] * 3], [TOP, TOP])
        position, bad = (0, -(2**63 - 1)), [0, 1, 2]
    else:
        table = ([[TOP] * 3, [TOP] * 3], [[TOP] * 3, [0, 0, -TOP]], [0, 0])
        position, bad = (0, 2**63 - 1), [2]
    flat = [wb.Slot(11, (0, 0), (0, 0)), wb.Slot(12, (0, 0), (0, 0))]
    w = wb.build_batch(SHAPE, EPOCH, flat, blinder=5)
    assert _broken(batch_cs, wb.circuit_inputs(w, *table)) is None

    slots = [wb.Slot(11, (0, 0), position), wb.Slot(12, (0, 0), (0, 0))]
    slack = wb.margin_slack(slots[0], *table)
    assert [s for s, d in enumerate(slack) if d < 0] == bad
    assert all(-(2**SHAPE.equity_bits) < slack[s] <= -(2**102) for s in bad)  # far beyond 2^88
    w = wb.build_batch(SHAPE, EPOCH, slots, blinder=5)
    inp = wb.circuit_inputs(w, *table)  # negative slack is not refused natively: the circuit must
    name = case
    assert _broken(batch_cs, inp) == f"account_0/margin/{name}/recompose"
    low = (slack[bad[0]] % R) & ((1 << k) - 1)
    overrides = {f"account_0/margin/{name}_hint[{i}]": (low >> i) & 1 for i in range(k)}
    assert _broken(batch_cs, inp, overrides) == f"account_0/margin/{name}/recompose"


# --- change 1: packed leaf, every limb pair of a full three-limb element ------------------------

SHAPE3 = stm.Shape(n_assets=3, n_instruments=4, n_scenarios=1, capacity=2, table_bits=8)
TABLE3 = ([[1], [1], [1]], [[1], [1], [1], [1]], [0, 0, 0, 0])


def test_leaf_packing_every_limb_pair_of_a_full_element():
    """A13 at a shape whose first element holds three limbs (3 assets; 4 instruments: 3 + 1).
    The existing test (2 assets, 2 instruments) never exercises the 2^128 limb. Every adjacent
    pair inside one element: moving a unit (as 2^64 units) leaves the hashed values unchanged and
    the witness fails at the range check of the limb that left [0, 2^64). Limbs in different
    elements (asset/instrument 2 -> 3): the same move changes the hashed values, so the hash
    itself binds them. Twin: the honest witness is satisfied."""
    cs = sb.build(SHAPE3)
    slots = [wb.Slot(11, (7, 8, 9), (1, -2, 3, -4)), wb.Slot(12, (1, 2, 3), (-1, 2, -3, 4))]
    w = wb.build_batch(SHAPE3, EPOCH, slots, blinder=3)
    inp = wb.circuit_inputs(w, *TABLE3)
    assert _broken(cs, inp) is None
    s0 = w.slots[0]
    fe = lambda xs: [x % R for x in xs]  # noqa: E731

    def leaf(b, q):
        return fe(lay.leaf_values(s0.id_hash, list(b), fe(q)))

    base = leaf(s0.balances, s0.positions)
    for wire, values, check in (("b", list(s0.balances), "balance_range"),
                                ("q", list(s0.positions), "position_range")):
        for k in range(len(values) - 1):
            moved = list(values)
            moved[k] += 2**64
            moved[k + 1] -= 1
            b, q = (moved, s0.positions) if wire == "b" else (s0.balances, moved)
            same_element = (k + 1) % lay.LIMBS_PER_ELEMENT != 0
            assert (leaf(b, q) == base) is same_element, (wire, k)
            if same_element:
                overrides = {f"account_0/{wire}[{i}]": x % R for i, x in enumerate(moved)}
                assert _broken(cs, inp, overrides).startswith(f"account_0/{check}[{k}]/"), (wire, k)


# --- change 4: hidden totals, and the bundle's trust anchors (end to end) -----------------------


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    """The e2e epoch of tests/test_epoch_e2e.py (tiny shape, dev keys, totals hidden)."""
    from tests import test_epoch_e2e as e2e
    from zkproof.groth16.setup import dev_setup
    from zkproof.prover.circuits import circuits_for
    from zkproof.prover.epoch import EpochJob, EpochKeys, prove_epoch

    c = circuits_for(e2e.SHAPE)
    keys = EpochKeys(dev_setup(c.batch.to_r1cs(), quiet=True), dev_setup(c.aggregate.to_r1cs(), quiet=True))
    job = EpochJob(e2e.SHAPE, 7, 1_700_000_000, e2e.ACCOUNTS, e2e.TABLE, e2e.RESERVES,
                   [("USDC", 6), ("ETH", 9)])
    d = tmp_path_factory.mktemp("review_epoch")
    out = prove_epoch(job, keys, d / "bundle", work_dir=d / "work", progress=False)
    return job, out


@pytest.mark.prove
def test_hidden_totals_are_known_to_every_account_holder(proved):
    """Known limit (docs/soundness.md §5, formats.md §12): totals hidden by default (SPEC §1.4)
    are hidden from the public and the chain, NOT from users. The smallest account (user-2:
    balances 50 and 0) opens only its own sealed record, climbs its path as ``zkproof inclusion
    verify`` does, and reads the exact liabilities off the root's sums: SPEC §1.5 puts per-asset
    sums in every node and sibling sums in every inclusion proof, so this cannot be avoided
    without changing the SPEC. Pinned so that a change in either direction is noticed."""
    from tests import test_epoch_e2e as e2e
    from zkproof.formats import bundle as bundle_fmt
    from zkproof.formats import inclusion_file
    from zkproof.formats.epoch_header import parse_header
    from zkproof.hash.merkle_sum_proof import InclusionProof, SumNode, leaf_node, root_from_proof

    job, out = proved
    b = bundle_fmt.read_bundle(str(out))
    header = parse_header(b.json("header.json"), "header.json")
    assert header.totals is None  # hidden
    a = job.accounts[1]
    rel = f"inclusion/{inclusion_file.locator(7, a.id, a.nonce)}.bin"
    rec = inclusion_file.open_sealed(b.path(rel).read_bytes(), 7, a.id, a.nonce, rel)
    shape = header.shape
    nodes = [SumNode(int(h), tuple(int(s) for s in sums)) for h, sums in
             ((n["hash"], n["sums"]) for n in rec["path"])]
    top = [SumNode(int(n["hash"]), tuple(int(s) for s in n["sums"])) for n in rec["top_path"]]
    leaf = leaf_node(stm.id_hash(a.id, a.nonce), [int(x) for x in rec["balances"]],
                     [int(x) for x in rec["positions"]])
    bits = tuple((rec["index"] >> j) & 1 for j in range(shape.depth))
    batch_root = root_from_proof(InclusionProof(rec["index"], leaf, bits, tuple(nodes)), 64 + shape.depth)
    tbits = tuple((rec["batch"] >> j) & 1 for j in range(len(top)))
    root = root_from_proof(InclusionProof(rec["batch"], batch_root, tbits, tuple(top)), shape.reserve_bits)
    assert root.hash == header.root  # the user's ordinary inclusion check
    assert root.sums == e2e.TOTALS  # one account holder learns the hidden totals exactly


def _rewrite(dst, rel, mutate) -> bytes:
    """Edit one JSON file of the bundle and re-sign the manifest (a forger controls the bundle)."""
    from zkproof.formats import strict_json

    p = dst / rel
    obj = json.loads(p.read_text())
    mutate(obj)
    data = strict_json.dumps(obj)
    p.write_bytes(data)
    m = json.loads((dst / "manifest.json").read_text())
    m["files"][rel] = hashlib.sha256(data).hexdigest()
    (dst / "manifest.json").write_text(json.dumps(m))
    return data


@pytest.mark.prove
def test_dev_keys_are_refused_twin(proved):
    """Twin of the test below: the bundle as proved (dev keys, marked) is refused without
    --allow-dev and accepted with it."""
    from zkproof.verifier.bundle_check import verify_bundle

    _, out = proved
    assert not verify_bundle(str(out)).ok
    assert verify_bundle(str(out), allow_dev=True).ok


@pytest.mark.prove
def test_keys_pinned_only_by_the_bundle_are_not_trusted(proved, tmp_path):
    """B10/C6: the header is the prover's, so it cannot vouch for the keys. A forger makes
    single-party keys (whose toxic waste it holds), drops their dev marker and proves the epoch
    with them, so the header pins their SHA-256 and says dev_setup false: every check passes
    (the header digest binds the header to the proof, but the forger made both), yet the report
    NOTES that the keys are pinned only by the bundle, and with the ceremony's published digests
    (``--vk-sha256``) it fails, naming the key. Twin: the honest bundle verified against its own
    keys' digests passes both key checks."""
    import dataclasses

    from tests import test_epoch_e2e as e2e
    from zkproof.groth16.setup import dev_setup
    from zkproof.prover.circuits import circuits_for
    from zkproof.prover.epoch import EpochKeys, prove_epoch
    from zkproof.verifier.bundle_check import verify_bundle

    def key_notes(report):
        return [n for n in report.notes if " key is pinned only" in n]

    job, out = proved
    honest = {name: hashlib.sha256((out / "keys" / f"{name}.vk.json").read_bytes()).hexdigest()
              for name in ("batch", "aggregate")}
    ok = verify_bundle(str(out), allow_dev=True, trusted_vk_sha256=honest)
    assert ok.ok and not key_notes(ok)
    assert {c.name for c in ok.checks} >= {"batch key is the ceremony's", "aggregate key is the ceremony's"}

    c = circuits_for(e2e.SHAPE)
    unmarked = EpochKeys(*(dataclasses.replace(dev_setup(r1cs, quiet=True), dev_setup=False)
                           for r1cs in (c.batch.to_r1cs(), c.aggregate.to_r1cs())))
    dst = prove_epoch(job, unmarked, tmp_path / "b", work_dir=tmp_path / "work", progress=False)
    digests = {name: hashlib.sha256((dst / "keys" / f"{name}.vk.json").read_bytes()).hexdigest()
               for name in ("batch", "aggregate")}
    report = verify_bundle(str(dst))
    assert report.ok  # nothing inside the bundle can tell
    assert [n.split(" key is pinned only")[0] for n in key_notes(report)] == ["batch", "aggregate"]
    assert digests["batch"] in key_notes(report)[0]
    anchored = verify_bundle(str(dst), trusted_vk_sha256={"batch": honest["batch"]})
    failed = {c.name: c.detail for c in anchored.checks if not c.ok}
    assert not anchored.ok and list(failed) == ["batch key is the ceremony's"]
    assert failed["batch key is the ceremony's"].endswith(f"differs from the trusted {honest['batch']}")
    with pytest.raises(InputError, match="vk-sha256"):
        verify_bundle(str(dst), trusted_vk_sha256={"batch": "12"})
    with pytest.raises(InputError, match="unknown key name"):
        verify_bundle(str(dst), trusted_vk_sha256={"batchh": honest["batch"]})


# --- user-side record parsing (B11; the A13 refusal lives next to it) ---------------------------

@pytest.mark.parametrize("spelling", ["2", "10"])
def test_inclusion_sibling_ascii_decimal_is_read(spelling):
    """Twin of the test below: an ASCII decimal sibling hash and sums are read as written."""
    from zkproof.formats.inclusion_file import parse_nodes as _nodes

    [n] = _nodes([{"hash": spelling, "sums": ["1", spelling]}], "rec", "path", 2, 1, 64)
    assert n.hash == int(spelling) and n.sums == (1, int(spelling))


@pytest.mark.parametrize("spelling", ["\u00b2", "\u0663"])
def test_inclusion_sibling_non_ascii_digits_are_input_errors(spelling):
    """B11/SPEC §6: a record's sibling value spelled with non-ASCII digits ('²' crashed int(),
    Arabic-Indic '٣' was read as 3) is refused with an InputError naming ``path[0]``, like every
    other malformed record field."""
    from zkproof.formats.inclusion_file import parse_nodes as _nodes

    with pytest.raises(InputError) as e:
        _nodes([{"hash": spelling, "sums": ["1", "2"]}], "rec", "path", 2, 1, 64)
    assert e.value.field.startswith("path[0]")


# --- change 4: the header's totals fields are parsed strictly (no proving: parse only) ----------

def _header_obj(proved) -> dict:
    _, out = proved
    return json.loads((out / "header.json").read_text())


@pytest.mark.prove
@pytest.mark.parametrize("edit,field", [
    (lambda h: h.update(totals=["1", "2"]), "totals"),                   # flag 0, totals listed
    (lambda h: h.update(totals_revealed=True, totals=["1", "2"]), "totals_revealed"),  # a JSON bool
    (lambda h: h.update(totals_revealed=1, totals=["1"]), "totals"),      # one total short
    (lambda h: h.update(totals_revealed=1, totals=["-1", "2"]), "totals[0]"),
    (lambda h: h.update(totals_revealed=1, totals=["1", str(1 << 80)]), "totals[1]"),  # >= 2^reserve_bits
    (lambda h: h.update(totals_commitment=str(R)), "totals_commitment"),  # not reduced
    (lambda h: h.update(totals_commitment="0x1"), "totals_commitment"),
])
def test_header_totals_fields_are_strict(proved, edit, field):
    """SPEC §1.4 / A17: the flag is the JSON integer 0 or 1, totals appear exactly when it is 1,
    one per asset, each in [0, 2^reserve_bits); the commitment is a reduced decimal. Each bad
    form is an InputError naming the field. Twin: the header as proved parses, hidden."""
    from zkproof.formats.epoch_header import parse_header

    h = _header_obj(proved)
    assert parse_header(h, "header.json").totals is None
    assert parse_header(h, "header.json").shape.reserve_bits < 80
    edit(h)
    with pytest.raises(InputError) as e:
        parse_header(h, "header.json")
    assert e.value.field == field
