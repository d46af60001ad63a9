"""The synthetic helpdesk's tickets written as a helpdesk tool exports them, from the same ground
truth as the generic log: Zendesk's ticket CSV (flat), ticket audits (history, gzip) and
satisfaction ratings. The support levels of the desk's teams go in a mapping file (`[levels]`).

An event the vendor's history cannot hold (an investigation, a rejection, an abandonment, an
assignment that changes nothing) is left out; `write_zendesk` returns those, so tests can check
that reading the audits back gives exactly the generic log's other events.
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ticketloop.synthetic import (
    L1_TEAM,
    L2_TEAMS,
    L3_TEAM,
    OWNER_TEAM,
    Ticket,
    business_hours_between,
)

ZONE = ZoneInfo("Europe/Madrid")
LEVELS = {L1_TEAM: 1, **dict.fromkeys(L2_TEAMS, 2), L3_TEAM: 3, OWNER_TEAM: 4}
# Zendesk's `via` channels for ours.
VIA = {
    "web form": "web",
    "e-mail": "email",
    "phone": "voice",
    "chat": "chat",
    "social media": "facebook",
    "face to face": "api",
    "letter": "api",
}
TICKET_HEADER = (
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
SYSTEM = -1  # Zendesk's author id for automations and triggers
LostEvent = tuple[str, str, datetime, str]  # case id, activity, time, resource


def ticket_id(case_id: str) -> int:
    """Zendesk ids are numbers: HD-000042 is ticket 42."""
    return int(case_id.split("-")[-1])


def _utc(t: datetime) -> str:
    return t.replace(tzinfo=ZONE).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else ""


class _Directory:
    """Numeric ids for agents, requesters and groups, as Zendesk's sideloads give them."""

    def __init__(self) -> None:
        self.users: dict[str, tuple[int, str]] = {}  # name -> (id, role)
        self.groups: dict[str, int] = {}

    def agent(self, name: str) -> int:
        return self.users.setdefault(name, (1000 + len(self.users), "agent"))[0]

    def requester(self, case_id: str) -> int:
        name = f"Requester {case_id}"
        return self.users.setdefault(name, (500000 + ticket_id(case_id), "end-user"))[0]

    def group(self, name: str) -> int:
        return self.groups.setdefault(name, 360000 + len(self.groups))


def _audits_of(ticket: Ticket, ids: _Directory, lost: list[LostEvent]) -> list[dict]:
    """One audit per event the audits can hold; the others are appended to `lost`."""
    events = sorted(ticket.events, key=lambda e: e.at)
    requester = ids.requester(ticket.case_id)
    group: str | None = None
    assignee: str | None = None
    status = "new"
    audits: list[dict] = []

    def audit(author: int, at: datetime, changes: list[dict]) -> None:
        audits.append(
            {
                "id": ticket_id(ticket.case_id) * 1000 + len(audits),
                "ticket_id": ticket_id(ticket.case_id),
                "created_at": _utc(at),
                "author_id": author,
                "via": {"channel": "web" if author != requester else VIA[ticket.channel]},
                "events": [{"id": audits.__len__() * 10 + k, **c} for k, c in enumerate(changes)],
            }
        )

    def change(field: str, old: object, new: object) -> dict:
        return {"type": "Change", "field_name": field, "previous_value": old, "value": new}

    def gid(name: str | None) -> str | None:
        return str(ids.group(name)) if name else None

    def comment(author: int) -> dict:
        return {"type": "Comment", "author_id": author, "public": True, "body": "..."}

    for i, e in enumerate(events):
        agent = ids.agent(e.resource) if e.resource not in ("Customer", "System") else None
        if e.activity == "Ticket created":
            audit(
                requester,
                e.at,
                [
                    comment(requester),
                    {"type": "Create", "field_name": "status", "value": "new"},
                    {"type": "Create", "field_name": "priority", "value": ticket.priority},
                ],
            )
        elif e.activity == "Assigned" and agent is not None:
            changes = []
            if e.team != group:
                changes.append(change("group_id", gid(group), gid(e.team)))
            if e.resource != assignee:
                changes.append(
                    change("assignee_id", assignee and str(ids.agent(assignee)), str(agent))
                )
            if not changes:
                lost.append((ticket.case_id, e.activity, e.at, e.resource))
                continue
            if status == "new":
                changes.append(change("status", "new", "open"))
                status = "open"
            group, assignee = e.team, e.resource
            audit(agent, e.at, changes)
        elif e.activity == "Classified" and agent is not None:
            audit(agent, e.at, [change("type", None, "question")])
        elif e.activity == "First response" and agent is not None:
            audit(agent, e.at, [comment(agent)])
        elif e.activity == "Information requested" and agent is not None:
            audit(agent, e.at, [comment(agent), change("status", status, "pending")])
            status = "pending"
        elif e.activity in ("Customer replied", "Reopened"):
            audit(requester, e.at, [comment(requester), change("status", status, "open")])
            status = "open"
        elif e.activity == "Knowledge base consulted" and agent is not None:
            audit(agent, e.at, [{"type": "KnowledgeLinked", "body": "article"}])
        elif e.activity == "Solution recorded in knowledge base" and agent is not None:
            audit(agent, e.at, [{"type": "KnowledgeCaptured", "body": "article"}])
        elif e.activity in ("Escalated", "De-escalated") and agent is not None:
            # the group the ticket goes to, and for a hand-back the agent who takes it
            target = next(x for x in events[i + 1 :] if x.team not in ("", "Customer"))
            to_agent = target.resource if e.activity == "De-escalated" else None
            audit(
                agent,
                e.at,
                [
                    change("group_id", gid(group), gid(target.team)),
                    change(
                        "assignee_id",
                        assignee and str(ids.agent(assignee)),
                        to_agent and str(ids.agent(to_agent)),
                    ),
                ],
            )
            group, assignee = target.team, to_agent
        elif e.activity == "Resolved" and agent is not None:
            audit(agent, e.at, [comment(agent), change("status", status, "solved")])
            status = "solved"
        elif e.activity == "Closed":
            audit(SYSTEM, e.at, [change("status", status, "closed")])
            status = "closed"
        elif e.activity == "Survey answered" and e.survey:
            score = "good" if e.survey[0] >= 4 else "bad"
            audit(requester, e.at, [{"type": "SatisfactionRating", "score": score, "body": ""}])
        else:  # Investigation, Rejected, Abandoned: no trace in the audits
            lost.append((ticket.case_id, e.activity, e.at, e.resource))
    return audits


def _ticket_row(ticket: Ticket) -> list[object]:
    """The ticket CSV row: state at export time, milestone times in the desk's local time."""
    events = sorted(ticket.events, key=lambda e: e.at)

    def times(activity: str) -> list[datetime]:
        return [e.at for e in events if e.activity == activity]

    assigned, resolved = times("Assigned"), times("Resolved")
    first_reply = times("First response")
    closed = times("Closed")
    survey = next((e.survey for e in events if e.survey), None)
    last_agent = next((e for e in reversed(events) if e.level), None)
    reply_min = round((first_reply[0] - ticket.created).total_seconds() / 60) if first_reply else ""
    business = (
        round(business_hours_between(ticket.created, first_reply[0]) * 60) if first_reply else ""
    )
    resolution = (
        round(business_hours_between(ticket.created, resolved[-1]) * 60) if resolved else ""
    )
    return [
        ticket_id(ticket.case_id),
        f"Requester {ticket.case_id}",
        last_agent.resource if last_agent else "",
        last_agent.team if last_agent else "",
        f"{ticket.category.name} ({ticket.case_id})",
        "Closed" if closed else "Open",
        ticket.priority.capitalize(),
        VIA[ticket.channel],
        ticket.category.name,
        _local(ticket.created),
        _local(closed[-1] if closed else events[-1].at),
        _local(assigned[-1] if assigned else None),
        _local(assigned[0] if assigned else None),
        _local(resolved[-1] if resolved else None),
        ("Good" if survey[0] >= 4 else "Bad")
        if survey
        else ("Offered" if resolved else "Unoffered"),
        len({e.team for e in events if e.level}),
        len({e.resource for e in events if e.level}),
        len(times("Reopened")),
        len(first_reply) + len(times("Information requested")) + len(resolved),
        reply_min,
        business,
        resolution,
    ]


def write_zendesk(
    tickets: list[Ticket], out_dir: Path, name: str
) -> tuple[dict[str, Path], list[LostEvent]]:
    """Write `<name>_zendesk_tickets.csv`, `<name>_zendesk_audits.json.gz`,
    `<name>_zendesk_ratings.json` and `<name>_levels.toml`; the events the audits cannot hold."""
    paths = {
        "zendesk_tickets": out_dir / f"{name}_zendesk_tickets.csv",
        "zendesk_audits": out_dir / f"{name}_zendesk_audits.json.gz",
        "zendesk_ratings": out_dir / f"{name}_zendesk_ratings.json",
        "levels": out_dir / f"{name}_levels.toml",
    }
    with paths["zendesk_tickets"].open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(TICKET_HEADER)
        for ticket in tickets:
            out.writerow(_ticket_row(ticket))
    ids, lost, audits = _Directory(), [], []
    for ticket in tickets:
        audits += _audits_of(ticket, ids, lost)
    doc = {
        "audits": audits,
        "users": [{"id": i, "name": n, "role": r} for n, (i, r) in ids.users.items()],
        "groups": [{"id": i, "name": n} for n, i in ids.groups.items()],
        "next_page": None,
        "previous_page": None,
        "count": len(audits),
    }
    with (
        paths["zendesk_audits"].open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,
    ):
        gz.write(json.dumps(doc, separators=(",", ":")).encode("utf-8"))
    ratings = [
        {
            "id": 35000 + k,
            "ticket_id": ticket_id(t.case_id),
            "requester_id": ids.requester(t.case_id),
            "score": "good" if e.survey[0] >= 4 else "bad",
            "created_at": _utc(e.at),
            "updated_at": _utc(e.at),
            "comment": None,
        }
        for k, (t, e) in enumerate(
            (t, e) for t in tickets for e in t.events if e.survey is not None
        )
    ]
    paths["zendesk_ratings"].write_text(
        json.dumps(
            {"satisfaction_ratings": ratings, "next_page": None, "count": len(ratings)}, indent=1
        )
        + "\n",
        encoding="utf-8",
    )
    levels = "\n".join(f'"{team}" = {level}' for team, level in LEVELS.items())
    paths["levels"].write_text(
        "# Support levels of the sample desk's teams, for its vendor exports.\n[levels]\n"
        + levels
        + "\n",
        encoding="utf-8",
    )
    return paths, lost
