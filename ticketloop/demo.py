"""The sample desk beside a store, as `ticketloop demo` sets it up (and the dashboard benchmark
too): its settings (calendar, SLA, designed flow, conformance method), its knowledge-base rollout
in the change log, and its tickets replayed once on the designed flow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path


def sample_dir() -> Path:
    """The sample desk's files: ticketloop/sample_logs/ in a package installed from a wheel
    (pyproject.toml ships the repository's sample_logs/ there), sample_logs/ in a clone."""
    package = Path(__file__).resolve().parent
    installed = package / "sample_logs"
    return installed if installed.is_dir() else package.parent / "sample_logs"


SAMPLE_DIR = sample_dir()


def write_desk_settings(db: Path) -> bool:
    """The sample desk's settings (sample_logs/ticketloop.toml, with its designed flow) beside
    `db` when it has none; whether they were written."""
    from store.settings import load_settings, save_settings, settings_path

    desk = SAMPLE_DIR / "ticketloop.toml"
    if settings_path(db).exists() or not desk.exists():
        return False
    flow = SAMPLE_DIR / "designed_flow.bpmn"
    save_settings(replace(load_settings(desk), designed_flow=flow), settings_path(db))
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
    if store.settings.designed_flow is not None:
        store.select(dataset).fit(progress=progress)
