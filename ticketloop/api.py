"""The Python API for analysts in notebooks: `ticketloop.Store`, under the CLI.

>>> store = ticketloop.Store("helpdesk.duckdb")
>>> store.load("export.csv", dataset="desk", mapping="export.toml")["events_loaded"]
>>> store.datasets()
>>> desk = store.select("desk", start="2025-03-01", channel="e-mail")
>>> desk.escalations().by("team")
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from store.connection import open_store
from store.location import default_db_path
from store.settings import Settings, load_settings, settings_path

if TYPE_CHECKING:
    from mining.bottlenecks import Bottlenecks
    from mining.escalations import Escalations
    from mining.rootcause import RootCause


class Store:
    """A ticketloop event store (one DuckDB file), in the manner of sqlite-utils' `Database`.

    `config` is the settings file; by default `ticketloop.toml` beside the store.
    """

    def __init__(self, path: str | Path | None = None, *, config: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.config = Path(config) if config is not None else settings_path(self.path)

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}>"

    @property
    def settings(self) -> Settings:
        """The settings in force: `config` if it exists, else the documented defaults."""
        return load_settings(self.config)

    def load(
        self,
        *files: str | Path,
        dataset: str | None = None,
        mapping: str | Path | None = None,
        format: str = "auto",
        strict: bool = False,
        progress: Any = None,
    ) -> dict[str, Any]:
        """Load exports into `dataset`, all or nothing; the load report (as `ingest --json`)."""
        from ingest.load import ingest_files
        from ingest.mapping import load_mapping

        report = ingest_files(
            self.path,
            [Path(f) for f in files],
            dataset=dataset,
            fmt=format,
            mapping=load_mapping(Path(mapping)) if mapping else None,
            strict=strict,
            progress=progress,
        )
        return report.to_json()

    def datasets(self) -> list[dict[str, Any]]:
        """The data sets (as `datasets --json`); empty when the store does not exist yet."""
        from store.datasets import list_datasets

        if not self.path.exists():
            return []
        with self.reading() as con:
            return [_jsonable(row) for row in list_datasets(con)]

    def only_dataset(self) -> str:
        """The name of the store's one data set; an error naming them when there are several."""
        from store.errors import TicketloopError

        names = [d["name"] for d in self.datasets()]
        if len(names) == 1:
            return names[0]
        if not names:
            raise TicketloopError(
                f"{self.path}: no data sets yet. Load one: ticketloop ingest FILE --db {self.path}"
            )
        raise TicketloopError(
            f"the store holds several data sets; pick one with --dataset: {', '.join(names)}"
        )

    def select(self, dataset: str, **filters: Any) -> Analysis:
        """The tickets of `dataset` that pass `filters` (start, end, channel, priority, category,
        team, level, activity, edge), ready for analysis."""
        from mining.selection import selection_of

        timezone = self.settings.calendar.timezone
        return Analysis(self, selection_of(dataset, timezone=timezone, **filters))

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short read-only connection."""
        with open_store(self.path, read_only=True) as con:
            yield con


@dataclass(frozen=True)
class Analysis:
    """A selection of one store's tickets; each method is one mining analysis of them."""

    store: Store
    selection: Any  # mining.selection.Selection (imported lazily: `import ticketloop` stays light)

    @property
    def tickets(self) -> int:
        """How many tickets the selection holds."""
        from mining.selection import scope

        with self.store.reading() as con:
            return scope(con, self.selection).tickets

    def bottlenecks(self, *, business_hours: bool = False) -> Bottlenecks:
        """Where the tickets wait (`mining.bottlenecks.Bottlenecks`): transitions, team queues,
        waiting for the customer, activity durations, arrivals against resolutions. Durations
        in elapsed hours, or in business hours by the settings' `[calendar]`."""
        from mining.bottlenecks import bottlenecks

        calendar = self.store.settings.calendar if business_hours else None
        with self.store.reading() as con:
            return bottlenecks(con, self.selection, calendar=calendar)

    def escalations(self) -> Escalations:
        """Escalated, bounce-back, ping-pong and push-to-front tickets and their cost in time and
        satisfaction (`mining.escalations.Escalations`); the push-to-front threshold is the
        settings' `[escalations] push_to_front_share`."""
        from mining.escalations import escalations

        share = self.store.settings.push_to_front_share
        with self.store.reading() as con:
            return escalations(con, self.selection, push_to_front_share=share)

    def rootcause(
        self,
        target: str,
        *,
        min_tickets: int = 30,
        non_fitting_variants: Collection[Sequence[str]] | None = None,
    ) -> RootCause:
        """Which ticket attributes over-represent `target` (slow, deviating, escalated, unhappy):
        `mining.rootcause.RootCause`. "deviating" needs `non_fitting_variants`, the activity
        sequences that do not fit the designed flow."""
        from mining.rootcause import rootcause

        share = self.store.settings.push_to_front_share
        with self.store.reading() as con:
            return rootcause(
                con,
                self.selection,
                target,  # type: ignore[arg-type]
                min_tickets=min_tickets,
                push_to_front_share=share,
                non_fitting_variants=non_fitting_variants,
            )


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as ISO 8601 strings with `T`, as every JSON output writes them."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
