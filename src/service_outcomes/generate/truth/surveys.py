"""Survey outcomes of the truth: CSAT, customer effort and NPS.

From the survey responses the simulation drew for non-test customers (its own state, never the
written export). Only live responses count (Qualtrics status ``IP Address``; the CX team's
``Survey Preview`` / ``Survey Test`` responses are made outside any need and never count).
Every answered item of a live response counts, finished or not (an unfinished response keeps
the items answered before the respondent stopped).

* ``survey_responses``: live responses, finished and unfinished.
* ``csat`` (Q1, 1-5): answered, top-two-box (4-5), score sum, rate and mean.
* ``effort`` (Q2, 1-7, 7 = strongly agree the company made it easy): answered, easy (5-7),
  score sum, rate and mean.
* ``nps`` (Q3, 0-10): answered, promoters (9-10), passives (7-8), detractors (0-6) and
  ``100 * (promoters - detractors) / answered``.
"""

from __future__ import annotations

from typing import Any

from ..model import Survey
from .core import ratio
from .counts import add_counts

#: Qualtrics response statuses of real respondents (seed ``survey_status_vocabulary``).
LIVE_SURVEY_STATUSES = frozenset({"IP Address", "Imported", "Offline"})


def is_live(s: Survey) -> bool:
    """A response of a real respondent (not a preview, test or spam)."""
    return s.status in LIVE_SURVEY_STATUSES


class SurveyTally:
    """Counts the live responses of non-test customers (see the module docstring)."""

    def __init__(self) -> None:
        self._t: dict[str, int] = {}
        self._reset()

    def _reset(self) -> None:
        self._t = dict.fromkeys(
            ("live", "finished", "csat_answered", "csat_top_two_box", "csat_score_sum",
             "effort_answered", "effort_easy", "effort_score_sum", "recommend_answered",
             "promoters", "passives", "detractors"),
            0,
        )  # fmt: skip

    def take(self) -> dict[str, int]:
        """The counts so far (for :func:`.counts.add_counts`); the tally starts again empty."""
        counts = self._t
        self._reset()
        return counts

    def merge(self, counts: dict[str, int]) -> None:
        add_counts(self._t, counts)

    def add(self, s: Survey) -> None:
        if not is_live(s):
            return
        t = self._t
        t["live"] += 1
        t["finished"] += s.finished
        if s.q1 is not None:
            t["csat_answered"] += 1
            t["csat_top_two_box"] += s.q1 >= 4
            t["csat_score_sum"] += s.q1
        if s.q2 is not None:
            t["effort_answered"] += 1
            t["effort_easy"] += s.q2 >= 5
            t["effort_score_sum"] += s.q2
        if s.q3 is not None:
            t["recommend_answered"] += 1
            t["promoters"] += s.q3 >= 9
            t["passives"] += 7 <= s.q3 <= 8
            t["detractors"] += s.q3 <= 6

    def headline(self) -> dict[str, Any]:
        t = self._t
        return {
            "survey_responses": {
                "live_responses": t["live"],
                "finished": t["finished"],
                "unfinished": t["live"] - t["finished"],
            },
            "csat": {
                "answered": t["csat_answered"],
                "top_two_box": t["csat_top_two_box"],
                "score_sum": t["csat_score_sum"],
                "top_two_box_rate": ratio(t["csat_top_two_box"], t["csat_answered"]),
                "mean": ratio(t["csat_score_sum"], t["csat_answered"]),
            },
            "effort": {
                "answered": t["effort_answered"],
                "easy": t["effort_easy"],
                "score_sum": t["effort_score_sum"],
                "easy_rate": ratio(t["effort_easy"], t["effort_answered"]),
                "mean": ratio(t["effort_score_sum"], t["effort_answered"]),
            },
            "nps": {
                "answered": t["recommend_answered"],
                "promoters": t["promoters"],
                "passives": t["passives"],
                "detractors": t["detractors"],
                "nps": (
                    100 * (t["promoters"] - t["detractors"]) / t["recommend_answered"]
                    if t["recommend_answered"]
                    else None
                ),
            },
        }
