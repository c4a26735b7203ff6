"""Records no customer causes: synthetic monitoring calls and internal survey previews.

The organisation's synthetic monitoring dials the contact centre a few times a day from the
fixed numbers in :data:`MONITORING_ENDPOINTS`; the calls end in the contact flow
(``CONTACT_FLOW_DISCONNECT``), reach no queue or agent and identify no customer. The warehouse
excludes them with the exclusions seed.
"""

from __future__ import annotations

import random

from .clock import DAY, Clock
from .config import GeneratorConfig
from .ids import response_id, uuid4
from .model import Contact, Survey
from .world import SYSTEM_NUMBERS

#: Caller numbers of the synthetic monitoring (E.164, fictional ranges).
MONITORING_ENDPOINTS: tuple[str, ...] = (
    "+442079460017",
    "+442079460018",
    "+493023125017",
    "+12125550142",
    "+13105550187",
)
_TARGET_REGION = ("uk", "uk", "de", "us_east", "us_west")


def monitoring_calls(cfg: GeneratorConfig, clock: Clock) -> list[Contact]:
    rng = random.Random(f"monitoring:{cfg.seed}")
    calls: list[Contact] = []
    per_day = cfg.monitoring_calls_per_day
    for day in range(clock.days):
        base = clock.t0 + day * DAY
        for k in range(per_day):
            at = base + int((k + 0.2 + 0.6 * rng.random()) * DAY / max(per_day, 1))
            which = int(rng.random() * len(MONITORING_ENDPOINTS))
            ended = at + 20 + int(rng.random() * 40)
            if ended + 5 >= clock.end:
                continue
            calls.append(
                Contact(
                    contact_id=uuid4(rng),
                    customer=None,
                    channel="VOICE",
                    method="INBOUND",
                    initiated=at,
                    customer_address=MONITORING_ENDPOINTS[which],
                    system_address=SYSTEM_NUMBERS[_TARGET_REGION[which]],
                    disconnected=ended,
                    disconnect_reason="CONTACT_FLOW_DISCONNECT",
                    last_update=ended + 1 + int(rng.random() * 4),
                )
            )
    return calls


def survey_previews(cfg: GeneratorConfig, clock: Clock) -> list[Survey]:
    """``Survey Preview`` / ``Survey Test`` responses made by the CX team (no customer links)."""
    rng = random.Random(f"previews:{cfg.seed}")
    out: list[Survey] = []
    weeks = (clock.days + 6) // 7
    dummy = Contact(contact_id="", customer=None, channel="", method="", initiated=0)
    for week in range(weeks):
        for _ in range(cfg.survey_previews_per_week):
            started = clock.t0 + week * 7 * DAY + int(rng.random() * 7 * DAY)
            duration = 20 + int(rng.random() * 100)
            if started + duration >= clock.end:
                continue
            out.append(
                Survey(
                    customer=None,
                    contact=dummy,
                    case_id="",
                    intent="",
                    started=started,
                    duration=duration,
                    recorded=started + duration,
                    finished=True,
                    progress=100,
                    q1=1 + int(rng.random() * 5),
                    q2=1 + int(rng.random() * 7),
                    q3=int(rng.random() * 11),
                    comment="test" if rng.random() < 0.5 else "",
                    channel="anonymous",
                    response_id=response_id(rng),
                    status="Survey Preview" if rng.random() < 0.7 else "Survey Test",
                )
            )
    return out
