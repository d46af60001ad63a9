"""The Python API (`ticketloop.Store`) and the one filter type (`Selection`) on real stores."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import ticketloop
from dashboard.report import render_review
from mining.selection import Selection, scope, selection_of
from store.connection import open_store
from store.errors import StoreError, TicketloopError
from tests.conftest import SAMPLE, name_designed_flow, rows, write
from ticketloop.cli import cli


def test_store_load_returns_the_ingest_report_and_datasets_match_the_cli(tmp_path: Path) -> None:
    from click.testing import CliRunner

    store = ticketloop.Store(tmp_path / "api.duckdb")
    assert store.datasets() == []
    report = store.load(str(SAMPLE / "helpdesk.csv"), dataset="desk")
    cli_db = tmp_path / "cli.duckdb"
    ran = CliRunner().invoke(
        cli,
        [
            "ingest",
            str(SAMPLE / "helpdesk.csv"),
            "--dataset",
            "desk",
            "--db",
            str(cli_db),
            "--json",
        ],
    )
    assert report == json.loads(ran.output)
    listed = CliRunner().invoke(cli, ["datasets", "--db", str(tmp_path / "api.duckdb"), "--json"])
    assert store.datasets() == json.loads(listed.output)
    assert store.datasets()[0]["first_ts"].count("T") == 1


def test_store_load_takes_a_mapping_file_as_str_or_path(tmp_path: Path) -> None:
    export = write(tmp_path / "e.csv", "Ticket Nr;Step;When\nT1;Open;2025-01-06 10:00\n")
    mapping = write(
        tmp_path / "e.toml",
        '[columns]\ncase_id = "Ticket Nr"\nactivity = "Step"\ntimestamp = "When"\n',
    )
    store = ticketloop.Store(str(tmp_path / "m.duckdb"))
    assert store.load(export, dataset="desk", mapping=str(mapping))["events_loaded"] == 1
    assert store.load(export, dataset="desk", mapping=mapping)["events_loaded"] == 0


def test_only_dataset_names_the_choices(tmp_path: Path) -> None:
    store = ticketloop.Store(tmp_path / "two.duckdb")
    with pytest.raises(TicketloopError, match=r"the store does not exist yet\. Load a data set"):
        store.only_dataset()
    for name in ("a", "b"):  # two files of their own (the same content would be one file)
        store.load(
            write(tmp_path / f"{name}.csv", f"Case ID,Activity,Timestamp\n{name},A,2025-01-01\n")
        )
    with pytest.raises(TicketloopError) as caught:
        store.only_dataset()
    assert str(caught.value) == "the store holds several data sets; pick one with --dataset: a, b"


def test_import_ticketloop_stays_light() -> None:
    import subprocess
    import sys

    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ticketloop; print(sorted({'duckdb', 'pandas', 'pm4py'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


# --- Selection ----------------------------------------------------------------------------------


def _tickets(db: Path, selection: Selection) -> int:
    with open_store(db, read_only=True) as con:
        return scope(con, selection).tickets


def test_each_filter_narrows_the_sample_as_sql_counts_it(sample_db: Path) -> None:
    def count(sql: str) -> int:
        return rows(sample_db, sql)[0][0]

    assert _tickets(sample_db, Selection("helpdesk")) == 5000
    assert _tickets(sample_db, selection_of("helpdesk", channel="chat")) == count(
        "SELECT count(*) FROM cases WHERE channel = 'chat'"
    )
    assert _tickets(sample_db, selection_of("helpdesk", priority=["high", "urgent"])) == count(
        "SELECT count(*) FROM cases WHERE priority IN ('high', 'urgent')"
    )
    assert _tickets(sample_db, selection_of("helpdesk", team="Finance", level=[2])) == count(
        "SELECT count(DISTINCT case_key) FROM events WHERE team = 'Finance' AND level = 2"
    )
    assert _tickets(sample_db, selection_of("helpdesk", activity="Reopened")) == count(
        "SELECT count(DISTINCT case_key) FROM event_log WHERE activity = 'Reopened'"
    )
    assert _tickets(
        sample_db, selection_of("helpdesk", edge=("Escalated", "De-escalated"))
    ) == count(
        "SELECT count(DISTINCT a.case_key) FROM event_log a JOIN event_log b"
        " ON a.case_key = b.case_key AND b.event_index = a.event_index + 1"
        " WHERE a.activity = 'Escalated' AND b.activity = 'De-escalated'"
    )


def test_dates_are_whole_days_in_the_selection_time_zone(sample_db: Path) -> None:
    utc = _tickets(sample_db, Selection("helpdesk", start=date(2025, 1, 6), end=date(2025, 1, 6)))
    madrid = Selection(
        "helpdesk", start=date(2025, 1, 6), end=date(2025, 1, 6), timezone="Europe/Madrid"
    )
    assert (
        utc
        == rows(
            sample_db,
            "SELECT count(*) FROM cases WHERE created_at >= '2025-01-06 00:00+00'"
            " AND created_at < '2025-01-07 00:00+00'",
        )[0][0]
    )
    assert (
        _tickets(sample_db, madrid)
        == rows(
            sample_db,
            "SELECT count(*) FROM cases WHERE created_at >= '2025-01-05 23:00+00'"
            " AND created_at < '2025-01-06 23:00+00'",
        )[0][0]
    )


def test_a_hostile_filter_value_is_only_a_value(sample_db: Path) -> None:
    hostile = selection_of("helpdesk", channel="x' OR '1'='1", category='x" FROM secrets --')
    assert _tickets(sample_db, hostile) == 0


def test_an_unknown_dataset_names_the_known_ones(sample_db: Path) -> None:
    with pytest.raises(StoreError) as caught:
        _tickets(sample_db, Selection("nope"))
    assert str(caught.value) == "no data set named 'nope'; known: helpdesk"


def test_describe_says_the_filters_in_words() -> None:
    assert Selection("d").describe() == "all tickets"
    assert selection_of("d", start="2025-01-01", channel=["chat", "phone"], level=2).describe() == (
        "created 2025-01-01 to …; channel chat, phone; level 2"
    )


def test_deviating_root_causes_rest_on_conformance(writable_sample_db: Path) -> None:
    name_designed_flow(writable_sample_db)
    desk = ticketloop.Store(writable_sample_db).select("helpdesk")
    checked = desk.conformance()
    deviating = desk.rootcause("deviating")
    assert deviating.target_tickets == len(checked.non_fitting_tickets)
    assert deviating.target_tickets == round((1 - checked.fitting_ticket_share) * checked.tickets)


def test_without_a_designed_flow_conformance_says_how_to_name_one(sample_db: Path) -> None:
    """No flow is put on a log that the settings name none for: not the sample's, not any."""
    desk = ticketloop.Store(sample_db).select("helpdesk")
    with pytest.raises(TicketloopError, match="no designed flow to compare with"):
        desk.conformance()
    assert desk.fit().flow is None
    document = render_review(desk.review("2025-W20"))
    assert "No conformance figures: no designed flow to compare with" in document
    assert "--model" not in document  # an option of the conformance command, not the report's


def test_a_store_held_open_shares_one_database_among_its_reads(sample_db: Path) -> None:
    """Held open, the store's reads share the open database (a global setting one read makes,
    the next sees) instead of each opening the file anew; the query commands that never write
    run so. A store that does not exist is not held: each read says so."""
    store = ticketloop.Store(sample_db)
    with store.held_open():
        with store.reading() as first:
            first.execute("SET GLOBAL threads = 1")
        with store.reading() as second:
            assert second.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
    with store.reading() as fresh:  # released: a read opens the file anew, with the defaults
        assert fresh.execute("SELECT current_setting('threads')").fetchall() != [(1,)]
    missing = ticketloop.Store(sample_db.with_name("none.duckdb"))
    with missing.held_open(), pytest.raises(TicketloopError, match="does not exist yet"):
        missing.only_dataset()
