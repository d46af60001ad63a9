"""The `ticketloop` command as a user runs it: exit codes, exact messages, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.conftest import ROOT, SAMPLE, write
from ticketloop.cli import cli

COMMANDS = sorted(cli.commands)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command in a child process, as a shell would run it."""
    ticketloop = Path(sys.executable).with_name("ticketloop")
    env = {k: v for k, v in os.environ.items() if k != "TICKETLOOP_DB"}
    return subprocess.run(
        [str(ticketloop), *args], capture_output=True, text=True, env=env, check=False
    )


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_commands_are_the_ones_the_readme_documents() -> None:
    assert COMMANDS == [
        "change",
        "dashboard",
        "datasets",
        "demo",
        "generate",
        "ingest",
        "kpis",
        "quality",
        "report",
    ]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"ticketloop {name}" in readme, name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_explains_itself_and_takes_json(name: str) -> None:
    command = cli.commands[name]
    if isinstance(command, click.Group):  # each subcommand stands for itself
        assert len(command.help or "") > 40
        for sub in command.commands:
            result = invoke(name, sub, "--help")
            assert result.exit_code == 0 and "--json" in result.output and "--db" in result.output
        return
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert "--json" in result.output
    # generate writes files, not the store: it has no --db to mislead
    assert ("--db" in result.output) == (name != "generate")
    assert len(cli.commands[name].help or "") > 40


def test_help_is_fast_and_imports_nothing_heavy() -> None:
    started = time.monotonic()
    result = run("--help")
    assert time.monotonic() - started < 1.5  # a cold interpreter included; well under 1 s warm
    assert result.returncode == 0 and "ingest" in result.stdout
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ticketloop.cli; print(sorted({'pm4py', 'pandas', 'duckdb', 'streamlit'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


def test_ingest_says_what_it_loaded(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    result = run("ingest", str(SAMPLE / "helpdesk.csv"), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{SAMPLE / 'helpdesk.csv'}: CSV event log; 44,861 rows read, 44,861 events loaded,"
        " 0 duplicates skipped, 0 rows rejected",
        f"data set 'helpdesk' in {db}: 5,000 tickets, 2025-01-06 to 2025-07-14 (+44,861 events)",
    ]
    assert result.stderr == ""  # no progress bar below 10 MB, no pm4py banner
    again = run("ingest", str(SAMPLE / "helpdesk.csv"), "--db", str(db), "--json")
    doc = json.loads(again.stdout)
    assert {
        k: doc[k]
        for k in ("dataset", "events_loaded", "duplicates_skipped", "rows_rejected", "cases")
    } == {
        "dataset": "helpdesk",
        "events_loaded": 0,
        "duplicates_skipped": 0,
        "rows_rejected": 0,
        "cases": 5000,
    }
    assert (doc["first_ts"], doc["last_ts"]) == (
        "2025-01-06T02:08:45+00:00",
        "2025-07-14T19:29:49+00:00",
    )


def test_ingest_says_which_export_it_recognised(tmp_path: Path) -> None:
    fixtures = ROOT / "tests" / "fixtures" / "exports"
    db = tmp_path / "t.duckdb"
    files = [fixtures / "zendesk_tickets.csv", fixtures / "zendesk_audits.json"]
    result = invoke("ingest", *map(str, files), "--db", str(db), "--timezone", "Europe/Madrid")
    assert result.exit_code == 0
    assert result.output.splitlines()[:2] == [
        f"{files[0]}: Zendesk ticket export (flat: milestones only); 3 rows read,"
        " 1 events loaded, 8 duplicates skipped, 0 rows rejected",
        f"{files[1]}: Zendesk ticket audits (history); 13 rows read, 16 events loaded,"
        " 0 duplicates skipped, 0 rows rejected",
    ]
    assert (
        "note: 8 milestone events of flat ticket exports gave way to the history of the same"
        " tickets (counted as duplicates skipped)" in result.output.splitlines()
    )
    doc = json.loads(
        invoke("ingest", str(files[0]), "--db", str(tmp_path / "j.duckdb"), "--json").output
    )
    assert (doc["files"][0]["format"], doc["files"][0]["recognised_as"]) == (
        "zendesk-tickets",
        "Zendesk ticket export (flat: milestones only)",
    )
    forced = invoke("ingest", str(files[0]), "--db", str(tmp_path / "f.duckdb"), "--format", "csv")
    assert forced.exit_code == 1
    assert forced.output.startswith(
        f"error: {files[0]}: no column for the case id, activity, timestamp; found Id,"
    )
    zone = invoke("ingest", str(files[0]), "--db", str(db), "--timezone", "Mars/Base")
    assert zone.output == (
        'error: --timezone: unknown time zone "Mars/Base". Use an IANA name such as'
        ' "Europe/Madrid" in --timezone\n'
    )


def test_ingest_reports_rejected_rows_and_exits_zero(tmp_path: Path) -> None:
    path = write(
        tmp_path / "t.csv",
        "Case ID,Activity,Timestamp\nT1,A,2025-01-01 10:00\n,B,2025-01-01 11:00\n",
    )
    db = tmp_path / "t.duckdb"
    result = invoke("ingest", str(path), "--db", str(db))
    assert result.exit_code == 0
    assert f'  rejected {path} row 3: no case id (column "Case ID")' in result.output
    strict = invoke(
        "ingest", str(path), "--db", str(tmp_path / "s.duckdb"), "--strict", "--dataset", "s"
    )
    assert strict.exit_code == 1
    assert strict.output == (
        f'error: {path}: 1 rows rejected, the first at row 3: no case id (column "Case ID").'
        " Nothing was loaded (--strict); fix the rows or load without --strict\n"
    )


def test_unreadable_file_is_one_error_line_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.csv", "")
    result = run("ingest", str(path), "--db", str(tmp_path / "t.duckdb"))
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        result.stderr
        == f"error: {path}: the file is empty. Export it again from the helpdesk tool\n"
    )
    assert not (tmp_path / "t.duckdb").exists()


def test_db_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETLOOP_DB", str(tmp_path / "env.duckdb"))
    path = write(tmp_path / "x.csv", "Case ID,Activity,Timestamp\nT1,A,2025-01-01 10:00\n")
    assert invoke("ingest", str(path)).exit_code == 0
    assert (tmp_path / "env.duckdb").exists()


def test_datasets_lists_what_is_loaded(sample_db: Path, tmp_path: Path) -> None:
    assert json.loads(invoke("datasets", "--db", str(sample_db), "--json").output) == [
        {
            "name": "helpdesk",
            "events": 44_861,
            "cases": 5000,
            "first_ts": "2025-01-06T02:08:45+00:00",
            "last_ts": "2025-07-14T19:29:49+00:00",
            "format": "csv",
            "loaded_at": json.loads(invoke("datasets", "--db", str(sample_db), "--json").output)[0][
                "loaded_at"
            ],
            "version": 1,
        }
    ]
    table = invoke("datasets", "--db", str(sample_db)).output.splitlines()
    assert table[1].split() == ["helpdesk", "44,861", "5,000", "2025-01-06", "2025-07-14", "csv"]
    empty = invoke("datasets", "--db", str(tmp_path / "none.duckdb"))
    assert empty.output.startswith("No data sets in ")
    assert (
        invoke("datasets", "--db", str(tmp_path / "none.duckdb"), "--json").output.strip() == "[]"
    )


def test_generate_writes_the_three_files(tmp_path: Path) -> None:
    result = invoke("generate", "--tickets", "50", "--seed", "3", "--out", str(tmp_path), "--json")
    doc = json.loads(result.output)
    assert doc["tickets"] == 50
    assert {Path(doc[k]).name for k in ("csv", "xes", "truth")} == {
        "helpdesk.csv",
        "helpdesk.xes.gz",
        "helpdesk_truth.csv",
    }


def test_demo_loads_the_sample_idempotently(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    first = invoke("demo", "--db", str(db), "--no-serve")
    assert first.output == f"sample data set 'helpdesk' in {db}: 5,000 tickets\n"
    second = invoke("demo", "--db", str(db), "--no-serve", "--json")
    assert json.loads(second.output)["events_loaded"] == 0


def test_usage_errors_are_clicks_own(tmp_path: Path) -> None:
    result = run("ingest")
    assert result.returncode == 2
    assert "Missing argument 'FILES...'" in result.stderr


def test_large_loads_show_a_progress_bar_but_json_stays_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ticketloop.cli.PROGRESS_MIN_BYTES", 0)
    shown = CliRunner().invoke(
        cli, ["ingest", str(SAMPLE / "helpdesk.csv"), "--db", str(tmp_path / "a.duckdb")]
    )
    assert "reading" in shown.stderr and "100%" in shown.stderr
    quiet = CliRunner().invoke(
        cli, ["ingest", str(SAMPLE / "helpdesk.csv"), "--db", str(tmp_path / "b.duckdb"), "--json"]
    )
    assert quiet.stderr == ""
    assert json.loads(quiet.stdout)["events_loaded"] == 44_861


def test_with_json_an_error_is_a_json_object_on_stdout(tmp_path: Path) -> None:
    result = run(
        "ingest", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "s.duckdb"), "--json"
    )
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"error": f"{tmp_path / 'missing.csv'}: no such file."}
    assert result.stderr == ""
    usage = run("datasets", "--db", str(tmp_path), "--json")
    assert usage.returncode == 2
    assert json.loads(usage.stdout) == {
        "error": f"Invalid value for '--db': File '{tmp_path}' is a directory."
    }


def test_a_db_that_is_not_a_store_is_named_without_engine_text(tmp_path: Path) -> None:
    other = write(tmp_path / "notes.txt", "hello\n")
    result = run("datasets", "--db", str(other))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {other}: not a ticketloop store (not a DuckDB database file). Give --db the"
        " path of a .duckdb file, or a new file name to create one\n"
    )


def test_a_folder_given_as_an_export_says_so(tmp_path: Path) -> None:
    result = run("ingest", str(tmp_path), "--db", str(tmp_path / "s.duckdb"))
    assert result.returncode == 1
    assert (
        result.stderr
        == f"error: {tmp_path}: is a folder, not a file. Give the export files in it\n"
    )
    assert not (tmp_path / "s.duckdb").exists()
