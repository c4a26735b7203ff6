"""Rules on the header rows of landed CSV files (checked by our code, not by GX)."""

from __future__ import annotations

import orjson

from .violations import ViolationLog

QUALTRICS_HEADER_ROWS = 3


def check_column_names(columns: list[str], log: ViolationLog) -> bool:
    """Header row 1 must name every column once (DuckDB names are case-insensitive)."""
    ok = True
    seen: dict[str, str] = {}
    for position, name in enumerate(columns, start=1):
        if not name.strip():
            log.add(
                "file:csv_header",
                f"header row 1 column {position} has no name",
                line=1,
                value=name,
            )
            ok = False
            continue
        key = name.lower()
        if key in seen:
            log.add(
                f"file:duplicate_column:{name}",
                f"header row 1 names column {name!r} twice (also as {seen[key]!r})",
                line=1,
                value=name,
            )
            ok = False
        seen[key] = name
    return ok


def check_qualtrics_rows(records: list[list[str]], log: ViolationLog) -> bool:
    """Rows 2 (labels) and 3 (ImportId JSON) must be present and as wide as row 1."""
    rule = "file:qualtrics_header_rows"
    if len(records) < QUALTRICS_HEADER_ROWS:
        log.add(
            rule,
            f"a Qualtrics export has three header rows (names, labels, ImportIds); "
            f"found only {len(records)} row(s)",
        )
        return False
    names, labels, import_ids = records[:QUALTRICS_HEADER_ROWS]
    ok = True
    for number, row in ((2, labels), (3, import_ids)):
        if len(row) != len(names):
            log.add(
                rule,
                f"header row {number} has {len(row)} fields but row 1 names {len(names)} columns",
            )
            ok = False
    bad = [
        (name, cell)
        for name, cell in zip(names, import_ids, strict=False)
        if not _is_import_id(cell)
    ]
    if bad:
        name, cell = bad[0]
        log.add(
            rule,
            f'header row 3 must hold ImportId JSON like {{"ImportId":"QID1"}} in every column; '
            f"{len(bad)} column(s) do not, first {name!r}: {cell[:80]!r}",
            value=cell[:200],
        )
        ok = False
    return ok


def _is_import_id(cell: str) -> bool:
    try:
        value = orjson.loads(cell)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and isinstance(value.get("ImportId"), str)
