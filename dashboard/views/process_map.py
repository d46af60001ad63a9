"""Process map: the directly-follows graph as an interactive map (a click filters every page), and
the designed flow beside it with the paths it lacks."""

from __future__ import annotations

import math

import streamlit as st

from dashboard import charts, parts, texts
from dashboard.bpmn import bpmn_layout
from dashboard.context import PageContext, select_activity, select_edge
from dashboard.markdown import text
from mining.process_map import process_map
from store.errors import TicketloopError

MAP_KEY = "process_map_chart"
READABLE_EDGES = 50  # paths a map opens with at most (the slider shows the rest)


def _clicked() -> None:
    """A click on the map: an activity sets the activity filter, an edge's dot the edge filter."""
    event = st.session_state.get(MAP_KEY)
    points = (event or {}).get("selection", {}).get("points", [])
    for point in points:
        data = point.get("customdata") or []
        if len(data) == 1:
            select_activity(data[0])
            return
        if len(data) == 2:
            select_edge((data[0], data[1]))
            return


def readable_share(edges: int) -> int:
    """The paths slider's first position: every path of a map of up to READABLE_EDGES, else the
    share (a multiple of 5%) that shows about that many, the busiest: a map to read, not a
    tangle."""
    if edges <= READABLE_EDGES:
        return 100
    return max(5, math.ceil(READABLE_EDGES * 100 / edges / 5) * 5)


def render(ctx: PageContext) -> None:
    flow = ctx.settings.designed_flow
    design = flow.data if flow is not None else None
    whole = ctx.query(process_map, design=design)
    if whole.total_activities == 0:
        st.info(texts.NOTHING_SELECTED)
        st.stop()
    left, mid, right = st.columns(3)
    shown = left.slider(
        texts.MAP_ACTIVITIES,
        min_value=1,
        max_value=whole.total_activities,
        value=whole.total_activities,
        key="map_activities",
    )
    share = mid.slider(
        texts.MAP_PATHS,
        0,
        100,
        readable_share(whole.total_edges),
        step=5,
        key="map_paths",
        help=texts.MAP_PATHS_HELP,
    )
    by = right.radio(
        texts.MAP_EDGES_BY,
        list(texts.MAP_BY),
        format_func=texts.MAP_BY.get,
        horizontal=True,
        key="map_by",
    )
    if shown == whole.total_activities and share == 100:  # the whole map: computed already
        pm = whole
    else:
        pm = ctx.query(process_map, activities=shown, paths=share / 100, design=design)
    undesigned = pm.edges[pm.edges["designed"].eq(False)]
    cols = st.columns(3)
    cols[0].metric(texts.MAP_METRIC_ACTIVITIES, f"{len(pm.nodes)} of {pm.total_activities}")
    cols[1].metric(texts.MAP_METRIC_EDGES, f"{len(pm.edges)} of {pm.total_edges}")
    if pm.design_pairs:
        cols[2].metric(texts.MAP_METRIC_UNDESIGNED, f"{len(undesigned)}")

    if pm.edges.empty:
        st.info(texts.MAP_EMPTY)
    st.plotly_chart(
        charts.process_map(pm.nodes, pm.edges, by=by, title=texts.MAP_CHART_TITLE),
        key=MAP_KEY,
        on_select=_clicked,
        selection_mode="points",
        config={"scrollZoom": True},
    )
    st.caption(
        texts.MAP_CAPTION.format(
            by=texts.MAP_BY[by],
            design=texts.MAP_CAPTION_DESIGN if pm.design_pairs else "",
        )
        + (texts.MAP_CAPTION_PROCESSING if pm.processing_times else "")
    )
    _designed_flow(ctx, design, pm.design_pairs, undesigned)


def _designed_flow(ctx: PageContext, design: bytes | None, pairs: int, undesigned) -> None:
    flow = ctx.settings.designed_flow
    if design is None or flow is None:
        st.info(texts.DESIGN_NONE)
        return
    try:
        shapes, edges = bpmn_layout(design, flow.name)
    except TicketloopError as exc:
        st.error(text(exc))
        return
    st.plotly_chart(
        charts.bpmn_diagram(shapes, edges, f"{texts.DESIGN_TITLE}: {flow.name}"),
        key="design",
        config={"scrollZoom": True},
    )
    st.caption(texts.DESIGN_PAN)
    if not pairs:
        st.info(texts.DESIGN_NO_MATCH)
        return
    st.subheader(texts.DESIGN_UNDESIGNED)
    if undesigned.empty:
        st.caption(texts.DESIGN_ALL_DESIGNED)
        return
    parts.table(
        undesigned[["source", "target", "count", "examples"]],
        key="undesigned",
    )
