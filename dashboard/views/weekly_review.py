"""Weekly review: the scorecard of the last complete week against targets and the week before,
what changed in sentences, deviations, bottlenecks, needless escalations, the measured effect of
recent process changes, and the weekly HTML report to download. The review is the application
layer's (application.review), so the page, the file and `ticketloop report` say the same."""

from __future__ import annotations

import functools
from datetime import timedelta

import streamlit as st

from application import review as weekly
from dashboard import charts, parts, report, texts
from dashboard.context import PageContext
from dashboard.markdown import say, text
from mining.conformance import deviation_costs
from store.errors import TicketloopError

WEEK_KEY = "review_week"
REVIEW_COLUMNS = ["deviation", "tickets", "cost_hours", "csat_gap"]  # half a page wide


def render(ctx: PageContext) -> None:
    parts.prefetch_fit(ctx)  # the top deviations and the fit in the effects, drawn last
    if "week" not in st.query_params:  # the last complete week: its effects are known early
        parts.prefetch_recent_effects(ctx)
    picker, download, _ = st.columns([3, 3, 4], vertical_alignment="bottom")
    with picker:
        week = _week_picker(ctx)
    review = parts.review(ctx, week)
    with download:  # drawn only when asked for: its charts take a while
        st.download_button(
            texts.REVIEW_DOWNLOAD.format(week=weekly.iso_week(review.week)),
            functools.partial(report.render_review, review),
            file_name=f"review-{ctx.selection.dataset}-{weekly.iso_week(review.week)}.html",
            mime="text/html",
            key="review_download",
            icon=":material/download:",
            on_click="ignore",
        )
    st.caption(
        say(
            texts.REVIEW_WEEK,
            week=weekly.iso_week(review.week),
            first=review.week,
            last=review.week + timedelta(days=6),
            selection=review.selection,
        )
    )
    if review.targets_note:  # before the verdicts it qualifies
        st.warning(review.targets_note)
    st.subheader(texts.REVIEW_NEXT)
    steps = weekly.next_steps(review)
    st.markdown(
        "\n".join(f"- :{parts.colour_name(s.reading)}[{text(s.text)}]" for s in steps)
        if steps
        else text(weekly.quiet_week(review))
    )

    st.subheader(texts.REVIEW_SCORECARD)
    rows = weekly.scorecard_rows(review)
    parts.tiles([r for r in rows if r["target"] and r["computed"]])
    parts.not_computed(rows)
    if other := [r for r in rows if not r["target"] and r["computed"]]:
        with st.expander(texts.REVIEW_OTHER_KPIS):
            parts.tiles(other)

    left, right = st.columns(2)
    with left:
        st.subheader(texts.REVIEW_BOTTLENECKS)
        if review.transitions is None or review.transitions.empty:
            st.info(texts.NO_TRANSITIONS)
        else:
            st.caption(texts.REVIEW_BOTTLENECKS_WHEN.format(recent=review.recent))
            chart = charts.transition_waits(review.transitions, texts.TRANSITIONS_CHART, top=5)
            st.plotly_chart(chart, key="review_bottlenecks")
        if left_out := report.left_out_waits(review):
            st.caption(text(left_out))
        parts.link("bottlenecks", texts.REVIEW_BOTTLENECKS_MORE)
    with right:
        st.subheader(texts.REVIEW_ESCALATIONS)
        st.markdown(text(weekly.escalation_sentence(review)))
        st.subheader(texts.REVIEW_DEVIATIONS)
        deviations = st.container()  # filled last: the replay of a new store version takes a while

    st.subheader(texts.REVIEW_CHANGES)
    # Last: the page above is on screen while the effects are measured. The download's review
    # is this same object, so the file has them too.
    effects = parts.effects(ctx, review)
    if not effects:
        st.info(text(weekly.no_effects(review)))
    for i, effect in enumerate(effects):
        parts.effect_section(effect, key=f"effect_{i}", clear_only=True)
    with deviations:
        _top_deviations(ctx, review)


def _top_deviations(ctx: PageContext, review, top: int = 5) -> None:
    """The costliest open deviations from the designed flow, added to `review` for the download."""
    fit = parts.fit(ctx)
    review.flow_reason = fit.reason
    if fit.conformance is None:
        return
    review.deviations = fit.conformance.deviations
    ranked = deviation_costs(review.deviations)
    open_ones = ranked[~ranked["accepted"]]
    if open_ones.empty:
        st.info(texts.CONF_NO_DEVIATIONS)
    else:
        st.caption(texts.REVIEW_DEVIATIONS_WHEN)
        parts.deviations_table(
            open_ones.head(top), "review_deviations", ctx.settings.min_answers, REVIEW_COLUMNS
        )
    parts.link("conformance", texts.REVIEW_DEVIATIONS_MORE)


def _week_picker(ctx: PageContext) -> str:
    """The ISO week to review: the last complete week by default, any week with tickets."""
    try:
        kpis = parts.weekly(ctx)
        default = weekly.iso_week(weekly.pick_week(kpis))
    except TicketloopError:
        return "last"  # parts.review says why
    weeks = [weekly.iso_week(w) for w in weekly.review_weeks(kpis)]
    if st.session_state.get(WEEK_KEY) not in weeks:  # a new session (a copied link) or data set
        linked = st.query_params.get("week")
        st.session_state[WEEK_KEY] = linked if linked in weeks else default
        if linked and linked not in weeks:  # a link to a week this data has none of: said so
            st.warning(say(texts.REVIEW_LINKED_WEEK, week=linked, first=weeks[-1], last=weeks[0]))
    picked = st.selectbox(
        texts.REVIEW_PICK_WEEK,
        weeks,
        key=WEEK_KEY,
        help=texts.REVIEW_PICK_HELP,
        format_func=lambda w: w + texts.REVIEW_PICK_DEFAULT * (w == default),
    )
    if picked == default:  # the URL names a week only when it is not the last complete one
        st.query_params.pop("week", None)
    else:
        st.query_params["week"] = picked
    return picked
