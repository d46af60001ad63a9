"""The dashboard's one seam to the store: where the database is, and the only place that caches."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from mining import overview
from mining.selection import Selection
from mining.variants import variants as mine_variants
from store.connection import open_store
from store.datasets import list_datasets
from store.location import default_db_path

READ_WAIT_S = 5.0  # how long a page waits for an ingest in another process to release the file


def db_path() -> Path:
    return default_db_path().resolve()


def _reading(path: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A short read-only connection that waits a little for an ingest in another process."""
    return open_store(path, read_only=True, wait_s=READ_WAIT_S)


def db_version(path: Path) -> float:
    """Changes whenever the store file (or its write-ahead log) changes: the cache key."""
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_mtime_ns for p in (path, wal) if p.exists())


@st.cache_data(show_spinner=False)
def dataset_names(path: Path, version: float) -> list[str]:
    with _reading(path) as con:
        return [row["name"] for row in list_datasets(con) if row["events"]]


@st.cache_data(show_spinner="Summarising the data set…")
def summary(path: Path, version: float, dataset: str) -> overview.DatasetSummary:
    with _reading(path) as con:
        return overview.summarize(con, dataset=dataset)


@st.cache_data(show_spinner=False)
def weekly_channels(path: Path, version: float, dataset: str) -> pd.DataFrame:
    with _reading(path) as con:
        return overview.weekly_tickets_by_channel(con, dataset=dataset)


@st.cache_data(show_spinner=False)
def variants(path: Path, version: float, dataset: str, limit: int) -> pd.DataFrame:
    with _reading(path) as con:
        return mine_variants(con, Selection(dataset), limit=limit).table


@st.cache_data(show_spinner=False)
def rejected_rows(path: Path, version: float, dataset: str) -> pd.DataFrame:
    with _reading(path) as con:
        return overview.rejected_rows(con, dataset=dataset)
