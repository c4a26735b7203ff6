"""Contracts, discovery, file scanning and messages: the fast parts of service_outcomes.landing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from service_outcomes.landing.contract import anchored, load_contracts
from service_outcomes.landing.feeds import discover
from service_outcomes.landing.fileinfo import scan_file
from service_outcomes.landing.violations import ViolationLog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"


def test_every_feed_has_a_contract() -> None:
    contracts = load_contracts()
    assert set(contracts) == {
        ("salesforce", "Case"),
        ("salesforce", "CaseHistory"),
        ("salesforce", "Account"),
        ("salesforce", "Contact"),
        ("amazon_connect", "contact_records"),
        ("qualtrics", "survey_responses"),
    }
    raw = {c.raw_table for c in contracts.values()}
    assert raw == {
        "raw_salesforce.cases",
        "raw_salesforce.case_history",
        "raw_salesforce.accounts",
        "raw_salesforce.contacts",
        "raw_amazon_connect.contact_records",
        "raw_qualtrics.survey_responses",
    }


def test_contract_rules_are_typed() -> None:
    case = load_contracts()[("salesforce", "Case")]
    rules = {r.name: r for r in case.fields}
    assert rules["ClosedDate"].value_format is not None
    assert rules["ClosedDate"].value_format.example == "2026-03-08T14:05:09.000Z"
    assert rules["Id"].not_null and rules["Id"].regex
    assert "Reopened" in (rules["Status"].accepted_values or ())
    q = {r.name: r for r in load_contracts()[("qualtrics", "survey_responses")].fields}
    assert (q["Q1"].min_value, q["Q1"].max_value) == (1.0, 5.0)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-03-08T14:05:09.000Z", True),
        ("2026-03-08T14:05:09Z", False),
        ("2026-13-08T14:05:09.000Z", False),
    ],
)
def test_format_regexes_are_anchored(value: str, ok: bool) -> None:
    import re

    fmt = load_contracts()[("salesforce", "Case")].fields
    regex = next(r for r in fmt if r.name == "ClosedDate").value_format
    assert regex is not None
    assert bool(re.search(anchored(regex.regex), value)) is ok
    assert not re.search(anchored(regex.regex), value + "\n")


def test_discovery_follows_the_layout(tmp_path: Path) -> None:
    good = FIXTURES / "good"
    found = discover(good, load_contracts())
    rels = [f.relative_path for f in found.files]
    assert "salesforce/Case/delivery_date=2026-03-02/Case-2026-03-02.csv" in rels
    assert all(f.layout_problem() is None for f in found.files)
    dates = [f.delivery_date for f in found.files]
    assert dates == sorted(dates)
    assert found.files[0].delivery_date == dt.date(2026, 3, 2)
    (tmp_path / "zendesk" / "tickets").mkdir(parents=True)
    (tmp_path / "zendesk" / "tickets" / "x.csv").write_text("a\n")
    (tmp_path / "_generated.json").write_text("{}")
    odd = tmp_path / "salesforce" / "Case" / "2026-03-02" / "Case-2026-03-02.csv"
    odd.parent.mkdir(parents=True)
    odd.write_text("Id\n")
    found = discover(tmp_path, load_contracts())
    assert found.ignored == ["zendesk/tickets/x.csv"]
    assert len(found.files) == 1
    assert "delivery_date=YYYY-MM-DD" in (found.files[0].layout_problem() or "")


def test_scan_file_finds_bad_utf8_line(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n3,M\xfcller\n")
    info = scan_file(path)
    assert info.size_bytes == 17
    assert info.utf8_error is not None
    assert info.utf8_error.line == 3
    assert info.utf8_error.byte_offset == 11
    good = tmp_path / "g.csv"
    good.write_text("a\nMüller\n", encoding="utf-8")
    assert scan_file(good).utf8_error is None


def test_violation_log_caps_examples_but_counts_all() -> None:
    log = ViolationLog("x/y.csv", max_examples=3)
    for row in range(1, 11):
        log.add("Q1:range", f"'Q1' bad {row}", row=row, value=str(row))
    log.add("file:utf8", "not UTF-8", line=4)
    log.add("file:utf8", "not UTF-8", line=4)
    (q1, utf8) = log.rules
    assert q1.count == 10 and len(q1.examples) == 3
    assert utf8.count == 1
    summary = log.summaries()[0]
    assert summary.startswith("[Q1:range] x/y.csv row 1: 'Q1' bad 1")
    assert "10 rows break this rule" in summary
    assert "... and 7 more" in log.reason_text()
