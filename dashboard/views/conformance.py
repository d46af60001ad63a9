"""Conformance: fitness by week with the process changes marked, deviations ranked by cost (the
accepted ones apart), a drill-down from a deviation to one ticket's timeline, the variant explorer."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from application import format as fmt
from dashboard import charts, data, parts, texts
from dashboard.context import PageContext
from dashboard.markdown import say, text
from mining.conformance import deviation_costs
from mining.timeline import selected_ticket_timeline
from mining.variants import variants


def render(ctx: PageContext) -> None:
    _conformance(ctx)
    _variant_explorer(ctx)


def _conformance(ctx: PageContext) -> None:
    result = parts.fit(ctx).conformance
    if result is None:
        return
    if not result.tickets:
        st.info(texts.NOTHING_SELECTED)
        st.stop()
    ranked = deviation_costs(result.deviations)
    cols = st.columns(3)
    cols[0].metric(texts.CONF_FITNESS, f"{result.log_fitness:.1%}")
    cols[1].metric(texts.CONF_FITTING, f"{result.fitting_ticket_share:.1%}")
    cols[2].metric(texts.CONF_DEVIATIONS, f"{len(ranked)}")
    for note in result.notes:
        st.caption(note)
    changes = data.changes(ctx.db, ctx.version, ctx.selection.dataset)
    st.plotly_chart(
        charts.fitness_weekly(
            result.weekly, texts.CONF_WEEKLY_TITLE, [(c["date"], c["title"]) for c in changes]
        ),
        key="fitness_weekly",
    )
    if not changes:
        st.caption(texts.CONF_NO_CHANGES)
    if ranked.empty:
        st.info(texts.CONF_NO_DEVIATIONS)
        return
    st.subheader(texts.CONF_RANKED)
    if not result.resolution.by_resolved:  # no `Resolved` to end the clock on
        st.caption(texts.CONF_DURATION.format(how=result.resolution.describe()))
    if not ranked["csat_answers_affected"].any():
        st.caption(texts.CONF_NO_CSAT)
    parts.deviations_table(ranked[~ranked["accepted"]], "deviations", ctx.settings.min_answers)
    accepted = ranked[ranked["accepted"]]
    if not accepted.empty:
        st.caption(texts.CONF_ACCEPTED)
        parts.deviations_table(accepted, "accepted", ctx.settings.min_answers)
    _drill_down(ctx, ranked)


def _drill_down(ctx: PageContext, ranked) -> None:
    st.subheader(texts.CONF_DRILL)
    left, right = st.columns(2)
    deviation = left.selectbox(
        texts.CONF_PICK_DEVIATION, list(ranked["deviation"]), key="conf_deviation"
    )
    examples = list(ranked.loc[ranked["deviation"] == deviation, "examples"].iloc[0])
    ticket = right.selectbox(texts.CONF_PICK_TICKET, examples, key="conf_ticket")
    if ticket:
        _timeline(ctx, ticket, "deviation_timeline")


def _timeline(ctx: PageContext, ticket: str, key: str) -> None:
    timeline = ctx.query(selected_ticket_timeline, case_id=ticket)
    st.markdown(texts.CONF_TIMELINE.format(ticket=f"**{text(ticket)}**"))
    events = timeline.events.copy()
    events["wait"] = [
        fmt.duration(s / 3600) if s == s and s is not None else "" for s in events["wait_seconds"]
    ]
    zone = ctx.settings.calendar.timezone  # the desk's clock, as the CLI's `ticket` shows it
    events["ts"] = [f"{pd.Timestamp(t).tz_convert(zone):%Y-%m-%d %H:%M}" for t in events["ts"]]
    events["level"] = [None if pd.isna(v) else f"L{int(v)}" for v in events["level"]]
    # columns the log never fills (no teams, no levels) are left out, not shown as None
    shown = [
        c
        for c in ["step", "ts", "activity", "resource", "team", "level", "wait"]
        if c in ("step", "ts", "activity", "wait") or events[c].notna().any()
    ]
    parts.table(events[shown], key=key, column_config={"ts": f"time ({zone})"})


def _variant_explorer(ctx: PageContext) -> None:
    st.subheader(texts.VARIANTS_TITLE)
    found = ctx.query(variants, limit=None)
    if found.table.empty:
        st.info(texts.NOTHING_SELECTED)
        return
    top = min(len(found.table), 100)
    left, right = st.columns([1, 3])
    shown = (  # a slider from 1 to 1 is refused by Streamlit: one variant needs none
        left.slider(texts.VARIANTS_SHOWN, 1, top, min(15, top), key="variants_shown")
        if top > 1
        else 1
    )
    table = found.table.head(shown)
    rank = left.selectbox(texts.VARIANTS_PICK, list(table["rank"]), key="variant_pick")
    row = table[table["rank"] == rank].iloc[0]
    left.caption(
        say(
            texts.VARIANTS_CAPTION,
            total=found.total,
            rank=rank,
            tickets=int(row["tickets"]),
            examples=", ".join(list(row["examples"])[:3]),
        )
    )
    right.plotly_chart(
        charts.variant_paths(table, texts.VARIANT_CHART_TITLE, ctx.colours()), key="variant_map"
    )
    ticket = left.selectbox(texts.CONF_PICK_TICKET, list(row["examples"]), key="variant_ticket")
    if ticket:
        _timeline(ctx, ticket, "variant_timeline")
