"""DuckDB memory limits, in one place for every connection that does heavy work.

DuckDB's buffer manager otherwise keeps data in memory up to 80% of the machine's RAM, so the
resident size of a long load or build grows with the warehouse, not with the work at hand. With a
limit it spills to a temporary folder beside the database file instead. The dbt profile reads
the same variable as :func:`build_memory_limit` (``profiles.yml``, ``settings.memory_limit``).

A long load fills its cap whatever the files: rows committed since the last checkpoint wait in
the buffer pool (``checkpoint_threshold`` in ``landing.loader``) and are spilled beyond it, so
the loader's peak is about the Python process (~150 MiB) plus its cap. Its own working set is
small, since every file streams (``landing.checks``): 256 MB loaded the 1m landing folder as
fast as 512 MB (105.8 s against 106.7 s) at 446 MiB peak instead of 697 MiB.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import duckdb

#: The loader's limit: it streams one file at a time through the checks and the insert.
LOAD_MEMORY_LIMIT_ENV = "SERVICE_OUTCOMES_LOAD_MEMORY_LIMIT"
DEFAULT_LOAD_MEMORY_LIMIT = "256MB"
#: The loader's DuckDB threads. Readers keep buffers per thread in the pool (~80 MiB for each
#: thread reading JSON lines), so on a machine with more cores the same files would need a larger
#: cap (at 8 threads a 160 MB Connect day file ran out of memory under 512 MB). Two threads keep
#: the loader's memory the same on every machine; its insert runs on one thread anyway.
LOAD_THREADS_ENV = "SERVICE_OUTCOMES_LOAD_THREADS"
DEFAULT_LOAD_THREADS = 2
#: The loader's limit while it reads a JSON lines file holding a record over ~32 MB: DuckDB's reader
#: then needs 128 MiB buffers (``landing.jsonsource``), more than the usual cap leaves room for.
LARGE_RECORD_MEMORY_LIMIT = "1GB"
#: The build's limit (dbt and the benchmark's baseline query, so the two compare fairly).
BUILD_MEMORY_LIMIT_ENV = "SERVICE_OUTCOMES_DUCKDB_MEMORY_LIMIT"
DEFAULT_BUILD_MEMORY_LIMIT = "4GB"


def load_memory_limit() -> str:
    return os.environ.get(LOAD_MEMORY_LIMIT_ENV) or DEFAULT_LOAD_MEMORY_LIMIT


def load_threads() -> int:
    text = os.environ.get(LOAD_THREADS_ENV) or str(DEFAULT_LOAD_THREADS)
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{LOAD_THREADS_ENV}={text!r}: expected a whole number of threads")
    return int(text)


def build_memory_limit() -> str:
    return os.environ.get(BUILD_MEMORY_LIMIT_ENV) or DEFAULT_BUILD_MEMORY_LIMIT


def limit_memory(connection: duckdb.DuckDBPyConnection, limit: str) -> None:
    """Cap the DuckDB instance behind ``connection`` (a SET, so a second connection to the same
    file in this process does not conflict over its configuration)."""
    connection.execute(f"set memory_limit = '{_checked(limit)}'")


@contextlib.contextmanager
def memory_limit_for(
    connection: duckdb.DuckDBPyConnection, limit: str | None, restore: str
) -> Iterator[None]:
    """Run the block under ``limit``, then set ``restore`` again (also when the block fails);
    ``None`` leaves the limit as it is."""
    if limit is None:
        yield
        return
    limit_memory(connection, limit)
    try:
        yield
    finally:
        limit_memory(connection, restore)


def limit_threads(connection: duckdb.DuckDBPyConnection, threads: int) -> None:
    """Run the DuckDB instance behind ``connection`` on at most ``threads`` threads."""
    connection.execute(f"set threads = {int(threads)}")


def _checked(limit: str) -> str:
    text = limit.strip()
    number = text.rstrip("BKMGTiIbkmgt ").strip()
    if not number.replace(".", "", 1).isdigit() or not text[len(number) :].strip():
        raise ValueError(f"memory limit {limit!r}: expected a size such as 1GB or 512MiB")
    return text
