"""The business lens equals the simulation's ground truth on the CI data set.

The truth prices the contacts the simulation drew (their true talk and after-contact-work
seconds and bot sessions) with the rate card, and knows which chains came back after the first
assisted one, when each customer churned and what each account is worth. Integers must match
exactly and money to the penny.
"""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from .warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e


def _truth(warehouse: BuiltWarehouse, block: str) -> dict:
    return json.loads((warehouse.truth / "headline.json").read_text())[block]


def _one(warehouse: BuiltWarehouse, sql: str) -> tuple:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        rows = connection.sql(sql).fetchall()
    assert len(rows) == 1
    return rows[0]


def test_cost_to_serve_equals_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse, "cost_to_serve")
    chains, cost = _one(
        built_warehouse,
        "select count(*), sum(cost_to_serve) from marts_business.fct_contact_costs",
    )
    assert (chains, cost) == (truth["chains"], Decimal(truth["cost"]))
    resolutions, resolved_cost = _one(
        built_warehouse,
        "select sum(confirmed_resolution_count), sum(resolved_episode_cost)"
        " from marts_business.fct_episode_business_outcomes",
    )
    assert (resolutions, resolved_cost) == (
        truth["confirmed_resolutions"],
        Decimal(truth["resolved_episode_cost"]),
    )
    customers, customer_cost = _one(
        built_warehouse,
        "select sum(served_customer_count), sum(cost_to_serve)"
        " from marts_business.fct_customer_revenue_risk",
    )
    assert (customers, customer_cost) == (truth["customers"], Decimal(truth["cost"]))
    assert chains > 1000 and resolutions > 300, "the CI world must give costs enough volume"


def test_avoidable_demand_equals_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse, "avoidable_demand")
    row = _one(
        built_warehouse,
        """
        select sum(avoidable_denominator), sum(avoidable_numerator), sum(avoidable_cost),
               sum(post_resolution_numerator),
               sum(case when post_resolution_numerator = 1 then cost_to_serve else 0 end)
        from marts_business.fct_contact_costs
        """,
    )
    assert row == (
        truth["assisted_chains"],
        truth["avoidable_chains"],
        Decimal(truth["avoidable_cost"]),
        truth["follow_up_chains"],
        Decimal(truth["follow_up_cost"]),
    )
    assert truth["follow_up_chains"] > 0, "the CI world must contain follow-ups"


def test_revenue_protection_equals_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse, "revenue_protection")
    churn = _one(
        built_warehouse,
        """
        select sum(churn_resolved_denominator), sum(churn_resolved_numerator),
               sum(churn_unresolved_denominator), sum(churn_unresolved_numerator),
               max(churn_window_days)
        from marts_business.fct_episode_business_outcomes
        """,
    )
    assert churn == (
        truth["mature_resolved_episodes"],
        truth["churned_after_resolved"],
        truth["mature_unresolved_episodes"],
        truth["churned_after_unresolved"],
        truth["churn_window_days"],
    )
    at_risk = _one(
        built_warehouse,
        "select sum(at_risk_customer_count), sum(revenue_at_risk)"
        " from marts_business.fct_customer_revenue_risk",
    )
    assert at_risk == (truth["customers_at_risk"], Decimal(truth["revenue_at_risk"]))
    assert truth["mature_resolved_episodes"] > 100 and truth["mature_unresolved_episodes"] > 0


def test_resolutions_per_agent_hour_equals_truth_by_day(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse, "productivity")
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        rows = connection.sql(
            """
            select strftime(activity_date, '%Y-%m-%d'), agent_handled_seconds,
                   confirmed_assisted_resolutions
            from marts_business.fct_business_daily
            """
        ).fetchall()
    by_day = {day: [seconds, resolutions] for day, seconds, resolutions in rows}
    assert by_day == truth["by_day"]
    handled = sum(seconds for seconds, _ in by_day.values())
    resolutions = sum(r for _, r in by_day.values())
    assert (handled, resolutions) == (
        truth["agent_handled_seconds"],
        truth["confirmed_assisted_resolutions"],
    )
    assert truth["resolutions_per_agent_hour"] == pytest.approx(3600 * resolutions / handled)
