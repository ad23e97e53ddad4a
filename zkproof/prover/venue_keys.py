"""The keys directory of a venue (docs/formats.md §20): the shape the keys fix, and its files.

``venue_shape.json`` holds the epoch shape (``VenueEpochShape``: the narrow tier's batch shape
and the aggregate's batch slots) and ``tiers``, the position slots ``P`` of each batch key,
narrow first. Every tier shares the universes, ``B``, ``K``, the table width and the capacity;
only ``P`` differs. Files: ``batch_p{P}.r1cs`` and ``batch_p{P}_final.zkey`` per tier,
``aggregate.r1cs`` and ``aggregate_final.zkey``. Listing or expiring instruments changes none of
them: only a capacity does (a new ceremony).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from zkproof.errors import InputError
from zkproof.formats import strict_json
from zkproof.formats.binfile import atomic_write
from zkproof.formats.venue_header import AGGREGATE_KEY, tier_key
from zkproof.formats.zkey_file import read_zkey
from zkproof.prover.venue_epoch import VenueEpochKeys
from zkproof.venue import VenueEpochShape, VenueShape

SHAPE_FILE = "venue_shape.json"
AGGREGATE = AGGREGATE_KEY
_BATCH_FIELDS = ("i_max", "a_max", "b", "k", "capacity", "table_bits", "equity_check_cap")


def key_name(shape: VenueShape) -> str:
    """A tier's key name (``formats.venue_header.tier_key``): the stem of its files and its
    entry in the header's keys."""
    return tier_key(shape.p)


@dataclass(frozen=True)
class VenueKeyShape:
    """What a venue's keys fix: the epoch shape (its ``batch`` is the narrow tier) and the
    ``P`` of every tier, strictly increasing, ``tiers[0] == epoch.batch.p``."""

    epoch: VenueEpochShape
    tiers: tuple[int, ...]

    def __post_init__(self) -> None:
        t = self.tiers
        if not t or t[0] != self.epoch.batch.p or any(a >= b for a, b in zip(t, t[1:])):
            raise InputError(SHAPE_FILE, "tiers", f"expected strictly increasing P values starting "
                             f"at the narrow tier's {self.epoch.batch.p}, got {list(t)}")

    def tier(self, p: int) -> VenueShape:
        """The batch shape of the tier with ``P = p`` (``InputError`` for a tier the keys lack)."""
        if p not in self.tiers:
            raise InputError(SHAPE_FILE, "tiers", f"no tier with P = {p} (tiers: {list(self.tiers)})")
        return dataclasses.replace(self.epoch.batch, p=p)

    def tier_shapes(self) -> tuple[VenueShape, ...]:
        return tuple(self.tier(p) for p in self.tiers)

    def to_json(self) -> dict:
        b = self.epoch.batch
        return {**{f: getattr(b, f) for f in _BATCH_FIELDS}, "n_batches": self.epoch.n_batches,
                "tiers": list(self.tiers)}


def is_venue_keys(keys_dir: str | Path) -> bool:
    return (Path(keys_dir) / SHAPE_FILE).is_file()


def save_key_shape(keys_dir: str | Path, ks: VenueKeyShape) -> None:
    Path(keys_dir).mkdir(parents=True, exist_ok=True)
    atomic_write(Path(keys_dir) / SHAPE_FILE, json.dumps(ks.to_json(), indent=1) + "\n")


def load_key_shape(keys_dir: str | Path) -> VenueKeyShape:
    """Strict read of ``venue_shape.json`` (``InputError`` naming the field)."""
    path = Path(keys_dir) / SHAPE_FILE
    raw = strict_json.load(path)
    want = set(_BATCH_FIELDS) | {"n_batches", "tiers"}
    if not isinstance(raw, dict) or set(raw) != want:
        raise InputError(str(path), "shape", f"expected exactly the keys {sorted(want)}")
    tiers = raw["tiers"]
    if not isinstance(tiers, list) or not all(type(p) is int for p in tiers):
        raise InputError(str(path), "tiers", "expected a list of integers")
    try:
        batch = VenueShape(**{f: raw[f] for f in _BATCH_FIELDS}, p=tiers[0] if tiers else 1)
        return VenueKeyShape(VenueEpochShape(batch, raw["n_batches"]), tuple(tiers))
    except InputError as e:
        raise InputError(str(path), e.field, e.reason) from None


def zkey_path(keys_dir: str | Path, name: str) -> Path:
    return Path(keys_dir) / f"{name}_final.zkey"


def load_venue_keys(keys_dir: str | Path, ks: VenueKeyShape) -> VenueEpochKeys:
    """Every tier's proving key and the aggregate's, from ``*_final.zkey``."""
    return VenueEpochKeys({s: read_zkey(zkey_path(keys_dir, key_name(s))) for s in ks.tier_shapes()},
                          read_zkey(zkey_path(keys_dir, AGGREGATE)))
