"""Generator benchmark: `ticketloop generate` at growing sizes, its speed and whether its medians hold.

Runs each size as a whole process (CSV, XES and truth file) and measures wall time and peak memory,
then reads the medians back from the files written and compares them with those of 5,000 tickets,
the size of the sample, for the same seed.
Usage: python benchmarks/generate.py [--sizes 1000,10000,100000] [--seed 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import temporary_folder  # noqa: E402

REFERENCE = 5000
GOAL_TICKETS, GOAL_S, GOAL_DRIFT = 100_000, 60, 0.15

# Per ticket: the time from its first event to its last, and to its first response.
TICKET_TIMES = """
SELECT sum(events), median(duration_s) / 3600, median(first_response_s) / 3600
FROM (
    SELECT count(*) AS events, epoch(max(ts) - min(ts)) AS duration_s,
           epoch(min(ts) FILTER (activity = 'First response') - min(ts)) AS first_response_s
    FROM (SELECT "Case ID" AS case_id, "Activity" AS activity, "Timestamp"::TIMESTAMPTZ AS ts
          FROM read_csv($path, all_varchar = true))
    GROUP BY case_id
)
"""
TRUTH_SHARES = """
SELECT avg((escalated = 'true')::INT), avg((needless_escalation = 'true')::INT)
FROM read_csv($path, all_varchar = true)
"""
# Runs argv[1:], then prints its wall seconds and peak RSS (KiB) on stderr. A fresh, small wrapper
# per run, as in ingest.py: a child forked from this process would count our pages in its peak.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""
MEDIANS, SHARES = ("duration h", "first response h"), ("escalated", "needless escalation")
FIGURES = MEDIANS + SHARES


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB of one child process."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    wall, peak_kib = done.stderr.split()[-2:]
    return float(wall), int(peak_kib) / 1024


def read_back(out: Path) -> tuple[int, dict[str, float]]:
    """Events, and the medians (hours) and shares of one generated log."""
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        events, *medians = con.execute(
            TICKET_TIMES, {"path": str(out / "helpdesk.csv")}
        ).fetchall()[0]
        shares = con.execute(TRUTH_SHARES, {"path": str(out / "helpdesk_truth.csv")}).fetchall()[0]
    return int(events), dict(zip(FIGURES, (*medians, *shares), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="ticket counts, comma-separated"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the generated logs in this folder")
    args = parser.parse_args()
    work = args.keep or temporary_folder()
    sizes = sorted({REFERENCE, *(int(size) for size in args.sizes.split(","))})

    runs = {}
    for tickets in sizes:
        out = work / f"{tickets}"
        command = [sys.executable, "-m", "ticketloop", "generate", "--tickets", str(tickets)]
        wall, peak = run_measured([*command, "--seed", str(args.seed), "--out", str(out)])
        runs[tickets] = (wall, peak, *read_back(out))

    print(f"ticketloop generate --seed {args.seed}, whole processes (CSV + XES + truth) in {work}")
    print(f"{'tickets':>9}{'wall s':>9}{'events':>11}{'events/s':>11}{'peak MiB':>10}")
    for tickets, (wall, peak, events, _) in runs.items():
        print(f"{tickets:>9,}{wall:>9.2f}{events:>11,}{events / wall:>11,.0f}{peak:>10.0f}")

    reference = runs[REFERENCE][3]
    print(f"\nmedians and shares; drift against {REFERENCE:,} tickets")
    print(f"{'tickets':>9}" + "".join(f"{name:>24}" for name in FIGURES))
    drifts = {}
    for tickets, (*_, figures) in runs.items():
        cells = []
        for name, value in figures.items():
            drifts[name, tickets] = value / reference[name] - 1
            shown = f"{value:.1%}" if name in SHARES else f"{value:.2f}"
            cells.append(f"{shown} ({drifts[name, tickets]:+.1%})")
        print(f"{tickets:>9,}" + "".join(f"{cell:>24}" for cell in cells))
    noise = {n: math.sqrt((1 - reference[n]) / (reference[n] * sizes[0])) for n in SHARES}
    print(
        f"sampling noise of the shares at {sizes[0]:,} tickets (one standard error): "
        + ", ".join(f"{name} {value:.1%}" for name, value in noise.items())
    )

    print()
    if GOAL_TICKETS in runs:
        wall = runs[GOAL_TICKETS][0]
        verdict = "met" if wall < GOAL_S else "NOT met"
        print(f"goal: {GOAL_TICKETS:,} tickets in under {GOAL_S} s: {verdict} ({wall:.1f} s)")
    for kind, names in (("medians", MEDIANS), ("shares", SHARES)):
        drift, name, tickets = max((abs(drifts[n, t]), n, t) for n in names for t in sizes)
        verdict = "met" if drift <= GOAL_DRIFT else "NOT met"
        print(
            f"goal: {kind} within {GOAL_DRIFT:.0%} from {sizes[0]:,} to {sizes[-1]:,} tickets:"
            f" {verdict} (largest drift {drift:.1%}: {name} at {tickets:,} tickets)"
        )


if __name__ == "__main__":
    main()
