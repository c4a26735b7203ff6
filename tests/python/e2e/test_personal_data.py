"""No model after staging, and nothing on the docs page, holds personal data: names, e-mail
addresses or phone numbers."""

from __future__ import annotations

import re

import duckdb
import pytest

from .warehouse import BuiltWarehouse, run_dbt

pytestmark = pytest.mark.e2e

PUBLIC_SCHEMAS = (
    "intermediate",
    "marts_customer",
    "marts_business",
    "marts_risk",
    "marts_governance",
    "marts_decisions",
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+\d{9,15}\b")
# Ranges reserved for fiction (Ofcom's 07700 900xxx drama numbers; the unassigned North American
# area code 555), used by the unit-test fixtures: not anybody's number.
FICTIONAL_PHONE = re.compile(r"\+447700900\d{3}|\+1555\d{7}")
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


def test_docs_page_holds_no_identifier(built_warehouse: BuiltWarehouse) -> None:
    """The static docs page embeds the manifest (descriptions, compiled SQL, unit-test fixtures)
    and the catalog: none of it may carry an e-mail address or a phone number."""
    page = built_warehouse.root / "target" / "static_index.html"
    if not page.exists():
        run_dbt(built_warehouse, "docs", "generate", "--static")
    text = page.read_text(encoding="utf-8")
    phones = {number for number in PHONE.findall(text) if not FICTIONAL_PHONE.fullmatch(number)}
    leaked = sorted(set(EMAIL.findall(text)) | phones)
    assert not leaked, f"the docs page shows identifiers: {leaked[:5]}"
