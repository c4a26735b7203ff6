"""No model after staging holds personal data: names, e-mail addresses or phone numbers."""

from __future__ import annotations

import re

import duckdb
import pytest

from .warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e

PUBLIC_SCHEMAS = ("intermediate", "marts_customer")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+\d{9,15}\b")
NAME_COLUMNS = re.compile(r"(first|last)_?name|^name$|email|phone|address", re.IGNORECASE)


def test_no_identifier_past_staging(built_warehouse: BuiltWarehouse) -> None:
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_schema in {PUBLIC_SCHEMAS!r} and data_type = 'VARCHAR'"
        ).fetchall()
        assert columns, "the public schemas must exist"
        named = [c for c in columns if NAME_COLUMNS.search(c[2]) and not c[2].endswith("_key")]
        assert not named, f"columns named like personal data: {named}"
        for schema, table, column in columns:
            values = connection.execute(
                f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null'
            ).fetchall()
            leaked = [v for (v,) in values if EMAIL.search(v) or PHONE.search(v)]
            assert not leaked, f"{schema}.{table}.{column} holds identifiers: {leaked[:3]}"
