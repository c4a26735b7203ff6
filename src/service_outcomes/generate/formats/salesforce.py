"""Salesforce Service Cloud Bulk API 2.0 query-result CSV rows.

Each delivery holds the rows created or modified that (UTC) day, in their state at the end of
the day; customers existing before the period are delivered on the first delivery date.
"""

from __future__ import annotations

from ..clock import DAY, Clock
from ..ids import sf_id
from ..model import Case
from ..simulate import CASE_REASON
from ..world import Customer
from .csvtext import bool_str, csv_line

ACCOUNT_COLUMNS = (
    "Id", "Name", "Type", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted",
    "BillingCountry", "Segment__c", "Region__c", "Annual_Value__c", "Customer_Status__c",
    "Churn_Date__c", "Is_Internal_Test__c",
)  # fmt: skip
CONTACT_COLUMNS = (
    "Id", "AccountId", "FirstName", "LastName", "Email", "Phone", "MobilePhone",
    "MailingCountry", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted",
    "Birth_Year__c", "Preferred_Language__c", "Vulnerability_Flag__c", "Vulnerability_Type__c",
    "Vulnerability_Consent__c", "Marketing_Consent__c", "Is_Internal_Test__c",
)  # fmt: skip
CASE_COLUMNS = (
    "Id", "CaseNumber", "AccountId", "ContactId", "Status", "IsClosed", "ClosedDate", "Origin",
    "Priority", "Reason", "Type", "Subject", "Description", "IsEscalated", "OwnerId",
    "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted", "Resolution_Code__c",
    "Contact_Intent__c", "Acknowledgement_Sent_Date__c", "Exceptional_Circumstances__c",
    "Holding_Response_Sent_Date__c",
)  # fmt: skip
CASE_HISTORY_COLUMNS = (
    "Id", "CaseId", "Field", "OldValue", "NewValue", "CreatedDate", "CreatedById", "IsDeleted",
)  # fmt: skip

_COUNTRY = {"uk": "United Kingdom", "de": "Germany", "us_east": "United States",
            "us_west": "United States"}  # fmt: skip
_COMPANY = {"uk": "Ltd", "de": "GmbH", "us_east": "LLC", "us_west": "Inc."}


class SalesforceFormatter:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.last_day = clock.days - 1

    def _delivery(self, t: int) -> int:
        return min(max((t - self.clock.t0) // DAY, 0), self.last_day)

    def account(self, c: Customer, churned_at: int = 0) -> tuple[int, bytes]:
        dt = self.clock.sf_datetime
        modified = churned_at or c.created_at
        if c.is_test:
            name = f"Internal Test {c.index:06d}"
        elif c.segment == "small_business":
            name = f"{c.last_name} {_COMPANY[c.region]}"
        else:
            name = f"{c.first_name} {c.last_name}"
        row = [
            c.account_id,
            name,
            "Internal" if c.is_test else "Customer",
            dt(c.created_at),
            dt(modified),
            dt(modified),
            "false",
            _COUNTRY[c.region],
            c.segment,
            c.region,
            f"{c.annual_value:.2f}",
            "churned" if churned_at else "active",
            self.clock.sf_date(churned_at) if churned_at else "",
            bool_str(c.is_test),
        ]
        return self._delivery(modified), csv_line(row)

    def contact(self, c: Customer) -> tuple[int, bytes]:
        dt = self.clock.sf_datetime
        created = dt(c.created_at)
        row = [
            c.contact_id,
            c.account_id,
            c.first_name,
            c.last_name,
            c.email,
            c.phone,
            c.mobile,
            _COUNTRY[c.region],
            created,
            created,
            created,
            "false",
            str(c.birth_year),
            c.language,
            bool_str(c.vulnerable),
            c.vulnerability_type,
            bool_str(c.vulnerability_consent),
            bool_str(c.marketing_consent),
            bool_str(c.is_test),
        ]
        return self._delivery(c.created_at), csv_line(row)

    @staticmethod
    def _timeline(case: Case) -> list[tuple[int, tuple[str, str, str, bool, int]]]:
        """(moment, state then) of every modification: the state changes and the letters."""
        letters = {case.acknowledged_at, case.exceptional_at, case.holding_response_at} - {0}
        moments = sorted({at for at, _ in case.states} | letters)
        states = case.states
        out = []
        i = 0
        state = states[0][1]
        for at in moments:
            while i < len(states) and states[i][0] <= at:
                state = states[i][1]
                i += 1
            out.append((at, state))
        return out

    def case_rows(self, case: Case) -> list[tuple[int, bytes]]:
        """One row per day the case was created or modified, in its end-of-day state."""
        dt = self.clock.sf_datetime
        t0 = self.clock.t0
        cust = case.customer
        created = dt(case.created)
        out: list[tuple[int, bytes]] = []
        timeline = self._timeline(case)
        for i, (at, state) in enumerate(timeline):
            day = (at - t0) // DAY
            if i + 1 < len(timeline) and (timeline[i + 1][0] - t0) // DAY == day:
                continue  # not the last change of the day
            status, resolution, owner, escalated, closed_date = state
            closed = status == "Closed"
            modified = dt(at)
            acknowledged = case.acknowledged_at and case.acknowledged_at <= at
            holding = case.holding_response_at and case.holding_response_at <= at
            row = [
                case.case_id,
                f"{case.number:08d}",
                cust.account_id,
                cust.contact_id,
                status,
                bool_str(closed),
                dt(closed_date) if closed else "",
                case.origin,
                case.priority,
                CASE_REASON[case.intent],
                case.type,
                case.subject,
                case.description,
                bool_str(escalated),
                owner,
                created,
                modified,
                modified,
                "false",
                resolution,
                case.intent,
                dt(case.acknowledged_at) if acknowledged else "",
                bool_str(0 < case.exceptional_at <= at),
                dt(case.holding_response_at) if holding else "",
            ]
            out.append((min(day, self.last_day), csv_line(row)))
        return out

    def history_rows(self, case: Case) -> list[tuple[int, bytes]]:
        dt = self.clock.sf_datetime
        out = []
        for n, at, field, old, new, by in case.history:
            row = [sf_id("017", n), case.case_id, field, old, new, dt(at), by, "false"]
            out.append((self._delivery(at), csv_line(row)))
        return out
