"""One ticket's timeline: its events in order with the wait before each, and its case attributes,
so any number a result counts can be traced to the tickets behind it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from mining.results import plain, records
from mining.selection import Selection
from store.datasets import dataset_id
from store.errors import MiningError
from store.fields import TICKET_FIELDS
from store.identifiers import quote_ident
from store.plausible import span_params
from store.queries import sql_text

if TYPE_CHECKING:
    import pandas as pd

# the ticket's fields, from the registry: constants, never a user's
_TICKET_COLUMNS = ", ".join(quote_ident(f.stored_as) for f in TICKET_FIELDS)
CASE_ROW = f"SELECT case_key, created_at, attributes, {_TICKET_COLUMNS} FROM cases WHERE dataset_id = $d AND case_id = $case_id"  # noqa: S608 (registry identifiers)
LIKE_IDS = (
    "SELECT case_id FROM cases WHERE dataset_id = $d AND contains(lower(case_id), lower($case_id))"
    " ORDER BY length(case_id), case_id LIMIT 5"
)
ANY_ID = "SELECT min(case_id) FROM cases WHERE dataset_id = $d"


@dataclass(frozen=True)
class TicketTimeline:
    """One ticket of a data set: `values`, its fields by name (the registry's ticket fields:
    channel, ..., the survey answers; None when not given), the other attributes of its export,
    and `events`, one row per event in order: step, ts, activity, source_activity, lifecycle,
    resource, team, level, wait_seconds (since the previous event; NULL for the first)."""

    dataset: str
    case_id: str
    created_at: datetime
    values: dict[str, Any]
    attributes: dict[str, Any]
    events: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "ticket": self.case_id,
            "created_at": plain(self.created_at),
            **self.values,
            "attributes": self.attributes,
            "events": records(self.events),
        }


def datasets_with_ticket(con: duckdb.DuckDBPyConnection, case_id: str) -> list[str]:
    """The data sets holding a ticket of id `case_id`, by name."""
    rows = con.execute(
        "SELECT d.name FROM cases c JOIN datasets d USING (dataset_id)"
        " WHERE c.case_id = $id ORDER BY d.name",
        {"id": case_id},
    ).fetchall()
    return [name for (name,) in rows]


def ticket_timeline(
    con: duckdb.DuckDBPyConnection, *, dataset: str, case_id: str
) -> TicketTimeline:
    """The timeline of ticket `case_id`; MiningError suggesting close ids when there is none."""
    d = dataset_id(con, dataset)
    rows = con.execute(CASE_ROW, {"d": d, "case_id": case_id}).fetchall()
    if not rows:
        raise MiningError(
            f"no ticket '{case_id}' in data set '{dataset}'; {_hint(con, d, case_id)}"
        )
    case_key, created_at, attributes, *values = rows[0]
    _refuse_implausible(con, d, case_key, case_id)
    events = con.execute(
        sql_text("mining", "ticket_timeline.sql"), {"d": d, "case_key": case_key}
    ).df()
    events["ts"] = events["ts"].dt.tz_localize("UTC")
    return TicketTimeline(
        dataset,
        case_id,
        created_at,
        dict(zip((f.name for f in TICKET_FIELDS), values, strict=True)),
        json.loads(attributes) if attributes else {},
        events,
    )


def _refuse_implausible(
    con: duckdb.DuckDBPyConnection, d: int, case_key: int, case_id: str
) -> None:
    """MiningError for a ticket with a time outside the plausible span, which every analysis
    leaves out (a store loaded before the ingest checked its times)."""
    span = span_params()
    outside = con.execute(
        "SELECT min(ts)::VARCHAR FROM events WHERE dataset_id = $d AND case_key = $k"
        " AND NOT ts BETWEEN $floor AND $ceiling",
        {"d": d, "k": case_key, **span},
    ).fetchall()[0][0]
    if outside is not None:
        raise MiningError(
            f"ticket '{case_id}' has a time outside {span['floor']:%Y-%m-%d} to"
            f" {span['ceiling']:%Y-%m-%d} ({outside}), stored before ticketloop checked times"
            " at loading; every analysis leaves it out. Load its corrected export into a new"
            " data set"
        )


def _hint(con: duckdb.DuckDBPyConnection, d: int, case_id: str) -> str:
    alike = [r[0] for r in con.execute(LIKE_IDS, {"d": d, "case_id": case_id}).fetchall()]
    if alike:
        return "did you mean " + ", ".join(alike) + "?"
    example = con.execute(ANY_ID, {"d": d}).fetchall()[0][0]
    return f"its ticket ids look like '{example}'" if example else "it has no tickets"


def selected_ticket_timeline(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, case_id: str
) -> TicketTimeline:
    """`ticket_timeline` of a ticket of the selection's data set (the dashboard's drill-down)."""
    return ticket_timeline(con, dataset=selection.dataset, case_id=case_id)
