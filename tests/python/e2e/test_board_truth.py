"""The board marts against the simulation: the gaming watch finds the one team the generator makes
game the case closure SLA and flags no other, its counts equal the truth's team by team, and the
scorecard, OKR progress and logic model agree with sums recomputed here from the outcome marts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import pytest

from .warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e


def _rows(warehouse: BuiltWarehouse, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse.database), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def _quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@pytest.fixture(scope="module")
def gaming_truth(built_warehouse: BuiltWarehouse) -> dict[str, Any]:
    headline = json.loads((built_warehouse.truth / "headline.json").read_text(encoding="utf-8"))
    truth: dict[str, Any] = headline["gaming"]
    return truth


def test_gaming_counts_equal_the_truth_team_by_team(
    built_warehouse: BuiltWarehouse, gaming_truth: dict[str, Any]
) -> None:
    """Closures judged, reopened within the window, and closures either side of the SLA deadline,
    per team and quarter, exactly as the simulation recorded them; every reopened closure is one
    the simulation closed prematurely."""
    rows = _rows(
        built_warehouse,
        """
        select agent_team, closure_quarter, closures_judged, reopened_within_window,
            closed_just_before_deadline, closed_just_after_deadline
        from marts_risk.fct_gaming_watch_teams_quarterly
        """,
    )
    warehouse = {f"{team}|{_quarter(quarter)}": tuple(counts) for team, quarter, *counts in rows}
    truth = {
        key: (
            counts["closures_judged"],
            counts["reopened_within_window"],
            counts["before_deadline"],
            counts["after_deadline"],
        )
        for key, counts in gaming_truth["by_team_quarter"].items()
    }
    assert warehouse == truth
    for key, counts in gaming_truth["by_team_quarter"].items():
        assert counts["reopened_within_window"] == counts["premature_closures"], key


def test_gaming_watch_flags_the_gaming_team_and_no_other(
    built_warehouse: BuiltWarehouse, gaming_truth: dict[str, Any]
) -> None:
    rows = _rows(
        built_warehouse,
        """
        select agent_team, closure_quarter, is_premature_closure_flagged, is_sla_bunching_flagged
        from marts_risk.fct_gaming_watch_teams_quarterly
        """,
    )
    gaming_team = gaming_truth["gaming_team"]
    teams = {team for team, *_ in rows}
    assert gaming_team in teams and len(teams) > 5
    flagged_premature = {team for team, _, premature, _ in rows if premature}
    flagged_sla = {team for team, _, _, sla in rows if sla}
    # found by both marks, in at least one quarter ...
    assert flagged_premature == {gaming_team}
    assert flagged_sla == {gaming_team}
    # ... and every quarter of the gaming team shows the excess closures before the deadline
    for team, quarter, *_ in rows:
        if team != gaming_team:
            continue
        [(before, after)] = _rows(
            built_warehouse,
            f"""
            select closed_just_before_deadline, closed_just_after_deadline
            from marts_risk.fct_gaming_watch_teams_quarterly
            where agent_team = '{team}' and closure_quarter = date '{quarter}'
            """,
        )
        assert before > after, quarter


def test_scorecard_figures_equal_the_outcome_marts(built_warehouse: BuiltWarehouse) -> None:
    """FCR and repeat contact on the scorecard are the owning marts' sums for the latest month,
    and the status follows the target seed."""
    [(fcr_month, fcr, fcr_status, fcr_target, fcr_red)] = _rows(
        built_warehouse,
        """
        select latest_month, latest_value, rag_status, target_value, red_threshold
        from marts_governance.fct_board_scorecard where metric_id = 'first_contact_resolution'
        """,
    )
    [(expected_fcr,)] = _rows(
        built_warehouse,
        f"""
        select sum(fcr_numerator)::double / sum(fcr_denominator)
        from marts_customer.fct_episode_outcomes
        where date_trunc('month', first_contact_date) = date '{fcr_month}'
        """,
    )
    assert fcr == pytest.approx(expected_fcr, abs=1e-12)
    expected_status = "green" if fcr >= fcr_target else ("red" if fcr < fcr_red else "amber")
    assert fcr_status == expected_status
    [(repeat_month, repeat)] = _rows(
        built_warehouse,
        """
        select latest_month, latest_value
        from marts_governance.fct_board_scorecard where metric_id = 'repeat_contact_rate'
        """,
    )
    [(expected_repeat,)] = _rows(
        built_warehouse,
        f"""
        select sum(repeat_numerator)::double / sum(repeat_denominator)
        from marts_customer.fct_contact_outcomes
        where date_trunc('month', contact_date) = date '{repeat_month}'
        """,
    )
    assert repeat == pytest.approx(expected_repeat, abs=1e-12)


def test_the_onboarding_okr_is_computed_for_its_segment_and_journey(
    built_warehouse: BuiltWarehouse,
) -> None:
    """The seeds' example OKR: verified digital onboarding completion 72% -> 86% and assisted
    contacts per onboarding -20%, for small business, from the episode mart."""
    progress = {
        key_result: (baseline, target, value, share)
        for key_result, baseline, target, value, share in _rows(
            built_warehouse,
            """
            select key_result_id, baseline_value, target_value, current_value, progress_share
            from marts_governance.fct_okr_progress
            where objective_id = 'OBJ-2026Q2-ONBOARD'
            """,
        )
    }
    [(contained, mature, assisted)] = _rows(
        built_warehouse,
        """
        select sum(containment_numerator)::double, sum(containment_denominator)::double,
            sum(case when containment_denominator = 1 then assisted_chain_count else 0 end)::double
        from marts_customer.fct_episode_outcomes
        where segment = 'small_business' and intent = 'onboarding'
          and first_contact_date between date '2026-04-01' and date '2026-06-30'
        """,
    )
    assert mature > 0, "the CI world has small-business onboarding needs in the OKR's period"
    baseline, target, value, share = progress["KR-2026Q2-ONBOARD-1"]
    assert (baseline, target) == (0.72, 0.86)
    assert value == pytest.approx(contained / mature, abs=1e-12)
    assert share == pytest.approx((value - 0.72) / (0.86 - 0.72), abs=1e-12)
    baseline, target, value, _ = progress["KR-2026Q2-ONBOARD-2"]
    assert target == pytest.approx(baseline * 0.8, abs=1e-12)
    assert value == pytest.approx(assisted / mature, abs=1e-12)


def test_no_logic_model_link_contradicts_the_simulated_mechanism(
    built_warehouse: BuiltWarehouse,
) -> None:
    """In the simulation a failed authentication and an inaccurate article lower the chance of
    solving the need, so no month may show a significant association against those links; every
    link is judged in every month of the CI world."""
    rows = _rows(
        built_warehouse,
        """
        select link_id, period_month, association_status, cell_count
        from marts_governance.fct_logic_model_links_monthly
        """,
    )
    links = {link for link, *_ in rows}
    assert {"auth-to-repeat", "auth-to-fcr", "knowledge-to-fcr"} <= links
    assert all(status != "not_judged" for _, _, status, _ in rows), rows
    causal = {"auth-to-repeat", "auth-to-fcr", "knowledge-to-fcr", "knowledge-to-repeat"}
    contradicted = [row for row in rows if row[0] in causal and row[2] == "contradicted"]
    assert not contradicted, contradicted
