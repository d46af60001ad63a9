"""Ingest benchmark: `ticketloop ingest` against pandas.read_csv + pm4py.format_dataframe, and
weekly appends to large data sets.

Generates a ~1,000,000-event CSV with the synthetic helpdesk (about 110,000 tickets, seed 7), then
runs each contender in its own process, measuring wall time and peak memory side by side. Then a
weekly export (the last ~10,000 events: new tickets and new events of open ones) is appended to a
data set holding the rest, at 1M and at 3M events, timed as a whole command, with the
directly-follows graph timed before and after.
Usage: python benchmarks/ingest.py [--events N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from ticketloop.synthetic import generate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "helpdesk.csv"

PANDAS_PM4PY = """
import json, sys, time
sys._pm4py_welcome_shown = True
import pandas as pd, pm4py
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
frame = pm4py.format_dataframe(frame, case_id="Case ID", activity_key="Activity", timestamp_key="Timestamp")
parsed = time.perf_counter() - start
start = time.perf_counter()
dfg, _, _ = pm4py.discover_dfg(frame)
print(json.dumps({"parse_s": parsed, "dfg_s": time.perf_counter() - start,
                  "dfg": [[a, b, n] for (a, b), n in dfg.items()]}))
"""

# The directly-follows graph on the store's layout (integer case keys, activity codes, event_index)
# and on plain text columns ordered by time, to measure what the layout buys.
DFG_CODED = """
SELECT a.name AS source, b.name AS target, count(*) AS n
FROM (SELECT activity_id AS src, lead(activity_id) OVER (PARTITION BY case_key ORDER BY event_index) AS dst
      FROM events) e
JOIN activities a ON a.activity_id = e.src JOIN activities b ON b.activity_id = e.dst
GROUP BY ALL
"""
DFG_TEXT = """
SELECT activity AS source, next AS target, count(*) AS n
FROM (SELECT activity, lead(activity) OVER (PARTITION BY case_id ORDER BY ts, source_row) AS next
      FROM event_log)
WHERE next IS NOT NULL
GROUP BY ALL
"""


def time_dfg(db: Path) -> tuple[float, float, set[tuple[str, str, int]]]:
    """Best-of-three seconds for the coded and the text DFG query, and the DFG itself."""
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET enable_progress_bar = false")
    timings = []
    for query in (DFG_CODED, DFG_TEXT):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            result = con.execute(query).fetchall()
            best = min(best, time.perf_counter() - start)
        timings.append(best)
    con.close()
    return timings[0], timings[1], {tuple(row) for row in result}


def build_csv(events: int, out: Path) -> int:
    """The generator's own log, with the tickets that make about `events` events; its row count."""
    con = duckdb.connect()
    sample_events, sample_tickets = con.execute(
        'SELECT count(*), count(DISTINCT "Case ID") FROM read_csv($p)', {"p": str(SAMPLE)}
    ).fetchall()[0]
    generate(
        round(events * sample_tickets / sample_events), seed=7, out_dir=out.parent, name=out.stem
    )
    return count_rows(out)


def count_rows(csv_path: Path) -> int:
    """The data rows of a CSV file."""
    found = duckdb.execute("SELECT count(*) FROM read_csv($p)", {"p": str(csv_path)})
    return found.fetchall()[0][0]


# Runs argv[1:] and prints the child's peak RSS (KiB) on stderr: a fresh wrapper per measurement, so
# RUSAGE_CHILDREN covers exactly one child.
PEAK_WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def run_measured(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB, and stdout of one child process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *command], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{command[0]} failed: {done.stderr[-2000:]}")
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return wall, peak_kib / 1024, done.stdout


def bench_arguments(doc: str) -> tuple[int, Path]:
    """--events and --keep of a benchmark described by `doc`: how many events, and the folder
    for its CSV and databases (made; a new temporary one without --keep)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the CSV and database in this folder")
    args = parser.parse_args()
    work = args.keep or temporary_folder()
    work.mkdir(parents=True, exist_ok=True)
    return args.events, work


def temporary_folder() -> Path:
    """A new folder for a benchmark's files, removed when it ends."""
    work = Path(tempfile.mkdtemp(prefix="ticketloop-bench-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    return work


def main() -> None:
    events, work = bench_arguments(__doc__)
    csv_path, db = work / "bench.csv", work / "bench.duckdb"
    db.unlink(missing_ok=True)
    rows = build_csv(events, csv_path)
    size_mb = csv_path.stat().st_size / 1e6
    print(f"input: {rows:,} events, {size_mb:.0f} MB CSV ({csv_path})")

    cli = [
        str(Path(sys.executable).with_name("ticketloop")),
        "ingest",
        str(csv_path),
        "--db",
        str(db),
    ]
    ours_wall, ours_peak, out = run_measured([*cli, "--json"])
    report = json.loads(out)
    assert report["events_loaded"] == rows, report
    again_wall, _, out = run_measured([*cli, "--json"])
    assert json.loads(out)["events_loaded"] == 0

    theirs_wall, theirs_peak, out = run_measured(
        [sys.executable, "-c", PANDAS_PM4PY, str(csv_path)]
    )
    theirs = json.loads(out)
    theirs_inner = theirs["parse_s"]
    coded_s, text_s, dfg = time_dfg(db)

    print(f"{'':34}{'wall s':>8}{'events/s':>12}{'peak MiB':>10}")
    print(
        f"{'ticketloop ingest (whole command)':34}{ours_wall:8.2f}{rows / ours_wall:12,.0f}{ours_peak:10.0f}"
    )
    print(f"{'  same file again (idempotent)':34}{again_wall:8.2f}{'':12}{'':10}")
    print(
        f"{'pandas.read_csv + format_dataframe':34}{theirs_inner:8.2f}{rows / theirs_inner:12,.0f}"
        f"{theirs_peak:10.0f}   (process incl. imports: {theirs_wall:.2f} s)"
    )
    print(
        f"time ratio, whole processes (pandas+pm4py / ticketloop): {theirs_wall / ours_wall:.2f};"
        f" their parse alone / our whole command: {theirs_inner / ours_wall:.2f}"
    )
    print(f"peak memory ratio (pandas+pm4py / ticketloop): {theirs_peak / ours_peak:.2f}")
    same = dfg == {tuple(edge) for edge in theirs["dfg"]}
    print(
        f"directly-follows graph: store layout {coded_s:.3f} s, plain text columns {text_s:.3f} s,"
        f" pm4py.discover_dfg {theirs['dfg_s']:.3f} s; {len(dfg)} edges, equal to pm4py's: {same}"
    )
    print(f"goal: 1M events in under 3 s: {'met' if ours_wall < 3 * rows / 1e6 else 'NOT met'}")
    measure_appends(csv_path, work)


APPEND_EVENTS = 10_000


# The log's time after which the last $n events happen, and the two sides of it; the base repeated
# $copies times under other case ids, as other desks' tickets of the same weeks.
CUTOFF = """
SELECT "Timestamp"::TIMESTAMPTZ FROM read_csv($p, all_varchar = true)
ORDER BY "Timestamp"::TIMESTAMPTZ DESC LIMIT 1 OFFSET $n
"""
BASE = """
SELECT * REPLACE ("Case ID" || CASE WHEN c = 0 THEN '' ELSE '-' || c END AS "Case ID")
FROM read_csv($p, all_varchar = true), range($copies) t(c)
WHERE "Timestamp"::TIMESTAMPTZ <= $cutoff
"""
EXPORT = 'SELECT * FROM read_csv($p, all_varchar = true) WHERE "Timestamp"::TIMESTAMPTZ > $cutoff'


def split_weekly_export(csv_path: Path, work: Path, copies: int) -> tuple[Path, Path, int]:
    """The base (`copies` desks) and the original desk's weekly export, and the base's events."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    params = {"p": str(csv_path)}
    cutoff = con.execute(CUTOFF, {**params, "n": APPEND_EVENTS}).fetchall()[0][0]
    base, export = work / f"base_x{copies}.csv", work / "weekly_export.csv"
    con.sql(BASE, params={**params, "cutoff": cutoff, "copies": copies}).write_csv(str(base))
    con.sql(EXPORT, params={**params, "cutoff": cutoff}).write_csv(str(export))
    events = con.execute("SELECT count(*) FROM read_csv($p)", {"p": str(base)}).fetchall()[0][0]
    return base, export, events


def measure_appends(csv_path: Path, work: Path) -> None:
    """A weekly export appended to data sets of ~1M and ~3M events: whole command and DFG speed."""
    ticketloop = str(Path(sys.executable).with_name("ticketloop"))
    print(f"\nweekly append of ~{APPEND_EVENTS:,} events (new tickets and events of open ones)")
    print(
        f"{'data set':>12}{'append s':>10}{'new events':>12}{'touched':>9}{'DFG before s':>14}{'after s':>9}"
    )
    worst = 0.0
    for copies in (1, 3):
        base, export, base_events = split_weekly_export(csv_path, work, copies)
        db = work / f"append_x{copies}.duckdb"
        db.unlink(missing_ok=True)
        run_measured(
            [ticketloop, "ingest", str(base), "--db", str(db), "--dataset", "desk", "--json"]
        )
        before_s, _, _ = time_dfg(db)
        wall, _, out = run_measured(
            [ticketloop, "ingest", str(export), "--db", str(db), "--dataset", "desk", "--json"]
        )
        added = json.loads(out)["events_loaded"]
        after_s, _, _ = time_dfg(db)
        touched = (
            duckdb.connect(str(db), read_only=True)
            .execute(
                "SELECT count(DISTINCT case_key) FROM events WHERE file_id = (SELECT max(file_id) FROM source_files)"
            )
            .fetchall()[0][0]
        )
        worst = max(worst, wall)
        print(
            f"{base_events:>12,}{wall:>10.2f}{added:>12,}{touched:>9,}{before_s:>14.3f}{after_s:>9.3f}"
        )
    print(
        f"goal: an append under 1 s for the whole command at 1M and 3M events: {'met' if worst < 1 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
