"""load_landing over the hand-made fixtures: loads, quarantine, idempotency, ordering."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from service_outcomes.landing import LoadReport, load_landing

from .warehouse_query import query_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
GOOD_ROWS = {
    "raw_salesforce.cases": 5,
    "raw_salesforce.case_history": 4,
    "raw_salesforce.accounts": 3,
    "raw_salesforce.contacts": 2,
    "raw_amazon_connect.contact_records": 5,
    "raw_qualtrics.survey_responses": 3,
}
CONNECT = "amazon_connect/contact_records"
BROKEN = {
    # file (relative to the landing root) -> (rule, text the message must contain)
    "salesforce/Case/delivery_date=2026-03-04/Case-2026-03-04.csv": (
        "ClosedDate:format",
        "Case-2026-03-04.csv row 2 (line 3): 'ClosedDate' must be a Salesforce UTC datetime "
        "like 2026-03-08T14:05:09.000Z, got '08/03/2026 14:05'",
    ),
    "salesforce/Contact/delivery_date=2026-03-04/Contact-2026-03-04.csv": (
        "Email:required_column",
        "the header lacks required column 'Email'",
    ),
    "salesforce/Account/delivery_date=2026-03-04/Account-2026-03-04.csv": (
        "file:utf8",
        "Account-2026-03-04.csv line 2: file is not valid UTF-8",
    ),
    "salesforce/CaseHistory/delivery_date=2026-03-04/CaseHistory-2026-03-04.csv": (
        "file:csv_too_many_columns",
        "CaseHistory-2026-03-04.csv row 2 (line 3): Expected Number of Columns: 8 Found: 9",
    ),
    f"{CONNECT}/delivery_date=2026-03-04/contact_records-2026-03-04-0001.jsonl": (
        "file:json",
        "contact_records-2026-03-04-0001.jsonl row 2 (line 2): invalid JSON",
    ),
    f"{CONNECT}/delivery_date=2026-03-04/contact_records-2026-03-04-0002.jsonl": (
        "file:json_object",
        "row 2 (line 2): must be a JSON object, got a JSON array",
    ),
    f"{CONNECT}/delivery_date=2026-03-06/contact_records-2026-03-06-0001.jsonl": (
        "Attributes.auth_result:accepted_values",
        "row 1: 'Attributes.auth_result' must be one of 'passed', 'failed', 'not_attempted', "
        "got 'maybe'",
    ),
    f"{CONNECT}/delivery_date=2026-03-05/contact_records-2026-03-05-0001.jsonl": (
        "Channel:accepted_values",
        "row 1: 'Channel' must be one of 'VOICE', 'CHAT', got 'EMAIL'",
    ),
    "qualtrics/survey_responses/delivery_date=2026-03-04/survey_responses-2026-03-04.csv": (
        "file:qualtrics_header_rows",
        'header row 3 must hold ImportId JSON like {"ImportId":"QID1"}',
    ),
    "qualtrics/survey_responses/delivery_date=2026-03-05/survey_responses-2026-03-05.csv": (
        "Q1:range",
        "row 2 (line 6): 'Q1' must be a number between 1 and 5, got '9'",
    ),
}


def _landing(tmp: Path, *parts: str) -> Path:
    landing = tmp / "landing"
    for part in parts:
        shutil.copytree(FIXTURES / part, landing, dirs_exist_ok=True)
    return landing


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LoadReport, LoadReport]:
    """Good and broken fixtures in one landing folder, loaded twice."""
    tmp = tmp_path_factory.mktemp("mixed")
    landing = _landing(tmp, "good", "broken")
    db, quarantine = tmp / "wh" / "warehouse.duckdb", tmp / "quarantine"
    first = load_landing(landing, db, quarantine, progress=False)
    second = load_landing(landing, db, quarantine, progress=False)
    return tmp, first, second


def test_good_files_load_with_counts(mixed: tuple[Path, LoadReport, LoadReport]) -> None:
    tmp, first, _ = mixed
    db = tmp / "wh" / "warehouse.duckdb"
    assert first.files_seen == 8 + len(BROKEN)
    assert first.files_loaded == 8
    assert first.files_quarantined == len(BROKEN)
    assert first.rows_loaded == GOOD_ROWS
    for table, expected in GOOD_ROWS.items():
        assert query_rows(db, f"select count(*) from {table}") == [(expected,)]
    assert "8 loaded" in first.summary()


def test_metadata_columns(mixed: tuple[Path, LoadReport, LoadReport]) -> None:
    db = mixed[0] / "wh" / "warehouse.duckdb"
    rows = query_rows(
        db,
        'select "Id", "Description", _source_file, _source_row, _delivery_date::varchar, '
        "_loaded_at is not null from raw_salesforce.cases order by _delivery_date, _source_row",
    )
    assert [r[3] for r in rows] == [1, 2, 3, 1, 2]
    assert rows[0][2] == "salesforce/Case/delivery_date=2026-03-02/Case-2026-03-02.csv"
    assert rows[0][4] == "2026-03-02" and rows[3][4] == "2026-03-03"
    assert rows[1][1] == 'She said "call me back, please"\nsecond line of notes'
    assert all(r[5] for r in rows)
    types = dict(
        query_rows(
            db,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_salesforce' and table_name = 'cases'",
        )
    )
    assert types["_source_row"] == "BIGINT" and types["_delivery_date"] == "DATE"
    assert types["_loaded_at"] == "TIMESTAMP" and types["Id"] == "VARCHAR"


def test_unknown_csv_column_is_added(mixed: tuple[Path, LoadReport, LoadReport]) -> None:
    db = mixed[0] / "wh" / "warehouse.duckdb"
    rows = query_rows(
        db,
        "select _source_file like '%03-03%', \"Escalation_Team__c\" from raw_salesforce.cases "
        "order by _delivery_date, _source_row",
    )
    assert rows == [(False, None), (False, None), (False, None), (True, "tier2"), (True, None)]


def test_unknown_json_field_is_kept_verbatim(mixed: tuple[Path, LoadReport, LoadReport]) -> None:
    db = mixed[0] / "wh" / "warehouse.duckdb"
    rows = query_rows(
        db,
        "select record, _source_row from raw_amazon_connect.contact_records "
        "where _source_file like '%0001.jsonl' order by _source_row",
    )
    src = (
        FIXTURES
        / "good/amazon_connect/contact_records/delivery_date=2026-03-02"
        / "contact_records-2026-03-02-0001.jsonl"
    )
    lines = src.read_text(encoding="utf-8").splitlines()
    assert [r[0] for r in rows] == lines  # the JSON text exactly as delivered
    assert json.loads(rows[3][0])["ContactLens"]["ConversationCharacteristics"]["Sentiment"] == (
        "POSITIVE"
    )


def test_qualtrics_header_rows_are_not_data(mixed: tuple[Path, LoadReport, LoadReport]) -> None:
    db = mixed[0] / "wh" / "warehouse.duckdb"
    rows = query_rows(
        db,
        'select "ResponseId", "Q1", "Q4", "Duration (in seconds)", _source_row '
        "from raw_qualtrics.survey_responses order by _source_row",
    )
    assert [r[0] for r in rows] == ["R_abcDEF000000001", "R_abcDEF000000002", "R_abcDEF000000003"]
    assert rows[1][2] == 'Said "thanks"\non two lines'
    assert rows[0][3] == "200"


@pytest.mark.parametrize("rel", sorted(BROKEN))
def test_broken_file_is_quarantined(mixed: tuple[Path, LoadReport, LoadReport], rel: str) -> None:
    tmp, first, _ = mixed
    rule, text = BROKEN[rel]
    db = tmp / "wh" / "warehouse.duckdb"
    assert not (tmp / "landing" / rel).exists()
    moved = tmp / "quarantine" / rel
    assert moved.read_bytes() == (FIXTURES / "broken" / rel).read_bytes()
    reason = moved.with_name(moved.name + ".reason.txt").read_text(encoding="utf-8")
    assert text in reason and f"rule {rule}" in reason
    assert any(text in m and rel in m for m in first.quarantine_messages)
    found = query_rows(
        db, f"select rule, message from raw_meta.quarantine where source_file = '{rel}'"
    )
    assert rule in [r[0] for r in found]
    assert all(rel in r[1] for r in found)
    assert query_rows(
        db, f"select status from raw_meta.load_ledger where source_file = '{rel}'"
    ) == [("quarantined",)]
    raw = BROKEN_TABLE[rel.split("/")[1]]
    assert query_rows(db, f"select count(*) from {raw} where _source_file = '{rel}'") == [(0,)]


BROKEN_TABLE = {
    "Case": "raw_salesforce.cases",
    "Contact": "raw_salesforce.contacts",
    "Account": "raw_salesforce.accounts",
    "CaseHistory": "raw_salesforce.case_history",
    "contact_records": "raw_amazon_connect.contact_records",
    "survey_responses": "raw_qualtrics.survey_responses",
}


def test_second_load_loads_nothing_twice(mixed: tuple[Path, LoadReport, LoadReport]) -> None:
    tmp, _, second = mixed
    assert second.files_loaded == 0 and second.files_quarantined == 0
    assert second.files_skipped_already_loaded == 8
    db = tmp / "wh" / "warehouse.duckdb"
    for table, expected in GOOD_ROWS.items():
        assert query_rows(db, f"select count(*) from {table}") == [(expected,)]
    ledger = query_rows(
        db, "select status, count(*) from raw_meta.load_ledger group by all order by 1"
    )
    assert ledger == [("loaded", 8), ("quarantined", len(BROKEN))]


def test_same_content_under_another_path_is_not_loaded_twice(tmp_path: Path) -> None:
    landing = _landing(tmp_path, "good")
    db, quarantine = tmp_path / "w.duckdb", tmp_path / "q"
    load_landing(landing, db, quarantine, progress=False)
    src = landing / "salesforce/Account/delivery_date=2026-03-02/Account-2026-03-02.csv"
    copy = landing / "salesforce/Account/delivery_date=2026-03-09/Account-2026-03-09.csv"
    copy.parent.mkdir(parents=True)
    shutil.copy(src, copy)
    report = load_landing(landing, db, quarantine, progress=False)
    assert report.files_skipped_already_loaded == 9 and report.files_loaded == 0
    assert query_rows(db, "select count(*) from raw_salesforce.accounts") == [(3,)]


def test_chunked_check_keeps_file_order_and_caps_examples(tmp_path: Path) -> None:
    """A larger CSV, checked in small chunks: row order, row numbers and example caps."""
    header = ["Id", "CaseId", "Field", "OldValue", "NewValue", "CreatedDate", "CreatedById"]
    header.append("IsDeleted")
    folder = tmp_path / "landing/salesforce/CaseHistory"
    good, bad = folder / "delivery_date=2026-03-02", folder / "delivery_date=2026-03-03"
    good.mkdir(parents=True)
    bad.mkdir(parents=True)
    n = 30_000

    def write(path: Path, broken_every: int | None) -> None:
        with path.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh, lineterminator="\n")
            out.writerow(header)
            for i in range(1, n + 1):
                created = "2026-03-02T10:00:00.000Z"
                if broken_every and i % broken_every == 0:
                    created = "2026-03-02 10:00"
                note = f"note {i}\nline two" if i % 7 == 0 else f"v{i}"
                ids = (f"017Hs{i:013d}", "500Hs0000000000001")
                out.writerow(
                    [*ids, "Status", note, "Closed", created, "005Hs0000000000001", "false"]
                )

    write(good / "CaseHistory-2026-03-02.csv", None)
    write(bad / "CaseHistory-2026-03-03.csv", 1000)
    db = tmp_path / "w.duckdb"
    report = load_landing(
        tmp_path / "landing", db, tmp_path / "q", progress=False, chunk_rows=7_000
    )
    assert report.files_loaded == 1 and report.files_quarantined == 1
    mismatched = query_rows(
        db,
        "select count(*), count(*) filter (where \"Id\" <> printf('017Hs%013d', _source_row)) "
        "from raw_salesforce.case_history",
    )
    assert mismatched == [(n, 0)]
    (message,) = report.quarantine_messages
    assert "row 1000 (line " in message and "30 rows break this rule" in message
    reason = (tmp_path / "q/salesforce/CaseHistory/delivery_date=2026-03-03").joinpath(
        "CaseHistory-2026-03-03.csv.reason.txt"
    )
    text = reason.read_text(encoding="utf-8")
    assert "row 20000 (line " in text and "row 21000" not in text and "... and 10 more" in text
    # physical line: 1 header line + one extra line for every 7th row before it
    assert f"row 1000 (line {1000 + 1 + 1000 // 7})" in text
