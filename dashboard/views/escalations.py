"""Escalations: the level funnel, needless escalations by kind and by team, category, agent and
channel with example tickets, ping-pong flows between teams, and their cost."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from application import format as fmt
from dashboard import charts, parts, texts
from dashboard.context import PageContext
from dashboard.markdown import reason, say
from mining.escalations import escalations, level_funnel, team_handovers
from mining.results import SMALL_BASIS, too_few

BREAKDOWN_COLUMNS = [
    "value",
    "tickets",
    "escalated_tickets",
    "bounce_back_tickets",
    "ping_pong_tickets",
    "push_to_front_tickets",
    "extra_ttr_hours",
    "compared",
    "csat_gap",
    "csat_compared",
    "example_tickets",
]
OWN_TICKETS = ("category", "channel")  # the breakdowns whose values have tickets of their own


def render(ctx: PageContext) -> None:
    has_levels, has_teams = ctx.has("level"), ctx.has("team")
    has_escalated = bool(ctx.dimensions and "Escalated" in ctx.dimensions.activities)
    if not (has_levels or has_teams or has_escalated):
        st.info(texts.ESC_NOTHING)
        st.stop()
    missing = [
        (name, what)
        for name, what, present in (
            ("support levels", texts.ESC_NO_LEVELS_WHAT, has_levels),
            ("teams", texts.ESC_NO_TEAMS_WHAT, has_teams),
            # without `Escalated` events, a rise in level is an escalation
            (
                texts.ESC_NO_ESCALATION_SOURCE,
                texts.ESC_NO_ESCALATED_WHAT,
                has_escalated or has_levels,
            ),
        )
        if not present
    ]
    if missing:
        st.info(
            texts.ESC_MISSING.format(
                names=" and ".join(f"no {n}" for n, _ in missing),
                what=" and ".join(w for _, w in missing),
            )
            + (" " + texts.ESC_LEVELS_HINT if has_teams and not has_levels else "")
        )
    share = ctx.settings.push_to_front_share
    result = ctx.query(escalations, push_to_front_share=share)
    if result.moves_not_measured:  # no count from exports that cannot show a move
        st.info(texts.ESC_MOVES_NOT_MEASURED.format(why=reason(result.moves_not_measured)))
        st.stop()
    _metrics(result)
    if result.needless_not_measured:
        st.info(texts.ESC_NOT_MEASURED.format(why=reason(result.needless_not_measured)))
    left, right = st.columns(2)
    if has_levels:
        funnel = ctx.query(level_funnel)
        left.plotly_chart(charts.level_funnel(funnel, texts.ESC_FUNNEL_TITLE), key="funnel")
    # the needless kinds only where the log can tell them (else the metrics say why)
    told = [k for k, known in result.told.items() if known]
    if told:
        kinds = pd.DataFrame(
            {
                "kind": [texts.ESC_KINDS[k] for k in told],
                "tickets": [getattr(result, f"{k}_tickets") for k in told],
            }
        )
        right.plotly_chart(
            charts.count_bars(kinds, "kind", "tickets", texts.ESC_KINDS_TITLE), key="kinds"
        )
        right.caption(
            say(
                texts.ESC_EXAMPLES,
                kinds="; ".join(
                    f"{k.replace('_', '-')}: {', '.join(result.example_tickets[k][:3]) or 'none'}"
                    for k in told
                ),
            )
        )
    _breakdowns(result)
    if has_teams:
        st.subheader(texts.ESC_SANKEY_TITLE)
        handovers = ctx.query(team_handovers, push_to_front_share=share)
        if handovers.empty:
            st.info(texts.ESC_NO_PING_PONG)
        else:
            st.plotly_chart(charts.team_sankey(handovers, ""), key="ping_pong")
            parts.table(handovers, key="handovers")


def _metrics(result) -> None:
    cost = result.cost.iloc[0]
    cols = st.columns(5)
    cols[0].metric(
        texts.ESC_METRIC_ESCALATED,
        f"{result.escalated_tickets:,}",
        help=f"of {result.tickets:,} tickets",
    )
    rate = result.needless_escalation_rate
    cols[1].metric(
        texts.ESC_METRIC_NEEDLESS,
        "n/a" if result.needless_not_measured else f"{result.needless_escalation_tickets:,}",
        help=reason(result.needless_not_measured)
        if result.needless_not_measured
        else (f"{rate:.0%} of escalated tickets" if rate is not None else None),
    )
    cols[2].metric(
        texts.ESC_METRIC_PING_PONG,
        f"{result.ping_pong_tickets:,}" if result.teams_known else "n/a",
        help=None if result.teams_known else texts.ESC_NO_TEAMS,
    )
    extra, gap = cost["extra_ttr_hours"], cost["csat_gap"]
    few_resolved = too_few(cost["resolved_tickets"], cost["baseline_tickets"])
    few_answers = too_few(cost["csat_answers"], cost["baseline_csat_answers"])
    cols[3].metric(
        texts.ESC_METRIC_EXTRA,
        # in the unit of the breakdowns' extra times below, not 36.5 hours above "extra days"
        fmt.duration(extra, like=result.largest_extra_hours)
        if pd.notna(extra) and not few_resolved
        else "n/a",
        help=texts.ESC_FEW_HELP.format(what="tickets", n=SMALL_BASIS)
        if pd.notna(extra) and few_resolved
        else None,
    )
    cols[4].metric(
        texts.ESC_METRIC_CSAT,
        f"{gap:+.2f}" if pd.notna(gap) and not few_answers else "n/a",
        help=texts.ESC_NO_SURVEYS
        if not result.surveyed
        else (texts.ESC_FEW_HELP.format(what="answers", n=SMALL_BASIS) if few_answers else None),
    )
    if result.escalated_tickets:
        csat = (
            texts.ESC_COST_CSAT.format(
                csat=fmt.kpi_value(cost["csat_mean"], "score"),
                base_csat=fmt.kpi_value(cost["baseline_csat_mean"], "score"),
                a=int(cost["csat_answers"]),
                b=int(cost["baseline_csat_answers"]),
            )
            if result.surveyed
            else ""
        )
        st.caption(
            texts.ESC_COST_CAPTION.format(
                ttr=fmt.duration(cost["ttr_mean_hours"]),
                base=fmt.duration(cost["baseline_ttr_mean_hours"]),
                n=int(cost["resolved_tickets"]),
                m=int(cost["baseline_tickets"]),
            )
            + csat
            + "."
        )


def _breakdowns(result) -> None:
    present = [d for d in texts.ESC_BREAKDOWNS if not result.by(d).empty]
    if not present:
        return
    dimension = st.radio(
        texts.ESC_BREAKDOWN,
        present,
        format_func=texts.ESC_BREAKDOWNS.get,
        horizontal=True,
        key="esc_breakdown",
    )
    table = result.by(dimension).sort_values("escalated_tickets", ascending=False)
    # a team or agent is one that escalated tickets, or received them: all its tickets are
    left_out = {"tickets"} if dimension not in OWN_TICKETS else set()
    # nor a column the data set cannot fill (a column of zeros would say none were found)
    left_out |= {f"{k}_tickets" for k, known in result.told.items() if not known}
    if not result.surveyed:
        left_out |= {"csat_gap", "csat_compared"}
    columns = [c for c in BREAKDOWN_COLUMNS if c not in left_out]
    divisor, unit = charts.time_unit(pd.Series([result.largest_extra_hours]))  # every table's
    table = table.assign(
        extra_ttr_hours=table["extra_ttr_hours"] / divisor,
        compared=_compared(table["resolved_tickets"], table["baseline_tickets"]),
        csat_compared=_compared(table["csat_answers"], table["baseline_csat_answers"]),
    )
    parts.table(
        table[columns],
        key="esc_table",
        column_config={
            "value": texts.ESC_BREAKDOWNS[dimension],
            "escalated_tickets": st.column_config.NumberColumn("escalated"),
            "bounce_back_tickets": st.column_config.NumberColumn("bounced back"),
            "ping_pong_tickets": st.column_config.NumberColumn("ping-pong"),
            "push_to_front_tickets": st.column_config.NumberColumn("push-to-front"),
            "example_tickets": st.column_config.ListColumn("e.g."),
            "extra_ttr_hours": st.column_config.NumberColumn(
                f"extra {unit} (mean)", format="%+.1f"
            ),
            "compared": st.column_config.TextColumn(
                texts.ESC_COMPARED_TITLE, help=texts.ESC_COMPARED_HELP.format(n=SMALL_BASIS)
            ),
            "csat_gap": st.column_config.NumberColumn("CSAT gap", format="%+.2f"),
            "csat_compared": st.column_config.TextColumn(
                texts.ESC_ANSWERS_TITLE, help=texts.ESC_ANSWERS_HELP.format(n=SMALL_BASIS)
            ),
        },
    )


def _compared(ours: pd.Series, others: pd.Series) -> list[str]:
    """What each row's gap rests on: `39 / 796`, and `, too few` where a side has under
    SMALL_BASIS."""
    return [
        texts.ESC_COMPARED.format(n=n, m=m) + (texts.ESC_FEW if too_few(n, m) else "")
        for n, m in zip(ours, others, strict=True)
    ]
