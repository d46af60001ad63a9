"""The sample desks in a store, as `ticketloop demo` sets them up (and the dashboard benchmark
too): each its own data set with its settings kept with it (calendar, SLA, targets, designed flow,
conformance method), the incident desk's knowledge-base rollout in its change log, and the tickets
replayed once on their designed flow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def sample_dir() -> Path:
    """The sample desk's files: ticketloop/sample_logs/ in a package installed from a wheel
    (pyproject.toml ships the repository's sample_logs/ there), sample_logs/ in a clone."""
    package = Path(__file__).resolve().parent
    installed = package / "sample_logs"
    return installed if installed.is_dir() else package.parent / "sample_logs"


SAMPLE_DIR = sample_dir()


@dataclass(frozen=True)
class SampleDesk:
    """A sample process: its data set, its log and its settings file in SAMPLE_DIR."""

    dataset: str
    log: str
    settings: str
    about: str
    rollout: bool  # its change log records the knowledge-base rollout of the incident desk


DESKS = (
    SampleDesk("helpdesk", "helpdesk.csv", "ticketloop.toml", "incidents, Europe/Madrid", True),
    SampleDesk(
        "complaints", "complaints.csv", "complaints.toml", "complaints, Europe/Berlin", False
    ),
)


def load_desk(
    db: Path, desk: SampleDesk, progress: Callable[[int, int], None] | None = None
) -> tuple[Any, bool]:
    """Load `desk` into the store at `db` (idempotent), its settings made its own when it has none
    yet, its rollout recorded and its tickets replayed; the load report and whether the settings
    were adopted."""
    from ingest.load import ingest_files

    report = ingest_files(db, [SAMPLE_DIR / desk.log], dataset=desk.dataset)
    adopted = adopt_settings(db, desk.dataset, SAMPLE_DIR / desk.settings)
    if desk.rollout:
        prepare_desk(db, desk.dataset, progress)
    else:
        replay(db, desk.dataset, progress)
    return report, adopted


def adopt_settings(db: Path, dataset: str, settings_file: Path) -> bool:
    """Make the sample's settings file (and the designed flow it names) `dataset`'s own when it
    has none of its own yet; whether they were."""
    from store.dataset_settings import OWN
    from ticketloop.api import Store

    store = Store(db)
    if OWN in store.dataset_settings(dataset).sources.values():
        return False
    store.import_settings(dataset, settings_file)
    return True


def prepare_desk(
    db: Path, dataset: str, progress: Callable[[int, int], None] | None = None
) -> None:
    """An incident desk's knowledge-base rollout in the change log of `dataset` (once), and its
    tickets replayed on the designed flow of its settings (replay)."""
    from ticketloop.api import Store
    from ticketloop.synthetic import ROLLOUT

    store = Store(db)
    if not store.changes(dataset):
        store.add_change(dataset, ROLLOUT.isoformat(), "Knowledge base rollout")
    replay(db, dataset, progress)


def replay(db: Path, dataset: str, progress: Callable[[int, int], None] | None = None) -> None:
    """The tickets of `dataset` replayed on its designed flow, when it has one, so that no page
    waits for that replay (the store keeps the results)."""
    from ticketloop.api import Store

    store = Store(db)
    if store.settings_of(dataset).designed_flow is not None:
        store.select(dataset).fit(progress=progress)
