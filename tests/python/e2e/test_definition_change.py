"""Definition change control, end to end: a registry change followed by a build gives a new snapshot
state, figures tagged with the new version, and both series side by side for the overlap months.

The figures under each version are checked against the generator's ground truth recomputed with
that version's window, so a proposed or retired definition is held to the same standard as the
active one.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from ..unit.warehouse_query import query_rows
from .warehouse import PROJECT_ROOT, BuiltWarehouse, run_dbt

pytestmark = pytest.mark.e2e

REGISTRY = Path("seeds") / "registry" / "metric_registry.csv"
LINKED_PARTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "snapshots",
    "tests",
    "analyses",
)


# --- the truth, recomputed under any window ---


def _truth_tables(warehouse: BuiltWarehouse) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    headline = json.loads((warehouse.truth / "headline.json").read_text())
    episodes = pd.read_csv(warehouse.truth / "episodes.csv.gz", dtype=str, keep_default_na=False)
    episodes = episodes[episodes["is_internal_test"].str.lower() != "true"]
    chains = pd.read_csv(
        warehouse.truth / "assisted_chains.csv.gz", dtype=str, keep_default_na=False
    )
    chains = chains[chains["need_id"].isin(episodes["need_id"])]
    return episodes, chains, pd.Timestamp(headline["as_of"])


def _stamp(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column.replace("", None), utc=True)


def truth_by_month(
    warehouse: BuiltWarehouse, metric_id: str, window_days: int
) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) per UTC month, from the simulation's own state."""
    episodes, chains, as_of = _truth_tables(warehouse)
    window = timedelta(days=window_days)
    figures: dict[str, list[int]] = {}
    if metric_id == "first_contact_resolution":
        first = _stamp(episodes["first_assisted_at"])
        second = _stamp(episodes["second_assisted_at"])
        solved_at = _stamp(episodes["solved_at"])
        solved = episodes["is_solved"].str.lower() == "true"
        mature = first.notna() & (as_of - first >= window)
        repeated = second.notna() & (second - first <= window)
        before_next = second.isna() | (solved_at <= second)
        met = mature & solved & ~repeated & before_next
        months = _stamp(episodes["first_contact_at"]).dt.strftime("%Y-%m")
        for month, is_mature, is_met in zip(months, mature, met, strict=True):
            parts = figures.setdefault(month, [0, 0])
            parts[0] += int(is_met)
            parts[1] += int(is_mature)
    else:
        ordered = chains.assign(
            started_at=_stamp(chains["started_at"]), chain_index=chains["chain_index"].astype(int)
        ).sort_values(["need_id", "chain_index"])
        previous = ordered.groupby("need_id")["started_at"].shift()
        repeat = previous.notna() & (ordered["started_at"] - previous <= window)
        for month, is_repeat in zip(
            ordered["started_at"].dt.strftime("%Y-%m"), repeat, strict=True
        ):
            parts = figures.setdefault(month, [0, 0])
            parts[0] += int(is_repeat)
            parts[1] += 1
    return {month: (parts[0], parts[1]) for month, parts in figures.items()}


def restatements(database: Path) -> dict[tuple[str, int, str], tuple]:
    rows = query_rows(
        database,
        """
        select metric_id, definition_version, strftime(period_month, '%Y-%m'), window_days,
               definition_status, is_official_for_period, is_in_overlap_period,
               numerator, denominator
        from marts_governance.fct_metric_restatements_monthly
        """,
    )
    return {(row[0], row[1], row[2]): row[3:] for row in rows}


def test_every_version_of_a_windowed_outcome_equals_the_truth(
    built_warehouse: BuiltWarehouse,
) -> None:
    figures = restatements(built_warehouse.database)
    versions = {(metric, version) for metric, version, _ in figures}
    assert ("repeat_contact_rate", 2) in versions, (
        "the shipped registry proposes a 3-day repeat window"
    )
    for metric, version in sorted(versions):
        window = next(row[0] for key, row in figures.items() if key[:2] == (metric, version))
        expected = truth_by_month(built_warehouse, metric, window)
        actual = {key[2]: row[4:] for key, row in figures.items() if key[:2] == (metric, version)}
        assert actual == expected, f"{metric} v{version} ({window} days)"


def test_the_active_version_is_what_the_customer_marts_publish(
    built_warehouse: BuiltWarehouse,
) -> None:
    [(fcr_parts, repeat_parts)] = query_rows(
        built_warehouse.database,
        """
        select
            (select [sum(numerator), sum(denominator)]
             from marts_governance.fct_metric_restatements_monthly
             where metric_id = 'first_contact_resolution' and is_current_definition),
            (select [sum(numerator), sum(denominator)]
             from marts_governance.fct_metric_restatements_monthly
             where metric_id = 'repeat_contact_rate' and is_current_definition)
        """,
    )
    [(fcr_mart, repeat_mart)] = query_rows(
        built_warehouse.database,
        """
        select
            (select [sum(fcr_numerator), sum(fcr_denominator)]
             from marts_customer.fct_episode_outcomes),
            (select [sum(repeat_numerator), sum(repeat_denominator)]
             from marts_customer.fct_contact_outcomes)
        """,
    )
    assert (fcr_parts, repeat_parts) == (fcr_mart, repeat_mart)


# --- adopting the proposed version ---


def _registry_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write_registry(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _edit_repeat_versions(path: Path, **changes_by_version: dict[str, str]) -> None:
    fields, rows = _registry_rows(path)
    for row in rows:
        changes = (
            changes_by_version.get(f"v{row['version']}")
            if row["metric_id"] == "repeat_contact_rate"
            else None
        )
        row.update(changes or {})
    _write_registry(path, fields, rows)


@pytest.fixture(scope="module")
def changed_warehouse(
    built_warehouse: BuiltWarehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[BuiltWarehouse, Path]]:
    """A copy of the CI warehouse, rebuilt by a linked project whose registry adopts repeat v2
    (3 days) from 1 April 2026, inside the CI data period."""
    root = tmp_path_factory.mktemp("definition_change")
    project = root / "project"
    project.mkdir()
    for part in LINKED_PARTS:
        (project / part).symlink_to(PROJECT_ROOT / part)
    # dbt does not descend into linked folders, so the seeds tree is rebuilt with linked files.
    for seed_file in (PROJECT_ROOT / "seeds").rglob("*"):
        if seed_file.is_file():
            linked = project / seed_file.relative_to(PROJECT_ROOT)
            linked.parent.mkdir(parents=True, exist_ok=True)
            linked.symlink_to(seed_file)
    (project / REGISTRY).unlink()
    shutil.copy(PROJECT_ROOT / REGISTRY, project / REGISTRY)
    _edit_repeat_versions(
        project / REGISTRY,
        v1={"status": "retired"},
        v2={"status": "active", "effective_from": "2026-04-01"},
    )
    warehouse = replace(built_warehouse, root=root, database=root / "warehouse.duckdb")
    shutil.copy(built_warehouse.database, warehouse.database)
    run_dbt(warehouse, "build", project_dir=project)
    yield warehouse, project


def test_adoption_is_recorded_as_new_snapshot_states(changed_warehouse) -> None:
    warehouse, _ = changed_warehouse
    history = query_rows(
        warehouse.database,
        """
        select version, status, dbt_valid_to is null
        from snapshots.metric_registry_history
        where metric_id = 'repeat_contact_rate'
        order by version, dbt_valid_from
        """,
    )
    assert history == [
        (1, "active", False),
        (1, "retired", True),
        (2, "proposed", False),
        (2, "active", True),
    ]
    changes = query_rows(
        warehouse.database,
        """
        select definition_version, change_type, previous_status, status, changed_fields,
               breaks_comparability
        from marts_governance.fct_metric_definition_changes
        where metric_id = 'repeat_contact_rate' and record_sequence = 2
        order by definition_version
        """,
    )
    assert changes == [
        (1, "status change", "active", "retired", "status", False),
        (2, "status change", "proposed", "active", "status, effective_from", False),
    ]


def test_every_figure_is_tagged_with_the_new_version(changed_warehouse) -> None:
    warehouse, _ = changed_warehouse
    tags = query_rows(
        warehouse.database,
        """
        select 'contact', repeat_definition_version, repeat_window_days, count(*)
        from marts_customer.fct_contact_outcomes group by 1, 2, 3
        union all
        select 'daily', repeat_definition_version, null, count(*)
        from marts_customer.fct_customer_outcomes_daily group by 1, 2, 3
        """,
    )
    assert {(grain, version, window) for grain, version, window, _ in tags} == {
        ("contact", 2, 3),
        ("daily", 2, None),
    }


def test_old_and_new_series_side_by_side_in_the_overlap(
    built_warehouse: BuiltWarehouse, changed_warehouse
) -> None:
    warehouse, _ = changed_warehouse
    before, after = restatements(built_warehouse.database), restatements(warehouse.database)
    repeat_after = {key: row for key, row in after.items() if key[0] == "repeat_contact_rate"}
    # Both versions in both months, the same figures as before the change (nothing recomputed
    # differently), and each month official under exactly the version in effect then.
    assert repeat_after.keys() == {key for key in before if key[0] == "repeat_contact_rate"}
    for key, row in repeat_after.items():
        assert row[4:] == before[key][4:], key
        assert row[3] is True, f"{key} lies within the overlap months around 1 April"
    official = {(key[1], key[2]) for key, row in repeat_after.items() if row[2]}
    assert official == {(1, "2026-03"), (2, "2026-04")}
    # The customer marts now publish the 3-day figures for every month (a restated series).
    [(numerator, denominator)] = query_rows(
        warehouse.database,
        """
        select sum(repeat_numerator), sum(repeat_denominator)
        from marts_customer.fct_contact_outcomes
        """,
    )
    truth = truth_by_month(built_warehouse, "repeat_contact_rate", 3)
    assert (numerator, denominator) == tuple(map(sum, zip(*truth.values(), strict=True)))


def test_a_calculation_edited_in_place_is_flagged(changed_warehouse) -> None:
    warehouse, project = changed_warehouse
    edited = replace(
        warehouse, root=warehouse.root / "edited", database=warehouse.root / "edited.duckdb"
    )
    edited.root.mkdir()
    shutil.copy(warehouse.database, edited.database)
    _edit_repeat_versions(project / REGISTRY, v2={"window_days": "2"})
    completed = run_dbt(
        edited,
        "build",
        "--select",
        "metric_registry metric_registry_history fct_metric_definition_changes",
        # Only tests wholly within the selection: the marts were built under the version edited.
        "--indirect-selection",
        "cautious",
        project_dir=project,
    )
    assert "WARN" in completed.stdout
    [change] = query_rows(
        edited.database,
        """
        select change_type, changed_fields, previous_window_days, window_days, breaks_comparability
        from marts_governance.fct_metric_definition_changes
        where metric_id = 'repeat_contact_rate' and definition_version = 2 and is_current_state
        """,
    )
    assert change == ("calculation edited in place", "window_days", 3, 2, True)


def test_no_figure_lacks_a_definition_version(built_warehouse: BuiltWarehouse) -> None:
    """Every published fact and report table names the registry version behind its figures, on
    every row. The dbt tests check each version column against the registry's active row, and
    where a version may be null (service level on a channel without a queue) exactly when."""
    columns = query_rows(
        built_warehouse.database,
        """
        select schema_name, table_name, list(column_name)
        from duckdb_columns()
        where schema_name in ('marts_customer', 'marts_business', 'marts_risk', 'marts_decisions')
          and (table_name like 'fct_%' or table_name like 'rpt_%')
        group by 1, 2
        """,
    )
    assert len(columns) >= 18, "every lens publishes facts"
    untagged = []
    for schema, table, names in columns:
        versions = [name for name in names if name.endswith("definition_version")]
        if not versions:
            untagged.append(f"{schema}.{table}")
            continue
        missing = " and ".join(f"{name} is null" for name in versions)
        [(rows_without,)] = query_rows(
            built_warehouse.database, f"select count(*) from {schema}.{table} where {missing}"
        )
        assert rows_without == 0, f"{schema}.{table} has figures without a version"
    assert not untagged, f"facts without a definition version: {untagged}"
