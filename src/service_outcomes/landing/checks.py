"""Checks of a landed file against its contract, streamed from DuckDB's reader of the file.

Rules on the file itself (UTF-8, CSV structure, header rows, one JSON object per line) are
checked by this package's own code, and the value rules run as one vectorised DuckDB query over
the reader (``sqlchecks``; the Great Expectations suite in ``gx_reference`` is the reference they
are tested against). Nothing is staged: the query streams the file, and a file that passes is
read once more by the load's insert (``warehouse.insert_rows``), so memory does not grow with the
size of a file. A broken rule's first rows are fetched by a further scan, for quarantined files
only.

JSON lines take a fast path when DuckDB's reader saw one object per line and no line shows a
construct DuckDB reads more leniently than a strict JSON parser (``jsonsource``). Otherwise the
file is re-read line by line with orjson, which names every bad line, and the value rules run
over those rows in bounded chunks (``readers.jsonl_chunks``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from service_outcomes.memory import load_memory_limit, memory_limit_for

from .csvsource import StructureScan, read_csv_sql, scan_structure
from .feeds import LandedFile
from .fileinfo import FileInfo
from .headers import QUALTRICS_HEADER_ROWS, check_column_names, check_qualtrics_rows
from .jsonsource import Records, doubtful_sql, read_records, records_sql
from .readers import JSONL_CHUNK_BYTES, jsonl_chunks, map_rows_and_lines, read_header_records
from .sqlchecks import (
    ROW,
    Scan,
    SqlRule,
    check_values,
    compile_rules,
    count_failures,
    json_relation,
    log_failures,
    numbered,
)
from .violations import ViolationLog
from .warehouse import JSON_RECORD_COLUMN

_CHUNK_VIEW = "_landing_chunk"
_MAX_SHOWN = 80
#: DuckDB errors that say nothing about the file being checked: they stop the load (which a rerun
#: resumes) rather than quarantine a file that may be valid.
NOT_ABOUT_THE_FILE = (duckdb.OutOfMemoryException, duckdb.InterruptException)


@dataclass
class CheckResult:
    log: ViolationLog
    row_count: int | None = None  # data rows seen (None when the file could not be read)
    columns: list[str] = field(default_factory=list)  # CSV header row 1
    header_records: int = 0
    rows: str | None = None  # DuckDB's reader of the file's data rows, when it can load them
    memory_limit: str | None = None  # a larger DuckDB cap reading ``rows`` needs, if any

    @property
    def ok(self) -> bool:
        return not self.log


def check_file(
    landed: LandedFile,
    info: FileInfo,
    con: duckdb.DuckDBPyConnection,
    chunk_rows: int,
    chunk_bytes: int = JSONL_CHUNK_BYTES,
) -> CheckResult:
    """Every rule of the file's contract; for a loadable file, ``rows`` is what to append.

    ``chunk_rows`` and ``chunk_bytes`` bound the chunks of a JSON lines file read line by line.
    """
    result = CheckResult(ViolationLog(landed.relative_path))
    log = result.log
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
        _check_jsonl(landed, info, con, (chunk_rows, chunk_bytes), result)
    else:
        _check_csv(landed, con, result)
    if result.log:
        result.rows = None
    return result


def _check_jsonl(
    landed: LandedFile,
    info: FileInfo,
    con: duckdb.DuckDBPyConnection,
    chunking: tuple[int, int],
    result: CheckResult,
) -> None:
    contract = landed.contract
    rules = compile_rules(contract)

    def scan_records(records: str) -> Scan:
        relation = json_relation(records, JSON_RECORD_COLUMN, contract)
        return count_failures(con, relation, rules, [doubtful_sql()])

    scan: Scan | None = None
    records = Records(records_sql(landed.path))
    try:
        records, scan = read_records(con, landed.path, scan_records)
    except NOT_ABOUT_THE_FILE:
        raise
    except duckdb.Error as exc:
        read_error: duckdb.Error | None = exc
    else:
        read_error = None
    if scan is not None and scan.flagged == [0] and scan.rows == info.lines:
        result.row_count, result.rows, result.memory_limit = scan.rows, *astuple(records)
        relation = json_relation(records.sql, JSON_RECORD_COLUMN, contract)
        with memory_limit_for(con, records.memory_limit, load_memory_limit()):
            log_failures(con, numbered(relation), rules, scan.failures, result.log)
        return
    # Slow path: every line parsed on its own, so each bad line is named. The value rules' findings
    # are kept apart until every chunk is read, so the log lists the lines that do not parse,
    # then the broken rules in contract order, however many chunks the file took.
    paths = [r.name for r in contract.fields]
    chunk_rows, chunk_bytes = chunking
    values = ViolationLog(result.log.source_file, result.log.max_examples)
    result.row_count = 0
    for chunk in jsonl_chunks(landed.path, paths, chunk_rows, result.log, chunk_bytes):
        result.row_count += len(chunk)
        _check_frame(con, chunk, rules, values)
    result.log.extend(values, [rule.rule_id for rule in rules])
    if result.log:
        return
    if scan is None:
        result.log.add("file:json", f"DuckDB cannot read the file: {read_error}")
    elif scan.rows != result.row_count:
        result.log.add(
            "file:row_count",
            f"DuckDB read {scan.rows} rows from the file but the checks read {result.row_count}",
        )
    else:
        result.rows, result.memory_limit = astuple(records)


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
    reader = read_csv_sql(landed.path, result.columns, wanted)
    rules = compile_rules(contract, result.columns)
    try:
        scan = count_failures(con, reader, rules)
    except NOT_ABOUT_THE_FILE:
        raise
    except duckdb.Error:
        structure = scan_structure(con, landed.path, result.columns, wanted, log.max_examples)
        _log_structure(structure, wanted, log)
        result.row_count = structure.rows + sum(structure.counts.values())
        if not log:
            raise  # DuckDB could not read the file, yet a lenient read finds nothing wrong
        _add_line_numbers(landed.path, wanted, log)
        return
    result.row_count, result.rows = scan.rows, reader
    log_failures(con, numbered(reader), rules, scan.failures, log)
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
