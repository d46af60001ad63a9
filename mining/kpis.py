"""KPIs of the selected tickets: exact definitions (the registry `KPIS`, written once), per-ticket
contributions computed in DuckDB (kpi_tickets.sql), totals, weekly series with targets and
process-behaviour limits, and breakdowns by channel, priority, team, category or level.

Rates are fractions 0-1, durations hours (`_hours`), `nps` -100 to 100. Weekly, each KPI counts
in the ISO week (calendar time zone) of its closing event: resolution for time to resolution,
first response for first response time, the answer for csat, ces_mean and nps, creation for the
rest; `backlog` is counted at the end of each week.

Every value carries its basis (the tickets or answers it rests on) and, when that is small or an
SLA share leaves open tickets pending, a note. A KPI the data set cannot speak of (an activity it
needs is absent, or `Resolved`/`First response` mark near-nothing) is null with the reason and the
mapping that fixes it, never a number resting on near-nothing. SLA shares count a ticket still
open past its target as breached and one within it as pending (see kpi_tickets.sql).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from mining.business_hours import use_calendar
from mining.escalations import (
    MAP_IT,
    flag_escalations,
    flat_only,
    judge_push_to_front,
    work_unseen,
)
from mining.results import SMALL_BASIS
from mining.selection import Scope, Selection, created_bounds
from mining.signals import MIN_POINTS, Limits, judge_phases
from mining.tickets import no_tickets
from mining.weeks import JUDGED, NO_VALUE, Edges
from store.dataset_vocabulary import suggestions
from store.errors import MiningError
from store.facts import facts_of
from store.fields import FILTERS_SHOWN
from store.identifiers import quote_ident
from store.plausible import span_params
from store.queries import sql_text
from store.settings import TARGET_RANGES, Settings, Target
from store.vocabulary import ENDINGS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

Kind = Literal["count", "mean", "quantile", "backlog"]
BY = tuple(f.name for f in FILTERS_SHOWN)  # the breakdowns: the filter dimensions
# The value a ticket counts under in a breakdown where it can have many (kpi_tickets.sql); the
# filters of the same names select a ticket on any of its events.
COUNTS_UNDER = {
    "team": "its last team on the agents' side",
    "level": "the highest support level it reached",
}
EXAMPLES = 5
# Activities most tickets of a desk have: a data set where they mark fewer than this share of the
# tickets records them otherwise (a few stray `RESOLVED` among 4,580 `Resolve ticket`), and the
# KPIs resting on them are not computed rather than computed on near-nothing.
MOST_TICKETS = ("Resolved", "First response")
RARE_SHARE = 0.1


@dataclass(frozen=True)
class Kpi:
    """One KPI: `value` is a per-ticket SQL expression over kpi_tickets, `over` the tickets it is
    averaged over (kind mean), or whose values it takes a quantile of; `examples` which tickets a
    user asks about ("which ones?"); `basis` the week a ticket counts in."""

    name: str
    meaning: str
    formula: str
    unit: str
    kind: Kind
    basis: str = "created"
    value: str = ""
    over: str = "true"
    population: str = "tickets"  # what `over` selects, in words: the reason a value is null
    quantile: float = 0.5
    scale: float = 1.0
    examples: str | None = None
    # activities the data set must record, every one, to speak of this KPI at all (a log without
    # canonical labels, or one that never records them): else the value is null with the mapping
    # that fixes it
    needs: tuple[str, ...] = ()
    # the per-ticket flag of tickets left out for now (SLA: open, still within the target)
    pending: str | None = None


_TTR = dict(
    value="ttr_h",
    over="resolved",
    population="resolved tickets",
    basis="resolved",
    needs=("Resolved",),
)
_FRT = dict(
    value="frt_h",
    over="first_response_at IS NOT NULL",
    population="tickets with a first response",
    basis="first_response",
    needs=("First response",),
)
KPIS: tuple[Kpi, ...] = (
    Kpi("tickets", "tickets in the selection", "count of tickets", "tickets", "count"),
    Kpi(
        "ttr_median_hours",
        "median time to resolution",
        "median over resolved tickets of (last `Resolved` − first event)",
        "hours",
        "quantile",
        **_TTR,
        examples="resolved",
    ),  # type: ignore[arg-type]
    Kpi("ttr_mean_hours", "mean time to resolution", "mean of the same", "hours", "mean", **_TTR),  # type: ignore[arg-type]
    Kpi(
        "ttr_p90_hours",
        "90th percentile of time to resolution",
        "90th percentile (linear) of the same",
        "hours",
        "quantile",
        quantile=0.9,
        **_TTR,
    ),  # type: ignore[arg-type]
    Kpi(
        "frt_median_hours",
        "median first response time",
        "median over tickets with one of (first `First response` − first event)",
        "hours",
        "quantile",
        **_FRT,
    ),  # type: ignore[arg-type]
    Kpi("frt_mean_hours", "mean first response time", "mean of the same", "hours", "mean", **_FRT),  # type: ignore[arg-type]
    Kpi(
        "frt_p90_hours",
        "90th percentile of first response time",
        "90th percentile (linear) of the same",
        "hours",
        "quantile",
        quantile=0.9,
        **_FRT,
    ),  # type: ignore[arg-type]
    Kpi(
        "fcr_rate",
        "first-contact resolution",
        "resolved tickets neither escalated nor reopened, with one team on the agents' side (one agent, in a data set that names no team) ÷ resolved tickets",
        "fraction",
        "mean",
        value="fcr",
        over="resolved",
        population="resolved tickets",
        examples="resolved AND NOT fcr",
        needs=("Resolved",),
    ),
    Kpi(
        "reopen_rate",
        "reopened tickets",
        "tickets with a `Resolved` event reopened (a `Reopened` event; in a data set without any, a `Resolved` event followed by further work) ÷ tickets with a `Resolved` event",
        "fraction",
        "mean",
        value="reopened",
        over="resolved",
        population="resolved tickets",
        examples="reopened",
        needs=("Resolved",),
    ),
    Kpi(
        "escalation_rate",
        "escalated tickets",
        "tickets escalated (an `Escalated` event, or a rise in support level) ÷ tickets",
        "fraction",
        "mean",
        value="escalated",
        examples="escalated",
        needs=("Escalated",),
    ),
    Kpi(
        "needless_escalation_rate",
        "needless escalations",
        "escalated tickets that bounced back or were push-to-front (see escalations) ÷ escalated tickets",
        "fraction",
        "mean",
        value="needless",
        over="escalated",
        population="escalated tickets",
        examples="needless",
        needs=("Escalated",),
    ),
    Kpi(
        "handoffs_per_ticket",
        "handoffs",
        "mean over tickets of the changes of team or resource between consecutive events of the agents' side",
        "handoffs",
        "mean",
        value="handoffs",
        examples="handoffs >= 3",
    ),
    Kpi(
        "abandonment_rate",
        "abandoned tickets",
        "tickets with an `Abandoned` event ÷ tickets",
        "fraction",
        "mean",
        value="abandoned",
        examples="abandoned",
        needs=("Abandoned",),
    ),
    Kpi(
        "csat",
        "customer satisfaction",
        "CSAT answers of 4 or 5 ÷ CSAT answers (1-5; good = 5, bad = 1)",
        "fraction",
        "mean",
        basis="answered",
        value="csat_good",
        over="csat_answered",
        population="CSAT answers",
        examples="csat_answered AND NOT csat_good",
    ),
    Kpi(
        "ces_mean",
        "customer effort score",
        "mean CES answer (1-7)",
        "score 1-7",
        "mean",
        basis="answered",
        value="ces",
        over="ces IS NOT NULL",
        population="CES answers",
    ),
    Kpi(
        "nps",
        "net promoter score",
        "% of NPS answers 9-10 − % of answers 0-6",
        "-100 to 100",
        "mean",
        basis="answered",
        value="nps_promoter::INT - nps_detractor::INT",
        over="nps_answered",
        population="NPS answers",
        scale=100,
        examples="nps_detractor",
    ),
    Kpi(
        "survey_response_rate",
        "survey answers",
        "closed tickets with a CSAT, CES or NPS answer ÷ closed tickets (a `Closed` or `Resolved` event)",
        "fraction",
        "mean",
        value="answered",
        over="closed",
        population="closed tickets",
    ),
    Kpi(
        "sla_first_response_met",
        "first-response SLA met",
        "tickets whose first response came within their priority's target in business hours (pauses for the customer taken off) ÷ those tickets and the ones past their target without a first response (still open at the end of the data, or ended after it); open tickets still within their target are pending: left out, and counted",
        "fraction",
        "mean",
        value="sla_first_response_met",
        over="sla_first_response_met IS NOT NULL",
        population="tickets with a first response or past their target",
        examples="NOT sla_first_response_met",
        needs=("First response",),
        pending="sla_first_response_pending",
    ),
    Kpi(
        "sla_resolution_met",
        "resolution SLA met",
        "resolved tickets whose last resolution came within their priority's target in business hours, pauses from `Information requested` to the next `Customer replied` taken off ÷ resolved tickets and unresolved ones past their target (still open at the end of the data, or ended otherwise after it); open tickets still within their target are pending: left out, and counted",
        "fraction",
        "mean",
        value="sla_resolution_met",
        over="sla_resolution_met IS NOT NULL",
        population="resolved tickets or past their target",
        examples="NOT sla_resolution_met",
        needs=("Resolved",),
        pending="sla_resolution_pending",
    ),
    Kpi(
        "pause_without_reply_rate",
        "pauses without a reply",
        "tickets where the agents' side worked again after `Information requested` with no `Customer replied` between ÷ tickets",
        "fraction",
        "mean",
        value="pause_without_reply",
        examples="pause_without_reply",
        needs=("Information requested", "Customer replied"),
    ),
    Kpi(
        "info_request_rate",
        "tickets asked for information",
        "tickets with an `Information requested` ÷ tickets",
        "fraction",
        "mean",
        value="asked",
        examples="asked",
        needs=("Information requested",),
    ),
    Kpi(
        "backlog",
        "open tickets",
        "tickets created and not yet resolved, abandoned, rejected or closed at the end of the period",
        "tickets",
        "backlog",
        examples="ended_at IS NULL",
    ),
)
BY_NAME = {k.name: k for k in KPIS}
COUNTED = frozenset(k.name for k in KPIS if k.kind in ("count", "backlog"))  # whole tickets
WEEK_OF = {
    "created": "created_week",
    "resolved": "resolved_week",
    "first_response": "first_response_week",
    "answered": "answered_week",
}


def status(value: float | None, target: Target | None, near_share: float) -> str | None:
    """`on` target, `near` it (missing by at most near_share of the target), `off` it; None
    without a value or a target."""
    if value is None or target is None or math.isnan(value):
        return None
    sign = 1 if target.better == "higher" else -1
    gap = sign * (value - target.target)
    if gap >= 0:
        return "on"
    return "near" if -gap <= near_share * abs(target.target) else "off"


@dataclass(frozen=True)
class TicketKpis:
    """What each ticket of `selection` contributes to the KPIs under `settings` (the rows of
    kpi_tickets.sql, as an Arrow table): read from the events once, then the selection's KPIs
    and the effect of each of its changes are computed from it (`tickets=` of compute_kpis and
    measure_change). `unusable`: the KPIs its data set cannot speak of (unusable_kpis), read
    with them: a property of the data set, not of the selection."""

    selection: Selection
    settings: Settings
    dataset_id: int
    table: pa.Table
    unusable: dict[str, str]


def ticket_kpis(
    con: duckdb.DuckDBPyConnection, selection: Selection, settings: Settings
) -> TicketKpis:
    """The per-ticket KPI contributions of `selection`; MiningError when no ticket matches."""
    bound, query, params = _ticket_rows(con, selection, settings)
    table = con.sql(query, params=params).to_arrow_table()
    unusable = unusable_kpis(con, bound.dataset_id)
    return TicketKpis(selection, settings, bound.dataset_id, table, unusable)


def build_ticket_kpis(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    settings: Settings,
    within: TicketKpis | None = None,
) -> Scope:
    """Define the TEMP view `kpi_tickets` (kpi_tickets.sql) for `selection`, over a TEMP table
    or, for the selection of `within` itself, its rows read in place; MiningError when no ticket
    matches. With `within` (the rows of `selection`, or of a selection of which `selection` is a
    window of dates, under the same settings), from its rows rather than the events: only whether
    an escalation was needless is judged again, among the tickets of `selection` (a push-to-front
    category is one most of whose selected tickets need no escalation)."""
    if within is not None:
        return _narrow_ticket_kpis(con, selection, settings, within)
    bound, query, params = _ticket_rows(con, selection, settings)
    con.execute("CREATE OR REPLACE TEMP TABLE kpi_rows AS " + query, params)
    con.execute("CREATE OR REPLACE TEMP VIEW kpi_tickets AS FROM kpi_rows")
    return bound


def _ticket_rows(
    con: duckdb.DuckDBPyConnection, selection: Selection, settings: Settings
) -> tuple[Scope, str, dict[str, Any]]:
    """Scope and flag the tickets of `selection` and lay out the business calendar: then
    kpi_tickets.sql with these parameters gives their rows."""
    bound = flag_escalations(con, selection, push_to_front_share=settings.push_to_front_share)
    if bound.instances:  # the facts of the activity instances, not of the stored events
        facts_of(con, "selected_events", "instance_facts")
        con.execute("CREATE OR REPLACE TEMP VIEW kpi_facts AS SELECT * FROM instance_facts")
    else:
        con.execute("CREATE OR REPLACE TEMP VIEW kpi_facts AS SELECT * FROM selected_facts")
    # the end of the data is the data set's last event, whatever the selection: a ticket still
    # open then is judged against its SLA targets at that instant
    start, data_end, reopened_known, teams_known = con.execute(
        "SELECT (SELECT min(first_ts) FROM kpi_facts),"
        " (SELECT max(ts) FROM events WHERE dataset_id = $d AND ts BETWEEN $floor AND $ceiling),"
        " EXISTS (SELECT 1 FROM events WHERE dataset_id = $d AND activity_id ="
        " (SELECT activity_id FROM activities WHERE name = 'Reopened')),"
        " EXISTS (SELECT 1 FROM events WHERE dataset_id = $d AND team IS NOT NULL)",
        {"d": bound.dataset_id, **span_params()},
    ).fetchall()[0]
    use_calendar(con, settings.calendar, start, data_end)
    priorities = [p for p in settings.sla if p != "default"]
    return (
        bound,
        sql_text("mining", "kpi_tickets.sql"),
        {
            "zone": settings.calendar.timezone,
            "data_end": data_end,
            "reopened_known": reopened_known,
            "teams_known": teams_known,
            "sla_priorities": priorities,
            "sla_first_s": [settings.sla[p].first_response_hours * 3600 for p in priorities],
            "sla_resolution_s": [settings.sla[p].resolution_hours * 3600 for p in priorities],
            "default_first_s": settings.sla["default"].first_response_hours * 3600,
            "default_resolution_s": settings.sla["default"].resolution_hours * 3600,
        },
    )


# The rows of the tickets created in a window of dates, their escalations judged needless again
# among them (a push-to-front category is one of the window's tickets), as ticket_flags.sql does
# among the tickets it selects. (Variables: a view takes no parameters.)
_WINDOW = """
CREATE OR REPLACE TEMP VIEW kpi_tickets AS
WITH window_rows AS (
    FROM within_kpis
    WHERE coalesce(created_at >= getvariable('window_start'), true)
        AND coalesce(created_at < getvariable('window_end'), true)
),
categories AS (
    SELECT category, push_to_front(resolved, escalated) AS push_to_front
    FROM window_rows
    WHERE category IS NOT NULL
    GROUP BY category
)
SELECT k.* REPLACE (k.bounce_back OR (k.escalated AND coalesce(c.push_to_front, false)) AS needless)
FROM window_rows k
LEFT JOIN categories c USING (category)
"""


def _narrow_ticket_kpis(
    con: duckdb.DuckDBPyConnection, selection: Selection, settings: Settings, within: TicketKpis
) -> Scope:
    """kpi_tickets for `selection`, `within`'s selection or a window of its dates, from `within`'s
    rows alone, without reading the store: the same rows as the store gives (a ticket's flags are
    its own, but whether an escalation was needless, judged again among the window's tickets)."""
    if within.settings != settings:
        raise ValueError("the per-ticket KPIs were computed under other settings")
    if selection != within.selection.but(start=selection.start, end=selection.end):
        raise ValueError("the per-ticket KPIs are of a selection other than this one's dates")
    con.register("within_kpis", within.table)  # read by the view until the next call
    if selection == within.selection:  # its rows as they are, read in place
        con.execute("CREATE OR REPLACE TEMP VIEW kpi_tickets AS FROM within_kpis")
        return Scope(selection, within.dataset_id, within.table.num_rows)
    judge_push_to_front(con, settings.push_to_front_share)
    start, end = created_bounds(selection)
    con.execute("SET VARIABLE window_start = $t::TIMESTAMPTZ", {"t": start})
    con.execute("SET VARIABLE window_end = $t::TIMESTAMPTZ", {"t": end})
    con.execute(_WINDOW)
    tickets = con.execute("SELECT count(*) FROM kpi_tickets").fetchall()[0][0]
    if not tickets:
        raise no_tickets(selection)
    return Scope(selection, within.dataset_id, tickets)


def _aggregate(kpi: Kpi) -> str:
    if kpi.kind == "count":
        return "count(*)"
    if kpi.kind == "quantile":
        return f"quantile_cont({kpi.value}, {kpi.quantile}) FILTER (WHERE {kpi.over})"
    scale = f" * {kpi.scale}" if kpi.scale != 1 else ""
    # Hours summed as decimals (to the microhour), exactly: a sum of doubles depends on the order
    # DuckDB's threads add them up in, and so would the last digits of the mean from run to run.
    # (The other means are of whole numbers, which doubles sum exactly in any order.)
    kind = "DECIMAL(18, 6)" if kpi.unit == "hours" else "DOUBLE"
    return f"avg(({kpi.value})::{kind}) FILTER (WHERE {kpi.over}){scale}"


def _query(basis: str, keys: list[str], with_examples: bool) -> str:
    """One aggregate over kpi_tickets of the KPIs counted in `basis`'s week, grouped by `keys`."""
    columns = []
    for kpi in KPIS:
        if kpi.basis != basis or kpi.kind == "backlog":
            continue
        columns.append(f"{_aggregate(kpi)} AS {quote_ident(kpi.name)}")
        basis_of = "count(*)" if kpi.kind == "count" else f"count(*) FILTER (WHERE {kpi.over})"
        columns.append(f"{basis_of} AS {quote_ident(kpi.name + ':basis')}")
        if kpi.pending:
            columns.append(
                f"count(*) FILTER (WHERE {kpi.pending}) AS {quote_ident(kpi.name + ':pending')}"
            )
        if with_examples and kpi.examples:
            columns.append(
                f"min_by(case_id, case_key, {EXAMPLES}) FILTER (WHERE {kpi.examples})"
                f" AS {quote_ident(kpi.name + ':examples')}"
            )
    where = f" WHERE {WEEK_OF[basis]} IS NOT NULL" if "week" in keys else ""
    select_keys = [
        f"{WEEK_OF[basis]} AS week"
        if k == "week"
        else f"{quote_ident(k)}::VARCHAR AS {quote_ident(k)}"
        for k in keys
    ]
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    return f"SELECT {', '.join(select_keys + columns)} FROM kpi_tickets{where}{group}"  # noqa: S608 (registry constants, allowlisted and quoted keys)


# One row of a report: column name -> plain Python value (see KpiReport).
Row = dict[str, Any]
# The columns of a report's rows, and those a weekly report adds (_add_limits).
COLUMNS = (
    "group",
    "week",
    "kpi",
    "value",
    "basis",
    "pending",
    "examples",
    "reason",
    "note",
    "status",
)
LIMIT_COLUMNS = ("centre", "lower", "upper", "signal", "direction", "week_status")


@dataclass
class KpiReport:
    """KPIs of a selection. `rows`: one per (group, week, kpi), in that order, as plain Python
    values: group (value of `by`, or None), week (Monday date, or None for totals), value (NaN
    when none), basis (how many tickets or answers it rests on: the KPI's `population`), pending
    (SLA: open tickets within their target, left out), examples (up to 5 case ids; an empty list
    when no ticket qualifies, None for a KPI without examples, NaN for a week with no row),
    reason (why a value is null), note (what a reader must know beside a value: a basis under
    SMALL_BASIS, pending tickets), status, and with `weekly` week_status (mining.weeks), centre,
    lower, upper, signal and its direction (better, worse; up or down for the ticket count).
    `values` is the same as a pandas long frame (built on first read: the CLI never imports
    pandas)."""

    selection: Selection
    tickets: int
    weekly: bool
    by: str | None
    rows: list[Row]
    # weekly: each (group, KPI) series' phases, a phase from each recorded change
    limits: dict[tuple[str | None, str], list[PhaseLimits]] = field(default_factory=dict)

    @cached_property
    def values(self) -> pd.DataFrame:
        """The rows as a long frame, totals without the week: value, basis and pending float64;
        group object (None; NaN weekly), or text with NaN in a breakdown of totals; examples
        object arrays, NA when no ticket qualifies; the other columns as pandas infers them."""
        import numpy as np
        import pandas as pd

        names = [*COLUMNS, *LIMIT_COLUMNS] if self.weekly else [c for c in COLUMNS if c != "week"]
        data: dict[str, pd.Series] = {}
        for name in names:
            column = [r[name] for r in self.rows]
            if name == "group" and self.weekly:
                data[name] = pd.Series([math.nan if g is None else g for g in column], dtype=object)
            elif name == "group":
                data[name] = pd.Series(column, dtype="str" if self.by else object)
            elif name == "week":
                data[name] = pd.Series(column, dtype=object)
            elif name == "kpi":
                data[name] = pd.Series(column, dtype="str")
            elif name in ("value", "basis", "pending"):
                data[name] = pd.Series(column, dtype="float64")
            elif name == "examples":
                cells = [
                    (np.array(e, dtype=object) if e else pd.NA) if isinstance(e, list) else e
                    for e in column
                ]
                data[name] = pd.Series(cells, dtype=object)
            else:
                data[name] = pd.Series(column)
        return pd.DataFrame(data)

    def value(self, kpi: str, group: str | None = None) -> float | None:
        """The total value of `kpi` (of `group`, with `by`)."""
        found = [r["value"] for r in self.rows if r["kpi"] == kpi and r["group"] == group]
        return None if not found or _missing(found[-1]) else found[-1]

    @cached_property
    def series(self) -> dict[str, pd.DataFrame]:
        """Weekly: each KPI's rows of the whole selection (no group), by week; split once, for
        readers that look up many KPIs."""
        whole = self.values[self.values["group"].isna()].sort_values("week", kind="stable")
        return {str(kpi): rows for kpi, rows in whole.groupby("kpi", sort=False)}

    def as_of(self, monday: date, settings: Settings, changes: Sequence[date]) -> KpiReport:
        """The weekly report as it read after the week of `monday`: its weeks up to that one,
        each phase's limits and signals from those weeks alone. A past week is judged against
        the limits known then (a phase's first weeks), not against limits later weeks set, nor
        flagged by a run that only later weeks complete."""
        if not any(r["week"] > monday and r["week_status"] == JUDGED for r in self.rows):
            return self  # no later judged week: the limits and signals are those known then
        rows = [dict(r) for r in self.rows if r["week"] <= monday]
        report = KpiReport(self.selection, self.tickets, self.weekly, self.by, rows)
        _judge_series(report, settings, changes)
        return report

    def to_json(self, targets: dict[str, Target]) -> dict[str, Any]:
        """The document `kpis --json` prints."""
        doc: dict[str, Any] = {
            "selection": self.selection.describe(),
            "dataset": self.selection.dataset,
            "tickets": self.tickets,
            "by": self.by,
            "definitions": {
                k.name: {
                    "meaning": k.meaning,
                    "unit": k.unit,
                    "basis_of": k.population,
                    **_target_json(k.name, targets),
                }
                for k in KPIS
            },
        }
        rows = []
        for r in self.rows:
            row = {k: _clean(v) for k, v in r.items() if k != "group" or self.by}
            counted = ("basis", "pending", *(("value",) if r["kpi"] in COUNTED else ()))
            for key in counted:  # counts of tickets or answers
                if row.get(key) is not None:
                    row[key] = int(row[key])
            row["examples"] = row["examples"] or None  # no ticket qualifies: null
            if self.weekly:  # the ISO week beside its Monday, as `report --week` takes it
                row = {"week": row.pop("week"), "iso_week": f"{r['week']:%G-W%V}", **row}
            else:
                row.pop("week")
            rows.append(row)
        doc["weekly" if self.weekly else "kpis"] = rows
        if self.weekly:
            doc["limits"] = [
                {
                    **({"group": g} if self.by else {}),
                    "kpi": k,
                    "phase_from": _clean(phase.start),
                    "baseline": phase.basis,
                    "of": "week-to-week change" if phase.stock else "weekly value",
                    "centre": _clean(phase.limits.centre),
                    **_drawn(BY_NAME[k], phase),
                    "baseline_points": phase.limits.baseline_points,
                }
                for (g, k), phases in self.limits.items()
                for phase in phases
            ]
        return doc


def _drawn(kpi: Kpi, phase: PhaseLimits) -> dict[str, float | None]:
    """A phase's lower and upper limits, within the values the KPI can take (a median time of
    -229.6 hours is 0), but for a stock's, which are of its week-to-week changes."""
    low, high = (None, None) if phase.stock else _possible(kpi)
    return {
        side: _clean(value) if low is None else _clamp(_clean(value), low, high)
        for side, value in (("lower", phase.limits.lower), ("upper", phase.limits.upper))
    }


def _target_json(kpi: str, targets: Mapping[str, Target]) -> dict[str, Any]:
    """A KPI's target and which way is better (none said for the ticket count)."""
    target = targets.get(kpi)
    return {"target": target.target if target else None, "better": direction(kpi, targets)}


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return value


def compute_kpis(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    settings: Settings,
    *,
    weekly: bool = False,
    by: str | None = None,
    changes: list[date] | tuple[date, ...] = (),
    tickets: TicketKpis | None = None,
) -> KpiReport:
    """Every KPI of `selection`: totals, or with `weekly` one row per ISO week, optionally per
    value of `by` (channel, priority, team, category, level). Weekly rows carry their status
    (mining.weeks: only `judged` values are judged) and XmR limits by phase: each of `changes`
    starts a phase whose limits come from its own first `settings.baseline_weeks` judged weeks
    (MIN_POINTS at least, else none yet); the backlog's are of its week-to-week change.
    With `tickets` (ticket_kpis of `selection`, or of a selection of which it is a window of
    dates), from those rows."""
    if by is not None and by not in BY:
        raise MiningError(f"cannot break KPIs down by '{by}'. Use --by {', --by '.join(BY)}")
    bound = build_ticket_kpis(con, selection, settings, within=tickets)
    counted = f"SELECT count({quote_ident(by)}) FROM kpi_tickets" if by else None  # noqa: S608 (allowlisted, quoted)
    if counted and not con.execute(counted).fetchall()[0][0]:
        raise MiningError(
            f"no ticket of data set '{selection.dataset}' has a {by}: nothing to break the KPIs"
            f" down by. Break them down by another dimension, or load the {by} with the tickets"
            f' ([columns] {by} = "column" in --map)'
        )
    keys = (["week"] if weekly else []) + ([by] if by else [])
    rows = [row for basis in WEEK_OF for row in _basis_rows(con, basis, keys, by)]
    rows += _backlog(con, keys, by, created_bounds(selection)[1])
    if weekly:
        rows = _fill_weeks(rows)
    unusable = tickets.unusable if tickets else unusable_kpis(con, bound.dataset_id)
    for row in rows:
        _judge(row, unusable, weekly, settings)
    order = {k.name: i for i, k in enumerate(KPIS)}
    rows.sort(  # by group (None last), week, then the registry's order of the KPIs
        key=lambda r: (r["group"] is None, r["group"] or "", r["week"] or 0, order[r["kpi"]])
    )
    report = KpiReport(selection, bound.tickets, weekly, by, rows)
    if weekly:
        resolutions = "ttr_median_hours" not in unusable
        _add_limits(report, settings, changes, _edges(con, bound.dataset_id, settings, resolutions))
    return report


def too_small(kpi: Kpi, basis: object, settings: Settings) -> bool:
    """Whether a value rests on too little to be judged against its target (fewer answers than
    [kpis] min_answers for a survey KPI, fewer tickets than min_tickets otherwise; a count is
    never too small)."""
    if kpi.kind == "count" or _missing(basis):
        return False
    return float(basis) < least_basis(kpi, settings)  # type: ignore[arg-type]


def least_basis(kpi: Kpi, settings: Settings) -> int:
    """What a value of `kpi` must rest on to be judged: [kpis] min_answers survey answers for a
    survey KPI, min_tickets tickets otherwise."""
    return settings.min_answers if kpi.basis == "answered" else settings.min_tickets


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _reason(kpi: Kpi, value: object, weekly: bool) -> str | None:
    if not _missing(value):
        return None
    where = " this week" if weekly else ""
    return f"no {kpi.population}{where}"


# Where a user gives a mapping file with a load (columns come only with the file).
MAP_AT_LOAD = (
    "given with the upload on the Data page (as a new data set), or to ticketloop ingest --map"
)


def activity_counts(con: duckdb.DuckDBPyConnection, dataset_id: int) -> dict[str, int]:
    """Events per activity name of a data set."""
    return dict(
        con.execute(  # counted by id, then named: no join per event
            "SELECT a.name, e.n FROM (SELECT activity_id, count(*) AS n FROM events"
            " WHERE dataset_id = $d GROUP BY activity_id) e JOIN activities a USING (activity_id)",
            {"d": dataset_id},
        ).fetchall()
    )


# The KPIs that rest on a ticket's moves between teams and levels, or on its reopening: a flat
# export (a ticket's last state) shows neither.
FLAT_BLIND_KPIS = (
    "fcr_rate",
    "escalation_rate",
    "needless_escalation_rate",
    "handoffs_per_ticket",
    "reopen_rate",
)


def unusable_kpis(
    con: duckdb.DuckDBPyConnection, dataset_id: int, counts: dict[str, int] | None = None
) -> dict[str, str]:
    """The KPIs the data set cannot speak of, each with why and what fixes it: an activity it
    needs is absent, or marks near-nothing of what it should; no survey answers at all.
    `counts` (events per activity name) stands for the data set's own: what a vocabulary not yet
    applied would give."""
    if counts is None:
        counts = activity_counts(con, dataset_id)
    tickets, surveys, categorised = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE coalesce(csat, ces, nps) IS NOT NULL),"
        " count(category) FROM cases WHERE dataset_id = $d",
        {"d": dataset_id},
    ).fetchall()[0]
    canonical = {
        r[0] for r in con.execute("SELECT name FROM activities WHERE canonical").fetchall()
    }
    # With support levels, a rise is an escalation and a fall a de-escalation (ticket facts).
    if con.execute(
        "SELECT EXISTS (SELECT 1 FROM events WHERE dataset_id = $d AND level IS NOT NULL)",
        {"d": dataset_id},
    ).fetchall()[0][0]:
        counts.setdefault("Escalated", 1)
        counts.setdefault("De-escalated", 1)

    own_labels = [name for name in counts if name not in canonical]
    suggested: dict[str, str | None] = {}  # read once, when a hint is first needed

    def hint(*needs: str) -> str:
        """`[activities] "label" = "need"` for the log's own label that most likely means one of
        `needs` (the most frequent non-canonical one whose words suggest it, as `ticketloop map
        --suggest` reads them), else with a placeholder label and the first need."""
        if own_labels and not suggested:
            suggested.update(suggestions(con, dataset_id, own_labels))
        found = sorted((counts[name], name) for name in own_labels if suggested[name] in needs)
        if not found:
            return f'[activities] "label" = "{needs[0]}"'
        label = found[-1][1]
        quoted = label.replace('"', '\\"')
        return f'[activities] "{quoted}" = "{suggested[label]}"'

    why: dict[str, str] = {}
    for need in dict.fromkeys(n for k in KPIS for n in k.needs):
        n = counts.get(need, 0)
        if not n:
            why[need] = (
                f"no `{need}` event in the data set (if the log names it otherwise, map its"
                f" label {MAP_IT}: {hint(need)})"
            )
        elif need in MOST_TICKETS and n < RARE_SHARE * tickets:
            why[need] = (
                f"only {n:,} `{need}` event{'s' if n != 1 else ''} for {tickets:,} tickets in the"
                f" data set: the log records it otherwise (map its label {MAP_IT}: {hint(need)})"
            )
    unusable = {}
    for k in KPIS:  # the reason of the first of its needs the data set lacks
        need = next((n for n in k.needs if n in why), None)
        if need:
            unusable[k.name] = why[need]
    # Neither a bounce-back nor a push-to-front can be seen without these.
    blind = not counts.get("De-escalated") and not categorised
    if blind and "needless_escalation_rate" not in unusable:
        unusable["needless_escalation_rate"] = (
            "no `De-escalated` event (bounce-backs) and no ticket categories (push-to-front)"
            f' in the data set (map a label {MAP_IT}: [activities] "label" = "De-escalated";'
            ' categories come with the load: [columns] category = "column" in a mapping file,'
            f" {MAP_AT_LOAD})"
        )
    # A resolution at first contact cannot be told from a later one without these.
    if not counts.get("Escalated") and not counts.get("Reopened") and "fcr_rate" not in unusable:
        unusable["fcr_rate"] = (
            "no `Escalated` and no `Reopened` event in the data set, and no support levels: a"
            " resolution at first contact cannot be told from a later one (map their labels"
            f' {MAP_IT}: [activities] "label" = "Escalated", "label" = "Reopened", or [levels])'
        )
    # Every ticket would count as open without an event that ends it.
    if not any(counts.get(a) for a in ENDINGS):
        unusable["backlog"] = (
            "no event that ends a ticket (`Resolved`, `Closed`, `Abandoned` or `Rejected`) in the"
            " data set: every ticket would count as open (if the log names its endings otherwise,"
            f" map their labels {MAP_IT}: {hint(*ENDINGS)})"
        )
    if not surveys:
        for k in KPIS:
            if k.basis == "answered" or k.name == "survey_response_rate":
                unusable[k.name] = "no survey answers in the data set"
    # Flat exports show no move between teams; a history without work no bounce-back.
    if flat := flat_only(con, dataset_id):
        unusable |= dict.fromkeys(FLAT_BLIND_KPIS, flat)
    elif "needless_escalation_rate" not in unusable and (idle := work_unseen(con, dataset_id)):
        unusable["needless_escalation_rate"] = idle
    if not counts.get("Reopened") and (after := work_after_resolution(con, dataset_id)):
        for name in ("reopen_rate", "fcr_rate"):
            unusable.setdefault(name, after)
    return unusable


# A data set without `Reopened` events counts a resolution followed by further work as reopened;
# when nearly every resolved ticket shows some, the log records steps after a resolution (its
# closing, a work item's end: BPI 2012's approvals), not reopening.
STEPS_AFTER_SHARE = 0.8
MIN_RESOLVED = 20


def work_after_resolution(con: duckdb.DuckDBPyConnection, dataset_id: int) -> str | None:
    """Why reopens cannot be told from a resolution followed by further work on a data set
    without `Reopened` events where nearly every resolved ticket shows some; None otherwise."""
    resolved, reworked = con.execute(
        "SELECT count(last_resolved), count(*) FILTER (WHERE rework_reopens > 0)"
        " FROM ticket_facts WHERE dataset_id = $d",
        {"d": dataset_id},
    ).fetchall()[0]
    if resolved < MIN_RESOLVED or reworked < STEPS_AFTER_SHARE * resolved:
        return None
    return (
        f"{reworked:,} of the data set's {resolved:,} resolved tickets show work after their"
        " resolution, and it has no `Reopened` event: the log records steps after a resolution"
        " (its closing, a work item's end), not reopening (if it names reopening, map that label"
        f' {MAP_IT}: [activities] "label" = "Reopened")'
    )


# A week's population in words, by the event it is counted in (WEEK_OF).
_WEEK_OF_POPULATION = {
    "created": "{p} (of those created that week)",
    "resolved": "{p} (resolved that week)",
    "first_response": "{p} (first answered that week)",
    "answered": "{p} (given that week)",
}


def _note(kpi: Kpi, value: object, basis: float, pending: float, weekly: bool) -> str | None:
    """What a reader must know beside a value: that it rests on few tickets (answers), and how
    many tickets are pending (SLA: open, within their target). A week's value says which week's
    tickets (answers) it rests on: a share of resolved tickets those created that week, a time to
    resolution those resolved that week."""
    parts = []
    if not _missing(value) and kpi.kind in ("mean", "quantile") and basis < SMALL_BASIS:
        n = int(basis)
        population = kpi.population
        if n == 1:
            population = population.replace("tickets", "ticket", 1).replace("answers", "answer", 1)
        if weekly:  # the week it is counted in, by its event
            population = _WEEK_OF_POPULATION.get(kpi.basis, "{p}").format(p=population)
        parts.append(f"rests on {n} {population}")
    if not _missing(pending) and pending:
        n = int(pending)
        parts.append(f"{n} open ticket{'s' if n != 1 else ''} within the target pending")
    return "; ".join(parts) or None


def _row(
    group: str | None,
    week: date | None,
    kpi: str,
    value: object,
    basis: object,
    pending: object = None,
    examples: list[str] | float | None = None,
) -> Row:
    """A report row's computed columns: counts and aggregates as floats, NaN for SQL's NULL."""
    return {
        "group": group,
        "week": week,
        "kpi": kpi,
        "value": _number(value),
        "basis": _number(basis),
        "pending": _number(pending),
        "examples": examples,
    }


def _number(value: object) -> float:
    """A count or aggregate as a float: NaN for SQL's NULL."""
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


def _examples(value: list[str] | None) -> list[str]:
    """An examples aggregate: the empty list when no ticket qualifies (SQL's NULL)."""
    return value or []


def _basis_rows(
    con: duckdb.DuckDBPyConnection, basis: str, keys: list[str], by: str | None
) -> list[Row]:
    """The rows of the KPIs counted in `basis`'s week, one per KPI and result row of _query."""
    result = con.execute(_query(basis, keys, with_examples=True))
    names = [d[0] for d in result.description]
    rows = []
    for values in result.fetchall():
        got = dict(zip(names, values, strict=True))
        for kpi in KPIS:
            if kpi.name not in got:
                continue
            named = kpi.name + ":examples"
            rows.append(
                _row(
                    got[by] if by else None,
                    got.get("week"),
                    kpi.name,
                    got[kpi.name],
                    got[kpi.name + ":basis"],
                    got.get(kpi.name + ":pending"),
                    _examples(got[named]) if named in got else None,
                )
            )
    return rows


def _backlog(
    con: duckdb.DuckDBPyConnection, keys: list[str], by: str | None, until: datetime | None
) -> list[Row]:
    """Tickets open at the end of each week: created so far minus ended so far; for totals, the
    selected tickets open at the end of the dates selected (before `until`), else of the data."""
    group = f"{quote_ident(by)}::VARCHAR" if by else "NULL::VARCHAR"
    if "week" not in keys:
        found = con.execute(
            f"SELECT {group} AS grp, count(*) FILTER (WHERE o) AS value,"  # noqa: S608 (allowlisted, quoted)
            f" min_by(case_id, case_key, {EXAMPLES}) FILTER (WHERE o) AS examples"
            " FROM (SELECT *, ended_at IS NULL OR ended_at >= $until AS o FROM kpi_tickets)"
            " GROUP BY ALL",
            {"until": until},
        ).fetchall()
        at = f"{until - timedelta(days=1):%Y-%m-%d}" if until else "the data"
        note = f"of these tickets, those open at the end of {at}"
        return [
            {**_row(grp, None, "backlog", value, value, examples=_examples(examples)), "note": note}
            for grp, value, examples in found
        ]
    found = con.execute(
        f"""
        WITH moves AS (
            SELECT {group} AS grp, created_week AS week, 1 AS delta FROM kpi_tickets
            UNION ALL
            SELECT {group}, ended_week, -1 FROM kpi_tickets WHERE ended_week IS NOT NULL
        ),
        weeks AS (
            SELECT DISTINCT g.grp, w.week::DATE AS week
            FROM (SELECT DISTINCT grp FROM moves) g,
                range((SELECT min(week) FROM moves), (SELECT max(week) FROM moves)
                    + INTERVAL 1 WEEK, INTERVAL 1 WEEK) w(week)
        )
        SELECT w.grp, w.week, sum(coalesce(m.delta, 0)) OVER (
            PARTITION BY w.grp ORDER BY w.week ROWS UNBOUNDED PRECEDING
        ) AS value
        FROM weeks w
        LEFT JOIN (SELECT grp, week, sum(delta) AS delta FROM moves GROUP BY ALL) m
            ON m.grp IS NOT DISTINCT FROM w.grp AND m.week = w.week
        """  # noqa: S608 (allowlisted, quoted)
    ).fetchall()
    return [_row(grp, week, "backlog", value, value) for grp, week, value in found]


def _fill_weeks(rows: list[Row]) -> list[Row]:
    """Every ISO week from the first to the last, for every group and KPI: a week with no tickets
    is a row with no value (tickets 0), never a gap."""
    weeks = [r["week"] for r in rows]
    first, last = min(weeks), max(weeks)
    span = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    found = {(r["group"], r["week"], r["kpi"]): r for r in rows}
    return [
        found.get((group, week, kpi.name))
        or _row(
            group,
            week,
            kpi.name,
            0.0 if kpi.name == "tickets" else None,
            0.0,  # a week with nothing to count rests on nothing
            examples=math.nan,
        )
        for group in dict.fromkeys(r["group"] for r in rows)
        for week in span
        for kpi in KPIS
    ]


def _judge(row: Row, unusable: dict[str, str], weekly: bool, settings: Settings) -> None:
    """Add a row's reason, note and status; a KPI the data set cannot speak of has no value,
    nothing it rests on and no tickets to name."""
    kpi = BY_NAME[row["kpi"]]
    if kpi.name in unusable:
        row.update(value=math.nan, basis=math.nan, pending=math.nan, examples=None)
        row.update(reason=unusable[kpi.name], note=None)
    else:
        row["reason"] = _reason(kpi, row["value"], weekly)
        # the totals' backlog says when it is counted (_backlog)
        row["note"] = row.get("note") or _note(
            kpi, row["value"], row["basis"], row["pending"], weekly
        )
    value = row["value"]
    row["status"] = (
        None
        if too_small(kpi, row["basis"], settings)
        else status(
            None if _missing(value) else value, settings.targets.get(kpi.name), settings.near_share
        )
    )


# The selection's first and last creation days, the data's end, then how long its tickets last.
_EDGES = (
    "SELECT timezone($zone, min(k.created_at))::DATE, timezone($zone, max(k.created_at))::DATE,"
    " (SELECT timezone($zone, max(ts)) FROM events WHERE dataset_id = $d"
    " AND ts BETWEEN $floor AND $ceiling), "
)


def _edges(
    con: duckdb.DuckDBPyConnection, dataset: int, settings: Settings, resolutions: bool
) -> Edges | None:
    """The selection's edges (mining.weeks.Edges); None without tickets. H is the 90th percentile
    of the time to resolution; without `resolutions` (the data set records none the KPIs read),
    of the tickets' span from their first event to their last: a log without resolutions still
    has tickets that have not had time to end."""
    lasting = (
        "quantile_cont(ttr_h, 0.9) FILTER (WHERE resolved) FROM kpi_tickets k"
        if resolutions
        else "quantile_cont(epoch(f.last_ts) - epoch(f.first_ts), 0.9) / 3600"
        " FROM kpi_tickets k JOIN ticket_facts f ON f.dataset_id = $d AND f.case_key = k.case_key"
    )
    first, last, end, horizon = con.execute(
        _EDGES + lasting, {"zone": settings.calendar.timezone, "d": dataset, **span_params()}
    ).fetchall()[0]
    if first is None:
        return None
    return Edges(first, last, end, float(horizon or 0.0))


def _add_limits(
    report: KpiReport,
    settings: Settings,
    changes: list[date] | tuple[date, ...],
    edges: Edges | None,
) -> None:
    """Per row the week's status (mining.weeks), and per (group, KPI) series its phases' limits
    and signals (_judge_series)."""
    for row in report.rows:
        row.update(dict.fromkeys(LIMIT_COLUMNS), week_status=NO_VALUE)
    for (_, name), rows in _series_rows(report).items():
        kpi = BY_NAME[name]
        least = least_basis(kpi, settings)
        outcome = kpi.basis == "created" and kpi.kind in ("mean", "quantile")
        for row in rows:
            if not _missing(row["value"]) and edges is not None:
                row["week_status"] = edges.week_status(
                    row["week"],
                    counted_in=kpi.basis,
                    stock=kpi.kind == "backlog",
                    outcome=outcome,
                    basis=row["basis"],
                    least=least,
                )
    _judge_series(report, settings, changes)


def _series_rows(report: KpiReport) -> dict[tuple[str | None, str], list[Row]]:
    """The report's rows by (group, KPI), each series in week order."""
    series: dict[tuple[str | None, str], list[Row]] = {}
    for row in report.rows:
        series.setdefault((row["group"], row["kpi"]), []).append(row)
    return series


def _judge_series(
    report: KpiReport, settings: Settings, changes: Sequence[date] | tuple[date, ...]
) -> None:
    """Per (group, KPI) series of weeks with their status, its phases' XmR limits
    (mining.signals.judge_phases: a phase from each change in `changes`) with each judged
    point's signal and, when flagged, its direction (better or worse, or up or down for a KPI
    with no better side)."""
    starts = sorted(set(changes))
    report.limits.clear()
    for key, rows in _series_rows(report).items():
        kpi = BY_NAME[key[1]]
        stock = kpi.kind == "backlog"
        judged = [row["value"] if row["week_status"] == JUDGED else None for row in rows]
        phase_of = [bisect_right(starts, row["week"]) for row in rows]
        result = judge_phases(judged, phase_of, baseline=settings.baseline_weeks, stock=stock)
        report.limits[key] = [
            PhaseLimits(start, limits, stock)
            for start, limits in zip([None, *starts], result.phases, strict=False)
        ]
        better = direction(kpi.name, settings.targets)
        low, high = _possible(kpi)
        for j, row in enumerate(rows):
            row["centre"], row["signal"] = result.centre[j], result.signal[j]
            row["lower"] = _clamp(result.lower[j], low, high)
            row["upper"] = _clamp(result.upper[j], low, high)
            row["direction"] = (
                _reading(row["value"] > result.centre[j], better) if result.signal[j] else None
            )


def _possible(kpi: Kpi) -> tuple[float, float | None]:
    """The values `kpi` can take: a share 0-1, a score its scale, anything else 0 or more."""
    if kpi.unit == "fraction":
        return 0.0, 1.0
    return TARGET_RANGES.get(kpi.name, (0.0, None))


def _clamp(limit: float | None, low: float, high: float | None) -> float | None:
    """A process limit drawn within the values a KPI can take (a limit of 109% is 100%), a
    float even where the range's bound is an integer."""
    if limit is None:
        return None
    limit = max(limit, low)
    return float(min(limit, high) if high is not None else limit)


def _reading(up: bool, better: str | None) -> str:
    """A move's direction in words: better or worse for the KPI, else up or down."""
    if better is None:
        return "up" if up else "down"
    return BETTER if up == (better == "higher") else WORSE


@dataclass(frozen=True)
class PhaseLimits:
    """The limits of one phase of a weekly series: from the change that opened it (`start`,
    None for the first phase) to the next; of the week-to-week change for a stock."""

    start: date | None
    limits: Limits
    stock: bool

    @property
    def basis(self) -> str:
        """Where the limits come from, in words."""
        since = f"the change of {self.start}" if self.start else "the start"
        what = "week-to-week changes" if self.stock else "weeks"
        points = self.limits.baseline_points
        if self.limits.centre is None:
            return f"no limits yet: {points} judged {what} since {since}, {MIN_POINTS} needed"
        return f"the first {points} judged {what} since {since}"


def limits_basis(settings: Settings, *, up_to: str | None = None) -> str:
    """Where the weekly limits come from, in words; `up_to`: the week whose review judges by
    the limits known then (KpiReport.as_of)."""
    known = f" up to {up_to} (fewer where fewer came before it)" if up_to else ""
    return (
        f"each phase's own first {settings.baseline_weeks} judged weeks{known} (a phase begins"
        f" with the data and at each recorded change; {MIN_POINTS} judged weeks at least, else no"
        " limits yet); the backlog's from its week-to-week changes"
    )


BETTER = "better"
WORSE = "worse"
# The direction of KPIs that have no target of their own.
_LOWER = ("ttr_mean_hours", "ttr_p90_hours", "frt_mean_hours", "frt_p90_hours", "info_request_rate")


def direction(kpi: str, targets: Mapping[str, Target]) -> str | None:
    """Which way is better for `kpi`: its target's (of `targets`, the settings'), else lower for
    durations and the backlog; none for the count of tickets."""
    if kpi == "tickets":
        return None
    if kpi in targets:
        return targets[kpi].better
    return "lower" if kpi in (*_LOWER, "backlog") else "higher"
