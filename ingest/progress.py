"""Progress of a long DuckDB statement, for the CLI's progress bar."""

from __future__ import annotations

import threading
from collections.abc import Callable

import duckdb


def execute_with_progress(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict[str, object],
    advance: Callable[[float], None],
) -> None:
    """Run `sql` while a watcher thread passes `advance` each newly finished fraction (0-1) of it."""
    reported = 0.0
    finished = threading.Event()

    def watch() -> None:
        nonlocal reported
        while not finished.wait(0.1):
            fraction = con.query_progress() / 100
            if fraction > reported:
                advance(fraction - reported)
                reported = fraction

    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        con.execute(sql, params)
    finally:
        finished.set()
        watcher.join()
    advance(1.0 - reported)
