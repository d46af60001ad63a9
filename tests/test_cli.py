"""The `ticketloop` command as a user runs it: exit codes, exact messages, JSON output."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import pytest
from click.testing import CliRunner

from ingest.load import ingest_files
from store.settings import load_settings
from tests.conftest import ROOT, SAMPLE, name_designed_flow, write
from ticketloop.api import Store
from ticketloop.cli import cli
from ticketloop.text import duration

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
        "bottlenecks",
        "change",
        "conformance",
        "dashboard",
        "datasets",
        "demo",
        "dfg",
        "discover",
        "escalations",
        "forget",
        "generate",
        "ingest",
        "kpis",
        "map",
        "quality",
        "report",
        "rootcause",
        "settings",
        "ticket",
        "users",
        "variants",
    ]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"ticketloop {name}" in readme, name


@pytest.mark.slow
def test_the_readme_s_console_examples_run_on_a_store_of_two_data_sets(
    sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every `$ ticketloop ...` example of the README runs as written on a store holding two data
    sets, as the demo's does (a command picks no data set for the user)."""
    db = tmp_path / "two.duckdb"
    shutil.copy(sample_db, db)
    ingest_files(db, [SAMPLE / "complaints.csv"], dataset="complaints")
    name_designed_flow(db)
    monkeypatch.chdir(tmp_path)  # where an example writes its file
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"^\$ ticketloop (.+)$", readme, flags=re.MULTILINE)
    assert len(examples) >= 5
    for example in examples:
        result = CliRunner().invoke(cli, [*shlex.split(example), "--db", str(db)])
        assert result.exit_code == 0, (example, result.output)


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
        f"{files[0]}: Zendesk ticket export (flat: milestones only); 3 rows read giving 9"
        " events: 1 loaded, 8 duplicates skipped; 0 rows rejected",
        f"{files[1]}: Zendesk ticket audits (history); 13 rows read giving 16 events:"
        " 16 loaded, 0 duplicates skipped; 0 rows rejected",
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
        f'error: {path}: 1 row rejected, the first at row 3: no case id (column "Case ID").'
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
    assert doc["events"] == len(Path(doc["csv"]).read_text().splitlines()) - 1 > 50
    said = invoke("generate", "--tickets", "50", "--seed", "3", "--out", str(tmp_path)).output
    assert said.splitlines()[0] == f"50 tickets, {doc['events']:,} events (seed 3):"
    assert {Path(doc[k]).name for k in ("csv", "xes", "truth")} == {
        "helpdesk.csv",
        "helpdesk.xes.gz",
        "helpdesk_truth.csv",
    }


@pytest.mark.slow
def test_demo_loads_the_sample_idempotently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "demo.duckdb"
    monkeypatch.setattr("ticketloop.cli._on_terminal", lambda: True)  # its progress bars drawn
    first = invoke("demo", "--db", str(db), "--no-serve")
    kept = "; its settings kept with it (ticketloop settings)"
    assert first.stdout == (
        f"sample data set 'helpdesk' (incidents, Europe/Madrid) in {db}: 5,000 tickets{kept}\n"
        f"sample data set 'complaints' (complaints, Europe/Berlin) in {db}: 2,000 tickets{kept}\n"
    )
    second = invoke("demo", "--db", str(db), "--no-serve", "--json")
    assert [r["events_loaded"] for r in json.loads(second.output)] == [0, 0]
    assert not (tmp_path / "ticketloop.toml").exists()  # the settings are the data sets'
    # each desk's settings kept with its data set, with its designed flow; the incidents'
    # rollout once in the change log
    store = Store(db)
    for dataset, file, flow in (
        ("helpdesk", "ticketloop.toml", "designed_flow.bpmn"),
        ("complaints", "complaints.toml", "complaints_flow.bpmn"),
    ):
        kept_settings, desk = store.settings_of(dataset), load_settings(SAMPLE / file)
        assert kept_settings.designed_flow.data == (SAMPLE / flow).read_bytes()
        assert (kept_settings.calendar, kept_settings.sla, kept_settings.targets) == (
            desk.calendar,
            desk.sla,
            desk.targets,
        )
    changes = json.loads(invoke("change", "list", "--db", str(db), "--json").output)
    assert [(c["dataset"], c["date"], c["title"]) for c in changes] == [
        ("helpdesk", "2025-04-07", "Knowledge base rollout")
    ]
    # the tickets were replayed on the flow by alignments, with a progress bar: none is left
    assert "replaying: 100%" in first.stderr
    check = invoke("conformance", "--db", str(db), "--dataset", "helpdesk").output.splitlines()
    assert check[0].endswith("by alignments")
    assert check[1].endswith("373 variants (all from the cache)")
    check = invoke("conformance", "--db", str(db), "--dataset", "complaints").output.splitlines()
    assert check[1].endswith("(all from the cache)")


def test_usage_errors_are_clicks_own(tmp_path: Path) -> None:
    result = run("ingest")
    assert result.returncode == 2
    assert "Missing argument 'FILES...'" in result.stderr


def on_a_terminal(*args: str) -> str:
    """What the installed command writes when its output is a terminal (a pseudo-terminal)."""
    import fcntl
    import pty
    import struct
    import termios

    ticketloop = Path(sys.executable).with_name("ticketloop")
    env = {k: v for k, v in os.environ.items() if k != "TICKETLOOP_DB"}
    reader, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 wide
    with subprocess.Popen(
        [str(ticketloop), *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
    ) as child:
        os.close(terminal)
        written = []
        while True:
            try:
                chunk = os.read(reader, 1 << 16)
            except OSError:  # EIO: the command ended and closed the terminal
                break
            if not chunk:
                break
            written.append(chunk)
    os.close(reader)
    assert child.returncode == 0, b"".join(written)
    return b"".join(written).decode(errors="replace")


def test_a_large_load_draws_a_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    """Loading more than PROGRESS_MIN_BYTES (the sample three times over, 14 MB) draws a bar on
    a terminal; into a pipe or a script's log, none (it would keep every redrawn line)."""
    from ticketloop.cli import PROGRESS_MIN_BYTES

    big = tmp_path / "big.csv"
    header, *lines = (SAMPLE / "helpdesk.csv").read_text().splitlines()
    with big.open("w") as out:
        out.write(header + "\n")
        for copy in range(3):
            out.writelines(f"C{copy}-{line}\n" for line in lines)
    assert big.stat().st_size > PROGRESS_MIN_BYTES
    db = str(tmp_path / "a.duckdb")
    shown = on_a_terminal("ingest", str(big), "--db", db)
    assert "reading: 100%" in shown
    assert "15,000 tickets" in shown
    piped = run("ingest", str(big), "--db", db)  # read again (to find it loaded already)
    assert piped.returncode == 0 and "nothing to add" in piped.stdout
    assert piped.stderr == ""


def test_off_a_terminal_a_replay_says_in_one_line_that_it_started(
    writable_sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into a pipe or a log, a replay of several chunks (here of 100 variants) says once that it
    started, where a terminal shows a bar: a replay of minutes is not taken for a hang."""
    monkeypatch.setattr("mining.pm4py_bridge.REPLAY_CHUNK", {"token-replay": 100})
    args = ["conformance", "--db", str(writable_sample_db), "--dataset", "helpdesk"]
    args += ["--model", str(SAMPLE / "designed_flow.bpmn"), "--method", "token-replay"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and first.stderr == "replaying 373 variants...\n"
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and again.stderr == ""  # all from the cache


def test_a_progress_bar_leaves_json_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ticketloop.cli.PROGRESS_MIN_BYTES", 0)
    monkeypatch.setattr("ticketloop.cli._on_terminal", lambda: True)
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


def test_a_db_in_a_missing_folder_or_missing_is_said_so(tmp_path: Path) -> None:
    nowhere = tmp_path / "no" / "such.duckdb"
    result = run("ingest", str(SAMPLE / "helpdesk.csv"), "--db", str(nowhere))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {nowhere}: the folder {nowhere.parent} does not exist. Create it, or give --db"
        " a path in an existing folder\n"
    )
    missing = tmp_path / "missing.duckdb"
    result = run("kpis", "--db", str(missing))
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {missing}: the store does not exist yet. Load a data set: ticketloop ingest"
        f" --db {missing} FILE (or give --db the path of an existing store)\n"
    )  # the hint names the store once, copied as it is
    assert not missing.exists()  # reading never creates a store


def test_a_folder_given_as_an_export_says_so(tmp_path: Path) -> None:
    result = run("ingest", str(tmp_path), "--db", str(tmp_path / "s.duckdb"))
    assert result.returncode == 1
    assert (
        result.stderr
        == f"error: {tmp_path}: is a folder, not a file. Give the export files in it\n"
    )
    assert not (tmp_path / "s.duckdb").exists()


# --- the analysis commands on the sample ---------------------------------------------------------


def truth_rows() -> list[dict[str, str]]:
    """The sample's ground truth, one dict per ticket."""
    import csv

    with (SAMPLE / "helpdesk_truth.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def truth_count(column: str) -> int:
    """How many tickets the sample's ground truth marks `column` true."""
    return sum(row[column] == "true" for row in truth_rows())


def test_escalations_json_counts_each_kind_with_examples(sample_db: Path) -> None:
    doc = json.loads(invoke("escalations", "--db", str(sample_db), "--json").output)
    assert doc["escalated_tickets"] == truth_count("escalated")
    assert doc["bounce_back_tickets"] == truth_count("sent_back_untouched")
    assert doc["ping_pong_tickets"] >= truth_count("ping_pong")
    assert doc["push_to_front_tickets"] == 0  # no category reaches 80% in the whole sample
    assert doc["needless_escalation_rate"] == doc["bounce_back_tickets"] / doc["escalated_tickets"]
    assert {"by_team", "by_category", "by_agent", "by_channel"} <= set(doc)
    escalated_by_team = [row["escalated_tickets"] for row in doc["by_team"]]
    assert escalated_by_team == sorted(escalated_by_team, reverse=True)
    assert sum(escalated_by_team) <= doc["escalated_tickets"]
    for row in doc["by_category"]:
        assert 0 < len(row["example_tickets"]) <= 5
        assert row["baseline_csat_answers"] > 0 and row["csat_gap"] is not None
    assert len(doc["example_tickets"]["escalated"]) == 5


def test_escalations_text_reads_as_a_report(sample_db: Path) -> None:
    lines = invoke("escalations", "--db", str(sample_db), "--limit", "3").output.splitlines()
    escalated = truth_count("escalated")
    assert lines[0] == "helpdesk: 5,000 tickets (all tickets)"
    assert lines[2].startswith(
        f"escalated        {escalated:,}  {100 * escalated / 5000:.1f}% of tickets"
    )
    assert (
        "By team escalated to (first escalation); baseline: tickets resolved without escalation in"
        " the same months" in lines
    )
    assert not any(re.search(r"\bnan\b|<NA>|\bNone\b", line) for line in lines)
    # the cost in one unit (not "mean 2.3 d against 14.4 h"), every breakdown's extra time too
    (cost,) = [line for line in lines if line.startswith("  time to resolution: mean")]
    assert re.match(
        r"  time to resolution: mean [\d.]+ (h|d) against [\d.]+ \1, \+[\d.]+ \1 ", cost
    )
    units = {line.split("extra TTR ")[1][:3] for line in lines if "extra TTR (" in line}
    assert len(units) == 1, units


def test_push_to_front_threshold_comes_from_the_settings(writable_sample_db: Path) -> None:
    (writable_sample_db.parent / "ticketloop.toml").write_text(
        "[escalations]\npush_to_front_share = 0.7\n", encoding="utf-8"
    )
    doc = json.loads(invoke("escalations", "--db", str(writable_sample_db), "--json").output)
    assert doc["push_to_front_share"] == 0.7
    assert doc["push_to_front_tickets"] > 0


def test_bottlenecks_json_and_business_hours_from_the_calendar(writable_sample_db: Path) -> None:
    db = str(writable_sample_db)
    elapsed = json.loads(invoke("bottlenecks", "--db", db, "--json").output)
    assert elapsed["clock"] == "elapsed time" and elapsed["tickets"] == 5000
    totals = [t["total_hours"] for t in elapsed["transitions"]]
    assert totals == sorted(totals, reverse=True)
    assert elapsed["activity_durations"] is None
    assert elapsed["notes"] == [
        "waits after resolution left out: Resolved -> Closed, Closed -> Survey answered,"
        " Rejected -> Closed, ... (6,575 steps, 11,457 days in all); --include-after-resolution"
        " adds them",
        "activity durations: absent, no events with lifecycle `start` and `complete`",
    ]
    assert elapsed["customer_hours"] + elapsed["internal_hours"] == pytest.approx(
        sum(t["total_hours"] for t in elapsed["transitions"])
    )
    assert elapsed["customer_waits"]["requests"] == sum(
        int(row["info_requests"]) for row in truth_rows()
    )
    (writable_sample_db.parent / "ticketloop.toml").write_text(
        '[calendar]\ntimezone = "Europe/Madrid"\nholidays = [2025-04-18]\n', encoding="utf-8"
    )
    business = json.loads(invoke("bottlenecks", "--db", db, "--business-hours", "--json").output)
    assert business["clock"] == "business hours (Mon-Fri 08:00-18:00 Europe/Madrid, 1 holiday)"
    by_step = {(t["from_activity"], t["to_activity"]): t for t in business["transitions"]}
    abandoned = by_step[("Information requested", "Abandoned")]
    assert abandoned["median_hours"] == pytest.approx(50)  # the generator's five working days
    # in words, business hours stay hours: "2.1 d" would read as two working days
    text = invoke("bottlenecks", "--db", db, "--business-hours").output.splitlines()
    row = next(line for line in text if line.lstrip().startswith("Information requested -> Ab"))
    assert " 50.0 h " in row and " d " not in "\n".join(text)
    elapsed_text = invoke("bottlenecks", "--db", db).output
    assert " d " in elapsed_text  # elapsed time takes days where they fit


def test_bottlenecks_text(sample_db: Path) -> None:
    lines = invoke("bottlenecks", "--db", str(sample_db), "--limit", "2").output.splitlines()
    steps = json.loads(invoke("bottlenecks", "--db", str(sample_db), "--json").output)
    assert lines[0] == "helpdesk: 5,000 tickets (all tickets); durations in elapsed time"
    assert lines[2] == (
        f"Transitions by the waiting they add (count x mean), top 2 of {len(steps['transitions'])}"
    )
    assert lines[4].split()[:3] == [
        steps["transitions"][0]["from_activity"],
        "->",
        steps["transitions"][0]["to_activity"],
    ]
    assert (
        lines[-1]
        == "note: activity durations: absent, no events with lifecycle `start` and `complete`"
    )


def test_rootcause_json_and_text(sample_db: Path) -> None:
    doc = json.loads(
        invoke("rootcause", "--db", str(sample_db), "--target", "escalated", "--json").output
    )
    assert doc["target"] == "escalated" and doc["tickets"] == 5000
    assert doc["target_tickets"] == truth_count("escalated")
    lifts = [row["lift"] for row in doc["values"]]
    assert lifts == sorted(lifts, reverse=True) and lifts[0] > 1
    top = doc["values"][0]
    assert top["rate_low"] < top["target_rate"] < top["rate_high"]
    assert top["target_rate"] == pytest.approx(doc["overall_rate"] * top["lift"])
    assert all(row["tickets"] >= 30 for row in doc["values"])
    lines = invoke(
        "rootcause", "--db", str(sample_db), "--target", "unhappy", "--min-tickets", "100"
    ).output.splitlines()
    assert lines[0] == "helpdesk: 5,000 tickets (all tickets)"
    answers = sum(row["csat"] != "" for row in truth_rows())
    unhappy = sum(row["csat"] in ("1", "2") for row in truth_rows())
    assert lines[1].startswith(
        f"unhappy: a CSAT answer of 1 or 2 on 1-5: {unhappy:,} of {answers:,} tickets with a"
        " CSAT answer"
    )
    assert lines[3].startswith("Values with at least 100 tickets, highest lift first")


def test_analysis_errors_are_one_line(sample_db: Path, tmp_path: Path) -> None:
    empty = run("escalations", "--db", str(sample_db), "--channel", "fax")
    assert (empty.returncode, empty.stdout) == (1, "")
    assert empty.stderr == (
        "error: no tickets of data set 'helpdesk' match: channel fax."
        " Widen the filters (--from, --to, --channel, ...)\n"
    )
    assert run("rootcause", "--db", str(sample_db), "--target", "sad").returncode == 2
    bare = tmp_path / "bare.duckdb"
    assert (
        invoke(
            "ingest",
            str(
                write(tmp_path / "b.csv", "Case ID,Activity,Timestamp\nA,x,2025-01-06T10:00:00Z\n")
            ),
            "--db",
            str(bare),
        ).exit_code
        == 0
    )
    unhappy = run("rootcause", "--db", str(bare), "--target", "unhappy")
    assert unhappy.stderr == (
        "error: no selected ticket has a CSAT answer (1-5); 'unhappy' needs survey answers\n"
    )


# --- mining commands --------------------------------------------------------------------------------


def test_dfg_lists_edges_and_says_how_to_trace_them(sample_db: Path) -> None:
    text = invoke("dfg", "--db", str(sample_db)).output.splitlines()
    assert text[0].startswith("Directly-follows graph of data set 'helpdesk', all tickets (5,000")
    assert text[1].split() == ["edge", "count", "median", "mean", "p90"]
    assert text[-3] == "start activities (tickets): Ticket created 5,000"
    # the hint names the store given, so that it reads the same one when copied
    assert text[-1].endswith(f"trace an edge with ticketloop ticket --db {sample_db} ID.")
    doc = json.loads(invoke("dfg", "--db", str(sample_db), "--json").output)
    assert set(doc) == {
        "dataset",
        "selection",
        "tickets",
        "edges",
        "start_activities",
        "end_activities",
        "processing",
    }
    assert doc["processing"] == []  # no lifecycle start and complete events in the sample
    assert set(doc["edges"][0]) == {
        "source", "target", "count", "median_seconds", "mean_seconds", "p90_seconds", "examples"
    }  # fmt: skip
    assert sum(e["tickets"] for e in doc["end_activities"]) == 5000
    counts = [e["count"] for e in doc["edges"]] + [e["tickets"] for e in doc["start_activities"]]
    assert all(type(n) is int for n in counts)


def test_variants_text_and_json(sample_db: Path) -> None:
    result = invoke("variants", "--db", str(sample_db), "--limit", "2")
    lines = result.output.splitlines()
    assert lines[1] == "Time to resolution: first event to last 'Resolved'."
    assert lines[2].startswith("#1 ") and "no survey answers" in lines[2]
    assert lines[3].startswith("    Ticket created → Assigned → ")
    assert lines[4].startswith("    e.g. HD-")
    assert len(lines) == 2 + 2 * 3
    doc = json.loads(invoke("variants", "--db", str(sample_db), "--limit", "0", "--json").output)
    assert sum(v["tickets"] for v in doc["variants"]) == doc["tickets"] == 5000
    assert len(doc["variants"]) == doc["variants_total"]


def test_a_selection_nothing_matches_is_one_error_line(sample_db: Path) -> None:
    result = run("dfg", "--db", str(sample_db), "--channel", "fax")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: no tickets of data set 'helpdesk' match: channel fax."
        " Widen the filters (--from, --to, --channel, ...)\n"
    )


def test_discover_writes_bpmn_that_conformance_reads(
    writable_sample_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "found.bpmn"
    doc = json.loads(
        invoke("discover", "--db", str(writable_sample_db), "--out", str(out), "--json").output
    )
    assert doc["bpmn"] == str(out) and out.read_text().startswith("<?xml")
    assert doc["process_tree"].startswith("->( 'Ticket created'")
    checked = json.loads(
        invoke("conformance", "--db", str(writable_sample_db), "--model", str(out), "--json").output
    )
    assert checked["model"] == str(out)
    assert 0.9 < checked["log_fitness"] <= 1


def test_conformance_json_and_a_repeat_from_the_cache(writable_sample_db: Path) -> None:
    db = str(writable_sample_db)
    flow = name_designed_flow(writable_sample_db)
    first = json.loads(run("conformance", "--db", db, "--json").stdout)
    assert {"method", "log_fitness", "fitting_ticket_share", "weekly", "deviations"} <= set(first)
    assert first["method"] == "token-replay"
    assert first["model"] == flow.name
    assert first["weekly"][0] == first["weekly"][0] | {
        "week": "2025-W02",
        "week_start": "2025-01-06",
    }
    deviation = first["deviations"][0]
    assert set(deviation) >= {"deviation", "tickets", "share", "examples", "accepted"}
    assert type(deviation["tickets"]) is int and type(deviation["csat_answers_rest"]) is int
    again = run("conformance", "--db", db)  # no pm4py: the results come from the store
    assert again.returncode == 0 and again.stderr == ""
    assert again.stdout.splitlines()[1].endswith("variants (all from the cache)")


def test_conformance_without_a_designed_flow_says_how_to_name_one(sample_db: Path) -> None:
    result = run("conformance", "--db", str(sample_db))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "error: no designed flow to compare with: set the data set's flow (the Settings page"
        f" uploads one; ticketloop settings --db {sample_db} --dataset helpdesk --flow FLOW.bpmn),"
        " or give one:"
        " --model FLOW.bpmn\n"
    )


def test_conformance_with_a_file_that_is_no_model(sample_db: Path, tmp_path: Path) -> None:
    model = write(tmp_path / "model.bpmn", "hello")
    result = run("conformance", "--db", str(sample_db), "--model", str(model))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: {model}: not a BPMN file (not XML: Start tag expected, '<' not found, line 1,"
        " column 1). Export the model from your modeller as BPMN 2.0 XML, or give another file"
        " with --model\n"
    )


def test_ticket_prints_a_timeline(sample_db: Path) -> None:
    """The text shows what --json holds (the sample may be regenerated: read it from there)."""
    doc = json.loads(invoke("ticket", "HD-000009", "--db", str(sample_db), "--json").output)
    lines = invoke("ticket", "HD-000009", "--db", str(sample_db)).output.splitlines()
    created = datetime.fromisoformat(doc["created_at"])
    assert (
        lines[0]
        == f"Ticket HD-000009 of data set 'helpdesk', created {created:%Y-%m-%d %H:%M:%S} (UTC)"
    )
    assert lines[1].startswith(f"  channel {doc['channel']} · priority {doc['priority']} · ")
    assert lines[2].split() == ["time", "activity", "resource", "team", "level", "wait"]
    second = doc["events"][1]
    assert lines[4].split() == [
        *f"{datetime.fromisoformat(second['ts']):%Y-%m-%d %H:%M:%S}".split(),
        *second["activity"].split(),
        *second["resource"].split(),
        *second["team"].split(),
        f"L{second['level']}",
        *duration(second["wait_seconds"]).split(),
    ]
    assert (
        second["wait_seconds"]
        == (
            datetime.fromisoformat(second["ts"]) - datetime.fromisoformat(doc["events"][0]["ts"])
        ).total_seconds()
    )
    assert len(lines) == 3 + len(doc["events"])
    missing = run("ticket", "HD-00009", "--db", str(sample_db), "--dataset", "helpdesk")
    assert missing.returncode == 1
    assert missing.stderr == (
        "error: no ticket 'HD-00009' in data set 'helpdesk';"
        " did you mean HD-000090, HD-000091, HD-000092, HD-000093, HD-000094?\n"
    )


def test_ticket_reads_times_in_the_zone_of_the_settings_file_given(
    sample_db: Path, tmp_path: Path
) -> None:
    settings = write(tmp_path / "tokyo.toml", '[calendar]\ntimezone = "Asia/Tokyo"\n')
    doc = json.loads(invoke("ticket", "HD-000009", "--db", str(sample_db), "--json").output)
    first = invoke("ticket", "HD-000009", "--db", str(sample_db), "--config", str(settings))
    created = datetime.fromisoformat(doc["created_at"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert first.output.splitlines()[0].endswith(f"{created:%Y-%m-%d %H:%M:%S} (Asia/Tokyo)")


def test_variants_of_a_log_without_resolutions_speak_of_duration(real_helpdesk_db: Path) -> None:
    lines = invoke("variants", "--db", str(real_helpdesk_db), "--limit", "1").output.splitlines()
    assert lines[1].startswith("Duration: first to last event (2 of 4,580 tickets have a")
    assert " · median duration " in lines[-3] and "time to resolution" not in lines[-3]


def test_a_reader_that_stops_early_gets_no_error_message(sample_db: Path) -> None:
    """`ticketloop variants | head -1`: the closed pipe ends the command quietly."""
    command = [str(Path(sys.executable).with_name("ticketloop")), "variants", "--limit", "1000"]
    process = subprocess.Popen(
        [*command, "--db", str(sample_db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # the reader is gone before the first line
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 1 and errors.decode() == ""


def test_a_file_loaded_again_says_how_to_read_it_anew_and_the_data_set_can_go(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "d.duckdb")
    sample = str(SAMPLE / "helpdesk.csv")
    invoke("ingest", sample, "--db", db, "--dataset", "desk")
    mapping = write(tmp_path / "map.toml", '[activities]\n"Solved" = "Resolved"\n')
    again = invoke("ingest", sample, "--db", db, "--dataset", "desk", "--map", str(mapping))
    assert again.output.splitlines()[0] == (
        f"{sample}: already loaded (same sha256); nothing to add. To read it again (say, with"
        " another --map), load it as a new data set (--dataset NAME) or delete this one first"
        " (ticketloop datasets --delete desk)"
    )
    refused = invoke("datasets", "--delete", "desk", "--db", db, "--json")
    assert refused.exit_code == 1 and "add --yes" in json.loads(refused.output)["error"]
    deleted = json.loads(
        invoke("datasets", "--delete", "desk", "--yes", "--db", db, "--json").output
    )
    assert (deleted["deleted"], deleted["rows"]["events"]) == ("desk", 44_861)
    assert json.loads(invoke("datasets", "--db", db, "--json").output) == []
