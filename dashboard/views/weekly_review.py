"""Weekly review: the scorecard of the last complete week against targets and the week before,
what changed in sentences, deviations, bottlenecks, needless escalations, the measured effect of
recent process changes, and the weekly HTML report to download. Built from the report's own
functions (dashboard/report.py), so the page and the file say the same."""

from __future__ import annotations

import functools
from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import charts, data, report, texts
from dashboard import format as fmt
from dashboard.context import PageContext
from dashboard.pages import PAGES
from dashboard.views.conformance import (
    designed_flow_conformance,
    deviations_table,
    prefetch_conformance,
)
from mining.bottlenecks import bottlenecks
from mining.conformance import deviation_costs
from mining.effect import measure_change
from mining.kpis import KpiReport, compute_kpis
from store.errors import TicketloopError

TILES_PER_ROW = 4
WEEK_KEY = "review_week"
REVIEW_COLUMNS = ["deviation", "tickets", "extra_hours", "cost_hours", "csat_gap"]


def load_review(ctx: PageContext, week: str = "last", *, details: bool = True) -> report.Review:
    """The weekly review of ISO week `week` of the selection, or a one-line message and the page
    stops. Built from cached parts: the weekly KPIs once per (store version, selection,
    settings), whatever the week. With `details`, the effects of the week's recent changes
    start in the background (change_effects() collects them) and the bottlenecks are read;
    without, neither (what the KPI trends page needs)."""
    changes = data.changes(ctx.db, ctx.version, ctx.selection.dataset)
    try:
        weekly = weekly_kpis(ctx)
        monday = report.pick_week(weekly, week)
    except TicketloopError as exc:
        st.info(str(exc) if "match" not in str(exc) else texts.NOTHING_SELECTED)
        st.stop()
    transitions = None
    if details:
        for change in report.recent_changes(changes, monday):  # measured while the page draws
            ctx.prefetch(measure_change, settings=ctx.settings, change=change)
        try:
            four_weeks = report.four_weeks(ctx.selection, monday)
            transitions = data.query(bottlenecks, ctx.db, ctx.version, four_weeks).transitions
        except TicketloopError:  # no ticket created in those weeks
            transitions = None
    return report.assemble_review(
        ctx.selection,
        ctx.settings,
        weekly,
        monday,
        changes=changes,
        effects=[],  # change_effects() adds them: the slowest part, drawn last on the page
        transitions=transitions,
    )


def _prefetch_last_weeks_effects(ctx: PageContext) -> None:
    """When the review is of the last complete week (the URL names no other), start measuring
    the effects it will show before its weekly KPIs are known: those of the changes of the
    weeks up to the data set's last day (a few more than the review shows, at most)."""
    last = ctx.dimensions.last_day if ctx.dimensions else None
    if last is None or "week" in st.query_params:
        return
    for change in report.recent_changes(
        data.changes(ctx.db, ctx.version, ctx.selection.dataset), last, weeks=14
    ):
        ctx.prefetch(measure_change, settings=ctx.settings, change=change)


def change_effects(ctx: PageContext, review: report.Review) -> list:
    """The measured effect of each change of the weeks up to the review's (cached, as the KPI
    trends page measures them), added to `review`."""
    review.effects = []
    for change in report.recent_changes(review.changes, review.week):
        try:
            review.effects.append(ctx.query(measure_change, settings=ctx.settings, change=change))
        except TicketloopError:
            continue
    return review.effects


def render(ctx: PageContext) -> None:
    prefetch_conformance(ctx)  # the top deviations, drawn last
    _prefetch_last_weeks_effects(ctx)
    picker, download, _ = st.columns([3, 3, 4], vertical_alignment="bottom")
    with picker:
        week = _week_picker(ctx)
    review = load_review(ctx, week)
    with download:
        _download(ctx, review)
    st.caption(
        texts.REVIEW_WEEK.format(
            week=report.iso_week(review.week),
            first=review.week,
            last=review.week + timedelta(days=6),
            selection=review.selection,
        )
    )

    st.subheader(texts.REVIEW_CHANGED)
    steps = report.next_steps(review)
    st.markdown("\n".join(f"- {s}" for s in steps) if steps else texts.REVIEW_QUIET)

    st.subheader(texts.REVIEW_SCORECARD)
    rows = report.scorecard_rows(review)
    _tiles([r for r in rows if r["target"] and r["computed"]])
    missing = report.not_computed(rows)
    if missing:
        st.info(texts.REVIEW_NOT_COMPUTED.format(names=missing))
    other = [r for r in rows if not r["target"] and r["computed"]]
    if other:
        with st.expander(texts.REVIEW_OTHER_KPIS):
            _tiles(other)

    left, right = st.columns(2)
    with left:
        st.subheader(texts.REVIEW_BOTTLENECKS)
        waits = review.transitions
        if waits is None or waits.empty:
            st.info(texts.NO_TRANSITIONS)
        else:
            st.caption(texts.REVIEW_BOTTLENECKS_WHEN.format(recent=review.recent))
            st.plotly_chart(
                charts.transition_waits(waits, texts.TRANSITIONS_CHART, top=5),
                key="review_bottlenecks",
            )
        _link("bottlenecks", texts.REVIEW_BOTTLENECKS_MORE)
    with right:
        st.subheader(texts.REVIEW_ESCALATIONS)
        st.markdown(report.escalation_sentence(review))
        st.subheader(texts.REVIEW_DEVIATIONS)
        deviations = st.container()  # filled last: the replay of a new store version takes a while

    st.subheader(texts.REVIEW_CHANGES)
    # Last: the page above is on screen while the effects are measured (started in the
    # background by load_review). The download's review is this same object, so the file has
    # them too.
    effects = change_effects(ctx, review)
    if not effects:
        st.info(texts.REVIEW_NO_CHANGES)
    for i, effect in enumerate(effects):
        _effect(effect, key=f"effect_{i}")
    with deviations:
        _top_deviations(ctx, review)


def _top_deviations(ctx: PageContext, review: report.Review, top: int = 5) -> None:
    """The costliest open deviations from the designed flow, added to `review` for the download."""
    result = designed_flow_conformance(ctx)
    if result is None:
        return
    review.deviations = result.deviations
    ranked = deviation_costs(result.deviations)
    open_ones = ranked[~ranked["accepted"]]
    if open_ones.empty:
        st.info(texts.CONF_NO_DEVIATIONS)
    else:
        st.caption(texts.REVIEW_DEVIATIONS_WHEN)
        deviations_table(open_ones.head(top), key="review_deviations", columns=REVIEW_COLUMNS)
    _link("conformance", texts.REVIEW_DEVIATIONS_MORE)


def _week_picker(ctx: PageContext) -> str:
    """The ISO week to review: the last complete week by default, any week with tickets."""
    try:
        weekly = weekly_kpis(ctx)
        default = report.iso_week(report.pick_week(weekly))
    except TicketloopError:
        return "last"  # load_review says why
    weeks = [report.iso_week(w) for w in report.review_weeks(weekly)]
    if st.session_state.get(WEEK_KEY) not in weeks:  # a new session (a copied link) or data set
        linked = st.query_params.get("week")
        st.session_state[WEEK_KEY] = linked if linked in weeks else default
    picked = st.selectbox(
        texts.REVIEW_PICK_WEEK,
        weeks,
        key=WEEK_KEY,
        format_func=lambda w: w + texts.REVIEW_PICK_DEFAULT * (w == default),
        help=texts.REVIEW_PICK_HELP,
    )
    if picked == default:  # the URL names a week only when it is not the last complete one
        st.query_params.pop("week", None)
    else:
        st.query_params["week"] = picked
    return picked


def weekly_kpis(ctx: PageContext) -> KpiReport:
    """The selection's KPIs by week with limits from the change log: computed once per store
    version, selection and settings, for the review's every week and the KPI trends page."""
    changes = data.changes(ctx.db, ctx.version, ctx.selection.dataset)
    return ctx.query(
        compute_kpis,
        settings=ctx.settings,
        weekly=True,
        changes=tuple(c["date"] for c in changes),
    )


def _download(ctx: PageContext, review: report.Review) -> None:
    """The review as one HTML file, drawn only when asked for (its charts take a while)."""
    st.download_button(
        texts.REVIEW_DOWNLOAD.format(week=report.iso_week(review.week)),
        functools.partial(report.render_review, review),
        file_name=f"review-{ctx.selection.dataset}-{report.iso_week(review.week)}.html",
        mime="text/html",
        key="review_download",
        icon=":material/download:",
        on_click="ignore",
    )


def _tiles(rows: list[dict]) -> None:
    for start in range(0, len(rows), TILES_PER_ROW):
        cols = st.columns(TILES_PER_ROW)
        for col, row in zip(cols, rows[start : start + TILES_PER_ROW], strict=False):
            with col.container(border=True):
                _tile(row)


def _tile(row: dict) -> None:
    kpi, target = row["kpi"], row["target"]
    delta = None
    if row["last"] is not None and row["value"] is not None:
        delta = fmt.difference(row["value"] - row["last"], kpi.unit)
    colour = "off"
    if target and delta and row["value"] != row["last"]:
        colour = "inverse" if target.better == "lower" else "normal"
    # The last weeks as the metric's own sparkline: drawn by the browser, no figure to build.
    recent = row["recent"].dropna(subset=["value"])["value"]
    st.metric(
        fmt.heading(kpi.meaning),
        fmt.kpi_value(row["value"], kpi.unit),
        delta=delta,
        delta_color=colour,
        help=f"`{kpi.name}`: {kpi.formula}. Change against last week; the line: the last"
        f" {fmt.count(len(recent), 'week')}.",
        chart_data=(recent * (100 if kpi.unit == "fraction" else 1)).tolist()
        if len(recent) >= 2
        else None,
    )
    notes = []
    if row["status"]:
        notes.append(texts.REVIEW_STATUS[row["status"]])
    if row["signal"]:
        notes.append(texts.REVIEW_SIGNAL.format(signal=row["signal"]))
    st.markdown(" ".join(notes))
    if row["value"] is None and row["reason"]:
        st.caption(row["reason"])
    if target:
        st.caption(
            texts.REVIEW_TARGET.format(
                target=fmt.kpi_value(target.target, kpi.unit, like=row["value"]),
                better=target.better,
            )
        )


def _effect(effect, key: str) -> None:
    c = effect.change
    st.markdown(
        texts.EFFECT_HEAD.format(
            title=c["title"],
            date=c["date"],
            before=effect.tickets_before,
            after=effect.tickets_after,
        )
    )
    table = effect_table(effect.kpis)
    clear = table[table["verdict"] != "no clear change"]
    if clear.empty:
        st.caption(texts.EFFECT_NOTHING)
    else:
        st.dataframe(clear, hide_index=True, key=key)


def effect_table(kpis: list[dict]) -> pd.DataFrame:
    """The before/after rows of a change's effect, formatted in each KPI's unit."""
    from mining.kpis import BY_NAME

    def unit(name: str) -> str:
        return BY_NAME[name].unit

    return pd.DataFrame(
        {
            "KPI": [BY_NAME[k["kpi"]].meaning for k in kpis],
            "before": [fmt.kpi_value(k["before"], unit(k["kpi"])) for k in kpis],
            "after": [fmt.kpi_value(k["after"], unit(k["kpi"])) for k in kpis],
            "95% interval of the difference": [
                f"{fmt.difference(k['ci_low'], unit(k['kpi']))} to "
                f"{fmt.difference(k['ci_high'], unit(k['kpi']))}"
                for k in kpis
            ],
            "verdict": [k["verdict"] for k in kpis],
        }
    )


def _link(module: str, text: str) -> None:
    """A link to page `module` when the dashboard has it, else `text` alone."""
    spec = next((p for p in PAGES if p.module == module), None)
    if spec is None:
        st.caption(text)
    else:
        st.page_link(spec.script, label=text, icon=spec.icon)
