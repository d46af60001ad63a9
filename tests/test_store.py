"""The event store: schema, migrations, and sharing the file between processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from ingest.load import ingest_files
from store.connection import open_store
from store.errors import StoreError
from store.schema import SCHEMA_VERSION
from store.vocabulary import CANONICAL_ACTIVITIES
from tests.conftest import SAMPLE, rows, write


def test_new_store_is_migrated_with_the_activity_dictionary(db: Path) -> None:
    with open_store(db) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        names = con.execute("SELECT name FROM activities ORDER BY activity_id").fetchall()
    assert {"datasets", "source_files", "activities", "events", "cases", "rejects"} <= tables
    assert [n for (n,) in names] == list(CANONICAL_ACTIVITIES)
    assert rows(db, "SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]


def test_migrating_twice_changes_nothing(db: Path) -> None:
    with open_store(db):
        pass
    with open_store(db):
        pass
    assert rows(db, "SELECT count(*) FROM schema_version") == [(SCHEMA_VERSION,)]


def test_reading_a_missing_store_says_how_to_create_it(db: Path) -> None:
    with (
        pytest.raises(
            StoreError, match=r"no such database\. Load data first: ticketloop ingest FILE"
        ),
        open_store(db, read_only=True),
    ):
        pass
    assert not db.exists()


def test_a_foreign_duckdb_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with (
        pytest.raises(StoreError, match="not a ticketloop database"),
        open_store(other, read_only=True),
    ):
        pass


def test_a_file_that_is_not_duckdb_is_refused(tmp_path: Path) -> None:
    junk = write(tmp_path / "junk.duckdb", "this is text, not a database\n" * 100)
    with pytest.raises(StoreError, match=r"junk\.duckdb"), open_store(junk):
        pass


def _hold(db: Path, seconds: float) -> subprocess.Popen:
    """Another process that holds the store open for writing, like an ingest in progress."""
    code = textwrap.dedent(
        f"""
        import duckdb, sys, time
        con = duckdb.connect({str(db)!r})
        print("holding", flush=True)
        time.sleep({seconds})
        con.close()
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_an_ingest_waits_for_another_process_to_release_the_store(writable_sample_db: Path) -> None:
    holder = _hold(writable_sample_db, 1.5)
    started = time.monotonic()
    report = ingest_files(
        writable_sample_db, [SAMPLE / "helpdesk.xes.gz"], dataset="xes", wait_s=30
    )
    holder.wait()
    assert report.events_loaded > 0
    assert time.monotonic() - started >= 1.0


def test_a_reader_gives_up_with_a_clear_message_while_a_writer_holds_on(
    writable_sample_db: Path,
) -> None:
    holder = _hold(writable_sample_db, 5)
    try:
        expected = pytest.raises(StoreError, match=r"in use by process \d+ .*Wait for it to finish")
        with expected, open_store(writable_sample_db, read_only=True, wait_s=0.5):
            pass
    finally:
        holder.kill()
        holder.wait()
