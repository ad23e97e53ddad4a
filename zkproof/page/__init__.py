"""The account holder's verification page (SPEC §4): ``BUNDLE/verify.html`` and ``BUNDLE/page/``.

A static page that needs no server, no network and no install: the holder opens it from disk
or any static host, enters their id and nonce (or drops their inclusion record), and the page
checks, in the browser, the aggregate Groth16 proof against the header and their own leaf's
path to the proven root (``src/page.js``; the bundle format as JavaScript: ``src/format.js``,
kept equal to the Python side by tests/test_page.py and, for a venue bundle (header format
``zkproof-venue-epoch/1``: per-batch roots, sparse records), tests/test_page_venue.py).

Files written next to the bundle's own (all listed in its manifest)::

    verify.html            src/verify.html (a CSP that forbids every connection)
    page/verify.css        src/verify.css
    page/zkproof-page.js   built: src/page.js + format.js + circomlibjs' Poseidon (esbuild)
    page/snarkjs.min.js    built: snarkjs' browser build, unmodified
    page/THIRD-PARTY.txt   built: bundled npm packages, versions, licences (GPL-3.0)
    page/ASSETS.json       built: provenance (versions, SHA-256 of inputs and outputs)
    page/bundle-data.js    the bundle's public files and sealed records (formats.page_data)

The built assets live in ``zkproof/page/assets/`` (git-ignored) and are made by ``make page``
(``node zkproof/page/build.mjs``) from the npm packages pinned in tools/npm; ``make tools``
runs it. Without them ``assets()`` raises a one-line ``InputError``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from zkproof.errors import InputError
from zkproof.formats import bundle as bundle_fmt
from zkproof.formats.binfile import atomic_write_dir
from zkproof.formats.page_data import DATA_PATH, page_data

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
ASSETS = Path(os.environ.get("ZKPROOF_PAGE_ASSETS", HERE / "assets"))
BUILT = ("zkproof-page.js", "snarkjs.min.js", "THIRD-PARTY.txt", "ASSETS.json")
PAGE = "verify.html"


def assets() -> dict[str, bytes]:
    """The page's fixed files (``relpath -> bytes``), everything but the data script."""
    for name in BUILT:
        if not (ASSETS / name).is_file():
            raise InputError(
                str(ASSETS / name),
                "<file>",
                "missing: the verification page's assets "
                "are built by `make page` (needs node and `make tools`); or prove with --no-page",
            )
    out = {PAGE: (SRC / "verify.html").read_bytes(), "page/verify.css": (SRC / "verify.css").read_bytes()}
    out.update({f"page/{name}": (ASSETS / name).read_bytes() for name in BUILT})
    return out


def page_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every page file for a bundle given as ``{relpath: bytes}``."""
    return {**assets(), DATA_PATH: page_data(files)}


def export_page(
    bundle_dir: str | os.PathLike, out_dir: str | os.PathLike, *, overwrite: bool = False
) -> Path:
    """Write the page of an existing bundle to ``out_dir`` alone (atomically: a hidden sibling
    directory renamed into place). The bundle's manifest and digests are checked first."""
    b = bundle_fmt.read_bundle(bundle_dir)
    files = page_files({rel: b.path(rel).read_bytes() for rel in b.digests})
    return atomic_write_dir(out_dir, files, overwrite=overwrite)
