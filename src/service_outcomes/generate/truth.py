"""Ground truth: what really happened in the simulation (the warehouse never reads it).

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

``headline.json``: for non-test customers, window W = ``fcr_window_days`` and as-of = the end
of the period's last day:

* ``first_contact_resolution``: needs with an assisted chain whose first chain is mature
  (``first_assisted_at + W <= as_of``) and that are solved with no other assisted chain within
  W of the first, nor before being solved (``second_assisted_at`` empty, or after
  ``first_assisted_at + W`` and not before ``solved_at``), over mature needs with a chain.
* ``digital_containment``: needs the bot solved with no assisted chain, over needs whose first
  contact is at least W before as-of.
* ``repeat_contact``: assisted chains starting within W (<=, seconds) after the start of the
  previous chain of the same need, over all assisted chains.
* ``resolution_time``: needs solved at least ``resolution_confirmation_days`` before as-of
  (a resolution is confirmed once it has held that long): count, sum, mean and median of
  ``solved_at - first_contact_at`` in seconds.
* ``survey_responses``, ``csat``, ``effort``, ``nps``: from the survey responses the simulation
  drew for non-test customers (its own state, never the written export). Only live responses
  count (Qualtrics status ``IP Address``; the CX team's ``Survey Preview`` / ``Survey Test``
  responses are made outside any need and never count). Every answered item of a live
  response counts, finished or not (an unfinished response keeps the items answered before
  the respondent stopped). ``survey_responses``: live responses, finished and unfinished.
  ``csat`` (Q1, 1-5): answered, top-two-box (4-5), score sum, rate and mean. ``effort`` (Q2,
  1-7, 7 = strongly agree the company made it easy): answered, easy (5-7), score sum, rate and
  mean. ``nps`` (Q3, 0-10): answered, promoters (9-10), passives (7-8), detractors (0-6) and
  ``100 * (promoters - detractors) / answered``.

Business lens (``cost_to_serve``, ``avoidable_demand``, ``revenue_protection``,
``productivity``), from the contacts the simulation drew (true talk and after-contact-work
seconds, bot sessions), its churn dates and annual values, and the organisation's rate card
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
* ``revenue_protection``: window R = ``churn_window_days``; a need is *mature* when the UTC date
  of its last chain's start plus R is before the horizon date; it churned in the window when
  the customer's churn date is 0 to R days after that date. Split by solved / not solved.
  ``revenue_at_risk_pence``: annual value of customers not churned by the horizon with at least
  one mature unsolved need.
* ``productivity``: agent-handled seconds (talk + ACW of agent legs, by the chain's UTC start
  date) and confirmed resolutions of needs with an assisted chain (by the UTC date solved), in
  total and ``by_day``.

Drivers and the operational control (``drivers`` block), from the contact attributes the
simulation drew (its own state) for non-test customers; thresholds are the ``threshold`` of the
active rows of ``seeds/registry/metric_registry.csv`` (read by both sides, like the rate card).
A *chain* is a contact and its transfer legs; an *assisted leg* is a leg an agent took.

* ``authentication``: chains whose first leg attempted authentication (``passed`` or
  ``failed``), of which passed; ``not_attempted`` chains are outside the rate.
* ``knowledge_accuracy``: assisted legs that used a knowledge article, of which the article was
  accurate.
* ``desktop_latency``: assisted legs, the sum of their latency (ms), the mean, and the legs over
  the threshold of ``slow_desktop_rate`` (strictly greater).
* ``transfers``: assisted chains, of which with at least one transfer (two or more legs).
* ``service_level``: per channel (``voice``, ``chat``) and in total. Every leg that queued for an
  agent is offered, except an abandon whose queue wait is at most the threshold of
  ``service_level_short_abandon`` (seconds; counted apart as ``short_abandons``); it is answered
  in time when an agent took it and its queue wait (``Queue.Duration``, dequeue minus enqueue)
  is at most the channel's threshold (``service_level_voice`` / ``service_level_chat``).
  Other abandons count as offered and not answered in time.

Complaint handling (``complaints`` block), from the simulation's own record of each case of a
non-test customer (:class:`.model.Case`): whether and when it made the case a complaint (a
complaint-intent case at its creation, any other case at the reopen the customer asked for),
the first closure at or after that moment and the code it was closed with (a resolving code is
``Resolved`` or ``Resolved - Workaround``). Customers of a region listed in
``seeds/risk/complaint_jurisdictions.csv`` are under its regime (FCA DISP for uk); their
complaints are judged by :mod:`.disp` as of the period end, with the near-breach window of the
registry row ``complaint_handling_compliance`` (``window_days``). A complaint about a payment
(intent ``payment_problem``) is a payment-services complaint.

* ``under_regime``: complaints, ``by_status`` (every status of :data:`.disp.STATUSES`),
  ``breaches`` (responded late or open past the deadline), ``judged`` (exempt, answered, or
  open past the deadline), ``near_breaches``, and the same counts for ``payment_services``.
* ``not_under_regime``: complaints of customers in other regions.

Outcomes by customer group (``groups`` block), non-test customers, for each dimension of
:data:`GROUP_DIMENSIONS`, per UTC month (``YYYY-MM``) and group, ``numerator`` and
``denominator`` under the definitions of ``first_contact_resolution`` and ``repeat_contact``:

* ``first_contact_resolution``: by the month of the need's first contact (of any kind); every
  need with a contact appears, so a month's group may have a zero denominator.
* ``repeat_contact``: by the month of the chain's start; every chain (a contact and its transfer
  legs, assisted or not) appears, only assisted chains count in the denominator.
* Dimensions: ``age_band`` (age = the horizon's year, the UTC year of the period end, minus the
  birth year: ``under_25``, ``25_39``, ``40_54``, ``55_69``, ``70_plus``, ``unknown`` without a
  birth year), ``preferred_language``, ``region``, ``segment`` (``unknown`` when empty) and
  ``vulnerability`` (``vulnerable_with_consent`` when flagged and consenting to the flag's use,
  else ``not_flagged``).

Consent compliance (``consent`` block), non-test customers, each check in total and
``by_month`` (``YYYY-MM``, UTC) as ``breaches`` over ``checked``:

* ``survey_without_consent``: live survey responses (as counted in ``survey_responses``) whose
  surveyed contact carried ``survey_opt_in`` false (the simulation sent the invitation without
  consent), over live responses; month of the response's recorded time.
* ``vulnerability_flag_without_consent``: customers flagged vulnerable without consent to the
  flag's use, over customers flagged vulnerable; month of the customer's creation.
"""

from __future__ import annotations

import csv
import gzip
import json
import statistics
from array import array
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from .clock import DAY, Clock
from .disp import STATUSES, DispRules, read_jurisdictions
from .model import Case, Contact, NeedTruth, Survey
from .world import Customer

EPISODE_COLUMNS = (
    "need_id", "customer_id", "intent", "region", "is_internal_test", "first_contact_at",
    "first_assisted_at", "second_assisted_at", "assisted_chain_count", "contact_count",
    "is_contained", "is_solved", "solved_at", "case_id",
)  # fmt: skip
CHAIN_COLUMNS = ("need_id", "chain_index", "initial_contact_id", "started_at", "is_follow_up")
TRUTH_FILES = ("episodes.csv.gz", "assisted_chains.csv.gz", "headline.json")
#: Qualtrics response statuses of real respondents (seed ``survey_status_vocabulary``).
LIVE_SURVEY_STATUSES = frozenset({"IP Address", "Imported", "Offline"})
#: The organisation's rate card (reference data in the dbt project, read by both sides).
COST_RATES = Path(__file__).resolve().parents[3] / "seeds" / "business" / "cost_rates.csv"
#: The metric registry (thresholds of the driver and service-level truth).
METRIC_REGISTRY = Path(__file__).resolve().parents[3] / "seeds" / "registry" / "metric_registry.csv"
#: Registry rows whose ``threshold`` the driver truth uses.
DRIVER_THRESHOLDS = (
    "slow_desktop_rate",
    "service_level_voice",
    "service_level_chat",
    "service_level_short_abandon",
)
#: Closure codes that mean the complaint was resolved (seed ``resolution_code_vocabulary``).
RESOLVING_CODES = frozenset({"Resolved", "Resolved - Workaround"})
#: Churn window of the revenue-protection truth (registry ``churn_after_episode``).
_CHANNELS = {"VOICE": "voice", "CHAT": "chat"}
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


@dataclass(frozen=True, slots=True)
class CostRate:
    """One row of the rate card, in pence."""

    channel: str
    effective_from: date
    agent_minute: int
    acw_minute: int
    bot_session: int


def _pence(text: str) -> int:
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
                agent_minute=_pence(r["cost_per_agent_minute"]),
                acw_minute=_pence(r["cost_per_after_contact_work_minute"]),
                bot_session=_pence(r["cost_per_bot_session"]),
            )
            for r in csv.DictReader(fh)
        ]
    return sorted(rows, key=lambda r: r.effective_from, reverse=True)


def read_thresholds(path: Path = METRIC_REGISTRY) -> dict[str, Decimal]:
    """Metric id -> threshold of its active registry row, for :data:`DRIVER_THRESHOLDS`."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["status"] == "active"]
    out = {}
    for metric_id in DRIVER_THRESHOLDS:
        found = [r["threshold"] for r in rows if r["metric_id"] == metric_id]
        if len(found) != 1 or not found[0]:
            raise ValueError(f"registry needs one active row with a threshold for {metric_id}")
        out[metric_id] = Decimal(found[0])
    return out


def read_window_days(metric_id: str, path: Path = METRIC_REGISTRY) -> int:
    """``window_days`` of the active registry row of ``metric_id``."""
    with open(path, newline="", encoding="utf-8") as fh:
        found = [
            r["window_days"]
            for r in csv.DictReader(fh)
            if r["status"] == "active" and r["metric_id"] == metric_id
        ]
    if len(found) != 1 or not found[0]:
        raise ValueError(f"registry needs one active row with window_days for {metric_id}")
    return int(found[0])


def _open_gz(path: Path) -> IO[bytes]:
    raw = open(path, "wb")  # noqa: SIM115 - closed in TruthWriter.close
    return gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)


def _tf(v: bool) -> str:
    return "true" if v else "false"


class TruthWriter:
    def __init__(
        self,
        root: Path,
        clock: Clock,
        window_days: int,
        confirmation_days: int,
        *,
        cost_rates: Path = COST_RATES,
        churn_window_days: int = 30,
        registry: Path = METRIC_REGISTRY,
    ) -> None:
        self.root = root
        self.clock = clock
        self.window = window_days * DAY
        self.confirmation = confirmation_days * DAY
        self._rates = read_cost_rates(cost_rates)
        self.churn_window_days = churn_window_days
        self._thresholds = read_thresholds(registry)
        near_breach = read_window_days("complaint_handling_compliance", registry)
        self._regimes = {
            region: (regime, DispRules(day_region, near_breach))
            for region, (regime, day_region) in read_jurisdictions().items()
        }
        self._near_breach_days = near_breach
        #: Regime -> {"all" / "payment_services" -> counters}; complaints outside any regime.
        self._complaints: dict[str, dict[str, dict[str, int]]] = {}
        self._complaints_outside = 0
        #: Consent check -> month -> [breaches, checked].
        self._consent: dict[str, dict[str, list[int]]] = {
            "survey_without_consent": {},
            "vulnerability_flag_without_consent": {},
        }
        self._drv = dict.fromkeys(
            ("auth_chains", "auth_attempted", "auth_passed", "auth_not_attempted",
             "article_uses", "accurate_article_uses", "assisted_legs", "latency_ms_sum",
             "slow_legs", "assisted_chains", "transferred_chains"),
            0,
        )  # fmt: skip
        #: Channel -> [queued legs, short abandons, offered, answered in time, abandoned].
        self._service: dict[str, list[int]] = {"voice": [0] * 5, "chat": [0] * 5}
        self._biz = dict.fromkeys(
            ("chains", "cost", "customers", "confirmed_resolutions", "resolved_cost",
             "assisted_chains", "avoidable_chains", "avoidable_cost", "follow_up_chains",
             "follow_up_cost", "mature_solved", "churned_solved", "mature_unsolved",
             "churned_unsolved", "at_risk_customers", "revenue_at_risk"),
            0,
        )  # fmt: skip
        #: Day index -> [agent-handled seconds, confirmed assisted resolutions].
        self._days: dict[int, list[int]] = {}
        self._customers_seen: set[str] = set()
        self._at_risk: set[str] = set()
        root.mkdir(parents=True, exist_ok=True)
        self._raw: list[IO[bytes]] = []
        self._episodes = _open_gz(root / "episodes.csv.gz")
        self._chains = _open_gz(root / "assisted_chains.csv.gz")
        self._episodes.write((",".join(EPISODE_COLUMNS) + "\n").encode())
        self._chains.write((",".join(CHAIN_COLUMNS) + "\n").encode())
        self.needs = 0
        self.chains = 0
        self.contacts = 0
        self._fcr_num = self._fcr_den = 0
        self._rep_num = self._rep_den = 0
        self._contained_num = self._contained_den = 0
        #: (metric, dimension, month, group) -> [numerator, denominator].
        self._groups: dict[tuple[str, str, str, str], list[int]] = {}
        self._horizon_year = datetime.fromtimestamp(clock.end, UTC).year
        self._months: dict[int, str] = {}
        self._res = array("q")
        self._survey = dict.fromkeys(
            ("live", "finished", "csat_answered", "csat_top_two_box", "csat_score_sum",
             "effort_answered", "effort_easy", "effort_score_sum", "recommend_answered",
             "promoters", "passives", "detractors"),
            0,
        )  # fmt: skip

    def _add_survey(self, s: Survey) -> None:
        """Count one response of a non-test customer (see the module docstring)."""
        if s.status not in LIVE_SURVEY_STATUSES:
            return
        self._consent_check("survey_without_consent", s.recorded, not s.contact.survey_opt_in)
        t = self._survey
        t["live"] += 1
        t["finished"] += s.finished
        if s.q1 is not None:
            t["csat_answered"] += 1
            t["csat_top_two_box"] += s.q1 >= 4
            t["csat_score_sum"] += s.q1
        if s.q2 is not None:
            t["effort_answered"] += 1
            t["effort_easy"] += s.q2 >= 5
            t["effort_score_sum"] += s.q2
        if s.q3 is not None:
            t["recommend_answered"] += 1
            t["promoters"] += s.q3 >= 9
            t["passives"] += 7 <= s.q3 <= 8
            t["detractors"] += s.q3 <= 6

    def _rate(self, channel: str, day: int) -> CostRate:
        when = date.fromisoformat(self.clock.date_str(day))
        for r in self._rates:
            if r.channel == channel and r.effective_from <= when:
                return r
        raise ValueError(f"no cost rate for channel {channel} on {when}")

    def _chain_costs(self, contacts: list[Contact]) -> dict[str, tuple[int, int, int]]:
        """Chain id -> (start day index, cost in pence, agent-handled seconds)."""
        legs: dict[str, list[Contact]] = {}
        for c in contacts:
            legs.setdefault(c.initial_contact_id or c.contact_id, []).append(c)
        out = {}
        t0 = self.clock.t0
        for chain_id, chain in legs.items():
            first = chain[0]
            day = (first.initiated - t0) // DAY
            rate = self._rate(_CHANNELS[first.channel], day)
            talk = sum(c.talk for c in chain if c.agent is not None)
            acw = sum(c.acw_end - c.acw_start for c in chain if c.agent is not None)
            pence = (talk * rate.agent_minute + acw * rate.acw_minute + 30) // 60
            if first.bot_outcome:
                pence += rate.bot_session
            out[chain_id] = (day, pence, talk + acw)
        return out

    def _add_business(self, n: NeedTruth) -> None:
        b = self._biz
        costs = self._chain_costs(n.contacts)
        need_cost = sum(cost for _, cost, _ in costs.values())
        b["chains"] += len(costs)
        b["cost"] += need_cost
        cust = n.customer
        if cust.contact_id not in self._customers_seen:
            self._customers_seen.add(cust.contact_id)
            b["customers"] += 1
        for day, _, handled in costs.values():
            self._days.setdefault(day, [0, 0])[0] += handled
        confirmed = bool(n.solved_at) and n.solved_at + self.confirmation <= self.clock.end
        if confirmed:
            b["confirmed_resolutions"] += 1
            b["resolved_cost"] += need_cost
            if n.chains:
                solved_day = (n.solved_at - self.clock.t0) // DAY
                self._days.setdefault(solved_day, [0, 0])[1] += 1
        b["assisted_chains"] += len(n.chains)
        for ch in n.chains[1:]:
            cost = costs[ch.initial_contact_id][1]
            b["avoidable_chains"] += 1
            b["avoidable_cost"] += cost
            if ch.is_follow_up:
                b["follow_up_chains"] += 1
                b["follow_up_cost"] += cost
        # Revenue protection: window after the start date of the need's last chain.
        t0 = self.clock.t0
        last_day = max(
            (c.initiated for c in n.contacts if not c.initial_contact_id), default=n.first_contact
        )
        last_day = (last_day - t0) // DAY
        r = self.churn_window_days
        if last_day + r < self.clock.days:
            churn_day = (n.churned_at - t0) // DAY if n.churned_at else None
            churned = churn_day is not None and 0 <= churn_day - last_day <= r
            key = "solved" if n.solved_at else "unsolved"
            b[f"mature_{key}"] += 1
            b[f"churned_{key}"] += churned
            if not n.solved_at and not n.churned_at and cust.contact_id not in self._at_risk:
                self._at_risk.add(cust.contact_id)
                b["at_risk_customers"] += 1
                b["revenue_at_risk"] += _pence(f"{cust.annual_value:.2f}")

    def _add_drivers(self, n: NeedTruth) -> None:
        """Count the drivers of one need of a non-test customer (see the module docstring)."""
        d = self._drv
        slow = self._thresholds["slow_desktop_rate"]
        short = self._thresholds["service_level_short_abandon"]
        legs: dict[str, list[Contact]] = {}
        for c in n.contacts:
            legs.setdefault(c.initial_contact_id or c.contact_id, []).append(c)
            if c.agent is not None:
                d["assisted_legs"] += 1
                d["latency_ms_sum"] += c.desktop_latency_ms
                d["slow_legs"] += c.desktop_latency_ms > slow
                if c.kb_article_id:
                    d["article_uses"] += 1
                    d["accurate_article_uses"] += c.kb_article_accurate
            if c.queue:
                channel = _CHANNELS[c.channel]
                row = self._service[channel]
                wait = c.dequeued - c.enqueued
                row[0] += 1
                if c.agent is None and wait <= short:
                    row[1] += 1
                    continue
                row[2] += 1
                if c.agent is None:
                    row[4] += 1
                elif wait <= self._thresholds[f"service_level_{channel}"]:
                    row[3] += 1
        for chain in legs.values():
            d["auth_chains"] += 1
            result = chain[0].auth_result
            if result in ("passed", "failed"):
                d["auth_attempted"] += 1
                d["auth_passed"] += result == "passed"
            elif result == "not_attempted":
                d["auth_not_attempted"] += 1
            if any(c.agent is not None for c in chain):
                d["assisted_chains"] += 1
                d["transferred_chains"] += len(chain) > 1

    def _month(self, at: int) -> str:
        day = (at - self.clock.t0) // DAY
        month = self._months.get(day)
        if month is None:
            month = self._months[day] = datetime.fromtimestamp(at, UTC).strftime("%Y-%m")
        return month

    def _add_groups(
        self, n: NeedTruth, fcr_num: bool, fcr_den: bool, repeats: dict[str, bool]
    ) -> None:
        """Count one need of a non-test customer in its groups (see the module docstring)."""
        groups = customer_groups(n.customer, self._horizon_year)
        parts: list[tuple[str, str, int, int]] = [
            ("first_contact_resolution", self._month(n.first_contact), fcr_num, fcr_den)
        ]
        starts: dict[str, int] = {}
        for c in n.contacts:
            starts.setdefault(c.initial_contact_id or c.contact_id, c.initiated)
        starts.update((ch.initial_contact_id, ch.started) for ch in n.chains)
        for chain_id, started in starts.items():
            repeat = repeats.get(chain_id)
            parts.append(("repeat_contact", self._month(started), bool(repeat), repeat is not None))
        table = self._groups
        for metric, month, num, den in parts:
            for dimension, group in zip(GROUP_DIMENSIONS, groups, strict=True):
                row = table.setdefault((metric, dimension, month, group), [0, 0])
                row[0] += num
                row[1] += den

    def groups_headline(self) -> dict[str, Any]:
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

    def _consent_check(self, check: str, at: int, breach: bool) -> None:
        month = datetime.fromtimestamp(at, UTC).strftime("%Y-%m")
        row = self._consent[check].setdefault(month, [0, 0])
        row[0] += breach
        row[1] += 1

    def add_customers(self, customers: list[Customer]) -> None:
        """Count the vulnerability flags held without consent (see the module docstring)."""
        for cust in customers:
            if cust.is_test or not cust.vulnerable:
                continue
            self._consent_check(
                "vulnerability_flag_without_consent",
                cust.created_at,
                not cust.vulnerability_consent,
            )

    def consent_headline(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for check, months in self._consent.items():
            breaches = sum(v[0] for v in months.values())
            checked = sum(v[1] for v in months.values())
            out[check] = {
                "breaches": breaches,
                "checked": checked,
                "rate": breaches / checked if checked else None,
                "by_month": {
                    m: {"breaches": months[m][0], "checked": months[m][1]} for m in sorted(months)
                },
            }
        return {"consent": out}

    def add_cases(self, cases: list[Case]) -> None:
        """Count the complaints of non-test customers' cases (see the module docstring)."""
        for case in cases:
            if case.customer.is_test or not case.complaint_received:
                continue
            regime = self._regimes.get(case.customer.region)
            if regime is None:
                self._complaints_outside += 1
                continue
            name, rules = regime
            payment = case.intent == "payment_problem"
            judged = rules.judge(
                case.complaint_received,
                case.complaint_response,
                case.complaint_response_code in RESOLVING_CODES,
                payment,
                self.clock.end,
            )
            groups = self._complaints.setdefault(name, {})
            for group in ("all", "payment_services") if payment else ("all",):
                row = groups.setdefault(group, dict.fromkeys(("complaints", *STATUSES), 0))
                row["complaints"] += 1
                row[judged.status] += 1
                row["near_breaches"] = row.get("near_breaches", 0) + judged.is_near_breach

    def complaints_headline(self) -> dict[str, Any]:
        def block(row: dict[str, int] | None) -> dict[str, Any]:
            row = row or dict.fromkeys(("complaints", *STATUSES), 0)
            breaches = row["responded_late"] + row["open_past_deadline"]
            judged = breaches + row["resolved_by_third_business_day"] + row["responded_in_time"]
            return {
                "complaints": row["complaints"],
                "by_status": {status: row[status] for status in STATUSES},
                "breaches": breaches,
                "judged": judged,
                "breach_rate": breaches / judged if judged else None,
                "near_breaches": row.get("near_breaches", 0),
            }

        return {
            "complaints": {
                "near_breach_business_days": self._near_breach_days,
                "under_regime": {
                    name: {
                        **block(groups.get("all")),
                        "payment_services": block(groups.get("payment_services")),
                    }
                    for name, groups in sorted(
                        (name, self._complaints.get(name, {}))
                        for name in {n for n, _ in self._regimes.values()}
                    )
                },
                "not_under_regime": self._complaints_outside,
            }
        }

    def add(self, needs: list[NeedTruth]) -> None:
        iso = self.clock.iso_z
        as_of = self.clock.end
        w = self.window
        ep_lines = []
        ch_lines = []
        for n in needs:
            chains = n.chains
            first_a = chains[0].started if chains else 0
            second_a = chains[1].started if len(chains) > 1 else 0
            cust = n.customer
            ep_lines.append(
                ",".join(
                    (
                        n.need_id,
                        cust.contact_id,
                        n.intent,
                        cust.region,
                        _tf(cust.is_test),
                        iso(n.first_contact),
                        iso(first_a) if chains else "",
                        iso(second_a) if second_a else "",
                        str(len(chains)),
                        str(n.contact_count),
                        _tf(n.is_contained),
                        _tf(n.solved_at > 0),
                        iso(n.solved_at) if n.solved_at else "",
                        n.case_id,
                    )
                )
            )
            prev = 0
            repeats: dict[str, bool] = {}
            for i, ch in enumerate(chains, start=1):
                ch_lines.append(
                    f"{n.need_id},{i},{ch.initial_contact_id},{iso(ch.started)},"
                    f"{_tf(ch.is_follow_up)}"
                )
                if not cust.is_test:
                    self._rep_den += 1
                    repeat = i > 1 and ch.started - prev <= w
                    self._rep_num += repeat
                    repeats[ch.initial_contact_id] = repeat
                prev = ch.started
            self.needs += 1
            self.chains += len(chains)
            self.contacts += n.contact_count
            if cust.is_test:
                continue
            for survey in n.surveys:
                self._add_survey(survey)
            self._add_business(n)
            self._add_drivers(n)
            if n.solved_at and n.solved_at + self.confirmation <= as_of:
                self._res.append(n.solved_at - n.first_contact)
            if n.first_contact + w <= as_of:
                self._contained_den += 1
                self._contained_num += n.is_contained
            fcr_den = bool(chains) and first_a + w <= as_of
            fcr_num = (
                fcr_den
                and bool(n.solved_at)
                and (not second_a or (second_a > first_a + w and n.solved_at <= second_a))
            )
            self._fcr_den += fcr_den
            self._fcr_num += fcr_num
            self._add_groups(n, fcr_num, fcr_den, repeats)
        if ep_lines:
            self._episodes.write(("\n".join(ep_lines) + "\n").encode())
        if ch_lines:
            self._chains.write(("\n".join(ch_lines) + "\n").encode())

    def headline(self) -> dict[str, Any]:
        res = self._res
        total = sum(res)
        t = self._survey

        def ratio(num: int, den: int) -> float | None:
            return num / den if den else None

        return {
            "as_of": self.clock.iso_z(self.clock.end),
            "window_days": self.window // DAY,
            "resolution_confirmation_days": self.confirmation // DAY,
            "population": "needs of customers that are not internal test accounts",
            "first_contact_resolution": {
                "numerator": self._fcr_num,
                "denominator": self._fcr_den,
                "rate": self._fcr_num / self._fcr_den if self._fcr_den else None,
            },
            "digital_containment": {
                "numerator": self._contained_num,
                "denominator": self._contained_den,
                "rate": ratio(self._contained_num, self._contained_den),
            },
            "repeat_contact": {
                "numerator": self._rep_num,
                "denominator": self._rep_den,
                "rate": self._rep_num / self._rep_den if self._rep_den else None,
            },
            "resolution_time": {
                "solved_needs": len(res),
                "sum_seconds": total,
                "mean_seconds": total / len(res) if res else None,
                "median_seconds": statistics.median(res) if res else None,
            },
            "survey_responses": {
                "live_responses": t["live"],
                "finished": t["finished"],
                "unfinished": t["live"] - t["finished"],
            },
            "csat": {
                "answered": t["csat_answered"],
                "top_two_box": t["csat_top_two_box"],
                "score_sum": t["csat_score_sum"],
                "top_two_box_rate": ratio(t["csat_top_two_box"], t["csat_answered"]),
                "mean": ratio(t["csat_score_sum"], t["csat_answered"]),
            },
            "effort": {
                "answered": t["effort_answered"],
                "easy": t["effort_easy"],
                "score_sum": t["effort_score_sum"],
                "easy_rate": ratio(t["effort_easy"], t["effort_answered"]),
                "mean": ratio(t["effort_score_sum"], t["effort_answered"]),
            },
            "nps": {
                "answered": t["recommend_answered"],
                "promoters": t["promoters"],
                "passives": t["passives"],
                "detractors": t["detractors"],
                "nps": (
                    100 * (t["promoters"] - t["detractors"]) / t["recommend_answered"]
                    if t["recommend_answered"]
                    else None
                ),
            },
        }

    def business_headline(self) -> dict[str, Any]:
        b = self._biz

        def ratio(num: int, den: int) -> float | None:
            return num / den if den else None

        def money(pence: int) -> str:
            return f"{Decimal(pence) / 100:.2f}"

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

    def drivers_headline(self) -> dict[str, Any]:
        d = self._drv
        th = self._thresholds

        def ratio(num: int, den: int) -> float | None:
            return num / den if den else None

        def service(rows: list[list[int]], threshold: Decimal | None) -> dict[str, Any]:
            queued, short, offered, in_time, abandoned = (
                sum(col) for col in zip(*rows, strict=True)
            )
            out: dict[str, Any] = {}
            if threshold is not None:
                out["threshold_seconds"] = int(threshold)
            out.update(
                queued_legs=queued,
                short_abandons=short,
                offered=offered,
                answered_within_threshold=in_time,
                abandoned=abandoned,
                service_level=ratio(in_time, offered),
            )
            return out

        sl = self._service
        return {
            "drivers": {
                "authentication": {
                    "chains": d["auth_chains"],
                    "attempted": d["auth_attempted"],
                    "passed": d["auth_passed"],
                    "not_attempted": d["auth_not_attempted"],
                    "pass_rate": ratio(d["auth_passed"], d["auth_attempted"]),
                },
                "knowledge_accuracy": {
                    "article_uses": d["article_uses"],
                    "accurate": d["accurate_article_uses"],
                    "accuracy_rate": ratio(d["accurate_article_uses"], d["article_uses"]),
                },
                "desktop_latency": {
                    "threshold_ms": int(th["slow_desktop_rate"]),
                    "assisted_legs": d["assisted_legs"],
                    "latency_ms_sum": d["latency_ms_sum"],
                    "mean_ms": ratio(d["latency_ms_sum"], d["assisted_legs"]),
                    "over_threshold_legs": d["slow_legs"],
                    "over_threshold_rate": ratio(d["slow_legs"], d["assisted_legs"]),
                },
                "transfers": {
                    "assisted_chains": d["assisted_chains"],
                    "transferred_chains": d["transferred_chains"],
                    "transfer_rate": ratio(d["transferred_chains"], d["assisted_chains"]),
                },
            },
            "service_level": {
                "short_abandon_seconds": int(th["service_level_short_abandon"]),
                "voice": service([sl["voice"]], th["service_level_voice"]),
                "chat": service([sl["chat"]], th["service_level_chat"]),
                "total": service([sl["voice"], sl["chat"]], None),
            },
        }

    def close(self) -> dict[str, Any]:
        for gz in (self._episodes, self._chains):
            fileobj = gz.fileobj
            gz.close()
            if fileobj is not None:
                fileobj.close()
        head = {
            **self.headline(),
            **self.business_headline(),
            **self.drivers_headline(),
            **self.complaints_headline(),
            **self.consent_headline(),
            **self.groups_headline(),
        }
        (self.root / "headline.json").write_text(json.dumps(head, indent=2) + "\n")
        return head
