"""Loading source files into the event store: atomic, idempotent, and nothing dropped silently.

Files are read and checked in a private in-memory DuckDB first; the store file is opened (and locked)
only for the final merge, which runs as one transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb

from ingest.errors import IngestError, TicketloopError
from ingest.mapping import Mapping, resolve_columns
from ingest.sources import LINE, RawFile, detect_format, read_source
from ingest.store import open_store
from ingest.timestamps import TimestampFormat, check_timezone, infer_format, parse_expr
from ingest.vocabulary import CANONICAL_ACTIVITIES, SURVEY_SCALES

Progress = Callable[[int], None]


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
    rejects: list[tuple[str, int, str]] = field(
        default_factory=list
    )  # first few: file, row, reason

    def to_json(self) -> dict:
        doc = asdict(self)
        doc["first_ts"] = self.first_ts.isoformat() if self.first_ts else None
        doc["last_ts"] = self.last_ts.isoformat() if self.last_ts else None
        doc["rejects"] = [{"file": f, "row": r, "reason": why} for f, r, why in self.rejects]
        return doc


def dataset_name_for(path: Path) -> str:
    """The default data set name: the file name without its extensions, e.g. `helpdesk`."""
    stem = re.sub(r"(\.xes)?(\.gz)?$", "", path.name, flags=re.IGNORECASE)
    return Path(stem).stem if "." in stem else stem


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def quote_ident(name: str) -> str:
    """A SQL identifier for any column name: double quotes, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def _run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object]) -> None:
    """Execute the named SQL file with those of `params` it uses (DuckDB rejects unused ones)."""
    sql = resources.files("ingest.sql").joinpath(name).read_text()
    con.execute(sql, {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)})


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

    work = duckdb.connect()
    try:
        work.execute("SET TimeZone = 'UTC'")
        check_timezone(work, mapping.timezone, mapping.source)
        _run(work, "staged_table.sql", {})
        reports: list[FileReport] = []
        for index, path in enumerate(files):
            if hashes[index] and hashes[index] in known:
                reports.append(FileReport(str(path), "", already_loaded=True))
                advance(path.stat().st_size)
                continue
            raw = read_source(work, path, detect_format(path, fmt), f"raw_{index}", advance)
            ts_format = _stage(work, raw, index, mapping)
            reports.append(
                FileReport(
                    str(path), raw.format, raw.rows_read, timestamp_format=ts_format.describe()
                )
            )
            if ts_format.ambiguous:
                reports[-1].timestamp_format += " (day and month both fit; day-first chosen)"
        rejected = _count_by_file(
            work, "SELECT file_idx, count(*) FROM staged WHERE reason IS NOT NULL"
        )
        if strict and rejected:
            file_idx, row, reason = work.execute(
                "SELECT file_idx, source_row, reason FROM staged WHERE reason IS NOT NULL"
                " ORDER BY file_idx, source_row LIMIT 1"
            ).fetchall()[0]
            raise IngestError(
                str(files[file_idx]),
                f"{sum(rejected.values())} rows rejected, the first at row {row}: {reason}",
                "Nothing was loaded (--strict); fix the rows or load without --strict",
            )
        valid = work.sql("SELECT * FROM staged WHERE reason IS NULL").to_arrow_table()
        bad = work.sql(
            "SELECT file_idx, source_row, raw_row, reason FROM staged WHERE reason IS NOT NULL"
        ).to_arrow_table()
    finally:
        work.close()

    created = not db_path.exists()
    try:
        with open_store(db_path, wait_s=wait_s) as con:
            report = _merge(con, dataset, files, hashes, reports, valid, bad)
    except BaseException:
        if created:
            for leftover in (db_path, db_path.with_name(db_path.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    for index, file_report in enumerate(reports):
        if file_report.timestamp_format:
            report.notes.append(
                f"{files[index]}: timestamps read as {file_report.timestamp_format}"
            )
    return report


def _loaded_hashes(db_path: Path, dataset: str) -> set[str]:
    if not db_path.exists():
        return set()
    with open_store(db_path, read_only=True) as con:
        rows = con.execute(
            "SELECT f.sha256 FROM source_files f JOIN datasets d USING (dataset_id) WHERE d.name = $d",
            {"d": dataset},
        ).fetchall()
    return {sha for (sha,) in rows}


def _count_by_file(con: duckdb.DuckDBPyConnection, sql: str) -> dict[int, int]:
    return dict(con.execute(sql + " GROUP BY 1").fetchall())


def _stage(
    con: duckdb.DuckDBPyConnection, raw: RawFile, index: int, mapping: Mapping
) -> TimestampFormat:
    """Append the raw file's rows to `staged`: canonical fields typed, and a reason for bad rows."""
    file = str(raw.path)
    columns = resolve_columns(raw.headers, mapping, file)
    q = {name: quote_ident(col) for name, col in columns.items()}
    ts_format = infer_format(con, raw.table, q["timestamp"], mapping.timestamp_format, file)
    ts_sql, params = parse_expr(f"trim({q['timestamp']})", ts_format, mapping.timezone)

    def text(name: str) -> str:
        return f"nullif(trim({q[name]}), '')" if name in q else "NULL"

    used = set(columns.values())
    event_extra = [h for h in raw.headers if h not in used and not h.startswith("case:")]
    case_extra = [h for h in raw.headers if h not in used and h.startswith("case:")]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE activity_map AS"
        " SELECT unnest($sources) AS source, unnest($targets) AS target",
        {"sources": list(mapping.activities), "targets": list(mapping.activities.values())},
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE canonical AS SELECT unnest($names) AS name",
        {"names": list(CANONICAL_ACTIVITIES)},
    )

    surveys = {name: _survey_sql(text(name)) for name in SURVEY_SCALES}
    survey_reasons = "".join(
        f" WHEN {text(name)} IS NOT NULL AND {surveys[name]} NOT BETWEEN {lo} AND {hi}"
        f" THEN '{name} \"' || {text(name)} || '\" is not a whole number from {lo} to {hi}'"
        for name, (lo, hi) in SURVEY_SCALES.items()
    )
    level = _level_sql(text("level"))
    con.execute(
        f"""
        INSERT INTO staged
        SELECT
            {index} AS file_idx,
            r.{LINE} AS source_row,
            {text("case_id")} AS case_id,
            {text("activity")} AS source_activity,
            coalesce(m.target, c.name, {text("activity")}) AS activity,
            {ts_sql} AS ts,
            {text("lifecycle")}, {text("resource")}, {text("team")}, {level},
            {text("channel")}, {text("priority")}, {text("category")},
            {surveys["csat"]}, {surveys["ces"]}, {surveys["nps"]},
            {_json_of(event_extra)} AS attributes,
            {_json_of(case_extra)} AS case_attributes,
            CASE
                WHEN {text("case_id")} IS NULL THEN 'no case id (column "' || $c_case || '")'
                WHEN {text("activity")} IS NULL THEN 'no activity (column "' || $c_act || '")'
                WHEN {text("timestamp")} IS NULL THEN 'no timestamp (column "' || $c_ts || '")'
                WHEN ({ts_sql}) IS NULL THEN 'timestamp "' || {text("timestamp")}
                    || '" does not match ' || $ts_desc
                WHEN {text("level")} IS NOT NULL AND ({level}) IS NULL
                    THEN 'level "' || {text("level")} || '" is not 1-4 (L1, tier 2, ...)'
                {survey_reasons}
            END AS reason,
            NULL AS raw_row
        FROM {raw.table} r
        LEFT JOIN activity_map m ON m.source = {text("activity")}
        LEFT JOIN canonical c ON lower(c.name) = lower({text("activity")})
        """,
        {
            **params,
            "c_case": columns["case_id"],
            "c_act": columns["activity"],
            "c_ts": columns["timestamp"],
            "ts_desc": ts_format.describe(),
        },
    )
    con.execute(
        "UPDATE staged SET raw_row = json_merge_patch(to_json(r), '{\"__line\": null}')::VARCHAR"
        f" FROM {raw.table} r WHERE staged.file_idx = $i AND staged.source_row = r.{LINE}"
        " AND staged.reason IS NOT NULL",
        {"i": index},
    )
    if raw.malformed:
        con.executemany(
            "INSERT INTO staged (file_idx, source_row, raw_row, reason) VALUES (?, ?, ?, ?)",
            [(index, row, text_, f"malformed CSV row: {why}") for row, text_, why in raw.malformed],
        )
    return ts_format


def _survey_sql(value: str) -> str:
    """A whole-number survey answer, NULL when the cell is empty, -1 when it is not a whole number."""
    number = f"try_cast({value} AS DOUBLE)"
    return (
        f"CASE WHEN {value} IS NULL THEN NULL"
        f" WHEN {number} = round({number}) AND abs({number}) < 100 THEN {number}::TINYINT"
        " ELSE -1 END"
    )


def _level_sql(value: str) -> str:
    """Support level 1-4 from labels like 1, L2, Tier 3, 2nd level, first level, process owner."""
    low = f"lower({value})"
    return (
        f"CASE WHEN {value} IS NULL THEN NULL"
        f" WHEN {low} LIKE '%owner%' THEN 4"
        f" WHEN regexp_matches({low}, '\\bfirst\\b') THEN 1"
        f" WHEN regexp_matches({low}, '\\bsecond\\b') THEN 2"
        f" WHEN regexp_matches({low}, '\\bthird\\b') THEN 3"
        f" WHEN regexp_matches({value}, '^\\D*[1-4](st|nd|rd|th)?\\D*$')"
        f" THEN regexp_extract({value}, '[1-4]')::TINYINT END"
    )


def _json_of(headers: list[str]) -> str:
    """A JSON object of the named columns, without empty ones; NULL when all are empty."""
    if not headers:
        return "NULL::JSON"
    fields = ", ".join(f"{quote_ident(h)} := nullif(trim({quote_ident(h)}), '')" for h in headers)
    return f"nullif(json_merge_patch('{{}}', to_json(struct_pack({fields}))), '{{}}'::JSON)"


def _merge(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    files: Sequence[Path],
    hashes: list[str],
    reports: list[FileReport],
    valid,
    bad,
) -> IngestReport:
    """Merge staged rows into the store in one transaction; roll back on any error."""
    con.execute("BEGIN")
    try:
        report = _merge_in_transaction(con, dataset, files, hashes, reports, valid, bad)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return report


def _merge_in_transaction(con, dataset, files, hashes, reports, valid, bad) -> IngestReport:
    now = {"now": datetime.now().astimezone()}
    con.execute(
        "INSERT INTO datasets SELECT (SELECT coalesce(max(dataset_id), 0) + 1 FROM datasets),"
        " $name, $now, $now WHERE NOT EXISTS (SELECT 1 FROM datasets WHERE name = $name)",
        {"name": dataset, **now},
    )
    dataset_id = con.execute(
        "SELECT dataset_id FROM datasets WHERE name = $n", {"n": dataset}
    ).fetchall()[0][0]
    first_file_id = con.execute(
        "SELECT coalesce(max(file_id), 0) + 1 FROM source_files"
    ).fetchall()[0][0]
    con.register("batch", valid)
    con.register("bad_rows", bad)
    params = {"d": dataset_id, "f0": first_file_id}
    for step in ("merge_activities.sql", "merge_new_events.sql", "merge_cases.sql"):
        _run(con, step, params)
    if con.execute("SELECT count(*) FROM new_events").fetchall()[0][0]:
        _run(con, "merge_events.sql", params)
        con.execute("DELETE FROM events WHERE dataset_id = $d", {"d": dataset_id})
        con.execute("INSERT INTO events BY NAME SELECT * FROM merged")
    con.execute(
        "INSERT INTO rejects SELECT $d, $f0 + file_idx, $names[file_idx + 1], source_row, raw_row, reason"
        " FROM bad_rows ORDER BY file_idx, source_row",
        {**params, "names": [str(p) for p in files]},
    )
    loaded = _count_by_file(con, "SELECT file_idx, count(*) FROM new_events")
    accepted = _count_by_file(con, "SELECT file_idx, count(*) FROM batch")
    rejected = _count_by_file(con, "SELECT file_idx, count(*) FROM bad_rows")
    for index, path in enumerate(files):
        file_report = reports[index]
        if file_report.already_loaded:
            continue
        file_report.events_loaded = loaded.get(index, 0)
        file_report.duplicates_skipped = accepted.get(index, 0) - file_report.events_loaded
        file_report.rows_rejected = rejected.get(index, 0)
        con.execute(
            "INSERT INTO source_files VALUES ($id, $d, $name, $sha, $fmt, $size, $read, $loaded, $dup,"
            " $rej, $now)",
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
    con.execute(
        "UPDATE datasets SET loaded_at = $now WHERE dataset_id = $d", {"d": dataset_id, **now}
    )
    cases, first_ts, last_ts = con.execute(
        "SELECT count(DISTINCT case_key), min(ts), max(ts) FROM events WHERE dataset_id = $d",
        {"d": dataset_id},
    ).fetchall()[0]
    samples = con.execute(
        "SELECT $names[file_idx + 1], source_row, reason FROM bad_rows ORDER BY file_idx, source_row"
        " LIMIT 5",
        {"names": [str(p) for p in files]},
    ).fetchall()
    con.unregister("batch")
    con.unregister("bad_rows")
    return IngestReport(
        dataset=dataset,
        events_loaded=sum(r.events_loaded for r in reports),
        duplicates_skipped=sum(r.duplicates_skipped for r in reports),
        rows_rejected=sum(r.rows_rejected for r in reports),
        cases=cases,
        first_ts=first_ts,
        last_ts=last_ts,
        files=reports,
        rejects=[(f, r, why) for f, r, why in samples],
    )
