"""A legacy ACD call-detail log: one CSV row per call, in the local time of the site.

The shape of an on-premises automatic call distributor's call-detail export: fixed columns, one
row per call written once the call (and its after-call work) is over, so no versions and no
re-deliveries. Each site writes its times in its own local time (``M/D/YYYY H:mm:ss``, no leading
zeros), durations are ``h:mm:ss`` and ``0:00:00`` means "did not happen". The ACD knows nothing of
transfers between its queues (a transferred caller is a new call), of chats or of chat bots. The
CTI link to the CRM attaches the CRM contact and case references to the call (user-to-user data),
and the post-call IVR survey writes the caller's 1-5 satisfaction rating on the call record.

Outcome codes are the ACD's own: ``ANS`` (served by an agent), ``ABN`` (abandoned in queue) and
``PHN`` (phantom: ended in the IVR before queueing, e.g. a monitoring call).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..clock import Clock
from ..model import Contact
from ..world import SYSTEM_NUMBERS
from .csvtext import csv_line
from .servicenow import CrmReferences

COLUMNS = (
    "call_id", "site", "caller", "dnis", "menu", "queue", "ivr_start", "queue_start",
    "queue_wait", "service_start", "talk_time", "hold_time", "acw_time", "call_end", "outcome",
    "agent", "cti_contact", "cti_case", "survey_optin", "ivr_csat",
)  # fmt: skip
HEADER: bytes = csv_line(COLUMNS)

#: The site that answers the calls to each region's number, and its (local) time zone. Phoenix
#: keeps Mountain Standard Time all year (no daylight saving), the others change in March.
SITES: dict[str, tuple[str, str]] = {
    "uk": ("MAN", "Europe/London"),
    "de": ("LEJ", "Europe/Berlin"),
    "us_east": ("CLT", "America/New_York"),
    "us_west": ("PHX", "America/Phoenix"),
}
_REGION_OF_NUMBER = {number: region for region, number in SYSTEM_NUMBERS.items()}
#: IVR menu choice per intent (the caller's key press).
MENU: dict[str, str] = {
    "billing": "1",
    "payment_problem": "2",
    "technical_fault": "3",
    "account_change": "4",
    "complaint": "5",
    "onboarding": "6",
}
NOT_HAPPENED = "0:00:00"


def acd_call_id(contact_id: str) -> str:
    """The ACD's call id of a contact: a 16-digit call number (stable, so that the survey
    platform can quote it as the call reference)."""
    digest = hashlib.sha256(contact_id.encode()).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**16).zfill(16)


def region_of(c: Contact) -> str:
    """The region whose number the caller dialled (the customer's region for customer calls)."""
    if c.customer is not None:
        return c.customer.region
    return _REGION_OF_NUMBER.get(c.system_address, "uk")


def hms(seconds: int) -> str:
    """``h:mm:ss`` without a leading zero on the hours."""
    h, rest = divmod(int(seconds), 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}"


class LegacyAcdFormatter:
    """Turns the VOICE contacts of the simulation into (delivery day index, CSV row) pairs."""

    def __init__(self, clock: Clock, crm: CrmReferences) -> None:
        self.clock = clock
        #: The customer's and case's ids as the customer's CRM has them (none without a CRM).
        self.crm = crm
        self.last_day = clock.days - 1
        self._zones = {region: ZoneInfo(zone) for region, (_, zone) in SITES.items()}

    def local(self, t: int, region: str) -> str:
        """``M/D/YYYY H:mm:ss`` in the site's local time (no leading zeros on month, day, hour)."""
        moment = datetime.fromtimestamp(t, UTC).astimezone(self._zones[region])
        return (
            f"{moment.month}/{moment.day}/{moment.year} "
            f"{moment.hour}:{moment.minute:02d}:{moment.second:02d}"
        )

    def row(self, c: Contact, rating: int | None) -> tuple[int, bytes]:
        """The call-detail row of one call; ``rating`` is the caller's post-call IVR score."""
        region = region_of(c)
        local = self.local
        served = c.agent is not None
        queued = bool(c.queue)
        outcome = "ANS" if served else ("ABN" if queued else "PHN")
        acw = c.acw_end - c.acw_start if served else 0
        cust = c.customer
        row = [
            acd_call_id(c.contact_id),
            SITES[region][0],
            c.customer_address or "-",
            c.system_address,
            MENU.get(c.intent, ""),
            c.queue or "-",
            local(c.initiated, region),
            local(c.enqueued, region) if queued else "-",
            hms(c.dequeued - c.enqueued) if queued else NOT_HAPPENED,
            local(c.agent_connected, region) if served else "-",
            hms(c.talk) if served else NOT_HAPPENED,
            hms(c.hold) if served else NOT_HAPPENED,
            hms(acw) if served else NOT_HAPPENED,
            local(c.disconnected, region),
            outcome,
            c.agent.username if c.agent is not None else "-",
            (self.crm.customer_id(cust) if cust is not None else "") or "-",
            self.crm.case_id(c.case_id, cust) or "-",
            ("Y" if c.survey_opt_in else "N") if cust is not None else "-",
            "" if rating is None else str(rating),
        ]
        # The log of a UTC day is exported once every call of it has finished its after-call work.
        day = min(max(self.clock.day_of(c.last_update), 0), self.last_day)
        return day, csv_line(row)
