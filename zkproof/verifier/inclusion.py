"""``zkproof inclusion verify``: a user checks their own account in an epoch bundle.

With their id and nonce the user finds and opens their sealed record, recomputes their leaf
(their id hash, balances, positions), climbs the batch tree and the top tree with the sibling
hashes and sums, and compares the result with the proven epoch root in the header. A wrong
nonce, a record for someone else, altered sibling sums (max attack) or a path of the wrong
length all fail (ATTACKS A7, A8, A10, B11); a balance or position outside its range (which
the packed leaf could not tell from a carried unit) is refused naming the field (A13).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats import inclusion_file
from zkproof.formats.epoch_header import parse_header
from zkproof.hash.merkle_sum_proof import InclusionProof, SumNode, leaf_node, root_from_proof


@dataclass
class InclusionResult:
    ok: bool
    detail: str
    epoch: int
    balances: list[int]
    positions: list[int]
    assets: list[str]
    instruments: list[str]


def _int(v, file: str, fld: str, lo: int, hi: int) -> int:
    if type(v) is not int or not lo <= v < hi:
        raise InputError(file, fld, f"expected an integer in [{lo}, {hi}), got {v!r:.40}")
    return v


def _list(v, file: str, fld: str, n: int) -> list:
    if not isinstance(v, list) or len(v) != n:
        raise InputError(file, fld, f"expected a list of {n} values")
    return v


def _dec(v, file: str, fld: str, lo: int, hi: int) -> int:
    if not isinstance(v, str) or not re.fullmatch(r"-?(0|[1-9][0-9]{0,39})", v) or v == "-0":
        raise InputError(file, fld, f"expected a decimal string, got {v!r:.40}")
    if not lo <= int(v) < hi:
        raise InputError(file, fld, f"{v} is outside [{lo}, {hi})")
    return int(v)


def _nodes(raw, file: str, fld: str, n_assets: int, depth: int, bits: int) -> list[SumNode]:
    if not isinstance(raw, list) or len(raw) != depth:
        got = len(raw) if isinstance(raw, list) else "?"
        raise InputError(file, fld, f"path length {got}, expected {depth}")
    out = []
    for j, node in enumerate(raw):
        if not isinstance(node, dict) or set(node) != {"hash", "sums"} or \
                not isinstance(node["sums"], list) or len(node["sums"]) != n_assets:
            raise InputError(file, f"{fld}[{j}]", "expected {hash, sums[n_assets]}")
        vals = [node["hash"], *node["sums"]]
        if not all(isinstance(x, str) and re.fullmatch(r"0|[1-9][0-9]{0,79}", x) for x in vals):
            raise InputError(file, f"{fld}[{j}]", "expected non-negative decimal strings")
        sums = tuple(int(x) for x in node["sums"])
        if any(s >= 1 << bits for s in sums):
            raise InputError(file, f"{fld}[{j}].sums", f"sum outside [0, 2^{bits})")
        out.append(SumNode(int(node["hash"]), sums))
    return out


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
    # The record comes from the protocol, the party being checked: validate every field.
    if not isinstance(rec, dict) or set(rec) != {"format", "epoch", "batch", "index", "balances",
                                                 "positions", "path", "top_path"}:
        raise InputError(file, "<record>", "unexpected record layout")
    if rec["format"] != inclusion_file.FORMAT or rec["epoch"] != header.epoch:
        raise InputError(file, "epoch", f"record is not for epoch {header.epoch}")
    batch = _int(rec["batch"], file, "batch", 0, shape.n_batches)
    index = _int(rec["index"], file, "index", 0, shape.capacity)
    # Refused before packing: the leaf packs 64-bit limbs three to a field element, injective
    # only on in-range limbs, so (b0 + 2^64, b1 - 1) would hash like (b0, b1) (ATTACKS A13).
    balances = [_dec(x, file, f"balances[{k}]", 0, 1 << stm.BALANCE_BITS)
                for k, x in enumerate(_list(rec["balances"], file, "balances", shape.n_assets))]
    positions = [_dec(x, file, f"positions[{k}]", -(1 << stm.POSITION_BITS) + 1, 1 << stm.POSITION_BITS)
                 for k, x in enumerate(_list(rec["positions"], file, "positions", shape.n_instruments))]
    top_depth = shape.n_batches.bit_length() - 1
    path = _nodes(rec["path"], file, "path", shape.n_assets, shape.depth, stm.BALANCE_BITS + shape.depth)
    top = _nodes(rec["top_path"], file, "top_path", shape.n_assets, top_depth, shape.reserve_bits)
    leaf = leaf_node(stm.id_hash(user_id, nonce), balances, positions)
    try:
        bits = tuple((index >> j) & 1 for j in range(shape.depth))
        batch_root = root_from_proof(InclusionProof(index, leaf, bits, tuple(path)),
                                     stm.BALANCE_BITS + shape.depth)
        tbits = tuple((batch >> j) & 1 for j in range(top_depth))
        root = root_from_proof(InclusionProof(batch, batch_root, tbits, tuple(top)), shape.reserve_bits)
    except ValueError as e:
        return InclusionResult(False, str(e), header.epoch, balances, positions, assets, header.instruments)
    ok = root.hash == header.root
    return InclusionResult(ok, "leaf is in the proven epoch root" if ok else
                           "recomputed root differs from the header's proven root",
                           header.epoch, balances, positions, assets, header.instruments)
