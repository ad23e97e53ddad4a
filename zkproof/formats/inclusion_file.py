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
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zkproof.errors import InputError
from zkproof.formats import strict_json

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


def seal(record: InclusionRecord, user_id: str, nonce: bytes, size: int) -> tuple[str, bytes]:
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


def parse_record(text: bytes, file: str) -> object:
    """The JSON of an unsealed record (its fields are validated by the verifier)."""
    return strict_json.loads(text.rstrip(b" "), file)


def open_sealed(blob: bytes, epoch: int, user_id: str, nonce: bytes, file: str) -> object:
    """Decrypt and parse a user's record; a wrong id/nonce or a tampered file fails here."""
    text = unseal(blob, epoch, user_id, nonce)
    if text is None:
        raise InputError(file, "<sealed>", "cannot be opened with this id and nonce (tampered?)")
    return parse_record(text, file)
