"""Jira Service Management exports: the issue CSV (flat: milestones; dates like `11/May/24 03:26
PM`, repeated `Comment` columns, English or Spanish headers) and the changelog JSON (issues with
`changelog.histories` or `.values`, their comments and worklogs: history)."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.mapping import normalise_header
from ingest.sources import helpdesk as hd
from ingest.sources.base import ReadContext, Source, SourceRows
from store.identifiers import quote_ident
from store.queries import sql_text

ISSUE_COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("issue key", "clave de incidencia", "schlüssel"),
    "type": ("issue type", "tipo de incidencia", "vorgangstyp"),
    "status": ("status", "estado"),
    "priority": ("priority", "prioridad", "priorität"),
    "assignee": ("assignee", "responsable", "bearbeiter"),
    "reporter_id": ("reporter id", "id del informador"),
    "reporter": ("reporter", "informador", "autor"),
    "created": ("created", "creada", "erstellt"),
    "updated": ("updated", "actualizada", "aktualisiert"),
    "resolved": ("resolved", "resuelta", "erledigt"),
    "team": ("custom field (team)", "team", "custom field (assignment group)"),
    "request_type": ("custom field (request type)", "custom field (customer request type)"),
    "satisfaction": ("satisfaction rating", "custom field (satisfaction rating)", "satisfaction"),
}
_NAIVE = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M",
)
_OFFSET = ("%Y-%m-%dT%H:%M:%S.%g%z",)


def sniff_issues(path: Path, head: bytes) -> float:
    headers = hd.csv_header(head)
    for key, kind in (("issue key", "issue type"), ("clave de incidencia", "tipo de incidencia")):
        if confidence := hd.header_confidence(headers, (key,), (kind,)):
            return confidence
    return 0.0


def read_issues(path: Path, context: ReadContext) -> SourceRows:
    """Milestones: created, first response (the first comment not by the reporter; a comment
    cell is `time;author;body`), resolved, closed (an issue whose status is Closed, at its last
    update). SLA fields (negative when breached) and the rest stay attributes."""
    relation, params, headers = hd.csv_relation(path, context)
    found = hd.pick_columns(headers, ISSUE_COLUMNS)
    hd.require(found, ("key", "created"), path, "Jira issue export")
    col = {name: hd.column(found, name, "t") for name in ISSUE_COLUMNS}
    comments = [
        h for h in headers if re.fullmatch(r"(comment|comentario)( \d+)?", normalise_header(h))
    ]
    reporter = f"coalesce({col['reporter_id']}, {col['reporter']})"
    cells = ", ".join(f"t.{quote_ident(h)}" for h in comments)
    first_reply = (
        f"strftime(list_min(list_transform(list_filter([{cells}], lambda c: c IS NOT NULL"
        f" AND trim(split_part(c, ';', 2)) IS DISTINCT FROM {reporter}),"
        f" lambda c: {hd.parse_ts('trim(split_part(c, chr(59), 1))')})), '%Y-%m-%dT%H:%M:%S%z')"
        if comments
        else "NULL::VARCHAR"
    )
    closed = f"CASE WHEN lower({col['status']}) IN ('closed', 'cerrada') THEN {col['updated']} END"
    out = f"jira_{context.index}"
    hd.milestone_events(
        context.con,
        f"{relation} t",
        out,
        col["key"],
        [
            ("Created", "Ticket created", col["created"], "'Customer'"),
            ("First comment by an agent", "First response", first_reply, col["assignee"]),
            ("Resolved", "Resolved", col["resolved"], col["assignee"]),
            ("Closed (updated)", "Closed", closed, "'System'"),
        ],
        {
            "team": col["team"],
            "level": f"{hd.level_of(col['team'])}::VARCHAR",
            "priority": col["priority"],
            "category": f"coalesce({col['request_type']}, {col['type']})",
            "csat": f"try_cast(try_cast({col['satisfaction']} AS DOUBLE) AS INTEGER)::VARCHAR",
        },
        hd.state_at_export(headers, found["key"], *comments),
        {**params, **hd.ts_params(_NAIVE, _OFFSET), **hd.level_params(context)},
    )
    return hd.source_rows(path, "jira-issues", out, context, (relation, params))


# Changelog fields (lower case) and the change field each is.
_FIELDS = {
    "status": "status",
    "assignee": "assignee",
    "priority": "priority",
    "team": "group",
    "assignment group": "group",
    "group": "group",
    "issuetype": "type",
    "request type": "type",
    "customer request type": "type",
}


def sniff_changelog(path: Path, head: bytes) -> float:
    """Surest with a changelog in sight; a search result whose first issue has long fields may
    show it only later."""
    if b'"changelog"' in head or b'"histories"' in head:
        return hd.json_confidence(head, b"items") or hd.json_confidence(head, b"changelog")
    return 0.6 * bool(hd.json_confidence(head, b"issues", b"key", b"fields"))


def read_changelog(path: Path, context: ReadContext) -> SourceRows:
    """Issues (`{"issues": [...]}` from a search with expand=changelog, or an array of issues):
    the creation (fields.created, by the reporter), each changelog item, public comments, and
    the agents' work: internal comments and worklogs (fields.worklog)."""
    issues = hd.json_records(path, "$.issues[*]", context)
    con = context.con
    if con.execute(f"SELECT count(*) FROM {issues}").fetchall()[0][0] == 0:
        con.execute(f"DROP TABLE {issues}")
        issues = hd.json_records(path, "$[*]", context)
    changes, out = f"changes_{context.index}", f"jira_{context.index}"
    con.execute(
        f"CREATE TEMP TABLE {changes} AS "
        + sql_text("ingest", "jira_changes.sql").format(
            issues=issues,
            line=hd.LINE,
            ts=hd.parse_ts("ts_text"),
            started=hd.parse_ts("(w->>'started')"),
        ),
        {
            **hd.ts_params(_NAIVE, _OFFSET),
            "fields": list(_FIELDS),
            "targets": list(_FIELDS.values()),
        },
    )
    hd.events_from_changes(con, changes, out, context)
    return hd.source_rows(path, "jira-changelog", out, context, (issues, {}))


SOURCES = (
    Source(
        "jira-changelog",
        "Jira Service Management changelog (history)",
        sniff_changelog,
        read_changelog,
        "history",
    ),
    Source(
        "jira-issues",
        "Jira Service Management issue export (flat: milestones only)",
        sniff_issues,
        read_issues,
        "milestones",
    ),
)
