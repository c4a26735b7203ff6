"""Complaint handling compliance equals the simulation's ground truth on the CI data set.

The truth's ``complaints`` block comes from the simulation's own record of each case (which
cases it made complaints, when, and the first closure after that with its code), judged against
the FCA DISP time limits by an independent Python implementation (``generate.disp``). The
warehouse recognises the same complaints from case data alone (``fct_complaints``).
"""

from __future__ import annotations

import json

import duckdb
import pytest

from service_outcomes.generate.disp import STATUSES

from .warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e

_COUNTS = """
    select
        deadline_status,
        count(*) as complaints,
        sum(case when is_breach then 1 else 0 end) as breaches,
        sum(case when is_near_breach then 1 else 0 end) as near_breaches,
        sum(breach_count) as breach_count,
        sum(judged_count) as judged_count
    from marts_risk.fct_complaints
    where {where}
    group by deadline_status
"""


def _truth(warehouse: BuiltWarehouse) -> dict:
    headline = json.loads((warehouse.truth / "headline.json").read_text())
    return headline["complaints"]


def _built(warehouse: BuiltWarehouse, where: str) -> dict:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        rows = connection.sql(_COUNTS.format(where=where)).fetchall()
    by_status = dict.fromkeys(STATUSES, 0)
    breaches = near = breach_count = judged = 0
    for status, n, b, nb, bc, jc in rows:
        by_status[status] = n
        breaches += b
        near += nb
        breach_count += bc
        judged += jc
    return {
        "complaints": sum(by_status.values()),
        "by_status": by_status,
        "breaches": breaches,
        "near_breaches": near,
        "breach_count": breach_count,
        "judged": judged,
    }


def _expected(block: dict) -> dict:
    return {
        "complaints": block["complaints"],
        "by_status": block["by_status"],
        "breaches": block["breaches"],
        "near_breaches": block["near_breaches"],
        "breach_count": block["breaches"],
        "judged": block["judged"],
    }


def test_disp_complaints_equal_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse)["under_regime"]["FCA DISP"]
    built = _built(built_warehouse, "regime = 'FCA DISP'")
    assert built == _expected(truth)


def test_payment_services_complaints_equal_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse)["under_regime"]["FCA DISP"]["payment_services"]
    built = _built(built_warehouse, "regime = 'FCA DISP' and is_payment_services")
    assert built == _expected(truth)


def test_complaints_outside_the_regime_equal_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse)["not_under_regime"]
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        rows = connection.sql(
            "select deadline_status, count(*), sum(judged_count) from marts_risk.fct_complaints "
            "where regime is null group by deadline_status"
        ).fetchall()
    assert [(status, n) for status, n, _ in rows] == [("not_under_regime", truth)]
    assert all(judged == 0 for _, _, judged in rows)


def test_ci_world_has_breaches_and_payment_complaints(built_warehouse: BuiltWarehouse) -> None:
    """The CI world must exercise every branch that matters to a complaints manager."""
    truth = _truth(built_warehouse)["under_regime"]["FCA DISP"]
    assert truth["by_status"]["responded_late"] > 0
    assert truth["by_status"]["open_past_deadline"] > 0
    assert truth["by_status"]["resolved_by_third_business_day"] > 0
    assert truth["by_status"]["responded_in_time"] > 0
    assert truth["payment_services"]["complaints"] >= 5
    assert truth["payment_services"]["breaches"] > 0
    assert truth["near_breaches"] > 0
