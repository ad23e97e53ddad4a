"""``zkproof inclusion verify``: a holder checks their own account against a proven epoch root.

Inputs: the holder's id and nonce, the epoch header, the aggregate proof and its verification
key, and the holder's sealed record; read from a bundle folder (only those four files: a holder
need not download the batch proofs nor the other holders' records) or given one by one. Each
check is a named line of the report, and the holder's account is INCLUDED only if all hold:

* the aggregate key: its SHA-256 is the header's (and the ceremony's, when the holder passes
  it), it comes from a real ceremony and has the aggregate's number of public inputs
  (``bundle_check.aggregate_key``);
* the aggregate proof, against public inputs recomputed from the header
  (``bundle_check.check_aggregate_proof``, the same check as ``zkproof verify``): the header's
  epoch, timestamp and root are the proven ones, and the root's sums are covered by the
  reserves. A header whose root is that of a fake tree holding only this holder fails here
  (ATTACKS B14);
* the oracle snapshot's age at the epoch timestamp (``bundle_check.check_snapshot_age``, A20);
* the record opens with this id and nonce for this epoch, and says it is for this epoch;
* the leaf recomputed from the id hash, balances and positions climbs the batch tree and the
  top tree to exactly the header's root. A wrong nonce, a record for someone else, altered
  sibling sums (max attack) or a path of the wrong length all fail (ATTACKS A7, A8, A10, B11); a
  balance or position outside its range (which the packed leaf could not tell from a carried
  unit) is refused naming the field (A13).

A venue epoch (the header's ``format`` is ``formats.venue_header.FORMAT``) is checked the same
way with its own objects (``VenueInclusionReport``): the aggregate key and proof against the
public inputs recomputed from the header (``venue_bundle.check_aggregate``: every batch root and
sums commitment, ``gamma``, open interest, reserves, totals commitment and ``header_digest``),
the snapshot's age, then the record (``formats.venue_header.parse_venue_record``: tier, used
slots, path), whose leaf (``VenueRecord.root``: the holder's id hash, the tier tag and the
slots) must climb to the header's root of the record's batch, a batch of the record's tier.
Balances are shown by asset symbol and positions by instrument descriptor (universe slot ``k``
is listed item ``k - 1``).

Not checked, and listed in every report (``InclusionReport.unchecked``) unless ``full``: the
batch proofs, i.e. that every account under the root meets margin in every scenario, holds
in-range balances and that positions net to zero, and that the header's batch commitments are
those of proven batches (``zkproof verify BUNDLE``; ``full`` runs it first). Always left to the
holder: that the root and epoch printed are the ones the protocol published on chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats import inclusion_file, strict_json
from zkproof.formats.epoch_header import EpochHeader, parse_header
from zkproof.formats.venue_header import (
    VenueHeader,
    is_venue_header,
    parse_venue_header,
    parse_venue_record,
)
from zkproof.verifier import venue_bundle
from zkproof.verifier.bundle_check import (
    Report,
    aggregate_key,
    check_aggregate_proof,
    trusted_digests,
    verify_bundle,
)
from zkproof.verifier.bundle_common import check_snapshot_age
from zkproof.verifier.checks import Checks
from zkproof.verifier.venue_bundle import VenueReport, verify_venue_bundle

BATCH_PROOFS_UNCHECKED = (
    "the batch proofs: that every account under this root meets margin in every scenario, "
    "holds in-range balances, that positions net to zero and that the header's batch "
    "commitments are those of proven batches; run `zkproof verify BUNDLE` (or add --full)")
VENUE_BATCH_PROOFS_UNCHECKED = (
    "the batch proofs: that every account under the batch roots meets margin in every scenario "
    "and at the mark, holds in-range balances on listed slots, that positions net to zero and "
    "the longs are the published open interest, and that the header's batch commitments are "
    "those of proven batches; run `zkproof verify BUNDLE` (or add --full)")
VENUE_CHAIN_NOTE = ("compare this epoch and header digest with the ones the venue published: this "
                    "check binds your account to the header's batch root, not the header to the "
                    "venue's publication")
CHAIN_NOTE = ("compare this root and epoch with the ones the protocol published on chain "
              "(the registry): this check binds your account to the header's root, not the header "
              "to the chain")


@dataclass(frozen=True)
class HolderFiles:
    """The files one holder's check reads (``None``: take it from the bundle folder)."""

    bundle: Path | None = None
    header: Path | None = None
    aggregate_proof: Path | None = None
    aggregate_vk: Path | None = None
    record: Path | None = None

    def resolve(self, rel: str, given: Path | None) -> Path:
        if given is not None:
            return given
        if self.bundle is None:
            option = {"header.json": "--header", "proofs/aggregate.json": "--aggregate-proof",
                      "keys/aggregate.vk.json": "--aggregate-vk"}[rel]
            raise InputError("<options>", rel, f"no bundle folder: give the file with {option}")
        return self.bundle / rel


@dataclass
class InclusionReport(Report):
    """A ``Report`` of named checks, plus what the record says (shown even when a check fails,
    so the holder sees what the protocol claims) and what was not checked."""

    balances: dict[str, int] = field(default_factory=dict)   # asset symbol -> base units
    positions: dict[str, int] = field(default_factory=dict)  # instrument id -> contracts
    unchecked: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        h = self.header
        return {"source": self.bundle, "included": self.ok,
                "epoch": h.epoch if h else None, "timestamp": h.timestamp if h else None,
                "snapshot_time": h.snapshot_time if h else None, "root": str(h.root) if h else None,
                "balances": {k: str(v) for k, v in self.balances.items()},
                "positions": {k: str(v) for k, v in self.positions.items()},
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
                "notes": list(self.notes), "not_checked": list(self.unchecked)}


@dataclass
class VenueInclusionReport(VenueReport):
    """A holder's check against a venue epoch: named checks, the record's batch and that
    batch's root in the header, what the record says (balances by asset symbol, positions by
    instrument descriptor; shown even when a check fails) and what was not checked."""

    batch: int | None = None
    root: int | None = None
    balances: dict[str, int] = field(default_factory=dict)   # asset symbol -> base units (signed)
    positions: dict[str, int] = field(default_factory=dict)  # instrument descriptor -> contracts
    unchecked: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        h = self.header
        return {"source": self.bundle, "format": "venue", "included": self.ok,
                "epoch": h.epoch if h else None, "timestamp": h.timestamp if h else None,
                "snapshot_time": h.snapshot_time if h else None,
                "header_digest": str(h.header_digest) if h else None,
                "batch": self.batch, "root": str(self.root) if self.root is not None else None,
                "balances": {k: str(v) for k, v in self.balances.items()},
                "positions": {k: str(v) for k, v in self.positions.items()},
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
                "notes": list(self.notes), "not_checked": list(self.unchecked)}


def _open_record(epoch: int, record: Path | None, user_id: str, nonce: bytes,
                 report: Checks) -> tuple[object, str] | None:
    """The holder's sealed record opened with their id and nonce (``inclusion_file.unseal``)
    and read as JSON, with its file name, if it is for ``epoch``; else None after a failed check
    (no record, one that does not open, one for another epoch)."""
    rel = f"inclusion/{inclusion_file.locator(epoch, user_id, nonce)}.bin"
    if record is None or not record.is_file():
        report.add("record for this id and nonce", False, "no record given (--record FILE)"
                   if record is None else f"id not in epoch {epoch} (no {rel} for this id "
                   "and nonce)")
        return None
    file = str(record)
    text = inclusion_file.unseal(record.read_bytes(), epoch, user_id, nonce)
    if not report.add("record for this id and nonce", text is not None, file if text is not None else
                      f"{file} cannot be opened for epoch {epoch} with this id and nonce "
                      "(a record of another epoch, another id or nonce, or a tampered file)"):
        return None
    rec = inclusion_file.load_record_json(text, file)
    got = rec.get("epoch") if isinstance(rec, dict) else None
    if not report.add("record is for this epoch", got == epoch,
                      f"epoch {got!r:.20}" + ("" if got == epoch else f", the header's is {epoch}")):
        return None
    return rec, file


def _check_record(header: EpochHeader, record: Path | None, user_id: str, nonce: bytes,
                  report: InclusionReport) -> None:
    """Open the holder's record and climb its path to the header's root (named checks)."""
    shape = header.shape
    opened = _open_record(header.epoch, record, user_id, nonce, report)
    if opened is None:
        return
    rec, file = opened
    # The record comes from the protocol, the party being checked: every field is validated
    # (out-of-range limbs refused before packing, ATTACKS A13).
    parsed = inclusion_file.parse_record(rec, shape, header.epoch, file)
    report.balances = {a.symbol: b for a, b in zip(header.assets, parsed.balances)}
    report.positions = dict(zip(header.instruments, parsed.positions))
    try:
        root = inclusion_file.record_root(parsed, stm.id_hash(user_id, nonce), shape)
    except ValueError as e:
        report.add("path to the proven root", False, str(e))
        return
    report.add("path to the proven root", root.hash == header.root,
               f"batch {parsed.batch}, slot {parsed.index}" if root.hash == header.root else
               f"the recomputed root {root.hash} differs from the header's root")


def _slot_label(names: Sequence[str], slot: int, kind: str) -> str:
    """Universe slot ``k`` is listed item ``k - 1``; any other slot is named as such (a record
    with one does not climb to a proven root: the batch circuit admits listed slots only)."""
    return names[slot - 1] if 1 <= slot <= len(names) else f"<{kind} slot {slot}: not listed>"


def _check_venue_record(header: VenueHeader, record: Path | None, user_id: str, nonce: bytes,
                        report: VenueInclusionReport) -> None:
    """Open the holder's venue record, show its balances by asset symbol and its positions by
    instrument descriptor, and climb its leaf (``VenueRecord.root``: the leaf of the holder's id
    hash, tier and slots, then the path by the index bits) to the header's root of its batch."""
    opened = _open_record(header.epoch, record, user_id, nonce, report)
    if opened is None:
        return
    obj, file = opened
    # The record comes from the protocol, the party being checked: every field is validated
    # (slot indices and amounts in range before anything is packed, ATTACKS A13).
    rec = parse_venue_record(obj, header.shape, header.tiers, header.epoch, file)
    report.balances = {_slot_label([a.symbol for a in header.assets], a, "asset"): x
                       for a, x in rec.balances}
    report.positions = {_slot_label(header.instruments, i, "instrument"): q for i, q in rec.positions}
    name = "path to the proven root"
    entry = header.batches[rec.batch]
    report.batch, report.root = rec.batch, entry.root
    if entry.tier != rec.tier:
        report.add(name, False, f"batch {rec.batch} is tier P={entry.tier}, the record says P={rec.tier}")
        return
    root = rec.root(stm.id_hash(user_id, nonce), header.batch_shape(rec.batch))
    report.add(name, root == entry.root, f"batch {rec.batch}, slot {rec.index}" if root == entry.root
               else f"the recomputed root {root} differs from the header's root of batch {rec.batch}")


def verify_inclusion(bundle_dir: str | Path | None, user_id: str, nonce: bytes, *,
                     files: HolderFiles | None = None, allow_dev: bool = False,
                     trusted_vk_sha256: Mapping[str, str] | None = None,
                     max_snapshot_age: int = stm.MAX_SNAPSHOT_AGE_SECONDS,
                     full: bool = False) -> InclusionReport | VenueInclusionReport:
    """One holder's check (module docstring). Raises ``InputError`` for a malformed file.

    ``bundle_dir``: the folder to take files from; ``files`` names any of them explicitly
    instead (then ``bundle_dir`` may be None). ``trusted_vk_sha256``: the ceremony's published
    digest(s), as for ``verify_bundle``. ``full``: run ``verify_bundle`` on the folder first
    (every batch proof too), so nothing is left unchecked but the chain comparison. A venue
    header is checked by the venue path (module docstring; ``trusted_vk_sha256`` then names
    ``aggregate`` or ``batch_pP``) and gives a ``VenueInclusionReport``.
    """
    bundle = Path(bundle_dir) if bundle_dir is not None else None
    if bundle is not None and not bundle.is_dir():
        raise InputError(str(bundle), "<dir>", "not a bundle directory")
    given = files or HolderFiles()
    for f in (given.header, given.aggregate_proof, given.aggregate_vk, given.record):
        if f is not None and not f.is_file():
            raise InputError(str(f), "<file>", "not found")
    src = HolderFiles(bundle, given.header, given.aggregate_proof, given.aggregate_vk, given.record)
    if full and (bundle is None or any((given.header, given.aggregate_proof, given.aggregate_vk))):
        raise InputError("<options>", "full", "--full verifies a whole bundle folder: give BUNDLE "
                         "and no separate header, proof or key")
    header_file = src.resolve("header.json", src.header)
    header_json = strict_json.load(header_file)
    if is_venue_header(header_json):
        return _verify_venue_inclusion(header_json, header_file, src, user_id, nonce,
                                       allow_dev=allow_dev, vk_sha256=trusted_vk_sha256,
                                       max_snapshot_age=max_snapshot_age, full=full)
    trusted = trusted_digests(trusted_vk_sha256)
    report = InclusionReport(str(bundle if bundle is not None else header_file))
    if full:
        whole = verify_bundle(str(bundle), allow_dev=allow_dev, trusted_vk_sha256=trusted,
                              max_snapshot_age=max_snapshot_age)
        report.checks += whole.checks
        report.notes += whole.notes
        header = whole.header
        if header is None:
            return report
    else:
        header = parse_header(header_json, str(header_file))
        check_snapshot_age(header, report, max_snapshot_age)
        agg = bundle_fmt.FileSet({"keys/aggregate.vk.json": src.resolve("keys/aggregate.vk.json",
                                                                        src.aggregate_vk),
                                  "proofs/aggregate.json": src.resolve("proofs/aggregate.json",
                                                                       src.aggregate_proof)})
        vk = aggregate_key(agg, header, allow_dev, report, trusted.get("aggregate"))
        if vk is not None:
            check_aggregate_proof(agg, header, vk, report)
        report.unchecked.append(BATCH_PROOFS_UNCHECKED)
    report.header = header
    rel = f"inclusion/{inclusion_file.locator(header.epoch, user_id, nonce)}.bin"
    record = src.record if src.record is not None else bundle / rel if bundle is not None else None
    _check_record(header, record, user_id, nonce, report)
    report.notes.append(CHAIN_NOTE)
    return report


def _verify_venue_inclusion(header_json: object, header_file: Path, src: HolderFiles, user_id: str,
                            nonce: bytes, *, allow_dev: bool, vk_sha256: Mapping[str, str] | None,
                            max_snapshot_age: int, full: bool) -> VenueInclusionReport:
    """One holder's check against a venue epoch (``verify_inclusion`` on a venue header):
    the aggregate key and proof against the public inputs recomputed from the header
    (``venue_bundle.check_aggregate``: every batch root and commitment, ``gamma``, the open
    interest, reserves, totals commitment and ``header_digest``), the snapshot's age, then the
    holder's record up to the root of its batch. ``full``: ``verify_venue_bundle`` first."""
    trusted = venue_bundle.trusted_digests(vk_sha256)
    bundle = src.bundle
    report = VenueInclusionReport(str(bundle if bundle is not None else header_file))
    if full:
        whole = verify_venue_bundle(str(bundle), allow_dev=allow_dev, vk_sha256=trusted,
                                    max_snapshot_age=max_snapshot_age)
        report.checks += whole.checks
        report.notes += whole.notes
        header = whole.header
        if header is None:
            return report
    else:
        header = parse_venue_header(header_json, str(header_file))
        check_snapshot_age(header, report, max_snapshot_age)
        agg = bundle_fmt.FileSet({"keys/aggregate.vk.json": src.resolve("keys/aggregate.vk.json",
                                                                        src.aggregate_vk),
                                  "proofs/aggregate.json": src.resolve("proofs/aggregate.json",
                                                                       src.aggregate_proof)})
        venue_bundle.check_aggregate(agg, header, allow_dev, report, trusted.get("aggregate"))
        report.unchecked.append(VENUE_BATCH_PROOFS_UNCHECKED)
    report.header = header
    rel = f"inclusion/{inclusion_file.locator(header.epoch, user_id, nonce)}.bin"
    record = src.record if src.record is not None else bundle / rel if bundle is not None else None
    _check_venue_record(header, record, user_id, nonce, report)
    report.notes.append(VENUE_CHAIN_NOTE)
    return report
