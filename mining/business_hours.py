"""Business-hours durations in DuckDB SQL, from the settings' calendar.

`use_calendar(con, calendar, start, end)` fills the TEMP table `business_quarters`, the calendar as
one row per quarter hour from `start` to `end`, and defines TEMP macros on `con`:

- `business_clock(t)`: business seconds from the start of the calendar to the TIMESTAMPTZ `t`;
- `business_seconds(a, b)`: business seconds from `a` to `b` (negative when `b` is before `a`);
- for many rows, `business_clock_at(t, q)` with `q` the row of `business_quarters` joined on
  `q.quarter = business_quarter(t)`: one hash join instead of a lookup per row;
- `local_week(t, q, zone)` with the same `q`: the Monday of `t`'s ISO week in the calendar's zone.

All give NULL outside the calendar. Business time is each workday that is not a holiday, from
`opens` to `closes` in the calendar's time zone, as instants: a day whose clocks change inside the
opening hours is an hour shorter or longer (an opening or closing time the change makes ambiguous
is its later instant; one the change skips is read that far past the change).
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from store.queries import sql_text
from store.settings import Calendar


def use_calendar(
    con: duckdb.DuckDBPyConnection, calendar: Calendar, start: datetime, end: datetime
) -> None:
    """Fill `business_quarters` by `calendar` for instants from `start` to `end` (aware
    datetimes), and define the business-hours macros on `con`."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE business_quarters AS "
        + sql_text("mining", "business_calendar.sql"),
        {
            "zone": calendar.timezone,
            "workdays": list(calendar.workdays),
            "holidays": list(calendar.holidays),
            "opens": calendar.opens,
            "closes": calendar.closes,
            "start": start,
            "end": end,
        },
    )
    con.execute(sql_text("mining", "business_hours_macros.sql"))


def describe(calendar: Calendar) -> str:
    """The calendar in words, e.g. `Mon-Fri 08:00-18:00 Europe/Madrid, 2 holidays`."""
    days = _day_ranges(calendar.workdays)
    holidays = len(calendar.holidays)
    tail = f", {holidays} holiday{'s' if holidays != 1 else ''}" if holidays else ""
    return f"{days} {calendar.opens:%H:%M}-{calendar.closes:%H:%M} {calendar.timezone}{tail}"


def _day_ranges(workdays: tuple[int, ...]) -> str:
    """Weekday numbers as runs of names: (0, 1, 2, 3, 4, 6) -> `Mon-Fri, Sun`."""
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    runs: list[list[int]] = []
    for day in workdays:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(names[r[0]] if len(r) == 1 else f"{names[r[0]]}-{names[r[-1]]}" for r in runs)
