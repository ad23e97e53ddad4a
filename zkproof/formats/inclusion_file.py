"""Per-user inclusion proofs inside the bundle: one sealed file per batch slot (SPEC §1.5, §1.6).

Every slot -- real account or padding -- gets a file ``inclusion/<locator>.bin`` of the same
length, so the bundle reveals neither the number of accounts nor any balance (ATTACKS B11,
Jump's "publish them all so the exchange cannot see who checks"). Only the holder of
``(id, nonce)`` can find and open theirs:

* ``locator = SHA-256("zkproof/locator" | epoch | SHA-256(id) | nonce)[:16]`` (hex file name),
* ``key     = SHA-256("zkproof/inclusion-key" | epoch | SHA-256(id) | nonce)`` (AES-256-GCM,
  from the ``cryptography`` package; the 96-bit GCM nonce is the first 12 bytes of the locator,
  unique because each key seals exactly one message; the epoch and locator are authenticated).

The plaintext is the JSON record below, space-padded to ``record_bytes(shape)`` before sealing::

    {"format": "zkproof-inclusion/1", "epoch": E, "batch": b, "index": u,
     "balances": ["..."], "positions": ["..."],
     "path": [{"hash": "...", "sums": ["..."]}, ...],       # batch tree, leaf level first
     "top_path": [{"hash": "...", "sums": ["..."]}, ...]}   # batch root up to the epoch root

Note (known limit of Merkle *sum* trees, documented in docs/soundness.md): the level-0 sibling's
sums are that neighbour's balances; its identity and positions stay hidden.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.formats import strict_json
from zkproof.hash.merkle_sum_proof import InclusionProof, SumNode, leaf_node, root_from_proof

FORMAT = "zkproof-inclusion/1"


def record_bytes(n_assets: int, n_instruments: int, levels: int) -> int:
    """Padded plaintext size: enough for the longest record of this shape (numbers <= 80 digits)."""
    return 256 + 84 * (n_assets + n_instruments) + (100 + 84 * n_assets) * levels


@dataclass
class InclusionRecord:
    epoch: int
    batch: int
    index: int
    balances: list[int]
    positions: list[int]
    path: list[tuple[int, list[int]]]      # (hash, sums) of each sibling, leaf level first
    top_path: list[tuple[int, list[int]]]

    def to_json(self) -> dict:
        def nodes(p):
            return [{"hash": str(h), "sums": [str(s) for s in sums]} for h, sums in p]

        return {"format": FORMAT, "epoch": self.epoch, "batch": self.batch, "index": self.index,
                "balances": [str(b) for b in self.balances], "positions": [str(q) for q in self.positions],
                "path": nodes(self.path), "top_path": nodes(self.top_path)}


def _material(label: bytes, epoch: int, user_id: str, nonce: bytes) -> bytes:
    return hashlib.sha256(label + epoch.to_bytes(8, "big") +
                          hashlib.sha256(user_id.encode("utf-8")).digest() + nonce).digest()


def locator(epoch: int, user_id: str, nonce: bytes) -> str:
    return _material(b"zkproof/locator", epoch, user_id, nonce)[:16].hex()


def _key(epoch: int, user_id: str, nonce: bytes) -> bytes:
    return _material(b"zkproof/inclusion-key", epoch, user_id, nonce)


class Sealable(Protocol):
    """A record that can be sealed: this dense record, or a venue record
    (``formats.venue_header.VenueRecord``)."""

    epoch: int

    def to_json(self) -> dict: ...


def seal(record: Sealable, user_id: str, nonce: bytes, size: int) -> tuple[str, bytes]:
    """``(file name, sealed bytes)`` for a real account's record, padded to ``size`` bytes."""
    loc = locator(record.epoch, user_id, nonce)
    text = json.dumps(record.to_json(), separators=(",", ":")).encode()
    if len(text) > size:
        raise ValueError(f"inclusion record of {len(text)} bytes exceeds {size}")
    aad = record.epoch.to_bytes(8, "big") + bytes.fromhex(loc)
    blob = AESGCM(_key(record.epoch, user_id, nonce)).encrypt(
        bytes.fromhex(loc)[:12], text.ljust(size), aad)
    return f"inclusion/{loc}.bin", blob


def seal_padding(epoch: int, size: int) -> tuple[str, bytes]:
    """A file indistinguishable from a real one, for a padding slot (random id and key)."""
    return seal(InclusionRecord(epoch, 0, 0, [], [], [], []), secrets.token_hex(16), os.urandom(32), size)


def unseal(blob: bytes, epoch: int, user_id: str, nonce: bytes) -> bytes | None:
    """The padded plaintext, or None when ``blob`` is not a record sealed for this epoch, id and
    nonce (another epoch's record, a wrong id or nonce, a tampered file: GCM cannot tell which)."""
    loc = locator(epoch, user_id, nonce)
    aad = epoch.to_bytes(8, "big") + bytes.fromhex(loc)
    try:
        return AESGCM(_key(epoch, user_id, nonce)).decrypt(bytes.fromhex(loc)[:12], blob, aad)
    except Exception:  # noqa: BLE001 - cryptography raises InvalidTag; any failure means the same
        return None


def load_record_json(text: bytes, file: str) -> object:
    """The JSON of an unsealed record (its fields are validated by ``parse_record``)."""
    return strict_json.loads(text.rstrip(b" "), file)


def open_sealed(blob: bytes, epoch: int, user_id: str, nonce: bytes, file: str) -> object:
    """Decrypt and parse a user's record; a wrong id/nonce or a tampered file fails here."""
    text = unseal(blob, epoch, user_id, nonce)
    if text is None:
        raise InputError(file, "<sealed>", "cannot be opened with this id and nonce (tampered?)")
    return load_record_json(text, file)
RECORD_KEYS = {"format", "epoch", "batch", "index", "balances", "positions", "path", "top_path"}


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


def parse_nodes(raw, file: str, fld: str, n_assets: int, depth: int, bits: int) -> list[SumNode]:
    """A path's sibling nodes ``[{"hash", "sums"}]``: ``depth`` of them, ASCII decimal strings,
    sums below ``2^bits`` (``InputError`` naming ``fld[j]`` otherwise)."""
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


def parse_record(rec, shape: stm.Shape, epoch: int, file: str, prefix: str = "") -> InclusionRecord:
    """A record (``InclusionRecord.to_json`` layout) for ``epoch`` and ``shape``, every field
    validated: it comes from the protocol, the party being checked. Balances and positions out
    of range are refused before anything is packed: the leaf packs 64-bit limbs three to a field
    element, injective only on in-range limbs, so ``(b0 + 2^64, b1 - 1)`` would hash like
    ``(b0, b1)`` (ATTACKS A13). ``prefix`` goes before every field name (e.g. a header entry)."""
    if not isinstance(rec, dict) or set(rec) != RECORD_KEYS:
        raise InputError(file, f"{prefix}<record>", "unexpected record layout")
    if rec["format"] != FORMAT or rec["epoch"] != epoch:
        raise InputError(file, f"{prefix}epoch", f"record is not for epoch {epoch}")
    batch = _int(rec["batch"], file, f"{prefix}batch", 0, shape.n_batches)
    index = _int(rec["index"], file, f"{prefix}index", 0, shape.capacity)
    balances = [_dec(x, file, f"{prefix}balances[{k}]", 0, 1 << stm.BALANCE_BITS)
                for k, x in enumerate(_list(rec["balances"], file, f"{prefix}balances", shape.n_assets))]
    positions = [_dec(x, file, f"{prefix}positions[{k}]", -(1 << stm.POSITION_BITS) + 1,
                      1 << stm.POSITION_BITS)
                 for k, x in enumerate(_list(rec["positions"], file, f"{prefix}positions",
                                             shape.n_instruments))]
    top_depth = shape.n_batches.bit_length() - 1
    path = parse_nodes(rec["path"], file, f"{prefix}path", shape.n_assets, shape.depth,
                       stm.BALANCE_BITS + shape.depth)
    top = parse_nodes(rec["top_path"], file, f"{prefix}top_path", shape.n_assets, top_depth,
                      shape.reserve_bits)
    return InclusionRecord(epoch, batch, index, balances, positions,
                           [(n.hash, list(n.sums)) for n in path], [(n.hash, list(n.sums)) for n in top])


def record_root(rec: InclusionRecord, id_hash: int, shape: stm.Shape) -> SumNode:
    """The epoch root a (parsed) record climbs to: the leaf of ``id_hash`` with the record's
    balances and positions, up the batch tree (``index``), then the top tree (``batch``), with
    ``hash.merkle_sum_proof.root_from_proof``. Compare its hash with the proven root.

    Raises:
        ValueError: a sum out of range on the way up (no such tree exists).
    """
    top_depth = shape.n_batches.bit_length() - 1
    leaf = leaf_node(id_hash, rec.balances, rec.positions)
    bits = tuple((rec.index >> j) & 1 for j in range(shape.depth))
    path = tuple(SumNode(h, tuple(s)) for h, s in rec.path)
    batch_root = root_from_proof(InclusionProof(rec.index, leaf, bits, path), stm.BALANCE_BITS + shape.depth)
    tbits = tuple((rec.batch >> j) & 1 for j in range(top_depth))
    top = tuple(SumNode(h, tuple(s)) for h, s in rec.top_path)
    return root_from_proof(InclusionProof(rec.batch, batch_root, tbits, top), shape.reserve_bits)
