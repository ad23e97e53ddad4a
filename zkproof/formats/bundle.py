"""The epoch bundle: one directory, a SHA-256 manifest, published atomically (SPEC §4, §6).

Layout (all JSON; proofs and keys in snarkjs' layouts)::

    BUNDLE/
      manifest.json            {"format": "zkproof-bundle/1", "files": {relpath: sha256hex}}
      header.json              the public epoch header (formats.epoch_header, or
                               formats.venue_header for a venue epoch)
      keys/batch.vk.json       verification keys (snarkjs verification_key.json); a venue
      keys/batch_p{P}.vk.json  epoch has one batch key per tier P instead of batch.vk.json
      keys/aggregate.vk.json
      proofs/batch_0000.json   {"proof": proof.json, "public": public.json}
      proofs/aggregate.json
      inclusion/<locator>.bin  one sealed record per slot (zkproof.formats.inclusion_file)
      verify.html, page/*      the account holders' page, when published (zkproof.page)

No other name is allowed (``LAYOUT``), on writing or reading: a manifest listing anything else
(a note, a second header, a stray key) is refused, naming the file.

Writing: every file goes to a hidden sibling directory first; an optional ``check(staged)`` runs
on the complete staged directory (the prover verifies its own bundle there) and then the
directory is renamed into place, so a reader sees either no bundle or a whole, checked one. The
published tree is world-readable: directories 0755, files 0644 (a bundle is public).
Reading: the manifest must list exactly the files present, each matching ``LAYOUT``, and every
digest must match; any difference names the file (ATTACKS B10).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zkproof.errors import InputError
from zkproof.formats import strict_json
from zkproof.formats.binfile import atomic_write_dir

FORMAT = "zkproof-bundle/1"
MANIFEST = "manifest.json"
LAYOUT = re.compile(r"header\.json|keys/(?:batch|batch_p[0-9]+|aggregate)\.vk\.json"
                    r"|proofs/(?:batch_[0-9]{4}|aggregate)\.json|inclusion/[0-9a-f]{32}\.bin"
                    r"|verify\.html|page/(?:verify\.css|zkproof-page\.js|snarkjs\.min\.js"
                    r"|THIRD-PARTY\.txt|ASSETS\.json|bundle-data\.js)")


def _safe_relpath(rel: str, file: str) -> str:
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts or rel != p.as_posix() or not rel:
        raise InputError(file, f"files.{rel}", "not a plain relative path inside the bundle")
    if not LAYOUT.fullmatch(rel):
        raise InputError(file, f"files.{rel}", "not a file of the bundle layout (header.json, "
                         "keys/NAME.vk.json, proofs/*.json, inclusion/*.bin, verify.html, page/*)")
    return rel


def write_bundle(out_dir: str | os.PathLike, files: dict[str, Any], *, overwrite: bool = False,
                 check: Callable[[Path], None] | None = None) -> Path:
    """Write ``files`` (relpath -> JSON-able object or bytes) plus a manifest, atomically.
    ``check(staged_dir)`` may raise to publish nothing."""
    data: dict[str, bytes] = {}
    for rel, content in sorted(files.items()):
        _safe_relpath(rel, str(out_dir))
        data[rel] = content if isinstance(content, bytes) else strict_json.dumps(content)
    digests = {rel: hashlib.sha256(d).hexdigest() for rel, d in data.items()}
    data[MANIFEST] = strict_json.dumps({"format": FORMAT, "files": digests})
    return atomic_write_dir(out_dir, data, overwrite=overwrite, check=check)


class Bundle:
    """A bundle whose manifest and digests have been checked; ``json(rel)`` parses a file."""

    def __init__(self, root: Path, digests: dict[str, str]):
        self.root = root
        self.digests = digests

    def path(self, rel: str) -> Path:
        return self.root / rel

    def json(self, rel: str) -> Any:
        if rel not in self.digests:
            raise InputError(str(self.path(rel)), "<file>", "not listed in the bundle manifest")
        return strict_json.loads(self.path(rel).read_bytes(), str(self.path(rel)))

    def names(self, prefix: str) -> list[str]:
        return sorted(r for r in self.digests if r.startswith(prefix))


class FileSet(Bundle):
    """Some of a bundle's files given one by one (``{relpath: path}``, e.g. the few a holder
    downloads for ``zkproof inclusion verify``), read like a ``Bundle``. There is no manifest:
    every check that matters is made on the contents (key digests, proofs), never on the
    manifest, which the prover writes too."""

    def __init__(self, files: dict[str, Path]):
        super().__init__(Path("."), {rel: "" for rel in files})
        self.files = files

    def path(self, rel: str) -> Path:
        if rel not in self.files:
            raise InputError(rel, "<file>", "not given")
        return self.files[rel]


def read_bundle(bundle_dir: str | os.PathLike) -> Bundle:
    """Open a bundle, refusing missing, extra or altered files (each named)."""
    root = Path(bundle_dir)
    mpath = root / MANIFEST
    if not root.is_dir():
        raise InputError(str(root), "<dir>", "not a bundle directory")
    manifest = strict_json.load(mpath)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not isinstance(manifest.get("files"), dict) or set(manifest) != {"format", "files"}:
        raise InputError(str(mpath), "format", f"expected a {FORMAT} manifest")
    digests = {}
    for rel, digest in manifest["files"].items():
        _safe_relpath(rel, str(mpath))
        if not isinstance(digest, str) or len(digest) != 64:
            raise InputError(str(mpath), f"files.{rel}", "expected a SHA-256 hex digest")
        f = root / rel
        if not f.is_file():
            raise InputError(str(f), "<file>", "listed in the manifest but missing")
        if hashlib.sha256(f.read_bytes()).hexdigest() != digest:
            raise InputError(str(f), "<file>", "SHA-256 does not match the manifest (tampered)")
        digests[rel] = digest
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    extra = sorted(present - set(digests) - {MANIFEST})
    if extra:
        raise InputError(str(root / extra[0]), "<file>", "present but not listed in the manifest")
    return Bundle(root, digests)
