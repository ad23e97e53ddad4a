"""What ``zkproof verify`` does the same way for every bundle format (the dense epoch,
``bundle_check``; the venue epoch, ``venue_bundle``): anchoring a key file, reading a proof
file, the oracle snapshot's age, the header's published digest and the protocol accounts the
auditor names. Each check is a named line of the caller's report (``checks.Checks``); a
malformed file or option is an ``InputError`` (exit 2).

Both verifiers import this module and never each other (``dispatch.verify_any`` picks one by
the header's ``format``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats.snarkjs_json import parse_proof, parse_public
from zkproof.groth16.keys import Proof
from zkproof.verifier.checks import Checks


class Noted(Protocol):
    """A report that keeps, besides its checks, what the auditor must still do by hand."""

    notes: list[str]

    def add(self, name: str, ok: bool, detail: str = "") -> bool: ...


class Timed(Protocol):
    timestamp: int
    snapshot_time: int


def trusted_digests(given: Mapping[str, str] | None, known: Callable[[str], bool],
                    names: str) -> dict[str, str]:
    """The ceremony's published key digests given by the auditor (``{name: hex}``), validated:
    each name must satisfy ``known`` (``names`` spells the accepted ones in the error) and each
    digest be 64 hex digits; anything else is an ``InputError``."""
    trusted = dict(given or {})
    unknown = sorted(k for k in trusted if not known(k))
    if unknown:
        raise InputError("<options>", "vk-sha256", f"unknown key name(s) {unknown}: use {names}")
    for k, v in trusted.items():
        if not re.fullmatch(r"[0-9a-fA-F]{64}", v):
            raise InputError("<options>", f"vk-sha256 {k}", "expected 64 hex digits")
    return trusted


def anchor_key(b: bundle_fmt.Bundle, name: str, pinned: str, report: Noted,
               trusted: str | None = None) -> bool:
    """``keys/NAME.vk.json``'s SHA-256 equals ``pinned`` (the header's ``verification_keys``
    entry) and, when the auditor gives it, ``trusted`` (the ceremony's published digest).

    The header is written by the prover, so it cannot vouch for the keys by itself: a prover
    could ship a key whose toxic waste it holds, marker removed (ATTACKS B10, C6). The anchor is
    the digest the ceremony published; without it the report notes the digest to compare."""
    rel = f"keys/{name}.vk.json"
    digest = hashlib.sha256(b.path(rel).read_bytes()).hexdigest()
    if not report.add(f"{name} key pinned by header", digest == pinned,
                      "" if digest == pinned else f"{rel} SHA-256 {digest[:16]}... "
                      f"differs from header verification_keys.{name}"):
        return False
    if trusted is not None:
        return report.add(f"{name} key is the ceremony's", digest == trusted.lower(),
                          f"{rel} SHA-256 {digest}" + ("" if digest == trusted.lower() else
                                                      f" differs from the trusted {trusted}"))
    report.notes.append(f"{name} key is pinned only by this bundle's header: compare "
                        f"SHA-256 {digest} with the digest the ceremony published, or pass "
                        f"--vk-sha256 {name}=HEX")
    return True


def read_proof_file(b: bundle_fmt.Bundle, rel: str) -> tuple[Proof, list[int]]:
    """``{"proof": ..., "public": [...]}`` of ``rel``, strictly parsed (``InputError``
    naming the file otherwise). The public inputs are the prover's claim: verifiers compare
    them with their own recomputation and never verify against them."""
    file = str(b.path(rel))
    obj = b.json(rel)
    if not isinstance(obj, dict) or set(obj) != {"proof", "public"}:
        raise InputError(file, "<root>", 'expected {"proof": ..., "public": [...]}')
    return parse_proof(obj["proof"], file), parse_public(obj["public"], file)


def check_snapshot_age(header: Timed, report: Checks, max_age: int) -> None:
    """The epoch's prices are recent: ``timestamp - snapshot_time`` in ``[0, max_age]``
    (``statement.snapshot_age_problem``; ATTACKS A20). ``max_age`` is the verifier's own bound,
    never read from the header the prover wrote."""
    problem = stm.snapshot_age_problem(header.timestamp, header.snapshot_time, max_age)
    report.add("oracle snapshot age", problem is None,
               problem or f"{header.timestamp - header.snapshot_time} s before the epoch (max {max_age} s)")


def check_header_digest(published: int | None, recomputed: int, report: Checks) -> None:
    """``header_digest`` as published equals the one recomputed from the file as read. The
    proofs are checked against the recomputed one, so a stale published value only misleads
    readers: still a failed check."""
    ok = published == recomputed
    report.add("header digest", ok, f"{recomputed}" if ok else
               f"header_digest {published} differs from the SHA-256 of the header ({recomputed})")


def check_protocol_named(roles: Mapping[str, str], expected: Sequence[str], report: Noted) -> None:
    """Each id in ``expected`` (the venue's published list of its own accounts, given by the
    auditor) is named in the header (``roles``: id -> role of the header's protocol accounts):
    a protocol account left out of the epoch cannot be named with a record that reaches a
    proven root. Without ``expected`` the report lists the named ids to compare by hand."""
    for pid in expected:
        report.add(f"protocol account {pid} named", pid in roles,
                   "" if pid in roles else "missing from the header's protocol_accounts")
    if not expected:
        report.notes.append("protocol accounts named by the header: " +
                            (", ".join(f"{i} ({r})" for i, r in roles.items()) or "none") +
                            ": compare with the venue's published list, or pass --protocol-account ID")
