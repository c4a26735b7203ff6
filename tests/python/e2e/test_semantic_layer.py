"""The semantic layer (MetricFlow) answers with the same outcomes as the marts and the truth."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from .test_group_truth import truth_fairness_board
from .warehouse import PROJECT_ROOT, BuiltWarehouse

pytestmark = pytest.mark.e2e

MF = Path(sys.executable).with_name("mf")
DBT = Path(sys.executable).with_name("dbt")
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "snapshots",
                 "tests", "analyses")  # fmt: skip


@pytest.fixture(scope="module")
def semantic_project(built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory):
    """A project folder of links to this one, with its own target/: MetricFlow reads the
    semantic manifest from <project>/target and nowhere else."""
    project = tmp_path_factory.mktemp("semantic_project")
    for part in PROJECT_PARTS:
        (project / part).symlink_to(PROJECT_ROOT / part)
    environment = {
        **os.environ,
        "DBT_PROFILES_DIR": str(project),
        "SERVICE_OUTCOMES_DB": str(built_warehouse.database),
    }
    subprocess.run([str(DBT), "parse", "--quiet"], cwd=project, env=environment, check=True)
    return project, environment


def _mf_query(semantic_project, *arguments: str) -> list[dict[str, str]]:
    project, environment = semantic_project
    output = project / "query.csv"
    completed = subprocess.run(
        [str(MF), "query", *arguments, "--csv", str(output)],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0 and output.exists(), completed.stdout + completed.stderr
    with output.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_metrics_equal_the_truth(built_warehouse: BuiltWarehouse, semantic_project) -> None:
    truth = json.loads((built_warehouse.truth / "headline.json").read_text())
    [row] = _mf_query(
        semantic_project,
        "--metrics",
        "first_contact_resolution,repeat_contact_rate,mean_resolution_time_hours",
    )
    fcr, repeat = truth["first_contact_resolution"], truth["repeat_contact"]
    resolution = truth["resolution_time"]
    assert float(row["first_contact_resolution"]) == pytest.approx(
        fcr["numerator"] / fcr["denominator"], abs=1e-12
    )
    assert float(row["repeat_contact_rate"]) == pytest.approx(
        repeat["numerator"] / repeat["denominator"], abs=1e-12
    )
    assert float(row["mean_resolution_time_hours"]) == pytest.approx(
        resolution["sum_seconds"] / resolution["solved_needs"] / 3600, abs=1e-9
    )


def test_board_saved_query_slices_by_month_and_region(semantic_project) -> None:
    rows = _mf_query(semantic_project, "--saved-query", "board_customer_outcomes_monthly")
    regions = {row["customer__region"] for row in rows}
    assert regions == {"uk", "de", "us_east", "us_west"}
    assert all(0.0 <= float(row["first_contact_resolution"]) <= 1.0 for row in rows)


@pytest.mark.parametrize(
    "saved_query",
    [
        "board_customer_experience_monthly",
        "board_business_monthly",
        "board_risk_and_drivers_monthly",
    ],
)
def test_every_board_saved_query_answers_by_month(semantic_project, saved_query: str) -> None:
    rows = _mf_query(semantic_project, "--saved-query", saved_query)
    assert {row["metric_time__month"][:7] for row in rows} == {"2026-03", "2026-04"}


def test_every_metric_validates_against_the_warehouse(semantic_project) -> None:
    """MetricFlow queries every semantic model, dimension, measure and metric against DuckDB."""
    project, environment = semantic_project
    completed = subprocess.run(
        [str(MF), "validate-configs"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "Successfully validated metrics against data warehouse" in output, output
    assert "ERRORS: 0" in output


def _warehouse_rows(warehouse: BuiltWarehouse, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def _number(text: str) -> float | None:
    return float(text) if text != "" else None


def _assert_same(got: float | None, want: float | None, what: object) -> None:
    if want is None:
        assert got is None, what
    else:
        assert got == pytest.approx(float(want), abs=1e-12), what


def test_customer_grain_metrics_equal_the_mart(
    built_warehouse: BuiltWarehouse, semantic_project
) -> None:
    """Customers in contact and surveyed, by customer region, from fct_customer_outcomes; the
    customer lens counts the same customers as the business lens's served_customers."""
    rows = _mf_query(
        semantic_project,
        "--metrics",
        "customers_in_contact,surveyed_customers,served_customers",
        "--group-by",
        "customer__region",
    )
    built = {
        region: (in_contact, surveyed)
        for region, in_contact, surveyed in _warehouse_rows(
            built_warehouse,
            """
            select region, count(*), sum(case when survey_response_count > 0 then 1 else 0 end)
            from marts_customer.fct_customer_outcomes
            group by region
            """,
        )
    }
    assert {row["customer__region"] for row in rows} == set(built)
    for row in rows:
        in_contact, surveyed = built[row["customer__region"]]
        assert int(row["customers_in_contact"]) == in_contact
        assert int(row["surveyed_customers"]) == surveyed
        assert row["served_customers"] == row["customers_in_contact"]


RISK_DAILY_METRICS = {
    # metric -> SQL over fct_risk_daily for one group of rows
    "complaints_closed": "sum(complaints_closed)",
    "complaint_near_breaches": "sum(complaint_near_breaches)",
    "complaints_resolved_by_third_business_day": "sum(complaints_resolved_by_third_business_day)",
    "surveys_without_consent": "sum(surveys_without_consent)",
    "survey_responses_checked": "sum(survey_responses_checked)",
    "survey_without_consent_rate": (
        "sum(surveys_without_consent) / nullif(sum(survey_responses_checked), 0)"
    ),
    "vulnerability_flags_without_consent": "sum(vulnerability_flags_without_consent)",
    "vulnerability_flags_checked": "sum(vulnerability_flags_checked)",
    "vulnerability_flag_without_consent_rate": (
        "sum(vulnerability_flags_without_consent) / nullif(sum(vulnerability_flags_checked), 0)"
    ),
    "vulnerable_customer_fcr": (
        "sum(vulnerable_fcr_numerator) / nullif(sum(vulnerable_fcr_denominator), 0)"
    ),
    "other_customer_fcr": "sum(other_fcr_numerator) / nullif(sum(other_fcr_denominator), 0)",
    "vulnerable_fcr_gap": (
        "sum(vulnerable_fcr_numerator) / nullif(sum(vulnerable_fcr_denominator), 0)"
        " - sum(other_fcr_numerator) / nullif(sum(other_fcr_denominator), 0)"
    ),
}


def test_risk_daily_metrics_equal_the_mart(
    built_warehouse: BuiltWarehouse, semantic_project
) -> None:
    """Every risk-lens metric of fct_risk_daily, by month and region, equals the mart's summed
    parts (ratios from summed parts, never averaged)."""
    rows = _mf_query(
        semantic_project,
        "--metrics",
        ",".join(RISK_DAILY_METRICS),
        "--group-by",
        "metric_time__month,risk_day__region",
    )
    expressions = ", ".join(f"cast({sql} as double)" for sql in RISK_DAILY_METRICS.values())
    built = {
        (month, region): values
        for month, region, *values in _warehouse_rows(
            built_warehouse,
            f"""
            select strftime(date_trunc('month', risk_date), '%Y-%m'), region, {expressions}
            from marts_risk.fct_risk_daily
            group by all
            """,
        )
    }
    got = {(row["metric_time__month"][:7], row["risk_day__region"] or None): row for row in rows}
    assert set(got) == set(built)
    for key, values in built.items():
        for metric, want in zip(RISK_DAILY_METRICS, values, strict=True):
            _assert_same(_number(got[key][metric]), want, (key, metric))
    assert any(float(row["complaints_closed"] or 0) > 0 for row in rows)


def test_fairness_board_metrics_equal_the_truth(
    built_warehouse: BuiltWarehouse, semantic_project
) -> None:
    """How many customer groups are out of tolerance each month, how many could be judged and the
    largest judged gap, through MetricFlow, equal the figures judged from the truth's parts."""
    rows = _mf_query(
        semantic_project,
        "--metrics",
        "fairness_groups_out_of_tolerance,fairness_groups_judged,largest_fairness_gap",
        "--group-by",
        "metric_time__month",
    )
    truth = truth_fairness_board(built_warehouse)
    got = {row["metric_time__month"][:7]: row for row in rows}
    assert set(got) == set(truth)
    for month, (out_of_tolerance, judged, largest_gap) in truth.items():
        assert int(got[month]["fairness_groups_out_of_tolerance"]) == out_of_tolerance, month
        assert int(got[month]["fairness_groups_judged"]) == judged, month
        _assert_same(_number(got[month]["largest_fairness_gap"]), largest_gap, month)
