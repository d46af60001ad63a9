"""Overview: what the selection holds, tickets by week (and channel), and the most frequent paths."""

from __future__ import annotations

import streamlit as st

from application import format as fmt
from dashboard import charts, parts, texts
from dashboard.context import PageContext
from mining import overview
from mining.variants import variants


def render(ctx: PageContext) -> None:
    summary = ctx.query(overview.summarize)
    if not summary.cases:
        st.info(texts.NOTHING_SELECTED)
        st.stop()
    weekly = ctx.query(overview.weekly_tickets_by_channel)
    top = ctx.query(variants, limit=10).table

    cols = st.columns(5)
    cols[0].metric(texts.METRIC_TICKETS, f"{summary.cases:,}")
    cols[1].metric(
        texts.METRIC_INSTANCES if summary.instances else texts.METRIC_EVENTS,
        f"{summary.events:,}",
        help=texts.INSTANCES_HELP if summary.instances else None,
    )
    cols[2].metric(
        texts.METRIC_SPAN,
        f"{summary.weeks} weeks"
        if summary.weeks >= 2
        else fmt.span(summary.first_ts, summary.last_ts),
        help=f"{summary.first_ts:%d %b %Y} to {summary.last_ts:%d %b %Y} (UTC)",
    )
    cols[3].metric(texts.METRIC_VARIANTS, f"{summary.variants:,}")
    cols[4].metric(
        texts.METRIC_DURATION,
        fmt.duration(summary.median_case_duration_h),
        help=texts.DURATION_HELP,
    )
    st.caption(
        f"{summary.first_ts:%d %b %Y} to {summary.last_ts:%d %b %Y} · "
        f"{fmt.count(summary.activities, 'activity')} · "
        f"{summary.resources:,} people and systems · {ctx.selection.describe()}"
    )
    if summary.rejected_rows:
        st.warning(texts.REJECTED_NOTE.format(n=summary.rejected_rows))
        with st.expander(texts.REJECTED_EXPANDER):
            parts.table(ctx.query(overview.rejected_rows), key="rejects")

    if ctx.has("channel"):
        title = texts.CHANNEL_CHART_TITLE
    else:
        st.info(texts.NO_CHANNELS)
        title = texts.WEEKLY_CHART_TITLE
    st.plotly_chart(charts.weekly_channel_bars(weekly, title), key="weekly_channels")
    st.plotly_chart(
        charts.variant_paths(top, texts.VARIANT_CHART_TITLE, ctx.colours()), key="variants"
    )
    st.caption(texts.VARIANT_CAPTION)
