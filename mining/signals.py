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
    """Per point: BEYOND when outside the limits, RUN when it is the 8th or a later point in a
    row on one side of the centre line (the point that shows the shift, as the Western Electric
    rule reads; the earlier points of the run are not signals of their own; missing points break
    no run), else None."""
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
            flags[i] = flags[i] or RUN
    return flags


# A phase has limits once this many of its weeks are judged; before, "no limits yet".
MIN_POINTS = 8


@dataclass(frozen=True)
class Judged:
    """A series judged phase by phase: per point its centre, limits and signal (None where not
    judged), and per phase its limits (from its first `baseline` judged points, or of the
    week-to-week changes for a stock)."""

    centre: list[float | None]
    lower: list[float | None]
    upper: list[float | None]
    signal: list[str | None]
    phases: list[Limits]


def judge_phases(
    values: list[float | None], phase_of: list[int], *, baseline: int, stock: bool = False
) -> Judged:
    """XmR limits and signals of each phase of a series on its own. `values`: the points in time
    order, None where a point is not judged (missing, resting on too little, an edge week);
    `phase_of`: each point's phase (0, 1, ... in order: a recorded change starts the next).
    A phase's limits come from its first `baseline` judged points and need MIN_POINTS of them;
    later phases never move an earlier one's. A `stock` (a level that trends by nature, such as
    the backlog) is judged on its week-to-week change: limits of the change drawn around last
    week's level, and a point is BEYOND when this week's change is outside them (no run rule:
    a steady trend is the stock's nature)."""
    n = len(values)
    out = Judged([None] * n, [None] * n, [None] * n, [None] * n, [])
    for phase in range(max(phase_of, default=-1) + 1):
        rows = [i for i in range(n) if phase_of[i] == phase]
        if stock:
            out.phases.append(_judge_stock(values, rows, baseline, out))
            continue
        judged = [values[i] for i in rows if values[i] is not None]
        limits = xmr_limits(judged[:baseline]) if len(judged) >= MIN_POINTS else _none(judged)
        out.phases.append(limits)
        if limits.centre is None:
            continue
        for i, flag in zip(rows, signals([values[i] for i in rows], limits), strict=True):
            out.centre[i], out.lower[i], out.upper[i] = limits.centre, limits.lower, limits.upper
            out.signal[i] = flag if values[i] is not None else None
    return out


def _none(points: list[float | None]) -> Limits:
    return Limits(None, None, None, len(points))


def _judge_stock(values: list[float | None], rows: list[int], baseline: int, out: Judged) -> Limits:
    """One phase of a stock: XmR limits of its week-to-week changes (between consecutive judged
    points), drawn around the previous judged level."""
    steps: list[tuple[int, float, float]] = []  # (row, previous level, change)
    previous: float | None = None
    for i in rows:
        v = values[i]
        if v is None:
            continue
        if previous is not None:
            steps.append((i, previous, v - previous))
        previous = v
    if len(steps) < MIN_POINTS:
        return _none([s[2] for s in steps])
    limits = xmr_limits([s[2] for s in steps[:baseline]])
    for i, level, change in steps:
        out.centre[i] = level + limits.centre  # type: ignore[operator]
        out.lower[i] = level + limits.lower  # type: ignore[operator]
        out.upper[i] = level + limits.upper  # type: ignore[operator]
        if change > limits.upper or change < limits.lower:  # type: ignore[operator]
            out.signal[i] = BEYOND
    return limits
