"""The survey mart's CSAT, customer effort and NPS parts equal the simulation's ground truth.

The truth counts the responses the simulation drew for non-test customers (the scores it
decided, which responses are finished, which items were answered); previews and test responses
never count. The warehouse must recover exactly those from the Qualtrics export: live responses
only, times converted to UTC, every answered item of an unfinished response counted, each
response attributed through its surveyed contact (the last leg of a transfer chain) to an
in-scope episode.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from .warehouse import BuiltWarehouse

pytestmark = pytest.mark.e2e

MART_SUMS = """
    select
        count(*) as live_responses,
        sum(case when is_finished then 1 else 0 end) as finished,
        sum(csat_answered) as csat_answered,
        sum(csat_top_two_box) as csat_top_two_box,
        sum(csat_score_sum) as csat_score_sum,
        sum(effort_answered) as effort_answered,
        sum(effort_easy) as effort_easy,
        sum(effort_score_sum) as effort_score_sum,
        sum(recommend_answered) as recommend_answered,
        sum(promoter) as promoters,
        sum(passive) as passives,
        sum(detractor) as detractors
    from marts_customer.fct_survey_responses
"""


@pytest.fixture(scope="module")
def truth(built_warehouse: BuiltWarehouse) -> dict:
    return json.loads((built_warehouse.truth / "headline.json").read_text())


@pytest.fixture(scope="module")
def mart(built_warehouse: BuiltWarehouse) -> dict[str, int]:
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        rows = connection.sql(MART_SUMS).fetchall()
        columns = connection.sql(MART_SUMS).columns
    assert len(rows) == 1
    return {name: int(value or 0) for name, value in zip(columns, rows[0], strict=True)}


def test_response_count_equals_truth(truth: dict, mart: dict[str, int]) -> None:
    responses = truth["survey_responses"]
    assert mart["live_responses"] == responses["live_responses"]
    assert mart["finished"] == responses["finished"]
    assert mart["live_responses"] - mart["finished"] == responses["unfinished"]
    assert responses["live_responses"] > 50, "the CI world must draw enough survey responses"
    assert responses["unfinished"] > 0, "the CI world must exercise unfinished responses"


def test_csat_parts_equal_truth(truth: dict, mart: dict[str, int]) -> None:
    csat = truth["csat"]
    assert (mart["csat_top_two_box"], mart["csat_answered"], mart["csat_score_sum"]) == (
        csat["top_two_box"],
        csat["answered"],
        csat["score_sum"],
    )
    assert 0 < csat["top_two_box"] < csat["answered"]


def test_effort_parts_equal_truth(truth: dict, mart: dict[str, int]) -> None:
    effort = truth["effort"]
    assert (mart["effort_easy"], mart["effort_answered"], mart["effort_score_sum"]) == (
        effort["easy"],
        effort["answered"],
        effort["score_sum"],
    )
    assert 0 < effort["easy"] < effort["answered"]


def test_nps_parts_equal_truth(truth: dict, mart: dict[str, int]) -> None:
    nps = truth["nps"]
    assert (
        mart["promoters"],
        mart["passives"],
        mart["detractors"],
        mart["recommend_answered"],
    ) == (nps["promoters"], nps["passives"], nps["detractors"], nps["answered"])
    built = 100 * (mart["promoters"] - mart["detractors"]) / mart["recommend_answered"]
    assert built == pytest.approx(nps["nps"])
    assert min(nps["promoters"], nps["passives"], nps["detractors"]) > 0


def test_unfinished_responses_contribute_answered_items(truth: dict) -> None:
    """Partial responses answer fewer items than there are responses: the denominators differ."""
    live = truth["survey_responses"]["live_responses"]
    assert truth["nps"]["answered"] < live
    assert truth["csat"]["answered"] > truth["nps"]["answered"]
