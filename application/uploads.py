"""Files uploaded from a browser, loaded as `ticketloop ingest` loads them: kept under their own
names (never a path a browser sent) in a folder of their own until loaded, and messages that
name the files, not the server's folder."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ingest.load import IngestReport, dataset_name_for, ingest_files
from ingest.mapping import Mapping
from store.errors import IngestError, TicketloopError


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


def discard(paths: Sequence[Path]) -> None:
    """Remove the folder staged files were kept in."""
    for folder in {p.parent for p in paths}:
        shutil.rmtree(folder, ignore_errors=True)
