"""The application layer under the three fronts: the CLI, the Python API and the dashboard (with
its report) show the same review and the same change effects, and put a designed flow on a log
by one rule."""

from __future__ import annotations

import html
import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import ticketloop
from application.effect import effect_table, periods
from application.flow import fit_designed_flow
from dashboard import texts
from dashboard.pages import PAGES
from mining.selection import Selection
from store.errors import MiningError
from store.settings import load_settings, settings_path
from tests.conftest import name_designed_flow, opened_from_a_link, rows
from ticketloop.cli import cli

PAGE = {p.module: p.script for p in PAGES}
WEEK = "2025-W16"  # the second week after the sample's knowledge-base rollout of 2025-04-07
SUNDAY = date(2025, 4, 20)  # its last day


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Path:
    """The sample with its designed flow named and its rollout in the change log."""
    db = tmp_path_factory.mktemp("desk") / "desk.duckdb"
    shutil.copy(sample_db, db)
    name_designed_flow(db)
    ticketloop.Store(db).add_change("helpdesk", "2025-04-07", "KB rollout")
    return db


def test_the_page_the_report_and_the_cli_show_the_same_change_effect(
    desk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ticketloop.Store(desk)
    effect = store.select("helpdesk").change_effect(1)
    every = effect_table(effect)
    assert every[-1]["KPI"] == "Tickets whose path fits the designed flow"  # the fit is beside
    # the review of a week reads the tickets created up to its end (its Sunday) only
    of_the_week = store.select("helpdesk", end=SUNDAY).change_effect(1)
    assert (of_the_week.after.tickets, of_the_week.after.end) == (366, SUNDAY)
    assert of_the_week.after.tickets < effect.after.tickets
    clear = effect_table(of_the_week, clear_only=True)
    assert len(clear) == 5  # Holm-corrected: the median time to resolution does not clear

    cli_json = json.loads(
        CliRunner().invoke(cli, ["change", "effect", "1", "--db", str(desk), "--json"]).output
    )
    assert [k["kpi"] for k in cli_json["kpis"]] == [k["kpi"] for k in effect.kpis]
    cli_text = CliRunner().invoke(cli, ["change", "effect", "1", "--db", str(desk)]).output
    for row in every:
        assert row["KPI"] in cli_text and row["95% interval of the difference"] in cli_text
    week_text = (
        CliRunner()
        .invoke(cli, ["change", "effect", "1", "--db", str(desk), "--to", str(SUNDAY)])
        .output
    )
    assert periods(of_the_week) in week_text
    assert "(read up to 2025-04-20: 2 of the 6 weeks asked after)" in week_text

    out = tmp_path / "review.html"
    CliRunner().invoke(cli, ["report", "--db", str(desk), "--week", WEEK, "--out", str(out)])
    document = out.read_text(encoding="utf-8")
    assert f"{len(clear)} KPIs moved clearly." in document
    for row in clear:
        assert (
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row.values()) + "</tr>"
            in document
        )

    review = opened_from_a_link(desk, monkeypatch, week=WEEK)
    assert not review.exception, review.exception
    shown = next(d.value for d in review.dataframe if "verdict" in d.value.columns)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), pd.DataFrame(clear))
    judged = sum(k["judged"] for k in of_the_week.kpis)  # one KPI of the 21 does not vary: 20
    said = " ".join(c.value for c in review.caption)
    assert judged < len(effect.kpis) and f"Verdicts corrected for the {judged} KPIs" in said
    assert f"KPI trends shows all {len(effect.kpis)}" in said  # the one not judged is named
    assert said.count(" KPIs judged together") == 1
    trends = review.switch_page(PAGE["kpi_trends"]).run()
    assert not trends.exception, trends.exception
    shown = next(d.value for d in trends.dataframe if "verdict" in d.value.columns)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), pd.DataFrame(every))


def test_the_three_fronts_refuse_a_flow_of_another_process(
    real_helpdesk_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample's designed flow named for the public Helpdesk log (2 of its 14 activities are
    the flow's): the API, the CLI and the dashboard refuse it with the one rule's words."""
    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)  # (a shared store: other tests may have cached replays)
    cached = rows(db, "SELECT count(*) FROM conformance_cache")
    name_designed_flow(db)
    settings = load_settings(settings_path(db))
    reason = fit_designed_flow(db, Selection("helpdesk"), settings).reason
    assert reason and "is not a flow of this data set's process: 14%" in reason

    with pytest.raises(MiningError) as refused:
        ticketloop.Store(db).select("helpdesk").conformance()
    assert str(refused.value) == reason

    result = CliRunner().invoke(cli, ["conformance", "--db", str(db)])
    # the hint to discover one names this store, as the command was given it
    hint = reason.replace("ticketloop discover", f"ticketloop discover --db {db}")
    assert (result.exit_code, result.output) == (1, f"error: {hint}\n")
    flow = db.with_name("designed_flow.bpmn")
    result = CliRunner().invoke(cli, ["conformance", "--db", str(db), "--model", str(flow)])
    assert result.output.startswith(f"error: the model {flow} is not a flow of this data set's")
    assert "Give a model of this process (--model), or discover one" in result.output
    # refused before any replay: nothing was cached, nothing written
    assert rows(db, "SELECT count(*) FROM conformance_cache") == cached

    out = tmp_path / "review.html"
    CliRunner().invoke(cli, ["report", "--db", str(db), "--out", str(out)])
    assert f"No conformance figures: {html.escape(reason)}." in out.read_text(encoding="utf-8")

    at = opened_from_a_link(db, monkeypatch).switch_page(PAGE["conformance"]).run()
    assert not at.exception, at.exception
    assert [w.value for w in at.warning] == [reason[:1].upper() + reason[1:] + "."]
    assert not at.metric  # no fitness shown
    assert at.subheader[0].value == texts.VARIANTS_TITLE  # the variants are still explored


def test_a_change_is_measured_on_its_own_data_set_only(desk: Path, tmp_path: Path) -> None:
    db = tmp_path / "two.duckdb"
    shutil.copy(desk, db)
    other = tmp_path / "other.csv"
    other.write_text("Case ID,Activity,Timestamp\nX1,Ticket created,2025-04-01T09:00:00Z\n")
    ticketloop.Store(db).load(other, dataset="other")
    result = CliRunner().invoke(
        cli, ["change", "effect", "1", "--dataset", "other", "--db", str(db)]
    )
    assert (result.exit_code, result.output) == (
        1,
        "error: change 1 is a change of data set 'helpdesk', not of 'other'. See this data"
        " set's: ticketloop change list --dataset other\n",
    )
    # a ticket id held by one data set of several is found without --dataset
    assert ticketloop.Store(db).ticket("HD-000017").case_id == "HD-000017"


def test_a_change_on_the_public_helpdesk_log_reads_plainly_in_the_cli_and_the_report(
    real_helpdesk_db: Path, tmp_path: Path
) -> None:
    """The CLI gives each reason a KPI is not measured once; the report of a week after the
    change says no KPI moved clearly, with no table of headers alone."""
    db = tmp_path / "desk.duckdb"
    shutil.copy(real_helpdesk_db, db)
    ticketloop.Store(db).add_change("helpdesk", "2012-01-09", "New triage rota")
    out = tmp_path / "review.html"
    CliRunner().invoke(cli, ["report", "--db", str(db), "--week", "2012-W05", "--out", str(out)])
    section = out.read_text(encoding="utf-8").split("New triage rota", 1)[1]
    assert "(read up to 2012-02-05: 4 of the 6 weeks asked after). No KPI moved clearly." in section
    assert "<th>verdict</th>" not in section
    out = CliRunner().invoke(cli, ["change", "effect", "1", "--db", str(db)]).output
    lines = [line for line in out.splitlines() if ": not measured (" in line]
    reasons = [line.split(": not measured (")[1] for line in lines]
    assert len(reasons) == len(set(reasons)) > 1
    surveys = "Customer satisfaction, Customer effort score, Net promoter score, Survey answers"
    assert f"{surveys}: not measured (no survey answers in the data set)" in lines
