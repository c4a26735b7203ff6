"""The data-quality audit against facts the warehouse never saw: the rows actually present in the
landing files (counted here, in Python), and the generator's ground truth of the duplicates,
superseded versions, monitoring calls and internal test traffic it injected. A corrupt file must
show up as quarantined rows, and every feed and day must still reconcile to zero unexplained."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from service_outcomes.generate import SCALES, generate
from service_outcomes.landing import load_landing

from .warehouse import BuiltWarehouse, run_dbt

pytestmark = pytest.mark.e2e

Feed = tuple[str, str, dt.date]
COLUMNS = (
    "received_files",
    "quarantined_files",
    "duplicate_files",
    "received_rows",
    "quarantined_rows",
    "duplicate_file_rows",
    "duplicate_rows",
    "superseded_rows",
    "excluded_bot_or_monitoring_rows",
    "excluded_internal_test_rows",
    "excluded_unidentified_customer_rows",
    "excluded_unlinked_rows",
    "excluded_deleted_rows",
    "loaded_rows",
    "unexplained_rows",
)


def _data_rows(path: Path) -> int:
    """Data rows of one delivered file: non-blank JSON lines, or CSV records after the header
    rows (three in a Qualtrics export, one in a Salesforce one)."""
    if path.suffix == ".jsonl":
        with path.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    headers = 3 if path.parts[-4] == "qualtrics" else 1
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        records = [r for r in csv.reader(fh) if any(cell.strip() for cell in r)]
    return len(records) - headers


def _files_per_feed_and_day(*roots: Path) -> tuple[Counter[Feed], Counter[Feed]]:
    """Files and data rows per (source, table, delivery date) under landing-shaped folders."""
    files: Counter[Feed] = Counter()
    rows: Counter[Feed] = Counter()
    for root in roots:
        for path in root.glob("*/*/delivery_date=*/*"):
            if path.name.endswith(".reason.txt"):
                continue
            source, table, folder = path.relative_to(root).parts[:3]
            key = (source, table, dt.date.fromisoformat(folder.removeprefix("delivery_date=")))
            files[key] += 1
            rows[key] += _data_rows(path)
    return files, rows


def _audit(database: Path) -> dict[Feed, dict[str, int]]:
    with duckdb.connect(str(database), read_only=True) as connection:
        result = connection.execute(
            f"select source_system, source_table, delivery_date, {', '.join(COLUMNS)} "
            "from marts_governance.fct_data_quality_audit"
        ).fetchall()
    return {(r[0], r[1], r[2]): dict(zip(COLUMNS, r[3:], strict=True)) for r in result}


def _totals(audit: dict[Feed, dict[str, int]], source: str, table: str) -> Counter[str]:
    totals: Counter[str] = Counter()
    for (s, t, _), row in audit.items():
        if (s, t) == (source, table):
            totals.update(row)
    return totals


def test_every_received_row_is_explained_per_feed_and_day(built_warehouse: BuiltWarehouse) -> None:
    audit = _audit(built_warehouse.database)
    files, rows = _files_per_feed_and_day(built_warehouse.landing)
    assert {key for key in audit} == set(files), "one audit row per feed and delivery day"
    assert {(s, t) for s, t, _ in audit} == {
        ("salesforce", "Case"),
        ("salesforce", "CaseHistory"),
        ("salesforce", "Account"),
        ("salesforce", "Contact"),
        ("amazon_connect", "contact_records"),
        ("qualtrics", "survey_responses"),
    }
    for key, row in audit.items():
        assert row["received_files"] == files[key], key
        assert row["received_rows"] == rows[key], key
        assert row["unexplained_rows"] == 0, (key, row)
        assert row["quarantined_files"] == row["duplicate_files"] == 0, key
        accounted = sum(v for k, v in row.items() if k.endswith("_rows") and k != "received_rows")
        assert accounted == row["received_rows"], (key, row)


def test_injected_mess_matches_the_ground_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = json.loads((built_warehouse.truth / "deliveries.json").read_text(encoding="utf-8"))
    audit = _audit(built_warehouse.database)

    connect = _totals(audit, "amazon_connect", "contact_records")
    expected = truth["amazon_connect/contact_records"]
    assert connect["received_rows"] == expected["rows"]
    assert connect["duplicate_rows"] == expected["duplicate_rows"] > 0
    assert connect["superseded_rows"] == expected["superseded_rows"] > 0
    assert connect["excluded_bot_or_monitoring_rows"] == expected["monitoring_contacts"] > 0
    assert connect["excluded_internal_test_rows"] == expected["internal_test_contacts"] > 0
    assert connect["excluded_unidentified_customer_rows"] == 0
    assert connect["loaded_rows"] == expected["customer_contacts"]

    surveys = _totals(audit, "qualtrics", "survey_responses")
    previews = truth["qualtrics/survey_responses"]["preview_or_test_responses"]
    headline = json.loads((built_warehouse.truth / "headline.json").read_text(encoding="utf-8"))
    assert surveys["loaded_rows"] == headline["survey_responses"]["live_responses"]
    assert surveys["excluded_internal_test_rows"] >= previews > 0
    assert surveys["excluded_bot_or_monitoring_rows"] == 0  # the generator sends no spam

    contacts = _totals(audit, "salesforce", "Contact")
    assert contacts["excluded_internal_test_rows"] == _internal_test_contacts(
        built_warehouse.landing
    )
    assert all(
        _totals(audit, "salesforce", table)["excluded_deleted_rows"] == 0
        for table in ("Case", "CaseHistory", "Account", "Contact")
    )


def _internal_test_contacts(landing: Path) -> int:
    """Distinct Salesforce contacts flagged as internal test, or belonging to a flagged account."""
    test_accounts = set()
    for path in landing.glob("salesforce/Account/*/*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            test_accounts |= {
                r["Id"] for r in csv.DictReader(fh) if r["Is_Internal_Test__c"] == "true"
            }
    test_contacts = set()
    for path in landing.glob("salesforce/Contact/*/*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            test_contacts |= {
                r["Id"]
                for r in csv.DictReader(fh)
                if r["Is_Internal_Test__c"] == "true" or r["AccountId"] in test_accounts
            }
    return len(test_contacts)


@pytest.fixture(scope="module")
def quarantine_world(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[BuiltWarehouse, dict[Path, int]]:
    """A small world with two corrupt files: a Connect record cut in half, and a Salesforce
    Case file with a byte that is not UTF-8 (which the checks cannot read at all); and an Account
    file delivered again, byte for byte, on a later day."""
    root: Path = tmp_path_factory.mktemp("dq_quarantine")
    world = BuiltWarehouse(
        root=root,
        landing=root / "landing",
        truth=root / "truth",
        quarantine=root / "quarantine",
        database=root / "warehouse.duckdb",
    )
    config = dataclasses.replace(SCALES["ci"], customers=300, days=21)
    generate(config, world.landing, world.truth, progress=False)
    connect_file = sorted(world.landing.glob("amazon_connect/contact_records/*/*.jsonl"))[5]
    lines = connect_file.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1][: len(lines[1]) // 2] + "\n"
    connect_file.write_text("".join(lines), encoding="utf-8")
    case_file = sorted(world.landing.glob("salesforce/Case/*/*.csv"))[7]
    data = case_file.read_bytes()
    cut = data.index(b"\n") + 4  # inside the first data row
    case_file.write_bytes(data[:cut] + b"\xf6" + data[cut:])
    account_file = sorted(world.landing.glob("salesforce/Account/*/*.csv"))[0]
    again = world.landing / "salesforce/Account/delivery_date=2026-12-31/Account-2026-12-31.csv"
    again.parent.mkdir(parents=True)
    again.write_bytes(account_file.read_bytes())
    corrupt = {
        connect_file.relative_to(world.landing): len(lines),
        case_file.relative_to(world.landing): _data_rows(case_file),
    }
    report = load_landing(world.landing, world.database, world.quarantine, progress=False)
    assert report.files_quarantined == 2
    run_dbt(
        world, "build", "--select", "+fct_data_quality_audit", "--indirect-selection", "cautious"
    )
    return world, corrupt


def test_quarantined_files_show_in_the_audit_and_still_reconcile(
    quarantine_world: tuple[BuiltWarehouse, dict[Path, int]],
) -> None:
    world, corrupt = quarantine_world
    audit = _audit(world.database)
    for relative, rows in corrupt.items():
        source, table, folder = relative.parts[:3]
        day = dt.date.fromisoformat(folder.removeprefix("delivery_date="))
        row = audit[(source, table, day)]
        assert row["quarantined_files"] == 1, relative
        assert row["quarantined_rows"] == rows > 0, relative
        assert (world.quarantine / relative).exists()
    assert sum(row["quarantined_files"] for row in audit.values()) == 2
    again = audit[("salesforce", "Account", dt.date(2026, 12, 31))]
    assert again["duplicate_files"] == again["received_files"] == 1
    assert again["duplicate_file_rows"] == again["received_rows"] > 0
    files, rows_per_feed = _files_per_feed_and_day(world.landing, world.quarantine)
    for key, row in audit.items():
        assert row["received_files"] == files[key], key
        assert row["received_rows"] == rows_per_feed[key], key
        assert row["unexplained_rows"] == 0, (key, row)
