"""Groth16 with one Pedersen commitment (BSB22): the builder verb, setup, prover, verifier and
formats, with tests named after the attacks on the construction (docs/formats.md §14,
docs/soundness.md §7)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from zkproof import kernel
from zkproof.curve.bn254 import G1_GENERATOR, g1_add, g1_mul, g1_neg
from zkproof.errors import InputError, MalformedProof
from zkproof.field.fr import R
from zkproof.formats.r1cs_file import r1cs_bytes, read_r1cs
from zkproof.formats.snarkjs_json import dump_proof, dump_public, dump_vk, parse_proof, parse_vk, write_json
from zkproof.formats.zkey_file import read_zkey, zkey_bytes
from zkproof.groth16 import prove as prove_mod
from zkproof.groth16 import verify as gv
from zkproof.groth16.keys import CommitmentProof, Proof, commitment_challenges
from zkproof.groth16.prove import challenge_fn, prove
from zkproof.groth16.setup import dev_setup
from zkproof.groth16.verify import Sources, pairing_check, verify, verify_files, verify_many
from zkproof.kernel import python_backend
from zkproof.r1cs.system import CommitOpening, ConstraintSystem, standin_challenges
from zkproof.solidity.export import check_exportable, export_calldata
from zkproof.verifier.fold import fold_public_inputs


def _square_commit() -> tuple[ConstraintSystem, list]:
    cs = ConstraintSystem()
    cs.public("x")
    a = cs.private("a")
    b = cs.hint(lambda v: v * v, [a], "sq")
    cs.enforce(a, a, b, "sq")
    return cs, cs.commit([a, b], n_challenges=2)


# -- the builder verb -----------------------------------------------------------------------------

def test_commit_returns_public_challenge_wires_last():
    cs, ch = _square_commit()
    assert [v.key for v in ch] == [-2, -3] and cs.num_public == 3 and cs.num_challenges == 2
    spec = cs.to_r1cs().commitment
    assert spec is not None and spec.n_challenges == 2
    assert spec.challenge_wires(3) == [2, 3]
    assert spec.wires == (4, 5, 6) and spec.hiding_wire == 6  # a, b, then the hiding wire


def test_second_commit_refused_cve_2024_45039():
    """Two commitments let a prover choose the second after seeing the first's challenge."""
    cs, _ = _square_commit()
    a = cs.private("later")
    with pytest.raises(ValueError, match="at most one commitment"):
        cs.commit([a])


def test_public_after_commit_refused():
    """The challenge hashes every public input, so none may be declared after it."""
    cs, _ = _square_commit()
    with pytest.raises(ValueError, match="after commit"):
        cs.public("y")
    with pytest.raises(ValueError, match="after commit"):
        cs.public_from_hint("z", lambda: 1, [])


@pytest.mark.parametrize("bad", ["public", "twice", "empty", "foreign"])
def test_commit_refuses_bad_wire_lists(bad):
    cs = ConstraintSystem()
    x = cs.public("x")
    a = cs.private("a")
    wires = {"public": [x], "twice": [a, a], "empty": [],
             "foreign": [ConstraintSystem().private("a")]}[bad]
    with pytest.raises(ValueError):
        cs.commit(wires)


def test_standin_challenges_are_deterministic_and_hiding_is_zero():
    cs, ch = _square_commit()
    s1, s2 = cs.solve({"x": 3, "a": 5}), cs.solve({"x": 3, "a": 5})
    assert s1.challenge_values() == s2.challenge_values()
    assert s1[cs.commitment.hiding] == 0
    assert s1.challenge_values() == standin_challenges(CommitOpening([5, 25], 0, [3]), 2)
    assert s1.public_values() == [3]  # the challenges are not in public.json: appended by the verifier
    cs.check(s1)


def test_challenge_callback_sees_committed_values_hiding_and_publics():
    cs, ch = _square_commit()
    seen = []

    def fn(opening):
        seen.append((list(opening), opening.hiding, opening.publics))
        return [7, 8]

    s = cs.solve({"x": 3, "a": 5}, challenges=fn)
    (values, hiding, publics), = seen
    assert values == [5, 25] and publics == [3] and 0 < hiding < R
    assert s[cs.commitment.hiding] == hiding and s.challenge_values() == [7, 8]
    assert cs.solve({"x": 3, "a": 5}, challenges=fn)[cs.commitment.hiding] != hiding


def test_overrides_replace_a_challenge_and_the_hiding_wire():
    cs, ch = _square_commit()
    s = cs.solve({"x": 3, "a": 5}, {ch[0]: 11, "commit/hiding": 9})
    assert s[ch[0]] == 11 and s[cs.commitment.hiding] == 9


def test_plain_circuit_unchanged_by_the_verb():
    cs = ConstraintSystem()
    cs.public("x")
    a = cs.private("a")
    cs.enforce(a, a, a, "idem")
    r1 = cs.to_r1cs()
    assert r1.commitment is None and cs.num_challenges == 0
    assert cs.solve({"x": 2, "a": 1}).public_values() == [2]


# -- a toy circuit whose soundness rests on the challenge ---------------------------------------

def _identity_circuit() -> tuple[ConstraintSystem, object]:
    """Claims the committed polynomials ``P = a0 + a1 X`` and ``Q = b0 + b1 X`` are equal by
    checking ``P(c) = Q(c)`` at the challenge c: ``(a1 - b1) * c = b0 - a0``. Sound only if c
    is fixed after a0..b1 (Schwartz-Zippel); a prover who picks c proves any P != Q. Public
    ``x`` (boolean) is there so the challenge hashes a public input."""
    cs = ConstraintSystem()
    x = cs.public("x")
    a0, a1, b0, b1 = (cs.private(n) for n in ("a0", "a1", "b0", "b1"))
    (c,) = cs.commit([a0, a1, b0, b1])
    cs.enforce(a1 - b1, c, b0 - a0, "P(c) = Q(c)")
    cs.enforce(x, x, x, "x is a bit")
    return cs, c


EQUAL = {"x": 1, "a0": 3, "a1": 4, "b0": 3, "b1": 4}
UNEQUAL = {"x": 1, "a0": 3, "a1": 4, "b0": 5, "b1": 6}  # P != Q: a false statement


@pytest.fixture(scope="module")
def setup():
    cs, c = _identity_circuit()
    r1 = cs.to_r1cs()
    pk = dev_setup(r1, quiet=True)
    proofs = []
    for _ in range(2):  # the same witness twice
        a = cs.solve(EQUAL, challenges=challenge_fn(pk))
        cs.check(a)
        proofs.append((a, *prove(pk, a.witness())))
    return cs, c, r1, pk, pk.verifying_key(), proofs


def _cm(proof: Proof) -> CommitmentProof:
    assert proof.commitment is not None
    return proof.commitment


def test_honest_proof_verifies_single_batch_and_files(setup, tmp_path):
    cs, _, _, pk, vk, proofs = setup
    (a, proof, public), (_, proof2, public2) = proofs
    assert public == [1] == a.public_values()
    assert verify(vk, public, proof) and verify(vk, public2, proof2)
    assert verify_many(vk, [(public, proof, Sources()), (public2, proof2, Sources())]) == [True, True]
    vk_json = dump_vk(vk)
    write_json(tmp_path / "vk.json", vk_json)
    write_json(tmp_path / "public.json", dump_public(public))
    write_json(tmp_path / "proof.json", dump_proof(proof))
    assert verify_files(tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json",
                        allow_dev=True)


def test_commitment_point_mutated_rejected(setup):
    _, _, _, _, vk, [(_, proof, public), _] = setup
    cm = _cm(proof)
    bad = dataclasses.replace(proof, commitment=CommitmentProof(g1_add(cm.d, G1_GENERATOR), cm.pok))
    assert not verify(vk, public, bad)


def test_pok_mutated_rejected(setup):
    _, _, _, _, vk, [(_, proof, public), _] = setup
    cm = _cm(proof)
    bad = dataclasses.replace(proof, commitment=CommitmentProof(cm.d, g1_add(cm.pok, G1_GENERATOR)))
    assert not verify(vk, public, bad)
    assert verify_many(vk, [(public, proof, Sources()), (public, bad, Sources())]) == [True, False]


def test_commitment_and_pok_scaled_together_rejected(setup):
    """``(2D, 2 pok)`` passes the proof of knowledge but changes the challenge and vk_x."""
    _, _, _, _, vk, [(_, proof, public), _] = setup
    cm = _cm(proof)
    bad = dataclasses.replace(proof, commitment=CommitmentProof(g1_add(cm.d, cm.d), g1_add(cm.pok, cm.pok)))
    assert not verify(vk, public, bad)


@pytest.mark.parametrize("which", ["d", "pok"])
def test_commitment_at_infinity_rejected(setup, which):
    _, _, _, _, vk, [(_, proof, public), _] = setup
    bad = dataclasses.replace(proof, commitment=dataclasses.replace(_cm(proof), **{which: None}))
    with pytest.raises(MalformedProof, match="infinity"):
        verify(vk, public, bad)
    obj = dump_proof(proof)
    obj["zkproof_commitment"]["D" if which == "d" else "pok"] = ["0", "1", "0"]
    with pytest.raises(MalformedProof, match="infinity"):
        parse_proof(obj, "proof.json")


def test_commitment_swapped_between_proofs_rejected(setup):
    """Two honest proofs of the same witness: each one's (D, pok) belongs to its own A, B, C."""
    _, _, _, _, vk, [(_, p1, public), (_, p2, _)] = setup
    assert verify(vk, public, dataclasses.replace(p1, commitment=p1.commitment))
    assert not verify(vk, public, dataclasses.replace(p1, commitment=p2.commitment))
    assert not verify(vk, public, dataclasses.replace(p2, commitment=p1.commitment))
    only_d = CommitmentProof(_cm(p2).d, _cm(p1).pok)
    assert not verify(vk, public, dataclasses.replace(p1, commitment=only_d))


def test_commitment_missing_or_unexpected_is_malformed(setup):
    _, _, _, _, vk, [(_, proof, public), _] = setup
    with pytest.raises(MalformedProof, match="missing: the key has a commitment"):
        verify(vk, public, dataclasses.replace(proof, commitment=None))
    plain_vk = dataclasses.replace(vk, commitment=None, ic=vk.ic)
    with pytest.raises(MalformedProof, match="the key has no commitment"):
        verify(plain_vk, [*public, 0], proof, check_key=False)


def test_challenges_are_not_public_inputs(setup):
    """public.json holds the given inputs only; the challenge count is checked like any input."""
    _, _, _, _, vk, [(a, proof, public), _] = setup
    assert vk.n_public == 2 and vk.n_inputs == 1
    with pytest.raises(MalformedProof, match="expected 1 public inputs, got 2"):
        verify(vk, [*public, a.challenge_values()[0]], proof)


def test_challenge_not_bound_to_commitment_forges(setup, monkeypatch):
    """The attack the binding stops. For P != Q the prover picks ``c = (b0 - a0) / (a1 - b1)``:
    every constraint holds. Our prover refuses that witness; a prover patched to skip the check
    makes a proof that a verifier taking c from the prover accepts (the forgery), and that the
    real verifier, which recomputes c from D and the inputs, rejects."""
    cs, c, r1, pk, vk, _ = setup
    pick = (UNEQUAL["b0"] - UNEQUAL["a0"]) * pow(UNEQUAL["a1"] - UNEQUAL["b1"], -1, R) % R
    honest = cs.solve(UNEQUAL, challenges=challenge_fn(pk))
    with pytest.raises(Exception, match="P\\(c\\) = Q\\(c\\)"):
        cs.check(honest)  # with the bound challenge the false statement fails
    forged = cs.solve(UNEQUAL, {c: pick}, challenges=challenge_fn(pk))
    cs.check(forged)  # every constraint holds with the picked challenge
    with pytest.raises(InputError, match="commitment challenges"):
        prove(pk, forged.witness())
    monkeypatch.setattr(prove_mod, "commitment_challenges", lambda d, pub, n: [pick])
    proof, public = prove(pk, forged.witness())
    monkeypatch.undo()
    cm = _cm(proof)
    unbound_vk_x = g1_add(g1_add(vk.ic[0], cm.d),
                          g1_add(g1_mul(vk.ic[1], public[0]), g1_mul(vk.ic[2], pick)))
    assert pairing_check(vk, unbound_vk_x, proof)  # accepted if c came from the prover
    assert not verify(vk, public, proof)  # rejected: c = H(D, public) != pick


def test_prover_refuses_standin_and_zero_hiding_witnesses(setup):
    cs, _, _, pk, _, _ = setup
    with pytest.raises(InputError, match="hiding"):
        prove(pk, cs.solve(EQUAL).witness())  # the stand-in: hiding wire 0
    fake = cs.solve(EQUAL, {"commit/hiding": 5})  # hiding set, challenges still the stand-in
    with pytest.raises(InputError, match="commitment challenges"):
        prove(pk, fake.witness())


def test_same_witness_gives_different_commitments_cve_2024_45040(setup):
    """The hiding wire is drawn per proof, so two proofs of one witness do not repeat D (a
    commitment to small values without it could be brute-forced from D)."""
    cs, _, _, pk, _, [(a1, p1, _), (a2, p2, _)] = setup
    assert a1[cs.commitment.hiding] != a2[cs.commitment.hiding]
    assert _cm(p1).d != _cm(p2).d and _cm(p1).pok != _cm(p2).pok
    # twin: with the hiding value fixed, D is a deterministic function of the values
    h = {"commit/hiding": 77}
    w1 = cs.solve(EQUAL, h, challenges=challenge_fn(pk)).witness()
    w2 = cs.solve(EQUAL, h, challenges=challenge_fn(pk)).witness()
    assert _cm(prove(pk, w1)[0]).d == _cm(prove(pk, w2)[0]).d


KERNEL_FUNCS = ["g1_msm", "g2_msm", "g1_batch_mul", "g2_batch_mul", "fr_ntt", "h_evaluations"]


@pytest.mark.skipif(kernel.BACKEND != "native", reason="needs the native kernel")
def test_native_and_python_provers_agree(setup, monkeypatch):
    """Same witness, same r and s: identical proofs (D, pok included) from the C kernel and the
    pure-Python twin, and both verify."""
    cs, _, _, pk, vk, [(a, _, public), _] = setup
    w = a.witness()
    native_proof, _ = prove(pk, w, r=11, s=R - 12)
    with monkeypatch.context() as m:
        for name in KERNEL_FUNCS:
            m.setattr(kernel, name, getattr(python_backend, name))
        python_proof, _ = prove(pk, w, r=11, s=R - 12)
        python_fn_challenges = challenge_fn(pk)(CommitOpening([3, 4, 3, 4], a[cs.commitment.hiding], [1]))
    assert native_proof == python_proof
    assert python_fn_challenges == a.challenge_values()
    assert verify(vk, public, native_proof) and verify(vk, public, python_proof)


def test_batch_pok_weights_matter(setup):
    """Two proofs whose PoK errors cancel (``pok_1 + G``, ``pok_2 - G``) pass a batch with all
    weights 1, and fail the random weights (each PoK has its own weight)."""
    _, _, _, _, vk, [(_, p1, public), (_, p2, _)] = setup
    shift = {1: G1_GENERATOR, 2: g1_neg(G1_GENERATOR)}
    b1, b2 = (dataclasses.replace(p, commitment=CommitmentProof(_cm(p).d, g1_add(_cm(p).pok, shift[k])))
              for k, p in ((1, p1), (2, p2)))
    items = [(public, b1, Sources()), (public, b2, Sources())]
    assert verify_many(vk, items, randomness=lambda: 1) == [True, True]  # why weights are needed
    assert verify_many(vk, items) == [False, False]


def test_challenge_hash_binds_d_inputs_and_index(setup):
    _, _, _, _, _, [(_, proof, public), _] = setup
    d = _cm(proof).d
    c0, c1 = commitment_challenges(d, public, 2)
    assert c0 != c1 and commitment_challenges(d, public, 1) == [c0]
    assert commitment_challenges(d, [0], 1) != [c0]
    assert commitment_challenges(g1_add(d, G1_GENERATOR), public, 1) != [c0]
    assert all(0 <= v < R for v in (c0, c1))


# -- formats ----------------------------------------------------------------------------------------

def test_zkey_round_trip_and_version(setup):
    _, _, _, pk, _, _ = setup
    data = zkey_bytes(pk)
    assert data[4:8] == (3).to_bytes(4, "little")
    back = read_zkey("k.zkey", data)
    assert back.commitment == pk.commitment and zkey_bytes(back) == data


def test_zkey_commitment_section_is_ours_only_in_version_3(setup):
    """Version 2 (snarkjs'): section 20 is an unknown section kept verbatim; version 3 without
    section 20 is refused."""
    _, _, _, pk, _, _ = setup
    data = bytearray(zkey_bytes(pk))
    data[4:8] = (2).to_bytes(4, "little")
    as_v2 = read_zkey("k.zkey", bytes(data))
    assert as_v2.commitment is None and 20 in as_v2.extra["unknown_sections"]
    assert zkey_bytes(as_v2) == bytes(data)
    plain = dataclasses.replace(pk, commitment=None, extra={})
    image = bytearray(zkey_bytes(plain))
    image[4:8] = (3).to_bytes(4, "little")
    with pytest.raises(InputError, match="version 3 is for keys with a commitment"):
        read_zkey("k.zkey", bytes(image))


def test_l_entries_of_committed_wires_are_infinity(setup):
    """K_j / delta must not exist for a committed wire (else C could change its value after the
    challenge); the other private wires keep theirs."""
    _, _, r1, pk, _, _ = setup
    n_pub = pk.n_public
    for j in range(n_pub + 1, pk.n_vars):
        entry = pk.l_query[(j - n_pub - 1) * 64:(j - n_pub) * 64]
        assert (entry == bytes(64)) == (j in pk.commitment.wires)


def test_vk_json_round_trip_hides_ic_from_plain_readers(setup):
    _, _, _, _, vk, _ = setup
    obj = dump_vk(vk)
    assert "IC" not in obj and obj["zkproof_commitment"]["version"] == 1
    assert parse_vk(json.loads(json.dumps(obj)), "vk.json") == vk


@pytest.mark.parametrize("mutate, match", [
    (lambda o: o["zkproof_commitment"].__setitem__("version", 2), "version"),
    (lambda o: o["zkproof_commitment"].__setitem__("nChallenges", 0), "nChallenges"),
    (lambda o: o["zkproof_commitment"].__setitem__("extra", 1), "unknown key"),
    (lambda o: o.__setitem__("IC", o["zkproof_commitment"]["IC"]), "unknown key"),
])
def test_vk_extension_strict(setup, mutate, match):
    _, _, _, _, vk, _ = setup
    obj = dump_vk(vk)
    mutate(obj)
    with pytest.raises(MalformedProof, match=match):
        parse_vk(obj, "vk.json")


def test_proof_json_round_trip_and_strict(setup):
    _, _, _, _, _, [(_, proof, _), _] = setup
    obj = dump_proof(proof)
    assert parse_proof(obj, "p.json") == proof
    obj["zkproof_commitment"]["version"] = 7
    with pytest.raises(MalformedProof, match="version"):
        parse_proof(obj, "p.json")


def test_insecure_sigma_refused(setup):
    from zkproof.curve.bn254 import G2_GENERATOR
    from zkproof.errors import InsecureSetup
    from zkproof.groth16.verify import check_vk

    _, _, _, _, vk, [(_, proof, public), _] = setup
    for sigma in (G2_GENERATOR, vk.delta_g2):
        bad = dataclasses.replace(vk, commitment=dataclasses.replace(vk.commitment, sigma_g2=sigma))
        with pytest.raises(InsecureSetup, match="sigma"):
            check_vk(bad, "vk.json")


def test_solidity_and_fold_refuse_commitment_keys(setup):
    _, _, _, _, vk, [(_, proof, public), _] = setup
    with pytest.raises(InputError, match="commitment"):
        check_exportable(vk, "vk.json")
    with pytest.raises(InputError, match="commitment"):
        export_calldata(proof, public)
    with pytest.raises(MalformedProof, match="commitment"):
        fold_public_inputs(vk, {0: 1})


def test_r1cs_file_carries_the_commitment(setup):
    _, _, r1, _, _, _ = setup
    data = r1cs_bytes(r1)
    assert data[4:8] == (2).to_bytes(4, "little")  # snarkjs / circom refuse version 2
    back = read_r1cs("c.r1cs", data)
    assert back.commitment == r1.commitment and back.fingerprint() == r1.fingerprint()
    plain = dataclasses.replace(r1, commitment=None)
    assert r1cs_bytes(plain)[4:8] == (1).to_bytes(4, "little")


def _cli(capsys, *args) -> tuple[int, str, str]:
    from zkproof.cli.main import main

    with pytest.raises(SystemExit) as e:
        main(list(map(str, args)))
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_cli_verifies_and_solidity_export_refuses_in_one_line(setup, tmp_path, capsys):
    _, _, _, _, vk, [(_, proof, public), _] = setup
    write_json(tmp_path / "vk.json", dump_vk(vk))
    write_json(tmp_path / "public.json", dump_public(public))
    write_json(tmp_path / "proof.json", dump_proof(proof))
    code, out, _ = _cli(capsys, "groth16", "verify", tmp_path / "vk.json", tmp_path / "public.json",
                        tmp_path / "proof.json", "--allow-dev")
    assert code == 0 and "OK" in out
    bad = dump_proof(proof)
    del bad["zkproof_commitment"]
    write_json(tmp_path / "plain.json", bad)
    code, _, err = _cli(capsys, "groth16", "verify", tmp_path / "vk.json", tmp_path / "public.json",
                        tmp_path / "plain.json", "--allow-dev")
    assert code == 2 and err.count("\n") == 1 and "zkproof_commitment" in err
    code, _, err = _cli(capsys, "zkey", "export", "solidityverifier", tmp_path / "vk.json",
                        tmp_path / "v.sol")
    assert code == 2 and err.count("\n") == 1 and "commitment" in err
    assert not (tmp_path / "v.sol").exists()


def test_fixed_inputs_of_a_key_with_a_commitment(setup):
    """A commitment key's inputs can be fixed (their share of ``vk_x`` folded once): the
    challenges still hash every input, so the verdicts equal the unfixed ones."""
    _, _, _, _, vk, proofs = setup
    (_, proof, public), (_, proof2, public2) = proofs
    fx = gv.fix_inputs(vk, {0: public[0]})
    cm = proof.commitment
    assert gv.prepare_inputs(vk, public, cm, fx) == gv.prepare_inputs(vk, public, cm)
    items = [(public, proof, Sources()), (public2, proof2, Sources())]
    assert verify_many(vk, items, fixed=fx) == [True, True]
    forged = dataclasses.replace(proof, c=proof2.a)
    assert verify_many(vk, [(public, forged, Sources())], fixed=fx) == [False]
