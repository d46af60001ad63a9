"""Variants: counts equal pm4py's; coverage, time to resolution and survey means on hand-made
logs whose every number is known."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.load import ingest_files
from mining.selection import Selection
from mining.variants import variants
from store.connection import open_store
from tests.conftest import BPI2012_DB, REAL_HELPDESK, SAMPLE, pm4py_frame, store_labels, write


def _ours(db: Path, dataset: str, **kwargs):
    with open_store(db, read_only=True) as con:
        return variants(con, Selection(dataset), **kwargs)


@pytest.mark.parametrize("which", ["sample", "public"])
def test_variant_counts_equal_pm4py(which: str, sample_db: Path, request) -> None:
    import pm4py

    if which == "sample":
        db, frame = sample_db, pm4py_frame(SAMPLE / "helpdesk.csv")
    else:
        db = request.getfixturevalue("real_helpdesk_db")
        frame = pm4py_frame(REAL_HELPDESK, store_labels(db))
    found = _ours(db, "helpdesk")
    theirs = {tuple(path): count for path, count in pm4py.get_variants(frame).items()}
    table = found.table
    assert dict(zip(map(tuple, table["activities"]), table["tickets"], strict=True)) == theirs
    assert found.total == len(theirs) and found.tickets == sum(theirs.values())
    assert table["tickets"].is_monotonic_decreasing
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["coverage"].tolist() == pytest.approx(table["share"].cumsum().tolist())
    assert (table["events"] == table["activities"].map(len)).all()


@pytest.mark.parametrize("db_fixture", ["sample_db", "real_helpdesk_db", BPI2012_DB])
def test_top_n_is_the_head_of_all_variants(db_fixture: str, request) -> None:
    """Only the variants reaching the N-th count get their activities built: a top N equals the
    first N rows of the whole table (every list built), a cut through a tie included (the tied
    variants rank by activities, so all of them must be built to pick the right ones)."""
    import pandas as pd

    db = request.getfixturevalue(db_fixture)
    everything = _ours(db, "helpdesk")
    counts = everything.table["tickets"].tolist()
    ties = [n for n in range(1, len(counts)) if counts[n - 1] == counts[n]]
    assert ties, "the log needs a tie between the N-th and the next variant"
    for limit in (1, 3, 20, ties[0], ties[len(ties) // 2], len(counts), len(counts) + 5):
        top = _ours(db, "helpdesk", limit=limit)
        assert (top.total, top.tickets) == (everything.total, everything.tickets)
        pd.testing.assert_frame_equal(top.table, everything.table.head(limit), check_exact=True)
    assert _ours(db, "helpdesk", limit=0).table.empty


@pytest.fixture
def desk_db(tmp_path: Path) -> Path:
    """Three tickets on one path, two of them with survey answers; one rejected ticket; one
    reopened and resolved twice. Ties rank by path."""
    path = write(
        tmp_path / "desk.csv",
        "Case ID,Activity,Timestamp,CSAT,NPS\n"
        "T1,Ticket created,2025-03-03 10:00,,\nT1,Resolved,2025-03-03 12:00,,\n"
        "T1,Closed,2025-03-03 13:00,4,9\n"
        "T2,Ticket created,2025-03-04 10:00,,\nT2,Resolved,2025-03-04 11:00,,\n"
        "T2,Closed,2025-03-04 12:00,,7\n"
        "T3,Ticket created,2025-03-05 10:00,,\nT3,Resolved,2025-03-05 14:00,,\n"
        "T3,Closed,2025-03-05 15:00,,\n"
        "T4,Ticket created,2025-03-06 10:00,,\nT4,Rejected,2025-03-06 10:30,,\n"
        "T4,Closed,2025-03-06 11:00,,\n"
        "T5,Ticket created,2025-03-07 10:00,,\nT5,Resolved,2025-03-07 11:00,,\n"
        "T5,Reopened,2025-03-07 12:00,,\nT5,Resolved,2025-03-07 15:00,,\n"
        "T5,Closed,2025-03-07 16:00,1,0\n",
    )
    db = tmp_path / "desk.duckdb"
    ingest_files(db, [path], dataset="desk")
    return db


def test_time_to_resolution_and_surveys_per_variant(desk_db: Path) -> None:
    found = _ours(desk_db, "desk")
    assert found.resolution.describe() == "first event to last 'Resolved'"
    assert found.answered == 3
    assert found.to_json()["variants"] == [
        {
            "rank": 1,
            "activities": ["Ticket created", "Resolved", "Closed"],
            "tickets": 3,
            "share": 0.6,
            "coverage": 0.6,
            "events": 3,
            "median_ttr_hours": 2.0,  # 2 h, 1 h, 4 h
            "csat_mean": 4.0,  # one answer: tickets without one count for nothing
            "csat_answers": 1,
            "ces_mean": None,
            "ces_answers": 0,
            "nps_mean": 8.0,
            "nps_answers": 2,
            "examples": ["T1", "T2", "T3"],
        },
        {
            "rank": 2,
            "activities": ["Ticket created", "Rejected", "Closed"],
            "tickets": 1,
            "share": 0.2,
            "coverage": 0.8,
            "events": 3,
            "median_ttr_hours": None,  # never resolved
            "csat_mean": None,
            "csat_answers": 0,
            "ces_mean": None,
            "ces_answers": 0,
            "nps_mean": None,
            "nps_answers": 0,
            "examples": ["T4"],
        },
        {
            "rank": 3,
            "activities": ["Ticket created", "Resolved", "Reopened", "Resolved", "Closed"],
            "tickets": 1,
            "share": 0.2,
            "coverage": 1.0,
            "events": 5,
            "median_ttr_hours": 5.0,  # to the last Resolved
            "csat_mean": 1.0,
            "csat_answers": 1,
            "ces_mean": None,
            "ces_answers": 0,
            "nps_mean": 0.0,
            "nps_answers": 1,
            "examples": ["T5"],
        },
    ]


def test_without_resolved_events_time_to_resolution_is_the_ticket_duration(tmp_path: Path) -> None:
    path = write(
        tmp_path / "raw.csv",
        "Case ID,Activity,Timestamp\n"
        "A,Open,2025-03-03 10:00\nA,Fix,2025-03-03 12:30\n"
        "B,Open,2025-03-03 10:00\nB,Fix,2025-03-03 10:30\nB,Resolved,2025-03-03 11:00\n"
        "C,Open,2025-03-04 10:00\nC,Fix,2025-03-04 18:00\n",
    )
    db = tmp_path / "raw.duckdb"
    ingest_files(db, [path], dataset="raw")
    found = _ours(db, "raw")
    assert found.resolution.describe() == (
        "first to last event (1 of 3 tickets have a 'Resolved' event; map your resolution"
        " label to it on the Data page or with ticketloop map)"
    )
    assert [(v["activities"], v["median_ttr_hours"]) for v in found.to_json()["variants"]] == [
        (["Open", "Fix"], 5.25),  # 2.5 h and 8 h
        (["Open", "Fix", "Resolved"], 1.0),
    ]
