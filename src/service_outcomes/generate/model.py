"""Plain records the simulation produces and the format writers serialise."""

from __future__ import annotations

from dataclasses import dataclass, field

from .world import Agent, Customer


@dataclass(slots=True)
class Contact:
    """One Amazon Connect contact (one ContactId), all times epoch seconds UTC."""

    contact_id: str
    customer: Customer | None
    channel: str  # VOICE / CHAT
    method: str  # INBOUND / API / TRANSFER
    initiated: int
    intent: str = ""
    customer_address: str = ""
    system_address: str = ""
    # Chat bot part (bot chats only).
    bot_outcome: str = ""
    # Queue part.
    queue: str = ""
    enqueued: int = 0
    dequeued: int = 0
    # Agent part.
    agent: Agent | None = None
    agent_connected: int = 0
    talk: int = 0
    hold: int = 0
    holds: int = 0
    longest_hold: int = 0
    acw_start: int = 0
    acw_end: int = 0
    disconnected: int = 0
    disconnect_reason: str = "CUSTOMER_DISCONNECT"
    initial_contact_id: str | None = None
    previous_contact_id: str | None = None
    next_contact_id: str | None = None
    transfer_completed: int = 0
    case_id: str = ""
    survey_opt_in: bool = False
    # Drivers (contact attributes set by the contact flow and the agent desktop).
    #: IVR / chat authentication on a chain's first leg: passed, failed, not_attempted ("" else).
    auth_result: str = ""
    #: Knowledge article the agent used on this assisted leg ("" when none) and its accuracy.
    kb_article_id: str = ""
    kb_article_accurate: bool = False
    #: Agent desktop CRM lookup latency on assisted legs (milliseconds; 0 when no agent).
    desktop_latency_ms: int = 0
    #: LastUpdateTimestamp of the first delivered version.
    last_update: int = 0


@dataclass(slots=True)
class Case:
    """A Salesforce Case and its change log (events in time order)."""

    case_id: str
    number: int
    customer: Customer
    intent: str
    origin: str
    priority: str
    type: str
    subject: str
    description: str
    created: int
    status: str = "New"
    owner_id: str = ""
    resolution: str = ""
    is_escalated: bool = False
    closed_date: int = 0
    #: When the simulation made the case a complaint (0 when it never did): its creation for a
    #: complaint-intent case, else the moment the customer had it reopened (the first reopen).
    complaint_received: int = 0
    #: The first closure at or after ``complaint_received`` (0 while unanswered) and its code.
    complaint_response: int = 0
    complaint_response_code: str = ""
    #: Complaint letters (custom fields on the case, 0 when none by the period end): when the
    #: written acknowledgement was sent (DISP 1.6.1R), when exceptional circumstances beyond the
    #: firm's control were recorded on a payment-services complaint, and when the holding
    #: response explaining the delay was sent (DISP 1.6.2AR(2)).
    acknowledged_at: int = 0
    exceptional_at: int = 0
    holding_response_at: int = 0
    #: (moment, state tuple after the change) for every modification.
    states: list[tuple[int, tuple[str, str, str, bool, int]]] = field(default_factory=list)
    #: (history id number, moment, field, old, new, by user id).
    history: list[tuple[int, int, str, str, str, str]] = field(default_factory=list)
    #: Premature closures (closed as resolved while the need was not): (moment, closing agent's
    #: team, held open until just before the case closure SLA deadline).
    premature_closures: list[tuple[int, str, bool]] = field(default_factory=list)


@dataclass(slots=True)
class Survey:
    customer: Customer | None
    contact: Contact
    case_id: str
    intent: str
    started: int
    duration: int
    recorded: int
    finished: bool
    progress: int
    q1: int | None
    q2: int | None
    q3: int | None
    comment: str
    channel: str  # email / sms / anonymous
    response_id: str
    status: str = "IP Address"


@dataclass(slots=True)
class ChainTruth:
    initial_contact_id: str
    started: int
    is_follow_up: bool


@dataclass(slots=True)
class NeedTruth:
    need_id: str
    customer: Customer
    intent: str
    first_contact: int
    contact_count: int
    chains: list[ChainTruth]
    is_contained: bool
    solved_at: int  # 0 when not solved by the period end
    case_id: str
    last_contact: int
    #: Survey responses the need's assisted chains drew, in the order drawn.
    surveys: list[Survey] = field(default_factory=list)
    #: Every Connect contact of the need (bot chats, queue abandons, agent legs), in order.
    contacts: list[Contact] = field(default_factory=list)
    #: When the customer churned (epoch seconds UTC), 0 when not before the period end.
    churned_at: int = 0
    #: Experiment id -> the need replayed with that experiment's assignment reversed (its outcome
    #: under the other arm; ``simulate.BlockSimulator._need_observed``).
    counterfactuals: dict[str, NeedTruth] = field(default_factory=dict)
