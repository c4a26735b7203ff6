"""``TruthTally`` counts every lens; ``TruthWriter`` adds the blocks' tallies up and writes files.

The simulation runs block by block, possibly in several processes. Each process keeps one
:class:`TruthTally`, feeds it one block's needs, cases and customers, and hands over what the
block added up to (:meth:`TruthTally.take`: plain counters and the block's rows of the per-need
files). The parent's :class:`TruthWriter` absorbs those in block order
(:meth:`TruthWriter.absorb`): it appends the rows to ``episodes.csv.gz`` and
``assisted_chains.csv.gz`` and adds the counters into its own tally, which writes
``headline.json`` and ``experiments.json`` on :meth:`TruthWriter.close`. Nothing is kept per
customer beyond one block, so the truth's memory does not grow with the number of customers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..clock import Clock
from ..experiments import registered_experiments
from ..model import Case, NeedTruth
from ..world import Customer
from .business import BusinessTally
from .complaints import ComplaintTally
from .consent import ConsentTally
from .core import CHAIN_COLUMNS, EPISODE_COLUMNS, CoreCounts, CoreTally
from .drivers import DriverTally
from .experiments import ExperimentTally
from .files import close_gz, open_gz
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


@dataclass(slots=True)
class TruthCounts:
    """What one batch of needs, cases and customers (one block) added up to, lens by lens:
    small, picklable, and added into the run's tally with :meth:`TruthTally.merge`."""

    core: CoreCounts
    surveys: Any
    consent: Any
    business: Any
    drivers: Any
    complaints: Any
    groups: Any
    experiments: Any
    gaming: Any


class TruthTally:
    """Every lens's tally of the needs, cases and customers added, with no files."""

    def __init__(
        self,
        clock: Clock,
        *,
        cost_rates: Path = COST_RATES,
        registry: Path = METRIC_REGISTRY,
        spill_dir: Path | None = None,
    ) -> None:
        windows = read_outcome_windows(registry)
        self.core = CoreTally(clock, windows, spill_dir)
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

    def add(self, needs: list[NeedTruth]) -> None:
        """Make the needs' rows and count the needs of non-test customers in every lens.

        Until :meth:`take`, the needs are one batch: a customer counted as served (or at risk)
        in the batch is not counted again in it. A batch must therefore hold every need of its
        customers, as one block of the simulation does.
        """
        for parts in self.core.add(needs):
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

    def take(self) -> TruthCounts:
        """What the batch added up to; the tally starts again empty (its rules are kept)."""
        return TruthCounts(
            core=self.core.take(),
            surveys=self._surveys.take(),
            consent=self._consent.take(),
            business=self._business.take(),
            drivers=self._drivers.take(),
            complaints=self._complaints.take(),
            groups=self._groups.take(),
            experiments=self._experiments.take(),
            gaming=self._gaming.take(),
        )

    def merge(self, counts: TruthCounts) -> None:
        """Add a batch's counts (the counts are adopted: do not use them afterwards)."""
        self.core.merge(counts.core)
        self._surveys.merge(counts.surveys)
        self._consent.merge(counts.consent)
        self._business.merge(counts.business)
        self._drivers.merge(counts.drivers)
        self._complaints.merge(counts.complaints)
        self._groups.merge(counts.groups)
        self._experiments.merge(counts.experiments)
        self._gaming.merge(counts.gaming)

    def headline(self) -> dict[str, Any]:
        """Every lens's headline, in the order of ``headline.json``."""
        return {
            **self.core.headline(),
            **self._surveys.headline(),
            **self._business.headline(),
            **self._drivers.headline(),
            **self._complaints.headline(),
            **self._consent.headline(),
            **self._groups.headline(),
            **self._gaming.headline(),
        }

    def experiments(self) -> dict[str, Any]:
        """The content of ``experiments.json``."""
        return self._experiments.headline()

    def close(self) -> None:
        self.core.close()


class TruthWriter:
    """Writes ``episodes.csv.gz`` and ``assisted_chains.csv.gz`` as blocks come in, and
    ``headline.json`` and ``experiments.json`` (every lens) on :meth:`close`."""

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
        self._cost_rates = cost_rates
        self._registry = registry
        root.mkdir(parents=True, exist_ok=True)
        self._total = TruthTally(clock, cost_rates=cost_rates, registry=registry, spill_dir=root)
        self._batch: TruthTally | None = None
        #: Customers of earlier :meth:`add` calls all have a lower index than this.
        self._done_below = 0
        self._episodes = open_gz(root / "episodes.csv.gz")
        self._chains = open_gz(root / "assisted_chains.csv.gz")
        self._episodes.write((",".join(EPISODE_COLUMNS) + "\n").encode())
        self._chains.write((",".join(CHAIN_COLUMNS) + "\n").encode())

    @property
    def needs(self) -> int:
        return self._total.core.needs

    @property
    def chains(self) -> int:
        return self._total.core.chains

    @property
    def contacts(self) -> int:
        return self._total.core.contacts

    def absorb(self, counts: TruthCounts) -> None:
        """Append one block's rows to the per-need files and add its counts (blocks in order)."""
        if counts.core.episode_rows:
            self._episodes.write(counts.core.episode_rows)
        if counts.core.chain_rows:
            self._chains.write(counts.core.chain_rows)
        self._total.merge(counts)

    def _tally(self) -> TruthTally:
        if self._batch is None:
            self._batch = TruthTally(
                self.clock, cost_rates=self._cost_rates, registry=self._registry
            )
        return self._batch

    def add(self, needs: list[NeedTruth]) -> None:
        """Write the needs' rows and count the needs of non-test customers in every lens.

        One call is one batch (:meth:`TruthTally.add`): it must hold every need of its
        customers, who come after the customers of earlier calls in index order.
        """
        indexes = [n.customer.index for n in needs]
        if indexes and min(indexes) < self._done_below:
            raise ValueError(
                "every need of a customer must come in one call, customers in index order"
            )
        self._done_below = max([self._done_below, *(i + 1 for i in indexes)])
        tally = self._tally()
        tally.add(needs)
        self.absorb(tally.take())

    def add_cases(self, cases: list[Case]) -> None:
        tally = self._tally()
        tally.add_cases(cases)
        self.absorb(tally.take())

    def add_customers(self, customers: list[Customer]) -> None:
        tally = self._tally()
        tally.add_customers(customers)
        self.absorb(tally.take())

    def headline(self) -> dict[str, Any]:
        """Every lens's headline, in the order of ``headline.json``."""
        return self._total.headline()

    def close(self) -> dict[str, Any]:
        close_gz(self._episodes)
        close_gz(self._chains)
        self._total.close()
        head = self.headline()
        (self.root / "headline.json").write_text(json.dumps(head, indent=2) + "\n")
        experiments = self._total.experiments()
        (self.root / "experiments.json").write_text(json.dumps(experiments, indent=2) + "\n")
        return head
