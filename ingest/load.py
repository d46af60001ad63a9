"""Loading source files into the event store: atomic, idempotent, and nothing dropped silently.

Files are read and checked in a private in-memory DuckDB, as TEMP tables. The store file is then
attached (and so locked) only for the merge, which runs as one transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from ingest.mapping import Mapping, resolve_columns
from ingest.progress import execute_with_progress
from ingest.sources import LINE, RawFile, collect_malformed, detect_format, open_source
from ingest.timestamps import TimestampFormat, check_timezone, infer_format, parse_expr
from store.connection import attached_store, open_store, transaction
from store.errors import IngestError, TicketloopError
from store.identifiers import quote_ident
from store.queries import params_used_by, sql_text
from store.vocabulary import CANONICAL_ACTIVITIES, SURVEY_SCALES

Progress = Callable[[int], None]
_SAMPLE_ROWS = 50_000  # rows the timestamp format is first guessed from


@dataclass
class FileReport:
    """What one file contributed."""

    file: str
    format: str
    rows_read: int = 0
    events_loaded: int = 0
    duplicates_skipped: int = 0
    rows_rejected: int = 0
    already_loaded: bool = False
    timestamp_format: str = ""


@dataclass
class IngestReport:
    """What one ingest did; `cases`, `first_ts` and `last_ts` describe the data set after it."""

    dataset: str
    events_loaded: int
    duplicates_skipped: int
    rows_rejected: int
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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _run(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object], into: str = ""
) -> None:
    """Execute the named SQL file, after `into` if given, with the `params` it uses."""
    sql = sql_text("ingest", name)
    con.execute(f"{into}\n{sql}" if into else sql, params_used_by(sql, params))


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
) -> IngestReport:
    """Load `files` into data set `dataset` of the store at `db_path`, all or nothing."""
    if not files:
        raise TicketloopError("no files given. Usage: ticketloop ingest FILE... [--dataset NAME]")
    db_path = Path(db_path)
    mapping = mapping or Mapping()
    dataset = dataset or dataset_name_for(files[0])
    advance = progress or (lambda _n: None)
    hashes = [sha256_of(path) if path.is_file() else "" for path in files]
    known = _loaded_hashes(db_path, dataset)

    con = duckdb.connect()
    created = not db_path.exists()
    try:
        con.execute("SET TimeZone = 'UTC'")
        check_timezone(con, mapping.timezone, mapping.source)
        _run(con, "staged_table.sql", {})
        reports = _stage_files(con, files, hashes, known, fmt, mapping, advance)
        _name_reasons(con, [r.timestamp_format for r in reports])
        if strict:
            _refuse_rejects(con, files)
        with attached_store(con, db_path, wait_s=wait_s), transaction(con):
            report = _merge(con, dataset, files, hashes, reports)
    except BaseException:
        if created:
            for leftover in (db_path, db_path.with_name(db_path.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    for index, file_report in enumerate(reports):
        if file_report.timestamp_format not in ("", "ISO 8601"):
            report.notes.append(
                f"{files[index]}: timestamps read as {file_report.timestamp_format}"
            )
    return report


def _loaded_hashes(db_path: Path, dataset: str) -> dict[str, str]:
    """sha256 -> format of the files already loaded into `dataset`."""
    if not db_path.exists():
        return {}
    with open_store(db_path, read_only=True) as con:
        rows = con.execute(
            "SELECT f.sha256, f.format FROM source_files f JOIN datasets d USING (dataset_id)"
            " WHERE d.name = $d",
            {"d": dataset},
        ).fetchall()
    return dict(rows)


def _stage_files(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path],
    hashes: list[str],
    known: dict[str, str],
    fmt: str,
    mapping: Mapping,
    advance: Progress,
) -> list[FileReport]:
    """Stage every file not loaded before; then expose `staged_rows` with true source rows."""
    reports: list[FileReport] = []
    row_sql = []  # per file: how its source row is found
    for index, path in enumerate(files):
        if hashes[index] and hashes[index] in known:
            reports.append(FileReport(str(path), known[hashes[index]], already_loaded=True))
            advance(path.stat().st_size)
            continue
        offset = con.execute("SELECT count(*) FROM staged").fetchall()[0][0]
        raw = open_source(con, path, detect_format(path, fmt), index, advance)
        ts_format = _stage(con, raw, index, mapping, advance)
        rows = con.execute("SELECT count(*) FROM staged WHERE file_idx = $i", {"i": index})
        rows_read = rows.fetchall()[0][0] + len(raw.malformed)
        if rows_read == 0:
            raise IngestError(
                str(path), "no data rows below the header", "Export it again with its data"
            )
        described = ts_format.describe()
        if ts_format.ambiguous:
            described += " (day and month both fit; day-first chosen)"
        reports.append(FileReport(str(path), raw.format, rows_read, timestamp_format=described))
        row_sql.append(f"WHEN {index} THEN {_row_from_order(offset)}")
        if raw.malformed:
            _renumber(con, index, offset, raw)
    numbering = (
        f"coalesce(source_row, CASE file_idx {' '.join(row_sql)} END)" if row_sql else "source_row"
    )
    con.execute(
        f"CREATE TEMP VIEW staged_rows AS SELECT * REPLACE ({numbering} AS source_row) FROM staged"
    )
    return reports


def _row_from_order(offset: int) -> str:
    """SQL for a CSV row's number from its place in `staged`, where the file's rows start at
    `offset`: inserts keep file order, and the header is row 1."""
    return f"(rowid - {int(offset)} + 2)"


def _renumber(con: duckdb.DuckDBPyConnection, index: int, offset: int, raw: RawFile) -> None:
    """Number a file with refused rows: its k-th accepted row becomes the k-th row not refused,
    and the refused rows are staged as rejects."""
    refused = [row for row, _, _ in raw.malformed]
    accepted = con.execute("SELECT count(*) FROM staged WHERE file_idx = $i", {"i": index})
    con.execute(
        "UPDATE staged SET source_row = lines.line FROM ("
        "  SELECT row_number() OVER (ORDER BY line) + 1 AS k, line"
        "  FROM range(2, $last + 1) t(line) WHERE line NOT IN (SELECT unnest($refused))"
        f") lines WHERE staged.file_idx = $i AND {_row_from_order(offset)} = lines.k",
        {"last": accepted.fetchall()[0][0] + len(refused) + 1, "refused": refused, "i": index},
    )
    con.executemany(
        "INSERT INTO staged (file_idx, source_row, raw_row, reason) VALUES (?, ?, ?, ?)",
        [(index, row, line, f"malformed CSV row: {why}") for row, line, why in raw.malformed],
    )


def _stage(
    con: duckdb.DuckDBPyConnection, raw: RawFile, index: int, mapping: Mapping, advance: Progress
) -> TimestampFormat:
    """Append the file's rows to `staged` in one ordered scan: fields typed, problems named.

    The timestamp format is guessed from the first rows, then checked against the whole column;
    when the whole column is better read another way, the timestamps are parsed again that way.
    """
    file = str(raw.path)
    columns = resolve_columns(raw.headers, mapping, file)
    q = {name: quote_ident(col) for name, col in columns.items()}
    ts_text = f"nullif(trim({q['timestamp']}), '')"
    sample = f"(SELECT {ts_text} AS v FROM (SELECT * FROM {raw.relation} LIMIT {_SAMPLE_ROWS}))"
    guessed = infer_format(con, sample, raw.params, mapping.timestamp_format, file)
    ts_sql, ts_params = parse_expr(ts_text, guessed, mapping.timezone)

    def text(name: str) -> str:
        return f"nullif(trim({q[name]}), '')" if name in q else "NULL"

    used = set(columns.values())
    event_extra = [h for h in raw.headers if h not in used and not h.startswith("case:")]
    case_extra = [h for h in raw.headers if h not in used and h.startswith("case:")]
    checks = [
        (f"{text('case_id')} IS NULL", "'no case id (column \"' || $c_case || '\")'"),
        (f"{text('activity')} IS NULL", "'no activity (column \"' || $c_act || '\")'"),
        (
            f"{_level_sql(text('level'))} = -1",
            f"'level \"' || {text('level')} || '\" is not 1-4 (L1, tier 2, ...)'",
        ),
    ]
    checks += [
        (
            f"{_survey_sql(text(name), lo, hi)} = -1",
            f"'{name} \"' || {text(name)} || '\" is not a whole number from {lo} to {hi}'",
        )
        for name, (lo, hi) in SURVEY_SCALES.items()
    ]
    any_problem = " OR ".join(f"coalesce({test}, false)" for test, _ in checks)
    problems = ", ".join(f"CASE WHEN {test} THEN {message} END" for test, message in checks)
    activity = text("activity")
    # Scalar lookups, not joins: joins would not keep the file's row order that numbering relies on.
    sql = f"""
        INSERT INTO staged
        SELECT
            {index},
            {f"r.{LINE}" if raw.format == "xes" else "NULL"},
            {text("case_id")},
            {activity},
            coalesce(
                $map_targets[list_position($map_sources, {activity})],
                $canonical[list_position($canonical_lower, lower({activity}))],
                {activity}
            ),
            {ts_sql},
            {ts_text},
            {text("lifecycle")}, {text("resource")}, {text("team")}, {_level_sql(text("level"))},
            {text("channel")}, {text("priority")}, {text("category")},
            {_survey_sql(text("csat"), *SURVEY_SCALES["csat"])},
            {_survey_sql(text("ces"), *SURVEY_SCALES["ces"])},
            {_survey_sql(text("nps"), *SURVEY_SCALES["nps"])},
            {_json_of(event_extra)},
            {_json_of(case_extra)},
            CASE WHEN {any_problem} THEN concat_ws('; ', {problems}) END,
            CASE WHEN {any_problem} OR ({ts_sql}) IS NULL
                THEN json_merge_patch(to_json(r), '{{"{LINE}": null}}')::VARCHAR END,
            NULL
        FROM {raw.relation} r
    """
    params = {
        **raw.params,
        **ts_params,
        "c_case": columns["case_id"],
        "c_act": columns["activity"],
        "map_sources": list(mapping.activities),
        "map_targets": list(mapping.activities.values()),
        "canonical": list(CANONICAL_ACTIVITIES),
        "canonical_lower": [a.lower() for a in CANONICAL_ACTIVITIES],
    }
    used_params = params_used_by(sql, params)
    size = raw.path.stat().st_size
    if raw.format == "csv":
        execute_with_progress(con, sql, used_params, lambda f: advance(int(size * f)))
    else:
        con.execute(sql, used_params)
    collect_malformed(con, raw)
    return _settle_timestamps(con, index, guessed, mapping, file)


def _settle_timestamps(
    con: duckdb.DuckDBPyConnection,
    index: int,
    guessed: TimestampFormat,
    mapping: Mapping,
    file: str,
) -> TimestampFormat:
    """Check the guessed format against the whole column; re-parse if another reads more of it."""
    unread = con.execute(
        "SELECT count(*) FROM staged WHERE file_idx = $i AND ts IS NULL AND ts_text IS NOT NULL",
        {"i": index},
    ).fetchall()[0][0]
    if not unread and not guessed.ambiguous:
        return guessed
    column = f"(SELECT ts_text AS v FROM staged WHERE file_idx = {int(index)})"
    whole = infer_format(con, column, {}, mapping.timestamp_format, file)
    if whole == guessed:  # same formats; `whole` knows whether the whole column is ambiguous
        return whole
    ts_sql, ts_params = parse_expr("ts_text", whole, mapping.timezone)
    con.execute(f"UPDATE staged SET ts = {ts_sql} WHERE file_idx = {int(index)}", ts_params)
    # Rows that read under the guess but not under the final format lack their raw text.
    con.execute(
        "UPDATE staged SET raw_row = to_json(struct_pack(case_id, source_activity, ts_text,"
        " resource, team, channel, priority, category))::VARCHAR"
        " WHERE file_idx = $i AND ts IS NULL AND raw_row IS NULL",
        {"i": index},
    )
    return whole


def _survey_sql(value: str, low: int, high: int) -> str:
    """A survey answer: NULL when empty, the number when whole and on the scale, else -1."""
    number = f"try_cast({value} AS DOUBLE)"
    return (
        f"CASE WHEN {value} IS NULL THEN NULL"
        f" WHEN {number} = round({number}) AND {number} BETWEEN {low} AND {high}"
        f" THEN {number}::TINYINT ELSE -1 END"
    )


def _level_sql(value: str) -> str:
    """Support level 1-4 from labels such as 1, L2, Tier 3, 2nd level, first level, process owner;
    -1 for any other label."""
    low = f"lower({value})"
    return (
        f"CASE WHEN {value} IS NULL THEN NULL"
        f" WHEN {value} IN ('1', '2', '3', '4') THEN {value}::TINYINT"
        f" WHEN {low} IN ('l1', 'l2', 'l3', 'l4') THEN right({value}, 1)::TINYINT"
        f" WHEN {low} LIKE '%owner%' THEN 4"
        f" WHEN regexp_matches({low}, '\\bfirst\\b') THEN 1"
        f" WHEN regexp_matches({low}, '\\bsecond\\b') THEN 2"
        f" WHEN regexp_matches({low}, '\\bthird\\b') THEN 3"
        f" WHEN regexp_matches({value}, '^\\D*[1-4](st|nd|rd|th)?\\D*$')"
        f" THEN regexp_extract({value}, '[1-4]')::TINYINT ELSE -1 END"
    )


def _json_of(headers: list[str]) -> str:
    """A JSON object of the named columns, without empty ones; NULL when all are empty."""
    if not headers:
        return "NULL::JSON"
    fields = ", ".join(f"{quote_ident(h)} := nullif(trim({quote_ident(h)}), '')" for h in headers)
    return f"nullif(json_merge_patch('{{}}', to_json(struct_pack({fields}))), '{{}}'::JSON)"


def _name_reasons(con: duckdb.DuckDBPyConnection, ts_descriptions: list[str]) -> None:
    """Fill `reason`: every problem of a rejected row, the timestamp's first; NULL for valid rows."""
    con.execute(
        "UPDATE staged SET reason = concat_ws('; ',"
        " CASE WHEN ts_text IS NULL THEN 'no timestamp'"
        " WHEN ts IS NULL THEN 'timestamp \"' || ts_text || '\" does not match '"
        " || $descriptions[file_idx + 1] END, problems)"
        " WHERE reason IS NULL AND (problems IS NOT NULL OR ts IS NULL)",
        {"descriptions": ts_descriptions},
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
            f"{count} rows rejected, the first at row {row}: {reason}",
            "Nothing was loaded (--strict); fix the rows or load without --strict",
        )


def _count_by_file(con: duckdb.DuckDBPyConnection, sql: str) -> dict[int, int]:
    return dict(con.execute(sql + " GROUP BY 1").fetchall())


def _merge(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    files: Sequence[Path],
    hashes: list[str],
    reports: list[FileReport],
) -> IngestReport:
    """Merge the staged rows into the attached store (run inside one transaction)."""
    now = {"now": datetime.now().astimezone()}
    con.execute(
        "INSERT INTO datasets (dataset_id, name, created_at, loaded_at, version)"
        " SELECT (SELECT coalesce(max(dataset_id), 0) + 1 FROM datasets), $name, $now, $now, 0"
        " WHERE NOT EXISTS (SELECT 1 FROM datasets WHERE name = $name)",
        {"name": dataset, **now},
    )
    dataset_id = con.execute("SELECT dataset_id FROM datasets WHERE name = $n", {"n": dataset})
    dataset_id = dataset_id.fetchall()[0][0]
    first_file_id = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM source_files")
    first_file_id = first_file_id.fetchall()[0][0]
    con.execute(
        "CREATE TEMP VIEW batch AS SELECT * EXCLUDE (ts_text, problems, raw_row, reason)"
        " FROM staged_rows WHERE reason IS NULL"
    )
    params = {"d": dataset_id, "f0": first_file_id}
    stored = con.execute("SELECT count(*) FROM events WHERE dataset_id = $d", {"d": dataset_id})
    has_stored = stored.fetchall()[0][0] > 0
    _run(con, "merge_activities.sql", params)
    if has_stored or len(files) > 1:
        _run(con, "merge_new_events.sql", params)
    else:  # a first load from one file: every row is a new event, repeats included
        con.execute("CREATE TEMP VIEW new_events AS SELECT * FROM batch")
    _run(con, "merge_cases.sql", params)
    if not has_stored:
        _run(con, "merge_events.sql", params, into="INSERT INTO events BY NAME")
    elif con.execute("SELECT count(*) FROM new_events").fetchall()[0][0]:
        # Rewrite the data set sorted: stored and new events together, event_index renumbered.
        _run(con, "merge_events.sql", params, into="CREATE TEMP TABLE merged AS")
        con.execute("DELETE FROM events WHERE dataset_id = $d", {"d": dataset_id})
        con.execute("INSERT INTO events BY NAME SELECT * FROM merged")
    names = {"names": [str(p) for p in files]}
    con.execute(
        "INSERT INTO rejects SELECT $d, $f0 + file_idx, $names[file_idx + 1], source_row, raw_row,"
        " reason FROM staged_rows WHERE reason IS NOT NULL ORDER BY file_idx, source_row",
        {**params, **names},
    )
    loaded = _count_by_file(con, "SELECT file_idx, count(*) FROM new_events")
    accepted = _count_by_file(con, "SELECT file_idx, count(*) FROM batch")
    rejected = _count_by_file(con, "SELECT file_idx, count(*) FROM staged WHERE reason IS NOT NULL")
    for index, path in enumerate(files):
        file_report = reports[index]
        if file_report.already_loaded:
            continue
        file_report.events_loaded = loaded.get(index, 0)
        file_report.duplicates_skipped = accepted.get(index, 0) - file_report.events_loaded
        file_report.rows_rejected = rejected.get(index, 0)
        con.execute(
            "INSERT INTO source_files VALUES ($id, $d, $name, $sha, $fmt, $size, $read, $loaded,"
            " $dup, $rej, $now)",
            {
                "id": first_file_id + index,
                "d": dataset_id,
                "name": str(path),
                "sha": hashes[index],
                "fmt": file_report.format,
                "size": path.stat().st_size,
                "read": file_report.rows_read,
                "loaded": file_report.events_loaded,
                "dup": file_report.duplicates_skipped,
                "rej": file_report.rows_rejected,
                **now,
            },
        )
    con.execute(  # a new version whenever the data set's content changed
        "UPDATE datasets SET loaded_at = $now, version = version + ($changed > 0)::INTEGER"
        " WHERE dataset_id = $d",
        {"d": dataset_id, "changed": sum(loaded.values()) + sum(rejected.values()), **now},
    )
    cases, first_ts, last_ts = con.execute(
        "SELECT count(*), min(created_at), (SELECT max(ts) FROM events WHERE dataset_id = $d)"
        " FROM cases WHERE dataset_id = $d",
        {"d": dataset_id},
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
        cases=cases,
        first_ts=first_ts,
        last_ts=last_ts,
        files=reports,
        rejects=list(samples),
    )
