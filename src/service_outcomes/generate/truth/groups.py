"""Outcomes by customer group (``groups`` block) of the truth.

Non-test customers, for each dimension of :data:`GROUP_DIMENSIONS`, per UTC month (``YYYY-MM``)
and group, ``numerator`` and ``denominator`` under the definitions of
``first_contact_resolution`` and ``repeat_contact``:

* ``first_contact_resolution``: by the month of the need's first contact (of any kind); every
  need with a contact appears, so a month's group may have a zero denominator.
* ``repeat_contact``: by the month of the chain's start; every chain (a contact and its transfer
  legs, assisted or not) appears, only assisted chains count in the denominator.
* Dimensions: ``age_band`` (age = the horizon's year, the UTC year of the period end, minus the
  birth year: ``under_25``, ``25_39``, ``40_54``, ``55_69``, ``70_plus``, ``unknown`` without a
  birth year), ``preferred_language``, ``region``, ``segment`` (``unknown`` when empty) and
  ``vulnerability`` (``vulnerable_with_consent`` when flagged and consenting to the flag's use,
  else ``not_flagged``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..clock import DAY, Clock
from ..world import Customer
from .core import NeedParts
from .counts import add_counts

#: Customer dimensions of the ``groups`` block (those of the fairness mart).
GROUP_DIMENSIONS = ("age_band", "preferred_language", "region", "segment", "vulnerability")
#: Upper age bound (exclusive) of each age band but the last.
_AGE_BANDS = ((25, "under_25"), (40, "25_39"), (55, "40_54"), (70, "55_69"))


def age_band(birth_year: int | None, horizon_year: int) -> str:
    """Age band of a customer born in ``birth_year`` as of ``horizon_year``."""
    if not birth_year:
        return "unknown"
    age = horizon_year - birth_year
    for bound, band in _AGE_BANDS:
        if age < bound:
            return band
    return "70_plus"


def customer_groups(cust: Customer, horizon_year: int) -> tuple[str, ...]:
    """The customer's group in each of :data:`GROUP_DIMENSIONS`."""
    return (
        age_band(cust.birth_year, horizon_year),
        cust.language or "unknown",
        cust.region or "unknown",
        cust.segment or "unknown",
        "vulnerable_with_consent"
        if cust.vulnerable and cust.vulnerability_consent
        else "not_flagged",
    )


class GroupTally:
    """Counts FCR and repeat-contact parts per month and customer group."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        #: (metric, dimension, month, group) -> [numerator, denominator].
        self._groups: dict[tuple[str, str, str, str], list[int]] = {}
        self._horizon_year = datetime.fromtimestamp(clock.end, UTC).year
        self._months: dict[int, str] = {}

    def take(self) -> dict[tuple[str, str, str, str], list[int]]:
        """The counts so far (for :func:`.counts.add_counts`); the tally starts again empty."""
        counts = self._groups
        self._groups = {}
        return counts

    def merge(self, counts: dict[tuple[str, str, str, str], list[int]]) -> None:
        add_counts(self._groups, counts)

    def _month(self, at: int) -> str:
        day = (at - self.clock.t0) // DAY
        month = self._months.get(day)
        if month is None:
            month = self._months[day] = datetime.fromtimestamp(at, UTC).strftime("%Y-%m")
        return month

    def _parts(self, p: NeedParts) -> list[tuple[str, str, int, int]]:
        """(metric, month, numerator, denominator) of the need and of each of its chains."""
        n = p.need
        parts: list[tuple[str, str, int, int]] = [
            ("first_contact_resolution", self._month(n.first_contact), p.fcr_numerator,
             p.fcr_denominator)
        ]  # fmt: skip
        starts: dict[str, int] = {}
        for c in n.contacts:
            starts.setdefault(c.initial_contact_id or c.contact_id, c.initiated)
        starts.update((ch.initial_contact_id, ch.started) for ch in n.chains)
        for chain_id, started in starts.items():
            repeat = p.repeats.get(chain_id)
            parts.append(("repeat_contact", self._month(started), bool(repeat), repeat is not None))
        return parts

    def add(self, p: NeedParts) -> None:
        groups = customer_groups(p.need.customer, self._horizon_year)
        table = self._groups
        for metric, month, num, den in self._parts(p):
            for dimension, group in zip(GROUP_DIMENSIONS, groups, strict=True):
                row = table.setdefault((metric, dimension, month, group), [0, 0])
                row[0] += num
                row[1] += den

    def headline(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            metric: {dimension: {} for dimension in GROUP_DIMENSIONS}
            for metric in ("first_contact_resolution", "repeat_contact")
        }
        for (metric, dimension, month, group), (num, den) in sorted(self._groups.items()):
            out[metric][dimension].setdefault(month, {})[group] = {
                "numerator": num,
                "denominator": den,
            }
        return {"groups": {"dimensions": list(GROUP_DIMENSIONS), **out}}
