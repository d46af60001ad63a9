"""The audit log: who uploaded, deleted, mapped, recorded or changed what in the store, and when."""

from __future__ import annotations

import duckdb
import pandas as pd


def record(
    con: duckdb.DuckDBPyConnection, *, who: str, action: str, dataset: str | None, detail: str
) -> None:
    """Log that `who` did `action` to `dataset` (`detail`: what, in a few words), now."""
    con.execute(
        "INSERT INTO audit_log VALUES (now(), $who, $action, $dataset, $detail)",
        {"who": who, "action": action, "dataset": dataset, "detail": detail},
    )


def entries(con: duckdb.DuckDBPyConnection, limit: int = 500) -> pd.DataFrame:
    """The latest `limit` entries, newest first: logged_at (UTC), who, action, dataset, detail."""
    cursor = con.execute(
        "SELECT logged_at, who, action, dataset, detail FROM audit_log ORDER BY logged_at DESC"
        " LIMIT $n",
        {"n": limit},
    )
    columns = [c[0] for c in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=columns)  # .df() of TIMESTAMPTZ warns
