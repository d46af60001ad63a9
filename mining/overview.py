"""What a selection of a data set holds: its size and span, tickets per week and channel, its
rejected rows, and which ticket dimensions the data set has at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import duckdb

from mining.selection import Selection, scope
from mining.tickets import INSTANCE_PATHS
from store.datasets import dataset_id
from store.fields import FILTERS
from store.identifiers import quote_ident
from store.plausible import span_params
from store.queries import sql_text

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class DatasetSummary:
    """A selection at a glance. Durations in hours."""

    name: str
    events: int
    cases: int
    activities: int
    resources: int
    first_ts: datetime | None
    last_ts: datetime | None
    variants: int
    median_case_duration_h: float | None
    rejected_rows: int
    weeks: int  # calendar weeks (Monday to Sunday, UTC) from the first to the last ticket created
    instances: bool = False  # `events` counts activity instances (a lifecycle data set's)


def summarize(con: duckdb.DuckDBPyConnection, selection: Selection) -> DatasetSummary:
    """Counts and time span of the selected tickets (rejected rows: of the whole data set)."""
    s = scope(con, selection)
    events, cases, activities, resources, first_ts, last_ts = con.execute(
        "SELECT count(*), count(DISTINCT case_key), count(DISTINCT activity_id),"
        " count(DISTINCT resource), min(ts), max(ts) FROM selected_events"
    ).fetchall()[0]
    # paths as the variants count them: off the ticket facts, or off the instances of a
    # lifecycle data set
    paths = INSTANCE_PATHS if s.instances else "selected_facts"
    variants, median_h = con.execute(
        "SELECT count(DISTINCT path_key), median(epoch(last_ts - first_ts) / 3600)"  # noqa: S608 (ours)
        f" FROM {paths}"
    ).fetchall()[0]
    rejected = con.execute(
        "SELECT count(*) FROM rejects WHERE dataset_id = $d", {"d": s.dataset_id}
    ).fetchall()[0][0]
    weeks = con.execute(
        "SELECT coalesce(date_diff('week', date_trunc('week', min(created_at)),"
        " date_trunc('week', max(created_at))) + 1, 0) FROM selected_cases"
    ).fetchall()[0][0]
    return DatasetSummary(
        selection.dataset,
        events,
        cases,
        activities,
        resources,
        first_ts,
        last_ts,
        variants,
        median_h,
        rejected,
        weeks,
        s.instances,
    )


def weekly_tickets_by_channel(con: duckdb.DuckDBPyConnection, selection: Selection) -> pd.DataFrame:
    """Tickets created per ISO week and channel: columns week (date), channel, tickets."""
    scope(con, selection)
    return con.execute(sql_text("mining", "weekly_channels.sql")).df()


def rejected_rows(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, limit: int = 200
) -> pd.DataFrame:
    """Rows refused at ingest, in file order: file, row (the header is row 1), reason, raw_row."""
    return con.execute(
        "SELECT file_name AS file, row_number AS row, reason, raw_row FROM rejects"
        " WHERE dataset_id = $d ORDER BY file_id, row_number LIMIT $limit",
        {"d": dataset_id(con, selection.dataset), "limit": limit},
    ).df()


@dataclass(frozen=True)
class Dimensions:
    """What a whole data set offers to filter on: the values of each dimension it has (a
    dimension with no value anywhere is absent), the creation-date span, and its activities."""

    values: dict[str, tuple]  # dimension -> its values, sorted; only dimensions with values
    first_day: date | None
    last_day: date | None
    activities: tuple[str, ...]


def dimensions(con: duckdb.DuckDBPyConnection, selection: Selection) -> Dimensions:
    """The filterable values of `selection.dataset` (all of it, whatever the other filters)."""
    d = dataset_id(con, selection.dataset)
    values: dict[str, tuple] = {}
    for f in FILTERS:
        table = "cases" if f.filter.on == "ticket" else "events"  # type: ignore[union-attr]
        column = quote_ident(f.stored_as)  # from the field registry, never from a user
        sql = f"SELECT DISTINCT {column} FROM {table} WHERE dataset_id = $d AND {column} IS NOT NULL ORDER BY {column} LIMIT 500"  # noqa: S608 (identifiers are constants)
        rows = con.execute(sql, {"d": d}).fetchall()
        if rows:
            values[f.name] = tuple(r[0] for r in rows)
    first, last = con.execute(
        "SELECT min(created_at)::DATE, max(created_at)::DATE FROM cases WHERE dataset_id = $d"
        " AND created_at BETWEEN $floor AND $ceiling",
        {"d": d, **span_params()},
    ).fetchall()[0]
    activities = con.execute(
        "SELECT a.name FROM activities a WHERE activity_id IN"
        " (SELECT DISTINCT activity_id FROM events WHERE dataset_id = $d) ORDER BY a.name",
        {"d": d},
    ).fetchall()
    return Dimensions(values, first, last, tuple(r[0] for r in activities))
