"""The iden3 sectioned binary container used by ``.r1cs``, ``.wtns``, ``.zkey`` and ``.ptau``.

Layout (``@iden3/binfileutils``)::

    magic    4 bytes  ("r1cs", "wtns", "zkey", "ptau")
    version  u32 LE
    nSections u32 LE
    nSections times:  type u32 LE | size u64 LE | size bytes of data

All integers little endian. Sections may repeat in principle; every format we read expects each
type once, and the reader refuses duplicates, sizes that overrun the file and trailing bytes,
naming the file and section (ATTACKS B9). Writers build the file in memory and publish it
atomically (``atomic_write``): a reader never sees half a file (SPEC §6).
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from zkproof.errors import InputError


@dataclass
class BinFile:
    """A parsed container: ``sections[type]`` is a zero-copy ``memoryview`` of the body."""

    path: str
    magic: bytes
    version: int
    sections: dict[int, memoryview] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)

    def section(self, kind: int, name: str = "") -> memoryview:
        try:
            return self.sections[kind]
        except KeyError:
            label = f"section {kind}" + (f" ({name})" if name else "")
            raise InputError(self.path, label, "missing") from None

    def reader(self, kind: int, name: str = "") -> SectionReader:
        return SectionReader(self.path, f"section {kind}" + (f" ({name})" if name else ""),
                             self.section(kind, name))


class SectionReader:
    """Sequential little-endian reads inside one section, with bounds checked."""

    def __init__(self, path: str, label: str, data: memoryview):
        self.path, self.label, self.data, self.pos = path, label, data, 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise InputError(self.path, self.label,
                             f"truncated: need {n} bytes at offset {self.pos}, section has {len(self.data)}")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return struct.unpack("<I", self.take(4))[0]

    def u64(self) -> int:
        return struct.unpack("<Q", self.take(8))[0]

    def bigint(self, n8: int) -> int:
        return int.from_bytes(self.take(n8), "little")

    def field_header(self, n8: int, prime: int, prime_name: str) -> None:
        """The ``n8 | prime`` pair that opens an iden3 header: both must be the expected ones."""
        got = self.u32()
        if got != n8:
            raise InputError(self.path, self.label, f"n8: expected {n8}, got {got}")
        got = self.bigint(n8)
        if got != prime:
            raise InputError(self.path, self.label, f"prime: expected {prime_name} = {prime}, got {got}")

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def expect_end(self) -> None:
        if self.pos != len(self.data):
            raise InputError(self.path, self.label,
                             f"{len(self.data) - self.pos} unexpected trailing bytes")


def read_binfile(path: str | os.PathLike, magic: bytes, max_version: int,
                 data: bytes | None = None) -> BinFile:
    """Parse a container, checking magic, version and every section boundary."""
    path = str(path)
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise InputError(path, "file", e.strerror or str(e)) from None
    mv = memoryview(data)
    if len(mv) < 12:
        raise InputError(path, "header", f"truncated: {len(mv)} bytes")
    if bytes(mv[:4]) != magic:
        raise InputError(path, "magic", f"expected {magic.decode()!r}, got {bytes(mv[:4])!r}")
    version, n_sections = struct.unpack("<II", mv[4:12])
    if version == 0 or version > max_version:
        raise InputError(path, "version", f"unsupported version {version} (max {max_version})")
    bf = BinFile(path, magic, version)
    pos = 12
    for i in range(n_sections):
        if pos + 12 > len(mv):
            raise InputError(path, f"section header {i}", "truncated")
        kind, size = struct.unpack("<IQ", mv[pos:pos + 12])
        pos += 12
        if pos + size > len(mv):
            raise InputError(path, f"section {kind}",
                             f"declares {size} bytes but only {len(mv) - pos} remain (truncated file)")
        if kind in bf.sections:
            raise InputError(path, f"section {kind}", "appears twice")
        bf.sections[kind] = mv[pos:pos + size]
        bf.order.append(kind)
        pos += size
    if pos != len(mv):
        raise InputError(path, "file", f"{len(mv) - pos} trailing bytes after the last section")
    return bf


def build_binfile(magic: bytes, version: int, sections: list[tuple[int, bytes]]) -> bytes:
    """Serialize ``sections`` (type, body) in the given order."""
    parts = [magic, struct.pack("<II", version, len(sections))]
    for kind, body in sections:
        parts.append(struct.pack("<IQ", kind, len(body)))
        parts.append(bytes(body) if not isinstance(body, bytes) else body)
    return b"".join(parts)


def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` to ``path`` via a temp file in the same directory and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; published files get normal modes
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


DIR_MODE, FILE_MODE = 0o755, 0o644


def atomic_write_dir(out_dir: str | os.PathLike, files: Mapping[str, bytes], *, overwrite: bool = False,
                     check: Callable[[Path], None] | None = None) -> Path:
    """Publish a directory of ``files`` (relpath -> bytes) all at once: every file goes to a
    hidden sibling directory, made world-readable (directories 0755, files 0644, whatever the
    umask: what is published is public), ``check(staged)`` may raise to publish nothing, then one
    rename puts it in place. A reader sees no directory, the old one, or the whole new one."""
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise InputError(str(out), "<dir>", "already exists (use a new directory or --force)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        for rel, data in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.chmod(tmp, DIR_MODE)
        for p in tmp.rglob("*"):
            os.chmod(p, DIR_MODE if p.is_dir() else FILE_MODE)
        if check is not None:
            check(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
