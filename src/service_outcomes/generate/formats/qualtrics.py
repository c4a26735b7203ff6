"""Qualtrics survey response export: CSV with three header rows, times in America/New_York."""

from __future__ import annotations

from ..clock import SURVEY_TZ, Clock
from ..model import Survey
from .csvtext import csv_line
from .servicenow import CrmReferences

COLUMNS = (
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
    "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
    "DistributionChannel", "UserLanguage", "Q1", "Q2", "Q3", "Q3_NPS_GROUP", "Q4",
    "sf_contact_id", "sf_case_id", "connect_contact_id", "channel", "intent",
)  # fmt: skip
LABELS = (
    "Start Date", "End Date", "Response Type", "IP Address", "Progress",
    "Duration (in seconds)", "Finished", "Recorded Date", "Response ID", "Recipient Last Name",
    "Recipient First Name", "Recipient Email", "External Data Reference", "Location Latitude",
    "Location Longitude", "Distribution Channel", "User Language",
    "Overall, how satisfied are you with how we handled your request?",
    "The company made it easy for me to handle my issue.",
    "How likely are you to recommend us to a friend or colleague?",
    "How likely are you to recommend us to a friend or colleague? - Group",
    "Is there anything else you would like to tell us?",
    "sf_contact_id", "sf_case_id", "connect_contact_id", "channel", "intent",
)  # fmt: skip
_IMPORT_IDS = (
    "startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
    "recordedDate", "_recordId", "recipientLastName", "recipientFirstName", "recipientEmail",
    "externalDataReference", "locationLatitude", "locationLongitude", "distributionChannel",
    "userLanguage", "QID1", "QID2", "QID3", "QID3_NPS_GROUP", "QID4_TEXT",
    "sf_contact_id", "sf_case_id", "connect_contact_id", "channel", "intent",
)  # fmt: skip
_TIMED = {"startDate", "endDate", "recordedDate"}


def _import_id(key: str) -> str:
    if key in _TIMED:
        return f'{{"ImportId":"{key}","timeZone":"{SURVEY_TZ}"}}'
    return f'{{"ImportId":"{key}"}}'


HEADER: bytes = csv_line(COLUMNS) + csv_line(LABELS) + csv_line(_import_id(k) for k in _IMPORT_IDS)

_LOCATION = {"uk": ("51.5072", "-0.1276"), "de": ("52.5200", "13.4050"),
             "us_east": ("40.7128", "-74.0060"), "us_west": ("34.0522", "-118.2437")}  # fmt: skip


def _nps_group(q3: int | None) -> str:
    if q3 is None:
        return ""
    return "Promoter" if q3 >= 9 else ("Passive" if q3 >= 7 else "Detractor")


def _opt(v: int | None) -> str:
    return "" if v is None else str(v)


class QualtricsFormatter:
    def __init__(self, clock: Clock, crm: CrmReferences | None = None) -> None:
        self.clock = clock
        self.last_day = clock.days - 1
        #: The customer's and case's ids as the customer's CRM has them (Salesforce when None).
        self.crm = crm

    def row(self, s: Survey) -> tuple[int, bytes]:
        clock = self.clock
        local = clock.survey_local
        fmt = "%Y-%m-%d %H:%M:%S"
        recorded = local(s.recorded)
        # Delivered the local day after it was recorded (the last day at the latest).
        day = (recorded.date() - clock.start).days + 1
        c = s.customer
        internal = s.status != "IP Address" or c is None
        customer_id = "" if c is None else c.contact_id
        if c is not None and self.crm is not None:
            customer_id = self.crm.customer_id(c)
        case_id = s.case_id if self.crm is None else self.crm.case_id(s.case_id, c)
        ip = ""
        if not internal:
            n = int(s.response_id[2:8].encode().hex(), 16)
            ip = f"198.51.100.{n % 250 + 2}" if n % 2 else f"203.0.113.{n % 250 + 2}"
        lat, lon = ("", "") if c is None or internal else _LOCATION[c.region]
        row = [
            local(s.started).strftime(fmt),
            local(s.started + s.duration).strftime(fmt),
            s.status,
            ip,
            str(s.progress),
            str(s.duration),
            "True" if s.finished else "False",
            recorded.strftime(fmt),
            s.response_id,
            "" if internal or c is None else c.last_name,
            "" if internal or c is None else c.first_name,
            "" if internal or c is None else c.email,
            "" if internal or c is None else customer_id,
            lat,
            lon,
            s.channel,
            "EN" if c is None else c.language.upper(),
            _opt(s.q1),
            _opt(s.q2),
            _opt(s.q3),
            _nps_group(s.q3),
            s.comment,
            "" if internal or c is None else customer_id,
            case_id,
            s.contact.contact_id,
            s.contact.channel,
            s.intent,
        ]
        return min(max(day, 0), self.last_day), csv_line(row)
