"""Amazon Connect contact records (format 2017-03-10) as JSON lines, with delivery mess.

Each contact becomes one or two *versions* (the second one with a later
``LastUpdateTimestamp``: after-contact work finished, case linked), each version is delivered
on the UTC day of its ``LastUpdateTimestamp``; some versions are delivered 1-3 days late and
some twice. New top-level fields appear from fixed days of the period on (schema drift).
"""

from __future__ import annotations

import random
from typing import Any

import orjson

from ..clock import Clock
from ..config import GeneratorConfig
from ..model import Contact
from ..world import AWS_ACCOUNT_ID, INSTANCE_ARN, INSTANCE_ID, QUEUE_ARNS
from .servicenow import CrmReferences

FORMAT_VERSION = "2017-03-10"
_TAGS = {"aws:connect:instanceId": INSTANCE_ID}


class ConnectFormatter:
    """Turns contacts into (delivery day index, JSON line) pairs.

    An updated version is at most ``simulate.UPDATE_DELAY_MAX`` after the contact's
    ``last_update`` (the simulation's episode-gap margin relies on it).
    """

    def __init__(self, cfg: GeneratorConfig, clock: Clock) -> None:
        self.cfg = cfg
        self.clock = clock
        #: The customer's and case's ids as the customer's CRM (Salesforce or ServiceNow) has them.
        self.crm = CrmReferences(cfg)
        self.last_day = clock.days - 1
        #: Day index from which records carry ``ContactDetails`` / ``QualityMetrics``.
        self.contact_details_from = int(clock.days * 0.45)
        self.quality_metrics_from = int(clock.days * 0.7)

    def record(
        self, c: Contact, last_update: int, with_case: bool, with_acw: bool
    ) -> dict[str, Any]:
        iso = self.clock.iso_z
        voice = c.channel == "VOICE"
        attributes: dict[str, str] = {}
        if c.customer is not None:
            attributes["sf_contact_id"] = self.crm.customer_id(c.customer)
            attributes["intent"] = c.intent
            if c.bot_outcome:
                attributes["bot_outcome"] = c.bot_outcome
            if c.case_id and with_case:
                attributes["sf_case_id"] = self.crm.case_id(c.case_id, c.customer)
            attributes["survey_opt_in"] = "true" if c.survey_opt_in else "false"
            if c.auth_result:
                attributes["auth_result"] = c.auth_result
            if c.agent is not None:
                attributes["desktop_latency_ms"] = str(c.desktop_latency_ms)
                if c.kb_article_id:
                    attributes["kb_article_id"] = c.kb_article_id
                    attributes["kb_article_accurate"] = "true" if c.kb_article_accurate else "false"
        else:
            attributes["sf_contact_id"] = ""
        queue = None
        if c.queue:
            queue = {
                "ARN": QUEUE_ARNS[c.queue],
                "Name": c.queue,
                "EnqueueTimestamp": iso(c.enqueued),
                "DequeueTimestamp": iso(c.dequeued),
                "Duration": c.dequeued - c.enqueued,
            }
        agent = None
        a = c.agent
        if a is not None:
            agent = {
                "ARN": a.arn,
                "Username": a.username,
                "ConnectedToAgentTimestamp": iso(c.agent_connected),
                "AgentInteractionDuration": c.talk,
                "CustomerHoldDuration": c.hold,
                "NumberOfHolds": c.holds,
                "LongestHoldDuration": c.longest_hold,
                "AfterContactWorkStartTimestamp": iso(c.acw_start),
                "AfterContactWorkEndTimestamp": iso(c.acw_end) if with_acw else None,
                "AfterContactWorkDuration": c.acw_end - c.acw_start if with_acw else None,
                "AgentPauseDuration": 0,
                "RoutingProfile": {"ARN": a.routing_profile_arn, "Name": a.routing_profile_name},
                "HierarchyGroups": a.hierarchy,
            }
        rec: dict[str, Any] = {
            "AWSAccountId": AWS_ACCOUNT_ID,
            "AWSContactTraceRecordFormatVersion": FORMAT_VERSION,
            "Agent": agent,
            "AgentConnectionAttempts": 1 if a is not None else 0,
            "Attributes": attributes,
            "Channel": c.channel,
            "ConnectedToSystemTimestamp": iso(c.initiated + 1),
            "ContactId": c.contact_id,
            "CustomerEndpoint": (
                {"Address": c.customer_address, "Type": "TELEPHONE_NUMBER"} if voice else None
            ),
            "DisconnectReason": c.disconnect_reason,
            "DisconnectTimestamp": iso(c.disconnected),
            "InitialContactId": c.initial_contact_id,
            "InitiationMethod": c.method,
            "InitiationTimestamp": iso(c.initiated),
            "InstanceARN": INSTANCE_ARN,
            "LastUpdateTimestamp": iso(last_update),
            "MediaStreams": [{"Type": "AUDIO" if voice else "CHAT"}],
            "NextContactId": c.next_contact_id,
            "PreviousContactId": c.previous_contact_id,
            "Queue": queue,
            "Recording": (
                {
                    "Location": f"connect-recordings/{c.contact_id}.wav",
                    "Status": "AVAILABLE",
                    "Type": "AUDIO",
                    "DeletionReason": None,
                }
                if voice and a is not None
                else None
            ),
            "SystemEndpoint": (
                {"Address": c.system_address, "Type": "TELEPHONE_NUMBER"} if voice else None
            ),
            "Tags": _TAGS,
            "TransferCompletedTimestamp": iso(c.transfer_completed)
            if c.transfer_completed
            else None,
            "TransferredToEndpoint": None,
        }
        day = (c.initiated - self.clock.t0) // 86_400
        if day >= self.contact_details_from:
            rec["ContactDetails"] = {}
        if day >= self.quality_metrics_from:
            rec["QualityMetrics"] = (
                {
                    "Agent": {"Audio": {"QualityScore": 4.6, "PotentialQualityIssues": []}},
                    "Customer": {"Audio": {"QualityScore": 4.4, "PotentialQualityIssues": []}},
                }
                if voice and a is not None
                else None
            )
        return rec

    def _deliver(
        self, out: list[tuple[int, bytes]], line: bytes, lut: int, rng: random.Random
    ) -> None:
        day = (lut - self.clock.t0) // 86_400
        cfg = self.cfg
        if rng.random() < cfg.late_rate:
            day += 1 + int(rng.random() * 3)
        last = self.last_day
        out.append((min(day, last), line))
        if rng.random() < cfg.duplicate_rate:
            out.append((min(day + (1 if rng.random() < 0.4 else 0), last), line))

    def lines(self, c: Contact, rng: random.Random, out: list[tuple[int, bytes]]) -> None:
        """Append every delivered version of ``c`` to ``out``."""
        end = self.clock.end
        cfg = self.cfg
        case_late = bool(c.case_id) and rng.random() < cfg.case_link_late_rate
        update = rng.random() < cfg.update_rate
        if case_late or (update and c.agent is not None):
            acw_late = update and c.agent is not None
            first_lut = c.disconnected + 2 + int(rng.random() * 15) if acw_late else c.last_update
            first = self.record(c, first_lut, with_case=not case_late, with_acw=not acw_late)
            self._deliver(out, orjson.dumps(first) + b"\n", first_lut, rng)
            later = c.last_update + (60 + int(rng.random() * 7140) if case_late else 0)
            later = max(later, first_lut + 1)
            if later < end:
                second = self.record(c, later, with_case=True, with_acw=True)
                self._deliver(out, orjson.dumps(second) + b"\n", later, rng)
            elif acw_late:
                # The case link would only arrive after the period, but the after-contact work
                # ended at last_update, inside it: that version is delivered.
                acw_lut = max(c.last_update, first_lut + 1)
                if acw_lut < end:
                    acw_only = self.record(c, acw_lut, with_case=not case_late, with_acw=True)
                    self._deliver(out, orjson.dumps(acw_only) + b"\n", acw_lut, rng)
            return
        rec = self.record(c, c.last_update, with_case=True, with_acw=True)
        self._deliver(out, orjson.dumps(rec) + b"\n", c.last_update, rng)
        if update:
            later = c.last_update + 30 + int(rng.random() * 3570)
            if later < end:
                rec["LastUpdateTimestamp"] = self.clock.iso_z(later)
                self._deliver(out, orjson.dumps(rec) + b"\n", later, rng)
