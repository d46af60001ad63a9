"""Plausible event times: the span every analysis reads. The ingest rejects rows outside its own
[ingest] range, which lies within this span; a store loaded before that check may hold others
(year 12025, 44 BC, the "no date" 9999-12-31), which Python cannot show and a weekly series
cannot span, so the analyses leave their tickets out."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

TIME_FLOOR = date(1900, 1, 1)  # the earliest [ingest] earliest, and of the span
MAX_YEARS_AHEAD = 20  # the most [ingest] latest_years_ahead, and the span's end from now


def span_params() -> dict[str, datetime]:
    """`floor` and `ceiling`: from TIME_FLOOR to MAX_YEARS_AHEAD years from now."""
    floor = datetime.combine(TIME_FLOOR, time(0), tzinfo=UTC)
    ceiling = datetime.now(UTC) + timedelta(days=round(365.25 * MAX_YEARS_AHEAD))
    return {"floor": floor, "ceiling": ceiling}
