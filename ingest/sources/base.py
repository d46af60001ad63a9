"""What every source format provides: a `sniff` (is this file mine, how sure) and a `read` (the
file as a relation of text columns, one row per source row, for the staging query)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from store.fields import NULL_TOKENS
from store.settings import IngestLimits

Progress = Callable[[int], None]  # told how many more bytes of the file were read
HEAD_BYTES = 8192


@dataclass
class ReadContext:
    """What a reader may use: the work connection, the file's place in the ingest (for unique
    table names), progress, the null tokens, the time zone of naive timestamps, and the bounds."""

    con: duckdb.DuckDBPyConnection
    index: int
    progress: Progress = lambda _n: None
    null_tokens: tuple[str, ...] = NULL_TOKENS
    timezone: str = "UTC"
    levels: dict[str, int] = field(default_factory=dict)  # team name (lower case) -> level
    limits: IngestLimits = field(default_factory=IngestLimits)


@dataclass
class SourceRows:
    """A source file as a relation of text columns, read by the staging query in one pass.

    `relation` is a FROM-clause item with its `params`, one column per header. `line_column` names
    the column holding each row's number in the source; without one, rows are numbered by their
    order, the header being row 1. `columns` presets field -> column (vendor readers know their
    layout); `activities` maps source labels to canonical activities before the mapping file does.
    `malformed` lists the rows the CSV reader refused: (row, raw line, why). `nul_free`: the
    reader knows its text holds no NUL character, so the staging need not remove any.
    """

    path: Path
    format: str
    relation: str
    params: dict[str, object]
    headers: list[str]
    line_column: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    activities: dict[str, str] = field(default_factory=dict)
    rejects_table: str = ""
    malformed: list[tuple[int, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, object] = field(default_factory=dict)  # reader counts, e.g. unchanged rows
    rows_read: int = 0  # the source's rows or records, when they are not one event each
    nul_free: bool = False


# What a source's rows are: an event log ("events": every row an event, as CSV and XES), a full
# change history of its tickets ("history"), or one row per ticket from which only milestone
# events are drawn ("milestones"). A ticket's milestones give way to its history when both exist.
Kind = Literal["events", "history", "milestones"]


@dataclass(frozen=True)
class Source:
    """One export format: `sniff(path, head)` says how sure (0-1) the file is this format from its
    name and first bytes; `read(path, context)` opens it as `SourceRows`."""

    name: str
    description: str
    sniff: Callable[[Path, bytes], float]
    read: Callable[[Path, ReadContext], SourceRows]
    kind: Kind = "events"


def head_of(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a file, decompressed if it is gzip."""
    import gzip

    with path.open("rb") as handle:
        raw = handle.read(size)
    if raw.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path, "rb") as handle:
                return handle.read(size)
        except (OSError, EOFError):
            return raw
    return raw


def looks_binary(head: bytes) -> bool:
    """True for content no text export has: NUL bytes outside UTF-16, or mostly control bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(b < 9 or 13 < b < 32 for b in head)
    return b"\x00" in head or controls > len(head) // 20
