"""KPI trends: every KPI by week against its target with process-behaviour limits, signals
flagged, process changes marked, and the before/after effect of each change with its interval."""

from __future__ import annotations

import streamlit as st

from application import format as fmt
from application import review as weekly
from dashboard import charts, data, parts, texts
from dashboard.context import PageContext
from dashboard.markdown import say
from mining.signals import MIN_POINTS
from store.errors import TicketloopError

PER_ROW = 2


def render(ctx: PageContext) -> None:
    for change in data.changes(ctx.db, ctx.version, ctx.selection.dataset):
        parts.prefetch_effect(ctx, change)  # drawn last
    parts.prefetch_fit(ctx)  # the fit to the designed flow in each change's effect
    review = parts.review(ctx, details=False)
    st.caption(texts.TRENDS_INTRO.format(basis=weekly.baseline(review)))
    if review.targets_note:
        st.caption(review.targets_note)
    rows = [r for r in weekly.scorecard_rows(review, weeks=10_000) if r["kpi"].name != "tickets"]
    parts.not_computed(rows)
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
            effect = parts.effect(ctx, change)
        except TicketloopError as exc:
            st.markdown(
                say(
                    texts.TRENDS_EFFECT_FAILED,
                    title=change["title"],
                    date=change["date"],
                    message=exc,
                )
            )
            continue
        parts.effect_section(effect, key=f"trend_effect_{i}")


def _trend(review: weekly.Review, row: dict, marks: list) -> None:
    kpi, target = row["kpi"], row["target"]
    series = weekly.kpi_series(review, kpi.name)
    fig = charts.kpi_trend(
        series,
        fmt.heading(kpi.meaning),
        # the direction under the name: one line of both is cut off at half the page's width
        subtitle=f"{review.directions[kpi.name]} is better",
        target=target.target if target else None,
        changes=marks,
        percent=kpi.unit == "fraction",
        hours=kpi.unit == "hours",
    )
    st.plotly_chart(fig, key=f"trend_{kpi.name}")
    flagged = series[series["signal"].notna()]
    if flagged.empty:
        st.caption(
            texts.TRENDS_NO_SIGNAL
            if series["centre"].notna().any()
            else texts.TRENDS_NO_LIMITS.format(n=MIN_POINTS)
        )
        return
    latest = flagged.tail(3).iloc[::-1]
    weeks = ", ".join(
        f"{weekly.iso_week(w)} ({s}, {d})"
        for w, s, d in zip(latest["week"], latest["signal"], latest["direction"], strict=True)
    )
    st.caption(texts.TRENDS_SIGNALS.format(n=fmt.count(len(flagged), "week"), weeks=weeks))
    measured = (series["week_status"] == "judged").sum()
    if len(flagged) > measured / 2:  # the limits no longer describe this process
        st.caption(texts.TRENDS_MOSTLY_SIGNALS.format(flagged=len(flagged), weeks=measured))
