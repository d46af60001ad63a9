"""Parts that more than one page draws: the week's review from cached reads, the designed flow's
fit, KPI tiles, a change's effect table and the deviations table. Pages import these, never each
other; the rules they show come from the application layer."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from application import format as fmt
from application.effect import correction, effect_table, outcome, periods
from application.flow import FlowFit
from application.review import (
    Review,
    assemble_review,
    likely_last_week,
    pick_week,
    recent_changes,
    recent_waits,
    weekly_kpis,
)
from application.review import not_computed as kpis_not_computed
from dashboard import charts, data, texts
from dashboard.context import PageContext
from dashboard.markdown import reason, say
from dashboard.pages import PAGES
from mining.effect import ChangeEffect
from mining.kpis import KpiReport
from store.errors import TicketloopError

TILES_PER_ROW = 4
COST_COLUMNS = ["deviation", "tickets", "share", "extra_hours", "cost_hours", "csat_gap",
                "csat_answers_affected", "examples"]  # fmt: skip
COST_CONFIG = {  # (deviations_table gives the share in percent and the cost in whole hours)
    "share": st.column_config.NumberColumn("share", format="%.1f%%"),
    "extra_hours": st.column_config.NumberColumn(
        "extra hours (median)",
        format="%.1f",
        help="The affected tickets' median time to resolution over the other tickets', at least"
        " 0; empty where the affected tickets (or the others) have none resolved: a cost unknown",
    ),
    "cost_hours": st.column_config.NumberColumn(
        "ticket-hours", format="localized", help="tickets × extra hours; empty where unknown"
    ),
    "csat_gap": st.column_config.NumberColumn(
        "CSAT gap",
        format="%+.2f",
        help="The affected tickets' mean CSAT (1-5) minus the other tickets': below zero, the"
        " deviation's customers are less satisfied; empty where either side has fewer answers"
        " than [kpis] min_answers",
    ),
    "csat_answers_affected": st.column_config.NumberColumn("CSAT answers"),
}


def weekly(ctx: PageContext) -> KpiReport:
    """The selection's KPIs by week with limits set by the change log: computed once per store
    version, selection and settings, for the review's every week and the KPI trends."""
    changes = data.changes(ctx.db, ctx.version, ctx.selection.dataset)
    dates = tuple(c["date"] for c in changes)
    return ctx.query(weekly_kpis, settings=ctx.settings, changes=dates)


def review(ctx: PageContext, week: str = "last", *, details: bool = True) -> Review:
    """The review of ISO week `week` (application.review) from cached reads, or a one-line
    message and the page stops. With `details`, the bottlenecks of the last four weeks and, in
    the background, the effects of the week's recent changes (`effects()` collects them)."""
    changes = data.changes(ctx.db, ctx.version, ctx.selection.dataset)
    try:
        monday = pick_week(weekly(ctx), week)
    except TicketloopError as exc:
        st.info(str(exc) if "match" not in str(exc) else texts.NOTHING_SELECTED)
        st.stop()
    waits = None
    if details:
        for change in recent_changes(changes, monday):  # measured while the page draws
            prefetch_effect(ctx, change, monday)
        waits = ctx.query(recent_waits, monday=monday)
    return assemble_review(
        ctx.selection,
        ctx.settings,
        weekly(ctx),
        monday,
        changes=changes,
        effects=[],  # effects() adds them: the slowest part, drawn last
        waits=waits,
    )


def prefetch_recent_effects(ctx: PageContext) -> None:
    """Start measuring, before the weekly KPIs are known, the effects the review of the last
    complete week will likely show (application.review.likely_last_week)."""
    last = ctx.dimensions.last_day if ctx.dimensions else None
    if last is not None:
        monday = likely_last_week(last)
        for change in recent_changes(
            data.changes(ctx.db, ctx.version, ctx.selection.dataset), monday
        ):
            prefetch_effect(ctx, change, monday)


def prefetch_effect(ctx: PageContext, change: dict, week: date | None = None) -> None:
    """Start measuring `change`'s effect on the page's selection (with `week`, a review's
    Monday, on its tickets created up to that week's end) in the background."""
    data.in_background(
        data.change_effect, ctx.db, ctx.version, ctx.selection, ctx.settings, change, week
    )


def effect(ctx: PageContext, change: dict, week: date | None = None) -> ChangeEffect:
    """`change`'s measured effect on the page's selection (with `week`, up to that week's end),
    fit to the designed flow included."""
    return data.change_effect(ctx.db, ctx.version, ctx.selection, ctx.settings, change, week)


def effects(ctx: PageContext, review: Review) -> list[ChangeEffect]:
    """The effects of the changes of the weeks up to the review's, on the tickets created up to
    its end, added to `review` (a change without tickets on both sides in the selection is left
    out, as in the report)."""
    review.effects = []
    for change in recent_changes(review.changes, review.week):
        try:
            review.effects.append(effect(ctx, change, review.week))
        except TicketloopError:
            continue
    return review.effects


def prefetch_fit(ctx: PageContext) -> None:
    """Start putting the designed flow on the selection in the background."""
    data.in_background(data.designed_fit, ctx.db, ctx.version, ctx.selection, ctx.settings)


def fit(ctx: PageContext) -> FlowFit:
    """The designed flow put on the selection; when it is not, the reason shows on the page."""
    with st.spinner(texts.CONF_RUNNING):
        found = data.designed_fit(ctx.db, ctx.version, ctx.selection, ctx.settings)
    if found.flow is None:
        st.info(texts.DESIGN_NONE)
    elif found.reason:
        st.warning(fmt.heading(found.reason) + ".")
    return found


def effect_section(effect: ChangeEffect, key: str, *, clear_only: bool = False) -> None:
    """A change's measured effect: its head (title, date, tickets on each side) and its table
    (application.effect.effect_table), the verdicts coloured; with `clear_only`, only the KPIs
    that clearly moved."""
    c = effect.change
    st.markdown(say(texts.EFFECT_HEAD, title=c["title"], date=c["date"], periods=periods(effect)))
    rows = pd.DataFrame(effect_table(effect, clear_only=clear_only))
    if rows.empty:
        st.caption(outcome(effect))
        return
    table(rows.style.map(_verdict_colour, subset=["verdict"]), key)  # every KPI in sight
    shown = texts.EFFECT_CLEAR_ONLY.format(total=len(effect.kpis)) if clear_only else ""
    st.caption(f"{correction(effect)}{shown}")


def table(
    frame: pd.DataFrame | Styler,
    key: str,
    column_config: dict[str, Any] | None = None,
    **options: Any,
) -> None:
    """A table that hides nothing: as tall as its rows (no inner scroll hiding some), empty
    cells blank rather than "None", numbers with thousands separators unless `column_config`
    formats them; its text safe in a spreadsheet once downloaded (fmt.defused: the log's
    labels, ids and names may read `=HYPERLINK(...)`). A Styler holds our own words only."""
    if not isinstance(frame, Styler):
        frame = fmt.defused(frame)
    data = frame.data if isinstance(frame, Styler) else frame
    config: dict[str, Any] = {
        c: st.column_config.NumberColumn(format="localized")
        for c in data.columns
        if pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])
    }
    for name, given in (column_config or {}).items():
        if isinstance(given, dict) and given.get("type_config", {}).get("type") == "number":
            given = {**given, "type_config": {"format": "localized", **_set(given["type_config"])}}
        config[name] = given
    st.dataframe(
        frame,
        hide_index=True,
        key=key,
        height="content",
        column_config=config,
        placeholder="",  # an empty cell blank, not "None"
        **options,
    )


def _set(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


def _verdict_colour(verdict: str) -> str:
    return f"color: {charts.direction_colour(verdict)}"


def deviations_table(
    ranked: pd.DataFrame, key: str, min_answers: int, columns: list[str] = COST_COLUMNS
) -> None:
    """Deviations ranked by cost (mining.conformance.deviation_costs), as a table with units:
    every share with one decimal, every cost in whole ticket-hours, and a CSAT gap only where
    each side rests on `min_answers` answers at least ([kpis] min_answers); no column of the gap
    when no row has one, nor of the answers when there are none (a log without surveys)."""
    shown = ranked[columns].copy()
    if "csat_gap" in shown:
        thin = ranked[["csat_answers_affected", "csat_answers_rest"]].min(axis=1) < min_answers
        shown["csat_gap"] = shown["csat_gap"].mask(thin)
        if shown["csat_gap"].isna().all():
            shown = shown.drop(columns="csat_gap")
    if "csat_answers_affected" in shown and not shown["csat_answers_affected"].any():
        shown = shown.drop(columns="csat_answers_affected")
    if "share" in shown:
        shown["share"] = shown["share"] * 100
    if "cost_hours" in shown:
        shown["cost_hours"] = shown["cost_hours"].round()
    table(shown, key, COST_CONFIG)


def not_computed(rows: list[dict]) -> None:
    """Why the data set gives none of some KPIs (application.review.not_computed), as a box: each
    reason by `reason`, for it quotes the log's labels (a label is data, never Markdown)."""
    if missing := kpis_not_computed(rows):
        st.info(
            texts.REVIEW_NOT_COMPUTED.format(names="\n".join(f"- {reason(m)}" for m in missing))
        )


def tiles(rows: list[dict]) -> None:
    """Scorecard rows (application.review.scorecard_rows) as metric tiles, four a row."""
    for start in range(0, len(rows), TILES_PER_ROW):
        cols = st.columns(TILES_PER_ROW)
        for col, row in zip(cols, rows[start : start + TILES_PER_ROW], strict=False):
            with col.container(border=True):
                _tile(row)


def _tile(row: dict) -> None:
    kpi, target = row["kpi"], row["target"]
    delta, like = None, row["value"]
    if row["last"] is not None and row["value"] is not None:
        # the value and its move in one unit, the larger week's (not 24.6 hours, -8.0 days)
        like = max(abs(row["value"]), abs(row["last"]))
        delta = fmt.difference(row["value"] - row["last"], kpi.unit, like=like)
    colour = "off"  # grey unless both weeks are judged (a week still closing is no move yet)
    if target and delta and row["value"] != row["last"] and row["compared"]:
        colour = "inverse" if target.better == "lower" else "normal"
    # The last weeks as the metric's own sparkline: drawn by the browser, no figure to build.
    recent = row["recent"].dropna(subset=["value"])["value"]
    st.metric(
        fmt.heading(kpi.meaning),
        fmt.kpi_value(row["value"], kpi.unit, like=like),
        delta=delta,
        delta_color=colour,
        delta_arrow="auto" if row["value"] != row["last"] else "off",  # no arrow for no change
        help=f"`{kpi.name}`: {kpi.formula}. Change against last week; the line: the last"
        f" {fmt.count(len(recent), 'week')}.",
        chart_data=(recent * (100 if kpi.unit == "fraction" else 1)).tolist()
        if len(recent) >= 2
        else None,
    )
    notes = []
    if row["status"]:
        notes.append(texts.REVIEW_STATUS[row["status"]])
    if row["edge"]:
        notes.append(texts.REVIEW_EDGE.format(edge=row["edge"]))
    if row["signal"]:
        reading = row["direction"]
        notes.append(
            texts.REVIEW_SIGNAL.format(
                colour=colour_name(reading), signal=row["signal"], reading=reading
            )
        )
    st.markdown(" ".join(notes))
    if row["value"] is None and row["reason"]:
        st.caption(reason(row["reason"]))
    if target:
        like = row["value"]
        st.caption(
            texts.REVIEW_TARGET.format(
                target=fmt.kpi_value(target.target, kpi.unit, like=like), better=target.better
            )
        )


def link(module: str, text: str) -> None:
    """A link to page `module` when the dashboard has it, else `text` alone."""
    spec = next((p for p in PAGES if p.module == module), None)
    if spec is None:
        st.caption(text)
    else:
        st.page_link(spec.script, label=text, icon=spec.icon)


def colour_name(reading: str | None) -> str:
    """Streamlit's Markdown colour of a reading: green better, red worse, else gray."""
    return {"better": "green", "worse": "red"}.get(reading or "", "gray")
