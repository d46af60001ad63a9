"""Numbers as people read them: durations in a unit that fits their size, spans in days or weeks.
The CLI, the pages and the weekly report all format with it."""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TYPE_CHECKING

from mining.results import missing

if TYPE_CHECKING:
    import pandas as pd


DAYS_FROM_HOURS = 48  # a duration this long or longer reads in days: two days, not 48 hours


def duration(hours: float | None, like: float | None = None, *, business: bool = False) -> str:
    """`45 minutes` under an hour, `19.2 hours` under two days, else `3.4 days` (`1,234 days`
    from 100 days on); `n/a` for none. With `like`, a duration it is compared with, in the unit
    the larger of the two gets (`24.1 days against 1.0 days`, not against `24.0 hours`). With
    `business`, business time, named so and never in days (a business day is not 24 hours):
    `45 business minutes`, `19.2 business hours`, `56,123 business hours`."""
    if missing(hours):
        return "n/a"
    assert hours is not None
    size = abs(hours) if missing(like) else max(abs(hours), abs(like))  # type: ignore[arg-type]
    kind = "business " if business else ""
    if size < 1:
        minutes = round(hours * 60)
        return f"{minutes} {kind}minute{'s' * (minutes != 1)}"
    if size < DAYS_FROM_HOURS or (business and size < 100):
        return f"{hours:.1f} {kind}hours"
    if business:
        return f"{hours:,.0f} business hours"
    if size < 100 * 24:
        return f"{hours / 24:.1f} days"
    return f"{hours / 24:,.0f} days"


NPS_UNIT = "-100 to 100"  # the net promoter score's (mining.kpis)


def kpi_value(value: object, unit: str, like: object = None) -> str:
    """A KPI's value in its unit: `12.5%` for fractions, durations by `duration` (in the unit of
    `like`, a value it is compared with, when given), `n/a` for none."""
    if missing(value):
        return "n/a"
    v = float(value)  # type: ignore[arg-type]
    if unit == "fraction":
        return f"{v:.1%}"
    if unit == "tickets":
        return f"{v:,.0f}"
    if unit == "hours":
        return duration(v, None if missing(like) else float(like))  # type: ignore[arg-type]
    if unit == NPS_UNIT:  # a score of whole points, read to one decimal
        return f"{v:.1f}"
    return f"{v:.2f}"


def heading(words: str) -> str:
    """Words as a heading or label: the first letter in capitals (`Median time to resolution`)."""
    return words[:1].upper() + words[1:]


def difference(value: float | None, unit: str, like: object = None) -> str:
    """A signed difference of a KPI in its unit: `+2.5 pp` (percentage points, not a relative
    change), `-3.1 hours`; a duration in the unit of `like` (the values it is the difference of)
    when given: `+1.2 days` beside `21.2 days`, not `+29.4 hours`."""
    if missing(value):
        return "n/a"
    assert value is not None
    if unit == "fraction":
        return f"{100 * value:+.1f} pp"
    return ("+" if value >= 0 else "-") + kpi_value(abs(value), unit, like)


def span(first: datetime | None, last: datetime | None) -> str:
    """The time from `first` to `last`: `5 days` under two weeks, else `26 weeks`."""
    if first is None or last is None:
        return "n/a"
    days = (last - first).total_seconds() / 86400
    if days < 14:
        if days < 1:
            return "less than a day"
        whole = round(days)
        return f"{whole} day{'s' * (whole != 1)}"
    weeks = round(days / 7)
    return f"{weeks} weeks"


def count(n: int, noun: str) -> str:
    """`1 ticket`, `2,000 tickets`, `13 activities`."""
    if n == 1:
        return f"{n:,} {noun}"
    if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
        return f"{n:,} {noun[:-1]}ies"
    return f"{n:,} {noun}s"


def after_resolution_note(
    waits: pd.DataFrame | None, arrow: str = "->", *, business: bool = False
) -> str | None:
    """The one line saying which waits after resolution a ranking leaves out (the rows of
    mining's Bottlenecks.after_resolution), the largest first, their time in business hours
    with `business`; how to bring them back is each front's to add. None when it leaves none
    out."""
    if waits is None or waits.empty:
        return None
    largest = waits.nlargest(3, "total_hours")
    named = ", ".join(
        f"{a} {arrow} {b}"
        for a, b in zip(largest["from_activity"], largest["to_activity"], strict=True)
    )
    more = ", ..." if len(waits) > len(largest) else ""
    return (
        f"Waits after resolution left out: {named}{more}"
        f" ({count(int(waits['transitions'].sum()), 'step')},"
        f" {duration(float(waits['total_hours'].sum()), business=business)} in all)"
    )


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV whose text cells cannot run as spreadsheet formulas (`defused`)."""
    # Every text cell quoted: a bare carriage return inside one would otherwise end the row.
    return defused(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8")


def defused(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell that starts with = + - @ tab or CR given a leading quote,
    so that it cannot run as a spreadsheet formula once exported (OWASP's advice on CSV
    injection): the CSV files we write, and the tables a page shows, which it can download."""
    texts = [c for c in frame.columns if frame[c].dtype.kind == "O"]  # objects and strings
    if not texts:
        return frame
    out = frame.copy()
    for column in texts:  # by column, whatever its name's type
        out[column] = frame[column].map(_defuse)
    return out


def _defuse(value: object) -> object:
    """A text cell defused; a list's texts too (a list of example tickets), as a list."""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    if isinstance(value, list | tuple) or (hasattr(value, "tolist") and getattr(value, "ndim", 0)):
        return [_defuse(v) for v in value]  # type: ignore[union-attr]
    return value


def setting(value: object) -> str:
    """A setting's value as people read it: lists comma-separated, tables as key value, nothing
    as "none"."""
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)
