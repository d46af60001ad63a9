"""Chart builders: a DataFrame in, a Plotly figure out; no Streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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
_OTHER_COLOUR = "#c7c7c7"


def weekly_channel_bars(weekly: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars of tickets per week (x) and channel (colour) from columns week, channel, tickets."""
    order = weekly.groupby("channel")["tickets"].sum().sort_values(ascending=False).index
    fig = go.Figure()
    for channel in order:
        part = weekly[weekly["channel"] == channel]
        fig.add_bar(
            x=part["week"],
            y=part["tickets"],
            name=channel,
            hovertemplate="week of %{x|%d %b %Y}<br>%{y} tickets<extra>" + channel + "</extra>",
        )
    fig.update_layout(
        title=title,
        barmode="stack",
        xaxis_title="week",
        yaxis_title="tickets created",
        legend_title="channel",
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return fig


def variant_paths(variants: pd.DataFrame, title: str) -> go.Figure:
    """Each variant as a row of coloured squares (its activities) beside a bar of its tickets.

    Input columns: activities (list of names), cases, share (0-1).
    """
    labels = [f"#{i}" for i in range(1, len(variants) + 1)]
    fig = make_subplots(
        rows=1, cols=2, shared_yaxes=True, column_widths=[0.72, 0.28], horizontal_spacing=0.02
    )
    seen: set[str] = set()
    for activity in _activities_in_order(variants["activities"]):
        xs, ys, paths = [], [], []
        for label, path in zip(labels, variants["activities"], strict=True):
            for position, name in enumerate(path, start=1):
                if name == activity:
                    xs.append(position)
                    ys.append(label)
                    paths.append(" → ".join(path))
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="markers",
            marker={
                "symbol": "square",
                "size": 16,
                "color": ACTIVITY_COLOURS.get(activity, _OTHER_COLOUR),
            },
            name=activity,
            customdata=paths,
            hovertemplate="step %{x}: " + activity + "<br>%{customdata}<extra></extra>",
            showlegend=activity not in seen,
            row=1,
            col=1,
        )
        seen.add(activity)
    fig.add_bar(
        x=variants["cases"],
        y=labels,
        orientation="h",
        marker_color="#4c78a8",
        text=[
            f"{c:,} ({s:.0%})" for c, s in zip(variants["cases"], variants["share"], strict=True)
        ],
        textposition="auto",
        name="tickets",
        showlegend=False,
        hovertemplate="%{y}: %{x} tickets<extra></extra>",
        row=1,
        col=2,
    )
    fig.update_yaxes(type="category", autorange="reversed")  # both panels: #1 on top
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


def kpi_trend(
    series: pd.DataFrame,
    title: str,
    *,
    target: float | None = None,
    changes: list[tuple[object, str]] | None = None,
    percent: bool = False,
) -> go.Figure:
    """One KPI week by week, from columns week, value, centre, lower, upper, signal: the line,
    the target, the XmR centre and limits (dotted), the flagged points in red, and the changes
    as vertical markers (date, title)."""
    fig = go.Figure()
    scale = 100 if percent else 1
    y = series["value"] * scale
    fig.add_trace(
        go.Scatter(x=series["week"], y=y, mode="lines+markers", name="weekly", line_color="#1f77b4")
    )
    flagged = series[series["signal"].notna()]
    if not flagged.empty:
        fig.add_trace(
            go.Scatter(
                x=flagged["week"],
                y=flagged["value"] * scale,
                mode="markers",
                name="signal",
                marker={"color": "#d62728", "size": 9},
                text=flagged["signal"],
                hovertemplate="%{x}: %{y:.3g} (%{text})<extra></extra>",
            )
        )
    for column, dash, label in (
        ("centre", "dot", "centre"),
        ("upper", "dash", "limits"),
        ("lower", "dash", None),
    ):
        if series[column].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=series["week"],
                    y=series[column] * scale,
                    mode="lines",
                    name=label or "",
                    showlegend=label is not None,
                    line={"color": "#7f7f7f", "dash": dash, "width": 1},
                )
            )
    if target is not None:
        fig.add_hline(
            y=target * scale, line={"color": "#2ca02c", "width": 1.5}, annotation_text="target"
        )
    for when, name in changes or []:
        fig.add_vline(
            x=pd.Timestamp(when).timestamp() * 1000, line={"color": "#9467bd", "dash": "dot"}
        )
        fig.add_annotation(
            x=pd.Timestamp(when),
            y=1,
            yref="paper",
            text=name,
            showarrow=False,
            yanchor="bottom",
            font={"size": 10, "color": "#9467bd"},
        )
    fig.update_layout(
        title=title,
        height=260,
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.2},
        yaxis_ticksuffix="%" if percent else "",
    )
    return fig


def sparkline(series: pd.DataFrame, *, percent: bool = False) -> go.Figure:
    """A small line of a KPI's last weeks (columns week, value), for scorecard tiles."""
    fig = go.Figure(
        go.Scatter(
            x=series["week"],
            y=series["value"] * (100 if percent else 1),
            mode="lines",
            line={"color": "#1f77b4", "width": 1.5},
        )
    )
    fig.update_layout(
        height=60,
        width=180,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        xaxis={"visible": False},
        yaxis={"visible": False},
        showlegend=False,
    )
    return fig
