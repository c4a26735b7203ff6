"""The journey of each need: contacts, cases, surveys and the ground truth they add up to.

Customers are simulated in blocks; a block draws every number from its own generator seeded
by ``(seed, block index)``, so a block's output does not depend on the other blocks or on the
order they are run in. Ids that must be unique across blocks come from per-block number ranges.

Journey of a need (see also the rules in :mod:`.world`):

1. The customer may start in the chat bot. ``resolved`` solves the need at the end of the chat
   (a contained need, no case); ``handed_off`` turns the same chat into an assisted contact
   (queue + agent; only while agents work, else the bot's hand-off fails and counts as
   ``abandoned``); ``abandoned`` makes the customer try again later.
2. Assisted contacts: VOICE or CHAT into the intent's queue. A contact abandoned in the queue
   is not assisted; the customer retries. Otherwise an agent takes it, with one or two
   transfers (new ContactIds) now and then. The legs form one *assisted chain*.
3. The first assisted chain creates the need's Case; every later chain links to the same case.
   A chain solves the need with an intent/agent dependent probability: the agent closes the
   case at the end of after-contact work, and that moment is the need's ``solved_at``. An
   unsolved chain leaves the case open, or (gaming) closes it as ``Resolved`` anyway; such a
   customer always contacts again, within two days plus the opening-hours push (so inside the
   7-day resolution confirmation window), and that contact reopens the case. One team games the
   case closure SLA (``world.GAMING_TEAM``): it closes prematurely far more often, and a case
   still inside its SLA it closes just before the deadline rather than at once
   (:meth:`BlockSimulator._premature_closure_moment`); the customer's return counts from then.
   Unsolved customers retry after a skewed delay (1 hour to 16 days) up to a maximum of chains;
   after that a back-office fix solves the need without a contact, or the customer gives up and
   the case auto-closes 14 days later with ``No Customer Response``.
   Payment cases are closed prematurely more often (:data:`P_PREMATURE_CLOSURE_EXTRA`: the
   agent closes the case once the payment is resubmitted, before it has gone through).
4. Complaints (the simulation's own record, ``Case.complaint_received``): a complaint-intent
   case is a complaint from its creation, any other case from the moment the customer has it
   reopened. A disputed payment closure may go straight to the back office on the chain that
   reopened it (:data:`P_DISPUTE_REFERRAL`). After an unsolved chain on a complaint case (not
   a premature closure) the case may be referred to the complaints back office
   (:data:`P_COMPLAINT_REFERRAL`): the customer waits for its final response and contacts no
   more; the back office closes the case as ``Resolved`` after a slow, skewed delay (median
   :data:`COMPLAINT_BACK_OFFICE_MEDIAN`, up to :data:`COMPLAINT_BACK_OFFICE_MAX`), which
   solves the need, or not before the period end. These draws come from the block's separate
   back-office generator. No follow-up contact comes after a referral, so the need's contacts
   stay inside one episode.
   Complaint letters (custom fields on the case, drawn from the block's separate letters
   generator once every case is simulated, so no other draw moves): the complaint handler
   sends the written acknowledgement (DISP 1.6.1R) after a delay drawn from
   :data:`ACKNOWLEDGEMENT_DELAYS` (mostly within hours, some days late, a few never), unless the
   case was answered first. A payment-services complaint still unanswered
   :data:`EXCEPTIONAL_AFTER` after receipt is recorded as delayed by exceptional circumstances
   with chance :data:`P_EXCEPTIONAL` (a third party's investigation); the back office then sends
   a holding response (chance :data:`P_HOLDING_RESPONSE`) :data:`HOLDING_RESPONSE_DAYS` later,
   before or after the 15th business day, unless it answered first.
5. A few solved needs get one follow-up assisted chain 1-9 days later (same case, no reopen).
6. After an assisted chain a survey may follow (response bias towards solved needs). Surveys
   go to customers who opted in (``survey_opt_in``), except a consent breach: a share
   :data:`P_SURVEY_WITHOUT_CONSENT` of the would-be invitations of customers who did not opt
   in is sent anyway (such a survey draws everything from the block's separate consent
   generator).

Drivers (contact attributes, drawn from the block's separate driver generator so that the
draws of the journey above keep their order). The first leg of every contact passes the IVR /
chat authentication step (``auth_result``). Every assisted leg has a desktop CRM lookup latency
(``desktop_latency_ms``; each second of it adds :data:`TALK_SECONDS_PER_LATENCY_SECOND` of talk)
and may use a knowledge article (``kb_article_id``; ``world.KB_ARTICLES`` says which are
accurate). They are causal: the chance that a chain solves the need is multiplied by
:data:`AUTH_FAILED_SOLVE_FACTOR` when its first leg failed authentication, by
:data:`INACCURATE_ARTICLE_SOLVE_FACTOR` when any leg used an inaccurate article, and lowered by
:data:`LATENCY_SOLVE_PENALTY_PER_SECOND` per second of its slowest leg's latency above one
second (at most :data:`LATENCY_SOLVE_PENALTY_MAX`). An unsolved chain means another contact.
Abandoned queue waits can be as short as one second (short abandons).

Experiments (``seeds/experiments/``, :mod:`.experiments`): the registered experiments change the
organisation from their start date in their treated units (a knowledge article fix corrects
inaccurate articles; a one-time passcode policy lowers security-check failures). A need that may
fall in an experiment is first replayed with that experiment's assignment reversed
(:meth:`BlockSimulator._need_observed`): every random stream and counter is restored afterwards,
so the world is exactly the one simulated without the replay, and the need carries its outcome
under the other arm (``NeedTruth.counterfactuals``) for the true effect in the ground truth.

Nothing at or after the period end is generated: a need in flight is cut there.
"""

from __future__ import annotations

import math
import random

from .clock import DAY, HOUR, Clock
from .config import GeneratorConfig
from .experiments import SimulatedChanges, registered_experiments
from .ids import response_id, sf_id, uuid4
from .model import Case, ChainTruth, Contact, NeedTruth, Survey
from .truth.reference import read_threshold
from .world import (
    AUTOMATION_USER_ID,
    BACK_OFFICE_USER_ID,
    GAMING_TEAM,
    KB_ARTICLES,
    QUEUE_NAMES,
    ROSTER,
    SYSTEM_NUMBERS,
    TRANSFER_QUEUE,
    Agent,
    Customer,
    make_customer,
    need_arrivals,
)

P_BOT = {"billing": 0.5, "payment_problem": 0.4, "technical_fault": 0.35,
         "account_change": 0.6, "complaint": 0.15, "onboarding": 0.45}  # fmt: skip
#: (resolved, handed_off) probabilities of a bot chat; the rest is abandoned.
BOT_OUTCOME = {"billing": (0.42, 0.44), "payment_problem": (0.18, 0.66),
               "technical_fault": (0.14, 0.70), "account_change": (0.55, 0.33),
               "complaint": (0.03, 0.85), "onboarding": (0.32, 0.55)}  # fmt: skip
P_SOLVE = {"billing": 0.72, "payment_problem": 0.6, "technical_fault": 0.5,
           "account_change": 0.8, "complaint": 0.45, "onboarding": 0.7}  # fmt: skip
P_TRANSFER = {"billing": 0.08, "payment_problem": 0.1, "technical_fault": 0.16,
              "account_change": 0.05, "complaint": 0.14, "onboarding": 0.07}  # fmt: skip
TALK_SECONDS = {"billing": 420, "payment_problem": 480, "technical_fault": 720,
                "account_change": 360, "complaint": 660, "onboarding": 540}  # fmt: skip
CASE_REASON = {"billing": "Billing", "payment_problem": "Payment Problem",
               "technical_fault": "Technical Fault", "account_change": "Account Change",
               "complaint": "Complaint", "onboarding": "Onboarding"}  # fmt: skip
CASE_TYPE = {"billing": "Question", "payment_problem": "Problem",
             "technical_fault": "Problem", "account_change": "Request",
             "complaint": "Complaint", "onboarding": "Request"}  # fmt: skip
_SUBJECTS = {
    "billing": ("Question about my bill", "Bill higher than expected", "Explain charges"),
    "payment_problem": ("Payment failed", "Refund not received", "Direct debit issue"),
    "technical_fault": ("Service not working", "Intermittent outage", "Device error"),
    "account_change": ("Change address", "Update bank details", "Change plan"),
    "complaint": ("Complaint about service", "Unhappy with handling", "Formal complaint"),
    "onboarding": ("Help getting started", "Activation problem", "Welcome pack missing"),
}
#: Share of first legs that skip authentication, by channel; of the rest, share that fail.
AUTH_NOT_ATTEMPTED = {"VOICE": 0.08, "CHAT": 0.14}
AUTH_FAIL = 0.09
AUTH_FAIL_VULNERABLE = 0.17
#: Share of assisted legs on which the agent uses a knowledge article, by intent.
P_ARTICLE = {"billing": 0.45, "payment_problem": 0.55, "technical_fault": 0.7,
             "account_change": 0.35, "complaint": 0.3, "onboarding": 0.6}  # fmt: skip
#: Desktop CRM lookup latency (ms): lognormal median / spread, bounds; some legs hit a slow spell.
LATENCY_MEDIAN_MS = 900
LATENCY_SLOW_SPELL = 0.06
TALK_SECONDS_PER_LATENCY_SECOND = 25
AUTH_FAILED_SOLVE_FACTOR = 0.55
INACCURATE_ARTICLE_SOLVE_FACTOR = 0.6
LATENCY_SOLVE_PENALTY_PER_SECOND = 0.03
LATENCY_SOLVE_PENALTY_MAX = 0.12
MAX_CHAINS = 4
#: Added to the agent's premature-closure propensity on payment cases (module docstring).
P_PREMATURE_CLOSURE_EXTRA = {"payment_problem": 0.45}
#: Chance that the chain on which a customer disputed a closure (the reopen) refers the dispute
#: straight to the back office, by intent (a payment has to be traced first).
P_DISPUTE_REFERRAL = {"payment_problem": 0.8}
#: Chance that an unsolved chain on a complaint case refers it to the complaints back office.
P_COMPLAINT_REFERRAL = 0.3
#: Delay of the complaints back office's final response: lognormal median / spread / bounds.
COMPLAINT_BACK_OFFICE_MEDIAN = 25 * DAY
COMPLAINT_BACK_OFFICE_SIGMA = 0.9
COMPLAINT_BACK_OFFICE_MIN = 2 * DAY
COMPLAINT_BACK_OFFICE_MAX = 120 * DAY
#: Delay from a complaint's receipt to its written acknowledgement: (cumulative share, lognormal
#: median, spread, lower and upper bound); beyond the last share none is ever sent.
ACKNOWLEDGEMENT_DELAYS = (
    (0.80, 2 * HOUR, 1.0, 5 * 60, 20 * HOUR),  # the handler's letter, the same or next day
    (0.93, 2 * DAY, 0.5, DAY, 5 * DAY),  # a backlog of a few days
    (0.97, 8 * DAY, 0.4, 5 * DAY, 15 * DAY),  # lost in the queue for a week or more
)
#: A payment-services complaint unanswered this long after receipt may be recorded as delayed by
#: exceptional circumstances beyond the firm's control, with this chance.
EXCEPTIONAL_AFTER = 7 * DAY
P_EXCEPTIONAL = 0.3
#: Chance that a holding response follows, and its delay after the circumstances were recorded
#: (uniform, days; the 15th business day is about 21 calendar days after receipt).
P_HOLDING_RESPONSE = 0.85
HOLDING_RESPONSE_DAYS = (1.0, 16.0)
#: Upper bound of how much later an updated Connect record version can be (formats.connect).
UPDATE_DELAY_MAX = 2 * HOUR + 60
#: Share of survey invitations of customers who did not opt in that are sent anyway (a breach).
P_SURVEY_WITHOUT_CONSENT = 0.15
#: Per-block id ranges (cases, case history rows).
CASES_PER_CUSTOMER = 40
HISTORY_PER_CUSTOMER = 1_000


def _lognormal(rng: random.Random, median: float, sigma: float, lo: float, hi: float) -> int:
    return int(min(hi, max(lo, median * math.exp(rng.gauss(0.0, sigma)))))


def _comment(rng: random.Random, sentiment: int, intent: str) -> str:
    topic = CASE_REASON[intent].lower()
    if sentiment > 0:
        options = (f"Sorted my {topic} issue quickly, thank you.",
                   "Friendly agent, solved first time.", "Very helpful, easy to deal with.",
                   f"Great help with the {topic} question.")  # fmt: skip
    elif sentiment < 0:
        options = (f"Still waiting, my {topic} problem is not fixed.",
                   "Had to call several times, nobody follows up.",
                   "Told it was resolved but it was not.", "Too long on hold, no solution.",
                   f"Frustrating, the {topic} issue keeps coming back.")  # fmt: skip
    else:
        options = ("It was ok.", "Took a while but got there in the end.",
                   "Agent was polite, process is slow.")  # fmt: skip
    return options[int(rng.random() * len(options))]


class BlockSimulator:
    """Simulates the customers of one block; results are kept in lists on the instance."""

    def __init__(self, cfg: GeneratorConfig, clock: Clock, block: int) -> None:
        self.cfg = cfg
        self.clock = clock
        self.block = block
        self.rng = random.Random(f"sim:{cfg.seed}:{block}")
        #: Driver draws (authentication, articles, latency) come from their own stream.
        self.drivers = random.Random(f"drivers:{cfg.seed}:{block}")
        #: Complaint referrals and the back office's delays come from their own stream too.
        self.back_office = random.Random(f"back_office:{cfg.seed}:{block}")
        #: Whether a survey goes to a customer who did not opt in: its own stream as well.
        self.consent = random.Random(f"consent:{cfg.seed}:{block}")
        #: Complaint letters (acknowledgement, exceptional circumstances, holding response).
        self.letters = random.Random(f"letters:{cfg.seed}:{block}")
        #: What the registered experiments change, where and from when (module docstring).
        self.changes = SimulatedChanges(registered_experiments())
        #: When the gaming team closes a case just before its SLA deadline: its own stream too.
        self.gaming = random.Random(f"gaming:{cfg.seed}:{block}")
        #: The case closure SLA (registry ``case_closure_sla``, hours) the gaming team games.
        self.sla = int(read_threshold("case_closure_sla") * HOUR)
        self.end = clock.end
        self.gap = cfg.episode_gap_days * DAY
        #: Longest re-contact delay of an unsolved customer (16 days with the default gap).
        self.max_recontact = max(HOUR, self.gap - 5 * DAY)
        self.customers: list[Customer] = []
        self.contacts: list[Contact] = []
        self.cases: list[Case] = []
        self.surveys: list[Survey] = []
        self.needs: list[NeedTruth] = []
        self.churns: list[tuple[Customer, int]] = []
        self._case_n = block * cfg.block_size * CASES_PER_CUSTOMER
        self._case_cap = self._case_n + cfg.block_size * CASES_PER_CUSTOMER
        self._hist_n = block * cfg.block_size * HISTORY_PER_CUSTOMER

    # ---- customers ------------------------------------------------------------------------
    def run(self) -> None:
        first = self.block * self.cfg.block_size
        last = min(first + self.cfg.block_size, self.cfg.customers)
        for index in range(first, last):
            customer = make_customer(index, self.cfg, self.clock, self.rng)
            self.customers.append(customer)
            self._customer(customer)
        for case in self.cases:
            self._complaint_letters(case)

    def _customer(self, cust: Customer) -> None:
        rng = self.rng
        end = self.end
        arrivals = need_arrivals(cust, self.cfg, self.clock, rng)
        start = max(cust.created_at, self.clock.t0)
        churn = start + int(rng.expovariate(0.07 / (365 * DAY))) + DAY
        last_by_intent: dict[str, int] = {}
        seq = 0
        first_need = len(self.needs)
        for arrival, intent in arrivals:
            if arrival >= churn:
                break
            earliest = arrival
            prev = last_by_intent.get(intent)
            if prev is not None:
                # Identifiability rule: postpone until the episode gap after the last contact.
                # The margin covers updated versions of the last contact (later
                # LastUpdateTimestamp, at most UPDATE_DELAY_MAX after the first version).
                margin = UPDATE_DELAY_MAX + HOUR + int(rng.random() * 3 * DAY)
                earliest = max(arrival, prev + self.gap + margin)
            if earliest >= end or earliest >= churn:
                continue
            seq += 1
            need = self._need_observed(cust, f"N{cust.index:08d}-{seq:03d}", intent, earliest)
            if need is None:
                continue
            self.needs.append(need)
            last_by_intent[intent] = need.last_contact
            repeats = max(0, len(need.chains) - 1)
            p = 0.003 + (0.06 if need.solved_at == 0 else 0.0) + 0.02 * repeats
            if rng.random() < p:
                at = need.last_contact + int(DAY * (2 + rng.random() * 28))
                churn = min(churn, at)
        if churn < end:
            self.churns.append((cust, churn))
            for need in self.needs[first_need:]:
                need.churned_at = churn

    # ---- cases ------------------------------------------------------------------------------
    def _new_case(self, cust: Customer, intent: str, first: Contact, at: int) -> Case:
        self._case_n += 1
        if self._case_n >= self._case_cap:
            raise RuntimeError("case number range of the block exhausted")
        rng = self.rng
        if intent == "complaint" or cust.segment == "premium" or cust.vulnerable:
            priority = "High"
        elif intent in ("account_change", "onboarding") and rng.random() < 0.5:
            priority = "Low"
        else:
            priority = "Medium"
        subject = _SUBJECTS[intent][int(rng.random() * 3)]
        how = "called" if first.channel == "VOICE" else "chatted"
        description = f"{cust.first_name} {cust.last_name} {how} about: {subject.lower()}."
        if rng.random() < 0.3:
            description += f" Call back on {cust.phone}."
        assert first.agent is not None
        case = Case(
            case_id=sf_id("500", self._case_n),
            number=self._case_n,
            customer=cust,
            intent=intent,
            origin="Phone" if first.channel == "VOICE" else "Chat",
            priority=priority,
            type=CASE_TYPE[intent],
            subject=subject,
            description=description,
            created=at,
            owner_id=first.agent.user_id,
        )
        if intent == "complaint":
            case.complaint_received = at  # logged as a complaint (Type Complaint)
        self.cases.append(case)
        self._history(case, at, "created", "", "", case.owner_id)
        case.states.append((at, self._state(case)))
        self._change(case, at + 1 + int(rng.random() * 5), case.owner_id, status="Working")
        return case

    @staticmethod
    def _state(case: Case) -> tuple[str, str, str, bool, int]:
        return (case.status, case.resolution, case.owner_id, case.is_escalated, case.closed_date)

    def _history(self, case: Case, at: int, field: str, old: str, new: str, by: str) -> None:
        self._hist_n += 1
        case.history.append((self._hist_n, at, field, old, new, by))

    def _change(
        self,
        case: Case,
        at: int,
        by: str,
        *,
        status: str | None = None,
        resolution: str | None = None,
        owner: str | None = None,
        escalated: bool | None = None,
    ) -> None:
        if at >= self.end:
            return
        if owner is not None and owner != case.owner_id:
            self._history(case, at, "Owner", case.owner_id, owner, by)
            case.owner_id = owner
        if status is not None and status != case.status:
            self._history(case, at, "Status", case.status, status, by)
            case.status = status
            if status == "Closed":
                case.closed_date = at
                if case.complaint_received and not case.complaint_response:
                    # The complaint's answer: the first closure after its receipt.
                    case.complaint_response = at
                    case.complaint_response_code = (
                        resolution if resolution is not None else case.resolution
                    )
        if resolution is not None and resolution != case.resolution:
            self._history(case, at, "Resolution_Code__c", case.resolution, resolution, by)
            case.resolution = resolution
        if escalated is not None:
            case.is_escalated = escalated
        case.states.append((at, self._state(case)))

    def _acknowledgement_delay(self) -> int | None:
        """Seconds from a complaint's receipt to its acknowledgement (``None``: never sent)."""
        rng = self.letters
        r = rng.random()
        for share, median, sigma, lo, hi in ACKNOWLEDGEMENT_DELAYS:
            if r < share:
                return _lognormal(rng, median, sigma, lo, hi)
        return None

    def _complaint_letters(self, case: Case) -> None:
        """Acknowledgement, exceptional circumstances and holding response of a complaint."""
        received = case.complaint_received
        if not received:
            return
        rng = self.letters
        # Nothing is sent once the complaint has been answered, nor at or after the period end.
        cutoff = min(case.complaint_response or self.end, self.end)
        delay = self._acknowledgement_delay()
        if delay is not None and received + delay < cutoff:
            case.acknowledged_at = received + delay
        if case.intent != "payment_problem":
            return
        flagged = received + EXCEPTIONAL_AFTER + int(rng.random() * DAY)
        exceptional = rng.random() < P_EXCEPTIONAL
        holding = flagged + int(DAY * rng.uniform(*HOLDING_RESPONSE_DAYS))
        sends_holding = rng.random() < P_HOLDING_RESPONSE
        if not exceptional or flagged >= cutoff:
            return
        case.exceptional_at = flagged
        if sends_holding and holding < cutoff:
            case.holding_response_at = holding

    # ---- contacts ---------------------------------------------------------------------------
    def _contact(self, cust: Customer, channel: str, method: str, at: int, intent: str) -> Contact:
        voice = channel == "VOICE"
        contact = Contact(
            contact_id=uuid4(self.rng),
            customer=cust,
            channel=channel,
            method=method,
            initiated=at,
            intent=intent,
            customer_address=cust.phone if voice else "",
            system_address=SYSTEM_NUMBERS[cust.region] if voice else "",
            survey_opt_in=cust.survey_opt_in,
        )
        if method != "TRANSFER":
            contact.auth_result = self._authenticate(cust, channel, intent, at)
        return contact

    def _authenticate(self, cust: Customer, channel: str, intent: str, at: int) -> str:
        """Result of the IVR / chat authentication step on a first leg."""
        drv = self.drivers
        if drv.random() < AUTH_NOT_ATTEMPTED[channel]:
            return "not_attempted"
        fail = AUTH_FAIL_VULNERABLE if cust.vulnerable else AUTH_FAIL
        fail *= self.changes.auth_fail_factor(cust.region, intent, at)
        return "failed" if drv.random() < fail else "passed"

    def _desktop(self, c: Contact, intent: str, follow_up: bool) -> None:
        """Agent desktop attributes of an assisted leg: CRM latency and the article used."""
        drv = self.drivers
        latency = _lognormal(drv, LATENCY_MEDIAN_MS, 0.45, 150, 20_000)
        if drv.random() < LATENCY_SLOW_SPELL:
            latency = min(20_000, latency * 3)
        c.desktop_latency_ms = latency
        c.talk += latency * TALK_SECONDS_PER_LATENCY_SECOND // 1000
        if drv.random() < P_ARTICLE[intent] * (0.5 if follow_up else 1.0):
            articles = KB_ARTICLES[intent]
            c.kb_article_id, c.kb_article_accurate = articles[int(drv.random() * len(articles))]
            if c.customer is not None and not c.kb_article_accurate:
                # The knowledge article fix: this queue's articles were corrected at this site.
                c.kb_article_accurate = self.changes.article_fixed(
                    c.customer.region, intent, c.agent_connected
                )

    @staticmethod
    def _solve_factor(legs: list[Contact]) -> float:
        """How the chain's drivers scale its chance of solving the need (module docstring)."""
        factor = 1.0
        if legs[0].auth_result == "failed":
            factor *= AUTH_FAILED_SOLVE_FACTOR
        if any(leg.kb_article_id and not leg.kb_article_accurate for leg in legs):
            factor *= INACCURATE_ARTICLE_SOLVE_FACTOR
        slowest = max(leg.desktop_latency_ms for leg in legs)
        excess = max(0, slowest - 1000) / 1000
        return factor * (
            1 - min(LATENCY_SOLVE_PENALTY_MAX, LATENCY_SOLVE_PENALTY_PER_SECOND * excess)
        )

    def _chain(
        self, cust: Customer, intent: str, first: Contact, enqueue: int, wait: int, follow_up: bool
    ) -> tuple[list[Contact], bool]:
        """Queue + agent legs of one assisted chain; returns (legs, cut at the period end)."""
        rng = self.rng
        agents = ROSTER[cust.region]
        transfers = 0
        if not follow_up and rng.random() < P_TRANSFER[intent]:
            transfers = 2 if rng.random() < 0.2 else 1
        voice = first.channel == "VOICE"
        talk_median = TALK_SECONDS[intent] * (1.0 if voice else 1.4) * (0.5 if follow_up else 1.0)
        legs: list[Contact] = []
        c = first
        queue = QUEUE_NAMES[intent]
        for leg in range(transfers + 1):
            c.queue = queue
            c.enqueued = enqueue
            c.dequeued = enqueue + wait
            agent = agents[int(rng.random() * len(agents))]
            c.agent = agent
            c.agent_connected = c.dequeued + 2 + int(rng.random() * 6)
            c.talk = _lognormal(rng, talk_median, 0.55, 60, 4 * HOUR)
            self._desktop(c, intent, follow_up)
            if voice and rng.random() < 0.25:
                c.holds = 1 if rng.random() < 0.75 else 2
                c.longest_hold = _lognormal(rng, 90, 0.7, 15, 1200)
                c.hold = c.longest_hold + (int(rng.random() * c.longest_hold) if c.holds > 1 else 0)
            ended = c.agent_connected + c.talk + c.hold
            c.disconnected = ended
            nxt = None
            if leg < transfers:
                nxt = self._contact(cust, first.channel, "TRANSFER", ended, intent)
                nxt.customer_address = first.customer_address
                nxt.initial_contact_id = first.contact_id
                nxt.previous_contact_id = c.contact_id
                c.next_contact_id = nxt.contact_id
                c.transfer_completed = ended
                c.disconnect_reason = "AGENT_DISCONNECT"
            else:
                c.disconnect_reason = (
                    "CUSTOMER_DISCONNECT" if rng.random() < 0.6 else "AGENT_DISCONNECT"
                )
            c.acw_start = ended
            c.acw_end = ended + _lognormal(rng, 110, 0.6, 10, 1800)
            c.last_update = c.acw_end + 1 + int(rng.random() * 20)
            if c.last_update >= self.end:
                return legs, True
            legs.append(c)
            if nxt is not None:
                c = nxt
                enqueue = ended + 3 + int(rng.random() * 8)
                wait = min(1200, int(rng.expovariate(1 / 60.0))) + 3
                queue = TRANSFER_QUEUE[intent]
        return legs, False

    def _survey(
        self,
        cust: Customer,
        legs: list[Contact],
        case_id: str,
        intent: str,
        solved: bool,
        effort: int,
    ) -> None:
        # A survey sent without consent draws from the consent stream throughout, so the main
        # stream (and with it the rest of the world) is the same as if none were sent.
        rng = self.rng if cust.survey_opt_in else self.consent
        if not cust.survey_opt_in and rng.random() >= P_SURVEY_WITHOUT_CONSENT:
            return
        if rng.random() >= 0.4:
            return
        if rng.random() >= (0.38 if solved else 0.2):
            return
        last = legs[-1]
        started = last.acw_end + _lognormal(rng, 3 * HOUR, 1.2, 300, 5 * DAY)
        finished = rng.random() >= 0.1
        extra = max(0, effort - 1)
        noise = rng.gauss
        q1 = round((4.3 if solved else 2.1) - 0.15 * extra + noise(0, 0.7))
        q2 = round((5.8 if solved else 3.0) - 0.3 * extra + noise(0, 1.0))
        q3 = round((8.3 if solved else 4.0) - 0.35 * extra + noise(0, 1.4))
        answers: list[int | None] = [min(5, max(1, q1)), min(7, max(1, q2)), min(10, max(0, q3))]
        sentiment = 1 if answers[0] >= 4 else (-1 if answers[0] <= 2 else 0)  # type: ignore[operator]
        comment = _comment(rng, sentiment, intent) if rng.random() < 0.6 else ""
        if finished:
            duration = _lognormal(rng, 75, 0.6, 15, 1800)
            recorded = started + duration
            progress = 100
        else:
            answered = int(rng.random() * 3)
            for i in range(answered, 3):
                answers[i] = None
            comment = ""
            progress = (0, 25, 50)[answered]
            duration = _lognormal(rng, 30, 0.6, 3, 600)
            recorded = started + duration + 7 * DAY  # incomplete responses close after a week
        if recorded >= self.end:
            return
        channel = "sms" if last.channel == "VOICE" and rng.random() < 0.3 else "email"
        self.surveys.append(
            Survey(
                customer=cust,
                contact=last,
                case_id=case_id,
                intent=intent,
                started=started,
                duration=duration,
                recorded=recorded,
                finished=finished,
                progress=progress,
                q1=answers[0],
                q2=answers[1],
                q3=answers[2],
                comment=comment,
                channel=channel,
                response_id=response_id(rng),
            )
        )

    # ---- one need -----------------------------------------------------------------------
    def _need(self, cust: Customer, need_id: str, intent: str, earliest: int) -> NeedTruth | None:
        rng = self.rng
        clock = self.clock
        end = self.end
        region = cust.region
        contacts: list[Contact] = []
        chains: list[ChainTruth] = []
        case: Case | None = None
        solved_at = 0
        contained = False
        abandons = bot_tries = 0
        must_return = False
        referred = disputed = False
        first_survey = len(self.surveys)
        use_bot = rng.random() < P_BOT[intent] * (0.4 + cust.digital)
        voice_share = 0.8 - 0.45 * cust.digital
        t = clock.customer_time(earliest, region, rng, assisted=not use_bot)
        while t < end:
            if use_bot and not must_return:
                c = self._contact(cust, "CHAT", "API", t, intent)
                bot_end = t + _lognormal(rng, 200, 0.6, 30, 1800)
                resolved_p, handoff_p = BOT_OUTCOME[intent]
                r = rng.random()
                outcome = (
                    "resolved"
                    if r < resolved_p
                    else ("handed_off" if r < resolved_p + handoff_p else "abandoned")
                )
                if outcome == "handed_off" and not clock.is_open(bot_end, region):
                    outcome = "abandoned"  # no agents at this hour
                c.bot_outcome = outcome
                if outcome != "handed_off":
                    c.disconnected = bot_end
                    c.disconnect_reason = (
                        "CONTACT_FLOW_DISCONNECT"
                        if outcome == "resolved"
                        else "CUSTOMER_DISCONNECT"
                    )
                    c.last_update = bot_end + 1 + int(rng.random() * 10)
                    if c.last_update >= end:
                        break
                    contacts.append(c)
                    if outcome == "resolved":
                        solved_at = bot_end
                        contained = not chains
                        break
                    bot_tries += 1
                    if bot_tries >= 3 and rng.random() < 0.5:
                        break  # gives up
                    use_bot = rng.random() < 0.45
                    delay = _lognormal(rng, 4 * HOUR, 1.0, 600, 2 * DAY)
                    t = clock.customer_time(bot_end + delay, region, rng, assisted=not use_bot)
                    continue
                first = c
                enqueue = bot_end
            else:
                voice = rng.random() < voice_share
                first = self._contact(
                    cust, "VOICE" if voice else "CHAT", "INBOUND" if voice else "API", t, intent
                )
                enqueue = t + (_lognormal(rng, 60, 0.4, 15, 300) if voice else 5)
            wait = min(
                1800, int(rng.expovariate(1 / (100.0 if first.channel == "VOICE" else 70.0)))
            )
            wait += 5
            if abandons < 4 and rng.random() < 0.02 + wait / 1500:
                gone = enqueue + max(1, int(wait * (0.3 + 0.7 * rng.random())))
                first.queue = QUEUE_NAMES[intent]
                first.enqueued = enqueue
                first.dequeued = gone
                first.disconnected = gone
                first.disconnect_reason = "CUSTOMER_DISCONNECT"
                first.last_update = gone + 1 + int(rng.random() * 10)
                if first.last_update >= end:
                    break
                contacts.append(first)
                abandons += 1
                if abandons >= 4 and not must_return:
                    break
                use_bot = False
                delay = _lognormal(rng, 1.5 * HOUR, 1.0, 300, DAY)
                t = clock.customer_time(gone + delay, region, rng, assisted=True, weekly=False)
                continue
            legs, cut = self._chain(cust, intent, first, enqueue, wait, follow_up=False)
            if not legs:
                break
            chains.append(ChainTruth(first.contact_id, first.initiated, False))
            lead = legs[0]
            assert lead.agent is not None
            if case is None:
                at = lead.agent_connected + min(lead.talk - 5, 20 + int(rng.random() * 200))
                case = self._new_case(cust, intent, lead, at)
            elif case.status == "Closed":
                at = lead.agent_connected + 10 + int(rng.random() * 30)
                self._change(case, at, lead.agent.user_id, status="Reopened", resolution="")
                if case.status == "Reopened" and not case.complaint_received:
                    case.complaint_received = at  # the customer disputed the closure
                    disputed = True
                must_return = False
            for leg in legs:
                leg.case_id = case.case_id
            contacts.extend(legs)
            if cut:
                break
            last = legs[-1]
            assert last.agent is not None
            done = last.acw_end
            by = last.agent.user_id
            if disputed and self.back_office.random() < P_DISPUTE_REFERRAL.get(intent, 0.0):
                self._survey(cust, legs, case.case_id, intent, False, len(contacts))
                solved_at = self._refer_complaint(case, done)
                referred = True
                break
            disputed = False
            p = P_SOLVE[intent] * last.agent.skill * (1 + 0.08 * (len(chains) - 1))
            p *= self._solve_factor(legs)
            if cust.vulnerable:
                p *= 0.9
            if rng.random() < p:
                code = "Resolved" if rng.random() < 0.9 else "Resolved - Workaround"
                self._change(case, done, by, status="Closed", resolution=code, owner=by)
                solved_at = done
                self._survey(cust, legs, case.case_id, intent, True, len(contacts))
                break
            if rng.random() < last.agent.gaming + P_PREMATURE_CLOSURE_EXTRA.get(intent, 0.0):
                closed = self._premature_closure_moment(case, last.agent, done)
                self._change(case, closed, by, status="Closed", resolution="Resolved", owner=by)
                if closed < end:
                    case.premature_closures.append((closed, last.agent.team, closed != done))
                done = closed  # the customer learns of the closure now
                must_return = True  # premature closure: this customer always comes back
            else:
                r = rng.random()
                status = "Escalated" if r < 0.3 else ("On Hold" if r < 0.5 else "Working")
                self._change(
                    case, done, by, status=status, owner=by, escalated=status == "Escalated"
                )
            self._survey(cust, legs, case.case_id, intent, False, len(contacts))
            if (
                not must_return
                and case.complaint_received
                and self.back_office.random() < P_COMPLAINT_REFERRAL
            ):
                solved_at = self._refer_complaint(case, done)
                referred = True
                break
            if not must_return and (len(chains) >= MAX_CHAINS or rng.random() < 0.06):
                if rng.random() < 0.45:
                    fix = done + int(DAY * (1 + rng.random() * 5))
                    if fix < end:
                        self._change(case, fix, BACK_OFFICE_USER_ID, status="Closed",
                                     resolution="Resolved", owner=BACK_OFFICE_USER_ID)  # fmt: skip
                        solved_at = fix
                else:
                    self._change(case, done + 14 * DAY, AUTOMATION_USER_ID, status="Closed",
                                 resolution="No Customer Response")  # fmt: skip
                break
            if len(chains) >= 2 * MAX_CHAINS:
                break
            use_bot = not must_return and rng.random() < 0.15
            if must_return:
                # The closure notice tells the customer at once that the case was closed
                # unresolved: they come back within two days (plus the opening-hours push), so
                # inside the resolution confirmation window.
                delay = _lognormal(rng, 20 * HOUR, 0.8, HOUR, 2 * DAY)
            else:
                # Skewed: a real share beyond 7 days; capped so that with the opening-hours push
                # (<= 4 days) the next contact stays well inside the episode gap.
                delay = _lognormal(rng, 60 * HOUR, 1.3, HOUR, self.max_recontact)
            t = clock.customer_time(done + delay, region, rng, assisted=not use_bot)
        if (
            solved_at
            and case is not None
            and not referred
            and rng.random() < self.cfg.follow_up_rate
        ):
            self._follow_up(cust, intent, case, solved_at, contacts, chains)
        if not contacts:
            return None
        self.contacts.extend(contacts)
        return NeedTruth(
            need_id=need_id,
            customer=cust,
            intent=intent,
            first_contact=contacts[0].initiated,
            contact_count=len(contacts),
            chains=chains,
            is_contained=contained,
            solved_at=solved_at,
            case_id=case.case_id if case is not None else "",
            last_contact=max(c.last_update for c in contacts),
            surveys=self.surveys[first_survey:],
            contacts=contacts,
        )

    def _premature_closure_moment(self, case: Case, agent: Agent, done: int) -> int:
        """When a premature closure happens: at the end of the agent's after-contact work, except
        in the gaming team (``world.GAMING_TEAM``), which holds a case still inside its closure
        SLA open until just before the deadline (5 to 55 minutes before it) and closes it then."""
        deadline = case.created + self.sla
        if agent.team != GAMING_TEAM or done >= deadline - HOUR:
            return done
        return deadline - 5 * 60 - int(self.gaming.random() * 50 * 60)

    def _need_observed(
        self, cust: Customer, need_id: str, intent: str, earliest: int
    ) -> NeedTruth | None:
        """:meth:`_need`, first replayed for each experiment the need may fall in with that
        experiment's assignment reversed. The replay's outcome is kept on the need; everything the
        replay drew or appended is undone, so the need and the rest of the world are exactly what
        they would be without it."""
        counterfactuals: dict[str, NeedTruth] = {}
        for experiment_id in self.changes.replays(cust.region, intent, earliest):
            saved = self._snapshot()
            self.changes.flipped = experiment_id
            try:
                replayed = self._need(cust, need_id, intent, earliest)
            finally:
                self.changes.flipped = None
                self._restore(saved)
            if replayed is not None:
                counterfactuals[experiment_id] = replayed
        need = self._need(cust, need_id, intent, earliest)
        if need is not None:
            need.counterfactuals = counterfactuals
        return need

    def _snapshot(self) -> tuple[dict[str, object], tuple[int, ...]]:
        """State of every random stream, the id counters and the output lists."""
        streams = {k: v.getstate() for k, v in vars(self).items() if isinstance(v, random.Random)}
        sizes = (len(self.contacts), len(self.cases), len(self.surveys), self._case_n, self._hist_n)
        return streams, sizes

    def _restore(self, saved: tuple[dict[str, object], tuple[int, ...]]) -> None:
        streams, (contacts, cases, surveys, case_n, hist_n) = saved
        for name, state in streams.items():
            getattr(self, name).setstate(state)
        del self.contacts[contacts:], self.cases[cases:], self.surveys[surveys:]
        self._case_n, self._hist_n = case_n, hist_n

    def _refer_complaint(self, case: Case, done: int) -> int:
        """Refer a complaint case to the back office; returns when it solved it (0: not yet)."""
        bo = self.back_office
        at = done + 60 + int(bo.random() * HOUR)
        self._change(case, at, BACK_OFFICE_USER_ID, status="Escalated",
                     owner=BACK_OFFICE_USER_ID, escalated=True)  # fmt: skip
        delay = _lognormal(
            bo,
            COMPLAINT_BACK_OFFICE_MEDIAN,
            COMPLAINT_BACK_OFFICE_SIGMA,
            COMPLAINT_BACK_OFFICE_MIN,
            COMPLAINT_BACK_OFFICE_MAX,
        )
        fix = at + delay
        if fix >= self.end:
            return 0
        self._change(case, fix, BACK_OFFICE_USER_ID, status="Closed", resolution="Resolved")
        return fix

    def _follow_up(
        self,
        cust: Customer,
        intent: str,
        case: Case,
        solved_at: int,
        contacts: list[Contact],
        chains: list[ChainTruth],
    ) -> None:
        rng = self.rng
        earliest = solved_at + int(DAY * (1 + rng.random() * 8))
        t = self.clock.customer_time(earliest, cust.region, rng, assisted=True)
        if t >= self.end:
            return
        voice = rng.random() < 0.6
        first = self._contact(
            cust, "VOICE" if voice else "CHAT", "INBOUND" if voice else "API", t, intent
        )
        enqueue = t + (_lognormal(rng, 60, 0.4, 15, 300) if voice else 5)
        wait = min(1800, int(rng.expovariate(1 / 90.0))) + 5
        legs, _ = self._chain(cust, intent, first, enqueue, wait, follow_up=True)
        if not legs:
            return
        for leg in legs:
            leg.case_id = case.case_id
        contacts.extend(legs)
        chains.append(ChainTruth(first.contact_id, first.initiated, True))
        self._survey(cust, legs, case.case_id, intent, True, len(contacts))
