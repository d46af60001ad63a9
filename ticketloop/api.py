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

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from store.connection import open_store
from store.location import default_db_path
from store.settings import Settings, settings_path

if TYPE_CHECKING:
    from application.flow import FlowFit
    from application.review import Review
    from application.vocabulary import DatasetVocabulary, VocabularyChange
    from mining.bottlenecks import Bottlenecks
    from mining.conformance import Conformance
    from mining.dfg import DirectlyFollowsGraph
    from mining.discovery import DiscoveredProcess
    from mining.escalations import Escalations
    from mining.pauses import Pauses
    from mining.pm4py_bridge import Method
    from mining.rootcause import RootCause
    from mining.timeline import TicketTimeline
    from mining.variants import Variants
    from store.dataset_settings import DatasetSettings


class Store:
    """A ticketloop event store (one DuckDB file), in the manner of sqlite-utils' `Database`.

    `config` is the settings file a data set's settings start from (the defaults); by default
    `ticketloop.toml` beside the store. Each data set keeps its own settings in the store.
    """

    def __init__(self, path: str | Path | None = None, *, config: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.config = Path(config) if config is not None else settings_path(self.path)

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}>"

    def settings_of(self, dataset: str | None = None) -> Settings:
        """The settings in force for `dataset` (default: the only one): its own over the
        defaults of `config` over the built-in ones."""
        return self.dataset_settings(dataset).settings

    def dataset_settings(self, dataset: str | None = None) -> DatasetSettings:
        """The settings of `dataset` and where each value comes from (as `settings --json`)."""
        from store.dataset_settings import dataset_settings

        with self.reading() as con:
            return dataset_settings(con, dataset or self.only_dataset(), self.config)

    def import_settings(self, dataset: str, path: str | Path) -> DatasetSettings:
        """Make what the settings file `path` sets (and the designed flow it names) `dataset`'s
        own, in place of what it set before (as `settings --import`)."""
        from store.dataset_settings import import_settings

        with open_store(self.path) as con:
            return import_settings(con, dataset, Path(path), self.config)

    def set_flow(self, dataset: str, path: str | Path) -> DatasetSettings:
        """Make the BPMN file `path` the designed flow of `dataset` (as `settings --flow`);
        ModelError when it is not a BPMN model."""
        from application.settings import set_designed_flow

        return set_designed_flow(self.path, dataset, Path(path), self.config)

    def forget_settings(self, dataset: str) -> DatasetSettings:
        """Forget the settings `dataset` set itself: it has the defaults again."""
        from store.dataset_settings import forget_dataset_settings

        with open_store(self.path) as con:
            return forget_dataset_settings(con, dataset, self.config)

    def load(
        self,
        *files: str | Path,
        dataset: str | None = None,
        mapping: str | Path | None = None,
        format: str = "auto",
        strict: bool = False,
        progress: Any = None,
        timezone: str | None = None,
        pseudonymise: bool = False,
        pseudonymise_agents: bool = False,
        drop_columns: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Load exports into `dataset`, all or nothing; the load report (as `ingest --json`).
        `timezone`: the zone of timestamps without an offset (as `ingest --timezone`);
        `pseudonymise`, `pseudonymise_agents`, `drop_columns`: as the options of that name."""
        from ingest.load import ingest_files
        from ingest.mapping import load_mapping
        from ingest.privacy import Privacy

        report = ingest_files(
            self.path,
            [Path(f) for f in files],
            dataset=dataset,
            fmt=format,
            mapping=load_mapping(Path(mapping)) if mapping else None,
            strict=strict,
            progress=progress,
            timezone=timezone,
            privacy=Privacy(pseudonymise, pseudonymise_agents, tuple(drop_columns)),
        )
        return report.to_json()

    def forget(self, person: str, dataset: str | None = None) -> dict[str, Any]:
        """Replace `person` (a name, e-mail or phone as written) everywhere with their keyed
        pseudonym (as `forget --json`): the pseudonym and the values changed per table."""
        from application.privacy import forget

        pseudonym, changed = forget(self.path, person, dataset)
        return {"pseudonym": pseudonym, "changed": changed}

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
                f"{self.path}: the store {state}. Load a data set: ticketloop ingest --db"
                f" {shlex.quote(str(self.path))} FILE (or give --db the path of an existing store)"
            )
        raise TicketloopError(
            f"the store holds several data sets; pick one with --dataset: {', '.join(names)}"
        )

    def vocabulary(self, dataset: str | None = None, *, endings: bool = False) -> DatasetVocabulary:
        """The labels and teams of `dataset` with their vocabulary now and the suggestions from
        the labels' words (`.suggestion_toml()`: as `map --suggest`); with `endings`, how often
        each label ends its tickets (a read of every event), which the TOML names."""
        from application.vocabulary import dataset_vocabulary

        with self.reading() as con:
            return dataset_vocabulary(con, dataset or self.only_dataset(), endings=endings)

    def map_vocabulary(
        self,
        dataset: str,
        *,
        mapping: str | Path | None = None,
        activities: dict[str, str] | None = None,
        levels: dict[str, int] | None = None,
        reset: bool = False,
    ) -> VocabularyChange:
        """Make a vocabulary `dataset`'s, replacing the one before (as `map`): a mapping file's
        [activities] and [levels], or those given; `reset`: back to the labels as loaded."""
        from application.vocabulary import apply_vocabulary, vocabulary_of
        from ingest.mapping import load_mapping
        from store.dataset_vocabulary import Vocabulary

        if reset:
            vocabulary = Vocabulary()
        elif mapping is not None:
            vocabulary = vocabulary_of(load_mapping(Path(mapping)))
        else:
            vocabulary = Vocabulary(dict(activities or {}), dict(levels or {}))
        return apply_vocabulary(self.path, dataset, vocabulary)

    def quality(self, dataset: str | None = None) -> dict[str, Any]:
        """The data-quality report of `dataset` (as `quality --json`); default: the only one."""
        from store.quality import quality_report

        name = dataset or self.only_dataset()
        zone = self.settings_of(name).calendar.timezone  # the desk's, as `ticket` shows times
        with self.reading() as con:
            return quality_report(con, name, zone).to_json()

    def select(self, dataset: str, **filters: Any) -> Analysis:
        """The tickets of `dataset` that pass `filters` (start, end, channel, priority, category,
        team, level, activity, edge), ready for analysis."""
        from mining.selection import selection_of

        timezone = self.settings_of(dataset).calendar.timezone
        return Analysis(self, selection_of(dataset, timezone=timezone, **filters))

    def ticket(self, case_id: str, *, dataset: str | None = None) -> TicketTimeline:
        """One ticket's timeline and case attributes (`dataset`: default the one data set that
        holds a ticket of that id, else the only one)."""
        from mining.timeline import datasets_with_ticket, ticket_timeline

        with self.reading() as con:
            if dataset is None:
                holding = datasets_with_ticket(con, case_id)
                dataset = holding[0] if len(holding) == 1 else self.only_dataset()
            return ticket_timeline(con, dataset=dataset, case_id=case_id)

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

    @contextmanager
    def held_open(self) -> Iterator[None]:
        """Keep the store open read-only for a run of reads: each `reading` then shares the open
        database instead of opening the file anew (20-30 ms each). Nothing in this process may
        write to the store meanwhile (DuckDB opens a file one way at a time in a process)."""
        if not self.path.exists():  # the reads say so, each in its own words
            yield
            return
        with open_store(self.path, read_only=True):
            yield


@dataclass(frozen=True)
class Analysis:
    """A selection of one store's tickets; each method is one mining analysis of them."""

    store: Store
    selection: Any  # mining.selection.Selection (imported lazily: `import ticketloop` stays light)

    @cached_property
    def settings(self) -> Settings:
        """The settings of the selected data set."""
        return self.store.settings_of(self.selection.dataset)

    @property
    def tickets(self) -> int:
        """How many tickets the selection holds."""
        from mining.selection import scope

        with self.store.reading() as con:
            return scope(con, self.selection).tickets

    def bottlenecks(
        self, *, business_hours: bool = False, include_after_resolution: bool = False
    ) -> Bottlenecks:
        """Where the tickets wait (`mining.bottlenecks.Bottlenecks`): transitions, team queues,
        waiting for the customer, activity durations, arrivals against resolutions. Durations
        in elapsed hours, or in business hours by the settings' `[calendar]`. The waits after
        a ticket's resolution are left out of the transitions (`.after_resolution` holds them)
        unless `include_after_resolution`."""
        from mining.bottlenecks import bottlenecks

        calendar = self.settings.calendar if business_hours else None
        with self.store.reading() as con:
            return bottlenecks(
                con,
                self.selection,
                calendar=calendar,
                include_after_resolution=include_after_resolution,
            )

    def pauses(self) -> Pauses | None:
        """Who puts tickets on `Information requested`, how often and how long, by team and
        agent against the desk (`mining.pauses.Pauses`); None when the log records customer
        replies (waiting for the customer tells it then) or has no such request."""
        from mining.pauses import pauses

        with self.store.reading() as con:
            return pauses(con, self.selection)

    def escalations(self) -> Escalations:
        """Escalated, bounce-back, ping-pong and push-to-front tickets and their cost in time and
        satisfaction (`mining.escalations.Escalations`); the push-to-front threshold is the
        settings' `[escalations] push_to_front_share`."""
        from mining.escalations import escalations

        share = self.settings.push_to_front_share
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
            fit = self.fit()
            if fit.reason:
                raise MiningError(f"--target deviating needs the designed flow: {fit.reason}")
            deviating = fit.non_fitting_tickets
        share = self.settings.push_to_front_share
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
        """Fitness and deviations against `model` (a BPMN file; default the data set's designed
        flow), by token replay or alignments (default the data set's [conformance] method). Results are cached in the store; accepted deviations come from
        settings. `progress(done, total)` is told of the variants replayed. MiningError, saying
        why, when the flow is not put on these tickets (application.flow: none named, or a flow
        of another process)."""
        from store.errors import MiningError

        fit = self.fit(model, method, progress)
        if fit.conformance is None:
            raise MiningError(fit.reason or "")
        return fit.conformance

    def fit(
        self,
        model: str | Path | None = None,
        method: Method | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> FlowFit:
        """The designed flow put on these tickets (application.flow.FlowFit): its conformance,
        or the reason it is not put on them."""
        from application.flow import fit_designed_flow

        return fit_designed_flow(
            self.store.path,
            self.selection,
            self.settings,
            model=Path(model) if model else None,
            method=method,
            progress=progress,
        )

    def kpis(self, *, weekly: bool = False, by: str | None = None) -> Any:
        """Every KPI of the selection (a mining.kpis.KpiReport; `.to_json(...)`, `.value(name)`,
        `.values` as a DataFrame): totals, or one row per ISO week with targets, a week status
        (mining.weeks) and, for judged weeks, XmR limits and signals by phase (each recorded
        change starts one; earlier phases keep their limits), optionally by channel, priority,
        team, category or level."""
        from mining.kpis import compute_kpis
        from store.changes import list_changes

        settings = self.settings
        with self.store.reading() as con:
            changes = [c["date"] for c in list_changes(con, self.selection.dataset)]
            return compute_kpis(
                con, self.selection, settings, weekly=weekly, by=by, changes=changes
            )

    def change_effect(self, change_id: int, *, weeks_before: int = 6, weeks_after: int = 6) -> Any:
        """Every KPI of the tickets created in the weeks before change `change_id` against those
        created in the weeks from it (mining.effect.ChangeEffect): 95% bootstrap intervals that
        resample days of creation (tickets of a day share its queue) and verdicts Holm-corrected
        over the KPIs judged together; and the share of tickets that fit the designed flow, when
        the flow is put on the log."""
        from application.effect import change_effect
        from store.changes import get_change

        unfit = self.fit().unfit
        with self.store.reading() as con:
            return change_effect(
                con,
                self.selection,
                settings=self.settings,
                change=get_change(con, change_id),
                unfit=unfit,
                weeks_before=weeks_before,
                weeks_after=weeks_after,
            )

    def review(self, week: str = "last", *, recent_weeks: int = 12) -> Review:
        """The weekly review of ISO week `week` ('2025-W14', or 'last': the last complete week
        with tickets created): application.review.Review; dashboard.report.render_review makes
        it one self-contained HTML document."""
        from application.review import build_review

        fit = self.fit()  # deviations, and the fit in changes' effects
        with self.store.reading() as con:
            return build_review(
                con,
                self.selection,
                self.settings,
                week=week,
                recent_weeks=recent_weeks,
                fit=fit,
            )


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """Timestamps as ISO 8601 strings with `T`, as every JSON output writes them."""
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
