"""The Python API for analysts in notebooks: `ticketloop.Store`, under the CLI.

>>> store = ticketloop.Store("helpdesk.duckdb")
>>> store.load("export.csv", dataset="desk", mapping="export.toml")["events_loaded"]
>>> store.datasets()
>>> desk = store.select("desk", start="2025-03-01", channel="e-mail")
>>> desk.escalations().by("team")
>>> desk.dfg().edges, desk.variants(limit=10).table, desk.conformance().deviations
>>> open("desk.bpmn", "w").write(desk.discover(noise=0.2).bpmn)
>>> store.ticket("HD-000042", dataset="desk").events
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from store.connection import open_store
from store.location import default_db_path
from store.settings import Settings, load_settings, settings_path
from ticketloop.demo import SAMPLE_DIR

if TYPE_CHECKING:
    from mining.bottlenecks import Bottlenecks
    from mining.conformance import Conformance
    from mining.dfg import DirectlyFollowsGraph
    from mining.discovery import DiscoveredProcess
    from mining.escalations import Escalations
    from mining.pm4py_bridge import Method
    from mining.rootcause import RootCause
    from mining.timeline import TicketTimeline
    from mining.variants import Variants

# The designed flow that conformance checks against when neither the call nor the settings
# ([conformance] designed_flow) name a model.
DESIGNED_FLOW = SAMPLE_DIR / "designed_flow.bpmn"


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
        timezone: str | None = None,
    ) -> dict[str, Any]:
        """Load exports into `dataset`, all or nothing; the load report (as `ingest --json`).
        `timezone`: the zone of timestamps without an offset (as `ingest --timezone`)."""
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
            timezone=timezone,
        )
        return report.to_json()

    def datasets(self) -> list[dict[str, Any]]:
        """The data sets (as `datasets --json`); empty when the store does not exist yet."""
        from store.datasets import list_datasets

        if not self.path.exists():
            return []
        with self.reading() as con:
            return [_jsonable(row) for row in list_datasets(con)]

    def delete_dataset(self, name: str) -> dict[str, int]:
        """Remove data set `name` and all its rows; rows deleted per table."""
        from store.datasets import delete_dataset

        with open_store(self.path) as con:
            return delete_dataset(con, name)

    def only_dataset(self) -> str:
        """The name of the store's one data set; an error naming them when there are several."""
        from store.errors import TicketloopError

        names = [d["name"] for d in self.datasets()]
        if len(names) == 1:
            return names[0]
        if not names:
            state = "holds no data sets yet" if self.path.exists() else "does not exist yet"
            raise TicketloopError(
                f"{self.path}: the store {state}. Load a data set: ticketloop ingest FILE"
                f" --db {self.path} (or give --db the path of an existing store)"
            )
        raise TicketloopError(
            f"the store holds several data sets; pick one with --dataset: {', '.join(names)}"
        )

    def quality(self, dataset: str | None = None) -> dict[str, Any]:
        """The data-quality report of `dataset` (as `quality --json`); default: the only one."""
        from store.quality import quality_report

        with self.reading() as con:
            return quality_report(con, dataset or self.only_dataset()).to_json()

    def select(self, dataset: str, **filters: Any) -> Analysis:
        """The tickets of `dataset` that pass `filters` (start, end, channel, priority, category,
        team, level, activity, edge), ready for analysis."""
        from mining.selection import selection_of

        timezone = self.settings.calendar.timezone
        return Analysis(self, selection_of(dataset, timezone=timezone, **filters))

    def ticket(self, case_id: str, *, dataset: str | None = None) -> TicketTimeline:
        """One ticket's timeline and case attributes (`dataset`: default the only one)."""
        from mining.timeline import ticket_timeline

        with self.reading() as con:
            return ticket_timeline(con, dataset=dataset or self.only_dataset(), case_id=case_id)

    def add_change(self, dataset: str, date: str | Any, title: str, note: str | None = None) -> int:
        """Record a process change of `dataset` taking effect on `date` (YYYY-MM-DD); its id."""
        from datetime import date as Date

        from store.changes import add_change

        day = Date.fromisoformat(date) if isinstance(date, str) else date
        with open_store(self.path) as con:
            return add_change(con, dataset=dataset, effective=day, title=title, note=note)

    def changes(self, dataset: str | None = None) -> list[dict[str, Any]]:
        """The change log (as `change list --json`), oldest first."""
        from store.changes import list_changes

        if not self.path.exists():
            return []
        with self.reading() as con:
            return [_jsonable(row) for row in list_changes(con, dataset)]

    def remove_change(self, change_id: int) -> dict[str, Any]:
        """Delete a change from the log; what it was."""
        from store.changes import remove_change

        with open_store(self.path) as con:
            return _jsonable(remove_change(con, change_id))

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

    def rootcause(self, target: str, *, min_tickets: int = 30) -> RootCause:
        """Which ticket attributes over-represent `target` (slow, deviating, escalated, unhappy):
        `mining.rootcause.RootCause`. "deviating" checks the tickets against the designed flow
        first (`conformance()`, cached in the store)."""
        from mining.rootcause import rootcause
        from store.errors import MiningError

        deviating = None
        if target == "deviating":
            checked = self._designed_conformance()
            if checked is None:
                raise MiningError(
                    "--target deviating needs a designed flow of this process: name yours in"
                    " [conformance] designed_flow of ticketloop.toml (the sample's flow shares too"
                    " few of this data set's activities)"
                )
            deviating = checked.non_fitting_tickets
        share = self.store.settings.push_to_front_share
        with self.store.reading() as con:
            return rootcause(
                con,
                self.selection,
                target,  # type: ignore[arg-type]
                min_tickets=min_tickets,
                push_to_front_share=share,
                non_fitting_tickets=deviating,
            )

    def dfg(self) -> DirectlyFollowsGraph:
        """The directly-follows graph: edges with counts and times, start and end activities."""
        from mining.dfg import directly_follows

        with self.store.reading() as con:
            return directly_follows(con, self.selection)

    def variants(self, limit: int | None = None) -> Variants:
        """The variants, most frequent first (`limit`: only the first ones)."""
        from mining.variants import variants

        with self.store.reading() as con:
            return variants(con, self.selection, limit=limit)

    def discover(self, noise: float = 0.2) -> DiscoveredProcess:
        """The actual process by pm4py's inductive miner; `.bpmn` is the BPMN document."""
        from mining.discovery import discover_process

        with self.store.reading() as con:
            return discover_process(con, self.selection, noise=noise)

    def conformance(
        self,
        model: str | Path | None = None,
        method: Method | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Conformance:
        """Fitness and deviations against `model` (a BPMN file; default the settings'
        [conformance] designed_flow, else the sample designed flow), by token replay or
        alignments (default the settings' [conformance] method). Results are cached in the
        store; accepted deviations come from settings. `progress(done, total)` is told of the
        variants replayed."""
        from mining.conformance import check_conformance

        settings = self.store.settings
        return check_conformance(
            self.store.path,
            self.selection,
            model=Path(model) if model else settings.designed_flow or DESIGNED_FLOW,
            method=method or settings.conformance_method,  # type: ignore[arg-type]
            accepted=settings.accepted_deviations,
            progress=progress,
        )

    def _designed_conformance(self) -> Conformance | None:
        """`conformance()` where the other analyses may use it (deviations in the review, fit in
        a change's effect, the deviating tickets): against the settings' designed flow, or else
        the sample's, when most of the tickets' activities are the flow's; else None."""
        from store.errors import MiningError, ModelError

        try:
            checked = self.conformance()
        except (MiningError, ModelError):  # a flow that shares no label with this log
            return None
        return checked if checked.speaks_the_log else None

    def kpis(self, *, weekly: bool = False, by: str | None = None) -> Any:
        """Every KPI of the selection (a mining.kpis.KpiReport; `.to_json(...)`, `.value(name)`,
        `.values` as a DataFrame): totals, or one row per ISO week with targets, XmR limits and
        signals (the baseline ends at the data set's last change), optionally by channel,
        priority, team, category or level."""
        from mining.kpis import compute_kpis
        from store.changes import list_changes

        settings = self.store.settings
        with self.store.reading() as con:
            changes = [c["date"] for c in list_changes(con, self.selection.dataset)]
            return compute_kpis(
                con, self.selection, settings, weekly=weekly, by=by, changes=changes
            )

    def change_effect(self, change_id: int, *, weeks_before: int = 6, weeks_after: int = 6) -> Any:
        """Every KPI of the tickets created in the weeks before change `change_id` against those
        created in the weeks from it, with 95% bootstrap intervals (mining.effect.ChangeEffect);
        and the share of tickets that fit the designed flow, when the flow speaks the log's
        labels."""
        from mining.effect import measure_change
        from store.changes import get_change

        settings = self.store.settings
        checked = self._designed_conformance()
        unfit = checked.non_fitting_tickets if checked is not None else None
        with self.store.reading() as con:
            change = get_change(con, change_id)
            return measure_change(
                con,
                self.selection,
                settings,
                change,
                weeks_before=weeks_before,
                weeks_after=weeks_after,
                non_fitting_tickets=unfit,
            )

    def review(self, week: str = "last", *, recent_weeks: int = 12) -> tuple[str, str]:
        """The weekly review of ISO week `week` ('2025-W14', or 'last': the last complete week
        with tickets created) as one self-contained HTML document; (week, html)."""
        from dashboard.report import review_document

        conformance = self._designed_conformance()  # deviations, and fit in changes' effects
        with self.store.reading() as con:
            return review_document(
                con,
                self.selection,
                self.store.settings,
                week=week,
                recent_weeks=recent_weeks,
                conformance=conformance,
            )


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as ISO 8601 strings with `T`, as every JSON output writes them."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
