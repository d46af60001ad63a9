"""Any CSV export: delimiter, quoting and header sniffed by DuckDB once per file, encoding
detected, null tokens read as missing; columns are matched to fields by header or by the mapping
file."""

from __future__ import annotations

import codecs
import csv as std_csv
import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb

from ingest.bounds import MB, check_columns, engine_reason, gzipped
from ingest.sources.base import ReadContext, Source, SourceRows, head_of, looks_binary
from store.errors import IngestError
from store.settings import IngestLimits

# The dialect sniffing reads lines of up to this many times [ingest] max_row_mb (a longer one
# refuses the file: the reader's buffers grow with it, 16 times over for gzip).
SNIFF_LINE_FACTOR = 4


def sniff(path: Path, head: bytes) -> float:
    """Text that is not XML or JSON; surer with a CSV-like name. A binary file named .csv is
    still claimed, weakly, so that reading it says what is wrong with it."""
    named = path.name.lower().endswith((".csv", ".tsv", ".txt"))
    if (
        not head
        or looks_binary(head)
        or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"<", b"{", b"[")
    ):
        return 0.01 if named else 0.0
    return 0.5 if named else 0.3


def header_of(head: bytes) -> list[str]:
    """The column names of the header line in a CSV file's first bytes (`head_of`), its
    delimiter sniffed among comma, semicolon, tab and bar; empty when there is no whole line."""
    text = head.decode("utf-8-sig", errors="replace").lstrip("\ufeff")
    line, newline, _ = text.partition("\n")
    if not newline:
        return []
    try:
        dialect = std_csv.Sniffer().sniff(line, delimiters=",;\t|")
    except std_csv.Error:
        dialect = std_csv.excel
    return next(std_csv.reader([line.rstrip("\r")], dialect), [])


def read(path: Path, context: ReadContext) -> SourceRows:
    """The CSV as a relation of text columns; the staging insert keeps its row order."""
    _refuse_binary(path)
    rejects = f"csv_rejects_{context.index}"
    row_bytes = context.limits.max_row_mb * MB
    text = scan_text(path)
    reader, params, headers = sniffed_reader(
        path,
        context,
        "ignore_errors = true",
        f"store_rejects = true, rejects_scan = '{rejects}_scan', rejects_table = '{rejects}',"
        f" max_line_size = {int(row_bytes)}",
        encoding=text.encoding,
    )
    rows = SourceRows(path, "csv", reader, params, headers, rejects_table=rejects)
    if text.encoding == "utf-16":  # NUL bytes by design: removed wherever they occur
        return rows
    if text.nuls:
        rows.notes.append(f"{text.nuls:,} NUL characters removed from its values")
    # In UTF-8 and Latin-1 a NUL character is a NUL byte: text without one needs none removed.
    rows.nul_free = not text.nuls
    return rows


# sniff_csv's dialect columns, in the order of the read_csv options they give.
_DIALECT = ("Delimiter", "Quote", "Escape", "NewLineDelimiter", "Comment", "SkipRows")


def sniffed_reader(
    path: Path,
    context: ReadContext,
    options: str,
    read_options: str = "",
    *,
    encoding: str | None = None,
) -> tuple[str, dict[str, object], list[str]]:
    """A `read_csv` of the file's text columns with `options` (and `read_options`, which the
    sniffing does not take), its params and its headers. The dialect and header are sniffed once
    and passed on: every scan of the file would otherwise sniff it again. `encoding`: DuckDB's
    name of the file's, when known (scan_text)."""
    encoding = encoding or scan_text(path).encoding
    sniff_mb = SNIFF_LINE_FACTOR * context.limits.max_row_mb
    check_columns(path, _first_line(path, encoding, sniff_mb), context.limits)
    params: dict[str, object] = {
        "src_path": str(path),
        "src_encoding": encoding,
        "src_nulls": list(context.null_tokens),
    }
    common = "all_varchar = true, header = true, encoding = $src_encoding, nullstr = $src_nulls"
    sniffing = f"{options}, max_line_size = {sniff_mb * MB}"
    try:
        *dialect, columns = context.con.execute(
            f"SELECT {', '.join(_DIALECT)}, Columns FROM sniff_csv($src_path, {common}, {sniffing})",
            params,
        ).fetchall()[0]
    except duckdb.Error as exc:
        if "Maximum line size" in str(exc):
            raise IngestError(
                str(path),
                f"has a line longer than {sniff_mb:,} MB among its first rows",
                "Export it again without the oversized text, or raise [ingest] max_row_mb",
            ) from None
        raise IngestError(
            str(path),
            f"not a readable CSV file ({engine_reason(exc)})",
            "Check that it is a CSV export",
        ) from None
    # sniff_csv says "(empty)" where there is no quote, escape or comment character.
    for name, value in zip(_DIALECT, dialect, strict=True):
        params[f"src_{name.lower()}"] = "" if value == "(empty)" else value
    params["src_columns"] = {column["name"]: column["type"] for column in columns}
    reader = (
        f"read_csv($src_path, {common}, auto_detect = false, delim = $src_delimiter,"
        " quote = $src_quote, escape = $src_escape, new_line = $src_newlinedelimiter,"
        f" comment = $src_comment, skip = $src_skiprows, columns = $src_columns,"
        f" {', '.join(filter(None, (options, read_options)))})"
    )
    return reader, params, list(params["src_columns"])


def collect_malformed(
    con: duckdb.DuckDBPyConnection, rows: SourceRows, limits: IngestLimits
) -> None:
    """Fetch the rows the CSV reader refused while the staging query scanned the file, each
    with one readable reason."""
    if not rows.rejects_table:
        return
    refused = con.execute(
        "SELECT line, any_value(csv_line), list(DISTINCT error_type), any_value(error_message)"
        f" FROM {rows.rejects_table} GROUP BY line ORDER BY line"
    ).fetchall()
    rows.malformed = [
        (line, raw, _why(raw, kinds, message, len(rows.headers), rows.params, limits))
        for line, raw, kinds, message in refused
    ]


def _why(
    raw: str,
    kinds: list[str],
    message: str,
    header: int,
    params: dict[str, object],
    limits: IngestLimits,
) -> str:
    """One reason for a refused row: its field count against the header's, its length, or the
    reader's first message."""
    if "LINE SIZE OVER MAXIMUM" in kinds:
        return f"longer than {limits.max_row_mb:,} MB ([ingest] max_row_mb)"
    if {"TOO MANY COLUMNS", "MISSING COLUMNS"} & set(kinds):
        dialect = {"delimiter": str(params["src_delimiter"]), "quotechar": '"'}
        if params["src_quote"]:
            dialect["quotechar"] = str(params["src_quote"])
        fields = len(next(std_csv.reader([raw], **dialect), []))  # type: ignore[call-overload]
        return f"has {fields:,} fields, the header {header:,}"
    return message.splitlines()[0]


def _refuse_binary(path: Path) -> None:
    head = head_of(path)  # of the text, for a gzip file
    if head.startswith(b"PK\x03\x04"):
        raise IngestError(
            str(path),
            "is a zip or Excel workbook, not a CSV file",
            "Save it as CSV (File > Save as > CSV UTF-8) and load that",
        )
    if looks_binary(head):
        raise IngestError(
            str(path),
            "is not a text file (it looks like binary data, such as an image)",
            "Load a CSV, XES or JSON export of your helpdesk tool",
        )


def _opener(path: Path) -> Callable[..., BinaryIO]:
    return gzip.open if gzipped(path) else open


def _first_line(path: Path, encoding: str, most_mb: int) -> str:
    """The decompressed file's first line (at most `most_mb`), decoded."""
    with _opener(path)(path, "rb") as handle:
        raw = handle.readline(most_mb * MB)
    return raw.decode("utf-16" if encoding == "utf-16" else encoding, errors="replace")


@dataclass(frozen=True)
class TextScan:
    """What one read of a file's text finds: DuckDB's name of its encoding, and how many NUL
    bytes it holds (none counted in UTF-16, whose NUL bytes are by design)."""

    encoding: str
    nuls: int = 0


def scan_text(path: Path) -> TextScan:
    """The file's encoding (UTF-16 by BOM, UTF-8 if it all decodes, else Latin-1) and its NUL
    bytes, in one read (of the decompressed text, for a gzip file)."""
    opener = _opener(path)
    with opener(path, "rb") as handle:
        bom = handle.read(2)
    if bom == codecs.BOM_UTF16_BE:
        raise IngestError(
            str(path),
            "is UTF-16 big-endian text, which the CSV reader does not read",
            "Save it as CSV UTF-8 (or UTF-16 little-endian) and load that",
        )
    if bom == codecs.BOM_UTF16_LE:
        return TextScan("utf-16")
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, nuls = True, 0
    with opener(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if b"\x00" in chunk:  # a search: counting every chunk takes twice the read
                nuls += chunk.count(b"\x00")
            # ASCII is UTF-8 when no sequence is left open before it: checked ten times faster
            plain = chunk.isascii() and not decoder.getstate()[0]
            utf8 = utf8 and (plain or _decodes(decoder, chunk))
    utf8 = utf8 and _decodes(decoder, b"", final=True)
    return TextScan("utf-8" if utf8 else "latin-1", nuls)


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


SOURCE = Source("csv", "CSV event log", sniff, read)
