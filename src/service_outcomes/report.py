"""Read the headline customer outcomes back from the built warehouse.

The figures are computed from the marts' numerator and denominator columns, exactly as a BI tool
should compute them, so what this prints is what a dashboard on the marts would show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

HEADLINE_SQL = """
with episodes as (
    select
        sum(fcr_numerator) as fcr_numerator,
        sum(fcr_denominator) as fcr_denominator,
        sum(confirmed_resolution_count) as resolved_episodes,
        sum(confirmed_resolution_seconds) as resolution_seconds,
        median(resolution_seconds) filter (where confirmed_resolution_count = 1)
            as median_resolution_seconds,
        count(*) as episodes,
        max(as_of_at) as as_of_at,
        max(fcr_definition_version) as fcr_version,
        max(fcr_window_days) as fcr_window_days
    from marts_customer.fct_episode_outcomes
),
chains as (
    select
        sum(repeat_numerator) as repeat_numerator,
        sum(repeat_denominator) as repeat_denominator,
        count(*) as contact_chains,
        max(repeat_definition_version) as repeat_version
    from marts_customer.fct_contact_outcomes
)
select * from episodes cross join chains
"""

#: Metrics the loaded sources cannot support, with the reason (fct_metric_availability).
UNAVAILABLE_SQL = """
select metric_id, unavailable_reason
from marts_governance.fct_metric_availability
where not is_available
"""
AVAILABILITY_EXISTS_SQL = """
select count(*) from information_schema.tables
where table_schema = 'marts_governance' and table_name = 'fct_metric_availability'
"""


@dataclass(frozen=True)
class Headline:
    """The three canonical customer outcomes with their parts."""

    episodes: int
    contact_chains: int
    fcr_numerator: int
    fcr_denominator: int
    repeat_numerator: int
    repeat_denominator: int
    resolved_episodes: int
    resolution_seconds: int
    median_resolution_seconds: float | None
    as_of_at: str
    fcr_version: int
    fcr_window_days: int
    repeat_version: int
    #: Metric id -> "not available from these sources: ..." for metrics the sources cannot support.
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def first_contact_resolution(self) -> float | None:
        return _ratio(self.fcr_numerator, self.fcr_denominator)

    @property
    def repeat_contact_rate(self) -> float | None:
        return _ratio(self.repeat_numerator, self.repeat_denominator)

    @property
    def mean_resolution_seconds(self) -> float | None:
        return _ratio(self.resolution_seconds, self.resolved_episodes)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def read_headline(database: Path) -> Headline:
    """Compute the headline outcomes from the marts of a built warehouse file."""
    with duckdb.connect(str(database), read_only=True) as connection:
        cursor = connection.execute(HEADLINE_SQL)
        row = cursor.fetchone()
        names = [column[0] for column in cursor.description]
        unavailable: dict[str, str] = {}
        exists = connection.execute(AVAILABILITY_EXISTS_SQL).fetchone()
        if exists is not None and exists[0]:
            unavailable = {
                str(metric): str(reason)
                for metric, reason in connection.execute(UNAVAILABLE_SQL).fetchall()
            }
    if row is None:
        raise RuntimeError(f"{database}: the customer marts are empty; run `dbt build` first")
    values = dict(zip(names, row, strict=True))
    return Headline(
        episodes=int(values["episodes"] or 0),
        contact_chains=int(values["contact_chains"] or 0),
        fcr_numerator=int(values["fcr_numerator"] or 0),
        fcr_denominator=int(values["fcr_denominator"] or 0),
        repeat_numerator=int(values["repeat_numerator"] or 0),
        repeat_denominator=int(values["repeat_denominator"] or 0),
        resolved_episodes=int(values["resolved_episodes"] or 0),
        resolution_seconds=int(values["resolution_seconds"] or 0),
        median_resolution_seconds=values["median_resolution_seconds"],
        as_of_at=str(values["as_of_at"]),
        fcr_version=int(values["fcr_version"] or 0),
        fcr_window_days=int(values["fcr_window_days"] or 0),
        repeat_version=int(values["repeat_version"] or 0),
        unavailable=unavailable,
    )


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:6.1%}"


def _hours(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds / 3600:6.1f} h"


def format_headline(headline: Headline) -> str:
    """A short plain-text table of the three outcomes, with their parts and definition versions."""
    h = headline
    lines = {
        "first_contact_resolution": "  First contact resolution  "
        f"{_percent(h.first_contact_resolution)}"
        f"   {h.fcr_numerator:,} / {h.fcr_denominator:,} mature assisted episodes"
        f"   (v{h.fcr_version}, {h.fcr_window_days}-day window)",
        "repeat_contact_rate": f"  Repeat contact rate       {_percent(h.repeat_contact_rate)}"
        f"   {h.repeat_numerator:,} / {h.repeat_denominator:,} assisted chains"
        f"   (v{h.repeat_version})",
        "resolution_time": f"  Resolution time (mean)    {_hours(h.mean_resolution_seconds)}"
        f"   median {_hours(h.median_resolution_seconds).strip()}"
        f"   over {h.resolved_episodes:,} confirmed resolutions",
    }
    labels = {
        "first_contact_resolution": "First contact resolution",
        "repeat_contact_rate": "Repeat contact rate",
        "resolution_time": "Resolution time (mean)",
    }
    for metric, reason in h.unavailable.items():
        if metric in lines:  # never a zero: the reason the sources cannot give the figure
            lines[metric] = f"  {labels[metric]:<25} {reason}"
    return "\n".join(
        [
            f"Customer outcomes (data horizon {h.as_of_at} UTC; "
            f"{h.episodes:,} episodes, {h.contact_chains:,} contact chains)",
            *lines.values(),
        ]
    )
