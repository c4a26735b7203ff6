"""Readers for the export formats a mapping accepts: each yields (row number, {column: text}).

Row numbers are 1-based data rows (header not counted), as in the loader's quarantine.
Nested JSON objects are flattened to dotted names (``agent.name``); non-string JSON values
become their JSON text. XLSX date cells become ``YYYY-MM-DD HH:mm:ss`` text, time cells
``H:mm:ss`` and numbers their plain text (``5``, not ``5.0``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Row = dict[str, str | None]

SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
}


class InputError(ValueError):
    """The export cannot be read as the declared format."""


def detect_format(path: Path, declared: str | None) -> str:
    if declared:
        return declared
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; "
            "declare input.format in the mapping (csv, tsv, json, jsonl, xlsx)"
        )
    return fmt


def read_rows(
    path: Path, fmt: str, *, delimiter: str | None = None, sheet: str | None = None
) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    """The export's column names and an iterator over its data rows."""
    if fmt in ("csv", "tsv"):
        return _delimited(path, delimiter or ("\t" if fmt == "tsv" else ","))
    if fmt == "json":
        return _json_array(path)
    if fmt == "jsonl":
        return _json_lines(path)
    if fmt == "xlsx":
        return _xlsx(path, sheet)
    raise InputError(f"{path}: unknown input format {fmt!r}")


def _delimited(path: Path, delimiter: str) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    fh = path.open("r", encoding="utf-8-sig", newline="")
    reader = csv.reader(fh, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        fh.close()
        raise InputError(f"{path}: the file is empty (no header row)")
    header = [h.strip() for h in header]

    def rows() -> Iterator[tuple[int, Row]]:
        with fh:
            for number, record in enumerate(reader, start=1):
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != len(header):
                    raw = delimiter.join(record)
                    yield (
                        number,
                        {
                            "__error__": f"has {len(record)} fields, header has {len(header)}",
                            "__raw__": raw,
                        },
                    )
                    continue
                yield number, dict(zip(header, record, strict=True))

    return header, rows()


def _flatten(value: Any, prefix: str, out: Row) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}{key}.", out)
        return
    name = prefix[:-1]
    if value is None:
        out[name] = None
    elif isinstance(value, str):
        out[name] = value
    else:
        out[name] = json.dumps(value)


def _object_row(value: Any) -> Row:
    if not isinstance(value, dict):
        return {
            "__error__": f"is a JSON {type(value).__name__}, not an object",
            "__raw__": json.dumps(value)[:200],
        }
    row: Row = {}
    _flatten(value, "", row)
    return row


def _json_array(path: Path) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise InputError(f"{path}: a JSON export must be an array of objects (or use jsonl)")
    rows = [(n, _object_row(v)) for n, v in enumerate(data, start=1)]
    return _columns_of(r for _, r in rows), iter(rows)


def _json_lines(path: Path) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    rows: list[tuple[int, Row]] = []
    with path.open("r", encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rows.append((number, _object_row(json.loads(line))))
            except json.JSONDecodeError as exc:
                rows.append(
                    (
                        number,
                        {"__error__": f"is not valid JSON ({exc})", "__raw__": line.rstrip()[:200]},
                    )
                )
    return _columns_of(r for _, r in rows), iter(rows)


def _columns_of(rows: Iterator[Row]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(k for k in row if not k.startswith("__")))
    return list(names)


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return f"{value.hour}:{value.minute:02d}:{value.second:02d}"
    if isinstance(value, dt.timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx(path: Path, sheet: str | None) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise InputError(f"{path}: not a readable XLSX workbook: {exc}") from exc
    if sheet is not None and sheet not in book.sheetnames:
        book.close()
        raise InputError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    cells = ws.iter_rows(values_only=True)
    first = next(cells, None)
    if first is None:
        book.close()
        raise InputError(f"{path}: sheet {ws.title!r} is empty (no header row)")
    header = [str(h).strip() if h is not None else "" for h in first]

    def rows() -> Iterator[tuple[int, Row]]:
        try:
            for number, record in enumerate(cells, start=1):
                texts = [_cell_text(v) for v in record]
                if not any(t not in (None, "") for t in texts):
                    continue
                yield number, {h: t for h, t in zip(header, texts, strict=False) if h}
        finally:
            book.close()

    return header, rows()
