"""The one filter type: which tickets of which data set an analysis looks at.

The CLI, the Python API and the dashboard all build a `Selection`; every mining function takes
one. `scope(con, selection)` turns it into TEMP views over the stored layout, filtered in SQL:
`selected_cases` (the `cases` rows of the selected tickets), `selected_events` (their events, in
the store's order) and `selected_facts` (their `ticket_facts` rows, read off their stored events,
with a copy of their `cases` rows).
Mining SQL reads those views and never filters by itself.

A data set with lifecycle `start` and `complete` events is read as activity instances, as Disco
reads it: `selected_events` then holds one row per instance (activity_instances.sql: its closing
event, with `start_ts`), so every analysis counts an activity once per instance and sees no
self-loop of one instance's own schedule, start and complete. The store keeps every event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import duckdb

from store.datasets import dataset_id
from store.fields import BY_NAME, FILTERS
from store.identifiers import quote_ident
from store.plausible import span_params
from store.queries import sql_text

# The dimension filters, from the field registry: on the ticket's value, or on any of its events.
DIMENSIONS: tuple[str, ...] = tuple(f.name for f in FILTERS)
Filters = tuple[tuple[str, tuple], ...]


@dataclass(frozen=True, init=False)
class Selection:
    """Tickets of `dataset` created from `start` to `end` (dates, both inclusive, in `timezone`),
    optionally only those with the given values of the registry's filter dimensions (`channel=`,
    `team=`, ...: on the ticket's value or on any of its events), passing through an activity, or
    taking an edge (one activity directly followed by another). `filters` holds the dimensions
    filtered, in registry order, each with its values."""

    dataset: str
    start: date | None
    end: date | None
    filters: Filters
    activity: str | None
    edge: tuple[str, str] | None
    timezone: str

    def __init__(
        self,
        dataset: str,
        start: date | None = None,
        end: date | None = None,
        *,
        activity: str | None = None,
        edge: tuple[str, str] | None = None,
        timezone: str = "UTC",
        **values: Sequence[str | int],
    ) -> None:
        unknown = set(values) - set(DIMENSIONS)
        if unknown:
            raise TypeError(f"Selection has no filter {', '.join(sorted(unknown))}")
        chosen = tuple((n, tuple(values[n])) for n in DIMENSIONS if values.get(n))
        for name, value in (
            ("dataset", dataset),
            ("start", start),
            ("end", end),
            ("filters", chosen),
            ("activity", activity),
            ("edge", edge),
            ("timezone", timezone),
        ):
            object.__setattr__(self, name, value)

    def values(self, dimension: str) -> tuple:
        """The values `dimension` is filtered on; empty when it is not."""
        return dict(self.filters).get(dimension, ())

    def but(self, **changes: object) -> Selection:
        """A copy with some filters changed (a dimension given `()` is no longer filtered)."""
        now = {
            "start": self.start,
            "end": self.end,
            "activity": self.activity,
            "edge": self.edge,
            "timezone": self.timezone,
            **dict(self.filters),
        }
        return Selection(self.dataset, **{**now, **changes})  # type: ignore[arg-type]

    def describe(self) -> str:
        """The filters in words, for captions and reports: `all tickets` when there are none."""
        parts = []
        if self.start or self.end:
            parts.append(f"created {self.start or '…'} to {self.end or '…'}")
        parts += [f"{name} {', '.join(map(str, values))}" for name, values in self.filters]
        if self.activity:
            parts.append(f"through {self.activity}")
        if self.edge:
            parts.append(f"{self.edge[0]} → {self.edge[1]}")
        return "; ".join(parts) or "all tickets"


def selection_of(dataset: str, **filters: object) -> Selection:
    """A Selection from loose keyword arguments (None and empty mean no filter; a single string
    is one value), as the CLI and the Python API receive them."""
    clean: dict[str, object] = {}
    for name, value in filters.items():
        if value is None or value == () or value == []:
            continue
        if name in DIMENSIONS:
            values = (value,) if isinstance(value, str | int) else tuple(value)  # type: ignore[arg-type]
            clean[name] = tuple(int(v) for v in values) if BY_NAME[name].numeric else values
        elif name in ("start", "end") and isinstance(value, str):
            clean[name] = date.fromisoformat(value)
        elif name == "edge":
            clean[name] = tuple(value)  # type: ignore[arg-type]
        else:
            clean[name] = value
    return Selection(dataset, **clean)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scope:
    """A selection bound to a connection: the data set's id and how many tickets it selects."""

    selection: Selection
    dataset_id: int
    tickets: int
    params: dict[str, object] = field(default_factory=dict)
    # whether `selected_events` holds activity instances (lifecycle pairs) rather than events
    instances: bool = False
    implausible: int = 0  # tickets left out for a time outside store.plausible's span


# Lifecycle pairs: the data set has both `start` and `complete` events (any case). The NULL test
# first lets DuckDB skip the row groups of logs without lifecycle.
_HAS_PAIRS = (
    "SELECT bool_or(l = 'start') AND bool_or(l = 'complete') FROM (SELECT lower(lifecycle) AS l"
    " FROM events WHERE dataset_id = $d AND lifecycle IS NOT NULL"
    " AND lower(lifecycle) IN ('start', 'complete'))"
)


def has_lifecycle_pairs(con: duckdb.DuckDBPyConnection, d: int) -> bool:
    """Whether data set `d` has lifecycle `start` and `complete` events, read as instances."""
    return bool(con.execute(_HAS_PAIRS, {"d": d}).fetchall()[0][0])


# Tickets with an event outside the plausible span: their facts hold their first and last times.
_IMPLAUSIBLE = (
    "SELECT count(*) FROM ticket_facts f WHERE f.dataset_id = $d"
    " AND (f.first_ts < $floor OR f.last_ts > $ceiling)"
)


def scope(con: duckdb.DuckDBPyConnection, selection: Selection) -> Scope:
    """Create (or replace) the TEMP views `selected_cases` and `selected_events` for `selection`,
    leaving out tickets with a time outside store.plausible's span (counted in the Scope)."""
    d = dataset_id(con, selection.dataset)
    instances = has_lifecycle_pairs(con, d)
    source = "events"
    if instances:
        source = "dataset_instances"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {source} AS "
            + sql_text("mining", "activity_instances.sql"),
            {"d": d},
        )
    where, params = _case_filters(selection, d, source)
    span = span_params()
    implausible = con.execute(_IMPLAUSIBLE, {"d": d, **span}).fetchall()[0][0]
    if implausible:
        where.append(
            f"NOT EXISTS ({_IMPLAUSIBLE.replace('count(*)', '1')} AND f.case_key = c.case_key)"
        )
        params |= span
    con.execute(
        "CREATE OR REPLACE TEMP TABLE selected_keys AS"
        f" SELECT c.dataset_id, c.case_key FROM cases c WHERE {' AND '.join(where)}",
        params,
    )
    # A whole data set needs no join: its views filter on the data set alone (a view takes no
    # parameter; the id is an integer of ours). The join costs a scan's worth of time at 1M events.
    keep = (
        f"WHERE dataset_id = {int(d)}"
        if len(where) == 1
        else "SEMI JOIN selected_keys k USING (dataset_id, case_key)"
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW selected_cases AS SELECT * FROM cases {keep}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW selected_events AS SELECT * FROM {source} {keep}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW selected_facts AS SELECT * FROM ticket_facts {keep}")
    tickets = con.execute("SELECT count(*) FROM selected_keys").fetchall()[0][0]
    return Scope(selection, d, tickets, {"d": d}, instances, implausible)


def _case_filters(
    selection: Selection, d: int, source: str = "events"
) -> tuple[list[str], dict[str, object]]:
    """WHERE conditions on `cases c` and their parameters; values are always parameters.
    `source`: the relation of the events whose pairs an edge filter reads (events or
    instances)."""
    where = ["c.dataset_id = $d"]
    params: dict[str, object] = {"d": d}
    start, end = created_bounds(selection)
    if start:
        where.append("c.created_at >= $start")
        params["start"] = start
    if end:
        where.append("c.created_at < $end")
        params["end"] = end
    for name, values in selection.filters:
        # the column comes from the registry, never from a user; the values are a parameter
        column, param = quote_ident(BY_NAME[name].stored_as), f"f_{name}"
        if BY_NAME[name].filter.on == "ticket":  # type: ignore[union-attr]
            where.append(f"c.{column} IN (SELECT unnest(${param}))")
        else:
            where.append(
                "EXISTS (SELECT 1 FROM events e WHERE e.dataset_id = c.dataset_id"
                f" AND e.case_key = c.case_key AND e.{column} IN (SELECT unnest(${param})))"
            )
        params[param] = list(values)
    if selection.activity:
        where.append(
            "EXISTS (SELECT 1 FROM events e JOIN activities a USING (activity_id)"
            " WHERE e.dataset_id = c.dataset_id AND e.case_key = c.case_key AND a.name = $activity)"
        )
        params["activity"] = selection.activity
    if selection.edge:
        where.append(
            f"EXISTS (SELECT 1 FROM {source} e"
            " WHERE e.dataset_id = c.dataset_id AND e.case_key = c.case_key"
            " AND e.activity_id = (SELECT activity_id FROM activities WHERE name = $edge_from)"
            " AND e.next_activity_id = (SELECT activity_id FROM activities WHERE name = $edge_to))"
        )
        params["edge_from"], params["edge_to"] = selection.edge
    return where, params


def created_bounds(selection: Selection) -> tuple[datetime | None, datetime | None]:
    """The instants the selected tickets are created from and before (None: unbounded): the
    local midnights that begin its first day and follow its last."""
    start, end = selection.start, selection.end
    return (
        _local_midnight(start, selection.timezone) if start else None,
        _local_midnight(end + timedelta(days=1), selection.timezone) if end else None,
    )


def _local_midnight(day: date, timezone: str) -> datetime:
    """The start of `day` in `timezone`, as an aware datetime."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone))
