"""The load ledger counts every data row of every file, quarantined files included, so the
data-quality audit can reconcile rows received with rows landed, quarantined and excluded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service_outcomes.landing import load_landing
from service_outcomes.landing.contract import Contract, load_contracts
from service_outcomes.landing.rowcount import count_data_rows

from .warehouse_query import query_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
CONNECT = "amazon_connect/contact_records"
# Data rows of each broken fixture, counted by hand (header rows excluded; a quoted value that
# spans lines is one row). Several of these files cannot be read by the checks at all.
BROKEN_ROWS = {
    f"{CONNECT}/delivery_date=2026-03-04/contact_records-2026-03-04-0001.jsonl": 3,  # row 2 bad
    f"{CONNECT}/delivery_date=2026-03-04/contact_records-2026-03-04-0002.jsonl": 2,
    f"{CONNECT}/delivery_date=2026-03-05/contact_records-2026-03-05-0001.jsonl": 2,
    f"{CONNECT}/delivery_date=2026-03-06/contact_records-2026-03-06-0001.jsonl": 1,
    "qualtrics/survey_responses/delivery_date=2026-03-04/survey_responses-2026-03-04.csv": 0,
    "qualtrics/survey_responses/delivery_date=2026-03-05/survey_responses-2026-03-05.csv": 3,
    "salesforce/Account/delivery_date=2026-03-04/Account-2026-03-04.csv": 1,  # not UTF-8
    "salesforce/Case/delivery_date=2026-03-04/Case-2026-03-04.csv": 3,
    "salesforce/CaseHistory/delivery_date=2026-03-04/CaseHistory-2026-03-04.csv": 2,
    "salesforce/Contact/delivery_date=2026-03-04/Contact-2026-03-04.csv": 1,
}


def test_quarantined_files_record_every_row_they_held(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "broken", landing)
    database = tmp_path / "warehouse.duckdb"
    report = load_landing(landing, database, tmp_path / "quarantine", progress=False)
    assert report.files_quarantined == len(BROKEN_ROWS)
    ledger = query_rows(
        database, "select source_file, status, row_count from raw_meta.load_ledger order by 1"
    )
    assert ledger == [(path, "quarantined", rows) for path, rows in sorted(BROKEN_ROWS.items())]


def test_loaded_files_record_the_rows_landed(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "good", landing)
    database = tmp_path / "warehouse.duckdb"
    load_landing(landing, database, tmp_path / "quarantine", progress=False)
    landed: dict[str, int] = {}
    for contract in load_contracts().values():
        for path, rows in query_rows(
            database, f"select _source_file, count(*) from {contract.raw_table} group by 1"
        ):
            landed[path] = rows
    ledger = query_rows(database, "select source_file, row_count from raw_meta.load_ledger")
    assert len(ledger) == 8
    assert dict(ledger) == landed


@pytest.fixture(scope="module")
def contracts() -> dict[str, Contract]:
    found = load_contracts()
    return {
        "jsonl": found[("amazon_connect", "contact_records")],
        "csv": found[("salesforce", "Case")],
        "qualtrics": found[("qualtrics", "survey_responses")],
    }


def test_json_lines_count_non_blank_lines(tmp_path: Path, contracts: dict[str, Contract]) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n\n[1, 2]\nnot json\n{"b": 2}')  # no final newline
    assert count_data_rows(path, contracts["jsonl"]) == 4


def test_csv_counts_records_after_the_header_even_when_not_utf8(
    tmp_path: Path, contracts: dict
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b'Id,Description\n1,"two\nlines"\n\n2,caf\xe9\n3,"unclosed\n')
    assert count_data_rows(path, contracts["csv"]) == 3
    header_only = tmp_path / "h.csv"
    header_only.write_bytes(b"Id,Description\n")
    assert count_data_rows(header_only, contracts["csv"]) == 0


def test_qualtrics_skips_its_three_header_rows(
    tmp_path: Path, contracts: dict[str, Contract]
) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        'A,B\nLabel A,Label B\n"{""ImportId"":""a""}",x\nr1,1\nr2,2\n', encoding="utf-8"
    )
    assert count_data_rows(path, contracts["qualtrics"]) == 2


def test_same_bytes_under_another_path_are_recorded_once_as_a_duplicate(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "good", landing)
    database, quarantine = tmp_path / "warehouse.duckdb", tmp_path / "quarantine"
    load_landing(landing, database, quarantine, progress=False)
    source = landing / "salesforce/Account/delivery_date=2026-03-02/Account-2026-03-02.csv"
    copy = landing / "salesforce/Account/delivery_date=2026-03-09/Account-2026-03-09.csv"
    copy.parent.mkdir(parents=True)
    shutil.copy(source, copy)
    for _ in range(2):  # the second load must not record it again
        report = load_landing(landing, database, quarantine, progress=False)
        assert report.files_loaded == 0 and report.files_skipped_already_loaded == 9
    rows = query_rows(
        database,
        "select source_file, delivery_date::varchar, row_count from raw_meta.load_ledger "
        "where status = 'duplicate'",
    )
    assert rows == [(copy.relative_to(landing).as_posix(), "2026-03-09", 3)]
    assert query_rows(database, "select count(*) from raw_salesforce.accounts") == [(3,)]
