"""Write mapped rows as one canonical landing file, and unplaceable rows to quarantine.

Landing: ``<landing>/<source>/<table>/delivery_date=<date>/<file>`` named as the contract's
file pattern expects. Quarantine follows the loader's convention (the rejected content under the
quarantine folder with a ``.reason.txt`` beside it), in its own ``mapping/`` subfolder so it is
never confused with a landed file the loader moved: ``<quarantine>/mapping/<source>/<table>/
delivery_date=<date>/<export name>.rejected.csv`` holds each rejected row as read, after two
columns ``_input_row`` (1-based data row of the export) and ``_reason``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..contract import Contract, FieldRule, anchored

QUALTRICS_ZONE = "America/New_York"


class LandingExistsError(FileExistsError):
    """The canonical file for this delivery date already exists."""


def check_row(contract_fields: dict[str, FieldRule], values: dict[str, str | None]) -> list[str]:
    """The contract rules a mapped row breaks (the loader would quarantine its whole file)."""
    problems = []
    for name, rule in contract_fields.items():
        value = values.get(name)
        if value is None or value == "":
            if rule.not_null:
                problems.append(f"{name} is empty but the contract requires a value")
            continue
        if rule.accepted_values is not None and value not in rule.accepted_values:
            problems.append(
                f"{name} = {value!r} is not one of {', '.join(rule.accepted_values)} "
                "(add it to the column's values: vocabulary)"
            )
        if rule.regex is not None and not re.match(anchored(rule.regex), value):
            problems.append(f"{name} = {value!r} must be {rule.regex_description or rule.regex}")
        fmt = rule.value_format
        if fmt is not None and not re.match(anchored(fmt.regex), value):
            problems.append(f"{name} = {value!r} must be {fmt.description} like {fmt.example}")
        elif rule.has_range:
            try:
                number = float(value)
            except ValueError:
                problems.append(f"{name} = {value!r} is not a number")
                continue
            if rule.min_value is not None and number < rule.min_value:
                problems.append(f"{name} = {value} is below {rule.min_value:g}")
            if rule.max_value is not None and number > rule.max_value:
                problems.append(f"{name} = {value} is above {rule.max_value:g}")
    return problems


def landing_path(
    contract: Contract, landing: Path, delivery: dt.date, system: str = "", sequence: int = 0
) -> Path:
    """The canonical file for one mapped export. A system other than the contract's own source is
    named in the file (``Case-2026-03-02--servicenow.csv``), so two systems never collide in one
    delivery folder and every raw row can be traced to its source system through ``_source_file``.
    ``sequence`` fixes the JSON-lines file number (the next free one when 0)."""
    folder = landing / contract.source / contract.table / f"delivery_date={delivery.isoformat()}"
    suffix = f"--{system}" if system and system != contract.source else ""
    if contract.file_format == "jsonl":
        seq = sequence or 1
        while (
            not sequence
            and (folder / f"{contract.table}-{delivery.isoformat()}-{seq}{suffix}.jsonl").exists()
        ):
            seq += 1
        path = folder / f"{contract.table}-{delivery.isoformat()}-{seq}{suffix}.jsonl"
    else:
        path = folder / f"{contract.table}-{delivery.isoformat()}{suffix}.csv"
        if path.exists() and not sequence:
            raise LandingExistsError(
                f"{path} already exists: a CSV feed holds one file per delivery date and system; "
                "choose another --delivery-date or move the existing file"
            )
    if not contract.matches_file_name(path.name):  # guards the naming above against drift
        raise AssertionError(f"{path.name} does not match {contract.file_pattern}")
    return path


def csv_header(
    contract: Contract, rows: list[dict[str, str | None]], mapped: list[str]
) -> list[str]:
    header = list(contract.required_columns)
    for name in mapped + [k for row in rows[:1] for k in row]:
        if name not in header:
            header.append(name)
    return header


def write_csv(
    path: Path, contract: Contract, header: list[str], rows: list[dict[str, Any]]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        if contract.file_format == "qualtrics_csv":
            writer.writerow(header)  # row 2: labels (the export's own names are not kept)
            writer.writerow([_import_id(contract, name) for name in header])
        for row in rows:
            writer.writerow(["" if row.get(n) is None else row[n] for n in header])
    partial.replace(path)  # the loader never sees a half-written file


def _import_id(contract: Contract, name: str) -> str:
    rule = next((f for f in contract.fields if f.name == name), None)
    if rule is not None and rule.value_format and rule.value_format.name == "qualtrics_timestamp":
        return json.dumps({"ImportId": name, "timeZone": QUALTRICS_ZONE}, separators=(",", ":"))
    return json.dumps({"ImportId": name}, separators=(",", ":"))


def nest(values: dict[str, str | None]) -> dict[str, Any]:
    """Dotted paths to nested objects; an object whose values are all missing becomes null
    (Connect writes ``"Agent": null`` when no agent was connected)."""
    record: dict[str, Any] = {}
    for name, value in values.items():
        node = record
        parts = name.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _prune(record)


def _prune(node: dict[str, Any]) -> dict[str, Any]:
    for key, value in node.items():
        if isinstance(value, dict):
            inner = _prune(value)
            node[key] = inner if any(v is not None for v in inner.values()) else None
    return node


def write_jsonl(path: Path, rows: list[dict[str, str | None]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(nest(row), separators=(",", ":")) + "\n")
    partial.replace(path)


def quarantine_path(quarantine: Path, contract: Contract, delivery: dt.date, export: Path) -> Path:
    folder = (
        quarantine
        / "mapping"
        / contract.source
        / contract.table
        / f"delivery_date={delivery.isoformat()}"
    )
    path = folder / f"{export.name}.rejected.csv"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{export.name}.rejected-{n}.csv"
    return path


def write_quarantine(
    path: Path,
    export: Path,
    mapping: Path,
    columns: list[str],
    rejected: list[tuple[int, str, dict[str, str | None]]],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["_input_row", "_reason", *columns])
        for number, reason, row in rejected:
            if "__raw__" in row:
                writer.writerow([number, reason, row["__raw__"]])
            else:
                writer.writerow(
                    [number, reason, *("" if row.get(c) is None else row[c] for c in columns)]
                )
    counts = Counter(reason.split(" = ")[0].split(" is ")[0] for _, reason, _ in rejected)
    lines = [
        f"{len(rejected)} row(s) of {export} could not be placed by the mapping {mapping}.",
        "Each row is in the .rejected.csv beside this file with its reason; fix the export or",
        "the mapping and map the rows again. Reasons by column:",
        *(f"  {name}: {count}" for name, count in counts.most_common()),
    ]
    path.with_name(path.name + ".reason.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
