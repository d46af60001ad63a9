"""Bottlenecks: transitions ranked by the time they add, how long waits last, team queues,
waiting for the customer apart, and arrivals against resolutions by weekday and hour."""

from __future__ import annotations

import streamlit as st

from application import format as fmt
from dashboard import charts, parts, texts
from dashboard.context import PageContext
from dashboard.markdown import reason, say
from mining.bottlenecks import bottlenecks
from mining.pauses import pauses

TOP = 15
# Who pauses tickets, as the CLI words it: shares in percent, hours to a decimal, ratios to the desk.
PAUSE_CONFIG = {
    "pauses": st.column_config.NumberColumn("pauses"),
    "tickets": st.column_config.NumberColumn("tickets paused"),
    "handled": st.column_config.NumberColumn("tickets handled"),
    "share": st.column_config.NumberColumn("of handled", format="%.1f%%"),
    "total_hours": st.column_config.NumberColumn("total hours", format="localized"),
    "median_hours": st.column_config.NumberColumn("median hours", format="%.1f"),
    "p90_hours": st.column_config.NumberColumn("90th percentile hours", format="%.1f"),
    "share_vs_desk": st.column_config.NumberColumn(
        "share × desk", format="×%.1f", help="Its share of handled tickets paused over the desk's"
    ),
    "median_vs_desk": st.column_config.NumberColumn(
        "median × desk", format="×%.1f", help="Its median pause over the desk's"
    ),
    "example_tickets": st.column_config.ListColumn("e.g."),
}
# How long activities take, from start to complete (activity_durations.sql), in words.
DURATION_CONFIG = {
    "pairs": st.column_config.NumberColumn(
        "timed", help="Instances with a start and a complete event"
    ),
    "unpaired": st.column_config.NumberColumn(
        "not timed", help="Instances completed without a start event: no duration"
    ),
    "total_hours": st.column_config.NumberColumn("total hours", format="localized"),
    "example_tickets": st.column_config.ListColumn("e.g. (longest first)"),
}
TIMES = ("mean_hours", "median_hours", "p90_hours")  # in the unit their largest reads best in


def render(ctx: PageContext) -> None:
    business = st.toggle(
        texts.BOTTLENECKS_BUSINESS, key="bottlenecks_business", help=texts.BOTTLENECKS_BUSINESS_HELP
    )
    after = st.checkbox(
        texts.BOTTLENECKS_AFTER,
        key="bottlenecks_after_resolution",
        help=texts.BOTTLENECKS_AFTER_HELP,
    )
    found = ctx.query(
        bottlenecks,
        calendar=ctx.settings.calendar if business else None,
        include_after_resolution=after,
    )
    if not found.tickets:
        st.info(texts.NOTHING_SELECTED)
        st.stop()
    st.caption(texts.BOTTLENECKS_CLOCK.format(tickets=found.tickets, clock=found.clock))
    business = found.in_business_hours

    def hours(value: float) -> str:
        return fmt.duration(value, business=business)

    if left_out := fmt.after_resolution_note(found.after_resolution, "→", business=business):
        st.caption(say(texts.BOTTLENECKS_LEFT_OUT, note=left_out))
    if found.resolutions_unread:  # which waits come after resolution, and the heatmap's half
        st.info(texts.BOTTLENECKS_NO_RESOLUTIONS.format(why=reason(found.resolutions_unread)))
    cols = st.columns(3)
    cols[0].metric(texts.METRIC_WAITING, hours(found.waiting_hours))
    # without replies, the pauses (an `Information requested` until the next event) stand in
    paused = ctx.query(pauses) if found.customer_waits is None else None
    if found.customer_waits is not None:
        customer, help_text = found.customer_hours, None
    elif paused is not None and paused.pauses and not business:  # pauses are elapsed time
        customer, help_text = paused.total_hours, texts.PAUSED_HELP
    else:  # not 0: the log cannot tell customer waits apart
        customer, help_text = None, texts.NO_CUSTOMER_WAITS
    if customer is None or customer > found.waiting_hours:
        cols[1].metric(texts.METRIC_CUSTOMER, "n/a", help=help_text)
    else:
        share = f" ({customer / found.waiting_hours:.0%})" if found.waiting_hours else ""
        cols[1].metric(texts.METRIC_CUSTOMER, hours(customer) + share, help=help_text)
        cols[2].metric(texts.METRIC_INTERNAL, hours(found.waiting_hours - customer))

    waits = found.transitions
    if waits.empty:
        st.info(texts.NO_TRANSITIONS)
    else:
        st.plotly_chart(
            charts.transition_waits(waits, texts.BOTTLENECKS_TRANSITIONS, top=TOP),
            key="bottleneck_transitions",
        )
        top = waits.nlargest(TOP, "total_hours")
        st.plotly_chart(
            charts.wait_ranges(
                top,
                [
                    f"{a} → {b}"
                    for a, b in zip(top["from_activity"], top["to_activity"], strict=True)
                ],
                texts.BOTTLENECKS_RANGES,
                count="transitions",
            ),
            key="bottleneck_ranges",
        )
        with st.expander(texts.BOTTLENECKS_TABLE):
            parts.table(waits, key="bottleneck_table")

    left, right = st.columns(2)
    with left:
        st.subheader(texts.TEAM_QUEUES)
        queues = found.team_queues
        if queues is None:
            st.info(texts.NO_TEAMS)
        else:
            queues = queues.sort_values("total_hours", ascending=False)
            waited = queues[queues["median_hours"].notna()]  # a team never acted: no wait to draw
            st.plotly_chart(
                charts.wait_ranges(waited, list(waited["team"]), "", count="assignments"),
                key="team_queues",
            )
            idle = queues[queues["not_acted_on"] > 0]
            if not idle.empty:
                st.caption(
                    say(
                        texts.NOT_ACTED_ON,
                        n=int(idle["not_acted_on"].sum()),
                        teams=", ".join(
                            f"{t} {n:,}"
                            for t, n in zip(idle["team"], idle["not_acted_on"], strict=True)
                        ),
                    )
                )
    with right:
        if paused is not None:  # no replies: who pauses tickets, not an empty "n/a"
            st.subheader(texts.PAUSES)
            st.markdown(
                texts.PAUSES_TEXT.format(
                    pauses=paused.pauses,
                    tickets=paused.paused_tickets,
                    of=paused.tickets,
                    share=paused.share,
                    median=hours(paused.median_hours),
                )
            )
        elif found.customer_waits is None:
            st.subheader(texts.CUSTOMER_WAITS)
            st.info(texts.NO_CUSTOMER_WAITS)
        else:
            st.subheader(texts.CUSTOMER_WAITS)
            row = found.customer_waits.iloc[0]
            st.markdown(
                texts.CUSTOMER_WAITS_TEXT.format(
                    requests=int(row["requests"]),
                    tickets=int(row["tickets"]),
                    median=hours(row["median_hours"]),
                    p90=hours(row["p90_hours"]),
                )
            )

    if paused is not None:  # its tables are wide: the page's width, below both columns
        for frame, key in ((paused.teams, "pauses_by_team"), (paused.agents, "pauses_by_agent")):
            if frame is not None:
                shown = frame.assign(
                    share=frame["share"] * 100, total_hours=frame["total_hours"].round()
                )
                parts.table(shown, key=key, column_config=PAUSE_CONFIG)

    if found.activity_durations is not None:
        st.subheader(texts.ACTIVITY_DURATIONS)
        durations = found.activity_durations
        timed = durations[durations["pairs"] > 0]
        divisor, unit = charts.time_unit(timed["p90_hours"], minutes=True)
        parts.table(
            timed.assign(
                total_hours=timed["total_hours"].round(),
                **{c: timed[c] / divisor for c in TIMES},
            ),
            key="activity_durations",
            column_config={
                **DURATION_CONFIG,
                **{
                    c: st.column_config.NumberColumn(f"{words} {unit}", format="%.1f")
                    for c, words in zip(TIMES, ("mean", "median", "90th percentile"), strict=True)
                },
            },
        )
        never = durations[durations["pairs"] == 0]
        if not never.empty:
            untimed = zip(never["activity"], never["unpaired"], strict=True)
            named = ", ".join(f"{a} ({n:,})" for a, n in untimed)
            st.caption(say(texts.ACTIVITY_UNTIMED, activities=named))

    st.subheader(texts.ARRIVALS)
    st.caption(say(texts.ARRIVALS_ZONE, zone=ctx.settings.calendar.timezone))
    st.plotly_chart(charts.arrival_heatmaps(found.arrivals, texts.ARRIVALS_TITLES), key="arrivals")
