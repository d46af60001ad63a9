"""Business-hours durations: hand-computed cases, and random ones against a day-by-day reference."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mining.business_hours import describe, use_calendar
from store.settings import Calendar

MADRID = ZoneInfo("Europe/Madrid")


def business_hours(calendar: Calendar, start: str, end: str) -> float | None:
    """business_seconds(start, end) in hours, with the calendar set up around the two instants."""
    a, b = datetime.fromisoformat(start), datetime.fromisoformat(end)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    use_calendar(con, calendar, min(a, b), max(a, b))
    seconds = con.execute("SELECT business_seconds($a, $b)", {"a": a, "b": b}).fetchall()[0][0]
    return None if seconds is None else seconds / 3600


OFFICE = Calendar()  # Mon-Fri 08:00-18:00 UTC, no holidays


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("2025-01-06T10:00:00+00:00", "2025-01-06T11:30:00+00:00", 1.5),  # inside one day
        ("2025-01-06T06:00:00+00:00", "2025-01-06T20:00:00+00:00", 10),  # both outside hours
        ("2025-01-07T19:00:00+00:00", "2025-01-08T07:00:00+00:00", 0),  # a night
        ("2025-01-10T17:00:00+00:00", "2025-01-13T09:00:00+00:00", 2),  # over a weekend
        ("2025-01-11T12:00:00+00:00", "2025-01-12T12:00:00+00:00", 0),  # within a weekend
        ("2025-01-06T00:00:00+00:00", "2025-01-13T00:00:00+00:00", 50),  # a whole week
        ("2025-01-13T09:00:00+00:00", "2025-01-10T17:00:00+00:00", -2),  # backwards
    ],
)
def test_office_hours(start: str, end: str, hours: float) -> None:
    assert business_hours(OFFICE, start, end) == pytest.approx(hours)


def test_a_holiday_does_not_count() -> None:
    calendar = Calendar(holidays=(date(2025, 1, 13),))  # the Monday
    assert business_hours(calendar, "2025-01-10T17:00:00+00:00", "2025-01-14T09:00:00+00:00") == 2


def test_opening_hours_are_local_to_the_calendar_zone() -> None:
    calendar = Calendar(opens=time(9), closes=time(17), timezone="Europe/Madrid")
    # 07:30 in New York is 13:30 in Madrid; 16:00 UTC is 17:00 in Madrid (winter)
    assert business_hours(calendar, "2025-01-06T07:30:00-05:00", "2025-01-06T16:00:00+00:00") == 3.5


def test_a_weekend_with_a_clock_change_is_still_two_hours() -> None:
    calendar = Calendar(timezone="Europe/Madrid")  # 08:00-18:00 local
    # Friday 17:00 CET to Monday 09:00 CEST: the clocks moved on Sunday 30 March 2025
    assert business_hours(calendar, "2025-03-28T17:00:00+01:00", "2025-03-31T09:00:00+02:00") == 2


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        # 01:00-04:00 every day: the spring-forward night loses an hour, the fall-back one gains
        ("2025-03-29T00:00:00+01:00", "2025-03-31T00:00:00+02:00", 3 + 2),
        ("2025-10-25T00:00:00+02:00", "2025-10-27T00:00:00+01:00", 3 + 4),
    ],
)
def test_opening_hours_across_a_clock_change_are_real_hours(
    start: str, end: str, hours: float
) -> None:
    calendar = Calendar(
        workdays=tuple(range(7)), opens=time(1), closes=time(4), timezone="Europe/Madrid"
    )
    assert business_hours(calendar, start, end) == pytest.approx(hours)


def test_instants_outside_the_calendar_span_give_null() -> None:
    con = duckdb.connect()
    use_calendar(
        con,
        OFFICE,
        datetime.fromisoformat("2025-01-06T00:00:00+00:00"),
        datetime.fromisoformat("2025-01-10T00:00:00+00:00"),
    )
    far = datetime.fromisoformat("2026-01-06T12:00:00+00:00")
    inside = datetime.fromisoformat("2025-01-07T12:00:00+00:00")
    assert con.execute(
        "SELECT business_seconds($a, $b), business_seconds($b, $a)", {"a": inside, "b": far}
    ).fetchall() == [(None, None)]


@pytest.mark.parametrize(
    "zone", ["UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Kiritimati"]
)
def test_local_week_is_the_monday_of_the_local_iso_week_inside_and_outside_the_calendar(
    zone: str,
) -> None:
    """Every quarter hour of a fortnight around a clock change, and instants a year away (outside
    the calendar: worked out from the instant), against Python's own local date."""
    con = duckdb.connect()
    start = datetime.fromisoformat("2025-03-03T00:00:00+00:00")
    use_calendar(con, Calendar(timezone=zone), start, start + timedelta(days=14))
    instants = [start + timedelta(minutes=15 * i + 7) for i in range(14 * 96)]
    # a year away, either side of midnight UTC between a Sunday and a Monday
    instants += [start - timedelta(weeks=52, minutes=90), start + timedelta(weeks=60, hours=2)]
    found = con.execute(
        "SELECT list(local_week(t, q, $zone) ORDER BY t) FROM (SELECT unnest($ts) AS t)"
        " LEFT JOIN business_quarters q ON q.quarter = business_quarter(t)",
        {"ts": instants, "zone": zone},
    ).fetchall()[0][0]
    local = [t.astimezone(ZoneInfo(zone)).date() for t in sorted(instants)]
    assert found == [day - timedelta(days=day.weekday()) for day in local]
    assert con.execute("SELECT local_week(NULL::TIMESTAMPTZ, NULL, 'UTC')").fetchall() == [(None,)]


def test_describe_names_days_hours_zone_and_holidays() -> None:
    assert describe(OFFICE) == "Mon-Fri 08:00-18:00 UTC"
    calendar = Calendar(
        workdays=(0, 1, 2, 3, 4, 6),
        opens=time(9, 30),
        closes=time(17),
        timezone="Europe/Madrid",
        holidays=(date(2025, 12, 25),),
    )
    assert describe(calendar) == "Mon-Fri, Sun 09:30-17:00 Europe/Madrid, 1 holiday"


# --- against a reference that walks the days --------------------------------------------------


def reference_hours(calendar: Calendar, a: datetime, b: datetime) -> float:
    """Business hours from a to b (a <= b), one local day at a time, with zoneinfo; in UTC, since
    Python subtracts datetimes of one zone by their wall clocks."""
    zone, utc = ZoneInfo(calendar.timezone), ZoneInfo("UTC")
    a, b = a.astimezone(utc), b.astimezone(utc)
    total = timedelta()
    for day in _days(a.astimezone(zone).date() - timedelta(days=1), b.astimezone(zone).date()):
        if day.weekday() not in calendar.workdays or day in calendar.holidays:
            continue
        opens = _instant(day, calendar.opens, zone).astimezone(utc)
        closes = _instant(day, calendar.closes, zone).astimezone(utc)
        overlap = min(b, closes) - max(a, opens)
        total += max(overlap, timedelta())
    return total.total_seconds() / 3600


def _instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The local time as an instant: when the clocks go back, the later of the two; when they
    skip it, as many minutes after the change as it is into the gap (as DuckDB reads it)."""
    later = datetime.combine(day, clock, tzinfo=zone).replace(fold=1)
    exists = later.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) == (
        datetime.combine(day, clock)
    )
    return later if exists else later.replace(fold=0)


def _days(first: date, last: date) -> Iterator[date]:
    while first <= last:
        yield first
        first += timedelta(days=1)


zones = st.sampled_from(
    ["UTC", "Europe/Madrid", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
)
instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(MADRID)
)


@pytest.mark.slow
@settings(deadline=None)  # each example builds a calendar of up to three years in DuckDB
@given(
    zone=zones,
    workdays=st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s))),
    opens=st.integers(0, 11),
    length=st.integers(1, 12),
    holidays=st.lists(st.dates(date(2024, 1, 1), date(2026, 12, 31)), max_size=5),
    a=instants,
    b=instants,
)
def test_business_seconds_equal_the_day_by_day_reference(
    zone: str,
    workdays: tuple[int, ...],
    opens: int,
    length: int,
    holidays: list[date],
    a: datetime,
    b: datetime,
) -> None:
    a, b = min(a, b), max(a, b)
    calendar = Calendar(
        workdays=workdays,
        opens=time(opens),
        closes=time(opens + length),
        timezone=zone,
        holidays=tuple(sorted(set(holidays))),
    )
    ours = business_hours(calendar, a.isoformat(), b.isoformat())
    assert ours == pytest.approx(reference_hours(calendar, a, b), abs=1e-6)
