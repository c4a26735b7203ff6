"""The marts are their own data dictionary: dbt-coverage measures, from the manifest and the
catalog of the end-to-end build, that every column of every model under models/marts/ has a
description and at least one data test attached to it, and both must be 100%."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .warehouse import PROJECT_ROOT, BuiltWarehouse, run_dbt

pytestmark = pytest.mark.e2e

MARTS = "models/marts/"
DBT_COVERAGE = Path(sys.executable).with_name("dbt-coverage")
COVERAGE_TYPES = ("doc", "test")

Report = dict[str, Any]


@dataclass(frozen=True)
class MartCoverage:
    """dbt-coverage's report per coverage type, the mart models, and the artefacts read."""

    reports: dict[str, Report]
    marts: frozenset[str]
    manifest: dict[str, Any]
    catalog: dict[str, Any]


def compute_coverage(artifacts: Path, coverage_type: str, report_path: Path) -> Report:
    """Run `dbt-coverage compute` on the marts only and return its JSON report."""
    command = [
        str(DBT_COVERAGE),
        "compute",
        coverage_type,
        "--run-artifacts-dir",
        str(artifacts),
        "--model-path-filter",
        MARTS,
        "--cov-report",
        str(report_path),
    ]
    completed = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, (
        f"dbt-coverage compute {coverage_type} failed ({completed.returncode}):\n"
        f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    report: Report = json.loads(report_path.read_text(encoding="utf-8"))
    return report


@pytest.fixture(scope="module")
def mart_coverage(built_warehouse: BuiltWarehouse) -> MartCoverage:
    """Generate the catalog of the built warehouse and compute both reports from it at once, so
    that no other test's dbt run can replace the artefacts in between."""
    run_dbt(built_warehouse, "docs", "generate")
    artifacts = built_warehouse.root / "target"
    reports = {
        coverage_type: compute_coverage(
            artifacts, coverage_type, built_warehouse.root / f"coverage-{coverage_type}.json"
        )
        for coverage_type in COVERAGE_TYPES
    }
    manifest = json.loads((artifacts / "manifest.json").read_text(encoding="utf-8"))
    marts = frozenset(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith(MARTS)
        and node["config"]["materialized"] != "ephemeral"
    )
    catalog = json.loads((artifacts / "catalog.json").read_text(encoding="utf-8"))
    return MartCoverage(reports=reports, marts=marts, manifest=manifest, catalog=catalog)


@pytest.mark.parametrize("coverage_type", COVERAGE_TYPES)
def test_every_mart_column_is_documented_and_tested(
    mart_coverage: MartCoverage, coverage_type: str
) -> None:
    report = mart_coverage.reports[coverage_type]
    uncovered = [
        f"  {table['name']}.{column['name']}"
        for table in report["tables"]
        for column in table["columns"]
        if not column["covered"]
    ]
    lacking = "a description" if coverage_type == "doc" else "a data test attached to them"
    if uncovered or report["coverage"] != 1.0:
        pytest.fail(
            f"dbt-coverage {coverage_type} of {MARTS} is {report['covered']}/{report['total']} "
            f"({report['coverage']:.1%}); these columns lack {lacking}:\n" + "\n".join(uncovered),
            pytrace=False,
        )


def test_coverage_measures_every_mart(mart_coverage: MartCoverage) -> None:
    """A mart missing from the catalog (not built, or filtered out) would go unmeasured."""
    assert mart_coverage.marts, f"no models under {MARTS} in the manifest"
    for coverage_type, report in mart_coverage.reports.items():
        measured = {table["name"].rsplit(".", 1)[-1] for table in report["tables"]}
        missing = sorted(mart_coverage.marts - measured)
        assert not missing, f"dbt-coverage {coverage_type} did not measure {missing}"


def test_every_mart_column_has_a_test_of_its_own(mart_coverage: MartCoverage) -> None:
    """dbt-coverage credits a column test to the first node the test depends on (the last for
    relationships), so a test that passes another model as ref() in its arguments counts for the
    column of that name in the other model. Checked by the node each test is attached to, every
    mart column must still have a test of its own (sum_equals also takes the compared model's
    name, compare_model: fct_x, which keeps the credit where it belongs)."""
    tested = {
        (node["attached_node"], node["column_name"].lower())
        for node in mart_coverage.manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("attached_node") and node.get("column_name")
    }
    untested = [
        f"  {node['metadata']['schema']}.{node['metadata']['name']}.{column}"
        for unique_id, node in mart_coverage.catalog["nodes"].items()
        if unique_id.startswith("model.") and unique_id.rsplit(".", 1)[-1] in mart_coverage.marts
        for column in (name.lower() for name in node["columns"])
        if (unique_id, column) not in tested
    ]
    if untested:
        pytest.fail(
            "these mart columns are counted as tested only through tests of other models:\n"
            + "\n".join(untested),
            pytrace=False,
        )
