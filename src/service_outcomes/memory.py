"""DuckDB memory limits, in one place for every connection that does heavy work.

DuckDB's buffer manager otherwise keeps data in memory up to 80% of the machine's RAM, so the
resident size of a long load or build grows with the warehouse, not with the work at hand. With a
limit it spills to a temporary folder beside the database file instead. The dbt profile reads
the same variable as :func:`build_memory_limit` (``profiles.yml``, ``settings.memory_limit``).
"""

from __future__ import annotations

import os

import duckdb

#: The loader's limit: it checks and appends one file at a time.
LOAD_MEMORY_LIMIT_ENV = "SERVICE_OUTCOMES_LOAD_MEMORY_LIMIT"
DEFAULT_LOAD_MEMORY_LIMIT = "512MB"
#: The build's limit (dbt and the benchmark's baseline query, so the two compare fairly).
BUILD_MEMORY_LIMIT_ENV = "SERVICE_OUTCOMES_DUCKDB_MEMORY_LIMIT"
DEFAULT_BUILD_MEMORY_LIMIT = "4GB"


def load_memory_limit() -> str:
    return os.environ.get(LOAD_MEMORY_LIMIT_ENV) or DEFAULT_LOAD_MEMORY_LIMIT


def build_memory_limit() -> str:
    return os.environ.get(BUILD_MEMORY_LIMIT_ENV) or DEFAULT_BUILD_MEMORY_LIMIT


def limit_memory(connection: duckdb.DuckDBPyConnection, limit: str) -> None:
    """Cap the DuckDB instance behind ``connection`` (a SET, so a second connection to the same
    file in this process does not conflict over its configuration)."""
    connection.execute(f"set memory_limit = '{_checked(limit)}'")


def _checked(limit: str) -> str:
    text = limit.strip()
    number = text.rstrip("BKMGTiIbkmgt ").strip()
    if not number.replace(".", "", 1).isdigit() or not text[len(number) :].strip():
        raise ValueError(f"memory limit {limit!r}: expected a size such as 1GB or 512MiB")
    return text
