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

    Input columns: activities (list of names), tickets, share (0-1).
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
