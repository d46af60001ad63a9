"""Staging: every source row typed into the `work.staged` table in one ordered scan per file.

The table and the typing SQL are derived from the field registry. A row missing or unreadable in a
required field (case id, activity, timestamp) is rejected with every reason; a bad value of any
other field is kept as NULL and recorded in `issues` (field, raw value, reason).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest.bounds import plausible_range
from ingest.levels import level_of, level_params
from ingest.mapping import ACTIVITY_JOINER, Mapping, resolve_columns
from ingest.privacy import Protection
from ingest.progress import execute_with_progress
from ingest.sources.base import SourceRows
from ingest.sources.csv import collect_malformed
from ingest.timestamps import TimestampFormat, infer_format, parse_expr
from store.fields import FIELDS, Field
from store.identifiers import quote_ident
from store.queries import params_used_by
from store.settings import IngestLimits
from store.vocabulary import CANONICAL_ACTIVITIES

SAMPLE_ROWS = 50_000  # rows the timestamp format is first guessed from
# Staged columns besides the fields: provenance, the raw label, and what went wrong.
WORK_COLUMNS = (
    ("file_idx", "INTEGER NOT NULL"),
    ("source_row", "BIGINT"),  # NULL for rows numbered by their order in this table
    ("source_activity", "VARCHAR"),
    ("ts_text", "VARCHAR"),  # kept only where the timestamp did not parse
    ("attributes", "JSON"),
    ("case_attributes", "JSON"),
    ("issues", "STRUCT(field VARCHAR, raw_value VARCHAR, reason VARCHAR)[]"),
    ("problems", "VARCHAR"),
    ("raw_row", "VARCHAR"),
    ("reason", "VARCHAR"),
)


def create_staged_table(con: duckdb.DuckDBPyConnection, work: Path | None = None) -> None:
    """The table `work.staged`, one row per source row of every file of the ingest, in a work
    database attached as `work`: the file `work` (compressed on disk: a load of ten million rows
    would hold 2 GB in memory), else in memory."""
    con.execute("ATTACH $p AS work", {"p": str(work) if work else ":memory:"})
    columns = [(f.stored_as, f.sql_type) for f in FIELDS] + list(WORK_COLUMNS)
    con.execute(
        f"CREATE TABLE work.staged ({', '.join(f'{name} {kind}' for name, kind in columns)})"
    )


def stage(
    con: duckdb.DuckDBPyConnection,
    rows: SourceRows,
    index: int,
    mapping: Mapping,
    advance: Callable[[int], None],
    protection: Protection | None = None,
    limits: IngestLimits | None = None,
) -> tuple[TimestampFormat, str]:
    """Append the file's rows to `staged` in one ordered scan; the timestamp format it was read
    with, and the column it was read from. A row whose timestamp is outside `limits`' plausible
    range is rejected. The format is guessed from the first rows; when some rows do not read that
    way and the whole column reads better another way, the file is staged again that way.
    `protection`: the columns dropped and the people pseudonymised before anything is staged."""
    file = str(rows.path)
    columns = rows.columns or resolve_columns(rows.headers, mapping, file)
    if protection:
        protection.apply(rows, columns)
    ts_text = _text(quote_ident(columns["timestamp"]), rows.nul_free)
    sample = f"(SELECT {ts_text} AS v FROM (SELECT * FROM {rows.relation} LIMIT {SAMPLE_ROWS}))"
    guessed = infer_format(con, sample, rows.params, mapping.timestamp_format, file)
    plausible = plausible_range(limits or IngestLimits(), datetime.now(UTC))
    _insert(con, rows, index, mapping, columns, guessed, advance, plausible)
    collect_malformed(con, rows, limits or IngestLimits())
    if protection:
        protection.scrub_lines(rows)
    unread = con.execute(
        "SELECT count(*) FROM work.staged WHERE file_idx = $i AND ts IS NULL AND ts_text IS NOT NULL"
        " AND reason IS NULL",
        {"i": index},
    ).fetchall()[0][0]
    if not unread and not guessed.ambiguous:
        return guessed, columns["timestamp"]
    whole_column = f"(SELECT {ts_text} AS v FROM {rows.relation})"
    whole = infer_format(con, whole_column, rows.params, mapping.timestamp_format, file)
    if whole != guessed:
        con.execute("DELETE FROM work.staged WHERE file_idx = $i", {"i": index})
        _insert(con, rows, index, mapping, columns, whole, lambda _n: None, plausible)
    return whole, columns["timestamp"]  # `whole` knows whether the whole column is ambiguous


def _insert(
    con: duckdb.DuckDBPyConnection,
    rows: SourceRows,
    index: int,
    mapping: Mapping,
    columns: dict[str, str],
    ts_format: TimestampFormat,
    advance: Callable[[int], None],
    plausible: tuple[datetime, datetime],
) -> None:
    """One INSERT ... BY NAME of the file's rows into `work.staged`, keeping the file's row order;
    a timestamp outside the `plausible` range rejects its row, naming the range and the setting.

    Three layers, so that each value is worked out once, not once per use: the row (as the
    struct `raw`) and its trimmed texts, then their typed readings, then what is staged."""
    texts = {
        name: _text(f"r.{quote_ident(column)}", rows.nul_free) for name, column in columns.items()
    }
    if len(mapping.activity_columns) > 1 and not rows.columns:
        joined = ", ".join(
            _text(f"r.{quote_ident(c)}", rows.nul_free) for c in mapping.activity_columns
        )
        texts["activity"] = f"nullif(concat_ws({_sql_string(ACTIVITY_JOINER)}, {joined}), '')"
    values = {name: f"text_{name}" for name in texts}
    parse_ts, ts_params = parse_expr(values["timestamp"], ts_format)
    ts_sql = "CASE WHEN read_ts BETWEEN $ts_earliest AND $ts_latest THEN read_ts END"
    checked = [f for f in FIELDS if f.parser in ("level", "score") and f.name in values]
    readings = [f"{parse_ts} AS read_ts"] + [
        f"{_parse(f, values[f.name], '')} AS parsed_{f.name}" for f in checked
    ]
    implausible = (
        f"'timestamp \"' || {values['timestamp']} || '\" is outside the plausible range "
        f"{plausible[0]:%Y-%m-%d} to {plausible[1]:%Y-%m-%d} ([ingest] earliest,"
        " latest_years_ahead)'"
    )
    parsed = {
        f.name: f"parsed_{f.name}" if f in checked else _parse(f, values.get(f.name), ts_sql)
        for f in FIELDS
    }
    issues = [
        f"CASE WHEN {parsed[f.name]} = -1 THEN {{'field': '{f.name}', 'raw_value': {values[f.name]},"
        f" 'reason': '{_bad_value_reason(f)}'}} END"
        for f in checked
    ]
    bad = [f"{parsed[f.name]} = -1" for f in checked]
    missing = [
        f"CASE WHEN {values[name]} IS NULL THEN 'no {label} (column \"' || ${name}_column || '\")' END"
        for name, label in (("case_id", "case id"), ("activity", "activity"))
    ]
    used = set(columns.values()) | set(mapping.activity_columns)
    extra = [h for h in rows.headers if h not in used and h != rows.line_column]
    activity = values["activity"]
    stored = {f.name: _stored_value(f, parsed[f.name]) for f in FIELDS}
    if "team" in values:
        # An event without a level of its own takes its team's ([levels], or words in the name).
        stored["level"] = f"coalesce({stored['level']}, {level_of(values['team'])})"
    select = [
        f"{index} AS file_idx",
        f"raw.{quote_ident(rows.line_column)} AS source_row"
        if rows.line_column
        else "NULL AS source_row",
        *(f"{stored[f.name]} AS {f.stored_as}" for f in FIELDS if f.name != "activity"),
        f"{activity} AS source_activity",
        # Scalar lookups, not joins: a join would not keep the row order that numbering relies on.
        f"coalesce($map_targets[list_position($map_sources, {activity})],"
        f" $canonical[list_position($canonical_lower, lower({activity}))], {activity}) AS activity",
        f"CASE WHEN ({ts_sql}) IS NULL THEN {values['timestamp']} END AS ts_text",
        f"{_json_of([h for h in extra if not h.startswith('case:')])} AS attributes",
        f"{_json_of([h for h in extra if h.startswith('case:')])} AS case_attributes",
        # Both built only for the rare rows that need them: a list or a string per row is costly.
        f"CASE WHEN {' OR '.join(bad)} THEN list_filter([{', '.join(issues)}],"
        " lambda x: x IS NOT NULL) END AS issues"
        if issues
        else "NULL AS issues",
        f"CASE WHEN {values['case_id']} IS NULL OR {activity} IS NULL"
        f" THEN concat_ws('; ', {', '.join(missing)}) END AS problems",
        f"CASE WHEN read_ts IS NOT NULL AND ({ts_sql}) IS NULL"
        f" THEN concat_ws('; ', {implausible}, {', '.join(missing)}) END AS reason",
        f"CASE WHEN {values['case_id']} IS NULL OR {activity} IS NULL OR ({ts_sql}) IS NULL"
        f" THEN to_json(raw)::VARCHAR END AS raw_row",
    ]
    trimmed = ", ".join(f"{text} AS text_{name}" for name, text in texts.items())
    sql = (
        f"INSERT INTO work.staged BY NAME SELECT {', '.join(select)} FROM"
        f" (SELECT *, {', '.join(readings)} FROM"
        f" (SELECT r AS raw, {trimmed} FROM {rows.relation} r))"
    )
    labels = {**rows.activities, **mapping.activities}
    params = {
        **rows.params,
        **ts_params,
        "ts_earliest": plausible[0],
        "ts_latest": plausible[1],
        "case_id_column": columns["case_id"],
        "activity_column": columns["activity"],
        "map_sources": list(labels),
        "map_targets": list(labels.values()),
        "canonical": list(CANONICAL_ACTIVITIES),
        "canonical_lower": [a.lower() for a in CANONICAL_ACTIVITIES],
        **level_params(mapping.levels),
    }
    used_params = params_used_by(sql, params)
    if rows.format == "csv":
        size = rows.path.stat().st_size
        execute_with_progress(con, sql, used_params, lambda f: advance(int(size * f)))
    else:
        con.execute(sql, used_params)


def _text(column: str, nul_free: bool = False) -> str:
    """A source column's text, trimmed, without NUL characters (never kept in a name; `nul_free`:
    the source holds none, and removing them costs a fifth of the staging); NULL when empty."""
    text = column if nul_free else f"replace({column}, chr(0), '')"
    return f"nullif(trim({text}), '')"


def _parse(field: Field, value: str | None, ts_sql: str) -> str:
    """SQL for the field's value from its text: the typed value, NULL when absent, and -1 for a
    bad level or score (turned into NULL plus an issue)."""
    if value is None:
        return "NULL"
    if field.parser == "timestamp":
        return ts_sql
    if field.parser == "level":
        return _level_sql(value)
    if field.parser == "score":
        low, high = field.scale or (0, 0)
        return _score_sql(value, low, high)
    return value


def _stored_value(field: Field, parsed: str) -> str:
    return f"nullif({parsed}, -1)" if field.parser in ("level", "score") else parsed


def _bad_value_reason(field: Field) -> str:
    if field.parser == "level":
        return "not a support level 1-4 (L1, Tier 2, 2nd level, specialists, process owner, ...)"
    low, high = field.scale or (0, 0)
    return f"not a whole number from {low} to {high}"


def _score_sql(value: str, low: int, high: int) -> str:
    """A survey answer: NULL when empty, the number when whole and on the scale, else -1."""
    number = f"try_cast({value} AS DOUBLE)"
    return (
        f"CASE WHEN {value} IS NULL THEN NULL"
        f" WHEN {number} = round({number}) AND {number} BETWEEN {low} AND {high}"
        f" THEN {number}::TINYINT ELSE -1 END"
    )


def _level_sql(value: str) -> str:
    """Support level 1-4 from labels such as 1, L2, Tier 3, 2nd level, first level, second line,
    specialists, process owner; -1 for any other label."""
    low = f"lower({value})"
    return (
        f"CASE WHEN {value} IS NULL THEN NULL"
        f" WHEN {value} IN ('1', '2', '3', '4') THEN {value}::TINYINT"
        f" WHEN {low} IN ('l1', 'l2', 'l3', 'l4') THEN right({value}, 1)::TINYINT"
        f" WHEN {low} LIKE '%owner%' THEN 4"
        f" WHEN {low} LIKE '%specialist%' THEN 3"
        f" WHEN regexp_matches({low}, '\\bfirst\\b') THEN 1"
        f" WHEN regexp_matches({low}, '\\bsecond\\b') THEN 2"
        f" WHEN regexp_matches({low}, '\\bthird\\b') THEN 3"
        f" WHEN regexp_matches({value}, '^\\D*[1-4](st|nd|rd|th)?\\D*$')"
        f" THEN regexp_extract({value}, '[1-4]')::TINYINT ELSE -1 END"
    )


def _json_of(headers: list[str]) -> str:
    """A JSON object of the named columns of the source row `raw` (empty ones as null); NULL when
    all are empty. json_object, not a merge that drops the nulls: it is twice as fast."""
    if not headers:
        return "NULL::JSON"
    values = [f"nullif(trim(raw.{quote_ident(h)}), '')" for h in headers]
    pairs = ", ".join(f"{_sql_string(h)}, {v}" for h, v in zip(headers, values, strict=True))
    return f"CASE WHEN coalesce({', '.join(values)}) IS NOT NULL THEN json_object({pairs}) END"


def _sql_string(text: str) -> str:
    """A SQL string literal for a header name (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"
