"""Escalations and transfers: escalated, de-escalated, bounce-back, ping-pong and push-to-front
tickets, with their cost in time to resolution and satisfaction. The definitions are the ticket
facts' (store/sql/ticket_facts.sql): a ticket's `Escalated` and `De-escalated` events, or without
them the rises and falls of its support level; its teams over every event of the agents' side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from mining.results import missing
from mining.selection import Scope, Selection
from mining.tickets import select_tickets
from store.queries import sql_text
from store.vendors import FLAT_FORMATS, HISTORIES
from store.vocabulary import OUTSIDE_AGENTS

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("escalated", "de_escalated", "bounce_back", "ping_pong", "push_to_front")
BREAKDOWNS = ("team", "category", "agent", "channel")

# Whether some event of the agents' side names a team (ping-pong needs teams), and whether some
# event carries a support level (escalations without `Escalated` events need levels).
_KNOWN = (
    "SELECT coalesce(bool_or(team IS NOT NULL), false), coalesce(bool_or(level IS NOT NULL), false)"
    " FROM selected_events WHERE activity_id NOT IN"
    " (SELECT activity_id FROM activities WHERE list_contains($outside, name))"
)
_FORMATS = "SELECT DISTINCT format FROM source_files WHERE dataset_id = $d AND format <> ''"
# Below this many de-escalated tickets, none showing work may be chance; with at least so many,
# a share of them worked below MIN_WORKED_SHARE cannot be the process but a log without the work.
MIN_DE_ESCALATED = 20
MIN_WORKED_SHARE = 0.05
# Where a user maps a label of the log to a canonical activity, without loading it again.
MAP_IT = "on the Data page, or with ticketloop map"
# The whole selection's columns of escalation_breakdowns.sql, on every row.
_SELECTION_COLUMNS = ["needless_tickets", *(f"{kind}_examples" for kind in KINDS)]


@dataclass(frozen=True)
class Escalations:
    """Escalations of the selected tickets. Counts are tickets, each counted once per kind.

    `cost` is the whole selection's row and `breakdowns` one row per dimension (team, category,
    agent, channel) and value; both have the columns of escalation_breakdowns.sql (hours, CSAT
    means on 1-5, answer counts, example ticket ids)."""

    tickets: int
    escalated_tickets: int
    de_escalated_tickets: int
    bounce_back_tickets: int
    ping_pong_tickets: int
    push_to_front_tickets: int
    needless_escalation_tickets: int  # bounce-back or push-to-front
    push_to_front_share: float
    teams_known: bool  # some event of the agents' side names a team (ping-pong needs teams)
    levels_known: bool  # some event of the agents' side carries a support level
    # why escalated, de-escalated and ping-pong tickets cannot be told on this data set
    # (`flat_only`: flat exports alone); None when they can, as the counts then are
    moves_not_measured: str | None
    # why needless escalations cannot be told on this data set (mining.kpis.unusable_kpis: no
    # `De-escalated` event or fall in level, and no categories; `flat_only`; `work_unseen`: no
    # second-level work on de-escalated tickets); None when they can
    needless_not_measured: str | None
    example_tickets: dict[str, list[str]]  # per kind: up to five case ids
    cost: pd.DataFrame
    breakdowns: pd.DataFrame

    @property
    def needless_escalation_rate(self) -> float | None:
        """Needless escalations (bounce-back or push-to-front) over escalated tickets; None when
        there are none escalated or needless ones cannot be told."""
        if not self.escalated_tickets or self.needless_not_measured:
            return None
        return self.needless_escalation_tickets / self.escalated_tickets

    @property
    def told(self) -> dict[str, bool]:
        """Whether the data set can tell each needless kind: bounce-backs and push-to-front need
        `De-escalated` events or categories (needless_not_measured), ping-pong needs teams and
        moves (a flat export shows none)."""
        needless = not self.needless_not_measured
        ping_pong = self.teams_known and not self.moves_not_measured
        return {"bounce_back": needless, "push_to_front": needless, "ping_pong": ping_pong}

    @property
    def surveyed(self) -> bool:
        """Whether any escalated or baseline ticket has a survey answer (else no CSAT gap)."""
        cost = self.cost.iloc[0]
        return bool(cost["csat_answers"] or cost["baseline_csat_answers"])

    @property
    def largest_extra_hours(self) -> float:
        """The largest extra time to resolution (hours, either sign) of the whole and of every
        breakdown's row: what picks the one unit they are all said in."""
        values = [*self.cost["extra_ttr_hours"], *self.breakdowns["extra_ttr_hours"]]
        return max((abs(float(v)) for v in values if not missing(v)), default=0.0)

    def by(self, dimension: str) -> pd.DataFrame:
        """The breakdown by `dimension` (team, category, agent or channel)."""
        rows = self.breakdowns[self.breakdowns["dimension"] == dimension]
        return rows.drop(columns="dimension").reset_index(drop=True)


def flat_only(con: duckdb.DuckDBPyConnection, dataset_id: int) -> str | None:
    """Why escalations, ping-pong and bounce-backs cannot be told on a data set loaded from flat
    vendor exports alone (they show neither the moves between teams nor second-level work); None
    when some file is not one."""
    formats = sorted(r[0] for r in con.execute(_FORMATS, {"d": dataset_id}).fetchall())
    if not formats or not set(formats) <= FLAT_FORMATS.keys():
        return None
    flat = ", ".join(FLAT_FORMATS[f] for f in formats)
    return (
        f"the data set holds only flat ticket exports ({flat}), which record neither moves between"
        " teams, reopens nor second-level work: escalations, ping-pong and reopens cannot be seen,"
        " nor a bounce-back told from a worked de-escalation (load the tool's history into it: ticketloop ingest"
        f" FILE --dataset {_name(con, dataset_id)}, FILE being its"
        f" {', '.join(HISTORIES[:-1])} or {HISTORIES[-1]})"
    )


def work_unseen(con: duckdb.DuckDBPyConnection, dataset_id: int) -> str | None:
    """Why bounce-backs cannot be told on a data set whose de-escalated tickets show no work at
    the second level (a history without its agents' notes or worklogs: every de-escalation would
    read as a bounce-back); None when enough of them do, or too few were de-escalated to judge."""
    down, worked = con.execute(
        "SELECT count(*) FILTER (WHERE de_escalated),"
        " count(*) FILTER (WHERE de_escalated AND worked_after_escalation)"
        " FROM ticket_facts WHERE dataset_id = $d",
        {"d": dataset_id},
    ).fetchall()[0]
    if down < MIN_DE_ESCALATED or worked >= MIN_WORKED_SHARE * down:
        return None
    shown = (
        f"only {worked:,} of the data set's {down:,} de-escalated tickets show"
        if worked
        else f"none of the data set's {down:,} de-escalated tickets shows"
    )
    return (
        f"{shown} work at the second level (an `Investigation` or other"
        " activity of a level 2+ team): a bounce-back cannot be told from a worked de-escalation"
        f' (map the label of the agents\' notes or worklogs {MAP_IT}: [activities] "label" ='
        ' "Investigation", or load the tool\'s work records into the data set: ticketloop ingest'
        f" FILE --dataset {_name(con, dataset_id)})"
    )


def _name(con: duckdb.DuckDBPyConnection, dataset_id: int) -> str:
    return con.execute(
        "SELECT name FROM datasets WHERE dataset_id = $d", {"d": dataset_id}
    ).fetchall()[0][0]


def _flagged_tickets(
    con: duckdb.DuckDBPyConnection, selection: Selection, push_to_front_share: float
) -> Scope:
    """Select the tickets of `selection` and define the TEMP view `flagged_tickets` over them:
    one row per ticket, with its escalation flags, time to resolution and CSAT (the columns of
    ticket_flags.sql)."""
    bound = select_tickets(con, selection)
    judge_push_to_front(con, push_to_front_share)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW flagged_tickets AS " + sql_text("mining", "ticket_flags.sql")
    )
    return bound


def judge_push_to_front(con: duckdb.DuckDBPyConnection, push_to_front_share: float) -> None:
    """Define the aggregate macro `push_to_front(resolved, escalated)`: whether a category is
    one to push to the front, at least `push_to_front_share` of its tickets (the group's rows)
    resolved without escalation."""
    con.execute("SET VARIABLE push_to_front_share = $share", {"share": push_to_front_share})
    con.execute(
        "CREATE OR REPLACE TEMP MACRO push_to_front(resolved, escalated) AS"
        " count(*) FILTER (WHERE resolved AND NOT escalated) / count(*)"
        " >= getvariable('push_to_front_share')"
    )


def flag_tickets(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, push_to_front_share: float = 0.8
) -> Scope:
    """Fill the TEMP table `ticket_flags`: one row per selected ticket, with its escalation flags,
    time to resolution and CSAT (the columns of ticket_flags.sql)."""
    bound = _flagged_tickets(con, selection, push_to_front_share)
    con.execute("CREATE OR REPLACE TEMP TABLE ticket_flags AS FROM flagged_tickets")
    return bound


def flag_escalations(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, push_to_front_share: float = 0.8
) -> Scope:
    """Fill the TEMP table `escalation_flags`: one row per selected ticket, whether it was
    escalated, bounced back, and whether needlessly (what the KPIs read of ticket_flags.sql; a
    third of the cost of all its columns)."""
    bound = _flagged_tickets(con, selection, push_to_front_share)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE escalation_flags AS"
        " SELECT case_key, escalated, bounce_back, needless FROM flagged_tickets"
    )
    return bound


def escalations(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, push_to_front_share: float = 0.8
) -> Escalations:
    """Escalated, de-escalated, bounce-back, ping-pong and push-to-front tickets of `selection`,
    and what their escalations cost by team, category, agent and channel."""
    from mining.kpis import unusable_kpis  # (mining.kpis reads these flags: imported here)

    bound = _flagged_tickets(con, selection, push_to_front_share)
    # one statement over the flags (a TEMP table of them would cost more than the rest)
    found = con.execute(sql_text("mining", "escalation_breakdowns.sql")).df()
    frame = found.drop(columns=_SELECTION_COLUMNS)
    overall = frame[frame["dimension"] == "all"]
    counts, whole = overall.iloc[0], found.iloc[0]
    teams_known, levels_known = con.execute(_KNOWN, {"outside": list(OUTSIDE_AGENTS)}).fetchall()[0]
    return Escalations(
        tickets=bound.tickets,
        escalated_tickets=int(counts["escalated_tickets"]),
        de_escalated_tickets=int(counts["de_escalated_tickets"]),
        bounce_back_tickets=int(counts["bounce_back_tickets"]),
        ping_pong_tickets=int(counts["ping_pong_tickets"]),
        push_to_front_tickets=int(counts["push_to_front_tickets"]),
        needless_escalation_tickets=int(whole["needless_tickets"]),
        push_to_front_share=push_to_front_share,
        teams_known=teams_known,
        levels_known=levels_known,
        moves_not_measured=flat_only(con, bound.dataset_id),
        needless_not_measured=unusable_kpis(con, bound.dataset_id).get("needless_escalation_rate"),
        example_tickets={kind: list(whole[f"{kind}_examples"]) for kind in KINDS},
        cost=overall.drop(columns=["dimension", "value"]).reset_index(drop=True),
        breakdowns=frame[frame["dimension"] != "all"].reset_index(drop=True),
    )


def level_funnel(con: duckdb.DuckDBPyConnection, selection: Selection) -> pd.DataFrame:
    """How many selected tickets reached each support level (1 -> 2 -> 3): the columns of
    level_funnel.sql; empty when no event records a level."""
    select_tickets(con, selection)
    return con.execute(sql_text("mining", "level_funnel.sql")).df()


def team_handovers(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, push_to_front_share: float = 0.8
) -> pd.DataFrame:
    """Between which teams ping-pong tickets bounce: the columns of team_handovers.sql; empty
    without teams or ping-pong tickets."""
    flag_tickets(con, selection, push_to_front_share=push_to_front_share)
    return con.execute(
        sql_text("mining", "team_handovers.sql"), {"outside": list(OUTSIDE_AGENTS)}
    ).df()
