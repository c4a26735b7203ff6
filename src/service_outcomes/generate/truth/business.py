"""Business lens of the truth: cost to serve, avoidable demand, revenue protection, productivity.

From the contacts the simulation drew (true talk and after-contact-work seconds, bot sessions),
its churn dates and annual values, and the organisation's rate card
``seeds/business/cost_rates.csv`` (reference data, not an export). Non-test customers only.

* A *chain* is a contact and its transfer legs (every chain, assisted or not). Its cost, in
  pence, is ``(agent seconds * agent rate + ACW seconds * ACW rate + 30) // 60`` (rates in pence
  per minute, so rounded half up to the penny once per chain) plus the bot-session fee when
  its first contact was a bot chat (resolved, handed off or abandoned). Rates: the row of the
  chain's channel with the latest ``effective_from`` on or before its UTC start date.
* ``cost_to_serve``: chains, cost, customers served (with a chain), confirmed resolutions and
  the cost of all chains of the needs with a confirmed resolution (same rule as
  ``resolution_time``).
* ``avoidable_demand``: assisted chains after the first assisted chain of their need, follow-ups
  after the resolution included (also counted alone), and their cost.
* ``revenue_protection``: window R = the ``window_days`` of the registry row
  ``churn_after_episode``; a need is *mature* when the UTC date of its last chain's start plus R
  is before the horizon date; it churned in the window when the customer's churn date is 0 to R
  days after that date. Split by solved / not solved. ``revenue_at_risk``: annual value of
  customers not churned by the horizon with at least one mature unsolved need.
* ``productivity``: agent-handled seconds (talk + ACW of agent legs, by the chain's UTC start
  date) and confirmed resolutions of needs with an assisted chain (by the UTC date solved), in
  total and ``by_day``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ..clock import DAY, Clock
from ..model import Contact, NeedTruth
from .core import ratio
from .counts import add_counts
from .reference import CostRate, pence

CHANNELS = {"VOICE": "voice", "CHAT": "chat"}


def chain_legs(contacts: list[Contact]) -> dict[str, list[Contact]]:
    """Chain id (the initial contact id) -> its legs, in order."""
    legs: dict[str, list[Contact]] = {}
    for c in contacts:
        legs.setdefault(c.initial_contact_id or c.contact_id, []).append(c)
    return legs


def money(amount_pence: int) -> str:
    return f"{Decimal(amount_pence) / 100:.2f}"


class BusinessTally:
    """Counts the business lens of non-test customers' needs (see the module docstring)."""

    def __init__(
        self, clock: Clock, confirmation_days: int, rates: list[CostRate], churn_window_days: int
    ) -> None:
        self.clock = clock
        self.confirmation = confirmation_days * DAY
        self._rates = rates
        self.churn_window_days = churn_window_days
        self._biz: dict[str, int] = {}
        #: Day index -> [agent-handled seconds, confirmed assisted resolutions].
        self._days: dict[int, list[int]] = {}
        #: Customers served / at risk so far in the current batch of needs (:meth:`take`).
        self._customers_seen: set[str] = set()
        self._at_risk: set[str] = set()
        self._reset()

    def _reset(self) -> None:
        self._biz = dict.fromkeys(
            ("chains", "cost", "customers", "confirmed_resolutions", "resolved_cost",
             "assisted_chains", "avoidable_chains", "avoidable_cost", "follow_up_chains",
             "follow_up_cost", "mature_solved", "churned_solved", "mature_unsolved",
             "churned_unsolved", "at_risk_customers", "revenue_at_risk"),
            0,
        )  # fmt: skip
        self._days = {}
        self._customers_seen = set()
        self._at_risk = set()

    def take(self) -> tuple[dict[str, int], dict[int, list[int]]]:
        """The counts of the batch so far (for :func:`.counts.add_counts`); the tally starts
        again empty.

        A batch holds every need of its customers (one block of the simulation), so customers
        are counted once each (served, at risk) by remembering only the batch's: the sets never
        outgrow one block, whatever the number of customers.
        """
        counts = (self._biz, self._days)
        self._reset()
        return counts

    def merge(self, counts: tuple[dict[str, int], dict[int, list[int]]]) -> None:
        biz, days = counts
        add_counts(self._biz, biz)
        add_counts(self._days, days)

    def _rate(self, channel: str, day: int) -> CostRate:
        when = date.fromisoformat(self.clock.date_str(day))
        for r in self._rates:
            if r.channel == channel and r.effective_from <= when:
                return r
        raise ValueError(f"no cost rate for channel {channel} on {when}")

    def chain_costs(self, contacts: list[Contact]) -> dict[str, tuple[int, int, int]]:
        """Chain id -> (start day index, cost in pence, agent-handled seconds)."""
        out = {}
        t0 = self.clock.t0
        for chain_id, chain in chain_legs(contacts).items():
            first = chain[0]
            day = (first.initiated - t0) // DAY
            rate = self._rate(CHANNELS[first.channel], day)
            talk = sum(c.talk for c in chain if c.agent is not None)
            acw = sum(c.acw_end - c.acw_start for c in chain if c.agent is not None)
            cost = (talk * rate.agent_minute + acw * rate.acw_minute + 30) // 60
            if first.bot_outcome:
                cost += rate.bot_session
            out[chain_id] = (day, cost, talk + acw)
        return out

    def add(self, n: NeedTruth) -> None:
        costs = self.chain_costs(n.contacts)
        need_cost = sum(cost for _, cost, _ in costs.values())
        self._add_cost(n, costs, need_cost)
        self._add_avoidable(n, costs)
        self._add_churn(n)

    def _add_cost(self, n: NeedTruth, costs: dict[str, tuple[int, int, int]], cost: int) -> None:
        b = self._biz
        b["chains"] += len(costs)
        b["cost"] += cost
        cust = n.customer
        if cust.contact_id not in self._customers_seen:
            self._customers_seen.add(cust.contact_id)
            b["customers"] += 1
        for day, _, handled in costs.values():
            self._days.setdefault(day, [0, 0])[0] += handled
        if n.solved_at and n.solved_at + self.confirmation <= self.clock.end:
            b["confirmed_resolutions"] += 1
            b["resolved_cost"] += cost
            if n.chains:
                solved_day = (n.solved_at - self.clock.t0) // DAY
                self._days.setdefault(solved_day, [0, 0])[1] += 1

    def _add_avoidable(self, n: NeedTruth, costs: dict[str, tuple[int, int, int]]) -> None:
        b = self._biz
        b["assisted_chains"] += len(n.chains)
        for ch in n.chains[1:]:
            cost = costs[ch.initial_contact_id][1]
            b["avoidable_chains"] += 1
            b["avoidable_cost"] += cost
            if ch.is_follow_up:
                b["follow_up_chains"] += 1
                b["follow_up_cost"] += cost

    def _add_churn(self, n: NeedTruth) -> None:
        """Revenue protection: the window after the start date of the need's last chain."""
        b = self._biz
        t0 = self.clock.t0
        last = max(
            (c.initiated for c in n.contacts if not c.initial_contact_id), default=n.first_contact
        )
        last_day = (last - t0) // DAY
        r = self.churn_window_days
        if last_day + r >= self.clock.days:
            return
        churn_day = (n.churned_at - t0) // DAY if n.churned_at else None
        churned = churn_day is not None and 0 <= churn_day - last_day <= r
        key = "solved" if n.solved_at else "unsolved"
        b[f"mature_{key}"] += 1
        b[f"churned_{key}"] += churned
        cust = n.customer
        if not n.solved_at and not n.churned_at and cust.contact_id not in self._at_risk:
            self._at_risk.add(cust.contact_id)
            b["at_risk_customers"] += 1
            b["revenue_at_risk"] += pence(f"{cust.annual_value:.2f}")

    def headline(self) -> dict[str, Any]:
        b = self._biz
        days = self._days
        handled = sum(v[0] for v in days.values())
        resolutions = sum(v[1] for v in days.values())
        return {
            "cost_to_serve": {
                "currency": "GBP",
                "chains": b["chains"],
                "cost": money(b["cost"]),
                "cost_per_chain": ratio(b["cost"], 100 * b["chains"]),
                "customers": b["customers"],
                "cost_per_customer": ratio(b["cost"], 100 * b["customers"]),
                "confirmed_resolutions": b["confirmed_resolutions"],
                "resolved_episode_cost": money(b["resolved_cost"]),
                "cost_per_resolved_episode": ratio(
                    b["resolved_cost"], 100 * b["confirmed_resolutions"]
                ),
            },
            "avoidable_demand": {
                "assisted_chains": b["assisted_chains"],
                "avoidable_chains": b["avoidable_chains"],
                "avoidable_rate": ratio(b["avoidable_chains"], b["assisted_chains"]),
                "avoidable_cost": money(b["avoidable_cost"]),
                "follow_up_chains": b["follow_up_chains"],
                "follow_up_cost": money(b["follow_up_cost"]),
            },
            "revenue_protection": {
                "churn_window_days": self.churn_window_days,
                "mature_resolved_episodes": b["mature_solved"],
                "churned_after_resolved": b["churned_solved"],
                "churn_rate_after_resolved": ratio(b["churned_solved"], b["mature_solved"]),
                "mature_unresolved_episodes": b["mature_unsolved"],
                "churned_after_unresolved": b["churned_unsolved"],
                "churn_rate_after_unresolved": ratio(b["churned_unsolved"], b["mature_unsolved"]),
                "customers_at_risk": b["at_risk_customers"],
                "revenue_at_risk": money(b["revenue_at_risk"]),
            },
            "productivity": {
                "agent_handled_seconds": handled,
                "confirmed_assisted_resolutions": resolutions,
                "resolutions_per_agent_hour": ratio(3600 * resolutions, handled),
                "by_day": {
                    self.clock.sf_date(self.clock.t0 + d * DAY): days[d] for d in sorted(days)
                },
            },
        }
