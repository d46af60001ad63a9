"""The directly-follows graph: which activity follows which, how often, and how long it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from mining.results import Rows, frame_of
from mining.selection import Selection
from mining.tickets import select_tickets
from store.queries import sql_text

EDGE_COLUMNS = ["source", "target", "count", "median_seconds", "mean_seconds", "p90_seconds"]
# Each activity's processing time, from its instances' start to their complete (activity
# instances: a log with lifecycle start and complete events, mining/selection.py).
_PROCESSING = (
    "SELECT a.name AS activity, count(*) AS instances,"
    " median((epoch_us(e.ts) - epoch_us(e.start_ts)) / 1e6) AS median_seconds"
    " FROM selected_events e JOIN activities a USING (activity_id)"
    " WHERE e.start_ts IS NOT NULL GROUP BY a.name ORDER BY a.name"
)
_NO_PROCESSING = (
    "SELECT NULL::VARCHAR AS activity, 0::BIGINT AS instances, NULL::DOUBLE AS median_seconds"
    " LIMIT 0"
)


@dataclass(frozen=True)
class DirectlyFollowsGraph:
    """The directly-follows graph of the selected tickets.

    `edges`: one row per pair of activities where the second directly follows the first in a
    ticket, most frequent first: source, target, count (times it happens; equal to
    `pm4py.discover_dfg`), median_seconds, mean_seconds, p90_seconds (time between the two
    events), examples (up to five ticket ids). `starts` and `ends`: one row per activity that
    opens or closes a ticket: activity, tickets, examples.

    On a log with lifecycle start and complete events, activities are activity instances (counted
    once each, as `pm4py.discover_dfg` counts the log's complete events), an edge's time is the
    wait from the first instance's end to the next one's start, and `processing` holds one row
    per activity with started instances: activity, instances, median_seconds (start to
    complete); it is empty on other logs.

    Each is kept as `Rows` (`edge_rows`, ...), which the CLI reads without pandas; the
    DataFrames are built when first asked for.
    """

    selection: Selection
    tickets: int
    edge_rows: Rows
    start_rows: Rows
    end_rows: Rows
    processing_rows: Rows

    edges = frame_of("edge_rows")
    starts = frame_of("start_rows")
    ends = frame_of("end_rows")
    processing = frame_of("processing_rows")

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.selection.dataset,
            "selection": self.selection.describe(),
            "tickets": self.tickets,
            "edges": self.edge_rows.records(),
            "start_activities": self.start_rows.records(),
            "end_activities": self.end_rows.records(),
            "processing": self.processing_rows.records(),
        }


def directly_follows(con: duckdb.DuckDBPyConnection, selection: Selection) -> DirectlyFollowsGraph:
    """The directly-follows graph of `selection`, with start and end activities."""
    bound = select_tickets(con, selection)
    rows = Rows.fetch(con, sql_text("mining", "dfg.sql"))
    edges = rows.where("kind", "edge").pick([*EDGE_COLUMNS, "examples"])

    def ends(kind: str) -> Rows:
        return rows.where("kind", kind).pick(
            {"source": "activity", "count": "tickets", "examples": "examples"}
        )

    processing = Rows.fetch(con, _PROCESSING if bound.instances else _NO_PROCESSING)
    return DirectlyFollowsGraph(
        selection, bound.tickets, edges, ends("start"), ends("end"), processing
    )
