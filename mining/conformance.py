"""Conformance: how well the selected tickets fit a BPMN model (the designed flow, or any model a
user brings), week by week, and which deviations they show at what cost.

pm4py replays each variant once (`mining.pm4py_bridge`); the results are cached in the store per
(data set, variant, model file, method, replay engine), so a repeat run never calls pm4py and a
run after an append replays only the variants the append brought (a variant replays the same
whatever else the data set holds; `dataset_version` records when it was first replayed). Unlike
the other analyses this one takes the store's path, not a connection: it reads with short read-only
connections and writes the cache with a short writable one, so the store is never held while
pm4py works.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from mining.bpmn import ModelFile, read_model_file
from mining.pm4py_bridge import (
    Method,
    Variant,
    VariantReplay,
    replay_engine,
    replay_variants,
)
from mining.results import records
from mining.selection import Scope, Selection
from mining.tickets import Resolution, load_ticket_paths, select_tickets
from store.connection import open_store
from store.errors import MiningError, ModelError, StoreError
from store.queries import sql_text
from store.vocabulary import CONFORMANCE_METHODS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

CACHE_WAIT_S = 2.0  # how long to wait for another writer before giving up on caching
LISTED = 5  # labels named in a note or an error

FRESH_TABLE = "CREATE OR REPLACE TEMP TABLE fresh_replays AS FROM conformance_cache LIMIT 0"
# A model of the tickets' process has at least this share of their activities (else a note asks
# whether it is the right model, and the other analyses do not lean on the sample's flow).
MOST_LABELS = 0.5


def share_in_model(log_labels: Collection[str], model_labels: Iterable[str]) -> float:
    """The share of the tickets' activities `log_labels` that the model has (1.0 for none): a
    model of their process has at least MOST_LABELS."""
    if not log_labels:
        return 1.0
    return len(set(log_labels) & set(model_labels)) / len(log_labels)


SELECTED_NAMES = (
    "SELECT name FROM activities"
    " WHERE activity_id IN (SELECT DISTINCT activity_id FROM selected_events)"
)
SELECTED_SOURCE_LABELS = (
    "SELECT DISTINCT coalesce(e.source_activity, a.name) FROM selected_events e"
    " JOIN activities a USING (activity_id)"
)
TICKET_PATH_VARIANTS = (
    "CREATE OR REPLACE TEMP TABLE ticket_labels AS"
    " SELECT case_key, path_key AS variant_key FROM ticket_paths"
)


class ForeignModel(ModelError):
    """A model that has too small a share of the tickets' activities to be a model of their
    process (check_conformance's `least_share`)."""

    def __init__(self, model: str, share: float) -> None:
        super().__init__(f"{model}: {share:.0%} of the tickets' activities are in the model")
        self.share = share


@dataclass(frozen=True)
class Conformance:
    """The selected tickets against a model.

    `log_fitness` is pm4py's log fitness for `method` (token replay or alignments) on these
    tickets; `fitting_ticket_share` (0-1) the tickets that fit the model exactly. `weekly`: one
    row per ISO week of ticket creation: week_start (date), week ('2025-W02'), tickets,
    log_fitness, fitting_ticket_share, examples (up to five tickets that do not fit). `deviations`: one row per deviation, most tickets first,
    columns as conformance_deviations.sql documents them (deviation, kind, activity, accepted,
    tickets, share, examples, then time to resolution, CSAT and NPS of the affected tickets
    against the rest, with how many answers each mean rests on).
    """

    selection: Selection
    tickets: int
    model: str  # the model's name: its file, or the designed flow's name
    model_sha256: str
    method: Method
    source_labels: bool  # the model names the source file's labels, not the activity names
    log_fitness: float
    fitting_ticket_share: float
    weekly: pd.DataFrame
    deviations: pd.DataFrame
    variants: int
    replayed: int  # variants pm4py replayed in this run; 0 when all came from the cache
    cached: bool  # the results are in the store's cache
    resolution: Resolution
    notes: tuple[str, ...]
    # The case ids of the tickets that do not fit, in ticket order (not in JSON): an Arrow column,
    # not a tuple, since hundreds of thousands of strings cost a tenth of a second to build and as
    # much again each time a cache copies them.
    unfit: pa.StringArray

    @property
    def non_fitting_tickets(self) -> tuple[str, ...]:
        """The case ids of the tickets that do not fit, in ticket order."""
        return tuple(self.unfit.to_pylist())

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.selection.dataset,
            "selection": self.selection.describe(),
            "tickets": self.tickets,
            "model": self.model,
            "model_sha256": self.model_sha256,
            "method": self.method,
            "labels": "source labels" if self.source_labels else "activity names",
            "log_fitness": self.log_fitness,
            "fitting_ticket_share": self.fitting_ticket_share,
            "variants": self.variants,
            "replayed_variants": self.replayed,
            "cached": self.cached,
            "time_to_resolution": self.resolution.describe(),
            "notes": list(self.notes),
            "weekly": records(self.weekly),
            "deviations": records(self.deviations),
        }


@dataclass(frozen=True)
class _Plan:
    """A selection bound to a read-only connection, its tickets' variants looked up in the cache."""

    bound: Scope
    version: int
    source_labels: bool
    log_labels: frozenset[str]
    resolution: Resolution
    variants: int
    missing: list[Variant]

    def key(self, model: ModelFile, method: Method) -> dict[str, object]:
        return {
            "d": self.bound.dataset_id,
            "version": self.version,
            "sha256": model.sha256,
            "method": method,
            "engine": replay_engine(method),
        }


def check_conformance(
    db: Path,
    selection: Selection,
    *,
    model: ModelFile | Path,
    method: Method = "token-replay",
    accepted: tuple[str, ...] = (),
    progress: Callable[[int, int], None] | None = None,
    least_share: float = 0.0,
) -> Conformance:
    """Check the tickets of `selection` in the store at `db` against the BPMN `model` (a file, or
    a model read by mining.bpmn.model_of); deviations listed in `accepted` ("skipped: X",
    "unexpected: X") are marked accepted.
    `progress(done, total)` is told of the variants replayed (none when all are cached).
    ForeignModel, before any replay, when the model has less than `least_share` of the tickets'
    activities."""
    if method not in CONFORMANCE_METHODS:
        raise MiningError(f"unknown method '{method}'; use {' or '.join(CONFORMANCE_METHODS)}")
    if isinstance(model, Path):
        model = read_model_file(model)
    with open_store(db, read_only=True) as con:
        plan = _plan(con, selection, model, method)
        share = share_in_model(plan.log_labels, model.task_labels)
        if share < least_share:
            raise ForeignModel(model.name, share)
        if not plan.missing:
            return _summarize(con, plan, model, method, accepted, replayed=0, cached=True)
    replays = replay_variants(model, plan.missing, method, progress)
    fresh = dict(zip(plan.missing, replays, strict=True))
    problem = _save(db, plan.key(model, method), fresh)
    with open_store(db, read_only=True) as con:
        again = _plan(con, selection, model, method, fresh=fresh if problem else None)
        if again.missing:
            raise MiningError(
                f"data set '{selection.dataset}' changed while its tickets were checked"
                " (another ingest); run the command again"
            )
        notes = (f"results not cached: {problem}",) if problem else ()
        return _summarize(
            con,
            again,
            model,
            method,
            accepted,
            replayed=len(fresh),
            cached=not problem,
            extra_notes=notes,
        )


def _plan(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    model: ModelFile,
    method: Method,
    *,
    fresh: dict[Variant, VariantReplay] | None = None,
) -> _Plan:
    """Scope the selection, label its tickets as the model does, and look their variants up in
    the cache (and in `fresh`, results computed in this run that could not be cached)."""
    bound = select_tickets(con, selection)
    version = con.execute(
        "SELECT version FROM datasets WHERE dataset_id = $d", {"d": bound.dataset_id}
    ).fetchall()[0][0]
    source_labels, log_labels = _labels_to_use(con, model, selection)
    resolution = load_ticket_paths(con, bound)
    if source_labels:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ticket_labels AS "
            + sql_text("mining", "conformance_tickets.sql")
        )
    else:  # activity names: a ticket's variant is its path
        con.execute(TICKET_PATH_VARIANTS)
    plan = _Plan(bound, version, source_labels, log_labels, resolution, 0, [])
    con.execute(FRESH_TABLE)
    if fresh:
        _insert_fresh(con, plan.key(model, method), fresh)
    lookup = plan.key(model, method) | {"source_labels": source_labels}
    del lookup["version"]  # a variant replays the same in every version
    con.execute(
        "CREATE OR REPLACE TEMP TABLE variant_replays AS "
        + sql_text("mining", "conformance_lookup.sql"),
        lookup,
    )
    variants, missing = con.execute(
        "SELECT count(*), list(variant) FILTER (WHERE fitness IS NULL) FROM variant_replays"
    ).fetchall()[0]
    return _Plan(
        bound,
        version,
        source_labels,
        log_labels,
        resolution,
        variants,
        [tuple(v) for v in missing or []],
    )


def _labels_to_use(
    con: duckdb.DuckDBPyConnection, model: ModelFile, selection: Selection
) -> tuple[bool, frozenset[str]]:
    """Whether to replay the source file's labels (when the model shares more with them than
    with the activity names), and the log's labels so chosen; ModelError when none is shared."""
    names = frozenset(r[0] for r in con.execute(SELECTED_NAMES).fetchall())
    tasks = set(model.task_labels)
    if tasks <= names:  # the source labels cannot share more
        return False, names
    sources = frozenset(r[0] for r in con.execute(SELECTED_SOURCE_LABELS).fetchall())
    source_labels = len(tasks & sources) > len(tasks & names)
    log_labels = sources if source_labels else names
    if not tasks & log_labels:
        raise ModelError(
            f"{model.name}: the model's activities ({_some(tasks)}) share no label with the"
            f" tickets of data set '{selection.dataset}' ({_some(names)}). Give a model drawn"
            " with the log's labels (--model), or map the log's labels to the model's: ticketloop"
            f" map --dataset {shlex.quote(selection.dataset)} --suggest (or the Data page)"
        )
    return source_labels, log_labels


def _some(labels: set[str] | frozenset[str]) -> str:
    ordered = sorted(labels)
    more = f", and {len(ordered) - LISTED} more" if len(ordered) > LISTED else ""
    return ", ".join(f"'{x}'" for x in ordered[:LISTED]) + more


def _insert_fresh(
    con: duckdb.DuckDBPyConnection, key: dict[str, object], fresh: dict[Variant, VariantReplay]
) -> None:
    """Put results computed in this run in the TEMP table fresh_replays (as conformance_cache)."""
    results = list(fresh.values())
    columns = ("fitness", "fits", "missing", "consumed", "remaining", "produced", "cost")
    params: dict[str, object] = {name: [getattr(r, name) for r in results] for name in columns}
    params |= {
        "variant": [list(v) for v in fresh],
        "worst_cost": [r.worst_cost for r in results],
        "skipped": [list(r.skipped) for r in results],
        "unexpected": [list(r.unexpected) for r in results],
    }
    con.execute(sql_text("mining", "conformance_fresh.sql"), key | params)


def _save(db: Path, key: dict[str, object], fresh: dict[Variant, VariantReplay]) -> str | None:
    """Write `fresh` to the store's cache; the reason when the store cannot be written now."""
    try:
        with open_store(db, wait_s=CACHE_WAIT_S) as con:
            con.execute(FRESH_TABLE)
            _insert_fresh(con, key, fresh)
            con.execute(sql_text("mining", "conformance_save.sql"))
    except StoreError as exc:
        return str(exc)
    return None


# The TEMP table ticket_variants: ticket_paths with the rowid in variant_replays of each ticket's
# variant (after conformance_lookup.sql), joined once for the summary's four reads. A variant of
# activity names is the ticket's path; one of source labels is in ticket_labels.
_TICKET_VARIANTS = (
    "CREATE OR REPLACE TEMP TABLE ticket_variants AS SELECT p.*, r.rowid AS variant"
    " FROM ticket_paths p {join}"
)
_BY_PATH = "JOIN variant_replays r ON r.variant_key = p.path_key"
_BY_LABELS = "JOIN ticket_labels l USING (case_key) JOIN variant_replays r USING (variant_key)"
# The case ids of the selected tickets whose variant does not fit.
_NON_FITTING = (
    "SELECT t.case_id FROM ticket_variants t JOIN variant_replays r ON r.rowid = t.variant"
    " WHERE NOT r.fits ORDER BY t.case_key"
)


def _summarize(
    con: duckdb.DuckDBPyConnection,
    plan: _Plan,
    model: ModelFile,
    method: Method,
    accepted: tuple[str, ...],
    *,
    replayed: int,
    cached: bool,
    extra_notes: tuple[str, ...] = (),
) -> Conformance:
    con.execute(_TICKET_VARIANTS.format(join=_BY_LABELS if plan.source_labels else _BY_PATH))
    weekly = con.execute(
        sql_text("mining", "conformance_weekly.sql"),
        {"timezone": plan.bound.selection.timezone, "alignments": method == "alignments"},
    ).df()
    overall, weekly = weekly.iloc[0], weekly.iloc[1:].reset_index(drop=True)  # all, then weeks
    weekly["week_start"] = weekly["week_start"].dt.date
    deviations = _with_resolution_medians(
        con,
        plan.variants,
        con.execute(
            sql_text("mining", "conformance_deviations.sql"), {"accepted": list(accepted)}
        ).df(),
    )
    unfit = con.sql(_NON_FITTING).to_arrow_table().column("case_id").combine_chunks()
    labels_in_model = share_in_model(plan.log_labels, model.task_labels)
    return Conformance(
        selection=plan.bound.selection,
        tickets=plan.bound.tickets,
        model=model.name,
        model_sha256=model.sha256,
        method=method,
        source_labels=plan.source_labels,
        log_fitness=float(overall["log_fitness"]),
        fitting_ticket_share=float(overall["fitting_ticket_share"]),
        weekly=weekly,
        deviations=deviations,
        variants=plan.variants,
        replayed=replayed,
        cached=cached,
        resolution=plan.resolution,
        notes=_notes(plan, model, method, labels_in_model) + extra_notes,
        unfit=unfit,
    )


# The selected tickets' times to resolution (seconds), ascending, each with the rowid of its variant
# in variant_replays.
_RESOLUTION_TIMES = (
    "SELECT variant, ttr_seconds FROM ticket_variants"
    " WHERE ttr_seconds IS NOT NULL ORDER BY ttr_seconds"
)


def _with_resolution_medians(
    con: duckdb.DuckDBPyConnection, variants: int, deviations: pd.DataFrame
) -> pd.DataFrame:
    """`deviations` (conformance_deviations.sql) with each deviation's median time to resolution
    in hours, of the tickets it affects (ttr_median_hours_affected) and of the rest (_rest), in
    place of the variants it affects: the times sorted once, each median read off the sorted
    times of its variants (SQL would sort every time again for each deviation)."""
    import numpy as np

    found = con.execute(_RESOLUTION_TIMES).fetchnumpy()
    variant, seconds = found["variant"], found["ttr_seconds"]
    hit = np.zeros(variants, dtype=bool)  # whether each variant is affected
    medians: list[tuple[float, float]] = []
    for affected in deviations.pop("affected_variants"):
        hit[:] = False
        hit[np.asarray(affected, dtype=np.int64)] = True
        mask = hit[variant]
        medians.append((_median_hours(seconds[mask]), _median_hours(seconds[~mask])))
    at = deviations.columns.get_loc("examples") + 1
    for offset, side in enumerate(("affected", "rest")):
        column = np.array([pair[offset] for pair in medians], dtype="float64")
        deviations.insert(at + offset, f"ttr_median_hours_{side}", column)
    return deviations


def _median_hours(ascending: np.ndarray) -> float:
    """The median of seconds sorted ascending, in hours (NaN for none), as DuckDB's median:
    the mean of the two middle values of an even count."""
    n = len(ascending)
    return (ascending[(n - 1) // 2] + ascending[n // 2]) / 2 / 3600 if n else float("nan")


def _notes(
    plan: _Plan, model: ModelFile, method: Method, labels_in_model: float
) -> tuple[str, ...]:
    notes = []
    if plan.source_labels:
        notes.append("the model names the source file's labels, so tickets are checked with those")
    tasks = set(model.task_labels)
    foreign = plan.log_labels - tasks
    if labels_in_model < MOST_LABELS:
        notes.append(
            f"only {len(plan.log_labels & tasks)} of the {len(plan.log_labels)} activities of"
            f" these tickets are in the model (not: {_some(foreign)}); is it the right model?"
            " Give yours with --model, or discover one: ticketloop discover --out model.bpmn"
        )
    absent = tasks - plan.log_labels
    if absent:
        notes.append(f"model activities no selected ticket has: {_some(absent)}")
    if foreign and method == "token-replay":
        notes.append(
            f"token replay, as pm4py's, counts no activity the model lacks ({_some(foreign)})"
            " against fitness: a ticket that does one is listed as unexpected below but can"
            " still fit. Alignments count them (--method alignments)"
        )
    repeated = model.repeated_labels
    if repeated and method == "token-replay":
        listing = ", ".join(f"'{label}' x{n}" for label, n in repeated.items())
        notes.append(
            f"the model repeats labels ({listing}): token replay approximates that, and names"
            " some deviations that are not; alignments are exact (--method alignments, or"
            " [conformance] method in the settings)"
        )
    return tuple(notes)


def deviation_costs(deviations: pd.DataFrame) -> pd.DataFrame:
    """`deviations` (as Conformance.deviations) ranked by what they cost: extra_hours (median time
    to resolution of the affected tickets over the rest's, at least 0; NULL when either side has
    no resolved ticket: a cost unknown, not none), cost_hours (tickets x extra_hours) and
    csat_gap (affected CSAT mean minus the rest's; NULL without answers), most costly first
    (then most tickets; unknown costs last)."""
    ranked = deviations.copy()
    extra = ranked["ttr_median_hours_affected"] - ranked["ttr_median_hours_rest"]
    ranked["extra_hours"] = extra.clip(lower=0)
    ranked["cost_hours"] = ranked["tickets"] * ranked["extra_hours"]
    ranked["csat_gap"] = ranked["csat_mean_affected"] - ranked["csat_mean_rest"]
    return ranked.sort_values(["cost_hours", "tickets"], ascending=False).reset_index(drop=True)
