"""The merge of staged rows into the attached store, inside the ingest's one transaction.

Its cost follows the batch, not the data set: only the tickets the batch touches are read, and a
weekly export's new events are appended after the stored ones, so an append to a data set of
millions of events stays fast. A first load writes each ticket's events together, sorted. Events
are numbered per ticket by `event_index` (by time; ties keep their order in the source), each with
the next event's activity, time and team (`next_activity_id`, `next_ts`, `next_team`). The column
lists come from the field registry.
"""

from __future__ import annotations

import duckdb

from store.facts import key_ranges
from store.fields import FIELDS
from store.queries import sql_text

_CASE_FIELDS = [f for f in FIELDS if f.on_cases and f.name != "case_id"]
_EVENT_COLUMNS = (
    "case_key",
    "activity_id",
    "source_activity",  # NULL where it is the activity's name: most logs, and a cheaper write
    *(f.stored_as for f in FIELDS if f.on_events and f.name != "activity"),
    "file_id",
    "source_row",
    "attributes",
    "loaded_activity_id",  # what a data set's vocabulary changed (store/dataset_vocabulary.py)
    "loaded_level",
)


def merge_cases(con: duckdb.DuckDBPyConnection, d: int) -> None:
    """Upsert one `cases` row per ticket of `batch`, and keep the batch's case keys as the TEMP
    table `case_keys` (case_id, case_key). Known tickets keep their keys and their earliest
    creation time, gain the attributes they lacked, and take the newest survey answers."""
    firsts = ",\n".join(
        f"arg_{'max' if f.latest else 'min'}({f.stored_as}, ts)"
        f" FILTER (WHERE {f.stored_as} IS NOT NULL) AS {f.stored_as}"
        for f in _CASE_FIELDS
    )
    merged = {
        "created_at": "least(cases.created_at, excluded.created_at)",
        **{
            f.stored_as: f"coalesce(excluded.{f.stored_as}, cases.{f.stored_as})"
            if f.latest
            else f"coalesce(cases.{f.stored_as}, excluded.{f.stored_as})"
            for f in _CASE_FIELDS
        },
        "attributes": "coalesce(excluded.attributes, cases.attributes)",
    }
    updates = ",\n".join(f"{column} = {value}" for column, value in merged.items())
    # Only the rows that change: an updated row makes the checkpoint rewrite its row group.
    changed = " OR ".join(f"{value} IS DISTINCT FROM cases.{c}" for c, value in merged.items())
    con.execute(
        f"""
        CREATE TEMP TABLE per_case AS
        SELECT case_id, min(ts) AS created_at, {firsts},
            arg_max(case_attributes, ts) FILTER (WHERE case_attributes IS NOT NULL) AS attributes
        FROM batch
        GROUP BY case_id
        """
    )
    con.execute("CREATE TEMP TABLE case_keys AS " + sql_text("ingest", "case_keys.sql"), {"d": d})
    known = con.execute("SELECT 1 FROM cases WHERE dataset_id = $d LIMIT 1", {"d": d}).fetchall()
    # Into a data set without tickets, a plain insert: a third faster than the upsert.
    upsert = f"ON CONFLICT (dataset_id, case_key) DO UPDATE SET {updates} WHERE {changed}"
    con.execute(
        "INSERT INTO cases BY NAME SELECT $d AS dataset_id, keys.case_key, p.*"
        f" FROM per_case p JOIN case_keys keys USING (case_id) {upsert if known else ''}",
        {"d": d},
    )
    con.execute("DROP TABLE per_case")


def merge_events(
    con: duckdb.DuckDBPyConnection, d: int, f0: int, *, first_load: bool, relation: str = "batch"
) -> None:
    """Key the batch's events (`relation` holds them; case keys from `case_keys`, activity codes),
    keep the new ones as `new_events`, and write them: new tickets and new events after a ticket's
    stored ones appended (the ticket's last stored events gain their next ones), other touched
    tickets rewritten whole with `event_index` anew.
    `first_load`: the data set was empty and the batch is one file, so every row is new."""
    # A first load streams the batch through a view into `events`, without a copy; an append's
    # small batch is keyed once into a table, as it is read several times. (No parameters in a
    # view: `f0` is an integer of ours.)
    con.execute(
        f"CREATE TEMP {'VIEW' if first_load else 'TABLE'} keyed AS"
        " SELECT b.* EXCLUDE (case_id, activity)"
        " REPLACE (nullif(b.source_activity, b.activity) AS source_activity), c.case_key,"
        f" a.activity_id, {int(f0)} + b.file_idx AS file_id,"
        " NULL::SMALLINT AS loaded_activity_id, NULL::TINYINT AS loaded_level"
        f" FROM {relation} b JOIN case_keys c USING (case_id)"
        " JOIN activities a ON a.name = b.activity"
    )
    if first_load:
        # Every row is new. What the report counts of them needs no keys: it reads the batch.
        con.execute(
            f"CREATE TEMP VIEW new_events AS SELECT *, {int(f0)} + file_idx AS file_id"
            f" FROM {relation}"
        )
    else:
        con.execute(
            "CREATE TEMP TABLE new_events AS " + sql_text("ingest", "new_events.sql"), {"d": d}
        )
    columns = ", ".join(_EVENT_COLUMNS)
    # Ties (same time, file and source row: one vendor row can give several events) keep the
    # order in which the reader gave them, and stored events their order.
    fresh = f"SELECT {columns}, staged_order AS tiebreak"
    # One ordered pass numbers each ticket's events and gives each the next one's activity, time
    # and team, which the mining reads its pairs from.
    ordered = (
        "SELECT $d AS dataset_id, * EXCLUDE (tiebreak),"
        " row_number() OVER w::INTEGER AS event_index,"
        " lead(activity_id) OVER w AS next_activity_id, lead(ts) OVER w AS next_ts,"
        " lead(team) OVER w AS next_team"
        " FROM ({rows})"
        " WINDOW w AS (PARTITION BY case_key ORDER BY ts, file_id, source_row, tiebreak)"
        " ORDER BY case_key, event_index"
    )
    if first_load:  # in passes of tickets by key, written in key order
        count = con.execute(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
        low, high = con.execute("SELECT min(case_key), max(case_key) FROM case_keys").fetchall()[0]
        for first, last in key_ranges(low, high, count):
            rows = f"{fresh} FROM keyed WHERE case_key BETWEEN {first} AND {last}"
            con.execute(f"INSERT INTO events BY NAME {ordered.format(rows=rows)}", {"d": d})
        return
    # The key range lets DuckDB skip the row groups of untouched tickets: a weekly export touches
    # recent tickets, whose keys are the highest.
    low, high = con.execute("SELECT min(case_key), max(case_key) FROM new_events").fetchall()[0]
    bounds = {"d": d, "low": low, "high": high}
    touched = (
        "dataset_id = $d AND case_key BETWEEN $low AND $high"
        " AND case_key IN (SELECT case_key FROM new_events)"
    )
    stored = f"SELECT {columns}, event_index AS tiebreak, event_index AS stored_index FROM events"
    con.execute(
        "CREATE TEMP TABLE rewritten AS "
        + ordered.format(
            rows=f"{stored} WHERE {touched} UNION ALL {fresh}, NULL::INTEGER FROM new_events"
        ),
        bounds,
    )
    con.execute("CREATE TEMP TABLE extended AS " + sql_text("ingest", "extended_tickets.sql"))
    # Extended tickets only gain rows, and their stored events the next ones: no stored row moves.
    # (Deleting rows and appending others makes DuckDB's checkpoint rewrite whole row groups.)
    con.execute(
        f"DELETE FROM events WHERE {touched} AND case_key NOT IN (SELECT case_key FROM extended)",
        bounds,
    )
    con.execute(
        "INSERT INTO events BY NAME SELECT * EXCLUDE (stored_index) FROM rewritten"
        " WHERE stored_index IS NULL OR case_key NOT IN (SELECT case_key FROM extended)"
        " ORDER BY case_key, event_index"
    )
    con.execute(
        "UPDATE events SET next_activity_id = r.next_activity_id, next_ts = r.next_ts,"
        " next_team = r.next_team FROM rewritten r"
        " WHERE events.dataset_id = $d AND events.case_key BETWEEN $low AND $high"
        " AND events.case_key = r.case_key AND events.event_index = r.stored_index"
        " AND r.case_key IN (SELECT case_key FROM extended)"
        " AND (events.next_ts IS DISTINCT FROM r.next_ts"
        " OR events.next_team IS DISTINCT FROM r.next_team)",
        bounds,
    )


def drop_superseded_milestones(
    con: duckdb.DuckDBPyConnection,
    d: int,
    kinds: list[str],
    formats: dict[str, str],
) -> int:
    """Let a ticket's milestones (from a flat ticket export) give way to its history: expose the
    batch's events as `batch_events`, without the milestone rows of tickets that have history rows
    in the batch or history events in the store, and delete the stored milestone events of tickets
    whose history arrives now. `kinds`: each batch file's source kind; `formats`: source name ->
    kind, for the stored files. The flat rows still gave the tickets their attributes (merge_cases
    ran on the whole batch). Returns how many batch rows gave way."""
    milestone_files = [i for i, kind in enumerate(kinds) if kind == "milestones"]
    history_files = [i for i, kind in enumerate(kinds) if kind == "history"]
    by_kind = {
        kind: [name for name, k in formats.items() if k == kind]
        for kind in ("history", "milestones")
    }
    if not milestone_files and not (history_files and by_kind["milestones"]):
        con.execute("CREATE TEMP VIEW batch_events AS SELECT * FROM batch")
        return 0
    params = {"d": d, "history_files": history_files, "history_formats": by_kind["history"]}
    # Tickets with history: in this batch, or already in the store.
    con.execute(
        "CREATE TEMP TABLE history_cases AS"
        " SELECT DISTINCT case_id FROM batch WHERE list_contains($history_files, file_idx)"
        " UNION SELECT c.case_id FROM events e JOIN cases c USING (dataset_id, case_key)"
        " JOIN source_files f USING (file_id) WHERE e.dataset_id = $d"
        " AND list_contains($history_formats, f.format)"
        " AND c.case_id IN (SELECT case_id FROM batch)",
        params,
    )
    con.execute(
        "CREATE TEMP TABLE batch_events AS SELECT * FROM batch WHERE NOT ("
        " list_contains($milestone_files, file_idx)"
        " AND case_id IN (SELECT case_id FROM history_cases))",
        {"milestone_files": milestone_files},
    )
    if history_files and by_kind["milestones"]:
        con.execute(
            "DELETE FROM events WHERE dataset_id = $d AND file_id IN (SELECT file_id"
            " FROM source_files WHERE list_contains($milestone_formats, format)) AND case_key IN"
            " (SELECT c.case_key FROM cases c JOIN batch b USING (case_id) WHERE c.dataset_id = $d"
            " AND list_contains($history_files, b.file_idx))",
            {"d": d, "milestone_formats": by_kind["milestones"], "history_files": history_files},
        )
    given_way = con.execute(
        "SELECT (SELECT count(*) FROM batch) - (SELECT count(*) FROM batch_events)"
    )
    return given_way.fetchall()[0][0]


def record_issues(con: duckdb.DuckDBPyConnection, d: int) -> None:
    """The bad optional values of the new events, one row per value, in `field_issues`."""
    con.execute(
        "INSERT INTO field_issues SELECT $d, file_id, source_row, i.field, i.raw_value, i.reason"
        " FROM (SELECT file_id, source_row, unnest(issues) AS i FROM new_events"
        " WHERE len(issues) > 0) ORDER BY file_id, source_row",
        {"d": d},
    )
