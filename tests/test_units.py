"""Units and messages that cannot mislead, on real files: business hours named as such and never
in days, short waits in minutes, times in the desk's zone with the zone named, a resolution time
without `Resolved` said to run to the last event, plurals, one-line errors for a report's missing
folder and a change after the data's end."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from application.format import count, duration
from ticketloop.cli import cli


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_business_hours_are_named_and_never_days() -> None:
    assert duration(56_123, business=True) == "56,123 business hours"
    assert duration(50.04, business=True) == "50.0 business hours"
    assert duration(0.1, business=True) == "6 business minutes"
    assert duration(56_123) == "2,338 days"  # calendar hours may be days
    assert duration(1 / 60) == "1 minute"
    assert count(1, "ticket") == "1 ticket"


def test_short_business_waits_print_in_minutes(sample_db: Path) -> None:
    text = run("bottlenecks", "--business-hours", "--db", str(sample_db))
    (line,) = [r for r in text.splitlines() if r.strip().startswith("Classified -> First")]
    assert line.split()[5:11] == ["571.8", "h", "8", "min", "7", "min"]
    assert " 0.1 h" not in text and " 0.0 h" not in text
    assert " d " not in text  # business hours are never days


def test_quality_examples_are_in_the_desk_zone_and_name_it(
    real_helpdesk_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)
    utc = run("quality", "--db", str(db))
    assert utc.splitlines()[0] == "data set 'helpdesk': 4,580 tickets, 21,348 events; times in UTC"
    assert "Case 1191: Take in charge ticket at 2010-02-08 15:12:00" in utc  # a whole minute
    (tmp_path / "ticketloop.toml").write_text('[calendar]\ntimezone = "Europe/Madrid"\n')
    madrid = run("quality", "--db", str(db))
    assert madrid.splitlines()[0].endswith("; times in Europe/Madrid")
    assert "Case 1191: Take in charge ticket at 2010-02-08 16:12:00" in madrid  # as `ticket` shows


def test_conformance_without_resolved_says_the_time_runs_to_the_last_event(
    real_helpdesk_db: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model.bpmn"
    run("discover", "--db", str(real_helpdesk_db), "--out", str(model))
    text = run("conformance", "--db", str(real_helpdesk_db), "--model", str(model))
    assert "time to resolution" not in text
    assert "  (Duration: first to last event (2 of 4,580 tickets have a 'Resolved' event;" in text
    assert "      duration 38.0 d vs 40.0 d" in text


def test_a_report_to_a_missing_folder_is_one_error_line(sample_db: Path) -> None:
    out = "/no/such/dir/x.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(sample_db), "--out", out])
    assert result.exit_code == 1
    assert result.output == (
        "error: --out /no/such/dir/x.html: no folder /no/such/dir. Create it, or write the review"
        " elsewhere (--out review.html)\n"
    )


def test_a_change_after_the_data_ends_is_refused(writable_sample_db: Path) -> None:
    db = str(writable_sample_db)
    late = ["change", "add", "--db", db, "--date", "2030-01-01", "--title", "KB"]
    result = CliRunner().invoke(cli, late)
    assert result.exit_code == 1
    assert result.output == (
        "error: 2030-01-01 is after the data of 'helpdesk' ends (2025-07-14): no ticket could"
        " show the change's effect. Give the date it took effect, on or before the data's end\n"
    )
    assert run("change", "list", "--db", db).startswith("No changes recorded")
    assert run("change", "add", "--db", db, "--date", "2025-07-14", "--title", "KB")


def test_the_conformance_page_says_its_times_run_to_the_last_event(
    real_helpdesk_db: Path, tmp_path: Path, monkeypatch
) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import texts
    from dashboard.pages import PAGES
    from tests.conftest import ROOT

    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)
    run("discover", "--db", str(db), "--out", str(tmp_path / "flow.bpmn"))
    (tmp_path / "ticketloop.toml").write_text('[conformance]\ndesigned_flow = "flow.bpmn"\n')
    monkeypatch.setenv("TICKETLOOP_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(next(p for p in PAGES if p.module == "conformance").script).run()
    assert not at.exception, at.exception
    how = "first to last event (2 of 4,580 tickets have a 'Resolved' event;"
    (said,) = [c.value for c in at.caption if c.value.startswith(texts.CONF_DURATION[:30])]
    assert how in said


def test_the_net_promoter_score_reads_to_one_decimal() -> None:
    from application.format import difference, kpi_value
    from mining.kpis import BY_NAME

    unit = BY_NAME["nps"].unit
    assert (kpi_value(39.714, unit), kpi_value(-4.04, unit)) == ("39.7", "-4.0")
    assert difference(1.94, unit) == "+1.9"
    assert kpi_value(5.284, BY_NAME["ces_mean"].unit) == "5.28"  # a mean of 1-7 answers keeps two


def test_a_difference_of_durations_reads_in_the_unit_of_its_values() -> None:
    """A change of 29.4 hours beside a median of 21.2 days reads in days; a row of an effect
    (before, after and its interval) keeps one unit, the one its largest value gets."""
    from application.effect import effect_table
    from application.format import difference
    from mining.effect import UNCLEAR, ChangeEffect, Period

    assert difference(29.4, "hours") == "+29.4 hours"
    assert difference(29.4, "hours", like=21.2 * 24) == "+1.2 days"
    assert difference(-0.5, "hours", like=0.8) == "-30 minutes"
    row = {"kpi": "ttr_median_hours", "before": 40.0, "after": 52.0, "difference": 12.0}
    row |= {"relative": 0.3, "ci_low": -6.0, "ci_high": 30.0, "p_value": 0.4, "verdict": UNCLEAR}
    row |= {"basis_before": 10, "basis_after": 10, "count_before": None, "count_after": None}
    before = Period(date(2025, 1, 6), date(2025, 1, 12), 1, 10, 7)
    effect = ChangeEffect(
        {}, before, Period(date(2025, 1, 13), date(2025, 1, 19), 1, 10, 7), [row], {}
    )
    (shown,) = effect_table(effect)
    assert (shown["before"], shown["after"]) == ("1.7 days", "2.2 days")
    assert shown["95% interval of the difference"] == "-0.2 days to +1.2 days"


def test_a_tile_says_its_value_and_its_move_in_one_unit(
    real_helpdesk_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Helpdesk log's 2010-W05: a median time to resolution of 24.6 hours after 9.0 days
    the week before read "24.6 hours, -8.0 days"; both are in days, the larger week's unit."""
    from tests.conftest import opened_from_a_link
    from ticketloop import Store

    db = tmp_path / "desk.duckdb"
    shutil.copy(real_helpdesk_db, db)
    Store(db).map_vocabulary("helpdesk", activities={"Resolve ticket": "Resolved"})
    review = opened_from_a_link(db, monkeypatch, week="2010-W05")
    assert not review.exception, review.exception
    (tile,) = [m for m in review.metric if m.label == "Median time to resolution"]
    assert (tile.value, tile.delta) == ("1.0 days", "-8.0 days")
