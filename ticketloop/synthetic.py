"""A synthetic helpdesk: tickets following the designed flow, with the deviations real desks show.

Time runs in the desk's local wall clock (Europe/Madrid); agents work Monday to Friday, 08:00-18:00.
A first-level queue served by a fixed pool grows over weekends and drains on Mondays. Midway, a
knowledge-base rollout makes the first level consult the knowledge base far more often and find
solutions there, which cuts needless escalations. Same seed, same bytes.
"""

from __future__ import annotations

import csv
import gzip
import heapq
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Madrid")
START = date(2025, 1, 6)  # a Monday
WEEKS = 26
ROLLOUT = START + timedelta(weeks=13)  # knowledge-base rollout
OPEN_H, CLOSE_H = 8, 18

CHANNELS = {
    "web form": 30,
    "e-mail": 28,
    "phone": 18,
    "chat": 14,
    "social media": 5,
    "face to face": 3,
    "letter": 2,
}
PRIORITIES = {"low": 30, "medium": 45, "high": 20, "urgent": 5}
# Business-hour SLA targets per priority: first response, resolution.
SLA_H = {"low": (8, 40), "medium": (4, 24), "high": (2, 16), "urgent": (0.5, 8)}
QUEUE_FACTOR = {"low": 1.3, "medium": 1.0, "high": 0.5, "urgent": 0.15}


@dataclass(frozen=True)
class Category:
    name: str
    weight: int
    team: str  # the second-level team that owns it
    needs_l2: float  # share the first level genuinely cannot solve
    info: float  # chance that details must be requested
    specialist: float  # chance a second-level case goes on to the specialists
    kb_before: float  # chance the knowledge base holds the solution, before and after rollout
    kb_after: float


CATEGORIES = (
    Category("Password reset", 14, "IT Support", 0.03, 0.10, 0.0, 0.55, 0.95),
    Category("Billing question", 14, "Finance", 0.12, 0.30, 0.0, 0.35, 0.85),
    Category("Refund request", 8, "Finance", 0.45, 0.35, 0.0, 0.20, 0.60),
    Category("Delivery status", 14, "Logistics", 0.08, 0.20, 0.0, 0.45, 0.90),
    Category("Product inquiry", 14, "Product Specialists", 0.10, 0.25, 0.0, 0.40, 0.90),
    Category("Technical issue", 14, "IT Support", 0.50, 0.40, 0.25, 0.25, 0.60),
    Category("Complaint", 8, "Customer Relations", 0.40, 0.30, 0.0, 0.15, 0.40),
    Category("Account data change", 9, "Back Office", 0.06, 0.30, 0.0, 0.50, 0.90),
    Category("Outage", 5, "IT Support", 0.85, 0.10, 0.50, 0.10, 0.30),
)

L1_TEAM = "Service Desk"
L1_AGENTS = (
    "Ana Souza",
    "Bruno Costa",
    "Carla Méndez",
    "Diego Ruiz",
    "Elena Navarro",
    "Felipe Araújo",
    "Gabriela Lima",
    "Hugo Torres",
)
L2_TEAMS = {
    "IT Support": ("Irene Castro", "João Pereira", "Karina Silva"),
    "Finance": ("Luis Romero", "Marta Gil"),
    "Logistics": ("Nuno Alves", "Olga Serrano"),
    "Product Specialists": ("Pablo Vidal", "Raquel Moreno"),
    "Customer Relations": ("Sofia Ramos", "Tomás Ortega"),
    "Back Office": ("Úrsula Prieto", "Vítor Santos"),
}
L3_TEAM, L3_AGENTS = "Engineering", ("Wagner Rocha", "Ximena Paredes")
OWNER_TEAM, OWNER = "Service Management", "Yolanda Herrera"
FIRST_TOUCH_SLOTS = 1  # L1 agents on the new-ticket rota at any time

CSV_HEADER = (
    "Case ID",
    "Activity",
    "Timestamp",
    "Resource",
    "Team",
    "Level",
    "Channel",
    "Priority",
    "Category",
    "CSAT",
    "CES",
    "NPS",
)
TRUTH_HEADER = (
    "case_id",
    "created_at",
    "channel",
    "priority",
    "category",
    "after_rollout",
    "rejected",
    "abandoned",
    "skipped_classification",
    "info_requests",
    "kb_consulted",
    "escalated",
    "needless_escalation",
    "sent_back_untouched",
    "max_level",
    "transfers",
    "ping_pong",
    "reopened",
    "resolved_by_level",
    "first_response_breached",
    "resolution_breached",
    "csat",
    "ces",
    "nps",
)


# --- business time ------------------------------------------------------------------------------


def _is_workday(day: date) -> bool:
    return day.weekday() < 5


def next_open(t: datetime) -> datetime:
    """`t` if the desk is open then, else the next opening time."""
    while True:
        opening = t.replace(hour=OPEN_H, minute=0, second=0, microsecond=0)
        closing = t.replace(hour=CLOSE_H, minute=0, second=0, microsecond=0)
        if _is_workday(t.date()) and opening <= t < closing:
            return t
        if _is_workday(t.date()) and t < opening:
            return opening
        t = (t + timedelta(days=1)).replace(hour=OPEN_H, minute=0, second=0, microsecond=0)


def add_business(t: datetime, minutes: float) -> datetime:
    """The time `minutes` of opening hours after `t`."""
    t = next_open(t)
    left = timedelta(minutes=minutes)
    while True:
        closing = t.replace(hour=CLOSE_H, minute=0, second=0, microsecond=0)
        if t + left < closing:
            return t + left
        left -= closing - t
        t = next_open(closing)


def business_hours_between(a: datetime, b: datetime) -> float:
    """Opening hours elapsed from `a` to `b`."""
    total, t = 0.0, next_open(a)
    while t < b:
        closing = t.replace(hour=CLOSE_H, minute=0, second=0, microsecond=0)
        total += (min(b, closing) - t).total_seconds()
        t = next_open(closing)
    return total / 3600


# --- one ticket ---------------------------------------------------------------------------------


@dataclass
class Event:
    activity: str
    at: datetime
    resource: str
    team: str = ""
    level: int | None = None
    survey: tuple[int, int, int] | None = None  # csat, ces, nps


@dataclass
class Ticket:
    case_id: str
    created: datetime
    channel: str
    priority: str
    category: Category
    events: list[Event] = field(default_factory=list)
    truth: dict[str, object] = field(default_factory=dict)


class _TicketStory:
    """Walks one ticket through the desk, recording events and the ground truth."""

    def __init__(self, rng: random.Random, ticket: Ticket, first_touch: datetime) -> None:
        self.rng, self.ticket, self.now = rng, ticket, ticket.created
        self.first_touch = first_touch
        self.after = ticket.created.date() >= ROLLOUT
        self.agent = rng.choice(L1_AGENTS)
        self.waiting_h = 0.0  # business hours spent waiting for the customer (SLA clock paused)
        self.truth = ticket.truth
        self.truth.update(
            after_rollout=self.after,
            rejected=False,
            abandoned=False,
            skipped_classification=False,
            info_requests=0,
            kb_consulted=False,
            escalated=False,
            needless_escalation=False,
            sent_back_untouched=False,
            max_level=1,
            transfers=0,
            ping_pong=False,
            reopened=False,
            resolved_by_level="",
            csat="",
            ces="",
            nps="",
        )

    def emit(self, activity: str, resource: str, team: str = "", level: int | None = None) -> None:
        self.ticket.events.append(Event(activity, self.now, resource, team, level))

    def work(self, low_min: float, high_min: float) -> None:
        self.now = add_business(self.now, self.rng.uniform(low_min, high_min))

    def l1(self, activity: str) -> None:
        self.emit(activity, self.agent, L1_TEAM, 1)

    def run(self) -> None:
        rng, ticket = self.rng, self.ticket
        self.emit("Ticket created", "Customer", "Customer")
        self.now = self.first_touch
        queue_h = business_hours_between(ticket.created, self.now)
        if ticket.channel in ("chat", "phone") and queue_h > 0.5 and rng.random() < 0.35:
            self.now = ticket.created + timedelta(minutes=rng.uniform(5, 40))
            self.truth["abandoned"] = True
            self.emit("Abandoned", "Customer", "Customer")
            self.now += timedelta(minutes=1)
            self.emit("Closed", "System")
            return self.finish(resolved=None, first_response=None)
        self.l1("Assigned")
        if rng.random() < 0.06:
            self.truth["skipped_classification"] = True
        else:
            self.work(2, 8)
            self.l1("Classified")
        if rng.random() < 0.03:
            self.truth["rejected"] = True
            self.work(3, 10)
            self.l1("Rejected")
            first_response = self.now
            self.now += timedelta(minutes=2)
            self.emit("Closed", "System")
            return self.finish(resolved=None, first_response=first_response)
        self.work(3, 15)
        self.l1("First response")
        first_response = self.now
        if not self.ask_for_details(ticket.category.info):
            return self.finish(resolved=None, first_response=first_response)
        level = self.solve()
        resolved = self.now
        self.close_and_survey(level)
        return self.finish(resolved=resolved, first_response=first_response)

    def ask_for_details(self, chance: float) -> bool:
        """The information-request loop; False when the customer never answers."""
        rng = self.rng
        while rng.random() < chance:
            self.truth["info_requests"] = int(self.truth["info_requests"]) + 1
            self.work(5, 30)
            self.l1("Information requested")
            asked = self.now
            if rng.random() < 0.10:
                self.now = add_business(self.now, 5 * 10 * 60)  # five working days of silence
                self.truth["abandoned"] = True
                self.emit("Abandoned", "System")
                self.now += timedelta(minutes=1)
                self.emit("Closed", "System")
                return False
            self.now += timedelta(hours=rng.expovariate(1 / 18))
            self.emit("Customer replied", "Customer", "Customer")
            self.now = add_business(self.now, rng.uniform(20, 240))
            self.waiting_h += business_hours_between(asked, self.now)
            chance = 0.25
        return True

    def solve(self) -> int:
        """First level solves, or escalates; returns the level that resolved the ticket."""
        rng, cat = self.rng, self.ticket.category
        kb_rate = 0.85 if self.after else 0.35
        genuine = rng.random() < cat.needs_l2
        if rng.random() < kb_rate:
            self.truth["kb_consulted"] = True
            self.work(5, 20)
            self.l1("Knowledge base consulted")
            kb_hit = rng.random() < (cat.kb_after if self.after else cat.kb_before)
        else:
            kb_hit = False
        if not genuine:
            needless_rate = 0.06 if kb_hit else (0.10 if self.after else 0.28)
            if rng.random() >= needless_rate:
                self.work(10, 60)
                self.l1("Resolved")
                return 1
            self.truth["needless_escalation"] = True
        return self.escalate(genuine)

    def escalate(self, genuine: bool) -> int:
        rng, cat = self.rng, self.ticket.category
        self.truth["escalated"] = True
        self.truth["max_level"] = 2
        self.work(2, 10)
        self.l1("Escalated")
        team = cat.team
        agent = rng.choice(L2_TEAMS[team])
        self.now = add_business(
            self.now, rng.uniform(30, 8 * 60) * QUEUE_FACTOR[self.ticket.priority]
        )
        self.emit("Assigned", agent, team, 2)
        if not genuine and rng.random() < 0.6:
            self.truth["sent_back_untouched"] = True
            self.work(10, 90)
            self.emit("De-escalated", agent, team, 2)
            self.work(10, 60)
            self.l1("Resolved")
            return 1
        if rng.random() < 0.14:
            self.ping_pong(team, agent)
        self.work(60, 10 * 60 if genuine else 90)
        self.emit("Investigation", agent, team, 2)
        if genuine and rng.random() < cat.specialist:
            self.truth["max_level"] = 3
            self.emit("Escalated", agent, team, 2)
            specialist = rng.choice(L3_AGENTS)
            self.now = add_business(self.now, rng.uniform(60, 16 * 60))
            self.emit("Assigned", specialist, L3_TEAM, 3)
            self.work(2 * 60, 20 * 60)
            self.emit("Investigation", specialist, L3_TEAM, 3)
        sla_h = SLA_H[self.ticket.priority][1]
        elapsed_h = business_hours_between(self.ticket.created, self.now) - self.waiting_h
        at_risk = elapsed_h > 0.8 * sla_h or self.ticket.category.name == "Complaint"
        if at_risk and rng.random() < (0.6 if self.ticket.priority in ("high", "urgent") else 0.15):
            self.truth["max_level"] = 4
            self.emit("Escalated", agent, team, 2)
            self.now = add_business(self.now, rng.uniform(15, 120))
            self.emit("Assigned", OWNER, OWNER_TEAM, 4)
            self.work(30, 4 * 60)
            self.emit("Investigation", agent, team, 2)
        if rng.random() < (0.75 if self.after else 0.4):
            self.work(10, 40)
            self.emit("Solution recorded in knowledge base", agent, team, 2)
        if rng.random() < 0.7:
            self.work(5, 30)
            self.emit("De-escalated", agent, team, 2)
            self.work(10, 60)
            self.l1("Resolved")
            return 1
        self.work(10, 60)
        self.emit("Resolved", agent, team, 2)
        return 2

    def ping_pong(self, team: str, agent: str) -> None:
        """The ticket bounces to another team and back, once or twice."""
        rng = self.rng
        self.truth["ping_pong"] = True
        for _ in range(rng.choice((1, 1, 2))):
            other = rng.choice(sorted(set(L2_TEAMS) - {team}))
            self.now = add_business(self.now, rng.uniform(60, 8 * 60))
            self.emit("Assigned", rng.choice(L2_TEAMS[other]), other, 2)
            self.now = add_business(self.now, rng.uniform(60, 8 * 60))
            self.emit("Assigned", agent, team, 2)
            self.truth["transfers"] = int(self.truth["transfers"]) + 2

    def close_and_survey(self, level: int) -> None:
        rng = self.rng
        self.truth["resolved_by_level"] = level
        if rng.random() < 0.06:
            self.truth["reopened"] = True
            self.now += timedelta(hours=rng.uniform(4, 60))
            self.emit("Reopened", "Customer", "Customer")
            self.now = add_business(self.now, rng.uniform(30, 6 * 60))
            self.l1("Assigned")
            self.work(20, 120)
            self.l1("Resolved")
        self.now += timedelta(hours=rng.uniform(24, 72))
        self.emit("Closed", "System")

    def finish(self, resolved: datetime | None, first_response: datetime | None) -> None:
        ticket, truth, rng = self.ticket, self.truth, self.rng
        fr_target, res_target = SLA_H[ticket.priority]
        fr_h = business_hours_between(ticket.created, first_response) if first_response else None
        res_h = (
            business_hours_between(ticket.created, resolved) - self.waiting_h if resolved else None
        )
        truth["first_response_breached"] = fr_h is not None and fr_h > fr_target
        truth["resolution_breached"] = res_h is not None and res_h > res_target
        if resolved is None or rng.random() >= 0.35:
            return
        score = 4.4 - 0.5 * int(truth["info_requests"]) - (0.7 if truth["escalated"] else 0)
        score -= 1.0 * bool(truth["ping_pong"]) + 1.2 * bool(truth["reopened"])
        score -= 1.0 * bool(truth["resolution_breached"]) + rng.gauss(0, 0.7)
        csat = max(1, min(5, round(score)))
        ces = max(1, min(7, round(1.4 * score + rng.gauss(0, 0.8))))
        nps = max(0, min(10, round(2.2 * score + rng.gauss(0, 1.2))))
        self.now += timedelta(hours=rng.uniform(1, 72))
        self.ticket.events.append(Event("Survey answered", self.now, "Customer", "Customer", None))
        self.ticket.events[-1].survey = (csat, ces, nps)
        truth.update(csat=csat, ces=ces, nps=nps)


# --- the whole desk -----------------------------------------------------------------------------


def _arrivals(rng: random.Random, tickets: int) -> list[tuple[datetime, str]]:
    """Creation times and channels: more on Mondays, office hours for live channels."""
    days = [START + timedelta(days=i) for i in range(WEEKS * 7)]
    day_weight = (1.45, 1.15, 1.05, 1.0, 0.9, 0.3, 0.2)
    chosen = rng.choices(days, weights=[day_weight[d.weekday()] for d in days], k=tickets)
    arrivals = []
    for day in chosen:
        channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        live = channel in ("phone", "chat", "face to face")
        if live and day.weekday() >= 5:
            channel = "web form"
            live = False
        hour = rng.uniform(OPEN_H, CLOSE_H) if live else min(23.99, max(0.0, rng.gauss(12.5, 4)))
        arrivals.append(
            (datetime.combine(day, datetime.min.time()) + timedelta(hours=hour), channel)
        )
    return sorted(arrivals)


def simulate(tickets: int, seed: int) -> list[Ticket]:
    """Tickets in order of creation, each with its events and ground truth."""
    rng = random.Random(seed)
    slots = [datetime.combine(START, datetime.min.time())] * FIRST_TOUCH_SLOTS
    heapq.heapify(slots)
    result = []
    for number, (created, channel) in enumerate(_arrivals(rng, tickets), start=1):
        category = rng.choices(CATEGORIES, weights=[c.weight for c in CATEGORIES])[0]
        priority = (
            rng.choice(("high", "urgent", "urgent"))
            if category.name == "Outage"
            else rng.choices(list(PRIORITIES), weights=list(PRIORITIES.values()))[0]
        )
        free_at = heapq.heappop(slots)
        start = next_open(max(created, free_at))
        handling_min = rng.uniform(8, 17)
        heapq.heappush(slots, add_business(start, handling_min))
        wait_h = business_hours_between(created, start) * QUEUE_FACTOR[priority]
        first_touch = add_business(created, wait_h * 60 + rng.uniform(1, 10))
        ticket = Ticket(f"HD-{number:06d}", created, channel, priority, category)
        _TicketStory(rng, ticket, first_touch).run()
        result.append(ticket)
    return result


# --- writing ------------------------------------------------------------------------------------


def _iso(t: datetime) -> str:
    return t.replace(tzinfo=ZONE).isoformat(timespec="seconds")


def _rows(tickets: list[Ticket]) -> Iterator[tuple[Ticket, Event]]:
    for ticket in tickets:
        for event in sorted(ticket.events, key=lambda e: e.at):
            yield ticket, event


def write_csv(tickets: list[Ticket], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(CSV_HEADER)
        for ticket, e in _rows(tickets):
            csat, ces, nps = e.survey or ("", "", "")
            level = f"L{e.level}" if e.level else ""
            out.writerow(
                (
                    ticket.case_id,
                    e.activity,
                    _iso(e.at),
                    e.resource,
                    e.team,
                    level,
                    ticket.channel,
                    ticket.priority,
                    ticket.category.name,
                    csat,
                    ces,
                    nps,
                )
            )


def write_xes(tickets: list[Ticket], path: Path) -> None:
    """XES 1849-2016 with the concept, time and org extensions, gzip-compressed, mtime 0."""
    buffer = io.StringIO()
    w = buffer.write
    w('<?xml version="1.0" encoding="UTF-8"?>\n')
    w(
        '<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n'
    )
    for name, prefix in (("Concept", "concept"), ("Time", "time"), ("Organizational", "org")):
        w(
            f'  <extension name="{name}" prefix="{prefix}" uri="http://www.xes-standard.org/{prefix}.xesext"/>\n'
        )
    by_case: dict[str, list[Event]] = {}
    for ticket, event in _rows(tickets):
        by_case.setdefault(ticket.case_id, []).append(event)
    for ticket in tickets:
        w("  <trace>\n")
        w(f'    <string key="concept:name" value={quoteattr(ticket.case_id)}/>\n')
        w(f'    <string key="channel" value={quoteattr(ticket.channel)}/>\n')
        w(f'    <string key="priority" value={quoteattr(ticket.priority)}/>\n')
        w(f'    <string key="category" value={quoteattr(ticket.category.name)}/>\n')
        for e in by_case[ticket.case_id]:
            w("    <event>\n")
            w(f'      <string key="concept:name" value={quoteattr(e.activity)}/>\n')
            w(f'      <date key="time:timestamp" value="{_iso(e.at)}"/>\n')
            w(f'      <string key="org:resource" value={quoteattr(e.resource)}/>\n')
            if e.team:
                w(f'      <string key="org:group" value={quoteattr(e.team)}/>\n')
            if e.level:
                w(f'      <int key="level" value="{e.level}"/>\n')
            if e.survey:
                for key, value in zip(("csat", "ces", "nps"), e.survey, strict=True):
                    w(f'      <int key="{key}" value="{value}"/>\n')
            w("    </event>\n")
        w("  </trace>\n")
    w("</log>\n")
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(buffer.getvalue().encode("utf-8"))


def write_truth(tickets: list[Ticket], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(TRUTH_HEADER)
        for t in tickets:
            fixed = {
                "case_id": t.case_id,
                "created_at": _iso(t.created),
                "channel": t.channel,
                "priority": t.priority,
                "category": t.category.name,
            }
            row = {**fixed, **t.truth}
            out.writerow(
                [str(row[k]).lower() if isinstance(row[k], bool) else row[k] for k in TRUTH_HEADER]
            )


def generate(tickets: int, seed: int, out_dir: Path, name: str = "helpdesk") -> dict[str, Path]:
    """Write `<name>.csv`, `<name>.xes.gz`, `<name>_truth.csv` and the vendor exports (see
    ticketloop.vendor_exports) into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    simulated = simulate(tickets, seed)
    paths = {
        "csv": out_dir / f"{name}.csv",
        "xes": out_dir / f"{name}.xes.gz",
        "truth": out_dir / f"{name}_truth.csv",
    }
    write_csv(simulated, paths["csv"])
    write_xes(simulated, paths["xes"])
    write_truth(simulated, paths["truth"])
    from ticketloop.vendor_exports import write_vendor_exports  # the same tickets, as vendors

    paths |= write_vendor_exports(simulated, out_dir, name)
    return paths
