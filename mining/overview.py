"""What a data set holds: its size and span, tickets per week and channel, its rejected rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from store.datasets import dataset_id
from store.queries import sql_text

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class DatasetSummary:
    """A data set at a glance. Durations in hours."""

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


def summarize(con: duckdb.DuckDBPyConnection, *, dataset: str) -> DatasetSummary:
    """Counts and time span of one data set."""
    d = dataset_id(con, dataset)
    events, cases, activities, resources, first_ts, last_ts = con.execute(
        "SELECT count(*), count(DISTINCT case_key), count(DISTINCT activity_id),"
        " count(DISTINCT resource), min(ts), max(ts) FROM events WHERE dataset_id = $d",
        {"d": d},
    ).fetchall()[0]
    variants, median_h = con.execute(
        "SELECT count(DISTINCT path), median(duration_h) FROM (SELECT list(activity_id ORDER BY"
        " event_index) AS path, epoch(max(ts) - min(ts)) / 3600 AS duration_h FROM events"
        " WHERE dataset_id = $d GROUP BY case_key)",
        {"d": d},
    ).fetchall()[0]
    rejected = con.execute("SELECT count(*) FROM rejects WHERE dataset_id = $d", {"d": d})
    rejected = rejected.fetchall()[0][0]
    weeks = con.execute(
        "SELECT coalesce(date_diff('week', date_trunc('week', min(created_at)),"
        " date_trunc('week', max(created_at))) + 1, 0) FROM cases WHERE dataset_id = $d",
        {"d": d},
    ).fetchall()[0][0]
    return DatasetSummary(
        dataset,
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
    )


def weekly_tickets_by_channel(con: duckdb.DuckDBPyConnection, *, dataset: str) -> pd.DataFrame:
    """Tickets created per ISO week and channel: columns week (date), channel, tickets."""
    return con.execute(
        sql_text("mining", "weekly_channels.sql"), {"d": dataset_id(con, dataset)}
    ).df()


def rejected_rows(
    con: duckdb.DuckDBPyConnection, *, dataset: str, limit: int = 200
) -> pd.DataFrame:
    """Rows refused at ingest, in file order: file, row (the header is row 1), reason, raw_row."""
    return con.execute(
        "SELECT file_name AS file, row_number AS row, reason, raw_row FROM rejects"
        " WHERE dataset_id = $d ORDER BY file_id, row_number LIMIT $limit",
        {"d": dataset_id(con, dataset), "limit": limit},
    ).df()
