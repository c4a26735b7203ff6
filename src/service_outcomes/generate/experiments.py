"""Experiments as data: the register in ``seeds/experiments/`` and the rule that assigns units.

The warehouse and the simulation read the same two seeds: ``experiments.csv`` (one row per
experiment: design, driver, outcome, assignment rule and salt, periods, confidence level) and
``experiment_units.csv`` (the units each experiment was run on). The assignment rule is written
once for each side and the two are tested equal: the dbt macro ``experiment_unit_hash`` and
:func:`unit_hash` here.

* ``hash_rank_within_stratum`` (randomised designs): every unit gets the MD5 hex digest of
  ``<salt>:<unit_id>``; within each stratum the units are ordered by that digest and the first
  ``floor(units x treated_share)`` are treated. The salt is fixed before the experiment starts, so
  the assignment is random with respect to the units' outcomes yet anyone can recompute it.
* ``policy_decision`` (non-randomised designs such as difference-in-differences): management
  chose the units; ``experiment_units.policy_treated`` records the choice.

A need belongs to the unit whose ``region`` (site) matches its customer's region and whose
``intent`` (queue) matches its intent; a unit with no intent covers every intent of its site.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from .config import SEEDS

EXPERIMENTS = SEEDS / "experiments" / "experiments.csv"
EXPERIMENT_UNITS = SEEDS / "experiments" / "experiment_units.csv"
DAY_SECONDS = 86_400


def unit_hash(salt: str, unit_id: str) -> str:
    """The assignment digest of a unit: MD5 of ``<salt>:<unit_id>`` as 32 lower-case hex digits
    (the dbt macro ``experiment_unit_hash`` computes the same)."""
    return hashlib.md5(f"{salt}:{unit_id}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Unit:
    unit_id: str
    stratum: str
    intent: str
    region: str
    policy_treated: bool | None


@dataclass(frozen=True, slots=True)
class Experiment:
    experiment_id: str
    design: str
    driver_metric_id: str
    outcome_metric_id: str
    assignment_rule: str
    assignment_salt: str
    treated_share: float | None
    pre_period_start: date
    start_date: date
    end_date: date
    units: tuple[Unit, ...]

    @property
    def window_start(self) -> int:
        """Epoch seconds of the pre-period's first moment (UTC midnight)."""
        return _epoch(self.pre_period_start)

    @property
    def start(self) -> int:
        """Epoch seconds from which the change is live in treated units (UTC midnight)."""
        return _epoch(self.start_date)

    @property
    def window_end(self) -> int:
        """Epoch seconds just after the analysis window (the day after ``end_date``)."""
        return _epoch(self.end_date) + DAY_SECONDS

    def assignment(self) -> dict[str, bool]:
        """Unit id -> treated, by the experiment's assignment rule."""
        if self.assignment_rule == "policy_decision":
            return {u.unit_id: bool(u.policy_treated) for u in self.units}
        if self.assignment_rule != "hash_rank_within_stratum":
            raise ValueError(f"{self.experiment_id}: unknown rule {self.assignment_rule!r}")
        if self.treated_share is None:
            raise ValueError(f"{self.experiment_id}: a hash rule needs treated_share")
        out: dict[str, bool] = {}
        strata: dict[str, list[Unit]] = {}
        for unit in self.units:
            strata.setdefault(unit.stratum, []).append(unit)
        for members in strata.values():
            treated = math.floor(len(members) * self.treated_share)
            ranked = sorted(members, key=lambda u: unit_hash(self.assignment_salt, u.unit_id))
            for rank, unit in enumerate(ranked, start=1):
                out[unit.unit_id] = rank <= treated
        return out

    def unit_of(self, region: str, intent: str) -> str | None:
        """The unit a need of this region and intent belongs to (None: not in the experiment)."""
        for unit in self.units:
            if unit.region == region and unit.intent in ("", intent):
                return unit.unit_id
        return None


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _optional_bool(text: str) -> bool | None:
    value = text.strip().lower()
    return None if not value else value == "true"


def read_experiments(
    experiments: Path = EXPERIMENTS, units: Path = EXPERIMENT_UNITS
) -> tuple[Experiment, ...]:
    """Every registered experiment with its units, in the order of the register."""
    with open(units, newline="", encoding="utf-8") as fh:
        unit_rows = list(csv.DictReader(fh))
    with open(experiments, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        Experiment(
            experiment_id=r["experiment_id"],
            design=r["design"],
            driver_metric_id=r["driver_metric_id"],
            outcome_metric_id=r["outcome_metric_id"],
            assignment_rule=r["assignment_rule"],
            assignment_salt=r["assignment_salt"],
            treated_share=float(r["treated_share"]) if r["treated_share"] else None,
            pre_period_start=date.fromisoformat(r["pre_period_start"]),
            start_date=date.fromisoformat(r["start_date"]),
            end_date=date.fromisoformat(r["end_date"]),
            units=tuple(
                Unit(
                    unit_id=u["unit_id"],
                    stratum=u["stratum"],
                    intent=u["intent"],
                    region=u["region"],
                    policy_treated=_optional_bool(u["policy_treated"]),
                )
                for u in unit_rows
                if u["experiment_id"] == r["experiment_id"]
            ),
        )
        for r in rows
    )


# ---- the changes the simulation makes -----------------------------------------------------------

#: Under the one-time passcode policy, this share of the customers who would have failed the
#: IVR / chat security check still fail (the rest verify with the passcode and pass).
OTP_FAIL_FACTOR = 0.25
#: A need arriving this long before an experiment starts can still have its first assisted
#: contact inside the experiment (bot tries, queue abandons, opening hours): it is replayed.
REPLAY_LOOKBACK_SECONDS = 21 * DAY_SECONDS
#: Drivers the simulation knows how to change; an experiment on another driver has no effect.
SIMULATED_DRIVERS = ("knowledge_accuracy", "authentication_pass_rate")


@dataclass(frozen=True, slots=True)
class _Change:
    experiment: Experiment
    treated: frozenset[str]


class SimulatedChanges:
    """What the registered experiments change in the simulated organisation, and when.

    * ``knowledge_accuracy`` (the knowledge article fix): from the start, the inaccurate knowledge
      articles of a treated unit's queue are corrected at its site, so an agent leg there that
      uses one uses an accurate article.
    * ``authentication_pass_rate`` (the one-time passcode policy): from the start, a first leg in
      a treated site fails the security check only :data:`OTP_FAIL_FACTOR` as often.

    Both stay in place after the analysis window closes. ``flipped`` names the one experiment
    whose assignment is reversed while the simulation replays a need for its counterfactual
    outcome (the other experiments stay as assigned).
    """

    def __init__(self, experiments: tuple[Experiment, ...]) -> None:
        self.changes: dict[str, _Change] = {}
        for e in experiments:
            if e.driver_metric_id in SIMULATED_DRIVERS:
                treated = frozenset(u for u, t in e.assignment().items() if t)
                self.changes[e.driver_metric_id] = _Change(e, treated)
        self.flipped: str | None = None

    def _live(self, driver: str, region: str, intent: str, at: int) -> bool:
        change = self.changes.get(driver)
        if change is None or at < change.experiment.start:
            return False
        unit = change.experiment.unit_of(region, intent)
        if unit is None:
            return False
        treated = unit in change.treated
        return treated != (self.flipped == change.experiment.experiment_id)

    def article_fixed(self, region: str, intent: str, at: int) -> bool:
        """Whether the inaccurate articles of this queue are corrected at this site at ``at``."""
        return self._live("knowledge_accuracy", region, intent, at)

    def auth_fail_factor(self, region: str, intent: str, at: int) -> float:
        """Multiplier of the chance that a first leg fails the security check at ``at``."""
        return (
            OTP_FAIL_FACTOR if self._live("authentication_pass_rate", region, intent, at) else 1.0
        )

    def replays(self, region: str, intent: str, earliest: int) -> list[str]:
        """Experiments for which a need arriving at ``earliest`` is replayed with its assignment
        reversed: any unit of a randomised experiment (both potential outcomes are needed), only
        treated units of a non-randomised one (the effect on the treated)."""
        out = []
        for change in self.changes.values():
            e = change.experiment
            if not e.start - REPLAY_LOOKBACK_SECONDS <= earliest < e.window_end:
                continue
            unit = e.unit_of(region, intent)
            if unit is None:
                continue
            if e.assignment_rule == "policy_decision" and unit not in change.treated:
                continue
            out.append(e.experiment_id)
        return out


@functools.cache
def registered_experiments() -> tuple[Experiment, ...]:
    """The register in ``seeds/experiments/``, read once per process."""
    return read_experiments()
