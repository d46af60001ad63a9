"""Ticket facts: what each ticket's events say about it under the canonical vocabulary (its last
resolution, escalations, de-escalations, bounce-backs, ping-pong; store/sql/ticket_facts.sql), kept in the table
`ticket_facts` for the analyses to read instead of the events, beside a copy of the ticket's
`cases` row (CASE_COLUMNS), so that they read one row per ticket. The ingest rewrites the facts of
the tickets each load touches, and copies the `cases` rows it changed, in the load's transaction."""

from __future__ import annotations

import duckdb

from store.queries import sql_text
from store.vocabulary import OUTSIDE_AGENTS

KEYS = ("dataset_id", "case_key")
# The columns of `cases` a ticket's facts hold a copy of (migration 15).
CASE_COLUMNS = ("case_id", "created_at", "channel", "priority", "category", "csat", "ces", "nps")
_PARAMS = {"outside": list(OUTSIDE_AGENTS)}
# The events one pass over many tickets takes at a time: a pass over ten million at once spills
# past a load's memory bound (1 GB by default) and takes longer (a load of 10M events in four
# passes: facts 1.1 s and the events' numbering 3 s sooner, a sixth less memory, half the disk;
# smaller passes pay their planning more often).
PASS_EVENTS = 2_500_000


def key_ranges(low: int | None, high: int | None, events: int) -> list[tuple[int, int]]:
    """The case key ranges that split the tickets keyed `low` to `high`, holding `events` events,
    into passes of about PASS_EVENTS events (keys are numbered densely, and a ticket's events all
    share its key, so a ticket never spans two ranges); none without events."""
    if not events or low is None or high is None:
        return []
    passes = max(1, -(-events // PASS_EVENTS))
    step = -(-(high - low + 1) // passes)
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


def write_ticket_facts(
    con: duckdb.DuckDBPyConnection, d: int | None = None, *, touched: bool = False
) -> None:
    """Rewrite the facts of the tickets of data set `d` (of every data set when None); with
    `touched`, only of those the TEMP table `touched_tickets` (case_key) lists."""
    where = "true" if d is None else f"dataset_id = {int(d)}"
    if touched:
        # The key range lets DuckDB skip the row groups of untouched tickets.
        low, high = con.execute(
            "SELECT min(case_key), max(case_key) FROM touched_tickets"
        ).fetchall()[0]
        if low is None:
            return
        where += f" AND case_key BETWEEN {int(low)} AND {int(high)}"
        where += " AND case_key IN (SELECT case_key FROM touched_tickets)"
    events = f"events WHERE {where}"  # a view takes no parameters: integers of ours only
    if touched:
        facts_of(con, events, "fresh_facts")
        _update_or_append(con, int(low), int(high))
    else:
        con.execute(f"DELETE FROM ticket_facts WHERE {where}")  # noqa: S608
        count, low, high = con.execute(
            f"SELECT count(*), min(case_key), max(case_key) FROM {events}"  # noqa: S608
        ).fetchall()[0]
        for first, last in key_ranges(low, high, count):
            _facts_as(
                con,
                f"{events} AND case_key BETWEEN {first} AND {last}",
                "INSERT INTO ticket_facts ",
            )


def facts_of(con: duckdb.DuckDBPyConnection, relation: str, table: str) -> None:
    """The TEMP table `table` of the facts of the tickets whose events `relation` (a view or
    table of ours, of the `events` columns) holds, such as activity instances."""
    _facts_as(con, relation, f"CREATE OR REPLACE TEMP TABLE {table} AS ")


def _facts_as(con: duckdb.DuckDBPyConnection, relation: str, statement: str) -> None:
    """ticket_facts.sql over the events `relation` holds (as the TEMP view `fact_events` it
    reads), run as `statement` (the start of an INSERT or a CREATE)."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW fact_events AS SELECT * FROM {relation}")  # noqa: S608
    con.execute(statement + sql_text("store", "ticket_facts.sql"), _PARAMS)
    con.execute("DROP VIEW fact_events")


def _update_or_append(con: duckdb.DuckDBPyConnection, low: int, high: int) -> None:
    """Known tickets' rows updated in place, new tickets' rows appended: deleting rows and
    appending others would make DuckDB's checkpoint rewrite the table's row groups. The TEMP
    table `fresh_facts` holds the new rows."""
    described = con.execute("SELECT * FROM fresh_facts LIMIT 0").description
    columns = [column[0] for column in described if column[0] not in KEYS]
    assignments = ", ".join(f"{c} = n.{c}" for c in columns)
    con.execute(
        f"UPDATE ticket_facts f SET {assignments} FROM fresh_facts n"  # noqa: S608 (the query's column names)
        " WHERE f.dataset_id = n.dataset_id AND f.case_key = n.case_key"
        " AND f.case_key BETWEEN $low AND $high",
        {"low": low, "high": high},
    )
    con.execute(
        "INSERT INTO ticket_facts SELECT * FROM fresh_facts"
        " ANTI JOIN ticket_facts USING (dataset_id, case_key)"
    )
    con.execute("DROP TABLE fresh_facts")


def copy_case_columns(con: duckdb.DuckDBPyConnection, d: int) -> None:
    """Copy the `cases` rows of the tickets the TEMP table `case_keys` lists (a load's) into
    their facts where they differ: a load can change a ticket's row (a new survey answer, a
    category it lacked) without a new event, and so without rewriting its facts."""
    assignments = ", ".join(f"{c} = c.{c}" for c in CASE_COLUMNS)
    differs = " OR ".join(f"f.{c} IS DISTINCT FROM c.{c}" for c in CASE_COLUMNS)
    con.execute(
        f"UPDATE ticket_facts f SET {assignments} FROM cases c"  # noqa: S608 (our column names)
        " WHERE f.dataset_id = $d AND c.dataset_id = $d AND f.case_key = c.case_key"
        " AND f.case_key IN (SELECT case_key FROM case_keys)"
        f" AND ({differs})",
        {"d": d},
    )
