"""The merge of staged rows into the attached store, inside the ingest's one transaction.

Its cost follows the batch, not the data set: only the tickets the batch touches are read and
rewritten, so a weekly append to a data set of millions of events stays fast. Each ticket's events
stay contiguous and sorted (by time; ties keep their order in the source), numbered by
`event_index`. The column lists come from the field registry.
"""

from __future__ import annotations

import duckdb

from store.fields import FIELDS

_CASE_FIELDS = [f for f in FIELDS if f.on_cases and f.name != "case_id"]
_EVENT_COLUMNS = (
    "case_key",
    "activity_id",
    "source_activity",  # NULL where it is the activity's name: most logs, and a cheaper write
    *(f.stored_as for f in FIELDS if f.on_events and f.name != "activity"),
    "file_id",
    "source_row",
    "attributes",
)

# Event identity is (case, activity, ts, resource), counted as a multiset: the k-th occurrence in a
# file is new when the data set holds fewer than k, and an occurrence found in several files of
# one batch is kept once, from the first of them.
NEW_EVENTS = """
CREATE TEMP TABLE new_events AS
WITH numbered AS (
    SELECT *, row_number() OVER (
        PARTITION BY file_idx, case_key, activity_id, ts, resource ORDER BY source_row
    ) AS occurrence
    FROM keyed
),
stored AS (
    SELECT case_key, activity_id, ts, resource, count(*) AS n
    FROM events
    WHERE dataset_id = $d AND case_key IN (SELECT case_key FROM keyed)
        AND case_key BETWEEN (SELECT min(case_key) FROM keyed) AND (SELECT max(case_key) FROM keyed)
    GROUP BY ALL
)
SELECT numbered.* EXCLUDE (occurrence)
FROM numbered
LEFT JOIN stored
    ON stored.case_key = numbered.case_key
    AND stored.activity_id = numbered.activity_id
    AND stored.ts = numbered.ts
    AND stored.resource IS NOT DISTINCT FROM numbered.resource
WHERE numbered.occurrence > coalesce(stored.n, 0)
QUALIFY row_number() OVER (
    PARTITION BY numbered.case_key, numbered.activity_id, numbered.ts, numbered.resource, occurrence
    ORDER BY file_idx
) = 1
"""


def merge_cases(con: duckdb.DuckDBPyConnection, d: int) -> None:
    """Upsert one `cases` row per ticket of `batch`. New tickets get the next case keys in order
    of their first event; known ones keep theirs and their earliest creation time, gain the
    attributes they lacked, and take the newest survey answers."""
    firsts = ",\n".join(
        f"arg_{'max' if f.latest else 'min'}({f.stored_as}, ts)"
        f" FILTER (WHERE {f.stored_as} IS NOT NULL) AS {f.stored_as}"
        for f in _CASE_FIELDS
    )
    updates = ",\n".join(
        f"{f.stored_as} = coalesce(excluded.{f.stored_as}, cases.{f.stored_as})"
        if f.latest
        else f"{f.stored_as} = coalesce(cases.{f.stored_as}, excluded.{f.stored_as})"
        for f in _CASE_FIELDS
    )
    con.execute(
        f"""
        INSERT INTO cases BY NAME
        WITH per_case AS (
            SELECT case_id, min(ts) AS created_at, {firsts},
                arg_max(case_attributes, ts) FILTER (WHERE case_attributes IS NOT NULL)
                    AS attributes
            FROM batch
            GROUP BY case_id
        ),
        known AS (SELECT case_id, case_key FROM cases WHERE dataset_id = $d),
        keys AS (
            SELECT case_id, case_key FROM known
            UNION ALL
            SELECT case_id, (SELECT coalesce(max(case_key), 0) FROM known)
                + row_number() OVER (ORDER BY created_at, case_id) AS case_key
            FROM per_case ANTI JOIN known USING (case_id)
        )
        SELECT $d AS dataset_id, keys.case_key, p.*
        FROM per_case p JOIN keys USING (case_id)
        ON CONFLICT (dataset_id, case_key) DO UPDATE SET
            created_at = least(cases.created_at, excluded.created_at),
            {updates},
            attributes = coalesce(excluded.attributes, cases.attributes)
        """,
        {"d": d},
    )


def merge_events(con: duckdb.DuckDBPyConnection, d: int, f0: int, *, first_load: bool) -> None:
    """Key the batch (case keys, activity codes), keep its new events as `new_events`, and write
    them: new tickets appended sorted, touched tickets rewritten whole with `event_index` anew.
    `first_load`: the data set was empty and the batch is one file, so every row is new."""
    # A view (no parameters allowed; both values are integers of ours): a first load streams
    # through it into `events` without a copy of the batch.
    con.execute(
        "CREATE TEMP VIEW keyed AS SELECT b.* EXCLUDE (case_id, activity)"
        " REPLACE (nullif(b.source_activity, b.activity) AS source_activity), c.case_key,"
        f" a.activity_id, {int(f0)} + b.file_idx AS file_id"
        f" FROM batch b JOIN cases c ON c.dataset_id = {int(d)} AND c.case_id = b.case_id"
        " JOIN activities a ON a.name = b.activity"
    )
    if first_load:
        con.execute("CREATE TEMP VIEW new_events AS SELECT * FROM keyed")
    else:
        con.execute(NEW_EVENTS, {"d": d})
    columns = ", ".join(_EVENT_COLUMNS)
    fresh = f"SELECT {columns} FROM new_events"
    ordered = (
        "SELECT $d AS dataset_id, *, row_number() OVER (PARTITION BY case_key"
        " ORDER BY ts, file_id, source_row)::INTEGER AS event_index FROM ({rows})"
        " ORDER BY case_key, event_index"
    )
    if first_load:
        con.execute(f"INSERT INTO events BY NAME {ordered.format(rows=fresh)}", {"d": d})
        return
    # The key range lets DuckDB skip the row groups of untouched tickets: a weekly export touches
    # recent tickets, whose keys are the highest.
    low, high = con.execute("SELECT min(case_key), max(case_key) FROM new_events").fetchall()[0]
    bounds = {"d": d, "low": low, "high": high}
    touched = (
        "dataset_id = $d AND case_key BETWEEN $low AND $high"
        " AND case_key IN (SELECT case_key FROM new_events)"
    )
    stored = f"SELECT {columns} FROM events WHERE {touched}"
    con.execute(
        "CREATE TEMP TABLE rewritten AS " + ordered.format(rows=f"{stored} UNION ALL {fresh}"),
        bounds,
    )
    con.execute(f"DELETE FROM events WHERE {touched}", bounds)
    con.execute("INSERT INTO events BY NAME SELECT * FROM rewritten")


def record_issues(con: duckdb.DuckDBPyConnection, d: int) -> None:
    """The bad optional values of the new events, one row per value, in `field_issues`."""
    con.execute(
        "INSERT INTO field_issues SELECT $d, file_id, source_row, i.field, i.raw_value, i.reason"
        " FROM (SELECT file_id, source_row, unnest(issues) AS i FROM new_events"
        " WHERE len(issues) > 0) ORDER BY file_id, source_row",
        {"d": d},
    )
