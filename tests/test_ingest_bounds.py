"""Files that break things (issue 20): each refused in one line, or its bad rows rejected with a
reason, within the [ingest] bounds, the store unchanged."""

from __future__ import annotations

import codecs
import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from application.uploads import load_staged, stage
from ingest import load
from ingest.bounds import limit_memory
from ingest.load import ingest_files
from store.errors import IngestError, TicketloopError
from store.settings import IngestLimits
from tests.conftest import rows, write

HEADER = "Case ID,Activity,Timestamp\n"
GOOD = HEADER + "A,Ticket created,2025-01-06 09:00\nA,Resolved,2025-01-06 10:00\n"


@pytest.mark.parametrize("stamp", ["12025-03-15", "-0044-03-15", "9999-12-31", "2300-01-01"])
def test_an_implausible_timestamp_rejects_its_row_with_the_range(
    db: Path, tmp_path: Path, stamp: str
) -> None:
    path = write(tmp_path / "t.csv", GOOD + f"B,Ticket created,{stamp}\n")
    report = ingest_files(db, [path], dataset="t")
    assert (report.events_loaded, report.rows_rejected) == (2, 1)
    ((row, reason),) = rows(db, "SELECT row_number, reason FROM rejects")
    assert row == 4
    assert reason.startswith(f'timestamp "{stamp}" is outside the plausible range 1990-01-01 to ')
    assert reason.endswith("([ingest] earliest, latest_years_ahead)")
    assert rows(db, "SELECT max(ts) < now() + INTERVAL 1 YEAR FROM events") == [(True,)]


def test_the_plausible_range_is_a_setting(db: Path, tmp_path: Path) -> None:
    (tmp_path / "ticketloop.toml").write_text("[ingest]\nearliest = 2025-01-07\n")
    path = write(tmp_path / "t.csv", GOOD + "B,Ticket created,2025-01-08 09:00\n")
    report = ingest_files(db, [path], dataset="t")
    assert (report.events_loaded, report.rows_rejected) == (1, 2)
    assert "1990" not in report.rejects[0][2] and "2025-01-07 to" in report.rejects[0][2]


def test_too_many_columns_are_refused_before_reading(db: Path, tmp_path: Path) -> None:
    columns = 100_000
    path = write(
        tmp_path / "wide.csv", ",".join(f"c{i}" for i in range(columns)) + "\n" + "x," * 9 + "x\n"
    )
    with pytest.raises(IngestError) as refused:
        ingest_files(db, [path], dataset="t")
    assert str(refused.value) == (
        f"{path}: has 100,000 columns, over the limit of 1,000. Export only the columns needed,"
        " or raise [ingest] max_columns in ticketloop.toml"
    )
    assert not db.exists()


def test_an_upload_meets_the_same_bounds(db: Path) -> None:
    wide = ",".join(f"c{i}" for i in range(1001)) + "\n"
    with pytest.raises(IngestError) as refused:
        load_staged(db, stage([("wide.csv", wide.encode())]), dataset="t")
    assert str(refused.value).startswith("wide.csv: has 1,001 columns, over the limit of 1,000.")


def test_a_gzip_bomb_is_refused_counting_what_it_inflates_to(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "audits.json.gz"
    with gzip.open(path, "wb") as bomb:
        bomb.write(b"[")
        for _ in range(30):
            bomb.write(b" " * (10 << 20))
        bomb.write(b"]")
    assert path.stat().st_size < 1 << 20
    with pytest.raises(IngestError, match="decompresses to more than 200 MB"):
        ingest_files(
            db, [path], dataset="t", fmt="zendesk-audits", limits=IngestLimits(max_inflated_mb=200)
        )
    assert not db.exists()


@pytest.mark.parametrize("fmt", ["auto", "csv"])
def test_a_gzipped_csv_loads(db: Path, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(GOOD.encode()))
    assert ingest_files(db, [path], dataset="t", fmt=fmt).events_loaded == 2


def test_a_row_over_the_row_bound_is_rejected_not_the_file(db: Path, tmp_path: Path) -> None:
    long = "B,Ticket created " + "y" * (2 << 20) + ",2025-01-06 11:00\n"
    path = write(tmp_path / "t.csv", GOOD + long + "C,Ticket created,2025-01-06 12:00\n")
    report = ingest_files(db, [path], dataset="t")
    assert (report.events_loaded, report.rows_rejected) == (3, 1)
    assert rows(db, "SELECT row_number, reason FROM rejects") == [
        (4, "malformed CSV row: longer than 1 MB ([ingest] max_row_mb)")
    ]


def test_ragged_rows_say_their_field_count_and_the_headers(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", GOOD + "B,x,2025-01-06,extra,more,x\nC,z\n")
    ingest_files(db, [path], dataset="t")
    assert rows(db, "SELECT row_number, reason FROM rejects ORDER BY 1") == [
        (4, "malformed CSV row: has 6 fields, the header 3"),
        (5, "malformed CSV row: has 2 fields, the header 3"),
    ]


def test_nul_bytes_anywhere_never_reach_a_name(db: Path, tmp_path: Path) -> None:
    filler = "".join(f"F{i},Ticket created,2025-01-06 09:00\n" for i in range(1000))
    path = tmp_path / "t.csv"
    path.write_bytes((GOOD + filler).encode() + b"B,Bad\x00name,2025-01-06 11:00\n")
    report = ingest_files(db, [path], dataset="t")
    assert f"{path}: 1 NUL characters removed from its values" in report.notes
    assert rows(db, "SELECT count(*) FROM activities WHERE contains(name, chr(0))") == [(0,)]
    assert rows(db, "SELECT count(*) FROM activities WHERE name = 'Badname'") == [(1,)]


def test_utf16_with_a_bom_reads_little_endian_and_names_big_endian(
    db: Path, tmp_path: Path
) -> None:
    little = tmp_path / "le.csv"
    little.write_bytes(codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"))
    assert ingest_files(db, [little], dataset="t").events_loaded == 2
    big = tmp_path / "be.csv"
    big.write_bytes(codecs.BOM_UTF16_BE + GOOD.encode("utf-16-be"))
    with pytest.raises(IngestError) as refused:
        ingest_files(db, [big], dataset="u")
    assert str(refused.value) == (
        f"{big}: is UTF-16 big-endian text, which the CSV reader does not read. Save it as CSV"
        " UTF-8 (or UTF-16 little-endian) and load that"
    )


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "fifo"])
def test_a_device_or_pipe_is_not_a_regular_file(db: Path, tmp_path: Path, device: str) -> None:
    path = Path(device)
    if device == "fifo":
        path = tmp_path / "export.csv"
        os.mkfifo(path)
    with pytest.raises(IngestError) as refused:
        ingest_files(db, [path], dataset="t")
    assert str(refused.value) == (
        f"{path}: is not a regular file (a device, pipe or socket). Save the export to a file"
        " and load that"
    )


def test_a_full_disk_is_one_line_and_the_store_is_unchanged(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_files(db, [write(tmp_path / "a.csv", GOOD)], dataset="t")
    before = db.read_bytes()

    def full(*_args: object, **_kwargs: object) -> None:
        raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr("ingest.load.write_ticket_facts", full)
    with pytest.raises(TicketloopError) as refused:
        ingest_files(db, [write(tmp_path / "b.csv", GOOD.replace("A,", "B,"))], dataset="t")
    assert str(refused.value) == (
        f"no space left on the device holding {tmp_path.resolve()}; free space and run again"
        " (the store is unchanged)"
    )
    assert db.read_bytes() == before


def test_a_killed_first_load_leaves_no_store(db: Path, tmp_path: Path) -> None:
    """The first load of a new store killed (SIGKILL) while it writes: no store file at all."""
    slow = write(
        tmp_path / "big.csv",
        HEADER + "".join(f"T{i},Ticket created,2025-01-06 09:00\n" for i in range(300_000)),
    )
    code = (  # a load large for its memory bound: its rows staged in a work file
        "from pathlib import Path; from ingest.load import ingest_files;"
        "from store.settings import IngestLimits;"
        f"ingest_files({str(db)!r}, [Path({str(slow)!r})], dataset='t',"
        " limits=IngestLimits(memory_limit_mb=64))"
    )
    child = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(f".{db.name}.*.new")) and time.monotonic() < deadline:
        time.sleep(0.005)
    child.kill()
    child.wait()
    assert child.returncode == -9, "the load finished before it could be killed"
    assert not db.exists()
    # what it left under other names (the new store, the work file of its staged rows, a spill
    # folder: made here as a killed load that had spilled leaves one) goes with the next load of
    # that store, which leaves none of its own
    assert list(tmp_path.glob(f".{db.name}.*.new*"))
    assert list(tmp_path.glob(f".{db.name}.*.work*"))
    spill = tmp_path / f".{db.name}.{child.pid}.0a1b2c3d.spill"
    spill.mkdir(exist_ok=True)
    (spill / "duckdb_temp_block-1.block").touch()
    ingest_files(db, [write(tmp_path / "a.csv", HEADER + "T1,Ticket created,2025-01-06 09:00\n")])
    assert db.exists() and not list(tmp_path.glob(f".{db.name}.*"))


@pytest.mark.slow  # ~20 s: 240,000 rows loaded twice
def test_rows_staged_on_disk_load_as_in_memory(tmp_path: Path) -> None:
    """A load large for its memory bound stages its rows in a work file beside the store, and
    loads exactly what the same load staged in memory does: events, tickets, facts, rejects."""
    lines = [
        f"T{i // 4},{('Ticket created', 'Assigned', 'First response', 'Resolved')[i % 4]},"
        f"2025-01-{6 + i % 20:02d} {8 + i % 4:02d}:{i % 60:02d},Agent {i % 7},L{1 + i % 2},"
        f"note {i:032d}\n"
        for i in range(240_000)
    ]
    lines[1000] = "T250,Resolved,not a time,Agent 1,L1,\n"
    lines[2000] = "T500,Resolved,2025-01-06 09:00,Agent 1,L1,,extra\n"
    big = write(
        tmp_path / "big.csv", "Case ID,Activity,Timestamp,Resource,Level,Note\n" + "".join(lines)
    )
    # over a quarter of the least bound, 128 MB, when staged (twice the text)
    assert big.stat().st_size > 16 << 20
    memory, disk = tmp_path / "memory" / "t.duckdb", tmp_path / "disk" / "t.duckdb"
    for db, limits in ((memory, IngestLimits()), (disk, IngestLimits(memory_limit_mb=128))):
        db.parent.mkdir()
        report = ingest_files(db, [big], dataset="t", limits=limits)
        assert (report.events_loaded, report.rows_rejected) == (239_998, 2)
        assert [p.name for p in db.parent.iterdir()] == ["t.duckdb"]  # no work file left
    for table, order in (
        ("events", "case_key, event_index"),
        ("cases", "case_key"),
        ("ticket_facts", "case_key"),
        ("rejects", "row_number"),
    ):
        query = f"SELECT * FROM {table} ORDER BY {order}"
        assert rows(memory, query) == rows(disk, query), table


def test_a_load_spills_beside_its_store_not_where_it_was_started(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a load holds beyond its memory bound goes to a folder of its own beside the store
    (DuckDB's default is `.tmp` in the current folder, which may be anywhere, or read-only)."""
    folders = []

    def bounded(con: duckdb.DuckDBPyConnection, limits: IngestLimits, spill=None) -> None:
        limit_memory(con, limits, spill)
        folders.append(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])

    monkeypatch.setattr(load, "limit_memory", bounded)
    started = tmp_path / "started"
    started.mkdir()
    monkeypatch.chdir(started)
    ingest_files(db, [write(tmp_path / "a.csv", HEADER + "T1,Ticket created,2025-01-06 09:00\n")])
    (folder,) = map(Path, folders)
    assert folder.parent == db.parent and folder.name.startswith(f".{db.name}.")
    assert folder.name.endswith(".spill") and not folder.exists()  # removed when it ended


def test_ctrl_c_during_a_load_says_it_was_interrupted_and_leaves_nothing(
    db: Path, tmp_path: Path
) -> None:
    """Ctrl-C (SIGINT) while a first load writes, inside a DuckDB statement or between two: one
    line saying so, and no store nor any of its work files left."""
    slow = write(
        tmp_path / "big.csv",
        HEADER + "".join(f"T{i},Ticket created,2025-01-06 09:00\n" for i in range(300_000)),
    )
    ticketloop = Path(sys.executable).with_name("ticketloop")
    child = subprocess.Popen(
        [ticketloop, "ingest", str(slow), "--db", str(db)], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(f".{db.name}.*.new")) and time.monotonic() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 1, "the load finished before it could be interrupted"
    assert err.strip().splitlines()[-1] == "error: interrupted; nothing was changed"
    assert not db.exists() and not list(tmp_path.glob(f".{db.name}.*"))
