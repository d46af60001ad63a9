"""The synthetic helpdesk's tickets written as helpdesk tools export them, from the same ground
truth as the generic log: for Zendesk, ServiceNow, Freshdesk and Jira Service Management, a flat
ticket export and a history export (Zendesk also its satisfaction ratings). The support levels of
the desk's teams go in a mapping file (`[levels]`).

Each ticket's events are first walked into neutral `Update`s (who changed what, when); each
vendor writer then only spells them its way. An event a history cannot hold (an investigation, a
rejection, an assignment that changes nothing, a reply in a snapshot) is left out and returned,
so tests can check that reading the history back gives exactly the generic log's other events.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ticketloop.synthetic import (
    L1_TEAM,
    L2_TEAMS,
    L3_TEAM,
    OWNER_TEAM,
    Event,
    Ticket,
    business_hours_between,
)

ZONE = ZoneInfo("Europe/Madrid")
UTC = ZoneInfo("UTC")
LEVELS = {L1_TEAM: 1, **dict.fromkeys(L2_TEAMS, 2), L3_TEAM: 3, OWNER_TEAM: 4}
LostEvent = tuple[str, str, datetime, str]  # case id, activity, time, resource
Writer = Callable[[list[Ticket], Path, str], tuple[dict[str, Path], list[LostEvent]]]


# --- the neutral walk -----------------------------------------------------------------------------


@dataclass
class Update:
    """One change to a ticket: by whom (an agent's name, "Customer" or "System"), when, and what.
    `changes` maps a field (status: new/open/pending/solved/closed/canceled, group, assignee,
    type) to (old, new); `created` marks the ticket's creation."""

    at: datetime
    actor: str
    changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    created: bool = False
    reply: bool = False
    rating: int | None = None  # CSAT 1-5
    knowledge: str = ""  # "linked" or "captured"
    event: Event | None = None  # the generic event it stands for


# The activities each kind of history holds: the rest of a ticket's events are lost in it.
FULL = frozenset(
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
    }
)


def updates_of(ticket: Ticket, holds: frozenset[str], lost: list[LostEvent]) -> list[Update]:
    """The ticket's events as updates, for a history that holds the activities `holds` (plus
    `Abandoned` when it holds a canceled status, and `Survey answered` and the knowledge-base
    events when it holds those): assignments carry the group and the assignee, an escalation
    moves the ticket to the group of the next assignment and clears the assignee, a hand-back
    gives it to the next agent."""
    events = sorted(ticket.events, key=lambda e: e.at)
    group: str | None = None
    assignee: str | None = None
    status = "new"
    updates: list[Update] = []

    def to(new_status: str) -> dict[str, tuple[str | None, str | None]]:
        nonlocal status
        old, status = status, new_status
        return {"status": (old, new_status)}

    for i, e in enumerate(events):
        if e.activity not in holds:
            lost.append((ticket.case_id, e.activity, e.at, e.resource))
            continue
        update = Update(e.at, e.resource, event=e)
        if e.activity == "Ticket created":
            update.created, update.reply = True, True
        elif e.activity == "Assigned":
            if e.team != group:
                update.changes["group"] = (group, e.team)
            if e.resource != assignee:
                update.changes["assignee"] = (assignee, e.resource)
            if not update.changes:
                lost.append((ticket.case_id, e.activity, e.at, e.resource))
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

    created: datetime
    first_assigned: datetime | None
    last_assigned: datetime | None
    first_response: datetime | None
    resolved: datetime | None
    closed: datetime | None
    updated: datetime
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

    def times(activity: str) -> list[datetime]:
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


# --- spelling times and files ---------------------------------------------------------------------


def ticket_number(case_id: str) -> int:
    """The ticket's number: HD-000042 is 42 (Zendesk and Freshdesk ids are numbers)."""
    return int(case_id.split("-")[-1])


def _aware(t: datetime) -> datetime:
    return t.replace(tzinfo=ZONE)


def _fmt(t: datetime | None, pattern: str, zone: ZoneInfo = ZONE) -> str:
    """`t` (the desk's wall clock) in `zone`, spelt with `pattern`; "" for None."""
    return _aware(t).astimezone(zone).strftime(pattern) if t else ""


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """A UTF-8 CSV, gzip-compressed with mtime 0 (same tickets, same bytes)."""
    sink = _Lines()
    out = csv.writer(sink, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write("".join(sink.lines).encode("utf-8"))


def _write_json_gz(path: Path, doc: object) -> None:
    """Compact JSON, gzip-compressed with mtime 0: same tickets, same bytes."""
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _hours(start: datetime | None, end: datetime | None) -> str:
    return f"{business_hours_between(start, end):.2f}" if start and end else ""


class _Directory:
    """Numeric ids for agents and groups, as the tools' sideloads and lists give them."""

    def __init__(self) -> None:
        self.users: dict[str, int] = {}
        self.groups: dict[str, int] = {}

    def user(self, name: str) -> int:
        return self.users.setdefault(name, 1000 + len(self.users))

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
_ZD_HOLDS = FULL | {
    "Survey answered",
    "Knowledge base consulted",
    "Solution recorded in knowledge base",
}
_ZD_LOCAL = "%Y-%m-%d %H:%M:%S"  # the account's time zone, without an offset
_ZD_UTC = "%Y-%m-%dT%H:%M:%SZ"


def _zendesk_score(csat: int) -> str:
    return "good" if csat >= 4 else "bad"


def write_zendesk(
    tickets: list[Ticket], out_dir: Path, name: str
) -> tuple[dict[str, Path], list[LostEvent]]:
    """`<name>_zendesk_tickets.csv.gz` (local times), `_audits.json.gz` (with `users` and `groups`
    sideloads) and `_ratings.json`."""
    paths = {
        "zendesk_tickets": out_dir / f"{name}_zendesk_tickets.csv.gz",
        "zendesk_audits": out_dir / f"{name}_zendesk_audits.json.gz",
        "zendesk_ratings": out_dir / f"{name}_zendesk_ratings.json",
    }
    ids, lost, audits, ratings = _Directory(), [], [], []
    requesters: dict[int, str] = {}
    for ticket in tickets:
        number = ticket_number(ticket.case_id)
        requester = 500000 + number
        requesters[requester] = f"Requester {ticket.case_id}"
        for update in updates_of(ticket, _ZD_HOLDS, lost):
            author = {"Customer": requester, "System": -1}.get(update.actor) or ids.user(
                update.actor
            )
            events: list[dict] = []
            if update.reply:
                events.append({"type": "Comment", "author_id": author, "public": True})
            if update.created:
                events += [
                    {"type": "Create", "field_name": "status", "value": "new"},
                    {"type": "Create", "field_name": "priority", "value": ticket.priority},
                ]
            for fld, (old, new) in update.changes.items():
                if fld in ("group", "assignee"):
                    lookup = ids.group if fld == "group" else (lambda n: n and str(ids.user(n)))
                    old, new = lookup(old), lookup(new)
                zd_field = {"group": "group_id", "assignee": "assignee_id"}.get(fld, fld)
                if fld == "status" and new == "canceled":
                    new = "closed"
                if fld == "type":
                    new = "question"
                events.append(
                    {"type": "Change", "field_name": zd_field, "previous_value": old, "value": new}
                )
            if update.rating is not None:
                events.append(
                    {"type": "SatisfactionRating", "score": _zendesk_score(update.rating)}
                )
                ratings.append(
                    {
                        "id": 35000 + len(ratings),
                        "ticket_id": number,
                        "requester_id": requester,
                        "score": _zendesk_score(update.rating),
                        "created_at": _fmt(update.at, _ZD_UTC, UTC),
                        "updated_at": _fmt(update.at, _ZD_UTC, UTC),
                        "comment": None,
                    }
                )
            if update.knowledge:
                events.append({"type": f"Knowledge{update.knowledge.capitalize()}"})
            audits.append(
                {
                    "id": len(audits) + 1,
                    "ticket_id": number,
                    "created_at": _fmt(update.at, _ZD_UTC, UTC),
                    "author_id": author,
                    "via": {"channel": ZENDESK_VIA[ticket.channel] if update.created else "web"},
                    "events": [{"id": k + 1, **e} for k, e in enumerate(events)],
                }
            )
    users = [{"id": i, "name": n, "role": "agent"} for n, i in ids.users.items()]
    users += [{"id": i, "name": n, "role": "end-user"} for i, n in requesters.items()]
    _write_json_gz(
        paths["zendesk_audits"],
        {
            "audits": audits,
            "users": users,
            "groups": [{"id": int(i), "name": n} for n, i in ids.groups.items()],
            "next_page": None,
            "count": len(audits),
        },
    )
    paths["zendesk_ratings"].write_text(
        json.dumps({"satisfaction_ratings": ratings, "next_page": None, "count": len(ratings)})
        + "\n",
        encoding="utf-8",
    )
    rows = []
    for ticket in tickets:
        m = milestones_of(ticket)
        reply_min = (
            (m.first_response - m.created).total_seconds() / 60 if m.first_response else None
        )
        rows.append(
            [
                ticket_number(ticket.case_id),
                f"Requester {ticket.case_id}",
                m.agent,
                m.team,
                f"{ticket.category.name} ({ticket.case_id})",
                "Closed" if m.closed else "Open",
                ticket.priority.capitalize(),
                ZENDESK_VIA[ticket.channel],
                ticket.category.name,
                _fmt(m.created, _ZD_LOCAL),
                _fmt(m.closed or m.updated, _ZD_LOCAL),
                _fmt(m.last_assigned, _ZD_LOCAL),
                _fmt(m.first_assigned, _ZD_LOCAL),
                _fmt(m.resolved, _ZD_LOCAL),
                (m.csat and _zendesk_score(m.csat).capitalize())
                or ("Offered" if m.resolved else "Unoffered"),
                m.teams,
                m.agents,
                m.reopens,
                m.replies,
                round(reply_min) if reply_min is not None else "",
                round(business_hours_between(m.created, m.first_response) * 60)
                if m.first_response
                else "",
                round(business_hours_between(m.created, m.resolved) * 60) if m.resolved else "",
            ]
        )
    _write_csv(paths["zendesk_tickets"], ZENDESK_HEADER, rows)
    return paths, lost


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
_SN_HOLDS = (FULL - {"First response"}) | {"Abandoned"}
_SN_SNAPSHOT_TIME = "%-d/%-m/%Y %H:%M:%S"  # day first, no leading zeros, UTC
_SN_LIST_TIME = "%Y-%m-%d %H:%M:%S"  # UTC


def write_servicenow(
    tickets: list[Ticket], out_dir: Path, name: str
) -> tuple[dict[str, Path], list[LostEvent]]:
    """`<name>_servicenow_incidents.csv.gz` (the list, labels as headers) and
    `<name>_servicenow_snapshots.csv.gz` (one row per version, `?` for empty, as the public
    incident event log, including versions that change nothing)."""
    paths = {
        "servicenow_incidents": out_dir / f"{name}_servicenow_incidents.csv.gz",
        "servicenow_snapshots": out_dir / f"{name}_servicenow_snapshots.csv.gz",
    }
    lost: list[LostEvent] = []
    snapshots, incidents = [], []
    for ticket in tickets:
        number = f"INC{ticket_number(ticket.case_id):07d}"
        caller = f"Caller {ticket.case_id}"
        state = {"status": "new", "group": None, "assignee": None, "type": None}
        reassignments = reopens = 0
        resolved_by = resolved_at = closed_at = None
        versions = []
        for update in updates_of(ticket, _SN_HOLDS, lost):
            if update.changes.get("group", (None, None))[0] is not None:
                reassignments += 1
            if update.changes.get("status") == ("solved", "open"):
                reopens += 1
            state |= {fld: new for fld, (_, new) in update.changes.items()}
            if state["status"] == "solved":
                resolved_by, resolved_at = update.actor, update.at
            if state["status"] == "closed":
                closed_at = update.at
            actor = {"Customer": caller, "System": "system"}.get(update.actor, update.actor)
            versions.append((update.at, actor, dict(state), reassignments, reopens))
            if update.event and update.event.activity == "Assigned" and len(versions) % 3 == 0:
                versions.append(versions[-1])  # a save that changes nothing, as real logs have
        for mod_count, (at, actor, st, re_n, ro_n) in enumerate(versions):
            snapshots.append(
                [
                    number,
                    SN_STATES[st["status"]],
                    str(st["status"] not in ("closed", "canceled")).lower(),
                    re_n,
                    ro_n,
                    mod_count,
                    "true",
                    caller,
                    caller,
                    _fmt(ticket.created, _SN_SNAPSHOT_TIME, UTC),
                    actor,
                    _fmt(at, _SN_SNAPSHOT_TIME, UTC),
                    ticket.channel,
                    st["type"] or "?",
                    ticket.priority,
                    st["group"] or "?",
                    st["assignee"] or "?",
                    resolved_by or "?",
                    _fmt(resolved_at, _SN_SNAPSHOT_TIME, UTC) or "?",
                    _fmt(closed_at, _SN_SNAPSHOT_TIME, UTC) or "?",
                ]
            )
        m = milestones_of(ticket)
        incidents.append(
            [
                number,
                _fmt(m.created, _SN_LIST_TIME, UTC),
                f"{ticket.category.name} ({ticket.case_id})",
                caller,
                ticket.priority,
                SN_STATES["canceled" if m.abandoned else "closed"] if m.closed else "In Progress",
                ticket.category.name,
                m.team,
                m.agent,
                ticket.channel,
                _fmt(m.updated, _SN_LIST_TIME, UTC),
                _fmt(m.resolved, _SN_LIST_TIME, UTC),
                resolved_by or "",
                _fmt(m.closed, _SN_LIST_TIME, UTC),
                reassignments,
                reopens,
            ]
        )
    _write_csv(paths["servicenow_incidents"], SN_LIST_HEADER, incidents)
    _write_csv(paths["servicenow_snapshots"], SN_SNAPSHOT_HEADER, snapshots)
    return paths, lost


class _Lines:
    """A file-like sink for csv.writer, collecting its lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)


# --- Freshdesk ------------------------------------------------------------------------------------

FD_STATUSES = {
    "open": "Open",
    "pending": "Pending",
    "solved": "Resolved",
    "closed": "Closed",
    "canceled": "Closed",
}
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
_FD_HOLDS = FULL
_FD_ACTIVITY_TIME = "%d-%m-%Y %H:%M:%S %z"
_FD_LOCAL = "%Y-%m-%d %H:%M:%S"


def write_freshdesk(
    tickets: list[Ticket], out_dir: Path, name: str
) -> tuple[dict[str, Path], list[LostEvent]]:
    """`<name>_freshdesk_tickets.csv.gz` (local times) and `_activities.json.gz` (performers by id
    and name; every tenth record repeated, as real activity exports repeat some)."""
    paths = {
        "freshdesk_tickets": out_dir / f"{name}_freshdesk_tickets.csv.gz",
        "freshdesk_activities": out_dir / f"{name}_freshdesk_activities.json.gz",
    }
    ids, lost, records, rows = _Directory(), [], [], []
    for ticket in tickets:
        number = ticket_number(ticket.case_id)
        for update in updates_of(ticket, _FD_HOLDS, lost):
            kind = {"Customer": "contact", "System": "system"}.get(update.actor, "agent")
            activity: dict[str, object] = {}
            if update.created:
                activity |= {"new_ticket": True, "status": "Open", "priority": ticket.priority}
            if update.reply and not update.created:
                activity["note"] = {"id": len(records) + 1, "type": "Reply"}
            for fld, (_, new) in update.changes.items():
                if fld == "status":
                    activity["status"] = FD_STATUSES[new or "open"]
                elif fld == "group":
                    activity["group"] = new
                elif fld == "assignee":
                    activity["agent"] = new
                elif fld == "type":
                    activity["ticket_type"] = new
            record = {
                "performer_type": kind,
                "performer_id": ids.user(update.actor) if kind == "agent" else 0,
                "performer_name": update.actor if kind == "agent" else None,
                "ticket_id": number,
                "performed_at": _fmt(update.at, _FD_ACTIVITY_TIME, UTC),
                "activity": activity,
            }
            records.append(record)
            if len(records) % 10 == 0:
                records.append(record)
        m = milestones_of(ticket)
        sla = business_hours_between(m.created, m.resolved) if m.resolved else None
        rows.append(
            [
                number,
                f"{ticket.category.name} ({ticket.case_id})",
                "Closed" if m.closed else "Open",
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
                "" if sla is None else ("Within SLA" if sla <= 24 else "SLA Violated"),
                "Within SLA" if m.first_response else "",
                FD_SURVEY.get(m.csat or 0, ""),
            ]
        )
    _write_csv(paths["freshdesk_tickets"], FD_HEADER, rows)
    _write_json_gz(paths["freshdesk_activities"], {"activities_data": records})
    return paths, lost


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
_JIRA_HOLDS = FULL | {"Abandoned"}
_JIRA_CSV_TIME = "%d/%b/%y %I:%M %p"  # minutes only: the CSV has no seconds
_JIRA_JSON_TIME = "%Y-%m-%dT%H:%M:%S.000%z"


def write_jira(
    tickets: list[Ticket], out_dir: Path, name: str
) -> tuple[dict[str, Path], list[LostEvent]]:
    """`<name>_jira_issues.csv.gz` (local times to the minute, repeated Comment columns) and
    `_jira_changelog.json.gz` (a search result with expand=changelog and public comments)."""
    paths = {
        "jira_issues": out_dir / f"{name}_jira_issues.csv.gz",
        "jira_changelog": out_dir / f"{name}_jira_changelog.json.gz",
    }
    lost: list[LostEvent] = []
    issues, rows = [], []
    for ticket in tickets:
        key = f"SD-{ticket_number(ticket.case_id)}"
        reporter = f"Requester {ticket.case_id}"
        histories, comments = [], []
        for update in updates_of(ticket, _JIRA_HOLDS, lost):
            if update.created:
                continue  # the issue's `created` and reporter say it
            author = (
                None
                if update.actor == "System"
                else {"displayName": reporter if update.actor == "Customer" else update.actor}
            )
            at = _fmt(update.at, _JIRA_JSON_TIME, UTC)
            items = []
            for fld, (old, new) in update.changes.items():
                if fld == "status":
                    old, new = JIRA_STATUSES[old or "new"], JIRA_STATUSES[new or "new"]
                jira_field = {"group": "Team", "type": "Request Type"}.get(fld, fld)
                items.append({"field": jira_field, "fromString": old, "toString": new})
            if update.reply:
                comments.append({"author": author, "created": at, "jsdPublic": True})
            if items:
                history = {"id": str(len(histories) + 1), "created": at, "items": items}
                histories.append(history | ({"author": author} if author else {}))
        fields = {
            "created": _fmt(ticket.created, _JIRA_JSON_TIME, UTC),
            "reporter": {"displayName": reporter},
            "comment": {"comments": comments},
        }
        issues.append({"key": key, "fields": fields, "changelog": {"histories": histories}})
        m = milestones_of(ticket)
        agent_replies = [e.at for e in ticket.events if e.activity == "First response"]
        rows.append(
            [
                f"{ticket.category.name} ({ticket.case_id})",
                key,
                10000 + ticket_number(ticket.case_id),
                "Service Request",
                "Closed" if m.closed else "Waiting for support",
                ticket.priority.capitalize(),
                "Done" if m.resolved else "",
                m.agent,
                reporter,
                f"id:{ticket.case_id}",
                _fmt(m.created, _JIRA_CSV_TIME),
                _fmt(m.closed or m.updated, _JIRA_CSV_TIME),
                _fmt(m.resolved, _JIRA_CSV_TIME),
                ticket.category.name,
                m.team,
                _hours(m.created, m.first_response),
                _hours(m.created, m.resolved),
                m.csat or "",
                f"{_fmt(ticket.created, _JIRA_CSV_TIME)};id:{ticket.case_id};Please help",
                f"{_fmt(agent_replies[0], _JIRA_CSV_TIME)};{m.agent or 'agent'};On it"
                if agent_replies
                else "",
            ]
        )
    _write_csv(paths["jira_issues"], JIRA_HEADER, rows)
    _write_json_gz(paths["jira_changelog"], {"startAt": 0, "total": len(issues), "issues": issues})
    return paths, lost


WRITERS: dict[str, Writer] = {
    "zendesk": write_zendesk,
    "servicenow": write_servicenow,
    "freshdesk": write_freshdesk,
    "jira": write_jira,
}


def write_vendor_exports(tickets: list[Ticket], out_dir: Path, name: str) -> dict[str, Path]:
    """Every vendor's exports of `tickets`, and `<name>_levels.toml` ([levels] of the teams)."""
    paths: dict[str, Path] = {}
    for write in WRITERS.values():
        paths |= write(tickets, out_dir, name)[0]
    paths["levels"] = out_dir / f"{name}_levels.toml"
    levels = "\n".join(f'"{team}" = {level}' for team, level in LEVELS.items())
    paths["levels"].write_text(
        "# The support levels of the sample desk's teams, for its vendor exports:\n"
        f"# ticketloop ingest FILE --map {paths['levels'].name}\n[levels]\n{levels}\n",
        encoding="utf-8",
    )
    return paths
