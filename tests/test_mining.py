"""Mining the sample store: the overview numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mining import overview
from mining.selection import Selection
from store.connection import open_store
from store.datasets import list_datasets
from store.errors import StoreError


def test_summary_of_the_sample(sample_db: Path) -> None:
    with open_store(sample_db, read_only=True) as con:
        summary = overview.summarize(con, Selection("helpdesk"))
    assert (summary.cases, summary.events, summary.activities, summary.rejected_rows) == (
        5000,
        44_861,
        17,
        0,
    )
    assert summary.resources == 26
    assert 300 < summary.variants < 450
    assert 24 < summary.median_case_duration_h < 120


def test_weekly_tickets_cover_every_ticket_once(sample_db: Path) -> None:
    with open_store(sample_db, read_only=True) as con:
        weekly = overview.weekly_tickets_by_channel(con, Selection("helpdesk"))
    assert weekly["tickets"].sum() == 5000
    assert weekly["week"].nunique() == 26
    assert set(weekly["channel"]) == {
        "web form", "e-mail", "phone", "chat", "social media", "face to face", "letter"
    }  # fmt: skip
    assert all(pd.Timestamp(w).weekday() == 0 for w in weekly["week"])


def test_unknown_data_set_names_the_known_ones(sample_db: Path) -> None:
    expected = pytest.raises(StoreError, match="no data set named 'nope'; known: helpdesk")
    with open_store(sample_db, read_only=True) as con, expected:
        overview.summarize(con, Selection("nope"))


def test_list_datasets(sample_db: Path) -> None:
    with open_store(sample_db, read_only=True) as con:
        (row,) = list_datasets(con)
    assert (row["name"], row["events"], row["cases"], row["format"]) == (
        "helpdesk",
        44_861,
        5000,
        "csv",
    )


def test_overview_follows_the_selection(sample_db: Path) -> None:
    with open_store(sample_db, read_only=True) as con:
        phone = overview.summarize(con, Selection("helpdesk", channel=("phone",)))
        weekly = overview.weekly_tickets_by_channel(con, Selection("helpdesk", channel=("phone",)))
        dims = overview.dimensions(con, Selection("helpdesk"))
    assert 0 < phone.cases < 5000
    assert set(weekly["channel"]) == {"phone"}
    assert weekly["tickets"].sum() == phone.cases
    assert "phone" in dims.values["channel"]
    assert set(dims.values) >= {"channel", "priority", "category", "team", "level"}
    assert dims.first_day < dims.last_day
    assert len(dims.activities) == 17


def test_a_log_without_dimensions_offers_none(tmp_path: Path) -> None:
    from ingest.load import ingest_files
    from tests.conftest import write

    csv = write(tmp_path / "x.csv", "Case ID,Activity,Timestamp\nT1,Open,2025-01-01 10:00\n")
    ingest_files(tmp_path / "x.duckdb", [csv], dataset="x")
    with open_store(tmp_path / "x.duckdb", read_only=True) as con:
        dims = overview.dimensions(con, Selection("x"))
    assert dims.values == {}
    assert dims.activities == ("Open",)
