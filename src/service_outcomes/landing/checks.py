"""Checks of a landed file against its contract.

Value rules run as a Great Expectations 1.x suite (built once per feed from the contract) over
pandas batches; rules on the file itself (UTF-8, CSV structure, header rows, JSON per line) are
checked by this package's own code and reported the same way.

A GX validation has a fixed cost of a few tenths of a second, and deliveries are many small
files, so value rules are not run per file: ``FileCheck.chunks`` yields a file's rows in
chunks (index = 1-based data row), ``Batcher`` gathers chunks of several files of one feed (with
the same columns) into one DataFrame of about ``chunk_rows`` rows, validates it once and hands
every failing row back to its own file's ``ViolationLog`` under its own data row number.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .contract import Contract, FieldRule, anchored
from .csvsource import StructureScan, scan_structure
from .feeds import LandedFile
from .fileinfo import FileInfo
from .headers import QUALTRICS_HEADER_ROWS, check_column_names, check_qualtrics_rows
from .readers import SOURCE_ROWS, csv_chunks, jsonl_chunks, map_rows_and_lines, read_header_records
from .violations import ViolationLog

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

_NUMBER = "#number"  # suffix of the numeric copy of a column checked against a range
_MAX_SHOWN = 80


@dataclass
class CheckResult:
    log: ViolationLog
    row_count: int | None = None  # data rows seen (None when the file could not be read)
    columns: list[str] = field(default_factory=list)  # CSV header row 1
    header_records: int = 0

    @property
    def ok(self) -> bool:
        return not self.log


def _shown(value: Any) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return repr(text[:_MAX_SHOWN] + ("..." if len(text) > _MAX_SHOWN else ""))


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _message(kind: str, rule: FieldRule, value: Any) -> str:
    name = repr(rule.name)
    if kind == "not_null":
        return f"{name} must not be empty"
    if kind == "format" and rule.value_format is not None:
        fmt = rule.value_format
        return f"{name} must be {fmt.description} like {fmt.example}, got {_shown(value)}"
    if kind == "regex":
        what = rule.regex_description or f"a value matching {rule.regex}"
        return f"{name} must be {what}, got {_shown(value)}"
    if kind == "accepted_values":
        allowed = ", ".join(repr(v) for v in rule.accepted_values or ())
        return f"{name} must be one of {allowed}, got {_shown(value)}"
    if rule.min_value is not None and rule.max_value is not None:
        bounds = f"between {_number(rule.min_value)} and {_number(rule.max_value)}"
    elif rule.min_value is not None:
        bounds = f"at least {_number(rule.min_value)}"
    else:
        bounds = f"at most {_number(rule.max_value or 0.0)}"
    return f"{name} must be a number {bounds}, got {_shown(value)}"


def _gx() -> Any:
    """Great Expectations, imported on first use: it takes seconds to import, and a load that
    only skips already-loaded files never needs it."""
    import great_expectations as gx  # after GX_ANALYTICS_ENABLED above

    return gx


def _expectations(contract: Contract) -> Iterator[Any]:
    E = _gx().expectations
    if contract.required_columns:
        yield E.ExpectTableColumnsToMatchSet(
            column_set=list(contract.required_columns),
            exact_match=False,
            meta={"kind": "required_columns"},
        )
    for rule in contract.fields:
        col = rule.name
        meta = {"field": col}
        if rule.not_null:
            yield E.ExpectColumnValuesToNotBeNull(column=col, meta=meta | {"kind": "not_null"})
        if rule.value_format is not None:
            yield E.ExpectColumnValuesToMatchRegex(
                column=col,
                regex=anchored(rule.value_format.regex),
                meta=meta | {"kind": "format"},
            )
        if rule.regex is not None:
            yield E.ExpectColumnValuesToMatchRegex(
                column=col, regex=anchored(rule.regex), meta=meta | {"kind": "regex"}
            )
        if rule.accepted_values is not None:
            yield E.ExpectColumnValuesToBeInSet(
                column=col,
                value_set=list(rule.accepted_values),
                meta=meta | {"kind": "accepted_values"},
            )
        if rule.has_range:
            yield E.ExpectColumnValuesToBeBetween(
                column=col + _NUMBER,
                min_value=rule.min_value,
                max_value=rule.max_value,
                meta=meta | {"kind": "range"},
            )


class Checker:
    """One ephemeral GX context for a load; one suite and validation definition per feed."""

    def __init__(self) -> None:
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        self._datasource = self._context.data_sources.add_pandas("landing")
        self._validations: dict[str, Any] = {}

    def _validation(self, contract: Contract) -> Any:
        found = self._validations.get(contract.name)
        if found is None:
            gx = _gx()
            asset = self._datasource.add_dataframe_asset(contract.name)
            batch = asset.add_batch_definition_whole_dataframe("chunk")
            suite = gx.ExpectationSuite(
                name=contract.name, expectations=list(_expectations(contract))
            )
            suite = self._context.suites.add(suite)
            found = self._context.validation_definitions.add(
                gx.ValidationDefinition(name=contract.name, data=batch, suite=suite)
            )
            self._validations[contract.name] = found
        return found

    def validate_chunk(self, contract: Contract, chunk: pd.DataFrame, log: ViolationLog) -> None:
        """Run the feed's suite over one chunk of one file (index = data row); log failures."""
        rows = chunk.index.to_numpy(dtype=np.int64)
        frame = chunk.reset_index(drop=True)
        self.validate_batch(contract, frame, _Owners([log], np.zeros(1, np.int64), rows))

    def validate_batch(self, contract: Contract, frame: pd.DataFrame, owners: _Owners) -> None:
        """Run the feed's suite once over ``frame`` (index = position 0..n-1, rows of one or
        more files with the same columns) and log every failure in its own file's log."""
        rules = {r.name: r for r in contract.fields}
        for rule in contract.fields:
            if rule.has_range and rule.name in frame.columns:
                frame[rule.name + _NUMBER] = pd.to_numeric(frame[rule.name], errors="coerce")
        result = self._validation(contract).run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE"},
        )
        for res in result.results:
            if res.success:
                continue
            meta = res.expectation_config.meta or {}
            kind = meta.get("kind")
            if kind == "required_columns":
                for log in owners.distinct_logs():
                    for column in contract.required_columns:
                        if column not in frame.columns:
                            log.add(
                                f"{column}:required_column",
                                f"the header lacks required column {column!r}",
                                line=1 if contract.file_format != "jsonl" else None,
                            )
                continue
            rule = rules[meta["field"]]
            if rule.name not in frame.columns:
                continue  # reported as a missing required column
            if _raised(res):
                raise RuntimeError(f"GX could not check {rule.name!r}: {res.exception_info}")
            index = list(res.result.get("unexpected_index_list") or [])
            total = int(res.result.get("unexpected_count") or len(index))
            if total != len(index):
                raise RuntimeError(
                    f"GX listed {len(index)} of {total} rows breaking {rule.name}:{kind}"
                )
            column = frame[rule.name]
            for log, positions in owners.split(index):
                self._log_rows(kind, rule, column, positions, owners.rows, log)

    @staticmethod
    def _log_rows(
        kind: str,
        rule: FieldRule,
        column: pd.Series,
        positions: np.ndarray,
        rows: np.ndarray,
        log: ViolationLog,
    ) -> None:
        """One file's failing rows (positions in the batch, in file order) for one rule."""
        rule_id = f"{rule.name}:{kind}"
        total = len(positions)
        shown = positions[: max(log.room_for(rule_id), 0)]
        for position in shown:
            value = column.iat[position]
            text = None if value is None or (isinstance(value, float) and pd.isna(value)) else value
            log.add(rule_id, _message(kind, rule, text), row=int(rows[position]), value=text)
        if total > len(shown):
            if not len(shown):
                first = positions[0]
                log.add(rule_id, _message(kind, rule, column.iat[first]), row=int(rows[first]))
                total -= 1
            log.add_uncounted_rows(rule_id, total - len(shown))


@dataclass
class _Owners:
    """Which file's log and which data row each position of a batch belongs to.

    ``starts[k]`` is the first position of part ``k`` (parts are consecutive, in order) and
    ``logs[k]`` its file's log; ``rows[p]`` is the 1-based data row of position ``p``.
    """

    logs: list[ViolationLog]
    starts: np.ndarray
    rows: np.ndarray

    def distinct_logs(self) -> list[ViolationLog]:
        return list({id(log): log for log in self.logs}.values())

    def __post_init__(self) -> None:
        numbers: dict[int, int] = {}
        self._file_of_part = np.array(
            [numbers.setdefault(id(log), len(numbers)) for log in self.logs], dtype=np.int64
        )

    def split(self, index: list[Any]) -> Iterator[tuple[ViolationLog, np.ndarray]]:
        """Failing positions grouped by file, files and rows in batch order."""
        if not index:
            return
        positions = np.sort(np.asarray(index, dtype=np.int64))
        part = np.searchsorted(self.starts, positions, side="right") - 1
        files = self._file_of_part[part]
        cuts = np.flatnonzero(files[1:] != files[:-1]) + 1
        for run, parts in zip(np.split(positions, cuts), np.split(part, cuts), strict=True):
            yield self.logs[int(parts[0])], run


@dataclass
class _Pending:
    contract: Contract
    chunks: list[pd.DataFrame] = field(default_factory=list)
    checks: list[FileCheck] = field(default_factory=list)
    weight: int = 0


class Batcher:
    """Gathers chunks of one feed's files into batches of about ``chunk_rows`` rows.

    Chunks are grouped by feed and column names (a CSV file with an extra or a missing column
    goes with files shaped like it), so a batch is one DataFrame the feed's suite can run on.
    A chunk weighs the source rows read for it; a file's chunks other than its last weigh
    ``chunk_rows`` and so are validated before the file's next chunk is read.
    """

    def __init__(self, checker: Callable[[], Checker], chunk_rows: int) -> None:
        self._checker = checker
        self.chunk_rows = chunk_rows
        self._pending: dict[tuple[str, tuple[str, ...]], _Pending] = {}

    def add(self, check: FileCheck, chunk: pd.DataFrame, weight: int) -> None:
        contract = check.landed.contract
        key = (contract.name, tuple(str(c) for c in chunk.columns))
        pending = self._pending.setdefault(key, _Pending(contract))
        pending.chunks.append(chunk)
        pending.checks.append(check)
        pending.weight += max(weight, len(chunk))
        check.pending += 1
        if pending.weight >= self.chunk_rows:
            self._flush(key)

    def flush(self) -> None:
        for key in list(self._pending):
            self._flush(key)

    def _flush(self, key: tuple[str, tuple[str, ...]]) -> None:
        pending = self._pending.pop(key)
        began = time.perf_counter()
        chunks = pending.chunks
        sizes = np.array([len(c) for c in chunks], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        rows = np.concatenate([c.index.to_numpy(dtype=np.int64) for c in chunks])
        frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
        frame = frame.reset_index(drop=True)
        pending.chunks = []
        owners = _Owners([c.result.log for c in pending.checks], starts, rows)
        self._checker().validate_batch(pending.contract, frame, owners)
        elapsed = time.perf_counter() - began
        total = int(sizes.sum())
        for check, size in zip(pending.checks, sizes, strict=True):
            check.pending -= 1
            check.seconds += elapsed * (size / total if total else 1 / len(sizes))


class FileCheck:
    """Every rule of one file's contract; the file is loadable when the log stays empty.

    ``chunks`` runs the rules on the file itself and yields its value rows for a ``Batcher``;
    once every chunk is validated (``done``), ``finish`` completes the result.
    """

    def __init__(
        self,
        landed: LandedFile,
        info: FileInfo,
        con: duckdb.DuckDBPyConnection,
        chunk_rows: int,
    ) -> None:
        self.landed = landed
        self.info = info
        self.con = con
        self.chunk_rows = chunk_rows
        self.result = CheckResult(ViolationLog(landed.relative_path))
        self.pending = 0  # chunks handed to a Batcher and not validated yet
        self.read = False  # chunks() ran to its end
        self.seconds = 0.0  # time spent on this file, including its share of batches
        self._scan: StructureScan | None = None
        self._parse_error: Exception | None = None

    @property
    def done(self) -> bool:
        return self.read and self.pending == 0

    def chunks(self) -> Iterator[tuple[pd.DataFrame, int]]:
        """File-level rules, then ``(chunk, source rows read for it)`` in file order."""
        landed, log = self.landed, self.result.log
        try:
            layout = landed.layout_problem()
            if layout:
                log.add("file:layout", layout)
            if self.info.utf8_error is not None:
                err = self.info.utf8_error
                log.add(
                    "file:utf8",
                    f"file is not valid UTF-8: bytes {err.bad_bytes!r} "
                    f"at byte offset {err.byte_offset}",
                    line=err.line,
                    value=err.bad_bytes.hex(" "),
                )
                return
            if landed.contract.file_format == "jsonl":
                yield from self._jsonl()
            else:
                yield from self._csv()
        finally:
            self.read = True

    def _jsonl(self) -> Iterator[tuple[pd.DataFrame, int]]:
        contract = self.landed.contract
        paths = [r.name for r in contract.fields]
        self.result.row_count = 0
        for chunk in jsonl_chunks(self.landed.path, paths, self.chunk_rows, self.result.log):
            self.result.row_count += len(chunk)
            yield chunk, int(chunk.attrs.get(SOURCE_ROWS, len(chunk)))

    def _csv(self) -> Iterator[tuple[pd.DataFrame, int]]:
        landed, result = self.landed, self.result
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
        scan = scan_structure(self.con, landed.path, result.columns, wanted, log.max_examples)
        self._scan = scan
        logged: dict[str, int] = {}
        for err in scan.errors:
            rule = _structure_rule(err.error_type)
            logged[rule] = logged.get(rule, 0) + 1
            log.add(
                rule,
                f"{err.message.rstrip('.')} ({err.csv_line[:_MAX_SHOWN]!r})",
                row=err.record - wanted,
                value=err.csv_line[:200],
            )
        for error_type, count in scan.counts.items():
            rule = _structure_rule(error_type)
            log.add_uncounted_rows(rule, count - logged.get(rule, 0))
        result.row_count = 0
        try:
            for chunk in csv_chunks(landed.path, wanted, result.columns, self.chunk_rows):
                result.row_count += len(chunk)
                yield chunk, len(chunk)
        except (pd.errors.ParserError, ValueError) as exc:
            self._parse_error = exc
            result.row_count = scan.rows + sum(scan.counts.values())

    def finish(self) -> CheckResult:
        """Rules that need every chunk checked first; then line numbers for the messages."""
        result, scan = self.result, self._scan
        if scan is None:  # JSON lines, or a CSV file stopped before its data rows
            return result
        log = result.log
        if self._parse_error is not None and not scan.errors:
            log.add("file:csv_structure", f"the CSV cannot be parsed: {self._parse_error}")
        if scan.rows != result.row_count and not scan.errors:
            log.add(
                "file:csv_structure",
                f"DuckDB read {scan.rows} data rows but the checker read {result.row_count}",
            )
        if log:
            _add_line_numbers(self.landed, result.header_records, log)
        return result


def _raised(res: Any) -> bool:
    info = res.exception_info or {}
    if isinstance(info, dict) and "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def check_file(
    landed: LandedFile,
    info: FileInfo,
    checker: Checker,
    con: duckdb.DuckDBPyConnection,
    chunk_rows: int,
) -> CheckResult:
    """Every rule of one file's contract, checked on its own (the loader batches files)."""
    check = FileCheck(landed, info, con, chunk_rows)
    batcher = Batcher(lambda: checker, chunk_rows)
    for chunk, weight in check.chunks():
        batcher.add(check, chunk, weight)
    batcher.flush()
    return check.finish()


def _structure_rule(error_type: str) -> str:
    return "file:csv_" + error_type.lower().replace(" ", "_")


def _add_line_numbers(landed: LandedFile, header_records: int, log: ViolationLog) -> None:
    rows = {v.row for e in log.rules for v in e.examples if v.row is not None}
    row_to_line, _ = map_rows_and_lines(landed.path, header_records, rows, set())
    log.set_lines(row_to_line)
