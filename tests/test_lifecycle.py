"""Lifecycle pairs: a log with start and complete events is read as activity instances, as Disco
reads it (mining/sql/activity_instances.sql): each activity counted once per instance, no
self-loop of one instance's own schedule, start and complete, its processing time apart from the
wait between activities; logs without lifecycle, or with complete events only, as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from mining.bottlenecks import bottlenecks
from mining.dfg import directly_follows
from mining.process_map import process_map
from mining.selection import Selection, scope
from mining.variants import variants
from store.connection import open_store
from tests.conftest import REAL_BPI2012, at, csv_text, hand_made_store, pm4py_frame

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
