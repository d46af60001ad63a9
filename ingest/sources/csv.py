"""Any CSV export: delimiter, quoting and header sniffed by DuckDB once per file, encoding
detected, null tokens read as missing; columns are matched to fields by header or by the mapping
file."""

from __future__ import annotations

import codecs
import csv as std_csv
import gzip
from pathlib import Path

import duckdb

from ingest.sources.base import ReadContext, Source, SourceRows, head_of, looks_binary
from store.errors import IngestError


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
    reader, params, headers = sniffed_reader(
        path,
        context,
        "ignore_errors = true",
        f"store_rejects = true, rejects_scan = '{rejects}_scan', rejects_table = '{rejects}'",
    )
    return SourceRows(path, "csv", reader, params, headers, rejects_table=rejects)


# sniff_csv's dialect columns, in the order of the read_csv options they give.
_DIALECT = ("Delimiter", "Quote", "Escape", "NewLineDelimiter", "Comment", "SkipRows")


def sniffed_reader(
    path: Path, context: ReadContext, options: str, read_options: str = ""
) -> tuple[str, dict[str, object], list[str]]:
    """A `read_csv` of the file's text columns with `options` (and `read_options`, which the
    sniffing does not take), its params and its headers. The dialect and header are sniffed once
    and passed on: every scan of the file would otherwise sniff it again."""
    params: dict[str, object] = {
        "src_path": str(path),
        "src_encoding": detect_encoding(path),
        "src_nulls": list(context.null_tokens),
    }
    common = "all_varchar = true, header = true, encoding = $src_encoding, nullstr = $src_nulls"
    try:
        *dialect, columns = context.con.execute(
            f"SELECT {', '.join(_DIALECT)}, Columns FROM sniff_csv($src_path, {common}, {options})",
            params,
        ).fetchall()[0]
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0].split(": ", 1)[-1]
        raise IngestError(
            str(path), f"not a readable CSV file ({reason})", "Check that it is a CSV export"
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


def collect_malformed(con: duckdb.DuckDBPyConnection, rows: SourceRows) -> None:
    """Fetch the rows the CSV reader refused while the staging query scanned the file."""
    if not rows.rejects_table:
        return
    rows.malformed = con.execute(
        "SELECT line, any_value(csv_line), string_agg(DISTINCT error_message, '; ')"
        f" FROM {rows.rejects_table} GROUP BY line ORDER BY line"
    ).fetchall()


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


def detect_encoding(path: Path) -> str:
    """DuckDB's name for the file's encoding: UTF-16 by BOM, UTF-8 if it all decodes, else Latin-1
    (of the decompressed text, for a gzip file)."""
    with path.open("rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as handle:
        bom = handle.read(2)
    if bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    with opener(path, "rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


SOURCE = Source("csv", "CSV event log", sniff, read)
