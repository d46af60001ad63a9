"""Mining benchmark for bottlenecks, escalations and root causes on ~1,000,000 events.

Builds the store from benchmarks/ingest.py's input (the synthetic helpdesk, about 110,000
tickets), then times each question in-process through the Python API, as the dashboard and
notebooks ask it: one first run (it reads the file), then the best and the median of five, with
the process CPU time of the best run. One connection stays open throughout, so DuckDB keeps the
database, and what it has read, between the API's short connections. Goal: bottlenecks and
escalations under 150 ms.
Usage: python benchmarks/mining_problems.py [--events N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.load import ingest_files  # noqa: E402
from ticketloop.api import Analysis, Store  # noqa: E402

GOAL_S = 0.150
RUNS = 5
MEASUREMENTS: list[tuple[str, Callable[[Analysis], object], float | None]] = [
    ("bottlenecks", lambda a: a.bottlenecks(), GOAL_S),
    ("bottlenecks --business-hours", lambda a: a.bottlenecks(business_hours=True), None),
    ("escalations", lambda a: a.escalations(), GOAL_S),
    ("rootcause --target slow", lambda a: a.rootcause("slow"), None),
]


def build_csv(events: int, out: Path) -> int:
    """benchmarks/ingest.py's input: the synthetic helpdesk with about `events` events."""
    spec = importlib.util.spec_from_file_location("ingest_benchmark", ROOT / "benchmarks/ingest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_csv(events, out)


def measure(run: Callable[[], object]) -> tuple[float, float, float]:
    """Best and median wall seconds of RUNS runs after a first one, and the CPU seconds of the
    best run."""
    run()
    timings = []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        timings.append((time.perf_counter() - wall, time.process_time() - cpu))
    best = min(timings)
    return best[0], statistics.median(t[0] for t in timings), best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the CSV and the store in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ticketloop-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "mining.duckdb"
    if not db.exists():
        csv_path = work / "bench.csv"
        build_csv(args.events, csv_path)
        ingest_files(db, [csv_path], dataset="bench")
    store = Store(db)
    analysis = store.select("bench")
    with store.reading():  # held open: the API's own connections share its database
        summary = store.datasets()[0]
        print(f"store: {summary['events']:,} events, {summary['cases']:,} tickets ({db})")
        print(f"{'measurement':<30}{'best ms':>9}{'median ms':>11}{'cpu ms':>8}  goal")
        for name, run, goal in MEASUREMENTS:
            best, median, cpu = measure(lambda run=run: run(analysis))
            verdict = "" if goal is None else ("met" if best < goal else "NOT met")
            print(
                f"{name:<30}{best * 1000:>9.0f}{median * 1000:>11.0f}{cpu * 1000:>8.0f}  {verdict}"
            )


if __name__ == "__main__":
    main()
