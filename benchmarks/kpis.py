"""KPI benchmark: every KPI weekly by channel on ~1,000,000 events, in-process, against the same
figures computed with pandas from the per-ticket table.

Generates ~110,000 synthetic tickets (seed 7), loads them, then times `compute_kpis(weekly=True,
by="channel")` (warm, best of 3) and a pandas computation of the same weekly-by-channel tickets,
median time to resolution and escalation rate from the events, and checks the figures agree.
Usage: python -m benchmarks.kpis [--tickets N] [--keep DIR] (as a module: benchmarks/ingest.py would
shadow the ingest package)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from mining.kpis import compute_kpis
from mining.selection import Selection
from store.connection import open_store
from store.settings import Calendar, Settings
from ticketloop.api import Store
from ticketloop.synthetic import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=110_000)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="kpi-bench-"))
    db = folder / "bench.duckdb"
    if not db.exists():
        csv = generate(args.tickets, 7, folder)["csv"]
        Store(db).load(csv, dataset="bench")
    settings = Settings(calendar=Calendar(timezone="Europe/Madrid"))
    selection = Selection("bench", timezone="Europe/Madrid")
    with open_store(db, read_only=True) as con:
        events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        times = []
        for _ in range(3):
            started = time.perf_counter()
            report = compute_kpis(con, selection, settings, weekly=True, by="channel")
            times.append(time.perf_counter() - started)
        frame = con.execute(
            "SELECT e.case_key, a.name AS activity, e.ts, c.channel FROM events e"
            " JOIN activities a USING (activity_id) JOIN cases c USING (dataset_id, case_key)"
        ).df()
    started = time.perf_counter()
    per = frame.groupby("case_key").agg(
        created=("ts", "min"),
        channel=("channel", "first"),
    )
    resolved = frame[frame["activity"] == "Resolved"].groupby("case_key")["ts"].max()
    escalated = frame[frame["activity"] == "Escalated"].groupby("case_key").size()
    per["ttr_h"] = (resolved - per["created"]).dt.total_seconds() / 3600
    per["escalated"] = per.index.isin(escalated.index)
    local = per["created"].dt.tz_convert("Europe/Madrid")
    per["week"] = (local.dt.normalize() - local.dt.day_of_week * np.timedelta64(1, "D")).dt.date
    rlocal = resolved.dt.tz_convert("Europe/Madrid")
    per["rweek"] = (rlocal.dt.normalize() - rlocal.dt.day_of_week * np.timedelta64(1, "D")).dt.date
    esc = per.groupby(["channel", "week"])["escalated"].mean()
    ttr = per.dropna(subset=["ttr_h"]).groupby(["channel", "rweek"])["ttr_h"].median()
    pandas_s = time.perf_counter() - started
    v = report.values
    ours_esc = v[v["kpi"] == "escalation_rate"].dropna(subset=["value"])
    ours_ttr = v[v["kpi"] == "ttr_median_hours"].dropna(subset=["value"])
    esc_diff = max(
        abs(r.value - esc[(r.group, r.week)])
        for r in ours_esc.itertuples()
        if (r.group, r.week) in esc
    )
    ttr_diff = max(
        abs(r.value - ttr[(r.group, r.week)])
        for r in ours_ttr.itertuples()
        if (r.group, r.week) in ttr
    )
    print(
        f"{events:,} events, {args.tickets:,} tickets, {v['week'].nunique()} weeks x {v['group'].nunique()} channels"
    )
    print(
        f"ticketloop compute_kpis(weekly, by=channel), all 21 KPIs + XmR: best {min(times):.2f} s (runs {', '.join(f'{t:.2f}' for t in times)})"
    )
    print(f"pandas, 2 KPIs (escalation rate, median TTR) weekly by channel: {pandas_s:.2f} s")
    print(f"largest difference: escalation_rate {esc_diff:.2e}, ttr_median_hours {ttr_diff:.2e} h")


if __name__ == "__main__":
    main()
