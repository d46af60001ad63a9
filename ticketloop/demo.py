"""The sample desk in a store, as `ticketloop demo` sets it up (and the dashboard benchmark too):
its settings kept with the data set (calendar, SLA, designed flow, conformance method), its
knowledge-base rollout in the change log, and its tickets replayed once on the designed flow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def sample_dir() -> Path:
    """The sample desk's files: ticketloop/sample_logs/ in a package installed from a wheel
    (pyproject.toml ships the repository's sample_logs/ there), sample_logs/ in a clone."""
    package = Path(__file__).resolve().parent
    installed = package / "sample_logs"
    return installed if installed.is_dir() else package.parent / "sample_logs"


SAMPLE_DIR = sample_dir()


def adopt_settings(db: Path, dataset: str, settings_file: Path) -> bool:
    """Make the sample's settings file (and the designed flow it names) `dataset`'s own when it
    has none of its own yet; whether they were."""
    from store.dataset_settings import OWN
    from ticketloop.api import Store

    store = Store(db)
    if any(source == OWN for _, _, source in store.dataset_settings(dataset).values()):
        return False
    store.import_settings(dataset, settings_file)
    return True


def prepare_desk(
    db: Path, dataset: str, progress: Callable[[int, int], None] | None = None
) -> None:
    """The desk's rollout in the change log of `dataset` (once), and its tickets replayed on the
    designed flow of the settings, so that no page waits for that replay."""
    from ticketloop.api import Store
    from ticketloop.synthetic import ROLLOUT

    store = Store(db)
    if not store.changes(dataset):
        store.add_change(dataset, ROLLOUT.isoformat(), "Knowledge base rollout")
    if store.settings_of(dataset).designed_flow is not None:
        store.select(dataset).fit(progress=progress)
