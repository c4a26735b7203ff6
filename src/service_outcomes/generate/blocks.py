"""One block of customers, start to finish: simulate, format every export, count the truth.

:class:`BlockRenderer` holds what a process needs to render any block (the clock, the formatters,
one truth tally) and renders one block at a time: its lines go to a
:class:`.segments.SegmentBuffer` and its truth is taken from the tally as
:class:`.truth.writer.TruthCounts`. Blocks are independent by design (each draws from generators
seeded by ``(seed, block index)``, and no formatter keeps state from one block to the next), so
blocks can be rendered in any process and in any order; the parent writes them in block order
(:mod:`.runner`).

Records no customer causes (the synthetic monitoring calls and the survey previews) are rendered
once, before the blocks, by :meth:`BlockRenderer.render_system`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .clock import REGION_TZ, Clock
from .config import GeneratorConfig
from .delivery_truth import ConnectDeliveries, DeliveryTruth
from .formats.connect import ConnectFormatter
from .formats.flat_survey import FlatSurveyFormatter
from .formats.legacy_acd import LegacyAcdFormatter, region_of
from .formats.qualtrics import QualtricsFormatter
from .formats.salesforce import SalesforceFormatter
from .formats.servicenow import CrmReferences, ServiceNowFormatter
from .segments import SegmentBuffer
from .simulate import BlockSimulator
from .system import monitoring_calls, survey_previews
from .truth.writer import TruthCounts, TruthTally

#: Connect lines are handed to the buffer in batches of this many (not one block's list).
_CONNECT_BATCH = 512


@dataclass(slots=True)
class BlockResult:
    """What a rendered block hands the parent besides its lines."""

    block: int
    customers: int
    contacts: int
    truth: TruthCounts
    deliveries: ConnectDeliveries
    #: The block's spool file and its index, when rendered in a worker process
    #: (:class:`.segments.SpoolWriter`); ``None`` when its lines went straight to the writer.
    spool: Path | None = None
    spool_index: list[tuple[int, int, int, int]] | None = None


class BlockRenderer:
    """Renders blocks of one generation (see the module docstring)."""

    def __init__(self, config: GeneratorConfig, clock: Clock, truth_dir: Path) -> None:
        self.config = config
        self.clock = clock
        self.connect = DeliveryTruth(ConnectFormatter(config, clock), truth_dir)
        self.sf = SalesforceFormatter(clock)
        self.crm = CrmReferences(config)
        self.snow = ServiceNowFormatter(clock)
        self.qx = QualtricsFormatter(clock, self.crm)
        # Second vendors: the legacy ACD logs the calls of the regions it serves, the flat survey
        # tool the responses of its regions (cfg.vendor_for); the world itself is the same.
        self.acd = LegacyAcdFormatter(clock, self.crm)
        self.flat = FlatSurveyFormatter(
            clock,
            self.crm,
            frozenset(r for r in REGION_TZ if config.vendor_for("telephony", r) == "legacy_acd"),
        )
        self.truth = TruthTally(clock)

    def render_system(self, out: SegmentBuffer) -> tuple[int, ConnectDeliveries]:
        """Write the records no customer causes; (their contacts, their Connect deliveries)."""
        config = self.config
        connect = self.connect
        connect.connect = ConnectDeliveries()
        rng = random.Random(f"fmt:{config.seed}:system")
        lines: list[tuple[int, bytes]] = []
        system_calls = monitoring_calls(config, self.clock)
        for c in system_calls:
            if config.vendor_for("telephony", region_of(c)) == "legacy_acd":
                connect.formatter.lines(c, rng, [])  # the same draws as for Connect
                out.add("legacy_acd", "call_detail", *self.acd.row(c, None))
            else:
                connect.lines(c, rng, lines)
        out.add_many("amazon_connect", "contact_records", lines)
        previews = survey_previews(config, self.clock)
        if config.surveys == "flat_survey":  # previews belong to the survey account, not a region
            out.add_many("flat_survey", "responses", (self.flat.row(s) for s in previews))
        elif config.surveys == "none":  # no survey platform: nothing is written for the feed
            pass
        else:
            out.add_many("qualtrics", "survey_responses", (self.qx.row(s) for s in previews))
        out.flush()
        return len(system_calls), connect.connect

    def render(self, block: int, out: SegmentBuffer) -> BlockResult:
        """Simulate block ``block``, write its lines to ``out`` (flushed) and count its truth."""
        config = self.config
        crm, sf, snow = self.crm, self.sf, self.snow
        connect = self.connect
        connect.connect = ConnectDeliveries()
        sim = BlockSimulator(config, self.clock, block)
        sim.run()
        rng = random.Random(f"fmt:{config.seed}:{block}")
        # The CRM of each customer's region writes the customer and its cases (same world).
        for cust in sim.customers:
            if not crm.recorded(cust):  # an estate without a CRM: nothing is written for it
                continue
            if crm.serves(cust):
                out.add("servicenow", "customer_account", *snow.account(cust))
                out.add("servicenow", "customer_contact", *snow.contact(cust))
            else:
                out.add("salesforce", "Account", *sf.account(cust))
                out.add("salesforce", "Contact", *sf.contact(cust))
        for cust, churned_at in sim.churns:
            if not crm.recorded(cust):
                continue
            if crm.serves(cust):
                out.add("servicenow", "customer_account", *snow.account(cust, churned_at))
            else:
                out.add("salesforce", "Account", *sf.account(cust, churned_at))
        for case in sim.cases:
            if not crm.recorded(case.customer):
                continue
            if crm.serves(case.customer):
                out.add_many("servicenow", "incident", snow.incident_rows(case))
            else:
                out.add_many("salesforce", "Case", sf.case_rows(case))
                out.add_many("salesforce", "CaseHistory", sf.history_rows(case))
        lines: list[tuple[int, bytes]] = []
        # The post-call IVR rating a legacy ACD writes on the call record: the survey's CSAT.
        ratings = {s.contact.contact_id: s.q1 for s in sim.surveys if s.q1 is not None}
        for c in sim.contacts:
            if config.vendor_for("telephony", region_of(c)) != "legacy_acd":
                connect.lines(c, rng, lines)
                if len(lines) >= _CONNECT_BATCH:
                    out.add_many("amazon_connect", "contact_records", lines)
                    lines = []
            else:
                # The same draws as for Connect, so every estate has the same delivery mess.
                connect.formatter.lines(c, rng, [])
                if c.channel == "VOICE":  # the ACD carries calls only: chats are not logged
                    row = self.acd.row(c, ratings.get(c.contact_id))
                    out.add("legacy_acd", "call_detail", *row)
        out.add_many("amazon_connect", "contact_records", lines)
        for s in sim.surveys:
            region = s.customer.region if s.customer is not None else ""
            vendor = config.vendor_for("surveys", region)
            if vendor == "flat_survey":
                out.add("flat_survey", "responses", *self.flat.row(s))
            elif vendor == "none":  # no survey platform (the ACD's IVR rating is still written)
                continue
            else:
                out.add("qualtrics", "survey_responses", *self.qx.row(s))
        out.flush()
        truth = self.truth
        truth.add(sim.needs)
        truth.add_cases(sim.cases)
        truth.add_customers(sim.customers)
        return BlockResult(
            block=block,
            customers=len(sim.customers),
            contacts=len(sim.contacts),
            truth=truth.take(),
            deliveries=connect.connect,
        )
