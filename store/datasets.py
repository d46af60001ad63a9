"""The data sets of a store: listing them and finding one by name."""

from __future__ import annotations

import duckdb

from store.errors import StoreError
from store.queries import sql_text


def list_datasets(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """One dict per data set: name, events, cases, first_ts, last_ts, format, loaded_at, version."""
    cursor = con.execute(sql_text("store", "datasets.sql"))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def dataset_id(con: duckdb.DuckDBPyConnection, dataset: str) -> int:
    """The id of data set `dataset`; StoreError naming the known ones if there is none."""
    rows = con.execute("SELECT dataset_id FROM datasets WHERE name = $n", {"n": dataset}).fetchall()
    if rows:
        return rows[0][0]
    known = [r[0] for r in con.execute("SELECT name FROM datasets ORDER BY name").fetchall()]
    listing = ", ".join(known) if known else "none yet; load one with ticketloop ingest FILE"
    raise StoreError(f"no data set named '{dataset}'; known: {listing}")
