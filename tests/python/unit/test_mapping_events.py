"""Versioned exports (an event log with one row per update of a record): the rows: block of a
mapping, its validation messages, the latest version and the change log it produces, across
deliveries, and the ServiceNow built-in mappings on a small hand-made export."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from service_outcomes.generate.formats import servicenow
from service_outcomes.landing.mapping import MappingError, load_mapping, map_export
from service_outcomes.landing.mapping.estate import BUILTIN_MAPPINGS, map_vendor_exports
from service_outcomes.landing.mapping.events import History, select_versions
from service_outcomes.landing.mapping.transforms import RowError, map_row, stable_id

HEAD = """version: 1
target: {source: salesforce, table: CaseHistory}
timezone: Europe/London
"""
HISTORY_COLUMNS = """columns:
  Id: {from: [sys_id, sys_mod_count, _change.field], id: {prefix: "017", length: 15}}
  CaseId: {from: number, id: {prefix: "500", length: 15}}
  Field: {from: _change.field}
  OldValue: {from: _change.old}
  NewValue: {from: _change.new}
  CreatedDate: {from: sys_updated_on, timestamp: "YYYY-MM-DD HH:mm:ss"}
  IsDeleted: {constant: "false"}
"""
CHANGES = """rows:
  key: number
  order_by: sys_mod_count
  order_as: number
  keep: changes
  track: {state: Status, close_code: Resolution_Code__c}
  first: created
"""
EXPORT_HEADER = "number,sys_id,state,close_code,sys_updated_on,sys_mod_count\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(MappingError) as info:
        load_mapping(write(tmp_path / "m.yml", text))
    return info.value.errors


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- validation ------------------------------------------------------------------------------


def test_rows_block_mistakes_are_all_named(tmp_path: Path) -> None:
    errors = errors_of(
        tmp_path,
        HEAD
        + "rows: {key: [], order_as: date, keep: newest, track: {state: Status}, colour: red}\n"
        + HISTORY_COLUMNS,
    )
    text = "\n".join(errors)
    assert "m.yml: rows.colour: unknown key" in text
    assert "m.yml: rows.key: required: the source column(s) naming one record" in text
    assert "m.yml: rows.order_by: required" in text
    assert "m.yml: rows.order_as: must be one of text, number, got 'date'" in text
    assert "m.yml: rows.keep: required: latest (one row per record) or changes" in text
    assert "m.yml: rows.track: only used with keep: changes" in text


def test_changes_need_a_track_and_a_change_field(tmp_path: Path) -> None:
    columns = HISTORY_COLUMNS.replace("_change.field", "number")
    errors = errors_of(
        tmp_path, HEAD + "rows: {key: number, order_by: sys_mod_count, keep: changes}\n" + columns
    )
    text = "\n".join(errors)
    assert "m.yml: rows.track: required with keep: changes" in text
    assert "m.yml: columns: keep: changes writes one row per change: map _change.field" in text


def test_change_columns_only_exist_with_keep_changes(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, HEAD + HISTORY_COLUMNS)
    assert any(
        "m.yml: columns.Field.from: _change.field exists only with rows: {keep: changes}" in e
        for e in errors
    )
    typo = HISTORY_COLUMNS.replace("_change.new", "_change.after")
    errors = errors_of(tmp_path, HEAD + CHANGES + typo)
    assert any("unknown change column '_change.after'" in e for e in errors)


def test_duplicate_field_names_and_bad_extract(tmp_path: Path) -> None:
    errors = errors_of(
        tmp_path,
        HEAD
        + CHANGES.replace("close_code: Resolution_Code__c", "close_code: Status")
        + HISTORY_COLUMNS.replace(
            'IsDeleted: {constant: "false"}', 'IsDeleted: {from: x, extract: "a(b)(c)"}'
        ),
    )
    text = "\n".join(errors)
    assert "m.yml: rows.track: field name 'Status' is given to more than one column" in text
    assert "m.yml: columns.IsDeleted.extract: must capture exactly one group" in text


# --- behaviour -------------------------------------------------------------------------------


def test_latest_version_per_record_by_numeric_order() -> None:
    from service_outcomes.landing.mapping.events import RowsSpec

    spec = RowsSpec(key=("number",), order_by=("n",), order_as="number", keep="latest")
    rows = [
        (1, {"number": "A", "n": "2"}),
        (2, {"number": "A", "n": "10"}),  # 10 > 2 as numbers (not as text)
        (3, {"number": "B", "n": "0"}),
        (4, {"number": "", "n": "1"}),
        (5, {"number": "B", "n": "x"}),
    ]
    kept = list(select_versions(spec, rows, frozenset({""})))
    assert [(n, r["number"], r.get("__error__", "")) for n, r in kept] == [
        (4, "", "has no number (rows.key): the record it belongs to is unknown"),
        (5, "B", "has n = 'x', not a number (rows.order_as: number)"),
        (2, "A", ""),
        (3, "B", ""),
    ]


def test_change_log_across_deliveries(tmp_path: Path) -> None:
    """One row per change of a tracked field, the value before it taken from the previous
    delivery when the record's earlier version came then; a 'created' row for the insert."""
    mapping = load_mapping(write(tmp_path / "m.yml", HEAD + CHANGES + HISTORY_COLUMNS))
    history = History()
    day1 = write(
        tmp_path / "d1.csv",
        EXPORT_HEADER
        + "INC00000001,s1,New,,2026-03-02 10:00:00,0\n"
        + "INC00000001,s1,In Progress,,2026-03-02 10:00:05,1\n",
    )
    day2 = write(
        tmp_path / "d2.csv",
        EXPORT_HEADER
        # delivered out of order: sys_mod_count orders the versions, not the file
        + "INC00000001,s1,In Progress,,2026-03-03 09:00:00,3\n"
        + "INC00000001,s1,Resolved,Solved (Permanently),2026-03-03 08:00:00,2\n",
    )
    landing, quarantine = tmp_path / "landing", tmp_path / "q"
    map_export(mapping, day1, landing, quarantine, dt.date(2026, 3, 2), history=history)
    summary = map_export(mapping, day2, landing, quarantine, dt.date(2026, 3, 3), history=history)
    assert summary.rows_read == 2 and summary.rows_written == 4
    first = read_csv(next((landing / "salesforce" / "CaseHistory").rglob("*03-02.csv")))
    second = read_csv(next((landing / "salesforce" / "CaseHistory").rglob("*03-03.csv")))
    assert [(r["Field"], r["OldValue"], r["NewValue"]) for r in first] == [
        ("created", "", ""),
        ("Status", "New", "In Progress"),
    ]
    assert [(r["Field"], r["OldValue"], r["NewValue"], r["CreatedDate"]) for r in second] == [
        ("Status", "In Progress", "Resolved", "2026-03-03T08:00:00.000Z"),
        ("Resolution_Code__c", "", "Solved (Permanently)", "2026-03-03T08:00:00.000Z"),
        ("Status", "Resolved", "In Progress", "2026-03-03T09:00:00.000Z"),
        ("Resolution_Code__c", "Solved (Permanently)", "", "2026-03-03T09:00:00.000Z"),
    ]
    assert all(r["CaseId"] == stable_id("500", 15, "INC00000001") for r in first + second)
    assert len({r["Id"] for r in first + second}) == 6


def test_unplaceable_versions_are_quarantined_with_the_reason(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path / "m.yml", HEAD + CHANGES + HISTORY_COLUMNS))
    export = write(
        tmp_path / "d.csv",
        EXPORT_HEADER
        + ",s1,New,,2026-03-02 10:00:00,0\n"
        + "INC00000002,s2,New,,2026-03-29 01:30:00,0\n",  # inside the spring-forward gap
    )
    summary = map_export(mapping, export, tmp_path / "l", tmp_path / "q", dt.date(2026, 3, 2))
    assert summary.rows_quarantined == 2 and summary.rows_written == 0
    rejected = read_csv(next((tmp_path / "q").rglob("*.rejected.csv")))
    assert rejected[0]["_reason"] == (
        "the input row has no number (rows.key): the record it belongs to is unknown"
    )
    assert "does not exist in Europe/London" in rejected[1]["_reason"]


def test_extract_keeps_the_captured_part(tmp_path: Path) -> None:
    mapping = load_mapping(BUILTIN_MAPPINGS / "servicenow__incident__case.yml")
    column = next(c for c in mapping.columns if c.target == "CaseNumber")
    assert column.extract is not None
    with pytest.raises(RowError, match=r"number = 'CHG0000001' does not match the extract"):
        map_row(mapping, {"number": "CHG0000001"})


# --- the ServiceNow built-in mappings --------------------------------------------------------


def test_generator_writes_the_ids_the_mappings_derive() -> None:
    """The telephony and survey formatters write the ids the mappings give ServiceNow records."""
    for text in ("INC00000054", "0d1f2e3a", ""):
        for prefix in ("500", "003"):
            assert servicenow.stable_id(prefix, 15, text) == stable_id(prefix, 15, text)


def test_builtin_servicenow_mappings_land_an_incident_log(tmp_path: Path) -> None:
    landing, quarantine = tmp_path / "landing", tmp_path / "quarantine"
    folder = landing / "servicenow" / "incident" / "delivery_date=2026-03-02"
    header = ",".join(servicenow.INCIDENT_COLUMNS) + "\n"
    values = dict.fromkeys(servicenow.INCIDENT_COLUMNS, "")
    values.update(
        {
            "number": "INC00000007",
            "sys_id": "ab" * 16,
            "caller_id.sys_id": "cd" * 16,
            "company.sys_id": "ef" * 16,
            "category": "Billing",
            "subcategory": "Question",
            "contact_type": "Phone",
            "priority": "3 - Moderate",
            "escalation": "Normal",
            "assigned_to": "agent.uk.001",
            "opened_at": "2026-03-02 10:00:00",
            "u_contact_intent": "billing",
            "u_exceptional_circumstances": "false",
            "sys_updated_by": "agent.uk.001",
        }
    )
    lines = []
    updates = [
        ("New", "", "10:00:00"),
        ("In Progress", "", "10:00:04"),
        ("Resolved", "Solved (Work Around)", "10:20:00"),
    ]
    for count, (state, code, at) in enumerate(updates):
        values.update(
            state=state,
            close_code=code,
            sys_updated_on=f"2026-03-02 {at}",
            sys_mod_count=str(count),
            resolved_at="2026-03-02 10:20:00" if code else "",
        )
        lines.append(",".join(values[c] for c in servicenow.INCIDENT_COLUMNS) + "\n")
    write(folder / "incident-2026-03-02.csv", header + "".join(lines))
    first = map_vendor_exports(landing, quarantine)
    cases = read_csv(next((landing / "salesforce" / "Case").rglob("*--servicenow.csv")))
    history = read_csv(next((landing / "salesforce" / "CaseHistory").rglob("*--servicenow.csv")))
    assert len(cases) == 1
    case = cases[0]
    assert case["Id"] == servicenow.canonical_case_id("INC00000007")
    assert (case["CaseNumber"], case["Status"], case["IsClosed"], case["Priority"]) == (
        "00000007",
        "Resolved",
        "true",
        "Medium",
    )
    # Display values are London time: 10:20 on 2 March (GMT) is 10:20 UTC.
    assert case["ClosedDate"] == "2026-03-02T10:20:00.000Z"
    assert case["Resolution_Code__c"] == "Solved (Work Around)"
    assert [(h["Field"], h["NewValue"]) for h in history] == [
        ("created", ""),
        ("Status", "In Progress"),
        ("Status", "Resolved"),
        ("Resolution_Code__c", "Solved (Work Around)"),
    ]
    assert first.rows_quarantined == 0
    again = map_vendor_exports(landing, quarantine)
    assert not again.mapped and again.up_to_date == 2
