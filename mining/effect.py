"""The effect of a process change: every KPI of the tickets created in the weeks before the
change's date against those created in the weeks from it, with a seeded 95% bootstrap interval of
the difference over tickets and a verdict read with the KPI's direction, corrected for the number
of KPIs judged together (Holm)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
from threadpoolctl import threadpool_limits

from mining.kpis import (
    BETTER,
    KPIS,
    WORSE,
    Kpi,
    TicketKpis,
    build_ticket_kpis,
    direction,
    unusable_kpis,
)
from mining.selection import Selection
from store.datasets import dataset_id
from store.errors import MiningError
from store.settings import Settings

RESAMPLES = 1000
CHUNK = 100  # resamples drawn at a time (bounded memory; the same draws as all at once)
# A column with at most this many distinct values (a rate, a score, a count of handoffs) is
# resampled as multinomial counts of its values; one with more, ticket by ticket.
FEW_VALUES = 100
SEED = 20250407
UNCLEAR = "no clear change"
ALPHA = 0.05  # the chance of any false verdict among the KPIs of one change (Holm)
# Conformance beside the KPIs: the share of tickets whose path fits the designed flow.
FITTING = Kpi(
    "fitting_ticket_share",
    "tickets whose path fits the designed flow",
    "fitting tickets / tickets",
    "fraction",
    "mean",
)


@dataclass(frozen=True)
class ChangeEffect:
    """Before and after a change: `kpis` one dict per KPI (kpi, before, after, difference,
    relative, ci_low, ci_high, p_value, verdict: Holm-corrected); ticket counts of each period; `not_measured` the KPIs
    the data set cannot speak of (an activity they need is absent), each with why."""

    change: dict[str, Any]
    before_start: date
    after_end: date  # exclusive
    tickets_before: int
    tickets_after: int
    kpis: list[dict[str, Any]]
    not_measured: dict[str, str]

    def kpi(self, name: str) -> dict[str, Any]:
        return next(k for k in self.kpis if k["kpi"] == name)

    def to_json(self) -> dict[str, Any]:
        change = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in self.change.items()
        }
        return {
            "change": change,
            "before": {"from": self.before_start.isoformat(), "tickets": self.tickets_before},
            "after": {
                "to": (self.after_end - timedelta(days=1)).isoformat(),
                "tickets": self.tickets_after,
            },
            "kpis": self.kpis,
            "not_measured": self.not_measured,
        }


def measure_change(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    settings: Settings,
    change: dict[str, Any],
    *,
    weeks_before: int = 6,
    weeks_after: int = 6,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    non_fitting_tickets: tuple[str, ...] | None = None,
    tickets: TicketKpis | None = None,
) -> ChangeEffect:
    """Compare the tickets of `selection` created in the `weeks_before` weeks before
    `change["date"]` with those created in the `weeks_after` weeks from it. With
    `non_fitting_tickets` (case ids, from conformance checking against the designed flow), the
    share of tickets that fit the flow is compared too, as `fitting_ticket_share`. With `tickets`
    (ticket_kpis of `selection`), the tickets' KPIs are taken from those rows."""
    day: date = change["date"]
    start, end = day - timedelta(weeks=weeks_before), day + timedelta(weeks=weeks_after)
    window = selection.but(
        start=max(start, selection.start) if selection.start else start,
        end=min(end - timedelta(days=1), selection.end)
        if selection.end
        else end - timedelta(days=1),
    )
    build_ticket_kpis(con, window, settings, within=tickets)
    unusable = unusable_kpis(con, dataset_id(con, selection.dataset))
    measured = [k for k in KPIS if k.kind not in ("count", "backlog") and k.name not in unusable]
    columns = ", ".join(
        f"coalesce(CASE WHEN {k.over} THEN ({k.value})::DOUBLE END, 'NaN'::DOUBLE)"
        for k in measured
    )
    if non_fitting_tickets is not None:
        measured.append(FITTING)
        columns += ", (case_id NOT IN (SELECT unnest($unfit::VARCHAR[])))::DOUBLE"
    frame = con.execute(
        f"SELECT timezone($zone, created_at)::DATE >= $day, {columns}"  # noqa: S608 (registry constants)
        " FROM kpi_tickets ORDER BY case_key",
        {"zone": settings.calendar.timezone, "day": day}
        | ({"unfit": list(non_fitting_tickets)} if non_fitting_tickets is not None else {}),
    ).fetchnumpy()
    arrays = list(frame.values())
    after = np.asarray(arrays[0], dtype=bool)
    if after.all() or not after.any():
        side = "before" if after.all() else "from"
        raise MiningError(
            f"no tickets created in the {weeks_before if after.all() else weeks_after} weeks"
            f" {side} {day}. Pick a change inside the data set's time span"
        )
    groups = [np.flatnonzero(~after), np.flatnonzero(after)]
    table = np.column_stack([np.asarray(c, dtype="float64") for c in arrays[1:]])
    means = [i for i, k in enumerate(measured) if k.kind != "quantile"]
    # The matrix products of the draws are small: OpenBLAS's threads would only spin beside
    # them, twice the CPU for the same time, taken from the dashboard's other reads.
    with threadpool_limits(limits=1, user_api="blas"):
        boot_means = _mean_draws(table[:, means], groups, resamples, seed)
    rng = np.random.default_rng(seed)  # the quantiles' draws, KPI after KPI
    boot_quantiles = {
        i: _quantile_draws(kpi.quantile, table[:, i], groups, resamples, rng)
        for i, kpi in enumerate(measured)
        if kpi.kind == "quantile"
    }
    rows = []
    for i, kpi in enumerate(measured):
        values = table[:, i]
        point = [_stat(kpi, values[g][None, :])[0] for g in groups]
        if kpi.kind == "quantile":
            boot = boot_quantiles[i]
        else:
            boot = boot_means[:, means.index(i)] * kpi.scale
        rows.append(_row(kpi.name, point[0], point[1], boot))
    _verdicts(rows, settings)
    skipped = {k.name: unusable[k.name] for k in KPIS if k.name in unusable}
    return ChangeEffect(change, start, end, int((~after).sum()), int(after.sum()), rows, skipped)


def _counts(rng: np.random.Generator, n: int, resamples: int):
    """Bootstrap resamples of `n` items as counts, CHUNK resamples at a time: each a (rows, n)
    float array of how often each item is drawn. The draws are those of `rng.choice(n,
    (resamples, n))` (the same stream), but no (resamples, n) array of values is gathered."""
    for start in range(0, resamples, CHUNK):
        rows = min(CHUNK, resamples - start)
        drawn = rng.integers(0, n, size=(rows, n), dtype=np.int32)  # same values as int64
        counts = np.empty((rows, n))
        for r in range(rows):  # a row at a time: its bins stay in cache
            counts[r] = np.bincount(drawn[r], minlength=n)
        yield counts


def _mean_draws(
    table: np.ndarray, groups: list[np.ndarray], resamples: int, seed: int
) -> np.ndarray:
    """Bootstrap differences (after - before) of the mean of each column of `table` (tickets ×
    KPIs, NaN where a ticket does not count), resampling the tickets of each group: one
    (resamples × KPIs) array, NaN where a resample has no ticket that counts. A resample's mean
    depends only on how often it draws each value (NaN among them), so a column of FEW_VALUES or
    fewer draws those counts from their multinomial distribution; the other columns share one
    draw of how often each ticket is drawn."""
    rng = np.random.default_rng(seed)
    stats = []
    for g in groups:
        values = table[g]
        out = np.empty((resamples, values.shape[1]))
        many = []
        for j in range(values.shape[1]):
            levels, tickets = np.unique(values[:, j], return_counts=True)  # one NaN level
            if levels.size > FEW_VALUES:
                many.append(j)
                continue
            counts = rng.multinomial(g.size, tickets / g.size, size=resamples)
            out[:, j] = _ratio(counts, levels[:, None])[:, 0]
        if many:
            parts = [_ratio(c, values[:, many]) for c in _counts(rng, g.size, resamples)]
            out[:, many] = np.vstack(parts)
        stats.append(out)
    return stats[1] - stats[0]


def _ratio(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The mean of each column of `values` (items × columns, NaN where an item does not count)
    in each resample of `counts` (resamples × items, how often each item is drawn)."""
    present = ~np.isnan(values)
    totals = counts @ np.hstack([np.where(present, values, 0.0), present])
    k = values.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals[:, :k] / totals[:, k:]


def _quantile_draws(
    quantile: float,
    values: np.ndarray,
    groups: list[np.ndarray],
    resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Bootstrap differences (after - before) of a quantile of `values`, resampling the tickets
    of each group that have a value: (resamples,). Of each resample of m values only the two
    order statistics np.quantile (linear) interpolates between are drawn, from their exact joint
    distribution: the k-th smallest of m uniform draws is Beta(k, m - k + 1), the next the
    smallest of the m - k above it. The same bootstrap distribution as drawing m values a
    resample, at the cost of two draws."""
    stats = []
    for g in groups:
        present = np.sort(values[g][~np.isnan(values[g])])
        m = present.size
        if not m:
            return np.full(resamples, np.nan)
        virtual = m * quantile + (1 + quantile * -1) - 1  # np.quantile's linear method
        low = int(np.floor(virtual))
        gamma = virtual - low
        u_low = rng.beta(low + 1, m - low, resamples)
        u_high = u_low
        if low + 1 < m:
            u_high = u_low + (1 - u_low) * rng.beta(1, m - low - 1, resamples)
        a, b = (present[np.minimum((u * m).astype(np.int64), m - 1)] for u in (u_low, u_high))
        diff = b - a
        stats.append(np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma))
    return stats[1] - stats[0]


def _stat(kpi: Kpi, sample: np.ndarray) -> np.ndarray:
    """The KPI of each row of `sample` (resamples × tickets); NaN where no ticket counts."""
    present = ~np.isnan(sample)
    counts = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if kpi.kind == "quantile":
            out = np.full(sample.shape[0], np.nan)
            ok = counts > 0
            if ok.any():
                out[ok] = np.nanquantile(sample[ok], kpi.quantile, axis=1)
            return out
        return np.where(present, sample, 0.0).sum(axis=1) / counts * kpi.scale


def _row(name: str, before: float, after: float, boot: np.ndarray) -> dict[str, Any]:
    """One KPI's comparison, its verdict left to `_verdicts`; `p_value` is the bootstrap's
    two-sided one: twice the share of draws on the far side of zero (with one draw added, so
    never 0), small exactly when the 95% interval leaves out zero."""

    def num(x: float) -> float | None:
        return None if x is None or np.isnan(x) else round(float(x), 6)

    difference = after - before
    finite = boot[~np.isnan(boot)]
    low, high = np.percentile(finite, [2.5, 97.5]) if finite.size else (np.nan, np.nan)
    far = min((finite <= 0).sum(), (finite >= 0).sum())
    p_value = min(1.0, 2 * (far + 1) / (finite.size + 1)) if finite.size else 1.0
    return {
        "kpi": name,
        "before": num(before),
        "after": num(after),
        "difference": num(difference),
        "relative": num(difference / before) if before and not np.isnan(before) else None,
        "ci_low": num(low),
        "ci_high": num(high),
        "p_value": round(p_value, 6),
        "verdict": UNCLEAR,
    }


def _verdicts(rows: list[dict[str, Any]], settings: Settings) -> None:
    """Better or worse for the KPIs whose change survives Holm's correction for all the KPIs
    judged together (the chance of any false verdict among them at most ALPHA), read with each
    KPI's direction; the others no clear change. Holm rather than Benjamini-Hochberg: a process
    owner acts on every verdict, so it is the chance of one false verdict in the table, not
    their expected share, that must stay small."""
    for row, rejected in zip(rows, holm([r["p_value"] for r in rows]), strict=True):
        if rejected:
            up = row["difference"] > 0
            better = direction(row["kpi"], settings) == "higher"
            row["verdict"] = BETTER if up == better else WORSE


def holm(p_values: list[float], alpha: float = ALPHA) -> list[bool]:
    """Which of the hypotheses Holm's step-down procedure rejects at family-wise error `alpha`:
    the k-th smallest p-value (from 0) against alpha / (m - k), stopping at the first above."""
    rejected = [False] * len(p_values)
    for rank, i in enumerate(sorted(range(len(p_values)), key=p_values.__getitem__)):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        rejected[i] = True
    return rejected
