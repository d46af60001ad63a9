"""The data-quality report of a data set: what ingest dropped, kept empty or assumed, and what in
the stored events looks suspect. Read-only SQL over the store, one check per query; each check
gives a count and a few examples (ticket ids, files and rows) to trace it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import duckdb

from store.datasets import dataset_id
from store.vocabulary import CANONICAL_ACTIVITIES

EXAMPLES = 5
CLOSING = ["Resolved", "Closed", "Rejected", "Abandoned"]


@dataclass
class Check:
    """One finding: its name, what it means, how many, and up to EXAMPLES examples."""

    name: str
    label: str
    count: int
    examples: list[str] = field(default_factory=list)


@dataclass
class QualityReport:
    """All the checks of one data set, the time zone each file was read in, and the optional
    values left empty per field; the times of the examples are in `timezone` (the desk's)."""

    dataset: str
    tickets: int
    events: int
    checks: list[Check]
    files: list[dict[str, object]]
    empty_values: list[Check]
    timezone: str = "UTC"

    def to_json(self) -> dict:
        return asdict(self)


# Each check: (name, label, SQL returning one row per finding as (example text, sort key)).
# Parameter $d is the data set id. A check counts its rows and shows the examples of the first
# keys (min_by: a top-N, in order however DuckDB spreads the rows over threads). The checks of
# events read the events' integer columns and name only what they find: naming ten million events
# first (the view event_log) took most of the report's time.
_ID_OF_CREATED = "(SELECT activity_id FROM activities WHERE name = 'Ticket created')"
_NAMED = (
    "JOIN cases c ON c.dataset_id = $d AND c.case_key = e.case_key"
    " JOIN activities a ON a.activity_id = e.activity_id"
)


def _event_at(clock: str = "%H:%M") -> str:
    """An example event in words: its ticket, activity and local time, to the `clock`'s unit."""
    return (
        "c.case_id || ': ' || a.name || ' at ' || strftime(timezone($zone, e.ts),"
        f" '%Y-%m-%d {clock}')"
    )


_EVENT_AT = _event_at()
_EVENT_AT_SECOND = _event_at("%H:%M:%S")  # a tie shows what makes it one
_EVENT_KEY = "[e.case_key, e.event_index]"
NO_CREATION = (
    ": the log records no creation, and each ticket's first event stands for it (if it names"
    " creation otherwise, map that label to `Ticket created`)"
)
_CHECKS: list[tuple[str, str, str]] = [
    (
        "rows_rejected",
        "rows rejected (no case id, activity or readable timestamp)",
        "SELECT file_name || ' row ' || row_number || ': ' || reason, [file_id, row_number]"
        " FROM rejects WHERE dataset_id = $d",
    ),
    (
        "tickets_without_creation",
        "tickets without a `Ticket created` event",
        "SELECT case_id, case_key FROM cases c WHERE dataset_id = $d AND NOT EXISTS (SELECT 1"
        " FROM events e WHERE e.dataset_id = $d AND e.case_key = c.case_key"
        f" AND e.activity_id = {_ID_OF_CREATED})",
    ),
    (
        "events_before_creation",
        "events timestamped before their ticket's `Ticket created`",
        f"SELECT {_EVENT_AT}, {_EVENT_KEY} FROM events e JOIN (SELECT case_key, min(ts) AS created"
        f" FROM events WHERE dataset_id = $d AND activity_id = {_ID_OF_CREATED} GROUP BY case_key)"
        f" k USING (case_key) {_NAMED} WHERE e.dataset_id = $d AND e.ts < k.created",
    ),
    (
        "events_out_of_order",
        "events placed in their file before an event that happened earlier (not in time order)",
        "SELECT c.case_id || ': ' || a.name || ' (row ' || e.source_row || ')', "
        f"{_EVENT_KEY} FROM ("
        " SELECT case_key, event_index, activity_id, source_row, lag(source_row) OVER"
        " (PARTITION BY case_key, file_id ORDER BY event_index) AS previous FROM events"
        f" WHERE dataset_id = $d) e {_NAMED} WHERE e.source_row < e.previous",
    ),
    (
        "timestamps_implausible",
        "timestamps in the future or before 2000",
        "SELECT case_id || ': ' || activity || ' at ' || strftime(timezone($zone, ts), '%Y-%m-%d %H:%M'),"
        " [case_key, event_index]"
        " FROM event_log WHERE dataset_id = $d AND (ts > now() OR ts < TIMESTAMPTZ '2000-01-01')",
    ),
    (
        "ties_same_minute",
        "events whose order within their ticket is a guess: at the same time as another, or in"
        " the same minute as one at a whole minute (a time to the minute only)",
        # a ticket's events are numbered in time order: an event shares its minute with another
        # when it shares it with the one before or the one after. Two times in a minute are in
        # order unless they are equal, or one is at a whole minute and may have been rounded to
        # it (BPI 2012's times to the millisecond are in order). Minutes are counted from the
        # epoch (UTC's minutes, the store's session zone): date_trunc on a TIMESTAMPTZ goes
        # through the calendar of the zone, twenty times slower.
        "WITH pairs AS (SELECT case_key, event_index FROM events WHERE dataset_id = $d"
        " AND floor(epoch_us(ts) / 60e6) = floor(epoch_us(next_ts) / 60e6)"
        " AND (ts = next_ts OR epoch_us(ts) % 60000000 = 0 OR epoch_us(next_ts) % 60000000 = 0)"
        # the same activity twice at the same time: a repeated record, whichever comes first
        " AND NOT (ts = next_ts AND activity_id = next_activity_id)),"
        " tied AS (SELECT case_key, event_index FROM pairs"
        " UNION SELECT case_key, event_index + 1 FROM pairs)"
        f" SELECT {_EVENT_AT_SECOND}, {_EVENT_KEY} FROM events e"
        " SEMI JOIN tied USING (case_key, event_index)"
        f" {_NAMED} WHERE e.dataset_id = $d",
    ),
    (
        "unmapped_activities",
        "events whose activity is not canonical (map them on the Data page or with ticketloop map)",
        "SELECT activity || ' (' || count(*) || ')', {'events': -count(*), 'activity': activity}"
        " FROM event_log WHERE dataset_id = $d AND NOT list_contains($canonical, activity)"
        " GROUP BY activity",
    ),
    (
        "tickets_open",
        "tickets still open (no resolution, closing, rejection or abandonment after the last"
        " reopen)",
        "SELECT c.case_id, e.case_key FROM (SELECT case_key, arg_max(a.name, event_index) FILTER"
        " (WHERE list_contains($closing, a.name) OR a.name = 'Reopened') AS last_state FROM events"
        " JOIN activities a USING (activity_id) WHERE dataset_id = $d GROUP BY case_key) e"
        " JOIN cases c ON c.dataset_id = $d AND c.case_key = e.case_key"
        " WHERE last_state IS NULL OR last_state = 'Reopened'",
    ),
    (
        "ids_damaged_by_spreadsheet",
        "ticket ids that look damaged by a spreadsheet (scientific notation such as 3.6E+11)",
        "SELECT case_id, case_key FROM cases WHERE dataset_id = $d"
        " AND regexp_matches(case_id, '^[0-9]+([.,][0-9]+)?[eE]\\+?[0-9]+$')",
    ),
]


def quality_report(
    con: duckdb.DuckDBPyConnection, dataset: str, timezone: str = "UTC"
) -> QualityReport:
    """The data-quality report of `dataset` (see `_CHECKS` for what is checked), the times of
    its examples in `timezone`."""
    d = dataset_id(con, dataset)
    params = {"d": d, "canonical": list(CANONICAL_ACTIVITIES), "closing": CLOSING, "zone": timezone}
    checks = [_check(con, name, label, sql, params) for name, label, sql in _CHECKS]
    files = _files(con, d)
    checks[1:1] = [
        Check(
            "duplicates_dropped",
            "events already in the store, repeated in the export, or flat milestones that gave"
            " way to the history, kept once",
            sum(int(f["duplicates_skipped"]) for f in files),
            [f"{f['file']}: {f['duplicates_skipped']:,}" for f in files if f["duplicates_skipped"]][
                :EXAMPLES
            ],
        ),
        _detail_check(
            files, "snapshot_rows_unchanged", "snapshot rows without a change (not events)"
        ),
        _detail_check(files, "duplicate_records", "duplicate records in history exports"),
    ]
    checks.append(_classifier_check(files))
    tickets, events = con.execute(
        "SELECT (SELECT count(*) FROM cases WHERE dataset_id = $d),"
        " (SELECT count(*) FROM events WHERE dataset_id = $d)",
        {"d": d},
    ).fetchall()[0]
    for check in checks:  # a log that records no creation at all: its way, not a fault
        if check.name == "tickets_without_creation" and tickets and check.count == tickets:
            check.label += NO_CREATION
            check.examples = []
    empty = con.execute(
        "SELECT field, count(*), list(raw_value ORDER BY file_id, row_number)[:$n]"
        " FROM field_issues WHERE dataset_id = $d GROUP BY field ORDER BY count(*) DESC, field",
        {"d": d, "n": EXAMPLES},
    ).fetchall()
    return QualityReport(
        dataset,
        tickets,
        events,
        checks,
        [{k: v for k, v in f.items() if k != "details"} for f in files],
        [
            Check(name, f"{name} values that could not be read, left empty", n, list(raw))
            for name, n, raw in empty
        ],
        timezone,
    )


def _check(
    con: duckdb.DuckDBPyConnection, name: str, label: str, sql: str, params: dict[str, object]
) -> Check:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    count, examples = con.execute(
        f"SELECT count(*), coalesce(min_by(x, k, $n), []) FROM ({sql}) t(x, k)",
        {**used, "n": EXAMPLES},
    ).fetchall()[0]
    if name == "unmapped_activities":  # count the events, not the labels
        count = con.execute(
            "SELECT count(*) FROM event_log WHERE dataset_id = $d"
            " AND NOT list_contains($canonical, activity)",
            used,
        ).fetchall()[0][0]
    return Check(name, label, count, examples)


def _files(con: duckdb.DuckDBPyConnection, d: int) -> list[dict[str, object]]:
    cursor = con.execute(
        "SELECT file_name AS file, format, recognised_as, timezone, duplicates_skipped,"
        " rows_rejected, details FROM source_files WHERE dataset_id = $d ORDER BY file_id",
        {"d": d},
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _detail_check(files: list[dict[str, object]], key: str, label: str) -> Check:
    """A count the readers recorded per file (source_files.details)."""
    counts = [
        (f["file"], int(json.loads(str(f["details"])).get(key, 0)))
        for f in files
        if f["details"] is not None
    ]
    return Check(
        key,
        label,
        sum(n for _, n in counts),
        [f"{file}: {n:,}" for file, n in counts if n][:EXAMPLES],
    )


def _classifier_check(files: list[dict[str, object]]) -> Check:
    """The activity classifiers XES files declare (the reader records them), each with the
    mapping line that names activities by it."""
    found = [
        (f["file"], name, keys)
        for f in files
        if f["details"] is not None
        for name, keys in json.loads(str(f["details"])).get("activity_classifiers", [])
    ]
    return Check(
        "activity_classifiers",
        "activity classifiers the XES file declares (to name activities by one, load the file"
        " with --map and its line)",
        len(found),
        [
            f"{file}: {name!r} ({' + '.join(keys)}): [columns] activity = {json.dumps(keys)}"
            for file, name, keys in found
        ][:EXAMPLES],
    )
