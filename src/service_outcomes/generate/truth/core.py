"""The customer-lens core: the per-need and per-chain files and the headline outcomes.

``episodes.csv.gz``: one row per need that had at least one contact in the period.

* ``need_id``: the simulation's need id; ``customer_id``: Salesforce Contact ``Id``;
  ``intent``; ``region``; ``is_internal_test`` (``true``/``false``).
* ``first_contact_at``: InitiationTimestamp of the need's first contact of any kind (bot chat,
  queue abandon, assisted), UTC ``YYYY-MM-DDTHH:MM:SSZ``.
* ``first_assisted_at``: InitiationTimestamp of the first contact of the first assisted chain
  (for a chat the bot handed off, the start of that chat); empty if there is none.
* ``second_assisted_at``: start of the second assisted chain (follow-ups included); empty if none.
* ``assisted_chain_count``: assisted chains (a chain = the contact an agent took plus its
  transfer legs); ``contact_count``: Connect contacts of the need of every kind, each transfer
  leg counted.
* ``is_contained``: solved by the bot with no assisted chain.
* ``is_solved`` / ``solved_at``: solved as of the period end, and when (the case closing
  moment after the solving contact's after-contact work, the back-office fix, or the end of the
  resolving bot chat).
* ``case_id``: the need's Salesforce Case (empty when no agent ever handled it).

``assisted_chains.csv.gz``: one row per assisted chain: ``need_id``, ``chain_index`` (1..n),
``initial_contact_id`` (ContactId of the chain's first contact), ``started_at`` (its
InitiationTimestamp), ``is_follow_up`` (a contact after the need was solved).

Headline, for non-test customers, as-of = the end of the period's last day and the windows of the
registry's active rows (:class:`~.reference.OutcomeWindows`): W for first contact resolution,
R for repeat contact, C for containment:

* ``first_contact_resolution``: needs with an assisted chain whose first chain is mature
  (``first_assisted_at + W <= as_of``) and that are solved with no other assisted chain within
  W of the first, nor before being solved (``second_assisted_at`` empty, or after
  ``first_assisted_at + W`` and not before ``solved_at``), over mature needs with a chain.
* ``digital_containment``: needs the bot solved with no assisted chain, over needs whose first
  contact is at least C before as-of.
* ``repeat_contact``: assisted chains starting within R (<=, seconds) after the start of the
  previous chain of the same need, over all assisted chains.
* ``resolution_time``: needs solved at least the confirmation window before as-of
  (a resolution is confirmed once it has held that long): count, sum, mean and median of
  ``solved_at - first_contact_at`` in seconds.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..clock import DAY, Clock
from ..model import NeedTruth
from .counts import add_counts
from .files import tf
from .reference import OutcomeWindows
from .spill import SpilledMedian

EPISODE_COLUMNS = (
    "need_id", "customer_id", "intent", "region", "is_internal_test", "first_contact_at",
    "first_assisted_at", "second_assisted_at", "assisted_chain_count", "contact_count",
    "is_contained", "is_solved", "solved_at", "case_id",
)  # fmt: skip
CHAIN_COLUMNS = ("need_id", "chain_index", "initial_contact_id", "started_at", "is_follow_up")


@dataclass(frozen=True, slots=True)
class NeedParts:
    """A need of a non-test customer with its first-contact-resolution and repeat parts."""

    need: NeedTruth
    fcr_numerator: bool
    fcr_denominator: bool
    #: Initial contact id of each assisted chain -> whether it is a repeat.
    repeats: dict[str, bool]


def fcr_parts(n: NeedTruth, window: int, as_of: int) -> tuple[bool, bool]:
    """(numerator, denominator) of first contact resolution for one need (module docstring):
    ``window`` and ``as_of`` in seconds."""
    chains = n.chains
    first_a = chains[0].started if chains else 0
    second_a = chains[1].started if len(chains) > 1 else 0
    den = bool(chains) and first_a + window <= as_of
    num = (
        den
        and bool(n.solved_at)
        and (not second_a or (second_a > first_a + window and n.solved_at <= second_a))
    )
    return num, den


def ratio(num: int, den: int) -> float | None:
    """``num / den``, or ``None`` for an empty denominator."""
    return num / den if den else None


#: Names of the core counters (:meth:`CoreTally.take`).
_COUNTERS = ("needs", "chains", "contacts", "fcr_num", "fcr_den", "rep_num", "rep_den",
             "contained_num", "contained_den")  # fmt: skip


@dataclass(slots=True)
class CoreCounts:
    """What :meth:`CoreTally.take` hands over: the rows of both files and the counts."""

    episode_rows: bytes
    chain_rows: bytes
    counters: dict[str, int]
    resolution_seconds: array[int]


class CoreTally:
    """Makes the rows of the per-need files and counts the core outcomes (module docstring).

    The rows are kept until :meth:`take`, which the owner of the files (``writer.TruthWriter``)
    writes in block order.
    """

    def __init__(
        self, clock: Clock, windows: OutcomeWindows, spill_dir: Path | None = None
    ) -> None:
        self.clock = clock
        self.window = windows.fcr * DAY
        self.repeat_window = windows.repeat * DAY
        self.containment_window = windows.containment * DAY
        self.confirmation = windows.confirmation * DAY
        self._episode_rows: list[bytes] = []
        self._chain_rows: list[bytes] = []
        self._c = dict.fromkeys(_COUNTERS, 0)
        #: Resolution times (seconds) of the confirmed resolutions: spilled to a temporary file,
        #: since there is one per solved need (:mod:`.spill`).
        self._res = SpilledMedian(spill_dir)

    @property
    def needs(self) -> int:
        return self._c["needs"]

    @property
    def chains(self) -> int:
        return self._c["chains"]

    @property
    def contacts(self) -> int:
        return self._c["contacts"]

    def take(self) -> CoreCounts:
        """The rows and counts so far; the tally starts again empty."""
        counts = CoreCounts(
            b"".join(self._episode_rows), b"".join(self._chain_rows), self._c, self._res.take()
        )
        self._episode_rows, self._chain_rows = [], []
        self._c = dict.fromkeys(_COUNTERS, 0)
        return counts

    def merge(self, counts: CoreCounts) -> None:
        """Add the counts of :meth:`take` (the rows are the file owner's)."""
        add_counts(self._c, counts.counters)
        self._res.extend(counts.resolution_seconds)

    def _episode_line(self, n: NeedTruth) -> str:
        iso = self.clock.iso_z
        chains = n.chains
        second = chains[1].started if len(chains) > 1 else 0
        cust = n.customer
        return ",".join(
            (
                n.need_id,
                cust.contact_id,
                n.intent,
                cust.region,
                tf(cust.is_test),
                iso(n.first_contact),
                iso(chains[0].started) if chains else "",
                iso(second) if second else "",
                str(len(chains)),
                str(n.contact_count),
                tf(n.is_contained),
                tf(n.solved_at > 0),
                iso(n.solved_at) if n.solved_at else "",
                n.case_id,
            )
        )

    def _chain_lines(self, n: NeedTruth, lines: list[str]) -> dict[str, bool]:
        """Append the need's chain rows; count its repeats (non-test customers only)."""
        iso = self.clock.iso_z
        counted = not n.customer.is_test
        c = self._c
        prev = 0
        repeats: dict[str, bool] = {}
        for i, ch in enumerate(n.chains, start=1):
            lines.append(
                f"{n.need_id},{i},{ch.initial_contact_id},{iso(ch.started)},{tf(ch.is_follow_up)}"
            )
            if counted:
                repeat = i > 1 and ch.started - prev <= self.repeat_window
                c["rep_den"] += 1
                c["rep_num"] += repeat
                repeats[ch.initial_contact_id] = repeat
            prev = ch.started
        return repeats

    def _count(self, n: NeedTruth, repeats: dict[str, bool]) -> NeedParts:
        """Resolution time, containment and FCR of a need of a non-test customer."""
        as_of = self.clock.end
        w = self.window
        c = self._c
        if n.solved_at and n.solved_at + self.confirmation <= as_of:
            self._res.append(n.solved_at - n.first_contact)
        if n.first_contact + self.containment_window <= as_of:
            c["contained_den"] += 1
            c["contained_num"] += n.is_contained
        fcr_num, fcr_den = fcr_parts(n, w, as_of)
        c["fcr_den"] += fcr_den
        c["fcr_num"] += fcr_num
        return NeedParts(n, fcr_num, fcr_den, repeats)

    def add(self, needs: list[NeedTruth]) -> list[NeedParts]:
        """Make the needs' rows; the needs of non-test customers with their parts."""
        ep_lines: list[str] = []
        ch_lines: list[str] = []
        out: list[NeedParts] = []
        c = self._c
        for n in needs:
            ep_lines.append(self._episode_line(n))
            repeats = self._chain_lines(n, ch_lines)
            c["needs"] += 1
            c["chains"] += len(n.chains)
            c["contacts"] += n.contact_count
            if not n.customer.is_test:
                out.append(self._count(n, repeats))
        if ep_lines:
            self._episode_rows.append(("\n".join(ep_lines) + "\n").encode())
        if ch_lines:
            self._chain_rows.append(("\n".join(ch_lines) + "\n").encode())
        return out

    def headline(self) -> dict[str, Any]:
        res = self._res
        total = res.total
        c = self._c
        return {
            "as_of": self.clock.iso_z(self.clock.end),
            "window_days": self.window // DAY,
            "repeat_window_days": self.repeat_window // DAY,
            "containment_window_days": self.containment_window // DAY,
            "resolution_confirmation_days": self.confirmation // DAY,
            "population": "needs of customers that are not internal test accounts",
            "first_contact_resolution": {
                "numerator": c["fcr_num"],
                "denominator": c["fcr_den"],
                "rate": ratio(c["fcr_num"], c["fcr_den"]),
            },
            "digital_containment": {
                "numerator": c["contained_num"],
                "denominator": c["contained_den"],
                "rate": ratio(c["contained_num"], c["contained_den"]),
            },
            "repeat_contact": {
                "numerator": c["rep_num"],
                "denominator": c["rep_den"],
                "rate": ratio(c["rep_num"], c["rep_den"]),
            },
            "resolution_time": {
                "solved_needs": len(res),
                "sum_seconds": total,
                "mean_seconds": total / len(res) if res else None,
                "median_seconds": res.median(),
            },
        }

    def close(self) -> None:
        """Keep the median; delete the spilled resolution times."""
        self._res.close()
