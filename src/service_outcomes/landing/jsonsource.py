"""DuckDB's reader for landed JSON lines files, and the test for lines it may read too leniently.

DuckDB's JSON reader accepts constructs a strict parser (RFC 8259, orjson) rejects, among them
``NaN``, ``Infinity`` and a comma before a closing bracket. A file takes the loader's fast path
only when no record shows one of those; otherwise orjson re-reads it line by line and names
every bad line (``checks``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from service_outcomes.memory import LARGE_RECORD_MEMORY_LIMIT, load_memory_limit, memory_limit_for

from .csvsource import sql_ident, sql_string
from .warehouse import JSON_RECORD_COLUMN

T = TypeVar("T")
#: DuckDB's reader keeps buffers of twice ``maximum_object_size`` per thread in the buffer pool:
#: at 64 MiB they held up to 466 MiB of a 512 MB cap on a 160 MB day file, and one such file
#: failed with "Out of Memory"; at 16 MiB, 162 MiB. A file with a larger record (over ~32 MB)
#: is read again with the limit it always had, under a larger cap.
READ_OBJECT_BYTES = 16 << 20
MAX_JSON_OBJECT_BYTES = 64 << 20
# A JSON string token: a lenient construct is never part of one.
_STRING_TOKEN = r'"(?:[^"\\]|\\.)*"'
_LENIENT_TOKEN = r"NaN|Infinity|,\s*[\]}]"
_TRAILING_COMMA = r",\s*[\]}]"


def records_sql(path: Path, maximum_object_bytes: int = READ_OBJECT_BYTES) -> str:
    """The file's JSON objects, one row each, the text as delivered in the raw table's column.

    A query over it streams the file (a few buffers at a time), so it can be read once for the
    checks and once more for the load without ever holding the file.
    """
    reader = (
        f"read_ndjson_objects({sql_string(str(path))}, maximum_object_size={maximum_object_bytes})"
    )
    return f"(select json::VARCHAR as {sql_ident(JSON_RECORD_COLUMN)} from {reader})"


@dataclass(frozen=True)
class Records:
    """A file's records relation, and the DuckDB memory limit reading it needs, if not the usual."""

    sql: str
    memory_limit: str | None = None


def read_records(
    con: duckdb.DuckDBPyConnection, path: Path, query: Callable[[str], T]
) -> tuple[Records, T]:
    """``query`` run over the file's records (``records_sql``), and the records it ran on: with
    the small object limit first, and with ``MAX_JSON_OBJECT_BYTES`` under
    ``LARGE_RECORD_MEMORY_LIMIT`` when a record is larger than that allows (the rows are the
    same either way; only the buffers differ)."""
    records = Records(records_sql(path))
    try:
        return records, query(records.sql)
    except duckdb.InvalidInputException as exc:
        if "maximum_object_size" not in str(exc):
            raise
    records = Records(records_sql(path, MAX_JSON_OBJECT_BYTES), LARGE_RECORD_MEMORY_LIMIT)
    with memory_limit_for(con, LARGE_RECORD_MEMORY_LIMIT, load_memory_limit()):
        return records, query(records.sql)


def doubtful_sql(column: str = JSON_RECORD_COLUMN) -> str:
    """True for a record that is not a JSON object or may hold a lenient construct.

    Only constructs outside JSON strings count: Salesforce ids such as ``0034x0000004NaNAAU``
    inside values are text. Before, any ``NaN`` in a value sent the whole file to the line-by-line
    path, as it did many Connect day files at 10 M contacts, each parsed into Python objects
    whole. The strings are only stripped from the few records a cheap test flags (``contains``
    is a memchr scan; a regex with alternatives over every record cost 2x the read).
    A record DuckDB parsed is an object exactly when it starts with ``{`` (a record with leading
    blanks is flagged too, and the slow path then decides).
    """
    value = sql_ident(column)
    anywhere = (
        f"contains({value}, 'NaN') or contains({value}, 'Infinity') "
        f"or regexp_matches({value}, {sql_string(_TRAILING_COMMA)})"
    )
    outside_strings = f"regexp_replace({value}, {sql_string(_STRING_TOKEN)}, '\"\"', 'g')"
    return (
        f"(not starts_with({value}, '{{') or case when {anywhere} "
        f"then regexp_matches({outside_strings}, {sql_string(_LENIENT_TOKEN)}) else false end)"
    )
