"""Raw tables in DuckDB: creating them and appending one checked file to its table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from .contract import Contract
from .csvsource import sql_ident
from .feeds import LandedFile

METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),
    ("_source_row", "BIGINT"),
    ("_delivery_date", "DATE"),
    ("_loaded_at", "TIMESTAMP"),
)
JSON_RECORD_COLUMN = "record"


def _qualified(contract: Contract) -> str:
    return f"{sql_ident(contract.raw_schema)}.{sql_ident(contract.raw_name)}"


def _declared_columns(contract: Contract) -> tuple[str, ...]:
    if contract.file_format == "jsonl":
        return (JSON_RECORD_COLUMN,)
    return contract.required_columns


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, contracts: Iterable[Contract]) -> None:
    """Create every raw table with its contract's columns (all VARCHAR) plus metadata."""
    for contract in contracts:
        con.execute(f"create schema if not exists {sql_ident(contract.raw_schema)}")
        columns = [f"{sql_ident(c)} VARCHAR" for c in _declared_columns(contract)]
        columns += [f"{sql_ident(name)} {kind}" for name, kind in METADATA_COLUMNS]
        con.execute(f"create table if not exists {_qualified(contract)} ({', '.join(columns)})")


def table_columns(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [contract.raw_schema, contract.raw_name],
    ).fetchall()
    return [str(r[0]) for r in rows]


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    landed: LandedFile,
    rows: str,
    columns: list[str],
    loaded_at: dt.datetime,
    known_columns: dict[str, set[str]] | None = None,
) -> int:
    """Append a checked file's rows to its raw table (inside the caller's transaction); the
    number of rows appended.

    ``rows`` is DuckDB's reader of the file (``checks.CheckResult.rows``), read again here rather
    than kept from the checks: the insert streams, and DuckDB writes a large file's row groups to
    the database file as they fill, so no step holds the whole file. ``row_number() over ()``
    numbers the rows in file order (a streaming window) for ``_source_row``.

    ``known_columns`` (raw table -> lower-cased column names, kept by the caller for one load)
    spares the catalogue query when the file brings no column the table lacks.
    """
    contract = landed.contract
    if contract.file_format != "jsonl":
        known = None if known_columns is None else known_columns.get(contract.raw_table)
        if known is None or any(c.lower() not in known for c in columns):
            known = _add_new_columns(con, contract, columns)
            if known_columns is not None:
                known_columns[contract.raw_table] = known
    ((count,),) = con.execute(
        f"insert into {_qualified(contract)} by name "
        f"select *, ? as _source_file, row_number() over () as _source_row, "
        f"?::DATE as _delivery_date, ?::TIMESTAMP as _loaded_at from {rows}",
        [landed.relative_path, landed.delivery_date, loaded_at],
    ).fetchall()
    return int(count)


def _add_new_columns(
    con: duckdb.DuckDBPyConnection, contract: Contract, columns: list[str]
) -> set[str]:
    """Add the columns the raw table lacks; its lower-cased column names afterwards."""
    existing = {c.lower() for c in table_columns(con, contract)}
    for column in columns:
        if column.lower() not in existing:
            con.execute(
                f"alter table {_qualified(contract)} add column {sql_ident(column)} VARCHAR"
            )
            existing.add(column.lower())
    return existing
