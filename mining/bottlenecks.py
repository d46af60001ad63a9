"""Bottlenecks: where tickets wait (between activities, in team queues, for the customer), how long
activities take, and when tickets arrive against when they are resolved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from mining.business_hours import describe, use_calendar
from mining.kpis import unusable_kpis
from mining.selection import Selection
from mining.tickets import select_tickets
from store.queries import sql_text
from store.settings import Calendar

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = 5

# The clock durations are read on, as the TEMP macro clock_of(t) for a few instants and the view
# clocked_events of the selected events with their clock at the event and at its ticket's next
# event: elapsed seconds (from the microseconds: epoch() goes through ICU, twice as slow, and
# gives the same for timestamps to the millisecond), or business seconds
# (mining/business_hours.py).
_ELAPSED = (
    "CREATE OR REPLACE TEMP MACRO clock_of(t) AS epoch_us(t) / 1e6",
    "CREATE OR REPLACE TEMP VIEW clocked_events AS"
    " SELECT *, clock_of(ts) AS clock_s, clock_of(next_ts) AS next_clock_s FROM selected_events",
)
_BUSINESS = (
    "CREATE OR REPLACE TEMP MACRO clock_of(t) AS business_clock(t)",
    "CREATE OR REPLACE TEMP VIEW clocked_events AS"
    " SELECT e.*, business_clock_at(e.ts, q) AS clock_s,"
    " business_clock_at(e.next_ts, n) AS next_clock_s FROM selected_events e"
    " LEFT JOIN business_quarters q ON q.quarter = business_quarter(e.ts)"
    " LEFT JOIN business_quarters n ON n.quarter = business_quarter(e.next_ts)",
)
# A sort key for max_by: longer waits first, ties to the smaller case key (below 2^24 tickets).
_LONGEST_FIRST = (
    "CREATE OR REPLACE TEMP MACRO longest_first(wait_s, case_key) AS"
    " (round(wait_s * 1000)::BIGINT << 24) - case_key"
)
# The figures of a group of waits (seconds), with the case keys of its ten longest (max_by skips
# the NULL waits by itself: a FILTER clause would cost a tenth of the query).
_WAIT_STATS = (
    "CREATE OR REPLACE TEMP MACRO wait_stats(wait_s, case_key) AS {"
    "'waits': count(wait_s), 'total_hours': sum(wait_s) / 3600, 'mean_hours': avg(wait_s) / 3600,"
    " 'quantiles': quantile_cont(wait_s, [0.5, 0.9]),"
    " 'example_keys': coalesce(max_by(case_key, longest_first(wait_s, case_key), 10), [])}"
)


@dataclass(frozen=True)
class Bottlenecks:
    """Where the selected tickets wait. Durations in hours on `clock` (elapsed time, or business
    hours); `example_tickets` columns list up to five case ids, longest wait first.

    - transitions: one row per activity directly followed by another and side of the ticket's
      end: from_activity, to_activity, after_resolution, transitions, total_hours (transitions x
      mean), mean_hours, median_hours, p90_hours, largest total first. Only the waits the
      customer feels (before the ticket's end, waits.sql says which step is after it) unless
      `include_after_resolution`;
    - after_resolution: the waits after resolution left out of `transitions` (same columns;
      empty when there are none, or when they are included);
    - waiting_hours: the waiting of `transitions`, their sum;
    - customer_waits: one row, waiting for the customer (from an `Information requested` before
      the ticket's end to the next `Customer replied`, or the end): requests, tickets,
      total_hours, mean_hours, median_hours, p90_hours; None when no ticket has such a request,
      or no ticket has a `Customer replied` event (the log cannot tell the waits apart). The rest
      of waiting_hours is internal;
    - team_queues: one row per team (from `Assigned` to the team's next activity): team,
      assignments, not_acted_on, total_hours, mean_hours, median_hours, p90_hours; None when no
      `Assigned` event names a team;
    - activity_durations: one row per activity, its processing time from start to complete
      (activity_durations.sql), when the log has lifecycle start and complete events (its
      transitions are then the waits between activity instances, without their processing
      time); None otherwise;
    - arrivals: tickets created against `Resolved` events per weekday (1 Monday) and hour, in the
      selection's time zone (arrivals_resolutions.sql); None for `waits_only`;
    - resolutions_unread: why the data set's `Resolved` events cannot be read (none, or too few:
      the log names them otherwise, with the label to map), as the KPIs say it; None when they
      can (and for `waits_only`). Without them, the arrivals' resolutions are empty and no wait
      counts as after resolution.
    """

    tickets: int
    clock: str
    transitions: pd.DataFrame
    after_resolution: pd.DataFrame
    waiting_hours: float
    customer_waits: pd.DataFrame | None
    team_queues: pd.DataFrame | None
    activity_durations: pd.DataFrame | None
    arrivals: pd.DataFrame | None
    resolutions_unread: str | None = None

    @property
    def in_business_hours(self) -> bool:
        """Whether durations are business hours (of the calendar `clock` names)."""
        return self.clock.startswith("business hours")

    @property
    def customer_hours(self) -> float:
        """Hours waited for the customer; 0 without requests."""
        waits = self.customer_waits
        return 0.0 if waits is None else float(waits["total_hours"].iloc[0])

    @property
    def after_resolution_hours(self) -> float:
        """Hours of the waits after resolution left out of `transitions`."""
        return float(self.after_resolution["total_hours"].sum())


_PARTS = {
    "transition": ({"waits": "transitions"}, ["team", "tickets", "not_acted_on"]),
    "team": (
        {"waits": "assignments"},
        ["from_activity", "to_activity", "after_resolution", "tickets"],
    ),
    "customer": (
        {"waits": "requests"},
        ["from_activity", "to_activity", "after_resolution", "team", "not_acted_on"],
    ),
}


def bottlenecks(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    *,
    calendar: Calendar | None = None,
    include_after_resolution: bool = False,
    waits_only: bool = False,
) -> Bottlenecks:
    """Waiting and durations of the tickets of `selection`: elapsed time, or business hours by
    `calendar` when one is given. The waits after a ticket's resolution (`Resolved -> Closed`, a
    survey days later) are left out of the transitions and kept apart, unless
    `include_after_resolution`. `waits_only`: the waits, without the arrivals and activity
    durations, nor why resolutions cannot be read (what the weekly review shows)."""
    bound = select_tickets(con, selection)
    if calendar is None:
        clock, statements = "elapsed time", _ELAPSED
    else:
        start, end = con.execute("SELECT min(ts), max(ts) FROM selected_events").fetchall()[0]
        use_calendar(con, calendar, start, end)
        clock, statements = f"business hours ({describe(calendar)})", _BUSINESS
    for statement in (*statements, _LONGEST_FIRST, _WAIT_STATS):
        con.execute(statement)
    waits = with_examples(con, con.execute(sql_text("mining", "waits.sql")).df())
    parts = {}
    for part, (renamed, unused) in _PARTS.items():
        rows = waits[waits["part"] == part].drop(columns=["part", *unused])
        parts[part] = rows.rename(columns=renamed).reset_index(drop=True)
    steps = parts["transition"]
    after = steps["after_resolution"].astype(bool)
    shown, left_out = (
        (steps, steps.iloc[:0]) if include_after_resolution else (steps[~after], steps[after])
    )
    durations = _activity_durations(con) if bound.instances and not waits_only else None
    arrivals, unread = None, None
    if not waits_only:
        arrivals = con.execute(
            sql_text("mining", "arrivals_resolutions.sql"), {"zone": selection.timezone}
        ).df()
        # the reason of the KPI that needs `Resolved` events alone (others that need them, such
        # as first-contact resolution, may lack something else)
        unread = unusable_kpis(con, bound.dataset_id).get("ttr_median_hours")
    return Bottlenecks(
        tickets=bound.tickets,
        clock=clock,
        transitions=shown.reset_index(drop=True),
        after_resolution=left_out.reset_index(drop=True),
        waiting_hours=float(shown["total_hours"].sum()),
        customer_waits=parts["customer"] if len(parts["customer"]) else None,
        team_queues=parts["team"] if len(parts["team"]) else None,
        activity_durations=durations,
        arrivals=arrivals,
        resolutions_unread=unread,
    )


def _activity_durations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """activity_durations.sql with example_tickets, over activity instances (a log with lifecycle
    start and complete events); None when no activity was timed."""
    durations = with_examples(con, con.execute(sql_text("mining", "activity_durations.sql")).df())
    return durations if len(durations) else None


def with_examples(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
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
