"""Case-closure gaming of the truth (``gaming`` block), from the simulation's own case records.

Non-test customers' cases. A *resolving closure by a team* is a change of the case's status to
``Closed`` with a resolving code (:data:`.complaints.RESOLVING_CODES`) made by one of the
roster's agents; its team is the agent's (``world.Agent.team``). Closures by the back office and
the automation user belong to no team. Per team and calendar quarter of the closure (UTC,
``YYYY-Qn``):

* ``premature_closures``: the simulation's own record of closing a case as resolved while the
  need was not solved (``Case.premature_closures``), among closures whose window has elapsed;
* ``closures_judged``: resolving closures at least ``window_days`` (registry
  ``premature_closure_rate``) before the as-of moment;
* ``reopened_within_window``: of those, closures the customer had reopened within the window;
* ``before_deadline`` / ``after_deadline``: resolving closures in the ``sla_boundary_window``
  hours before / from the case closure SLA deadline (creation + ``case_closure_sla`` hours).

``gaming_team`` names the one team that games the SLA (``world.GAMING_TEAM``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..clock import DAY, HOUR, Clock
from ..model import Case
from ..world import GAMING_TEAM, ROSTER
from .complaints import RESOLVING_CODES
from .counts import add_counts


def quarter_label(at: int) -> str:
    moment = datetime.fromtimestamp(at, UTC)
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


class GamingTally:
    """Counts resolving closures by team and quarter (see the module docstring)."""

    def __init__(self, clock: Clock, window_days: int, sla_hours: float, boundary_hours: float):
        self.as_of = clock.end
        self.window = window_days * DAY
        self.sla = int(sla_hours * HOUR)
        self.boundary = int(boundary_hours * HOUR)
        self.window_days = window_days
        self.sla_hours = sla_hours
        self.boundary_hours = boundary_hours
        self._teams = {agent.user_id: agent.team for agents in ROSTER.values() for agent in agents}
        #: "team|quarter" -> counts.
        self._rows: dict[str, dict[str, int]] = {}

    def take(self) -> dict[str, dict[str, int]]:
        """The counts so far (for :func:`.counts.add_counts`); the tally starts again empty."""
        counts = self._rows
        self._rows = {}
        return counts

    def merge(self, counts: dict[str, dict[str, int]]) -> None:
        add_counts(self._rows, counts)

    def _row(self, team: str, at: int) -> dict[str, int]:
        return self._rows.setdefault(
            f"{team}|{quarter_label(at)}",
            dict.fromkeys(
                (
                    "closures_judged",
                    "reopened_within_window",
                    "premature_closures",
                    "before_deadline",
                    "after_deadline",
                ),
                0,
            ),
        )

    def add_cases(self, cases: list[Case]) -> None:
        for case in cases:
            if case.customer.is_test:
                continue
            resolution_at = {at: state[1] for at, state in case.states}
            reopens = [
                at
                for _, at, name, _, new, _ in case.history
                if name == "Status" and new == "Reopened"
            ]
            premature = {at for at, _, _ in case.premature_closures}
            deadline = case.created + self.sla
            for _, at, name, _, new, by in case.history:
                team = self._teams.get(by)
                if name != "Status" or new != "Closed" or team is None:
                    continue
                if resolution_at.get(at) not in RESOLVING_CODES:
                    continue
                row = self._row(team, at)
                if deadline - self.boundary <= at < deadline:
                    row["before_deadline"] += 1
                elif deadline <= at < deadline + self.boundary:
                    row["after_deadline"] += 1
                if at + self.window > self.as_of:
                    continue
                row["closures_judged"] += 1
                row["reopened_within_window"] += any(at < r <= at + self.window for r in reopens)
                row["premature_closures"] += at in premature

    def headline(self) -> dict[str, Any]:
        return {
            "gaming": {
                "gaming_team": GAMING_TEAM,
                "window_days": self.window_days,
                "sla_hours": self.sla_hours,
                "boundary_hours": self.boundary_hours,
                "by_team_quarter": dict(sorted(self._rows.items())),
            }
        }
