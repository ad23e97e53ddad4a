"""Helpers shared by the verifier tests (no tests here): the committed snarkjs vector, case
writers, a twist point outside G2, and the verdict -> CLI exit code classification."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from zkproof.curve.bn254 import P, is_on_curve_g2
from zkproof.errors import InputError, InsecureSetup
from zkproof.formats import snarkjs_json as sj

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "snarkjs"
VK, PUBLIC, PROOF = "verification_key.json", "public.json", "proof.json"
# zkproof.cli.main: 0 valid, 1 invalid, 2 malformed, 3 insecure setup
EXIT = {"valid": 0, "invalid": 1, "malformed": 2, "insecure": 3}


@cache
def _raw(name: str) -> str:
    return (VECTORS / name).read_text()


def vector_json(name: str):
    """A fresh copy of one committed vector file as JSON (safe to mutate)."""
    return json.loads(_raw(name))


@cache
def _parsed():
    return (sj.parse_vk(vector_json(VK), VK), sj.parse_public(vector_json(PUBLIC), PUBLIC),
            sj.parse_proof(vector_json(PROOF), PROOF))


def vector_objects():
    """``(vk, public, proof)`` of the committed snarkjs vector, deep-copied."""
    return copy.deepcopy(_parsed())


def write_case(dirpath: Path, *, vk=None, public=None, proof=None,
               raw: dict[str, str] | None = None) -> tuple[Path, Path, Path]:
    """Write a (vk, public, proof) triple; ``None`` means the committed vector's file;
    ``raw`` gives literal file text by file name (for non-JSON or duplicate-key cases)."""
    dirpath.mkdir(parents=True, exist_ok=True)
    out = []
    for name, obj in ((VK, vk), (PUBLIC, public), (PROOF, proof)):
        p = dirpath / name
        if raw and name in raw:
            p.write_text(raw[name])
        else:
            p.write_text(_raw(name) if obj is None else json.dumps(obj, indent=1))
        out.append(p)
    return tuple(out)


def classify(fn, *args, **kwargs) -> tuple[str, Exception | None]:
    """Run a verifier call; return ``("valid"|"invalid"|"malformed"|"insecure", error)``."""
    try:
        return ("valid" if fn(*args, **kwargs) is True else "invalid"), None
    except InsecureSetup as e:
        return "insecure", e
    except InputError as e:
        return "malformed", e


# --- a point on the twist E'(F_p2) that is not in the order-r subgroup G2 (ATTACKS B6) --------

def _f2mul(a, b):
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def _f2pow(a, e):
    out = (1, 0)
    while e:
        if e & 1:
            out = _f2mul(out, a)
        a, e = _f2mul(a, a), e >> 1
    return out


def _f2sqrt(a):
    """Square root in F_p2 for p = 3 mod 4 (Adj, Rodriguez-Henriquez 2012, Algorithm 9)."""
    a1 = _f2pow(a, (P - 3) // 4)
    alpha = _f2mul(_f2mul(a1, a1), a)
    x0 = _f2mul(a1, a)
    if alpha == (P - 1, 0):
        return _f2mul((0, 1), x0)
    return _f2mul(_f2pow(((1 + alpha[0]) % P, alpha[1]), (P - 1) // 2), x0)


@cache
def twist_point_outside_g2():
    """The first ``x = (k, 1)`` whose ``x^3 + b'`` is a square gives a point on the twist; the
    twist has order ``r * (2p - r)``, so such a point is outside G2 unless we are very unlucky
    (the tests assert it)."""
    b2 = (19485874751759354771024239261021720505790618469301721065564631296452457478373,
          266929791119991161246907387137283842545076965332900288569378510910307636690)
    for k in range(1, 100):
        x = (k, 1)
        rhs = _f2mul(_f2mul(x, x), x)
        rhs = ((rhs[0] + b2[0]) % P, (rhs[1] + b2[1]) % P)
        y = _f2sqrt(rhs)
        if _f2mul(y, y) == rhs:
            pt = (x, y)
            assert is_on_curve_g2(pt)
            return pt
    raise AssertionError("no twist point found")
