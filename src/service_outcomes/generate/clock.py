"""Time: the period, customer-local time, opening hours and timestamp formats.

Internally every moment is an ``int`` of seconds since the Unix epoch (UTC). Customer-local
time is the same scale shifted by the region's UTC offset on that local day (offsets are taken
at local noon, which is exact for the daytime hours contacts happen in). Survey timestamps in
the Qualtrics account zone (America/New_York) use the exact zone rules.
"""

from __future__ import annotations

import bisect
import calendar
import random
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

REGION_TZ: dict[str, str] = {
    "uk": "Europe/London",
    "de": "Europe/Berlin",
    "us_east": "America/New_York",
    "us_west": "America/Los_Angeles",
}
REGIONS: tuple[str, ...] = tuple(REGION_TZ)
SURVEY_TZ = "America/New_York"

DAY = 86_400
HOUR = 3_600
#: Assisted channels are open 08:00-20:00 customer-local.
OPEN_FROM = 8 * HOUR
OPEN_UNTIL = 20 * HOUR
_MARGIN = 120  # days of lookup tables before the start / after the end

# Relative weights of the hour a customer picks (customer-local), per kind of contact.
_ASSISTED_HOURS = {
    8: 6,
    9: 9,
    10: 10,
    11: 9,
    12: 8,
    13: 8,
    14: 8,
    15: 7,
    16: 6,
    17: 5,
    18: 4,
    19: 2,
}
_BOT_HOURS = {
    7: 2, 8: 4, 9: 6, 10: 7, 11: 7, 12: 7, 13: 7, 14: 6, 15: 6, 16: 6,
    17: 6, 18: 6, 19: 7, 20: 7, 21: 6, 22: 4, 23: 2, 0: 1,
}  # fmt: skip
#: Relative contact volume by weekday (Monday first).
WEEKDAY_WEIGHT = (1.0, 0.92, 0.88, 0.86, 0.82, 0.5, 0.32)


def _table(weights: dict[int, int]) -> tuple[list[int], list[float]]:
    hours = list(weights)
    total = sum(weights.values())
    return hours, list(accumulate(w / total for w in weights.values()))


class Clock:
    """Period boundaries, time zone tables and fast formatting for one generation."""

    def __init__(self, start: date, days: int) -> None:
        self.start = start
        self.days = days
        self.t0 = calendar.timegm(start.timetuple())
        self.end = self.t0 + days * DAY
        self._dates = [
            (start + timedelta(days=d)).isoformat() for d in range(-_MARGIN, days + _MARGIN)
        ]
        self._weekday0 = start.weekday()
        self._hms = [f"T{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(DAY)]
        self.offsets: dict[str, list[int]] = {}
        for region, tz_name in REGION_TZ.items():
            tz = ZoneInfo(tz_name)
            offs = []
            for d in range(-_MARGIN, days + _MARGIN):
                day = start + timedelta(days=d)
                noon = datetime(day.year, day.month, day.day, 12, tzinfo=tz)
                off = noon.utcoffset()
                assert off is not None
                offs.append(int(off.total_seconds()))
            self.offsets[region] = offs
        self._survey_tz = ZoneInfo(SURVEY_TZ)
        self._assisted = _table(_ASSISTED_HOURS)
        self._bot = _table(_BOT_HOURS)

    # ----- dates -------------------------------------------------------------------------
    def date_str(self, day_index: int) -> str:
        """ISO date of a day index (0 = start)."""
        i = day_index + _MARGIN
        if 0 <= i < len(self._dates):
            return self._dates[i]
        return (self.start + timedelta(days=day_index)).isoformat()

    def day_of(self, t: int) -> int:
        """UTC day index (0 = start) of moment ``t``."""
        return (t - self.t0) // DAY

    def weekday(self, day_index: int) -> int:
        return (self._weekday0 + day_index) % 7

    # ----- formats -----------------------------------------------------------------------
    def iso_z(self, t: int) -> str:
        """``2026-03-08T14:05:09Z`` (Connect)."""
        d, s = divmod(t - self.t0, DAY)
        i = d + _MARGIN
        if 0 <= i < len(self._dates):
            return self._dates[i] + self._hms[s] + "Z"
        return self.date_str(d) + self._hms[s] + "Z"

    def sf_datetime(self, t: int) -> str:
        """``2026-03-08T14:05:09.000Z`` (Salesforce Bulk API)."""
        d, s = divmod(t - self.t0, DAY)
        return self.date_str(d) + self._hms[s] + ".000Z"

    def sf_date(self, t: int) -> str:
        return self.date_str((t - self.t0) // DAY)

    def survey_local(self, t: int) -> datetime:
        return datetime.fromtimestamp(t, UTC).astimezone(self._survey_tz)

    # ----- customer-local time -------------------------------------------------------------
    def _offset(self, region: str, local_day: int) -> int:
        offs = self.offsets[region]
        i = local_day + _MARGIN
        return offs[min(max(i, 0), len(offs) - 1)]

    def to_local(self, t: int, region: str) -> int:
        approx = t + self._offset(region, (t - self.t0) // DAY)
        return t + self._offset(region, (approx - self.t0) // DAY)

    def to_utc(self, local: int, region: str) -> int:
        return local - self._offset(region, (local - self.t0) // DAY)

    def _pick_hour_second(self, rng: random.Random, assisted: bool, not_before: int) -> int:
        hours, cum = self._assisted if assisted else self._bot
        for _ in range(4):
            h = hours[min(bisect.bisect_left(cum, rng.random()), len(hours) - 1)]
            s = h * HOUR + int(rng.random() * HOUR)
            if h == 0:
                s += DAY  # just after midnight: the end of this local day
            if s >= not_before:
                return s
        return max(not_before, s)

    def customer_time(
        self, earliest: int, region: str, rng: random.Random, assisted: bool, weekly: bool = True
    ) -> int:
        """The first moment >= ``earliest`` a customer of ``region`` makes a contact.

        If ``earliest`` is inside the customer's contact hours it is kept (the customer
        contacts right away); else a time on the same or next local day is drawn. With
        ``weekly`` the weekday pattern thins weekend contacts (pushing them to later days).
        The result is at most four days after ``earliest``.
        """
        local = self.to_local(earliest, region)
        day, sod = divmod(local - self.t0, DAY)
        lo, hi = (OPEN_FROM, OPEN_UNTIL - 15 * 60) if assisted else (7 * HOUR, DAY)
        if weekly and rng.random() > WEEKDAY_WEIGHT[self.weekday(day)]:
            day += 1
            sod = -1
        if lo <= sod < hi:
            return earliest
        if sod >= hi:
            day += 1
            sod = -1
        for _ in range(2):  # at most two more days: keeps within-need gaps bounded
            if not weekly or rng.random() <= WEEKDAY_WEIGHT[self.weekday(day)]:
                break
            day += 1
        s = self._pick_hour_second(rng, assisted, max(sod, 0))
        return self.to_utc(self.t0 + day * DAY + s, region)

    def is_open(self, t: int, region: str) -> bool:
        sod = (self.to_local(t, region) - self.t0) % DAY
        return OPEN_FROM <= sod < OPEN_UNTIL
