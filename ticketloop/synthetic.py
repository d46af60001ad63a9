"""A synthetic helpdesk: tickets following the designed flow, with the deviations real desks show.

Time runs in the desk's local wall clock (Europe/Madrid); agents work Monday to Friday, 08:00-18:00.
New tickets queue for the first-level rota, which grows over weekends and drains on Mondays. Midway,
a knowledge-base rollout makes the first level consult the knowledge base far more often and find
solutions there, which cuts needless escalations (`stable=True`: no rollout, the same process from
the first week to the last, for checking that nothing is flagged where nothing changed). Same
seed, same bytes.

The staff grows with the volume (5,000 tickets over the 26 weeks is the reference), so a ticket meets
the same queues, and the medians stay put, at any size. Tickets are simulated and written one at a
time, and each step costs the same however long the waits before it, so time grows linearly with
the number of tickets and memory stays flat.
"""

from __future__ import annotations

import csv
import gzip
import heapq
import math
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from itertools import accumulate, chain, islice
from operator import itemgetter
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/Madrid")
START = date(2025, 1, 6)  # a Monday
WEEKS = 26
ROLLOUT = START + timedelta(weeks=13)  # knowledge-base rollout
ROLLOUT_MIN = (ROLLOUT - START).days * 24 * 60  # in minutes since START
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
FIRST_TOUCH_SLOTS = 1  # L1 agents on the new-ticket rota at any time, at the reference volume
# Minutes a new ticket takes the agent on the rota: about two-thirds of the agent's time at the
# reference load, so the weekend's pile clears in a day. Busier (8-17 min, 80%), Mondays spill into
# the week and the median first response swung by 14% from one seed to another.
FIRST_TOUCH_MIN = (7, 14)
REFERENCE_TICKETS = 5000  # over the WEEKS: the volume the named staff above is sized for


@dataclass(frozen=True)
class Staff:
    """The desk's people for one volume: each team keeps its reference ratio of people to tickets."""

    l1: tuple[str, ...]
    l2: dict[str, tuple[str, ...]]
    l3: tuple[str, ...]
    rota_slots: int  # L1 agents on the new-ticket rota at any time

    @classmethod
    def for_volume(cls, tickets: int) -> Staff:
        """Teams scaled to `tickets` over the WEEKS (named staff first, then hires)."""
        load = tickets / REFERENCE_TICKETS
        hires = _hires()

        def team(named: tuple[str, ...]) -> tuple[str, ...]:
            size = max(1, round(len(named) * load))
            return named[:size] + tuple(islice(hires, max(0, size - len(named))))

        l2 = {name: team(agents) for name, agents in L2_TEAMS.items()}
        return cls(team(L1_AGENTS), l2, team(L3_AGENTS), math.ceil(FIRST_TOUCH_SLOTS * load))


def _hires() -> Iterator[str]:
    """Names for staff beyond the named: their first names with others' surnames, then two surnames.

    About 13,000 names, enough for the staff of 2.8 million tickets.
    """
    named = (*L1_AGENTS, *chain.from_iterable(L2_TEAMS.values()), *L3_AGENTS, OWNER)
    firsts = [n.split()[0] for n in named]
    surnames = [n.split()[-1] for n in named]
    for second in ("", *surnames):
        for shift in range(1, len(surnames)):  # shift 0 would give back the named staff
            for i, first in enumerate(firsts):
                surname = surnames[(i + shift) % len(surnames)]
                if surname != second:
                    yield f"{first} {surname} {second}".rstrip()


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
# A time is minutes of the desk's wall clock since START (Monday 00:00). Business time is a second
# clock that runs only while the desk is open; converting between the two is arithmetic, so a wait
# of months costs what a wait of minutes does.

DAY_MIN, WEEK_MIN = 24 * 60, 7 * 24 * 60
WORKDAYS = 5  # Monday to Friday


@dataclass(frozen=True)
class BusinessClock:
    """A desk's opening hours, Monday to Friday: opening minute of the day, minutes open a day (a
    desk of its own keeps its own clock, as the complaints desk of ticketloop.complaints does)."""

    open_min: int
    shift_min: int

    def business_min(self, t: float) -> float:
        """Opening minutes from START to `t`."""
        week, rest = divmod(t, WEEK_MIN)
        day, minute = divmod(rest, DAY_MIN)
        if day >= WORKDAYS:
            return (week + 1) * WORKDAYS * self.shift_min
        opened = min(max(minute - self.open_min, 0.0), self.shift_min)
        return (week * WORKDAYS + day) * self.shift_min + opened

    def wall(self, business_min: float) -> float:
        """The time at which `business_min` opening minutes have passed since START.

        A day's closing time reads as the next opening, as the desk picks the work up then.
        """
        day, minute = divmod(business_min, self.shift_min)
        week, weekday = divmod(day, WORKDAYS)
        return week * WEEK_MIN + weekday * DAY_MIN + self.open_min + minute

    def next_open(self, t: float) -> float:
        """`t` if the desk is open then, else the next opening time."""
        return self.wall(self.business_min(t))

    def add(self, t: float, minutes: float) -> float:
        """The time `minutes` of opening hours after `t`."""
        return self.wall(self.business_min(t) + minutes)

    def hours_between(self, a: float, b: float) -> float:
        """Opening hours elapsed from `a` to `b`."""
        return max(0.0, self.business_min(b) - self.business_min(a)) / 60


DESK_CLOCK = BusinessClock(OPEN_H * 60, (CLOSE_H - OPEN_H) * 60)
next_open = DESK_CLOCK.next_open
add_business = DESK_CLOCK.add
business_hours_between = DESK_CLOCK.hours_between


# --- one ticket ---------------------------------------------------------------------------------


@dataclass
class Event:
    activity: str
    at: float  # minutes since START
    resource: str
    team: str = ""
    level: int | None = None
    survey: tuple[int, int, int] | None = None  # csat, ces, nps


@dataclass
class Ticket:
    case_id: str
    created: float  # minutes since START
    channel: str
    priority: str
    category: Category
    events: list[Event] = field(default_factory=list)
    truth: dict[str, object] = field(default_factory=dict)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class Case(Protocol):
    """What the writers read of a simulated case: a helpdesk ticket, a complaint."""

    case_id: str
    created: float  # minutes since START
    channel: str
    priority: str
    events: list[Event]
    truth: dict[str, object]

    @property
    def category(self) -> _Named: ...


class _TicketStory:
    """Walks one ticket through the desk, recording events and the ground truth."""

    def __init__(
        self,
        rng: random.Random,
        staff: Staff,
        ticket: Ticket,
        first_touch: float,
        rollout_min: float = ROLLOUT_MIN,
    ) -> None:
        self.rng, self.staff, self.ticket, self.now = rng, staff, ticket, ticket.created
        self.first_touch = first_touch
        self.after = ticket.created >= rollout_min
        self.agent = rng.choice(staff.l1)
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
            self.now = ticket.created + rng.uniform(5, 40)
            self.truth["abandoned"] = True
            self.emit("Abandoned", "Customer", "Customer")
            self.now += 1
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
            self.now += 2
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
                self.now += 1
                self.emit("Closed", "System")
                return False
            self.now += 60 * rng.expovariate(1 / 18)
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
        agent = rng.choice(self.staff.l2[team])
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
            specialist = rng.choice(self.staff.l3)
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
            self.emit("Assigned", rng.choice(self.staff.l2[other]), other, 2)
            self.now = add_business(self.now, rng.uniform(60, 8 * 60))
            self.emit("Assigned", agent, team, 2)
            self.truth["transfers"] = int(self.truth["transfers"]) + 2

    def close_and_survey(self, level: int) -> None:
        rng = self.rng
        self.truth["resolved_by_level"] = level
        if rng.random() < 0.06:
            self.truth["reopened"] = True
            self.now += 60 * rng.uniform(4, 60)
            self.emit("Reopened", "Customer", "Customer")
            self.now = add_business(self.now, rng.uniform(30, 6 * 60))
            self.l1("Assigned")
            self.work(20, 120)
            self.l1("Resolved")
        self.now += 60 * rng.uniform(24, 72)
        self.emit("Closed", "System")

    def finish(self, resolved: float | None, first_response: float | None) -> None:
        ticket, truth, rng = self.ticket, self.truth, self.rng
        fr_target, res_target = SLA_H[ticket.priority]
        fr_h = (
            business_hours_between(ticket.created, first_response)
            if first_response is not None
            else None
        )
        res_h = (
            business_hours_between(ticket.created, resolved) - self.waiting_h
            if resolved is not None
            else None
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
        self.now += 60 * rng.uniform(1, 72)
        self.ticket.events.append(Event("Survey answered", self.now, "Customer", "Customer", None))
        self.ticket.events[-1].survey = (csat, ces, nps)
        truth.update(csat=csat, ces=ces, nps=nps)


# --- the whole desk -----------------------------------------------------------------------------

# Cumulative weights once, rather than on every draw (the same draws as `weights=`).
PRIORITY_CUM = list(accumulate(PRIORITIES.values()))
CATEGORY_CUM = list(accumulate(c.weight for c in CATEGORIES))


@dataclass(frozen=True)
class Intake:
    """How a desk's cases arrive: channels by weight, the live ones only in office hours (and
    never at weekends: web form instead), more on some weekdays, the rest around `midday_h`."""

    channels: dict[str, int]
    live: tuple[str, ...]
    day_weights: tuple[float, ...]  # Monday to Sunday
    open_h: float
    close_h: float
    midday_h: float

    def arrivals(self, rng: random.Random, cases: int) -> list[tuple[float, str]]:
        """Creation times (minutes since START) and channels, in order."""
        days = range(WEEKS * 7)
        chosen = rng.choices(
            days, cum_weights=list(accumulate(self.day_weights[d % 7] for d in days)), k=cases
        )
        names, channel_cum = list(self.channels), list(accumulate(self.channels.values()))
        arrivals = []
        for day in chosen:
            channel = rng.choices(names, cum_weights=channel_cum)[0]
            live = channel in self.live
            if live and day % 7 >= 5:
                channel = "web form"
                live = False
            hour = (
                rng.uniform(self.open_h, self.close_h)
                if live
                else min(23.99, max(0.0, rng.gauss(self.midday_h, 4)))
            )
            arrivals.append((day * DAY_MIN + hour * 60, channel))
        return sorted(arrivals)


INTAKE = Intake(
    CHANNELS,
    ("phone", "chat", "face to face"),
    (1.45, 1.15, 1.05, 1.0, 0.9, 0.3, 0.2),
    OPEN_H,
    CLOSE_H,
    12.5,
)


def simulate(tickets: int, seed: int, *, stable: bool = False) -> Iterator[Ticket]:
    """Tickets in order of creation, each with its events and ground truth; `stable`: no
    knowledge-base rollout."""
    rollout_min = math.inf if stable else ROLLOUT_MIN
    rng = random.Random(seed)
    staff = Staff.for_volume(tickets)
    # Tickets are routed to the agents on the rota at random, each agent working their own queue;
    # below a whole agent's load, other first-level work (calls, internal requests) fills it up. So
    # every queue carries the reference load and a ticket meets the same wait at any volume (a shared
    # queue would be faster on big desks). The rota draws from a stream of its own, which leaves the
    # tickets' draws as they are.
    rota_rng = random.Random(f"{seed} rota")
    other_work = INTAKE.arrivals(rota_rng, staff.rota_slots * REFERENCE_TICKETS - tickets)
    free_at = [0.0] * staff.rota_slots  # when each agent on the rota is next free
    number = 0
    for created, channel in heapq.merge(
        INTAKE.arrivals(rng, tickets), ((t, None) for t, _ in other_work), key=itemgetter(0)
    ):
        agent = rota_rng.randrange(staff.rota_slots)
        start = next_open(max(created, free_at[agent]))
        if channel is None:
            free_at[agent] = add_business(start, rota_rng.uniform(*FIRST_TOUCH_MIN))
            continue
        category = rng.choices(CATEGORIES, cum_weights=CATEGORY_CUM)[0]
        priority = (
            rng.choice(("high", "urgent", "urgent"))
            if category.name == "Outage"
            else rng.choices(list(PRIORITIES), cum_weights=PRIORITY_CUM)[0]
        )
        free_at[agent] = add_business(start, rng.uniform(*FIRST_TOUCH_MIN))
        wait_h = business_hours_between(created, start) * QUEUE_FACTOR[priority]
        first_touch = add_business(created, wait_h * 60 + rng.uniform(1, 10))
        number += 1
        ticket = Ticket(f"HD-{number:06d}", created, channel, priority, category)
        _TicketStory(rng, staff, ticket, first_touch, rollout_min).run()
        yield ticket


# --- writing ------------------------------------------------------------------------------------

ORIGIN = datetime.combine(START, datetime.min.time())


@cache
def _hour_stamp(hour: int, zone: ZoneInfo) -> tuple[str, str]:
    """The date-and-hour prefix and the UTC offset of an hour since START, in the desk's zone."""
    t = (ORIGIN + timedelta(hours=hour)).replace(tzinfo=zone).isoformat(timespec="hours")
    return f"{t[:13]}:", t[13:]


MINUTES_SECONDS = [f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)]


def _iso(t: float, zone: ZoneInfo = ZONE) -> str:
    """ISO 8601 to the second, with the UTC offset of the desk's `zone`."""
    hour, second = divmod(int(t * 60), 3600)
    prefix, offset = _hour_stamp(hour, zone)
    return prefix + MINUTES_SECONDS[second] + offset


@cache
def _csv_field(value: str) -> str:
    """A CSV field, quoted only where it must be (as csv.writer's minimal quoting does)."""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@cache
def _csv_event(activity: str, resource: str, team: str, level: int | None) -> tuple[str, str]:
    """An event's CSV fields before and after its timestamp; few distinct, so quoted once each."""
    level_label = f"L{level}" if level else ""
    fields = (_csv_field(resource), _csv_field(team), level_label)
    return f"{_csv_field(activity)},", f",{','.join(fields)},"


def _csv_lines(case: Case, stamps: list[str]) -> str:
    """The CSV rows of one case: its events, each with the case's channel, priority, category."""
    # Case ids are letters, a dash and digits: nothing to quote.
    prefix = case.case_id + ","
    attributes = ",".join(map(_csv_field, (case.channel, case.priority, case.category.name)))
    lines = []
    for e, stamp in zip(case.events, stamps, strict=True):
        before, after = _csv_event(e.activity, e.resource, e.team, e.level)
        survey = ",".join(map(str, e.survey)) if e.survey else ",,"
        lines.append(f"{prefix}{before}{stamp}{after}{attributes},{survey}\n")
    return "".join(lines)


XES_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">\n'
    + "".join(
        f'  <extension name="{name}" prefix="{prefix}" uri="http://www.xes-standard.org/{prefix}.xesext"/>\n'
        for name, prefix in (("Concept", "concept"), ("Time", "time"), ("Organizational", "org"))
    )
)


@cache
def _xes_trace_head(channel: str, priority: str, category: str) -> str:
    return (
        f'    <string key="channel" value={quoteattr(channel)}/>\n'
        f'    <string key="priority" value={quoteattr(priority)}/>\n'
        f'    <string key="category" value={quoteattr(category)}/>\n'
    )


@cache
def _xes_event(activity: str, resource: str, team: str, level: int | None) -> tuple[str, str]:
    """An event's XML before and after its timestamp; few distinct, so escaped once each."""
    before = (
        "    <event>\n"
        f'      <string key="concept:name" value={quoteattr(activity)}/>\n'
        '      <date key="time:timestamp" value="'
    )
    after = f'"/>\n      <string key="org:resource" value={quoteattr(resource)}/>\n'
    if team:
        after += f'      <string key="org:group" value={quoteattr(team)}/>\n'
    if level:
        after += f'      <int key="level" value="{level}"/>\n'
    return before, after


def _xes_trace(ticket: Ticket, stamps: list[str]) -> str:
    # Case ids are HD- and digits: nothing to escape.
    parts = [
        f'  <trace>\n    <string key="concept:name" value="{ticket.case_id}"/>\n',
        _xes_trace_head(ticket.channel, ticket.priority, ticket.category.name),
    ]
    for e, stamp in zip(ticket.events, stamps, strict=True):
        before, after = _xes_event(e.activity, e.resource, e.team, e.level)
        parts += (before, stamp, after)
        if e.survey:
            for key, value in zip(("csat", "ces", "nps"), e.survey, strict=True):
                parts.append(f'      <int key="{key}" value="{value}"/>\n')
        parts.append("    </event>\n")
    parts.append("  </trace>\n")
    return "".join(parts)


@contextmanager
def _gzip_writer(path: Path, writes_per_chunk: int = 256) -> Iterator[Callable[[str], None]]:
    """A `write(text)` into a gzip file with mtime 0 and no name: same text, same bytes.

    Each chunk is compressed on a second thread while the caller makes the next one (zlib releases
    the GIL); one chunk in flight at a time keeps memory flat.
    """
    parts: list[str] = []
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,
        ThreadPoolExecutor(max_workers=1) as compressor,
    ):
        pending = compressor.submit(int)  # nothing in flight yet

        def flush() -> None:
            nonlocal pending
            data = "".join(parts).encode()
            parts.clear()
            pending.result()
            pending = compressor.submit(gz.write, data)

        def write(text: str) -> None:
            parts.append(text)
            if len(parts) == writes_per_chunk:
                flush()

        yield write
        flush()
        pending.result()


def truth_row(
    case: Case, header: tuple[str, ...] = TRUTH_HEADER, zone: ZoneInfo = ZONE
) -> list[object]:
    """A case's ground truth in `header`'s order: its attributes, then what its story recorded."""
    row = {
        "case_id": case.case_id,
        "created_at": _iso(case.created, zone),
        "channel": case.channel,
        "priority": case.priority,
        "category": case.category.name,
        **case.truth,
    }
    return [str(row[k]).lower() if isinstance(row[k], bool) else row[k] for k in header]


def generate(
    tickets: int,
    seed: int,
    out_dir: Path,
    name: str = "helpdesk",
    *,
    vendors: bool = False,
    stable: bool = False,
) -> dict[str, Path]:
    """Write `<name>.csv`, `<name>.xes.gz` and `<name>_truth.csv` into `out_dir`, ticket by ticket;
    with `vendors`, also the same tickets as helpdesk tools export them (ticketloop.vendor_exports);
    with `stable`, a desk without the knowledge-base rollout (simulate)."""
    from ticketloop.vendor_exports import VendorExports

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": out_dir / f"{name}.csv",
        "xes": out_dir / f"{name}.xes.gz",
        "truth": out_dir / f"{name}_truth.csv",
    }
    with (
        paths["csv"].open("w", newline="", encoding="utf-8") as csv_file,
        _gzip_writer(paths["xes"]) as write_xes,
        paths["truth"].open("w", newline="", encoding="utf-8") as truth_file,
        VendorExports(out_dir, name, enabled=vendors) as exports,
    ):
        csv_file.write(",".join(CSV_HEADER) + "\n")
        truth = csv.writer(truth_file, lineterminator="\n")
        truth.writerow(TRUTH_HEADER)
        write_xes(XES_HEAD)
        for ticket in simulate(tickets, seed, stable=stable):
            stamps = [_iso(e.at) for e in ticket.events]
            csv_file.write(_csv_lines(ticket, stamps))
            write_xes(_xes_trace(ticket, stamps))
            truth.writerow(truth_row(ticket))
            exports.write(ticket)
        write_xes("</log>\n")
    return paths | exports.paths
