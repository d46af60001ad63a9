"""The synthetic helpdesk's tickets written as helpdesk tools export them, from the same ground
truth as the generic log: for Zendesk, ServiceNow, Freshdesk and Jira Service Management, a flat
ticket export and a history export (Zendesk also its satisfaction ratings), and the support levels
of the desk's teams as a mapping file (`[levels]`). The histories record the second level's work
(each `Investigation`) as each tool does: a Zendesk private comment, a ServiceNow version saved by
the agent (a work note), a Freshdesk private note, a Jira worklog (and the issue moved to "In
Progress" when the agent starts work on it). Written ticket by ticket, as the generator streams them: `VendorExports` is a context manager with a `write(ticket)`.

Each ticket's events are first walked into neutral `Update`s (who changed what, when); each vendor
then only spells them its way. An event a history cannot hold (a rejection, an assignment that
changes nothing, a reply in a snapshot) is left out and, with `keep_lost`, kept
in `lost`, so tests can check that reading the history back gives exactly the generic log's
other events.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO
from zoneinfo import ZoneInfo

from ticketloop.synthetic import (
    L1_TEAM,
    L2_TEAMS,
    L3_TEAM,
    OWNER_TEAM,
    START,
    ZONE,
    Event,
    Ticket,
    business_hours_between,
)

UTC = ZoneInfo("UTC")
ORIGIN = datetime.combine(START, datetime.min.time())  # the generator's time 0, wall clock
LEVELS = {L1_TEAM: 1, **dict.fromkeys(L2_TEAMS, 2), L3_TEAM: 3, OWNER_TEAM: 4}
LostEvent = tuple[str, str, datetime, str]  # case id, activity, time (UTC, seconds), resource


# --- the neutral walk -----------------------------------------------------------------------------


@dataclass
class Update:
    """One change to a ticket: by whom (an agent's name, "Customer" or "System"), when (minutes
    since the generator's start), and what. `changes` maps a field (status: new, open, pending,
    solved, closed, canceled; group, assignee, type) to (old, new)."""

    at: float
    actor: str
    changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    created: bool = False
    reply: bool = False
    rating: int | None = None  # CSAT 1-5
    knowledge: str = ""  # "linked" or "captured"
    worked_since: float | None = None  # work (an investigation) done since this time, by `actor`


# The activities every history here holds; each vendor adds what else it can.
HISTORY = frozenset(
    {
        "Ticket created",
        "Assigned",
        "Classified",
        "First response",
        "Information requested",
        "Customer replied",
        "Escalated",
        "De-escalated",
        "Resolved",
        "Reopened",
        "Closed",
        "Investigation",
    }
)


def wall_clock(t: float) -> datetime:
    """The desk's wall-clock time of generator time `t`, to the second as the generic log has it."""
    return ORIGIN + timedelta(seconds=int(t * 60))


def utc_of(t: float) -> datetime:
    return wall_clock(t).replace(tzinfo=ZONE).astimezone(UTC)


def updates_of(ticket: Ticket, holds: frozenset[str], lost: list[LostEvent] | None) -> list[Update]:
    """The ticket's events as updates, for a history that holds the activities `holds`:
    assignments carry the group and the assignee, an escalation moves the ticket to the group of
    the next assignment and clears the assignee, a hand-back gives it to the next agent. Events
    it cannot hold go to `lost`."""
    events = sorted(ticket.events, key=lambda e: e.at)
    group: str | None = None
    assignee: str | None = None
    status = "new"
    updates: list[Update] = []

    def to(new_status: str) -> dict[str, tuple[str | None, str | None]]:
        nonlocal status
        old, status = status, new_status
        return {"status": (old, new_status)}

    def lose(e: Event) -> None:
        if lost is not None:
            lost.append((ticket.case_id, e.activity, utc_of(e.at), e.resource))

    for i, e in enumerate(events):
        if e.activity not in holds:
            lose(e)
            continue
        update = Update(e.at, e.resource)
        if e.activity == "Ticket created":
            update.created, update.reply = True, True
        elif e.activity == "Assigned":
            if e.team != group:
                update.changes["group"] = (group, e.team)
            if e.resource != assignee:
                update.changes["assignee"] = (assignee, e.resource)
            if not update.changes:
                lose(e)
                continue
            if status == "new":
                update.changes |= to("open")
            group, assignee = e.team, e.resource
        elif e.activity == "Classified":
            update.changes["type"] = (None, ticket.category.name)
        elif e.activity == "First response":
            update.reply = True
        elif e.activity == "Information requested":
            update.reply, update.changes = True, to("pending")
        elif e.activity in ("Customer replied", "Reopened"):
            update.reply, update.changes = True, to("open")
        elif e.activity in ("Escalated", "De-escalated"):
            target = next(x for x in events[i + 1 :] if x.team not in ("", "Customer"))
            to_agent = target.resource if e.activity == "De-escalated" else None
            update.changes = {"group": (group, target.team), "assignee": (assignee, to_agent)}
            group, assignee = target.team, to_agent
        elif e.activity == "Resolved":
            update.reply, update.changes = True, to("solved")
        elif e.activity == "Closed":
            update.changes = to("closed")
        elif e.activity == "Investigation":
            handed = events[i + 1 : i + 2]
            if handed and (handed[0].activity, handed[0].at) == ("Escalated", e.at):
                lose(e)  # a note written with the handover reads as the handover's
                continue
            update.worked_since = events[i - 1].at
        elif e.activity == "Abandoned":
            update.changes = to("canceled")
        elif e.activity == "Survey answered" and e.survey:
            update.rating = e.survey[0]
        elif e.activity == "Knowledge base consulted":
            update.knowledge = "linked"
        elif e.activity == "Solution recorded in knowledge base":
            update.knowledge = "captured"
        updates.append(update)
    return updates


@dataclass(frozen=True)
class Milestones:
    """What a flat ticket export shows of a ticket: milestone times and the state at the end."""

    created: float
    first_assigned: float | None
    last_assigned: float | None
    first_response: float | None
    resolved: float | None
    closed: float | None
    updated: float
    agent: str
    team: str
    csat: int | None
    reopens: int
    replies: int
    teams: int
    agents: int
    abandoned: bool


def milestones_of(ticket: Ticket) -> Milestones:
    events = sorted(ticket.events, key=lambda e: e.at)

    def times(activity: str) -> list[float]:
        return [e.at for e in events if e.activity == activity]

    assigned, resolved, closed = times("Assigned"), times("Resolved"), times("Closed")
    last_agent = next((e for e in reversed(events) if e.level), None)
    survey = next((e.survey for e in events if e.survey), None)
    return Milestones(
        created=ticket.created,
        first_assigned=assigned[0] if assigned else None,
        last_assigned=assigned[-1] if assigned else None,
        first_response=next(iter(times("First response")), None),
        resolved=resolved[-1] if resolved else None,
        closed=closed[-1] if closed else None,
        updated=events[-1].at,
        agent=last_agent.resource if last_agent else "",
        team=last_agent.team if last_agent else "",
        csat=survey[0] if survey else None,
        reopens=len(times("Reopened")),
        replies=len(times("First response")) + len(times("Information requested")),
        teams=len({e.team for e in events if e.level}),
        agents=len({e.resource for e in events if e.level}),
        abandoned=bool(times("Abandoned")),
    )


# --- spelling times and streaming files -----------------------------------------------------------


def ticket_number(case_id: str) -> int:
    """The ticket's number: HD-000042 is 42 (Zendesk and Freshdesk ids are numbers)."""
    return int(case_id.split("-")[-1])


def _fmt(t: float | None, pattern: str, zone: ZoneInfo = ZONE) -> str:
    """Generator time `t` in `zone` (the desk's by default), spelt with `pattern`; "" for None."""
    if t is None:
        return ""
    moment = wall_clock(t)
    return moment.strftime(pattern) if zone is ZONE else utc_of(t).strftime(pattern)


def _hours(start: float | None, end: float | None) -> str:
    return (
        f"{business_hours_between(start, end):.2f}" if start is not None and end is not None else ""
    )


class _Gzip:
    """A gzip text file with mtime 0 and no name inside: same text, same bytes."""

    def __init__(self, path: Path) -> None:
        self._raw = path.open("wb")
        self._gz: IO[bytes] = gzip.GzipFile(filename="", fileobj=self._raw, mode="wb", mtime=0)

    def write(self, text: str) -> None:
        self._gz.write(text.encode("utf-8"))

    def close(self) -> None:
        self._gz.close()
        self._raw.close()


class _CsvFile:
    """A gzip-compressed CSV written row by row."""

    def __init__(self, path: Path, header: Iterable[str]) -> None:
        self._file = _Gzip(path)
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(header)

    def row(self, values: Iterable[object]) -> None:
        self._csv.writerow(values)

    def close(self) -> None:
        self._file.close()


class _JsonList:
    """A JSON document `{"<key>": [records...], <tail>}` written record by record; `tail` (the
    sideloads and paging keys) is given at the end."""

    def __init__(self, path: Path, key: str, gzipped: bool = True) -> None:
        self._file: _Gzip | IO[str] = _Gzip(path) if gzipped else path.open("w", encoding="utf-8")
        self._file.write(json.dumps({key: []})[:-2])
        self.count = 0

    def add(self, record: dict) -> None:
        self._file.write(("," if self.count else "") + json.dumps(record, ensure_ascii=False))
        self.count += 1

    def close(self, tail: dict) -> None:
        rest = json.dumps(tail, ensure_ascii=False)[1:]
        self._file.write("]" + ("," + rest if tail else "}") + "\n")
        self._file.close()


class _Directory:
    """Numeric ids for agents and groups, as the tools' sideloads and lists give them."""

    def __init__(self) -> None:
        self.users: dict[str, int] = {}
        self.groups: dict[str, int] = {}

    def user(self, name: str) -> int:
        return self.users.setdefault(name, 1000 + len(self.users))

    def user_id(self, name: str | None) -> str | None:
        return str(self.user(name)) if name else None

    def group(self, name: str | None) -> str | None:
        return str(self.groups.setdefault(name, 360000 + len(self.groups))) if name else None


# --- Zendesk --------------------------------------------------------------------------------------

ZENDESK_VIA = {
    "web form": "web",
    "e-mail": "email",
    "phone": "voice",
    "chat": "chat",
    "social media": "facebook",
    "face to face": "api",
    "letter": "api",
}
ZENDESK_HEADER = (
    "Id",
    "Requester",
    "Assignee",
    "Group",
    "Subject",
    "Status",
    "Priority",
    "Via",
    "Ticket type",
    "Created at",
    "Updated at",
    "Assigned at",
    "Initially assigned at",
    "Solved at",
    "Satisfaction Score",
    "Group stations",
    "Assignee stations",
    "Reopens",
    "Replies",
    "First reply time in minutes",
    "First reply time in minutes within business hours",
    "Full resolution time in minutes within business hours",
)
_ZD_LOCAL = "%Y-%m-%d %H:%M:%S"  # the account's time zone, without an offset
_ZD_UTC = "%Y-%m-%dT%H:%M:%SZ"


def _zendesk_score(csat: int) -> str:
    return "good" if csat >= 4 else "bad"


class _Zendesk:
    """The ticket CSV (local times), ticket audits (UTC, `users` and `groups` sideloads) and
    satisfaction ratings."""

    holds = HISTORY | {"Survey answered", "Knowledge base consulted"}
    holds |= {"Solution recorded in knowledge base"}

    def __init__(self, out_dir: Path, name: str) -> None:
        self.paths = {
            "zendesk_tickets": out_dir / f"{name}_zendesk_tickets.csv.gz",
            "zendesk_audits": out_dir / f"{name}_zendesk_audits.json.gz",
            "zendesk_ratings": out_dir / f"{name}_zendesk_ratings.json",
        }
        self.tickets = _CsvFile(self.paths["zendesk_tickets"], ZENDESK_HEADER)
        self.audits = _JsonList(self.paths["zendesk_audits"], "audits")
        self.ratings = _JsonList(self.paths["zendesk_ratings"], "satisfaction_ratings", False)
        self.ids = _Directory()
        self.requesters: list[tuple[int, str]] = []

    def write(self, ticket: Ticket, lost: list[LostEvent] | None) -> None:
        number = ticket_number(ticket.case_id)
        requester = 500000 + number
        self.requesters.append((requester, f"Requester {ticket.case_id}"))
        for update in updates_of(ticket, self.holds, lost):
            self._audit(ticket, number, requester, update)
        m = milestones_of(ticket)
        reply_min = m.first_response - m.created if m.first_response is not None else None
        self.tickets.row(
            [
                number,
                f"Requester {ticket.case_id}",
                m.agent,
                m.team,
                f"{ticket.category.name} ({ticket.case_id})",
                "Closed" if m.closed is not None else "Open",
                ticket.priority.capitalize(),
                ZENDESK_VIA[ticket.channel],
                ticket.category.name,
                _fmt(m.created, _ZD_LOCAL),
                _fmt(m.closed if m.closed is not None else m.updated, _ZD_LOCAL),
                _fmt(m.last_assigned, _ZD_LOCAL),
                _fmt(m.first_assigned, _ZD_LOCAL),
                _fmt(m.resolved, _ZD_LOCAL),
                _zendesk_score(m.csat).capitalize()
                if m.csat
                else ("Offered" if m.resolved is not None else "Unoffered"),
                m.teams,
                m.agents,
                m.reopens,
                m.replies,
                "" if reply_min is None else round(reply_min),
                "" if reply_min is None else round(_minutes(m.created, m.first_response)),
                "" if m.resolved is None else round(_minutes(m.created, m.resolved)),
            ]
        )

    def _audit(self, ticket: Ticket, number: int, requester: int, update: Update) -> None:
        ids = self.ids
        author = {"Customer": requester, "System": -1}.get(update.actor) or ids.user(update.actor)
        events: list[dict] = []
        if update.reply:
            events.append({"type": "Comment", "author_id": author, "public": True})
        if update.worked_since is not None:  # a private comment: work the requester does not see
            events.append(
                {"type": "Comment", "author_id": author, "public": False, "body": "Investigation"}
            )
        if update.created:
            events += [
                {"type": "Create", "field_name": "status", "value": "new"},
                {"type": "Create", "field_name": "priority", "value": ticket.priority},
            ]
        for name, (old, new) in update.changes.items():
            if name == "group":
                old, new = ids.group(old), ids.group(new)
            elif name == "assignee":
                old, new = ids.user_id(old), ids.user_id(new)
            elif name == "type":
                new = "question"
            elif new == "canceled":
                new = "closed"
            zd_field = {"group": "group_id", "assignee": "assignee_id"}.get(name, name)
            events.append(
                {"type": "Change", "field_name": zd_field, "previous_value": old, "value": new}
            )
        at = _fmt(update.at, _ZD_UTC, UTC)
        if update.rating is not None:
            score = _zendesk_score(update.rating)
            events.append({"type": "SatisfactionRating", "score": score})
            self.ratings.add(
                {
                    "id": 35000 + self.ratings.count,
                    "ticket_id": number,
                    "requester_id": requester,
                    "score": score,
                    "created_at": at,
                    "updated_at": at,
                    "comment": None,
                }
            )
        if update.knowledge:
            events.append({"type": f"Knowledge{update.knowledge.capitalize()}"})
        self.audits.add(
            {
                "id": self.audits.count + 1,
                "ticket_id": number,
                "created_at": at,
                "author_id": author,
                "via": {"channel": ZENDESK_VIA[ticket.channel] if update.created else "web"},
                "events": [{"id": k + 1, **e} for k, e in enumerate(events)],
            }
        )

    def close(self) -> None:
        ids = self.ids
        users = [{"id": i, "name": n, "role": "agent"} for n, i in ids.users.items()]
        users += [{"id": i, "name": n, "role": "end-user"} for i, n in self.requesters]
        groups = [{"id": int(i), "name": n} for n, i in ids.groups.items()]
        self.audits.close({"users": users, "groups": groups, "next_page": None})
        self.ratings.close({"next_page": None, "count": self.ratings.count})
        self.tickets.close()


def _minutes(start: float, end: float) -> float:
    return business_hours_between(start, end) * 60


# --- ServiceNow -----------------------------------------------------------------------------------

SN_STATES = {
    "new": "New",
    "open": "Active",
    "pending": "Awaiting User Info",
    "solved": "Resolved",
    "closed": "Closed",
    "canceled": "Canceled",
}
SN_SNAPSHOT_HEADER = (
    "number",
    "incident_state",
    "active",
    "reassignment_count",
    "reopen_count",
    "sys_mod_count",
    "made_sla",
    "caller_id",
    "opened_by",
    "opened_at",
    "sys_updated_by",
    "sys_updated_at",
    "contact_type",
    "category",
    "priority",
    "assignment_group",
    "assigned_to",
    "resolved_by",
    "resolved_at",
    "closed_at",
)
SN_LIST_HEADER = (
    "Number",
    "Opened",
    "Short description",
    "Caller",
    "Priority",
    "State",
    "Category",
    "Assignment group",
    "Assigned to",
    "Channel",
    "Updated",
    "Resolved",
    "Resolved by",
    "Closed",
    "Reassignment count",
    "Reopen count",
)
_SN_SNAPSHOT_TIME = "%-d/%-m/%Y %H:%M:%S"  # day first, no leading zeros, UTC
_SN_LIST_TIME = "%Y-%m-%d %H:%M:%S"  # UTC


class _ServiceNow:
    """The incident list (labels as headers, UTC) and snapshots in the layout of the public
    incident event log (one row per version, `?` for empty, day-first dates, and now and then a
    second save that changes nothing). A work note is a version the agent saves with no tracked
    field changed."""

    holds = (HISTORY - {"First response"}) | {"Abandoned"}

    def __init__(self, out_dir: Path, name: str) -> None:
        self.paths = {
            "servicenow_incidents": out_dir / f"{name}_servicenow_incidents.csv.gz",
            "servicenow_snapshots": out_dir / f"{name}_servicenow_snapshots.csv.gz",
        }
        self.incidents = _CsvFile(self.paths["servicenow_incidents"], SN_LIST_HEADER)
        self.snapshots = _CsvFile(self.paths["servicenow_snapshots"], SN_SNAPSHOT_HEADER)

    def write(self, ticket: Ticket, lost: list[LostEvent] | None) -> None:
        number = f"INC{ticket_number(ticket.case_id):07d}"
        caller = f"Caller {ticket.case_id}"
        state: dict[str, str | None] = {"status": "new", "group": None, "assignee": None}
        state["type"] = None
        reassignments = reopens = 0
        resolved_by = ""
        resolved_at = closed_at = None
        versions = 0
        for update in updates_of(ticket, self.holds, lost):
            if update.changes.get("group", (None, None))[0] is not None:
                reassignments += 1
            if update.changes.get("status") == ("solved", "open"):
                reopens += 1
            state |= {name: new for name, (_, new) in update.changes.items()}
            if state["status"] == "solved":
                resolved_by, resolved_at = update.actor, update.at
            if state["status"] == "closed":
                closed_at = update.at
            actor = {"Customer": caller, "System": "system"}.get(update.actor, update.actor)
            saves = 2 if "assignee" in update.changes and versions % 3 == 2 else 1
            for _ in range(saves):  # the second save changes nothing, as real logs have
                self.snapshots.row(
                    [
                        number,
                        SN_STATES[state["status"] or "new"],
                        str(state["status"] not in ("closed", "canceled")).lower(),
                        reassignments,
                        reopens,
                        versions,
                        "true",
                        caller,
                        caller,
                        _fmt(ticket.created, _SN_SNAPSHOT_TIME, UTC),
                        actor,
                        _fmt(update.at, _SN_SNAPSHOT_TIME, UTC),
                        ticket.channel,
                        state["type"] or "?",
                        ticket.priority,
                        state["group"] or "?",
                        state["assignee"] or "?",
                        resolved_by or "?",
                        _fmt(resolved_at, _SN_SNAPSHOT_TIME, UTC) or "?",
                        _fmt(closed_at, _SN_SNAPSHOT_TIME, UTC) or "?",
                    ]
                )
                versions += 1
        m = milestones_of(ticket)
        self.incidents.row(
            [
                number,
                _fmt(m.created, _SN_LIST_TIME, UTC),
                f"{ticket.category.name} ({ticket.case_id})",
                caller,
                ticket.priority,
                ("Canceled" if m.abandoned else "Closed") if m.closed is not None else "Active",
                ticket.category.name,
                m.team,
                m.agent,
                ticket.channel,
                _fmt(m.updated, _SN_LIST_TIME, UTC),
                _fmt(m.resolved, _SN_LIST_TIME, UTC),
                resolved_by,
                _fmt(m.closed, _SN_LIST_TIME, UTC),
                reassignments,
                reopens,
            ]
        )

    def close(self) -> None:
        self.incidents.close()
        self.snapshots.close()


# --- Freshdesk ------------------------------------------------------------------------------------

FD_STATUSES = {"open": "Open", "pending": "Pending", "solved": "Resolved", "closed": "Closed"}
FD_HEADER = (
    "Ticket ID",
    "Subject",
    "Status",
    "Priority",
    "Source",
    "Type",
    "Agent",
    "Group",
    "Created time",
    "Resolved time",
    "Closed time",
    "Last update time",
    "Initial response time",
    "First response time (in hrs)",
    "Resolution time (in hrs)",
    "Agent interactions",
    "Customer interactions",
    "Resolution status",
    "First response status",
    "Survey results",
)
FD_SURVEY = {5: "Extremely Happy", 4: "Happy", 3: "Neutral", 2: "Unhappy", 1: "Extremely Unhappy"}
_FD_ACTIVITY_TIME = "%d-%m-%Y %H:%M:%S %z"
_FD_LOCAL = "%Y-%m-%d %H:%M:%S"


class _Freshdesk:
    """The ticket CSV (local times) and the ticket activities (UTC; every tenth record repeated,
    as real activity exports repeat some)."""

    holds = HISTORY

    def __init__(self, out_dir: Path, name: str) -> None:
        self.paths = {
            "freshdesk_tickets": out_dir / f"{name}_freshdesk_tickets.csv.gz",
            "freshdesk_activities": out_dir / f"{name}_freshdesk_activities.json.gz",
        }
        self.tickets = _CsvFile(self.paths["freshdesk_tickets"], FD_HEADER)
        self.activities = _JsonList(self.paths["freshdesk_activities"], "activities_data")
        self.ids = _Directory()

    def write(self, ticket: Ticket, lost: list[LostEvent] | None) -> None:
        number = ticket_number(ticket.case_id)
        for update in updates_of(ticket, self.holds, lost):
            kind = {"Customer": "contact", "System": "system"}.get(update.actor, "agent")
            activity: dict[str, object] = {}
            if update.created:
                activity |= {"new_ticket": True, "status": "Open", "priority": ticket.priority}
            elif update.reply:
                activity["note"] = {"id": self.activities.count + 1, "type": "Reply"}
            elif update.worked_since is not None:
                activity["note"] = {"id": self.activities.count + 1, "type": "Private note"}
            for name, (_, new) in update.changes.items():
                fd_field = {"assignee": "agent", "type": "ticket_type"}.get(name, name)
                activity[fd_field] = (
                    FD_STATUSES.get(new or "", "Closed") if name == "status" else new
                )
            record = {
                "performer_type": kind,
                "performer_id": self.ids.user(update.actor) if kind == "agent" else 0,
                "performer_name": update.actor if kind == "agent" else None,
                "ticket_id": number,
                "performed_at": _fmt(update.at, _FD_ACTIVITY_TIME, UTC),
                "activity": activity,
            }
            self.activities.add(record)
            if self.activities.count % 10 == 0:
                self.activities.add(record)
        m = milestones_of(ticket)
        resolution_h = business_hours_between(m.created, m.resolved) if m.resolved else None
        self.tickets.row(
            [
                number,
                f"{ticket.category.name} ({ticket.case_id})",
                "Closed" if m.closed is not None else "Open",
                ticket.priority.capitalize(),
                ticket.channel.capitalize(),
                ticket.category.name,
                m.agent,
                m.team,
                _fmt(m.created, _FD_LOCAL),
                _fmt(m.resolved, _FD_LOCAL),
                _fmt(m.closed, _FD_LOCAL),
                _fmt(m.updated, _FD_LOCAL),
                _fmt(m.first_response, _FD_LOCAL),
                _hours(m.created, m.first_response),
                _hours(m.created, m.resolved),
                m.replies,
                m.reopens,
                ""
                if resolution_h is None
                else ("Within SLA" if resolution_h <= 24 else "SLA Violated"),
                "Within SLA" if m.first_response is not None else "",
                FD_SURVEY.get(m.csat or 0, ""),
            ]
        )

    def close(self) -> None:
        self.activities.close({})
        self.tickets.close()


# --- Jira Service Management ----------------------------------------------------------------------

JIRA_STATUSES = {
    "new": "Waiting for support",
    "open": "Waiting for support",
    "pending": "Waiting for customer",
    "solved": "Resolved",
    "closed": "Closed",
    "canceled": "Canceled",
}
JIRA_HEADER = (
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Priority",
    "Resolution",
    "Assignee",
    "Reporter",
    "Reporter Id",
    "Created",
    "Updated",
    "Resolved",
    "Custom field (Request Type)",
    "Custom field (Team)",
    "Custom field (Time to first response)",
    "Custom field (Time to resolution)",
    "Satisfaction rating",
    "Comment",
    "Comment",
)
_JIRA_CSV_TIME = "%d/%b/%y %I:%M %p"  # local, to the minute: the CSV has no seconds
_JIRA_JSON_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"


class _Jira:
    """The issue CSV (local times to the minute, repeated Comment columns) and the changelog of a
    search with expand=changelog (UTC, public comments and worklogs in the issues' fields; a
    second-level agent moves the issue to In Progress when starting work on it)."""

    holds = HISTORY | {"Abandoned"}

    def __init__(self, out_dir: Path, name: str) -> None:
        self.paths = {
            "jira_issues": out_dir / f"{name}_jira_issues.csv.gz",
            "jira_changelog": out_dir / f"{name}_jira_changelog.json.gz",
        }
        self.issues_csv = _CsvFile(self.paths["jira_issues"], JIRA_HEADER)
        self.changelog = _JsonList(self.paths["jira_changelog"], "issues")

    def write(self, ticket: Ticket, lost: list[LostEvent] | None) -> None:
        key = f"SD-{ticket_number(ticket.case_id)}"
        reporter = f"Requester {ticket.case_id}"
        histories: list[dict] = []
        comments: list[dict] = []
        worklogs: list[dict] = []
        status, assignee = JIRA_STATUSES["new"], None

        def transition(to: str) -> dict[str, str | None]:
            nonlocal status
            item, status = {"field": "status", "fromString": status, "toString": to}, to
            return item

        for update in updates_of(ticket, self.holds, lost):
            if update.created:
                continue  # the issue's `created` and `reporter` say it
            author = (
                None
                if update.actor == "System"
                else {"displayName": reporter if update.actor == "Customer" else update.actor}
            )
            at = _fmt(update.at, _JIRA_JSON_TIME, UTC)
            working = update.worked_since is not None and update.actor == assignee
            if working and status != "In Progress":
                # the agent holding it starts work on it: Start progress, when the work began
                histories.append(
                    {
                        "id": str(len(histories) + 1),
                        "created": _fmt(update.worked_since, _JIRA_JSON_TIME, UTC),
                        "items": [transition("In Progress")],
                        "author": author,
                    }
                )
            items = []
            for name, (old, new) in update.changes.items():
                if name == "status":
                    items.append(transition(JIRA_STATUSES[new or "new"]))
                    continue
                if name == "assignee":
                    assignee = new
                jira_field = {"group": "Team", "type": "Request Type"}.get(name, name)
                items.append({"field": jira_field, "fromString": old, "toString": new})
            if update.reply:
                comments.append({"author": author, "created": at, "jsdPublic": True})
            if update.worked_since is not None:  # logged when done: started + time spent
                worklogs.append(
                    {
                        "id": str(len(worklogs) + 1),
                        "author": author,
                        "started": _fmt(update.worked_since, _JIRA_JSON_TIME, UTC),
                        "timeSpentSeconds": int(update.at * 60) - int(update.worked_since * 60),
                        "created": at,
                    }
                )
            if items:
                history = {"id": str(len(histories) + 1), "created": at, "items": items}
                histories.append(history | ({"author": author} if author else {}))
        self.changelog.add(
            {
                "key": key,
                "fields": {
                    "created": _fmt(ticket.created, _JIRA_JSON_TIME, UTC),
                    "reporter": {"displayName": reporter},
                    "comment": {"comments": comments},
                    "worklog": {"startAt": 0, "total": len(worklogs), "worklogs": worklogs},
                },
                "changelog": {"histories": histories},
            }
        )
        m = milestones_of(ticket)
        self.issues_csv.row(
            [
                f"{ticket.category.name} ({ticket.case_id})",
                key,
                10000 + ticket_number(ticket.case_id),
                "Service Request",
                "Closed" if m.closed is not None else "Waiting for support",
                ticket.priority.capitalize(),
                "Done" if m.resolved is not None else "",
                m.agent,
                reporter,
                f"id:{ticket.case_id}",
                _fmt(m.created, _JIRA_CSV_TIME),
                _fmt(m.closed if m.closed is not None else m.updated, _JIRA_CSV_TIME),
                _fmt(m.resolved, _JIRA_CSV_TIME),
                ticket.category.name,
                m.team,
                _hours(m.created, m.first_response),
                _hours(m.created, m.resolved),
                m.csat or "",
                f"{_fmt(m.created, _JIRA_CSV_TIME)};id:{ticket.case_id};Please help",
                f"{_fmt(m.first_response, _JIRA_CSV_TIME)};{m.agent or 'agent'};On it"
                if m.first_response is not None
                else "",
            ]
        )

    def close(self) -> None:
        self.changelog.close({"startAt": 0})
        self.issues_csv.close()


VENDORS = {
    "zendesk": _Zendesk,
    "servicenow": _ServiceNow,
    "freshdesk": _Freshdesk,
    "jira": _Jira,
}


class VendorExports:
    """Every vendor's exports of the tickets given to `write`, and `<name>_levels.toml` ([levels]
    of the teams). With `enabled=False` it writes nothing; with `keep_lost`, `lost[vendor]` lists
    the events each history could not hold."""

    def __init__(
        self, out_dir: Path, name: str, *, enabled: bool = True, keep_lost: bool = False
    ) -> None:
        self.out_dir, self.name, self.enabled = out_dir, name, enabled
        self.writers: dict[str, _Zendesk | _ServiceNow | _Freshdesk | _Jira] = {}
        self.lost: dict[str, list[LostEvent]] | None = (
            {vendor: [] for vendor in VENDORS} if keep_lost else None
        )
        self.paths: dict[str, Path] = {}

    def __enter__(self) -> VendorExports:
        if self.enabled:
            self.writers = {
                vendor: make(self.out_dir, self.name) for vendor, make in VENDORS.items()
            }
        return self

    def write(self, ticket: Ticket) -> None:
        for vendor, writer in self.writers.items():
            writer.write(ticket, self.lost[vendor] if self.lost is not None else None)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for writer in self.writers.values():
            writer.close()
            self.paths |= writer.paths
        if self.writers:
            self.paths["levels"] = self.out_dir / f"{self.name}_levels.toml"
            levels = "".join(f'"{team}" = {level}\n' for team, level in LEVELS.items())
            self.paths["levels"].write_text(
                "# The support levels of the sample desk's teams, for its vendor exports:\n"
                f"# ticketloop ingest FILE --map {self.paths['levels'].name}\n[levels]\n{levels}",
                encoding="utf-8",
            )
