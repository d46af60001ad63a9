"""The directly-follows graph: which activity follows which, how often, and how long it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from mining.results import records
from mining.selection import Selection
from mining.tickets import select_tickets
from store.queries import sql_text

if TYPE_CHECKING:
    import pandas as pd

EDGE_COLUMNS = ["source", "target", "count", "median_seconds", "mean_seconds", "p90_seconds"]


@dataclass(frozen=True)
class DirectlyFollowsGraph:
    """The directly-follows graph of the selected tickets.

    `edges`: one row per pair of activities where the second directly follows the first in a
    ticket, most frequent first: source, target, count (times it happens; equal to
    `pm4py.discover_dfg`), median_seconds, mean_seconds, p90_seconds (time between the two
    events), examples (up to five ticket ids). `starts` and `ends`: one row per activity that
    opens or closes a ticket: activity, tickets, examples.
    """

    selection: Selection
    tickets: int
    edges: pd.DataFrame
    starts: pd.DataFrame
    ends: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.selection.dataset,
            "selection": self.selection.describe(),
            "tickets": self.tickets,
            "edges": records(self.edges),
            "start_activities": records(self.starts),
            "end_activities": records(self.ends),
        }


def directly_follows(con: duckdb.DuckDBPyConnection, selection: Selection) -> DirectlyFollowsGraph:
    """The directly-follows graph of `selection`, with start and end activities."""
    bound = select_tickets(con, selection)
    rows = con.execute(sql_text("mining", "dfg.sql")).df()
    edges = rows[rows["kind"] == "edge"][[*EDGE_COLUMNS, "examples"]].reset_index(drop=True)

    def ends(kind: str) -> pd.DataFrame:
        part = rows[rows["kind"] == kind]
        return part.rename(columns={"source": "activity", "count": "tickets"})[
            ["activity", "tickets", "examples"]
        ].reset_index(drop=True)

    return DirectlyFollowsGraph(selection, bound.tickets, edges, ends("start"), ends("end"))
