"""Durations and spans as a dashboard user reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application import format as fmt


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (0.8, "48 minutes"),
        (1 / 60, "1 minute"),
        (0, "0 minutes"),
        (5.25, "5.2 hours"),
        (47.9, "47.9 hours"),
        (72, "3.0 days"),
        (None, "n/a"),
        (float("nan"), "n/a"),
    ],
)
def test_durations_pick_their_unit(hours: float | None, text: str) -> None:
    assert fmt.duration(hours) == text


def test_spans_in_days_then_weeks() -> None:
    t = datetime(2025, 1, 6, tzinfo=UTC)
    assert fmt.span(t, t + timedelta(hours=3)) == "less than a day"
    assert fmt.span(t, t + timedelta(days=1)) == "1 day"
    assert fmt.span(t, t + timedelta(days=5)) == "5 days"
    assert fmt.span(t, t + timedelta(days=182)) == "26 weeks"
    assert fmt.span(None, t) == "n/a"


def test_exported_csv_cells_cannot_run_as_formulas() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "raw": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "plain", "a=b"],
            "n": range(8),
        }
    )
    import csv
    import io

    cells = [row[0] for row in csv.reader(io.StringIO(fmt.csv_safe(frame).decode(), newline=""))]
    assert cells[1:] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "plain", "a=b"
    ]  # fmt: skip
    assert fmt.csv_safe(pd.DataFrame({"n": [-1]})).decode() == '"n"\n-1\n'  # numbers stay numbers


def test_counts_say_their_noun_in_the_number_they_need() -> None:
    assert [fmt.count(n, "ticket") for n in (1, 2_000)] == ["1 ticket", "2,000 tickets"]
    assert [fmt.count(n, "activity") for n in (1, 13)] == ["1 activity", "13 activities"]
    assert fmt.count(3, "day") == "3 days"  # a vowel before the y
