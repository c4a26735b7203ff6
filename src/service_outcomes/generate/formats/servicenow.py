"""ServiceNow exports: the incident table as an audit-style event log, and the CSM customers.

The incident export is a list export with display values, one row per update of an incident
(``sys_mod_count`` 0 is the insert), each row holding the incident's values after that update, in
the time zone of the exporting integration user (:data:`EXPORT_TZ`), ``YYYY-MM-DD HH:MM:SS``.
Reference fields are exported as display values; the list view adds the dot-walked
``caller_id.sys_id`` and ``company.sys_id`` columns so that rows can be joined to the customer
exports. Incident numbers are ``INC`` with eight digits (the number format of an instance past
ten million incidents, set in advance).

The simulated case lifecycle (``model.Case``) reads in ServiceNow terms as follows: Working,
Escalated and Reopened are *In Progress* (an escalation sets ``escalation`` High and hands the
incident to the back-office group; a reopen increments ``reopen_count``); On Hold is *On Hold*
(Awaiting Caller); a closure is *Resolved* with a close code, and an incident left resolved for
:data:`AUTO_CLOSE_DAYS` days is closed by the system (*Closed*) as ServiceNow's auto-close does.

Customers come from the Customer Service Management tables ``customer_account`` and
``customer_contact``, with the attributes Salesforce carries on Account and Contact as ``u_*``
custom fields. Each export row is delivered on the UTC day of its update, as for Salesforce.

The warehouse identifies a ServiceNow record by the canonical id the built-in mappings
(``mappings/servicenow__*.yml``) derive from its number or sys_id (``id: {prefix, length}``);
:class:`CrmReferences` gives telephony and survey formatters the same ids, so a contact record or
survey response of a ServiceNow-served customer links to the incident and the customer as the
mapping lands them.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..clock import DAY, Clock
from ..config import GeneratorConfig
from ..ids import B62
from ..model import Case
from ..simulate import CASE_REASON
from ..truth.reference import read_threshold
from ..world import AUTOMATION_USER_ID, BACK_OFFICE_USER_ID, ROSTER, Customer
from .csvtext import csv_line

SYSTEM = "servicenow"
#: The time zone of the integration user that runs the exports (its display values use it).
EXPORT_TZ = "Europe/London"
#: Days an incident stays Resolved before the system closes it (glide.ui.autoclose.time).
AUTO_CLOSE_DAYS = 7

INCIDENT_COLUMNS = (
    "number", "sys_id", "caller_id", "caller_id.sys_id", "company", "company.sys_id",
    "category", "subcategory", "contact_type", "state", "incident_state", "impact", "urgency",
    "priority", "escalation", "hold_reason", "assignment_group", "assigned_to",
    "short_description", "description", "opened_at", "opened_by", "resolved_at", "resolved_by",
    "closed_at", "closed_by", "close_code", "close_notes", "reassignment_count", "reopen_count",
    "reopened_time", "made_sla", "active", "sys_created_on", "sys_updated_on", "sys_updated_by",
    "sys_mod_count", "u_contact_intent", "u_acknowledgement_sent", "u_exceptional_circumstances",
    "u_holding_response_sent",
)  # fmt: skip
ACCOUNT_COLUMNS = (
    "sys_id", "number", "name", "customer", "country", "u_segment", "u_region",
    "u_annual_value", "u_customer_status", "u_churn_date", "u_internal_test", "sys_created_on",
    "sys_updated_on", "sys_mod_count",
)  # fmt: skip
CONTACT_COLUMNS = (
    "sys_id", "account", "account.sys_id", "first_name", "last_name", "email", "phone",
    "mobile_phone", "country", "preferred_language", "u_birth_year", "u_vulnerability_flag",
    "u_vulnerability_type", "u_vulnerability_consent", "u_marketing_consent", "u_internal_test",
    "sys_created_on", "sys_updated_on", "sys_mod_count",
)  # fmt: skip
#: (landing table folder, header) of each export.
HEADERS: dict[str, bytes] = {
    "incident": csv_line(INCIDENT_COLUMNS),
    "customer_account": csv_line(ACCOUNT_COLUMNS),
    "customer_contact": csv_line(CONTACT_COLUMNS),
}

# Simulated case status -> (state label, escalation, hold reason).
_STATE = {
    "New": "New",
    "Working": "In Progress",
    "Escalated": "In Progress",
    "Reopened": "In Progress",
    "On Hold": "On Hold",
    "Closed": "Resolved",
}
# Simulated resolution code -> ServiceNow close code (classic choice list).
CLOSE_CODES = {
    "Resolved": "Solved (Permanently)",
    "Resolved - Workaround": "Solved (Work Around)",
    "No Customer Response": "No resolution provided",
    "Duplicate": "Duplicate",
    "Withdrawn": "Closed/Resolved by Caller",
}
# Simulated priority -> (impact, urgency, priority) by the default priority lookup matrix.
_PRIORITY = {
    "High": ("1 - High", "2 - Medium", "2 - High"),
    "Medium": ("2 - Medium", "2 - Medium", "3 - Moderate"),
    "Low": ("2 - Medium", "3 - Low", "4 - Low"),
}
_CONTACT_TYPE = {"Phone": "Phone", "Chat": "Chat", "Web": "Self-service", "Email": "Email"}
_COUNTRY = {"uk": "United Kingdom", "de": "Germany", "us_east": "United States",
            "us_west": "United States"}  # fmt: skip
_COMPANY = {"uk": "Ltd", "de": "GmbH", "us_east": "LLC", "us_west": "Inc."}
FRONTLINE_GROUP = "Customer Service Desk"
BACK_OFFICE_GROUP = "Complaints and Payments Back Office"
_USERS = {a.user_id: a.username for agents in ROSTER.values() for a in agents}
_USERS[BACK_OFFICE_USER_ID] = "back.office"
_USERS[AUTOMATION_USER_ID] = "system"


_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def stable_id(prefix: str, length: int, text: str) -> str:
    """The mapping engine's ``id: {prefix, length}`` rule (``landing.mapping.transforms``),
    restated here so the generator does not import the loader; a unit test keeps them equal."""
    number = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(_ALPHANUMERIC))
        chars.append(_ALPHANUMERIC[index])
    return prefix + "".join(chars)


def sys_id(table: str, number: int) -> str:
    """A record's 32-hex-digit sys_id (deterministic per table and record number)."""
    return hashlib.md5(f"{table}:{number}".encode(), usedforsecurity=False).hexdigest()


def incident_number(case_number: int) -> str:
    return f"INC{case_number:08d}"


def canonical_case_id(number: str) -> str:
    """The Case Id the built-in mapping derives from an incident number."""
    return stable_id("500", 15, number)


def canonical_contact_id(contact_sys_id: str) -> str:
    """The Contact Id the built-in mapping derives from a customer_contact sys_id."""
    return stable_id("003", 15, contact_sys_id)


def canonical_account_id(account_sys_id: str) -> str:
    return stable_id("001", 15, account_sys_id)


@functools.lru_cache(maxsize=4096)
def contact_reference(customer_index: int) -> str:
    """The canonical Contact Id of the ServiceNow customer_contact of customer ``customer_index``.

    Each record of a customer quotes it, so the last few thousand are cached; the cache is
    bounded (about one block of customers) so that it does not grow with the customer count.
    """
    return canonical_contact_id(sys_id("customer_contact", customer_index))


def _sf_number(salesforce_id: str) -> int:
    """The record number inside one of the generator's Salesforce ids (``ids.sf_id``)."""
    number = 0
    for ch in salesforce_id[6:15]:
        number = number * 62 + B62.index(ch)
    return number


class CrmReferences:
    """The customer and case references a telephony or survey record carries for a customer,
    as the customer's CRM (``cfg.vendor_for('crm', region)``) identifies them in the warehouse."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.cfg = cfg

    def serves(self, customer: Customer) -> bool:
        """Whether ServiceNow holds this customer's record and cases."""
        return self.cfg.vendor_for("crm", customer.region) == SYSTEM

    def recorded(self, customer: Customer) -> bool:
        """Whether any CRM holds this customer (not in an estate without a CRM, ``crm=none``)."""
        return self.cfg.vendor_for("crm", customer.region) != "none"

    def customer_id(self, customer: Customer) -> str:
        if not self.recorded(customer):
            return ""  # no CRM, no CTI link: the record carries no customer reference
        if not self.serves(customer):
            return customer.contact_id
        return contact_reference(customer.index)

    def case_id(self, case_id: str, customer: Customer | None) -> str:
        if customer is not None and not self.recorded(customer):
            return ""
        if not case_id or customer is None or not self.serves(customer):
            return case_id
        return canonical_case_id(incident_number(_sf_number(case_id)))


class ServiceNowFormatter:
    """Turns simulated customers and cases into (delivery day index, CSV line) pairs."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.last_day = clock.days - 1
        self.zone = ZoneInfo(EXPORT_TZ)
        self.sla = int(read_threshold("case_closure_sla") * 3600)

    def _delivery(self, t: int) -> int:
        return min(max((t - self.clock.t0) // DAY, 0), self.last_day)

    def local(self, t: int) -> str:
        return datetime.fromtimestamp(t, UTC).astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")

    # ---- customers ----------------------------------------------------------------------------
    def account(self, c: Customer, churned_at: int = 0) -> tuple[int, bytes]:
        modified = churned_at or c.created_at
        row = [
            sys_id("customer_account", c.index),
            f"ACC{c.index:07d}",
            _account_name(c),
            "true",
            _COUNTRY[c.region],
            c.segment,
            c.region,
            f"{c.annual_value:.2f}",
            "churned" if churned_at else "active",
            self.clock.sf_date(churned_at) if churned_at else "",
            _bool(c.is_test),
            self.local(c.created_at),
            self.local(modified),
            "1" if churned_at else "0",
        ]
        return self._delivery(modified), csv_line(row)

    def contact(self, c: Customer) -> tuple[int, bytes]:
        created = self.local(c.created_at)
        row = [
            sys_id("customer_contact", c.index),
            f"{c.first_name} {c.last_name}" if not c.is_test else f"Internal Test {c.index:06d}",
            sys_id("customer_account", c.index),
            c.first_name,
            c.last_name,
            c.email,
            c.phone,
            c.mobile,
            _COUNTRY[c.region],
            c.language,
            str(c.birth_year),
            _bool(c.vulnerable),
            c.vulnerability_type,
            _bool(c.vulnerability_consent),
            _bool(c.marketing_consent),
            _bool(c.is_test),
            created,
            created,
            "0",
        ]
        return self._delivery(c.created_at), csv_line(row)

    # ---- incidents ----------------------------------------------------------------------------
    @staticmethod
    def _updates(case: Case) -> list[tuple[int, tuple[str, str, str, bool, int], str]]:
        """(moment, simulated state after it, user) of every update: state changes and letters."""
        by_moment: dict[int, str] = {}
        for _, at, _, _, _, by in case.history:
            by_moment.setdefault(at, by)
        letters = {case.acknowledged_at, case.exceptional_at, case.holding_response_at} - {0}
        moments = sorted({at for at, _ in case.states} | letters)
        out = []
        i = 0
        state = case.states[0][1]
        for at in moments:
            while i < len(case.states) and case.states[i][0] <= at:
                state = case.states[i][1]
                i += 1
            # An update that changes no field the simulation records (a work note) is the owner's.
            user = by_moment.get(at, state[2])
            out.append((at, state, _USERS.get(user, "system")))
        return out

    def incident_rows(self, case: Case) -> list[tuple[int, bytes]]:
        """One row per update of the incident, with its values after the update."""
        local = self.local
        cust = case.customer
        number = incident_number(case.number)
        impact, urgency, priority = _PRIORITY[case.priority]
        deadline = case.created + self.sla
        updates = self._updates(case)
        last_at, last_state, _ = updates[-1]
        if last_state[0] == "Closed" and last_at + AUTO_CLOSE_DAYS * DAY < self.clock.end:
            updates.append((last_at + AUTO_CLOSE_DAYS * DAY, last_state, "auto_close"))
        out: list[tuple[int, bytes]] = []
        owner = ""
        reassignments = reopens = 0
        reopened_at = resolved_at = first_resolved = 0
        resolved_by = ""
        previous_status = ""
        for count, (at, state, user) in enumerate(updates):
            status, resolution, owner_id, escalated, _closed = state
            if owner and owner_id != owner:
                reassignments += 1
            owner = owner_id
            if status == "Reopened" and previous_status == "Closed":
                reopens += 1
                reopened_at = at
            closed_by_system = user == "auto_close"
            if status == "Closed" and previous_status != "Closed":
                resolved_at, resolved_by = at, user
                first_resolved = first_resolved or at
            elif status != "Closed":
                resolved_at, resolved_by = 0, ""
            previous_status = status
            label = "Closed" if closed_by_system else _STATE[status]
            back_office = owner_id in (BACK_OFFICE_USER_ID, AUTOMATION_USER_ID)
            breached = min(at, first_resolved or at) > deadline
            row = [
                number,
                sys_id("incident", case.number),
                f"{cust.first_name} {cust.last_name}",
                sys_id("customer_contact", cust.index),
                _account_name(cust),
                sys_id("customer_account", cust.index),
                CASE_REASON[case.intent],
                case.type,
                _CONTACT_TYPE[case.origin],
                label,
                label,
                impact,
                urgency,
                priority,
                "High" if escalated else "Normal",
                "Awaiting Caller" if status == "On Hold" else "",
                BACK_OFFICE_GROUP if back_office else FRONTLINE_GROUP,
                _USERS.get(owner_id, "system"),
                case.subject,
                case.description,
                local(case.created),
                _USERS.get(case.history[0][5], "system"),
                local(resolved_at) if resolved_at else "",
                resolved_by if resolved_at else "",
                local(at) if closed_by_system else "",
                "system" if closed_by_system else "",
                CLOSE_CODES[resolution] if status == "Closed" and resolution else "",
                "Closed by the service desk" if status == "Closed" and resolution else "",
                str(reassignments),
                str(reopens),
                local(reopened_at) if reopened_at else "",
                _bool(not breached),
                _bool(not closed_by_system),
                local(case.created),
                local(at),
                "system" if closed_by_system else user,
                str(count),
                case.intent,
                local(case.acknowledged_at) if 0 < case.acknowledged_at <= at else "",
                _bool(0 < case.exceptional_at <= at),
                local(case.holding_response_at) if 0 < case.holding_response_at <= at else "",
            ]
            out.append((self._delivery(at), csv_line(row)))
        return out


def _account_name(c: Customer) -> str:
    if c.is_test:
        return f"Internal Test {c.index:06d}"
    if c.segment == "small_business":
        return f"{c.last_name} {_COMPANY[c.region]}"
    return f"{c.first_name} {c.last_name}"


def _bool(value: bool) -> str:
    return "true" if value else "false"
