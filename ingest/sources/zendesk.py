"""Zendesk exports: the ticket CSV (flat: milestones), ticket audits and incremental ticket events
(JSON history), and satisfaction ratings (JSON). Ticket ids join them; times without an offset
are in the account's time zone (give it with --timezone)."""

from __future__ import annotations

from pathlib import Path

from ingest.sources import helpdesk as hd
from ingest.sources.base import ReadContext, Source, SourceRows
from store.queries import sql_text

TICKET_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "ticket id"),
    "status": ("status",),
    "group": ("group",),
    "assignee": ("assignee",),
    "priority": ("priority",),
    "via": ("via",),
    "type": ("ticket type", "type"),
    "created": ("created at",),
    "updated": ("updated at",),
    "assigned": ("initially assigned at",),
    "solved": ("solved at",),
    "first_reply_min": ("first reply time in minutes",),
    "satisfaction": ("satisfaction score",),
}
_TELLING = ("solved at", "initially assigned at", "group stations", "first reply time in minutes")
_NAIVE = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d %b %Y %H:%M")
_OFFSET = ("%Y-%m-%d %H:%M:%S %z",)


def _csat(score: str) -> str:
    """Zendesk's good/bad rating on the CSAT scale: good 5, bad 1; offered/unoffered: none."""
    return f"CASE lower({score}) WHEN 'good' THEN '5' WHEN 'bad' THEN '1' END"


# --- the ticket CSV export (flat) -----------------------------------------------------------------


def sniff_tickets(path: Path, head: bytes) -> float:
    return hd.header_confidence(hd.csv_header(head), ("id", "status", "created at"), _TELLING)


def read_tickets(path: Path, context: ReadContext) -> SourceRows:
    """Milestones from the timestamp columns; the rest is the ticket's state at export time."""
    relation, params, headers = hd.csv_relation(path, context)
    found = hd.pick_columns(headers, TICKET_COLUMNS)
    hd.require(found, ("id", "created"), path, "Zendesk ticket export")
    col = {name: hd.column(found, name, "t") for name in TICKET_COLUMNS}
    created = hd.parse_ts(col["created"])
    first_reply = (
        f"strftime({created} + to_minutes(try_cast({col['first_reply_min']} AS BIGINT)),"
        " '%Y-%m-%dT%H:%M:%S%z')"
    )
    closed = f"CASE WHEN lower({col['status']}) = 'closed' THEN {col['updated']} END"
    hd.milestone_events(
        context.con,
        f"{relation} t",
        f"zendesk_{context.index}",
        col["id"],
        [
            ("Created at", "Ticket created", col["created"], "'Customer'"),
            ("Initially assigned at", "Assigned", col["assigned"], "NULL"),
            ("First reply", "First response", first_reply, col["assignee"]),
            ("Solved at", "Resolved", col["solved"], col["assignee"]),
            ("Closed (updated at)", "Closed", closed, "'System'"),
        ],
        {
            "team": col["group"],
            "level": f"{hd.level_of(col['group'])}::VARCHAR",
            "channel": col["via"],
            "priority": col["priority"],
            "category": col["type"],
            "csat": _csat(col["satisfaction"]),
        },
        hd.state_at_export(headers, found["id"]),
        {**params, **hd.ts_params(_NAIVE, _OFFSET), **hd.level_params(context)},
    )
    return hd.source_rows(
        path, "zendesk-tickets", f"zendesk_{context.index}", context, (relation, params)
    )


# --- audits and incremental ticket events (history) -----------------------------------------------

# Keys of an incremental export's child event that are not the changed field.
_CHILD_META = [
    "id",
    "via",
    "via_reference_id",
    "event_type",
    "previous_value",
    "type",
    "comment_present",
    "comment_public",
    "public",
    "body",
    "html_body",
    "plain_body",
    "attachments",
    "author_id",
    "audit_id",
    "created_at",
]
_FIELDS = {
    "status": "status",
    "group_id": "group",
    "assignee_id": "assignee",
    "priority": "priority",
    "type": "type",
}


def _read_history(
    path: Path, context: ReadContext, pointer: str, events_file: str, fmt: str
) -> SourceRows:
    """Audits or ticket events (the named SQL file `events_file` flattens them) as change rows,
    then events."""
    records = hd.json_records(path, pointer, context)
    users = hd.json_records(path, "$.users[*]", context, "users")
    groups = hd.json_records(path, "$.groups[*]", context, "groups")
    events_sql = sql_text("ingest", events_file)
    events = events_sql.format(line=hd.LINE, records=records)
    changes, out = f"changes_{context.index}", f"zendesk_{context.index}"
    context.con.execute(
        f"CREATE TEMP TABLE {changes} AS "
        + sql_text("ingest", "zendesk_changes.sql").format(
            events=events,
            users=users,
            groups=groups,
            ts=hd.parse_ts("created_at"),
            csat=_csat("score"),
        ),
        {
            **hd.ts_params(_NAIVE, _OFFSET),
            "field_names": list(_FIELDS),
            "field_targets": list(_FIELDS.values()),
            **({"meta": _CHILD_META} if "$meta" in events_sql else {}),
        },
    )
    hd.events_from_changes(context.con, changes, out, context)
    return hd.source_rows(path, fmt, out, context, (records, {}))


def sniff_audits(path: Path, head: bytes) -> float:
    return hd.json_confidence(head, b"audits")


def read_audits(path: Path, context: ReadContext) -> SourceRows:
    """Ticket audits (`audits`, each with `events`; `users` and `groups` sideloads name ids)."""
    return _read_history(path, context, "$.audits[*]", "zendesk_audit_events.sql", "zendesk-audits")


def sniff_ticket_events(path: Path, head: bytes) -> float:
    return hd.json_confidence(head, b"ticket_events")


def read_ticket_events(path: Path, context: ReadContext) -> SourceRows:
    """The incremental ticket-event export (`ticket_events`, each with `child_events`)."""
    return _read_history(
        path, context, "$.ticket_events[*]", "zendesk_ticket_events.sql", "zendesk-ticket-events"
    )


# --- satisfaction ratings -------------------------------------------------------------------------


def sniff_ratings(path: Path, head: bytes) -> float:
    return hd.json_confidence(head, b"satisfaction_ratings")


def read_ratings(path: Path, context: ReadContext) -> SourceRows:
    """One `Survey answered` per good or bad rating (CSAT 5 or 1); offered ones are counted."""
    records = hd.json_records(path, "$.satisfaction_ratings[*]", context)
    out, score = f"zendesk_{context.index}", "lower(r->>'score')"
    time = "coalesce(r->>'created_at', r->>'updated_at')"
    context.con.execute(
        f"CREATE TEMP TABLE {out} AS SELECT r->>'ticket_id' AS case_id,"
        " 'Satisfaction rating' AS activity,"
        f" {hd.ts_output(hd.parse_ts(time), time)} AS timestamp, 'Customer' AS resource,"
        f" {_csat(score)} AS csat, nullif(r->>'comment', '') AS comment, {hd.LINE},"
        f" 'Survey answered' AS {hd.DEFAULT}"
        f" FROM {records} WHERE {score} IN ('good', 'bad') ORDER BY {hd.LINE}",
        hd.ts_params(_NAIVE, _OFFSET),
    )
    unanswered = context.con.execute(
        f"SELECT count(*) FROM {records} WHERE {score} NOT IN ('good', 'bad')"
    ).fetchall()[0][0]
    return hd.source_rows(
        path, "zendesk-ratings", out, context, (records, {}), {"ratings_unanswered": unanswered}
    )


SOURCES = (
    Source(
        "zendesk-audits", "Zendesk ticket audits (history)", sniff_audits, read_audits, "history"
    ),
    Source(
        "zendesk-ticket-events",
        "Zendesk incremental ticket events (history)",
        sniff_ticket_events,
        read_ticket_events,
        "history",
    ),
    Source(
        "zendesk-ratings", "Zendesk satisfaction ratings (surveys)", sniff_ratings, read_ratings
    ),
    Source(
        "zendesk-tickets",
        "Zendesk ticket export (flat: milestones only)",
        sniff_tickets,
        read_tickets,
        "milestones",
    ),
)
