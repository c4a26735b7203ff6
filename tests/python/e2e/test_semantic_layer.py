"""The semantic layer (MetricFlow) answers with the same outcomes as the marts and the truth."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
