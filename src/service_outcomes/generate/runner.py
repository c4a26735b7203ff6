"""``generate()``: simulate block by block, format, route to the landing folder, write truth."""

from __future__ import annotations

import json
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clock import REGION_TZ, Clock
from .config import GENERATOR_VERSION, GeneratorConfig
from .delivery_truth import DeliveryTruth
from .formats.connect import ConnectFormatter
from .formats.csvtext import csv_line
from .formats.flat_survey import HEADER as FLAT_SURVEY_HEADER
from .formats.flat_survey import FlatSurveyFormatter
from .formats.legacy_acd import HEADER as LEGACY_ACD_HEADER
from .formats.legacy_acd import LegacyAcdFormatter, region_of
from .formats.qualtrics import HEADER as QUALTRICS_HEADER
from .formats.qualtrics import QualtricsFormatter
from .formats.salesforce import (
    ACCOUNT_COLUMNS,
    CASE_COLUMNS,
    CASE_HISTORY_COLUMNS,
    CONTACT_COLUMNS,
    SalesforceFormatter,
)
from .formats.servicenow import HEADERS as SERVICENOW_HEADERS
from .formats.servicenow import CrmReferences, ServiceNowFormatter
from .partitioned import SOURCES, PartitionedWriter
from .progress import Progress
from .simulate import BlockSimulator
from .system import monitoring_calls, survey_previews
from .truth import TRUTH_FILES, TruthWriter

MANIFEST = "_generated.json"
HEADERS: dict[tuple[str, str], bytes] = {
    ("salesforce", "Account"): csv_line(ACCOUNT_COLUMNS),
    ("salesforce", "Contact"): csv_line(CONTACT_COLUMNS),
    ("salesforce", "Case"): csv_line(CASE_COLUMNS),
    ("salesforce", "CaseHistory"): csv_line(CASE_HISTORY_COLUMNS),
    **{("servicenow", table): header for table, header in SERVICENOW_HEADERS.items()},
    ("qualtrics", "survey_responses"): QUALTRICS_HEADER,
    ("legacy_acd", "call_detail"): LEGACY_ACD_HEADER,
    ("flat_survey", "responses"): FLAT_SURVEY_HEADER,
}


@dataclass
class GenerationSummary:
    config: GeneratorConfig
    landing_dir: Path
    truth_dir: Path
    #: "source/table" -> number of files / data rows (CSV header rows not counted).
    files: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    customers: int = 0
    needs: int = 0
    assisted_chains: int = 0
    #: Distinct Connect contacts (ContactIds), monitoring calls included.
    contact_records: int = 0
    headline: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    #: True when an identical earlier generation was found and nothing was written.
    skipped: bool = False

    def summary(self) -> str:
        """A few lines for people: what was written where, and how long it took."""
        verb = "already up to date" if self.skipped else f"written in {self.seconds:.1f} s"
        lines = [
            f"{self.landing_dir}: {sum(self.files.values()):,} file(s) {verb}; "
            f"{self.customers:,} customers, {self.needs:,} needs, "
            f"{self.contact_records:,} Connect contacts, {self.assisted_chains:,} assisted chains",
        ]
        lines += [
            f"  {feed}: {self.files[feed]:,} file(s), {self.rows.get(feed, 0):,} row(s)"
            for feed in sorted(self.files)
        ]
        lines.append(f"  ground truth: {self.truth_dir} (never read by the warehouse)")
        return "\n".join(lines)

    def counts(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows": self.rows,
            "customers": self.customers,
            "needs": self.needs,
            "assisted_chains": self.assisted_chains,
            "contact_records": self.contact_records,
        }


def _existing(cfg: GeneratorConfig, landing: Path, truth: Path) -> dict[str, Any] | None:
    manifest = landing / MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
    if data.get("digest") != cfg.digest():
        return None
    for rel, size in data.get("files", {}).items():
        path = landing / rel
        if not path.is_file() or path.stat().st_size != size:
            return None
    if not all((truth / name).is_file() for name in TRUTH_FILES):
        return None
    return data


def _clear(landing: Path, truth: Path) -> None:
    (landing / MANIFEST).unlink(missing_ok=True)
    for source in SOURCES:
        shutil.rmtree(landing / source, ignore_errors=True)
    for name in TRUTH_FILES:
        (truth / name).unlink(missing_ok=True)


def generate(
    config: GeneratorConfig, landing_dir: Path, truth_dir: Path, *, progress: bool = True
) -> GenerationSummary:
    """Simulate the organisation of ``config``; write its exports and the ground truth."""
    started = time.perf_counter()
    landing_dir = Path(landing_dir)
    truth_dir = Path(truth_dir)
    summary = GenerationSummary(config=config, landing_dir=landing_dir, truth_dir=truth_dir)
    bar = Progress(config.customers, enabled=progress)
    previous = _existing(config, landing_dir, truth_dir)
    if previous is not None:
        counts = previous["counts"]
        summary.files = counts["files"]
        summary.rows = counts["rows"]
        summary.customers = counts["customers"]
        summary.needs = counts["needs"]
        summary.assisted_chains = counts["assisted_chains"]
        summary.contact_records = counts["contact_records"]
        summary.headline = json.loads((truth_dir / "headline.json").read_text())
        summary.skipped = True
        summary.seconds = time.perf_counter() - started
        bar.message(f"generate: {landing_dir} is up to date (digest {config.digest()[:12]})")
        return summary

    _clear(landing_dir, truth_dir)
    landing_dir.mkdir(parents=True, exist_ok=True)
    clock = Clock(config.start, config.days)
    writer = PartitionedWriter(
        landing_dir,
        clock,
        HEADERS,
        flush_bytes=config.flush_bytes,
        max_records=config.connect_file_max_records,
    )
    truth = TruthWriter(truth_dir, clock)
    connect = DeliveryTruth(ConnectFormatter(config, clock), truth_dir)  # + deliveries.json
    sf = SalesforceFormatter(clock)
    crm = CrmReferences(config)
    snow = ServiceNowFormatter(clock)
    qx = QualtricsFormatter(clock, crm)
    # Second vendors: the legacy ACD logs the calls of the regions it serves, the flat survey tool
    # the responses of its regions (cfg.vendor_for); the world itself is the same.
    acd = LegacyAcdFormatter(clock, crm)
    flat = FlatSurveyFormatter(
        clock,
        crm,
        frozenset(r for r in REGION_TZ if config.vendor_for("telephony", r) == "legacy_acd"),
    )
    contacts_total = 0

    # Records no customer causes.
    rng = random.Random(f"fmt:{config.seed}:system")
    lines: list[tuple[int, bytes]] = []
    system_calls = monitoring_calls(config, clock)
    for c in system_calls:
        if config.vendor_for("telephony", region_of(c)) == "legacy_acd":
            connect.formatter.lines(c, rng, [])  # the same draws as for Connect
            writer.add("legacy_acd", "call_detail", *acd.row(c, None))
        else:
            connect.lines(c, rng, lines)
    writer.add_many("amazon_connect", "contact_records", lines)
    previews = survey_previews(config, clock)
    if config.surveys == "flat_survey":  # previews belong to the survey account, not a region
        writer.add_many("flat_survey", "responses", (flat.row(s) for s in previews))
    elif config.surveys == "none":  # no survey platform: nothing is written for the feed
        pass
    else:
        writer.add_many("qualtrics", "survey_responses", (qx.row(s) for s in previews))
    contacts_total += len(system_calls)

    blocks = (config.customers + config.block_size - 1) // config.block_size
    for block in range(blocks):
        sim = BlockSimulator(config, clock, block)
        sim.run()
        rng = random.Random(f"fmt:{config.seed}:{block}")
        # The CRM of each customer's region writes the customer and its cases (same world).
        for cust in sim.customers:
            if not crm.recorded(cust):  # an estate without a CRM: nothing is written for it
                continue
            if crm.serves(cust):
                writer.add("servicenow", "customer_account", *snow.account(cust))
                writer.add("servicenow", "customer_contact", *snow.contact(cust))
            else:
                writer.add("salesforce", "Account", *sf.account(cust))
                writer.add("salesforce", "Contact", *sf.contact(cust))
        for cust, churned_at in sim.churns:
            if not crm.recorded(cust):
                continue
            if crm.serves(cust):
                writer.add("servicenow", "customer_account", *snow.account(cust, churned_at))
            else:
                writer.add("salesforce", "Account", *sf.account(cust, churned_at))
        for case in sim.cases:
            if not crm.recorded(case.customer):
                continue
            if crm.serves(case.customer):
                writer.add_many("servicenow", "incident", snow.incident_rows(case))
            else:
                writer.add_many("salesforce", "Case", sf.case_rows(case))
                writer.add_many("salesforce", "CaseHistory", sf.history_rows(case))
        lines = []
        # The post-call IVR rating a legacy ACD writes on the call record: the survey's CSAT.
        ratings = {s.contact.contact_id: s.q1 for s in sim.surveys if s.q1 is not None}
        for c in sim.contacts:
            if config.vendor_for("telephony", region_of(c)) != "legacy_acd":
                connect.lines(c, rng, lines)
            else:
                # The same draws as for Connect, so every estate has the same delivery mess.
                connect.formatter.lines(c, rng, [])
                if c.channel == "VOICE":  # the ACD carries calls only: chats are not logged
                    writer.add("legacy_acd", "call_detail", *acd.row(c, ratings.get(c.contact_id)))
        writer.add_many("amazon_connect", "contact_records", lines)
        for s in sim.surveys:
            region = s.customer.region if s.customer is not None else ""
            vendor = config.vendor_for("surveys", region)
            if vendor == "flat_survey":
                writer.add("flat_survey", "responses", *flat.row(s))
            elif vendor == "none":  # no survey platform (the ACD's IVR rating is still written)
                continue
            else:
                writer.add("qualtrics", "survey_responses", *qx.row(s))
        truth.add(sim.needs)
        truth.add_cases(sim.cases)
        truth.add_customers(sim.customers)
        contacts_total += len(sim.contacts)
        summary.customers += len(sim.customers)
        bar.update(len(sim.customers), len(sim.contacts))
    writer.close()
    summary.headline = truth.close()
    connect.close()
    bar.finish()

    summary.files = {f"{s}/{t}": len(paths) for (s, t), paths in sorted(writer.files.items())}
    summary.rows = {f"{s}/{t}": n for (s, t), n in sorted(writer.rows.items())}
    summary.needs = truth.needs
    summary.assisted_chains = truth.chains
    summary.contact_records = contacts_total
    files = {rel: (landing_dir / rel).stat().st_size for rel in writer.all_files()}
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "digest": config.digest(),
        "config": config.to_json_dict(),
        "counts": summary.counts(),
        "files": files,
    }
    (landing_dir / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    summary.seconds = time.perf_counter() - started
    bar.message(
        f"generate: {contacts_total:,} contacts, {summary.needs:,} needs, "
        f"{sum(summary.files.values()):,} files in {summary.seconds:,.1f}s"
    )
    return summary
