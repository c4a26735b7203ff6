"""DuckDB's CSV reader for landed CSV files, and the structure scan built on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

MAX_LINE_BYTES = 8 << 20
#: DuckDB's CSV buffer. Left unset it is 16 x ``max_line_size`` (128 MiB here), and a file that
#: large kept ~310 MiB of them in the buffer pool at once (measured on a 330 MB export), most of
#: the loader's cap. DuckDB requires it to exceed ``max_line_size``; a line may still span two
#: buffers, so what is read does not change.
READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES
_REJECT_ERRORS = "_landing_reject_errors"
_REJECT_SCANS = "_landing_reject_scans"


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_csv_sql(path: Path, columns: Sequence[str], header_records: int, extra: str = "") -> str:
    """``read_csv(...)`` for a landed CSV: every column VARCHAR, named from header row 1.

    The header rows are skipped with ``skip``: the bundled DuckDB counts CSV records there
    (quote-aware), so a label with an embedded newline in Qualtrics row 2 is still one record.
    The loader checks that DuckDB and the checker saw the same number of rows. Hive
    partitioning is off: the ``delivery_date=...`` folder must not become a column. The reader
    streams: a query over it holds a few buffers of the file, never the whole file.
    """
    struct = ", ".join(f"{sql_string(c)}: 'VARCHAR'" for c in columns)
    return (
        f"read_csv({sql_string(str(path))}, columns={{{struct}}}, header=false, "
        f"skip={header_records}, auto_detect=false, delim=',', quote='\"', escape='\"', "
        f"strict_mode=true, null_padding=false, hive_partitioning=false, "
        f"max_line_size={MAX_LINE_BYTES}, buffer_size={READ_BUFFER_BYTES}{extra})"
    )


@dataclass(frozen=True)
class StructureError:
    record: int  # 1-based CSV record number counting the header records (DuckDB's "line")
    error_type: str  # e.g. "TOO MANY COLUMNS"
    message: str
    csv_line: str


@dataclass(frozen=True)
class StructureScan:
    rows: int  # well-formed data rows
    counts: dict[str, int]  # malformed records per error type
    errors: list[StructureError]  # the first few, in file order


def scan_structure(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    columns: Sequence[str],
    header_records: int,
    max_errors: int,
) -> StructureScan:
    """Parse the whole file with DuckDB, collecting malformed records instead of failing.

    A well-formed file is counted by a plain strict read first: the rejects tables cost more
    than the read itself on a small file, and are only needed when that read fails.
    """
    try:
        (plain,) = con.execute(
            f"select count(*) from {read_csv_sql(path, columns, header_records)}"
        ).fetchall()[0]
    except duckdb.Error:
        pass
    else:
        return StructureScan(int(plain), {}, [])
    extra = (
        f", store_rejects=true, rejects_table={sql_string(_REJECT_ERRORS)}, "
        f"rejects_scan={sql_string(_REJECT_SCANS)}"
    )
    try:
        rows = con.execute(
            f"select count(*) from {read_csv_sql(path, columns, header_records, extra)}"
        )
        (count,) = rows.fetchall()[0]
        counts = con.execute(
            f"select error_type, count(*) from {_REJECT_ERRORS} group by all"
        ).fetchall()
        found = con.execute(
            f"select line, error_type, error_message, csv_line from {_REJECT_ERRORS} "
            f"order by line limit {int(max_errors)}"
        ).fetchall()
    finally:
        con.execute(f"drop table if exists {_REJECT_ERRORS}")
        con.execute(f"drop table if exists {_REJECT_SCANS}")
    errors = [StructureError(int(r[0]), str(r[1]), str(r[2]), str(r[3] or "")) for r in found]
    return StructureScan(int(count), {str(t): int(n) for t, n in counts}, errors)
