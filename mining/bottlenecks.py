"""Bottlenecks: where tickets wait (between activities, in team queues, for the customer), how long
activities take, and when tickets arrive against when they are resolved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from mining.business_hours import describe, use_calendar
from mining.selection import Selection
from mining.tickets import select_tickets
from store.queries import sql_text
from store.settings import Calendar

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = 5

# The clock durations are read on: elapsed seconds, or business seconds (mining/business_hours.py).
_ELAPSED = "CREATE OR REPLACE TEMP MACRO wait_clock(t) AS epoch(t)"
_BUSINESS = "CREATE OR REPLACE TEMP MACRO wait_clock(t) AS business_clock(t)"
# A sort key for max_by: longer waits first, ties to the smaller case key (below 2^24 tickets).
_LONGEST_FIRST = (
    "CREATE OR REPLACE TEMP MACRO longest_first(wait_s, case_key) AS"
    " (round(wait_s * 1000)::BIGINT << 24) - case_key"
)


@dataclass(frozen=True)
class Bottlenecks:
    """Where the selected tickets wait. Durations in hours on `clock` (elapsed time, or business
    hours); `example_tickets` columns list up to five case ids, longest wait first.

    - transitions: one row per directly-follows step and kind of waiting (transitions.sql),
      largest total first;
    - waiting: total waiting for the customer and internal: waiting_for, transitions,
      total_hours, share (of all waiting);
    - team_queues: one row per team (team_queues.sql), or None when no `Assigned` event names a
      team;
    - activity_durations: one row per activity with lifecycle start/complete events
      (activity_durations.sql), or None when the log has none;
    - arrivals: tickets created against `Resolved` events per weekday (1 Monday) and hour, in the
      selection's time zone (arrivals_resolutions.sql).
    """

    tickets: int
    clock: str
    transitions: pd.DataFrame
    waiting: pd.DataFrame
    team_queues: pd.DataFrame | None
    activity_durations: pd.DataFrame | None
    arrivals: pd.DataFrame


def bottlenecks(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, calendar: Calendar | None = None
) -> Bottlenecks:
    """Waiting and durations of the tickets of `selection`: elapsed time, or business hours by
    `calendar` when one is given."""
    bound = select_tickets(con, selection)
    if calendar is None:
        con.execute(_ELAPSED)
        clock = "elapsed time"
    else:
        start, end = con.execute("SELECT min(ts), max(ts) FROM selected_events").fetchall()[0]
        use_calendar(con, calendar, start, end)
        con.execute(_BUSINESS)
        clock = f"business hours ({describe(calendar)})"
    con.execute(_LONGEST_FIRST)
    transitions = _with_examples(con, con.execute(sql_text("mining", "transitions.sql")).df())
    teams = _with_examples(con, con.execute(sql_text("mining", "team_queues.sql")).df())
    durations = _with_examples(con, con.execute(sql_text("mining", "activity_durations.sql")).df())
    arrivals = con.execute(
        sql_text("mining", "arrivals_resolutions.sql"), {"zone": selection.timezone}
    ).df()
    return Bottlenecks(
        tickets=bound.tickets,
        clock=clock,
        transitions=transitions,
        waiting=_waiting(transitions),
        team_queues=teams if len(teams) else None,
        activity_durations=durations if len(durations) else None,
        arrivals=arrivals,
    )


def _waiting(transitions: pd.DataFrame) -> pd.DataFrame:
    """Waiting for the customer and internal waiting, summed from the transitions."""
    totals = (
        transitions.groupby("waiting_for", sort=True)[["transitions", "total_hours"]]
        .sum()
        .reset_index()
    )
    all_hours = totals["total_hours"].sum()
    totals["share"] = totals["total_hours"] / all_hours if all_hours else None
    return totals


def _with_examples(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its `example_keys` (case keys, best first, repeats possible) turned into
    `example_tickets`: the case ids of the first five distinct keys."""
    firsts = [list(dict.fromkeys(keys))[:EXAMPLES] for keys in frame["example_keys"]]
    wanted = sorted({int(key) for keys in firsts for key in keys})
    ids = dict(
        con.execute(
            "SELECT case_key, case_id FROM selected_cases WHERE case_key IN (SELECT unnest($k))",
            {"k": wanted},
        ).fetchall()
    )
    named = frame.drop(columns="example_keys")
    named["example_tickets"] = [[ids[key] for key in keys] for keys in firsts]
    return named
