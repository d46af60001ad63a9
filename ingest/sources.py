"""Reading source files (CSV, XES) into a raw all-text staging table, one row per source row."""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.errors import IngestError

LINE = "__line"  # the raw table's column holding the 1-based row of the source file
Progress = Callable[[int], None]  # told how many more bytes of the file were read


@dataclass
class RawFile:
    """A source file as a relation of text columns, read by the staging query in one pass.

    `relation` is a FROM-clause item with its `params`: one column per header (XES adds LINE).
    `malformed` lists the rows the CSV reader refused; it is filled by `collect_malformed`.
    """

    path: Path
    format: str
    relation: str
    params: dict[str, object]
    headers: list[str]
    rejects_table: str = ""
    malformed: list[tuple[int, str, str]] = field(default_factory=list)


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


def open_source(
    con: duckdb.DuckDBPyConnection, path: Path, fmt: str, index: int, progress: Progress
) -> RawFile:
    """Prepare one file for staging; raise IngestError when it cannot be read at all."""
    if not path.is_file():
        raise IngestError(str(path), "no such file")
    if path.stat().st_size == 0:
        raise IngestError(str(path), "the file is empty", "Export it again from the helpdesk tool")
    if fmt == "xes":
        return _read_xes(con, path, index, progress)
    return _csv_relation(con, path, index)


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


def _csv_relation(con: duckdb.DuckDBPyConnection, path: Path, index: int) -> RawFile:
    """The CSV as a relation of text columns; the staging insert keeps its row order."""
    rejects = f"csv_rejects_{index}"
    reader = (
        "read_csv($src_path, all_varchar = true, header = true, encoding = $src_encoding,"
        f" store_rejects = true, ignore_errors = true, rejects_scan = '{rejects}_scan',"
        f" rejects_table = '{rejects}')"
    )
    params: dict[str, object] = {"src_path": str(path), "src_encoding": detect_encoding(path)}
    try:
        headers = [
            row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {reader}", params).fetchall()
        ]
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0]
        raise IngestError(
            str(path), f"not a readable CSV file ({reason})", "Check that it is a CSV export"
        ) from None
    return RawFile(path, "csv", reader, params, headers, rejects_table=rejects)


def collect_malformed(con: duckdb.DuckDBPyConnection, raw: RawFile) -> None:
    """Fetch the rows the CSV reader refused while the staging query scanned the file."""
    if not raw.rejects_table:
        return
    raw.malformed = [
        (line, text, why)
        for line, text, why in con.execute(
            "SELECT line, any_value(csv_line), string_agg(DISTINCT error_message, '; ')"
            f" FROM {raw.rejects_table} GROUP BY line ORDER BY line"
        ).fetchall()
    ]


def renumber_after_refused(
    con: duckdb.DuckDBPyConnection, table: str, where: str, refused: list[int]
) -> None:
    """Shift the numbering of `table`'s rows (those matching `where`) past the refused rows.

    The staging scan numbers only the rows it accepted, so row k counts up from 2 skipping refused.
    """
    import numpy as np

    rows = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
    lines = np.arange(2, rows + len(refused) + 2, dtype=np.int64)
    lines = lines[~np.isin(lines, np.asarray(refused, dtype=np.int64))][:rows]
    con.register("_lines", pa.table({"k": np.arange(2, rows + 2, dtype=np.int64), "line": lines}))
    con.execute(
        f"UPDATE {table} SET source_row = _lines.line FROM _lines"
        f" WHERE {where} AND {table}.source_row = _lines.k"
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
    con: duckdb.DuckDBPyConnection, path: Path, index: int, progress: Progress
) -> RawFile:
    gzipped = _head(path, 2) == b"\x1f\x8b"
    with path.open("rb") as handle:
        counted = _CountingReader(handle, progress)
        stream = gzip.GzipFile(fileobj=counted) if gzipped else counted
        try:
            columns, rows = _parse_xes(stream, str(path))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise IngestError(str(path), f"the gzip file is truncated or corrupt ({exc})") from None
        except IngestError:
            # lxml reports a gzip stream that ends early as a syntax error: name the real cause
            if gzipped and (problem := _gzip_problem(path)):
                raise IngestError(
                    str(path), f"the gzip file is truncated or corrupt ({problem})"
                ) from None
            raise
    if rows == 0:
        raise IngestError(str(path), "the XES log has no events")
    arrow = pa.table({**columns, LINE: pa.array(range(1, rows + 1), pa.int64())})
    con.register(f"xes_{index}", arrow)
    return RawFile(path, "xes", f"xes_{index}", {}, list(columns))


def _gzip_problem(path: Path) -> str:
    """Why the gzip file cannot be decompressed to its end, or "" when it can."""
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        return str(exc)
    return ""


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
