"""snarkjs JSON: ``verification_key.json``, ``proof.json``, ``public.json`` (strict reader, exact writer).

Layout (snarkjs ``zkey_export_verificationkey.js``, ``groth16_prove.js``; ffjavascript
``G1.toObject``): every number is a decimal string; points are projective with ``z = "1"``:

* G1: ``[x, y, "1"]``; infinity is ``["0", "1", "0"]``.
* G2: ``[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]``; infinity ``[["0","0"], ["1","0"], ["0","0"]]``.
* vk: ``protocol: "groth16"``, ``curve: "bn128"``, ``nPublic`` (a JSON integer), ``vk_alpha_1``,
  ``vk_beta_2``, ``vk_gamma_2``, ``vk_delta_2``, ``vk_alphabeta_12`` (e(alpha, beta) in
  ffjavascript's F_p12 tower, informative only: no verifier reads it), ``IC``.
  zkproof adds ``DEV_MARKER_KEY: INSECURE_DEV_MARKER`` to single-party test keys (snarkjs
  ignores unknown keys).
* proof: ``pi_a``, ``pi_b``, ``pi_c``, ``protocol``, ``curve``; public: a list of strings.

Commitment extension (``COMMITMENT_KEY``, version ``keys.COMMITMENT_VERSION``; docs/formats.md
§14): a key with a commitment holds ``"zkproof_commitment": {"version": 1,
"nChallenges": c, "vk_sigma_2": G2, "IC": [...]}`` and NO top-level ``IC`` -- its public-input
basis lives inside the extension, so a reader that does not know it (snarkjs) fails on the
missing ``IC`` instead of checking the proof as plain Groth16, which would let a prover pick
the challenges. ``nPublic`` counts the challenges; ``public.json`` does not hold them. A proof
adds ``"zkproof_commitment": {"version": 1, "D": G1, "pok": G1}``.

This is the only module that knows snarkjs' names (``pi_a``, ``vk_alpha_1``, ``IC``): inside
zkproof they are arkworks' (``a``, ``alpha_g1``, ``ic``); ``JSON_NAME`` maps one to the other.

Strictness (ATTACKS B2, B4, B7, B10): numbers are strings matching ``0|[1-9][0-9]*`` with at
most 78 digits and a value below the modulus (R for public inputs, P for coordinates); Python's
``int()`` alone would accept ``" 42"``, ``"+42"``, ``"4_2"`` and non-ASCII digits. ``z`` must be
``"1"``; the snarkjs infinity encoding is read as ``None`` and refused in proofs and keys.
Points must be on the curve (cheap; the G2 subgroup check is the verifier's). Duplicate JSON
keys, ``NaN``/``Infinity`` and unknown keys are refused. Every error is
``MalformedProof(file, field, reason)`` with a field path such as ``pi_b[1][0]`` or ``IC[3]``.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from zkproof.curve.bn254 import G1Affine, G2Affine, P, is_on_curve_g1, is_on_curve_g2
from zkproof.errors import MalformedProof
from zkproof.field.fr import R
from zkproof.formats import strict_json
from zkproof.groth16.keys import (
    COMMITMENT_VERSION,
    INSECURE_DEV_MARKER,
    CommitmentProof,
    CommitmentVk,
    Proof,
    VerifyingKey,
)

MAX_DIGITS = 78  # 2^256 - 1 has 78 decimal digits; nothing longer is ever a field element
MAX_JSON_BYTES = 64 << 20
DEV_MARKER_KEY = "zkproof_setup"
COMMITMENT_KEY = "zkproof_commitment"
PROTOCOL, CURVE = "groth16", "bn128"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")  # [0-9] is ASCII only, unlike \d or int()

# arkworks name -> snarkjs name, for error messages raised outside this module.
JSON_NAME = {"a": "pi_a", "b": "pi_b", "c": "pi_c", "alpha_g1": "vk_alpha_1",
             "beta_g2": "vk_beta_2", "gamma_g2": "vk_gamma_2", "delta_g2": "vk_delta_2",
             "ic": "IC", "public": "public", "commitment": COMMITMENT_KEY}
_VK_KEYS = {"protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2",
            "vk_delta_2", "vk_alphabeta_12", "IC", DEV_MARKER_KEY, COMMITMENT_KEY}
_PROOF_KEYS = {"pi_a", "pi_b", "pi_c", "protocol", "curve", COMMITMENT_KEY}
_VK_COMMITMENT_KEYS = {"version", "nChallenges", "vk_sigma_2", "IC"}
_PROOF_COMMITMENT_KEYS = {"version", "D", "pok"}
_G1_INF = ("0", "1", "0")
_G2_INF = (("0", "0"), ("1", "0"), ("0", "0"))
_BN_Z = 4965661367192848881  # BN254 curve parameter (x in the BN family p(x), r(x))
_GT_LAMBDA = 2 * _BN_Z * (6 * _BN_Z**2 + 3 * _BN_Z + 1) % R


# --- reading ------------------------------------------------------------------------------

def _describe(v: Any) -> str:
    if isinstance(v, str):
        return repr(v if len(v) <= 24 else v[:20] + "...") + (f" ({len(v)} chars)" if len(v) > 24 else "")
    if isinstance(v, bool) or v is None:
        return f"JSON {json.dumps(v)}"
    if isinstance(v, (int, float)):
        return "a bare JSON number" + ("" if isinstance(v, int) and v.bit_length() > 260 else f" {v!r}")
    return f"a JSON {'array' if isinstance(v, list) else 'object'}"


def parse_uint(v: Any, file: str, field: str, modulus: int, what: str) -> int:
    """A canonical decimal string ``< modulus`` -> int; ``what`` names the modulus ("r", "q")."""
    if not isinstance(v, str):
        raise MalformedProof(file, field, f"expected a decimal string, got {_describe(v)}")
    if len(v) > MAX_DIGITS:
        raise MalformedProof(file, field, f"expected at most {MAX_DIGITS} digits, got {len(v)}")
    if not _DECIMAL.fullmatch(v):
        raise MalformedProof(file, field, f"expected a canonical decimal string, got {_describe(v)}")
    n = int(v)
    if n >= modulus:
        raise MalformedProof(file, field, f"not reduced below {what}: got {v}")
    return n


def _expect_list(v: Any, n: int, file: str, field: str) -> list:
    if not isinstance(v, list) or len(v) != n:
        got = f"{len(v)} entries" if isinstance(v, list) else _describe(v)
        raise MalformedProof(file, field, f"expected an array of {n}, got {got}")
    return v


def _is_encoding(v: list, pattern: tuple) -> bool:
    return all(a == b if isinstance(b, str) else isinstance(a, list) and _is_encoding(a, b)
               for a, b in zip(v, pattern, strict=True))


def parse_g1(v: Any, file: str, field: str) -> G1Affine:
    """``[x, y, "1"]`` -> ``(x, y)`` on the curve; ``["0","1","0"]`` -> ``None`` (infinity)."""
    v = _expect_list(v, 3, file, field)
    if v[2] == "0" and _is_encoding(v, _G1_INF):
        return None
    if v[2] != "1":
        raise MalformedProof(file, f"{field}[2]", f'projective z must be "1", got {_describe(v[2])}')
    pt = (parse_uint(v[0], file, f"{field}[0]", P, "q"), parse_uint(v[1], file, f"{field}[1]", P, "q"))
    if not is_on_curve_g1(pt):
        raise MalformedProof(file, field, "point not on curve")
    return pt


def parse_g2(v: Any, file: str, field: str) -> G2Affine:
    """``[[x0,x1],[y0,y1],["1","0"]]`` -> ``((x0,x1),(y0,y1))`` on the twist; infinity -> None."""
    v = _expect_list(v, 3, file, field)
    limbs = [_expect_list(c, 2, file, f"{field}[{i}]") for i, c in enumerate(v)]
    if limbs[2] == ["0", "0"] and _is_encoding(v, _G2_INF):
        return None
    if limbs[2] != ["1", "0"]:
        raise MalformedProof(file, f"{field}[2]", f'projective z must be ["1", "0"], got {limbs[2]!r:.60}')
    x, y = (tuple(parse_uint(limbs[i][j], file, f"{field}[{i}][{j}]", P, "q") for j in (0, 1))
            for i in (0, 1))
    pt = (x, y)
    if not is_on_curve_g2(pt):
        raise MalformedProof(file, field, "point not on curve (twist); G2 limbs are [c0, c1]")
    return pt


def _finite(pt: Any, file: str, field: str) -> Any:
    if pt is None:
        raise MalformedProof(file, field, "point at infinity is never valid in a proof or key")
    return pt


def _check_keys(obj: Any, allowed: set[str], required: set[str], file: str, what: str) -> dict:
    if not isinstance(obj, dict):
        raise MalformedProof(file, "<root>", f"expected a JSON object ({what}), got {_describe(obj)}")
    for k in obj:
        if k not in allowed:  # the key is attacker text: keep the message on one line
            raise MalformedProof(file, k if k.isprintable() and len(k) <= 40 else repr(k[:40]),
                                 f"unknown key in {what}")
    for k in sorted(required - obj.keys()):
        raise MalformedProof(file, k, f"missing key in {what}")
    return obj


def _check_const(obj: dict, key: str, want: str, file: str) -> None:
    if key in obj and obj[key] != want:
        raise MalformedProof(file, key, f"expected {want!r}, got {_describe(obj[key])}")


def parse_proof(obj: Any, file: str) -> Proof:
    """A ``proof.json`` object -> ``Proof``; ``curve`` may be absent (rapidsnark omits it)."""
    obj = _check_keys(obj, _PROOF_KEYS, {"pi_a", "pi_b", "pi_c", "protocol"}, file, "proof")
    _check_const(obj, "protocol", PROTOCOL, file)
    _check_const(obj, "curve", CURVE, file)
    a = _finite(parse_g1(obj["pi_a"], file, "pi_a"), file, "pi_a")
    b = _finite(parse_g2(obj["pi_b"], file, "pi_b"), file, "pi_b")
    c = _finite(parse_g1(obj["pi_c"], file, "pi_c"), file, "pi_c")
    cm = None
    if COMMITMENT_KEY in obj:
        ext = _extension(obj[COMMITMENT_KEY], _PROOF_COMMITMENT_KEYS, file, "proof")
        d, pok = (_finite(parse_g1(ext[k], file, f"{COMMITMENT_KEY}.{k}"), file, f"{COMMITMENT_KEY}.{k}")
                  for k in ("D", "pok"))
        cm = CommitmentProof(d, pok)
    return Proof(a, b, c, cm)


def _extension(ext: Any, keys: set[str], file: str, what: str) -> dict:
    """The ``zkproof_commitment`` object: exactly ``keys``, ``version`` == ours."""
    ext = _check_keys(ext, keys, keys, file, f"{what} {COMMITMENT_KEY}")
    if ext["version"] != COMMITMENT_VERSION or type(ext["version"]) is not int:
        raise MalformedProof(file, f"{COMMITMENT_KEY}.version",
                             f"expected {COMMITMENT_VERSION}, got {_describe(ext['version'])}")
    return ext


def parse_public(obj: Any, file: str) -> list[int]:
    """A ``public.json`` array -> public inputs, each a canonical decimal string ``< r`` (B1)."""
    if not isinstance(obj, list):
        raise MalformedProof(file, "public", f"expected an array of decimal strings, got {_describe(obj)}")
    return [parse_uint(v, file, f"public[{i}]", R, "r") for i, v in enumerate(obj)]


def parse_vk(obj: Any, file: str) -> VerifyingKey:
    """A ``verification_key.json`` object -> ``VerifyingKey`` (``nPublic == len(IC) - 1``)."""
    has_cm = isinstance(obj, dict) and COMMITMENT_KEY in obj
    required = _VK_KEYS - {"vk_alphabeta_12", DEV_MARKER_KEY, COMMITMENT_KEY, *(["IC"] if has_cm else [])}
    obj = _check_keys(obj, _VK_KEYS - ({"IC"} if has_cm else set()), required, file, "verification key")
    _check_const(obj, "protocol", PROTOCOL, file)
    _check_const(obj, "curve", CURVE, file)
    _check_const(obj, DEV_MARKER_KEY, INSECURE_DEV_MARKER, file)
    ext, ic_field, cm = None, "IC", None
    if has_cm:
        ext = _extension(obj[COMMITMENT_KEY], _VK_COMMITMENT_KEYS, file, "verification key")
        ic_field = f"{COMMITMENT_KEY}.IC"
    ic_json = (ext or obj)["IC"]
    if not isinstance(ic_json, list) or not ic_json:
        raise MalformedProof(file, ic_field,
                             f"expected a non-empty array of G1 points, got {_describe(ic_json)}")
    if ext is not None:
        n_ch = ext["nChallenges"]
        if type(n_ch) is not int or not 1 <= n_ch <= len(ic_json) - 1:
            raise MalformedProof(file, f"{COMMITMENT_KEY}.nChallenges",
                                 f"expected an integer in [1, {len(ic_json) - 1}], got {_describe(n_ch)}")
        field = f"{COMMITMENT_KEY}.vk_sigma_2"
        cm = CommitmentVk(_finite(parse_g2(ext["vk_sigma_2"], file, field), file, field), n_ch)
    n_public = obj["nPublic"]
    if type(n_public) is not int or n_public != len(ic_json) - 1:
        raise MalformedProof(file, "nPublic", f"expected the integer len(IC) - 1 = {len(ic_json) - 1}, "
                             f"got {_describe(n_public)}")
    if "vk_alphabeta_12" in obj:
        _parse_fq12(obj["vk_alphabeta_12"], file, "vk_alphabeta_12")
    g2 = {k: _finite(parse_g2(obj[k], file, k), file, k)
          for k in ("vk_beta_2", "vk_gamma_2", "vk_delta_2")}
    return VerifyingKey(
        alpha_g1=_finite(parse_g1(obj["vk_alpha_1"], file, "vk_alpha_1"), file, "vk_alpha_1"),
        beta_g2=g2["vk_beta_2"], gamma_g2=g2["vk_gamma_2"], delta_g2=g2["vk_delta_2"],
        ic=[_finite(parse_g1(p, file, f"{ic_field}[{i}]"), file, f"{ic_field}[{i}]")
            for i, p in enumerate(ic_json)],
        dev_setup=DEV_MARKER_KEY in obj, commitment=cm)


def _parse_fq12(v: Any, file: str, field: str) -> list[int]:
    """Shape 2 x 3 x 2 of numbers < q (read and checked, never trusted: it is informative)."""
    out = []
    for i, six in enumerate(_expect_list(v, 2, file, field)):
        for j, pair in enumerate(_expect_list(six, 3, file, f"{field}[{i}]")):
            for k, c in enumerate(_expect_list(pair, 2, file, f"{field}[{i}][{j}]")):
                out.append(parse_uint(c, file, f"{field}[{i}][{j}][{k}]", P, "q"))
    return out


def load_json(path: str | os.PathLike) -> Any:
    """Read a JSON file strictly: UTF-8, no duplicate keys (B10), no NaN/Infinity, complete,
    nested at most ``strict_json.MAX_JSON_DEPTH`` deep (parsing itself is ``formats.strict_json``).

    Raises ``MalformedProof(path, "<json>", reason)`` for anything that is not one JSON value
    (including truncation and nesting too deep), ``InputError`` if the file cannot be read.
    """
    return strict_json.load(path, MalformedProof, max_bytes=MAX_JSON_BYTES)


# --- writing (exactly snarkjs' layout) --------------------------------------------------------

def _g1(pt: G1Affine) -> list[str]:
    return list(_G1_INF) if pt is None else [str(pt[0]), str(pt[1]), "1"]


def _g2(pt: G2Affine) -> list[list[str]]:
    if pt is None:
        return [list(c) for c in _G2_INF]
    (x0, x1), (y0, y1) = pt
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def alphabeta_12(vk: VerifyingKey) -> list:
    """``e(alpha, beta)`` as snarkjs writes it: ffjavascript's tower F_p2[v]/(v^3 - (9+u)),
    F_p6[w]/(w^2 - v), as ``[[a0, a1, a2], [b0, b1, b2]]`` for ``sum a_i v^i + w sum b_i v^i``.

    py_ecc holds F_p12 as F_p[w]/(w^12 - 18 w^6 + 82) with ``w^6 = 9 + u``, so the F_p2
    coefficient ``c0 + c1 u`` of ``w^k`` (k < 6) is ``(f[k] + 9 f[k+6], f[k+6])``, and
    ``v^i = w^(2i)``, ``w v^i = w^(2i+1)``.

    Both pairings are bilinear and non-degenerate but not equal: wasmcurves' final
    exponentiation uses the Fuentes-Castaneda et al. addition chain, which raises py_ecc's
    value to ``_GT_LAMBDA = 2z(6z^2 + 3z + 1)`` for the BN parameter ``z`` (measured against
    ffjavascript ``curve.pairing`` in ``tests/test_snarkjs_json_interop.py``).
    """
    from py_ecc.optimized_bn128 import pairing

    from zkproof.curve.bn254 import g1_to_py_ecc, g2_to_py_ecc

    gt = pairing(g2_to_py_ecc(vk.beta_g2), g1_to_py_ecc(vk.alpha_g1)) ** _GT_LAMBDA
    f = [int(c) for c in gt.coeffs]
    fq2 = [[str((f[k] + 9 * f[k + 6]) % P), str(f[k + 6])] for k in range(6)]
    return [[fq2[0], fq2[2], fq2[4]], [fq2[1], fq2[3], fq2[5]]]


def dump_vk(vk: VerifyingKey, *, with_alphabeta: bool = True) -> dict:
    """``verification_key.json`` in snarkjs' key order; the dev marker is appended last. With
    a commitment, ``IC`` moves into the ``zkproof_commitment`` object (see the module)."""
    out: dict[str, Any] = {"protocol": PROTOCOL, "curve": CURVE, "nPublic": vk.n_public,
                           "vk_alpha_1": _g1(vk.alpha_g1), "vk_beta_2": _g2(vk.beta_g2),
                           "vk_gamma_2": _g2(vk.gamma_g2), "vk_delta_2": _g2(vk.delta_g2)}
    if with_alphabeta:
        out["vk_alphabeta_12"] = alphabeta_12(vk)
    if vk.commitment is None:
        out["IC"] = [_g1(p) for p in vk.ic]
    else:
        out[COMMITMENT_KEY] = {"version": COMMITMENT_VERSION, "nChallenges": vk.commitment.n_challenges,
                               "vk_sigma_2": _g2(vk.commitment.sigma_g2),
                               "IC": [_g1(p) for p in vk.ic]}
    if vk.dev_setup:
        out[DEV_MARKER_KEY] = INSECURE_DEV_MARKER
    return out


def vk_bytes(vk: VerifyingKey | dict) -> bytes:
    """The one canonical byte form of ``verification_key.json`` (docs/formats.md §vk bytes):
    ``dump_vk``'s key order, 1-space indent, one trailing newline. ``zkey export
    verificationkey`` writes exactly these bytes and a bundle's ``keys/NAME.vk.json`` holds
    them, so ``sha256sum verification_key.json`` is the digest ``verify --vk-sha256`` expects.
    Accepts the key or its ``dump_vk`` dict (dumping costs a pairing for ``vk_alphabeta_12``:
    a caller that already has the dict passes it)."""
    return strict_json.dumps(vk if isinstance(vk, dict) else dump_vk(vk))


def vk_sha256(vk: VerifyingKey | dict) -> str:
    """SHA-256 (hex) of ``vk_bytes``: what an epoch header pins and what a ceremony publishes
    for auditors to anchor a bundle's keys (``zkproof verify --vk-sha256``)."""
    import hashlib

    return hashlib.sha256(vk_bytes(vk)).hexdigest()


def dump_proof(proof: Proof) -> dict:
    out = {"pi_a": _g1(proof.a), "pi_b": _g2(proof.b), "pi_c": _g1(proof.c),
           "protocol": PROTOCOL, "curve": CURVE}
    if proof.commitment is not None:
        out[COMMITMENT_KEY] = {"version": COMMITMENT_VERSION, "D": _g1(proof.commitment.d),
                               "pok": _g1(proof.commitment.pok)}
    return out


def dump_public(values: list[int]) -> list[str]:
    """Public inputs as decimal strings; refuses values outside ``[0, r)`` (never reduces)."""
    for i, v in enumerate(values):
        if type(v) is not int or not 0 <= v < R:
            raise ValueError(f"public[{i}] = {v!r} is not a field element in [0, r)")
    return [str(v) for v in values]


def dumps(obj: Any) -> str:
    """Text as snarkjs writes it (``JSON.stringify(obj, null, 1)``)."""
    return json.dumps(obj, indent=1, allow_nan=False)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Atomic write of ``dumps(obj)`` (SPEC §6: nothing half-written)."""
    from zkproof.formats.binfile import atomic_write

    atomic_write(path, dumps(obj))
