"""A fully mixed estate: in two regions ServiceNow, the legacy ACD and the flat survey serve the
customers; everywhere else Salesforce, Amazon Connect and Qualtrics. The same simulated world
builds into one set of outcome marts (every data test and unit test passes), each figure names the
system it came from, and a call logged by the ACD links to its ServiceNow incident exactly as a
Connect record links to its Salesforce case."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from service_outcomes.generate import SCALES

from .warehouse import BuiltWarehouse
from .worlds import build_world, query

SECOND_VENDOR_REGIONS = ("de", "us_west")


@pytest.fixture(scope="module")
def mixed_estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    root = Path(tmp_path_factory.mktemp("mixed_estate"))
    config = replace(
        SCALES["ci"],
        crm="mixed",
        telephony="mixed",
        surveys="mixed",
        second_vendor_regions=SECOND_VENDOR_REGIONS,
    )
    yield build_world(root, config)


def _systems_by_region(warehouse: BuiltWarehouse, sql: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for region, system in query(warehouse, sql):
        found.setdefault(str(region), set()).add(str(system))
    return found


def test_every_customer_comes_from_the_crm_of_its_region(mixed_estate: BuiltWarehouse) -> None:
    found = _systems_by_region(
        mixed_estate,
        "select distinct region, source_system from marts_customer.dim_customers "
        "where customer_identity_source = 'crm'",
    )
    assert set(found) >= set(SECOND_VENDOR_REGIONS) and len(found) > len(SECOND_VENDOR_REGIONS)
    for region, systems in found.items():
        expected = "servicenow" if region in SECOND_VENDOR_REGIONS else "salesforce"
        assert systems == {expected}, region


def test_every_contact_names_the_telephony_of_its_region(mixed_estate: BuiltWarehouse) -> None:
    found = _systems_by_region(
        mixed_estate,
        """
        select distinct customers.region, contacts.source_system
        from marts_customer.fct_contact_outcomes as contacts
        inner join marts_customer.dim_customers as customers
            on contacts.customer_id = customers.customer_id
        """,
    )
    assert set(found) >= set(SECOND_VENDOR_REGIONS)
    for region, systems in found.items():
        expected = "legacy_acd" if region in SECOND_VENDOR_REGIONS else "amazon_connect"
        assert systems == {expected}, region


def test_every_survey_response_names_the_platform_of_its_region(
    mixed_estate: BuiltWarehouse,
) -> None:
    found = _systems_by_region(
        mixed_estate,
        """
        select distinct customers.region, responses.source_system
        from marts_customer.fct_survey_responses as responses
        inner join marts_customer.dim_customers as customers
            on responses.customer_id = customers.customer_id
        """,
    )
    assert set(found) >= set(SECOND_VENDOR_REGIONS)
    for region, systems in found.items():
        if region in SECOND_VENDOR_REGIONS:
            # The flat survey, and the ACD's inline rating where no survey response covers a call.
            assert systems <= {"flat_survey", "legacy_acd"} and "flat_survey" in systems, region
        else:
            assert systems == {"qualtrics"}, region


def test_acd_calls_link_to_servicenow_incidents(mixed_estate: BuiltWarehouse) -> None:
    rows = query(
        mixed_estate,
        """
        select contacts.source_system, cases.source_system, count(*),
            count(case when cases.customer_id = contacts.customer_id then 1 end)
        from staging.stg_amazon_connect__contact_records as contacts
        inner join staging.stg_salesforce__cases as cases
            on contacts.case_id = cases.case_id
        group by 1, 2 order by 1, 2
        """,
    )
    assert [(telephony, crm) for telephony, crm, _, _ in rows] == [
        ("amazon_connect", "salesforce"),
        ("legacy_acd", "servicenow"),
    ]
    for _telephony, _crm, legs, same_customer in rows:
        assert legs > 0 and same_customer == legs
    unlinked = query(
        mixed_estate,
        """
        select count(*) from staging.stg_amazon_connect__contact_records as contacts
        left join staging.stg_salesforce__cases as cases on contacts.case_id = cases.case_id
        where contacts.case_id is not null and cases.case_id is null
        """,
    )
    assert unlinked == [(0,)]
