"""The experiments' true effects: ``experiments.json``.

For every registered experiment on a driver the simulation changes
(:data:`~..experiments.SIMULATED_DRIVERS`), the needs of non-test customers that fall in it: a
need belongs to the experiment's unit of its region and intent, and to its analysis window by the
start of its first assisted chain (``pre`` before the start date, ``post`` from it to the end
date); only needs mature for first contact resolution count (the registry window has elapsed by
the period end), the population the warehouse's estimate is over.

Each post-period need that was replayed with its assignment reversed
(``simulate.BlockSimulator._need_observed``) has both potential outcomes, first contact resolved
or not: as simulated in its own arm, and as replayed in the other. The true effect is the mean
difference over the needs the estimand covers:

* randomised designs: intent to treat, over every post-period need of every unit,
  ``mean(Y(treated) - Y(control))``;
* non-randomised designs (difference-in-differences): the effect on the treated, over the
  post-period needs of the treated units, ``mean(Y(treated) - Y(untreated))``.

Per unit and period the file also gives the observed numerator and denominator, and for the
post period the sums of both potential outcomes, so a test can recompute the estimand over the
units an estimate actually used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..clock import Clock
from ..experiments import SIMULATED_DRIVERS, Experiment
from ..model import NeedTruth
from .core import NeedParts, fcr_parts


@dataclass(slots=True)
class _Cell:
    numerator: int = 0
    denominator: int = 0
    #: Post period: sums of the potential outcomes over the needs that have both.
    treated_outcomes: int = 0
    control_outcomes: int = 0
    with_both_outcomes: int = 0
    #: Needs the estimand covers that were not replayed (none in a simulated world; needs built
    #: by hand in a test have no replay).
    without_replay: int = 0

    def add(self, other: _Cell) -> None:
        self.numerator += other.numerator
        self.denominator += other.denominator
        self.treated_outcomes += other.treated_outcomes
        self.control_outcomes += other.control_outcomes
        self.with_both_outcomes += other.with_both_outcomes
        self.without_replay += other.without_replay

    def as_dict(self, post: bool) -> dict[str, int]:
        out = {"numerator": self.numerator, "denominator": self.denominator}
        if post:
            out |= {
                "needs_with_both_outcomes": self.with_both_outcomes,
                "treated_outcome_sum": self.treated_outcomes,
                "control_outcome_sum": self.control_outcomes,
                "needs_without_replay": self.without_replay,
            }
        return out


@dataclass(slots=True)
class _ExperimentTruth:
    experiment: Experiment
    assignment: dict[str, bool]
    cells: dict[tuple[str, str], _Cell] = field(default_factory=dict)


class ExperimentTally:
    """Counts each experiment's needs and their potential outcomes (module docstring)."""

    def __init__(self, clock: Clock, fcr_window_days: int, experiments: tuple[Experiment, ...]):
        self.as_of = clock.end
        self.window = fcr_window_days * 86_400
        self._truths = [
            _ExperimentTruth(e, e.assignment())
            for e in experiments
            if e.driver_metric_id in SIMULATED_DRIVERS
            and e.outcome_metric_id == "first_contact_resolution"
        ]

    def take(self) -> list[dict[tuple[str, str], _Cell]]:
        """The counts so far (for :func:`.counts.add_counts`); the tally starts again empty."""
        counts = [truth.cells for truth in self._truths]
        for truth in self._truths:
            truth.cells = {}
        return counts

    def merge(self, counts: list[dict[tuple[str, str], _Cell]]) -> None:
        for truth, cells in zip(self._truths, counts, strict=True):
            for key, cell in cells.items():
                truth.cells.setdefault(key, _Cell()).add(cell)

    def add(self, parts: NeedParts) -> None:
        n = parts.need
        if not parts.fcr_denominator:
            return
        first_assisted = n.chains[0].started
        for truth in self._truths:
            e = truth.experiment
            if not e.window_start <= first_assisted < e.window_end:
                continue
            unit = e.unit_of(n.customer.region, n.intent)
            if unit is None:
                continue
            post = first_assisted >= e.start
            cell = truth.cells.setdefault((unit, "post" if post else "pre"), _Cell())
            cell.denominator += 1
            cell.numerator += parts.fcr_numerator
            if post:
                self._potential_outcomes(truth, unit, n, parts.fcr_numerator, cell)

    def _potential_outcomes(
        self, truth: _ExperimentTruth, unit: str, n: NeedTruth, observed: bool, cell: _Cell
    ) -> None:
        e = truth.experiment
        treated = truth.assignment[unit]
        replayed = n.counterfactuals.get(e.experiment_id)
        if replayed is None:
            if e.assignment_rule != "policy_decision" or treated:
                cell.without_replay += 1  # (the effect on the treated needs no untreated replay)
            return
        other, other_den = fcr_parts(replayed, self.window, self.as_of)
        if not other_den or replayed.chains[0].started != n.chains[0].started:
            raise RuntimeError(f"{n.need_id}: the replay changed the first assisted chain")
        cell.with_both_outcomes += 1
        cell.treated_outcomes += observed if treated else other
        cell.control_outcomes += other if treated else observed

    def headline(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for truth in self._truths:
            e = truth.experiment
            randomised = e.assignment_rule != "policy_decision"
            covered = [
                cell
                for (unit, period), cell in truth.cells.items()
                if period == "post" and (randomised or truth.assignment[unit])
            ]
            needs = sum(c.with_both_outcomes for c in covered)
            effect = sum(c.treated_outcomes - c.control_outcomes for c in covered)
            out[e.experiment_id] = {
                "design": e.design,
                "outcome_metric_id": e.outcome_metric_id,
                "estimand": (
                    "intent to treat: mean difference in first contact resolution over every "
                    "post-period need of every unit"
                    if randomised
                    else "effect on the treated: mean difference in first contact resolution "
                    "over the post-period needs of the treated units"
                ),
                "true_effect": effect / needs if needs else None,
                "needs": needs,
                "units": {
                    unit: {
                        "treated": truth.assignment[unit],
                        **{
                            period: truth.cells[(unit, period)].as_dict(period == "post")
                            for period in ("pre", "post")
                            if (unit, period) in truth.cells
                        },
                    }
                    for unit in sorted(truth.assignment)
                },
            }
        return out
