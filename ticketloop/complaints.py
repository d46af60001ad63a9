"""A synthetic complaints desk: a second service process, with its own calendar, teams and flow.

Complaints arrive through the channels, are registered (`Classified`), then accepted or rejected
(a justified rejection letter, then closed). An accepted complaint is acknowledged (`First
response`), assessed, with the customer asked for information in a loop (the clock pauses; some
never answer and the complaint is abandoned), sent to a second-level team (specialists, legal) when
it needs them, given a resolution (compensation, replacement, refund, repair, apology) that the
desk carries out, and ends with a satisfaction check: a dissatisfied customer reopens it, back to
assessment. A few complaints deviate from the designed flow on purpose: a goodwill resolution with
no assessment, a satisfaction check left out.

The desk works in Berlin, Monday to Friday 09:00-17:00, over the same 26 weeks as the helpdesk of
ticketloop.synthetic, whose clock, stamps and CSV rows it reuses. Same seed, same bytes.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from mining.bpmn import bpmn_xml
from mining.pm4py_bridge import ModelNode
from ticketloop.synthetic import (
    CSV_HEADER,
    BusinessClock,
    Event,
    Intake,
    _csv_lines,
    _iso,
    truth_row,
)

ZONE = ZoneInfo("Europe/Berlin")
OPEN_H, CLOSE_H = 9, 17
DAY_H = CLOSE_H - OPEN_H  # business hours in a working day
CLOCK = BusinessClock(OPEN_H * 60, DAY_H * 60)

# Phone and face to face in office hours only; the rest arrive around the clock.
INTAKE = Intake(
    {"e-mail": 34, "web form": 30, "phone": 14, "letter": 10, "social media": 7, "face to face": 5},
    ("phone", "face to face"),
    (1.35, 1.15, 1.05, 1.0, 0.95, 0.3, 0.2),
    OPEN_H,
    CLOSE_H,
    13,
)
PRIORITIES = {"low": 25, "medium": 50, "high": 20, "urgent": 5}
# How long a new complaint waits to be registered, as a share of the medium priority's wait.
QUEUE_FACTOR = {"low": 1.4, "medium": 1.0, "high": 0.5, "urgent": 0.2}
DESK = "Complaints Desk"
DESK_AGENTS = ("Anna Becker", "Jonas Weber", "Lea Schäfer", "Mehmet Yilmaz", "Sophie Wagner")
SECOND_LEVEL = {
    "Product Quality": ("Lukas Hoffmann", "Marie Fischer"),
    "Accounts": ("Felix Braun",),
    "Logistics": ("Paul Richter", "Emma Koch"),
    "Customer Relations": ("Hannah Wolf",),
    "Legal": ("Dr. Katrin Schulz", "Tobias Neumann"),
}
RESOLUTION_H = {  # business hours the desk takes to carry a resolution out
    "replacement": (8, 32),
    "repair": (16, 64),
    "refund": (2, 16),
    "compensation": (2, 12),
    "apology": (0.5, 4),
}
RESOLUTION_SCORE = {  # how a customer takes it, on the CSAT scale
    "replacement": 4.2,
    "repair": 3.7,
    "refund": 4.3,
    "compensation": 4.1,
    "apology": 3.2,
}
LEGAL_THREAT = 0.04  # any complaint may threaten legal action: the legal team takes it
NO_ASSESSMENT = 0.05  # deviation: a goodwill resolution proposed without an assessment
NO_SATISFACTION_CHECK = 0.08  # deviation: closed without the satisfaction check
ANSWERS_CHECK = 0.75  # customers who answer the satisfaction call or survey
NEVER_REPLIES = 0.08  # customers asked for information who never answer


@dataclass(frozen=True)
class Category:
    name: str
    weight: int
    team: str  # the second-level team that takes its hard cases
    specialist: float  # chance an accepted complaint needs that team
    info: float  # chance the desk must ask the customer for information
    reject: float  # chance it is rejected (out of scope, unfounded, out of time)
    resolutions: dict[str, int]  # weights of the resolutions given


CATEGORIES = (
    Category(
        "Product defect",
        30,
        "Product Quality",
        0.35,
        0.45,
        0.06,
        {"replacement": 5, "repair": 3, "refund": 2, "apology": 1},
    ),
    Category(
        "Billing error",
        22,
        "Accounts",
        0.20,
        0.35,
        0.10,
        {"refund": 6, "compensation": 2, "apology": 2},
    ),
    Category(
        "Delivery problem",
        22,
        "Logistics",
        0.15,
        0.25,
        0.08,
        {"replacement": 3, "compensation": 3, "apology": 3},
    ),
    Category(
        "Service behaviour",
        14,
        "Customer Relations",
        0.20,
        0.30,
        0.15,
        {"apology": 6, "compensation": 2},
    ),
    Category(
        "Contract terms",
        12,
        "Legal",
        0.40,
        0.40,
        0.20,
        {"compensation": 2, "refund": 2, "apology": 2},
    ),
)
CATEGORY_CUM = list(accumulate(c.weight for c in CATEGORIES))
PRIORITY_CUM = list(accumulate(PRIORITIES.values()))

TRUTH_HEADER = (
    "case_id",
    "created_at",
    "channel",
    "priority",
    "category",
    "rejected",
    "abandoned",
    "info_requests",
    "escalated_to",
    "assessment_skipped",
    "satisfaction_check_skipped",
    "reopened",
    "resolution",
    "csat",
    "ces",
    "nps",
)


@dataclass
class Complaint:
    case_id: str
    created: float  # minutes since the START of ticketloop.synthetic, Berlin wall clock
    channel: str
    priority: str
    category: Category
    events: list[Event] = field(default_factory=list)
    truth: dict[str, object] = field(default_factory=dict)


class _ComplaintStory:
    """Walks one complaint through the desk, recording events and the ground truth."""

    def __init__(self, rng: random.Random, complaint: Complaint) -> None:
        self.rng, self.complaint, self.now = rng, complaint, complaint.created
        self.agent = rng.choice(DESK_AGENTS)
        self.truth = complaint.truth
        self.truth.update(
            rejected=False,
            abandoned=False,
            info_requests=0,
            escalated_to="",
            assessment_skipped=False,
            satisfaction_check_skipped=False,
            reopened=0,
            resolution="",
            csat="",
            ces="",
            nps="",
        )

    def emit(self, activity: str, resource: str, team: str = "", level: int | None = None) -> None:
        self.complaint.events.append(Event(activity, self.now, resource, team, level))

    def desk(self, activity: str) -> None:
        self.emit(activity, self.agent, DESK, 1)

    def work(self, low_min: float, high_min: float) -> None:
        self.now = CLOCK.add(self.now, self.rng.uniform(low_min, high_min))

    def close(self, after_min: float) -> None:
        self.now += after_min
        self.emit("Closed", "System")

    def run(self) -> None:
        rng, complaint = self.rng, self.complaint
        self.emit("Ticket created", "Customer", "Customer")
        self.work(20, 6 * 60 * QUEUE_FACTOR[complaint.priority])
        self.desk("Assigned")
        self.work(5, 20)
        self.desk("Classified")  # registered: category and priority set
        if rng.random() < complaint.category.reject:
            self.truth["rejected"] = True
            self.work(20, 90)
            self.desk("Rejected")  # the justified rejection letter
            return self.close(rng.uniform(1, 30))
        self.work(5, 30)
        self.desk("Complaint accepted")
        self.work(5, 20)
        self.desk("First response")  # the acknowledgement: case number and next steps
        proposer = (self.agent, DESK, 1)
        if rng.random() < NO_ASSESSMENT:
            self.truth["assessment_skipped"] = True
        else:
            assessed = self.assess()
            if assessed is None:
                return None
            proposer = assessed
        while self.resolve(proposer):
            proposer = self.assess()  # reopened: assessed again
            if proposer is None:
                return None
        return None

    def assess(self) -> tuple[str, str, int] | None:
        """The assessment, its information loop and the second level; who proposes the resolution,
        or None when the customer never answered and the complaint was abandoned."""
        rng, category = self.rng, self.complaint.category
        self.work(60, 2 * DAY_H * 60 * QUEUE_FACTOR[self.complaint.priority])
        self.desk("Complaint assessed")
        chance = category.info
        while rng.random() < chance:
            self.truth["info_requests"] = int(self.truth["info_requests"]) + 1
            self.work(10, 40)
            self.desk("Information requested")
            if rng.random() < NEVER_REPLIES:
                self.now = CLOCK.add(self.now, 10 * DAY_H * 60)  # ten working days of silence
                self.truth["abandoned"] = True
                self.emit("Abandoned", "System")
                self.close(1)
                return None
            self.now += 60 * rng.expovariate(1 / 30)
            self.emit("Customer replied", "Customer", "Customer")
            self.work(30, 4 * 60)
            chance = 0.25
        legal = rng.random() < LEGAL_THREAT
        if not legal and rng.random() >= category.specialist:
            return (self.agent, DESK, 1)
        team = "Legal" if legal else category.team
        specialist = rng.choice(SECOND_LEVEL[team])
        self.truth["escalated_to"] = team
        self.work(10, 30)
        self.desk("Escalated")
        self.work(2 * 60, 2 * DAY_H * 60)
        self.emit("Assigned", specialist, team, 2)
        self.work(2 * 60, 3 * DAY_H * 60)
        self.emit("Investigation", specialist, team, 2)
        return (specialist, team, 2)

    def resolve(self, proposer: tuple[str, str, int]) -> bool:
        """Propose and carry out a resolution, then check satisfaction; True when reopened."""
        rng, category = self.rng, self.complaint.category
        resolution = rng.choices(list(category.resolutions), list(category.resolutions.values()))[0]
        self.truth["resolution"] = resolution
        self.work(30, 3 * 60)
        self.emit("Resolution proposed", *proposer)
        low_h, high_h = RESOLUTION_H[resolution]
        self.work(low_h * 60, high_h * 60)
        self.desk("Resolved")
        if rng.random() < NO_SATISFACTION_CHECK:
            self.truth["satisfaction_check_skipped"] = True
            self.close(60 * rng.uniform(24, 96))
            return False
        self.work(DAY_H * 60, 3 * DAY_H * 60)
        self.desk("Satisfaction checked")  # a call, or a survey by e-mail
        if rng.random() >= ANSWERS_CHECK:
            self.close(60 * rng.uniform(24, 72))
            return False
        csat = self.answer(resolution)
        reopens = int(self.truth["reopened"])
        if csat <= 2 and reopens < 2 and rng.random() < 0.7:
            self.truth["reopened"] = reopens + 1
            self.now += 60 * rng.uniform(0.5, 24)
            self.emit("Reopened", "Customer", "Customer")
            return True
        self.close(60 * rng.uniform(24, 72))
        return False

    def answer(self, resolution: str) -> int:
        """The customer's answer to the satisfaction check (CSAT, CES, NPS); returns the CSAT."""
        rng, truth = self.rng, self.truth
        elapsed_days = CLOCK.hours_between(self.complaint.created, self.now) / DAY_H
        score = RESOLUTION_SCORE[resolution] - 0.35 * int(truth["info_requests"])
        score -= 0.3 * bool(truth["escalated_to"]) + 0.04 * max(0.0, elapsed_days - 10)
        score += 0.4 * int(truth["reopened"]) + rng.gauss(0, 0.9)
        csat = max(1, min(5, round(score)))
        ces = max(1, min(7, round(1.4 * score + rng.gauss(0, 0.8))))
        nps = max(0, min(10, round(2.2 * score + rng.gauss(0, 1.2))))
        self.now += 60 * rng.uniform(0.2, 48)
        self.complaint.events.append(
            Event("Survey answered", self.now, "Customer", "Customer", None, (csat, ces, nps))
        )
        truth.update(csat=csat, ces=ces, nps=nps)
        return csat


def simulate(complaints: int, seed: int) -> Iterator[Complaint]:
    """Complaints in order of arrival, each with its events and ground truth."""
    rng = random.Random(seed)
    for number, (created, channel) in enumerate(INTAKE.arrivals(rng, complaints), start=1):
        category = rng.choices(CATEGORIES, cum_weights=CATEGORY_CUM)[0]
        priority = rng.choices(list(PRIORITIES), cum_weights=PRIORITY_CUM)[0]
        complaint = Complaint(f"CP-{number:06d}", created, channel, priority, category)
        _ComplaintStory(rng, complaint).run()
        yield complaint


# --- the designed flow --------------------------------------------------------------------------

TASKS = {
    "received": "Ticket created",
    "assigned": "Assigned",
    "registered": "Classified",
    "rejected": "Rejected",
    "accepted": "Complaint accepted",
    "acknowledged": "First response",
    "assessed": "Complaint assessed",
    "info_requested": "Information requested",
    "customer_replied": "Customer replied",
    "abandoned": "Abandoned",
    "escalated": "Escalated",
    "assigned_l2": "Assigned",
    "investigation": "Investigation",
    "proposed": "Resolution proposed",
    "resolved": "Resolved",
    "check": "Satisfaction checked",
    "survey": "Survey answered",
    "reopened": "Reopened",
    "closed": "Closed",
}
GATEWAYS = (
    "g_accept",
    "g_assess",
    "g_info_join",
    "g_info",
    "g_reply",
    "g_escalate",
    "g_propose",
    "g_answered",
    "g_satisfied",
    "g_close",
)
FLOWS = (
    ("start", "received"),
    ("received", "assigned"),
    ("assigned", "registered"),
    ("registered", "g_accept"),
    ("g_accept", "rejected"),
    ("rejected", "g_close"),
    ("g_accept", "accepted"),
    ("accepted", "acknowledged"),
    ("acknowledged", "g_assess"),
    ("g_assess", "assessed"),
    ("assessed", "g_info_join"),
    ("g_info_join", "g_info"),
    ("g_info", "info_requested"),
    ("info_requested", "g_reply"),
    ("g_reply", "customer_replied"),
    ("customer_replied", "g_info_join"),
    ("g_reply", "abandoned"),
    ("abandoned", "g_close"),
    ("g_info", "g_escalate"),
    ("g_escalate", "escalated"),
    ("escalated", "assigned_l2"),
    ("assigned_l2", "investigation"),
    ("investigation", "g_propose"),
    ("g_escalate", "g_propose"),
    ("g_propose", "proposed"),
    ("proposed", "resolved"),
    ("resolved", "check"),
    ("check", "g_answered"),
    ("g_answered", "survey"),
    ("survey", "g_satisfied"),
    ("g_satisfied", "reopened"),
    ("reopened", "g_assess"),
    ("g_satisfied", "g_close"),
    ("g_answered", "g_close"),
    ("g_close", "closed"),
    ("closed", "end"),
)


def designed_flow() -> str:
    """The complaints desk's designed flow as BPMN 2.0 with a diagram (exclusive gateways only)."""
    nodes = (
        ModelNode("start", "start"),
        *(ModelNode(node_id, "task", name) for node_id, name in TASKS.items()),
        *(ModelNode(node_id, "exclusive") for node_id in GATEWAYS),
        ModelNode("end", "end"),
    )
    return bpmn_xml(nodes, FLOWS, name="Complaint handling (designed flow)")


# --- writing ------------------------------------------------------------------------------------


def generate(
    complaints: int, seed: int, out_dir: Path, name: str = "complaints"
) -> dict[str, Path]:
    """Write `<name>.csv`, `<name>_truth.csv` and the designed flow `<name>_flow.bpmn` into
    `out_dir`, complaint by complaint."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": out_dir / f"{name}.csv",
        "truth": out_dir / f"{name}_truth.csv",
        "flow": out_dir / f"{name}_flow.bpmn",
    }
    with (
        paths["csv"].open("w", newline="", encoding="utf-8") as csv_file,
        paths["truth"].open("w", newline="", encoding="utf-8") as truth_file,
    ):
        csv_file.write(",".join(CSV_HEADER) + "\n")
        truth = csv.writer(truth_file, lineterminator="\n")
        truth.writerow(TRUTH_HEADER)
        for complaint in simulate(complaints, seed):
            stamps = [_iso(e.at, ZONE) for e in complaint.events]
            csv_file.write(_csv_lines(complaint, stamps))
            truth.writerow(truth_row(complaint, TRUTH_HEADER, ZONE))
    paths["flow"].write_text(designed_flow(), encoding="utf-8")
    return paths
