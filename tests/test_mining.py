"""Mining the sample store: the overview numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mining import overview
from store.connection import open_store
from store.datasets import list_datasets
from store.errors import StoreError


def test_summary_of_the_sample(sample_db: Path) -> None:
    with open_store(sample_db, read_only=True) as con:
        summary = overview.summarize(con, dataset="helpdesk")
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
        weekly = overview.weekly_tickets_by_channel(con, dataset="helpdesk")
    assert weekly["tickets"].sum() == 5000
    assert weekly["week"].nunique() == 26
    assert set(weekly["channel"]) == {
        "web form", "e-mail", "phone", "chat", "social media", "face to face", "letter"
    }  # fmt: skip
    assert all(pd.Timestamp(w).weekday() == 0 for w in weekly["week"])


def test_unknown_data_set_names_the_known_ones(sample_db: Path) -> None:
    expected = pytest.raises(StoreError, match="no data set named 'nope'; known: helpdesk")
    with open_store(sample_db, read_only=True) as con, expected:
        overview.summarize(con, dataset="nope")


def test_list_datasets(sample_db: Path) -> None:
    with open_store(sample_db, read_only=True) as con:
        (row,) = list_datasets(con)
    assert (row["name"], row["events"], row["cases"], row["format"]) == (
        "helpdesk",
        44_861,
        5000,
        "csv",
    )
