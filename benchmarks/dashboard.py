"""Dashboard benchmark: first render and a filter change of every page (dashboard/pages.py's
PAGES), through AppTest, on the sample and on a large generated log.

    python benchmarks/dashboard.py                 # the sample (5,000 tickets, ~45,000 events)
    python benchmarks/dashboard.py --tickets 111000  # also ~1,000,000 events (generated, loaded)
    python benchmarks/dashboard.py --tickets 111000 --keep /tmp/bench  # reuse the stores there
    python benchmarks/dashboard.py --tickets 1114554 --keep /tmp/bench  # ~10,000,000 events

Each store is set up as `ticketloop demo` sets up the sample (ticketloop/demo.py): the sample
desk's settings kept with it (calendar, SLA, designed flow, alignments), its knowledge-base rollout in
the change log, and its tickets replayed once on the designed flow (timed and printed), so the
weekly review, the conformance page and the KPI trends show what a process owner sees.

Goals, for the median of RUNS runs (the slowest is printed beside it): under 1 s per render on
the sample, under 2 s at 1M events; at 10M events (5M and more) a first render under 3 s and a
filter change under 1 s. A first render starts with empty dashboard caches and the
store closed (the cost a new store version pays; the replay results the store keeps per path
stay); the filter change picks one channel.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Each page is timed this often and its median judged: on a shared machine of two cores, one
# render of the same page varies by a fifth from run to run.
RUNS = 3
TEN_MILLION = 10_000_000
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import temporary_folder  # noqa: E402


def measure(db: Path, label: str, first_goal_s: float, change_goal_s: float) -> bool:
    """Time every page RUNS times; whether the medians are under their goals."""
    from dashboard.pages import PAGES

    os.environ["TICKETLOOP_DB"] = str(db)
    ok = True
    for spec in PAGES:
        firsts, changes = zip(*(render(spec.script, db) for _ in range(RUNS)), strict=True)
        first, change = statistics.median(firsts), statistics.median(changes)
        over = [
            f"{what} OVER {goal:g} s"
            for what, seconds, goal in (
                ("first", first, first_goal_s),
                ("change", change, change_goal_s),
            )
            if seconds >= goal
        ]
        ok &= not over
        print(
            f"{label:<12} {spec.url_path:<16} first render {first:6.2f} s (max {max(firsts):.2f})"
            f"   filter change {change:6.2f} s (max {max(changes):.2f})"
            f"   {', '.join(over) or 'ok'}",
            flush=True,
        )
    return ok


def render(script: str, db: Path) -> tuple[float, float]:
    """Seconds of a first render of page `script` and of a change of the channel filter."""
    from streamlit.testing.v1 import AppTest

    from dashboard import data

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(script)
    data.clear()  # a first render: nothing cached for this store version,
    while not data.let_go(db.resolve()):  # nor the store held open by the reads before
        time.sleep(0.05)
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    channel = at.multiselect(key="filter_channel")
    started = time.perf_counter()
    channel.set_value([channel.options[0]]).run()
    change = time.perf_counter() - started
    assert not at.exception, at.exception
    return first, change


def store(folder: Path, csv: Callable[[], Path], dataset: str) -> tuple[Path, int]:
    """`folder`/ticketloop.duckdb holding `csv()` as `dataset`, set up as the demo (reused when
    there); its number of events."""
    import duckdb

    from ingest.load import ingest_files
    from ticketloop.demo import SAMPLE_DIR, adopt_settings, prepare_desk

    db = folder / "ticketloop.duckdb"
    if not db.exists():
        folder.mkdir(parents=True, exist_ok=True)
        ingest_files(db, [csv()], dataset=dataset)
        adopt_settings(db, dataset, SAMPLE_DIR / "ticketloop.toml")
        started = time.perf_counter()
        prepare_desk(db, dataset)
        print(f"{dataset}: replayed on the designed flow in {time.perf_counter() - started:.1f} s")
    with duckdb.connect(str(db), read_only=True) as con:
        events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    return db, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, help="also a generated log of this many tickets")
    parser.add_argument("--keep", type=Path, help="keep the stores in this folder and reuse them")
    args = parser.parse_args()
    work = args.keep or temporary_folder()
    sample, _ = store(work / "sample", lambda: ROOT / "sample_logs" / "helpdesk.csv", "helpdesk")
    ok = measure(sample, "sample", 1.0, 1.0)
    if args.tickets:
        from ticketloop.synthetic import generate

        large, events = store(
            work / f"large-{args.tickets}",
            lambda: generate(args.tickets, 7, work / "generated")["csv"],
            "large",
        )
        goals = (3.0, 1.0) if events >= TEN_MILLION / 2 else (2.0, 2.0)
        ok &= measure(large, f"{events / 1e6:.1f}M events", *goals)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
