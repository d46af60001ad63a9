"""Mining benchmark: each question of MEASUREMENTS on ~1,000,000 events (~100,000 tickets), timed
in-process (the Python API) and as a whole `ticketloop` process, beside pm4py's pandas route on
the same log, with peak memory and a check that both answer alike.

Usage: python benchmarks/mining.py [--events N] [--keep DIR]
To add a question, append a Measurement to MEASUREMENTS (and, for a pm4py counterpart, a route
to PM4PY_ROUTES).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import temporary_folder  # noqa: E402

DESIGNED_FLOW = ROOT / "sample_logs" / "designed_flow.bpmn"
DATASET = "bench"
REPEATS = 5  # in-process timings: the best of this many, after a first query
CLI_REPEATS = 3


@dataclass(frozen=True)
class Measurement:
    """One question asked three ways in-process and out: `query` on a read-only connection the
    process keeps open (None when the analysis manages its own connections), `api` through the
    Python API (a short connection per call, as the dashboard and notebooks use it, so DuckDB
    reads the file again each time), `cli` as a whole `ticketloop` process; and `theirs` by
    pm4py's pandas route (a key of PM4PY_ROUTES, or None). `goal_s` applies to the warm in-process
    time (for `cold` ones, their only run, on an empty conformance cache); `answer` reduces a
    result to what pm4py also answers."""

    name: str
    query: Callable[[Any, Any], Any] | None
    api: Callable[[Any], Any]
    cli: tuple[str, ...]
    theirs: str | None
    goal_s: float
    answer: Callable[[Any], Any] = lambda result: None
    cold: bool = False


def _dfg_answer(graph: Any) -> list:
    return sorted([e.source, e.target, int(e.count)] for e in graph.edges.itertuples())


def _variants_answer(found: Any) -> list:
    return sorted([list(v.activities), int(v.tickets)] for v in found.table.itertuples())


def _fitness_answer(result: Any) -> float:
    return result.log_fitness


def _dfg(con: Any, selection: Any) -> Any:
    from mining.dfg import directly_follows

    return directly_follows(con, selection)


def _variants(con: Any, selection: Any) -> Any:
    from mining.variants import variants

    return variants(con, selection)


def _bottlenecks(con: Any, selection: Any) -> Any:
    from mining.bottlenecks import bottlenecks

    return bottlenecks(con, selection)


def _escalations(con: Any, selection: Any) -> Any:
    from mining.escalations import escalations

    return escalations(con, selection)


def _rootcause_slow(con: Any, selection: Any) -> Any:
    from mining.rootcause import rootcause

    return rootcause(con, selection, "slow")


MEASUREMENTS: list[Measurement] = [
    Measurement("dfg", _dfg, lambda a: a.dfg(), ("dfg",), "dfg", 0.150, _dfg_answer),
    Measurement(
        "variants",
        _variants,
        lambda a: a.variants(),
        ("variants", "--limit", "0"),
        "variants",
        0.150,
        _variants_answer,
    ),
    Measurement(
        "bottlenecks",
        _bottlenecks,
        lambda a: a.bottlenecks(),
        ("bottlenecks",),
        None,
        0.150,
    ),
    Measurement(
        "escalations",
        _escalations,
        lambda a: a.escalations(),
        ("escalations",),
        None,
        0.150,
    ),
    Measurement(
        "rootcause slow",
        _rootcause_slow,
        lambda a: a.rootcause("slow"),
        ("rootcause", "--target", "slow"),
        None,
        1.0,
    ),
    Measurement(
        "conformance cold",
        None,
        lambda a: a.conformance(model=DESIGNED_FLOW),
        ("conformance", "--model", str(DESIGNED_FLOW)),
        "token replay",
        60.0,
        _fitness_answer,
        cold=True,
    ),
    Measurement(
        "conformance cached",
        None,
        lambda a: a.conformance(model=DESIGNED_FLOW),
        ("conformance", "--model", str(DESIGNED_FLOW)),
        "token replay",
        1.0,
        _fitness_answer,
    ),
]
MEMORY_GOAL_MIB = 1024

# pm4py's pandas route: each snippet runs on `frame` (the CSV through pm4py.format_dataframe) and
# leaves in `answer` what the matching Measurement's `answer` gives.
PM4PY_ROUTES = {
    "dfg": """
dfg, start, end = pm4py.discover_dfg(frame)
performance, _, _ = pm4py.discover_performance_dfg(frame)
answer = sorted([a, b, n] for (a, b), n in dfg.items())
""",
    "variants": """
answer = sorted([list(v), n] for v, n in pm4py.get_variants(frame).items())
""",
    "token replay": """
net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(model))
answer = pm4py.fitness_token_based_replay(frame, net, im, fm)["log_fitness"]
""",
}
PM4PY_CHILD = """
import json, os, resource, sys, time
os.environ["PM4PY_SHOW_PROGRESS_BAR"] = "False"
sys._pm4py_welcome_shown = True
import pandas as pd, pm4py
routes, model = json.loads(sys.argv[2]), sys.argv[3]
start = time.perf_counter()
frame = pm4py.format_dataframe(pd.read_csv(sys.argv[1]), case_id="Case ID",
                               activity_key="Activity", timestamp_key="Timestamp")
out = {"parse_s": time.perf_counter() - start, "routes": {}}
for name, code in routes.items():
    scope = {"pm4py": pm4py, "frame": frame, "model": model}
    start = time.perf_counter()
    exec(code, scope)
    out["routes"][name] = {"seconds": time.perf_counter() - start, "answer": scope["answer"]}
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def build_input(events: int, folder: Path) -> Path:
    """The benchmark log as a CSV export: copies of the sample (new case ids, shifted 26 weeks
    each), as benchmarks/ingest.py builds it. To switch to the generator once it is fast enough:
    `ticketloop generate --tickets N --out folder` and return folder / "helpdesk.csv"."""
    spec = importlib.util.spec_from_file_location(
        "ingest_benchmark", ROOT / "benchmarks" / "ingest.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = folder / "bench.csv"
    module.build_csv(events, out)
    return out


def empty_conformance_cache(db: Path) -> None:
    from store.connection import open_store

    with open_store(db) as con:
        con.execute("DELETE FROM conformance_cache")


def run_in_process(db: Path) -> dict[str, Any]:
    """Each measurement in this process: its first run, then the best of REPEATS (cold ones: one
    run on an empty cache), by query on an open connection and through the API; the answers and
    this process's peak memory."""
    from store.connection import open_store
    from ticketloop.api import Store

    analysis = Store(db).select(DATASET)
    results: dict[str, Any] = {}
    for m in MEASUREMENTS:
        if m.cold:
            empty_conformance_cache(db)
        runs = 1 if m.cold else 1 + REPEATS
        api = _timed(lambda m=m: m.api(analysis), runs)
        results[m.name] = {"api": api[:2], "answer": m.answer(api[2])}
        if m.query:
            with open_store(db, read_only=True) as con:
                query = _timed(lambda m=m, con=con: m.query(con, analysis.selection), runs)
            results[m.name]["query"] = query[:2]
    return {"measurements": results, "peak_mib": _peak_mib(resource.RUSAGE_SELF)}


def _timed(call: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Seconds of the first run, the best of the others (the first when there are none), and
    the last result."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - start)
    return seconds[0], min(seconds[1:] or seconds), result


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


# Runs argv[1:] and prints the child's peak RSS (KiB) on stderr: a fresh wrapper per measurement,
# so RUSAGE_CHILDREN covers exactly one child.
PEAK_WRAPPER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in MiB of one child process (its output discarded)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *command], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:3])} failed: {done.stderr[-2000:]}")
    return wall, int(done.stderr.strip().splitlines()[-1]) / 1024


def run_json(command: list[str]) -> dict[str, Any]:
    """What a child process prints as JSON (it reports its own timings and peak memory)."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:3])} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the CSV and database in this folder")
    parser.add_argument("--in-process", type=Path, help=argparse.SUPPRESS)  # the worker's store
    args = parser.parse_args()
    if args.in_process:
        print(json.dumps(run_in_process(args.in_process)))
        return
    work = args.keep or temporary_folder()
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.duckdb"
    db.unlink(missing_ok=True)
    csv_path = build_input(args.events, work)
    ticketloop = [str(Path(sys.executable).with_name("ticketloop"))]
    ingest_s, _ = run_measured(
        [*ticketloop, "ingest", str(csv_path), "--db", str(db), "--dataset", DATASET]
    )
    with _reading(db) as con:
        events, tickets = con.execute(
            "SELECT count(*), count(DISTINCT case_key) FROM events"
        ).fetchall()[0]
    print(f"input: {events:,} events, {tickets:,} tickets ({csv_path}); ingest {ingest_s:.1f} s")
    print(f"machine: {_machine()}")

    ours = run_json([sys.executable, __file__, "--in-process", str(db)])
    cli: dict[str, tuple[float, float]] = {}
    for m in MEASUREMENTS:
        command = [*ticketloop, *m.cli, "--db", str(db), "--dataset", DATASET, "--json"]
        runs = []
        for _ in range(1 if m.cold else CLI_REPEATS):
            if m.cold:
                empty_conformance_cache(db)
            runs.append(run_measured(command))
        cli[m.name] = (min(r[0] for r in runs), max(r[1] for r in runs))
    routes = {m.theirs: PM4PY_ROUTES[m.theirs] for m in MEASUREMENTS if m.theirs}
    theirs = run_json(
        [sys.executable, "-c", PM4PY_CHILD, str(csv_path), json.dumps(routes), str(DESIGNED_FLOW)]
    )
    report(ours, cli, theirs)


def report(ours: dict, cli: dict[str, tuple[float, float]], theirs: dict) -> None:
    print(
        f"{'':20}{'first s':>9}{'query s':>9}{'API s':>8}{'goal s':>8}{'':4}{'CLI s':>7}"
        f"{'CLI MiB':>9}{'pm4py s':>9}{'pm4py/ours':>12}{'same answer':>13}"
    )
    for m in MEASUREMENTS:
        mine = ours["measurements"][m.name]
        first, api = mine["api"]
        warm = mine["query"][1] if "query" in mine else api
        line = (
            f"{m.name:20}{first:9.3f}"
            + (f"{mine['query'][1]:9.3f}" if "query" in mine else f"{'':9}")
            + f"{api:8.3f}{m.goal_s:8.3f} {'ok' if warm < m.goal_s else 'NO':3}"
            + f"{cli[m.name][0]:7.2f}{cli[m.name][1]:9.0f}"
        )
        if m.theirs:
            route = theirs["routes"][m.theirs]
            same = _same(mine["answer"], route["answer"])
            line += f"{route['seconds']:9.2f}{route['seconds'] / warm:12.1f}{same!s:>13}"
        print(line)
    print(
        f"pm4py's pandas route reads and formats the CSV first: {theirs['parse_s']:.2f} s;"
        f" its peak memory {theirs['peak_mib']:.0f} MiB"
    )
    peak = max(ours["peak_mib"], *(mib for _, mib in cli.values()))
    print(
        f"peak memory: in-process {ours['peak_mib']:.0f} MiB, largest CLI process"
        f" {max(mib for _, mib in cli.values()):.0f} MiB; goal under {MEMORY_GOAL_MIB} MiB:"
        f" {'met' if peak < MEMORY_GOAL_MIB else 'NOT met'}"
    )
    print(
        "first s: the first API call of the process; query s: the mining function on a"
        f" connection kept open, best of {REPEATS} after its first run; API s: ticketloop.Store"
        f" with a short connection per call, best of {REPEATS}; goal: on the warmer of the two;"
        f" CLI s: a whole `ticketloop ... --json` process, best of {CLI_REPEATS} (cold"
        " conformance: one run on an empty cache); pm4py/ours: pm4py's time over the goal's"
    )


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, float):
        return abs(ours - theirs) < 1e-9
    return ours == theirs


def _reading(db: Path):
    from store.connection import open_store

    return open_store(db, read_only=True)


def _machine() -> str:
    import os

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} (other work shares the machine)"


if __name__ == "__main__":
    main()
