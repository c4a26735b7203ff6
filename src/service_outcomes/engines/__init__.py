"""Engines other than DuckDB that the dbt project builds on."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb


def raw_tables(
    source: duckdb.DuckDBPyConnection, schema_prefix: str
) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """(schema, table, [(column, DuckDB type), ...]) of every base table in the DuckDB schemas
    whose name starts with schema_prefix, in schema and table order, columns in table order: what
    each engine's copy of the raw schemas recreates."""
    tables = source.execute(
        "select table_schema, table_name from information_schema.tables "
        "where starts_with(table_schema, ?) and table_type = 'BASE TABLE' "
        "order by table_schema, table_name",
        [schema_prefix],
    ).fetchall()
    for schema, table in tables:
        columns = source.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        yield str(schema), str(table), [(str(name), str(kind)) for name, kind in columns]
