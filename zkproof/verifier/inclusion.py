"""``zkproof inclusion verify``: a user checks their own account in an epoch bundle.

With their id and nonce the user finds and opens their sealed record, recomputes their leaf
(their id hash, balances, positions), climbs the batch tree and the top tree with the sibling
hashes and sums, and compares the result with the proven epoch root in the header. A wrong
nonce, a record for someone else, altered sibling sums (max attack) or a path of the wrong
length all fail (ATTACKS A7, A8, A10, B11); a balance or position outside its range (which
the packed leaf could not tell from a carried unit) is refused naming the field (A13).
"""

from __future__ import annotations

from dataclasses import dataclass

from zkproof import statement as stm
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats import inclusion_file
from zkproof.formats.epoch_header import parse_header


@dataclass
class InclusionResult:
    ok: bool
    detail: str
    epoch: int
    balances: list[int]
    positions: list[int]
    assets: list[str]
    instruments: list[str]


def verify_inclusion(bundle_dir: str, user_id: str, nonce: bytes) -> InclusionResult:
    b = bundle_fmt.read_bundle(bundle_dir)
    header = parse_header(b.json("header.json"), str(b.path("header.json")))
    shape = header.shape
    rel = f"inclusion/{inclusion_file.locator(header.epoch, user_id, nonce)}.bin"
    assets = [a.symbol for a in header.assets]
    if rel not in b.digests:
        return InclusionResult(False, f"id not in epoch {header.epoch} (no record for this id and "
                               "nonce)", header.epoch, [], [], assets, header.instruments)
    file = str(b.path(rel))
    rec = inclusion_file.open_sealed(b.path(rel).read_bytes(), header.epoch, user_id, nonce, file)
    # The record comes from the protocol, the party being checked: every field is validated
    # (out-of-range limbs refused before packing, ATTACKS A13).
    parsed = inclusion_file.parse_record(rec, shape, header.epoch, file)
    balances, positions = parsed.balances, parsed.positions
    try:
        root = inclusion_file.record_root(parsed, stm.id_hash(user_id, nonce), shape)
    except ValueError as e:
        return InclusionResult(False, str(e), header.epoch, balances, positions, assets, header.instruments)
    ok = root.hash == header.root
    return InclusionResult(ok, "leaf is in the proven epoch root" if ok else
                           "recomputed root differs from the header's proven root",
                           header.epoch, balances, positions, assets, header.instruments)
