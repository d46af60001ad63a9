"""Freshdesk exports: the ticket CSV (flat: milestones; header casing varies) and the ticket
activities JSON (`activities_data`: history; day-first times with an offset; duplicate records
are dropped)."""

from __future__ import annotations

from pathlib import Path

from ingest.sources import helpdesk as hd
from ingest.sources.base import ReadContext, Source, SourceRows
from store.queries import sql_text

TICKET_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("ticket id",),
    "status": ("status",),
    "priority": ("priority",),
    "source": ("source",),
    "type": ("type",),
    "agent": ("agent",),
    "group": ("group",),
    "created": ("created time",),
    "resolved": ("resolved time",),
    "closed": ("closed time",),
    "first_response": ("initial response time",),
    "survey": ("survey results", "survey result"),
}
_TELLING = ("resolution status", "first response status", "agent interactions", "due by time")
_NAIVE = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M")
_OFFSET = ("%d-%m-%Y %H:%M:%S %z", "%Y-%m-%d %H:%M:%S %z")
# Freshdesk's survey answers on the CSAT scale.
SURVEY_SCORES = {
    "extremely happy": "5",
    "awesome": "5",
    "very happy": "5",
    "happy": "4",
    "neutral": "3",
    "just okay": "3",
    "unhappy": "2",
    "not good": "2",
    "very unhappy": "1",
    "extremely unhappy": "1",
}


def _csat(text: str) -> str:
    return f"$survey_scores[list_position($survey_answers, lower(trim({text})))]"


def _survey_params() -> dict[str, object]:
    return {"survey_answers": list(SURVEY_SCORES), "survey_scores": list(SURVEY_SCORES.values())}


def sniff_tickets(path: Path, head: bytes) -> float:
    return hd.header_confidence(hd.csv_header(head), ("ticket id", "created time"), _TELLING)


def read_tickets(path: Path, context: ReadContext) -> SourceRows:
    """Milestones (created, first response, resolved, closed); durations in hours are business
    hours under the SLA policy, so they stay attributes and are never added to a time."""
    relation, params, headers = hd.csv_relation(path, context)
    found = hd.pick_columns(headers, TICKET_COLUMNS)
    hd.require(found, ("id", "created"), path, "Freshdesk ticket export")
    col = {name: hd.column(found, name, "t") for name in TICKET_COLUMNS}
    out = f"freshdesk_{context.index}"
    hd.milestone_events(
        context.con,
        f"{relation} t",
        out,
        col["id"],
        [
            ("Created time", "Ticket created", col["created"], "'Customer'"),
            ("Initial response time", "First response", col["first_response"], col["agent"]),
            ("Resolved time", "Resolved", col["resolved"], col["agent"]),
            ("Closed time", "Closed", col["closed"], "'System'"),
        ],
        {
            "team": col["group"],
            "level": f"{hd.level_of(col['group'])}::VARCHAR",
            "channel": col["source"],
            "priority": col["priority"],
            "category": col["type"],
            "csat": _csat(col["survey"]),
        },
        hd.state_at_export(headers, found["id"]),
        {
            **params,
            **hd.ts_params(_NAIVE, _OFFSET),
            **hd.level_params(context),
            **_survey_params(),
        },
    )
    return hd.source_rows(path, "freshdesk-tickets", out, context, (relation, params))


# Properties of an activity record and the change field each is.
_PROPERTIES = {  # in the order the changes of one record are applied
    "new_ticket": "created",
    "note": "reply",
    "group": "group",
    "agent": "assignee",
    "priority": "priority",
    "ticket_type": "type",
    "status": "status",
}


def sniff_activities(path: Path, head: bytes) -> float:
    return hd.json_confidence(head, b"activities_data")


def read_activities(path: Path, context: ReadContext) -> SourceRows:
    """One change row per property of each activity record (`new_ticket`, `status`, `group`,
    `agent`, `priority`, `ticket_type`, and `note`s: public ones are replies, private ones the
    agents' work); exact duplicate records are dropped and counted."""
    records = hd.json_records(path, "$.activities_data[*]", context)
    changes, out = f"changes_{context.index}", f"freshdesk_{context.index}"
    con = context.con
    con.execute(
        f"CREATE TEMP TABLE {changes} AS "
        + sql_text("ingest", "freshdesk_changes.sql").format(
            records=records, line=hd.LINE, ts=hd.parse_ts("ts_text")
        ),
        {
            **hd.ts_params(_NAIVE, _OFFSET),
            "properties": list(_PROPERTIES),
            "fields": list(_PROPERTIES.values()),
        },
    )
    duplicates = con.execute(
        f"SELECT count(*) - count(DISTINCT r::VARCHAR) FROM {records}"
    ).fetchall()[0][0]
    hd.events_from_changes(con, changes, out, context)
    return hd.source_rows(
        path, "freshdesk-activities", out, context, (records, {}), {"duplicate_records": duplicates}
    )


SOURCES = (
    Source(
        "freshdesk-activities",
        "Freshdesk ticket activities (history)",
        sniff_activities,
        read_activities,
        "history",
    ),
    Source(
        "freshdesk-tickets",
        "Freshdesk ticket export (flat: milestones only)",
        sniff_tickets,
        read_tickets,
        "milestones",
    ),
)
