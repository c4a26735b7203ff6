"""The drivers and service level in the marts equal the simulation's ground truth (CI data set).

The truth counts the contact attributes the simulation drew (authentication on each chain's first
leg, the article and desktop latency of each assisted leg) and its own queue waits, for non-test
customers, with the thresholds of the registry. Every part must match exactly: a transfer leg
counted as a chain, a stale record version, a threshold off by one or a short abandon counted as
offered would move them.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from .warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e


def _truth(warehouse: BuiltWarehouse) -> dict:
    return json.loads((warehouse.truth / "headline.json").read_text())


def _daily(warehouse: BuiltWarehouse, columns: str, where: str = "true") -> tuple:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        rows = connection.sql(
            f"select {columns} from marts_customer.fct_driver_outcomes_daily where {where}"
        ).fetchall()
    assert len(rows) == 1
    return rows[0]


def test_authentication_pass_rate_equals_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse)["drivers"]["authentication"]
    row = _daily(
        built_warehouse,
        "sum(auth_passed_chains), sum(auth_attempted_chains), sum(auth_not_attempted_chains),"
        " sum(contact_chains)",
    )
    assert row == (truth["passed"], truth["attempted"], truth["not_attempted"], truth["chains"])
    assert truth["attempted"] - truth["passed"] > 20, "the CI world must fail some authentications"


def test_knowledge_accuracy_equals_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse)["drivers"]["knowledge_accuracy"]
    row = _daily(built_warehouse, "sum(accurate_article_uses), sum(article_uses)")
    assert row == (truth["accurate"], truth["article_uses"])
    assert truth["article_uses"] - truth["accurate"] > 20, "some articles must be inaccurate"


def test_desktop_latency_equals_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse)["drivers"]["desktop_latency"]
    row = _daily(
        built_warehouse,
        "sum(desktop_latency_ms_sum), sum(latency_measured_legs), sum(slow_desktop_legs),"
        " max(slow_desktop_threshold_ms)",
    )
    assert row == (
        truth["latency_ms_sum"],
        truth["assisted_legs"],
        truth["over_threshold_legs"],
        truth["threshold_ms"],
    )
    assert truth["over_threshold_legs"] > 10


def test_transfer_rate_equals_truth(built_warehouse: BuiltWarehouse) -> None:
    truth = _truth(built_warehouse)["drivers"]["transfers"]
    row = _daily(built_warehouse, "sum(transferred_chains), sum(assisted_chains)")
    assert row == (truth["transferred_chains"], truth["assisted_chains"])
    assert truth["transferred_chains"] > 20


@pytest.mark.parametrize("channel", ["voice", "chat"])
def test_service_level_equals_truth(built_warehouse: BuiltWarehouse, channel: str) -> None:
    truth = _truth(built_warehouse)["service_level"][channel]
    row = _daily(
        built_warehouse,
        "sum(answered_within_threshold), sum(service_level_offered), sum(short_abandons),"
        " sum(queued_legs), max(service_level_threshold_seconds)",
        f"channel = '{channel}'",
    )
    assert row == (
        truth["answered_within_threshold"],
        truth["offered"],
        truth["short_abandons"],
        truth["queued_legs"],
        truth["threshold_seconds"],
    )
    assert truth["offered"] > 100


def test_contact_mart_driver_parts_add_up_to_the_daily_mart(
    built_warehouse: BuiltWarehouse,
) -> None:
    parts = (
        "auth_passed_count", "auth_attempted_count", "accurate_article_use_count",
        "article_use_count", "desktop_latency_ms_sum", "slow_desktop_leg_count",
        "transfer_numerator", "answered_within_threshold_count", "service_level_offered_count",
    )  # fmt: skip
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        chain_level = connection.execute(
            "select "
            + ", ".join(f"sum({p})" for p in parts)
            + " from marts_customer.fct_contact_outcomes"
        ).fetchone()
    daily = _daily(
        built_warehouse,
        "sum(auth_passed_chains), sum(auth_attempted_chains), sum(accurate_article_uses),"
        " sum(article_uses), sum(desktop_latency_ms_sum), sum(slow_desktop_legs),"
        " sum(transferred_chains), sum(answered_within_threshold), sum(service_level_offered)",
    )
    assert chain_level == daily
