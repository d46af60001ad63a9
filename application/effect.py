"""A process change's measured effect: every KPI before and after, and the share of tickets
that fit the designed flow when the flow is put on the log; the rows a table of it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb

from application.format import count, difference, heading, kpi_value
from mining.effect import FITTING, ChangeEffect, Period, measure_change
from mining.kpis import BETTER, BY_NAME, WORSE, Kpi, TicketKpis
from mining.results import missing
from mining.selection import Selection
from store.errors import MiningError
from store.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa


def change_effect(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    *,
    settings: Settings,
    change: dict[str, Any],
    unfit: pa.StringArray | None = None,
    tickets: TicketKpis | None = None,
    weeks_before: int = 6,
    weeks_after: int = 6,
) -> ChangeEffect:
    """The effect of `change` on the tickets of `selection` (mining.effect.measure_change); with
    `unfit` (FlowFit.unfit: the case ids of the tickets that do not fit the designed flow put on
    the log), the share of fitting tickets beside the KPIs. MiningError for a change of another
    data set."""
    if change["dataset"] != selection.dataset:
        raise MiningError(
            f"change {change['id']} is a change of data set '{change['dataset']}', not of"
            f" '{selection.dataset}'. See this data set's: ticketloop change list --dataset"
            f" {selection.dataset}"
        )
    return measure_change(
        con,
        selection,
        settings,
        change,
        weeks_before=weeks_before,
        weeks_after=weeks_after,
        non_fitting_tickets=unfit,
        tickets=tickets,
    )


INTERVAL = "95% interval of the difference"
BASED_ON = "based on (before and after)"


def effect_table(effect: ChangeEffect, *, clear_only: bool = False) -> list[dict[str, str]]:
    """The effect's KPIs as rows of words, in the order measured (the fitting share last): KPI,
    before, after (a share with how many tickets have it), the 95% interval of the difference
    (percentage points for shares), the verdict, and what each side rests on; with
    `clear_only`, only the KPIs whose interval leaves no doubt of the direction."""
    rows = []
    for k in effect.kpis:
        if clear_only and k["verdict"] not in (BETTER, WORSE):
            continue
        kpi = kpi_definition(k["kpi"])
        # one unit for the row's durations: the largest of them picks it
        sizes = [abs(k[x]) for x in ("before", "after", "ci_low", "ci_high") if not missing(k[x])]
        like = max(sizes, default=None)
        low, high = (difference(k[end], kpi.unit, like) for end in ("ci_low", "ci_high"))
        rows.append(
            {
                "KPI": heading(kpi.meaning),
                "before": _valued(k, "before", kpi.unit, like),
                "after": _valued(k, "after", kpi.unit, like),
                INTERVAL: "n/a" if missing(k["ci_low"]) else f"{low} to {high}",
                "verdict": k["verdict"],
                BASED_ON: f"{k['basis_before']:,} and {k['basis_after']:,} {kpi.population}",
            }
        )
    return rows


def _valued(k: dict[str, Any], side: str, unit: str, like: float | None) -> str:
    """One side's value, a share with how many tickets have it: `2.7% (6)`."""
    value = kpi_value(k[side], unit, like)
    counted = k.get(f"count_{side}")
    return value if counted is None or missing(k[side]) else f"{value} ({counted:,})"


def correction(effect: ChangeEffect) -> str:
    """The one line a table of the effect carries: its verdicts are corrected for the number of
    KPIs judged together (mining.effect: Holm), which leaves out those not judged, named with
    why."""
    n = sum(k["judged"] for k in effect.kpis)
    alike: dict[str, list[str]] = {}
    for k in effect.kpis:
        if not k["judged"]:
            alike.setdefault(k["why_not_judged"], []).append(
                heading(kpi_definition(k["kpi"]).meaning)
            )
    if not n and len(alike) == 1:
        return f"No KPI judged: {next(iter(alike))}."
    unjudged = "".join(f" Not judged: {', '.join(names)} ({why})." for why, names in alike.items())
    if not n:
        return f"No KPI judged.{unjudged}"
    if n == 1:
        return f"One KPI judged: better or worse where its 95% interval leaves out zero.{unjudged}"
    return (
        f"Verdicts corrected for the {n:,} KPIs judged together (Holm): better or worse only"
        f" where the chance of any false verdict among the {n:,} stays under 5%, so a KPI whose"
        f" 95% interval leaves out zero may still read no clear change.{unjudged}"
    )


def outcome(effect: ChangeEffect) -> str:
    """The effect in sentences: how many KPIs moved clearly (that none did, only where some
    were judged), then the `correction` line."""
    clear = sum(k["verdict"] in (BETTER, WORSE) for k in effect.kpis)
    if clear:
        moved = f"{count(clear, 'KPI')} moved clearly. "
    else:
        moved = "No KPI moved clearly. " if any(k["judged"] for k in effect.kpis) else ""
    return moved + correction(effect)


def periods(effect: ChangeEffect) -> str:
    """The tickets each side compares, in words: `179 tickets created 2025-02-24 to 2025-04-06
    before, 240 created 2025-04-07 to 2025-05-18 from it`, and where the data set's tickets
    begin or end inside the weeks asked, or the dates read do, so."""
    before, after = effect.before, effect.after
    said = (
        f"{before.tickets:,} tickets created {_dates(before)} before,"
        f" {after.tickets:,} created {_dates(after)} from it"
    )
    cut = [c for c in (_cut(before, "before"), _cut(after, "after")) if c]
    return said + (f" ({'; '.join(cut)})" if cut else "")


def _cut(period: Period, side: str) -> str | None:
    """Why a period is shorter than the weeks asked, if it is: `the data set's tickets end
    2013-11-28: 2.6 of the 6 weeks asked after`."""
    if period.cut is None:
        return None
    first = side == "before"
    day = period.start if first else period.end
    why = (
        f"the data set's tickets {'begin' if first else 'end'} {day}"
        if period.cut == "data"
        else f"read {'from' if first else 'up to'} {day}"
    )
    asked = "the week" if period.weeks == 1 else f"the {period.weeks} weeks"
    return f"{why}: {_weeks(period)} of {asked} asked {side}"


def _dates(period: Period) -> str:
    """`2025-02-24 to 2025-04-06`, or `on 2010-01-13` for one day."""
    return f"on {period.start}" if period.start == period.end else f"{period.start} to {period.end}"


def _weeks(period: Period) -> str:
    days = (period.end - period.start).days + 1
    return f"{days / 7:.1f}".removesuffix(".0")


def not_measured_lines(effect: ChangeEffect) -> list[str]:
    """The KPIs the data set cannot speak of, a line per reason (the KPIs, then why)."""
    alike: dict[str, list[str]] = {}
    for name, why in effect.not_measured.items():
        alike.setdefault(why, []).append(heading(kpi_definition(name).meaning))
    return [f"{', '.join(names)}: not measured ({why})" for why, names in alike.items()]


def kpi_definition(name: str) -> Kpi:
    """The definition of a KPI a change's effect may hold: every KPI, and the fitting share."""
    return FITTING if name == FITTING.name else BY_NAME[name]
