"""KPI trends: every KPI by week against its target with process-behaviour limits, signals
flagged, process changes marked, and the before/after effect of each change with its interval."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, report, texts
from dashboard import format as fmt
from dashboard.context import PageContext
from dashboard.views.weekly_review import effect_table, load_review
from mining.effect import measure_change
from store.errors import TicketloopError

PER_ROW = 2


def render(ctx: PageContext) -> None:
    for change in data.changes(ctx.db, ctx.version, ctx.selection.dataset):
        ctx.prefetch(measure_change, settings=ctx.settings, change=change)  # drawn last
    review = load_review(ctx, details=False)
    st.caption(texts.TRENDS_INTRO.format(basis=report.baseline(review)))
    rows = [r for r in report.scorecard_rows(review, weeks=10_000) if r["kpi"].name != "tickets"]
    missing = report.not_computed(rows)
    if missing:
        st.info(texts.REVIEW_NOT_COMPUTED.format(names=missing))
    marks = [(c["date"], c["title"]) for c in review.changes]
    shown = [r for r in rows if r["computed"]]
    for start in range(0, len(shown), PER_ROW):
        cols = st.columns(PER_ROW)
        for col, row in zip(cols, shown[start : start + PER_ROW], strict=False):
            with col:
                _trend(review, row, marks)

    st.subheader(texts.TRENDS_EFFECTS)
    if not review.changes:
        st.info(texts.TRENDS_NO_CHANGES)
        return
    st.caption(texts.TRENDS_EFFECT_CAPTION)
    for i, change in enumerate(reversed(review.changes)):
        try:
            effect = ctx.query(measure_change, settings=ctx.settings, change=change)
        except TicketloopError as exc:
            st.markdown(
                texts.TRENDS_EFFECT_FAILED.format(
                    title=change["title"], date=change["date"], message=exc
                )
            )
            continue
        st.markdown(
            texts.EFFECT_HEAD.format(
                title=change["title"],
                date=change["date"],
                before=effect.tickets_before,
                after=effect.tickets_after,
            )
        )
        table = effect_table(effect.kpis)
        st.dataframe(
            table.style.map(_verdict_colour, subset=["verdict"]),
            hide_index=True,
            key=f"trend_effect_{i}",
        )


def _trend(review: report.Review, row: dict, marks: list) -> None:
    kpi, target = row["kpi"], row["target"]
    series = report.kpi_series(review, kpi.name)
    fig = charts.kpi_trend(
        series,
        f"{fmt.heading(kpi.meaning)} ({kpi.name})",
        target=target.target if target else None,
        changes=marks,
        percent=kpi.unit == "fraction",
        hours=kpi.unit == "hours",
    )
    st.plotly_chart(fig, key=f"trend_{kpi.name}")
    flagged = series[series["signal"].notna()]
    if flagged.empty:
        st.caption(texts.TRENDS_NO_SIGNAL)
    else:
        latest = flagged.tail(3).iloc[::-1]
        weeks = ", ".join(
            f"{report.iso_week(w)} ({s})"
            for w, s in zip(latest["week"], latest["signal"], strict=True)
        )
        st.caption(texts.TRENDS_SIGNALS.format(n=fmt.count(len(flagged), "week"), weeks=weeks))
        measured = series["value"].notna().sum()
        if len(flagged) > measured / 2:  # the limits no longer describe this process
            advice = (
                texts.TRENDS_MOSTLY_SIGNALS_SINCE
                if review.weekly.baseline_change
                else texts.TRENDS_MOSTLY_SIGNALS
            )
            st.caption(
                advice.format(flagged=len(flagged), weeks=measured, basis=report.baseline(review))
            )


def _verdict_colour(verdict: str) -> str:
    return {"better": "color: #2ca02c", "worse": "color: #d62728"}.get(verdict, "color: #7f7f7f")
