"""``TruthWriter``: feeds the simulation's needs, cases and customers to each lens's tally."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..clock import Clock
from ..experiments import registered_experiments
from ..model import Case, NeedTruth
from ..world import Customer
from .business import BusinessTally
from .complaints import ComplaintTally
from .consent import ConsentTally
from .core import CoreTally
from .drivers import DriverTally
from .experiments import ExperimentTally
from .gaming import GamingTally
from .groups import GroupTally
from .reference import (
    COST_RATES,
    METRIC_REGISTRY,
    read_cost_rates,
    read_outcome_windows,
    read_threshold,
    read_thresholds,
    read_window_days,
)
from .surveys import SurveyTally

TRUTH_FILES = ("episodes.csv.gz", "assisted_chains.csv.gz", "headline.json", "experiments.json")


class TruthWriter:
    """Writes ``episodes.csv.gz`` and ``assisted_chains.csv.gz`` as needs come in, and
    ``headline.json`` (every lens) on :meth:`close`."""

    def __init__(
        self,
        root: Path,
        clock: Clock,
        *,
        cost_rates: Path = COST_RATES,
        registry: Path = METRIC_REGISTRY,
    ) -> None:
        self.root = root
        self.clock = clock
        root.mkdir(parents=True, exist_ok=True)
        windows = read_outcome_windows(registry)
        self._core = CoreTally(root, clock, windows)
        self._surveys = SurveyTally()
        self._consent = ConsentTally()
        self._business = BusinessTally(
            clock,
            windows.confirmation,
            read_cost_rates(cost_rates),
            read_window_days("churn_after_episode", registry),
        )
        self._drivers = DriverTally(read_thresholds(registry))
        self._complaints = ComplaintTally(clock, registry)
        self._groups = GroupTally(clock)
        self._experiments = ExperimentTally(clock, windows.fcr, registered_experiments())
        self._gaming = GamingTally(
            clock,
            read_window_days("premature_closure_rate", registry),
            float(read_threshold("case_closure_sla", registry)),
            float(read_threshold("sla_boundary_window", registry)),
        )

    @property
    def needs(self) -> int:
        return self._core.needs

    @property
    def chains(self) -> int:
        return self._core.chains

    @property
    def contacts(self) -> int:
        return self._core.contacts

    def add(self, needs: list[NeedTruth]) -> None:
        """Write the needs' rows and count the needs of non-test customers in every lens."""
        for parts in self._core.add(needs):
            n = parts.need
            for survey in n.surveys:
                self._surveys.add(survey)
                self._consent.add_survey(survey)
            self._business.add(n)
            self._drivers.add(n)
            self._groups.add(parts)
            self._experiments.add(parts)

    def add_cases(self, cases: list[Case]) -> None:
        self._complaints.add_cases(cases)
        self._gaming.add_cases(cases)

    def add_customers(self, customers: list[Customer]) -> None:
        self._consent.add_customers(customers)

    def headline(self) -> dict[str, Any]:
        """Every lens's headline, in the order of ``headline.json``."""
        return {
            **self._core.headline(),
            **self._surveys.headline(),
            **self._business.headline(),
            **self._drivers.headline(),
            **self._complaints.headline(),
            **self._consent.headline(),
            **self._groups.headline(),
            **self._gaming.headline(),
        }

    def close(self) -> dict[str, Any]:
        self._core.close()
        head = self.headline()
        (self.root / "headline.json").write_text(json.dumps(head, indent=2) + "\n")
        experiments = self._experiments.headline()
        (self.root / "experiments.json").write_text(json.dumps(experiments, indent=2) + "\n")
        return head
