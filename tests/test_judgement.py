"""Issue 18's judgements on real logs: week statuses, phases, stocks, Holm-corrected verdicts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from application.review import next_steps
from ingest.load import ingest_files
from mining.effect import holm
from mining.signals import BEYOND, judge_phases
from tests.conftest import SAMPLE
from ticketloop import Store
from ticketloop.synthetic import generate


@pytest.fixture(scope="module")
def stable(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A stable desk of 26 weeks, ~115 tickets a week, with the sample's settings."""
    folder = tmp_path_factory.mktemp("stable")
    paths = generate(3000, 11, folder, stable=True)
    ingest_files(folder / "s.duckdb", [paths["csv"]], dataset="stable")
    shutil.copy(SAMPLE / "ticketloop.toml", folder / "ticketloop.toml")
    shutil.copy(SAMPLE / "designed_flow.bpmn", folder / "designed_flow.bpmn")
    return Store(folder / "s.duckdb")


def test_a_stable_desk_flags_about_one_percent_and_no_edge_week(stable: Store) -> None:
    weekly = stable.select("stable").kpis(weekly=True).values
    judged = weekly[weekly["week_status"] == "judged"]
    flagged = weekly[weekly["signal"].notna()]
    assert len(judged) > 500
    assert len(flagged) <= 0.012 * len(judged)
    assert (flagged["week_status"] == "judged").all()
    statuses = weekly.groupby("week")["week_status"].agg(set)
    last = sorted(statuses.index)[-2:]  # W28 (no ticket created) and W29 (data ends Tuesday)
    assert all(statuses[w] <= {"partial week", "no value"} for w in last)
    first = weekly[weekly["week"] == weekly["week"].min()]
    assert first.loc[first["kpi"] == "backlog", "week_status"].item() == "warm-up"
    assert first.loc[first["kpi"] == "tickets", "week_status"].item() == "judged"


def test_an_empty_week_has_no_headline(stable: Store) -> None:
    review = stable.select("stable").review(week="2025-W28")
    assert next_steps(review) == []


def test_recording_a_second_change_leaves_the_first_phase_limits(stable: Store) -> None:
    analysis = stable.select("stable")
    first = stable.add_change("stable", "2025-03-24", "first")
    try:
        one = analysis.kpis(weekly=True).limits
        second = stable.add_change("stable", "2025-05-19", "second")
        try:
            two = analysis.kpis(weekly=True).limits
        finally:
            stable.remove_change(second)
    finally:
        stable.remove_change(first)
    for key in [(None, "fcr_rate"), (None, "ttr_median_hours"), (None, "backlog")]:
        assert len(one[key]) == 2 and len(two[key]) == 3
        assert two[key][0] == one[key][0]  # the first phase, untouched
        assert two[key][0].limits.centre is not None
    assert two[(None, "fcr_rate")][2].basis.startswith("no limits yet: ")  # 7 weeks: too few


def test_a_stock_trending_steadily_is_not_flagged_but_a_jump_is() -> None:
    level = [100.0 + 5 * i + (i % 3) for i in range(20)]
    judged = judge_phases(level, [0] * 20, baseline=12, stock=True)
    assert judged.signal == [None] * 20
    assert judge_phases(level, [0] * 20, baseline=12).signal.count(None) < 10  # as a level: flagged
    jumped = level[:15] + [v + 60 for v in level[15:]]
    assert judge_phases(jumped, [0] * 20, baseline=12, stock=True).signal[15] == BEYOND


def test_holm_steps_down_and_stops_at_the_first_it_keeps() -> None:
    assert holm([0.01, 0.04, 0.03, 0.2]) == [True, False, False, False]  # 0.03 > 0.05 / 3
    assert holm([0.001, 0.012, 0.02]) == [True, True, True]
    assert holm([0.002] * 20) == [True] * 20
    assert holm([0.003] * 20) == [False] * 20  # 0.003 > 0.05 / 20


def test_the_rollout_still_reads_better_after_the_correction(tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    ingest_files(db, [SAMPLE / "helpdesk.csv"], dataset="helpdesk")
    store = Store(db)
    effect = store.select("helpdesk").change_effect(
        store.add_change("helpdesk", "2025-04-07", "Knowledge base rollout")
    )
    for kpi in ("fcr_rate", "escalation_rate", "needless_escalation_rate"):
        assert effect.kpi(kpi)["verdict"] == "better", kpi
    assert all(0 < k["p_value"] <= 1 for k in effect.kpis)
