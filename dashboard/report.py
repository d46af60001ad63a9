"""The weekly review: one self-contained, printable HTML file (Plotly's JavaScript embedded once,
no request to the network) built from the same mining results and chart builders as the pages.
No Streamlit here."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from dashboard import charts
from dashboard.format import difference as _difference
from dashboard.format import heading as _heading
from dashboard.format import kpi_value as _fmt
from dashboard.format import missing as _missing
from mining.conformance import deviation_costs
from mining.effect import FITTING
from mining.kpis import BY_NAME, KPIS, KpiReport
from mining.selection import Selection
from store.settings import Settings

TREND_KPIS = (
    "ttr_median_hours",
    "frt_median_hours",
    "sla_resolution_met",
    "escalation_rate",
    "needless_escalation_rate",
    "csat",
    "reopen_rate",
    "backlog",
)
STATUS_COLOURS = {"on": "#2ca02c", "near": "#ff7f0e", "off": "#d62728"}


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
    # flow does not speak the log's labels) and bottleneck transitions of the last four weeks'
    # tickets (Bottlenecks.transitions; `recent` says which, in words).
    recent: str = ""
    deviations: pd.DataFrame | None = None
    transitions: pd.DataFrame | None = None


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
    conformance: Any = None,
) -> Review:
    """The weekly review of ISO week `week` ('2025-W14', or 'last': the last complete week with
    tickets created): weekly KPIs with limits, the change log, the measured effect of the
    changes of the `recent_weeks` weeks before it, and the bottlenecks of the last four weeks.
    `conformance` (mining.conformance.Conformance of `selection`, when the designed flow speaks
    the log's labels) adds its deviations and, to each change's effect, the share of tickets
    that fit. TicketloopError for a week without data."""
    from mining.bottlenecks import bottlenecks
    from mining.effect import measure_change
    from mining.kpis import compute_kpis, ticket_kpis
    from store.changes import list_changes
    from store.errors import MiningError, TicketloopError

    changes = list_changes(con, selection.dataset)
    tickets = ticket_kpis(con, selection, settings)  # read once for the KPIs and the effects
    weekly = compute_kpis(
        con, selection, settings, weekly=True, changes=[c["date"] for c in changes], tickets=tickets
    )
    monday = pick_week(weekly, week)
    unfit = conformance.non_fitting_tickets if conformance is not None else None
    effects = []
    for c in recent_changes(changes, monday, recent_weeks):
        try:
            effects.append(
                measure_change(
                    con, selection, settings, c, non_fitting_tickets=unfit, tickets=tickets
                )
            )
        except TicketloopError:
            continue
    try:
        transitions = bottlenecks(con, four_weeks(selection, monday)).transitions
    except MiningError:  # no ticket created in those weeks
        transitions = None
    return assemble_review(
        selection,
        settings,
        weekly,
        monday,
        changes=changes,
        effects=effects,
        transitions=transitions,
        deviations=conformance.deviations if conformance is not None else None,
    )


def review_weeks(weekly: KpiReport) -> list[date]:
    """The Mondays of the weeks a review can be about (tickets created that week), latest first."""
    frame = weekly.values
    created = frame[(frame["kpi"] == "tickets") & frame["group"].isna() & (frame["value"] > 0)]
    return sorted(set(created["week"]), reverse=True)


def pick_week(weekly: KpiReport, week: str = "last") -> date:
    """The Monday of ISO week `week` ('2025-W14'), or with 'last' of the last complete week with
    tickets created (its only week when the data spans under two). TicketloopError for a week
    that is not an ISO week or has no data."""
    from store.errors import TicketloopError

    frame = weekly.values
    created = frame[(frame["kpi"] == "tickets") & (frame["value"] > 0)]["week"]
    weeks = set(frame["week"])
    if week == "last":
        latest = frame["week"].max()
        monday = min(created.max(), latest - timedelta(days=7))
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
    """The changes of the `weeks` weeks up to the review's week: the ones whose effect it shows."""
    return [c for c in changes if monday - timedelta(weeks=weeks) <= c["date"] <= monday]


def four_weeks(selection: Selection, monday: date) -> Selection:
    """The tickets of `selection` created in the review's week and the three before it."""
    start, end = monday - timedelta(weeks=3), monday + timedelta(days=6)
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
    transitions: pd.DataFrame | None,
    deviations: pd.DataFrame | None = None,
) -> Review:
    """A Review from its parts (what build_review computes; the dashboard takes them from its
    cache, so that changing the week recomputes no KPI)."""
    return Review(
        dataset=selection.dataset,
        selection=selection.describe(),
        week=monday,
        weekly=weekly,
        targets=settings.targets,
        changes=changes,
        effects=effects,
        recent=f"tickets created {iso_week(monday - timedelta(weeks=3))} to {iso_week(monday)}",
        deviations=deviations,
        transitions=transitions,
    )


def review_document(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    settings: Settings,
    *,
    week: str = "last",
    recent_weeks: int = 12,
    conformance: Any = None,
) -> tuple[str, str]:
    """(ISO week, the review as one HTML document): what `ticketloop report` writes."""
    review = build_review(
        con, selection, settings, week=week, recent_weeks=recent_weeks, conformance=conformance
    )
    return iso_week(review.week), render_review(review)


def _svg_spark(values: list[float | None]) -> str:
    """A tiny inline SVG line of the last weeks (no script needed, prints well)."""
    points = [(i, v) for i, v in enumerate(values) if v is not None and not math.isnan(v)]
    if len(points) < 2:
        return ""
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1
    width = max(len(values) - 1, 1)
    path = " ".join(f"{i / width * 100:.1f},{18 - (v - low) / span * 16:.1f}" for i, v in points)
    return (
        '<svg width="100" height="20" viewBox="0 0 100 20" aria-hidden="true">'
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{path}"/></svg>'
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


def scorecard_rows(review: Review, weeks: int = 12) -> list[dict[str, Any]]:
    """One dict per KPI for the review's week: kpi (the Kpi), value, last (last week's), target
    (a Target or None), status (on/near/off or None), signal, reason (why there is no value), recent
    (the rows week, value of the last `weeks` weeks up to this one), computed (whether any week
    has a value: False when the data set cannot give this KPI)."""
    week, last = review.week, review.week - timedelta(days=7)
    out = []
    for kpi in KPIS:
        rows = _week_rows(review, kpi.name)
        now, before = _value_at(rows, week), _value_at(rows, last)
        status = now["status"] if now is not None else None
        signal = now["signal"] if now is not None else None
        reason = now["reason"] if now is not None else None
        out.append(
            {
                "kpi": kpi,
                "value": None if now is None or _missing(now["value"]) else float(now["value"]),
                "last": (
                    None if before is None or _missing(before["value"]) else float(before["value"])
                ),
                "target": review.targets.get(kpi.name),
                "status": None if _missing(status) else status,
                "signal": None if _missing(signal) else signal,
                "reason": None if _missing(reason) else reason,
                "note": None if now is None or _missing(now["note"]) else now["note"],
                "recent": rows.loc[rows["week"] <= week, ["week", "value"]].tail(weeks),
                "computed": bool(rows["value"].notna().any()),
            }
        )
    return out


def not_computed(rows: list[dict[str, Any]]) -> str | None:
    """The KPIs of `scorecard_rows` the data set cannot give, a Markdown bullet per reason (the
    KPIs it keeps out, then why); None when none."""
    why: dict[str, list[str]] = {}
    for row in rows:
        if not row["computed"]:
            reason = (row["reason"] or "no value in any week").removesuffix(" this week")
            why.setdefault(reason, []).append(row["kpi"].meaning)
    if not why:
        return None
    return "\n".join(f"- {_heading(', '.join(names))}: {reason}" for reason, names in why.items())


def scorecard(review: Review) -> str:
    out = [
        "<table class='score'><thead><tr><th>KPI</th><th>this week</th><th>last week</th>"
        "<th>target</th><th>status</th><th>last 12 weeks</th><th>signal</th></tr></thead><tbody>"
    ]
    for row in scorecard_rows(review):
        kpi, target, status = row["kpi"], row["target"], row["status"]
        colour = STATUS_COLOURS.get(status or "", "#7f7f7f")
        out.append(
            f"<tr><td title='{html.escape(kpi.formula)}'>{html.escape(_heading(kpi.meaning))}</td>"
            f"<td>{_fmt(row['value'], kpi.unit)}"
            f"{'<br><small>' + html.escape(row['note']) + '</small>' if row['note'] else ''}</td>"
            f"<td>{_fmt(row['last'], kpi.unit)}</td>"
            f"<td>{_fmt(target.target, kpi.unit, like=row['value']) + (' ↓' if target.better == 'lower' else ' ↑') if target else ''}</td>"
            f"<td><span class='pill' style='background:{colour}'>{status or '–'}</span></td>"
            f"<td>{_svg_spark(row['recent']['value'].tolist())}</td>"
            f"<td>{html.escape(str(row['signal'] or ''))}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def trends(review: Review) -> str:
    parts = []
    marks = [(c["date"], c["title"]) for c in review.changes]
    for name in TREND_KPIS:
        kpi = BY_NAME[name]
        rows = kpi_series(review, name)
        if rows["value"].isna().all():
            continue
        target = review.targets.get(name)
        fig = charts.kpi_trend(
            rows,
            _heading(kpi.meaning),
            target=target.target if target else None,
            changes=marks,
            percent=kpi.unit == "fraction",
        )
        parts.append(
            "<div class='chart'>"
            + fig.to_html(
                # Plotly's JavaScript with the first chart drawn (the first KPI may have none)
                full_html=False,
                include_plotlyjs=not parts,
                config={"displayModeBar": False},
            )
            + "</div>"
        )
    return "".join(parts)


def effects(review: Review) -> str:
    if not review.effects:
        return "<p>No change recorded in the last weeks. Record one: <code>ticketloop change add</code>.</p>"
    out = []
    for effect in review.effects:
        c = effect.change
        clear = [k for k in effect.kpis if k["verdict"] != "no clear change"]
        out.append(
            f"<h3>{html.escape(str(c['title']))} ({c['date']})</h3><p>{effect.tickets_before:,}"
            f" tickets before, {effect.tickets_after:,} from it. {len(clear)} clear changes:</p>"
        )
        out.append(
            "<table><thead><tr><th>KPI</th><th>before</th><th>after</th><th>95% interval of the"
            " difference</th><th>verdict</th></tr></thead><tbody>"
        )
        for k in clear or effect.kpis[:0]:
            kpi = BY_NAME.get(k["kpi"]) or FITTING
            low, high = (_difference(k[end], kpi.unit) for end in ("ci_low", "ci_high"))
            out.append(
                f"<tr><td>{html.escape(_heading(kpi.meaning))}</td><td>{_fmt(k['before'], kpi.unit)}</td>"
                f"<td>{_fmt(k['after'], kpi.unit)}</td><td>{low} to {high}</td><td>{k['verdict']}</td></tr>"
            )
        out.append("</tbody></table>")
    return "".join(out)


def escalation_sentence(review: Review) -> str:
    """The week's escalations in the scorecard's own numbers (the mining definitions), in words."""

    def at(kpi: str) -> pd.Series | None:
        return _value_at(_week_rows(review, kpi), review.week)

    tickets, rate, needless = at("tickets"), at("escalation_rate"), at("needless_escalation_rate")
    if tickets is None or not tickets["value"]:
        return "No tickets created this week."
    if rate is None or _missing(rate["value"]):
        reason = rate["reason"] if rate is not None and not _missing(rate["reason"]) else ""
        return f"Escalations cannot be counted: {reason}."
    escalated = round(rate["value"] * tickets["value"])
    examples = needless["examples"] if needless is not None else None
    named = (
        ", ".join(list(examples)[:5])
        if isinstance(examples, list | tuple) or hasattr(examples, "tolist")
        else ""
    )
    named = named or "none"
    return (
        f"{escalated:,} of {tickets['value']:,.0f} tickets created this week were escalated"
        f" ({_fmt(rate['value'], 'fraction')}); needless escalations (bounce-back or push-to-front)"
        f" were {_fmt(needless['value'] if needless is not None else None, 'fraction')} of them"
        f" (e.g. {named})."
    )


def _examples(ids: object, limit: int = 3) -> str:
    """Up to `limit` example ticket ids, escaped."""
    listed = list(ids)[:limit] if ids is not None and not _missing(ids) else []  # type: ignore[call-overload]
    return html.escape(", ".join(map(str, listed)))


def top_deviations(review: Review, limit: int = 5) -> str:
    """Deviations from the designed flow ranked by their cost in time (tickets x extra median
    time to resolution), with the CSAT gap; accepted ones are left out and counted."""
    if review.deviations is None:
        return (
            "<p>No conformance figures: no designed flow of this process (name yours in"
            " <code>[conformance] designed_flow</code> of ticketloop.toml).</p>"
        )
    frame = review.deviations
    ranked = deviation_costs(frame)
    open_ = ranked[~ranked["accepted"]].head(limit)
    if open_.empty:
        return "<p>No deviation from the designed flow in these weeks.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(r.deviation)}</td><td>{r.tickets:,} ({r.share:.0%})</td>"
        f"<td>{_fmt(r.ttr_median_hours_affected, 'hours')} vs {_fmt(r.ttr_median_hours_rest, 'hours')}</td>"
        f"<td>{_fmt(r.csat_mean_affected, 'score')} vs {_fmt(r.csat_mean_rest, 'score')}"
        f" ({r.csat_answers_affected:,} and {r.csat_answers_rest:,} answers)</td>"
        f"<td>{_examples(r.examples)}</td></tr>"
        for r in open_.itertuples()
    )
    accepted = int(frame["accepted"].sum())
    note = f"<p class='sub'>{accepted} accepted deviation(s) left out.</p>" if accepted else ""
    return (
        f"<p class='sub'>All tickets of the selection; most costly first (tickets × extra median"
        " time to resolution).</p><table><tr><th>deviation</th><th>tickets</th><th>median time to"
        " resolution, affected vs rest</th><th>mean CSAT, affected vs rest</th><th>e.g.</th></tr>"
        f"{rows}</table>{note}"
    )


def top_bottlenecks(review: Review, limit: int = 5) -> str:
    """The transitions that add the most waiting in the last weeks."""
    frame = review.transitions
    if frame is None or frame.empty:
        return "<p>No transitions between events in these weeks.</p>"
    rows = "".join(
        f"<tr><td>{html.escape(r.from_activity)} → {html.escape(r.to_activity)}</td>"
        f"<td>{r.transitions:,}</td><td>{_fmt(r.total_hours, 'hours')}</td>"
        f"<td>{_fmt(r.median_hours, 'hours')}</td><td>{_fmt(r.p90_hours, 'hours')}</td>"
        f"<td>{_examples(r.example_tickets)}</td></tr>"
        for r in frame.head(limit).itertuples()
    )
    return (
        f"<p class='sub'>{html.escape(review.recent)}; the waits that add the most time first.</p>"
        "<table><tr><th>transition</th><th>times</th><th>waiting in all</th><th>median</th>"
        f"<th>p90</th><th>longest, e.g.</th></tr>{rows}</table>"
    )


def escalation_summary(review: Review) -> str:
    return f"<p>{html.escape(escalation_sentence(review))}</p>"


def next_steps(review: Review) -> list[str]:
    """Plain sentences: the KPIs off target, the signals and the largest moves this week."""
    week, last = review.week, review.week - timedelta(days=7)
    found: list[tuple[float, str]] = []
    for kpi in KPIS:
        rows = _week_rows(review, kpi.name)
        now, before = _value_at(rows, week), _value_at(rows, last)
        if now is None or _missing(now["value"]):
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
        if now["status"] == "off" and target:
            gap = abs(now["value"] - target.target) / (abs(target.target) or 1)
            found.append(
                (
                    gap,
                    f"{title} is off target: {value} against {_fmt(target.target, kpi.unit, like=now['value'])}.{named}",
                )
            )
        if not _missing(now["signal"]):
            found.append(
                (1.0, f"{title} at {value} is a signal ({now['signal']}), not noise.{named}")
            )
        if before is not None and not _missing(before["value"]) and before["value"]:
            move = (now["value"] - before["value"]) / abs(before["value"])
            if abs(move) >= 0.25 and kpi.kind != "count":
                found.append(
                    (
                        abs(move),
                        f"{title} moved {move:+.0%} since last week ({_fmt(before['value'], kpi.unit, like=now['value'])} to {value}).{named}",
                    )
                )
    found.sort(key=lambda x: -x[0])
    return [s for _, s in found[:8]]


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;max-width:1180px}
h1{font-size:22px;margin-bottom:0}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
h3{font-size:14px}table{border-collapse:collapse;font-size:12.5px;margin:6px 0}
th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}td:nth-child(2),td:nth-child(3),td:nth-child(4){text-align:right}
.pill{color:#fff;border-radius:8px;padding:1px 8px;font-size:11px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:8px}.chart{break-inside:avoid}
.sub{color:#666;font-size:13px}li{margin:4px 0;font-size:13.5px}
@media print{body{margin:8mm}.charts{grid-template-columns:1fr 1fr}h2{break-after:avoid}}
"""


def render_review(review: Review) -> str:
    """The whole review as one HTML document."""
    steps = next_steps(review)
    steps_html = (
        "<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in steps) + "</ul>"
        if steps
        else "<p>Nothing off target, no signal and no large move this week.</p>"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Weekly review {iso_week(review.week)} · {html.escape(review.dataset)}</title>
<style>{CSS}</style></head><body>
<h1>Weekly review {iso_week(review.week)}: {html.escape(review.dataset)}</h1>
<p class="sub">Week of {review.week:%d %b %Y} to {review.week + timedelta(days=6):%d %b %Y}; {html.escape(review.selection)};
KPI definitions in the README; limits are process-behaviour (XmR) limits from {html.escape(baseline(review))}.</p>
<h2>What to look at next</h2>{steps_html}
<h2>Scorecard against targets and last week</h2>{scorecard(review)}
<h2>Trends with limits and changes</h2><div class="charts">{trends(review)}</div>
<h2>Top deviations from the designed flow</h2>{top_deviations(review)}
<h2>Top bottlenecks</h2>{top_bottlenecks(review)}
<h2>Escalations</h2>{escalation_summary(review)}
<h2>Measured effect of recent changes</h2>{effects(review)}
</body></html>"""


def baseline(review: Review) -> str:
    """Which weeks the XmR limits were computed from, in words."""
    for _limits, basis in review.weekly.limits.values():
        return basis
    return "no baseline"
