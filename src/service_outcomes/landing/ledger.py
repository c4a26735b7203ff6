"""``raw_meta.load_ledger``: one row per file loaded or quarantined, keyed by content sha256, and
one per file skipped because its exact bytes were already loaded from another path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import duckdb

from .feeds import LandedFile
from .fileinfo import FileInfo

Status = Literal["loaded", "quarantined", "duplicate"]


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw_meta")
    con.execute(
        """
        create table if not exists raw_meta.load_ledger (
            source_file VARCHAR,
            source VARCHAR,
            table_name VARCHAR,
            delivery_date DATE,
            sha256 VARCHAR,
            size_bytes BIGINT,
            row_count BIGINT,
            status VARCHAR,
            loaded_at TIMESTAMP,
            duration_seconds DOUBLE
        )
        """
    )


def is_loaded(con: duckdb.DuckDBPyConnection, landed: LandedFile, sha256: str) -> bool:
    """Whether this content was already loaded for this feed, under any path.

    Keyed by feed as well as sha256: identical bytes in two feeds (an empty file, say) are
    two different deliveries.
    """
    rows = con.execute(
        "select count(*) from raw_meta.load_ledger "
        "where sha256 = ? and source = ? and table_name = ? and status = 'loaded'",
        [sha256, landed.source, landed.table],
    ).fetchall()
    return bool(rows[0][0])


def loaded_keys(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    """``(sha256, source, table)`` of every loaded file: ``is_loaded`` for a whole load at once."""
    rows = con.execute(
        "select distinct sha256, source, table_name from raw_meta.load_ledger "
        "where status = 'loaded'"
    ).fetchall()
    return {(str(a), str(b), str(c)) for a, b, c in rows}


def recorded_files(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """``(sha256, source_file)`` of every file in the ledger, whatever its status."""
    rows = con.execute("select distinct sha256, source_file from raw_meta.load_ledger").fetchall()
    return {(str(a), str(b)) for a, b in rows}


def is_quarantined(con: duckdb.DuckDBPyConnection, sha256: str, source_file: str) -> bool:
    rows = con.execute(
        "select count(*) from raw_meta.load_ledger "
        "where sha256 = ? and source_file = ? and status = 'quarantined'",
        [sha256, source_file],
    ).fetchall()
    return bool(rows[0][0])


def record(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    info: FileInfo,
    *,
    row_count: int | None,
    status: Status,
    at: dt.datetime,
    duration_seconds: float,
) -> None:
    con.execute(
        "insert into raw_meta.load_ledger values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            landed.relative_path,
            landed.source,
            landed.table,
            landed.delivery_date,
            info.sha256,
            info.size_bytes,
            row_count,
            status,
            at,
            duration_seconds,
        ],
    )


def loaded_sources(database: Path) -> list[str]:
    """The sources (``salesforce``, ``amazon_connect``, ...) with at least one file loaded, sorted;
    empty when nothing was ever loaded (no warehouse file, or no ledger in it yet)."""
    if not database.exists():
        return []
    with duckdb.connect(str(database), read_only=True) as con:
        has_ledger = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw_meta' and table_name = 'load_ledger'"
        ).fetchall()[0][0]
        if not has_ledger:
            return []
        rows = con.execute(
            "select distinct source from raw_meta.load_ledger where status = 'loaded' order by 1"
        ).fetchall()
    return [str(source) for (source,) in rows]
