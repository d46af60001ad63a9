"""XES event logs (`.xes`, `.xes.gz`): parsed with lxml, with no DTD, no entity expansion and no
network; trace attributes become `case:` columns, as pm4py names them."""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path

from ingest.bounds import gzipped
from ingest.sources.base import Progress, ReadContext, Source, SourceRows
from store.errors import IngestError
from store.identifiers import quote_ident

LINE = "__line"  # the event's ordinal in the file, its source row


def sniff(path: Path, head: bytes) -> float:
    """An XML document whose root is <log>; or at least an .xes name."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and (b"<log" in text or b"xes.version" in text):
        return 0.9
    return 0.6 if path.name.lower().endswith((".xes", ".xes.gz")) else 0.0


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


def read(path: Path, context: ReadContext) -> SourceRows:
    """The XES log as a table of text columns, one row per event; trace attributes as `case:`."""
    packed = gzipped(path)
    with path.open("rb") as handle:
        counted = _CountingReader(handle, context.progress)
        stream = gzip.GzipFile(fileobj=counted) if packed else counted
        try:
            columns, rows, classifiers = _parse_xes(stream, str(path), set(context.null_tokens))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise IngestError(str(path), f"the gzip file is truncated or corrupt ({exc})") from None
        except IngestError:
            # lxml reports a gzip stream that ends early as a syntax error: name the real cause
            if packed and (problem := _gzip_problem(path)):
                raise IngestError(
                    str(path), f"the gzip file is truncated or corrupt ({problem})"
                ) from None
            raise
    if rows == 0:
        raise IngestError(str(path), "the XES log has no events")
    # Columns go in as list parameters: no pandas or pyarrow needed (either would cost seconds).
    names = list(columns)
    select = ", ".join(f"unnest($c{i}) AS {quote_ident(name)}" for i, name in enumerate(names))
    table = f"xes_{context.index}"
    context.con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT {select}, unnest(range(1, $rows + 1)) AS {LINE}",
        {**{f"c{i}": columns[name] for i, name in enumerate(names)}, "rows": rows},
    )
    # classifiers that name activities by more than their name: a suggestion for the mapping
    suggested = [[n, keys] for n, keys in classifiers if len(keys) > 1 and "concept:name" in keys]
    details: dict[str, object] = {"activity_classifiers": suggested} if suggested else {}
    return SourceRows(path, "xes", table, {}, names, line_column=LINE, details=details)


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


def _attributes(element, nulls: set[str], prefix: str = "") -> dict[str, str]:
    """The top-level key/value attributes of a trace or event, without missing values (the null
    tokens); nested ones are left out."""
    return {
        prefix + key: value
        for child in element
        if _local(child.tag) in _XES_VALUE_TAGS
        and (key := child.get("key")) is not None
        and (value := child.get("value")) is not None
        and value.strip() not in nulls
    }


def _classifier_keys(keys: str) -> list[str]:
    """The attribute keys of an XES classifier's `keys`: separated by spaces, a key with spaces
    in single quotes."""
    return [quoted or bare for quoted, bare in re.findall(r"'([^']*)'|(\S+)", keys)]


def _parse_xes(
    stream, file: str, nulls: set[str]
) -> tuple[dict[str, list[str | None]], int, list[tuple[str, list[str]]]]:
    """Columns of text values, one entry per event, trace attributes prefixed `case:` as pm4py
    does; the number of events; and the classifiers the log declares (name, attribute keys)."""
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
                trace_attrs = (
                    _attributes(parent, nulls, "case:") if _local(parent.tag) == "trace" else {}
                )
            record = {**trace_attrs, **_attributes(event, nulls)}
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
    classifiers = [
        (c.get("name", ""), _classifier_keys(c.get("keys", "")))
        for c in parser.root
        if _local(c.tag) == "classifier"
    ]
    return columns, rows, classifiers


SOURCE = Source("xes", "XES event log", sniff, read)
