"""Value rules run as one DuckDB scan per file: every failure lands on its own file and row."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from service_outcomes.landing import checks, load_landing

from .warehouse_query import query_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
CONNECT = "amazon_connect/contact_records"
HEADER = ["Id", "CaseId", "Field", "OldValue", "NewValue", "CreatedDate", "CreatedById"]
HEADER.append("IsDeleted")


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every value-rule scan: (file checked, relation scanned), over a file's reader or over a
    chunk of lines the line-by-line reader parsed."""
    calls: list[tuple[str, str]] = []
    count_failures, check_values = checks.count_failures, checks.check_values

    def spy_reader(con: Any, relation: str, rules: Any, flags: Any = ()) -> Any:
        match = re.search(r"/landing/([^']+)'", relation)
        assert match, relation
        calls.append((match.group(1), relation))
        return count_failures(con, relation, rules, flags)

    def spy_chunk(con: Any, relation: str, rules: Any, log: Any) -> None:
        calls.append((log.source_file, relation))
        check_values(con, relation, rules, log)

    monkeypatch.setattr(checks, "count_failures", spy_reader)
    monkeypatch.setattr(checks, "check_values", spy_chunk)
    return calls


def _case_history(landing: Path, day: str, rows: int, broken_rows: set[int]) -> str:
    rel = f"salesforce/CaseHistory/delivery_date={day}/CaseHistory-{day}.csv"
    path = landing / rel
    path.parent.mkdir(parents=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        for i in range(1, rows + 1):
            created = "2026-03-02 10:00" if i in broken_rows else "2026-03-02T10:00:00.000Z"
            note = f"note {i}\nline two" if i % 5 == 0 else f"v{i}"  # two lines: row != line
            rid = f"017Hs{day[-2:]}{i:011d}"
            ids = (rid, "500Hs0000000000001")
            out.writerow([*ids, "Status", note, "Closed", created, "005Hs0000000000001", "false"])
    return rel


def test_batch_quarantines_only_the_broken_files(
    tmp_path: Path, batches: list[tuple[str, str]]
) -> None:
    landing = tmp_path / "landing"
    good_a = _case_history(landing, "2026-03-02", 40, set())
    broken_b = _case_history(landing, "2026-03-03", 30, {7, 12})
    good_c = _case_history(landing, "2026-03-04", 25, set())
    broken_d = _case_history(landing, "2026-03-05", 10, {3})
    db, quarantine = tmp_path / "w.duckdb", tmp_path / "q"

    report = load_landing(landing, db, quarantine, progress=False)

    # one scan of the staged rows per file
    assert [file for file, _ in batches] == [good_a, broken_b, good_c, broken_d]
    assert report.files_loaded == 2 and report.files_quarantined == 2
    assert report.rows_loaded == {"raw_salesforce.case_history": 65}
    loaded = query_rows(
        db,
        "select _source_file, count(*), max(_source_row), "
        'count(*) filter (where right("Id", 11)::int <> _source_row) '
        "from raw_salesforce.case_history group by all order by 1",
    )
    assert loaded == [(good_a, 40, 40, 0), (good_c, 25, 25, 0)]

    message_b, message_d = report.quarantine_messages
    # row 7 sits on line 9: the header, then row 5 spans two lines
    assert message_b.startswith(
        f"[CreatedDate:format] {broken_b} row 7 (line 9): 'CreatedDate' must be a Salesforce UTC "
        "datetime like"
    )
    assert message_b.endswith("got '2026-03-02 10:00' (2 rows break this rule; first rows 7, 12)")
    assert message_d.startswith(f"[CreatedDate:format] {broken_d} row 3 (line 4): ")
    assert "rows break this rule" not in message_d
    for rel, rows in ((broken_b, [7, 12]), (broken_d, [3])):
        assert not (landing / rel).exists()
        reason = (quarantine / rel).with_name(Path(rel).name + ".reason.txt")
        text = reason.read_text(encoding="utf-8")
        assert text.startswith(f"{rel} was quarantined: it breaks 1 rule(s).")
        examples = [line.strip().split(": ")[0] for line in text.splitlines()[3:] if line]
        assert examples == [f"{rel} row {r} (line {r + 1 + (r - 1) // 5})" for r in rows]
        assert query_rows(
            db, f"select rule, row_number from raw_meta.quarantine where source_file = '{rel}'"
        ) == [("CreatedDate:format", rows[0])]
    ledger = query_rows(db, "select source_file, status from raw_meta.load_ledger order by 1")
    assert ledger == [
        (good_a, "loaded"),
        (broken_b, "quarantined"),
        (good_c, "loaded"),
        (broken_d, "quarantined"),
    ]


def test_json_lines_files_keep_their_rows(tmp_path: Path, batches: list[tuple[str, str]]) -> None:
    landing = tmp_path / "landing"
    for part in ("good", "broken"):
        shutil.copytree(FIXTURES / part / CONNECT, landing / CONNECT, dirs_exist_ok=True)
    db = tmp_path / "w.duckdb"
    files = len(list((landing / CONNECT).rglob("*.jsonl")))  # before quarantine moves some

    report = load_landing(landing, db, tmp_path / "q", progress=False)

    good_files = len(list((FIXTURES / "good" / CONNECT).rglob("*.jsonl")))
    scanned = {file for file, _ in batches}
    # value rules ran on every file (on the lines that parse, for a file with a broken line),
    # over DuckDB's reader of the file (the fast path) for the good ones
    assert len(scanned) == files
    reader_scans = {file for file, relation in batches if "read_ndjson_objects" in relation}
    assert {f"{CONNECT}/{p.relative_to(FIXTURES / 'good' / CONNECT).as_posix()}"
            for p in (FIXTURES / "good" / CONNECT).rglob("*.jsonl")} <= reader_scans  # fmt: skip
    assert report.files_loaded == good_files == 2
    assert report.files_quarantined == files - good_files
    channel = [m for m in report.quarantine_messages if "Channel:accepted_values" in m]
    assert channel == [
        f"[Channel:accepted_values] {CONNECT}/delivery_date=2026-03-05/"
        "contact_records-2026-03-05-0001.jsonl row 1: 'Channel' must be one of 'VOICE', "
        "'CHAT', got 'EMAIL'"
    ]
    assert query_rows(db, "select count(*) from raw_amazon_connect.contact_records") == [(5,)]


def test_rerun_skips_loaded_files_without_checking_them(
    tmp_path: Path, batches: list[tuple[str, str]]
) -> None:
    landing = tmp_path / "landing"
    _case_history(landing, "2026-03-02", 5, set())
    db, quarantine = tmp_path / "w.duckdb", tmp_path / "q"
    load_landing(landing, db, quarantine, progress=False)
    assert len(batches) == 1
    report = load_landing(landing, db, quarantine, progress=False)
    assert report.files_skipped_already_loaded == 1 and report.rows_checked == 0
    assert len(batches) == 1


def test_same_bytes_twice_in_one_load_is_loaded_once(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    rel = _case_history(landing, "2026-03-02", 5, set())
    copy = landing / rel.replace("03-02", "03-09")
    copy.parent.mkdir(parents=True)
    shutil.copy(landing / rel, copy)
    report = load_landing(landing, tmp_path / "w.duckdb", tmp_path / "q", progress=False)
    assert report.files_loaded == 1 and report.files_skipped_already_loaded == 1
