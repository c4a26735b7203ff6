"""One streaming pass over a file's bytes: sha256, size, UTF-8 validity and line count."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

_BLOCK = 1 << 20


@dataclass(frozen=True)
class Utf8Error:
    byte_offset: int
    line: int  # 1-based physical line holding the bad byte
    bad_bytes: bytes


@dataclass(frozen=True)
class FileInfo:
    sha256: str
    size_bytes: int
    utf8_error: Utf8Error | None
    has_bom: bool
    lines: int | None = None  # physical lines (a last line without a newline counts)


def file_identity(path: Path) -> tuple[int, int, int]:
    """Size, modification time and inode: what changes when a file is rewritten or replaced.

    The load reads a file again after checking it (``warehouse.insert_rows``), so it compares
    this before the hash and after the insert, and loads nothing of a file that changed between.
    """
    status = path.stat()
    return status.st_size, status.st_mtime_ns, status.st_ino


def hash_file(path: Path) -> str:
    """The file's sha256 (all a load needs to skip a file it already loaded)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def scan_file(path: Path, sha256: str | None = None) -> FileInfo:
    """Hash the file, count its lines and find its first invalid UTF-8 byte (if any), without
    holding it in memory.

    A ``sha256`` already computed by ``hash_file`` is trusted instead of hashing again.
    """
    digest = _KnownDigest(sha256) if sha256 is not None else hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    size = 0
    newlines_before = 0  # newlines in blocks fully decoded so far
    error: Utf8Error | None = None
    has_bom = False
    newlines = 0
    last = b""
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            if size == 0:
                has_bom = block.startswith(codecs.BOM_UTF8)
            digest.update(block)
            count = block.count(b"\n")
            if error is None:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    error = _locate(size, exc, block, newlines_before)
                newlines_before += count
            newlines += count
            size += len(block)
            last = block[-1:]
        if error is None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                error = Utf8Error(size - len(exc.object), newlines_before + 1, bytes(exc.object))
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return FileInfo(digest.hexdigest(), size, error, has_bom, lines)


def _locate(block_start: int, exc: UnicodeDecodeError, block: bytes, newlines: int) -> Utf8Error:
    # exc.start indexes into the decoder's buffer: pending bytes of the previous block + this one.
    pending = len(exc.object) - len(block)
    offset = block_start - pending + exc.start
    local = max(exc.start - pending, 0)
    line = newlines + block.count(b"\n", 0, local) + 1
    bad = bytes(exc.object[exc.start : min(exc.end + 3, len(exc.object))])
    return Utf8Error(offset, line, bad)


class _KnownDigest:
    def __init__(self, hexdigest: str) -> None:
        self._hexdigest = hexdigest

    def update(self, block: bytes) -> None:
        pass

    def hexdigest(self) -> str:
        return self._hexdigest
