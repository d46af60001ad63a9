"""Root causes: which ticket attributes over-represent slow, deviating, escalated or unhappy
tickets, with a 95% interval."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import duckdb

from mining.escalations import flag_tickets
from mining.selection import Selection
from mining.tickets import select_tickets
from store.errors import MiningError
from store.queries import params_used_by, sql_text

if TYPE_CHECKING:
    import pandas as pd

Target = Literal["slow", "deviating", "escalated", "unhappy"]
TARGETS: tuple[Target, ...] = ("slow", "deviating", "escalated", "unhappy")
ATTRIBUTES = ("channel", "priority", "category", "first_team", "agent", "weekday", "hour")
MIN_TICKETS = 30

# Each target as (population, target) over the TEMP table ticket_flags.
_FROM_FLAGS: dict[str, str] = {
    "slow": (
        "SELECT case_key, ttr_seconds > $p75_seconds AS target FROM ticket_flags"
        " WHERE ttr_seconds IS NOT NULL"
    ),
    "escalated": "SELECT case_key, escalated AS target FROM ticket_flags",
    "unhappy": "SELECT case_key, csat <= 2 AS target FROM ticket_flags WHERE csat IS NOT NULL",
}
_P75 = "SELECT quantile_cont(ttr_seconds, 0.75) FROM ticket_flags"
_DEVIATING = (
    "SELECT case_key, case_id IN (SELECT unnest($tickets::VARCHAR[])) AS target FROM selected_cases"
)
_DEFINITIONS = {
    "slow": "time to resolution above {p75_hours:,.1f} h, the p75 of the selected resolved tickets",
    "escalated": "an Escalated event",
    "unhappy": "a CSAT answer of 1 or 2 on 1-5",
    "deviating": "a variant that does not fit the designed flow",
}
_POPULATIONS = {
    "slow": "resolved tickets",
    "escalated": "tickets",
    "unhappy": "tickets with a CSAT answer",
    "deviating": "tickets",
}
_NO_POPULATION = {
    "slow": "no selected ticket has a 'Resolved' event, so none has a time to resolution. Map"
    " your resolution label to it on the Data page, or with ticketloop map ([activities]"
    ' "Resolve ticket" = "Resolved")',
    "unhappy": "no selected ticket has a CSAT answer (1-5); 'unhappy' needs survey answers",
}


@dataclass(frozen=True)
class RootCause:
    """Attribute values against the target's overall rate, strongest lift first.

    `values` has one row per attribute and value with at least `min_tickets` tickets: attribute,
    value, tickets, target_tickets, target_rate, rate_low and rate_high (95% Wilson interval of
    target_rate), share_of_target, share_of_all, lift (target_rate / overall_rate),
    example_tickets (up to five target tickets). `absent` names the attributes the selection
    has no values for."""

    target: Target
    definition: str  # the target in words, e.g. its time-to-resolution threshold
    selected: int  # tickets in the selection
    population: str  # which of them the target is defined for, in words
    tickets: int  # how many they are
    target_tickets: int
    min_tickets: int
    values: pd.DataFrame
    absent: tuple[str, ...]

    @property
    def overall_rate(self) -> float:
        return self.target_tickets / self.tickets


def rootcause(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    target: Target,
    *,
    min_tickets: int = MIN_TICKETS,
    push_to_front_share: float = 0.8,
    non_fitting_tickets: Collection[str] | None = None,
) -> RootCause:
    """Which attribute values of the tickets of `selection` over-represent `target`:

    - slow: time to resolution above the p75 of the selection's resolved tickets (population:
      resolved tickets);
    - escalated: an `Escalated` event (population: all tickets);
    - unhappy: CSAT 1 or 2 (population: tickets with a CSAT answer);
    - deviating: the ticket is one of `non_fitting_tickets` (case ids), the tickets whose path
      does not fit the designed flow, from conformance checking (population: all tickets).
    """
    p75_seconds = None
    if target == "deviating":
        if non_fitting_tickets is None:
            raise MiningError(
                "--target deviating needs the tickets that do not fit the designed flow, from"
                " conformance checking (Analysis.conformance().non_fitting_tickets)"
            )
        selected = select_tickets(con, selection).tickets
        con.execute(
            "CREATE OR REPLACE TEMP TABLE rootcause_targets AS " + _DEVIATING,
            {"tickets": list(non_fitting_tickets)},
        )
    elif target in _FROM_FLAGS:
        selected = flag_tickets(con, selection, push_to_front_share=push_to_front_share).tickets
        p75_seconds = con.execute(_P75).fetchall()[0][0]
        sql = _FROM_FLAGS[target]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE rootcause_targets AS " + sql,
            params_used_by(sql, {"p75_seconds": p75_seconds}),
        )
    else:
        raise MiningError(f"unknown target '{target}'; use one of {', '.join(TARGETS)}")
    tickets, target_tickets = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE target) FROM rootcause_targets"
    ).fetchall()[0]
    if not tickets:
        raise MiningError(_NO_POPULATION[target])
    if not target_tickets:
        raise MiningError(f"none of the {tickets:,} tickets is {target}; nothing to explain")
    frame = con.execute(
        sql_text("mining", "rootcause.sql"),
        {"zone": selection.timezone, "min_tickets": min_tickets},
    ).df()
    present = set(frame["attribute"])
    values = frame[frame["enough"]].drop(columns="enough").reset_index(drop=True)
    return RootCause(
        target=target,
        definition=_DEFINITIONS[target].format(p75_hours=(p75_seconds or 0) / 3600),
        selected=selected,
        population=_POPULATIONS[target],
        tickets=tickets,
        target_tickets=target_tickets,
        min_tickets=min_tickets,
        values=values,
        absent=tuple(a for a in ATTRIBUTES if a not in present),
    )
