"""Batch verification (``groth16.verify.verify_many`` / ``batch_pairing_check``).

Many proofs under one key are checked with one multi-pairing weighted by random 128-bit
``r_i``; the verdicts must equal per-proof ``verify`` on every mix of good and bad proofs, and
the weights must matter: two wrong proofs whose errors cancel (``C_1 + D``, ``C_2 - D``) pass an
unweighted product of the equations, and must fail the weighted one.
"""

from __future__ import annotations

import pytest

from tests.test_groth16_setup_prove import _circuit, _witness
from zkproof.curve.bn254 import G1_GENERATOR, g1_add, g1_mul, g1_neg
from zkproof.errors import MalformedProof
from zkproof.field.fr import R
from zkproof.groth16.keys import Proof
from zkproof.groth16.prove import prove
from zkproof.groth16.setup import dev_setup
from zkproof.groth16.verify import Sources, batch_pairing_check, prepare_inputs, verify, verify_many

pytestmark = pytest.mark.prove


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


def test_good_proofs_pass_as_a_batch(proofs):
    """... and the progress hook sees every proof checked and every Miller loop (n + 3)."""
    vk, rows = proofs
    calls = []
    assert verify_many(vk, _items(rows), progress=lambda *a: calls.append(a)) == [True] * 3
    assert calls == [("checking points", k, 3) for k in (1, 2, 3)] + [("pairing", k, 6) for k in range(1, 7)]
    assert verify_many(vk, []) == []


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


def test_malformed_item_raises_naming_its_file(proofs):
    vk, rows = proofs
    items = _items(rows)
    x, p, _ = items[2]
    items[2] = ([x[0], R], p, Sources("p2.json", "p2.json", "p2.json"))
    with pytest.raises(MalformedProof, match=r"^p2\.json: public\[1\]: not reduced below r"):
        verify_many(vk, items)
