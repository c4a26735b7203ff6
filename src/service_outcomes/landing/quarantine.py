"""Quarantine: a file breaking any rule is moved out of the landing folder, never loaded.

The original bytes go to ``<quarantine_dir>/<same relative path>`` with a ``.reason.txt``
beside it; ``raw_meta.quarantine`` gets one row per broken rule.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import shutil
from pathlib import Path

import duckdb

from .violations import ViolationLog


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw_meta")
    con.execute(
        """
        create table if not exists raw_meta.quarantine (
            source_file VARCHAR,
            sha256 VARCHAR,
            rule VARCHAR,
            row_number BIGINT,
            value VARCHAR,
            message VARCHAR,
            quarantined_at TIMESTAMP
        )
        """
    )


def record(con: duckdb.DuckDBPyConnection, log: ViolationLog, sha256: str, at: dt.datetime) -> None:
    """One row per broken rule: its first example, with the full count in the message."""
    rows = []
    for entry, message in zip(log.rules, log.summaries(), strict=True):
        first = entry.examples[0]
        rows.append([log.source_file, sha256, entry.rule, first.row, first.value, message, at])
    if rows:
        con.executemany("insert into raw_meta.quarantine values (?, ?, ?, ?, ?, ?, ?)", rows)


def destination(quarantine_dir: Path, relative_path: str, sha256: str, source: Path) -> Path:
    """Where the file goes; a different earlier file at that path is never overwritten."""
    target = quarantine_dir / relative_path
    if target.exists() and not filecmp.cmp(target, source, shallow=False):
        target = target.with_name(f"{target.name}.{sha256[:12]}")
    return target


def move(source: Path, target: Path, reason: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.with_name(target.name + ".reason.txt").write_text(reason, encoding="utf-8")
    shutil.move(source, target)
