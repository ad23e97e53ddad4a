"""``zkproof verify BUNDLE`` for any bundle: the header's ``format`` picks the verifier.

``zkproof-epoch/1`` (the dense statement) goes to ``bundle_check.verify_bundle``,
``zkproof-venue-epoch/1`` to ``venue_bundle.verify_venue_bundle``. The format is only a
routing key: each verifier parses the header strictly and checks every field itself, so a
header that claims the wrong format fails that verifier's parse (exit 2) or its checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from zkproof import statement as stm
from zkproof.errors import InputError
from zkproof.formats import strict_json
from zkproof.formats.venue_header import is_venue_header
from zkproof.groth16.verify import Progress
from zkproof.verifier.bundle_check import Report, verify_bundle
from zkproof.verifier.venue_bundle import VenueReport, verify_venue_bundle


def is_venue_bundle(path: str | Path) -> bool:
    """Whether ``path/header.json`` reads as a venue epoch's header. A folder or header that
    cannot be read is not: the dense verifier then names the problem as it always has
    (``formats.bundle.read_bundle``: no folder, a file tampered with or not in the manifest)."""
    try:
        return is_venue_header(strict_json.load(Path(path) / "header.json"))
    except InputError:
        return False


def verify_any(path: str | Path, *, allow_dev: bool = False,
               vk_sha256: Mapping[str, str] | None = None, protocol_accounts: Sequence[str] = (),
               max_snapshot_age: int = stm.MAX_SNAPSHOT_AGE_SECONDS,
               progress: Progress | None = None) -> Report | VenueReport:
    """Every check of the bundle at ``path`` by the verifier of its format (module docstring);
    ``InputError`` for a malformed file or option (exit 2). ``progress`` is drawn for the
    dense verifier's batch pairings only."""
    if is_venue_bundle(path):
        return verify_venue_bundle(str(path), allow_dev=allow_dev, vk_sha256=vk_sha256,
                                   protocol_accounts=protocol_accounts,
                                   max_snapshot_age=max_snapshot_age)
    return verify_bundle(str(path), allow_dev=allow_dev, trusted_vk_sha256=vk_sha256,
                         protocol_accounts=protocol_accounts, progress=progress,
                         max_snapshot_age=max_snapshot_age)
