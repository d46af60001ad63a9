"""Renaming and deleting data sets: every table, one transaction, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.load import ingest_files
from store.connection import open_store
from store.datasets import delete_dataset, list_datasets, rename_dataset
from store.errors import StoreError
from tests.conftest import SAMPLE, rows, write


@pytest.fixture
def two(tmp_path: Path) -> Path:
    db = tmp_path / "two.duckdb"
    ingest_files(db, [SAMPLE / "helpdesk.csv"], dataset="a")
    bad = write(
        tmp_path / "b.csv", "Case ID,Activity,Timestamp\nT1,X,2025-01-01 10:00\nT2,Y,never\n"
    )
    ingest_files(db, [bad], dataset="b")
    return db


def test_rename(two: Path) -> None:
    with open_store(two) as con:
        assert rename_dataset(con, "b", "  small ") == "small"
        assert [d["name"] for d in list_datasets(con)] == ["a", "small"]
        with pytest.raises(StoreError, match="a data set named 'a' exists already"):
            rename_dataset(con, "small", "a")
        with pytest.raises(StoreError, match="no data set named 'nope'"):
            rename_dataset(con, "nope", "c")
        with pytest.raises(StoreError, match="needs a name"):
            rename_dataset(con, "small", " ")


def test_delete_removes_the_data_set_from_every_table(two: Path) -> None:
    with open_store(two) as con:
        deleted = delete_dataset(con, "b")
    assert deleted["datasets"] == 1 and deleted["events"] == 1 and deleted["rejects"] == 1
    tables = [r[0] for r in rows(two, "SELECT table_name FROM duckdb_columns() WHERE column_name = 'dataset_id' AND table_name IN (SELECT table_name FROM duckdb_tables())")]  # fmt: skip
    for table in tables:
        names = rows(two, f'SELECT DISTINCT dataset_id FROM "{table}"')
        assert len(names) <= 1, table
    assert rows(two, "SELECT count(*) FROM events")[0][0] == 44_861
    with open_store(two) as con:
        assert [d["name"] for d in list_datasets(con)] == ["a"]
