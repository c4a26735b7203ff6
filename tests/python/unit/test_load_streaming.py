"""The loader streams every file: what it loads and what it reports do not depend on how the
file is cut into chunks, which JSON lines take the fast path, or a reader's buffer sizes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from service_outcomes.landing import checks, load_landing, loader, warehouse
from service_outcomes.landing.contract import load_contracts

from .warehouse_query import query_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
CONNECT = "amazon_connect/contact_records"
GOOD_DAY = FIXTURES / "good" / CONNECT / "delivery_date=2026-03-02"
GOOD_JSONL = GOOD_DAY / "contact_records-2026-03-02-0001.jsonl"


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOOD_JSONL.read_text(encoding="utf-8").splitlines()]


def _connect_file(landing: Path, day: str, lines: list[str]) -> str:
    rel = f"{CONNECT}/delivery_date={day}/contact_records-{day}-0001.jsonl"
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return rel


def _record(i: int, **changes: Any) -> dict[str, Any]:
    records = _records()
    record = dict(records[i % len(records)])
    record["ContactId"] = f"0f1e2d3c-4b5a-6978-8796-{i:012d}"
    record.update(changes)
    return record


def _slow_path_landing(landing: Path) -> tuple[str, str]:
    """Two files the line-by-line reader must check: one that loads (a line with a leading
    blank, which the fast path does not vouch for) and one broken in many ways, on many lines."""
    loads = [json.dumps(_record(i)) for i in range(1, 40)]
    loads[17] = " " + loads[17]
    broken = []
    for i in range(1, 61):
        changes: dict[str, Any] = {}
        if i % 7 == 0:
            changes["Channel"] = "EMAIL"
        if i > 45:  # a rule broken only in the file's last chunks
            changes["InitiationMethod"] = "SMOKE_SIGNAL"
        if i % 11 == 0:
            changes["Queue"] = {"Duration": -1}
        line = json.dumps(_record(i, **changes))
        if i == 20:
            line = line.replace('"AgentConnectionAttempts": 1', '"AgentConnectionAttempts": NaN')
        if i == 33:
            line = "[1, 2]"
        if i == 52:
            line = line[:40]
        broken.append(line)
    return _connect_file(landing, "2026-03-02", loads), _connect_file(landing, "2026-03-03", broken)


def _load_state(db: Path) -> dict[str, list[tuple]]:
    return {
        "raw": query_rows(
            db,
            "select record, _source_file, _source_row, _delivery_date "
            "from raw_amazon_connect.contact_records order by all",
        ),
        "ledger": query_rows(
            db,
            "select source_file, sha256, size_bytes, row_count, status "
            "from raw_meta.load_ledger order by all",
        ),
        "quarantine": query_rows(
            db, "select source_file, rule, row_number, value, message from raw_meta.quarantine"
        ),
    }


@pytest.mark.parametrize(("chunk_rows", "chunk_bytes"), [(3, 1 << 20), (100_000, 1), (1, 1)])
def test_tiny_chunks_give_the_rows_and_messages_of_one_piece(
    tmp_path: Path, chunk_rows: int, chunk_bytes: int
) -> None:
    loaded, broken = _slow_path_landing(tmp_path / "src")
    outcomes = []
    for name, rows, size in (("whole", 100_000, 1 << 30), ("chunked", chunk_rows, chunk_bytes)):
        landing = tmp_path / name / "landing"
        shutil.copytree(tmp_path / "src", landing)
        db, quarantine = tmp_path / name / "w.duckdb", tmp_path / name / "q"
        report = load_landing(
            landing, db, quarantine, progress=False, chunk_rows=rows, chunk_bytes=size
        )
        reason = (quarantine / broken).with_name(Path(broken).name + ".reason.txt")
        outcomes.append((report.quarantine_messages, reason.read_text(), _load_state(db)))
    whole, chunked = outcomes
    assert chunked == whole
    messages, reason, state = whole
    assert {r[1] for r in state["raw"]} == {loaded}
    assert [r[2] for r in state["raw"] if r[0].startswith(" ")] == []  # DuckDB strips the blank
    assert len(state["raw"]) == 39
    rules = [line.split(": ")[0] for line in reason.splitlines() if line.startswith("rule ")]
    # lines that do not parse first, then the broken value rules in contract order
    assert rules == [
        "rule file:json",
        "rule file:json_object",
        "rule Channel:accepted_values",
        "rule InitiationMethod:accepted_values",
        "rule Queue.Duration:range",
    ]
    assert "row 20 (line 20): invalid JSON" in reason and "row 52 (line 52)" in reason
    assert f"[Channel:accepted_values] {broken} row 7: " in messages[2]
    first_rows = "first rows 7, 14, 21, 28, 35, 42, 49, 56"
    assert messages[2].endswith(f"(8 rows break this rule; {first_rows})")
    assert messages[3].startswith(f"[InitiationMethod:accepted_values] {broken} row 46: ")


def test_nan_in_a_text_value_takes_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Salesforce ids such as 0034x0000004NaNAAU are text; only a NaN token is doubtful."""
    landing = tmp_path / "landing"
    attributes = {"sf_contact_id": "0034x0000004NaNAAU", "intent": "billing"}
    texty = [
        json.dumps(_record(1, Attributes=attributes)),
        json.dumps(_record(2, Note='said "Infinity, ]" twice \\ NaN')),
        json.dumps(_record(3, Tags=["a,", "]"])),
    ]
    token = json.dumps(_record(4)).replace('"AgentConnectionAttempts": 1', '"X": NaN')
    fast = _connect_file(landing, "2026-03-02", texty)
    slow = _connect_file(landing, "2026-03-03", [json.dumps(_record(5)), token])
    chunked: list[str] = []
    check_values = checks.check_values

    def spy(con: Any, relation: str, rules: Any, log: Any) -> None:
        chunked.append(log.source_file)
        check_values(con, relation, rules, log)

    monkeypatch.setattr(checks, "check_values", spy)
    db = tmp_path / "w.duckdb"
    report = load_landing(landing, db, tmp_path / "q", progress=False)
    assert chunked == [slow]  # the line-by-line reader ran on the NaN token's file only
    assert report.files_loaded == 1
    (message,) = report.quarantine_messages
    assert message.startswith(f"[file:json] {slow} row 2 (line 2): invalid JSON")
    rows = query_rows(
        db, "select record, _source_row from raw_amazon_connect.contact_records order by 2"
    )
    assert rows == [(line, i) for i, line in enumerate(texty, start=1)]
    assert query_rows(db, "select source_file, status from raw_meta.load_ledger order by 1") == [
        (fast, "loaded"),
        (slow, "quarantined"),
    ]


def test_a_record_beyond_the_small_reader_limit_still_loads(tmp_path: Path) -> None:
    """A record larger than the first reader's buffers allow is read again with the full limit."""
    landing = tmp_path / "landing"
    big = json.dumps(_record(2, Note="x" * (34 << 20)))
    lines = [json.dumps(_record(1)), big, json.dumps(_record(3))]
    _connect_file(landing, "2026-03-02", lines)
    db = tmp_path / "w.duckdb"
    report = load_landing(landing, db, tmp_path / "q", progress=False)
    assert report.files_loaded == 1, report.quarantine_messages
    assert query_rows(
        db,
        "select _source_row, length(record) from raw_amazon_connect.contact_records order by 1",
    ) == [(i, len(line)) for i, line in enumerate(lines, start=1)]


def test_out_of_memory_stops_the_load_and_quarantines_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running out of memory says nothing about the file: the load stops and a rerun resumes."""
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "good", landing)
    db, quarantine = tmp_path / "w.duckdb", tmp_path / "q"

    def out_of_memory(*args: Any, **kwargs: Any) -> Any:
        raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate")

    monkeypatch.setattr(checks, "count_failures", out_of_memory)
    with pytest.raises(duckdb.OutOfMemoryException):
        load_landing(landing, db, quarantine, progress=False)
    assert not quarantine.exists()
    assert query_rows(db, "select count(*) from raw_meta.load_ledger") == [(0,)]
    monkeypatch.undo()
    report = load_landing(landing, db, quarantine, progress=False)
    assert report.files_loaded == 8 and report.files_quarantined == 0


def test_a_file_that_reads_differently_when_loaded_loads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The insert reads the file again: a different row count rolls the file back whole."""
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "good" / "salesforce" / "Case", landing / "salesforce" / "Case")
    insert_rows = warehouse.insert_rows

    def one_more(*args: Any, **kwargs: Any) -> int:
        return insert_rows(*args, **kwargs) + 1

    monkeypatch.setattr(warehouse, "insert_rows", one_more)
    db = tmp_path / "w.duckdb"
    with pytest.raises(RuntimeError, match="changed during the load"):
        load_landing(landing, db, tmp_path / "q", progress=False)
    assert query_rows(db, "select count(*) from raw_salesforce.cases") == [(0,)]
    assert query_rows(db, "select count(*) from raw_meta.load_ledger") == [(0,)]


def test_a_file_rewritten_after_its_checks_loads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same row count, other bytes: the file's identity changed, so the insert rolls back."""
    landing = tmp_path / "landing"
    lines = [json.dumps(_record(i)) for i in range(1, 4)]
    rel = _connect_file(landing, "2026-03-02", lines)
    check_file = loader.check_file

    def check_then_rewrite(*args: Any, **kwargs: Any) -> Any:
        result = check_file(*args, **kwargs)
        (landing / rel).write_text(
            "".join(line.replace("VOICE", "EMAIL") + "\n" for line in lines), encoding="utf-8"
        )
        return result

    monkeypatch.setattr(loader, "check_file", check_then_rewrite)
    db = tmp_path / "w.duckdb"
    with pytest.raises(RuntimeError, match="changed during the load"):
        load_landing(landing, db, tmp_path / "q", progress=False)
    assert query_rows(db, "select count(*) from raw_amazon_connect.contact_records") == [(0,)]
    monkeypatch.undo()
    report = load_landing(landing, db, tmp_path / "q", progress=False)
    assert report.files_quarantined == 1  # checked afresh: the EMAIL channel breaks a rule


def test_every_contract_streams_from_its_reader(tmp_path: Path) -> None:
    """No temporary stage table is left behind, and every raw table has its rows in file order."""
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "good", landing)
    db = tmp_path / "w.duckdb"
    load_landing(landing, db, tmp_path / "q", progress=False)
    assert query_rows(db, "select count(*) from duckdb_tables() where temporary") == [(0,)]
    for contract in load_contracts().values():
        numbered = query_rows(
            db,
            f"select _source_file, list(_source_row order by rowid) from {contract.raw_table} "
            "group by 1",
        )
        for _, rows in numbered:
            assert rows == list(range(1, len(rows) + 1))
