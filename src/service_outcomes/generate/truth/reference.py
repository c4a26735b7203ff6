"""Reference data the truth reads from the dbt project's seeds (never from the exports).

The warehouse reads the same files, so both sides judge with the same numbers: the
organisation's rate card (``seeds/business/cost_rates.csv``) and the active rows of the metric
registry (``seeds/registry/metric_registry.csv``: thresholds and windows).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..config import SEEDS

#: The organisation's rate card (reference data in the dbt project, read by both sides).
COST_RATES = SEEDS / "business" / "cost_rates.csv"
#: The metric registry (windows and thresholds of the truth).
METRIC_REGISTRY = SEEDS / "registry" / "metric_registry.csv"
#: Registry rows whose ``threshold`` the driver truth uses.
DRIVER_THRESHOLDS = (
    "slow_desktop_rate",
    "service_level_voice",
    "service_level_chat",
    "service_level_short_abandon",
)


@dataclass(frozen=True, slots=True)
class CostRate:
    """One row of the rate card, in pence."""

    channel: str
    effective_from: date
    agent_minute: int
    acw_minute: int
    bot_session: int


def pence(text: str) -> int:
    """A decimal amount in pounds as whole pence (an error when it is not whole)."""
    value = Decimal(text) * 100
    if value != value.to_integral_value():
        raise ValueError(f"rate {text} is not a whole number of pence")
    return int(value)


def read_cost_rates(path: Path = COST_RATES) -> list[CostRate]:
    """The rate card, latest ``effective_from`` first."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [
            CostRate(
                channel=r["channel"],
                effective_from=date.fromisoformat(r["effective_from"]),
                agent_minute=pence(r["cost_per_agent_minute"]),
                acw_minute=pence(r["cost_per_after_contact_work_minute"]),
                bot_session=pence(r["cost_per_bot_session"]),
            )
            for r in csv.DictReader(fh)
        ]
    return sorted(rows, key=lambda r: r.effective_from, reverse=True)


def _active_values(metric_id: str, column: str, path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [
            r[column]
            for r in csv.DictReader(fh)
            if r["status"] == "active" and r["metric_id"] == metric_id
        ]


def read_threshold(metric_id: str, path: Path = METRIC_REGISTRY) -> Decimal:
    """``threshold`` of the active registry row of ``metric_id``."""
    found = _active_values(metric_id, "threshold", path)
    if len(found) != 1 or not found[0]:
        raise ValueError(f"registry needs one active row with a threshold for {metric_id}")
    return Decimal(found[0])


def read_thresholds(path: Path = METRIC_REGISTRY) -> dict[str, Decimal]:
    """Metric id -> threshold of its active registry row, for :data:`DRIVER_THRESHOLDS`."""
    return {metric_id: read_threshold(metric_id, path) for metric_id in DRIVER_THRESHOLDS}


def read_window_days(metric_id: str, path: Path = METRIC_REGISTRY) -> int:
    """``window_days`` of the active registry row of ``metric_id``."""
    found = _active_values(metric_id, "window_days", path)
    if len(found) != 1 or not found[0]:
        raise ValueError(f"registry needs one active row with window_days for {metric_id}")
    return int(found[0])


@dataclass(frozen=True, slots=True)
class OutcomeWindows:
    """The windows of the core customer outcomes, in days, from the registry's active rows."""

    fcr: int
    repeat: int
    containment: int
    confirmation: int


def read_outcome_windows(path: Path = METRIC_REGISTRY) -> OutcomeWindows:
    """The active windows of first contact resolution, repeat contact, containment and the
    resolution-time confirmation: the same rows the warehouse reads."""
    return OutcomeWindows(
        fcr=read_window_days("first_contact_resolution", path),
        repeat=read_window_days("repeat_contact_rate", path),
        containment=read_window_days("digital_containment", path),
        confirmation=read_window_days("resolution_time", path),
    )
