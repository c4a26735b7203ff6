"""Consent compliance equals the simulation's ground truth on the CI data set.

The truth's ``consent`` block comes from the simulation's own state: which survey invitations
it sent to customers who had not opted in, and which customers it flagged vulnerable without
consent. The warehouse finds them from the Connect attribute ``survey_opt_in`` and the
Salesforce contact flags (``fct_consent_compliance``).
"""

from __future__ import annotations

import json

import duckdb
import pytest

from .warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e

CHECKS = ("survey_without_consent", "vulnerability_flag_without_consent")


def _truth(warehouse: BuiltWarehouse) -> dict:
    return json.loads((warehouse.truth / "headline.json").read_text())["consent"]


def _built(warehouse: BuiltWarehouse, check: str) -> dict[str, dict[str, int]]:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        rows = connection.execute(
            "select strftime(check_month, '%Y-%m'), breach_count, checked_count "
            "from marts_risk.fct_consent_compliance where consent_check = ? order by 1",
            [check],
        ).fetchall()
    return {month: {"breaches": b, "checked": n} for month, b, n in rows}


@pytest.mark.parametrize("check", CHECKS)
def test_consent_checks_equal_truth_month_by_month(
    built_warehouse: BuiltWarehouse, check: str
) -> None:
    truth = _truth(built_warehouse)[check]
    built = _built(built_warehouse, check)
    assert built == truth["by_month"]
    assert sum(v["breaches"] for v in built.values()) == truth["breaches"]
    assert sum(v["checked"] for v in built.values()) == truth["checked"]


def test_ci_world_has_consent_breaches(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse)
    for check in CHECKS:
        assert 0 < truth[check]["breaches"] < truth[check]["checked"], check


def test_surveys_checked_are_the_live_responses(built_warehouse: BuiltWarehouse) -> None:
    """The consent check covers exactly the responses the survey outcomes count."""
    head = json.loads((built_warehouse.truth / "headline.json").read_text())
    assert (
        _truth(built_warehouse)["survey_without_consent"]["checked"]
        == head["survey_responses"]["live_responses"]
    )
