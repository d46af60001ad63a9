"""The weekly review as one self-contained, printable HTML file (Plotly's JavaScript embedded
once, no request to the network): the application layer's review (application.review) drawn with
the pages' chart builders. No Streamlit here."""

from __future__ import annotations

import html
import math
from datetime import timedelta

from application.effect import BASED_ON, INTERVAL, effect_table, outcome, periods
from application.format import after_resolution_note
from application.format import heading as _heading
from application.format import kpi_value as _fmt
from application.format import missing as _missing
from application.review import (
    Review,
    baseline,
    escalation_sentence,
    iso_week,
    kpi_series,
    next_steps,
    no_effects,
    not_computed,
    quiet_week,
    scorecard_rows,
)
from dashboard import charts, texts
from dashboard.markdown import code_spans
from mining.conformance import deviation_costs
from mining.kpis import BY_NAME, KPIS

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
TEMPLATE = "plotly_white"
STATUS_COLOURS = {"on": "#2ca02c", "near": "#ff7f0e", "off": "#d62728"}
# Text of a bullet by its reading: green better, red worse, grey else; darker than the charts'
# markers so that the words read on white (contrast over 4.5:1); the words say it too.
READING_TEXT = {"better": "#1a7f37", "worse": "#c62828", None: "#595959"}


def review_document(review: Review) -> tuple[str, str]:
    """(ISO week, the review as one HTML document): what `ticketloop report` writes."""
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


def scorecard(review: Review) -> str:
    out = [
        "<table class='score'><thead><tr><th>KPI</th><th>this week</th><th>last week</th>"
        "<th>target</th><th>status</th><th>last 12 weeks</th><th>signal</th></tr></thead><tbody>"
    ]
    rows = scorecard_rows(review)
    for row in rows:
        kpi, target, status = row["kpi"], row["target"], row["status"]
        colour = STATUS_COLOURS.get(status or "", "#7f7f7f")
        out.append(
            f"<tr><td title='{html.escape(kpi.formula)}'>{html.escape(_heading(kpi.meaning))}</td>"
            f"<td>{_fmt(row['value'], kpi.unit)}"
            f"{'<br><small>' + html.escape(row['note']) + '</small>' if row['note'] else ''}</td>"
            f"<td>{_fmt(row['last'], kpi.unit)}</td>"
            f"<td>{_fmt(target.target, kpi.unit, like=row['value']) + (' ↓' if target.better == 'lower' else ' ↑') if target else ''}</td>"
            f"<td><span class='pill' style='background:{colour}'>"
            f"{status or (texts.NOT_JUDGED.format(edge=row['edge']) if row['edge'] else '–')}"
            "</span></td>"
            f"<td>{_svg_spark(row['recent']['value'].tolist())}</td>"
            f"<td style='color:{charts.direction_colour(row['direction'])}'>"
            f"{html.escape(', '.join(filter(None, (row['signal'], row['direction']))))}</td></tr>"
        )
    out.append("</tbody></table>")
    if missing := not_computed(rows):  # why the n/a rows have none, as the page says it
        out.append(
            "<p class='sub'>Not computed for this data set:</p><ul>"
            + "".join(f"<li>{_reason(item)}</li>" for item in missing)
            + "</ul>"
        )
    return "".join(out)


def _reason(message: str) -> str:
    """A message of ours as HTML, its `quoted` names as code (dashboard.markdown.reason)."""
    return "".join(
        f"<code>{html.escape(p)}</code>" if quoted else html.escape(p)
        for p, quoted in code_spans(message)
    )


def trends(review: Review) -> str:
    """The trend charts of TREND_KPIS; on a log that gives none of them (BPI 2012: no
    `Resolved`, no escalations, no surveys), of the KPIs it does give, said so."""
    given = [k for k in TREND_KPIS if not kpi_series(review, k)["value"].isna().all()]
    lead = ""
    if not given:
        given = [k.name for k in KPIS if not kpi_series(review, k.name)["value"].isna().all()]
        lead = f"<p>{html.escape(texts.REPORT_TRENDS_OTHERS)}</p>"
    if not given:
        return f"<p>{html.escape(texts.REPORT_TRENDS_NONE)}</p>"
    parts = []
    marks = [(c["date"], c["title"]) for c in review.changes]
    for name in given:
        kpi = BY_NAME[name]
        rows = kpi_series(review, name)
        target = review.targets.get(name)
        fig = charts.kpi_trend(
            rows,
            _heading(kpi.meaning),
            target=target.target if target else None,
            changes=marks,
            percent=kpi.unit == "fraction",
            hours=kpi.unit == "hours",
        )
        # one look wherever the file is written (Streamlit's process sets another default)
        fig.update_layout(template=TEMPLATE)
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
    return lead + "".join(parts)


def effects(review: Review) -> str:
    if not review.effects:
        return f"<p>{html.escape(no_effects(review))}</p>"
    out = []
    for effect in review.effects:
        c = effect.change
        clear = effect_table(effect, clear_only=True)
        out.append(
            f"<h3>{html.escape(str(c['title']))} ({c['date']})</h3><p>"
            f"{html.escape(_heading(periods(effect)))}. {html.escape(outcome(effect))}</p>"
        )
        if not clear:  # no table of headers alone
            continue
        columns = ["KPI", "before", "after", INTERVAL, "verdict", BASED_ON]
        out.append(
            "<table><thead><tr>"
            + "".join(f"<th>{c}</th>" for c in columns)
            + "</tr></thead><tbody>"
            + "".join(
                "<tr>" + "".join(f"<td>{html.escape(row[c])}</td>" for c in columns) + "</tr>"
                for row in clear
            )
            + "</tbody></table>"
        )
    return "".join(out)


def _examples(ids: object, limit: int = 3) -> str:
    """Up to `limit` example ticket ids, escaped."""
    listed = list(ids)[:limit] if ids is not None and not _missing(ids) else []  # type: ignore[call-overload]
    return html.escape(", ".join(map(str, listed)))


def top_deviations(review: Review, limit: int = 5) -> str:
    """Deviations from the designed flow ranked by their cost in time (tickets x extra median
    time to resolution), with the CSAT gap; accepted ones are left out and counted."""
    if review.deviations is None:
        return f"<p>No conformance figures: {html.escape(review.flow_reason or '')}.</p>"
    frame = review.deviations
    ranked = deviation_costs(frame)
    open_ = ranked[~ranked["accepted"]].head(limit)
    if open_.empty:
        return "<p>No deviation from the designed flow among the selected tickets.</p>"
    # a column of survey answers only where there are some (a log without surveys has none)
    surveyed = bool(open_[["csat_answers_affected", "csat_answers_rest"]].to_numpy().any())
    rows = "".join(
        f"<tr><td>{html.escape(r.deviation)}</td><td>{r.tickets:,} ({r.share:.0%})</td>"
        f"<td>{_fmt(r.ttr_median_hours_affected, 'hours')} vs {_fmt(r.ttr_median_hours_rest, 'hours')}</td>"
        + (
            f"<td>{_fmt(r.csat_mean_affected, 'score')} vs {_fmt(r.csat_mean_rest, 'score')}"
            f" ({r.csat_answers_affected:,} and {r.csat_answers_rest:,} answers)</td>"
            if surveyed
            else ""
        )
        + f"<td>{_examples(r.examples)}</td></tr>"
        for r in open_.itertuples()
    )
    accepted = int(frame["accepted"].sum())
    note = f"<p class='sub'>{accepted} accepted deviation(s) left out.</p>" if accepted else ""
    csat = "<th>mean CSAT, affected vs rest</th>" if surveyed else ""
    return (
        f"<p class='sub'>{html.escape(texts.REVIEW_DEVIATIONS_WHEN)}</p>"
        "<table><tr><th>deviation</th><th>tickets</th><th>median time to"
        f" resolution, affected vs rest</th>{csat}<th>e.g.</th></tr>"
        f"{rows}</table>{note}"
    )


def left_out_waits(review: Review) -> str | None:
    """The line under the review's top bottlenecks naming the waits after resolution left out
    of them (the page's and the report's); None when none are."""
    note = after_resolution_note(review.after_resolution, arrow="→")
    return texts.REVIEW_LEFT_OUT.format(note=note) if note else None


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
    left_out = left_out_waits(review)
    note = f"<p class='sub'>{html.escape(left_out)}</p>" if left_out else ""
    return (
        f"<p class='sub'>{html.escape(review.recent)}; the waits that add the most time first.</p>"
        "<table><tr><th>transition</th><th>times</th><th>waiting in all</th><th>median</th>"
        f"<th>p90</th><th>longest, e.g.</th></tr>{rows}</table>{note}"
    )


def escalation_summary(review: Review) -> str:
    return f"<p>{html.escape(escalation_sentence(review))}</p>"


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
        "<ul>"
        + "".join(
            f"<li style='color:{READING_TEXT.get(s.reading, READING_TEXT[None])}'>"
            f"{html.escape(s.text)}</li>"
            for s in steps
        )
        + "</ul>"
        if steps
        else f"<p>{html.escape(quiet_week(review))}</p>"
    )
    # before the verdicts it qualifies
    targets_html = (
        f"<p><strong>{_reason(review.targets_note)}</strong></p>" if review.targets_note else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Weekly review {iso_week(review.week)} · {html.escape(review.dataset)}</title>
<style>{CSS}</style></head><body>
<h1>Weekly review {iso_week(review.week)}: {html.escape(review.dataset)}</h1>
<p class="sub">Week of {review.week:%d %b %Y} to {review.week + timedelta(days=6):%d %b %Y}; {html.escape(review.selection)};
KPI definitions in the README; limits are process-behaviour (XmR) limits from {html.escape(baseline(review))}.</p>
{targets_html}<h2>What to look at next</h2>{steps_html}
<h2>Scorecard against targets and last week</h2>{scorecard(review)}
<h2>Trends with limits and changes</h2><div class="charts">{trends(review)}</div>
<h2>Top deviations from the designed flow</h2>{top_deviations(review)}
<h2>Top bottlenecks</h2>{top_bottlenecks(review)}
<h2>Escalations</h2>{escalation_summary(review)}
<h2>Measured effect of recent changes</h2>{effects(review)}
</body></html>"""
