"""Files uploaded from a browser, loaded as `ticketloop ingest` loads them: kept under their own
names (never a path a browser sent) in a folder of their own until loaded, and messages that
name the files, not the server's folder. An upload makes a data set of its own unless the user
chose one to add to: what that one already holds of the file is told before loading."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import duckdb
import pandas as pd

from ingest.load import (
    IngestReport,
    case_ids_of,
    dataset_name_for,
    ingest_files,
    process_running,
    sha256_of,
)
from ingest.load import unique_dataset as unique_dataset  # the rule a load without a name uses
from ingest.mapping import Mapping, load_mapping, normalise_header
from ingest.privacy import Privacy
from store.errors import IngestError, TicketloopError
from store.fields import BY_NAME

STAGED = "ticketloop-upload-"  # staged folders: STAGED + the server's process id + "-" + random
_NAME_BYTES = 150  # a staged file's longest name (file systems allow 255 bytes)


def stage(files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write uploaded (name, content) pairs to a new folder of their own; their paths. Each is
    kept under a safe name of its own (safe_name), never a path a browser sent."""
    folder = Path(tempfile.mkdtemp(prefix=f"{STAGED}{os.getpid()}-"))
    paths: list[Path] = []
    for name, content in files:
        path = folder / safe_name(name)
        if path in paths:  # two files of one name: the second one a name of its own
            path = folder / f"{len(paths) + 1}-{path.name}"
        path.write_bytes(content)
        paths.append(path)
    return paths


def safe_name(name: str) -> str:
    """A browser's file name as one plain file name: its last part (after any `/` or `\\`),
    without NUL, control characters or leading dots, at most _NAME_BYTES bytes with its
    extension kept; `upload` when nothing is left (`..`, `/`, empty)."""
    last = re.split(r"[/\\]", name)[-1]
    clean = re.sub(r"[\x00-\x1f\x7f]", "", last).strip().lstrip(".") or "upload"
    stem, dot, suffix = clean.rpartition(".") if "." in clean else (clean, "", "")
    suffix = (dot + suffix)[:20]
    room = _NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:room].decode(errors="ignore") or "upload"
    return stem + suffix


def remove_leftovers() -> list[Path]:
    """Remove the folders earlier servers staged uploads in and left behind (a server killed,
    a mapping step never finished), leaving those of a server still running; what it removed."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{STAGED}*"):
        owner = folder.name.removeprefix(STAGED).split("-")[0]
        if folder.is_dir() and not (owner.isdigit() and process_running(int(owner))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def load_staged(
    db: Path,
    paths: Sequence[Path],
    *,
    dataset: str,
    mapping: Mapping | None = None,
    timezone: str | None = None,
    progress: Callable[[int], None] | None = None,
    pseudonymise: bool = False,
    pseudonymise_agents: bool = False,
) -> IngestReport:
    """Load staged files into `dataset`, all or nothing (ingest.load.ingest_files), naive
    timestamps read in `timezone`, customers (and agents) pseudonymised when asked (as ingest
    --pseudonymise), then remove their folder. The store, the report and every
    message name the files, not where they were staged; an unmapped CSV (`needs_mapping`) keeps
    its folder for the mapping step; every other outcome, an unexpected error too, removes it."""
    keep = False
    try:
        return ingest_files(
            db,
            list(paths),
            dataset=dataset,
            mapping=mapping,
            timezone=timezone,
            progress=progress,
            names=[p.name for p in paths],
            privacy=Privacy(pseudonymise, pseudonymise_agents),
        )
    except TicketloopError as exc:
        keep = needs_mapping(exc)
        raise _named(exc, paths) from None
    finally:
        if not keep:
            discard(paths)


def _named(exc: TicketloopError, paths: Sequence[Path]) -> TicketloopError:
    """`exc` with every staged path in its message replaced by the file's own name."""
    if isinstance(exc, IngestError):
        return IngestError(Path(exc.file).name, _unstaged(exc.reason, paths), exc.hint)
    return TicketloopError(_unstaged(str(exc), paths))


def _unstaged(message: str, paths: Sequence[Path]) -> str:
    for path in paths:
        message = message.replace(str(path), path.name)
    return message


def read_mapping(name: str, content: bytes) -> Mapping:
    """An uploaded mapping file (as `ingest --map` reads one); IngestError naming `name`."""
    [path] = stage([(name, content)])
    try:
        return dataclasses.replace(load_mapping(path), source=path.name)
    except TicketloopError as exc:
        raise _named(exc, [path]) from None
    finally:
        discard([path])


def loaded_before(con: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> dict[str, str]:
    """File name -> the data set that holds a file of the same content (sha256), for the staged
    files loaded before."""
    found = {}
    for path in paths:
        held = con.execute(
            "SELECT d.name FROM source_files f JOIN datasets d USING (dataset_id)"
            " WHERE f.sha256 = $sha ORDER BY f.file_id LIMIT 1",
            {"sha": sha256_of(path)},
        ).fetchall()
        if held:
            found[path.name] = held[0][0]
    return found


def tickets_held(con: duckdb.DuckDBPyConnection, dataset: str, case_ids: list[str]) -> int:
    """How many of `case_ids` data set `dataset` holds."""
    return con.execute(
        "SELECT count(*) FROM cases JOIN datasets d USING (dataset_id)"
        " WHERE d.name = $d AND case_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"d": dataset, "ids": case_ids},
    ).fetchall()[0][0]


def file_tickets(paths: Sequence[Path], mapping: Mapping | None = None) -> list[str]:
    """The distinct ticket ids of staged files, read as the load will read them; IngestError
    naming the file if one cannot be read."""
    try:
        return case_ids_of(list(paths), mapping=mapping)
    except TicketloopError as exc:
        raise _named(exc, paths) from None


def time_zones() -> list[str]:
    """The IANA time zones a naive timestamp can be read in, sorted."""
    return sorted(available_timezones())


def wall_clock(iso: str, zone: str) -> str:
    """An instant (ISO 8601 with an offset) as `YYYY-MM-DD HH:MM` on the clock of `zone`."""
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"


def nothing_added(report: dict) -> bool:
    """Whether every file of a load (its report as JSON) was loaded before: nothing added."""
    return bool(report["files"]) and all(f["already_loaded"] for f in report["files"])


def default_dataset(file_name: str) -> str:
    """The data set a file loads into when none is named: its (safe) name without the
    extensions."""
    return dataset_name_for(Path(safe_name(file_name)))


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
