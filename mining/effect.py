"""The effect of a process change: every KPI of the tickets created in the weeks before the
change's date against those created in the weeks from it, with a seeded 95% bootstrap interval of
the difference and a verdict read with the KPI's direction, corrected for the number of KPIs judged
together (Holm).

The bootstrap resamples days of creation, not tickets (a cluster bootstrap): each resample draws,
with replacement, as many of a period's creation days (in the desk's zone) as it has, and takes
every ticket created on a drawn day as often as the day is drawn. Tickets created on the same day
meet the same queue and the same staff on duty (a Monday's pile after the weekend slows all of its
first responses at once), so they are not independent, and resampling them one by one makes the
intervals too narrow: on generated desks with no change at all (`ticketloop generate --stable`,
3,000 tickets, seeds 11 and 12), 13 of 30 placebo changes (every Monday from 2025-02-17 to
2025-05-26) got a better or worse verdict with tickets resampled, 1 of 30 with days resampled (90
placebo changes over six such desks: 3, under Holm's 5% a change). Days rather than weeks: a
6-week period has only 6 weeks, too few clusters for a bootstrap (its spread comes out too narrow
and lumpy: 9 of those 30 placebo changes got a verdict), while its 42 days are enough, and the
queue of one working day is cleared by the next (the dependence the days leave out is small).
For the same reason a side needs MIN_DAYS days of creation: placebo changes on six stable desks
(seeds 11 to 16) got a verdict in 9 of 45 with 7 days a side, 6 of 90 with 14, 3 of 90 with 21.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

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
from mining.results import SMALL_BASIS
from mining.selection import Selection
from store.datasets import dataset_id
from store.errors import MiningError
from store.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa

RESAMPLES = 1000  # enough for Holm's strictest step: see _row
SEED = 20250407
UNCLEAR = "no clear change"
NOT_JUDGED = "not judged"  # too small a basis, or resamples that do not vary: no verdict
# A verdict needs, on each side, this many days with tickets created (the bootstrap's clusters:
# with fewer, its resamples vary too little, and placebo changes on stable desks get verdicts;
# see above) and SMALL_BASIS tickets (answers) with a value.
MIN_DAYS = 14
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
class Period:
    """The tickets one side of a change compares: created from `start` to `end` (dates, both
    inclusive), `weeks` asked, how many `tickets`, and on how many `days` they were created.
    `cut`: what ends it inside the weeks asked, if anything: `data` (the data set's first or
    last ticket created) or `selection` (the dates selected, such as a review's week's end)."""

    start: date
    end: date
    weeks: int
    tickets: int
    days: int
    cut: str | None = None


@dataclass(frozen=True)
class ChangeEffect:
    """Before and after a change: `kpis` one dict per KPI (kpi, before, after, difference,
    relative, ci_low, ci_high, p_value, verdict: Holm-corrected; why_not_judged: a verdict's
    absence explained; basis_before and basis_after: the tickets or answers each side rests on;
    count_before and count_after: of a share, how many of them have it); the periods compared;
    `not_measured` the KPIs the data set cannot speak of (an activity they need is absent), each
    with why."""

    change: dict[str, Any]
    before: Period
    after: Period
    kpis: list[dict[str, Any]]
    not_measured: dict[str, str]

    def kpi(self, name: str) -> dict[str, Any]:
        return next(k for k in self.kpis if k["kpi"] == name)

    def to_json(self) -> dict[str, Any]:
        change = {
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in self.change.items()
        }
        periods = {
            side: {
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "weeks_asked": period.weeks,
                "cut": period.cut,  # what ends it inside the weeks asked: data, selection
                "tickets": period.tickets,
                "days": period.days,
            }
            for side, period in (("before", self.before), ("after", self.after))
        }
        return {
            "change": change,
            **periods,
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
    non_fitting_tickets: pa.StringArray | None = None,
    tickets: TicketKpis | None = None,
) -> ChangeEffect:
    """Compare the tickets of `selection` created in the `weeks_before` weeks before
    `change["date"]` with those created in the `weeks_after` weeks from it. With
    `non_fitting_tickets` (case ids, Conformance.unfit: from conformance checking against the
    designed flow), the share of tickets that fit the flow is compared too, as
    `fitting_ticket_share`. With `tickets` (ticket_kpis of `selection`), the tickets' KPIs are
    taken from those rows."""
    day: date = change["date"]
    start, end = day - timedelta(weeks=weeks_before), day + timedelta(weeks=weeks_after)
    window = selection.but(
        start=max(start, selection.start) if selection.start else start,
        end=min(end - timedelta(days=1), selection.end)
        if selection.end
        else end - timedelta(days=1),
    )
    build_ticket_kpis(con, window, settings, within=tickets)
    unusable = (
        tickets.unusable if tickets else unusable_kpis(con, dataset_id(con, selection.dataset))
    )
    measured = [k for k in KPIS if k.kind not in ("count", "backlog") and k.name not in unusable]
    columns = ", ".join(
        f"coalesce(CASE WHEN {k.over} THEN ({k.value})::DOUBLE END, 'NaN'::DOUBLE)"
        for k in measured
    )
    if non_fitting_tickets is not None:
        import pyarrow as pa  # (off the path of the commands that need no effect)

        measured.append(FITTING)
        columns += ", (case_id NOT IN (SELECT case_id FROM unfit_tickets))::DOUBLE"
        con.register("unfit_tickets", pa.table({"case_id": non_fitting_tickets}))
    try:
        frame = con.execute(
            f"SELECT date_diff('day', $day, timezone($zone, created_at)::DATE), {columns}"  # noqa: S608 (registry constants)
            " FROM kpi_tickets ORDER BY 1, case_key",
            {"zone": settings.calendar.timezone, "day": day},
        ).fetchnumpy()
    finally:
        con.unregister("unfit_tickets")
    # Columns as fetched, rows by creation day and then ticket: each period is a slice (a view,
    # not a copy) and each day's tickets keep their order. Every copy of the tickets' table is
    # memory first touched, which costs more than the arithmetic on a shared machine.
    day_of, *columns = frame.values()
    split = int(np.searchsorted(day_of, 0))  # days from the change's date: the first after
    first, last = _created_days(con, selection, settings.calendar.timezone)
    if split in (0, len(day_of)):
        before = split == 0
        weeks = weeks_before if before else weeks_after
        raise MiningError(_empty_side(day, selection, first, last, before, weeks))
    groups = [slice(0, split), slice(split, len(day_of))]
    blocks = _day_blocks(day_of, groups)
    periods = [
        Period(
            max(window.start, first),
            day - timedelta(days=1),
            weeks_before,
            split,
            int(blocks[0].max()) + 1,  # its days of creation
            _cut(window.start, first, start, later=True),
        ),
        Period(
            day,
            min(window.end, last),
            weeks_after,
            len(day_of) - split,
            int(blocks[1].max()) + 1,
            _cut(window.end, last, end - timedelta(days=1), later=False),
        ),
    ]
    draws = _day_draws(blocks, resamples, np.random.default_rng(seed))
    means = [i for i, k in enumerate(measured) if k.kind != "quantile"]
    # The matrix products of the draws are small: OpenBLAS's threads would only spin beside
    # them, twice the CPU for the same time (a third of the effect's CPU at 10M events), taken
    # from the dashboard's other reads.
    with threadpool_limits(limits=1, user_api="blas"):
        boot_means = _mean_draws([columns[i] for i in means], groups, blocks, draws)
        boot_quantiles = {
            i: _quantile_draws(kpi.quantile, columns[i], groups, blocks, draws)
            for i, kpi in enumerate(measured)
            if kpi.kind == "quantile"
        }
    rows = []
    for i, kpi in enumerate(measured):
        point = [_stat(kpi, columns[i][g][None, :])[0] for g in groups]
        if kpi.kind == "quantile":
            boot = boot_quantiles[i]
        else:
            boot = boot_means[:, means.index(i)] * kpi.scale
        row = _row(kpi.name, point[0], point[1], boot)
        row.update(unit=kpi.unit, better=direction(kpi.name, settings.targets))
        # what each side rests on (its tickets or answers) and, for a share, how many have it
        for side, g in zip(("before", "after"), groups, strict=True):
            values = columns[i][g]
            row[f"basis_{side}"] = int(np.count_nonzero(~np.isnan(values)))
            row[f"count_{side}"] = int(np.nansum(values)) if kpi.unit == "fraction" else None
        _judge_basis(row, kpi, periods)
        rows.append(row)
    _verdicts(rows, settings)
    skipped = {k.name: unusable[k.name] for k in KPIS if k.name in unusable}
    return ChangeEffect(change, periods[0], periods[1], rows, skipped)


def _empty_side(
    day: date,
    selection: Selection,
    first: date,
    last: date,
    before: bool,
    weeks: int,
) -> str:
    """Why a side of the change of `day` has no ticket: the data set's tickets begin after it
    (end before it), the dates selected do, or none was created in the weeks asked."""
    if before and day <= first:
        why = f"the data set's tickets are created from {first} on"
    elif not before and day > last:
        why = f"the data set's tickets are created up to {last}"
    elif before and selection.start and selection.start >= day:
        why = f"the dates selected begin {selection.start}"
    elif not before and selection.end and selection.end < day:
        why = f"the dates selected end {selection.end}"
    else:
        why = f"no ticket selected was created in the {weeks} weeks {'before' if before else 'from'} it"
    return (
        f"no tickets {'before' if before else 'after'} the change of {day}: {why}. Pick a change"
        " with tickets created on both sides, or select dates around it"
    )


def _cut(selected: date, data: date, asked: date, *, later: bool) -> str | None:
    """What cuts a period's bound `asked` (its first day with `later`, else its last): the data
    set's first (last) ticket created, on `data`, else the `selected` dates, else nothing."""
    inside = (lambda bound: bound > asked) if later else (lambda bound: bound < asked)
    if inside(data) and (data >= selected if later else data <= selected):
        return "data"
    return "selection" if inside(selected) else None


def _created_days(
    con: duckdb.DuckDBPyConnection, selection: Selection, timezone: str
) -> tuple[date, date]:
    """The days (in `timezone`) the data set's first and last tickets were created."""
    return con.execute(
        # converted after the aggregate: the zone's clock keeps the order of instants
        "SELECT timezone($zone, min(created_at))::DATE, timezone($zone, max(created_at))::DATE"
        " FROM ticket_facts WHERE dataset_id = $d",
        {"zone": timezone, "d": dataset_id(con, selection.dataset)},
    ).fetchall()[0]


def _judge_basis(row: dict[str, Any], kpi: Kpi, periods: list[Period]) -> None:
    """Leave a KPI unjudged, without an interval, saying why: a side has tickets of fewer than
    MIN_DAYS days of creation, or fewer than SMALL_BASIS tickets (answers) it rests on; or, as
    `_row` found, its resamples do not vary."""
    sides = dict(zip(("before", "after"), periods, strict=True))
    few_days = [(side, p) for side, p in sides.items() if p.days < MIN_DAYS]
    few = [(side, row[f"basis_{side}"]) for side in sides if row[f"basis_{side}"] < SMALL_BASIS]
    if few_days:
        more = " (compare more weeks)" if any(p.cut is None for _, p in few_days) else ""
        row["why_not_judged"] = (
            " and ".join(
                f"the {p.tickets:,} tickets {side} were created on {p.days} day{'s' * (p.days != 1)}"
                for side, p in few_days
            )
            + f"; a verdict needs {MIN_DAYS} days a side{more}"
        )
    elif few:
        row["why_not_judged"] = (
            " and ".join(f"{n:,} {kpi.population} {side}" for side, n in few)
            + f"; a verdict needs {SMALL_BASIS} a side"
        )
    elif not row["judged"]:
        row["why_not_judged"] = "no variation in either period"
    else:
        row["why_not_judged"] = None
        return
    row.update(ci_low=None, ci_high=None, p_value=None, judged=False, verdict=NOT_JUDGED)


def _day_blocks(days: np.ndarray, groups: list[slice]) -> list[np.ndarray]:
    """For each group, the index of each of its tickets' creation day among the group's days
    (the clusters a resample draws)."""
    return [np.unique(days[g], return_inverse=True)[1].ravel() for g in groups]


def _day_draws(
    blocks: list[np.ndarray], resamples: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """For each group, how often each of its days is drawn in each resample: (resamples × days),
    each row a draw of as many days as the group has, with replacement."""
    out = []
    for block in blocks:
        n = int(block.max()) + 1
        out.append(rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype("float64"))
    return out


def _mean_draws(
    columns: list[np.ndarray],
    groups: list[slice],
    blocks: list[np.ndarray],
    draws: list[np.ndarray],
) -> np.ndarray:
    """Bootstrap differences (after - before) of the mean of each of `columns` (a value per
    ticket, NaN where a ticket does not count) over the resampled days: one (resamples × columns)
    array, NaN where a resample has no ticket that counts. A resample's mean is its days' sums
    over their counts, weighted by how often each day is drawn."""
    stats = []
    for g, block, drawn in zip(groups, blocks, draws, strict=True):
        days = drawn.shape[1]
        sums, counts = [], []
        for column in columns:  # each day's sum and count, added in ticket order
            values = column[g]
            present = ~np.isnan(values)
            sums.append(np.bincount(block, np.where(present, values, 0.0), minlength=days))
            counts.append(np.bincount(block, present, minlength=days))
        totals = drawn @ np.column_stack(sums + counts)
        with np.errstate(invalid="ignore", divide="ignore"):
            stats.append(totals[:, : len(columns)] / totals[:, len(columns) :])
    return stats[1] - stats[0]


def _quantile_draws(
    quantile: float,
    values: np.ndarray,
    groups: list[slice],
    blocks: list[np.ndarray],
    draws: list[np.ndarray],
) -> np.ndarray:
    """Bootstrap differences (after - before) of a quantile of `values` over the resampled days:
    (resamples,), NaN where a resample has no value. A resample holds each ticket with a value as
    often as its day is drawn; its quantile is np.quantile's (linear) of that multiset: the value
    at a position is the least one of which the resample holds more than that many at or below
    it (_first_above)."""
    stats = []
    for g, block, drawn in zip(groups, blocks, draws, strict=True):
        present = ~np.isnan(values[g])
        if not present.any():
            return np.full(drawn.shape[0], np.nan)
        kept = values[g][present]
        order = np.argsort(kept)
        ordered = kept[order]
        new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
        distinct, ranks = ordered[new], np.cumsum(new) - 1  # the rank of each value, ascending
        days = block[present][order]
        total = drawn @ np.bincount(days, minlength=drawn.shape[1]).astype("float64")
        virtual = (total - 1) * quantile  # np.quantile's linear method, 0-based
        low = np.floor(virtual)
        a, b = (
            distinct[_first_above(drawn, days, ranks, at)]
            for at in (low, np.minimum(low + 1, total - 1))
        )
        with np.errstate(invalid="ignore"):
            stats.append(np.where(total > 0, a + (b - a) * (virtual - low), np.nan))
    return stats[1] - stats[0]


def _first_above(
    drawn: np.ndarray, days: np.ndarray, ranks: np.ndarray, positions: np.ndarray
) -> np.ndarray:
    """For each resample (row of `drawn`), the least rank j of which it holds more values at or
    below than its 0-based position; `days` and `ranks` are the values' days and ranks, in rank
    order. Counted per day, first for buckets of about √(distinct values) ranks, then for the
    ranks of the buckets found: days × √n counts, not days × n (the memory first touched costs
    more than the counting)."""
    n_days, n = drawn.shape[1], int(ranks[-1]) + 1
    width = math.isqrt(n - 1) + 1
    buckets = -(-n // width)
    # below[d, k]: how many of day d's values rank below the end of bucket k
    below = np.bincount(days * buckets + ranks // width, minlength=n_days * buckets)
    below = below.reshape(n_days, buckets).cumsum(axis=1)
    bucket = (drawn @ below > positions[:, None]).argmax(axis=1)
    found = np.empty(len(positions), dtype=np.int64)
    for k in np.unique(bucket):
        first = k * width
        inside = slice(*np.searchsorted(ranks, [first, first + width]))
        fine = (
            np.bincount(days[inside] * width + ranks[inside] - first, minlength=n_days * width)
            .reshape(n_days, width)
            .cumsum(axis=1)
        )
        if k:
            fine += below[:, k - 1, None]
        rows = bucket == k
        found[rows] = first + (drawn[rows] @ fine > positions[rows, None]).argmax(axis=1)
    return found


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
    two-sided one, small exactly when the 95% interval leaves out zero: each side's p is (1 +
    the draws on the far side of zero) / (B + 1) with B the draws (the observed difference counts
    as one of them), so never below 1 / (B + 1); the two-sided p is twice the smaller side's,
    never below 2 / (B + 1): 0.002 with B = 1,000 draws, under Holm's strictest step (0.05 / 21 =
    0.0024 for 21 KPIs), which fewer than 840 draws could never reach."""

    def num(x: float) -> float | None:
        return None if x is None or np.isnan(x) else round(float(x), 6)

    difference = after - before
    finite = boot[~np.isnan(boot)]
    low, high = np.percentile(finite, [2.5, 97.5]) if finite.size else (np.nan, np.nan)
    far = min((finite <= 0).sum(), (finite >= 0).sum())
    p_value = min(1.0, 2 * (far + 1) / (finite.size + 1)) if finite.size else 1.0
    # no resample differs from another (a share of 0% in both periods): no verdict can come of
    # it, and Holm's correction does not count it (Tarone's rule for discrete tests)
    judged = bool(finite.size) and bool(finite.min() != finite.max())
    return {
        "kpi": name,
        "before": num(before),
        "after": num(after),
        "difference": num(difference),
        "relative": num(difference / before) if before and not np.isnan(before) else None,
        "ci_low": num(low),
        "ci_high": num(high),
        "p_value": round(p_value, 6),
        "judged": judged,
        "verdict": UNCLEAR if judged else NOT_JUDGED,
    }


def _verdicts(rows: list[dict[str, Any]], settings: Settings) -> None:
    """Better or worse for the KPIs whose change survives Holm's correction for all the KPIs
    judged together (the chance of any false verdict among them at most ALPHA), read with each
    KPI's direction; the others no clear change. Holm rather than Benjamini-Hochberg: a process
    owner acts on every verdict, so it is the chance of one false verdict in the table, not
    their expected share, that must stay small. A KPI whose resamples do not vary is not
    judged, nor counted."""
    judged = [r for r in rows if r["judged"]]
    for row, rejected in zip(judged, holm([r["p_value"] for r in judged]), strict=True):
        if rejected:
            up = row["difference"] > 0
            better = direction(row["kpi"], settings.targets) == "higher"
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
