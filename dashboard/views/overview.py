"""Overview: what the data set holds, tickets by channel and week, and the most frequent paths."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data, texts
from store.errors import TicketloopError

st.title(texts.OVERVIEW_TITLE)
path = data.db_path()
if not path.exists():
    st.info(texts.NO_DATABASE.format(db=path))
    st.stop()
try:
    version = data.db_version(path)
    names = data.dataset_names(path, version)
    if not names:
        st.info(texts.NO_DATA)
        st.stop()
    dataset = st.sidebar.selectbox(texts.DATASET_LABEL, names, key="dataset")
    summary = data.summary(path, version, dataset)
    weekly = data.weekly_channels(path, version, dataset)
    top = data.variants(path, version, dataset, 10)
except TicketloopError as exc:
    st.error(texts.STORE_PROBLEM.format(message=exc))
    st.stop()

cols = st.columns(5)
cols[0].metric(texts.METRIC_TICKETS, f"{summary.cases:,}")
cols[1].metric(texts.METRIC_EVENTS, f"{summary.events:,}")
cols[2].metric(
    texts.METRIC_SPAN,
    f"{summary.weeks} week{'s' * (summary.weeks != 1)}",
    help=f"{summary.first_ts:%d %b %Y} to {summary.last_ts:%d %b %Y} (UTC)",
)
cols[3].metric(texts.METRIC_VARIANTS, f"{summary.variants:,}")
cols[4].metric(texts.METRIC_DURATION, f"{summary.median_case_duration_h / 24:.1f} days")
st.caption(
    f"{summary.first_ts:%d %b %Y} to {summary.last_ts:%d %b %Y} · "
    f"{summary.activities} activities · {summary.resources} people and systems"
)
if summary.rejected_rows:
    st.warning(texts.REJECTED_NOTE.format(n=summary.rejected_rows))
    with st.expander(texts.REJECTED_EXPANDER):
        st.dataframe(data.rejected_rows(path, version, dataset), hide_index=True, key="rejects")

st.plotly_chart(
    charts.weekly_channel_bars(weekly, texts.CHANNEL_CHART_TITLE), key="weekly_channels"
)
st.plotly_chart(charts.variant_paths(top, texts.VARIANT_CHART_TITLE), key="variants")
st.caption(texts.VARIANT_CAPTION)
