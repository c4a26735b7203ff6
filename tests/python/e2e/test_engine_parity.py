"""The same project on PostgreSQL 15 gives the same marts as on DuckDB, row for row, on the CI data.

The fixture starts a private PostgreSQL server from Debian's postgresql-15 packages (installed
through apt when missing) on 127.0.0.1 in a temporary folder, copies the raw_* schemas of the
session's DuckDB warehouse into it, runs `dbt build --target postgres` (models, seeds, snapshots,
data tests and unit tests) and stops and deletes the server afterwards.

Comparison: every table and view in a marts_* schema of the DuckDB warehouse must exist on
PostgreSQL with the same column names in the same order and the same multiset of rows (order
ignored). Text, dates, timestamps, booleans, integers and decimals must be equal exactly. Only
floating-point values (double precision: rates, means, correlations) may differ, by a relative
1e-9 (absolute 1e-12 near zero): the two engines sum and divide in different orders. The
columns that record when the registry snapshot ran (SNAPSHOT_TIME_COLUMNS) differ between any
two builds, even two on DuckDB; they are compared as null or not null only.
"""

from __future__ import annotations

import math
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import psycopg2
import pytest

from service_outcomes.engines.postgres import PostgresServer, copy_raw_schemas

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


def test_dbt_build_passes_on_postgres(postgres_build: PostgresBuild) -> None:
    assert postgres_build.returncode == 0, (
        f"dbt build --target postgres failed after {postgres_build.seconds:.0f} s:\n"
        f"{postgres_build.output}"
    )


def test_every_mart_matches_duckdb_row_for_row(
    built_warehouse: BuiltWarehouse, postgres_build: PostgresBuild
) -> None:
    duck = duckdb.connect(str(built_warehouse.database), read_only=True)
    postgres = psycopg2.connect(postgres_build.server.dsn())
    try:
        marts = _mart_relations(duck)
        assert len(marts) > 20, f"too few marts found: {marts}"
        problems: dict[str, str] = {}
        for schema, table in marts:
            problem = _compare_relation(duck, postgres, schema, table)
            if problem:
                problems[f"{schema}.{table}"] = problem
    finally:
        duck.close()
        postgres.close()
    assert not problems, "marts that differ between DuckDB and PostgreSQL:\n" + "\n".join(
        f"- {name}: {problem}" for name, problem in sorted(problems.items())
    )


def _mart_relations(duck: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = duck.execute(
        "select table_schema, table_name from information_schema.tables "
        "where starts_with(table_schema, 'marts_') order by table_schema, table_name"
    ).fetchall()
    return [(str(schema), str(table)) for schema, table in rows]


def _compare_relation(
    duck: duckdb.DuckDBPyConnection,
    postgres: psycopg2.extensions.connection,
    schema: str,
    table: str,
) -> str | None:
    """None when the relation holds the same rows on both engines, else what differs."""
    duck_columns = [
        str(name)
        for (name,) in duck.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]
    with postgres.cursor() as cursor:
        cursor.execute(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s order by ordinal_position",
            (schema, table),
        )
        postgres_columns = [str(name) for (name,) in cursor.fetchall()]
        if not postgres_columns:
            return "not built on PostgreSQL"
        if postgres_columns != duck_columns:
            return f"columns differ: duckdb {duck_columns} postgres {postgres_columns}"
        cursor.execute(f'select * from "{schema}"."{table}"')
        postgres_rows = cursor.fetchall()
    duck_rows = duck.execute(f'select * from "{schema}"."{table}"').fetchall()
    masked = SNAPSHOT_TIME_COLUMNS.get((schema, table), set())
    duck_rows = _mask(duck_rows, duck_columns, masked)
    postgres_rows = _mask(postgres_rows, duck_columns, masked)
    if len(duck_rows) != len(postgres_rows):
        return f"{len(duck_rows)} rows on DuckDB, {len(postgres_rows)} on PostgreSQL"
    for duck_row, postgres_row in zip(
        sorted(duck_rows, key=_row_key), sorted(postgres_rows, key=_row_key), strict=True
    ):
        for column, duck_value, postgres_value in zip(
            duck_columns, duck_row, postgres_row, strict=True
        ):
            if not _values_equal(duck_value, postgres_value):
                return (
                    f"first difference in column {column}: duckdb {duck_value!r} "
                    f"postgres {postgres_value!r} (duckdb row {duck_row!r})"
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
