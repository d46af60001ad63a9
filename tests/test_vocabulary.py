"""A data set's vocabulary, changed after loading: `ticketloop map`, Store.map_vocabulary, the
suggestion rule, appends, and the public Helpdesk log's time to resolution after mapping."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from application.review import (
    escalation_sentence,
    next_steps,
    not_computed,
    quiet_week,
    scorecard_rows,
)
from application.vocabulary import suggest_activity
from dashboard import texts
from dashboard.pages import PAGES
from ingest.load import ingest_files
from mining.kpis import unusable_kpis
from tests.conftest import (
    REAL_HELPDESK,
    app_on,
    at,
    csv_text,
    hand_made_store,
    pm4py_frame,
    rows,
    write,
)
from ticketloop.api import Store
from ticketloop.cli import cli

HEADER = "case_id,activity,timestamp,team"
LOG = [
    ("T1", "Open it", "2025-01-06 09:00", "Desk"),
    ("T1", "Fix it", "2025-01-06 10:00", "Desk"),
    ("T2", "Open it", "2025-01-06 09:30", "Desk"),
    ("T2", "Pass up", "2025-01-06 09:40", "Back office"),
    ("T2", "Fix it", "2025-01-06 12:30", "Back office"),
    ("T2", "Closed", "2025-01-06 13:00", "Back office"),
]
EVENTS = "SELECT case_id, source_activity, activity, level FROM event_log ORDER BY ALL"


@pytest.mark.parametrize(
    ("label", "activity"),
    [
        ("Resolve ticket", "Resolved"),
        ("Require upgrade", "Escalated"),
        ("Wait", "Information requested"),
        ("Wait - User", "Information requested"),
        ("Take in charge ticket", "Assigned"),
        ("Closed", "Closed"),
        ("Insert ticket", "Ticket created"),
        ("Assign seriousness", "Classified"),
        ("RESOLVED", "Resolved"),
        ("Resolve SW anomaly", None),  # resolves something else than the ticket
        ("Create SW anomaly", None),
        ("Awaiting Assignment", None),
        ("Schedule intervention", None),
        ("A_DECLINED", "Rejected"),
        ("Request refused", "Rejected"),
        ("A_CANCELLED", "Abandoned"),
    ],
)
def test_a_label_s_words_suggest_its_canonical_activity(label: str, activity: str | None) -> None:
    assert suggest_activity(label) == activity


def test_an_outcome_is_suggested_only_of_a_label_that_ends_its_tickets(tmp_path: Path) -> None:
    """`Offer cancelled` reads as Abandoned, but work goes on after it in both its tickets: it is
    not suggested (the TOML says why), and the KPI hint names the label that ends its tickets."""
    log = [
        ("T1", "Open it", at(0)),
        ("T1", "Offer cancelled", at(1)),
        ("T1", "Fix it", at(5)),
        ("T2", "Open it", at(0)),
        ("T2", "Offer cancelled", at(2)),
        ("T2", "Request cancelled", at(9)),
        ("T3", "Open it", at(0)),
        ("T3", "Request cancelled", at(3)),
        ("T3", "Offer declined", at(3.01)),  # within a hundredth of the ticket's span
        ("T4", "Open it", at(0)),
        ("T4", "Request denied", at(1)),
        ("T4", "Closed", at(72)),  # its closing, days later, is no work after it
    ]
    db = hand_made_store(tmp_path, csv_text("case_id,activity,timestamp", log))
    store = Store(db)
    suggested = store.vocabulary("t").suggested().activities
    assert suggested == {
        "Request cancelled": "Abandoned",
        "Offer declined": "Rejected",
        "Request denied": "Rejected",
    }
    toml = store.vocabulary("t", endings=True).suggestion_toml()
    assert "not Abandoned: many of its tickets go on after it" in toml.split('"Offer cancelled"')[1]
    # a label that ends its tickets unmapped is named: they would count as open
    assert "ends 100% of its tickets: if it is their outcome, map it" in toml.split('"Fix it"')[1]
    # without T4's `Closed`, no event ends a ticket: open tickets are not counted, and the hint
    # names the likeliest ending label
    unclosed = hand_made_store(
        tmp_path, csv_text("case_id,activity,timestamp", [r for r in log if r[0] != "T4"]), "u"
    )
    with duckdb.connect(str(unclosed), read_only=True) as con:
        why = unusable_kpis(con, 1)
    assert '"Request cancelled" = "Abandoned"' in why["abandonment_rate"]
    # open tickets need any event that ends one: the hint names the likeliest of them
    assert why["backlog"].startswith("no event that ends a ticket (`Resolved`, `Closed`,")
    assert why["backlog"].endswith('[activities] "Request cancelled" = "Abandoned")')


@pytest.mark.slow
def test_bpi_2012_s_cancelled_application_is_suggested_as_abandoned_not_its_offers(
    real_bpi2012_db: Path, tmp_path: Path
) -> None:
    vocabulary = Store(real_bpi2012_db).vocabulary("helpdesk", endings=True)
    suggested = vocabulary.suggested().activities
    assert suggested["A_CANCELLED"] == "Abandoned"
    assert suggested["A_DECLINED"] == "Rejected"
    assert "O_CANCELLED" not in suggested
    # the approved loans' last steps end their applications: named, for they would count as open
    toml = vocabulary.suggestion_toml()
    lines = {line.split(" = ")[0]: line for line in toml.splitlines()}
    for label in ("A_ACTIVATED", "A_APPROVED", "A_REGISTERED", "O_ACCEPTED"):
        assert lines[f"# {label}"].endswith("; ends 100% of its tickets")
    # they end the same tickets at the same moment: said once, not "100%" four times over
    assert (
        "# Unmapped, W_Valideren aanvraag, A_ACTIVATED, A_APPROVED, A_REGISTERED, O_ACCEPTED each"
        " end 90% of their tickets or more: if one is their outcome, map it (Resolved, Rejected,"
        " Abandoned, Closed), else those tickets count as open. Several that end the same tickets"
        " at the same moment are steps of one ending: map one"
    ) in toml.splitlines()
    # once one of them is mapped, the tickets end: the others are not named as ending them
    db = tmp_path / "bpi.duckdb"
    shutil.copy(real_bpi2012_db, db)
    Store(db).map_vocabulary("helpdesk", activities={**suggested, "A_ACTIVATED": "Resolved"})
    toml = Store(db).vocabulary("helpdesk", endings=True).suggestion_toml()
    assert "ends 100% of its tickets" not in toml


def test_map_renames_labels_and_gives_levels_and_reset_returns_to_the_log_as_loaded(
    tmp_path: Path,
) -> None:
    db = hand_made_store(tmp_path, csv_text(HEADER, LOG))
    loaded = rows(db, EVENTS)
    version = rows(db, "SELECT version FROM datasets")[0][0]
    store = Store(db)
    change = store.map_vocabulary(
        "t",
        activities={"Fix it": "resolved", "Open it": "Ticket created", "Pass up": "Escalated"},
        levels={"Back office": 2, "Desk": 1},
    )
    assert rows(db, EVENTS) == [
        ("T1", "Fix it", "Resolved", 1),
        ("T1", "Open it", "Ticket created", 1),
        ("T2", "Closed", "Closed", 2),
        ("T2", "Fix it", "Resolved", 2),
        ("T2", "Open it", "Ticket created", 1),
        ("T2", "Pass up", "Escalated", 2),
    ]
    assert rows(db, "SELECT version FROM datasets")[0][0] == version + 1
    assert change.remapped == [
        ("Fix it", "Fix it", "Resolved", 2),
        ("Open it", "Open it", "Ticket created", 2),
        ("Pass up", "Pass up", "Escalated", 1),
    ]
    assert change.levels == [("Back office", None, 2, 3), ("Desk", None, 1, 3)]
    assert {"ttr_median_hours", "escalation_rate"} <= set(change.computable)
    # the ticket facts follow: both tickets resolved, T2 escalated
    assert rows(db, "SELECT count(last_resolved), count(first_escalation) FROM ticket_facts") == [
        (2, 1)
    ]
    # the next activity of each event follows too (the directly-follows graph reads it)
    assert rows(
        db,
        "SELECT a.name, n.name FROM events e JOIN activities a USING (activity_id)"
        " JOIN activities n ON n.activity_id = e.next_activity_id ORDER BY ALL",
    ) == [
        ("Escalated", "Resolved"),
        ("Resolved", "Closed"),
        ("Ticket created", "Escalated"),
        ("Ticket created", "Resolved"),
    ]
    back = store.map_vocabulary("t", reset=True)
    assert rows(db, EVENTS) == loaded
    assert rows(db, "SELECT count(*) FROM events WHERE loaded_activity_id IS NOT NULL") == [(0,)]
    assert {"ttr_median_hours", "escalation_rate"} <= set(back.lost)


def test_an_append_is_mapped_by_the_data_set_s_vocabulary_and_adds_no_duplicate(
    tmp_path: Path,
) -> None:
    first = write(tmp_path / "a.csv", csv_text(HEADER, LOG))
    db = tmp_path / "t.duckdb"
    ingest_files(db, [first], dataset="t")
    Store(db).map_vocabulary("t", activities={"Fix it": "Resolved"}, levels={"desk": 1})
    # the same events again (another file, so read again), and one new event
    later = write(
        tmp_path / "b.csv", csv_text(HEADER, [*LOG, ("T3", "Fix it", "2025-01-07 09:00", "Desk")])
    )
    report = ingest_files(db, [later], dataset="t")
    assert (report.events_loaded, report.duplicates_skipped) == (1, 6)
    assert rows(db, EVENTS + "")[-1] == ("T3", "Fix it", "Resolved", 1)
    assert rows(db, "SELECT count(*) FROM event_log WHERE source_activity = 'Fix it'"
                " AND activity <> 'Resolved'") == [(0,)]  # fmt: skip
    assert rows(db, "SELECT last_resolved IS NOT NULL FROM ticket_facts WHERE case_id = 'T3'") == [
        (True,)
    ]


def test_map_command_applies_a_file_says_what_changed_and_refuses_bad_input(
    tmp_path: Path,
) -> None:
    db = hand_made_store(tmp_path, csv_text(HEADER, LOG))
    mapping = write(
        tmp_path / "m.toml", '[activities]\n"Fix it" = "Resolved"\n[levels]\nDesk = 1\n'
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["map", "--db", str(db), "--map", str(mapping)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:3] == [
        "data set 't':",
        "  'Fix it' -> Resolved (2 events)",
        "  team 'Desk': level none -> 1 (3 events)",
    ]
    assert "now computable: median time to resolution (ttr_median_hours)" in result.output
    doc = json.loads(runner.invoke(cli, ["map", "--db", str(db), "--reset", "--json"]).output)
    assert doc["remapped"] == [
        {"label": "Fix it", "before": "Resolved", "after": "Fix it", "events": 2}
    ]
    bad = write(tmp_path / "bad.toml", '[activities]\n"Fix it" = "Fixed"\n')
    result = runner.invoke(cli, ["map", "--db", str(db), "--map", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(
        'error: [activities] Fix it: "Fixed" is not a canonical activity; use one of: Ticket'
        " created, Classified,"
    )
    result = runner.invoke(cli, ["map", "--db", str(db)])
    assert (result.exit_code, result.output) == (
        1,
        "error: give one of --map FILE (apply a mapping file), --reset (back to the labels as"
        " loaded) or --suggest (print a suggested mapping file)\n",
    )


@pytest.fixture
def mapped_helpdesk(real_helpdesk_db: Path, tmp_path: Path) -> Path:
    """A copy of the public Helpdesk log's store with the suggested vocabulary applied through
    `ticketloop map --suggest` then `ticketloop map --map`."""
    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)
    runner = CliRunner()
    suggested = runner.invoke(cli, ["map", "--db", str(db), "--suggest"])
    assert suggested.exit_code == 0, suggested.output
    assert '"Resolve ticket" = "Resolved"' in suggested.output
    mapping = write(tmp_path / "helpdesk.toml", suggested.output)
    applied = runner.invoke(cli, ["map", "--db", str(db), "--map", str(mapping)])
    assert applied.exit_code == 0, applied.output
    assert "  'Resolve ticket' -> Resolved (4,983 events)" in applied.output
    return db


def test_the_public_helpdesk_log_mapped_gives_its_time_to_resolution(
    mapped_helpdesk: Path,
) -> None:
    """ttr_median_hours equals the median of first event -> last `Resolve ticket` per ticket,
    computed with pandas on the XES file as pm4py reads it."""
    frame = pm4py_frame(REAL_HELPDESK)
    first = frame.groupby("case:concept:name")["time:timestamp"].min()
    resolve = frame[frame["concept:name"] == "Resolve ticket"]
    last = resolve.groupby("case:concept:name")["time:timestamp"].max()
    expected = ((last - first[last.index]).dt.total_seconds() / 3600).median()
    kpis = {
        r["kpi"]: r for r in Store(mapped_helpdesk).select("helpdesk").kpis().to_json({})["kpis"]
    }
    assert kpis["ttr_median_hours"]["value"] == pytest.approx(expected, abs=1e-9)
    assert round(expected, 2) == 159.79
    assert kpis["escalation_rate"]["value"] == pytest.approx(102 / 4580)
    # information requested: the share of tickets with a `Wait` event, as pandas counts them
    waited = frame.loc[frame["concept:name"] == "Wait", "case:concept:name"].nunique()
    assert kpis["info_request_rate"]["value"] == pytest.approx(waited / 4580)
    assert waited == 1236
    for kpi in ("ttr_median_hours", "escalation_rate", "handoffs_per_ticket", "fcr_rate"):
        assert kpis[kpi]["reason"] is None, kpi


def test_the_directly_follows_graph_after_mapping_equals_pm4py_s_on_the_source_labels(
    mapped_helpdesk: Path,
) -> None:
    """Renaming only merges labels where two are mapped to one: here `Resolve SW anomaly` and
    `Resolve ticket` both to Resolved."""
    from tests.test_dfg import _assert_equal_to_pm4py, _ours

    store = Store(mapped_helpdesk)
    activities = {**store.vocabulary("helpdesk").vocabulary.activities}
    store.map_vocabulary("helpdesk", activities={**activities, "Resolve SW anomaly": "Resolved"})
    labels = dict(rows(mapped_helpdesk, "SELECT DISTINCT source_activity, activity FROM event_log"))
    assert labels["Resolve SW anomaly"] == labels["Resolve ticket"] == "Resolved"
    from mining.selection import Selection

    graph = _ours(mapped_helpdesk, Selection("helpdesk"))
    _assert_equal_to_pm4py(graph, pm4py_frame(REAL_HELPDESK, labels))
    assert ("Resolved", "Closed") in set(
        zip(graph.edges["source"], graph.edges["target"], strict=True)
    )


def test_the_data_page_applies_the_suggested_vocabulary_and_the_review_answers(
    real_helpdesk_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public Helpdesk log, no loading again: the Data page's table comes pre-filled with
    the suggestions, previews the KPIs they make computable, and applies them on a click; the
    weekly review then shows time to resolution, escalations and handoffs with values."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from application import format as fmt
    from dashboard import texts
    from mining.kpis import BY_NAME
    from tests.conftest import APP

    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)
    monkeypatch.setenv("TICKETLOOP_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("views/data.py").run()
    assert not at.exception, at.exception
    table = at.dataframe
    labels = next(t.value for t in table if "choice" in t.value.columns)
    choices = dict(zip(labels["label"], labels["choice"], strict=True))
    assert choices["Resolve ticket"] == "Resolved"
    assert choices["Take in charge ticket"] == "Assigned"
    assert choices["Wait"] == "Information requested"
    assert choices["Require upgrade"] == "Escalated"
    assert choices["Resolve SW anomaly"] == texts.VOCAB_KEEP
    assert rows(db, "SELECT count(*) FROM activity_vocabulary") == [(0,)]  # nothing applied yet
    preview = [i.value for i in at.info if i.value.startswith("Applying makes computable")]
    assert preview and "median time to resolution (ttr_median_hours)" in preview[0]
    review_before = at.switch_page("views/weekly_review.py").run()
    not_before = {m.label for m in review_before.metric}
    ttr_label = "Median time to resolution"
    assert ttr_label not in not_before
    at.switch_page("views/data.py").run()
    at.button(key="vocab_apply").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith(
        "Vocabulary of 'helpdesk' applied: 6 labels remapped, 0 teams given a level;"
        " now computable: median time to resolution (ttr_median_hours)"
    )
    assert rows(db, "SELECT source_label, activity FROM activity_vocabulary ORDER BY ALL") == [
        ("Assign seriousness", "Classified"),
        ("Insert ticket", "Ticket created"),
        ("Require upgrade", "Escalated"),
        ("Resolve ticket", "Resolved"),
        ("Take in charge ticket", "Assigned"),
        ("Wait", "Information requested"),
    ]
    at.switch_page("views/weekly_review.py").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    kpis = {r["kpi"]: r for r in Store(db).select("helpdesk").kpis().to_json({})["kpis"]}
    assert kpis["ttr_median_hours"]["value"] == pytest.approx(159.79, abs=0.01)
    for name in ("ttr_median_hours", "escalation_rate", "handoffs_per_ticket", "info_request_rate"):
        label = BY_NAME[name].meaning[:1].upper() + BY_NAME[name].meaning[1:]
        assert metrics[label] not in ("", "n/a", fmt.kpi_value(None, BY_NAME[name].unit)), name
    # the data sets' table counts the mapping as a version, and says so (not "loads": one load)
    at.switch_page("views/data.py").run()
    (datasets,) = [t for t in at.dataframe if "version" in t.value.columns]
    assert datasets.value["version"].tolist() == [2]
    assert json.loads(datasets.proto.columns)["version"]["label"] == "version"
    tickets = json.loads(datasets.proto.columns)["cases"]
    assert (tickets["label"], tickets["type_config"]["format"]) == ("tickets", "localized")
    # the quality findings as sentences that wrap (a table's cells cut them short), the log's
    # labels quoted as code, the examples as text
    (findings,) = [m.value for m in at.markdown if m.value.startswith("- **")]
    assert findings.splitlines()[0].startswith(
        "- **4,462** tickets without a `Ticket created` event (e.g. Case "
    )
    log = [i.value for i in at.info if i.value.startswith("Nothing changed through the dashboard")]
    assert not log  # the mapping was made through it, and logged


def test_the_mapping_assistant_guesses_columns_from_their_names_and_contents(
    tmp_path: Path,
) -> None:
    from application.uploads import guess_columns

    named = write(
        tmp_path / "named.csv",
        "ref;step;stamp;handled_by;prio;note\n"
        "T-1;Ticket created;2025-03-03 09:00;ann;high;x\n"
        "T-1;Resolved;2025-03-03 15:30;bob;high;y\n"
        "T-2;Ticket created;29/03/2025 10:00;ann;low;z\n"
        "T-2;Resolved;30/03/2025 11:00;bob;low;w\n",
    )
    assert guess_columns(named) == {
        "case_id": "ref",
        "activity": "step",
        "timestamp": "stamp",
        "resource": "handled_by",
        "priority": "prio",
    }
    # names that say nothing: the times, then the ticket (many distinct values that repeat)
    # and the activity (fewest); the rest stays at (none)
    bare = write(
        tmp_path / "bare.csv",
        "a,b,c,d\n"
        + "".join(
            f"X{t},{step},2025-03-0{t} 0{h}:00,{t * 10 + h}\n"
            for t in range(1, 5)
            for h, step in enumerate(("open", "work", "done"), start=1)
        ),
    )
    assert guess_columns(bare) == {"case_id": "a", "activity": "b", "timestamp": "c"}


def test_escalations_give_no_needless_figure_the_log_cannot_tell(mapped_helpdesk: Path) -> None:
    """Escalated tickets are counted (`Require upgrade` mapped), but with no `De-escalated` event,
    no fall in level and no categories, needless ones cannot be told: the command says so, as
    `kpis` does, instead of printing 0.0%."""
    runner = CliRunner()
    doc = json.loads(
        runner.invoke(cli, ["escalations", "--db", str(mapped_helpdesk), "--json"]).output
    )
    assert doc["escalated_tickets"] == 102
    assert doc["needless_escalation_rate"] is None
    assert doc["needless_not_measured"].startswith("no `De-escalated` event (bounce-backs)")
    text = runner.invoke(cli, ["escalations", "--db", str(mapped_helpdesk)]).output
    assert "bounce-back, push-to-front and needless escalations: not measured, no `De-esc" in text
    assert "needless escalation rate" not in text
    # nor do the tables show 0 or dashes for what is not measured (bounce-backs, push-to-front,
    # ping-pong: no team is named; a CSAT gap: no survey answers): those columns are left out
    agents = text[text.index("By agent who escalated") :].splitlines()
    assert agents[1].split() == ["agent", "escalated", "extra", "TTR", "(d)", "e.g."]
    # each extra time in the column's unit, with the resolved tickets it compares; one on fewer
    # than 30 escalated tickets is marked too few to read (Value 10 escalated one)
    assert agents[2].split()[2:5] == ["41", "+6.2", "(39/796)"]
    assert agents[9].split()[2:5] == ["1", "+19.1", "(1/45)*"]
    assert "* fewer than 30 on a side: too few to read as a finding" in text
    assert "Not broken down by team escalated to, category, channel: no values in the" in text


def test_the_escalations_page_shows_no_zero_for_what_the_log_cannot_tell(
    mapped_helpdesk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No teams, no `De-escalated` event, no categories, no surveys: ping-pong and the CSAT gap
    read n/a, no chart of needless kinds is drawn, and the breakdown has no columns of zeros."""
    page = app_on(mapped_helpdesk, monkeypatch)
    page.switch_page(next(p for p in PAGES if p.module == "escalations").script).run()
    assert not page.exception, page.exception
    metrics = {m.label: m.value for m in page.metric}
    assert metrics[texts.ESC_METRIC_ESCALATED] == "102"
    assert metrics[texts.ESC_METRIC_PING_PONG] == metrics[texts.ESC_METRIC_CSAT] == "n/a"
    assert not page.get("plotly_chart")
    (agents,) = [d.value for d in page.dataframe]
    assert list(agents.columns) == [
        "value",
        "escalated_tickets",
        "extra_ttr_hours",
        "compared",
        "example_tickets",
    ]
    # the extra time in days, as the metric says it, not in hundreds of hours
    assert agents["extra_ttr_hours"].max() < 40
    # with what it rests on, and too few said where a side has fewer than 30
    assert agents["compared"].tolist()[:2] == ["39 / 796", "22 / 822, too few"]
    assert metrics[texts.ESC_METRIC_EXTRA] == "5.4 days"  # on 99 against 1,103
    assert not [c.value for c in page.caption if "CSAT" in c.value]
    assert (
        "has no support levels and no teams: the level funnel and ping-pong" in page.info[0].value
    )


def test_a_week_on_too_few_tickets_says_so_and_why_needless_cannot_be_told(
    mapped_helpdesk: Path,
) -> None:
    """The mapped log's last complete week has 19 tickets: its review says it is not judged
    (rather than that nothing is off target, for the backlog alone was judged), and its
    escalations sentence points to why needless ones cannot be told."""
    review = Store(mapped_helpdesk).select("helpdesk").review()
    assert next_steps(review) == []
    assert quiet_week(review) == (
        "2013-W47 is not judged: 19 tickets created, fewer than the 20 a week needs"
        " ([kpis] min_tickets); so were all 12 weeks up to it: lately the desk creates too few"
        " tickets a week for a weekly review to judge. The last week with KPIs judged is 2013-W25:"
        " pick it to review."
    )
    # and the review of that week judges its tickets: no chain of weeks that say the same
    pointed = Store(mapped_helpdesk).select("helpdesk").review(week="2013-W25")
    assert not quiet_week(pointed).startswith("2013-W25 is not judged")
    tiles = {r["kpi"].name: r for r in scorecard_rows(pointed)}
    assert tiles["tickets"]["edge"] is None and tiles["fcr_rate"]["edge"] is None
    # no tile colours a move from last week but the backlog's (a stock, judged on its own)
    rows = scorecard_rows(review)
    assert [r["kpi"].name for r in rows if r["compared"]] == ["backlog"]
    # and each tile with a value this week says it is not judged, and why
    shown = {r["kpi"].name: r["edge"] for r in rows if r["value"] is not None}
    assert shown["tickets"] == shown["escalation_rate"] == "small basis"
    assert shown["backlog"] is None
    # the reason is the data set's: given once, among the KPIs not computed, and pointed to
    assert escalation_sentence(review) == (
        "3 of 19 tickets created this week were escalated (15.8%); whether needlessly"
        " (bounce-back or push-to-front) cannot be told on this data set (see Not computed, above)."
    )
    assert any(
        line.startswith("Needless escalations: no `De-escalated` event")
        for line in not_computed(rows)
    )


def test_the_vocabulary_editor_shows_formulas_defused_and_maps_the_labels_as_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A label `-Resolve ticket` shows as `'-Resolve ticket` (the editor's toolbar downloads it
    as CSV), and applying the suggestions maps the label as loaded, not as shown."""
    from dashboard import texts

    log = []
    for n in range(4):
        log += [(f"T{n}", "Ticket created", at(n)), (f"T{n}", "-Resolve ticket", at(n + 1))]
    db = hand_made_store(tmp_path, csv_text("case_id,activity,timestamp", log))
    page = app_on(db, monkeypatch)
    page.switch_page("views/data.py").run()
    assert not page.exception, page.exception
    labels = next(t.value for t in page.dataframe if "choice" in t.value.columns)
    choices = dict(zip(labels["label"], labels["choice"], strict=True))
    assert choices["'-Resolve ticket"] == "Resolved"
    page.button(key="vocab_apply").click().run()
    assert not page.exception, page.exception
    assert rows(db, "SELECT source_label, activity FROM activity_vocabulary") == [
        ("-Resolve ticket", "Resolved")
    ]
    assert texts.VOCAB_KEEP not in rows(db, "SELECT activity FROM activity_vocabulary")[0]
