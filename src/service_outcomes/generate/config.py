"""Generator configuration and the named scales.

A :class:`GeneratorConfig` and the reference seeds of the dbt project that the generator reads
(:data:`REFERENCE_SEEDS`: the metric registry's windows and thresholds, the rate card, the DISP
time limits and calendars) fully determine the output: the same config and seeds always produce
byte-identical files. :meth:`GeneratorConfig.digest` covers both and identifies a generation in
``_generated.json`` so that a repeated run with the same config and seeds can be skipped.
Windows the warehouse also uses (FCR, repeat, containment, resolution confirmation, churn) are read
from the registry, never held here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
#: Seeds the generator reads (paths under ``seeds/``); their content is part of the digest.
REFERENCE_SEEDS = (
    "registry/metric_registry.csv",
    "experiments/experiments.csv",
    "experiments/experiment_units.csv",
    "business/cost_rates.csv",
    "risk/disp_time_limits.csv",
    "risk/complaint_jurisdictions.csv",
    "reference/public_holidays.csv",
    "reference/region_calendars.csv",
)

#: Bumped whenever a change to the code changes the output for an unchanged config.
GENERATOR_VERSION = "13"


#: Per feed: the reference vendor, the second vendor, "mixed", and for the CRM and survey feeds
#: "none" (an estate without that system: nothing is written for the feed, and the records of
#: the other feeds carry no reference to it; README "A call log and nothing else").
VENDORS: dict[str, tuple[str, ...]] = {
    "crm": ("salesforce", "servicenow", "mixed", "none"),
    "telephony": ("amazon_connect", "legacy_acd", "mixed"),
    "surveys": ("qualtrics", "flat_survey", "mixed", "none"),
}


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that shapes one simulated organisation and its exports."""

    seed: int = 42
    start: date = date(2026, 1, 1)
    days: int = 365
    customers: int = 20_000
    #: A customer never has two needs of one intent with contacts closer than this (days).
    episode_gap_days: int = 21
    #: Mean needs per customer-year (scaled per segment in ``world``).
    needs_per_year: float = 4.0
    #: Share of customers created during the period (the rest exist at the start).
    joiner_share: float = 0.08
    internal_test_share: float = 0.005
    #: Synthetic monitoring calls per day (Connect, from the fixed system numbers).
    monitoring_calls_per_day: int = 6
    #: Survey previews / tests per week (Qualtrics ``Survey Preview`` / ``Survey Test``).
    survey_previews_per_week: int = 3
    # Delivery mess of the Connect feed (shares of delivered record versions).
    duplicate_rate: float = 0.02
    update_rate: float = 0.05
    late_rate: float = 0.01
    #: Share of assisted contacts whose ``sf_case_id`` only arrives in an updated version.
    case_link_late_rate: float = 0.30
    #: Share of solved (agent-handled) needs followed by one more assisted contact.
    follow_up_rate: float = 0.05
    # Which vendor system writes each feed: the reference vendor, the second vendor, or "mixed"
    # (the second vendor serves the customers of `second_vendor_regions`, the reference the rest).
    # The simulated world is the same whichever vendor writes it.
    crm: str = "salesforce"  # salesforce | servicenow | mixed | none
    telephony: str = "amazon_connect"  # amazon_connect | legacy_acd | mixed
    surveys: str = "qualtrics"  # qualtrics | flat_survey | mixed | none
    second_vendor_regions: tuple[str, ...] = ("de", "us_west")
    # Engineering knobs (do not change the content, only how it is produced).
    block_size: int = 2_000
    connect_file_max_records: int = 200_000
    flush_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        for feed, choice in (
            ("crm", self.crm),
            ("telephony", self.telephony),
            ("surveys", self.surveys),
        ):
            if choice not in VENDORS[feed]:
                raise ValueError(
                    f"{feed} must be one of {', '.join(VENDORS[feed])}, not {choice!r}"
                )

    def vendor_for(self, feed: str, region: str) -> str:
        """The vendor system that writes ``feed`` (crm, telephony, surveys) for a customer of
        ``region``."""
        choice = getattr(self, feed)
        if choice != "mixed":
            return str(choice)
        reference, second = VENDORS[feed][:2]
        return second if region in self.second_vendor_regions else reference

    def to_json_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["second_vendor_regions"] = list(self.second_vendor_regions)
        return data

    def digest(self) -> str:
        payload = {
            "generator_version": GENERATOR_VERSION,
            "config": self.to_json_dict(),
            "reference_seeds": {
                name: hashlib.sha256((SEEDS / name).read_bytes()).hexdigest()
                for name in REFERENCE_SEEDS
            },
        }
        raw = json.dumps(payload, sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()

    def with_(self, **changes: object) -> GeneratorConfig:
        return replace(self, **changes)  # type: ignore[arg-type]


SCALES: dict[str, GeneratorConfig] = {
    # A few seconds; spans the US (2026-03-08) and EU (2026-03-29) DST changes.
    # Its seed is chosen so that the small world exercises every branch the end-to-end tests check
    # (for example a late complaint response and exceptional circumstances under DISP 1.6.2AR).
    "ci": GeneratorConfig(seed=53, start=date(2026, 3, 1), days=60, customers=1_500),
    # Default of `make run`: about 195k contacts (~7 contacts per customer-year).
    "demo": GeneratorConfig(customers=28_000),
    # Smallest benchmark scale (`make bench`): about 100k contacts over 365 days.
    "100k": GeneratorConfig(customers=14_500),
    "1m": GeneratorConfig(customers=145_000),
    "10m": GeneratorConfig(customers=1_450_000),
}
