"""Checks of a landed file against its contract, on the rows DuckDB stages for loading.

A file is read once: DuckDB's reader stages it in a temporary table (the table the load then
appends from), rules on the file itself (UTF-8, CSV structure, header rows, one JSON object per
line) are checked by this package's own code, and the value rules run as one vectorised DuckDB
query over the staged rows (``sqlchecks``; the Great Expectations suite in ``gx_reference`` is
the reference they are tested against).

JSON lines take a fast path when DuckDB's reader staged one object per line and no line shows a
construct DuckDB reads more leniently than a strict JSON parser (``NaN``, ``Infinity``, a comma
before a closing bracket). Otherwise the file is re-read line by line with orjson, which names
every bad line, and the value rules run over those rows in chunks of ``chunk_rows``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .csvsource import StructureScan, read_csv_sql, scan_structure, sql_string
from .feeds import LandedFile
from .fileinfo import FileInfo
from .headers import QUALTRICS_HEADER_ROWS, check_column_names, check_qualtrics_rows
from .readers import jsonl_chunks, map_rows_and_lines, read_header_records
from .sqlchecks import ROW, SqlRule, check_values, compile_rules, json_relation, table_relation
from .violations import ViolationLog
from .warehouse import JSON_RECORD_COLUMN, MAX_JSON_OBJECT_BYTES, STAGE, drop_stage

_CHUNK_VIEW = "_landing_chunk"
_MAX_SHOWN = 80
# Constructs DuckDB's JSON reader accepts and a strict parser (RFC 8259, orjson) rejects.
_LENIENT_JSON = (
    f"regexp_matches({JSON_RECORD_COLUMN}, ',\\s*[\\]}}]') "
    f"or contains({JSON_RECORD_COLUMN}, 'NaN') or contains({JSON_RECORD_COLUMN}, 'Infinity')"
)


@dataclass
class CheckResult:
    log: ViolationLog
    row_count: int | None = None  # data rows seen (None when the file could not be read)
    columns: list[str] = field(default_factory=list)  # CSV header row 1
    header_records: int = 0
    staged: bool = False  # the rows wait in the stage table, ready to append

    @property
    def ok(self) -> bool:
        return not self.log


def check_file(
    landed: LandedFile, info: FileInfo, con: duckdb.DuckDBPyConnection, chunk_rows: int
) -> CheckResult:
    """Every rule of the file's contract; a loadable file is left staged in ``STAGE``.

    The stage is a temporary table filled by one statement outside any transaction, so its
    ``rowid`` numbers the rows 0..n-1 in file order (the load's ``_source_row``).
    """
    result = CheckResult(ViolationLog(landed.relative_path))
    log = result.log
    drop_stage(con)
    layout = landed.layout_problem()
    if layout:
        log.add("file:layout", layout)
    if info.utf8_error is not None:
        err = info.utf8_error
        log.add(
            "file:utf8",
            f"file is not valid UTF-8: bytes {err.bad_bytes!r} at byte offset {err.byte_offset}",
            line=err.line,
            value=err.bad_bytes.hex(" "),
        )
        return result
    if landed.contract.file_format == "jsonl":
        _check_jsonl(landed, info, con, chunk_rows, result)
    else:
        _check_csv(landed, con, result)
    if result.log and result.staged:
        drop_stage(con)
        result.staged = False
    return result


def _check_jsonl(
    landed: LandedFile,
    info: FileInfo,
    con: duckdb.DuckDBPyConnection,
    chunk_rows: int,
    result: CheckResult,
) -> None:
    contract = landed.contract
    source = (
        f"read_ndjson_objects({sql_string(str(landed.path))}, "
        f"maximum_object_size={MAX_JSON_OBJECT_BYTES})"
    )
    staged: int | None = None
    try:
        con.execute(
            f"create temp table {STAGE} as "
            f"select json::VARCHAR as {JSON_RECORD_COLUMN} from {source}"
        )
        ((count, lenient),) = con.execute(
            f"select count(*), count(*) filter (where json_type({JSON_RECORD_COLUMN}) "
            f"<> 'OBJECT' or {_LENIENT_JSON}) from {STAGE}"
        ).fetchall()
        staged, doubtful = int(count), int(lenient)
    except duckdb.Error as exc:
        read_error: duckdb.Error | None = exc
        doubtful = 0
    else:
        read_error = None
    if staged is not None and doubtful == 0 and staged == info.lines:
        result.row_count, result.staged = staged, True
        relation = json_relation(STAGE, JSON_RECORD_COLUMN, contract)
        check_values(con, relation, compile_rules(contract), result.log)
        return
    # Slow path: every line parsed on its own, so each bad line is named.
    rules = compile_rules(contract)
    paths = [r.name for r in contract.fields]
    result.row_count = 0
    for chunk in jsonl_chunks(landed.path, paths, chunk_rows, result.log):
        result.row_count += len(chunk)
        _check_frame(con, chunk, rules, result.log)
    if result.log:
        return
    if staged is None:
        result.log.add("file:json", f"DuckDB cannot read the file: {read_error}")
    elif staged != result.row_count:
        result.log.add(
            "file:row_count",
            f"DuckDB read {staged} rows from the file but the checks read {result.row_count}",
        )
    else:
        result.staged = True


def _check_frame(
    con: duckdb.DuckDBPyConnection, chunk: pd.DataFrame, rules: Sequence[SqlRule], log: ViolationLog
) -> None:
    frame = chunk.reset_index(names=ROW)
    con.register(_CHUNK_VIEW, frame)
    try:
        check_values(con, _CHUNK_VIEW, rules, log)
    finally:
        con.unregister(_CHUNK_VIEW)


def _check_csv(landed: LandedFile, con: duckdb.DuckDBPyConnection, result: CheckResult) -> None:
    log = result.log
    contract = landed.contract
    wanted = QUALTRICS_HEADER_ROWS if contract.file_format == "qualtrics_csv" else 1
    records, _ = read_header_records(landed.path, wanted)
    if not records or not any(cell.strip() for cell in records[0]):
        log.add("file:csv_header", "file has no header row of column names", line=1)
        return
    result.columns, result.header_records = records[0], wanted
    if not check_column_names(result.columns, log):
        return
    if wanted == QUALTRICS_HEADER_ROWS and not check_qualtrics_rows(records, log):
        return
    for column in contract.required_columns:
        if column not in result.columns:
            log.add(
                f"{column}:required_column",
                f"the header lacks required column {column!r}",
                line=1,
            )
    try:
        con.execute(
            f"create temp table {STAGE} as select * from "
            f"{read_csv_sql(landed.path, result.columns, wanted)}"
        )
    except duckdb.Error:
        scan = scan_structure(con, landed.path, result.columns, wanted, log.max_examples)
        _log_structure(scan, wanted, log)
        result.row_count = scan.rows + sum(scan.counts.values())
        if not log:
            raise  # DuckDB could not read the file, yet a lenient read finds nothing wrong
        _add_line_numbers(landed.path, wanted, log)
        return
    ((count,),) = con.execute(f"select count(*) from {STAGE}").fetchall()
    result.row_count, result.staged = int(count), True
    rules = compile_rules(contract, result.columns)
    check_values(con, table_relation(STAGE), rules, log)
    if log:
        _add_line_numbers(landed.path, wanted, log)


def _log_structure(scan: StructureScan, header_records: int, log: ViolationLog) -> None:
    logged: dict[str, int] = {}
    for err in scan.errors:
        rule = _structure_rule(err.error_type)
        logged[rule] = logged.get(rule, 0) + 1
        log.add(
            rule,
            f"{err.message.rstrip('.')} ({err.csv_line[:_MAX_SHOWN]!r})",
            row=err.record - header_records,
            value=err.csv_line[:200],
        )
    for error_type, count in scan.counts.items():
        rule = _structure_rule(error_type)
        log.add_uncounted_rows(rule, count - logged.get(rule, 0))


def _structure_rule(error_type: str) -> str:
    return "file:csv_" + error_type.lower().replace(" ", "_")


def _add_line_numbers(path: Path, header_records: int, log: ViolationLog) -> None:
    """Physical line of each example row (only for a file being quarantined)."""
    rows = {v.row for e in log.rules for v in e.examples if v.row is not None}
    row_to_line, _ = map_rows_and_lines(path, header_records, rows, set())
    log.set_lines(row_to_line)
