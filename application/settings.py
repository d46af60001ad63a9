"""A data set's designed flow set from a BPMN file, checked to be a model first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from mining.bpmn import read_model_file
from store.connection import open_store
from store.dataset_settings import DatasetSettings, dataset_settings, save_dataset_settings
from store.settings import DesignedFlow


def set_designed_flow(db: Path, dataset: str, path: Path, defaults: Path | None) -> DatasetSettings:
    """Make the BPMN file `path` the designed flow of `dataset` in the store at `db`; its settings
    now. ModelError naming the file when it is not a BPMN model with tasks."""
    model = read_model_file(path)
    flow = DesignedFlow(path.name, model.data, f"data set '{dataset}'")
    with open_store(db) as con:
        current = dataset_settings(con, dataset, defaults).settings
        return save_dataset_settings(con, dataset, replace(current, designed_flow=flow), defaults)
