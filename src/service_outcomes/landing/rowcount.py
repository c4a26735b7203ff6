"""Data rows in a landed file, counted leniently, for the ledger row of a quarantined file.

A quarantined file may be unreadable to the checks (not UTF-8, a broken header, a line that is not
JSON), yet the data-quality audit must still say how many rows it held. This count never fails:
bytes that are not UTF-8 are replaced, and a row is a non-blank JSON line, or a non-blank CSV
record after the feed's header rows (a quoted value may span several lines).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .contract import Contract
from .headers import QUALTRICS_HEADER_ROWS


def header_rows(contract: Contract) -> int:
    """Header records before the data in a file of this feed (0 for JSON lines)."""
    if contract.file_format == "jsonl":
        return 0
    return QUALTRICS_HEADER_ROWS if contract.file_format == "qualtrics_csv" else 1


def count_data_rows(path: Path, contract: Contract) -> int:
    """Non-blank data rows of ``path`` read as a file of ``contract``'s format."""
    if contract.file_format == "jsonl":
        with path.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        return _csv_rows(fh, header_rows(contract))


def _csv_rows(fh: io.TextIOBase, headers: int) -> int:
    records = 0
    reader = csv.reader(fh)
    try:
        for number, record in enumerate(reader, start=1):
            if number > headers and any(cell.strip() for cell in record):
                records += 1
    except csv.Error:  # e.g. a NUL byte: count the remaining physical lines that hold text
        records += sum(1 for line in fh if line.strip())
    return records
