"""Consent compliance of the truth (``consent`` block).

Non-test customers, each check in total and ``by_month`` (``YYYY-MM``, UTC) as ``breaches``
over ``checked``:

* ``survey_without_consent``: live survey responses (as counted in ``survey_responses``) whose
  surveyed contact carried ``survey_opt_in`` false (the simulation sent the invitation without
  consent), over live responses; month of the response's recorded time.
* ``vulnerability_flag_without_consent``: customers flagged vulnerable without consent to the
  flag's use, over customers flagged vulnerable; month of the customer's creation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..model import Survey
from ..world import Customer
from .counts import add_counts
from .surveys import is_live


class ConsentTally:
    """Counts both consent checks by month (see the module docstring)."""

    def __init__(self) -> None:
        #: Consent check -> month -> [breaches, checked].
        self._checks: dict[str, dict[str, list[int]]] = {}
        self._reset()

    def _reset(self) -> None:
        self._checks = {
            "survey_without_consent": {},
            "vulnerability_flag_without_consent": {},
        }

    def take(self) -> dict[str, dict[str, list[int]]]:
        """The counts so far (for :func:`.counts.add_counts`); the tally starts again empty."""
        counts = self._checks
        self._reset()
        return counts

    def merge(self, counts: dict[str, dict[str, list[int]]]) -> None:
        add_counts(self._checks, counts)

    def _check(self, check: str, at: int, breach: bool) -> None:
        month = datetime.fromtimestamp(at, UTC).strftime("%Y-%m")
        row = self._checks[check].setdefault(month, [0, 0])
        row[0] += breach
        row[1] += 1

    def add_survey(self, s: Survey) -> None:
        """A response of a non-test customer: checked when live."""
        if is_live(s):
            self._check("survey_without_consent", s.recorded, not s.contact.survey_opt_in)

    def add_customers(self, customers: list[Customer]) -> None:
        """Count the vulnerability flags held without consent."""
        for cust in customers:
            if cust.is_test or not cust.vulnerable:
                continue
            self._check(
                "vulnerability_flag_without_consent",
                cust.created_at,
                not cust.vulnerability_consent,
            )

    def headline(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for check, months in self._checks.items():
            breaches = sum(v[0] for v in months.values())
            checked = sum(v[1] for v in months.values())
            out[check] = {
                "breaches": breaches,
                "checked": checked,
                "rate": breaches / checked if checked else None,
                "by_month": {
                    m: {"breaches": months[m][0], "checked": months[m][1]} for m in sorted(months)
                },
            }
        return {"consent": out}
