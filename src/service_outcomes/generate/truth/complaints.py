"""Complaint handling of the truth (``complaints`` block).

From the simulation's own record of each case of a non-test customer (:class:`..model.Case`):
whether and when it made the case a complaint (a complaint-intent case at its creation, any
other case at the reopen the customer asked for), the first closure at or after that moment and
the code it was closed with (a resolving code is ``Resolved`` or ``Resolved - Workaround``).
Customers of a region listed in ``seeds/risk/complaint_jurisdictions.csv`` are under its regime
(FCA DISP for uk); their complaints are judged by :mod:`..disp` as of the period end, with the
near-breach window of the registry row ``complaint_handling_compliance`` (``window_days``). A
complaint about a payment (intent ``payment_problem``) is a payment-services complaint.

The letters are the simulation's own record too: when the acknowledgement was sent, whether and
when exceptional circumstances were recorded, when the holding response was sent (each only
when before the period end). The acknowledgement is judged against the threshold (business
days) of the registry row ``complaint_acknowledgement_promptness``.

* ``under_regime``: complaints, ``by_status`` (every status of :data:`..disp.STATUSES`),
  ``breaches`` (responded late or open past the deadline), ``judged`` (exempt, answered, or
  open past the deadline), ``near_breaches``; ``by_final_response_rule`` (the rule of
  ``disp_time_limits`` that set each deadline), ``exceptional_circumstances``,
  ``holding_responses`` and ``holding_responses_in_time``; ``acknowledgement``: ``by_status``
  (every status of :data:`..disp.ACKNOWLEDGEMENT_STATUSES`), ``prompt`` (acknowledged or
  answered promptly) and ``judged`` (all but pending); and the same counts for
  ``payment_services``.
* ``not_under_regime``: complaints of customers in other regions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..clock import Clock
from ..disp import (
    ACKNOWLEDGEMENT_STATUSES,
    FINAL_RESPONSE_RULES,
    PROMPT_ACKNOWLEDGEMENT_STATUSES,
    STATUSES,
    DispRules,
    read_jurisdictions,
)
from ..model import Case
from .counts import add_counts
from .reference import read_threshold, read_window_days

#: Closure codes that mean the complaint was resolved (seed ``resolution_code_vocabulary``).
RESOLVING_CODES = frozenset({"Resolved", "Resolved - Workaround"})


#: Counters of one group of complaints besides the statuses.
_COUNTERS = ("complaints", "near_breaches", "exceptional_circumstances", "holding_responses",
             "holding_responses_in_time")  # fmt: skip


def _empty_row() -> dict[str, int]:
    return dict.fromkeys(
        (*_COUNTERS, *STATUSES, *FINAL_RESPONSE_RULES, *ACKNOWLEDGEMENT_STATUSES), 0
    )


def _acknowledgement_block(row: dict[str, int]) -> dict[str, Any]:
    prompt = sum(row[status] for status in PROMPT_ACKNOWLEDGEMENT_STATUSES)
    judged = (
        sum(row[status] for status in ACKNOWLEDGEMENT_STATUSES) - row["acknowledgement_pending"]
    )
    return {
        "by_status": {status: row[status] for status in ACKNOWLEDGEMENT_STATUSES},
        "prompt": prompt,
        "judged": judged,
        "prompt_rate": prompt / judged if judged else None,
    }


def _block(row: dict[str, int] | None) -> dict[str, Any]:
    """The headline counts of one group of complaints."""
    row = row or _empty_row()
    breaches = row["responded_late"] + row["open_past_deadline"]
    judged = breaches + row["resolved_by_third_business_day"] + row["responded_in_time"]
    return {
        "complaints": row["complaints"],
        "by_status": {status: row[status] for status in STATUSES},
        "breaches": breaches,
        "judged": judged,
        "breach_rate": breaches / judged if judged else None,
        "near_breaches": row["near_breaches"],
        "by_final_response_rule": {rule: row[rule] for rule in FINAL_RESPONSE_RULES},
        "exceptional_circumstances": row["exceptional_circumstances"],
        "holding_responses": row["holding_responses"],
        "holding_responses_in_time": row["holding_responses_in_time"],
        "acknowledgement": _acknowledgement_block(row),
    }


class ComplaintTally:
    """Judges the complaints of non-test customers (see the module docstring)."""

    def __init__(self, clock: Clock, registry: Path) -> None:
        self.clock = clock
        near_breach = read_window_days("complaint_handling_compliance", registry)
        self._regimes = {
            region: (regime, DispRules(day_region, near_breach))
            for region, (regime, day_region) in read_jurisdictions().items()
        }
        self._near_breach_days = near_breach
        self._acknowledgement_days = int(
            read_threshold("complaint_acknowledgement_promptness", registry)
        )
        #: Regime -> {"all" / "payment_services" -> counters}.
        self._complaints: dict[str, dict[str, dict[str, int]]] = {}
        #: Complaints of customers outside any regime.
        self._outside = 0

    def take(self) -> tuple[dict[str, dict[str, dict[str, int]]], int]:
        """The counts so far (for :func:`.counts.add_counts`); the tally starts again empty."""
        counts = (self._complaints, self._outside)
        self._complaints = {}
        self._outside = 0
        return counts

    def merge(self, counts: tuple[dict[str, dict[str, dict[str, int]]], int]) -> None:
        complaints, outside = counts
        add_counts(self._complaints, complaints)
        self._outside += outside

    def add_cases(self, cases: list[Case]) -> None:
        for case in cases:
            if case.customer.is_test or not case.complaint_received:
                continue
            regime = self._regimes.get(case.customer.region)
            if regime is None:
                self._outside += 1
                continue
            self._add(case, *regime)

    def _add(self, case: Case, name: str, rules: DispRules) -> None:
        payment = case.intent == "payment_problem"
        as_of = self.clock.end
        judged = rules.judge(
            case.complaint_received,
            case.complaint_response,
            case.complaint_response_code in RESOLVING_CODES,
            payment,
            as_of,
            holding_response_at=case.holding_response_at,
            exceptional=bool(case.exceptional_at),
        )
        acknowledged = rules.acknowledge(
            case.complaint_received,
            case.acknowledged_at,
            case.complaint_response,
            self._acknowledgement_days,
            as_of,
        )
        groups = self._complaints.setdefault(name, {})
        for group in ("all", "payment_services") if payment else ("all",):
            row = groups.setdefault(group, _empty_row())
            row["complaints"] += 1
            row[judged.status] += 1
            row["near_breaches"] += judged.is_near_breach
            row[judged.final_response_rule] += 1
            row["exceptional_circumstances"] += bool(case.exceptional_at)
            row["holding_responses"] += bool(case.holding_response_at)
            row["holding_responses_in_time"] += judged.holding_response_in_time
            row[acknowledged.status] += 1

    def headline(self) -> dict[str, Any]:
        regimes = sorted({name for name, _ in self._regimes.values()})
        return {
            "complaints": {
                "near_breach_business_days": self._near_breach_days,
                "acknowledgement_threshold_business_days": self._acknowledgement_days,
                "under_regime": {
                    name: {
                        **_block(self._complaints.get(name, {}).get("all")),
                        "payment_services": _block(
                            self._complaints.get(name, {}).get("payment_services")
                        ),
                    }
                    for name in regimes
                },
                "not_under_regime": self._outside,
            }
        }
