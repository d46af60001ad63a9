"""Per-ticket facts the analyses share: the selected tickets, their paths, their time to
resolution and their survey answers."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from mining.selection import Scope, Selection, scope
from store.errors import MiningError
from store.queries import sql_text

RESOLVED = "Resolved"
# Each selected ticket's path of activity instances (a lifecycle data set's `selected_events`),
# keyed as store/sql/ticket_facts.sql keys the stored events' paths, with its first and last time.
INSTANCE_PATHS = (
    "(SELECT case_key, sum(hash(event_index, activity_id)) AS path_key, min(ts) AS first_ts,"
    " max(ts) AS last_ts FROM selected_events GROUP BY case_key)"
)


@dataclass(frozen=True)
class Resolution:
    """How a data set's time to resolution is measured: from a ticket's first event to its last
    `Resolved` event when at least half of its tickets have one (tickets without one have none),
    else from the first to the last event (logs whose labels were not mapped to `Resolved`)."""

    tickets_resolved: int  # tickets of the data set with a `Resolved` event
    tickets: int

    @property
    def by_resolved(self) -> bool:
        return self.tickets_resolved * 2 >= self.tickets > 0

    def describe(self) -> str:
        if self.by_resolved:
            return f"first event to last '{RESOLVED}'"
        return (
            f"first to last event ({self.tickets_resolved:,} of {self.tickets:,} tickets have a"
            f" '{RESOLVED}' event; map your resolution label to it on the Data page or with"
            " ticketloop map)"
        )


def select_tickets(con: duckdb.DuckDBPyConnection, selection: Selection) -> Scope:
    """`scope(con, selection)`, or MiningError when no ticket matches the selection."""
    bound = scope(con, selection)
    if not bound.tickets:
        raise no_tickets(selection)
    return bound


def no_tickets(selection: Selection) -> MiningError:
    """The error of a selection no ticket matches."""
    return MiningError(
        f"no tickets of data set '{selection.dataset}' match: {selection.describe()}."
        " Widen the filters (--from, --to, --channel, ...)"
    )


def load_ticket_paths(con: duckdb.DuckDBPyConnection, bound: Scope) -> Resolution:
    """Fill the TEMP table `ticket_paths` (one row per selected ticket, see ticket_paths.sql)
    and say how its time to resolution was measured."""
    resolved, tickets = con.execute(
        "SELECT count(last_resolved), count(*) FROM ticket_facts WHERE dataset_id = $d",
        {"d": bound.dataset_id},
    ).fetchall()[0]
    resolution = Resolution(resolved, tickets)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ticket_paths AS " + sql_text("mining", "ticket_paths.sql"),
        {"by_resolved": resolution.by_resolved},
    )
    if bound.instances:  # the stored path is of the events: a variant is a path of instances
        con.execute(
            f"UPDATE ticket_paths SET path_key = i.path_key FROM {INSTANCE_PATHS} i"  # noqa: S608 (ours)
            " WHERE ticket_paths.case_key = i.case_key"
        )
    return resolution
