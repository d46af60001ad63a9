"""Process-behaviour (XmR) limits and signals, computed by hand."""

from __future__ import annotations

import pytest

from mining.signals import BEYOND, RUN, signals, xmr_limits


def test_limits_are_the_mean_plus_minus_2_66_mean_moving_ranges() -> None:
    limits = xmr_limits([10, 12, 11, 13])  # moving ranges 2, 1, 2: mean 5/3
    assert limits.centre == pytest.approx(11.5)
    assert limits.upper == pytest.approx(11.5 + 2.66 * 5 / 3)
    assert limits.lower == pytest.approx(11.5 - 2.66 * 5 / 3)
    assert limits.baseline_points == 4


def test_missing_points_are_skipped_and_one_point_gives_no_limits() -> None:
    assert xmr_limits([None, 5.0]).centre is None
    assert xmr_limits([1.0, None, 3.0]).centre == 2.0
    assert signals([1.0, 2.0], xmr_limits([1.0])) == [None, None]


def test_a_point_beyond_the_limits_and_a_run_of_eight_are_signals() -> None:
    limits = xmr_limits([10, 11, 10, 11, 10, 11])  # centre 10.5, limits 10.5 ± 2.66
    series = [10, 20, 11, 11, 11, 11, 11, None, 11, 11, 11, 10]
    flags = signals(series, limits)
    assert flags[1] == BEYOND
    # 1..10 are above the centre: the 8th in a row (index 9: the missing week breaks nothing)
    # and the 9th are signals, the run's earlier points not (the rule reads the run when whole)
    assert flags[2:9] == [None] * 7 and flags[9:11] == [RUN] * 2
    assert flags[0] is None and flags[11] is None


def test_seven_in_a_row_is_not_a_run() -> None:
    limits = xmr_limits([10, 11, 10, 11])
    assert signals([11] * 7 + [10], limits) == [None] * 8
