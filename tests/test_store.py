"""The event store: schema, migrations, and sharing the file between processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from ingest.load import ingest_files
from store.connection import attached_store, open_store
from store.errors import StoreError
from store.facts import CASE_COLUMNS
from store.schema import SCHEMA_VERSION
from store.vocabulary import CANONICAL_ACTIVITIES
from tests.conftest import REAL_HELPDESK, SAMPLE, real_log, rows, write


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
    with _hold(writable_sample_db, 1.5):  # on exit: waits for it, closes its pipe
        started = time.monotonic()
        report = ingest_files(
            writable_sample_db, [SAMPLE / "helpdesk.xes.gz"], dataset="xes", wait_s=30
        )
    assert report.events_loaded > 0
    assert time.monotonic() - started >= 1.0


def test_a_reader_gives_up_with_a_clear_message_while_a_writer_holds_on(
    writable_sample_db: Path,
) -> None:
    with _hold(writable_sample_db, 5) as holder:
        try:
            expected = pytest.raises(
                StoreError, match=r"in use by process \d+ .*Wait for it to finish"
            )
            with expected, open_store(writable_sample_db, read_only=True, wait_s=0.5):
                pass
        finally:
            holder.kill()


def test_a_write_waits_for_a_reader_of_the_same_process_and_says_so_if_it_stays(
    writable_sample_db: Path,
) -> None:
    """DuckDB cannot open one file in two modes in one process (the dashboard reads while it
    saves a change): the write waits like one behind another process, then says who holds on."""
    with open_store(writable_sample_db, read_only=True):
        expected = pytest.raises(StoreError, match=r"in use by this process.*Wait for it")
        with expected, open_store(writable_sample_db, wait_s=0.3):
            pass
    reader = open_store(writable_sample_db, read_only=True)
    reader.__enter__()
    threading.Timer(0.3, reader.__exit__, (None, None, None)).start()
    with open_store(writable_sample_db, wait_s=5) as con:  # once the reader is done
        assert con.execute("SELECT count(*) FROM datasets").fetchall()[0][0] == 1


NEXT_COLUMNS = "dataset_id, case_key, event_index, next_activity_id, next_ts, next_team"


def _back_to_version_5(con: duckdb.DuckDBPyConnection) -> None:
    """Undo migrations 6 to 10 and privacy's (013)."""
    for column in (
        "next_activity_id",
        "next_ts",
        "next_team",
        "loaded_activity_id",
        "loaded_level",
    ):
        con.execute(f"ALTER TABLE events DROP COLUMN {column}")
    for table in (
        "ticket_facts",
        "activity_vocabulary",
        "team_levels",
        "dataset_settings",
        "dataset_privacy",
    ):
        con.execute(f"DROP TABLE {table}")
    con.execute("DELETE FROM schema_version WHERE version > 5")


def test_an_older_store_gains_the_next_events_and_ticket_facts_as_the_ingest_writes_them(
    writable_sample_db: Path,
) -> None:
    written = rows(writable_sample_db, f"SELECT {NEXT_COLUMNS} FROM events ORDER BY ALL")
    facts = rows(writable_sample_db, "SELECT * FROM ticket_facts ORDER BY ALL")
    with duckdb.connect(str(writable_sample_db)) as con:  # back to schema version 5
        _back_to_version_5(con)
    with open_store(writable_sample_db):
        pass
    assert rows(writable_sample_db, f"SELECT {NEXT_COLUMNS} FROM events ORDER BY ALL") == written
    assert rows(writable_sample_db, "SELECT * FROM ticket_facts ORDER BY ALL") == facts
    assert written[0][3] is not None and any(f[6] for f in facts)  # pairs and bounce-backs


def test_an_ingest_into_an_older_store_migrates_it(db: Path, tmp_path: Path) -> None:
    header = "case_id,activity,timestamp\n"
    first = write(tmp_path / "a.csv", f"{header}T1,Ticket created,2025-01-06 09:00\n")
    ingest_files(db, [first], dataset="t")
    with duckdb.connect(str(db)) as con:  # back to schema version 5
        _back_to_version_5(con)
    later = write(tmp_path / "b.csv", f"{header}T1,Resolved,2025-01-06 10:00\n")
    assert ingest_files(db, [later], dataset="t").events_loaded == 1
    assert rows(db, "SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]
    assert rows(db, "SELECT events, last_resolved IS NOT NULL FROM ticket_facts") == [(2, True)]


# A ticket's columns of `cases` beside its copy of them in its facts, where the two differ.
_CASE_COPIES_DIFFER = (
    "SELECT count(*) FROM ticket_facts f JOIN cases c USING (dataset_id, case_key)"
    f" WHERE ({', '.join(f'f.{c}' for c in CASE_COLUMNS)})"
    f" IS DISTINCT FROM ({', '.join(f'c.{c}' for c in CASE_COLUMNS)})"
)


def test_a_store_from_before_migration_15_gains_its_tickets_cases_rows_in_their_facts(
    writable_sample_db: Path,
) -> None:
    facts = rows(writable_sample_db, "SELECT * FROM ticket_facts ORDER BY ALL")
    with duckdb.connect(str(writable_sample_db)) as con:
        for column in CASE_COLUMNS:
            con.execute(f"ALTER TABLE ticket_facts DROP COLUMN {column}")
        con.execute("DELETE FROM schema_version WHERE version = $v", {"v": SCHEMA_VERSION})
    with open_store(writable_sample_db):
        pass
    assert rows(writable_sample_db, "SELECT * FROM ticket_facts ORDER BY ALL") == facts
    assert rows(writable_sample_db, _CASE_COPIES_DIFFER) == [(0,)]
    assert rows(writable_sample_db, "SELECT count(csat) FROM ticket_facts") > [(1000,)]


def test_an_append_that_changes_a_tickets_row_but_no_event_changes_its_facts_copy(
    db: Path, tmp_path: Path
) -> None:
    """A re-export brings no new event of T1, only the survey answer it lacked and a category:
    the ticket's facts, not rewritten, copy its `cases` row all the same."""
    header = "case_id,activity,timestamp,category,csat\n"
    events = (
        "T1,Ticket created,2025-01-06 09:00,{category},\nT1,Resolved,2025-01-06 10:00,,{csat}\n"
    )
    first = write(tmp_path / "a.csv", header + events.format(category="", csat=""))
    ingest_files(db, [first], dataset="t")
    again = write(tmp_path / "b.csv", header + events.format(category="Billing", csat="5"))
    report = ingest_files(db, [again], dataset="t")
    assert (report.events_loaded, report.duplicates_skipped) == (0, 2)
    assert rows(db, "SELECT category, csat FROM ticket_facts") == [("Billing", 5)]
    assert rows(db, _CASE_COPIES_DIFFER) == [(0,)]


def test_a_reader_of_an_older_store_migrates_it_first(
    db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A command that only reads (here `ticketloop kpis`) on a store of an older ticketloop brings
    it up to date and answers, instead of asking for a write command first; it says so once, as
    an older ticketloop can no longer open the store."""
    from click.testing import CliRunner

    from ticketloop.cli import cli

    ingest_files(db, [SAMPLE / "helpdesk.csv"], dataset="helpdesk")
    with duckdb.connect(str(db)) as con:  # back to schema version 5
        _back_to_version_5(con)
    result = CliRunner().invoke(cli, ["kpis", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT max(version) FROM schema_version") == [(SCHEMA_VERSION,)]
    assert rows(db, _CASE_COPIES_DIFFER) == [(0,)]
    said = [r for r in caplog.records if r.name == "ticketloop.store"]
    assert [(r.levelname, r.getMessage()) for r in said] == [
        (
            "WARNING",
            f"{db}: upgraded from schema version 5 to {SCHEMA_VERSION} for this ticketloop; an"
            " older ticketloop can no longer open it",
        )
    ]
    caplog.clear()
    assert CliRunner().invoke(cli, ["kpis", "--db", str(db), "--json"]).exit_code == 0
    assert not [r for r in caplog.records if r.name == "ticketloop.store"]  # once only


def test_a_read_only_dashboard_leaves_an_older_store_as_it_is_and_says_what_to_run(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import app_on

    ingest_files(db, [SAMPLE / "helpdesk.csv"], dataset="helpdesk")
    with duckdb.connect(str(db)) as con:  # back to schema version 5
        _back_to_version_5(con)
    monkeypatch.setenv("TICKETLOOP_READ_ONLY", "1")
    at = app_on(db, monkeypatch)
    assert not at.exception, at.exception
    said = " ".join(e.value for e in at.error)
    assert "made by an older ticketloop (schema version 5" in said
    assert "a read-only dashboard does not change it" in said
    assert "e.g. ticketloop datasets --db " in said
    assert rows(db, "SELECT max(version) FROM schema_version") == [(5,)]


def test_an_append_renews_the_next_event_of_the_tickets_it_touches(
    db: Path, tmp_path: Path
) -> None:
    header = "case_id,activity,timestamp,team"
    first = write(
        tmp_path / "a.csv",
        f"{header}\nT1,Ticket created,2025-01-06 09:00,\nT1,Assigned,2025-01-06 09:05,L1\nT1,Resolved,2025-01-06 11:00,L1\n",
    )
    ingest_files(db, [first], dataset="t")
    later = write(tmp_path / "b.csv", f"{header}\nT1,First response,2025-01-06 10:00,L1\n")
    ingest_files(db, [later], dataset="t")
    got = rows(
        db,
        "SELECT a.name, n.name, next_ts::VARCHAR, next_team::VARCHAR FROM events e"
        " JOIN activities a USING (activity_id) LEFT JOIN activities n"
        " ON n.activity_id = e.next_activity_id ORDER BY event_index",
    )
    assert [(a, n) for a, n, _, _ in got] == [
        ("Ticket created", "Assigned"),
        ("Assigned", "First response"),
        ("First response", "Resolved"),
        ("Resolved", None),
    ]
    assert got[1][2].startswith("2025-01-06 10:00") and got[1][3] == "L1"
    assert got[0][3] == "L1" and got[3][2] is None and got[3][3] is None


def test_a_load_in_passes_of_tickets_writes_what_one_pass_writes(
    real_helpdesk_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large first load numbers its events and works out its tickets' facts in passes of
    tickets by key (store.facts.PASS_EVENTS): the public Helpdesk log loaded in passes of 2,000
    events holds the same events and facts, in the same order, as loaded in one pass."""
    monkeypatch.setattr("store.facts.PASS_EVENTS", 2_000)
    db = tmp_path / "passes.duckdb"
    ingest_files(db, [real_log(REAL_HELPDESK)], dataset="helpdesk")
    stored = "SELECT * EXCLUDE (file_id) FROM events ORDER BY rowid"
    assert rows(db, stored) == rows(real_helpdesk_db, stored)
    facts = "SELECT * FROM ticket_facts ORDER BY rowid"
    assert rows(db, facts) == rows(real_helpdesk_db, facts)
    assert rows(db, "SELECT count(*) FROM events")[0][0] > 10 * 2_000  # passes were made


def test_an_interrupted_commit_is_said_as_an_interruption(tmp_path: Path) -> None:
    """A Ctrl-C inside BEGIN or COMMIT leaves a transaction open: leaving the store rolls it
    back, so the interruption is what the caller sees (not DuckDB's refusal to detach), and
    nothing was written."""
    db = tmp_path / "s.duckdb"
    con = duckdb.connect()
    with pytest.raises(KeyboardInterrupt), attached_store(con, db):
        con.execute("BEGIN")
        con.execute("INSERT INTO datasets VALUES (1, 'x', now(), now(), 0)")
        raise KeyboardInterrupt  # as if it landed in the COMMIT
    assert not con.execute(
        "SELECT 1 FROM duckdb_databases() WHERE database_name = 'store'"
    ).fetchall()
    con.close()
    assert rows(db, "SELECT count(*) FROM datasets") == [(0,)]
