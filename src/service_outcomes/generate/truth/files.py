"""Deterministic gzip files of the truth (no timestamp in the header) and CSV booleans."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO


def open_gz(path: Path) -> IO[bytes]:
    """A gzip writer whose bytes depend only on what is written (mtime 0, no file name)."""
    raw = open(path, "wb")  # noqa: SIM115 - closed in close_gz
    return gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)


def close_gz(gz: IO[bytes]) -> None:
    """Close a writer of :func:`open_gz` and the file beneath it."""
    assert isinstance(gz, gzip.GzipFile)
    fileobj = gz.fileobj
    gz.close()
    if fileobj is not None:
        fileobj.close()


def tf(value: bool) -> str:
    """``true`` / ``false``, as the truth CSVs spell booleans."""
    return "true" if value else "false"
