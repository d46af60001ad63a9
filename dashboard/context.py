"""The page context: the store, its version and the selection every page renders from.

`build()` draws the global filters in the sidebar and keeps them in the URL's query parameters
(two-way: a copied link reproduces the view), offering only the dimensions the data set has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from dashboard import data, texts
from dashboard.markdown import say
from mining import overview
from mining.selection import Selection
from store.errors import TicketloopError
from store.fields import BY_NAME, FILTERS_SHOWN
from store.settings import Settings

T = TypeVar("T")
FILTERS = tuple(f.name for f in FILTERS_SHOWN)  # in the sidebar, in this order
_STATE = {name: f"filter_{name}" for name in FILTERS}
PAGE_PARAMS = ("week",)  # URL parameters a page keeps itself (the weekly review's week)


@dataclass(frozen=True)
class PageContext:
    """What a page renders from. `selection` and `dimensions` are None when there is no data
    (then `problem` may say why the store cannot be read)."""

    db: Path
    version: float
    datasets: tuple[str, ...] = ()
    selection: Selection | None = None
    dimensions: overview.Dimensions | None = None
    settings: Settings = field(default_factory=Settings)
    problem: str | None = None

    def query(self, fn: Callable[..., T], **options: Any) -> T:
        """`fn(con, selection, **options)`, cached on the store's version: a page's data."""
        assert self.selection is not None, "pages that need data are only run with a selection"
        return data.query(fn, self.db, self.version, self.selection, **options)

    def prefetch(self, fn: Callable[..., Any], **options: Any) -> None:
        """Start computing `query(fn, **options)` in the background (data.prefetch): for a slow
        read the page draws last."""
        assert self.selection is not None, "pages that need data are only run with a selection"
        data.prefetch(fn, self.db, self.version, self.selection, **options)

    def has(self, dimension: str) -> bool:
        """Whether the data set has any value of `dimension` (channel, team, level, ...)."""
        return bool(self.dimensions and dimension in self.dimensions.values)

    def colours(self) -> dict[str, str]:
        """One stable colour per activity of the data set, for every chart."""
        from dashboard.charts import activity_colours

        return activity_colours(self.dimensions.activities if self.dimensions else ())


def select_activity(name: str | None) -> None:
    """Filter on tickets passing through `name` (None clears it), e.g. from a process-map click;
    call it from a widget callback, or follow it with st.rerun()."""
    st.session_state["filter_activity"] = name


def select_edge(edge: tuple[str, str] | None) -> None:
    """Filter on tickets where edge[0] is directly followed by edge[1] (None clears it)."""
    st.session_state["filter_edge"] = tuple(edge) if edge else None


def show_dataset(name: str | None) -> None:
    """Pick data set `name` in the sidebar on the next run (None: the first one)."""
    st.session_state["dataset_next"] = name or ""


def build() -> PageContext:
    """The context of this run, drawing the sidebar filters when the store holds data."""
    path = data.db_path()
    if not path.exists():
        return PageContext(path, 0.0)
    version = data.db_version(path)
    try:
        names = tuple(data.dataset_names(path, version))
    except TicketloopError as exc:
        return PageContext(path, version, settings=_settings(path, version, None), problem=str(exc))
    dataset = _dataset_picker(names) if names else None
    settings = _settings(path, version, dataset)
    if dataset is None:
        return PageContext(path, version, settings=settings)
    try:
        base = Selection(dataset, timezone=settings.calendar.timezone)
        dims = data.query(overview.dimensions, path, version, base)
    except TicketloopError as exc:
        return PageContext(path, version, settings=settings, problem=str(exc))
    selection = _filters(base, dims)
    _write_url(selection, dims)
    return PageContext(path, version, names, selection, dims, settings)


def _settings(path: Path, version: float, dataset: str | None) -> Settings:
    """The settings of `dataset`; the built-in ones, with a warning, when they cannot be read."""
    try:
        return data.settings(path, version, dataset)
    except TicketloopError as exc:
        st.sidebar.warning(say(texts.SETTINGS_PROBLEM, message=exc))
        return Settings()


def _url_once() -> dict[str, list[str]]:
    """The query parameters the session was opened with, read once (later the widgets lead)."""
    if "url_read" in st.session_state:
        return {}
    st.session_state["url_read"] = True
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _dataset_picker(names: tuple[str, ...]) -> str:
    url = _url_once()
    st.session_state["url_at_start"] = url or st.session_state.get("url_at_start", {})
    wanted = (url.get("dataset") or [None])[0] or st.session_state.pop("dataset_next", None)
    if wanted in names:
        st.session_state["dataset"] = wanted
    elif st.session_state.get("dataset") not in names:
        st.session_state["dataset"] = names[0]
    if wanted is not None and wanted not in names:  # a link to a data set this store lacks
        st.session_state["dataset_unknown"] = (wanted, st.session_state["dataset"])
    unknown, shown = st.session_state.get("dataset_unknown", (None, None))
    if unknown is not None and st.session_state["dataset"] == shown:  # until another is picked
        st.sidebar.warning(say(texts.DATASET_UNKNOWN, name=unknown, shown=shown))
    return st.sidebar.selectbox(texts.DATASET_LABEL, names, key="dataset")


def _filters(base: Selection, dims: overview.Dimensions) -> Selection:
    """Draw the filters the data set offers; reset them when the data set changes."""
    state = st.session_state
    url = state.pop("url_at_start", {})
    if state.get("filters_for") != base.dataset:
        state["filters_for"] = base.dataset
        for key in (*_STATE.values(), "filter_dates", "filter_activity", "filter_edge"):
            state.pop(key, None)
        _apply_url(url, dims)
    chosen: dict[str, Any] = {}
    if dims.first_day and dims.last_day:
        span = (dims.first_day, dims.last_day)
        picked = state.get("filter_dates")
        if not isinstance(picked, tuple) or not all(span[0] <= d <= span[1] for d in picked):
            state["filter_dates"] = span
        days = st.sidebar.date_input(
            texts.FILTER_DATES,
            min_value=span[0],
            max_value=span[1],
            key="filter_dates",
            format="YYYY-MM-DD",
        )
        if isinstance(days, tuple) and len(days) == 2 and tuple(days) != span:
            chosen["start"], chosen["end"] = days
    for name in FILTERS:
        options = dims.values.get(name)
        if not options:
            continue
        key = _STATE[name]
        state[key] = [v for v in state.get(key, []) if v in options]
        values = st.sidebar.multiselect(
            texts.FILTER_LABELS[name],
            options,
            key=key,
            placeholder=texts.FILTER_ALL,
            format_func=_level_name if BY_NAME[name].parser == "level" else str,
        )
        if values:
            chosen[name] = tuple(values)
    absent = [texts.FILTER_LABELS[n].lower() for n in FILTERS if n not in dims.values]
    if absent:
        st.sidebar.caption(texts.FILTER_ABSENT.format(names=", ".join(absent)))
    activity, edge = state.get("filter_activity"), state.get("filter_edge")
    if activity not in dims.activities:
        activity = state["filter_activity"] = None
    if edge and not set(edge) <= set(dims.activities):
        edge = state["filter_edge"] = None
    if activity:
        st.sidebar.markdown(say(texts.FILTER_ACTIVITY, activity=activity))
        st.sidebar.button(texts.CLEAR, key="clear_activity", on_click=select_activity, args=(None,))
        chosen["activity"] = activity
    if edge:
        st.sidebar.markdown(say(texts.FILTER_EDGE, a=edge[0], b=edge[1]))
        st.sidebar.button(texts.CLEAR, key="clear_edge", on_click=select_edge, args=(None,))
        chosen["edge"] = tuple(edge)
    return base.but(**chosen)


def _level_name(level: int) -> str:
    from store.vocabulary import LEVELS

    return f"{level}: {LEVELS.get(level, '')}".rstrip(": ")


def _apply_url(url: dict[str, list[str]], dims: overview.Dimensions) -> None:
    """Put a link's filters into the widgets' state, ignoring values the data set lacks."""
    state = st.session_state
    for name in FILTERS:
        options = dims.values.get(name, ())
        wanted = url.get(name, [])
        if BY_NAME[name].numeric:
            wanted = [int(v) for v in wanted if v.isdigit()]
        picked = [v for v in wanted if v in options]
        if picked:
            state[_STATE[name]] = picked
    try:
        start = date.fromisoformat(url["from"][0]) if url.get("from") else dims.first_day
        end = date.fromisoformat(url["to"][0]) if url.get("to") else dims.last_day
    except ValueError:
        start, end = dims.first_day, dims.last_day
    if start and end and dims.first_day and dims.last_day:
        start, end = max(start, dims.first_day), min(end, dims.last_day)
        if start <= end:
            state["filter_dates"] = (start, end)
    activity = (url.get("activity") or [None])[0]
    if activity in dims.activities:
        state["filter_activity"] = activity
    edge = (url.get("edge_from") or [None])[0], (url.get("edge_to") or [None])[0]
    if all(a in dims.activities for a in edge):
        state["filter_edge"] = edge


def _write_url(selection: Selection, dims: overview.Dimensions) -> None:
    """Mirror the selection into the URL, leaving out what is not filtered."""
    params: dict[str, str | list[str]] = {"dataset": selection.dataset}
    if selection.start:
        params["from"] = selection.start.isoformat()
    if selection.end:
        params["to"] = selection.end.isoformat()
    for name, values in selection.filters:
        params[name] = [str(v) for v in values]
    if selection.activity:
        params["activity"] = selection.activity
    if selection.edge:
        params["edge_from"], params["edge_to"] = selection.edge
    current = {key: st.query_params.get_all(key) for key in st.query_params}
    params |= {key: current[key] for key in PAGE_PARAMS if key in current}  # a page's own
    wanted = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    if current != wanted:
        st.query_params.from_dict(params)
