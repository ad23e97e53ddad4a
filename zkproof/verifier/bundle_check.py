"""``zkproof verify BUNDLE``: every check an auditor needs, each reported by name.

Order: manifest and digests -> header (bounds, recomputed hashes) -> header digest and risk
table SHA-256 (recomputed from the header) -> protocol accounts (each record climbs to the
proven root; the ids the auditor names must be there) -> the oracle snapshot's age at the
epoch timestamp -> revealed totals (they open the
header's totals commitment, and are <= reserves) -> verification keys (pinned SHA-256, secure
setup, dev marker) -> every batch proof (public inputs recomputed from the header) -> the
aggregate proof -> the inclusion files (count and size). The bundle is valid only if every
check passes; a malformed file stops the run with the file and field named.

What binds the header to the proofs: every field through ``header_digest`` (a public input of
the aggregate proof, recomputed here from header.json as read); the shape through
``shape_digest`` (a constant of both circuits, supplied here from the header's shape, so a
relabelled shape fails both statements); the open interest through ``open_interest_hash``. The
``circuit_fingerprints`` are bound like any field but not recomputed (that needs the circuits,
outside the verifier's import closure): the report says so; the keys themselves are anchored by
their SHA-256 (``--vk-sha256``) and by ``shape_digest``.

Batch proofs: their public inputs are ``epoch, batch_commitment, shape_digest`` and the whole risk table
(``statement.batch_public_names``). The verifier builds all of them from the header (the
table entries range-checked by ``parse_header``), compares them with the proof's
``public.json`` (a difference is the failed check ``<file> statement`` naming the input, e.g.
``table/c[0][1]``) and never takes a value from that file. The table part of ``vk_x`` is the
same for every batch, so it is folded into the batch key once per bundle
(``zkproof.verifier.fold``) and each pairing sees only ``epoch, batch_commitment, shape_digest``. All batch
proofs are then paired at once (``groth16.verify.verify_many``: n + 3 Miller loops and one final
exponentiation for n proofs, random 128-bit weights); only if that fails is each proof paired
on its own, to name the bad ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from zkproof import statement as stm
from zkproof.errors import InsecureSetup
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats import inclusion_file, page_data
from zkproof.formats.epoch_header import EpochHeader, parse_header
from zkproof.formats.inclusion_file import record_root
from zkproof.formats.snarkjs_json import parse_vk
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.groth16.verify import Progress, Sources, check_vk, verify_many
from zkproof.verifier import bundle_common
from zkproof.verifier.bundle_common import (
    anchor_key,
    check_header_digest,
    check_protocol_named,
    check_snapshot_age,
    read_proof_file,
)
from zkproof.verifier.checks import Checks
from zkproof.verifier.fold import fold_public_inputs


@dataclass
class Report(Checks):
    bundle: str
    header: EpochHeader | None = None
    notes: list[str] = field(default_factory=list)  # what the auditor must still do by hand

    def totals(self) -> dict[str, str] | str | None:
        """``{symbol: L_a}`` when the header reveals the totals, ``"hidden"`` otherwise."""
        h = self.header
        if h is None:
            return None
        if h.totals is None:
            return "hidden"
        return {a.symbol: str(t) for a, t in zip(h.assets, h.totals)}

    def open_interest(self) -> dict[str, str] | None:
        """``{instrument: OI_i}``: the proven open interest, to compare with the venue's data."""
        h = self.header
        return None if h is None else {i: str(x) for i, x in zip(h.instruments, h.open_interest)}

    def to_json(self) -> dict:
        h = self.header
        return {"bundle": self.bundle, "valid": self.ok,
                "epoch": h.epoch if h else None, "root": str(h.root) if h else None,
                "header_digest": str(h.header_digest) if h else None,
                "totals": self.totals(),
                "totals_commitment": str(h.totals_commitment) if h else None,
                "open_interest": self.open_interest(),
                "protocol_accounts": ([{"id": a.id, "role": a.role} for a in h.protocol_accounts]
                                      if h else None),
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
                "notes": list(self.notes)}


def _load_vk(b: bundle_fmt.Bundle, name: str, header: EpochHeader, n_public: int,
             allow_dev: bool, report: Report, trusted: str | None = None) -> VerifyingKey | None:
    rel = f"keys/{name}.vk.json"
    file = str(b.path(rel))
    if not anchor_key(b, name, header.vk_sha256[name], report, trusted):
        return None
    vk = parse_vk(b.json(rel), file)
    try:
        check_vk(vk, file)  # points, then check_key_is_secure: gamma == delta, delta or sigma == G2
    except InsecureSetup as e:
        report.add(f"{name} key from a real ceremony", False, str(e))
        return None
    if vk.dev_setup or header.dev_setup:
        if not report.add(f"{name} key from a real ceremony", allow_dev,
                          "INSECURE-DEV-SETUP key" + (" (accepted: --allow-dev)" if allow_dev else
                                                      ": refused without --allow-dev")):
            return None
    if not report.add(f"{name} key shape", vk.n_public == n_public,
                      f"{vk.n_public} public inputs, expected {n_public}"):
        return None
    return vk


def _read_proof(b: bundle_fmt.Bundle, rel: str, expected: list[int], names: tuple[str, ...],
                report: Report) -> Proof | None:
    """The proof of ``rel`` if its public inputs equal ``expected`` (built from the header);
    else a failed ``statement`` check naming the first differing input, and None."""
    proof, public = read_proof_file(b, rel)
    if public != expected:
        if len(public) != len(expected):
            detail = f"{len(public)} public inputs, expected {len(expected)}"
        else:
            k = next(i for i, (x, y) in enumerate(zip(public, expected)) if x != y)
            detail = f"public[{k}] ({names[k]}) differs from the header"
        report.add(f"{rel} statement", False, detail)
        return None
    return proof


def _check_proofs(b: bundle_fmt.Bundle, rels: list[str], vk: VerifyingKey, expected: list[list[int]],
                  names: tuple[str, ...], report: Report, n_folded: int = 0,
                  progress: Progress | None = None) -> None:
    """Statement, then pairing, for proofs under one key: one batch pairing for all of them
    (``groth16.verify.verify_many``; per-proof pairings only to name a bad one).

    ``n_folded``: how many trailing inputs ``vk`` already has folded in (``fold_public_inputs``
    with exactly the expected values), so the pairing gets only the leading ones.
    """
    read = [(rel, _read_proof(b, rel, exp, names, report), exp) for rel, exp in zip(rels, expected)]
    good = [(rel, proof, exp[:len(exp) - n_folded]) for rel, proof, exp in read if proof is not None]
    oks = verify_many(vk, [(x, proof, Sources(*[str(b.path(rel))] * 3)) for rel, proof, x in good],
                      progress=progress)
    for (rel, _, _), ok in zip(good, oks, strict=True):
        report.add(f"{rel} proof", ok, "" if ok else "pairing check failed")


def _check_totals(header: EpochHeader, report: Report) -> None:
    """Revealed totals (SPEC §1.4): they must open the header's ``totals_commitment`` with salt 0
    (the aggregate proof binds that commitment to the root's sums, so the published totals are
    exactly the proved ``L_a``), and, checked in the clear too, be covered by the reserves.
    Hidden totals: nothing to check here; the commitment is a public input of the proof."""
    if header.totals is None:
        return
    recomputed = stm.revealed_totals_commitment(header.epoch, header.totals)
    opens = recomputed == header.totals_commitment
    report.add("revealed totals open the commitment", opens,
               "" if opens else "H(epoch, 0, totals) differs from the header's totals_commitment: "
               "the published totals are not the proved liabilities")
    short = [f"{a.symbol} {t} > {a.reserves}" for a, t in zip(header.assets, header.totals)
             if t > a.reserves]
    report.add("revealed totals covered by reserves", not short,
               "; ".join(short) if short else
               ", ".join(f"{a.symbol} {t} <= {a.reserves}" for a, t in zip(header.assets, header.totals)))


def trusted_digests(given: Mapping[str, str] | None) -> dict[str, str]:
    """The ceremony's published key digests given by the auditor (``{"batch": hex,
    "aggregate": hex}``, either or both), validated (``bundle_common.trusted_digests``)."""
    return bundle_common.trusted_digests(given, {"batch", "aggregate"}.__contains__,
                                         "batch=HEX or aggregate=HEX")


def aggregate_key(b: bundle_fmt.Bundle, header: EpochHeader, allow_dev: bool, report: Report,
                  trusted: str | None = None) -> VerifyingKey | None:
    """``keys/aggregate.vk.json``, checked as every key is (``_load_vk``) for the aggregate's
    public inputs; None after a failed check."""
    return _load_vk(b, "aggregate", header, len(stm.AGGREGATE_PUBLIC), allow_dev, report, trusted)


def check_aggregate_proof(b: bundle_fmt.Bundle, header: EpochHeader, vk: VerifyingKey,
                          report: Report) -> None:
    """``proofs/aggregate.json`` against the public inputs recomputed from the header
    (``EpochHeader.aggregate_public``): the one aggregate check of ``zkproof verify`` and
    ``zkproof inclusion verify``."""
    _check_proofs(b, ["proofs/aggregate.json"], vk, [header.aggregate_public()],
                  stm.AGGREGATE_PUBLIC, report)


def _check_header_bindings(header: EpochHeader, report: Report) -> None:
    """The header's own digests: ``header_digest`` as published equals the one recomputed from
    the file (the aggregate proof is checked against the recomputed one, so a stale published
    value only misleads readers: still a failed check), and ``risk_table.sha256`` equals the
    SHA-256 of the canonical table bytes rebuilt from the header (docs/formats.md §8.2)."""
    check_header_digest(header.published_digest, header.header_digest, report)
    recomputed = header.risk_table_sha256_recomputed()
    ok = recomputed == header.risk_table_sha256
    report.add("risk table SHA-256", ok, "" if ok else f"risk_table.sha256 differs from the SHA-256 "
               f"of the table and its metadata as published ({recomputed[:16]}...)")
    report.notes.append("header circuit_fingerprints are bound by the header digest but not "
                        "recomputed here: compare them with `zkproof setup` output; the keys are "
                        "anchored by their SHA-256 and the shape digest")


def _check_protocol_accounts(header: EpochHeader, expected: list[str], report: Report) -> None:
    """Each protocol account in the header: its record (balances, positions, path) climbs from
    its leaf to the proven root (``inclusion_file.record_root``, the path code every holder's
    check uses). Each id in ``expected`` (the venue's published list, given by the auditor)
    must be named: a protocol account left out of the epoch cannot be named with a path that
    reaches the root. Without ``expected`` the report lists the named ids to compare by hand."""
    for acc in header.protocol_accounts:
        try:
            root = record_root(acc.record, stm.id_hash(acc.id, acc.nonce), header.shape)
            ok, detail = root.hash == header.root, ""
        except ValueError as e:
            ok, detail = False, str(e)
        report.add(f"protocol account {acc.id} included", ok,
                   f"{acc.role}: " + (detail or ("leaf reaches the proven root" if ok else
                                                "path does not reach the proven root")))
    check_protocol_named({a.id: a.role for a in header.protocol_accounts}, expected, report)


def verify_bundle(path: str, *, allow_dev: bool = False,
                  trusted_vk_sha256: Mapping[str, str] | None = None,
                  protocol_accounts: Sequence[str] = (),
                  progress: Progress | None = None,
                  max_snapshot_age: int = stm.MAX_SNAPSHOT_AGE_SECONDS) -> Report:
    """All checks of one bundle. Raises ``InputError`` for malformed files (exit 2).

    ``progress(step, done, total)``: called as the batch proofs are checked and paired (the CLI
    draws a bar on stderr with it; a bundle of 1,024 batch proofs takes minutes).

    ``trusted_vk_sha256`` (``{"batch": hex, "aggregate": hex}``, either or both): the digests of
    ``keys/*.vk.json`` that the ceremony published; each given one becomes a check. Keys left
    unanchored are listed in ``Report.notes``.

    ``max_snapshot_age``: the largest accepted ``timestamp - snapshot_time`` in seconds.
    ``protocol_accounts``: ids of the protocol's own accounts (the venue's published list);
    each must be named in the header with a record that reaches the proven root.
    """
    trusted = trusted_digests(trusted_vk_sha256)
    report = Report(str(path))
    b = bundle_fmt.read_bundle(path)
    report.add("manifest digests", True, f"{len(b.digests)} files")
    header = parse_header(b.json("header.json"), str(b.path("header.json")))
    report.header = header
    report.add("header bounds and hashes", True,
               f"epoch {header.epoch}, {header.shape.n_batches} batches x {header.shape.capacity}")
    check_snapshot_age(header, report, max_snapshot_age)
    _check_header_bindings(header, report)
    _check_protocol_accounts(header, list(protocol_accounts), report)
    _check_totals(header, report)
    shape = header.shape
    batch_names = stm.batch_public_names(shape)
    vk_batch = _load_vk(b, "batch", header, len(batch_names), allow_dev, report, trusted.get("batch"))
    vk_agg = aggregate_key(b, header, allow_dev, report, trusted.get("aggregate"))
    if vk_batch is None or vk_agg is None:
        return report
    expected_batches = [f"proofs/batch_{i:04d}.json" for i in range(shape.n_batches)]
    if not report.add("batch proofs present", b.names("proofs/batch_") == expected_batches,
                      f"{len(b.names('proofs/batch_'))} files, expected {shape.n_batches}"):
        return report
    # The table part of every batch proof's vk_x, once (the header's table, never a proof's).
    head = len(stm.BATCH_PUBLIC_HEAD)
    table = header.table_values
    vk_folded = fold_public_inputs(vk_batch, {head + k: t for k, t in enumerate(table)},
                                   str(b.path("keys/batch.vk.json")))
    _check_proofs(b, expected_batches, vk_folded, [header.batch_public(i) for i in range(shape.n_batches)],
                  batch_names, report, len(table), progress)
    check_aggregate_proof(b, header, vk_agg, report)
    sealed = b.names("inclusion/")
    size = inclusion_file.record_bytes(shape.n_assets, shape.n_instruments,
                                       shape.depth + shape.n_batches.bit_length() - 1) + 16
    sizes_ok = all(b.path(r).stat().st_size == size for r in sealed)
    report.add("inclusion files", len(sealed) == shape.capacity * shape.n_batches and sizes_ok,
               f"{len(sealed)} sealed files of {size} bytes, one per slot")
    _check_page(b, report)
    return report


def _check_page(b: bundle_fmt.Bundle, report: Report) -> None:
    """The account holders' page (``verify.html``, ``page/``), when the bundle has one: its data
    script must be exactly the one regenerated from this bundle's files, so the page checks the
    very header, key, proof and records checked here. Its code is not judged here: the report
    notes the SHA-256 of ``page/zkproof-page.js`` to compare with a build of the pinned sources
    (``make page``; ``page/ASSETS.json`` lists them)."""
    if page_data.DATA_PATH not in b.digests:
        return
    files = {rel: b.path(rel).read_bytes() for rel in b.digests
             if rel in page_data.FILES or rel.startswith("inclusion/")}
    same = b.path(page_data.DATA_PATH).read_bytes() == page_data.page_data(files)
    report.add("verification page data matches the bundle", same,
               page_data.DATA_PATH + ("" if same else " differs from the data regenerated from "
                                                      "this bundle's files"))
    if "page/zkproof-page.js" in b.digests:
        report.notes.append(f"verification page code page/zkproof-page.js has SHA-256 "
                            f"{b.digests['page/zkproof-page.js']}: compare with `make page` of the "
                            "pinned sources")
