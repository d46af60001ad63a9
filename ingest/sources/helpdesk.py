"""What the helpdesk readers (Zendesk, ServiceNow, Freshdesk, Jira) share: recognising an export by
its headers or JSON keys, reading JSON safely, vendor timestamps, the default status mapping and
support levels, and the three ways from an export to canonical events, all in DuckDB SQL:

- history (one record per change) -> `changes` rows -> `events_from_changes`;
- snapshots (one row per version of a ticket) -> `changes_from_versions` -> the same;
- flat ticket lists (one row per ticket) -> `milestone_events`.

A reader builds a TEMP table of canonical columns (`OUTPUT_COLUMNS`, text) and hands it to
`source_rows`, which presets the columns and the default activity of each source label.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import duckdb

from ingest import levels
from ingest.bounds import engine_reason
from ingest.levels import level_of
from ingest.mapping import normalise_header
from ingest.sources.base import ReadContext, SourceRows
from store.errors import IngestError
from store.identifiers import quote_ident
from store.queries import sql_text

LINE = "__line"  # the source row (CSV line, or ordinal of the JSON record) of each output row
DEFAULT = "__default"  # each output row's default canonical activity (None: keep the label)
# A JSON document larger than this share of [ingest] memory_limit_mb is refused, not read into
# memory: DuckDB's reader takes a buffer of twice the document bound, whatever the file's size.
JSON_MEMORY_SHARE = 4

# Status words (lower case) by what they mean; the class decides the default activity.
STATUS_CLASSES: dict[str, str] = {
    **dict.fromkeys(("new", "created", "to do"), "new"),
    **dict.fromkeys(
        (
            "open",
            "active",
            "in progress",
            "work in progress",
            "waiting for support",
            "reopened",
            "assigned",
        ),
        "open",
    ),
    **dict.fromkeys(
        (
            "pending",
            "awaiting user info",
            "awaiting caller",
            "awaiting customer",
            "on hold",
            "waiting on customer",
            "waiting for customer",
            "pending customer",
        ),
        "waiting",
    ),
    **dict.fromkeys(("solved", "resolved", "done"), "resolved"),
    "closed": "closed",
    **dict.fromkeys(("canceled", "cancelled", "withdrawn"), "canceled"),
    **dict.fromkeys(("declined", "rejected"), "rejected"),
    "escalated": "escalated",
}
CLASS_ACTIVITIES: dict[str, str] = {
    "new": "Ticket created",
    "waiting": "Information requested",
    "resolved": "Resolved",
    "closed": "Closed",
    "canceled": "Abandoned",
    "rejected": "Rejected",
    "escalated": "Escalated",
}
# Labels the change pipeline gives to what is not a status, with their default activities.
LABEL_ACTIVITIES: dict[str, str] = {
    "Created": "Ticket created",
    "Group to a higher level": "Escalated",
    "Group to a lower level": "De-escalated",
    "Group assigned": "Assigned",
    "Assignee set": "Assigned",
    "Reassigned": "Assigned",
    "Priority set": "Classified",
    "Type set": "Classified",
    "First public reply": "First response",
    "Customer reply": "Customer replied",
    "Satisfaction rating": "Survey answered",
    "Reopened": "Reopened",
    "Knowledge linked": "Knowledge base consulted",
    "Knowledge captured": "Solution recorded in knowledge base",
    # the agents' own record of work on the ticket: the holding team investigating it
    "Private comment": "Investigation",
    "Private note": "Investigation",
    "Internal comment": "Investigation",
    "Worklog": "Investigation",
    "Work note": "Investigation",
    "Saved by an agent": "Investigation",
    "Start progress": "Investigation",  # Jira: "In Progress" by the agent holding the issue
}

# The columns every helpdesk reader outputs (all text); `case:` columns may follow.
OUTPUT_COLUMNS = (
    "case_id",
    "activity",
    "timestamp",
    "resource",
    "team",
    "level",
    "channel",
    "priority",
    "category",
    "csat",
)

# The change rows a history reader produces, one per changed field (see `events_from_changes`):
# case_id, ts (TIMESTAMPTZ), ts_text (the raw text, kept for rows whose time did not parse),
# line (source row), seq (order in the file), actor, actor_kind ('agent', 'customer', 'system'),
# initial (part of the ticket's creation), field, old, new, channel, csat (1-5).
# Fields: created (new = its label), status, group, assignee, priority, type, reply, rating,
# reassigned, reopened, kb_linked, kb_captured, work (an agent's record of work on the ticket: a
# private comment or note, a work note, a worklog, Jira's start of progress; new = its label).


# --- recognising a file ---------------------------------------------------------------------------


def csv_header(head: bytes) -> set[str]:
    """The normalised header cells of a CSV's first line; empty if it is not text."""
    for encoding in ("utf-8-sig", "utf-16", "latin-1"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if not text or text.lstrip()[:1] in ("{", "[", "<"):
        return set()
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    cells = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    return {normalise_header(c) for c in cells}


def header_confidence(headers: set[str], required: Iterable[str], telling: Iterable[str]) -> float:
    """0.95 when every required header and one telling header are present, else 0."""
    if headers and set(required) <= headers and headers & set(telling):
        return 0.95
    return 0.0


def json_confidence(head: bytes, *keys: bytes) -> float:
    """0.95 when the text starts as JSON and holds all of `keys` (quoted key names) early on."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"[") and all(b'"' + k + b'"' in text for k in keys):
        return 0.95
    return 0.0


def pick_columns(headers: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Our name -> the file's header, for each name whose aliases (normalised) match a header; the
    first matching header wins (Jira repeats some)."""
    by_normal: dict[str, str] = {}
    for header in headers:
        by_normal.setdefault(normalise_header(header), header)
    found = {}
    for name, names in aliases.items():
        for alias in names:
            if alias in by_normal:
                found[name] = by_normal[alias]
                break
    return found


def require(found: dict[str, str], names: Iterable[str], path: Path, what: str) -> None:
    """Fail naming the missing columns of a vendor export."""
    missing = [n for n in names if n not in found]
    if missing:
        raise IngestError(
            str(path),
            f"this {what} has no {', '.join(missing)} column",
            "Export it again with that column, or force another reader with --format",
        )


def column(found: dict[str, str], name: str, alias: str = "") -> str:
    """SQL for a picked column's trimmed text (NULL when empty or not in the file)."""
    if name not in found:
        return "NULL::VARCHAR"
    prefix = f"{alias}." if alias else ""
    return f"nullif(trim({prefix}{quote_ident(found[name])}), '')"


def state_at_export(headers: list[str], *left_out: str) -> dict[str, str]:
    """Every column of a flat export but `left_out`, as SQL for its text (relation alias `t`):
    the ticket's state at export time, kept as its attributes."""
    return {h: column({h: h}, h, "t") for h in headers if h not in left_out}


def csv_relation(path: Path, context: ReadContext) -> tuple[str, dict[str, object], list[str]]:
    """A vendor CSV as a numbered relation (column `LINE`, the header being line 1), with its
    params and headers."""
    from ingest.sources.csv import sniffed_reader

    reader, params, headers = sniffed_reader(path, context, "strict_mode = false")
    relation = f"(SELECT *, row_number() OVER () + 1 AS {LINE} FROM {reader})"
    return relation, params, headers


def json_records(path: Path, pointer: str, context: ReadContext, name: str = "json") -> str:
    """A TEMP table `{name}_{index}` of the records at `pointer` (e.g. "$.audits[*]") of a JSON
    export (one document, several pages, or one page per line; gzip too), as column `r` (JSON)
    with its ordinal `LINE`. Nothing is evaluated; documents over a quarter of [ingest]
    memory_limit_mb are refused (gzip files are bounded by what they inflate to)."""
    most_mb = context.limits.memory_limit_mb // JSON_MEMORY_SHARE
    if path.stat().st_size > most_mb << 20:
        raise IngestError(
            str(path),
            f"is larger than {most_mb:,} MB",
            "Export it in several smaller files (pages) and load them together, or raise"
            " [ingest] memory_limit_mb",
        )
    table = f"{name}_{context.index}"
    try:
        context.con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT r, row_number() OVER () AS {LINE} FROM ("
            " SELECT unnest(json_extract(json, $pointer)) AS r"
            " FROM read_json_objects($path, format = 'auto', maximum_object_size = $max))",
            {"path": str(path), "pointer": pointer, "max": most_mb << 20},
        )
    except duckdb.OutOfMemoryException:
        raise  # the load's memory bound, said as such by the ingest
    except duckdb.Error as exc:
        if "maximum_object_size" in str(exc):
            raise IngestError(
                str(path),
                f"holds a JSON document over {most_mb:,} MB",
                "Export it in pages, or raise [ingest] memory_limit_mb (a quarter of it)",
            ) from None
        raise IngestError(
            str(path),
            f"not readable JSON ({engine_reason(exc)})",
            "Check that it is the export as downloaded",
        ) from None
    return table


# --- timestamps -----------------------------------------------------------------------------------


def parse_ts(text: str) -> str:
    """SQL: the TIMESTAMPTZ of a vendor time text, or NULL. ISO 8601 first, then the formats in
    `$naive_formats` (wall-clock time in the session's zone, the export's zone) and in
    `$offset_formats` (with %z); a statement using it passes both lists."""
    return (
        f"coalesce(try_cast({text} AS TIMESTAMPTZ),"
        f" try_strptime({text}, $naive_formats)::TIMESTAMPTZ,"
        f" try_strptime({text}, $offset_formats)::TIMESTAMPTZ)"
    )


def ts_params(naive: Iterable[str] = (), offset: Iterable[str] = ()) -> dict[str, object]:
    """The parameters `parse_ts` needs; DuckDB wants each list non-empty."""
    return {
        "naive_formats": list(naive) or ["%Y-%m-%d %H:%M:%S"],
        "offset_formats": list(offset) or ["%Y-%m-%d %H:%M:%S %z"],
    }


def ts_output(ts: str, text: str) -> str:
    """SQL for the output timestamp column: the parsed time with its offset, or the raw text when
    it did not parse (so that staging rejects the row, naming the text)."""
    return f"coalesce(strftime({ts}, '%Y-%m-%dT%H:%M:%S.%f%z'), {text})"


# --- support levels -------------------------------------------------------------------------------


def level_params(context: ReadContext) -> dict[str, object]:
    return levels.level_params(context.levels)


def _status_params() -> dict[str, object]:
    return {
        "status_words": list(STATUS_CLASSES),
        "status_classes": list(STATUS_CLASSES.values()),
    }


def _class(status: str) -> str:
    return f"$status_classes[list_position($status_words, lower(trim({status})))]"


# --- history: changes -> events -------------------------------------------------------------------


def events_from_changes(
    con: duckdb.DuckDBPyConnection, changes: str, out: str, context: ReadContext
) -> None:
    """Turn a table of change rows (see the comment on the change rows above) into the canonical
    output table `out`: one event per change of status, group, assignee, priority or type, per
    reply and rating. Team and level are carried forward from the last group change; a group
    change to a higher level is `Escalated`, to a lower one `De-escalated` (an agent moving a
    ticket into their own hands is `Assigned`). One actor's changes at one time are one version:
    within it, what one event says is not repeated by another (a reply that comes with a status
    change, an assignee that comes with a group change)."""
    sql = f"CREATE TEMP TABLE {out} AS " + sql_text("ingest", "events_from_changes.sql").format(
        changes=changes,
        old_class=_class("coalesce(old, status_before)"),
        new_class=_class("new"),
        level_new=level_of("CASE WHEN field = 'group' THEN new END"),
        level_before=level_of("team_before"),
        level_after=level_of("team_after"),
        ts_out=ts_output("ts", "ts_text"),
        line=LINE,
        default=DEFAULT,
    )
    con.execute(
        sql,
        {
            **_status_params(),
            **level_params(context),
            "class_names": list(CLASS_ACTIVITIES),
            "class_activities": list(CLASS_ACTIVITIES.values()),
            "label_names": list(LABEL_ACTIVITIES),
            "label_activities": list(LABEL_ACTIVITIES.values()),
        },
    )


# --- snapshots: versions -> changes ---------------------------------------------------------------


def changes_from_versions(
    con: duckdb.DuckDBPyConnection,
    versions: str,
    out: str,
    tracked: dict[str, str],
    counters: dict[str, str],
    created_label: str,
    saved_label: str = "",
) -> int:
    """Turn a table of ticket versions (case_id, ts, ts_text, opened and opened_text (the
    ticket's creation time, may be NULL), version, line, actor, caller (an actor who is the
    customer; may be NULL; "system" is the system), and the `tracked` columns
    (column -> change field) and `counters` (column -> field)) into change rows `out`, ordered by
    the version counter, then time. The first version of a ticket is its creation (at `opened`
    when given); later ones emit a row per tracked value that changed and per counter that went
    up. With `saved_label`, a version an agent saved later than the one before, changing neither,
    is a 'work' row of that label (the tool records a work note so); one saved at the same time
    is a second save. Returns how many versions changed nothing."""
    lagged = ", ".join(
        [
            f"lag({quote_ident(c)}) OVER w AS {quote_ident('prev_' + c)}"
            for c in [*tracked, *counters]
        ]
        + ["lag(ts) OVER w AS prev_ts"]
    )
    kind = (
        "CASE WHEN actor = caller THEN 'customer' WHEN lower(actor) = 'system' THEN 'system'"
        " ELSE 'agent' END"
    )
    parts = [
        "SELECT case_id, coalesce(opened, ts) AS ts, CASE WHEN opened IS NULL THEN"
        " coalesce(opened_text, ts_text) END AS ts_text, line, version, actor,"
        " 'customer' AS actor_kind, true AS initial, 'created' AS field, NULL AS old,"
        f" '{created_label}' AS new, -1 AS k FROM v WHERE first"
    ]
    for k, (col, field) in enumerate(tracked.items()):
        c, p = quote_ident(col), quote_ident("prev_" + col)
        parts.append(
            f"SELECT case_id, ts, ts_text, line, version, actor, {kind}, first, '{field}', {p},"
            f" {c}, {k} FROM v WHERE {c} IS NOT NULL AND (first OR {c} IS DISTINCT FROM {p})"
        )
    for k, (col, field) in enumerate(counters.items(), start=len(tracked)):
        c, p = quote_ident(col), quote_ident("prev_" + col)
        parts.append(
            f"SELECT case_id, ts, ts_text, line, version, actor, {kind}, false, '{field}', {p},"
            f" {c}, {k} FROM v WHERE NOT first"
            f" AND try_cast({c} AS INTEGER) > try_cast({p} AS INTEGER)"
        )
    if saved_label:
        same = " AND ".join(
            [f"{quote_ident(c)} IS NOT DISTINCT FROM {quote_ident('prev_' + c)}" for c in tracked]
            + [
                f"coalesce(try_cast({quote_ident(c)} AS INTEGER)"
                f" <= try_cast({quote_ident('prev_' + c)} AS INTEGER), true)"
                for c in counters
            ]
        )
        parts.append(
            f"SELECT case_id, ts, ts_text, line, version, actor, 'agent', false, 'work', NULL,"
            f" '{saved_label}', {len(tracked) + len(counters)} FROM v WHERE NOT first"
            f" AND {kind} = 'agent' AND ts > prev_ts AND {same}"
        )
    con.execute(
        f"CREATE TEMP TABLE {out} AS "
        + sql_text("ingest", "changes_from_versions.sql").format(
            versions=versions, lagged=lagged, parts=" UNION ALL ".join(parts)
        )
    )
    unchanged = con.execute(
        f"SELECT (SELECT count(*) FROM {versions}) - (SELECT count(DISTINCT line) FROM {out})"
    )
    return unchanged.fetchall()[0][0]


# --- flat ticket lists: milestones ----------------------------------------------------------------


def milestone_events(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    out: str,
    case_id: str,
    milestones: list[tuple[str, str, str, str]],
    fields: dict[str, str],
    attributes: dict[str, str],
    params: dict[str, object],
) -> None:
    """One row per ticket of `relation` -> the milestone events of `out`: for each (label,
    activity, time text SQL, resource SQL) in `milestones`, an event where the time is given.
    `fields` (team, level, channel, priority, category, csat -> SQL) and `attributes` (name -> SQL,
    stored on the ticket as `case:name`) are the state at export time, repeated on each event."""
    carried = [f"{fields.get(n, 'NULL::VARCHAR')} AS {n}" for n in OUTPUT_COLUMNS[4:]]
    carried += [f"{sql} AS {quote_ident('case:' + name)}" for name, sql in attributes.items()]
    parts = [
        f"SELECT {case_id} AS case_id, $label_{k} AS activity,"
        f' {ts_output(parse_ts(text), text)} AS "timestamp", {resource} AS resource,'
        f" {', '.join(carried)}, {LINE}, $activity_{k} AS {DEFAULT}, {k} AS k"
        f" FROM {relation} WHERE {text} IS NOT NULL"
        for k, (_, _, text, resource) in enumerate(milestones)
    ]
    labels = {f"label_{k}": m[0] for k, m in enumerate(milestones)}
    activities = {f"activity_{k}": m[1] for k, m in enumerate(milestones)}
    con.execute(
        f"CREATE TEMP TABLE {out} AS SELECT * EXCLUDE (k) FROM ({' UNION ALL '.join(parts)})"
        f" ORDER BY {LINE}, k",
        {**params, **labels, **activities},
    )


# --- the result -----------------------------------------------------------------------------------


def source_rows(
    path: Path,
    fmt: str,
    table: str,
    context: ReadContext,
    read: tuple[str, dict[str, object]],
    details: dict[str, int] | None = None,
) -> SourceRows:
    """The canonical output table as SourceRows: columns preset, each label's default activity.
    `read`: the relation of the source's rows or records, and its parameters, to count them."""
    con = context.con
    relation, params = read
    rows_read = con.execute(f"SELECT count(*) FROM {relation}", params).fetchall()[0][0]
    headers = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] != DEFAULT]
    if con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == 0:
        raise IngestError(str(path), "the export holds no tickets", "Export it again with its data")
    defaults = con.execute(
        f"SELECT DISTINCT activity, {DEFAULT} FROM {table} WHERE {DEFAULT} IS NOT NULL"
    ).fetchall()
    return SourceRows(
        path,
        fmt,
        table,
        {},
        headers,
        line_column=LINE,
        columns={name: name for name in OUTPUT_COLUMNS if name in headers},
        activities=dict(defaults),
        details=details or {},
        rows_read=rows_read,
    )
