"""The field registry: every canonical field of the event log, defined once.

A field has a name (the key of mapping files and the column in the store), the table it is stored
in, its type, how its text is parsed, the headers it is recognised by, and what a bad value does.
The staging and merge SQL of ingest are derived from this list; a new field is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# How raw text becomes a value: kept as text, a support level 1-4, a whole-number survey score on
# `scale`, or a timestamp (its format is inferred per file).
Parser = Literal["text", "level", "score", "timestamp"]
# Where the value is kept: on each event, on the ticket (the `cases` row), or both (the ticket
# takes the value of its earliest event that has one).
Home = Literal["event", "case", "both"]
# What a filter on a field keeps: tickets whose own value (the `cases` row) is one of those chosen,
# or tickets any of whose events has one.
FilterOn = Literal["ticket", "events"]


@dataclass(frozen=True)
class Filter:
    """How a field filters tickets (the Selection, the CLI's `--NAME` option, the sidebar) and
    breaks KPIs down (`--by NAME`): `on` which value, `place` its order in the sidebar and among
    the breakdowns, `label` the sidebar's word for it, `help` the CLI option's help."""

    on: FilterOn
    place: int
    label: str
    help: str


@dataclass(frozen=True)
class Field:
    """One canonical field. `required` fields reject a row when missing or unreadable; a bad value
    of any other field becomes NULL, and the raw value and the reason are recorded."""

    name: str
    home: Home
    sql_type: str
    parser: Parser
    aliases: tuple[str, ...]  # normalised headers (lower case, one space), best first
    required: bool = False
    scale: tuple[int, int] | None = None  # inclusive bounds of a score
    column: str = ""  # the store's column, when it differs from `name`
    latest: bool = False  # the ticket keeps its latest value (survey answers), else its first
    filter: Filter | None = None  # a dimension tickets are selected and KPIs broken down by

    @property
    def stored_as(self) -> str:
        return self.column or self.name

    @property
    def on_events(self) -> bool:
        return self.home in ("event", "both")

    @property
    def on_cases(self) -> bool:
        return self.home in ("case", "both")

    @property
    def numeric(self) -> bool:
        """Whether its values are whole numbers (a level, a score), else text."""
        return self.parser in ("level", "score")


FIELDS: tuple[Field, ...] = (
    Field(
        "case_id",
        "case",
        "VARCHAR",
        "text",
        (
            "case:concept:name",
            "case id",
            "caseid",
            "case",
            "case key",
            "ticket id",
            "ticketid",
            "ticket",
            "ticket number",
            "ticket nr",
            "case:id",
        ),
        required=True,
    ),
    Field(
        "activity",
        "event",
        "VARCHAR",
        "text",
        ("concept:name", "activity", "activity name", "event", "event name", "task"),
        required=True,
    ),
    Field(
        "timestamp",
        "event",
        "TIMESTAMPTZ",
        "timestamp",
        (
            "time:timestamp",
            "timestamp",
            "complete timestamp",
            "completed timestamp",
            "end timestamp",
            "end time",
            "event time",
            "datetime",
            "time",
            "date",
            "start timestamp",
            "start time",
        ),
        required=True,
        column="ts",
    ),
    Field(
        "lifecycle", "event", "VARCHAR", "text", ("lifecycle:transition", "lifecycle", "transition")
    ),
    Field(
        "resource",
        "event",
        "VARCHAR",
        "text",
        ("org:resource", "resource", "agent", "user", "performer", "assignee", "handled by"),
    ),
    Field(
        "team",
        "event",
        "VARCHAR",
        "text",
        ("org:group", "team", "group", "assignment group", "department"),
        filter=Filter("events", 3, "Team", "Only tickets a team worked on (repeatable)."),
    ),
    Field(
        "level",
        "event",
        "TINYINT",
        "level",
        ("level", "support level", "tier", "support tier", "org:level"),
        filter=Filter(
            "events",
            5,
            "Support level",
            "Only tickets that reached a support level 1-4 (repeatable).",
        ),
    ),
    Field(
        "channel",
        "case",
        "VARCHAR",
        "text",
        ("channel", "case:channel", "source channel", "via"),
        filter=Filter("ticket", 1, "Channel", "Only these channels (repeatable)."),
    ),
    Field(
        "priority",
        "both",
        "VARCHAR",
        "text",
        ("priority", "case:priority"),
        filter=Filter("ticket", 2, "Priority", "Only these priorities (repeatable)."),
    ),
    Field(
        "category",
        "case",
        "VARCHAR",
        "text",
        ("category", "case:category", "ticket type", "type"),
        filter=Filter("ticket", 4, "Category", "Only these categories (repeatable)."),
    ),
    Field(
        "csat",
        "case",
        "TINYINT",
        "score",
        ("csat", "case:csat", "satisfaction", "satisfaction score"),
        scale=(1, 5),
        latest=True,
    ),
    Field(
        "ces",
        "case",
        "TINYINT",
        "score",
        ("ces", "case:ces", "customer effort", "customer effort score"),
        scale=(1, 7),
        latest=True,
    ),
    Field(
        "nps",
        "case",
        "TINYINT",
        "score",
        ("nps", "case:nps", "net promoter score"),
        scale=(0, 10),
        latest=True,
    ),
)
BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
REQUIRED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
# The filter dimensions: on the ticket's value first, then on its events, each in registry order
# (the Selection's order: its options, its description); and in the sidebar's order (`place`).
FILTERS: tuple[Field, ...] = tuple(
    sorted((f for f in FIELDS if f.filter), key=lambda f: f.filter.on != "ticket")  # type: ignore[union-attr]
)
FILTERS_SHOWN: tuple[Field, ...] = tuple(sorted(FILTERS, key=lambda f: f.filter.place))  # type: ignore[union-attr]
# What a ticket carries besides its id: its attributes and survey answers, in registry order.
TICKET_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.on_cases and not f.required)
# Values that mean "missing" in exports (ServiceNow writes `?`), besides the empty cell.
NULL_TOKENS: tuple[str, ...] = ("", "?", "NULL", "null", "N/A", "n/a")
