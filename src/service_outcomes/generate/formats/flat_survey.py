"""A flat survey export: one CSV row per response, plain column names, its own scales.

The shape of a simple survey tool's response download: one header row, times in the account's
zone (Europe/London) as ``DD/MM/YYYY HH:mm`` (to the minute), ``n/a`` for an unanswered item,
``Y``/``N`` for completion, the time taken as ``m:ss``. It asks the same three questions as the
Qualtrics survey, but on its own scales: satisfaction 1-5, ease 1-5 (1 = very difficult) and
recommend 1-10. A respondent's answer on those scales is the simulated answer placed on the
tool's scale (:func:`ease_point`, :func:`recommend_point`); the built-in mapping declares how each
becomes a canonical score (``mappings/flat_survey__responses__survey_responses.yml``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from ..clock import Clock
from ..model import Survey
from .csvtext import csv_line
from .legacy_acd import acd_call_id
from .servicenow import CrmReferences

ACCOUNT_TZ = "Europe/London"
COLUMNS = (
    "response_no", "response_type", "distribution", "lang", "started", "recorded", "complete",
    "time_taken", "call_ref", "customer_ref", "case_ref", "channel", "topic", "satisfied",
    "ease", "recommend", "comment",
)  # fmt: skip
HEADER: bytes = csv_line(COLUMNS)
UNANSWERED = "n/a"
#: The tool's response types (Qualtrics ``Status`` -> flat survey ``response_type``).
RESPONSE_TYPES = {
    "IP Address": "LIVE",
    "Survey Preview": "PREVIEW",
    "Survey Test": "TEST",
    "Spam": "SPAM",
    "Imported": "IMPORTED",
}
_DISTRIBUTION = {"email": "EMAIL", "sms": "SMS", "anonymous": "LINK"}


def response_no(response_id: str) -> str:
    """The tool's own numeric response number (stable per response)."""
    digest = hashlib.sha256(response_id.encode()).digest()
    return str(int.from_bytes(digest[:6], "big") % 10**12).zfill(12)


def ease_point(effort: int) -> int:
    """The 1-5 ease answer of a respondent whose 1-7 effort answer is ``effort``: the nearest
    point of the shorter scale (end points onto end points, halves rounded up)."""
    value = Decimal(1) + Decimal(effort - 1) * Decimal(4) / Decimal(6)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def recommend_point(recommend: int) -> int:
    """The 1-10 recommend answer of a respondent whose 0-10 answer is ``recommend``: the scale
    has no 0, so those respondents give its lowest point."""
    return max(1, recommend)


def _item(value: int | None) -> str:
    return UNANSWERED if value is None else str(value)


class FlatSurveyFormatter:
    def __init__(
        self, clock: Clock, crm: CrmReferences, call_log_regions: frozenset[str] = frozenset()
    ) -> None:
        self.clock = clock
        #: The customer's and case's ids as the customer's CRM has them (none without a CRM).
        self.crm = crm
        self.last_day = clock.days - 1
        self._zone = ZoneInfo(ACCOUNT_TZ)
        #: Regions whose calls the legacy ACD logs: a call is quoted by its ACD call id there.
        self.call_log_regions = call_log_regions

    def _local(self, t: int) -> datetime:
        return datetime.fromtimestamp(t, UTC).astimezone(self._zone)

    def call_ref(self, s: Survey) -> str:
        contact = s.contact
        if not contact.contact_id:
            return ""
        region = s.customer.region if s.customer is not None else ""
        if contact.channel == "VOICE" and region in self.call_log_regions:
            return acd_call_id(contact.contact_id)
        return contact.contact_id

    def row(self, s: Survey) -> tuple[int, bytes]:
        fmt = "%d/%m/%Y %H:%M"
        recorded = self._local(s.recorded)
        # Downloaded the local day after the response was recorded (the last day at the latest).
        day = (recorded.date() - self.clock.start).days + 1
        c = s.customer
        internal = s.status != "IP Address" or c is None
        minutes, seconds = divmod(s.duration, 60)
        row = [
            response_no(s.response_id),
            RESPONSE_TYPES[s.status],
            _DISTRIBUTION[s.channel],
            "en" if c is None else c.language.lower(),
            self._local(s.started).strftime(fmt),
            recorded.strftime(fmt),
            "Y" if s.finished else "N",
            f"{minutes}:{seconds:02d}",
            self.call_ref(s),
            "" if internal or c is None else self.crm.customer_id(c),
            self.crm.case_id(s.case_id, c),
            s.contact.channel,
            s.intent,
            _item(s.q1),
            _item(None if s.q2 is None else ease_point(s.q2)),
            _item(None if s.q3 is None else recommend_point(s.q3)),
            s.comment,
        ]
        return min(max(day, 0), self.last_day), csv_line(row)
