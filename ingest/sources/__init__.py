"""Source formats: one module per export format, each a `Source` with a `sniff` and a `read`,
registered in `SOURCES` below. A new format is one new module and one line here."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from ingest.sources import csv, freshdesk, jira, servicenow, xes, zendesk
from ingest.sources.base import ReadContext, Source, SourceRows, head_of
from store.errors import IngestError

# Most specific first: a vendor's CSV export is also a CSV, so `csv` comes last among equals.
SOURCES: tuple[Source, ...] = (
    *zendesk.SOURCES,
    *servicenow.SOURCES,
    *freshdesk.SOURCES,
    *jira.SOURCES,
    xes.SOURCE,
    csv.SOURCE,
)
BY_NAME: dict[str, Source] = {s.name: s for s in SOURCES}

__all__ = ["BY_NAME", "SOURCES", "ReadContext", "Source", "SourceRows", "detect_source"]


def detect_source(path: Path, requested: str = "auto", mapped: Collection[str] = ()) -> Source:
    """The source `requested`; with "auto", the generic CSV reader when `mapped` (the columns a
    mapping file's [columns] names) are all columns of the file's header, as the user mapped
    it; else the one most sure the file is its own."""
    if path.is_dir():
        raise IngestError(str(path), "is a folder, not a file", "Give the export files in it")
    if path.exists() and not path.is_file():
        raise IngestError(
            str(path),
            "is not a regular file (a device, pipe or socket)",
            "Save the export to a file and load that",
        )
    if not path.is_file():
        raise IngestError(str(path), "no such file")
    if path.stat().st_size == 0:
        raise IngestError(str(path), "the file is empty", "Export it again from the helpdesk tool")
    head = head_of(path)
    if requested != "auto":
        return _forced(BY_NAME[requested], path, head)
    if mapped and csv.sniff(path, head) > 0.01 and set(mapped) <= set(csv.header_of(head)):
        return csv.SOURCE
    best, confidence = max(((s, s.sniff(path, head)) for s in SOURCES), key=lambda pair: pair[1])
    if confidence <= 0:
        names = ", ".join(s.name for s in SOURCES)
        raise IngestError(
            str(path), "not a format ticketloop reads", f"Formats: {names}; force one with --format"
        )
    return best


def _forced(source: Source, path: Path, head: bytes) -> Source:
    """The `source` asked for by --format, unless the file is plainly another tool's export and
    not of that one (a Zendesk ratings JSON forced as a Jira issue CSV), which is said. Any CSV
    reads as a generic one: forced, a vendor's reader names the columns it misses instead."""
    if source.sniff(path, head) > 0:
        return source
    others = ((s, s.sniff(path, head)) for s in SOURCES if s is not csv.SOURCE)
    other, sure = max(others, key=lambda pair: pair[1])
    if sure >= 0.5:
        raise IngestError(
            str(path),
            f"reads as {other.description}, not as {source.description} (--format {source.name})",
            f"Load it with --format auto (or --format {other.name})",
        )
    return source
