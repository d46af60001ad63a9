"""KPI benchmark: every KPI weekly by channel on ~1,000,000 events, in-process, against the same
figures computed independently with pandas from the raw events and surveys.

Generates ~110,000 synthetic tickets (seed 7), loads them, then times `compute_kpis(weekly=True,
by="channel")` warm (best of --runs, after one untimed run), and a pandas computation, from the
events and cases as DataFrames, of the KPIs that need no business calendar: tickets, time to
resolution (median, mean, p90), first response time (median, mean, p90), reopen, escalation and
abandonment rates, CSAT, survey response rate and backlog, each in its own week (creation,
resolution, first response, answer, the end of the week). Every (channel, week, KPI) of either
side must be in the other with the same value (1e-9); any difference is printed and the run fails.
Usage: python -m benchmarks.kpis [--tickets N] [--keep DIR] [--runs N] (as a module:
benchmarks/ingest.py would shadow the ingest package)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.ingest import temporary_folder
from mining.kpis import KPIS, compute_kpis
from mining.selection import Selection
from store.connection import open_store
from store.settings import Calendar, Settings
from ticketloop.api import Store
from ticketloop.synthetic import generate

ZONE = "Europe/Madrid"
TOLERANCE = 1e-9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=110_000)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = args.keep or temporary_folder()
    db = folder / "bench.duckdb"
    if not db.exists():
        csv = generate(args.tickets, 7, folder)["csv"]
        Store(db).load(csv, dataset="bench")
    settings = Settings(calendar=Calendar(timezone=ZONE))
    selection = Selection("bench", timezone=ZONE)
    with open_store(db, read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        tickets = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
        compute_kpis(con, selection, settings, weekly=True, by="channel")  # warm
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            report = compute_kpis(con, selection, settings, weekly=True, by="channel")
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        frame = con.execute(
            "SELECT e.case_key, a.name AS activity, e.ts FROM events e"
            " JOIN activities a USING (activity_id)"
        ).df()
        cases = con.execute("SELECT case_key, channel, csat, ces, nps FROM cases").df()
        fetch_s = time.perf_counter() - started
    started = time.perf_counter()
    theirs = pandas_kpis(frame, cases)
    pandas_s = time.perf_counter() - started
    ours = report.values
    ours = ours[ours["kpi"].isin(theirs["kpi"].unique())]
    compared, differences = compare(ours, theirs)
    weeks, channels = report.values["week"].nunique(), report.values["group"].nunique()
    print(f"{events:,} events, {tickets:,} tickets, {weeks} weeks x {channels} channels")
    print(
        f"ticketloop compute_kpis(weekly, by=channel), all {len(KPIS)} KPIs + XmR limits, from the"
        f" store: best {min(times):.2f} s (runs {', '.join(f'{t:.2f}' for t in times)})"
    )
    print(
        f"pandas, {theirs['kpi'].nunique()} of them weekly by channel, from events already in"
        f" memory: {pandas_s:.2f} s (+ {fetch_s:.2f} s to fetch the events from the store)"
    )
    print(
        f"compared {compared:,} values ({', '.join(sorted(theirs['kpi'].unique()))}):"
        f" {len(differences)} differ"
    )
    for line in differences[:20]:
        print("  " + line)
    if differences:
        sys.exit(1)


def _week(ts: pd.Series) -> pd.Series:
    """Monday of the ISO week, in ZONE, of each instant (NaT stays NaT)."""
    local = ts.dt.tz_convert(ZONE).dt.tz_localize(None).dt.normalize()
    return (local - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date


def pandas_kpis(frame: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The KPIs that need no business calendar, weekly by channel, straight from the events:
    columns group, week, kpi, value."""
    by_activity = frame.groupby(["case_key", "activity"])["ts"]
    first = by_activity.min().unstack()
    last = by_activity.max().unstack()
    count = frame.groupby(["case_key", "activity"]).size().unstack(fill_value=0)
    per = cases.set_index("case_key")
    per["created"] = frame.groupby("case_key")["ts"].min()
    per["last_ts"] = frame.groupby("case_key")["ts"].max()
    per["resolved_at"] = last["Resolved"]
    per["first_response_at"] = first["First response"]
    per["ttr_h"] = (per["resolved_at"] - per["created"]).dt.total_seconds() / 3600
    per["frt_h"] = (per["first_response_at"] - per["created"]).dt.total_seconds() / 3600
    per["reopened"] = count["Reopened"].reindex(per.index, fill_value=0) > 0
    per["escalated"] = count["Escalated"].reindex(per.index, fill_value=0) > 0
    per["abandoned"] = count["Abandoned"].reindex(per.index, fill_value=0) > 0
    ends = [first[a] for a in ("Resolved", "Abandoned", "Rejected", "Closed") if a in first]
    per["ended_at"] = pd.concat(ends, axis=1).min(axis=1)
    per["closed"] = per["resolved_at"].notna() | first["Closed"].notna()
    per["answered"] = per[["csat", "ces", "nps"]].notna().any(axis=1)
    per["answered_at"] = last["Survey answered"].fillna(per["last_ts"]).where(per["answered"])
    for column in ("created", "resolved_at", "first_response_at", "ended_at", "answered_at"):
        per[column + "_week"] = _week(per[column])
    rows = []

    def add(kpi: str, series: pd.Series) -> None:
        part = series.rename("value").reset_index()
        part.columns = ["group", "week", "value"]
        part["kpi"] = kpi
        rows.append(part)

    # every week from the first to the last counted anywhere: a week with no tickets is 0
    counted = ("created", "resolved_at", "first_response_at", "ended_at", "answered_at")
    span = pd.concat([per[c + "_week"] for c in counted]).dropna()
    weeks = pd.date_range(span.min(), span.max(), freq="7D").date
    channels = per["channel"].unique()
    created = per.groupby(["channel", "created_week"])
    grid = pd.MultiIndex.from_product([channels, weeks])
    add("tickets", created.size().reindex(grid, fill_value=0).astype("float64"))
    add("escalation_rate", created["escalated"].mean())
    add("abandonment_rate", created["abandoned"].mean())
    closed = per[per["closed"]].groupby(["channel", "created_week"])
    add("survey_response_rate", closed["answered"].mean())
    resolved = per[per["resolved_at"].notna()].groupby(["channel", "resolved_at_week"])
    add("ttr_median_hours", resolved["ttr_h"].median())
    add("ttr_mean_hours", resolved["ttr_h"].mean())
    add("ttr_p90_hours", resolved["ttr_h"].quantile(0.9))
    resolved_created = per[per["resolved_at"].notna()].groupby(["channel", "created_week"])
    add("reopen_rate", resolved_created["reopened"].mean())
    responded = per[per["first_response_at"].notna()].groupby(["channel", "first_response_at_week"])
    add("frt_median_hours", responded["frt_h"].median())
    add("frt_mean_hours", responded["frt_h"].mean())
    add("frt_p90_hours", responded["frt_h"].quantile(0.9))
    per["csat_good"] = per["csat"] >= 4
    rated = per[per["csat"].notna()].groupby(["channel", "answered_at_week"])
    add("csat", rated["csat_good"].mean())
    # backlog: created so far minus ended so far, at the end of every week from the first
    # creation or ending to the last
    moved = pd.concat([per["created_week"], per["ended_at_week"]]).dropna()
    moves = pd.date_range(moved.min(), moved.max(), freq="7D").date
    opened = per.groupby(["channel", "created_week"]).size()
    ended = per[per["ended_at"].notna()].groupby(["channel", "ended_at_week"]).size()
    for channel in channels:
        net = (
            opened.get(channel, pd.Series(dtype="int64")).reindex(moves, fill_value=0)
            - ended.get(channel, pd.Series(dtype="int64")).reindex(moves, fill_value=0)
        ).cumsum()
        add("backlog", pd.concat({channel: net.astype("float64")}))
    return pd.concat(rows, ignore_index=True)


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[int, list[str]]:
    """Every (group, week, kpi) with a value on either side must have the same on the other."""

    def table(frame: pd.DataFrame) -> dict[tuple[str, object, str], float]:
        return {
            (str(g), pd.Timestamp(w).date(), k): float(v)
            for g, w, k, v in zip(
                frame["group"], frame["week"], frame["kpi"], frame["value"], strict=True
            )
            if v is not None and not (isinstance(v, float) and math.isnan(v))
        }

    a, b = table(ours), table(theirs)
    differences = []
    for key in sorted(set(a) | set(b), key=str):
        mine, other = a.get(key), b.get(key)
        if mine is None or other is None or not np.isclose(mine, other, rtol=0, atol=TOLERANCE):
            differences.append(f"{key}: ticketloop {mine}, pandas {other}")
    return len(set(a) | set(b)), differences


if __name__ == "__main__":
    main()
