"""ServiceNow exports: the incident list (CSV, field names or column labels: flat, milestones),
`sys_audit` (CSV history of field changes) and incident snapshots (one row per version, as the
public incident event log: `?` for empty, day-first dates). Times without an offset are read in
--timezone (ServiceNow exports UTC by default)."""

from __future__ import annotations

from pathlib import Path

from ingest.sources import helpdesk as hd
from ingest.sources.base import ReadContext, Source, SourceRows
from store.queries import sql_text

_NAIVE = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
)
# Field names and the labels of the list view (Excel export), normalised.
INCIDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "state": ("state", "incident state", "incident_state"),
    "group": ("assignment group", "assignment_group"),
    "assignee": ("assigned to", "assigned_to"),
    "priority": ("priority",),
    "category": ("category",),
    "channel": ("contact type", "contact_type", "channel"),
    "opened": ("opened", "opened at", "opened_at"),
    "resolved": ("resolved", "resolved at", "resolved_at"),
    "resolved_by": ("resolved by", "resolved_by"),
    "closed": ("closed", "closed at", "closed_at"),
    "updated": ("updated", "sys updated on", "sys updated at"),
    "updated_by": ("updated by", "sys updated by"),
    "caller": ("caller", "caller id"),
    "version": ("updates", "sys mod count"),
    "reassignments": ("reassignment count",),
    "reopens": ("reopen count",),
}
# State codes as sys_audit stores them: `state` (current releases) and `incident_state` (classic).
STATE_CODES = {
    "state": {
        "1": "New",
        "2": "In Progress",
        "3": "On Hold",
        "6": "Resolved",
        "7": "Closed",
        "8": "Canceled",
    },
    "incident_state": {
        "1": "New",
        "2": "Active",
        "3": "Awaiting Problem",
        "4": "Awaiting User Info",
        "5": "Awaiting Evidence",
        "6": "Resolved",
        "7": "Closed",
        "8": "Canceled",
    },
}


def _columns(
    path: Path, context: ReadContext
) -> tuple[str, dict[str, object], list[str], dict[str, str]]:
    relation, params, headers = hd.csv_relation(path, context)
    found = hd.pick_columns(headers, INCIDENT_COLUMNS)
    return relation, params, headers, found


# --- the incident list (flat) ---------------------------------------------------------------------


def sniff_incidents(path: Path, head: bytes) -> float:
    headers = hd.csv_header(head)
    return hd.header_confidence(headers, ("number",), ("opened", "opened at"))


def read_incidents(path: Path, context: ReadContext) -> SourceRows:
    """Milestones (opened, resolved, closed); the rest is the incident's state at export time."""
    relation, params, headers, found = _columns(path, context)
    hd.require(found, ("number", "opened"), path, "ServiceNow incident list")
    col = {name: hd.column(found, name, "t") for name in INCIDENT_COLUMNS}
    out = f"servicenow_{context.index}"
    hd.milestone_events(
        context.con,
        f"{relation} t",
        out,
        col["number"],
        [
            ("Opened", "Ticket created", col["opened"], "'Customer'"),
            (
                "Resolved",
                "Resolved",
                col["resolved"],
                f"coalesce({col['resolved_by']}, {col['assignee']})",
            ),
            ("Closed", "Closed", col["closed"], "'System'"),
        ],
        {
            "team": col["group"],
            "level": f"{hd.level_of(col['group'])}::VARCHAR",
            "channel": col["channel"],
            "priority": col["priority"],
            "category": col["category"],
        },
        hd.state_at_export(headers, found["number"]),
        {**params, **hd.ts_params(_NAIVE), **hd.level_params(context)},
    )
    return hd.source_rows(path, "servicenow-incidents", out, context, (relation, params))


# --- sys_audit (history) --------------------------------------------------------------------------

AUDIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("documentkey", "document key"),
    "field": ("fieldname", "field name"),
    "old": ("oldvalue", "old value"),
    "new": ("newvalue", "new value"),
    "user": ("user", "sys created by"),
    "time": ("sys created on", "created"),
    "checkpoint": ("record checkpoint",),
}
_AUDIT_FIELDS = {
    "state": "status",
    "incident_state": "status",
    "assignment_group": "group",
    "assigned_to": "assignee",
    "priority": "priority",
    "category": "type",
    "comments": "reply",
    "work_notes": "work",
    "reassignment_count": "reassigned",
    "reopen_count": "reopened",
}


def sniff_audit(path: Path, head: bytes) -> float:
    return hd.header_confidence(
        hd.csv_header(head), ("documentkey", "fieldname"), ("newvalue", "new value")
    )


def read_audit(path: Path, context: ReadContext) -> SourceRows:
    """One change row per audited field; the first change time of a record is its creation, and
    its user the caller (whose comments are customer replies); work notes are the agents' work."""
    relation, params, _headers = hd.csv_relation(path, context)
    found = hd.pick_columns(_headers, AUDIT_COLUMNS)
    hd.require(found, ("key", "field", "new", "time"), path, "ServiceNow sys_audit export")
    col = {name: hd.column(found, name, "a") for name in AUDIT_COLUMNS}
    changes, out = f"changes_{context.index}", f"servicenow_{context.index}"
    state = (
        "CASE fieldname WHEN 'incident_state' THEN coalesce($incident_states[list_position("
        "$state_codes, {v})], {v}) WHEN 'state' THEN coalesce($current_states[list_position("
        "$state_codes, {v})], {v}) ELSE {v} END"
    )
    codes = sorted(set(STATE_CODES["state"]) | set(STATE_CODES["incident_state"]))
    context.con.execute(
        f"CREATE TEMP TABLE {changes} AS "
        + sql_text("ingest", "servicenow_audit_changes.sql").format(
            relation=relation,
            line=hd.LINE,
            ts=hd.parse_ts(col["time"]),
            state_old=state.format(v="old"),
            state_new=state.format(v="new"),
            **{n: col[n] for n in ("key", "time", "user", "field", "old", "new")},
        ),
        {
            **params,
            **hd.ts_params(_NAIVE),
            "fields": list(_AUDIT_FIELDS),
            "targets": list(_AUDIT_FIELDS.values()),
            "state_codes": codes,
            "incident_states": [STATE_CODES["incident_state"].get(c) for c in codes],
            "current_states": [STATE_CODES["state"].get(c) for c in codes],
        },
    )
    hd.events_from_changes(context.con, changes, out, context)
    return hd.source_rows(path, "servicenow-audit", out, context, (relation, params))


# --- snapshots: one row per version ---------------------------------------------------------------


def sniff_snapshot(path: Path, head: bytes) -> float:
    headers = hd.csv_header(head)
    if hd.header_confidence(headers, ("number", "sys mod count"), ("incident state", "state")):
        return 0.97  # beats the incident list, which it also looks like
    return 0.0


def read_snapshot(path: Path, context: ReadContext) -> SourceRows:
    """Versions ordered by sys_mod_count, then time; an event where a tracked field changed or a
    counter went up (reassignments: `Reassigned`, reopens: `Reopened`), and where an agent saved
    the incident later without changing either (a work note, most often: `Saved by an agent`)."""
    relation, params, _headers, found = _columns(path, context)
    hd.require(found, ("number", "state", "version", "updated"), path, "ServiceNow snapshot")
    col = {name: hd.column(found, name, "s") for name in INCIDENT_COLUMNS}
    versions = f"versions_{context.index}"
    tracked = {"state": "status", "group": "group", "assignee": "assignee", "priority": "priority"}
    tracked |= {"category": "type"} if "category" in found else {}
    counters = {
        k: v for k, v in (("reassignments", "reassigned"), ("reopens", "reopened")) if k in found
    }
    opened = hd.parse_ts(col["opened"])
    context.con.execute(
        f"CREATE TEMP TABLE {versions} AS SELECT {col['number']} AS case_id,"
        f" {hd.parse_ts(col['updated'])} AS ts, {col['updated']} AS ts_text,"
        f" {opened} AS opened, {col['opened']} AS opened_text,"
        f" {col['version']} AS version, {hd.LINE} AS line, {col['updated_by']} AS actor,"
        f" {col['caller']} AS caller,"
        + ", ".join(f"{col[name]} AS {name}" for name in [*tracked, *counters])
        + f" FROM {relation} s",
        {**params, **hd.ts_params(_NAIVE)},
    )
    changes, out = f"changes_{context.index}", f"servicenow_{context.index}"
    unchanged = hd.changes_from_versions(
        context.con, versions, changes, tracked, counters, "Created", "Saved by an agent"
    )
    hd.events_from_changes(context.con, changes, out, context)
    return hd.source_rows(
        path,
        "servicenow-snapshot",
        out,
        context,
        (relation, params),
        {"snapshot_rows_unchanged": unchanged},
    )


SOURCES = (
    Source(
        "servicenow-snapshot",
        "ServiceNow incident snapshots (one row per version)",
        sniff_snapshot,
        read_snapshot,
        "history",
    ),
    Source(
        "servicenow-audit", "ServiceNow sys_audit (history)", sniff_audit, read_audit, "history"
    ),
    Source(
        "servicenow-incidents",
        "ServiceNow incident list (flat: milestones only)",
        sniff_incidents,
        read_incidents,
        "milestones",
    ),
)
