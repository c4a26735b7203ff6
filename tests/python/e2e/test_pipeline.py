"""Pipeline behaviour a user relies on: reruns change nothing, a corrupt file is quarantined with a
clear message while everything else loads, and the command line prints the outcomes."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from service_outcomes.cli import main
from service_outcomes.landing import load_landing

from .warehouse import BuiltWarehouse, run_dbt

pytestmark = pytest.mark.e2e

COUNTED_SCHEMAS = ("raw_salesforce", "raw_amazon_connect", "raw_qualtrics", "marts_customer")


def _row_counts(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = connection.sql(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in {COUNTED_SCHEMAS!r} order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": connection.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchone()[0]
            for schema, table in tables
        }


def test_rerun_changes_no_row_counts(built_warehouse: BuiltWarehouse) -> None:
    before = _row_counts(built_warehouse.database)
    report = load_landing(
        built_warehouse.landing,
        built_warehouse.database,
        built_warehouse.quarantine,
        progress=False,
    )
    assert report.files_loaded == 0
    assert report.files_skipped_already_loaded == report.files_seen > 0
    run_dbt(built_warehouse, "build")
    assert _row_counts(built_warehouse.database) == before


def test_corrupt_file_is_quarantined_while_the_rest_loads(
    built_warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(built_warehouse.landing, landing)
    victim = sorted(landing.glob("amazon_connect/contact_records/*/*.jsonl"))[3]
    lines = victim.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4][: len(lines[4]) // 2] + "\n"  # a record cut in half
    victim.write_text("".join(lines), encoding="utf-8")
    relative = victim.relative_to(landing).as_posix()

    report = load_landing(landing, tmp_path / "w.duckdb", tmp_path / "quarantine", progress=False)

    assert report.files_quarantined == 1
    assert report.files_loaded == report.files_seen - 1
    message = "\n".join(report.quarantine_messages)
    assert relative in message and "row 5" in message and "JSON" in message
    assert not victim.exists(), "a quarantined file leaves the landing folder"
    assert (tmp_path / "quarantine" / relative).read_text(encoding="utf-8") == "".join(lines)


def test_report_command_prints_the_three_outcomes(
    built_warehouse: BuiltWarehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--database", str(built_warehouse.database)]) == 0
    printed = capsys.readouterr().out
    for outcome in ("First contact resolution", "Repeat contact rate", "Resolution time"):
        assert outcome in printed


def test_docs_site_is_generated_as_one_page(built_warehouse: BuiltWarehouse) -> None:
    """`make run` publishes the dbt docs as one self-contained page; every doc block resolves."""
    run_dbt(built_warehouse, "docs", "generate", "--static")
    page = built_warehouse.root / "target" / "static_index.html"
    text = page.read_text(encoding="utf-8")
    assert "fct_episode_outcomes" in text and "first_contact_resolution" in text
