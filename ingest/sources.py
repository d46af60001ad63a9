"""Reading source files (CSV, XES) into a raw all-text staging table, one row per source row."""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.errors import IngestError

LINE = "__line"  # the raw table's column holding the 1-based row of the source file
Progress = Callable[[int], None]  # told how many more bytes of the file were read


@dataclass(frozen=True)
class RawFile:
    """A source file read into the work database's table `table`."""

    path: Path
    format: str
    table: str
    headers: list[str]
    rows_read: int
    malformed: list[tuple[int, str, str]]  # (row, raw text, reason) of rows the reader refused


def detect_format(path: Path, requested: str) -> str:
    """ "csv" or "xes": as requested, else by the name's ending, else by the first bytes."""
    if requested != "auto":
        return requested
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    head = _head(path)
    if head.startswith(b"\x1f\x8b") or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "xes"
    return "csv"


def _head(path: Path, size: int = 4096) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def read_source(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: str, table: str, progress: Progress
) -> RawFile:
    """Read one file into `table`; raise IngestError when it cannot be read at all."""
    if not path.is_file():
        raise IngestError(str(path), "no such file")
    if path.stat().st_size == 0:
        raise IngestError(str(path), "the file is empty", "Export it again from the helpdesk tool")
    if fmt == "xes":
        return _read_xes(con, path, table, progress)
    return _read_csv(con, path, table, progress)


def detect_encoding(path: Path) -> str:
    """DuckDB's name for the file's encoding: UTF-16 by BOM, UTF-8 if it all decodes, else Latin-1."""
    head = _head(path, 4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, progress: Progress
) -> RawFile:
    encoding = detect_encoding(path)
    size = path.stat().st_size
    try:
        _execute_reporting(
            con,
            f"CREATE TABLE {table} AS SELECT * FROM read_csv($path, all_varchar = true, header = true,"
            " encoding = $encoding, store_rejects = true, ignore_errors = true, sample_size = 20480,"
            f" rejects_scan = '{table}_scan', rejects_table = '{table}_errors')",
            {"path": str(path), "encoding": encoding},
            lambda fraction: progress(int(size * fraction)),
        )
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        raise IngestError(
            str(path), f"not a readable CSV file ({reason})", "Check that it is a CSV export"
        ) from None
    malformed = con.execute(
        f"SELECT line, any_value(csv_line), string_agg(DISTINCT error_message, '; ')"
        f" FROM {table}_errors GROUP BY line ORDER BY line"
    ).fetchall()
    headers = [c for c in con.table(table).columns]
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    _number_rows(con, table, rows, [line for line, _, _ in malformed])
    if rows == 0 and not malformed:
        raise IngestError(
            str(path), "no data rows below the header", "Export it again with its data"
        )
    return RawFile(path, "csv", table, headers, rows + len(malformed), malformed)


def _execute_reporting(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict, on_done: Callable[[float], None]
) -> None:
    """Run `sql` while a watcher thread reports the finished fraction, monotonically, ending at 1."""
    import threading

    reported = 0.0
    finished = threading.Event()

    def watch() -> None:
        nonlocal reported
        while not finished.wait(0.1):
            fraction = con.query_progress() / 100
            if fraction > reported:
                on_done(fraction - reported)
                reported = fraction

    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        con.execute(sql, params)
    finally:
        finished.set()
        watcher.join()
    on_done(1.0 - reported)


def _number_rows(con: duckdb.DuckDBPyConnection, table: str, rows: int, refused: list[int]) -> None:
    """Add LINE: the header is row 1, so data row k (0-based) is row k + 2 unless rows were refused."""
    con.execute(f"ALTER TABLE {table} ADD COLUMN {LINE} BIGINT")
    if not refused:
        con.execute(f"UPDATE {table} SET {LINE} = rowid + 2")
        return
    import numpy as np

    lines = np.arange(2, rows + len(refused) + 2, dtype=np.int64)
    lines = lines[~np.isin(lines, np.asarray(refused, dtype=np.int64))][:rows]
    con.register("_lines", pa.table({"k": np.arange(rows, dtype=np.int64), "line": lines}))
    con.execute(
        f"UPDATE {table} SET {LINE} = _lines.line FROM _lines WHERE {table}.rowid = _lines.k"
    )
    con.unregister("_lines")


# XES element names that carry one attribute (key/value) each.
_XES_VALUE_TAGS = {"string", "date", "int", "float", "boolean", "id"}


class _CountingReader:
    """A binary file wrapper that reports the bytes read, for the progress bar."""

    def __init__(self, raw, progress: Progress) -> None:
        self._raw, self._progress = raw, progress

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._progress(len(data))
        return data


def _read_xes(
    con: duckdb.DuckDBPyConnection, path: Path, table: str, progress: Progress
) -> RawFile:
    gzipped = _head(path, 2) == b"\x1f\x8b"
    with path.open("rb") as handle:
        counted = _CountingReader(handle, progress)
        stream = gzip.GzipFile(fileobj=counted) if gzipped else counted
        try:
            columns, rows = _parse_xes(stream, str(path))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise IngestError(str(path), f"the gzip file is truncated or corrupt ({exc})") from None
    if rows == 0:
        raise IngestError(str(path), "the XES log has no events")
    arrow = pa.table({**columns, LINE: pa.array(range(1, rows + 1), pa.int64())})
    con.register("_xes", arrow)
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM _xes")
    con.unregister("_xes")
    return RawFile(path, "xes", table, list(columns), rows, [])


def _parse_xes(stream, file: str) -> tuple[dict[str, list[str | None]], int]:
    """Columns of text values, one entry per event; trace attributes prefixed `case:` as pm4py does."""
    from lxml import etree

    # No DTD loading, no entity expansion, no network: XML bombs and external entities stay inert.
    parser = etree.iterparse(
        stream,
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
    )
    columns: dict[str, list[str | None]] = {}
    rows = 0
    trace_attrs: dict[str, str | None] = {}
    event_attrs: dict[str, str | None] | None = None
    nesting = 0  # depth inside attribute elements; only top-level attributes are kept
    try:
        for action, element in parser:
            tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
            if action == "start":
                if element.getparent() is None and tag != "log":
                    raise IngestError(
                        file, f"not an XES file (its root element is <{tag}>, not <log>)"
                    )
                if tag in _XES_VALUE_TAGS or tag in {"list", "container"}:
                    nesting += 1
                elif tag == "trace":
                    trace_attrs = {}
                elif tag == "event":
                    event_attrs = {}
                continue
            if tag in _XES_VALUE_TAGS or tag in {"list", "container"}:
                nesting -= 1
                key = element.get("key")
                parent = etree.QName(element.getparent()).localname
                if nesting == 0 and key is not None and tag in _XES_VALUE_TAGS:
                    if parent == "event" and event_attrs is not None:
                        event_attrs[key] = element.get("value")
                    elif parent == "trace":
                        trace_attrs[f"case:{key}"] = element.get("value")
            elif tag == "event" and event_attrs is not None:
                record = {**trace_attrs, **event_attrs}
                for key in [k for k in record if k not in columns]:
                    columns[key] = [None] * rows
                for key, values in columns.items():
                    values.append(record.get(key))
                rows += 1
                event_attrs = None
                element.clear()
            elif tag == "trace":
                element.clear()
    except etree.XMLSyntaxError as exc:
        raise IngestError(file, f"not valid XES ({exc.msg}, line {exc.lineno})") from None
    return columns, rows
