"""Zendesk exports: the ticket CSV (flat: milestones), ticket audits and incremental ticket events
(JSON history), and satisfaction ratings (JSON). Ticket ids join them; times without an offset
are in the account's time zone (give it with --timezone)."""

from __future__ import annotations

from pathlib import Path

from ingest.sources import helpdesk as hd
from ingest.sources.base import ReadContext, Source, SourceRows

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

# One row per audit event: ticket, time, author, channel, event type, field, values.
_AUDIT_EVENTS = """
SELECT r->>'ticket_id' AS ticket_id, r->>'created_at' AS created_at, r->>'author_id' AS author_id,
    r->'via'->>'channel' AS via_channel, {line} AS line, e->>'type' AS type,
    e->>'field_name' AS field_name, e->>'value' AS value, e->>'previous_value' AS previous_value,
    e->>'public' AS public, e->>'score' AS score, k
FROM (SELECT r, {line}, unnest(json_extract(r, '$.events[*]')) AS e,
        generate_subscripts(json_extract(r, '$.events[*]'), 1) AS k FROM {records})
"""
_TICKET_EVENTS = """
SELECT r->>'ticket_id' AS ticket_id,
    coalesce(r->>'created_at', strftime(to_timestamp(try_cast(r->>'timestamp' AS BIGINT)),
        '%Y-%m-%dT%H:%M:%S%z')) AS created_at,
    r->>'updater_id' AS author_id, r->>'via' AS via_channel, {line} AS line,
    e->>'event_type' AS type, field_name, json_extract_string(e, '$."' || field_name || '"') AS value,
    e->>'previous_value' AS previous_value, coalesce(e->>'comment_public', e->>'public') AS public,
    e->>'score' AS score, k
FROM (SELECT *, list_filter(json_keys(e), lambda x: NOT list_contains($meta, x))[1] AS field_name
      FROM (SELECT r, {line}, unnest(json_extract(r, '$.child_events[*]')) AS e,
              generate_subscripts(json_extract(r, '$.child_events[*]'), 1) AS k FROM {records}))
"""
# The change rows of either: names for user and group ids when the export sideloads them; the
# requester is an end-user, or else the author of the ticket's creation.
_CHANGES = """
CREATE TEMP TABLE {out} AS
WITH e AS (SELECT *, row_number() OVER (ORDER BY line, k) AS seq FROM ({events})),
users AS (SELECT r->>'id' AS id, any_value(r->>'name') AS name, any_value(r->>'role') AS role
          FROM {users} GROUP BY ALL),
groups AS (SELECT r->>'id' AS id, any_value(r->>'name') AS name FROM {groups} GROUP BY ALL),
requesters AS (SELECT ticket_id, arg_min(author_id, seq) AS requester FROM e
               WHERE type = 'Create' GROUP BY ALL),
typed AS (
    SELECT e.*, {ts} AS ts,
        CASE WHEN type IN ('Create', 'Change') THEN $field_targets[list_position($field_names, field_name)]
             WHEN type IN ('Comment', 'VoiceComment') AND public = 'true' THEN 'reply'
             WHEN type = 'SatisfactionRating' AND lower(score) IN ('good', 'bad') THEN 'rating'
             WHEN type = 'KnowledgeLinked' THEN 'kb_linked'
             WHEN type = 'KnowledgeCaptured' THEN 'kb_captured' END AS field,
        coalesce(u.name, author_id) AS actor,
        CASE WHEN author_id = '-1' THEN 'system'
             WHEN u.role = 'end-user' OR (u.role IS NULL AND author_id = q.requester) THEN 'customer'
             ELSE 'agent' END AS actor_kind
    FROM e LEFT JOIN users u ON u.id = e.author_id LEFT JOIN requesters q USING (ticket_id)
)
SELECT ticket_id AS case_id, ts, created_at AS ts_text, line, seq, actor, actor_kind,
    type = 'Create' AS initial, field,
    coalesce(CASE field WHEN 'group' THEN go.name WHEN 'assignee' THEN uo.name END, previous_value) AS old,
    coalesce(CASE field WHEN 'group' THEN gn.name WHEN 'assignee' THEN un.name END, value) AS new,
    via_channel AS channel, {csat} AS csat
FROM typed
LEFT JOIN groups go ON go.id = previous_value LEFT JOIN groups gn ON gn.id = value
LEFT JOIN users uo ON uo.id = previous_value LEFT JOIN users un ON un.id = value
WHERE field IS NOT NULL
UNION ALL
SELECT ticket_id, min(ts), any_value(created_at), line, min(seq) - 1, any_value(actor),
    any_value(actor_kind), true, 'created', NULL, 'Created', any_value(via_channel), NULL
FROM typed WHERE type = 'Create' GROUP BY ticket_id, line
"""


def _read_history(
    path: Path, context: ReadContext, pointer: str, events_sql: str, fmt: str
) -> SourceRows:
    """Audits or ticket events (`events_sql` flattens them) as change rows, then events."""
    records = hd.json_records(path, pointer, context)
    users = hd.json_records(path, "$.users[*]", context, "users")
    groups = hd.json_records(path, "$.groups[*]", context, "groups")
    events = events_sql.format(line=hd.LINE, records=records)
    changes, out = f"changes_{context.index}", f"zendesk_{context.index}"
    context.con.execute(
        _CHANGES.format(
            out=changes,
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
    return _read_history(path, context, "$.audits[*]", _AUDIT_EVENTS, "zendesk-audits")


def sniff_ticket_events(path: Path, head: bytes) -> float:
    return hd.json_confidence(head, b"ticket_events")


def read_ticket_events(path: Path, context: ReadContext) -> SourceRows:
    """The incremental ticket-event export (`ticket_events`, each with `child_events`)."""
    return _read_history(
        path, context, "$.ticket_events[*]", _TICKET_EVENTS, "zendesk-ticket-events"
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
