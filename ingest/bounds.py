"""The bounds of one ingest ([ingest] in the settings): what a hostile or broken file meets before
it costs time, memory or disk, each refusal one line naming the file and the setting that
changes it."""

from __future__ import annotations

import csv as std_csv
import gzip
import zlib
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from store.errors import IngestError, TicketloopError
from store.settings import IngestLimits

MB = 1 << 20


def plausible_range(limits: IngestLimits, now: datetime) -> tuple[datetime, datetime]:
    """The first and last timestamps an ingest at `now` (aware) accepts: from [ingest] earliest
    (midnight UTC) to [ingest] latest_years_ahead years after `now`."""
    earliest = datetime.combine(limits.earliest, datetime.min.time(), now.tzinfo)
    return earliest, now + timedelta(days=round(365.25 * limits.latest_years_ahead))


def engine_reason(exc: duckdb.Error) -> str:
    """DuckDB's reason for refusing a file: its message's first line, without the error's kind."""
    return str(exc).splitlines()[0].split(": ", 1)[-1]


def gzipped(path: Path) -> bool:
    """Whether the file is gzip (by its magic bytes, whatever its name)."""
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def check_inflated(path: Path, limits: IngestLimits) -> None:
    """Refuse a gzip file that decompresses to more than [ingest] max_inflated_mb, counting the
    bytes as they are decompressed (the compressed size says nothing)."""
    if not gzipped(path):
        return
    bound, inflated = limits.max_inflated_mb * MB, 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(4 * MB):
                inflated += len(chunk)
                if inflated > bound:
                    raise IngestError(
                        str(path),
                        f"decompresses to more than {limits.max_inflated_mb:,} MB",
                        "Load it unpacked in parts, or raise [ingest] max_inflated_mb in"
                        " ticketloop.toml",
                    )
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise IngestError(str(path), f"the gzip file is truncated or corrupt ({exc})") from None


def check_columns(path: Path, header: str, limits: IngestLimits) -> None:
    """Refuse a CSV whose header line (`header`, decoded) has more than [ingest] max_columns
    columns, before DuckDB sniffs it (its time grows faster than the column count)."""
    delimiter = max(",;\t|", key=header.count)
    count = len(next(std_csv.reader([header], delimiter=delimiter), []))
    if count > limits.max_columns:
        raise IngestError(
            str(path),
            f"has {count:,} columns, over the limit of {limits.max_columns:,}",
            "Export only the columns needed, or raise [ingest] max_columns in ticketloop.toml",
        )


def limit_memory(
    con: duckdb.DuckDBPyConnection, limits: IngestLimits, spill: Path | None = None
) -> None:
    """Bound the work connection's memory by [ingest] memory_limit_mb; what it holds beyond
    spills to the folder `spill` (DuckDB's default is `.tmp` in the current folder)."""
    con.execute(f"SET memory_limit = '{int(limits.memory_limit_mb)}MB'")
    if spill is not None:
        con.execute("SET temp_directory = $spill", {"spill": str(spill)})


def plain_failure(exc: duckdb.Error, db_path: Path, limits: IngestLimits) -> TicketloopError | None:
    """One line for a full disk or the memory bound, or None for another DuckDB error."""
    if "No space left on device" in str(exc):
        where = db_path.resolve().parent
        return TicketloopError(
            f"no space left on the device holding {where}; free space and run again"
            " (the store is unchanged)"
        )
    if isinstance(exc, duckdb.OutOfMemoryException):
        return TicketloopError(
            f"the load needed more than its memory limit of {limits.memory_limit_mb:,} MB"
            " (the store is unchanged); load fewer or smaller files at once, or raise"
            " [ingest] memory_limit_mb in ticketloop.toml"
        )
    return None
