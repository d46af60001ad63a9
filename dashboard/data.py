"""The dashboard's one seam to the store: where the database is, and the only place that caches.

Every cached read is keyed on the store file and its version (which changes with every write), so
a load in another process shows up on the next rerun and nothing stale is ever served.
"""

from __future__ import annotations

import atexit
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from application import uploads
from application.effect import change_effect as effect_of
from application.flow import FlowFit, fit_designed_flow
from application.review import until_week_end
from application.settings_form import SettingsForm, save_form
from application.vocabulary import (
    DatasetVocabulary,
    KpiPreview,
    VocabularyChange,
    apply_vocabulary,
    dataset_vocabulary,
    preview_kpis,
)
from mining.effect import ChangeEffect
from mining.selection import Selection
from store.audit import entries, record
from store.connection import open_store
from store.dataset_settings import DatasetSettings, dataset_settings
from store.dataset_vocabulary import Vocabulary
from store.datasets import list_datasets
from store.errors import TicketloopError
from store.location import default_db_path
from store.quality import quality_report
from store.settings import Settings, load_settings, settings_file

READ_WAIT_S = 5.0  # how long a page waits for an ingest in another process to release the file
KEEP_OPEN_S = 1.0  # how long the store stays open after the last read (other processes write then)
T = TypeVar("T")


def db_path() -> Path:
    return default_db_path().resolve()


@contextmanager
def _reading(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short read-only connection that waits a little for an ingest in another process. The
    store stays open in this process until KEEP_OPEN_S after the last of them: the reads of a
    page share one DuckDB instance (its catalog and the blocks read), where each would open
    the file anew."""
    _keep_open(path)
    try:
        with open_store(path, read_only=True, wait_s=READ_WAIT_S, upgrade=_upgrades()) as con:
            yield con
    finally:
        _close_later(path)


@dataclass
class _Kept:
    """The store held open for reading (`stack` closes it), by how many reads now."""

    stack: ExitStack
    readers: int = 0
    closing: threading.Timer | None = None


_kept: dict[Path, _Kept] = {}
_kept_lock = threading.Lock()


@atexit.register
def _close_all() -> None:
    with _kept_lock:
        for path in list(_kept):
            _close(path)


def _close(path: Path) -> None:
    """Forget and close the store held open at `path` (with _kept_lock held)."""
    kept = _kept.pop(path)
    if kept.closing is not None:
        kept.closing.cancel()
    kept.stack.close()


def _keep_open(path: Path) -> None:
    with _kept_lock:
        kept = _kept.get(path)
        if kept is None:
            stack = ExitStack()
            stack.enter_context(
                open_store(path, read_only=True, wait_s=READ_WAIT_S, upgrade=_upgrades())
            )
            kept = _kept[path] = _Kept(stack)
        if kept.closing is not None:
            kept.closing.cancel()
            kept.closing = None
        kept.readers += 1


def _close_later(path: Path) -> None:
    with _kept_lock:
        kept = _kept[path]
        kept.readers -= 1
        if not kept.readers:
            kept.closing = threading.Timer(KEEP_OPEN_S, _close_if_idle, (path, kept))
            kept.closing.daemon = True
            kept.closing.start()


def _close_if_idle(path: Path, kept: _Kept) -> None:
    with _kept_lock:
        if _kept.get(path) is kept and not kept.readers:
            _close(path)


def let_go(path: Path) -> bool:
    """Close the store now unless a read is running (a write of this process then waits for
    it); whether it is closed in this process."""
    with _kept_lock:
        kept = _kept.get(path)
        if kept is not None and not kept.readers:
            _close(path)
        return path not in _kept


def db_version(path: Path) -> float:
    """Changes whenever the store file (or its write-ahead log) changes: the cache key."""
    wal = path.with_name(path.name + ".wal")
    return sum(p.stat().st_mtime_ns for p in (path, wal) if p.exists())


def query(
    fn: Callable[..., T], path: Path, version: float, selection: Selection, **options: Any
) -> T:
    """`fn(con, selection, **options)` on a short read-only connection, cached on the store's
    version, the selection and the options. `fn` is a mining or application function; its result
    (a DataFrame or a dataclass) is cached by value, so callers must not mutate it. A function
    that takes `tickets` (application.review.weekly_kpis) is given the selection's ticket_kpis
    under the `settings` option: read from the events once for the KPIs and every change's
    effect."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    shares = "tickets" in inspect.signature(fn).parameters
    return _query(name, fn, path, version, selection, tuple(sorted(options.items())), shares)


def prefetch(
    fn: Callable[..., Any], path: Path, version: float, selection: Selection, **options: Any
) -> None:
    """Start `query(fn, path, version, selection, **options)` in the background (in_background)."""
    in_background(query, fn, path, version, selection, **options)


def in_background(cached: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Start `cached(*args, **kwargs)`, a cached function of this module, in a background thread,
    for a slow read a page draws last: its own call then waits for this one (Streamlit computes a
    cached value once) instead of starting over, and the page draws the rest meanwhile."""
    thread = threading.Thread(target=_quietly, args=(cached, args, kwargs), daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())
    thread.start()


def _quietly(cached: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    """`cached(*args, **kwargs)`, leaving a failure to the page's own call (which raises it)."""
    with suppress(TicketloopError):
        cached(*args, **kwargs)


@st.cache_data(show_spinner=False, max_entries=512)
def _query(
    name: str,
    _fn: Callable[..., Any],
    path: Path,
    version: float,
    selection: Selection,
    options: tuple[tuple[str, Any], ...],
    shares_tickets: bool,
) -> Any:
    kwargs = dict(options)
    if shares_tickets:
        kwargs["tickets"] = ticket_kpis(path, version, selection, kwargs["settings"])
    with _reading(path) as con:
        return _fn(con, selection, **kwargs)


@st.cache_resource(show_spinner=False, max_entries=8)
def ticket_kpis(path: Path, version: float, selection: Selection, settings: Settings) -> Any:
    """What each ticket of the selection contributes to the KPIs (mining.kpis.ticket_kpis),
    read once per store version, selection and settings (about 20 MB at 100,000 tickets, 200
    MB at a million): kept as it is, not copied (its Arrow table is immutable), since the
    copy st.cache_data makes for each reader costs a quarter second at a million tickets."""
    from mining.kpis import ticket_kpis as read

    with _reading(path) as con:
        return read(con, selection, settings)


@st.cache_data(show_spinner=False)
def datasets(path: Path, version: float) -> list[dict]:
    """Every data set of the store (as `ticketloop datasets --json`), empty ones included."""
    with _reading(path) as con:
        return list_datasets(con)


def dataset_names(path: Path, version: float) -> list[str]:
    """The data sets that hold events, the largest (most tickets) first, then by name: the first
    is the one the dashboard opens on."""
    held = [row for row in datasets(path, version) if row["events"]]
    return [row["name"] for row in sorted(held, key=lambda r: (-r["cases"], r["name"]))]


@st.cache_data(show_spinner=False)
def quality(path: Path, version: float, dataset: str, timezone: str = "UTC") -> dict:
    """The data-quality report of a data set (as `ticketloop quality --json`), the times of its
    examples in `timezone`."""
    with _reading(path) as con:
        return quality_report(con, dataset, timezone).to_json()


def settings(path: Path, version: float, dataset: str | None) -> Settings:
    """The settings of `dataset` (the defaults without one), cached on the store's version and
    the defaults file's own, so an edit of either shows at once."""
    if dataset is None:
        return load_settings(settings_file(path))
    return settings_shown(path, version, dataset).settings


def settings_shown(path: Path, version: float, dataset: str) -> DatasetSettings:
    """The settings of `dataset` with where each value comes from (as `ticketloop settings`)."""
    defaults = settings_file(path)
    stamp = defaults.stat().st_mtime_ns if defaults.exists() else 0
    return _settings(path, version, dataset, defaults, stamp)


@st.cache_data(show_spinner=False, max_entries=64)
def _settings(
    path: Path, version: float, dataset: str, defaults: Path, stamp: int
) -> DatasetSettings:
    with _reading(path) as con:
        return dataset_settings(con, dataset, defaults)


def save_settings(path: Path, dataset: str, current: Settings, form: SettingsForm) -> None:
    """Keep the Settings page's `form` as `dataset`'s settings (application.settings_form);
    forgets cached reads."""
    who = _may("settings")
    let_go(path)
    save_form(path, dataset, current, form, settings_file(path))
    _audit(path, who, "settings", dataset, "saved the settings page (targets, SLA, flow)")
    clear()


def _upgrades() -> bool:
    """Whether the dashboard brings a store of an older ticketloop up to date: not when read-only."""
    from dashboard import access

    return not access.read_only()


def _may(action: str) -> str:
    """Who makes the write `action`, refused unless their role may (dashboard.access)."""
    from dashboard import access

    return access.require(action)


def _audit(
    path: Path,
    who: str,
    action: str,
    dataset: str | None,
    detail: str,
    con: duckdb.DuckDBPyConnection | None = None,
) -> None:
    """Log a write in the store's audit log (on `con` when the write has one open)."""
    if con is not None:
        return record(con, who=who, action=action, dataset=dataset, detail=detail)
    with open_store(path, wait_s=READ_WAIT_S) as own:
        record(own, who=who, action=action, dataset=dataset, detail=detail)


@st.cache_data(show_spinner=False)
def audit_log(path: Path, version: float) -> pd.DataFrame:
    """The audit log's latest entries, newest first (store.audit.entries)."""
    with _reading(path) as con:
        return entries(con)


def load_upload(path: Path, paths: list[Path], **options: Any) -> uploads.IngestReport:
    """Load staged uploads (application.uploads.load_staged with `options`), logged."""
    try:
        who = _may("upload")
    except TicketloopError:
        uploads.discard(paths)  # refused: nothing of it is kept
        raise
    mapped = " with the mapping step's columns" if options.get("mapping") else ""
    report = uploads.load_staged(path, paths, **options)
    detail = (
        f"{', '.join(p.name for p in paths)}{mapped}: {report.cases:,} tickets,"
        f" {report.events_loaded:,} events"
    )
    _audit(path, who, "upload", report.dataset, detail)
    return report


def clear() -> None:
    """Forget every cached read (after this process wrote to the store)."""
    st.cache_data.clear()
    ticket_kpis.clear()


def rename_dataset(path: Path, old: str, new: str) -> str:
    """Rename a data set; forgets cached reads."""
    from store.datasets import rename_dataset as rename

    who = _may("rename")
    let_go(path)
    with open_store(path, wait_s=READ_WAIT_S) as con:
        name = rename(con, old, new)
        _audit(path, who, "rename", name, f"renamed from {old}", con)
    clear()
    return name


def delete_dataset(path: Path, name: str) -> dict[str, int]:
    """Delete a data set from every table; forgets cached reads."""
    from store.datasets import delete_dataset as delete

    who = _may("delete")
    let_go(path)
    with open_store(path, wait_s=READ_WAIT_S) as con:
        deleted = delete(con, name)
        _audit(path, who, "delete", name, f"{deleted.get('events', 0):,} events deleted", con)
    clear()
    return deleted


@st.cache_data(show_spinner=False)
def vocabulary(path: Path, version: float, dataset: str) -> DatasetVocabulary:
    """The data set's labels and teams with their vocabulary now and the suggested one."""
    with _reading(path) as con:
        return dataset_vocabulary(con, dataset)


@st.cache_data(show_spinner=False, max_entries=32)
def vocabulary_preview(
    path: Path, version: float, dataset: str, activities: tuple[tuple[str, str], ...]
) -> KpiPreview:
    """Which KPIs the vocabulary `activities` (label, canonical activity) would make
    computable, before it is applied."""
    with _reading(path) as con:
        return preview_kpis(con, dataset, Vocabulary(dict(activities)))


def map_vocabulary(path: Path, dataset: str, chosen: Vocabulary) -> VocabularyChange:
    """Make `chosen` the data set's vocabulary (application.vocabulary); forgets cached reads."""
    who = _may("map")
    let_go(path)
    change = apply_vocabulary(path, dataset, chosen)
    detail = f"{len(change.remapped):,} labels, {len(change.levels):,} team levels"
    _audit(path, who, "map", dataset, detail if chosen.activities or chosen.levels else "reset")
    clear()
    return change


def loaded_before(path: Path, files: list[Path]) -> dict[str, str]:
    """File name -> the data set holding a file of the same content (application.uploads)."""
    if not path.exists():
        return {}
    with _reading(path) as con:
        return uploads.loaded_before(con, files)


def tickets_held(path: Path, dataset: str, case_ids: list[str]) -> int:
    """How many of `case_ids` the data set holds (application.uploads)."""
    with _reading(path) as con:
        return uploads.tickets_held(con, dataset, case_ids)


def all_rejected_rows(path: Path, version: float, dataset: str) -> pd.DataFrame:
    """Every rejected row of a data set, for download."""
    from mining.overview import rejected_rows

    return query(rejected_rows, path, version, Selection(dataset), limit=10_000_000)


@st.cache_data(show_spinner=False, max_entries=64)
def designed_fit(path: Path, version: float, selection: Selection, settings: Settings) -> FlowFit:
    """The designed flow of the settings (its BPMN is part of them) put on the selection
    (application.flow), cached on the store's version, the selection and the settings."""
    return fit_designed_flow(path, selection, settings)  # the store keeps each flow's replay too


@st.cache_data(show_spinner=False, max_entries=64)
def change_effect(
    path: Path,
    version: float,
    selection: Selection,
    settings: Settings,
    change: dict,
    week: date | None = None,
) -> ChangeEffect:
    """The measured effect of `change` on the selection (application.effect.change_effect), with
    the share of tickets that fit the designed flow when the flow is put on the log; from the
    selection's cached ticket rows and fit. With `week` (a review's Monday), on its tickets
    created up to that week's end (application.review.until_week_end). TicketloopError when a
    side of the change has no tickets."""
    unfit = designed_fit(path, version, selection, settings).unfit
    tickets = ticket_kpis(path, version, selection, settings)
    measured = until_week_end(selection, week) if week else selection  # a window of its rows
    with _reading(path) as con:
        return effect_of(
            con, measured, settings=settings, change=change, unfit=unfit, tickets=tickets
        )


def add_change(path: Path, dataset: str, day: date, title: str, note: str | None) -> int:
    """Record a process change of `dataset` (store.changes.add_change); forgets cached reads."""
    from store.changes import add_change as add

    who = _may("change")
    let_go(path)
    with open_store(path, wait_s=READ_WAIT_S) as con:
        change_id = add(con, dataset=dataset, effective=day, title=title, note=note or None)
        _audit(path, who, "change", dataset, f"recorded '{title.strip()}' of {day}", con)
    clear()
    return change_id


def remove_change(path: Path, change_id: int) -> dict:
    """Delete a process change; what it was. Forgets cached reads."""
    from store.changes import remove_change as remove

    who = _may("change")
    let_go(path)
    with open_store(path, wait_s=READ_WAIT_S) as con:
        removed = remove(con, change_id)
        detail = f"removed '{removed['title']}' of {removed['date']}"
        _audit(path, who, "change removed", removed.get("dataset"), detail, con)
    clear()
    return removed


@st.cache_data(show_spinner=False)
def changes(path: Path, version: float, dataset: str) -> list[dict]:
    """The process changes recorded for `dataset`, oldest first (store.changes.list_changes)."""
    from store.changes import list_changes

    with _reading(path) as con:
        return list_changes(con, dataset)
