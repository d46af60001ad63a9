"""Opening source files (CSV, XES) as relations of text columns, one row per source row."""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from store.errors import IngestError
from store.identifiers import quote_ident

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
    """The format, csv or xes: as requested, else by the name's ending, else by the first bytes."""
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
    raw.malformed = con.execute(
        "SELECT line, any_value(csv_line), string_agg(DISTINCT error_message, '; ')"
        f" FROM {raw.rejects_table} GROUP BY line ORDER BY line"
    ).fetchall()


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
    # Columns go in as list parameters: no pandas or pyarrow needed (either would cost seconds).
    names = list(columns)
    select = ", ".join(f"unnest($c{i}) AS {quote_ident(name)}" for i, name in enumerate(names))
    con.execute(
        f"CREATE TEMP TABLE xes_{index} AS SELECT {select}, unnest(range(1, $rows + 1)) AS {LINE}",
        {**{f"c{i}": columns[name] for i, name in enumerate(names)}, "rows": rows},
    )
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


def _local(tag: object) -> str:
    """An element's tag without its namespace; "" for comments and processing instructions."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _attributes(element, prefix: str = "") -> dict[str, str | None]:
    """The top-level key/value attributes of a trace or event; nested ones are left out."""
    return {
        prefix + key: child.get("value")
        for child in element
        if _local(child.tag) in _XES_VALUE_TAGS and (key := child.get("key")) is not None
    }


def _parse_xes(stream, file: str) -> tuple[dict[str, list[str | None]], int]:
    """Columns of text values, one entry per event; trace attributes prefixed `case:` as pm4py does."""
    from lxml import etree

    # No DTD loading, no entity expansion, no network: XML bombs and external entities stay inert.
    parser = etree.iterparse(
        stream,
        events=("end",),
        tag=("{http://www.xes-standard.org/}event", "event"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
    )
    columns: dict[str, list[str | None]] = {}
    rows = 0
    trace, trace_attrs = None, {}
    try:
        for _, event in parser:
            parent = event.getparent()
            if parent is not trace:  # a trace's attributes precede its events (XES schema)
                trace = parent
                trace_attrs = _attributes(parent, "case:") if _local(parent.tag) == "trace" else {}
            record = {**trace_attrs, **_attributes(event)}
            for key in [k for k in record if k not in columns]:
                columns[key] = [None] * rows
            for key, values in columns.items():
                values.append(record.get(key))
            rows += 1
            event.clear()
            while event.getprevious() is not None:  # drop what is read, to keep memory flat
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise IngestError(file, f"not valid XES ({exc.msg}, line {exc.lineno})") from None
    root = _local(parser.root.tag) if parser.root is not None else ""
    if root != "log":
        raise IngestError(file, f"not an XES file (its root element is <{root}>, not <log>)")
    return columns, rows
