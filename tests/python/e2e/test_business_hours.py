"""Business-hours resolution time equals an independent oracle on the CI data set.

The oracle reads the two reference seeds (region opening hours and public holidays) directly and
converts each open local day to UTC with Python's zoneinfo, then measures every solved need of the
ground truth from its own first contact to its own solution. It shares no SQL with the warehouse:
a daylight-saving slip, a holiday missed, a weekend counted or a local date taken for the UTC date
moves these figures.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from .warehouse import PROJECT_ROOT, BuiltWarehouse

pytestmark = pytest.mark.e2e

REFERENCE = PROJECT_ROOT / "seeds" / "reference"


@dataclass(frozen=True)
class RegionCalendar:
    """One region's opening hours by ISO weekday, its time zone and its closed dates."""

    zone: ZoneInfo
    hours: dict[int, tuple[time, time]]
    holidays: frozenset[date]


def _read_calendars(folder: Path) -> dict[str, RegionCalendar]:
    with (folder / "region_calendars.csv").open(newline="") as handle:
        hour_rows = list(csv.DictReader(handle))
    with (folder / "public_holidays.csv").open(newline="") as handle:
        holiday_rows = list(csv.DictReader(handle))
    calendars = {}
    for region in {row["region"] for row in hour_rows}:
        rows = [row for row in hour_rows if row["region"] == region]
        calendars[region] = RegionCalendar(
            zone=ZoneInfo(rows[0]["time_zone"]),
            hours={
                int(row["weekday"]): (
                    time.fromisoformat(row["opens_at"]),
                    time.fromisoformat(row["closes_at"]),
                )
                for row in rows
            },
            holidays=frozenset(
                date.fromisoformat(row["holiday_date"])
                for row in holiday_rows
                if row["region"] == region
            ),
        )
    return calendars


def business_seconds(calendar: RegionCalendar, start: datetime, end: datetime) -> int:
    """Open seconds of the region's contact centre between two aware instants."""
    total = timedelta()
    day = start.astimezone(calendar.zone).date()
    last_day = end.astimezone(calendar.zone).date()
    while day <= last_day:
        hours = calendar.hours.get(day.isoweekday())
        if hours is not None and day not in calendar.holidays:
            opens = datetime.combine(day, hours[0], tzinfo=calendar.zone).astimezone(UTC)
            closes = datetime.combine(day, hours[1], tzinfo=calendar.zone).astimezone(UTC)
            overlap = min(closes, end) - max(opens, start)
            if overlap > timedelta():
                total += overlap
        day += timedelta(days=1)
    return int(total.total_seconds())


def test_oracle_handles_daylight_saving_and_holidays() -> None:
    """The oracle itself, on hand-checked cases: it must be right before it judges the warehouse."""
    calendars = _read_calendars(REFERENCE)

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    # Friday 27 March 2026 18:00 UTC (18:00 GMT) to Monday 30 March 09:00 UTC (10:00 BST):
    # 2 h on Friday, and Monday opens at 07:00 UTC after the spring-forward, so 2 h more.
    assert (
        business_seconds(calendars["uk"], at("2026-03-27 18:00"), at("2026-03-30 09:00"))
        == 4 * 3600
    )
    # Good Friday and Easter Monday 2026 are closed in England: one hour on Thursday 2 April
    # (19:00-20:00 BST), then nothing until Tuesday 7 April, one hour (08:00-09:00 BST).
    assert (
        business_seconds(calendars["uk"], at("2026-04-02 18:00"), at("2026-04-07 08:00"))
        == 2 * 3600
    )
    # A weekend: nothing.
    assert business_seconds(calendars["de"], at("2026-03-07 09:00"), at("2026-03-08 18:00")) == 0
    # Los Angeles: Wednesday 01:00 UTC is still Tuesday 17 March, 18:00 PDT; it closes at 20:00
    # PDT (03:00 UTC), so two hours of Tuesday count and the UTC Wednesday none.
    assert (
        business_seconds(calendars["us_west"], at("2026-03-18 01:00"), at("2026-03-18 03:30"))
        == 2 * 3600
    )


def _truth_solved(truth_folder: Path) -> pd.DataFrame:
    episodes = pd.read_csv(truth_folder / "episodes.csv.gz", dtype=str, keep_default_na=False)
    episodes = episodes[
        (episodes["is_internal_test"].str.lower() != "true")
        & (episodes["is_solved"].str.lower() == "true")
    ]
    return episodes.assign(
        first_contact_at=pd.to_datetime(episodes["first_contact_at"], utc=True),
        solved_at=pd.to_datetime(episodes["solved_at"], utc=True),
    )


def _warehouse_resolved(database: Path) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as connection:
        built = connection.sql(
            """
            select customer_id, intent, first_contact_at, business_resolution_seconds,
                   confirmed_business_resolution_seconds, confirmed_resolution_count
            from marts_customer.fct_episode_outcomes
            where is_resolved
            """
        ).df()
    return built.assign(
        first_contact_at=pd.to_datetime(built["first_contact_at"]).dt.tz_localize("UTC")
    )


def test_business_resolution_seconds_equal_the_oracle(built_warehouse: BuiltWarehouse) -> None:
    calendars = _read_calendars(REFERENCE)
    headline = json.loads((built_warehouse.truth / "headline.json").read_text())
    as_of = datetime.fromisoformat(headline["as_of"].replace("Z", "+00:00"))
    confirmed_before = as_of - timedelta(days=headline["resolution_confirmation_days"])

    truth = _truth_solved(built_warehouse.truth)
    # A need solved after the data horizon is not visible to the warehouse yet.
    truth = truth[truth["solved_at"] < as_of]
    truth = truth.assign(
        oracle_seconds=[
            business_seconds(calendars[region], start.to_pydatetime(), end.to_pydatetime())
            for region, start, end in zip(
                truth["region"], truth["first_contact_at"], truth["solved_at"], strict=True
            )
        ]
    )
    built = _warehouse_resolved(built_warehouse.database)

    key = ["customer_id", "intent", "first_contact_at"]
    merged = truth.merge(built, on=key, how="left", indicator=True)
    missing = merged[merged["_merge"] != "both"]
    assert missing.empty, (
        f"solved needs the warehouse does not see resolved:\n{missing[key].head(20)}"
    )
    assert len(merged) > 500, "the CI world must give business hours enough solved needs"

    differs = merged[merged["business_resolution_seconds"] != merged["oracle_seconds"]]
    shown = [*key, "region", "solved_at", "oracle_seconds", "business_resolution_seconds"]
    assert differs.empty, f"business seconds differ from the oracle:\n{differs[shown].head(20)}"

    # The oracle and the mart must not agree only because everything is zero.
    assert (merged["oracle_seconds"] > 0).mean() > 0.5

    confirmed = truth[truth["solved_at"] <= confirmed_before]
    with duckdb.connect(str(built_warehouse.database), read_only=True) as connection:
        mart_sum, mart_count = connection.execute(
            """
            select sum(confirmed_business_resolution_seconds), sum(confirmed_resolution_count)
            from marts_customer.fct_episode_outcomes
            """
        ).fetchone()
    assert (mart_sum, mart_count) == (int(confirmed["oracle_seconds"].sum()), len(confirmed))
