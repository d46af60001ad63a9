"""The directly-follows graph: counts, times, start and end activities equal pm4py's on the same
log; examples and selections on hand-made logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.load import ingest_files
from mining.dfg import directly_follows
from mining.selection import Selection
from store.connection import open_store
from store.errors import MiningError
from tests.conftest import REAL_HELPDESK, SAMPLE, pm4py_frame, store_labels, write


def _ours(db: Path, selection: Selection):
    with open_store(db, read_only=True) as con:
        return directly_follows(con, selection)


def _assert_equal_to_pm4py(graph, frame) -> None:
    import pm4py

    dfg, starts, ends = pm4py.discover_dfg(frame)
    performance, _, _ = pm4py.discover_performance_dfg(frame)
    edges = {(e.source, e.target): e for e in graph.edges.itertuples()}
    assert {edge: e.count for edge, e in edges.items()} == dict(dfg)
    for edge, e in edges.items():
        assert e.median_seconds == pytest.approx(performance[edge]["median"], abs=1e-6)
        assert e.mean_seconds == pytest.approx(performance[edge]["mean"], rel=1e-9)
    assert dict(zip(graph.starts["activity"], graph.starts["tickets"], strict=True)) == starts
    assert dict(zip(graph.ends["activity"], graph.ends["tickets"], strict=True)) == ends


def test_dfg_of_the_sample_equals_pm4py(sample_db: Path) -> None:
    graph = _ours(sample_db, Selection("helpdesk"))
    _assert_equal_to_pm4py(graph, pm4py_frame(SAMPLE / "helpdesk.csv"))
    assert graph.tickets == graph.starts["tickets"].sum() == graph.ends["tickets"].sum()
    assert graph.edges["count"].is_monotonic_decreasing
    assert (graph.edges["median_seconds"] <= graph.edges["p90_seconds"]).all()


def test_dfg_of_the_public_helpdesk_log_equals_pm4py(real_helpdesk_db: Path) -> None:
    """Raw labels (its 'RESOLVED' is stored as 'Resolved'), self-loops, tickets that start
    mid-process."""
    frame = pm4py_frame(REAL_HELPDESK, store_labels(real_helpdesk_db))
    _assert_equal_to_pm4py(_ours(real_helpdesk_db, Selection("helpdesk")), frame)


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    """T1: A B A B (the edge A -> B twice, 10 min then 30 min); T2: A B (20 min), channel chat;
    T3: C alone."""
    path = write(
        tmp_path / "small.csv",
        "Case ID,Activity,Timestamp,Channel\n"
        "T1,A,2025-03-03 10:00,web\nT1,B,2025-03-03 10:10,web\n"
        "T1,A,2025-03-03 11:00,web\nT1,B,2025-03-03 11:30,web\n"
        "T2,A,2025-03-04 09:00,chat\nT2,B,2025-03-04 09:20,chat\n"
        "T3,C,2025-03-05 09:00,web\n",
    )
    db = tmp_path / "small.duckdb"
    ingest_files(db, [path], dataset="small")
    return db


def test_times_quantiles_and_distinct_examples(small_db: Path) -> None:
    graph = _ours(small_db, Selection("small"))
    ab = graph.to_json()["edges"][0]
    assert ab == {
        "source": "A",
        "target": "B",
        "count": 3,
        "median_seconds": 1200.0,
        "mean_seconds": 1200.0,
        "p90_seconds": 1680.0,  # 10, 20, 30 min: 20 + 0.8 * 10 min
        "examples": ["T1", "T2"],  # T1 once, though it takes the edge twice
    }
    assert graph.to_json()["edges"][1] == {
        "source": "B",
        "target": "A",
        "count": 1,
        "median_seconds": 3000.0,
        "mean_seconds": 3000.0,
        "p90_seconds": 3000.0,
        "examples": ["T1"],
    }
    assert graph.to_json()["start_activities"] == [
        {"activity": "A", "tickets": 2, "examples": ["T1", "T2"]},
        {"activity": "C", "tickets": 1, "examples": ["T3"]},
    ]
    assert graph.to_json()["end_activities"] == [
        {"activity": "B", "tickets": 2, "examples": ["T1", "T2"]},
        {"activity": "C", "tickets": 1, "examples": ["T3"]},
    ]


def test_the_selection_filters_in_sql(small_db: Path) -> None:
    graph = _ours(small_db, Selection("small", channel=("chat",)))
    assert graph.tickets == 1
    assert graph.edges[["source", "target", "count"]].values.tolist() == [["A", "B", 1]]


def test_no_ticket_selected_is_an_error_naming_the_filters(small_db: Path) -> None:
    with pytest.raises(MiningError) as caught:
        _ours(small_db, Selection("small", channel=("fax",)))
    assert str(caught.value) == (
        "no tickets of data set 'small' match: channel fax."
        " Widen the filters (--from, --to, --channel, ...)"
    )


def test_an_edge_a_ticket_repeats_still_names_five_tickets(tmp_path: Path) -> None:
    """T1 bounces between A and B eight times before the others take A -> B once each: the
    examples are five tickets, not T1 and whoever came next."""
    rows = ["Case ID,Activity,Timestamp"]
    rows += [f"T1,{'AB'[i % 2]},2025-01-06 {i:02d}:00" for i in range(16)]
    for t in range(2, 7):
        rows += [f"T{t},A,2025-01-07 0{t}:00", f"T{t},B,2025-01-07 0{t}:30"]
    db = tmp_path / "repeats.duckdb"
    ingest_files(db, [write(tmp_path / "repeats.csv", "\n".join(rows) + "\n")], dataset="r")
    edges = _ours(db, Selection("r")).edges.set_index(["source", "target"])
    assert edges.loc[("A", "B"), "count"] == 8 + 5
    assert list(edges.loc[("A", "B"), "examples"]) == ["T1", "T2", "T3", "T4", "T5"]
