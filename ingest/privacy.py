"""What never reaches the store: dropped columns, and people replaced by keyed pseudonyms.

Applied once, where every source's rows enter staging: the reader's relation is wrapped in a
projection that drops the chosen columns and passes customers' columns and free text through the
pseudonymiser (DuckDB functions over Arrow batches), so the fields, attributes, raw rejected rows
and reasons are all built from the protected text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ingest.sources.base import SourceRows
from store.errors import IngestError
from store.identifiers import quote_ident
from store.pseudonyms import Pseudonymiser, is_person_column

# Resource values that are roles the readers write, not people.
ROLES = frozenset({"customer", "system"})


@dataclass(frozen=True)
class Privacy:
    """A load's privacy choices: pseudonymise customers (`--pseudonymise`), agents
    (`--pseudonymise-agents`), and columns dropped before anything is stored (`--drop-column`)."""

    customers: bool = False
    agents: bool = False
    drop_columns: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.customers or self.agents or bool(self.drop_columns)

    def with_(self, other: Privacy) -> Privacy:
        """Both choices together (a data set's kept choice and this load's)."""
        drops = tuple(dict.fromkeys(self.drop_columns + other.drop_columns))
        return Privacy(self.customers or other.customers, self.agents or other.agents, drops)


@dataclass
class Protection:
    """A load's privacy applied on the work connection `con` (its functions registered once)."""

    con: duckdb.DuckDBPyConnection
    privacy: Privacy
    pseudonymiser: Pseudonymiser
    dropped: set[str] = field(default_factory=set)  # the --drop-column names some file had

    def __post_init__(self) -> None:
        p = self.pseudonymiser
        for name, fn in (("tl_scrub", p.scrub), ("tl_person", p.person), ("tl_agent", self.agent)):
            self.con.create_function(name, _batched(fn), ["VARCHAR"], "VARCHAR", type="arrow")

    def agent(self, value: str | None) -> str | None:
        if value is None or value.strip().lower() in ROLES:
            return value
        scrubbed = self.pseudonymiser.scrub(value)  # a customer acting is a customer
        return scrubbed if scrubbed != value else self.pseudonymiser.pseudonym(value, "agent")

    def apply(self, rows: SourceRows, columns: dict[str, str]) -> None:
        """Turn `rows` into the same rows with the dropped columns gone (NULL when a field reads
        them) and people pseudonymised."""
        file = str(rows.path)
        drops = self._drops(rows.headers, columns, file)
        found = self.con.execute(f"DESCRIBE SELECT * FROM {rows.relation}", rows.params)
        kinds = {r[0]: r[1] for r in found.fetchall()}
        kept = (columns.get("case_id"), columns.get("timestamp"), rows.line_column)
        people = [h for h in rows.headers if is_person_column(h) and h not in drops]
        if self.privacy.customers and people:
            names = " UNION ".join(
                f"SELECT {quote_ident(h)}::VARCHAR FROM {rows.relation}" for h in people
            )
            self.pseudonymiser.learn(r[0] for r in self.con.execute(names, rows.params).fetchall())
        replaced = []
        for header in rows.headers:
            if header in drops or header in kept or kinds.get(header) != "VARCHAR":
                continue
            fn = self._function(header, columns)
            if fn:
                replaced.append(f"{fn}({quote_ident(header)}) AS {quote_ident(header)}")
        fielded = [h for h in drops if h in columns.values()]
        replaced += [f"NULL::VARCHAR AS {quote_ident(h)}" for h in fielded]
        excluded = [h for h in drops if h not in fielded]
        if not replaced and not excluded:
            return
        select = "SELECT *"
        if excluded:
            select += f" EXCLUDE ({', '.join(quote_ident(h) for h in excluded)})"
        if replaced:
            select += f" REPLACE ({', '.join(replaced)})"
        rows.headers = [h for h in rows.headers if h not in excluded]
        rows.relation = f"({select} FROM {rows.relation})"

    def scrub_lines(self, rows: SourceRows) -> None:
        """The raw lines the CSV reader refused, pseudonymised as the rest."""
        if self.privacy.customers:
            scrub = self.pseudonymiser.scrub
            rows.malformed = [(row, scrub(line) or "", why) for row, line, why in rows.malformed]

    def _function(self, header: str, columns: dict[str, str]) -> str:
        if header == columns.get("resource") and self.privacy.agents:
            return "tl_agent"
        if not self.privacy.customers:
            return ""
        return "tl_person" if is_person_column(header) else "tl_scrub"

    def _drops(self, headers: list[str], columns: dict[str, str], file: str) -> set[str]:
        """The file's columns that --drop-column names (by header, `case:` and case ignored, or
        by the field that reads it); IngestError for a required field's column."""
        wanted = {d.lower() for d in self.privacy.drop_columns}
        drops = set()
        for header in headers:
            fields = [f for f, c in columns.items() if c == header]
            names = {header.lower(), header.lower().removeprefix("case:"), *fields}
            hit = wanted & names
            if not hit:
                continue
            self.dropped |= hit
            required = [f for f in fields if f in ("case_id", "activity", "timestamp")]
            if required:
                raise IngestError(
                    file,
                    f"--drop-column {header}: the column holds the {required[0].replace('_', ' ')}",
                    "Drop only columns the load can do without",
                )
            drops.add(header)
        return drops

    def check_all_dropped(self, names: tuple[str, ...]) -> None:
        """IngestError when a --drop-column of `names` named no column of any file (a typo
        would keep the column)."""
        missing = [d for d in names if d.lower() not in self.dropped]
        if missing:
            raise IngestError(
                "--drop-column",
                f"no file has a column {missing[0]!r}",
                "Nothing was loaded. Name a column of the files as their header spells it",
            )


def _batched(fn: Callable[[str | None], str | None]) -> Callable[[Any], Any]:
    """A DuckDB function over a batch (an Arrow array) of text values from a function of one."""

    def apply(values: Any) -> Any:
        import pyarrow  # Streamlit's dependency; imported when a load protects people

        return pyarrow.array([fn(v) for v in values.to_pylist()], pyarrow.string())

    return apply
