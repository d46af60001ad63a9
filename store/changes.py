"""The change log: process changes a team made to a data set's process, to measure their effect."""

from __future__ import annotations

from datetime import date

import duckdb

from store.datasets import dataset_id
from store.errors import StoreError

_COLUMNS = (
    "SELECT c.change_id AS id, d.name AS dataset, c.effective AS date, c.title, c.note,"
    " c.recorded_at FROM changes c JOIN datasets d USING (dataset_id)"
)


def add_change(
    con: duckdb.DuckDBPyConnection, *, dataset: str, effective: date, title: str, note: str | None
) -> int:
    """Record a change of `dataset` taking effect on `effective`; its id. StoreError for one
    recorded already (the same date and title), or one after the data's last event."""
    if not title.strip():
        raise StoreError("a change needs a title. Give --title, e.g. --title 'Knowledge base'")
    d = dataset_id(con, dataset)
    (last,) = con.execute(
        "SELECT max(ts)::DATE FROM events WHERE dataset_id = $d", {"d": d}
    ).fetchall()[0]
    if last is not None and effective > last:
        raise StoreError(
            f"{effective} is after the data of '{dataset}' ends ({last}): no ticket could show"
            " the change's effect. Give the date it took effect, on or before the data's end"
        )
    same = con.execute(
        "SELECT change_id FROM changes WHERE dataset_id = $d AND effective = $effective"
        " AND title = $title",
        {"d": d, "effective": effective, "title": title.strip()},
    ).fetchall()
    if same:
        raise StoreError(
            f"change {same[0][0]} of data set '{dataset}' is already '{title.strip()}' on"
            f" {effective}. See them with: ticketloop change list"
        )
    return con.execute(
        "INSERT INTO changes (dataset_id, effective, title, note, recorded_at)"
        " VALUES ($d, $effective, $title, $note, now()) RETURNING change_id",
        {"d": d, "effective": effective, "title": title.strip(), "note": note},
    ).fetchall()[0][0]


def list_changes(con: duckdb.DuckDBPyConnection, dataset: str | None = None) -> list[dict]:
    """The changes, oldest first: id, dataset, date, title, note, recorded_at."""
    where, params = "", {}
    if dataset is not None:
        where, params = " WHERE c.dataset_id = $d", {"d": dataset_id(con, dataset)}
    cursor = con.execute(f"{_COLUMNS}{where} ORDER BY c.effective, c.change_id", params)
    names = [col[0] for col in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def get_change(con: duckdb.DuckDBPyConnection, change_id: int) -> dict:
    """One change by id; StoreError when there is none."""
    cursor = con.execute(f"{_COLUMNS} WHERE c.change_id = $id", {"id": change_id})
    found = cursor.fetchall()
    if not found:
        raise StoreError(f"no change with id {change_id}. See them with: ticketloop change list")
    names = [col[0] for col in cursor.description]
    return dict(zip(names, found[0], strict=True))


def remove_change(con: duckdb.DuckDBPyConnection, change_id: int) -> dict:
    """Delete one change; what it was."""
    change = get_change(con, change_id)
    con.execute("DELETE FROM changes WHERE change_id = $id", {"id": change_id})
    return change
