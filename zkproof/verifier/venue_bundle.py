"""``zkproof verify BUNDLE`` for a venue epoch (``formats.venue_header.FORMAT``): every check an
auditor needs, each reported by name (docs/venue-design.md, VENUE bundle layout in
``formats.bundle``).

Order: manifest and digests -> header (strict parse, ``parse_venue_header``) -> the oracle
snapshot's age at the epoch timestamp -> the header's published digest and risk table SHA-256
(recomputed from the header) -> protocol accounts (each record climbs to the root of its
batch; the ids the auditor names must be there) -> verification keys (each tier's and the
aggregate's file pinned by the header's SHA-256 and, when given, the ceremony's) -> the batch
and aggregate proof files -> ``venue_check.verify_venue_epoch`` on the header's public data
(table, open interest, reserves, totals, ``gamma``, ``header_digest``) with the proofs, which
checks the keys (secure setup, dev marker, number of inputs), recomputes every public input and
pairs the proofs -> the inclusion files (count and size) -> the holders' page data, when the
bundle has a page (``bundle_common.check_page``). The bundle is valid only if every
check passes; a malformed file stops the run with the file and field named (``InputError``).

What binds the header to the proofs: the aggregate's public ``header_digest`` is recomputed
here from header.json as read, so every field (instrument descriptors, asset symbols and
decimals, scenario labels, tiers, protocol accounts, key digests) is bound; the shape through
each tier's and the epoch's ``shape_digest`` (constants of the circuits); the table, the open
interest and the totals commitment through ``gamma`` and the aggregate's inputs; each batch's
root and sums commitment through the aggregate's ``batch_{b}/root`` and ``batch_{b}/commitment``,
which are taken from the header's batch entries (never from a proof file). The
``circuit_fingerprints`` are bound like any field but not recomputed (that needs the circuits,
outside the verifier's import closure): the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zkproof import statement as stm
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats.snarkjs_json import parse_vk
from zkproof.formats.venue_header import (
    AGGREGATE_KEY,
    VenueHeader,
    parse_venue_header,
    record_bytes,
    tier_key,
)
from zkproof.groth16.keys import VerifyingKey
from zkproof.venue import VenueBatchProof, VenueEpochProofs, VenueEpochVks
from zkproof.verifier import bundle_common
from zkproof.verifier.bundle_common import (
    anchor_key,
    check_header_digest,
    check_page,
    check_protocol_named,
    check_snapshot_age,
    read_proof_file,
)
from zkproof.verifier.checks import Checks
from zkproof.verifier.venue_check import verify_venue_aggregate, verify_venue_epoch

KEY_NAMES = re.compile(r"batch_p[0-9]+|aggregate")
SEAL_TAG_BYTES = 16  # AES-GCM tag appended to each sealed record (formats.inclusion_file)
FINGERPRINTS_NOTE = ("header circuit_fingerprints are bound by the header digest but not "
                     "recomputed here: compare them with `zkproof setup` output; the keys are "
                     "anchored by their SHA-256 and the shape digests")


@dataclass
class VenueReport(Checks):
    """Named checks of one venue bundle, the parsed header (None if the run stopped before it)
    and what the auditor must still do by hand."""

    bundle: str
    header: VenueHeader | None = None
    notes: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, str] | str | None:
        """``{symbol: L_a}`` (net liabilities, signed) when the header reveals the totals,
        ``"hidden"`` otherwise."""
        h = self.header
        if h is None:
            return None
        if h.totals is None:
            return "hidden"
        return {a.symbol: str(t) for a, t in zip(h.assets, h.totals, strict=True)}

    def loans(self) -> dict[str, str] | str | None:
        """``{symbol: G_a}``, the gross loans, revealed with the totals; ``"hidden"`` otherwise
        (gross holdings are ``L_a + G_a``)."""
        h = self.header
        if h is None:
            return None
        if h.loans is None:
            return "hidden"
        return {a.symbol: str(g) for a, g in zip(h.assets, h.loans, strict=True)}

    def open_interest(self) -> dict[str, str] | None:
        """``{instrument descriptor: OI_i}``: the proven open interest (longs) per listed
        instrument, to compare with the venue's market data."""
        h = self.header
        return None if h is None else {i: str(x) for i, x in zip(h.instruments, h.open_interest,
                                                                  strict=True)}

    def to_json(self) -> dict:
        h = self.header
        return {"bundle": self.bundle, "format": "venue", "valid": self.ok,
                "epoch": h.epoch if h else None,
                "header_digest": str(h.header_digest) if h else None,
                "batches": ([{"tier": e.tier, "root": str(e.root)} for e in h.batches] if h else None),
                "totals": self.totals(), "loans": self.loans(),
                "totals_commitment": str(h.totals_commitment) if h else None,
                "open_interest": self.open_interest(),
                "protocol_accounts": ([{"id": a.id, "role": a.role} for a in h.protocol_accounts]
                                      if h else None),
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
                "notes": list(self.notes)}


def trusted_digests(given: Mapping[str, str] | None) -> dict[str, str]:
    """The ceremony's published digests of a venue's keys (``{"batch_p16": hex,
    "aggregate": hex}``, any of them), validated (``bundle_common.trusted_digests``)."""
    return bundle_common.trusted_digests(given, KEY_NAMES.fullmatch, "batch_pP=HEX or aggregate=HEX")


def check_header_bindings(header: VenueHeader, report: VenueReport) -> None:
    """The header's own digests: ``header_digest`` as published equals the recomputed one, and
    ``risk_table_sha256`` equals the SHA-256 of the table's canonical bytes rebuilt from the
    header (``VenueHeader.risk_table_sha256_recomputed``, docs/formats.md §8.2 with ``m = ms``)."""
    check_header_digest(header.published_digest, header.header_digest, report)
    recomputed = header.risk_table_sha256_recomputed()
    ok = recomputed == header.risk_table_sha256
    report.add("risk table SHA-256", ok, "" if ok else f"risk_table.sha256 differs from the SHA-256 "
               f"of the table and its metadata as published ({recomputed[:16]}...)")
    report.notes.append(FINGERPRINTS_NOTE)


def check_protocol_accounts(header: VenueHeader, expected: Sequence[str], report: VenueReport) -> None:
    """Each protocol account in the header: its record (tier, positions, balances, path) climbs
    from its leaf to the root of its batch as the header lists it (``VenueRecord.root``, the
    code every holder's check uses); the record's tier must be its batch's. Each id in
    ``expected`` must be named (``bundle_common.check_protocol_named``)."""
    for acc in header.protocol_accounts:
        rec = acc.record
        name = f"protocol account {acc.id} included"
        entry = header.batches[rec.batch]  # the parser checked the range
        if entry.tier != rec.tier:
            report.add(name, False, f"{acc.role}: batch {rec.batch} is tier P={entry.tier}, the "
                       f"record says P={rec.tier}")
            continue
        ok = rec.root(stm.id_hash(acc.id, acc.nonce), header.batch_shape(rec.batch)) == entry.root
        report.add(name, ok, f"{acc.role}: " + (f"leaf reaches the root of batch {rec.batch}" if ok
                                                else f"path does not reach the root of batch {rec.batch}"))
    check_protocol_named({a.id: a.role for a in header.protocol_accounts}, expected, report)


def key_names(header: VenueHeader) -> list[str]:
    """Every key the epoch uses, tiers narrow first, then the aggregate."""
    return [tier_key(p) for p in header.tiers] + [AGGREGATE_KEY]


def load_key(b: bundle_fmt.Bundle, header: VenueHeader, name: str, report: VenueReport,
             trusted: str | None) -> VerifyingKey | None:
    """``keys/NAME.vk.json`` anchored (``bundle_common.anchor_key``) and parsed; its soundness
    (secure setup, dev marker, number of inputs) is ``venue_check``'s. A header whose
    ``verification_keys`` does not pin this key is a failed check."""
    pinned = header.vk_sha256.get(name)
    rel = f"keys/{name}.vk.json"
    if pinned is None or rel not in b.digests:
        report.add(f"{name} key pinned by header", False, f"header verification_keys has no {name}"
                   if pinned is None else f"{rel} is missing from the bundle")
        return None
    if not anchor_key(b, name, pinned, report, trusted):
        return None
    return parse_vk(b.json(rel), str(b.path(rel)))


def _dev_header(header: VenueHeader, allow_dev: bool, report: VenueReport) -> None:
    """A header that says its keys are dev keys is refused without ``allow_dev``, whatever the
    key files say (each key's own marker is ``venue_check``'s check, which runs too)."""
    if header.dev_setup:
        report.add("keys from a real ceremony (header)", allow_dev, "the header says dev_setup" +
                   (" (accepted: --allow-dev)" if allow_dev else ": refused without --allow-dev"))


def check_aggregate(b: bundle_fmt.Bundle, header: VenueHeader, allow_dev: bool, report: VenueReport,
                    trusted: str | None = None) -> None:
    """The aggregate key (anchored as every key: ``load_key``) and ``proofs/aggregate.json``
    against the public inputs recomputed from the header (``venue_check.verify_venue_aggregate``:
    every batch root and commitment of the header, ``gamma``, open interest, reserves, totals
    commitment, ``header_digest``): a holder's check, without the batch proofs."""
    _dev_header(header, allow_dev, report)
    vk = load_key(b, header, AGGREGATE_KEY, report, trusted)
    if vk is None:
        return
    proof, public = read_proof_file(b, "proofs/aggregate.json")
    report.checks += verify_venue_aggregate(
        vk, header.public(), [(e.root, e.commitment) for e in header.batches], proof, tuple(public),
        allow_dev=allow_dev).checks


def _keys(b: bundle_fmt.Bundle, header: VenueHeader, allow_dev: bool, report: VenueReport,
          trusted: Mapping[str, str]) -> VenueEpochVks | None:
    """The epoch's keys by tier shape (``venue_check``'s input), or None after a failed check."""
    names = key_names(header)
    unused = sorted(set(trusted) - set(names))
    if trusted and not report.add("ceremony keys are this epoch's", not unused,
                                  ", ".join(sorted(trusted)) if not unused else
                                  f"--vk-sha256 names {unused}, not keys of this epoch's tiers "
                                  f"{list(header.tiers)} ({', '.join(names)})"):
        return None
    _dev_header(header, allow_dev, report)
    vks = {n: load_key(b, header, n, report, trusted.get(n)) for n in names}
    if any(vk is None for vk in vks.values()):
        return None
    return VenueEpochVks({header.tier_shape(p): vks[tier_key(p)] for p in header.tiers}, vks[AGGREGATE_KEY])


def _proofs(b: bundle_fmt.Bundle, header: VenueHeader, report: VenueReport) -> VenueEpochProofs | None:
    """``proofs/batch_NNNN.json`` with the header's batch entries (tier, root, commitment) and
    ``proofs/aggregate.json``, as ``venue_check`` takes them."""
    n = header.shape.n_batches
    want = [f"proofs/batch_{i:04d}.json" for i in range(n)]
    got = b.names("proofs/batch_")
    if not report.add("batch proofs present", got == want, f"{len(got)} files, expected {n}"):
        return None
    batches = []
    for i, (rel, entry) in enumerate(zip(want, header.batches, strict=True)):
        proof, public = read_proof_file(b, rel)
        batches.append(VenueBatchProof(header.batch_shape(i), entry.root, entry.commitment, proof,
                                       tuple(public)))
    proof, public = read_proof_file(b, "proofs/aggregate.json")
    return VenueEpochProofs(header.public(), tuple(batches), proof, tuple(public))


def check_inclusion_files(b: bundle_fmt.Bundle, header: VenueHeader, report: VenueReport) -> None:
    """One sealed file per slot of every batch, all of the widest tier's record size (so a
    file tells neither the tier nor whether the slot is padding)."""
    sealed = b.names("inclusion/")
    shape = header.shape
    size = record_bytes(header.tier_shape(header.tiers[-1])) + SEAL_TAG_BYTES
    slots = shape.batch.capacity * shape.n_batches
    ok = len(sealed) == slots and all(b.path(r).stat().st_size == size for r in sealed)
    report.add("inclusion files", ok, f"{len(sealed)} sealed files (expected {slots}), each "
               f"{size} bytes")


def verify_venue_bundle(path: str, *, allow_dev: bool = False,
                        vk_sha256: Mapping[str, str] | None = None,
                        protocol_accounts: Sequence[str] = (),
                        max_snapshot_age: int | None = None) -> VenueReport:
    """All checks of one venue bundle (module docstring). Raises ``InputError`` for a malformed
    file or option (exit 2).

    ``allow_dev``: accept single-party dev keys. ``vk_sha256`` (``{"batch_p16": hex,
    "aggregate": hex}``, any of them): the digests of ``keys/*.vk.json`` the ceremony
    published; each given one becomes a check, the others are listed in ``notes``.
    ``protocol_accounts``: ids of the venue's own accounts (its published list); each must be
    named in the header with a record that reaches its batch's root. ``max_snapshot_age``: the
    largest accepted ``timestamp - snapshot_time`` in seconds (default
    ``statement.MAX_SNAPSHOT_AGE_SECONDS``).
    """
    trusted = trusted_digests(vk_sha256)
    max_age = stm.MAX_SNAPSHOT_AGE_SECONDS if max_snapshot_age is None else max_snapshot_age
    report = VenueReport(str(path))
    b = bundle_fmt.read_bundle(path)
    report.add("manifest digests", True, f"{len(b.digests)} files")
    header = parse_venue_header(b.json("header.json"), str(b.path("header.json")))
    report.header = header
    report.add("header bounds and hashes", True, f"epoch {header.epoch}, {header.shape.n_batches} batches x "
               f"{header.shape.batch.capacity}, tiers P={list(header.tiers)}")
    check_snapshot_age(header, report, max_age)
    check_header_bindings(header, report)
    check_protocol_accounts(header, list(protocol_accounts), report)
    vks = _keys(b, header, allow_dev, report, trusted)
    if vks is None:
        return report
    proofs = _proofs(b, header, report)
    if proofs is None:
        return report
    report.checks += verify_venue_epoch(vks, proofs.public, proofs, allow_dev=allow_dev).checks
    check_inclusion_files(b, header, report)
    check_page(b, report)
    return report

