"""Chart builders: a DataFrame in, a Plotly figure out; no Streamlit here."""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from application import format as fmt
from mining.map_layout import wrap
from store.vocabulary import CANONICAL_ACTIVITIES

# One stable colour per canonical activity, so a path reads the same on every chart.
_PALETTE = [
    "#1f77b4",
    "#aec7e8",
    "#ff7f0e",
    "#ffbb78",
    "#2ca02c",
    "#98df8a",
    "#d62728",
    "#ff9896",
    "#9467bd",
    "#c5b0d5",
    "#8c564b",
    "#c49c94",
    "#e377c2",
    "#f7b6d2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]
ACTIVITY_COLOURS = dict(zip(CANONICAL_ACTIVITIES, _PALETTE, strict=True))
# For labels outside the canonical vocabulary: distinct from the palette above and from each other.
_MORE = [
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
    "#756bb1", "#636363", "#6baed6", "#fd8d3c", "#74c476", "#9e9ac8", "#969696", "#9c9ede",
    "#cedb9c", "#e7ba52", "#e7969c", "#de9ed6", "#5254a3", "#8ca252", "#bd9e39", "#ad494a",
    "#a55194", "#08519c", "#a63603", "#006d2c", "#54278f", "#252525",
]  # fmt: skip


def plain(value: object) -> str:
    """A value from the data as text in a Plotly label, legend or hover: Plotly reads `<b>`,
    `<a href>` and `<br>` in them as markup, and shows `&lt;` as `<`."""
    return html.escape(str(value), quote=False)


def activity_colours(activities: Iterable[str]) -> dict[str, str]:
    """A distinct colour per activity, stable for a given set: canonical activities keep their
    own; the others take the remaining colours in alphabetical order (beyond 47 activities,
    colours repeat, and the hover and legend still name each one)."""
    names = sorted(set(activities))
    colours = {a: ACTIVITY_COLOURS[a] for a in names if a in ACTIVITY_COLOURS}
    spare = [c for c in _MORE + _PALETTE if c not in colours.values()] or _MORE
    others = [a for a in names if a not in colours]
    for i, activity in enumerate(others):
        colours[activity] = spare[i % len(spare)]
    return colours


def weekly_channel_bars(weekly: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars of tickets per week (x) and channel (colour) from columns week, channel,
    tickets. Without any channel (all `unknown`), one bar per week, named so."""
    fig = go.Figure()
    if set(weekly["channel"]) <= {"unknown"}:
        fig.add_bar(
            x=weekly["week"],
            y=weekly["tickets"],
            name="tickets",
            marker_color="#4c78a8",
            hovertemplate="week of %{x|%d %b %Y}<br>%{y} tickets<extra></extra>",
        )
        fig.update_layout(showlegend=False)
    else:
        order = weekly.groupby("channel")["tickets"].sum().sort_values(ascending=False).index
        for channel in order:
            part = weekly[weekly["channel"] == channel]
            fig.add_bar(
                x=part["week"],
                y=part["tickets"],
                name=plain(channel),
                showlegend=True,  # even alone, a colour is named
                hovertemplate="week of %{x|%d %b %Y}<br>%{y} tickets<extra>"
                + plain(channel)
                + "</extra>",
            )
    fig.update_layout(
        title=title,
        barmode="stack",
        yaxis_title="tickets created",
        legend_title="channel",
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    _week_axis(fig, weekly["week"])
    return fig


def _week_axis(fig: go.Figure, weeks: pd.Series) -> None:
    """A date axis in whole weeks: never finer ticks than a week, a few weeks' room when short."""
    fig.update_xaxes(type="date", title_text="week", tickformat="%d %b %Y")
    if weeks.empty:
        return
    first, last = pd.Timestamp(weeks.min()), pd.Timestamp(weeks.max())
    n = (last - first).days // 7 + 1
    if n <= 12:
        pad = pd.Timedelta(days=7 if n < 4 else 4)
        fig.update_xaxes(
            tick0=first, dtick=7 * 86_400_000, range=[first - pad, last + pad]
        )  # dtick in ms


def variant_paths(
    variants: pd.DataFrame, title: str, colours: dict[str, str] | None = None
) -> go.Figure:
    """Each variant as a row of coloured squares (its activities) beside a bar of its tickets.

    Input columns: activities (list of names), tickets, share (0-1). `colours`: activity_colours()
    of the whole data set, so an activity keeps its colour on every chart.
    """
    labels = [f"#{i}" for i in range(1, len(variants) + 1)]
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, column_widths=[0.72, 0.28], horizontal_spacing=0.02
    )
    order = _activities_in_order(variants["activities"])
    colours = colours or activity_colours(order)
    for activity in order:
        xs, ys, paths = [], [], []
        for label, path in zip(labels, variants["activities"], strict=True):
            for position, name in enumerate(path, start=1):
                if name == activity:
                    xs.append(position)
                    ys.append(label)
                    paths.append(plain(" → ".join(path)))
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="markers",
            marker={
                "symbol": "square",
                "size": 16,
                "color": colours.get(activity, "#7f7f7f"),
                "line": {"width": 1, "color": "white"},
            },
            name=plain(activity),
            customdata=paths,
            hovertemplate="step %{x}: " + plain(activity) + "<br>%{customdata}<extra></extra>",
            row=1,
            col=1,
        )
    fig.add_bar(
        x=variants["tickets"],
        y=labels,
        orientation="h",
        marker_color="#4c78a8",
        text=[
            f"{c:,} ({s:.0%})" for c, s in zip(variants["tickets"], variants["share"], strict=True)
        ],
        textposition="auto",
        name="tickets",
        showlegend=False,
        hovertemplate="%{y}: %{x} tickets<extra></extra>",
        row=1,
        col=2,
    )
    # Both panels: #1 on top, whichever activity's trace first names a path.
    fig.update_yaxes(
        type="category", categoryorder="array", categoryarray=labels, autorange="reversed"
    )
    fig.update_yaxes(title_text="path", row=1, col=1)
    fig.update_xaxes(title_text="step", dtick=1, row=1, col=1)
    fig.update_xaxes(title_text="tickets", row=1, col=2)
    fig.update_layout(
        title=title,
        height=max(320, 46 * len(variants) + 160),
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "title": ""},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return fig


def _activities_in_order(paths: pd.Series) -> list[str]:
    """Activities in canonical order first, then any others alphabetically."""
    present = {a for path in paths for a in path}
    canonical = [a for a in CANONICAL_ACTIVITIES if a in present]
    return canonical + sorted(present - set(canonical))


BPMN_VISIBLE = 1800.0  # diagram units a BPMN drawing opens on; a wider one pans and zooms
BPMN_SCALE = 0.6  # screen pixels per diagram unit at that width


def bpmn_diagram(shapes: pd.DataFrame, edges: pd.DataFrame, title: str) -> go.Figure:
    """A BPMN drawing from its layout (see dashboard.bpmn): lanes as bands, tasks as boxes with
    their names, events as circles, gateways as diamonds, flows as lines. Hover names each node.
    A wide diagram opens on its first BPMN_VISIBLE units, at a scale its labels can be read at,
    and pans (drag) and zooms (scroll) to the rest."""
    # Shapes, labels and arrows are collected and set at once: Plotly validates the whole
    # layout at each add_shape or add_annotation, which made a 60-node flow take most of a second.
    boxes: list[dict] = []
    notes: list[dict] = []
    for row in shapes.itertuples():
        x0, y0, x1, y1 = row.x, row.y, row.x + row.width, row.y + row.height
        corners = {"x0": x0, "y0": y0, "x1": x1, "y1": y1}
        if row.kind in ("lane", "participant"):
            boxes.append(
                {
                    "type": "rect",
                    **corners,
                    "line": {"color": "#bbb", "width": 1},
                    "fillcolor": "rgba(0,0,0,0)",
                    "layer": "below",
                }
            )
            notes.append(
                {
                    "x": x0 + 4,
                    "y": (y0 + y1) / 2,
                    "text": _wrap(row.name, 24),
                    "textangle": -90,
                    "showarrow": False,
                    "font": {"size": 10, "color": "#666"},
                    "xanchor": "left",
                }
            )
        elif row.kind.endswith("Event"):
            fill = "#e8f5e9" if row.kind == "startEvent" else "#ffebee"
            boxes.append(
                {"type": "circle", **corners, "line": {"color": "#333"}, "fillcolor": fill}
            )
        elif row.kind.endswith("Gateway"):
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            boxes.append(
                {
                    "type": "path",
                    "path": f"M {cx} {y0} L {x1} {cy} L {cx} {y1} L {x0} {cy} Z",
                    "line": {"color": "#333"},
                    "fillcolor": "#fff8e1",
                }
            )
        else:
            boxes.append(
                {"type": "rect", **corners, "line": {"color": "#1f4e79"}, "fillcolor": "#e3f2fd"}
            )
            notes.append(
                {
                    "x": (x0 + x1) / 2,
                    "y": (y0 + y1) / 2,
                    "text": _wrap(row.name, 12),
                    "showarrow": False,
                    "font": {"size": 9},
                }
            )
    xs: list[float | None] = []
    ys: list[float | None] = []
    for edge in edges.itertuples():
        for x, y in edge.points:
            xs.append(x)
            ys.append(y)
        xs.append(None)  # a break between flows: all of them one trace
        ys.append(None)
        (ax, ay), (bx, by) = edge.points[-2], edge.points[-1]
        notes.append(
            {
                "x": bx,
                "y": by,
                "ax": ax,
                "ay": ay,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 2,
                "arrowsize": 1,
                "arrowwidth": 1,
                "text": "",
            }
        )
    fig = go.Figure(layout={"shapes": boxes, "annotations": notes})
    fig.add_scatter(
        x=xs,
        y=ys,
        mode="lines",
        line={"color": "#555", "width": 1},
        hoverinfo="skip",
        showlegend=False,
    )
    nodes = shapes[~shapes["kind"].isin(["lane", "participant"])]
    fig.add_scatter(
        x=nodes["x"] + nodes["width"] / 2,
        y=nodes["y"] + nodes["height"] / 2,
        mode="markers",
        marker={"size": 18, "opacity": 0},
        showlegend=False,
        text=[f"{k}: {plain(n)}" for k, n in zip(nodes["kind"], nodes["name"], strict=True)],
        hovertemplate="%{text}<extra></extra>",
    )
    left, top = float(shapes["x"].min()), float(shapes["y"].min())
    width = float((shapes["x"] + shapes["width"]).max()) - left
    height = float((shapes["y"] + shapes["height"]).max()) - top
    shown = min(width, BPMN_VISIBLE)
    fig.update_xaxes(visible=False, range=[left - 10, left + shown + 10])
    fig.update_yaxes(visible=False, range=[top + height + 10, top - 10], scaleanchor="x")
    fig.update_layout(
        title=title,
        height=int(max(300, height * BPMN_SCALE * BPMN_VISIBLE / max(shown, 1) + 60)),
        margin={"t": 50, "l": 10, "r": 10, "b": 10},
        plot_bgcolor="white",
        dragmode="pan",
    )
    return fig


# better green, worse red, anything else (no clear change; up or down) grey
DIRECTION_COLOURS = {"better": "#2ca02c", "worse": "#d62728"}
NEUTRAL = "#7f7f7f"


def direction_colour(reading: str | None) -> str:
    """The colour of a signal or verdict: green better, red worse, else grey."""
    return DIRECTION_COLOURS.get(reading or "", NEUTRAL)


def kpi_trend(
    series: pd.DataFrame,
    title: str,
    *,
    subtitle: str = "",
    target: float | None = None,
    changes: list[tuple[object, str]] | None = None,
    percent: bool = False,
    hours: bool = False,
) -> go.Figure:
    """One KPI week by week, from columns week, value, week_status, centre, lower, upper, signal,
    direction: the line (weeks not judged hollow), the target, the XmR centre and limits of each
    phase (dotted), the flagged points green (better) or red (worse), and the changes
    as vertical markers (date, title). `hours`: values are hours, drawn in hours or days, the
    unit named after the `title`; `subtitle` in small type under it."""
    scale = 100 if percent else 1
    suffix = "%" if percent else ""
    if hours:
        divisor, unit = time_unit(series["value"].dropna())
        scale, suffix = 1 / divisor, " h" if unit == "hours" else " d"
        title = f"{title} ({unit})"
    if subtitle:
        title = f"{title}<br><sup>{subtitle}</sup>"
    # Plain lists and dicts, handed over at once: Plotly validates pandas columns slowly.
    weeks = series["week"].tolist()
    # a week value not judged (an edge week, too small a basis: mining.weeks) is drawn hollow
    status = series["week_status"].tolist() if "week_status" in series else ["judged"] * len(weeks)
    traces: list[dict] = [
        {
            "type": "scatter",
            "x": weeks,
            "y": (series["value"] * scale).tolist(),
            "mode": "lines+markers",
            "name": "weekly",
            "line": {"color": "#1f77b4"},
            "marker": {"symbol": ["circle" if s == "judged" else "circle-open" for s in status]},
            "text": status,
            "hovertemplate": "%{x}: %{y:.3g} (%{text})<extra></extra>",
        }
    ]
    # one trace per direction, so that the legend shows each colour with its meaning
    flagged = series[series["signal"].notna()]
    for reading, points in flagged.groupby(flagged["direction"].fillna(""), sort=False):
        traces.append(
            {
                "type": "scatter",
                "x": points["week"].tolist(),
                "y": (points["value"] * scale).tolist(),
                "mode": "markers",
                "name": f"signal, {reading}" if reading else "signal",
                "marker": {"color": direction_colour(str(reading)), "size": 9},
                "text": [f"{s}, {reading}" if reading else s for s in points["signal"]],
                "hovertemplate": "%{x}: %{y:.3g} (%{text})<extra></extra>",
            }
        )
    for column, dash, label in (
        ("centre", "dot", "centre"),
        ("upper", "dash", "limits"),
        ("lower", "dash", None),
    ):
        if series[column].notna().any():
            traces.append(
                {
                    "type": "scatter",
                    "x": weeks,
                    "y": (series[column] * scale).tolist(),
                    "mode": "lines",
                    "name": label or "",
                    "showlegend": label is not None,
                    # each phase's level held to its last week, then a step to the next phase's
                    "line": {"color": "#7f7f7f", "dash": dash, "width": 1, "shape": "hv"},
                }
            )
    # Target and change lines as layout shapes, in one go: add_hline/add_vline cost ~10 ms each,
    # and the KPI trends page draws twenty of these charts.
    shapes, notes = [], []
    if target is not None:
        shapes.append(
            {
                "type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y",
                "y0": target * scale, "y1": target * scale,
                "line": {"color": "#2ca02c", "width": 1.5},
            }
        )  # fmt: skip
        notes.append(
            {
                "text": "target", "xref": "x domain", "x": 1, "yref": "y", "y": target * scale,
                "xanchor": "right", "yanchor": "bottom", "showarrow": False,
            }
        )  # fmt: skip
    for when, name in changes or []:
        shapes.append(
            {
                "type": "line", "xref": "x", "x0": pd.Timestamp(when), "x1": pd.Timestamp(when),
                "yref": "y domain", "y0": 0, "y1": 1, "line": {"color": "#9467bd", "dash": "dot"},
            }
        )  # fmt: skip
        notes.append(
            {
                "x": pd.Timestamp(when), "y": 1, "yref": "paper", "text": plain(name),
                "showarrow": False, "yanchor": "bottom", "font": {"size": 10, "color": "#9467bd"},
            }
        )  # fmt: skip
    return go.Figure(
        data=traces,
        layout={
            "title": {"text": title},
            "height": 260,
            "margin": {"l": 40, "r": 10, "t": 40, "b": 30},
            "legend": {"orientation": "h", "y": -0.2},
            "yaxis": {"ticksuffix": suffix},
            "shapes": shapes,
            "annotations": notes,
        },
    )


def _wrap(text: str, width: int = 16) -> str:
    """`text` (from the data) on lines of `width` characters, as plain text for Plotly."""
    return "<br>".join(plain(line) for line in wrap(text, width))


MAP_FONT_PX = 10  # the activities' labels: mining.map_layout sizes the boxes for it
MAP_VISIBLE = 900.0  # pixels of a map's width it opens on; a wider map pans and zooms
MAP_MARGIN = 30.0  # pixels around the map, room for self-loops and the edges' labels
# how much the edges curve through their bends (Plotly: 0 straight to 1.3): enough to read as
# curves, little enough that a long edge stays in the slots the layout kept free for it
MAP_SMOOTHING = 0.5


def process_map(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, by: str = "count", title: str = ""
) -> go.Figure:
    """The process map from mining.process_map: activities as boxes shaded by how often they
    happen, edges as lines as wide as their count (`by="count"`) or median wait
    (`by="median_seconds"`), red where the designed flow lacks them; by time, on a log with
    processing times (lifecycle start and complete), each box gives its activity's median
    processing time in place of its count ("instant" without one). The last two traces
    are the points a click selects: the activities (customdata: [activity]) and the edges'
    midpoints (customdata: [source, target])."""
    # Traces, arrows and boxes gathered first and handed to the figure at once: one add_* call
    # per edge re-validates the whole layout each time (seconds for a large map).
    traces: list[dict] = []
    arrows: list[dict] = []
    boxes: list[dict] = []
    busiest = max(float(nodes["events"].max()), 1.0) if not nodes.empty else 1.0
    values = edges[by].fillna(0).astype(float) if not edges.empty else pd.Series(dtype=float)
    top = max(float(values.max()), 1.0) if not values.empty else 1.0
    labels = [
        f"{int(c):,}" if by == "count" else fmt.duration(s / 3600 if s == s else None)
        for c, s in zip(edges["count"], edges["median_seconds"], strict=True)
    ]
    for row, value in zip(edges.itertuples(), values, strict=True):
        colour = "#d62728" if row.designed is False else "#5b6b7b"
        traces.append(
            {
                "type": "scatter",
                "x": list(row.xs),
                "y": list(row.ys),
                "mode": "lines",
                "line": {
                    "color": colour,
                    "width": 1 + 7 * value / top,
                    "shape": "spline",
                    "smoothing": MAP_SMOOTHING,
                },
                "opacity": 0.75,
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
        (ax, ay), (bx, by_) = (row.xs[-2], row.ys[-2]), (row.xs[-1], row.ys[-1])
        arrows.append(
            {
                "x": bx, "y": by_, "ax": ax, "ay": ay, "xref": "x", "yref": "y", "axref": "x",
                "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowsize": 1.2,
                "arrowwidth": 1.5, "arrowcolor": colour, "text": "",
            }
        )  # fmt: skip
    texts = list(nodes["label"])
    spent = nodes.get("processing_seconds")
    if by != "count" and spent is not None and spent.notna().any():
        texts = [
            [*t[:-1], fmt.duration(s / 3600) if s == s else "instant"]
            for t, s in zip(texts, spent, strict=True)
        ]
    for row in nodes.itertuples():
        shade = 0.15 + 0.75 * row.events / busiest
        boxes.append(
            {
                "type": "rect",
                "x0": row.x - row.w / 2,
                "x1": row.x + row.w / 2,
                "y0": row.y - row.h / 2,
                "y1": row.y + row.h / 2,
                "line": {"color": "#1f4e79"},
                "fillcolor": f"rgba(31, 119, 180, {shade:.2f})",
                "layer": "below",
            }
        )
    traces.append(
        {
            "type": "scatter",
            "x": nodes["x"].tolist(),
            "y": nodes["y"].tolist(),
            "mode": "markers+text",
            "text": [
                "<br>".join([*(f"<b>{plain(w)}</b>" for w in t[:-1]), plain(t[-1])]) for t in texts
            ],
            "textfont": {"size": MAP_FONT_PX, "color": "#111"},
            "marker": {"symbol": "square", "size": 30, "color": "rgba(0,0,0,0.01)"},
            "customdata": nodes[["activity"]].to_numpy(),  # what a click selects, as it is
            "hovertext": [plain(a) for a in nodes["activity"]],
            "hovertemplate": "%{hovertext}: %{text}<br>click to filter on it<extra></extra>",
            "name": "activities",
            "showlegend": False,
        }
    )
    traces.append(
        {
            "type": "scatter",
            "x": edges["mid_x"].tolist(),
            "y": edges["mid_y"].tolist(),
            "mode": "markers+text",
            "text": labels,
            "textposition": "middle right",
            "textfont": {"size": 10, "color": "#333"},
            "marker": {
                "size": 9,
                "color": ["#d62728" if d is False else "#5b6b7b" for d in edges["designed"]],
            },
            "customdata": edges[["source", "target"]].to_numpy(),
            "hovertext": [
                f"{plain(a)} → {plain(b)}"
                for a, b in zip(edges["source"], edges["target"], strict=True)
            ],
            "hovertemplate": "%{hovertext}: %{text}"
            + ("" if by == "count" else " median wait")
            + "<br>click to filter on it<extra></extra>",
            "name": "paths",
            "showlegend": False,
        }
    )
    fig = go.Figure(data=traces, layout={"annotations": arrows, "shapes": boxes})
    # One layout unit is one screen pixel, the scale the boxes were sized for: the map opens on
    # its middle MAP_VISIBLE pixels' width at most, and pans and zooms to the rest.
    # the edges too: one routed around a layer's outermost box passes beyond it
    reach = [x for xs in edges["xs"] for x in xs] if not edges.empty else []
    left = min([*(nodes["x"] - nodes["w"] / 2), *reach], default=MAP_MARGIN) - MAP_MARGIN
    right = max([*(nodes["x"] + nodes["w"] / 2), *reach], default=1 - MAP_MARGIN) + MAP_MARGIN
    top = float((nodes["y"] - nodes["h"] / 2).min()) - MAP_MARGIN if len(nodes) else 0.0
    bottom = float((nodes["y"] + nodes["h"] / 2).max()) + MAP_MARGIN if len(nodes) else 1.0
    if right - left > MAP_VISIBLE:
        left, right = (left + right - MAP_VISIBLE) / 2, (left + right + MAP_VISIBLE) / 2
    fig.update_xaxes(visible=False, range=[left, right])
    fig.update_yaxes(visible=False, scaleanchor="x", range=[bottom, top])
    fig.update_layout(
        title=title,
        height=int(bottom - top) + 60,
        margin={"t": 50, "l": 10, "r": 10, "b": 10},
        plot_bgcolor="white",
        dragmode="pan",
        clickmode="event+select",
    )
    return fig


def fitness_weekly(
    weekly: pd.DataFrame, title: str, changes: list[tuple[object, str]] | None = None
) -> go.Figure:
    """Log fitness and the share of fitting tickets per week (columns week_start, week, tickets,
    log_fitness, fitting_ticket_share; 0-1, drawn in %), process changes as dotted lines."""
    fig = go.Figure()
    for column, name, colour in (
        ("log_fitness", "log fitness", "#1f77b4"),
        ("fitting_ticket_share", "tickets that fit the design", "#2ca02c"),
    ):
        fig.add_scatter(
            x=weekly["week_start"],
            y=weekly[column] * 100,
            mode="lines+markers",
            name=name,
            line_color=colour,
            customdata=weekly[["week", "tickets"]].to_numpy(),
            hovertemplate="%{customdata[0]}: %{y:.1f}% (%{customdata[1]} tickets)<extra>"
            + name
            + "</extra>",
        )
    for when, label in changes or []:
        fig.add_vline(
            x=pd.Timestamp(when).timestamp() * 1000, line={"color": "#9467bd", "dash": "dot"}
        )
        fig.add_annotation(
            x=pd.Timestamp(when), y=1, yref="paper", text=plain(label), showarrow=False,
            yanchor="bottom", font={"size": 10, "color": "#9467bd"},
        )  # fmt: skip
    fig.update_layout(
        title=title,
        height=340,
        yaxis={"title": "%", "range": [0, 105]},
        legend={"orientation": "h", "y": -0.2},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    _week_axis(fig, weekly["week_start"])
    return fig


def level_funnel(funnel: pd.DataFrame, title: str) -> go.Figure:
    """Tickets reaching each support level, a funnel from columns level, tickets, share (0-1)."""
    fig = go.Figure(
        go.Funnel(
            y=[f"level {int(v)}" for v in funnel["level"]],
            x=funnel["tickets"],
            text=[
                f"{t:,} ({s:.0%})" for t, s in zip(funnel["tickets"], funnel["share"], strict=True)
            ],
            textinfo="text",
            marker={"color": "#4c78a8"},
            hovertemplate="%{y}: %{x:,} tickets<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=300, margin={"t": 50, "l": 10, "r": 10, "b": 10})
    return fig


def team_sankey(handovers: pd.DataFrame, title: str) -> go.Figure:
    """Handovers between teams as a Sankey from columns source, target, handovers, tickets: teams
    handing over on the left, teams receiving on the right (so back-and-forth shows as two links)."""
    sources = sorted(set(handovers["source"]))
    targets = sorted(set(handovers["target"]))
    labels = [f"{plain(t)} →" for t in sources] + [f"→ {plain(t)}" for t in targets]
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 14, "thickness": 14, "color": "#4c78a8"},
            link={
                "source": [sources.index(s) for s in handovers["source"]],
                "target": [len(sources) + targets.index(t) for t in handovers["target"]],
                "value": handovers["handovers"],
                "customdata": handovers["tickets"],
                "hovertemplate": "%{source.label} %{target.label}: %{value:,} handovers"
                " in %{customdata:,} tickets<extra></extra>",
            },
        )
    )
    fig.update_layout(
        title=title, height=max(320, 28 * len(labels)), margin={"t": 50, "l": 10, "r": 10, "b": 10}
    )
    return fig


def count_bars(frame: pd.DataFrame, label: str, value: str, title: str) -> go.Figure:
    """Horizontal bars of `value` per `label`, the first row on top."""
    fig = go.Figure(
        go.Bar(
            x=frame[value],
            y=[plain(v) for v in frame[label]],
            orientation="h",
            marker_color="#4c78a8",
            text=[f"{v:,}" for v in frame[value]],
            textposition="auto",
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_layout(
        title=title,
        height=max(220, 40 * len(frame) + 90),
        margin={"t": 50, "l": 10, "r": 10, "b": 10},
    )
    return fig


def time_unit(hours: pd.Series, *, minutes: bool = False) -> tuple[float, str]:
    """(divisor, unit) so that the largest of `hours` reads well: hours, or days from 48 hours;
    with `minutes`, minutes under an hour."""
    largest = float(hours.max()) if len(hours) else 0.0
    if minutes and largest < 1:
        return (1 / 60, "minutes")
    return (24.0, "days") if largest >= fmt.DAYS_FROM_HOURS else (1.0, "hours")


def transition_waits(transitions: pd.DataFrame, title: str, *, top: int = 15) -> go.Figure:
    """Transitions ranked by the time they add (columns from_activity, to_activity, transitions,
    total_hours, mean_hours, median_hours, p90_hours): horizontal bars, the largest on top."""
    rows = transitions.nlargest(top, "total_hours")
    divisor, unit = time_unit(rows["total_hours"])
    labels = [
        _wrap(f"{a} → {b}", 40)
        for a, b in zip(rows["from_activity"], rows["to_activity"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=rows["total_hours"] / divisor,
            y=labels,
            orientation="h",
            marker_color="#d62728",
            customdata=rows[["transitions", "median_hours", "p90_hours"]].to_numpy(),
            hovertemplate=(
                f"%{{y}}<br>%{{x:,.1f}} {unit} in all<br>%{{customdata[0]:,}} times, median "
                "%{customdata[1]:.1f} h, 90th percentile %{customdata[2]:.1f} h<extra></extra>"
            ),
        )
    )
    fig.update_layout(
        title=title,
        height=120 + _row_height(labels) * len(rows),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        xaxis_title=f"waiting in all ({unit})",
        yaxis={"autorange": "reversed"},
        plot_bgcolor="white",
    )
    return fig


def _row_height(labels: list[str]) -> int:
    """Pixels a row of a chart of horizontal rows takes, room for its longest label's lines
    (_wrap): 28 for one line, 14 more for each further one."""
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    return 14 * (lines + 1)


def wait_ranges(frame: pd.DataFrame, labels: list[str], title: str, *, count: str) -> go.Figure:
    """How long each wait usually lasts and how long its slow cases last (columns median_hours,
    p90_hours, and `count`): per row a line from the median (dot) to the 90th percentile
    (diamond), rows in the given order, in hours or days as fits."""
    divisor, unit = time_unit(frame["p90_hours"])
    names = [_wrap(label, 40) for label in labels]
    median, p90 = frame["median_hours"] / divisor, frame["p90_hours"] / divisor
    fig = go.Figure()
    for name, low, high in zip(names, median, p90, strict=True):
        fig.add_trace(
            go.Scatter(
                x=[low, high],
                y=[name, name],
                mode="lines",
                line={"color": "#bbbbbb", "width": 3},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    for values, label, symbol, colour in (
        (median, "median", "circle", "#1f77b4"),
        (p90, "90th percentile", "diamond", "#d62728"),
    ):
        fig.add_trace(
            go.Scatter(
                x=values,
                y=names,
                mode="markers",
                name=label,
                marker={"symbol": symbol, "size": 10, "color": colour},
                customdata=frame[[count]].to_numpy(),
                hovertemplate=(
                    f"%{{y}}<br>{label}: %{{x:,.1f}} {unit}<br>%{{customdata[0]:,}} {count}"
                    "<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        title=title,
        height=140 + _row_height(names) * len(frame),
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        xaxis_title=f"waiting ({unit})",
        yaxis={"autorange": "reversed", "type": "category"},
        legend={"orientation": "h", "y": -0.15 - 2 / (len(frame) + 4)},
        plot_bgcolor="white",
    )
    fig.update_xaxes(rangemode="tozero", gridcolor="#eeeeee")
    return fig


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def arrival_heatmaps(arrivals: pd.DataFrame, titles: tuple[str, str]) -> go.Figure:
    """Tickets created and resolved by weekday (columns weekday 1-7, hour 0-23, arrivals,
    resolutions): two heatmaps side by side, one colour scale each."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, shared_yaxes=True)
    for i, (column, scale) in enumerate((("arrivals", "Blues"), ("resolutions", "Greens"))):
        grid = (
            arrivals.pivot_table(index="weekday", columns="hour", values=column, aggfunc="sum")
            .reindex(index=range(1, 8), columns=range(24))
            .fillna(0)
        )
        fig.add_trace(
            go.Heatmap(
                z=grid.to_numpy(),
                x=list(range(24)),
                y=list(WEEKDAYS),
                colorscale=scale,
                # from zero: a grid of zeros (no `Resolved` event) is blank, not all in full colour
                zmin=0,
                zmax=max(1, float(grid.to_numpy().max())),
                showscale=False,
                hovertemplate=f"%{{y}} %{{x}}:00: %{{z:,}} {column}<extra></extra>",
            ),
            row=1,
            col=i + 1,
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="hour of the day", dtick=3)
    fig.update_layout(height=330, margin={"l": 10, "r": 10, "t": 40, "b": 40})
    return fig
