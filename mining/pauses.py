"""Pauses on a log without customer events: who puts tickets on `Information requested`, how
often and for how long, by team and agent, against the desk.

A pause stops the SLA clock while the desk waits for the customer; a process owner checks it is
not misused. Where the log records the customer's replies, waiting for the customer
(mining/bottlenecks.py) and `pause_without_reply_rate` (mining/kpis.py) tell it; where it records
none, only who paused and until the ticket's next event can be said, and this module says it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from mining.bottlenecks import with_examples
from mining.selection import Selection
from mining.tickets import select_tickets
from store.queries import sql_text

if TYPE_CHECKING:
    import pandas as pd

_HAS_REPLIES = (
    "SELECT EXISTS (SELECT 1 FROM selected_events WHERE activity_id ="
    " (SELECT activity_id FROM activities WHERE name = 'Customer replied'))"
)


@dataclass(frozen=True)
class Pauses:
    """The selected tickets' pauses (pauses.sql: an `Information requested` event, lasting until
    the ticket's next event, elapsed hours). The desk's figures, then `teams` and `agents`: one
    row per team (agent) that paused, most pauses first, with the columns team (agent), pauses,
    tickets (tickets it paused), handled (tickets with any event of it), share (tickets / handled,
    how often it pauses what it handles), total_hours, median_hours, p90_hours, share_vs_desk and
    median_vs_desk (its share and median over the desk's: 2.0 is twice the desk's),
    example_tickets (up to five, longest pause first). `teams` (`agents`) is None when no pause
    names a team (an agent)."""

    tickets: int
    pauses: int
    paused_tickets: int
    median_hours: float | None
    total_hours: float
    example_tickets: list[str]
    teams: pd.DataFrame | None
    agents: pd.DataFrame | None

    @property
    def share(self) -> float:
        """Tickets paused over the selected tickets."""
        return self.paused_tickets / self.tickets if self.tickets else 0.0


def pauses(con: duckdb.DuckDBPyConnection, selection: Selection) -> Pauses | None:
    """Who pauses the tickets of `selection`, how often and how long; None when no ticket has an
    `Information requested` event, or when some has a `Customer replied` event (the customer's
    replies then end the pauses: waiting for the customer and `pause_without_reply_rate` say it)."""
    bound = select_tickets(con, selection)
    if con.execute(_HAS_REPLIES).fetchall()[0][0]:
        return None
    rows = with_examples(con, con.execute(sql_text("mining", "pauses.sql")).df())
    desk = rows[rows["kind"] == "desk"]
    if desk.empty:
        return None
    whole = desk.iloc[0]
    share = whole["tickets"] / whole["handled"]
    median = None if whole["median_hours"] != whole["median_hours"] else whole["median_hours"]

    def part(kind: str, column: str) -> pd.DataFrame | None:
        frame = rows[rows["kind"] == kind].drop(columns="kind").rename(columns={"name": column})
        if frame.empty:
            return None
        frame.insert(4, "share", frame["tickets"] / frame["handled"])
        frame["share_vs_desk"] = frame["share"] / share
        frame["median_vs_desk"] = frame["median_hours"] / median if median else None
        order = [*frame.columns.drop("example_tickets"), "example_tickets"]
        return frame[order].reset_index(drop=True)

    return Pauses(
        tickets=bound.tickets,
        pauses=int(whole["pauses"]),
        paused_tickets=int(whole["tickets"]),
        median_hours=None if median is None else float(median),
        total_hours=float(whole["total_hours"] or 0.0),
        example_tickets=list(whole["example_tickets"]),
        teams=part("team", "team"),
        agents=part("agent", "agent"),
    )
