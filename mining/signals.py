"""Signals, not noise: process-behaviour (XmR) limits of a weekly series and the points that
show a real change (beyond the limits, or a run of 8 on one side of the centre line)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

XMR_FACTOR = 2.66  # 3 sigma from the mean moving range (3 / d2, d2 = 1.128)
RUN_LENGTH = 8

BEYOND = "beyond limits"
RUN = "run of 8"


@dataclass(frozen=True)
class Limits:
    """Centre line and natural process limits of a series, from its baseline points."""

    centre: float | None
    lower: float | None
    upper: float | None
    baseline_points: int


def xmr_limits(values: list[float | None]) -> Limits:
    """Centre = mean of the baseline values, limits = centre ± 2.66 × mean moving range.
    Missing values are skipped; fewer than 2 values give no limits."""
    points = [v for v in values if v is not None and not math.isnan(v)]
    if len(points) < 2:
        return Limits(None, None, None, len(points))
    centre = sum(points) / len(points)
    moving = [abs(b - a) for a, b in pairwise(points)]
    spread = XMR_FACTOR * sum(moving) / len(moving)
    return Limits(centre, centre - spread, centre + spread, len(points))


def signals(values: list[float | None], limits: Limits) -> list[str | None]:
    """Per point: BEYOND when outside the limits, RUN when it belongs to 8 or more points in a
    row on one side of the centre line (missing points break no run), else None."""
    flags: list[str | None] = [None] * len(values)
    if limits.centre is None:
        return flags
    side_run: list[int] = []  # indexes of the current run
    side = 0
    for i, v in enumerate(values):
        if v is None or math.isnan(v):
            continue
        if v > limits.upper or v < limits.lower:  # type: ignore[operator]
            flags[i] = BEYOND
        here = (v > limits.centre) - (v < limits.centre)
        if here == 0 or here != side:
            side_run, side = ([i] if here else []), here
        else:
            side_run.append(i)
        if len(side_run) >= RUN_LENGTH:
            for j in side_run:
                flags[j] = flags[j] or RUN
    return flags
