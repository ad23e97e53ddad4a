"""Batch verification (``groth16.verify.verify_many`` / ``batch_pairing_check``).

Many proofs under one key are checked with one multi-pairing weighted by random 128-bit
``r_i``; the verdicts must equal per-proof ``verify`` on every mix of good and bad proofs, and
the weights must matter: two wrong proofs whose errors cancel (``C_1 + D``, ``C_2 - D``) pass an
unweighted product of the equations, and must fail the weighted one.

Real proofs from a dev key (marked ``prove``), and a synthetic key with known secrets whose
proofs are one scalar division away (no prover run): it reaches the edge cases directly
(``vk_x`` at infinity, a ``B`` outside G2, degenerate weights) at a few Miller loops each.
"""

from __future__ import annotations

import pytest

from tests.test_groth16_setup_prove import _circuit, _witness
from tests.test_verify_support import twist_point_outside_g2
from zkproof.curve.bn254 import G1_GENERATOR, G2_GENERATOR, g1_add, g1_mul, g1_neg, g2_mul
from zkproof.errors import MalformedProof
from zkproof.field.fr import R
from zkproof.groth16 import verify as gv
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.groth16.prove import prove
from zkproof.groth16.setup import dev_setup
from zkproof.groth16.verify import Sources, batch_pairing_check, prepare_inputs, verify, verify_many


@pytest.fixture(scope="module")
def proofs():
    """A dev key and three valid proofs with different public inputs."""
    cs = _circuit()
    pk = dev_setup(cs.to_r1cs(), quiet=True)
    out = []
    for a, b in ((3, 4), (5, 6), (R - 1, 2)):
        w, public = _witness(cs, a, b, a * b % R)
        proof, _ = prove(pk, w)
        out.append((public, proof))
    return pk.verifying_key(), out


def _items(rows):
    return [(public, proof, Sources(f"p{i}", f"p{i}", f"p{i}")) for i, (public, proof) in enumerate(rows)]


@pytest.mark.prove
def test_good_proofs_pass_as_a_batch(proofs):
    """... and the progress hook sees every proof checked and every Miller loop (n + 3)."""
    vk, rows = proofs
    calls = []
    assert verify_many(vk, _items(rows), progress=lambda *a: calls.append(a)) == [True] * 3
    assert calls == [("checking points", k, 3) for k in (1, 2, 3)] + [("pairing", k, 6) for k in range(1, 7)]
    assert verify_many(vk, []) == []


@pytest.mark.prove
@pytest.mark.parametrize("bad", [{1}, {0, 2}])
def test_bad_proofs_are_named(proofs, bad):
    """A wrong public input in the given proofs: the batch fails and the fallback names
    exactly those (``verify`` one by one agrees: ``test_wrong_public_input_is_invalid_not_malformed``
    and the cancelling case below)."""
    vk, rows = proofs
    rows = [([(x[0] + 1) % R, x[1]] if i in bad else x, p) for i, (x, p) in enumerate(rows)]
    assert not batch_pairing_check(vk, [(prepare_inputs(vk, x), p) for x, p in rows])
    calls = []
    got = verify_many(vk, _items(rows), progress=lambda *a: calls.append(a))
    assert got == [i not in bad for i in range(3)]
    assert calls[-3:] == [("naming the bad proofs", k, 3) for k in (1, 2, 3)]


@pytest.mark.prove
def test_cancelling_errors_need_the_random_weights(proofs):
    """``C_0 + D`` and ``C_1 - D``: each proof is wrong, and their errors cancel in the plain
    product of the equations (all ``r_i = 1``) but not under random weights."""
    vk, rows = proofs
    d = g1_mul(G1_GENERATOR, 123456789)
    (x0, p0), (x1, p1) = rows[0], rows[1]
    bad = [(x0, Proof(p0.a, p0.b, g1_add(p0.c, d))), (x1, Proof(p1.a, p1.b, g1_add(p1.c, g1_neg(d))))]
    assert not verify(vk, *bad[0], check_key=False) and not verify(vk, *bad[1], check_key=False)
    prepared = [(prepare_inputs(vk, x), p) for x, p in bad]
    assert batch_pairing_check(vk, prepared, randomness=lambda: 1)  # why the weights exist
    assert not batch_pairing_check(vk, prepared)
    assert verify_many(vk, _items(bad)) == [False, False]


@pytest.mark.prove
def test_malformed_item_raises_naming_its_file(proofs):
    vk, rows = proofs
    items = _items(rows)
    x, p, _ = items[2]
    items[2] = ([x[0], R], p, Sources("p2.json", "p2.json", "p2.json"))
    with pytest.raises(MalformedProof, match=r"^p2\.json: public\[1\]: not reduced below r"):
        verify_many(vk, items)


# --- a synthetic key with known secrets -------------------------------------------------------
# e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta) with A = s G1, B = u G2, vk_x = v G1,
# C = c G1 holds iff s u = a b + v g + c d (mod r), so a valid proof of any public input is
# one scalar division away.
ALPHA, BETA, GAMMA, DELTA = 11, 13, 17, 19
# IC = [G1, -G1]: vk_x = (1 - x) G1, so the public input x = 1 gives vk_x = O (the point at
# infinity), a case the batch's accumulators must treat exactly as the per-proof check does.
VK = VerifyingKey(g1_mul(G1_GENERATOR, ALPHA), g2_mul(G2_GENERATOR, BETA),
                  g2_mul(G2_GENERATOR, GAMMA), g2_mul(G2_GENERATOR, DELTA),
                  [G1_GENERATOR, g1_neg(G1_GENERATOR)])


def _proof(x: int, s: int, u: int, c_shift: int = 0) -> Proof:
    """A proof of public input ``x`` under ``VK`` (``c_shift != 0``: wrong by ``c_shift G1``)."""
    v = (1 - x) % R
    c = (s * u - ALPHA * BETA - v * GAMMA) * pow(DELTA, -1, R) % R
    return Proof(g1_mul(G1_GENERATOR, s), g2_mul(G2_GENERATOR, u), g1_mul(G1_GENERATOR, c + c_shift))


@pytest.fixture(scope="module")
def synthetic():
    """Two good proofs (one with vk_x = O) and a wrong one (C off by G1), all for VK, as
    ``(public, proof)`` rows."""
    gv.check_vk(VK, "vk")
    good_inf, good, bad_inf = ([1], _proof(1, 3, 5)), ([5], _proof(5, 7, 9)), ([1], _proof(1, 3, 5, 1))
    assert gv.prepare_inputs(VK, [1]) is None  # vk_x really is the point at infinity
    return good_inf, good, bad_inf


def test_batch_with_infinite_vk_x_and_duplicates_accepts_only_good_proofs(synthetic):
    """vk_x = O and a proof listed twice: the batch accepts the good set (one multi-pairing)."""
    good_inf, good, _ = synthetic
    assert gv.verify_many(VK, _items([good_inf, good, good_inf])) == [True, True, True]


def test_batch_names_the_bad_proof_wherever_it_stands(synthetic):
    """The wrong proof (vk_x = O, C + G1), first, or listed twice: duplicating a wrong proof
    cannot make it cancel itself (each entry has its own independent weight), and the fallback
    reports per proof, in the caller's order, never ok for the bad one. Twin of the test above."""
    good_inf, good, bad_inf = synthetic
    assert gv.verify(VK, [1], bad_inf[1], check_key=False) is False
    assert gv.verify_many(VK, _items([bad_inf, good])) == [False, True]
    assert gv.verify_many(VK, _items([bad_inf, bad_inf])) == [False, False]


def test_b_outside_g2_is_refused_before_any_weighting(synthetic, monkeypatch):
    """ATTACKS B6 in a batch: a B off the subgroup would leave a factor outside the order-r
    G_T and break the 2^-128 argument, so it must be refused as malformed, naming its file,
    before any pairing -- here no pairing may even start."""
    good_inf, good, _ = synthetic
    monkeypatch.setattr(gv, "pairing_product_is_one", lambda pairs: pytest.fail("paired"))
    evil = (good[0], Proof(good[1].a, twist_point_outside_g2(), good[1].c))
    with pytest.raises(MalformedProof, match=r"^p1: pi_b: not in G2 subgroup"):
        gv.verify_many(VK, _items([good_inf, evil]))
    # twin: the same list without the evil B reaches the pairing
    with pytest.raises(pytest.fail.Exception, match="paired"):
        gv.verify_many(VK, _items([good_inf, good]))


def test_weights_are_fresh_distinct_and_128_bit(synthetic, monkeypatch):
    """The weights come from ``secrets`` at check time: each item its own, each call new, in
    [1, 2^128) -- nothing is derived from the proofs, so the prover cannot predict them.
    (The pairing is stubbed: the captured first pair is (-r_i A_i, B_i).)"""
    good_inf, _, _ = synthetic
    draws: list[int] = []
    real = gv.secrets.randbelow

    def spy(n):
        assert n == (1 << 128) - 1
        draws.append(1 + real(n))
        return draws[-1] - 1

    captured = []
    monkeypatch.setattr(gv.secrets, "randbelow", spy)
    monkeypatch.setattr(gv, "pairing_product_is_one", lambda pairs: captured.append(pairs) or True)
    item = (gv.prepare_inputs(VK, [1]), good_inf[1])
    assert gv.batch_pairing_check(VK, [item, item])
    assert gv.batch_pairing_check(VK, [item, item])
    assert len(draws) == 4 and len(set(draws)) == 4 and all(1 <= d < 2**128 for d in draws)
    firsts = [p[0] for pairs in captured for p in pairs[:2]]
    assert firsts == [g1_mul(g1_neg(good_inf[1].a), d) for d in draws]


@pytest.mark.parametrize("weight", [0, R])
def test_degenerate_weights_are_refused(synthetic, weight):
    """A weight of 0 (or r, the same residue) drops its proof's equation from the product, so a
    wrong proof would pass as ``1 = 1``: ``batch_pairing_check`` refuses any weight outside
    [1, r), even one from its ``randomness`` hook."""
    _, _, bad_inf = synthetic
    item = (gv.prepare_inputs(VK, [1]), bad_inf[1])
    with pytest.raises(ValueError):
        gv.batch_pairing_check(VK, [item], randomness=lambda: weight)


def test_empty_batch_is_vacuous():
    """No items: nothing to accept and nothing reported (the bundle verifier requires its
    expected proof files to exist before it gets here)."""
    assert gv.batch_pairing_check(VK, []) is True
    assert gv.verify_many(VK, []) == []


@pytest.mark.prove
def test_fixed_inputs_give_the_same_verdicts(proofs):
    """Inputs shared by every proof, folded once (``fix_inputs``), give the same ``vk_x`` and
    verdicts; a proof whose input differs from the fixed value is refused, never verified
    against the fixed one."""
    vk, rows = proofs
    public, proof = rows[0]
    fx = gv.fix_inputs(vk, {0: public[0]})
    assert prepare_inputs(vk, public, None, fx) == prepare_inputs(vk, public)
    assert verify_many(vk, _items([rows[0], rows[0]]), fixed=fx) == [True, True]
    with pytest.raises(ValueError, match="differ from the fixed"):
        verify_many(vk, _items(rows[:2]), fixed=fx)
    wrong = gv.fix_inputs(vk, {0: (public[0] + 1) % R})
    assert verify_many(vk, _items([(public[:0] + [(public[0] + 1) % R] + public[1:], proof)]),
                       fixed=wrong) == [False]
    with pytest.raises(MalformedProof, match="cannot fold input 9"):
        gv.fix_inputs(vk, {9: 1})
