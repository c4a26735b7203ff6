"""The same simulated world written through ServiceNow (incident event log, CSM customers) and
through a mixed estate (ServiceNow serves the customers of two regions, Salesforce the rest),
compared with the reference build (Salesforce): every customer, business and risk mart must hold
the same rows, compared on their non-identifier columns (the two CRMs identify customers and
cases differently, so their ids differ by design), and every figure must name its source system.
README "Mapping your own export" (ServiceNow) lists what the ServiceNow export does not carry;
none of it feeds an outcome, so no outcome is allowed to change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from service_outcomes.generate import SCALES

from .warehouse import BuiltWarehouse
from .worlds import build_world, query

SECOND_VENDOR_REGIONS = ("de", "us_west")
#: The outcome marts compared (governance marts count delivered rows, which differ by format).
LENSES = ("marts_customer", "marts_business", "marts_risk")
#: Columns that carry the CRM's identifiers or name the source system: excluded from the
#: comparison (ids are opaque keys; their values differ by system, the rows they key do not).
SOURCE_SYSTEM = "source_system"


def _is_identifier(column: str) -> bool:
    return column.endswith(("_id", "_key")) or column == SOURCE_SYSTEM


def _marts(warehouse: BuiltWarehouse) -> list[tuple[str, str]]:
    rows = query(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in {LENSES!r} order by table_schema, table_name",
    )
    return [(str(schema), str(name)) for schema, name in rows]


def _normalised(value: object) -> object:
    if isinstance(value, float):
        return float(f"{value:.12g}")  # sums of doubles may add up in another order
    return value


def mart_rows(warehouse: BuiltWarehouse, schema: str, table: str) -> tuple[list[str], Counter]:
    """The mart's non-identifier columns and its rows over them, as a multiset."""
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        columns = [
            str(name)
            for (name,) in connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if not _is_identifier(str(name))
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        rows = connection.execute(f"select {select} from {schema}.{table}").fetchall()
    return columns, Counter(tuple(_normalised(v) for v in row) for row in rows)


def differences(reference: BuiltWarehouse, other: BuiltWarehouse) -> dict[str, str]:
    """Mart -> what differs, for every outcome mart whose rows are not the same."""
    found: dict[str, str] = {}
    marts = _marts(reference)
    assert marts, "no outcome marts in the reference build"
    assert _marts(other) == marts
    for schema, table in marts:
        columns, expected = mart_rows(reference, schema, table)
        other_columns, actual = mart_rows(other, schema, table)
        name = f"{schema}.{table}"
        if other_columns != columns:
            found[name] = f"columns differ: {columns} vs {other_columns}"
        elif actual != expected:
            missing = list((expected - actual).elements())[:3]
            extra = list((actual - expected).elements())[:3]
            found[name] = (
                f"{sum(expected.values())} vs {sum(actual.values())} rows; only in the reference "
                f"e.g. {missing}; only in the vendor world e.g. {extra} (columns {columns})"
            )
    return found


@pytest.fixture(scope="module")
def servicenow_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    root = Path(tmp_path_factory.mktemp("crm_servicenow"))
    yield build_world(root, replace(SCALES["ci"], crm="servicenow"))


@pytest.fixture(scope="module")
def mixed_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    root = Path(tmp_path_factory.mktemp("crm_mixed"))
    config = replace(SCALES["ci"], crm="mixed", second_vendor_regions=SECOND_VENDOR_REGIONS)
    yield build_world(root, config)


def test_servicenow_world_lands_as_servicenow(servicenow_world: BuiltWarehouse) -> None:
    """Every CRM row of the ServiceNow world came through the built-in mappings, none was
    quarantined, and the exports themselves stayed in their vendor folders."""
    landing = servicenow_world.landing
    cases = sorted(p.name for p in (landing / "salesforce" / "Case").rglob("*.csv"))
    assert cases and all(name.endswith("--servicenow.csv") for name in cases)
    for table in ("incident", "customer_account", "customer_contact"):
        assert any((landing / "servicenow" / table).rglob("*.csv")), table
    assert not (servicenow_world.quarantine / "mapping").exists()
    systems = query(
        servicenow_world,
        "select source_system, count(*) from staging.stg_salesforce__cases group by 1",
    )
    assert [s for s, _ in systems] == ["servicenow"]
    assert query(
        servicenow_world, "select distinct source_system from marts_customer.dim_customers"
    ) == [("servicenow",)]


def test_servicenow_world_gives_the_reference_outcomes(
    built_warehouse: BuiltWarehouse, servicenow_world: BuiltWarehouse
) -> None:
    assert differences(built_warehouse, servicenow_world) == {}


def test_mixed_world_gives_the_reference_outcomes(
    built_warehouse: BuiltWarehouse, mixed_world: BuiltWarehouse
) -> None:
    assert differences(built_warehouse, mixed_world) == {}


def test_mixed_world_traces_each_figure_to_its_crm(mixed_world: BuiltWarehouse) -> None:
    """Customers of the second-vendor regions come from ServiceNow, the rest from Salesforce;
    each complaint names the CRM of its case, which is its customer's CRM."""
    by_region = query(
        mixed_world,
        "select region, source_system, count(*) from marts_customer.dim_customers "
        "group by 1, 2 order by 1, 2",
    )
    assert by_region
    for region, system, _count in by_region:
        expected = "servicenow" if region in SECOND_VENDOR_REGIONS else "salesforce"
        assert system == expected, (region, system)
    complaints = query(
        mixed_world,
        "select complaints.source_system, customers.source_system, count(*) "
        "from marts_risk.fct_complaints as complaints "
        "inner join marts_customer.dim_customers as customers "
        "on complaints.customer_id = customers.customer_id group by 1, 2",
    )
    assert {c for c, _, _ in complaints} == {"salesforce", "servicenow"}
    assert all(case == customer for case, customer, _ in complaints)


def test_contacts_link_to_servicenow_incidents(mixed_world: BuiltWarehouse) -> None:
    """A contact record of a ServiceNow-served customer carries the incident's canonical id and
    links to it exactly as a Salesforce customer's record links to the Case."""
    rows = query(
        mixed_world,
        """
        select cases.source_system, count(*) as legs,
            count(case when cases.customer_id = contacts.customer_id then 1 end) as same_customer
        from staging.stg_amazon_connect__contact_records as contacts
        inner join staging.stg_salesforce__cases as cases
            on contacts.case_id = cases.case_id
        group by 1 order by 1
        """,
    )
    assert [r[0] for r in rows] == ["salesforce", "servicenow"]
    for _system, legs, same_customer in rows:
        assert legs > 0 and same_customer == legs
    unlinked = query(
        mixed_world,
        """
        select count(*) from staging.stg_amazon_connect__contact_records as contacts
        left join staging.stg_salesforce__cases as cases on contacts.case_id = cases.case_id
        where contacts.case_id is not null and cases.case_id is null
        """,
    )
    assert unlinked == [(0,)]
