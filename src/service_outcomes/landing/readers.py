"""Python readers of landed files: CSV header rows, the line-by-line JSON lines reader (for a
file DuckDB's reader cannot vouch for), and row-to-line mapping for quarantine messages.

Every DataFrame's index is the 1-based data row number within the file, so a failing index is
the row to report. Nothing reads a whole file into memory.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson
import pandas as pd

from .violations import ViolationLog

csv.field_size_limit(1 << 30)

SOURCE_ROWS = "source_rows"  # DataFrame.attrs key: lines read for a JSON lines chunk
#: At most this many bytes of JSON lines per chunk. Parsed, a chunk takes several times its size
#: in Python objects (about 6x for Connect records), so the rows alone do not bound it: 100,000
#: Connect records are ~230 MB of text, and a 160 MB day file was one chunk of ~1 GB.
JSONL_CHUNK_BYTES = 8 << 20


def _open_text(path: Path) -> IO[str]:
    # utf-8-sig drops a byte-order mark (Qualtrics exports often start with one).
    return path.open("r", encoding="utf-8-sig", newline="")


def read_header_records(path: Path, count: int) -> tuple[list[list[str]], int]:
    """The first ``count`` CSV records and the physical lines they span."""
    with _open_text(path) as fh:
        reader = csv.reader(iter(fh.readline, ""))
        records = list(itertools.islice(reader, count))
        return records, reader.line_num


def _number_rows(df: pd.DataFrame, offset: int) -> pd.DataFrame:
    df.index = pd.RangeIndex(offset + 1, offset + 1 + len(df))
    return df


def _column(records: list[Any], path: tuple[str, ...]) -> list[str | None]:
    """Values at ``path`` (None where a parent is not an object, and for the empty string, as
    vendors write null either way); non-strings as JSON text."""
    values: list[Any] = records
    for key in path:
        values = [v.get(key) if type(v) is dict else None for v in values]
    return [_text(v) for v in values]


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if type(value) is str else orjson.dumps(value).decode()


def jsonl_chunks(
    path: Path,
    paths: Sequence[str],
    chunk_rows: int,
    log: ViolationLog,
    chunk_bytes: int = JSONL_CHUNK_BYTES,
) -> Iterator[pd.DataFrame]:
    """JSON lines parsed with orjson, flattened to ``paths``, at most ``chunk_rows`` lines and
    about ``chunk_bytes`` bytes at a time (a chunk ends after the line that reaches it).

    A line that is not valid JSON, not a JSON object, or empty is recorded in ``log`` and
    left out of the DataFrame (whose index still holds each record's line number).
    Values that are not JSON strings become their JSON text.
    """
    split = [tuple(p.split(".")) for p in paths]
    row = 0
    with path.open("rb") as fh:
        if fh.read(3) != b"\xef\xbb\xbf":
            fh.seek(0)
        while lines := _next_lines(fh, chunk_rows, chunk_bytes):
            first = row + 1
            records: list[dict[str, Any]] = []
            numbers: list[int] = []
            for line in lines:
                row += 1
                record = _parse_line(line, row, log)
                if record is not None:
                    records.append(record)
                    numbers.append(row)
            data = {
                name: pd.array(_column(records, path), dtype="str")
                for name, path in zip(paths, split, strict=True)
            }
            df = pd.DataFrame(data, columns=list(paths))
            if len(numbers) == len(lines):
                df = _number_rows(df, first - 1)
            else:  # unparseable lines are left out; keep the others' line numbers
                df.index = pd.Index(numbers, dtype="int64")
            df.attrs[SOURCE_ROWS] = len(lines)
            yield df


def _next_lines(fh: IO[bytes], rows: int, size: int) -> list[bytes]:
    lines: list[bytes] = []
    taken = 0
    for line in fh:
        lines.append(line)
        taken += len(line)
        if len(lines) >= rows or taken >= size:
            break
    return lines


def _parse_line(line: bytes, row: int, log: ViolationLog) -> dict[str, Any] | None:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if not line.strip():
            log.add("file:blank_line", "empty line, expected a JSON object", row=row, line=row)
        else:
            snippet = line[:80].decode("utf-8", "replace").rstrip("\r\n")
            log.add("file:json", f"invalid JSON ({exc}): {snippet!r}", row=row, line=row)
        return None
    if not isinstance(value, dict):
        kind = type(value).__name__.replace("dict", "object").replace("list", "array")
        log.add("file:json_object", f"must be a JSON object, got a JSON {kind}", row=row, line=row)
        return None
    return value


def map_rows_and_lines(
    path: Path, header_records: int, rows: set[int], lines: set[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """First physical line of each wanted data row, and data row holding each wanted line.

    Only run for quarantined CSV files, stopping at the last wanted row/line.
    """
    row_to_line: dict[int, int] = {}
    line_to_row: dict[int, int] = {}
    last_row = max(rows, default=0)
    pending_lines = sorted(lines)
    try:
        with _open_text(path) as fh:
            reader = csv.reader(iter(fh.readline, ""))
            for _ in itertools.islice(reader, header_records):
                pass
            end = reader.line_num
            for row, _record in enumerate(reader, start=1):
                start, end = end + 1, reader.line_num
                if row in rows:
                    row_to_line[row] = start
                while pending_lines and pending_lines[0] <= end:
                    line_to_row[pending_lines.pop(0)] = row
                if row >= last_row and not pending_lines:
                    break
    except csv.Error:
        pass
    return row_to_line, line_to_row
