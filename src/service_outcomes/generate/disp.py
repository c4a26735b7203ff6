"""The FCA DISP complaint time limits, computed independently of the warehouse for the truth.

A complaint is received at a UTC moment; the deadlines are counted on the local dates of the
regime's time zone (Europe/London for the UK). Business days are Monday to Friday except the
public holidays of the regime's business-day region (``seeds/reference/public_holidays.csv``).

* Summary resolution (DISP 1.5.2R): resolved (a resolving closure code) by close of business
  (the region's closing time that weekday, ``seeds/reference/region_calendars.csv``) on the
  third business day after the day of receipt: exempt from the time limits.
* Final response (DISP 1.6.2R): by the end of eight weeks (``final_response``, calendar days)
  after receipt, or for payment-services complaints (DISP 1.6.2AR(1)) by the end of the 15th
  business day after the day of receipt. "The end of" a day is local midnight.
* Exceptional circumstances (DISP 1.6.2AR(2)): a payment-services complaint recorded as delayed
  by circumstances beyond the firm's control, whose holding response was sent by the end of the
  15th business day (``holding_response_payment_services``), has until the end of the 35th
  business day (``final_response_payment_services_exceptional``). A holding response sent later,
  or without exceptional circumstances recorded, extends nothing.
* Acknowledgement (DISP 1.6.1R, "prompt"): the registry's threshold of business days
  (``complaint_acknowledgement_promptness``): acknowledged promptly when the acknowledgement was
  sent by the end of that business day after the day of receipt; answered promptly when instead
  the response itself came by then; else acknowledged late, not acknowledged (none sent by the
  horizon, the day passed) or pending (neither sent yet, the day not passed).
* A near-breach is a complaint answered in time, or still open within its deadline, with at
  most the registry's window of business days between the day answered (or the horizon's day)
  and the deadline day.

The rules and numbers are read from the dbt project's seeds (reference data both sides read);
the arithmetic here is plain Python date walking, not the warehouse's business-day index.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .config import SEEDS

PUBLIC_HOLIDAYS = SEEDS / "reference" / "public_holidays.csv"
REGION_CALENDARS = SEEDS / "reference" / "region_calendars.csv"
TIME_LIMITS = SEEDS / "risk" / "disp_time_limits.csv"
JURISDICTIONS = SEEDS / "risk" / "complaint_jurisdictions.csv"

#: Every status a complaint can have, in the order of ``fct_complaints.deadline_status``.
STATUSES = (
    "resolved_by_third_business_day",
    "responded_in_time",
    "responded_late",
    "open_within_deadline",
    "open_past_deadline",
)
#: Every acknowledgement status, in the order of ``fct_complaints.acknowledgement_status``.
ACKNOWLEDGEMENT_STATUSES = (
    "acknowledged_promptly",
    "answered_promptly",
    "acknowledged_late",
    "not_acknowledged",
    "acknowledgement_pending",
)
PROMPT_ACKNOWLEDGEMENT_STATUSES = frozenset({"acknowledged_promptly", "answered_promptly"})
#: Rules (``disp_time_limits.rule_id``) that can set the final-response deadline.
FINAL_RESPONSE_RULES = (
    "final_response",
    "final_response_payment_services",
    "final_response_payment_services_exceptional",
)
BREACH_STATUSES = frozenset({"responded_late", "open_past_deadline"})
NEAR_BREACH_STATUSES = frozenset({"responded_in_time", "open_within_deadline"})


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True, slots=True)
class Judgement:
    status: str
    is_breach: bool
    is_near_breach: bool
    summary_deadline_at: int
    final_response_deadline: date
    final_response_due_before: int
    business_days_left: int
    #: The ``disp_time_limits`` rule that set the final-response deadline.
    final_response_rule: str
    #: A holding response sent before the end of the 15th business day (payment services only).
    holding_response_in_time: bool


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    status: str
    due_before: int
    #: Business days from the day of receipt to the day acknowledged (``None``: none sent).
    business_days: int | None


class DispRules:
    """The DISP time limits of one regime (its time zone, business days and closing times)."""

    def __init__(
        self,
        business_day_region: str,
        near_breach_business_days: int,
        *,
        holidays: Path = PUBLIC_HOLIDAYS,
        calendars: Path = REGION_CALENDARS,
        limits: Path = TIME_LIMITS,
    ) -> None:
        self.holidays = frozenset(
            date.fromisoformat(r["holiday_date"])
            for r in _rows(holidays)
            if r["region"] == business_day_region
        )
        own = [r for r in _rows(calendars) if r["region"] == business_day_region]
        if not own:
            raise ValueError(f"no opening hours for region {business_day_region}")
        self.tz = ZoneInfo(own[0]["time_zone"])
        self.closes_at = {int(r["weekday"]): time.fromisoformat(r["closes_at"]) for r in own}
        by_rule = {r["rule_id"]: r for r in _rows(limits)}
        self.summary_business_days = int(by_rule["summary_resolution"]["limit_value"])
        self.final_response_days = int(by_rule["final_response"]["limit_value"])
        self.payment_services_business_days = int(
            by_rule["final_response_payment_services"]["limit_value"]
        )
        self.holding_response_business_days = int(
            by_rule["holding_response_payment_services"]["limit_value"]
        )
        self.exceptional_business_days = int(
            by_rule["final_response_payment_services_exceptional"]["limit_value"]
        )
        self.near_breach_business_days = near_breach_business_days

    # ---- calendar ------------------------------------------------------------------------
    def local_date(self, t: int) -> date:
        return datetime.fromtimestamp(t, UTC).astimezone(self.tz).date()

    def _utc(self, day: date, at: time) -> int:
        return int(datetime.combine(day, at, tzinfo=self.tz).timestamp())

    def is_business_day(self, day: date) -> bool:
        return day.isoweekday() <= 5 and day not in self.holidays

    def nth_business_day_after(self, day: date, n: int) -> date:
        found = 0
        while found < n:
            day += timedelta(days=1)
            found += self.is_business_day(day)
        return day

    def business_days_between(self, start: date, stop: date) -> int:
        """Business days in (start, stop]; negative (those in (stop, start]) when stop < start."""
        lo, hi, sign = (start, stop, 1) if start <= stop else (stop, start, -1)
        count = 0
        day = lo
        while day < hi:
            day += timedelta(days=1)
            count += self.is_business_day(day)
        return sign * count

    def end_of(self, day: date) -> int:
        """The first instant after the local ``day`` ends (UTC epoch seconds)."""
        return self._utc(day + timedelta(days=1), time(0, 0))

    # ---- judgement -----------------------------------------------------------------------
    def _final_response_deadline(
        self, received: date, is_payment_services: bool, holding_response_at: int, exceptional: bool
    ) -> tuple[date, str, bool]:
        """(deadline day, rule, holding response in time) of a complaint received that day."""
        if not is_payment_services:
            day = received + timedelta(days=self.final_response_days)
            return day, FINAL_RESPONSE_RULES[0], False
        holding_day = self.nth_business_day_after(received, self.holding_response_business_days)
        holding_in_time = bool(holding_response_at) and holding_response_at < self.end_of(
            holding_day
        )
        if exceptional and holding_in_time:
            day = self.nth_business_day_after(received, self.exceptional_business_days)
            return day, FINAL_RESPONSE_RULES[2], True
        day = self.nth_business_day_after(received, self.payment_services_business_days)
        return day, FINAL_RESPONSE_RULES[1], holding_in_time

    def judge(
        self,
        received_at: int,
        response_at: int,
        response_resolved: bool,
        is_payment_services: bool,
        as_of: int,
        *,
        holding_response_at: int = 0,
        exceptional: bool = False,
    ) -> Judgement:
        """Status of a complaint (``response_at`` / ``holding_response_at`` 0 while not sent by
        ``as_of``; ``exceptional``: exceptional circumstances recorded by ``as_of``)."""
        received = self.local_date(received_at)
        summary_day = self.nth_business_day_after(received, self.summary_business_days)
        summary_at = self._utc(summary_day, self.closes_at[summary_day.isoweekday()])
        deadline, rule, holding_in_time = self._final_response_deadline(
            received, is_payment_services, holding_response_at, exceptional
        )
        due_before = self.end_of(deadline)
        if response_at and response_resolved and response_at <= summary_at:
            status = "resolved_by_third_business_day"
        elif response_at:
            status = "responded_in_time" if response_at < due_before else "responded_late"
        else:
            status = "open_past_deadline" if as_of >= due_before else "open_within_deadline"
        left = self.business_days_between(self.local_date(response_at or as_of), deadline)
        return Judgement(
            status=status,
            is_breach=status in BREACH_STATUSES,
            is_near_breach=status in NEAR_BREACH_STATUSES
            and left <= self.near_breach_business_days,
            summary_deadline_at=summary_at,
            final_response_deadline=deadline,
            final_response_due_before=due_before,
            business_days_left=left,
            final_response_rule=rule,
            holding_response_in_time=holding_in_time,
        )

    def acknowledge(
        self,
        received_at: int,
        acknowledged_at: int,
        response_at: int,
        threshold_business_days: int,
        as_of: int,
    ) -> Acknowledgement:
        """Acknowledgement status of a complaint (``acknowledged_at`` / ``response_at`` 0 while
        not sent by ``as_of``)."""
        received = self.local_date(received_at)
        due_before = self.end_of(self.nth_business_day_after(received, threshold_business_days))
        if acknowledged_at and acknowledged_at < due_before:
            status = "acknowledged_promptly"
        elif response_at and response_at < due_before:
            status = "answered_promptly"
        elif acknowledged_at:
            status = "acknowledged_late"
        elif as_of >= due_before:
            status = "not_acknowledged"
        else:
            status = "acknowledgement_pending"
        days = (
            self.business_days_between(received, self.local_date(acknowledged_at))
            if acknowledged_at
            else None
        )
        return Acknowledgement(status=status, due_before=due_before, business_days=days)


def read_jurisdictions(path: Path = JURISDICTIONS) -> dict[str, tuple[str, str]]:
    """Customer region -> (regime, business-day region) for regions under a complaints regime."""
    return {r["region"]: (r["regime"], r["business_day_region"]) for r in _rows(path)}
