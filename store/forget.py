"""Forgetting a person on request: every mention of them, in every text column of every table,
replaced by their keyed pseudonym."""

from __future__ import annotations

import re

import duckdb

from store.connection import transaction
from store.datasets import dataset_id
from store.identifiers import quote_ident

# Text columns of the store's tables, but those in a key (a ticket's id joins its rows).
_TEXT_COLUMNS = """
SELECT c.table_name, c.column_name, c.data_type, 'dataset_id' IN (
    SELECT column_name FROM duckdb_columns() d
    WHERE d.table_name = c.table_name AND d.database_name = c.database_name)
FROM duckdb_columns() c
JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
WHERE c.database_name = current_database() AND c.data_type IN ('VARCHAR', 'JSON')
  AND NOT EXISTS (
    SELECT 1 FROM duckdb_constraints() k
    WHERE k.database_name = c.database_name AND k.table_name = c.table_name
      AND k.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
      AND list_contains(k.constraint_column_names, c.column_name))
ORDER BY c.table_name, c.column_name
"""


def forget_person(
    con: duckdb.DuckDBPyConnection, person: str, pseudonym: str, dataset: str | None = None
) -> dict[str, int]:
    """Replace `person` (any case) with `pseudonym` wherever it is written, in `dataset` only or
    in every data set (and the tables all share); values changed per table, in one transaction."""
    d = dataset_id(con, dataset) if dataset is not None else None
    person = person.strip()
    # Whole words only: forgetting "Ana Doe" leaves "Ana Doel" (RE2 has no look-arounds).
    edges = [r"\b" if re.match(r"\w", c) else "" for c in (person[0], person[-1])]
    params = {"p": edges[0] + re.escape(person) + edges[1], "r": pseudonym}
    changed: dict[str, int] = {}
    with transaction(con):
        for table, column, kind, per_dataset in con.execute(_TEXT_COLUMNS).fetchall():
            if d is not None and not per_dataset:
                continue
            col = quote_ident(column)
            new = f"regexp_replace({col}::VARCHAR, $p, $r, 'gi')" + (
                "::JSON" if kind == "JSON" else ""
            )
            where = f"regexp_matches({col}::VARCHAR, $p, 'i')"
            if d is not None:
                where += " AND dataset_id = $d"
            count = con.execute(
                f"UPDATE {quote_ident(table)} SET {col} = {new} WHERE {where}",
                {**params, **({"d": d} if d is not None else {})},
            ).fetchall()[0][0]
            if count:
                changed[table] = changed.get(table, 0) + count
        if changed:  # the dashboard's caches hold the old values
            con.execute(
                "UPDATE datasets SET version = version + 1 WHERE $d IS NULL OR dataset_id = $d",
                {"d": d},
            )
    return changed
