"""The same project on PostgreSQL 15 and on Apache Spark gives the same marts as on DuckDB, row
for row, on the CI data.

The PostgreSQL fixture starts a private PostgreSQL server from Debian's postgresql-15 packages
(installed through apt when missing) on 127.0.0.1 in a temporary folder, copies the raw_* schemas
of the session's DuckDB warehouse into it, runs `dbt build --target postgres` (models, seeds,
snapshots, data tests and unit tests) and stops and deletes the server afterwards.

The Spark fixture runs PySpark in session mode (the `spark` target of profiles.yml) with its Derby
metastore and table files in a temporary folder: it copies the raw_* schemas in, runs `dbt build
--target spark` (seeds and models; with SPARK_ALL_TESTS=1 also data tests and unit tests; everything
but the registry snapshot and the two integrity tests that read it, which Spark cannot build without
Delta tables: see SPARK_NOT_BUILT). Copy and build are processes of their own, because the embedded
metastore admits one JVM at a time; the marts are then read from the Parquet files of Spark's
tables, with DuckDB.

Comparison (one check, every mart, both engines against DuckDB): every table and view in a marts_*
schema of the DuckDB warehouse must exist on the other engine with the same column names in the
same order and the same multiset of rows (order ignored). Text, dates, timestamps, booleans,
integers and decimals must be equal exactly. Only floating-point values (double precision: rates,
means, correlations) may differ, by a relative 1e-9 (absolute 1e-12 near zero): the engines sum and
divide in different orders. The columns that record when the registry snapshot ran
(SNAPSHOT_TIME_COLUMNS) differ between any two builds, even two on DuckDB; they are compared as
null or not null only. On Spark the
registry's history is not a snapshot but the registry as it is at the build (macro
registry_history): in one build from nothing that is what the snapshot holds too, so the change log
and the catalogue are compared like every other mart. Timestamps are compared as UTC wall-clock
times (Spark, its session zone set to UTC, stores UTC instants in its Parquet files).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest

from service_outcomes.engines.postgres import PostgresServer, copy_raw_schemas
from service_outcomes.engines.spark import SPARK_DIR_VARIABLE, table_folder

from .warehouse import DBT, PROJECT_ROOT, BuiltWarehouse

pytestmark = pytest.mark.e2e

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12
# dbt snapshot bookkeeping: the time the snapshot ran (dbt_valid_from / dbt_valid_to) and the
# snapshot's row id, a hash of the key and that time.
SNAPSHOT_TIME_COLUMNS = {
    ("marts_governance", "fct_metric_definition_changes"): {"change_id", "valid_from", "valid_to"},
    ("marts_governance", "dim_metric_catalogue"): {"last_changed_at"},
}
# What `dbt build --target spark` does not build, and why: dbt-spark can snapshot only Delta,
# Iceberg or Hudi tables, and session mode here writes plain Parquet (nothing is downloaded).
SPARK_NOT_BUILT = {
    "snapshot.service_outcomes.metric_registry_history": "no snapshots without Delta tables",
    "test.service_outcomes.assert_every_registry_version_has_a_current_history_state": (
        "reads the snapshot"
    ),
    "test.service_outcomes.assert_registry_history_validity_ranges_do_not_overlap": (
        "reads the snapshot"
    ),
}


@dataclass(frozen=True)
class PostgresBuild:
    """A PostgreSQL server holding the dbt build of the CI world, and how the build went."""

    server: PostgresServer
    returncode: int
    output: str
    seconds: float


@pytest.fixture(scope="module")
def postgres_build(built_warehouse: BuiltWarehouse) -> Iterator[PostgresBuild]:
    with PostgresServer() as server:
        copy_raw_schemas(built_warehouse.database, server.dsn())
        environment = {
            **os.environ,
            **server.profile_environment(),
            "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        }
        started = time.monotonic()
        completed = subprocess.run(
            [
                str(DBT),
                "build",
                "--target",
                "postgres",
                "--project-dir",
                str(PROJECT_ROOT),
                "--target-path",
                str(built_warehouse.root / "target-postgres"),
                "--log-path",
                str(built_warehouse.root / "logs-postgres"),
                "--no-use-colors",
            ],
            cwd=PROJECT_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        yield PostgresBuild(
            server=server,
            returncode=completed.returncode,
            output=completed.stdout[-8000:] + completed.stderr[-2000:],
            seconds=time.monotonic() - started,
        )


@dataclass(frozen=True)
class SparkBuild:
    """The dbt build of the CI world on Spark (its scratch folder) and how it went."""

    scratch: Path
    returncode: int
    output: str
    seconds: float
    disabled: frozenset[str]


# Each data test and unit test costs Spark seconds of its own (about 1,600 of them: most of an hour
# on two cores), so `make test` builds seeds and models on Spark and compares every mart; the full
# suite on Spark runs with SPARK_ALL_TESTS=1 (`make test-spark`).
SPARK_RESOURCE_SELECTION: tuple[str, ...] = (
    ()
    if os.environ.get("SPARK_ALL_TESTS") == "1"
    else ("--exclude-resource-type", "test", "unit_test")
)


@pytest.fixture(scope="module")
def spark_build(built_warehouse: BuiltWarehouse) -> SparkBuild:
    scratch = built_warehouse.root / "spark"
    environment = {
        **os.environ,
        SPARK_DIR_VARIABLE: str(scratch),
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
    }
    engine = [sys.executable, "-m", "service_outcomes.engines.spark"]
    steps = [
        [*engine, "copy", "--database", str(built_warehouse.database)],
        [
            str(DBT),
            "build",
            *SPARK_RESOURCE_SELECTION,
            "--target",
            "spark",
            "--project-dir",
            str(PROJECT_ROOT),
            "--target-path",
            str(built_warehouse.root / "target-spark"),
            "--log-path",
            str(built_warehouse.root / "logs-spark"),
            "--no-use-colors",
        ],
    ]
    started = time.monotonic()
    output = ""
    returncode = 0
    for step in steps:
        completed = subprocess.run(
            step, cwd=scratch.parent, env=environment, capture_output=True, text=True, check=False
        )
        output += (
            f"$ {' '.join(step[:4])} ...\n{completed.stdout[-8000:]}{completed.stderr[-2000:]}"
        )
        returncode = completed.returncode
        if returncode != 0:
            break
    return SparkBuild(
        scratch=scratch,
        returncode=returncode,
        output=output,
        seconds=time.monotonic() - started,
        disabled=_disabled_nodes(built_warehouse.root / "target-spark" / "manifest.json"),
    )


def _disabled_nodes(manifest: Path) -> frozenset[str]:
    """The nodes a dbt manifest lists as disabled on its target."""
    if not manifest.exists():
        return frozenset()
    return frozenset(json.loads(manifest.read_text(encoding="utf-8")).get("disabled") or {})


def test_dbt_build_passes_on_postgres(postgres_build: PostgresBuild) -> None:
    assert postgres_build.returncode == 0, (
        f"dbt build --target postgres failed after {postgres_build.seconds:.0f} s:\n"
        f"{postgres_build.output}"
    )


def test_dbt_build_passes_on_spark(
    built_warehouse: BuiltWarehouse, spark_build: SparkBuild
) -> None:
    """Seeds and models (and, with SPARK_ALL_TESTS=1, data tests and unit tests) all run and pass
    on Spark; only what SPARK_NOT_BUILT names is left out (it is built, and passes, on DuckDB)."""
    assert spark_build.returncode == 0, (
        f"copy or dbt build --target spark failed after {spark_build.seconds:.0f} s:\n"
        f"{spark_build.output}"
    )
    on_duckdb = _disabled_nodes(built_warehouse.root / "target" / "manifest.json")
    left_out = spark_build.disabled - on_duckdb
    assert left_out == set(SPARK_NOT_BUILT), (
        f"left out on Spark only: {sorted(left_out - set(SPARK_NOT_BUILT))}; "
        f"expected to be left out but built: {sorted(set(SPARK_NOT_BUILT) - left_out)}"
    )


def test_every_mart_matches_on_every_engine(
    built_warehouse: BuiltWarehouse, postgres_build: PostgresBuild, spark_build: SparkBuild
) -> None:
    """Every mart of DuckDB, the reference, against PostgreSQL and against Spark."""
    duck = duckdb.connect(str(built_warehouse.database), read_only=True)
    postgres = psycopg2.connect(postgres_build.server.dsn())
    parquet = duckdb.connect()
    parquet.execute("set TimeZone = 'UTC'")
    try:
        marts = _mart_relations(duck)
        assert len(marts) > 20, f"too few marts found: {marts}"
        problems: dict[str, str] = {}
        for schema, table in marts:
            reference = _duckdb_relation(duck, schema, table)
            engines = {
                "PostgreSQL": _postgres_relation(postgres, schema, table),
                "Spark": _spark_relation(parquet, spark_build.scratch, schema, table),
            }
            for engine, relation in engines.items():
                problem = _compare_relation(reference, relation, engine, schema, table)
                if problem:
                    problems[f"{schema}.{table} on {engine}"] = problem
    finally:
        duck.close()
        postgres.close()
        parquet.close()
    assert not problems, "marts that differ from DuckDB:\n" + "\n".join(
        f"- {name}: {problem}" for name, problem in sorted(problems.items())
    )


def _mart_relations(duck: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = duck.execute(
        "select table_schema, table_name from information_schema.tables "
        "where starts_with(table_schema, 'marts_') order by table_schema, table_name"
    ).fetchall()
    return [(str(schema), str(table)) for schema, table in rows]


# A relation read from one engine: its column names in order and its rows; None when missing.
Relation = tuple[list[str], list[tuple[Any, ...]]] | None


def _duckdb_relation(duck: duckdb.DuckDBPyConnection, schema: str, table: str) -> Relation:
    columns = [
        str(name)
        for (name,) in duck.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]
    return columns, duck.execute(f'select * from "{schema}"."{table}"').fetchall()


def _postgres_relation(
    postgres: psycopg2.extensions.connection, schema: str, table: str
) -> Relation:
    with postgres.cursor() as cursor:
        cursor.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, table),
        )
        columns = [str(name) for (name,) in cursor.fetchall()]
        if not columns:
            return None
        cursor.execute(f'select * from "{schema}"."{table}"')
        return columns, list(cursor.fetchall())


def _spark_relation(
    parquet: duckdb.DuckDBPyConnection, scratch: Path, schema: str, table: str
) -> Relation:
    """A mart Spark built, from its Parquet files; any UTC instant as a UTC wall-clock time."""
    folder = table_folder(scratch, schema, table)
    if not any(folder.glob("*.parquet")):
        return None
    relation = parquet.execute(f"select * from read_parquet('{folder}/*.parquet')")
    columns = [str(column[0]) for column in relation.description]
    rows = [tuple(_utc_wall_clock(value) for value in row) for row in relation.fetchall()]
    return columns, rows


def _utc_wall_clock(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _compare_relation(
    reference: Relation, other: Relation, engine: str, schema: str, table: str
) -> str | None:
    """None when the other engine holds the same rows as DuckDB, else what differs."""
    assert reference is not None
    duck_columns, duck_rows = reference
    if other is None:
        return f"not built on {engine}"
    other_columns, other_rows = other
    if other_columns != duck_columns:
        return f"columns differ: duckdb {duck_columns} {engine} {other_columns}"
    masked = SNAPSHOT_TIME_COLUMNS.get((schema, table), set())
    duck_rows = _mask(duck_rows, duck_columns, masked)
    other_rows = _mask(other_rows, duck_columns, masked)
    if len(duck_rows) != len(other_rows):
        return f"{len(duck_rows)} rows on DuckDB, {len(other_rows)} on {engine}"
    for duck_row, other_row in zip(
        sorted(duck_rows, key=_row_key), sorted(other_rows, key=_row_key), strict=True
    ):
        for column, duck_value, other_value in zip(duck_columns, duck_row, other_row, strict=True):
            if not _values_equal(duck_value, other_value):
                return (
                    f"first difference in column {column}: duckdb {duck_value!r} "
                    f"{engine} {other_value!r} (duckdb row {duck_row!r})"
                )
    return None


def _mask(
    rows: Sequence[Sequence[Any]], columns: list[str], masked: set[str]
) -> list[tuple[Any, ...]]:
    """Rows with the masked columns replaced by whether they hold a value."""
    return [
        tuple(
            (value is not None) if column in masked else value
            for column, value in zip(columns, row, strict=True)
        )
        for row in rows
    ]


def _row_key(row: Sequence[Any]) -> tuple[tuple[int, Any], ...]:
    """A sort key that orders both engines' rows alike: nulls first, numbers by value (floats
    rounded to 9 significant digits so tolerance-sized differences do not reorder rows)."""
    key: list[tuple[int, Any]] = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, bool):
            key.append((1, int(value)))
        elif isinstance(value, float):
            key.append((2, float(f"{value:.9g}")))
        elif isinstance(value, int | Decimal):
            key.append((2, float(value)))
        else:
            key.append((3, str(value)))
    return tuple(key)


def _values_equal(duck_value: object, postgres_value: object) -> bool:
    if duck_value is None or postgres_value is None:
        return duck_value is None and postgres_value is None
    if isinstance(duck_value, bool) or isinstance(postgres_value, bool):
        return duck_value is postgres_value
    if isinstance(duck_value, float) or isinstance(postgres_value, float):
        if not isinstance(duck_value, int | float | Decimal):
            return False
        if not isinstance(postgres_value, int | float | Decimal):
            return False
        return math.isclose(
            float(duck_value),
            float(postgres_value),
            rel_tol=RELATIVE_TOLERANCE,
            abs_tol=ABSOLUTE_TOLERANCE,
        )
    if isinstance(duck_value, int | Decimal) and isinstance(postgres_value, int | Decimal):
        return Decimal(duck_value) == Decimal(postgres_value)
    return duck_value == postgres_value
