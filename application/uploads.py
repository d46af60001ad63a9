"""Files uploaded from a browser, loaded as `ticketloop ingest` loads them: kept under their own
names (never a path a browser sent) in a folder of their own until loaded, and messages that
name the files, not the server's folder."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ingest.load import IngestReport, dataset_name_for, ingest_files
from ingest.mapping import Mapping, normalise_header
from store.errors import IngestError, TicketloopError
from store.fields import BY_NAME


def stage(files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write uploaded (name, content) pairs to a new folder of their own; their paths."""
    folder = Path(tempfile.mkdtemp(prefix="ticketloop-upload-"))
    paths = []
    for name, content in files:
        path = folder / Path(name).name  # the name only: never a path from a browser
        path.write_bytes(content)
        paths.append(path)
    return paths


def load_staged(
    db: Path,
    paths: Sequence[Path],
    *,
    dataset: str,
    mapping: Mapping | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Load staged files into `dataset`, all or nothing (ingest.load.ingest_files), then remove
    their folder. A TicketloopError's message names the files, not where they were staged; an
    unmapped CSV (`needs_mapping`) keeps its folder for the mapping step."""
    try:
        report = ingest_files(db, list(paths), dataset=dataset, mapping=mapping, progress=progress)
    except IngestError as exc:
        if not needs_mapping(exc):
            discard(paths)
        raise IngestError(Path(exc.file).name, exc.reason, exc.hint) from None
    except TicketloopError as exc:
        discard(paths)
        message = str(exc)
        for path in paths:
            message = message.replace(str(path), path.name)
        raise TicketloopError(message) from None
    discard(paths)
    return report


def default_dataset(file_name: str) -> str:
    """The data set a file loads into when none is named: its name without the extensions."""
    return dataset_name_for(Path(file_name))


def mapping_of(columns: dict[str, str], timestamp_format: str | None) -> Mapping:
    """The mapping the mapping step chose: canonical field -> column, and a timestamp format."""
    return Mapping(columns=columns, timestamp_format=timestamp_format, source="the dashboard")


def needs_mapping(exc: TicketloopError) -> bool:
    """Whether a failed load is a CSV whose columns nothing maps: the mapping step can fix it."""
    return (
        isinstance(exc, IngestError)
        and "no column for the" in exc.reason
        and exc.file.lower().endswith((".csv", ".txt"))
    )


def preview(path: Path, rows: int = 10) -> pd.DataFrame:
    """The first rows of a staged CSV as text, for the mapping step; IngestError if unreadable."""
    try:
        return pd.read_csv(path, nrows=rows, sep=None, engine="python", dtype=str)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise IngestError(path.name, f"cannot be previewed ({exc})") from None


# Words in a column's name that suggest a field (matched against the name's words or their
# beginnings, after the field registry's own aliases).
_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "case_id": ("case", "ticket", "ref", "id", "number", "nr", "key", "incident"),
    "activity": ("activity", "step", "action", "event", "status", "state", "task"),
    "timestamp": ("time", "stamp", "date", "when"),
    "resource": ("resource", "agent", "handled", "by", "user", "owner", "assignee"),
    "team": ("team", "group", "queue"),
    "level": ("level", "tier", "line"),
    "channel": ("channel", "via", "source", "medium"),
    "priority": ("prio", "severity", "urgency"),
    "category": ("categ", "type", "topic", "service"),
    "lifecycle": ("lifecycle", "transition"),
    "csat": ("csat", "satisf"),
    "ces": ("ces", "effort"),
    "nps": ("nps", "recommend"),
}
_FEW = 12  # at most this many distinct values: a dimension (channel, priority, category)
_TIME_LIKE = r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"


def guess_columns(path: Path, rows: int = 1000) -> dict[str, str]:
    """The best guess of each canonical field's column in a staged CSV, from the columns' names
    and contents (the first `rows`): a column of parseable times is the timestamp, one whose
    values repeat across rows with many distinct values the case id, a repeating one with fewer
    the activity, one with few distinct values a dimension its name suggests. Fields nothing fits
    are left out; the user confirms every guess."""
    frame = preview(path, rows)
    headers = list(frame.columns)
    filled = {h: frame[h].dropna().astype(str).str.strip() for h in headers}
    filled = {h: v[v != ""] for h, v in filled.items()}
    guessed: dict[str, str] = {}

    def take(name: str, column: str | None) -> None:
        if column is not None and column not in guessed.values():
            guessed[name] = column

    def named(name: str) -> list[str]:
        words = {h: re.findall(r"[a-z]+", normalise_header(h)) for h in headers}
        hints = _NAME_HINTS.get(name, ())
        aliases = set(BY_NAME[name].aliases)
        return [
            h
            for h in headers
            if h not in guessed.values()
            and (
                normalise_header(h) in aliases
                or any(w.startswith(hint) for w in words[h] for hint in hints)
            )
        ]

    def times(h: str) -> bool:
        values = filled[h]
        if values.empty or not values.str.contains(_TIME_LIKE).mean() >= 0.8:
            return False
        return (
            max(
                pd.to_datetime(values, errors="coerce", format="mixed", dayfirst=first)
                .notna()
                .mean()
                for first in (False, True)
            )
            >= 0.8
        )

    def repeats(h: str) -> bool:
        values = filled[h]
        return len(values) > 1 and 1 < values.nunique() < len(values)

    stamps = [h for h in headers if times(h)]
    take(
        "timestamp",
        next((h for h in named("timestamp") if h in stamps), None) or next(iter(stamps), None),
    )
    for name in ("case_id", "activity", "resource", "team", "level", "lifecycle"):
        take(name, next((h for h in named(name) if repeats(h) and h not in stamps), None))
    for name in ("channel", "priority", "category"):
        few = [h for h in named(name) if 0 < filled[h].nunique() <= _FEW]
        take(name, next(iter(few), None))
    for name in ("csat", "ces", "nps"):
        numbers = [
            h for h in named(name) if pd.to_numeric(filled[h], errors="coerce").notna().all()
        ]
        take(name, next(iter(numbers), None))
    # The ticket and the activity from contents alone: of the repeating text columns left, the
    # one with the most distinct values is the ticket, the one with the fewest the activity.
    left = sorted(
        (h for h in headers if h not in guessed.values() and h not in stamps and repeats(h)),
        key=lambda h: filled[h].nunique(),
    )
    if "case_id" not in guessed and left:
        take("case_id", left.pop())
    if "activity" not in guessed and left:
        take("activity", left[0])
    return {name: guessed[name] for name in BY_NAME if name in guessed}


def discard(paths: Sequence[Path]) -> None:
    """Remove the folder staged files were kept in."""
    for folder in {p.parent for p in paths}:
        shutil.rmtree(folder, ignore_errors=True)
