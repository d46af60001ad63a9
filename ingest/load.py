"""Loading source files into the event store: atomic, idempotent, and nothing dropped silently.

Files are read and checked in a private in-memory DuckDB, as TEMP tables. The store file is attached
to it briefly read-only first (which files it holds), then (and so locked) only for the merge,
which runs as one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path

import duckdb

from ingest.bounds import MB, check_inflated, gzipped, limit_memory, plain_failure
from ingest.mapping import Mapping
from ingest.merge import drop_superseded_milestones, merge_cases, merge_events, record_issues
from ingest.privacy import Privacy, Protection
from ingest.sources import BY_NAME, ReadContext, Source, SourceRows, detect_source
from ingest.staging import create_staged_table, stage
from ingest.timestamps import check_timezone
from store.connection import attached_store, transaction
from store.dataset_settings import dataset_settings, start_in_zone
from store.dataset_vocabulary import apply_vocabulary
from store.errors import IngestError, TicketloopError
from store.facts import copy_case_columns, write_ticket_facts
from store.pseudonyms import Pseudonymiser, load_key
from store.settings import IngestLimits, load_settings, settings_file

Progress = Callable[[int], None]
GZIP_RATIO = 10  # what a gzip export's text usually is to its size


@dataclass
class FileReport:
    """What one file contributed. `values_nulled`: optional values that could not be read and
    were left empty (their events are kept; `ticketloop quality` lists them)."""

    file: str
    format: str
    rows_read: int = 0
    events_loaded: int = 0
    duplicates_skipped: int = 0
    rows_rejected: int = 0
    values_nulled: int = 0
    already_loaded: bool = False
    timestamp_format: str = ""
    timestamp_column: str = ""  # the column (or XES key) the timestamps were read from
    recognised_as: str = ""  # the source's description, e.g. "Zendesk ticket audits (history)"
    timezone: str = "UTC"  # the zone naive timestamps were read in
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class IngestReport:
    """What one ingest did; `cases`, `first_ts` and `last_ts` describe the data set after it."""

    dataset: str
    events_loaded: int
    duplicates_skipped: int
    rows_rejected: int
    values_nulled: int
    cases: int
    first_ts: datetime | None
    last_ts: datetime | None
    files: list[FileReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejects: list[tuple[str, int, str]] = field(default_factory=list)  # the first few

    def to_json(self) -> dict:
        doc = asdict(self)
        doc["first_ts"] = self.first_ts.isoformat() if self.first_ts else None
        doc["last_ts"] = self.last_ts.isoformat() if self.last_ts else None
        doc["rejects"] = [{"file": f, "row": r, "reason": why} for f, r, why in self.rejects]
        return doc


def dataset_name_for(path: Path) -> str:
    """The default data set name: the file name without its extensions, e.g. `helpdesk`."""
    name = re.sub(r"(\.xes)?(\.gz)?$", "", path.name, flags=re.IGNORECASE)
    return Path(name).stem or name


def unique_dataset(file_name: str, taken: Collection[str]) -> str:
    """The data set a file makes when none is named: its name without extensions, with `-2`,
    `-3`, ... when a data set has that name already (a load never mixes data sets by accident)."""
    base = dataset_name_for(Path(file_name))
    n, name = 1, base
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def _done(digests: list[Future[str]]) -> list[str]:
    return [digest.result() for digest in digests]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_files(
    db_path: Path | str,
    files: Sequence[Path],
    *,
    dataset: str | None = None,
    fmt: str = "auto",
    mapping: Mapping | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    wait_s: float = 30.0,
    timezone: str | None = None,
    names: Sequence[str] | None = None,
    privacy: Privacy | None = None,
    limits: IngestLimits | None = None,
) -> IngestReport:
    """Load `files` into data set `dataset` of the store at `db_path`, all or nothing.
    `timezone`, when given, is the zone of naive timestamps (it overrides the mapping's).
    `names`: what the files are called in the store, the report and its notes (an upload's
    original names, not where it was staged); default their paths. `privacy`: columns dropped
    and people pseudonymised, kept as the data set's choice for its later loads too. `limits`:
    the bounds of the load, default the data set's [ingest] settings. A new store is written
    under another name and appears only complete, so that a load killed midway leaves none
    behind."""
    if not files:
        raise TicketloopError("no files given. Usage: ticketloop ingest FILE... [--dataset NAME]")
    db_path = Path(db_path)
    if db_path.is_dir():
        raise TicketloopError(f"{db_path}: is a folder; give --db the path of a .duckdb file")
    mapping = mapping or Mapping()
    zone = timezone or mapping.timezone
    named = dataset is not None
    advance = progress or (lambda _n: None)
    sources = [detect_source(path, fmt, mapping.columns.values()) for path in files]
    # Files are hashed beside the reading (hashing frees the GIL): a load into a new store or
    # data set waits for the hashes only when it merges.
    hashing = ThreadPoolExecutor(max_workers=1)
    digests = [hashing.submit(sha256_of, path) for path in files]
    labels = list(names) if names is not None else [str(path) for path in files]

    con = duckdb.connect()
    created = not db_path.exists()
    # A new store is built beside its place (a missing folder is said so naming the path given).
    building = created and db_path.parent.is_dir()
    target = db_path.with_name(f".{db_path.name}.{os.getpid()}.new") if building else db_path
    # A large load stages its rows in a work file beside the store, and what the load holds beyond
    # its memory bound (its sorts) spills to a folder there, never to wherever the load was
    # started from; both are removed when the load ends (names of their own: a server's uploads
    # may load side by side).
    token = f".{db_path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    work, spill = db_path.with_name(f"{token}.work"), db_path.with_name(f"{token}.spill")
    if db_path.parent.is_dir():
        _remove_stale_builds(db_path)
    try:
        stem = dataset_name_for(Path(labels[0]))
        if dataset is None:
            dataset = (
                stem
                if created
                else _unnamed_dataset(con, db_path, labels[0], _done(digests), wait_s)
            )
        known, kept, own_limits = (
            ({}, Privacy(), None) if created else _loaded_files(con, db_path, dataset, wait_s)
        )
        limits = limits or own_limits or load_settings(settings_file(db_path)).ingest
        limit_memory(con, limits, spill if db_path.parent.is_dir() else None)
        chosen = (privacy or Privacy()).with_(kept)
        protection = _protection(con, db_path, chosen)
        if protection and chosen.customers:
            labels = [protection.pseudonymiser.scrub(label) or label for label in labels]
        check_timezone(con, zone, "--timezone" if timezone else mapping.source)
        # Naive timestamps are wall-clock time in that zone (see ingest.timestamps).
        con.execute("SET TimeZone = $tz", {"tz": zone})
        on_disk = db_path.parent.is_dir() and _stages_on_disk(files, limits)
        create_staged_table(con, work if on_disk else None)
        reports, numbered_by_order, read_notes = [], [], []
        for index, path in enumerate(files):
            if known and (sha := digests[index].result()) in known:
                reports.append(FileReport(labels[index], known[sha][0], already_loaded=True))
                advance(path.stat().st_size)
                continue
            check_inflated(path, limits)
            context = ReadContext(
                con, index, advance, mapping.null_tokens, zone, mapping.levels, limits
            )
            rows = sources[index].read(path, context)
            offset = con.execute("SELECT count(*) FROM work.staged").fetchall()[0][0]
            report = _stage_file(con, rows, index, mapping, advance, protection, limits)
            report.file = labels[index]
            report.recognised_as, report.timezone = sources[index].description, zone
            report.details = rows.details
            read_notes += [f"{labels[index]}: {note}" for note in rows.notes]
            reports.append(report)
            if not rows.line_column:
                numbered_by_order.append((index, offset, rows))
        if protection and privacy and len(known) < len(files):
            protection.check_all_dropped(privacy.drop_columns)
        _number_rows(con, numbered_by_order)
        _name_reasons(con, [(r.timestamp_format, r.timestamp_column) for r in reports])
        _refuse_eventless(con, files, reports)
        if strict:
            _refuse_rejects(con, files)
        con.execute("SET TimeZone = 'UTC'")  # the store and its reports speak UTC
        with attached_store(con, target, wait_s=wait_s), transaction(con):
            new = not con.execute(
                "SELECT 1 FROM datasets WHERE name = $n", {"n": dataset}
            ).fetchall()
            report = _merge(con, dataset, files, labels, _done(digests), reports, sources)
            if chosen.active:
                _keep_privacy(con, dataset, chosen)
            if kept.active:
                report.notes.append(
                    f"data set '{dataset}': {_described(kept)}, as it was loaded before"
                )
            if new and zone != "UTC":  # the zone of the desk's times is its calendar's too
                start_in_zone(con, dataset, zone)
                report.notes.append(
                    f"the new data set '{dataset}' starts with {zone} as its calendar's time zone"
                    " (its weeks, business hours and the times shown): ticketloop settings or the"
                    " Settings page change it"
                )
        if building:
            _publish(target, db_path)
    except duckdb.Error as exc:
        raise plain_failure(exc, db_path, limits or IngestLimits()) or exc from None
    finally:
        hashing.shutdown(cancel_futures=True)
        con.close()
        # a new store is published by now under its own name, or failed
        for leftover in (work, *([target] if building else [])):
            leftover.unlink(missing_ok=True)
            leftover.with_name(leftover.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(spill, ignore_errors=True)
    report.notes += read_notes + _notes(labels, reports)
    if not named and dataset != stem and report.events_loaded:
        report.notes.append(
            f"a data set named '{stem}' exists already: loaded as a"
            f" new data set '{dataset}'. To add to the other, load with --dataset NAME"
        )
    return report


def _remove_stale_builds(db_path: Path) -> None:
    """Remove what loads of `db_path` killed midway left (a first load's `.NAME.PID.new`, any
    load's work file `.NAME.PID.TOKEN.work`, their .wal, its spill folder `.NAME.PID.TOKEN.spill`)
    when their process is gone."""
    for kind in ("new", "work", "spill"):
        for stale in db_path.parent.glob(f".{glob_escape(db_path.name)}.*.{kind}*"):
            pid = stale.name.removeprefix(f".{db_path.name}.").split(".")[0]
            if pid.isdigit() and not process_running(int(pid)):
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    stale.unlink(missing_ok=True)


def _stages_on_disk(files: Sequence[Path], limits: IngestLimits) -> bool:
    """Whether the load's rows are staged on disk: staged in memory they take about twice the
    files' text (a gzip file's text about ten times the file), and past a quarter of the load's
    memory bound a work file (compressed, slower to write by half) keeps the peak down."""
    text = sum(p.stat().st_size * (GZIP_RATIO if gzipped(p) else 1) for p in files)
    return 2 * text > limits.memory_limit_mb * MB / 4


def process_running(pid: int) -> bool:
    """Whether process `pid` runs (another user's counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _publish(built: Path, db_path: Path) -> None:
    """Give the new store `built` its name `db_path`, unless another load made one meanwhile."""
    try:
        os.link(built, db_path)
    except FileExistsError:
        raise TicketloopError(
            f"{db_path}: another load created this store meanwhile; run this one again"
        ) from None


def _unnamed_dataset(
    con: duckdb.DuckDBPyConnection, db_path: Path, label: str, hashes: list[str], wait_s: float
) -> str:
    """The data set a load names none for: the one that holds every file already (nothing to
    add), else a new one named after the first file (unique_dataset)."""
    with attached_store(con, db_path, wait_s=wait_s, read_only=True):
        holding = con.execute(
            "SELECT d.name FROM source_files f JOIN datasets d USING (dataset_id)"
            " WHERE f.sha256 IN (SELECT unnest($h::VARCHAR[])) GROUP BY d.name"
            " HAVING count(DISTINCT f.sha256) = $n ORDER BY min(f.file_id) LIMIT 1",
            {"h": hashes, "n": len(set(hashes))},
        ).fetchall()
        taken = [row[0] for row in con.execute("SELECT name FROM datasets").fetchall()]
    return holding[0][0] if holding else unique_dataset(label, taken)


def _loaded_files(
    con: duckdb.DuckDBPyConnection, db_path: Path, dataset: str, wait_s: float
) -> tuple[dict[str, tuple[str, str]], Privacy, IngestLimits | None]:
    """sha256 -> (format, file name) of the files already loaded into `dataset` of the store at
    `db_path`, the data set's privacy choices and its [ingest] limits (None for a new one)."""
    with attached_store(con, db_path, wait_s=wait_s, read_only=True):
        rows = con.execute(
            "SELECT f.sha256, f.format, f.file_name FROM source_files f"
            " JOIN datasets d USING (dataset_id) WHERE d.name = $d",
            {"d": dataset},
        ).fetchall()
        kept = _kept_privacy(con, dataset)
        exists = con.execute("SELECT 1 FROM datasets WHERE name = $d", {"d": dataset}).fetchall()
        try:
            own = dataset_settings(con, dataset, settings_file(db_path)) if exists else None
        except duckdb.Error:  # a store from before settings per data set (migration 10)
            own = None
    limits = own.settings.ingest if own else None
    return {sha: (fmt, name) for sha, fmt, name in rows}, kept, limits


def _kept_privacy(con: duckdb.DuckDBPyConnection, dataset: str) -> Privacy:
    """The data set's privacy choices (none in a store older than migration 13)."""
    if not con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE database_name = current_database()"
        " AND table_name = 'dataset_privacy'"
    ).fetchall():
        return Privacy()
    found = con.execute(
        "SELECT customers, agents, drop_columns FROM dataset_privacy"
        " JOIN datasets USING (dataset_id) WHERE name = $d",
        {"d": dataset},
    ).fetchall()
    return Privacy(found[0][0], found[0][1], tuple(found[0][2])) if found else Privacy()


def _keep_privacy(con: duckdb.DuckDBPyConnection, dataset: str, chosen: Privacy) -> None:
    con.execute(
        "INSERT OR REPLACE INTO dataset_privacy"
        " SELECT dataset_id, $c, $a, $drops FROM datasets WHERE name = $d",
        {
            "d": dataset,
            "c": chosen.customers,
            "a": chosen.agents,
            "drops": list(chosen.drop_columns),
        },
    )


def _protection(
    con: duckdb.DuckDBPyConnection, db_path: Path, chosen: Privacy
) -> Protection | None:
    """The load's protection; the pseudonym key is read (or made) only when people are replaced."""
    if not chosen.active:
        return None
    key = load_key(db_path) if chosen.customers or chosen.agents else b""
    return Protection(con, chosen, Pseudonymiser(key))


def _described(privacy: Privacy) -> str:
    """The choices in words, e.g. "customers pseudonymised, column Subject dropped"."""
    said = [
        *(["customers pseudonymised"] if privacy.customers else []),
        *(["agents pseudonymised"] if privacy.agents else []),
        *(
            [
                f"column{'s' * (len(privacy.drop_columns) > 1)} {', '.join(privacy.drop_columns)} dropped"
            ]
            if privacy.drop_columns
            else []
        ),
    ]
    return ", ".join(said)


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    rows: SourceRows,
    index: int,
    mapping: Mapping,
    advance: Progress,
    protection: Protection | None,
    limits: IngestLimits,
) -> FileReport:
    """Stage one file and report what was read of it."""
    ts_format, ts_column = stage(con, rows, index, mapping, advance, protection, limits)
    staged = con.execute("SELECT count(*) FROM work.staged WHERE file_idx = $i", {"i": index})
    rows_read = rows.rows_read or staged.fetchall()[0][0] + len(rows.malformed)
    if rows_read == 0:
        raise IngestError(
            str(rows.path), "no data rows below the header", "Export it again with its data"
        )
    described = ts_format.describe()
    if ts_format.ambiguous:
        described += " (day and month both fit; day-first chosen)"
    return FileReport(
        str(rows.path),
        rows.format,
        rows_read,
        timestamp_format=described,
        timestamp_column=ts_column,
    )


def _number_rows(
    con: duckdb.DuckDBPyConnection, by_order: list[tuple[int, int, SourceRows]]
) -> None:
    """Expose `staged_rows`: `staged` with every row's number in its source file. The files in
    `by_order` (index, first place in `staged`, rows) have no line column: their rows are numbered
    by order (the header is row 1), skipping the rows the CSV reader refused, which are staged as
    rejects."""
    cases = []
    for index, offset, rows in by_order:
        cases.append(f"WHEN {index} THEN {_row_from_order(offset)}")
        if rows.malformed:
            _renumber(con, index, offset, rows)
    numbering = (
        f"coalesce(source_row, CASE file_idx {' '.join(cases)} END)" if cases else "source_row"
    )
    con.execute(
        f"CREATE TEMP VIEW staged_rows AS SELECT * REPLACE ({numbering} AS source_row),"
        " rowid AS staged_order FROM work.staged"
    )


def _row_from_order(offset: int) -> str:
    """SQL for a CSV row's number from its place in `staged`, where the file's rows start at
    `offset`: inserts keep file order, and the header is row 1."""
    return f"(rowid - {int(offset)} + 2)"


def _renumber(con: duckdb.DuckDBPyConnection, index: int, offset: int, rows: SourceRows) -> None:
    """Number a file with refused rows: its k-th accepted row becomes the k-th row not refused,
    and the refused rows are staged as rejects."""
    refused = [row for row, _, _ in rows.malformed]
    accepted = con.execute("SELECT count(*) FROM work.staged WHERE file_idx = $i", {"i": index})
    con.execute(
        "UPDATE work.staged SET source_row = lines.line FROM ("
        "  SELECT row_number() OVER (ORDER BY line) + 1 AS k, line"
        "  FROM range(2, $last + 1) t(line) WHERE line NOT IN (SELECT unnest($refused))"
        f") lines WHERE staged.file_idx = $i AND {_row_from_order(offset)} = lines.k",
        {"last": accepted.fetchall()[0][0] + len(refused) + 1, "refused": refused, "i": index},
    )
    con.executemany(
        "INSERT INTO work.staged (file_idx, source_row, raw_row, reason) VALUES (?, ?, ?, ?)",
        [(index, row, line, f"malformed CSV row: {why}") for row, line, why in rows.malformed],
    )


def _name_reasons(con: duckdb.DuckDBPyConnection, timestamps: list[tuple[str, str]]) -> None:
    """Fill `reason`: every problem of a rejected row, the timestamp's first, naming its column
    (`timestamps`: each file's timestamp format described, and column); NULL for valid rows."""
    con.execute(
        "UPDATE work.staged SET reason = concat_ws('; ',"
        " CASE WHEN ts_text IS NULL AND ts IS NULL"
        " THEN 'no timestamp (column \"' || $columns[file_idx + 1] || '\")'"
        " WHEN ts IS NULL THEN 'timestamp \"' || ts_text || '\" does not match '"
        " || $descriptions[file_idx + 1] || ' (column \"' || $columns[file_idx + 1] || '\")'"
        " END, problems)"
        " WHERE reason IS NULL AND (problems IS NOT NULL OR ts IS NULL)",
        {"descriptions": [d for d, _ in timestamps], "columns": [c for _, c in timestamps]},
    )


def _refuse_eventless(
    con: duckdb.DuckDBPyConnection, files: Sequence[Path], reports: list[FileReport]
) -> None:
    """Fail, with the first reasons, when a file read now gives no event at all: a mapping or
    reader that does not fit the file, not a load of nothing."""
    accepted = _count_by_file(
        con, "SELECT file_idx, count(*) FROM work.staged WHERE reason IS NULL"
    )
    for index, report in enumerate(reports):
        if report.already_loaded or accepted.get(index, 0):
            continue
        first = con.execute(
            "SELECT source_row, reason FROM staged_rows WHERE file_idx = $i AND reason IS NOT NULL"
            " ORDER BY source_row LIMIT 3",
            {"i": index},
        ).fetchall()
        reasons = "; ".join(f"row {row}: {reason}" for row, reason in first)
        raise IngestError(
            str(files[index]),
            f"{report.rows_read:,} rows read as {report.recognised_as or report.format}, none"
            f" gives an event ({reasons or 'no event in the file'})",
            "Nothing was loaded. Fix the rows, or the mapping's [columns] and [timestamp]"
            " format (--map), or force another reader with --format",
        )


def _refuse_rejects(con: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> None:
    """--strict: fail, naming the first rejected row, if any row is rejected."""
    rows = con.execute(
        "SELECT count(*) OVER (), file_idx, source_row, reason FROM staged_rows"
        " WHERE reason IS NOT NULL ORDER BY file_idx, source_row LIMIT 1"
    ).fetchall()
    if rows:
        count, file_idx, row, reason = rows[0]
        raise IngestError(
            str(files[file_idx]),
            f"{count:,} row{'s' * (count != 1)} rejected, the first at row {row}: {reason}",
            "Nothing was loaded (--strict); fix the rows or load without --strict",
        )


def _count_by_file(con: duckdb.DuckDBPyConnection, sql: str) -> dict[int, int]:
    return dict(con.execute(sql + " GROUP BY 1").fetchall())


def _merge(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    files: Sequence[Path],
    labels: list[str],
    hashes: list[str],
    reports: list[FileReport],
    sources: list[Source],
) -> IngestReport:
    """Merge the staged rows into the attached store (run inside one transaction)."""
    now = {"now": datetime.now().astimezone()}
    con.execute(
        "INSERT INTO datasets (dataset_id, name, created_at, loaded_at, version)"
        " SELECT (SELECT coalesce(max(dataset_id), 0) + 1 FROM datasets), $name, $now, $now, 0"
        " WHERE NOT EXISTS (SELECT 1 FROM datasets WHERE name = $name)",
        {"name": dataset, **now},
    )
    d = con.execute("SELECT dataset_id FROM datasets WHERE name = $n", {"n": dataset})
    d = d.fetchall()[0][0]
    f0 = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM source_files").fetchall()[0][0]
    con.execute(
        "CREATE TEMP VIEW batch AS SELECT * EXCLUDE (ts_text, problems, raw_row, reason)"
        " FROM staged_rows WHERE reason IS NULL"
    )
    stored = con.execute("SELECT count(*) FROM events WHERE dataset_id = $d", {"d": d})
    first_load = stored.fetchall()[0][0] == 0 and len(files) == 1
    con.execute(_MERGE_ACTIVITIES)
    merge_cases(con, d)
    superseded = drop_superseded_milestones(
        con, d, [s.kind for s in sources], {name: s.kind for name, s in BY_NAME.items()}
    )
    first_load = first_load and not superseded
    merge_events(con, d, f0, first_load=first_load, relation="batch_events")
    if not first_load:
        con.execute("CREATE TEMP TABLE touched_tickets AS SELECT DISTINCT case_key FROM new_events")
    apply_vocabulary(con, d, touched=not first_load, forced=False)  # the data set's, if it has one
    write_ticket_facts(con, d, touched=not first_load)
    if not first_load:  # tickets whose `cases` row changed without a new event
        copy_case_columns(con, d)
    record_issues(con, d)
    names = {"names": labels}
    con.execute(
        "INSERT INTO rejects SELECT $d, $f0 + file_idx, $names[file_idx + 1], source_row, raw_row,"
        " reason FROM staged_rows WHERE reason IS NOT NULL ORDER BY file_idx, source_row",
        {"d": d, "f0": f0, **names},
    )
    loaded = _count_by_file(con, f"SELECT file_id - {int(f0)}, count(*) FROM new_events")
    nulled = _count_by_file(
        con, f"SELECT file_id - {int(f0)}, sum(len(issues)) FROM new_events WHERE len(issues) > 0"
    )
    accepted = _count_by_file(con, "SELECT file_idx, count(*) FROM batch")
    rejected = _count_by_file(
        con, "SELECT file_idx, count(*) FROM work.staged WHERE reason IS NOT NULL"
    )
    notes = (
        [
            f"{superseded:,} milestone events of flat ticket exports gave way to the history"
            " of the same tickets (counted as duplicates skipped)"
        ]
        if superseded
        else []
    )
    for index, path in enumerate(files):
        report = reports[index]
        if report.already_loaded:
            continue
        report.events_loaded = loaded.get(index, 0)
        report.duplicates_skipped = accepted.get(index, 0) - report.events_loaded
        if (
            report.duplicates_skipped
            and not report.events_loaded
            and sources[index].kind != "milestones"
        ):
            notes.append(
                f"{labels[index]}: each of its {report.duplicates_skipped:,} events is already in the"
                " data set or another file of this load (the same ticket, activity and time), so"
                " nothing of it is lost (counted as duplicates skipped)"
            )
        report.rows_rejected = rejected.get(index, 0)
        report.values_nulled = int(nulled.get(index, 0))
        con.execute(
            "INSERT INTO source_files VALUES ($id, $d, $name, $sha, $fmt, $size, $read, $loaded,"
            " $dup, $rej, $now, $recognised, $tz, $details)",
            {
                "id": f0 + index,
                "d": d,
                "name": labels[index],
                "sha": hashes[index],
                "fmt": report.format,
                "size": path.stat().st_size,
                "read": report.rows_read,
                "loaded": report.events_loaded,
                "dup": report.duplicates_skipped,
                "rej": report.rows_rejected,
                "recognised": report.recognised_as,
                "tz": report.timezone,
                "details": json.dumps(report.details) if report.details else None,
                **now,
            },
        )
    con.execute(  # a new version whenever the data set's content changed
        "UPDATE datasets SET loaded_at = $now, version = version + ($changed > 0)::INTEGER"
        " WHERE dataset_id = $d",
        {"d": d, "changed": sum(loaded.values()) + sum(rejected.values()), **now},
    )
    # Every ticket's last event time is in its facts, a row per ticket rather than per event.
    cases, first_ts, last_ts = con.execute(
        "SELECT count(*), min(created_at),"
        " (SELECT max(last_ts) FROM ticket_facts WHERE dataset_id = $d)"
        " FROM cases WHERE dataset_id = $d",
        {"d": d},
    ).fetchall()[0]
    samples = con.execute(
        "SELECT $names[file_idx + 1], source_row, reason FROM staged_rows WHERE reason IS NOT NULL"
        " ORDER BY file_idx, source_row LIMIT 5",
        names,
    ).fetchall()
    return IngestReport(
        dataset=dataset,
        events_loaded=sum(r.events_loaded for r in reports),
        duplicates_skipped=sum(r.duplicates_skipped for r in reports),
        rows_rejected=sum(r.rows_rejected for r in reports),
        values_nulled=sum(r.values_nulled for r in reports),
        cases=cases,
        first_ts=first_ts,
        last_ts=last_ts,
        files=reports,
        rejects=list(samples),
        notes=notes,
    )


# Add the batch's activity labels that the dictionary lacks, numbered after the last one.
_MERGE_ACTIVITIES = """
INSERT INTO activities
SELECT (SELECT max(activity_id) FROM activities) + row_number() OVER (ORDER BY activity),
    activity, false
FROM (SELECT DISTINCT activity FROM batch)
WHERE activity NOT IN (SELECT name FROM activities)
"""


def _notes(labels: list[str], reports: list[FileReport]) -> list[str]:
    """What the user should know: timestamps read in a non-ISO format, values left empty."""
    notes = []
    for path, report in zip(labels, reports, strict=True):
        if report.timestamp_format not in ("", "ISO 8601"):
            notes.append(f"{path}: timestamps read as {report.timestamp_format}")
        if report.values_nulled:
            notes.append(
                f"{path}: {report.values_nulled:,} optional values could not be read and were"
                " left empty (their events are kept); see field_issues"
            )
    return notes


def case_ids_of(
    files: Sequence[Path], *, fmt: str = "auto", mapping: Mapping | None = None
) -> list[str]:
    """The distinct case ids of `files` as an ingest reads them (of the rows it would keep),
    touching no store: what a load into a data set would meet there, told before loading."""
    mapping = mapping or Mapping()
    con = duckdb.connect()
    try:
        create_staged_table(con)
        for index, path in enumerate(files):
            source = detect_source(path, fmt, mapping.columns.values())
            context = ReadContext(con, index, null_tokens=mapping.null_tokens)
            stage(con, source.read(path, context), index, mapping, lambda _n: None)
        found = con.execute("SELECT DISTINCT case_id FROM work.staged WHERE reason IS NULL")
        return [row[0] for row in found.fetchall()]
    finally:
        con.close()
