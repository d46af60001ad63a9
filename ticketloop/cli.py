"""The `ticketloop` command: a thin layer over ingest and mining. Heavy imports happen inside commands."""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from store.fields import FILTERS, FILTERS_SHOWN, Field
from store.location import default_db_path
from store.vendors import VENDORS, vendors_listed
from store.vocabulary import CONFORMANCE_METHODS, LEVELS

PROGRESS_MIN_BYTES = 10 * 1024 * 1024


def json_option(command: Callable) -> Callable:
    """--json: machine-readable output, errors included."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Machine-readable JSON on stdout (errors too)."
    )(command)


def common_options(command: Callable) -> Callable:
    """--db and --json for every command that reads or writes the store."""
    command = json_option(command)
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=default_db_path,
        show_default="ticketloop.duckdb, or $TICKETLOOP_DB",
        help="The DuckDB event store file.",
        callback=_remember_db,
    )(command)


def _remember_db(ctx: click.Context, _param: click.Parameter, db: Path) -> Path:
    ctx.meta["db"] = db  # for the hints of what the command prints (with_db)
    return db


def with_db(text: str) -> str:
    """`text` with `--db DB` after each command it names that reads a store (`ticketloop X`), when
    this command's store is not the one they open by default: a hint copied from the output
    then reads the same store."""
    context = click.get_current_context(silent=True)
    db = context.meta.get("db") if context else None
    if db is None or db == default_db_path():
        return text
    takes_db = {
        name
        for name, command in cli.commands.items()
        if not isinstance(command, click.Group) and any(p.name == "db" for p in command.params)
    }
    return re.sub(
        r"\bticketloop ([a-z-]+)\b(?! --db\b)",  # not where the hint names a store already
        lambda m: f"{m[0]} --db {shlex.quote(str(db))}" if m[1] in takes_db else m[0],
        text,
    )


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings defaults file: the values a data set has not set itself (each keeps its own"
    " in the store: ticketloop settings). Default: ticketloop.toml beside the store.",
)


def selection_options(command: Callable) -> Callable:
    """--dataset, --from, --to, the dimension filters and --config: the tickets a command looks
    at. The command receives them as one dict, `selection`, for `analysis_for`."""
    options = [
        click.option("--dataset", help="Data set to analyse. Default: the only one in the store."),
        click.option(
            "--from",
            "start",
            type=click.DateTime(["%Y-%m-%d"]),
            help="Tickets created on or after this date (YYYY-MM-DD).",
        ),
        click.option(
            "--to",
            "end",
            type=click.DateTime(["%Y-%m-%d"]),
            help="Tickets created on or before this date (YYYY-MM-DD).",
        ),
        *(_filter_option(f) for f in FILTERS),
        config_option,
    ]
    names = ("dataset", "start", "end", *(f.name for f in FILTERS), "config")

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        chosen = {name: kwargs.pop(name) for name in names}
        for name in ("start", "end"):
            chosen[name] = chosen[name].date() if chosen[name] else None
        return command(selection=chosen, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _filter_option(field: Field) -> Callable:
    """`--NAME`, repeatable: only tickets with one of these values of a filter dimension."""
    assert field.filter is not None
    kind = click.IntRange(min(LEVELS), max(LEVELS)) if field.parser == "level" else None
    return click.option(f"--{field.name}", multiple=True, type=kind, help=field.filter.help)


def analysis_for(db: Path, selection: dict[str, Any], *, reads_only: bool = False) -> Any:
    """The `Analysis` of the store at `db` that a command's selection options ask for. With
    `reads_only` (a command that never writes to the store, not even a cache), the store is held
    open until the command ends, so its reads open the file once."""
    from ticketloop.api import Store

    filters = dict(selection)
    store = Store(db, config=filters.pop("config"))
    if reads_only:
        click.get_current_context().with_resource(store.held_open())
    dataset = filters.pop("dataset") or store.only_dataset()
    return store.select(dataset, **filters)


def emit_json(doc: object) -> None:
    click.echo(json.dumps(doc, indent=2, ensure_ascii=False, default=str))


class _Cli(click.Group):
    """Turns our errors into one `error:` line (with --json, a JSON object `{"error": ...}` on
    stdout) and a non-zero exit, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["json"] = "--json" in args  # known before any subcommand parses its options
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from store.errors import TicketloopError

        as_json = ctx.meta.get("json", False)
        try:
            return super().invoke(ctx)
        except TicketloopError as exc:
            raise SystemExit(_fail(str(exc), as_json)) from None
        except click.ClickException as exc:
            if not as_json:
                raise
            raise SystemExit(_fail(exc.format_message(), as_json) and exc.exit_code) from None
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise SystemExit(_fail("interrupted; nothing was changed", as_json)) from None
        except BrokenPipeError:
            # The reader stopped early (`| head`): nothing more to say, and nowhere to say it.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None
        except Exception as exc:
            if str(exc) == "Query interrupted":  # DuckDB's answer to Ctrl-C during a statement
                raise SystemExit(_fail("interrupted; nothing was changed", as_json)) from None
            if os.environ.get("TICKETLOOP_DEBUG"):
                raise
            message = (
                f"unexpected {type(exc).__name__}: {exc}. Run again with TICKETLOOP_DEBUG=1"
                " for the details and report it"
            )
            raise SystemExit(_fail(message, as_json)) from None


def _fail(message: str, as_json: bool) -> int:
    message = with_db(message)
    if as_json:
        emit_json({"error": message})
    else:
        click.echo(f"error: {message}", err=True)
    return 1


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ticketloop")
def cli() -> None:
    """ticketloop: process mining and KPIs for customer-service desks.

    \b
    Quick start:
      ticketloop demo                      load the two sample desks, open the dashboard
      ticketloop ingest export.csv         load a helpdesk export into ticketloop.duckdb
      ticketloop dashboard                 open the dashboard on http://localhost:8501

    Files it creates (the store, its log, the key, reports) are readable by their owner only.
    """
    # The store and everything drawn from it hold customers' tickets; the dashboard it starts
    # inherits this mask too.
    os.umask(os.umask(0o077) | 0o077)


class _FormatChoice(click.Choice):
    """--format's choices: auto and the source registry's names, read when first needed, so that
    `ticketloop --help` does not import the readers (and DuckDB)."""

    def __init__(self) -> None:
        super().__init__([])

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        from ingest.sources import SOURCES

        return ["auto", *(s.name for s in SOURCES)]

    @choices.setter
    def choices(self, _value: object) -> None:
        pass


INGEST_HELP = f"""Load helpdesk exports into the event store, recognising each file (see --format).

Recognised: the exports of {vendors_listed()} (flat ticket lists and their histories, surveys), and
any CSV or XES event log. Common headers are recognised in any case (Case ID, Activity,
Timestamp, Resource, case:concept:name, concept:name, time:timestamp, org:resource, ...);
other layouts need --map. Loading is atomic and idempotent: a file loaded again adds nothing,
and an overlapping later export adds only the new events. Rows with a missing or unreadable
case, activity or timestamp are rejected with the reason (kept in the `rejects` table) and
reported; --strict refuses the whole load instead.

Bounds ([ingest] in ticketloop.toml, or a data set's own settings): timestamps from earliest
(1990-01-01) to latest_years_ahead (1) years after the load, else the row is rejected; at most
max_columns (1,000) columns; a CSV row over max_row_mb (1 MB) is rejected; a gzip file may
decompress to max_inflated_mb (2,048 MB); DuckDB's part of the load uses at most memory_limit_mb
(1,024 MB), staging a large load's rows in a work file beside the store (an XES file is parsed in
Python beside it: about 2 KB an event).
"""


@cli.command(
    help=INGEST_HELP,
    short_help=f"Load helpdesk exports ({VENDORS[0]}, {VENDORS[1]}, ..., CSV, XES).",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--dataset",
    help="Data set to add to. Default: a new data set named after the first file (helpdesk,"
    " or helpdesk-2 when that name is taken).",
)
@click.option(
    "--format",
    "fmt",
    type=_FormatChoice(),
    default="auto",
    show_default=True,
    help="Source format; auto recognises each file by its headers, JSON keys or name.",
)
@click.option(
    "--timezone",
    help="Zone of timestamps without an offset, e.g. Europe/Madrid (overrides the mapping's).",
)
@click.option(
    "--map",
    "mapping_path",
    type=click.Path(path_type=Path),
    help="Mapping file (TOML) naming the columns, activity labels and timestamp format.",
)
@click.option("--strict", is_flag=True, help="Load nothing and fail if any row is rejected.")
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Replace customers' names, e-mails, phone and card numbers (in their columns and in any"
    " text) with keyed pseudonyms such as person-3f9a1c0b2d4e; the key is ticketloop.key beside"
    " the store (or $TICKETLOOP_KEY). Later loads into the data set do the same.",
)
@click.option(
    "--pseudonymise-agents",
    is_flag=True,
    help="Replace agents (the resource column) with keyed pseudonyms too.",
)
@click.option(
    "--drop-column",
    "drop_columns",
    multiple=True,
    metavar="NAME",
    help="Drop this column of the files before anything is stored (repeatable).",
)
@common_options
def ingest(
    files: tuple[Path, ...],
    dataset: str | None,
    fmt: str,
    mapping_path: Path | None,
    timezone: str | None,
    strict: bool,
    pseudonymise: bool,
    pseudonymise_agents: bool,
    drop_columns: tuple[str, ...],
    db: Path,
    as_json: bool,
) -> None:
    """Load helpdesk exports into the event store (help: INGEST_HELP)."""
    from application.format import count as plural
    from ingest.load import ingest_files
    from ingest.mapping import load_mapping
    from ingest.privacy import Privacy

    mapping = load_mapping(mapping_path) if mapping_path else None
    total = sum(p.stat().st_size for p in files if p.is_file())
    with _progress(total, enabled=not as_json and total >= PROGRESS_MIN_BYTES) as advance:
        report = ingest_files(
            db,
            list(files),
            dataset=dataset,
            fmt=fmt,
            mapping=mapping,
            strict=strict,
            progress=advance,
            timezone=timezone,
            privacy=Privacy(pseudonymise, pseudonymise_agents, drop_columns),
        )
    if as_json:
        return emit_json(report.to_json())
    for file in report.files:
        if file.already_loaded:
            click.echo(
                f"{file.file}: already loaded (same sha256); nothing to add. To read it again"
                " (say, with another --map), load it as a new data set (--dataset NAME)"
                f" or delete this one first (ticketloop datasets --delete {report.dataset})"
            )
        else:
            # Vendor rows are not events one for one: a ticket row gives one per milestone, a
            # snapshot that changes nothing gives none.
            derived = file.events_loaded + file.duplicates_skipped
            read, rejected = plural(file.rows_read, "row"), plural(file.rows_rejected, "row")
            skipped = plural(file.duplicates_skipped, "duplicate")
            counts = (
                f"{read} read, {plural(file.events_loaded, 'event')} loaded, {skipped} skipped,"
                f" {rejected} rejected"
            )
            if derived + file.rows_rejected != file.rows_read:
                counts = (
                    f"{read} read giving {plural(derived, 'event')}: {file.events_loaded:,}"
                    f" loaded, {skipped} skipped; {rejected} rejected"
                )
            click.echo(f"{file.file}: {file.recognised_as}; {counts}")
    for note in report.notes:
        click.echo(f"note: {note}")
    for file, row, reason in report.rejects:
        click.echo(f"  rejected {file} row {row}: {reason}")
    if report.rows_rejected > len(report.rejects):
        click.echo(
            f"  ... and {report.rows_rejected - len(report.rejects):,} more in table `rejects` of {db}"
        )
    span = (
        f"{report.first_ts:%Y-%m-%d} to {report.last_ts:%Y-%m-%d}"
        if report.first_ts
        else "no events"
    )
    click.echo(
        f"data set '{report.dataset}' in {db}: {report.cases:,} ticket{'s' * (report.cases != 1)}, {span}"
        f" (+{report.events_loaded:,} events)"
    )


def _on_terminal() -> bool:
    """Whether stderr is a terminal: progress bars are drawn there only, never into a pipe or
    a script's log, which would keep every redrawn line."""
    return sys.stderr.isatty()


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A byte-counting progress bar on stderr for large loads, on a terminal; a no-op otherwise."""
    if not enabled or not _on_terminal():
        yield lambda _n: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="B", unit_scale=True, desc="reading", file=sys.stderr) as bar:
        yield bar.update


@contextmanager
def _replay_progress(enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """Progress over the variants a conformance check replays (none when they are all cached, or
    a single chunk): a bar on stderr on a terminal; elsewhere (a pipe, a log) one line when the
    replay starts, so that a long one is not taken for a hang."""
    bars: list[Any] = []
    started = False
    terminal = _on_terminal()

    def advance(done: int, total: int) -> None:
        nonlocal started
        if not enabled or (done == total and not started):
            return
        if not started:
            started = True
            if terminal:
                from tqdm import tqdm

                bars.append(tqdm(total=total, unit=" variants", desc="replaying", file=sys.stderr))
            else:
                click.echo(f"replaying {total:,} variants...", err=True)
        for bar in bars:
            bar.update(done - bar.n)

    try:
        yield advance
    finally:
        for bar in bars:
            bar.close()


@cli.command(short_help="List the data sets in the store, or delete one.")
@click.option("--delete", "delete", metavar="NAME", help="Delete this data set and all its rows.")
@click.option("--yes", is_flag=True, help="Delete without asking (needed with --json).")
@common_options
def datasets(delete: str | None, yes: bool, db: Path, as_json: bool) -> None:
    """List the data sets in the event store with their size and time span. With --delete NAME,
    remove that data set (its events, tickets, files, rejects and cached results) after asking."""
    from store.errors import TicketloopError
    from ticketloop.api import Store

    if delete is not None:
        if not yes and (as_json or not click.confirm(f"Delete data set '{delete}' from {db}?")):
            raise TicketloopError(
                f"data set '{delete}' not deleted. Confirm, or add --yes to delete without asking"
            )
        deleted = Store(db).delete_dataset(delete)
        if as_json:
            return emit_json({"deleted": delete, "rows": deleted})
        click.echo(f"deleted data set '{delete}' ({deleted.get('events', 0):,} events) from {db}")
        return None
    rows = Store(db).datasets()
    if as_json:
        return emit_json(rows)
    if not rows:
        click.echo(
            f"No data sets in {db}. Load one: ticketloop ingest --db {shlex.quote(str(db))} FILE"
        )
        return None
    click.echo(f"{'name':<20} {'events':>10} {'tickets':>9}  {'first':<10}  {'last':<10}  format")
    for r in rows:
        click.echo(
            f"{r['name']:<20} {r['events']:>10,} {r['cases']:>9,}  {(r['first_ts'] or '')[:10]:<10}"
            f"  {(r['last_ts'] or '')[:10]:<10}  {r['format'] or ''}"
        )
    return None


@cli.command(short_help="Replace one person's name, e-mail or phone with a pseudonym everywhere.")
@click.option(
    "--person",
    required=True,
    help="The name, e-mail or phone number to forget, as written in the data (any case).",
)
@click.option("--dataset", help="Only in this data set. Default: every data set.")
@common_options
def forget(person: str, dataset: str | None, db: Path, as_json: bool) -> None:
    """Forget one person on request: every mention of PERSON in every text column of every
    table (tickets, events, attributes, raw rejected rows, file names) is replaced by their
    keyed pseudonym, the one --pseudonymise gives them (key: ticketloop.key beside the store, or
    $TICKETLOOP_KEY). Prints the values changed per table."""
    from application.privacy import forget as forget_person

    pseudonym, changed = forget_person(db, person, dataset)
    if as_json:
        return emit_json({"pseudonym": pseudonym, "changed": changed})
    where = f"data set '{dataset}'" if dataset else str(db)
    if not changed:
        click.echo(f"no mention of {person!r} in {where}; nothing changed")
        return None
    counts = ", ".join(f"{n:,} in {table}" for table, n in changed.items())
    click.echo(
        f"{person!r} is now {pseudonym} in {where}: {sum(changed.values()):,} values ({counts})"
    )
    return None


SETTINGS_HELP = """Show a data set's settings and where each value comes from; change them.

\b
A data set's settings are kept in the store with it: the values it sets itself, over the
defaults of the settings file (ticketloop.toml beside the store, or --config), over the
built-in defaults. A new data set starts from the defaults; changing one data set's
settings never changes another's. The Settings page of the dashboard edits the same.

\b
--import FILE.toml  every value the file sets, and the designed flow it names (read now and
                    kept in the store), become the data set's own, in place of what it set
--flow FILE.bpmn    the data set's designed flow (kept in the store, not as a path)
--forget            forget the data set's own values: it has the defaults again

Without --dataset it shows every data set of the store (--json: a list; with --dataset, one
object).
"""


@cli.command(
    short_help="A data set's settings and where each comes from; change them.", help=SETTINGS_HELP
)
@click.option("--dataset", help="The data set. Default: every data set (one to change).")
@click.option(
    "--import",
    "import_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Make a settings file's values the data set's own.",
)
@click.option(
    "--flow",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Make this BPMN file the data set's designed flow.",
)
@click.option("--forget", is_flag=True, help="Forget the data set's own values and flow.")
@config_option
@common_options
def settings(
    dataset: str | None,
    import_file: Path | None,
    flow: Path | None,
    forget: bool,
    config: Path | None,
    db: Path,
    as_json: bool,
) -> None:
    from ticketloop import text
    from ticketloop.api import Store

    store = Store(db, config=config)
    if import_file or flow or forget:
        target = dataset or store.only_dataset()
        if forget:
            store.forget_settings(target)
        if import_file is not None:
            store.import_settings(target, import_file)
        if flow is not None:
            store.set_flow(target, flow)
    names = [dataset] if dataset else [d["name"] for d in store.datasets()]
    if not names:
        store.only_dataset()  # says the store holds none, and how to load one
    shown = [store.dataset_settings(name) for name in names]
    if as_json:
        return emit_json(shown[0].to_json() if dataset else [s.to_json() for s in shown])
    for i, one in enumerate(shown):
        echo_lines(([""] if i else []) + text.settings_lines(one))
    return None


MAP_HELP = """Change a loaded data set's vocabulary, without loading it again.

\b
--map FILE   the file's [activities] (source label = canonical activity) and [levels]
             (team = support level 1-4) become the data set's vocabulary, replacing the one
             before; the source labels stay stored, and a later append of the data set is
             mapped the same way
--reset      back to the labels and levels as loaded
--suggest    print a mapping file suggested from the labels' words, to edit and apply

It says which labels were remapped (with their event counts), which teams took another level,
and which KPIs became computable. The Data page of the dashboard does the same.
"""


@cli.command(
    "map", help=MAP_HELP, short_help="Map a data set's labels and team levels, after loading."
)
@click.option("--dataset", help="Data set to map. Default: the only one in the store.")
@click.option(
    "--map",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mapping file (TOML) with [activities] and [levels].",
)
@click.option("--reset", is_flag=True, help="Return to the labels and levels as loaded.")
@click.option("--suggest", is_flag=True, help="Print a suggested mapping file; change nothing.")
@common_options
def map_vocabulary(  # not `map`: a module-level name would hide the builtin
    dataset: str | None,
    mapping_path: Path | None,
    reset: bool,
    suggest: bool,
    db: Path,
    as_json: bool,
) -> None:
    """Change a loaded data set's vocabulary (help: MAP_HELP)."""
    from store.errors import TicketloopError
    from ticketloop.api import Store
    from ticketloop.render import vocabulary_change_text

    if sum((mapping_path is not None, reset, suggest)) != 1:
        raise TicketloopError(
            "give one of --map FILE (apply a mapping file), --reset (back to the labels as"
            " loaded) or --suggest (print a suggested mapping file)"
        )
    store = Store(db)
    dataset = dataset or store.only_dataset()
    if suggest:
        toml = store.vocabulary(dataset, endings=True).suggestion_toml()
        if as_json:
            return emit_json({"dataset": dataset, "mapping": toml})
        click.echo(toml, nl=False)
        return None
    change = store.map_vocabulary(dataset, mapping=mapping_path) if mapping_path else None
    change = change or store.map_vocabulary(dataset, reset=True)
    if as_json:
        return emit_json(change.to_json())
    echo_lines(vocabulary_change_text(change))
    return None


@cli.command(short_help="Data-quality report of a data set.")
@click.option("--dataset", help="Data set to check. Default: the only one in the store.")
@common_options
def quality(dataset: str | None, db: Path, as_json: bool) -> None:
    """Report what ingest dropped, left empty or assumed, and what looks suspect.

    Counts and examples of: rows rejected and why, duplicates dropped, snapshot rows without a
    change, tickets without a creation event, events out of order, timestamps in the future or
    before 2000, ties (events at the same time, or in a minute with one at a whole minute),
    unmapped activities, tickets still open, ticket ids damaged by a spreadsheet (3.6E+11),
    optional values left empty per field, and the time zone each file was read in.
    """
    from application.format import count as plural
    from ticketloop.api import Store

    doc = Store(db).quality(dataset)
    if as_json:
        return emit_json(doc)
    click.echo(
        f"data set '{doc['dataset']}': {plural(doc['tickets'], 'ticket')},"
        f" {plural(doc['events'], 'event')}; times in {doc['timezone']}"
    )
    for check in [*doc["checks"], *doc["empty_values"]]:
        click.echo(f"{check['count']:>9,}  {check['label']}")
        if check["examples"]:
            click.echo(f"{'':>11}e.g. {'; '.join(map(str, check['examples']))}")
    for f in doc["files"]:
        click.echo(
            f"file {f['file']}: {f['recognised_as'] or f['format']}; a time in it without a zone"
            f" (if any) was read as {f['timezone'] or 'UTC'}"
        )


def limit_option(command: Callable) -> Callable:
    """--limit: rows per table in the text report (JSON has them all)."""
    return click.option(
        "--limit",
        default=15,
        show_default=True,
        type=click.IntRange(1),
        help="Rows per table in the text report; --json gives every row.",
    )(command)


@cli.command(short_help="Where tickets wait: transitions, team queues, the customer.")
@click.option(
    "--business-hours",
    is_flag=True,
    help="Count only business hours, by the [calendar] of the settings file.",
)
@click.option(
    "--include-after-resolution",
    is_flag=True,
    help="Rank the waits after a ticket's resolution (Resolved -> Closed, a survey) too.",
)
@limit_option
@selection_options
@common_options
def bottlenecks(
    business_hours: bool,
    include_after_resolution: bool,
    limit: int,
    selection: dict[str, Any],
    db: Path,
    as_json: bool,
) -> None:
    """Where tickets wait, in hours.

    \b
    - transitions (one activity directly followed by another), ranked by the
      waiting they add (count x mean), with median and p90;
    - waiting in each team's queue, from `Assigned` to the team's next activity;
    - waiting for the customer (from `Information requested` until `Customer
      replied`) apart from internal waiting; in a log without `Customer replied`,
      who pauses tickets (`Information requested`), how often and how long, by
      team and agent against the desk;
    - the waits after a ticket's resolution (Resolved -> Closed, a survey days
      later) are left out, in one line; --include-after-resolution ranks them;
    - activity durations, where the log has lifecycle start and complete events;
    - tickets arriving against tickets resolved, by weekday and hour.

    --business-hours counts only the desk's working time: the [calendar] table
    of ticketloop.toml beside the store (default Mon-Fri 08:00-18:00 UTC).
    """
    from ticketloop import render

    analysis = analysis_for(db, selection, reads_only=True)
    result = analysis.bottlenecks(
        business_hours=business_hours, include_after_resolution=include_after_resolution
    )
    # without customer replies, who pauses tickets stands where waiting for the customer would
    paused = analysis.pauses() if result.customer_waits is None else None
    if as_json:
        return emit_json(render.bottlenecks_json(analysis, result, paused))
    click.echo("\n".join(render.bottlenecks_text(analysis, result, limit, paused)))
    return None


@cli.command(short_help="Escalations, bounce-backs, ping-pong, push-to-front, their cost.")
@limit_option
@selection_options
@common_options
def escalations(limit: int, selection: dict[str, Any], db: Path, as_json: bool) -> None:
    """Escalated, bounce-back, ping-pong and push-to-front tickets, and what escalation
    costs in time to resolution and CSAT, by team, category, agent and channel.

    \b
    - escalated: a ticket with an `Escalated` event;
    - bounce-back: `Escalated` followed by `De-escalated` with only `Assigned`
      events between (sent back untouched);
    - ping-pong: the teams of its `Assigned` events go X, Y, X;
    - push-to-front: escalated, in a category whose tickets are resolved without
      escalation at least 80% of the time ([escalations] push_to_front_share).

    Each ticket counts once per kind. Costs compare escalated tickets with tickets
    resolved without escalation created in the same months: mean time to resolution
    (first event to last `Resolved`) and mean CSAT, with the answers each side rests on.
    """
    from ticketloop import render

    analysis = analysis_for(db, selection, reads_only=True)
    result = analysis.escalations()
    if as_json:
        return emit_json(render.escalations_json(analysis, result))
    click.echo("\n".join(render.escalations_text(analysis, result, limit)))
    return None


@cli.command(short_help="Which ticket attributes go with slow, escalated, unhappy tickets.")
@click.option(
    "--target",
    required=True,
    type=click.Choice(["slow", "deviating", "escalated", "unhappy"]),
    help="The tickets to explain.",
)
@click.option(
    "--min-tickets",
    default=30,
    show_default=True,
    type=click.IntRange(1),
    help="Leave out attribute values with fewer tickets.",
)
@limit_option
@selection_options
@common_options
def rootcause(
    target: str,
    min_tickets: int,
    limit: int,
    selection: dict[str, Any],
    db: Path,
    as_json: bool,
) -> None:
    """Which ticket attributes over-represent the target tickets: channel, priority,
    category, first team, agent, weekday and hour of creation.

    \b
    Targets:
      slow       time to resolution above the selection's p75
      escalated  an `Escalated` event
      unhappy    CSAT 1 or 2
      deviating  a variant that does not fit the designed flow

    For each value: its tickets, how many are targets (rate, with a 95% Wilson
    interval) and the lift, its rate over the overall rate. Highest lift first,
    values with fewer than --min-tickets tickets left out.
    """
    from ticketloop import render

    analysis = analysis_for(db, selection)
    result = analysis.rootcause(target, min_tickets=min_tickets)
    if as_json:
        return emit_json(render.rootcause_json(analysis, result))
    click.echo("\n".join(render.rootcause_text(analysis, result, limit)))
    return None


@cli.command(short_help="Write a synthetic helpdesk (or complaints) log with ground truth.")
@click.option(
    "--process",
    type=click.Choice(["helpdesk", "complaints"]),
    default="helpdesk",
    show_default=True,
    help="Which desk: the incident helpdesk, or the complaints desk (Berlin) with its own flow.",
)
@click.option(
    "--tickets",
    default=5000,
    show_default=True,
    type=click.IntRange(1, 2_000_000),
    help="Tickets (complaints) created over 26 weeks from Monday 6 January 2025 (desk time).",
)
@click.option("--seed", default=7, show_default=True, type=int, help="Same seed, same bytes.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,  # never the committed samples by accident: make sample names them
    help="Folder for helpdesk.csv, helpdesk.xes.gz, helpdesk_truth.csv (and the vendor exports),"
    " or complaints.csv, complaints_truth.csv and complaints_flow.bpmn.",
)
@click.option(
    "--vendors/--no-vendors",
    default=False,
    show_default=True,
    help=f"Also write the helpdesk's tickets as {vendors_listed()} export them.",
)
@click.option(
    "--stable",
    is_flag=True,
    help="No knowledge-base rollout: the same process all along (nothing to flag).",
)
@json_option
def generate(
    process: str, tickets: int, seed: int, out: Path, vendors: bool, stable: bool, as_json: bool
) -> None:
    """Write a realistic synthetic helpdesk log, with per-ticket ground truth.

    Six months of tickets through a first-level desk and second-level teams: Monday queues,
    information-request loops, knowledge-base use, needless escalations, ping-pong transfers,
    reopens, rejections, abandonment, surveys (CSAT, CES, NPS) and SLA breaches. Halfway, a
    knowledge-base rollout cuts needless escalations (--stable: no rollout, a process that does not
    change). The staff grows with --tickets, so the
    process and its medians are the same at any size. --vendors also writes the same tickets as
    each helpdesk tool ingest recognises exports them (flat and history).

    --process complaints writes another service process instead, over the same weeks: complaints
    registered, accepted or rejected, assessed with information loops, sent to specialists or
    legal, resolved, checked for satisfaction and reopened when the customer is not satisfied;
    with its designed flow as BPMN (its settings: sample_logs/complaints.toml).
    """
    if process == "complaints":
        if vendors:
            raise click.UsageError(
                "--vendors writes helpdesk exports; drop it with --process complaints"
            )
        from ticketloop.complaints import generate as write_complaints

        paths = write_complaints(tickets, seed, out)
    else:
        from ticketloop.synthetic import generate as write_helpdesk

        paths = write_helpdesk(tickets, seed, out, vendors=vendors, stable=stable)
    events = _data_lines(paths["csv"])
    if as_json:
        return emit_json(
            {
                "process": process,
                "tickets": tickets,
                "events": events,
                "seed": seed,
                **{k: str(v) for k, v in paths.items()},
            }
        )
    noun = "complaints" if process == "complaints" else "tickets"
    click.echo(f"{tickets:,} {noun}, {events:,} events (seed {seed}):")
    for kind, path in paths.items():
        click.echo(f"wrote {path} ({GENERATED.get(kind, kind.replace('_', ' ') + ' export')})")
    click.echo(f"load it: ticketloop ingest {shlex.quote(str(paths['csv']))}")
    return None


# What generate's files are, by kind (the vendor exports are named by their own kinds).
GENERATED = {
    "csv": "the event log",
    "xes": "the same log as XES",
    "truth": "each ticket's ground truth, to check the analyses against",
    "flow": "the designed flow, BPMN",
    "levels": "the teams' support levels, a mapping file for ingest --map",
}


def _data_lines(path: Path) -> int:
    """The rows below the header of a generated CSV (one a line: the generators quote no line
    break)."""
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1


def echo_lines(lines: list[str]) -> None:
    click.echo(with_db("\n".join(lines)))


@cli.command(
    short_help="The directly-follows graph: which activity follows which, how often, how fast."
)
@selection_options
@common_options
def dfg(selection: dict[str, Any], db: Path, as_json: bool) -> None:
    """The directly-follows graph of the selected tickets: for each pair of activities where
    the second directly follows the first in a ticket, how often (the count pm4py's
    discover_dfg gives) and the median, mean and 90th-percentile time between them; plus how
    many tickets start and end with each activity. --json writes {"edges": [{"source",
    "target", "count", "median_seconds", "mean_seconds", "p90_seconds", "examples"}, ...],
    "start_activities", "end_activities"}.
    """
    from ticketloop import text

    graph = analysis_for(db, selection, reads_only=True).dfg()
    return emit_json(graph.to_json()) if as_json else echo_lines(text.dfg_lines(graph))


@cli.command(short_help="The paths tickets take, how many take each, how they fare.")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(0),
    help="Show the N most frequent variants; 0 shows all.",
)
@selection_options
@common_options
def variants(limit: int, selection: dict[str, Any], db: Path, as_json: bool) -> None:
    """The variants of the selected tickets (the distinct sequences of activities), most
    frequent first: tickets, share, cumulative coverage, median time to resolution, and the
    mean CSAT, CES and NPS of their tickets with how many answered. Time to resolution runs
    from a ticket's first event to its last 'Resolved' event; in a data set where fewer than
    half the tickets have one, from the first to the last event (the output says which).
    """
    from ticketloop import text

    found = analysis_for(db, selection, reads_only=True).variants(limit=limit or None)
    return emit_json(found.to_json()) if as_json else echo_lines(text.variants_lines(found))


@cli.command(short_help="Discover the actual process (inductive miner) as BPMN.")
@click.option(
    "--noise",
    default=0.2,
    show_default=True,
    type=click.FloatRange(0, 1, max_open=True),
    help="Leave out behaviour rarer than this share (0 keeps every path).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the model as BPMN 2.0 with layout (opens in bpmn.io, Camunda Modeler).",
)
@selection_options
@common_options
def discover(
    noise: float, out: Path | None, selection: dict[str, Any], db: Path, as_json: bool
) -> None:
    """Discover the process the selected tickets actually follow, with pm4py's inductive
    miner fed with the variant counts DuckDB computed, and print it as a process tree. With
    --out, write it as BPMN 2.0 with a layout, to open in a BPMN editor or to check tickets
    against: ticketloop conformance --model FILE.
    """
    from ticketloop import text

    found = analysis_for(db, selection, reads_only=True).discover(noise=noise)
    if out:
        out.write_text(found.bpmn, encoding="utf-8")
    if as_json:
        return emit_json(found.to_json() | {"bpmn": str(out) if out else None})
    return echo_lines(text.discovery_lines(found, str(out) if out else None))


@cli.command(short_help="Check tickets against the designed flow (or any BPMN model).")
@click.option(
    "--model",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The BPMN model. Default: [conformance] designed_flow in the settings. A model is"
    " put on the tickets only when most of their activities are its own.",
)
@click.option(
    "--method",
    type=click.Choice(CONFORMANCE_METHODS),
    help="token-replay is fast and approximate where the model repeats a label;"
    " alignments are exact and slower the first time. Default: [conformance] method in the"
    " settings, else token-replay.",
)
@click.option(
    "--weeks",
    default=26,
    show_default=True,
    type=click.IntRange(0),
    help="Show the last N weeks of the weekly table; 0 shows all (--json always has all).",
)
@selection_options
@common_options
def conformance(
    model: Path | None,
    method: str | None,
    weeks: int,
    selection: dict[str, Any],
    db: Path,
    as_json: bool,
) -> None:
    """Check the selected tickets against a BPMN model: the log fitness and the share of
    tickets that fit (both as pm4py computes them), per ISO week of ticket creation, and the
    deviations: each model activity tickets skipped and each activity they did that the model
    does not allow there, with the tickets affected and what it costs them (time to
    resolution, CSAT, NPS against the other tickets). The model's labels may be activity names
    or the source file's labels. Results are cached in the store: a repeat run replays nothing;
    deviations listed in [conformance] accepted_deviations are marked accepted.
    """
    from application.flow import no_flow
    from store.errors import MiningError
    from ticketloop import text

    analysis = analysis_for(db, selection)
    try:
        with _replay_progress(enabled=not as_json) as progress:
            result = analysis.conformance(model=model, method=method, progress=progress)
    except MiningError as exc:
        if str(exc) == (said := no_flow(analysis.selection.dataset)):  # this command takes one
            raise MiningError(f"{said}, or give one: --model FLOW.bpmn") from None
        raise
    return (
        emit_json(result.to_json())
        if as_json
        else echo_lines(text.conformance_lines(result, weeks))
    )


@cli.command(short_help="One ticket's timeline and attributes.")
@click.argument("ticket_id")
@click.option("--dataset", help="Data set of the ticket. Default: the only one in the store.")
@config_option
@common_options
def ticket(
    ticket_id: str, dataset: str | None, config: Path | None, db: Path, as_json: bool
) -> None:
    """Show one ticket: its case attributes and survey answers, then its events in order with
    time, activity, resource, team, support level and the wait since the previous event.
    Times are shown in the data set's calendar time zone (UTC by default); --json writes them
    as ISO 8601 in UTC.
    """
    from ticketloop import text
    from ticketloop.api import Store

    store = Store(db, config=config)
    timeline = store.ticket(ticket_id, dataset=dataset)
    if as_json:
        return emit_json(timeline.to_json())
    return echo_lines(
        text.ticket_lines(timeline, store.settings_of(timeline.dataset).calendar.timezone)
    )


@cli.command(short_help="Start the dashboard on http://localhost:PORT.")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--address",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (Streamlit's server.address). Another than this machine's"
    " (0.0.0.0: every interface) needs users: ticketloop users add NAME --role ROLE.",
)
@click.option("--read-only", is_flag=True, help="Nobody can change data or settings.")
@click.option(
    "--max-upload-mb",
    default=200,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Largest file the Data page accepts (Streamlit's server.maxUploadSize).",
)
@config_option
@common_options
def dashboard(
    port: int,
    address: str,
    read_only: bool,
    max_upload_mb: int,
    config: Path | None,
    db: Path,
    as_json: bool,
) -> None:
    """Start the dashboard (Streamlit) on http://localhost:PORT, reading --db; only this machine
    can reach it unless --address says otherwise. Sign-in is asked for whenever the store has
    users (ticketloop users add), and serving beyond this machine refuses to start without them.
    Ctrl+C or SIGTERM stops it, its server included."""
    from application.access import is_local, read_users, users_path
    from store.errors import TicketloopError

    if not is_local(address) and not read_users(users_path(db)):
        raise TicketloopError(
            f"--address {address} shares the dashboard, and sign-in needs users: add one with"
            " ticketloop users add NAME --role lead (or serve on 127.0.0.1)"
        )
    _serve(db, port, as_json, max_upload_mb, config, address=address, read_only=read_only)


@cli.group(short_help="Who may sign in to a shared dashboard, and their roles.")
def users() -> None:
    """Users of the dashboard and their roles, kept beside the store in ticketloop-users.toml
    (readable by its owner only; passwords as salted scrypt hashes): viewer reads every page and
    downloads the report; analyst also uploads, maps and deletes data sets; lead also changes
    targets, SLA, the designed flow and the change log."""


@users.command("add", short_help="Add a user (or set one's role and password).")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["viewer", "analyst", "lead"]))
@click.password_option(help="The password (asked for, hidden, when not given).")
@common_options
def users_add(name: str, role: str, password: str, db: Path, as_json: bool) -> None:
    """Add user NAME with --role, asking for the password twice (hidden); a user of that name
    is replaced."""
    from application.access import add_user, users_path

    path = users_path(db)
    add_user(path, name, role, password)
    if as_json:
        return emit_json({"user": name, "role": role, "file": str(path)})
    click.echo(f"user {name} ({role}) kept in {path}")
    return None


@cli.command(short_help="Load the sample data sets, start the dashboard.")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--no-serve", is_flag=True, help="Load the sample data sets, but do not start the dashboard."
)
@common_options
def demo(port: int, no_serve: bool, db: Path, as_json: bool) -> None:
    """Load the two sample desks and start the dashboard: the incidents (data set `helpdesk`,
    sample_logs/helpdesk.csv) and the complaints (data set `complaints`); the sidebar switches.

    Loading is idempotent, so running demo again reuses what is loaded. The samples ship
    with the package, so demo works in any folder, from a clone or an installed wheel.
    Each desk's settings (calendar, SLA, targets, designed flow) are kept with its data set in
    the store when it has none of its own (see them: ticketloop settings), and the incidents'
    change log gets the knowledge-base rollout of 7 April 2025, so the dashboard can show its
    measured effect.
    """
    from ticketloop.demo import DESKS, load_desk

    reports = []
    for desk in DESKS:
        with _replay_progress(enabled=not as_json) as progress:
            report, adopted = load_desk(db, desk, progress)
        reports.append({"dataset": desk.dataset, **report.to_json()})
        if not as_json:
            kept = "; its settings kept with it (ticketloop settings)" if adopted else ""
            click.echo(
                f"sample data set '{desk.dataset}' ({desk.about}) in {db}:"
                f" {report.cases:,} tickets{kept}"
            )
    if no_serve:
        if as_json:
            emit_json(reports)
        return
    _serve(db, port, as_json)


def _serve(
    db: Path,
    port: int,
    as_json: bool,
    max_upload_mb: int = 200,
    config: Path | None = None,
    *,
    address: str = "127.0.0.1",
    read_only: bool = False,
) -> None:
    """Run Streamlit as a child and stop it with us: on Ctrl+C, on SIGTERM, on any exit, so no
    server is left holding the port."""
    import signal
    import subprocess

    from application.uploads import remove_leftovers
    from store.errors import TicketloopError

    if not _port_free(port):
        raise TicketloopError(
            f"port {port} is already in use (another dashboard?). Pick a free one:"
            f" --port {_free_port_after(port)}"
        )
    app = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
    url = f"http://{'localhost' if address == '127.0.0.1' else address}:{port}"
    env = {**os.environ, "TICKETLOOP_DB": str(db.resolve())}
    if config:
        env["TICKETLOOP_CONFIG"] = str(config.resolve())
    env["TICKETLOOP_READ_ONLY"] = "1" if read_only else "0"
    remove_leftovers()  # uploads an earlier server left behind (killed, a mapping unfinished)
    command = serve_command(app, port, address, max_upload_mb)
    server = subprocess.Popen(command, env=env)
    if as_json:
        emit_json({"url": url, "db": str(db.resolve()), "pid": server.pid})
    else:
        click.echo(f"dashboard on {url} (Ctrl+C stops it)")

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        code = server.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    raise SystemExit(code)


def serve_command(app: Path, port: int, address: str, max_upload_mb: int) -> list[str]:
    """The Streamlit command `_serve` runs: listening on `address` only, and no error details
    (tracebacks, server paths) in the browser."""
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    command += ["--server.address", address, "--client.showErrorDetails", "none"]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    command += ["--client.toolbarMode", "viewer"]  # a product, not a Streamlit dev session
    command += ["--server.maxUploadSize", str(max_upload_mb)]
    return command


def _free_port_after(port: int) -> int:
    """The first free port after `port` (to suggest one that works)."""
    return next((p for p in range(port + 1, min(port + 100, 65535)) if _port_free(p)), port + 1)


def _port_free(port: int) -> bool:
    """Whether Streamlit can listen on `port` on every interface (whatever --address says)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Tornado: TIME_WAIT is ok
        try:
            probe.bind(("", port))
        except OSError:
            return False
    return True


def main() -> None:
    cli(prog_name="ticketloop")


@cli.command(short_help="KPIs of the selected tickets, totals or weekly, against targets.")
@selection_options
@click.option("--weekly", is_flag=True, help="One row per ISO week, with XmR limits and signals.")
@click.option(
    "--by",
    type=click.Choice([f.name for f in FILTERS_SHOWN]),
    help="Break the KPIs down by this dimension.",
)
@common_options
def kpis(selection: dict[str, Any], weekly: bool, by: str | None, db: Path, as_json: bool) -> None:
    """Compute every KPI of the selected tickets (definitions in the README), each against its
    target in the data set's settings (on, near: within 10%, off). --weekly gives one row per ISO
    week in the calendar's time zone, each KPI counted in the week of its event (resolution for
    times to resolution, first response, the survey answer; creation for the rest), with a
    week status: partial week, warm-up, still closing (its tickets have not had time to close),
    small basis (under [kpis] min_tickets or min_answers), or judged. Only judged weeks get
    process-behaviour (XmR) limits and signals (better or worse): each phase (the data's start
    and every recorded change) has limits of its own from its first 12 judged weeks
    ([kpis] baseline_weeks, 8 at least), the backlog limits on its week-to-week change. Values
    that cannot be computed are null with a reason (e.g. no survey answers).
    """
    from application.targets import defaults_note
    from ticketloop.kpi_text import kpis_lines

    analysis = analysis_for(db, selection, reads_only=True)
    report = analysis.kpis(weekly=weekly, by=by)
    doc = report.to_json(analysis.settings.targets)
    doc["unset"] = list(analysis.settings.unset)  # targets, SLA times nobody set: built-in
    if as_json:
        return emit_json(doc)
    click.echo("\n".join(kpis_lines(doc)))
    if note := defaults_note(analysis.settings):
        click.echo("\n".join(textwrap.wrap(note, 100)))
    return None


@cli.group(short_help="The change log: process changes, and their measured effect.")
def change() -> None:
    """Record process changes (a knowledge-base rollout, a new triage rule) with the date they
    took effect, list and remove them, and measure each one's effect on every KPI: the tickets
    created in the weeks before against those created in the weeks from it, with a 95%
    bootstrap interval and a verdict (better, worse, no clear change; not judged when the KPI
    does not vary, or a side has fewer than 30 tickets or answers or tickets of fewer than 14
    days, and why).
    """


@change.command("add", short_help="Record a process change.")
@click.option("--dataset", help="Data set the change applies to. Default: the only one.")
@click.option(
    "--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Date it took effect."
)
@click.option("--title", required=True, help="What changed, in a few words.")
@click.option("--note", help="Anything else worth remembering.")
@common_options
def change_add(
    dataset: str | None, day: Any, title: str, note: str | None, db: Path, as_json: bool
) -> None:
    """Record a process change of a data set and the date it took effect; prints its id."""
    from ticketloop.api import Store

    store = Store(db)
    change_id = store.add_change(dataset or store.only_dataset(), day.date(), title, note)
    if as_json:
        return emit_json({"id": change_id})
    click.echo(f"change {change_id} recorded: {day:%Y-%m-%d} {title}")
    return None


@change.command("list", short_help="List the recorded changes.")
@click.option("--dataset", help="Only this data set's changes.")
@common_options
def change_list(dataset: str | None, db: Path, as_json: bool) -> None:
    """List the recorded process changes, oldest first."""
    from ticketloop.api import Store

    rows = Store(db).changes(dataset)
    if as_json:
        return emit_json(rows)
    if not rows:
        click.echo(
            "No changes recorded. Add one: ticketloop change add --date YYYY-MM-DD --title ..."
        )
    for r in rows:
        note = f"  ({r['note']})" if r["note"] else ""
        click.echo(f"{r['id']:>4}  {r['date']}  {r['dataset']}  {r['title']}{note}")
    return None


@change.command("remove", short_help="Remove a recorded change.")
@click.argument("change_id", type=int)
@common_options
def change_remove(change_id: int, db: Path, as_json: bool) -> None:
    """Remove a recorded process change by its id."""
    from ticketloop.api import Store

    removed = Store(db).remove_change(change_id)
    if as_json:
        return emit_json(removed)
    click.echo(f"change {change_id} removed: {removed['date']} {removed['title']}")
    return None


@change.command("effect", short_help="Measure a change: KPIs before and after.")
@click.argument("change_id", type=int)
@selection_options
@click.option("--weeks-before", default=6, show_default=True, type=click.IntRange(1, 104))
@click.option("--weeks-after", default=6, show_default=True, type=click.IntRange(1, 104))
@common_options
def change_effect(
    change_id: int,
    selection: dict[str, Any],
    weeks_before: int,
    weeks_after: int,
    db: Path,
    as_json: bool,
) -> None:
    """Compare every KPI of the tickets created in the weeks before the change's date with
    those created in the weeks from it: before, after, a 95% bootstrap interval of the
    difference (1,000 seeded resamples of the days of creation: tickets of a day share its queue)
    and the verdict (better or worse when the change survives Holm's correction for the KPIs
    judged together, read with the KPI's direction; else no clear change). --json adds the
    difference itself and the relative difference.
    """
    from ticketloop.api import Store

    if not selection["dataset"]:  # the change's own data set (an unknown change is said so)
        from store.changes import get_change

        with Store(db).reading() as con:
            selection = {**selection, "dataset": get_change(con, change_id)["dataset"]}
    effect = analysis_for(db, selection).change_effect(
        change_id, weeks_before=weeks_before, weeks_after=weeks_after
    )
    doc = effect.to_json()
    if as_json:
        return emit_json(doc)
    from application.effect import BASED_ON, correction, effect_table, not_measured_lines, periods

    c = doc["change"]
    click.echo(f"change {c['id']} {c['date']} {c['title']}: {periods(effect)}")

    rows = effect_table(effect)
    if rows:
        widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in rows[0]}
        # numbers to the right, words to the left
        align = dict.fromkeys(widths, ">") | {"KPI": "<", "verdict": "<", BASED_ON: "<"}
        for r in [dict(zip(widths, widths, strict=True)), *rows]:  # the header, then each KPI
            click.echo("  ".join(f"{r[c]:{align[c]}{w}}" for c, w in widths.items()).rstrip())
        click.echo(correction(effect))
        if any(k["count_before"] is not None for k in effect.kpis):
            click.echo("A share's (n): how many of its tickets have it.")
    else:  # every KPI not measured: the reasons follow
        click.echo("no KPI measured")
    for line in not_measured_lines(effect):
        click.echo(line)
    return None


@cli.command(short_help="Write the weekly review: one self-contained HTML file.")
@selection_options
@click.option(
    "--week",
    default="last",
    show_default=True,
    help="ISO week to review, e.g. 2025-W14, or last (the last complete week).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("review.html"),
    show_default=True,
    help="The HTML file to write.",
)
@common_options
def report(selection: dict[str, Any], week: str, out: Path, db: Path, as_json: bool) -> None:
    """Write the weekly review as one HTML file that opens offline and prints: what to look at
    next (the largest moves, breaches and signals, naming example tickets), the scorecard
    against targets and last week, KPI trends with their limits and the changes marked, the
    escalation summary, and the measured effect of the changes of the last 12 weeks.
    """
    from dashboard.report import review_document
    from store.errors import TicketloopError

    if not out.parent.is_dir():  # said before the review is computed
        raise TicketloopError(
            f"--out {out}: no folder {out.parent}. Create it, or write the review elsewhere"
            " (--out review.html)"
        )
    iso, text = review_document(analysis_for(db, selection).review(week))
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TicketloopError(f"--out {out}: cannot write it ({exc.strerror})") from None
    if as_json:
        return emit_json({"week": iso, "out": str(out), "bytes": len(text.encode())})
    click.echo(f"wrote {out}: weekly review of {iso}")
    return None
