"""The simulated organisation: customers, agents, queues and the arrival of needs.

Rules of the world (the ground truth depends on them):

* A customer is a Salesforce Account with one Contact; the customer key is the Contact ``Id``.
* Needs arrive as a Poisson process per customer (rate by segment, ~2-4 per year); each need
  has one intent of :data:`INTENTS`.
* **Identifiability rule**: a customer never has two needs of the same intent whose contacts
  come within ``episode_gap_days`` (21) days of each other. A new need of an intent that is
  already in progress for the customer is postponed until ``episode_gap_days`` after the
  earlier need's last contact (its end, after-contact work included). This is the episode gap
  the warehouse uses to sessionise a customer's contacts of one intent into episodes, so every
  episode the warehouse builds is exactly one need of the simulation.
* ~0.5% of customers are internal test accounts; they behave like the others.
* Drivers: every first leg of a contact passes the IVR / chat authentication step (passed,
  failed or not attempted); agents use knowledge articles from :data:`KB_ARTICLES`, a fixed
  share of which are inaccurate; the agent desktop's CRM lookup latency varies by leg. A failed
  authentication, an inaccurate article and a slow desktop each lower the chance that an
  assisted chain solves the need (``simulate``); latency also lengthens the agent's talk time.
* Customers existing at the start are created before it; joiners are created in the period.
  Churn is a baseline hazard plus a hazard that rises with unsolved needs and repeat chains.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .clock import DAY, REGIONS, Clock
from .config import GeneratorConfig
from .ids import sf_id

INTENTS: tuple[str, ...] = (
    "billing",
    "payment_problem",
    "technical_fault",
    "account_change",
    "complaint",
    "onboarding",
)
_INTENT_WEIGHTS = (0.27, 0.15, 0.26, 0.17, 0.07, 0.08)
SEGMENTS: tuple[str, ...] = ("consumer", "small_business", "premium")
_SEGMENT_WEIGHTS = (0.78, 0.15, 0.07)
#: Need rate multiplier by segment (mean ~1 across the mix).
_SEGMENT_NEED_FACTOR = {"consumer": 0.88, "small_business": 1.45, "premium": 1.25}
_REGION_WEIGHTS = (0.38, 0.22, 0.24, 0.16)
_REGION_COUNTRY = {"uk": "GB", "de": "DE", "us_east": "US", "us_west": "US"}
_REGION_LANGS = {
    "uk": (("en", 0.95), ("cy", 0.05)),
    "de": (("de", 0.9), ("en", 0.1)),
    "us_east": (("en", 0.82), ("es", 0.18)),
    "us_west": (("en", 0.75), ("es", 0.25)),
}
VULNERABILITY_TYPES = ("bereavement", "health", "financial_difficulty", "low_digital_skills")

_FIRST = {
    "uk": ("Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "George", "Mia", "Noah", "Ivy",
           "Rhys", "Ffion", "Charlie", "Grace", "Freddie", "Poppy"),
    "de": ("Lukas", "Mia", "Leon", "Emma", "Finn", "Hannah", "Jonas", "Lea", "Paul", "Sophie",
           "Felix", "Marie", "Elias", "Lena", "Max", "Jürgen"),
    "us": ("James", "Olivia", "Liam", "Emma", "Mateo", "Sofia", "Ethan", "Ava", "Lucas",
           "Isabella", "Mason", "Camila", "Logan", "Harper", "Diego", "Chloe"),
}  # fmt: skip
_LAST = {
    "uk": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Davies",
           "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Edwards", "Green", "Hall"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"),
    "us": ("Johnson", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Lee", "Walker",
           "Young", "Allen", "King", "Lopez", "Hill", "Scott", "Nguyen", "Carter"),
}  # fmt: skip
_MAIL_DOMAINS = ("example.com", "example.org", "example.net")


@dataclass(slots=True)
class Customer:
    index: int
    contact_id: str
    account_id: str
    region: str
    segment: str
    language: str
    first_name: str
    last_name: str
    email: str
    phone: str
    mobile: str
    birth_year: int
    vulnerable: bool
    vulnerability_type: str
    vulnerability_consent: bool
    marketing_consent: bool
    annual_value: float
    is_test: bool
    created_at: int
    joined_in_period: bool
    #: Propensity to use digital channels (bot / chat) in [0, 1].
    digital: float
    survey_opt_in: bool


def _pick(rng: random.Random, values: tuple[str, ...], weights: tuple[float, ...]) -> str:
    r = rng.random()
    acc = 0.0
    for v, w in zip(values, weights, strict=True):
        acc += w
        if r < acc:
            return v
    return values[-1]


def _phone(rng: random.Random, region: str, mobile: bool) -> str:
    n = int(rng.random() * 1_000_000)
    if region == "uk":
        return f"+447700{n:06d}" if mobile else f"+44161496{n % 10_000:04d}"
    if region == "de":
        return f"+49151{n:07d}" if mobile else f"+4930{n:07d}"
    area = ("212", "917", "646", "718") if region == "us_east" else ("213", "310", "415", "628")
    # 555 exchange, lines 2000-9999 (monitoring numbers use 555-01xx).
    return f"+1{area[n % 4]}555{2000 + n % 8000:04d}"


def make_customer(index: int, cfg: GeneratorConfig, clock: Clock, rng: random.Random) -> Customer:
    """Draw customer ``index`` (global, 0-based) from ``rng``."""
    region = _pick(rng, REGIONS, _REGION_WEIGHTS)
    segment = _pick(rng, SEGMENTS, _SEGMENT_WEIGHTS)
    langs = _REGION_LANGS[region]
    language = _pick(rng, tuple(lang for lang, _ in langs), tuple(w for _, w in langs))
    is_test = rng.random() < cfg.internal_test_share
    key = "us" if region.startswith("us") else region
    if is_test:
        first, last = "Test", f"Internal{index:06d}"
    else:
        first = _FIRST[key][int(rng.random() * 16)]
        last = _LAST[key][int(rng.random() * 16)]
    ascii_first = first.replace("ü", "ue").replace("ö", "oe").lower()
    ascii_last = last.replace("ü", "ue").replace("ö", "oe").lower()
    domain = "example.com" if is_test else _MAIL_DOMAINS[index % 3]
    email = f"{ascii_first}.{ascii_last}.{index}@{domain}"
    joined = rng.random() < cfg.joiner_share
    if joined:
        created = clock.t0 + int(rng.random() * (clock.end - clock.t0 - DAY))
    else:
        created = clock.t0 - int(DAY + rng.random() * 6 * 365 * DAY)
    vulnerable = rng.random() < 0.06
    value_base = {"consumer": 420.0, "small_business": 2600.0, "premium": 1800.0}[segment]
    annual_value = round(value_base * math.exp(rng.gauss(0.0, 0.45)), 2)
    digital = min(1.0, max(0.0, rng.gauss(0.55, 0.22)))
    return Customer(
        index=index,
        contact_id=sf_id("003", 1_000_000 + index),
        account_id=sf_id("001", 1_000_000 + index),
        region=region,
        segment=segment,
        language=language,
        first_name=first,
        last_name=last,
        email=email,
        phone=_phone(rng, region, mobile=rng.random() < 0.6),
        mobile=_phone(rng, region, mobile=True),
        birth_year=1940 + int(rng.random() * 66),
        vulnerable=vulnerable,
        vulnerability_type=VULNERABILITY_TYPES[int(rng.random() * 4)] if vulnerable else "",
        vulnerability_consent=vulnerable and rng.random() < 0.8,
        marketing_consent=rng.random() < 0.45,
        annual_value=annual_value,
        is_test=is_test,
        created_at=created,
        joined_in_period=joined,
        digital=digital,
        survey_opt_in=rng.random() < 0.75,
    )


def need_arrivals(
    customer: Customer, cfg: GeneratorConfig, clock: Clock, rng: random.Random
) -> list[tuple[int, str]]:
    """Arrival moments and intents of a customer's needs in the period, in time order."""
    rate = cfg.needs_per_year * _SEGMENT_NEED_FACTOR[customer.segment] / (365.0 * DAY)
    t = max(customer.created_at, clock.t0)
    out: list[tuple[int, str]] = []
    if customer.joined_in_period and rng.random() < 0.6:
        out.append((t + int(DAY * (0.2 + rng.random() * 8)), "onboarding"))
    while True:
        t += int(rng.expovariate(rate)) + 1
        if t >= clock.end:
            break
        out.append((t, _pick(rng, INTENTS, _INTENT_WEIGHTS)))
    out.sort()
    return out


# ---- the contact centre ---------------------------------------------------------------------

AWS_ACCOUNT_ID = "123456789012"
INSTANCE_ID = "5d2c1e7a-93b4-4f0e-9c61-2a8f7b3d4e10"
INSTANCE_ARN = f"arn:aws:connect:eu-west-2:{AWS_ACCOUNT_ID}:instance/{INSTANCE_ID}"

QUEUE_NAMES: dict[str, str] = {
    "billing": "Billing",
    "payment_problem": "Payments",
    "technical_fault": "Technical Support",
    "account_change": "Account Changes",
    "complaint": "Complaints",
    "onboarding": "New Customers",
}
#: Where transfers of a chain of each intent go.
TRANSFER_QUEUE: dict[str, str] = {
    "billing": "Billing Specialists",
    "payment_problem": "Billing Specialists",
    "technical_fault": "Technical Support Tier 2",
    "account_change": "Account Changes",
    "complaint": "Complaints Escalation",
    "onboarding": "Technical Support",
}
_ALL_QUEUES = sorted(set(QUEUE_NAMES.values()) | set(TRANSFER_QUEUE.values()))


def _stable_uuid(n: int, salt: int) -> str:
    rng = random.Random(salt * 1_000_003 + n)
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


QUEUE_ARNS: dict[str, str] = {
    name: f"{INSTANCE_ARN}/queue/{_stable_uuid(i, 7)}" for i, name in enumerate(_ALL_QUEUES)
}
#: The organisation's own numbers customers dial, per region.
SYSTEM_NUMBERS: dict[str, str] = {
    "uk": "+443069990100",
    "de": "+4980012345678",
    "us_east": "+18005550100",
    "us_west": "+18005550199",
}


@dataclass(frozen=True, slots=True)
class Agent:
    index: int
    arn: str
    username: str
    user_id: str
    region: str
    skill: float
    #: Propensity to close cases prematurely (as resolved although they are not).
    gaming: float
    routing_profile_arn: str
    routing_profile_name: str
    hierarchy: dict[str, object]
    #: The agent's team (hierarchy level 2 name, e.g. ``Manchester Team 3``).
    team: str = ""


#: The one team whose practice is to close unsolved cases as resolved to meet the case closure
#: SLA (registry ``case_closure_sla``): its agents close prematurely far more often, and defer
#: a premature closure on a case still inside its SLA to just before the SLA deadline
#: (``simulate``). Every other agent closes prematurely now and then, never at the deadline.
GAMING_TEAM = "Manchester Team 3"
GAMING_PROPENSITY = 0.7
BASE_GAMING_PROPENSITY = 0.06


def _make_roster() -> dict[str, list[Agent]]:
    rng = random.Random(20260101)
    sites = {"uk": ("Manchester", 60), "de": ("Leipzig", 34), "us_east": ("Charlotte", 40),
             "us_west": ("Phoenix", 26)}  # fmt: skip
    roster: dict[str, list[Agent]] = {}
    n = 0
    for region, (site, size) in sites.items():
        agents = []
        profile = f"{region.upper()} Agents"
        profile_arn = f"{INSTANCE_ARN}/routing-profile/{_stable_uuid(n, 11)}"
        for k in range(size):
            team = f"Team {k // 12 + 1}"
            # The draw is kept so that every other agent attribute stays as it was; gaming is a
            # property of one team's practice (GAMING_TEAM), not of scattered individuals.
            rng.random()
            gaming = (
                GAMING_PROPENSITY if f"{site} {team}" == GAMING_TEAM else BASE_GAMING_PROPENSITY
            )
            agents.append(
                Agent(
                    index=n,
                    arn=f"{INSTANCE_ARN}/agent/{_stable_uuid(n, 13)}",
                    username=f"agent.{region}.{k + 1:03d}",
                    user_id=sf_id("005", 5_000 + n),
                    region=region,
                    skill=min(1.25, max(0.7, rng.gauss(1.0, 0.12))),
                    gaming=gaming,
                    routing_profile_arn=profile_arn,
                    routing_profile_name=profile,
                    hierarchy={
                        "Level1": {
                            "ARN": f"{INSTANCE_ARN}/agent-group/{_stable_uuid(0, 17)}",
                            "Name": "Customer Service",
                        },
                        "Level2": {
                            "ARN": f"{INSTANCE_ARN}/agent-group/{_stable_uuid(n // 12, 19)}",
                            "Name": f"{site} {team}",
                        },
                    },
                    team=f"{site} {team}",
                )
            )
            n += 1
        roster[region] = agents
    return roster


ROSTER: dict[str, list[Agent]] = _make_roster()
#: Knowledge articles per intent: (article id, accurate). Article ``n`` of an intent is
#: inaccurate when ``n % 5 == 3`` (two of ten per intent), a fixed property of the world.
KB_ARTICLES: dict[str, tuple[tuple[str, bool], ...]] = {
    intent: tuple((f"KA-{i + 1}{n:03d}", n % 5 != 3) for n in range(1, 11))
    for i, intent in enumerate(INTENTS)
}
#: Salesforce user that runs automations (auto-close, back-office fixes).
AUTOMATION_USER_ID = sf_id("005", 4_999)
BACK_OFFICE_USER_ID = sf_id("005", 4_998)
