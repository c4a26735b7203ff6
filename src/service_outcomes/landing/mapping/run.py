"""``service-outcomes map``: read an export, map every row, write landing + quarantine."""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .events import History, counted, select_versions
from .readers import InputError, detect_format, read_rows
from .spec import Mapping, MappingError
from .transforms import RowError, map_row
from .writer import (
    check_row,
    csv_header,
    landing_path,
    quarantine_path,
    write_csv,
    write_jsonl,
    write_quarantine,
)

PROGRESS_EVERY = 10_000
_SKIP_NOTE = "value in the mapping's only_rows_with column"


@dataclass
class MapSummary:
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    #: Rows that are not rows of the target (``only_rows_with`` missing): skipped, not errors.
    rows_skipped: int = 0
    landing_file: Path | None = None
    quarantine_file: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"mapped {self.rows_read} row(s) in {self.seconds:.1f} s: {self.rows_written} written, "
            f"{self.rows_quarantined} quarantined"
            + (f", {self.rows_skipped} skipped (no {_SKIP_NOTE})" if self.rows_skipped else ""),
        ]
        if self.landing_file:
            lines.append(f"  landing file:    {self.landing_file}")
        if self.quarantine_file:
            lines.append(f"  quarantined to:  {self.quarantine_file} (reasons beside it)")
        return "\n".join(lines)


def map_export(
    mapping: Mapping,
    export: Path,
    landing: Path,
    quarantine: Path,
    delivery: dt.date,
    *,
    progress: bool = True,
    sequence: int = 0,
    history: History | None = None,
) -> MapSummary:
    """Map ``export`` with ``mapping``; raises MappingError when the export lacks a mapped
    column, InputError when it cannot be read."""
    started = time.perf_counter()
    summary = MapSummary()
    fmt = detect_format(export, mapping.input_format)
    columns, rows = read_rows(export, fmt, delimiter=mapping.delimiter, sheet=mapping.sheet)
    absent = [c for c in mapping.source_columns if c not in columns]
    if absent and fmt not in ("json", "jsonl"):  # JSON objects may simply omit a key
        raise MappingError(
            [
                f"{mapping.path}: columns: the export {export} has no column {name!r} "
                f"(its columns: {', '.join(columns)})"
                for name in absent
            ]
        )
    rules = {f.name: f for f in mapping.contract.fields}
    good: list[dict[str, str | None]] = []
    rejected: list[tuple[int, str, dict[str, str | None]]] = []
    markers = mapping.missing
    read = [0]
    if mapping.rows is not None:  # a versioned export: versions kept, or changes (events.py)
        rows = select_versions(mapping.rows, counted(rows, read), mapping.missing, history)
    for number, row in rows:
        summary.rows_read += 1
        if mapping.only_rows_with is not None and "__error__" not in row:
            marker = row.get(mapping.only_rows_with)
            if marker is None or marker.strip() in markers:
                summary.rows_skipped += 1
                continue
        try:
            values = map_row(mapping, row)
            problems = check_row(rules, values)
            if problems:
                raise RowError("; ".join(problems))
            good.append(values)
        except RowError as exc:
            rejected.append((number, str(exc), row))
            key = str(exc).split(" = ")[0].split(" is ")[0]
            summary.reasons[key] = summary.reasons.get(key, 0) + 1
        if progress and summary.rows_read % PROGRESS_EVERY == 0:
            print(f"  read {summary.rows_read} rows ...", file=sys.stderr, flush=True)
    if mapping.rows is not None:
        summary.rows_read = read[0]
    contract = mapping.contract
    if good:
        path = landing_path(contract, landing, delivery, mapping.system, sequence)
        mapped = [c.target for c in mapping.columns]
        if contract.file_format == "jsonl":
            write_jsonl(path, good)
        else:
            write_csv(path, contract, csv_header(contract, good, mapped), good)
        summary.landing_file = path
    if rejected:
        qpath = quarantine_path(quarantine, contract, delivery, export)
        write_quarantine(qpath, export, mapping.path, columns, rejected)
        summary.quarantine_file = qpath
    summary.rows_written = len(good)
    summary.rows_quarantined = len(rejected)
    summary.seconds = time.perf_counter() - started
    return summary


__all__ = ["InputError", "MapSummary", "map_export"]
