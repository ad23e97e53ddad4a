"""The hand-checkable Groth16 case (as bellman's ``groth16/src/tests``): fixed toxic waste and
blinding on ``x^3 + x + 5 = out``; every key and proof element is pinned in
``vectors/groth16_toy/cases/cubic.json`` by an independent generator
(``scripts/vectors/gen_groth16_toy.py``: naive Lagrange, long division, ``py_ecc.bn128``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zkproof.errors import ConstraintUnsatisfied
from zkproof.formats.zkey_file import read_zkey, write_zkey
from zkproof.groth16.keys import Proof
from zkproof.groth16.prove import prove
from zkproof.groth16.setup import ToxicWaste, dev_setup
from zkproof.groth16.verify import verify
from zkproof.r1cs.constraints import R1CS

CASE = Path(__file__).resolve().parents[1] / "vectors" / "groth16_toy" / "cases" / "cubic.json"


def _g1(v):
    return None if v is None else (int(v[0]), int(v[1]))


def _g2(v):
    return None if v is None else ((int(v[0][0]), int(v[0][1])), (int(v[1][0]), int(v[1][1])))


def _lem_g1(buf: bytes):
    from zkproof.curve.bn254 import g1_from_lem

    return [g1_from_lem(buf[i:i + 64]) for i in range(0, len(buf), 64)]


def _lem_g2(buf: bytes):
    from zkproof.curve.bn254 import g2_from_lem

    return [g2_from_lem(buf[i:i + 128]) for i in range(0, len(buf), 128)]


@pytest.fixture(scope="module")
def case() -> dict:
    return json.loads(CASE.read_text())


@pytest.fixture(scope="module")
def r1cs(case) -> R1CS:
    rows = [tuple({int(w): int(c) for w, c in row.items()} for row in con)
            for con in case["r1cs"]["constraints"]]
    return R1CS(n_wires=case["r1cs"]["n_wires"], n_pub_out=case["r1cs"]["n_public"], n_pub_in=0,
                n_prv_in=1, constraints=rows)


@pytest.fixture(scope="module")
def toxic(case) -> ToxicWaste:
    return ToxicWaste(**{k: int(v) for k, v in case["toxic_waste"].items()})


@pytest.fixture(scope="module")
def pk(r1cs, toxic):
    return dev_setup(r1cs, toxic, quiet=True)


def test_key_reproduces_every_pinned_element(case, pk):
    want = case["proving_key"]
    assert pk.domain_size == case["domain_size"] == 8
    for name in ("alpha_g1", "beta_g1", "delta_g1"):
        assert getattr(pk, name) == _g1(want[name]), name
    for name in ("beta_g2", "gamma_g2", "delta_g2"):
        assert getattr(pk, name) == _g2(want[name]), name
    assert pk.ic == [_g1(p) for p in want["ic"]]
    for name in ("a_query", "b_g1_query", "l_query", "h_query"):
        assert _lem_g1(getattr(pk, name)) == [_g1(p) for p in want[name]], name
    assert _lem_g2(pk.b_g2_query) == [_g2(p) for p in want["b_g2_query"]]


def test_coefficient_section_matches_pinned_list(case, pk):
    from zkproof.formats.zkey_file import coeff_value

    n = int.from_bytes(pk.coeffs[:4], "little")
    got = []
    for i in range(n):
        e = pk.coeffs[4 + 44 * i:4 + 44 * (i + 1)]
        got.append([int.from_bytes(e[j:j + 4], "little") for j in (0, 4, 8)]
                   + [str(coeff_value(int.from_bytes(e[12:], "little")))])
    assert got == case["coefficients"]


def test_proof_reproduces_pinned_elements_and_verifies(case, pk):
    witness = [int(x) for x in case["witness"]]
    proof, public = prove(pk, witness, r=int(case["r"]), s=int(case["s"]), check=True)
    assert public == [int(x) for x in case["public"]] == [35]
    want = case["proof"]
    assert proof == Proof(_g1(want["a"]), _g2(want["b"]), _g1(want["c"]))
    assert verify(pk.verifying_key(), public, proof)


def test_wrong_public_value_does_not_verify(case, pk):
    witness = [int(x) for x in case["witness"]]
    proof, _ = prove(pk, witness, r=int(case["r"]), s=int(case["s"]))
    assert not verify(pk.verifying_key(), [36], proof)


def test_unsatisfying_witness_is_named(case, pk, r1cs):
    bad = [int(x) for x in case["witness"]]
    bad[3] = 10  # x2 != x * x: constraint 0
    with pytest.raises(ConstraintUnsatisfied, match="constraint 0 "):
        prove(pk, bad, r=1, s=1, check=True, r1cs=r1cs)
    with pytest.raises(ConstraintUnsatisfied, match="self-verification"):
        prove(pk, bad, r=1, s=1, check=True)


def test_other_toxic_waste_gives_other_key(case, r1cs):
    t = ToxicWaste(**{k: int(v) + (k == "delta") for k, v in case["toxic_waste"].items()})
    other = dev_setup(r1cs, t, quiet=True)
    assert other.delta_g1 != _g1(case["proving_key"]["delta_g1"])
    assert _lem_g1(other.h_query) != [_g1(p) for p in case["proving_key"]["h_query"]]


def test_dev_key_survives_write_read_and_warns(pk, tmp_path):
    path = tmp_path / "toy.zkey"
    write_zkey(path, pk)
    back = read_zkey(path)
    assert back.dev_setup
    for name in ("alpha_g1", "beta_g2", "ic", "coeffs", "a_query", "b_g2_query", "l_query", "h_query"):
        assert getattr(back, name) == getattr(pk, name), name
    assert back.extra["contributions"] == pk.extra["contributions"]
    pk.dev_setup = False
    try:
        write_zkey(path, pk)
    finally:
        pk.dev_setup = True
    assert not read_zkey(path).dev_setup


def test_dev_setup_is_loud_and_leaves_no_toxic_waste(r1cs, tmp_path, capsys):
    """ATTACKS C6: a marker, a warning, and none of tau..delta (plain or Montgomery) on disk."""
    from zkproof.field.fr import R
    from zkproof.formats.zkey_file import MONT_R_FR

    toxic = ToxicWaste.random()
    write_zkey(tmp_path / "k.zkey", dev_setup(r1cs, toxic))
    assert "INSECURE-DEV-SETUP" in capsys.readouterr().err
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"INSECURE-DEV-SETUP" in data
    for v in (toxic.tau, toxic.alpha, toxic.beta, toxic.gamma, toxic.delta):
        for enc in (v, v * MONT_R_FR % R):
            assert enc.to_bytes(32, "little") not in data and enc.to_bytes(32, "big") not in data
    assert str(toxic.tau) not in repr(toxic)


def test_generator_reproduces_the_committed_case(tmp_path):
    """The pinned values are the generator's output, byte for byte (provenance check)."""
    import subprocess
    import sys

    script = CASE.parents[3] / "scripts" / "vectors" / "gen_groth16_toy.py"
    subprocess.run([sys.executable, str(script), str(tmp_path / "cubic.json")], check=True,
                   capture_output=True, timeout=300)
    assert (tmp_path / "cubic.json").read_bytes() == CASE.read_bytes()
