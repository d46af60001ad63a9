"""Lifecycle pairs: a log with start and complete events is read as activity instances, as Disco
reads it (mining/sql/activity_instances.sql): each activity counted once per instance, no
self-loop of one instance's own schedule, start and complete, its processing time apart from the
wait between activities; logs without lifecycle, or with complete events only, as they were.
And the other way to read lifecycle: `[columns] activity` naming several columns joined, as an XES
classifier does, which `quality` suggests."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.review import next_steps, quiet_week, scorecard_rows
from dashboard import texts
from dashboard.pages import PAGES
from dashboard.report import scorecard
from ingest.load import ingest_files
from mining.bottlenecks import bottlenecks
from mining.dfg import directly_follows
from mining.process_map import process_map
from mining.selection import Selection, scope
from mining.variants import variants
from store.connection import open_store
from store.errors import IngestError
from store.quality import quality_report
from tests.conftest import (
    REAL_BPI2012,
    app_on,
    at,
    csv_text,
    hand_made_store,
    pm4py_frame,
    rows,
    write,
)
from ticketloop.api import Store

HEADER = "Case ID,Activity,Timestamp,Lifecycle"
LOG = [
    # T1: A; B scheduled, started at 2 h, completed at 4 h; B again, 5 h to 6 h; C started and
    # never completed (no instance); D with no lifecycle (an instance of its own)
    ("T1", "A", at(0), "complete"),
    ("T1", "B", at(1), "schedule"),
    ("T1", "B", at(2), "START"),
    ("T1", "B", at(4), "COMPLETE"),
    ("T1", "B", at(5), "start"),
    ("T1", "B", at(6), "complete"),
    ("T1", "C", at(7), "start"),
    ("T1", "D", at(8), None),
    # T2: B starts before A completes, and completes after it: A then B, with no wait between
    ("T2", "B", at(0), "start"),
    ("T2", "A", at(0.5), "complete"),
    ("T2", "B", at(1), "complete"),
]


@pytest.fixture
def lifecycle_db(tmp_path: Path) -> Path:
    return hand_made_store(tmp_path, csv_text(HEADER, LOG))


def test_each_instance_counts_once_and_its_own_lifecycle_makes_no_self_loop(
    lifecycle_db: Path,
) -> None:
    with open_store(lifecycle_db, read_only=True) as con:
        graph = directly_follows(con, Selection("t"))
    edges = {(e.source, e.target): (e.count, e.median_seconds) for e in graph.edges.itertuples()}
    # waits from an instance's end to the next one's start: A (0 h) to B's start (2 h); B (4 h)
    # to the second B's start (5 h); B (6 h) to D (8 h); in T2, B began before A ended: 0
    assert edges == {("A", "B"): (2, 3600.0), ("B", "B"): (1, 3600.0), ("B", "D"): (1, 7200.0)}
    assert dict(zip(graph.starts["activity"], graph.starts["tickets"], strict=True)) == {"A": 2}
    assert dict(zip(graph.ends["activity"], graph.ends["tickets"], strict=True)) == {
        "B": 1,
        "D": 1,
    }
    # B's processing times: 2 h, 1 h (T1) and 1 h (T2)
    processing = graph.processing.set_index("activity")
    assert list(processing.index) == ["B"]
    assert (processing.loc["B", "instances"], processing.loc["B", "median_seconds"]) == (3, 3600)


def test_the_map_counts_instances_and_times_their_processing(lifecycle_db: Path) -> None:
    with open_store(lifecycle_db, read_only=True) as con:
        shown = process_map(con, Selection("t"))
    nodes = shown.nodes.set_index("activity")
    assert nodes["events"].to_dict() == {"B": 3, "A": 2, "D": 1}
    assert shown.processing_times
    assert nodes.loc["B", "processing_seconds"] == 3600
    assert nodes[["processing_seconds"]].drop(index="B").isna().all().all()


def test_bottlenecks_part_waits_from_processing(lifecycle_db: Path) -> None:
    with open_store(lifecycle_db, read_only=True) as con:
        found = bottlenecks(con, Selection("t"))
    waits = found.transitions.set_index(["from_activity", "to_activity"])["total_hours"]
    assert waits.to_dict() == {("B", "D"): 2.0, ("A", "B"): 2.0, ("B", "B"): 1.0}
    durations = found.activity_durations.set_index("activity")
    assert durations.loc["B", ["pairs", "unpaired", "total_hours"]].tolist() == [3, 0, 4.0]
    assert durations.loc["A", ["pairs", "unpaired"]].tolist() == [0, 2]


def test_filters_and_variants_read_instances(lifecycle_db: Path) -> None:
    with open_store(lifecycle_db, read_only=True) as con:
        assert scope(con, Selection("t", edge=("B", "B"))).tickets == 1
        assert scope(con, Selection("t", edge=("A", "B"))).tickets == 2
        assert scope(con, Selection("t", edge=("B", "A"))).tickets == 0  # raw order of T2 only
        paths = variants(con, Selection("t")).table
    assert sorted(map(list, paths["activities"])) == [["A", "B"], ["A", "B", "B", "D"]]


@pytest.mark.parametrize("lifecycle", ["complete", None])
def test_logs_with_complete_events_only_or_none_read_as_stored(
    lifecycle: str | None, tmp_path: Path
) -> None:
    rows = [(c, a, t, lifecycle) for c, a, t, _ in LOG]
    db = hand_made_store(tmp_path, csv_text(HEADER, rows))
    with open_store(db, read_only=True) as con:
        assert not scope(con, Selection("t")).instances
        graph = directly_follows(con, Selection("t"))
        assert graph.edges["count"].sum() == len(LOG) - 2  # every event, as stored
        assert graph.processing.empty
        assert bottlenecks(con, Selection("t")).activity_durations is None


def test_the_sample_and_the_helpdesk_log_are_not_read_as_instances(
    sample_db: Path, real_helpdesk_db: Path
) -> None:
    for db in (sample_db, real_helpdesk_db):
        with open_store(db, read_only=True) as con:
            assert not scope(con, Selection("helpdesk")).instances
            shown = process_map(con, Selection("helpdesk"))
            assert not shown.processing_times


@pytest.fixture(scope="module")
def bpi_completes():
    """BPI 2012 as pm4py reads it, filtered to its complete events."""
    import pm4py

    frame = pm4py_frame(REAL_BPI2012)
    return frame, pm4py.filter_event_attribute_values(
        frame, "lifecycle:transition", ["COMPLETE"], level="event"
    )


@pytest.mark.slow  # BPI 2012 with pm4py: ~20 s
def test_bpi2012_dfg_equals_pm4py_on_complete_events(real_bpi2012_db: Path, bpi_completes) -> None:
    import pm4py

    everything, completes = bpi_completes
    dfg, starts, ends = pm4py.discover_dfg(completes)
    with open_store(real_bpi2012_db, read_only=True) as con:
        graph = directly_follows(con, Selection("helpdesk"))
        shown = process_map(con, Selection("helpdesk"))
    ours = {(e.source, e.target): e.count for e in graph.edges.itertuples()}
    assert ours == dict(dfg)  # edge by edge, counts equal
    assert dict(zip(graph.starts["activity"], graph.starts["tickets"], strict=True)) == starts
    assert dict(zip(graph.ends["activity"], graph.ends["tickets"], strict=True)) == ends
    # The map draws that graph: no self-loop comes of one instance's SCHEDULE, START and
    # COMPLETE (the raw events made 38,004 of W_Completeren aanvraag -> itself; 12,619 remain,
    # one instance completed after another) and each activity counts its instances once.
    raw, _, _ = pm4py.discover_dfg(everything)
    loops = {(s, t): n for (s, t), n in ours.items() if s == t}
    map_loops = {
        (e.source, e.target): e.count for e in shown.edges.itertuples() if e.source == e.target
    }
    assert map_loops == loops
    assert raw[("W_Completeren aanvraag",) * 2] == 38_004
    assert loops[("W_Completeren aanvraag",) * 2] == 12_619
    assert shown.nodes["events"].sum() == len(completes) == 164_506
    assert shown.processing_times


@pytest.mark.slow  # BPI 2012 with pm4py: ~30 s
def test_bpi2012_variants_are_those_of_its_complete_events(
    real_bpi2012_db: Path, bpi_completes
) -> None:
    import pm4py

    _, completes = bpi_completes
    theirs = pm4py.get_variants(completes)
    with open_store(real_bpi2012_db, read_only=True) as con:
        ours = variants(con, Selection("helpdesk")).table
    assert len(ours) == len(theirs)
    assert {tuple(v): int(n) for v, n in zip(ours["activities"], ours["tickets"], strict=True)} == {
        tuple(v): int(n) for v, n in theirs.items()
    }


JOINED = '[columns]\nactivity = ["concept:name", "lifecycle:transition"]\n'


def test_activity_columns_joined_name_activities_by_both(tmp_path: Path) -> None:
    """A CSV: the activity is Step and Phase joined with a space (an empty Phase adds nothing);
    the joined columns feed no other field and are no attributes."""
    source = write(
        tmp_path / "log.csv",
        "case,Step,Phase,Timestamp\nT1,A,start,2025-03-03 10:00\nT1,A,complete,2025-03-03 10:05\n"
        "T1,B,,2025-03-03 11:00\n",
    )
    mapping = write(tmp_path / "map.toml", '[columns]\nactivity = ["Step", "Phase"]\n')
    from ingest.mapping import load_mapping

    db = tmp_path / "s.duckdb"
    ingest_files(db, [source], dataset="t", mapping=load_mapping(mapping))
    assert rows(
        db, "SELECT activity, lifecycle, attributes FROM event_log ORDER BY event_index"
    ) == [
        ("A start", None, None),
        ("A complete", None, None),
        ("B", None, None),
    ]
    with open_store(db, read_only=True) as con:
        assert not scope(con, Selection("t")).instances  # the lifecycle is in the name


def test_a_joined_activity_column_the_file_lacks_is_one_clear_error(tmp_path: Path) -> None:
    from ingest.mapping import load_mapping

    source = write(tmp_path / "log.csv", "case,Step,Timestamp\nT1,A,2025-03-03 10:00\n")
    mapping = write(tmp_path / "map.toml", '[columns]\nactivity = ["Step", "Phase"]\n')
    with pytest.raises(IngestError) as raised:
        ingest_files(tmp_path / "s.duckdb", [source], dataset="t", mapping=load_mapping(mapping))
    assert str(raised.value) == (
        f'{source}: the mapping names column "Phase" for activity, but the file has no such'
        f" column. Found: case, Step, Timestamp. Fix [columns] activity in {mapping}"
    )
    bad = write(tmp_path / "bad.toml", "[columns]\nactivity = [1]\n")
    with pytest.raises(IngestError, match="a list of columns to join"):
        load_mapping(bad)


@pytest.mark.slow  # BPI 2012 with pm4py: ~20 s
def test_bpi2012_by_its_declared_classifier(tmp_path: Path, bpi_completes) -> None:
    """`quality` suggests the classifier BPI 2012 declares, with the mapping line; loaded with
    it, the DFG is pm4py's with activities named by name and transition."""
    import pm4py

    from ingest.mapping import load_mapping

    plain = tmp_path / "plain.duckdb"
    ingest_files(plain, [REAL_BPI2012], dataset="bpi")
    with open_store(plain, read_only=True) as con:
        check = {c.name: c for c in quality_report(con, "bpi").checks}["activity_classifiers"]
    assert check.count == 1
    assert check.examples == [
        f"{REAL_BPI2012}: 'Activity classifier' (concept:name + lifecycle:transition):"
        ' [columns] activity = ["concept:name", "lifecycle:transition"]'
    ]
    joined = tmp_path / "joined.duckdb"
    mapping = load_mapping(write(tmp_path / "map.toml", JOINED))
    ingest_files(joined, [REAL_BPI2012], dataset="bpi", mapping=mapping)
    frame = bpi_completes[0].copy()
    frame["concept:name"] = frame["concept:name"] + " " + frame["lifecycle:transition"]
    dfg, _, _ = pm4py.discover_dfg(frame)
    with open_store(joined, read_only=True) as con:
        graph = directly_follows(con, Selection("bpi"))
    assert {(e.source, e.target): e.count for e in graph.edges.itertuples()} == dict(dfg)
    assert ("W_Completeren aanvraag START", "W_Completeren aanvraag COMPLETE") in dict(dfg)


def test_the_helpdesk_log_declares_no_classifier_to_suggest(real_helpdesk_db: Path) -> None:
    with open_store(real_helpdesk_db, read_only=True) as con:
        check = {c.name: c for c in quality_report(con, "helpdesk").checks}["activity_classifiers"]
    assert (check.count, check.examples) == (0, [])


@pytest.mark.slow  # BPI 2012's store
def test_bpi2012_weeks_whose_applications_have_not_had_time_to_end_are_not_judged(
    real_bpi2012_db: Path,
) -> None:
    """BPI 2012 records no resolution: H is its applications' 90th percentile span from first to
    last event (about a month), so the weeks within it of the data's end are still closing, not a
    signal. Their handoffs fall only because the data cut the applications off."""
    weekly = Store(real_bpi2012_db).select("helpdesk").kpis(weekly=True).values
    handoffs = weekly[(weekly["kpi"] == "handoffs_per_ticket") & weekly["group"].isna()]
    status = {str(w): s for w, s in zip(handoffs["week"], handoffs["week_status"], strict=True)}
    assert status["2012-02-13"] == status["2012-02-20"] == "still closing"
    assert status["2012-01-30"] == status["2012-02-06"] == "judged"
    assert handoffs.loc[handoffs["week_status"] == "still closing", "signal"].isna().all()
    # the review of the last complete week shows that value, not judged, and says why
    review = Store(real_bpi2012_db).select("helpdesk").review()
    (tile,) = [r for r in scorecard_rows(review) if r["kpi"].name == "handoffs_per_ticket"]
    assert (tile["status"], tile["edge"], tile["signal"]) == (None, "still closing", None)
    assert ">not judged: still closing</span>" in scorecard(review)  # the report says so too
    assert next_steps(review) == []
    assert (
        quiet_week(review)
        == "2012-W08 is not judged yet: its tickets are still closing (Handoffs). The last week"
        " with KPIs judged is 2012-W06: pick it to review."
    )


@pytest.mark.slow  # BPI 2012's store
def test_the_overview_of_bpi2012_counts_activity_instances_and_says_so(
    real_bpi2012_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its 262,200 events are 164,506 activity instances: the overview names what it counts."""
    page = app_on(real_bpi2012_db, monkeypatch)
    page.switch_page(next(p for p in PAGES if p.module == "overview").script).run()
    assert not page.exception, page.exception
    (shown,) = [m for m in page.metric if m.label == texts.METRIC_INSTANCES]
    assert shown.value == "164,506"
    assert shown.proto.help == texts.INSTANCES_HELP
    assert texts.METRIC_EVENTS not in [m.label for m in page.metric]
