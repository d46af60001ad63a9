"""The weekly review: what a process owner reads each week, the same on the page, in the
offline report and from `ticketloop report`. The scorecard against targets and last week, what
changed in sentences, the effects of recent process changes, deviations from the designed flow
and the bottlenecks of the last weeks."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd

from application.effect import change_effect
from application.flow import FlowFit
from application.format import heading as _heading
from application.format import kpi_value as _fmt
from application.format import missing as _missing
from application.targets import defaults_note
from mining.kpis import BETTER, KPIS, WORSE, KpiReport, TicketKpis, direction, limits_basis
from mining.selection import Selection
from mining.signals import XMR_FACTOR
from mining.weeks import CLOSING, EDGES, JUDGED, PARTIAL, SMALL
from store.errors import MiningError, TicketloopError
from store.settings import Settings

if TYPE_CHECKING:
    from mining.bottlenecks import Bottlenecks


@dataclass
class Review:
    """What the weekly review shows; `weekly` is a weekly KpiReport of the whole selection."""

    dataset: str
    selection: str
    week: date  # Monday
    weekly: KpiReport
    targets: dict[str, Any]
    changes: list[dict[str, Any]] = field(default_factory=list)
    effects: list[Any] = field(default_factory=list)  # mining.effect.ChangeEffect
    # Conformance deviations of the selection (Conformance.deviations; None when the designed
    # flow is not put on the log, and `flow_reason` says why) and bottleneck transitions of the
    # last four weeks' tickets (Bottlenecks.transitions, the waits the customer feels; `recent`
    # says which tickets, in words), the waits after resolution left out of them apart.
    recent: str = ""
    deviations: pd.DataFrame | None = None
    transitions: pd.DataFrame | None = None
    after_resolution: pd.DataFrame | None = None
    flow_reason: str | None = None  # why the designed flow is not put on these tickets
    limits_basis: str = ""  # where the limits come from, in words (mining.kpis.limits_basis)
    # KPI -> higher or lower is better (None for the count of tickets)
    directions: dict[str, str | None] = field(default_factory=dict)
    min_tickets: int = 0  # [kpis] min_tickets: a week on fewer is not judged
    # what the review says of its targets when they are the built-in ones (application.targets)
    targets_note: str | None = None


@dataclass(frozen=True)
class Step:
    """One sentence of what to look at next and how it reads for its KPI: `reading` better,
    worse, or anything else (up, down) for a move with no better side (drawn grey)."""

    text: str
    reading: str


QUIET = "Nothing off target, no signal and no large move this week."


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> date:
    """'2025-W14' -> the Monday of that ISO week; a ValueError otherwise."""
    year, week = text.upper().split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def build_review(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    settings: Settings,
    *,
    week: str = "last",
    recent_weeks: int = 12,
    fit: FlowFit | None = None,
) -> Review:
    """The weekly review of ISO week `week` ('2025-W14', or 'last': the last complete week with
    tickets created): weekly KPIs with limits, the change log, the measured effect of the
    changes of the `recent_weeks` weeks before it, and the bottlenecks of the last four weeks.
    `fit` (the designed flow put on `selection`, application.flow) adds its deviations and, to
    each change's effect, the share of tickets that fit; when the flow is not put on the log,
    its reason. TicketloopError for a week without data."""
    from mining.kpis import ticket_kpis
    from store.changes import list_changes

    changes = list_changes(con, selection.dataset)
    tickets = ticket_kpis(con, selection, settings)  # read once for the KPIs and the effects
    weekly = weekly_kpis(con, selection, settings=settings, changes=changes, tickets=tickets)
    monday = pick_week(weekly, week)
    unfit = fit.unfit if fit is not None else None
    effects = []
    upto = until_week_end(selection, monday)  # a past week's review reads no later ticket
    for c in recent_changes(changes, monday, recent_weeks):
        with suppress(TicketloopError):  # a change without tickets on both sides: left out
            effects.append(
                change_effect(con, upto, settings=settings, change=c, unfit=unfit, tickets=tickets)
            )
    return assemble_review(
        selection,
        settings,
        weekly,
        monday,
        changes=changes,
        effects=effects,
        waits=recent_waits(con, selection, monday=monday),
        fit=fit,
    )


def weekly_kpis(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    *,
    settings: Settings,
    changes: Sequence[dict[str, Any]] | Sequence[date],
    tickets: TicketKpis | None = None,
) -> KpiReport:
    """Every KPI of `selection` by ISO week, with process-behaviour limits by phase: each change
    of the change log (`changes`: its rows, or their dates) starts one."""
    from mining.kpis import compute_kpis

    days = [c["date"] if isinstance(c, dict) else c for c in changes]
    return compute_kpis(con, selection, settings, weekly=True, changes=days, tickets=tickets)


def recent_waits(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, monday: date
) -> Bottlenecks | None:
    """Where the tickets created in the review's week and the three before it wait: their
    bottlenecks, the waits after resolution left out of the transitions and kept apart; None
    when no ticket was created then."""
    from mining.bottlenecks import bottlenecks

    try:
        return bottlenecks(con, four_weeks(selection, monday), waits_only=True)
    except MiningError:
        return None


def review_weeks(weekly: KpiReport) -> list[date]:
    """The Mondays of the weeks a review can be about (tickets created that week), latest first."""
    return sorted(set(_created_weeks(weekly.values)), reverse=True)


def _created_weeks(frame: pd.DataFrame) -> pd.Series:
    """The weeks of a weekly KPI frame in which the selection's tickets were created."""
    return frame.loc[
        (frame["kpi"] == "tickets") & frame["group"].isna() & (frame["value"] > 0), "week"
    ]


def pick_week(weekly: KpiReport, week: str = "last") -> date:
    """The Monday of ISO week `week` ('2025-W14'), or with 'last' of the last complete week with
    tickets created, not a partial one (its only week when the data spans under two). TicketloopError for a week
    that is not an ISO week or has no data."""
    frame = weekly.values
    created = _created_weeks(frame)
    weeks = set(frame["week"])
    if week == "last":
        latest = frame["week"].max()
        monday = min(created.max(), latest - timedelta(days=7))
        partial = set(
            frame.loc[(frame["kpi"] == "tickets") & (frame["week_status"] == PARTIAL), "week"]
        )
        whole = created[(created <= monday) & ~created.isin(partial)]
        if not whole.empty:  # the data's last creation day may end it midweek: the one before
            monday = whole.max()
        if monday not in weeks:  # under two weeks of data: its only week
            monday = created.max()
    else:
        try:
            monday = parse_week(week)
        except ValueError:
            raise TicketloopError(
                f"--week {week}: not an ISO week. Write it as 2025-W14, or last"
            ) from None
    if monday not in weeks:
        raise TicketloopError(
            f"--week {iso_week(monday)}: no data that week; the data set spans"
            f" {iso_week(frame['week'].min())} to {iso_week(frame['week'].max())}"
        )
    return monday


def recent_changes(changes: list[dict[str, Any]], monday: date, weeks: int = 12) -> list[dict]:
    """The changes of the `weeks` weeks up to the end of the review's week (its Sunday): the ones
    whose effect it shows."""
    return [
        c for c in changes if monday - timedelta(weeks=weeks) <= c["date"] <= monday + TO_SUNDAY
    ]


def no_effects(review: Review) -> str:
    """What the review says when it measures no change's effect: none recorded in the weeks up to
    it, or none with tickets on both sides; and the first change after the week, if any, whose
    effect a later week's review shows."""
    recent = recent_changes(review.changes, review.week)
    said = (
        "No recorded change has tickets created on both sides of its date in the selection."
        if recent
        else "No process change recorded in the 12 weeks up to the end of this week."
    )
    later = [c for c in review.changes if c["date"] > review.week + TO_SUNDAY]
    if later:
        first = min(later, key=lambda c: c["date"])
        return (
            f"{said} The change of {first['date']} ({first['title']}) comes after it: the review"
            f" of {iso_week(first['date'])} or a later week measures its effect."
        )
    return (
        f"{said} Record one on the Settings page (or ticketloop change add --date YYYY-MM-DD"
        " --title ...) to measure its effect."
    )


def until_week_end(selection: Selection, monday: date) -> Selection:
    """The tickets of `selection` created up to the end of the week of `monday` (its Sunday)."""
    sunday = monday + TO_SUNDAY
    return selection.but(end=min(sunday, selection.end) if selection.end else sunday)


def likely_last_week(last_day: date) -> date:
    """The Monday of the week `pick_week` likely takes for the last complete one when the data's
    last ticket is created on `last_day` (its own week when a Sunday, else the one before): a
    guess to start work before the weekly KPIs are known, never the review's choice."""
    monday = last_day - timedelta(days=last_day.weekday())
    return monday if last_day.weekday() == 6 else monday - timedelta(weeks=1)


TO_SUNDAY = timedelta(days=6)  # from a week's Monday to its Sunday


def four_weeks(selection: Selection, monday: date) -> Selection:
    """The tickets of `selection` created in the review's week and the three before it."""
    start, end = monday - timedelta(weeks=3), monday + TO_SUNDAY
    return selection.but(
        start=max(start, selection.start) if selection.start else start,
        end=min(end, selection.end) if selection.end else end,
    )


def assemble_review(
    selection: Selection,
    settings: Settings,
    weekly: KpiReport,
    monday: date,
    *,
    changes: list[dict[str, Any]],
    effects: list[Any],
    waits: Bottlenecks | None,
    fit: FlowFit | None = None,
) -> Review:
    """A Review from its parts (what build_review computes; the dashboard takes them from its
    cache, so that changing the week recomputes no KPI); `waits` is what recent_waits found."""
    return Review(
        dataset=selection.dataset,
        selection=selection.describe(),
        week=monday,
        # a past week judged by what was known then: limits from the weeks up to it
        weekly=weekly.as_of(monday, settings, [c["date"] for c in changes]),
        targets=settings.targets,
        changes=changes,
        effects=effects,
        recent=f"tickets created {iso_week(monday - timedelta(weeks=3))} to {iso_week(monday)}",
        deviations=fit.conformance.deviations if fit and fit.conformance else None,
        flow_reason=fit.reason if fit is not None else None,
        transitions=waits.transitions if waits is not None else None,
        after_resolution=waits.after_resolution if waits is not None else None,
        limits_basis=limits_basis(settings, up_to=iso_week(monday)),
        directions={k.name: direction(k.name, settings.targets) for k in KPIS},
        min_tickets=settings.min_tickets,
        targets_note=defaults_note(settings),
    )


def _week_rows(review: Review, kpi: str) -> pd.DataFrame:
    return review.weekly.series.get(kpi, review.weekly.values.iloc[:0])


def kpi_series(review: Review, kpi: str) -> pd.DataFrame:
    """One KPI's weeks up to the review's week (columns week, value, centre, lower, upper,
    signal, ...): what `charts.kpi_trend` draws."""
    rows = _week_rows(review, kpi)
    return rows[rows["week"] <= review.week]


def _value_at(rows: pd.DataFrame, week: date) -> pd.Series | None:
    hit = np.flatnonzero(rows["week"].to_numpy() == week)  # one row: no frame to filter
    return rows.iloc[hit[0]] if hit.size else None


# The week statuses a scorecard tile marks as not judged, with why.
UNJUDGED = (*EDGES, SMALL)


def scorecard_rows(review: Review, weeks: int = 12) -> list[dict[str, Any]]:
    """One dict per KPI for the review's week: kpi (the Kpi), value, last (last week's), target
    (a Target or None), status (on/near/off or None), edge (why the week's value is not judged:
    partial week, warm-up, still closing, small basis; else None), signal and its direction
    (better, worse; up or down), reason (why there is no value), compared (both weeks judged:
    only then is the move from last week read as better or worse), recent
    (the rows week, value of the last `weeks` weeks up to this one), computed (whether any week
    has a value: False when the data set cannot give this KPI)."""
    week, last = review.week, review.week - timedelta(days=7)
    out = []
    for kpi in KPIS:
        rows = _week_rows(review, kpi.name)
        now, before = _value_at(rows, week), _value_at(rows, last)
        status = now["status"] if now is not None else None
        # an edge week's value, or one on too few tickets, is shown, not held against its target
        # (mining.weeks)
        edge = now["week_status"] if now is not None and now["week_status"] in UNJUDGED else None
        signal = now["signal"] if now is not None else None
        reading = now["direction"] if now is not None else None
        reason = now["reason"] if now is not None else None
        out.append(
            {
                "kpi": kpi,
                "value": None if now is None or _missing(now["value"]) else float(now["value"]),
                "last": (
                    None if before is None or _missing(before["value"]) else float(before["value"])
                ),
                "target": review.targets.get(kpi.name),
                "status": None if _missing(status) or edge else status,
                "edge": edge,
                "compared": now is not None
                and before is not None
                and now["week_status"] == JUDGED
                and before["week_status"] == JUDGED,
                "signal": None if _missing(signal) else signal,
                "direction": None if _missing(reading) else reading,
                "reason": None if _missing(reason) else reason,
                "note": None if now is None or _missing(now["note"]) else now["note"],
                "recent": rows.loc[rows["week"] <= week, ["week", "value"]].tail(weeks),
                "computed": bool(rows["value"].notna().any()),
            }
        )
    return out


def not_computed(rows: list[dict[str, Any]]) -> list[str]:
    """The KPIs of `scorecard_rows` the data set cannot give, a line per reason (the KPIs it
    keeps out, then why; plain text: it quotes the log's labels); empty when none."""
    why: dict[str, list[str]] = {}
    for row in rows:
        if not row["computed"]:
            reason = (row["reason"] or "no value in any week").removesuffix(" this week")
            why.setdefault(reason, []).append(row["kpi"].meaning)
    return [f"{_heading(', '.join(names))}: {reason}" for reason, names in why.items()]


def escalation_sentence(review: Review) -> str:
    """The week's escalations in the scorecard's own numbers (the mining definitions), in words."""

    def at(kpi: str) -> pd.Series | None:
        return _value_at(_week_rows(review, kpi), review.week)

    def why(kpi: str, row: pd.Series | None) -> str:
        """': the reason', or where the data set gives the KPI in no week, a pointer to the
        reason the review gives once, among the KPIs not computed (not_computed)."""
        if not _week_rows(review, kpi)["value"].notna().any():
            return " on this data set (see Not computed, above)"
        return "" if row is None or _missing(row["reason"]) else f": {row['reason']}"

    tickets, rate, needless = at("tickets"), at("escalation_rate"), at("needless_escalation_rate")
    if tickets is None or not tickets["value"]:
        return "No tickets created this week."
    if rate is None or _missing(rate["value"]):
        return f"Escalations cannot be counted{why('escalation_rate', rate)}."
    escalated = round(rate["value"] * tickets["value"])
    said = (
        f"{escalated:,} of {tickets['value']:,.0f} tickets created this week were escalated"
        f" ({_fmt(rate['value'], 'fraction')})"
    )
    if not escalated:
        return f"{said}."
    if needless is None or _missing(needless["value"]):
        return (
            f"{said}; whether needlessly (bounce-back or push-to-front) cannot be told"
            f"{why('needless_escalation_rate', needless)}."
        )
    examples = needless["examples"]
    named = (
        ", ".join(list(examples)[:5])
        if isinstance(examples, list | tuple) or hasattr(examples, "tolist")
        else ""
    )
    return (
        f"{said}; needless escalations (bounce-back or push-to-front) were"
        f" {_fmt(needless['value'], 'fraction')} of them{f' (e.g. {named})' if named else ''}."
    )


def _judged(row: pd.Series | None) -> bool:
    """Whether a week value is judged (mining.weeks): not an edge week, on enough tickets."""
    return row is not None and row["week_status"] == JUDGED


def next_steps(review: Review) -> list[Step]:
    """Plain sentences, one per KPI: off target (worse), a signal, a large move this week
    (better or worse, in words), of judged week values only; a move only when last week's is
    judged too and the move is beyond the week-to-week noise (the moving-range limit of its
    phase: 3.27 mean moving ranges), not for any 25%; past STEPS, one line says how many more."""
    week, last = review.week, review.week - timedelta(days=7)
    found: list[tuple[float, Step]] = []
    for kpi in KPIS:
        rows = _week_rows(review, kpi.name)
        now, before = _value_at(rows, week), _value_at(rows, last)
        if not _judged(now):
            continue
        examples = (
            now["examples"]
            if "examples" in now and isinstance(now["examples"], list | tuple)
            else []
        )
        if hasattr(now["examples"], "tolist"):
            examples = now["examples"].tolist()
        named = f" Look at {', '.join(examples[:3])}." if examples else ""
        value = _fmt(now["value"], kpi.unit)
        title = _heading(kpi.meaning)  # words, not the engine's name
        target = review.targets.get(kpi.name)
        # one sentence per KPI, its findings as clauses: ranked by the largest, read worse when
        # off target (what the owner must act on), else as its signal or its move reads
        clauses: list[tuple[float, str, str]] = []  # rank, words, reading
        if now["status"] == "off" and target:
            gap = abs(now["value"] - target.target) / (abs(target.target) or 1)
            against = _fmt(target.target, kpi.unit, like=now["value"])
            clauses.append((gap, f"off target, against {against}", WORSE))
        if not _missing(now["signal"]):
            clauses.append(
                (
                    1.0,
                    f"a signal ({now['signal']}, {now['direction']}), not noise",
                    now["direction"],
                )
            )
        if _judged(before) and before["value"] and _beyond_noise(now, before):
            move = (now["value"] - before["value"]) / abs(before["value"])
            if abs(move) >= 0.25 and kpi.kind != "count":
                reading = (
                    BETTER if (move > 0) == (review.directions[kpi.name] == "higher") else WORSE
                )
                was = _fmt(before["value"], kpi.unit, like=now["value"])
                clauses.append(
                    (abs(move), f"{move:+.0%} since last week (from {was}), {reading}", reading)
                )
        if clauses:
            words = "; ".join(c for _, c, _ in clauses)
            reading = WORSE if clauses[0][1].startswith("off target") else clauses[0][2]
            found.append(
                (
                    max(r for r, _, _ in clauses),
                    Step(f"{title} at {value}: {words}.{named}", reading),
                )
            )
    found.sort(key=lambda x: -x[0])
    steps = [s for _, s in found[:STEPS]]
    if len(found) > STEPS:
        steps.append(Step(f"and {len(found) - STEPS:,} more: see KPI trends.", "more"))
    return steps


STEPS = 8  # sentences a review leads with
MR_LIMIT = 3.267  # a week-to-week move beyond this many mean moving ranges is not noise (D4)


def _beyond_noise(now: Any, before: Any) -> bool:
    """Whether the move from `before` to `now` is beyond the moving-range limit of the phase
    (limits = centre ± 2.66 mean moving ranges; the wider side, as a limit may be drawn cut at
    the values the KPI can take); False without limits."""
    if any(_missing(now.get(k)) for k in ("upper", "lower", "centre")):
        return False
    half = max(now["upper"] - now["centre"], now["centre"] - now["lower"])
    moving_range = half / XMR_FACTOR
    return abs(now["value"] - before["value"]) > MR_LIMIT * moving_range


def quiet_week(review: Review) -> str:
    """What the review says when `next_steps` finds nothing: that the week is not judged (no
    ticket created, too few, or an edge week; mining.weeks) when none of its values is, or none
    but its count of tickets, else that nothing is off target, signalled or moved."""
    name = iso_week(review.week)
    tickets = _value_at(_week_rows(review, "tickets"), review.week)
    created = 0 if tickets is None or _missing(tickets["value"]) else int(tickets["value"])
    if not created:
        return f"{name} is not judged: no tickets were created that week."
    values = {  # the values the week's tickets give (the backlog, a stock, aside)
        k: r
        for k in KPIS
        if k.kind != "backlog"
        and (r := _value_at(_week_rows(review, k.name), review.week)) is not None
        and not _missing(r["value"])
    }
    statuses = {r["week_status"] for r in values.values()}
    if JUDGED in statuses:
        closing = [_heading(k.meaning) for k, r in values.items() if r["week_status"] == CLOSING]
        if not closing:
            return QUIET
        if not any(r["week_status"] == JUDGED for k, r in values.items() if k.name != "tickets"):
            # its count of tickets aside, no KPI was judged: "nothing off target" would be idle
            return (
                f"{name} is not judged yet: its tickets are still closing ({', '.join(closing)})."
                + _last_judged(review)
            )
        return f"{QUIET[:-1]}; not judged yet, its tickets still closing: {', '.join(closing)}."
    if tickets["week_status"] == SMALL:
        said = (
            f"{name} is not judged: {created:,} tickets created, fewer than the {review.min_tickets:,}"
            " a week needs ([kpis] min_tickets)"
        )
        recent = kpi_series(review, "tickets").sort_values("week").tail(12)
        small = int((recent["week_status"] == SMALL).sum())
        if small > len(recent) / 2:  # a desk this size, not a quiet week
            return (
                f"{said}; so were {'all' if small == len(recent) else f'{small} of the'}"
                f" {len(recent)} weeks up to it: lately the desk creates too few tickets a week"
                " for a weekly review to judge." + _last_judged(review)
            )
        return said + "." + _last_judged(review)
    return (
        f"{name} is not judged: the data covers it only in part ({tickets['week_status']})."
        + _last_judged(review)
    )


def _last_judged(review: Review) -> str:
    """' The last week with KPIs judged is 2025-W14: pick it to review.': the latest week before
    the review's with enough tickets created to judge and an outcome of theirs judged (the
    backlog aside); '' when none was."""
    frame = review.weekly.values
    judged = frame[
        frame["group"].isna() & (frame["week_status"] == JUDGED) & (frame["week"] < review.week)
    ]
    # enough tickets created, and an outcome of theirs judged (the backlog aside)
    created = set(judged.loc[judged["kpi"] == "tickets", "week"])
    outcomes = set(judged.loc[~judged["kpi"].isin(["tickets", "backlog"]), "week"])
    if not created & outcomes:
        return ""
    return f" The last week with KPIs judged is {iso_week(max(created & outcomes))}: pick it to review."


def baseline(review: Review) -> str:
    """Which weeks the XmR limits were computed from, in words."""
    return review.limits_basis
