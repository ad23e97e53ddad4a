"""Epoch bundle container: manifest digests, atomic publish, tamper detection (ATTACKS B10)."""

from __future__ import annotations

import json

import pytest

from zkproof.errors import InputError
from zkproof.formats import bundle, strict_json

FILES = {"header.json": {"epoch": 7, "reserves": ["10", "20"]},
         "proofs/batch_0000.json": {"proof": {"pi_a": ["1", "2", "1"]}, "public": ["3"]},
         "keys/batch.vk.json": {"protocol": "groth16"}}


def test_roundtrip(tmp_path):
    out = bundle.write_bundle(tmp_path / "b", FILES)
    b = bundle.read_bundle(out)
    assert b.json("header.json") == FILES["header.json"]
    assert b.names("proofs/") == ["proofs/batch_0000.json"]


def test_refuses_existing_directory_without_overwrite(tmp_path):
    bundle.write_bundle(tmp_path / "b", FILES)
    with pytest.raises(InputError, match="already exists"):
        bundle.write_bundle(tmp_path / "b", FILES)
    bundle.write_bundle(tmp_path / "b", {"header.json": {"epoch": 8}}, overwrite=True)
    assert bundle.read_bundle(tmp_path / "b").json("header.json") == {"epoch": 8}


def test_edited_file_is_named(tmp_path):
    out = bundle.write_bundle(tmp_path / "b", FILES)
    (out / "header.json").write_text(json.dumps({"epoch": 8, "reserves": ["10", "20"]}))
    with pytest.raises(InputError, match=r"header\.json.*tampered"):
        bundle.read_bundle(out)


def test_dropped_and_extra_files_are_named(tmp_path):
    out = bundle.write_bundle(tmp_path / "b", FILES)
    (out / "proofs" / "batch_0001.json").write_text("{}")
    with pytest.raises(InputError, match="batch_0001.json.*not listed"):
        bundle.read_bundle(out)
    (out / "proofs" / "batch_0001.json").unlink()
    (out / "keys" / "batch.vk.json").unlink()
    with pytest.raises(InputError, match="batch.vk.json.*missing"):
        bundle.read_bundle(out)


def test_duplicate_json_key_rejected_even_with_matching_digest(tmp_path):
    out = bundle.write_bundle(tmp_path / "b", {"header.json": b'{"epoch": 1, "epoch": 2}'})
    b = bundle.read_bundle(out)  # the digest matches what was written ...
    with pytest.raises(InputError, match="epoch: duplicate key"):
        b.json("header.json")     # ... but the content is refused


def test_manifest_path_escape_rejected(tmp_path):
    out = bundle.write_bundle(tmp_path / "b", FILES)
    m = json.loads((out / "manifest.json").read_text())
    m["files"]["../outside.json"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(InputError, match="plain relative path"):
        bundle.read_bundle(out)


def test_interrupted_write_leaves_nothing(tmp_path):
    class Boom:
        pass

    with pytest.raises(TypeError):
        bundle.write_bundle(tmp_path / "b", {"header.json": {"x": 1}, "proofs/aggregate.json": Boom()})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": 1', '\xff', '{"a":1}{'])
def test_strict_json_rejects(text):
    with pytest.raises(InputError):
        strict_json.loads(text.encode("latin-1"), "x.json")


def test_manifest_listing_an_unexpected_file_is_refused(tmp_path):
    """A file outside the bundle layout (a note, a second key) is refused even when the
    manifest lists it with the right digest; writing one is refused too."""
    import hashlib

    out = bundle.write_bundle(tmp_path / "b", FILES)
    for rel in ("notes.txt", "keys/extra.vk.json", "proofs/batch_1.json", "header.json.bak"):
        data = b"{}\n"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        m = json.loads((out / "manifest.json").read_text())
        m["files"][rel] = hashlib.sha256(data).hexdigest()
        (out / "manifest.json").write_text(json.dumps(m))
        with pytest.raises(InputError, match=rf"files\.{rel}: not a file of the bundle layout"):
            bundle.read_bundle(out)
        (out / rel).unlink()
        del m["files"][rel]
        (out / "manifest.json").write_text(json.dumps(m))
    bundle.read_bundle(out)
    with pytest.raises(InputError, match=r"files\.notes\.txt: not a file of the bundle layout"):
        bundle.write_bundle(tmp_path / "c", {**FILES, "notes.txt": b"hi"})
    assert not (tmp_path / "c").exists()


def test_published_bundle_is_world_readable(tmp_path):
    """A bundle is public: directories 0755, files 0644, whatever the umask (mkdtemp makes
    0700, which left published bundles readable by their owner only)."""
    import os
    import stat

    old = os.umask(0o077)
    try:
        out = bundle.write_bundle(tmp_path / "b", FILES)
    finally:
        os.umask(old)
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*")}
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    assert modes == {"header.json": 0o644, "manifest.json": 0o644, "keys": 0o755, "proofs": 0o755,
                     "keys/batch.vk.json": 0o644, "proofs/batch_0000.json": 0o644}


def test_check_of_the_staged_bundle_can_stop_the_publication(tmp_path):
    """``write_bundle(check=...)`` sees the complete staged directory; if it raises, nothing is
    published (the prover verifies its own bundle this way)."""
    seen = []

    def refuse(staged):
        seen.append(sorted(p.name for p in staged.iterdir()))
        raise InputError("x", "y", "no")

    with pytest.raises(InputError, match="x: y: no"):
        bundle.write_bundle(tmp_path / "b", FILES, check=refuse)
    assert seen == [["header.json", "keys", "manifest.json", "proofs"]]
    assert list(tmp_path.iterdir()) == []
