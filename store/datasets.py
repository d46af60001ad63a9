"""The data sets of a store: listing them and finding one by name."""

from __future__ import annotations

import duckdb

from store.connection import transaction
from store.errors import StoreError
from store.plausible import span_params
from store.queries import sql_text


def list_datasets(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """One dict per data set: name, events, cases, first_ts, last_ts, format, loaded_at, version."""
    cursor = con.execute(sql_text("store", "datasets.sql"), span_params())
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


def _check_name(con: duckdb.DuckDBPyConnection, name: str) -> str:
    name = name.strip()
    if not name:
        raise StoreError("a data set needs a name; give one, e.g. servicedesk")
    taken = con.execute("SELECT 1 FROM datasets WHERE name = $n", {"n": name}).fetchall()
    if taken:
        raise StoreError(f"a data set named '{name}' exists already; pick another name")
    return name


def rename_dataset(con: duckdb.DuckDBPyConnection, old: str, new: str) -> str:
    """Rename data set `old` to `new` (trimmed); the new name, or StoreError if it is taken."""
    d = dataset_id(con, old)
    new = _check_name(con, new)
    # DuckDB refuses to update a row that source_files references, even when the referencing
    # rows were deleted earlier in the same transaction (a documented limitation of its foreign
    # keys). So the data set's file rows are parked in a table first (committed), then the name
    # changes and they come back (committed); if that fails, they come back unchanged.
    con.execute(
        "CREATE OR REPLACE TABLE renaming_files AS SELECT * FROM source_files WHERE dataset_id = $d",
        {"d": d},
    )
    with transaction(con):
        con.execute("DELETE FROM source_files WHERE dataset_id = $d", {"d": d})
    try:
        with transaction(con):
            con.execute("UPDATE datasets SET name = $n WHERE dataset_id = $d", {"n": new, "d": d})
            con.execute("INSERT INTO source_files BY NAME SELECT * FROM renaming_files")
    except BaseException:
        con.execute("INSERT INTO source_files BY NAME SELECT * FROM renaming_files")
        raise
    finally:
        con.execute("DROP TABLE renaming_files")
    return new


def delete_dataset(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, int]:
    """Remove data set `name` and its rows from every table that has a `dataset_id` (found in the
    catalog, so tables added later are covered); rows deleted per table.

    Its data goes in one transaction; its `datasets` row in a second one, because DuckDB refuses
    to delete a row whose referencing rows were deleted in the same transaction (a documented
    limitation of its foreign keys). Should the second fail, an empty data set of that name
    remains, which the listings show with 0 events and a second delete removes."""
    d = dataset_id(con, name)
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_columns() WHERE column_name = 'dataset_id'"
            " AND database_name = current_database() AND schema_name = 'main'"
            " AND table_name IN (SELECT table_name FROM duckdb_tables()"
            " WHERE database_name = current_database())"
        ).fetchall()
    ]
    # The tables others reference go last.
    tables.sort(key=lambda t: (t == "datasets", t == "source_files", t))
    deleted: dict[str, int] = {}
    with transaction(con):
        for table in tables[:-1]:
            deleted[table] = _delete_rows(con, table, d)
    with transaction(con):
        deleted["datasets"] = _delete_rows(con, "datasets", d)
    return deleted


def _delete_rows(con: duckdb.DuckDBPyConnection, table: str, d: int) -> int:
    quoted = '"' + table.replace('"', '""') + '"'
    sql = f"DELETE FROM {quoted} WHERE dataset_id = $d"  # noqa: S608 (a catalog name, quoted)
    return con.execute(sql, {"d": d}).fetchall()[0][0]
