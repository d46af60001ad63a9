"""Weekly review: the scorecard of the last complete week against targets and the week before,
what changed in sentences, deviations, bottlenecks, needless escalations, the measured effect of
recent process changes, and the weekly HTML report to download. Built from the report's own
functions (dashboard/report.py), so the page and the file say the same."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import charts, report, texts
from dashboard import format as fmt
from dashboard.context import PageContext
from dashboard.pages import PAGES
from mining.bottlenecks import bottlenecks
from store.errors import TicketloopError

TILES_PER_ROW = 4


def load_review(ctx: PageContext) -> report.Review:
    """The weekly review of the selection (cached), or a one-line message and the page stops."""
    try:
        return ctx.query(report.build_review, settings=ctx.settings)
    except TicketloopError as exc:
        st.info(str(exc) if "match" not in str(exc) else texts.NOTHING_SELECTED)
        st.stop()


def render(ctx: PageContext) -> None:
    review = load_review(ctx)
    week = report.iso_week(review.week)
    st.caption(
        texts.REVIEW_WEEK.format(
            week=week,
            first=review.week,
            last=review.week + timedelta(days=6),
            selection=review.selection,
        )
    )
    _download(ctx)

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
        waits = ctx.query(bottlenecks).transitions
        if waits.empty:
            st.info(texts.NO_TRANSITIONS)
        else:
            st.plotly_chart(
                charts.transition_waits(waits, texts.TRANSITIONS_CHART, top=5),
                key="review_bottlenecks",
            )
        _link("bottlenecks", texts.REVIEW_BOTTLENECKS_MORE)
    with right:
        st.subheader(texts.REVIEW_ESCALATIONS)
        st.markdown(report.escalation_sentence(review))
        st.subheader(texts.REVIEW_DEVIATIONS)
        _link("conformance", texts.REVIEW_DEVIATIONS_LINK)

    st.subheader(texts.REVIEW_CHANGES)
    if not review.effects:
        st.info(texts.REVIEW_NO_CHANGES)
    for i, effect in enumerate(review.effects):
        _effect(effect, key=f"effect_{i}")


def _download(ctx: PageContext) -> None:
    week, document = ctx.query(report.review_document, settings=ctx.settings)
    st.download_button(
        texts.REVIEW_DOWNLOAD,
        document,
        file_name=f"review-{ctx.selection.dataset}-{week}.html",
        mime="text/html",
        key="review_download",
        icon=":material/download:",
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
        change = row["value"] - row["last"]
        delta = ("+" if change >= 0 else "-") + fmt.kpi_value(abs(change), kpi.unit)
    colour = "off"
    if target and delta and row["value"] != row["last"]:
        colour = "inverse" if target.better == "lower" else "normal"
    st.metric(
        kpi.meaning[:1].upper() + kpi.meaning[1:],
        fmt.kpi_value(row["value"], kpi.unit),
        delta=delta,
        delta_color=colour,
        help=f"`{kpi.name}`: {kpi.formula}. Change against last week.",
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
                target=fmt.kpi_value(target.target, kpi.unit), better=target.better
            )
        )
    recent = row["recent"].dropna(subset=["value"])
    if len(recent) >= 2:
        st.plotly_chart(
            charts.sparkline(recent, percent=kpi.unit == "fraction"),
            key=f"spark_{kpi.name}",
            config={"displayModeBar": False, "staticPlot": True},
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

    def diff(value: float | None, name: str) -> str:
        if value is None:
            return "n/a"
        return ("+" if value >= 0 else "-") + fmt.kpi_value(abs(value), unit(name))

    return pd.DataFrame(
        {
            "KPI": [BY_NAME[k["kpi"]].meaning for k in kpis],
            "before": [fmt.kpi_value(k["before"], unit(k["kpi"])) for k in kpis],
            "after": [fmt.kpi_value(k["after"], unit(k["kpi"])) for k in kpis],
            "95% interval of the difference": [
                f"{diff(k['ci_low'], k['kpi'])} to {diff(k['ci_high'], k['kpi'])}" for k in kpis
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
