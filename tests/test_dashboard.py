"""The dashboard through Streamlit's AppTest: happy path, empty states, error state."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from application import format as fmt
from dashboard import texts
from dashboard.markdown import say, text
from dashboard.pages import PAGES
from ingest.load import ingest_files
from store.connection import open_store
from store.dataset_settings import save_dataset_settings
from tests.conftest import (
    APP,
    at,
    chart_values,
    csv_text,
    hand_made_store,
    name_designed_flow,
    opened_from_a_link,
    write,
)
from ticketloop.api import Store

OVERVIEW = next(p for p in PAGES if p.module == "overview")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch):
    """Run the app against a given store file, with fresh caches."""

    def start(db: Path) -> AppTest:
        monkeypatch.setenv("TICKETLOOP_DB", str(db))
        st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        return at

    return start


def test_overview_shows_the_sample(app, sample_db: Path) -> None:
    at = app(sample_db)
    at.switch_page(OVERVIEW.script).run()
    assert at.title[0].value == texts.OVERVIEW_TITLE
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        texts.METRIC_TICKETS: "5,000",
        texts.METRIC_EVENTS: "44,861",
        texts.METRIC_SPAN: "26 weeks",  # as the README says: tickets were created in 26 weeks
        # The export read with pandas: 373 distinct activity sequences of its tickets, and the
        # median of last event minus first is 79.8 hours.
        texts.METRIC_VARIANTS: "373",
        texts.METRIC_DURATION: "3.3 days",
    }
    assert at.selectbox(key="dataset").value == "helpdesk"
    weekly, paths = (json.loads(chart.proto.spec) for chart in at.get("plotly_chart"))
    assert weekly["layout"]["title"]["text"] == texts.CHANNEL_CHART_TITLE
    assert len(weekly["data"]) == 7  # one trace per channel
    assert sum(sum(chart_values(trace["y"])) for trace in weekly["data"]) == 5000
    assert paths["layout"]["title"]["text"] == texts.VARIANT_CHART_TITLE
    (bars,) = [trace for trace in paths["data"] if trace["type"] == "bar"]
    tickets = chart_values(bars["x"])
    assert len(tickets) == 10
    assert tickets == sorted(tickets, reverse=True)
    assert bars["y"][0] == "#1"
    assert (
        paths["layout"]["yaxis"]["autorange"]
        == paths["layout"]["yaxis2"]["autorange"]
        == "reversed"
    )


def test_no_store_yet_explains_how_to_load_data(app, tmp_path: Path) -> None:
    db = tmp_path / "missing.duckdb"
    at = app(db)
    assert at.title[0].value == texts.DATA_TITLE  # without data, `/` opens the upload page
    at.switch_page(OVERVIEW.script).run()
    assert at.info[0].value == texts.NO_DATABASE.format(db=db.resolve())
    assert not at.get("plotly_chart")
    assert not db.exists()  # looking must not create it


def test_empty_store_explains_how_to_load_data(app, tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    with open_store(db):
        pass
    at = app(db)
    at.switch_page(OVERVIEW.script).run()
    assert at.info[0].value == texts.NO_DATA


def test_unreadable_store_is_an_error_not_a_traceback(app, tmp_path: Path) -> None:
    junk = write(tmp_path / "junk.duckdb", "not a database\n" * 100)
    at = app(junk)
    at.switch_page(OVERVIEW.script).run()
    assert at.error[0].value.startswith(say(texts.STORE_PROBLEM, message=f"{junk.resolve()}: "))
    assert not at.get("plotly_chart")


def test_rejected_rows_are_shown_to_the_analyst(app, tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    path = write(
        tmp_path / "r.csv", "Case ID,Activity,Timestamp\nT1,A,2025-01-01 10:00\nT2,B,soon\n"
    )
    ingest_files(db, [path], dataset="r")
    at = app(db)
    at.switch_page(OVERVIEW.script).run()
    assert at.warning[0].value == texts.REJECTED_NOTE.format(n=1)
    assert at.expander[0].label == texts.REJECTED_EXPANDER
    shown = at.dataframe[0].value
    assert shown.to_dict("records") == [
        {
            "file": str(path),
            "row": 3,
            "reason": 'timestamp "soon" does not match ISO 8601 (column "Timestamp")',
            "raw_row": '{"Case ID":"T2","Activity":"B","Timestamp":"soon"}',
        }
    ]


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_runs_on_the_sample(app, sample_db: Path, spec) -> None:
    at = app(sample_db)
    at.switch_page(spec.script).run()
    assert not at.exception, at.exception
    assert at.title[0].value == spec.title


NON_CANONICAL = "case,step,at\n" + "".join(
    f"C{i},{step},2025-03-0{3 + (i % 2)} {9 + j}:{i % 60:02d}\n"
    for i in range(40)
    for j, step in enumerate(["Open ticket", "Work on it", "Close ticket"][: 2 + i % 2])
)


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_runs_on_a_non_canonical_log(app, tmp_path: Path, spec) -> None:
    """Labels none of ours, no channel, team, survey or level, every ticket in one week."""
    mapping = write(
        tmp_path / "m.toml", '[columns]\ncase_id = "case"\nactivity = "step"\ntimestamp = "at"\n'
    )
    from ingest.mapping import load_mapping

    db = tmp_path / "odd.duckdb"
    ingest_files(
        db,
        [write(tmp_path / "odd.csv", NON_CANONICAL)],
        dataset="odd",
        mapping=load_mapping(mapping),
    )
    at = app(db)
    at.switch_page(spec.script).run()
    assert not at.exception, at.exception
    if spec.module == "overview":
        metrics = {m.label: m.value for m in at.metric}
        assert metrics[texts.METRIC_TICKETS] == "40"
        assert metrics[texts.METRIC_SPAN] == "1 day"
        assert metrics[texts.METRIC_DURATION].endswith(("hours", "minutes"))
        assert at.info[0].value == texts.NO_CHANNELS
        weekly, paths = (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
        assert weekly["layout"]["xaxis"]["dtick"] == 7 * 86_400_000  # never sub-week ticks
        colours = {t["name"]: t["marker"]["color"] for t in paths["data"] if t["type"] == "scatter"}
        assert len(set(colours.values())) == len(colours) == 3
        assert paths["layout"]["yaxis"]["categoryarray"][0] == "#1"
    assert texts.FILTER_ABSENT.format(names="channel, priority, team, category, support level") in [
        c.value for c in at.sidebar.caption
    ]


def test_overview_numbers_equal_the_cli(app, sample_db: Path) -> None:

    doc = Store(sample_db).datasets()[0]
    at = app(sample_db)
    at.switch_page(OVERVIEW.script).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[texts.METRIC_TICKETS] == f"{doc['cases']:,}"
    assert metrics[texts.METRIC_EVENTS] == f"{doc['events']:,}"


def test_url_filters_drive_the_selection(app, sample_db: Path, monkeypatch) -> None:
    at = opened_from_a_link(sample_db, monkeypatch, channel="phone")
    at.switch_page(OVERVIEW.script).run()
    assert at.multiselect(key="filter_channel").value == ["phone"]
    tickets = int(at.metric[0].value.replace(",", ""))
    assert 0 < tickets < 5000
    at.multiselect(key="filter_channel").set_value([]).run()
    assert at.metric[0].value == "5,000"


def test_a_link_to_a_data_set_the_store_lacks_says_so(app, sample_db: Path, monkeypatch) -> None:
    at = opened_from_a_link(sample_db, monkeypatch, dataset="nosuch")
    assert not at.exception, at.exception
    assert [w.value for w in at.sidebar.warning] == [
        texts.DATASET_UNKNOWN.format(name="nosuch", shown="helpdesk")
    ]


def test_rename_and_delete_on_the_data_page(app, writable_sample_db: Path) -> None:
    at = app(writable_sample_db)
    at.switch_page("views/data.py").run()
    at.text_input(key="rename_to").set_value("desk").run()
    at.button(key="rename").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="dataset").value == "desk"
    at.button(key="delete").click().run()
    assert at.warning[0].value.startswith("Delete data set 'desk'")
    at.button(key="delete_yes").click().run()
    assert not at.exception, at.exception
    assert at.info[0].value.startswith("No data yet")


PROCESS_MAP = next(p for p in PAGES if p.module == "process_map")


def _map_chart(at: AppTest) -> dict:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(s for s in specs if s["layout"]["title"]["text"] == texts.MAP_CHART_TITLE)


def test_process_map_shows_every_directly_follows_edge(app, sample_db: Path) -> None:
    from mining.dfg import directly_follows
    from mining.selection import Selection

    with open_store(sample_db, read_only=True) as con:
        dfg = directly_follows(con, Selection("helpdesk"))
    at = app(sample_db)
    at.switch_page(PROCESS_MAP.script).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    edges = len(dfg.edges)
    assert metrics[texts.MAP_METRIC_EDGES] == f"{edges} of {edges}"
    chart = _map_chart(at)
    nodes, mids = chart["data"][-2], chart["data"][-1]
    assert len(mids["customdata"]) == edges
    activities = set(dfg.edges["source"]) | set(dfg.edges["target"])
    assert {c[0] for c in nodes["customdata"]} == activities
    assert texts.DESIGN_NONE in [i.value for i in at.info]  # no designed flow in this store
    at.slider(key="map_paths").set_value(0).run()
    fewer = {m.label: m.value for m in at.metric}[texts.MAP_METRIC_EDGES]
    assert int(fewer.split()[0]) < edges


def test_a_tangled_process_map_opens_on_its_busiest_paths(app, real_helpdesk_db: Path) -> None:
    from dashboard.views.process_map import READABLE_EDGES, readable_share

    assert (readable_share(37), readable_share(50), readable_share(125)) == (100, 100, 40)
    at = app(real_helpdesk_db)
    at.switch_page(PROCESS_MAP.script).run()
    assert not at.exception, at.exception
    assert at.slider(key="map_paths").value == 95  # 55 paths: 95% of them, about 50
    shown, total = {m.label: m.value for m in at.metric}[texts.MAP_METRIC_EDGES].split(" of ")
    assert int(total) == 55 and READABLE_EDGES <= int(shown) <= 55  # with each busiest in, out
    at.slider(key="map_paths").set_value(100).run()
    assert {m.label: m.value for m in at.metric}[texts.MAP_METRIC_EDGES] == "55 of 55"


def test_process_map_marks_paths_the_design_lacks(app, writable_sample_db: Path) -> None:

    name_designed_flow(writable_sample_db)
    at = app(writable_sample_db)
    at.switch_page(PROCESS_MAP.script).run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[texts.MAP_METRIC_UNDESIGNED] == str(len(shown)) != "0"
    assert ("Ticket created", "Assigned") not in set(
        zip(shown["source"], shown["target"], strict=True)
    )
    red = [m for m in _map_chart(at)["data"][-1]["marker"]["color"] if m == "#d62728"]
    assert len(red) == len(shown)


CONFORMANCE = next(p for p in PAGES if p.module == "conformance")


def test_conformance_page_shows_the_fitness_check_conformance_gives(
    app, writable_sample_db: Path
) -> None:
    from dataclasses import replace

    from mining.conformance import check_conformance
    from mining.selection import Selection

    accepted = ("skipped: Classified",)
    flow = name_designed_flow(writable_sample_db, accepted)
    store = Store(writable_sample_db)
    settings = store.settings_of("helpdesk")  # the desk's clock: Madrid, its own setting
    calendar = replace(settings.calendar, timezone="Europe/Madrid")
    with open_store(writable_sample_db) as con:
        thin = replace(settings, calendar=calendar, min_answers=100)  # for the CSAT gaps below
        save_dataset_settings(con, "helpdesk", thin, store.config)
    at = app(writable_sample_db)
    at.switch_page(CONFORMANCE.script).run()
    assert not at.exception, at.exception
    result = check_conformance(
        writable_sample_db, Selection("helpdesk"), model=flow, accepted=accepted
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[texts.CONF_FITNESS] == f"{result.log_fitness:.1%}"
    assert metrics[texts.CONF_FITTING] == f"{result.fitting_ticket_share:.1%}"
    assert metrics[texts.CONF_DEVIATIONS] == str(len(result.deviations))
    ranked = at.dataframe[0].value
    known = ranked["cost_hours"].dropna().tolist()  # unknown costs (none resolved) come last
    assert known == sorted(known, reverse=True)
    assert ranked["cost_hours"].isna().tolist() == [False] * len(known) + [True] * (
        len(ranked) - len(known)
    )
    assert "skipped: Classified" not in set(ranked["deviation"])
    # a CSAT gap only on [kpis] min_answers answers (here 100) or more
    few = ranked["csat_answers_affected"] < 100
    assert ranked.loc[few & (ranked["csat_answers_affected"] > 0), "csat_gap"].isna().sum() >= 3
    assert ranked.loc[few, "csat_gap"].isna().all() and ranked.loc[~few, "csat_gap"].notna().all()
    assert list(at.dataframe[1].value["deviation"]) == ["skipped: Classified"]
    timeline = at.dataframe[2].value
    assert timeline["step"].tolist() == list(range(1, len(timeline) + 1))
    # in the settings' time zone and levels as the CLI writes them

    ticket = Store(writable_sample_db).ticket(at.selectbox(key="conf_ticket").value)
    first = ticket.events.iloc[0]["ts"].tz_convert("Europe/Madrid")
    assert timeline["ts"].iloc[0] == f"{first:%Y-%m-%d %H:%M}"
    assert set(timeline["level"].dropna()) <= {"L1", "L2", "L3"}


def test_conformance_page_without_a_design_still_explores_variants(app, sample_db: Path) -> None:
    at = app(sample_db)
    at.switch_page(CONFORMANCE.script).run()
    assert not at.exception, at.exception
    assert at.info[0].value == texts.DESIGN_NONE
    assert at.subheader[0].value == texts.VARIANTS_TITLE


def test_a_flow_of_another_process_is_not_compared_with_the_log(
    app, real_helpdesk_db: Path, tmp_path: Path
) -> None:
    """The sample's flow named in the settings of a store holding the public Helpdesk log (2 of
    its 14 activities are the flow's): the map marks no path as lacking from it, the
    conformance page says the flow is not this process's and still explores the variants, and
    the weekly review ranks no deviation."""
    import shutil

    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)
    name_designed_flow(db)
    at = app(db)
    at.switch_page(PROCESS_MAP.script).run()
    assert not at.exception, at.exception
    assert texts.MAP_METRIC_UNDESIGNED not in {m.label for m in at.metric}
    assert texts.DESIGN_NO_MATCH in [i.value for i in at.info]
    at.switch_page(CONFORMANCE.script).run()
    assert not at.exception, at.exception
    assert at.warning[0].value.startswith("The designed flow designed_flow.bpmn is not a flow")
    assert "Settings page" in at.warning[0].value and not at.metric
    assert at.subheader[0].value == texts.VARIANTS_TITLE
    at.switch_page(REVIEW.script).run()
    assert not at.exception, at.exception
    assert any(w.value.startswith("The designed flow") for w in at.warning)


ESCALATIONS = next(p for p in PAGES if p.module == "escalations")


def test_escalations_page_shows_the_numbers_escalations_gives(app, sample_db: Path) -> None:
    from mining.escalations import escalations, level_funnel, team_handovers
    from mining.selection import Selection

    with open_store(sample_db, read_only=True) as con:
        result = escalations(con, Selection("helpdesk"))
        funnel = level_funnel(con, Selection("helpdesk"))
        handovers = team_handovers(con, Selection("helpdesk"))
    at = app(sample_db)
    at.switch_page(ESCALATIONS.script).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[texts.ESC_METRIC_ESCALATED] == f"{result.escalated_tickets:,}"
    assert metrics[texts.ESC_METRIC_NEEDLESS] == f"{result.needless_escalation_tickets:,}"
    assert metrics[texts.ESC_METRIC_PING_PONG] == f"{result.ping_pong_tickets:,}"
    charts = {
        json.loads(c.proto.spec)["layout"]["title"].get("text", ""): json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
    }
    shown = chart_values(charts[texts.ESC_FUNNEL_TITLE]["data"][0]["x"])
    assert shown == funnel["tickets"].tolist()
    assert shown[:2] == sorted(shown[:2], reverse=True)
    (sankey,) = [c for c in charts.values() if c["data"][0]["type"] == "sankey"]
    assert sum(chart_values(sankey["data"][0]["link"]["value"])) == handovers["handovers"].sum()
    # by team escalated to, every ticket is an escalated one: no column of its tickets apart
    (teams,) = [d.value for d in at.dataframe if "bounce_back_tickets" in d.value.columns]
    assert "tickets" not in teams.columns
    assert teams["escalated_tickets"].sum() == result.by("team")["escalated_tickets"].sum()
    at.radio(key="esc_breakdown").set_value("category").run()
    (categories,) = [d.value for d in at.dataframe if "bounce_back_tickets" in d.value.columns]
    assert (categories["tickets"] >= categories["escalated_tickets"]).all()


def test_escalations_page_says_what_a_plain_log_lacks(app, tmp_path: Path) -> None:
    db = tmp_path / "plain.duckdb"
    ingest_files(
        db,
        [write(tmp_path / "p.csv", "Case ID,Activity,Timestamp\nT1,A,2025-01-01 10:00\n")],
        dataset="p",
    )
    at = app(db)
    at.switch_page(ESCALATIONS.script).run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [texts.ESC_NOTHING]


REVIEW = next(p for p in PAGES if p.module == "weekly_review")


def test_weekly_review_is_the_landing_page_and_matches_the_kpis(app, sample_db: Path) -> None:
    from application import format as fmt
    from application.review import build_review
    from mining.kpis import BY_NAME, compute_kpis
    from mining.selection import Selection
    from store.settings import Settings

    at = app(sample_db)
    assert at.title[0].value == texts.REVIEW_TITLE  # `/` opens the review once there is data
    with open_store(sample_db, read_only=True) as con:
        review = build_review(con, Selection("helpdesk"), Settings())
        weekly = compute_kpis(con, Selection("helpdesk"), Settings(), weekly=True).values
    rows = weekly[(weekly["week"] == review.week) & weekly["group"].isna()]
    metrics = {m.label: m.value for m in at.metric}
    for name in ("ttr_median_hours", "frt_median_hours", "escalation_rate"):
        kpi = BY_NAME[name]
        value = rows[rows["kpi"] == name]["value"].iloc[0]
        label = kpi.meaning[:1].upper() + kpi.meaning[1:]
        assert metrics[label] == fmt.kpi_value(value, kpi.unit)
    assert at.caption[0].value.startswith(f"Week {review.week:%G-W%V}")
    # what to look at next: each bullet coloured as its words read (green better, red worse)
    from application.review import next_steps

    colours = {"better": "green", "worse": "red"}
    bullets = [f"- :{colours.get(s.reading, 'gray')}[{s.text}]" for s in next_steps(review)]
    assert bullets and "\n".join(bullets) in [m.value for m in at.markdown]
    # its top bottlenecks leave the waits after resolution out, in the report's words
    from dashboard.report import left_out_waits

    assert left_out_waits(review) in [c.value for c in at.caption]
    assert "Resolved → Closed" not in list(
        review.transitions["from_activity"] + " → " + review.transitions["to_activity"]
    )
    assert at.get("download_button")
    assert any(i.value.startswith("No process change recorded in the 12 weeks") for i in at.info)


def test_the_weekly_review_ranks_the_costliest_deviations(app, writable_sample_db: Path) -> None:
    from mining.conformance import check_conformance, deviation_costs
    from mining.selection import Selection

    at = app(writable_sample_db)
    assert texts.DESIGN_NONE in [i.value for i in at.info]  # no design yet: said in one line
    accepted = ("skipped: Classified",)
    flow = name_designed_flow(writable_sample_db, accepted)
    at = app(writable_sample_db)
    assert not at.exception, at.exception
    result = check_conformance(
        writable_sample_db, Selection("helpdesk"), model=flow, accepted=accepted
    )
    ranked = deviation_costs(result.deviations)
    expected = ranked[~ranked["accepted"]].head(5)
    shown = next(d.value for d in at.dataframe if "deviation" in d.value.columns)
    assert list(shown["deviation"]) == list(expected["deviation"])
    assert list(shown["tickets"]) == list(expected["tickets"])
    assert "skipped: Classified" not in set(shown["deviation"])


def test_the_weekly_review_follows_the_picked_week(app, writable_sample_db: Path) -> None:
    from application import format as fmt
    from application.review import build_review, iso_week
    from mining.kpis import BY_NAME
    from mining.selection import Selection
    from store.settings import Settings

    Store(writable_sample_db).add_change("helpdesk", "2025-04-07", "Knowledge base rollout")
    at = app(writable_sample_db)
    picker = at.selectbox(key="review_week")
    with open_store(writable_sample_db, read_only=True) as con:
        last = build_review(con, Selection("helpdesk"), Settings())
        picked = build_review(con, Selection("helpdesk"), Settings(), week="2025-W16")
    assert picker.value == iso_week(last.week)  # the last complete week by default
    assert picker.options[0] == iso_week(last.week) + texts.REVIEW_PICK_DEFAULT  # latest first
    assert "2025-W16" in picker.options
    at.selectbox(key="review_week").set_value("2025-W10").run()  # before the rollout
    (none,) = [i.value for i in at.info if i.value.startswith("No process change recorded")]
    assert "comes after it: the review of 2025-W15 or a later week measures its effect." in none
    at.selectbox(key="review_week").set_value("2025-W16").run()
    assert not at.exception, at.exception
    assert at.caption[0].value.startswith("Week 2025-W16: 14 Apr to 20 Apr 2025")
    (download,) = at.get("download_button")
    assert download.proto.label == texts.REVIEW_DOWNLOAD.format(week="2025-W16")
    rows = picked.weekly.values
    rows = rows[(rows["week"] == picked.week) & rows["group"].isna()]
    metrics = {m.label: m.value for m in at.metric}
    for name in ("ttr_median_hours", "escalation_rate"):
        kpi = BY_NAME[name]
        label = kpi.meaning[:1].upper() + kpi.meaning[1:]
        value = rows[rows["kpi"] == name]["value"].iloc[0]
        assert metrics[label] == fmt.kpi_value(value, kpi.unit)
    # the rollout of 7 April is within 12 weeks of this week: its effect, as the command measures
    assert any("Knowledge base rollout" in m.value for m in at.markdown)
    assert [e.change["title"] for e in picked.effects] == ["Knowledge base rollout"]
    assert at.query_params["week"] == "2025-W16"  # in the URL, for a link to this review


def test_a_link_with_a_week_opens_its_review(app, sample_db: Path, monkeypatch) -> None:
    at = opened_from_a_link(sample_db, monkeypatch, week="2025-W16", channel="phone")
    assert not at.exception, at.exception
    assert at.selectbox(key="review_week").value == "2025-W16"
    assert at.caption[0].value.startswith("Week 2025-W16: 14 Apr to 20 Apr 2025")
    assert (at.query_params["week"], at.query_params["channel"]) == ("2025-W16", "phone")
    assert not [w for w in at.warning if w.value.startswith("The link names")]  # it has data


@pytest.mark.parametrize("week", ["2024-W10", "garbage"])
def test_a_link_with_a_week_of_no_data_says_so(sample_db: Path, monkeypatch, week: str) -> None:
    """It showed the last complete week as if it were the one linked."""
    at = opened_from_a_link(sample_db, monkeypatch, week=week)
    assert not at.exception, at.exception
    said = say(texts.REVIEW_LINKED_WEEK, week=week, first="2025-W02", last="2025-W27")
    assert said in [w.value for w in at.warning]
    assert at.selectbox(key="review_week").value == "2025-W27"


SETTINGS = next(p for p in PAGES if p.module == "settings")


def test_the_change_log_on_the_settings_page(app, writable_sample_db: Path) -> None:
    from datetime import date

    at = app(writable_sample_db)
    at.switch_page(SETTINGS.script).run()
    assert texts.CHANGE_LOG_EMPTY in [i.value for i in at.info]
    at.button(key="FormSubmitter:change_add-" + texts.CHANGE_ADD).click().run()
    assert [e.value for e in at.error] == [texts.CHANGE_NEEDS]  # no date, no title: refused
    at.date_input(key="change_date").set_value(date(2025, 4, 7))
    at.text_input(key="change_title").set_value("Knowledge base rollout")
    at.button(key="FormSubmitter:change_add-" + texts.CHANGE_ADD).click().run()
    assert not at.exception, at.exception
    (change,) = Store(writable_sample_db).changes("helpdesk")
    assert (change["date"], change["title"]) == ("2025-04-07", "Knowledge base rollout")
    assert at.success[0].value == texts.CHANGE_ADDED.format(
        title="Knowledge base rollout", date=date(2025, 4, 7)
    )
    # the form is empty again, and the same change twice is refused
    assert (
        at.text_input(key="change_title").value == ""
        and at.date_input(key="change_date").value is None
    )
    at.date_input(key="change_date").set_value(date(2025, 4, 7))
    at.text_input(key="change_title").set_value("Knowledge base rollout")
    at.button(key="FormSubmitter:change_add-" + texts.CHANGE_ADD).click().run()
    assert "is already 'Knowledge base rollout' on 2025-04-07" in at.error[0].value
    assert len(Store(writable_sample_db).changes("helpdesk")) == 1
    at.switch_page(TRENDS.script).run()  # the KPI pages see it at once
    assert texts.TRENDS_NO_CHANGES not in [i.value for i in at.info]
    at.switch_page(SETTINGS.script).run()
    at.button(key="change_remove").click().run()
    assert not Store(writable_sample_db).changes("helpdesk")
    assert texts.CHANGE_LOG_EMPTY in [i.value for i in at.info]


def test_the_settings_page_saves_what_it_shows_and_refuses_bad_values(
    app, writable_sample_db: Path
) -> None:
    from store.settings import settings_path

    path = settings_path(writable_sample_db)
    path.write_text("[kpis]\nbaseline_weeks = 8\n", encoding="utf-8")
    before_file = path.read_text(encoding="utf-8")
    at = app(writable_sample_db)
    at.switch_page(SETTINGS.script).run()
    # the SLA table's columns in words, not first_response_hours and resolution_hours
    (sla,) = [t for t in at.dataframe if "resolution_hours" in t.value.columns]
    labels = {k: c.get("label") for k, c in json.loads(sla.proto.columns).items()}
    assert (labels["first_response_hours"], labels["resolution_hours"]) == (
        texts.SLA_FIRST_RESPONSE,
        texts.SLA_RESOLUTION,
    )
    save = "FormSubmitter:settings_form-" + texts.SETTINGS_SAVE
    at.text_area(key="set_deviations").set_value("skipped: Classified")
    at.radio(key="set_method").set_value("alignments")
    at.button(key=save).click().run()
    assert not at.exception, at.exception
    assert texts.SETTINGS_SAVED.format(dataset="helpdesk") in [s.value for s in at.success]
    shown = Store(writable_sample_db).dataset_settings("helpdesk")
    saved, sources = shown.settings, shown.sources
    assert saved.accepted_deviations == ("skipped: Classified",)
    assert saved.conformance_method == "alignments"
    assert saved.baseline_weeks == 8  # what the page does not show is kept
    assert sources["conformance.method"] == "data set"  # kept in the store, with the data set
    assert sources["kpis.baseline_weeks"] == str(path)  # still the defaults file's
    assert path.read_text(encoding="utf-8") == before_file  # the defaults are not written
    at.text_area(key="set_deviations").set_value("everything is fine")
    at.button(key=save).click().run()
    (error,) = [e.value for e in at.error]
    assert error.startswith(
        say(texts.SETTINGS_REFUSED, message="[conformance] accepted_deviations has 'everything")
    )
    assert Store(writable_sample_db).settings_of("helpdesk") == saved


TRENDS = next(p for p in PAGES if p.module == "kpi_trends")


def test_kpi_trends_draw_every_kpi_with_its_limits(app, sample_db: Path) -> None:
    from mining.kpis import KPIS, compute_kpis
    from mining.selection import Selection
    from store.settings import Settings

    at = app(sample_db)
    at.switch_page(TRENDS.script).run()
    assert not at.exception, at.exception
    charts = {
        json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
    }
    assert len(charts) == len(KPIS) - 1  # every KPI but the ticket count: the sample has all
    # named in words, a time with the unit its axis is drawn in
    ttr = charts["Median time to resolution (hours)<br><sup>lower is better</sup>"]
    assert charts["First-contact resolution<br><sup>higher is better</sup>"]
    with open_store(sample_db, read_only=True) as con:
        weekly = compute_kpis(con, Selection("helpdesk"), Settings(), weekly=True).values
    rows = weekly[(weekly["kpi"] == "ttr_median_hours")].sort_values("week")
    line = next(t for t in ttr["data"] if t["name"] == "weekly")
    drawn = chart_values(line["y"])
    assert drawn[0] == pytest.approx(rows["value"].iloc[0])
    assert drawn[-1] == pytest.approx(rows["value"].iloc[len(drawn) - 1])
    limits = next(t for t in ttr["data"] if t["name"] == "limits")
    assert limits["line"]["shape"] == "hv"  # a step at each change, not a slope across it
    assert ttr["layout"]["yaxis"]["ticksuffix"] == " h"  # medians under two days: hours
    assert texts.TRENDS_NO_CHANGES in [i.value for i in at.info]


def test_kpi_trends_say_why_a_chart_has_no_signal(app, tmp_path: Path) -> None:
    """Three weeks of tickets: no limits yet, said so, rather than 'within the usual noise'."""
    from mining.signals import MIN_POINTS

    rows = [
        (f"T{w}{n}", step, at(24 * 7 * w + n + hours), None, None)
        for w in range(3)
        for n in range(30)
        for hours, step in ((0, "Ticket created"), (2, "Resolved"))
    ]
    page = app(
        hand_made_store(tmp_path, csv_text("case_id,activity,timestamp,resource,team", rows))
    )
    page.switch_page(TRENDS.script).run()
    assert not page.exception, page.exception
    said = [c.value for c in page.caption]
    assert texts.TRENDS_NO_LIMITS.format(n=MIN_POINTS) in said
    assert texts.TRENDS_NO_SIGNAL not in said


def test_kpi_trends_say_what_a_log_cannot_give(app, real_helpdesk_db: Path) -> None:
    at = app(real_helpdesk_db)
    at.switch_page(TRENDS.script).run()
    assert not at.exception, at.exception
    (block,) = [i.value for i in at.info if i.value.startswith("Not computed")]
    reasons = block.splitlines()[1:]  # a bullet per reason: the KPIs it keeps out, then why
    assert all(r.startswith("- ") for r in reasons) and len(reasons) >= 4
    # the reason as text, the activity it names as code (no backticks shown)
    said = "- " + text("Escalated tickets, needless escalations: no ") + "`Escalated`"
    assert any(r.startswith(said) for r in reasons)
    assert any(
        r.startswith("- Customer satisfaction") and "no survey answers" in r for r in reasons
    )
    # four years from a cold start: the drift of handoffs shows as signals (each from the 8th
    # week of a run), not most weeks; the backlog, a stock judged on its week-to-week change,
    # does not flag its trend
    assert not [c.value for c in at.caption if c.value.startswith(":orange[")]
    assert "29 weeks flagged as signals" in " ".join(c.value for c in at.caption)
    # each direction of signal its own legend entry, in its colour
    signals = [
        (t["name"], t["marker"]["color"])
        for c in at.get("plotly_chart")
        for t in json.loads(c.proto.spec)["data"]
        if t["name"].startswith("signal")
    ]
    assert {"signal, better", "signal, worse"} <= {name for name, _ in signals}
    assert {(n, c) for n, c in signals} <= {
        ("signal, better", "#2ca02c"),
        ("signal, worse", "#d62728"),
    }


BOTTLENECKS = next(p for p in PAGES if p.module == "bottlenecks")


def test_bottlenecks_rank_transitions_as_mining_does(app, sample_db: Path) -> None:
    from application import format as fmt
    from mining.bottlenecks import bottlenecks
    from mining.selection import Selection

    at = app(sample_db)
    at.switch_page(BOTTLENECKS.script).run()
    assert not at.exception, at.exception
    with open_store(sample_db, read_only=True) as con:
        found = bottlenecks(con, Selection("helpdesk"))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[texts.METRIC_WAITING] == fmt.duration(found.waiting_hours)
    charts = {
        json.loads(c.proto.spec)["layout"].get("title", {}).get("text"): json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
    }
    (bars,) = charts[texts.BOTTLENECKS_TRANSITIONS]["data"]
    top = found.transitions.nlargest(15, "total_hours")
    assert chart_values(bars["x"])[0] == pytest.approx(top["total_hours"].iloc[0] / 24)
    # the waits after resolution are left out, said in one line, and back when ticked
    assert bars["y"][0] == "Assigned → Investigation"
    left_out = fmt.after_resolution_note(found.after_resolution, arrow="→")
    assert texts.BOTTLENECKS_LEFT_OUT.format(note=left_out) in [c.value for c in at.caption]
    at.checkbox(key="bottlenecks_after_resolution").check().run()
    assert not at.exception, at.exception
    (bars,) = [
        json.loads(c.proto.spec)["data"][0]
        for c in at.get("plotly_chart")
        if "bottleneck_transitions" in c.proto.id
    ]
    assert bars["y"][:2] == ["Resolved → Closed", "Closed → Survey answered"]
    assert not any(c.value.startswith("Waits after resolution") for c in at.caption)
    at.checkbox(key="bottlenecks_after_resolution").uncheck().run()
    # team queues: a row per team with a wait; one whose assignments nobody acted on is only
    # named in the caption below, not drawn as an empty row
    queue_chart = next(
        json.loads(c.proto.spec) for c in at.get("plotly_chart") if "team_queues" in c.proto.id
    )
    drawn = set(queue_chart["data"][-1]["y"])
    waited = found.team_queues[found.team_queues["median_hours"].notna()]
    assert drawn == set(waited["team"]) and len(drawn) < len(found.team_queues)
    at.toggle(key="bottlenecks_business").set_value(True).run()
    assert not at.exception, at.exception
    assert "business hours" in at.caption[0].value
    waiting = at.metric[0].value  # business hours named so, never divided by 24 into days
    assert waiting.endswith(" business hours") and "days" not in waiting


def test_bottlenecks_on_a_log_without_teams_or_requests(app, real_helpdesk_db: Path) -> None:
    at = app(real_helpdesk_db)
    at.switch_page(BOTTLENECKS.script).run()
    assert not at.exception, at.exception
    infos = [i.value for i in at.info]
    assert texts.NO_TEAMS in infos and texts.NO_CUSTOMER_WAITS in infos
    # the heatmaps' hours are the calendar's: its zone is named
    assert texts.ARRIVALS_ZONE.format(zone="UTC") in [c.value for c in at.caption]
    # it resolves with "Resolve ticket": the two stray `Resolved` of 4,580 tickets are said so,
    # with what is not read, and the label to map (as text, the activity as code), as the CLI
    # says it
    assert (
        "Resolutions are not read (by weekday and hour, and which waits come after them): only 2"
        " `Resolved` events for 4,580 tickets in the data set: the log records it otherwise"
        r' (map its label on the Data page, or with ticketloop map: \[activities\] "Resolve'
        ' ticket" = "Resolved").'
    ) in infos


def test_bottlenecks_show_who_pauses_on_a_log_without_replies(app, tmp_path: Path) -> None:
    from tests.test_pauses import HEADER, LOG

    db = hand_made_store(tmp_path, csv_text(HEADER, LOG))
    at = app(db)
    at.switch_page(BOTTLENECKS.script).run()
    assert not at.exception, at.exception
    assert texts.PAUSES in [s.value for s in at.subheader]
    assert texts.NO_CUSTOMER_WAITS not in [i.value for i in at.info]
    # the waiting for the customer is the pauses' (not n/a beside them), apart from the rest
    from mining.pauses import pauses
    from mining.selection import Selection

    with open_store(db, read_only=True) as con:
        paused = pauses(con, Selection("t"))
    metrics = {m.label: (m.value, m.help) for m in at.metric}
    assert metrics[texts.METRIC_CUSTOMER][0].startswith(fmt.duration(paused.total_hours))
    assert metrics[texts.METRIC_CUSTOMER][1] == texts.PAUSED_HELP
    assert texts.METRIC_INTERNAL in metrics
    tables = {frame.value.columns[0]: frame.value for frame in at.dataframe}
    assert list(tables["team"]["team"]) == ["L1", "L2"]
    # ten columns each: the page's width, not half of it in a column
    assert not [f for column in at.columns for f in column.dataframe]
    assert list(tables["team"]["pauses"]) == [3, 2]
    assert list(tables["agent"]["agent"]) == ["ann", "cy"]
    # worded as the CLI words it: named columns, the share in percent
    (shown,) = [f for f in at.dataframe if f.value.columns[0] == "team"]
    assert shown.proto.columns  # a column configuration was sent
    config = json.loads(shown.proto.columns)
    assert (config["share"]["label"], config["share"]["type_config"]["format"]) == (
        "of handled",
        "%.1f%%",
    )
    assert tables["team"]["share"].max() <= 100 and tables["team"]["share"].max() > 1


def test_bottlenecks_name_the_activity_durations_columns(app, tmp_path: Path) -> None:
    """A log with start and complete events: how long activities take, in words."""
    from mining.bottlenecks import bottlenecks
    from mining.selection import Selection
    from tests.test_lifecycle import HEADER, LOG

    db = hand_made_store(tmp_path, csv_text(HEADER, LOG))
    with open_store(db, read_only=True) as con:
        durations = bottlenecks(con, Selection("t")).activity_durations
    page = app(db)
    page.switch_page(BOTTLENECKS.script).run()
    assert not page.exception, page.exception
    (shown,) = [f for f in page.dataframe if "pairs" in f.value.columns]
    config = json.loads(shown.proto.columns)
    assert [config[c]["label"] for c in ("pairs", "unpaired", "total_hours")] == [
        "timed",
        "not timed",
        "total hours",
    ]
    # the times in the unit their largest reads in; only timed activities in the table, the
    # others named below it
    timed = durations[durations["pairs"] > 0]
    unit = "minutes" if timed["p90_hours"].max() < 1 else "hours"
    labels = [config[c]["label"] for c in ("mean_hours", "median_hours", "p90_hours")]
    assert labels == [f"mean {unit}", f"median {unit}", f"90th percentile {unit}"]
    assert list(shown.value["activity"]) == list(timed["activity"])
    untimed = [c.value for c in page.caption if c.value.startswith("Completed without a start")]
    never = durations[durations["pairs"] == 0]
    assert len(never) == 2  # A and D: complete events alone
    named = ", ".join(
        f"{a} ({n})" for a, n in zip(never["activity"], never["unpaired"], strict=True)
    )
    assert untimed == [texts.ACTIVITY_UNTIMED.format(activities=named)]


def test_an_empty_half_of_the_arrivals_heatmap_is_drawn_blank() -> None:
    """No `Resolved` event: the resolutions' grid of zeros starts its scale at zero (a constant
    grid would otherwise fill with the scale's middle colour)."""
    import pandas as pd

    from dashboard import charts

    arrivals = pd.DataFrame(
        {"weekday": [1, 2], "hour": [9, 10], "arrivals": [5, 3], "resolutions": [0, 0]}
    )
    created, resolved = charts.arrival_heatmaps(arrivals, ("in", "out")).data
    assert (created.zmin, created.zmax) == (0, 5)
    assert (resolved.zmin, resolved.zmax) == (0, 1)


def test_the_settings_file_given_to_the_dashboard_is_the_one_it_reads(
    app, sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ticketloop dashboard --config FILE` passes FILE on as $TICKETLOOP_CONFIG."""
    config = tmp_path / "desk.toml"
    config.write_text('[calendar]\ntimezone = "Asia/Tokyo"\n', encoding="utf-8")
    monkeypatch.setenv("TICKETLOOP_CONFIG", str(config))
    at = app(sample_db)
    at.switch_page(SETTINGS.script).run()
    defaults = texts.SETTINGS_DEFAULTS_FILE.format(path=config.resolve())
    assert at.caption[0].value == texts.SETTINGS_INTRO.format(dataset="helpdesk", defaults=defaults)
    assert at.text_input(key="set_timezone").value == "Asia/Tokyo"


def test_the_dashboard_reads_share_the_open_store_and_let_go_of_it(
    writable_sample_db: Path,
) -> None:
    """A page's reads share one open store (dashboard/data.py); it is closed KEEP_OPEN_S after
    the last one, so another writer gets in, and at once when the dashboard itself writes."""
    from datetime import date

    from dashboard import data
    from store.errors import StoreError

    path = writable_sample_db.resolve()
    assert data.datasets(path, data.db_version(path))[0]["name"] == "helpdesk"
    busy = pytest.raises(StoreError, match="in use by this process")
    with busy, open_store(path, wait_s=0):  # still open for the page's next read
        pass
    data.add_change(path, "helpdesk", date(2025, 4, 7), "Rollout", None)  # lets go to write
    assert data.changes(path, data.db_version(path), "helpdesk")[0]["title"] == "Rollout"
    time.sleep(data.KEEP_OPEN_S + 0.5)
    with open_store(path, wait_s=0) as con:  # closed by then
        assert con.execute("SELECT count(*) FROM changes").fetchall()[0][0] == 1


def test_kpi_trends_read_signals_after_a_recorded_change_as_its_effect(
    app, real_helpdesk_db: Path, tmp_path: Path
) -> None:
    """A recorded change starts a phase: the chart's limits before it are its first phase's,
    after it those of the phase it starts."""
    import shutil

    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)
    Store(db).add_change("helpdesk", "2011-01-03", "New intake")
    at = app(db)
    at.switch_page(TRENDS.script).run()
    assert not at.exception, at.exception
    handoffs = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Handoffs<br>")
    )
    centre = next(t for t in handoffs["data"] if t["name"] == "centre")
    levels = {
        (str(w) >= "2011-01-03", round(v, 6))
        for w, v in zip(chart_values(centre["x"]), chart_values(centre["y"]), strict=True)
        if v is not None and v == v
    }
    # a phase each side of the change, each with a centre line of its own
    assert {after for after, _ in levels} == {False, True} and len(levels) == 2


def test_the_conformance_page_with_exactly_one_variant(app, tmp_path: Path) -> None:
    """Two tickets of the same path: the variant explorer shows it without a slider (a slider
    from 1 to 1 crashed the page with StreamlitInvalidMinMaxError)."""
    rows_ = [
        (case, step, at(hours + offset))
        for offset, case in ((0, "A-1"), (30, "A-2"))
        for hours, step in ((0, "Ticket created"), (2, "Assigned"), (5, "Resolved"))
    ]
    at_ = app(hand_made_store(tmp_path, csv_text("Case ID,Activity,Timestamp", rows_)))
    at_.switch_page(CONFORMANCE.script).run()
    assert not at_.exception, at_.exception
    assert not at_.get("slider")
    assert at_.selectbox(key="variant_pick").options == ["1"]
    assert "Assigned" in at_.get("plotly_chart")[-1].proto.spec  # the variant's path drawn


def _deviations_of(frame: object) -> None:
    from dashboard import parts

    parts.deviations_table(frame, "deviations", 10)


def test_deviations_of_a_log_without_surveys_have_no_csat_columns() -> None:
    """A CSAT gap and its answers are columns only where some deviation has them."""
    import pandas as pd
    from streamlit.testing.v1 import AppTest

    csat = {"csat_gap", "csat_answers_affected"}
    row = {"deviation": "skipped: Classified", "tickets": 40, "share": 0.4, "extra_hours": 2.0}
    row |= {"cost_hours": 80.0, "csat_gap": None, "csat_answers_affected": 0, "examples": []}
    without = pd.DataFrame([row | {"csat_answers_rest": 0}])
    answered = pd.DataFrame([row | {"csat_gap": -0.5, "csat_answers_affected": 12}])
    answered["csat_answers_rest"] = 30
    for frame, shown in ((without, set()), (answered, csat)):
        at = AppTest.from_function(_deviations_of, args=(frame,), default_timeout=30).run()
        assert not at.exception, at.exception
        assert set(at.dataframe[0].value.columns) & csat == shown


def _effect_of_one_kpi() -> None:
    from datetime import date

    from dashboard import parts
    from mining.effect import ChangeEffect, Period

    handoffs = {"kpi": "handoffs", "before": 4.3, "after": 4.64, "difference": 0.34}
    handoffs |= {"relative": 0.08, "ci_low": -0.03, "ci_high": 0.72, "p_value": 0.07}
    handoffs |= {"verdict": "no clear change", "judged": True}
    change = {"id": 1, "date": date(2011, 12, 19), "title": "Offer templates simplified"}
    before = Period(date(2011, 11, 7), date(2011, 12, 18), 6, 3769, 42)
    after = Period(date(2011, 12, 19), date(2012, 1, 29), 6, 3363, 42)
    effect = ChangeEffect(change, before, after, [handoffs], {})
    parts.effect_section(effect, "effect", clear_only=True)


def test_a_change_with_one_kpi_judged_says_no_correction_was_made() -> None:
    """BPI 2012 gives one KPI: the review said no difference survives "the correction for the
    KPIs judged together", a correction one KPI never gets."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_effect_of_one_kpi, default_timeout=30).run()
    assert not at.exception, at.exception
    assert [c.value for c in at.caption] == [
        "No KPI moved clearly. One KPI judged: better or worse where its 95% interval leaves out"
        " zero."
    ]
