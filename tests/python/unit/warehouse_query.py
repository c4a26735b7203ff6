"""Read-only queries against a DuckDB file written by the code under test."""

from __future__ import annotations

from pathlib import Path

import duckdb


def query_rows(database: Path, sql: str) -> list[tuple]:
    """All rows of one query, on a read-only connection that is closed again."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql).fetchall()
