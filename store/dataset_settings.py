"""A data set's settings, kept in the store so they travel with the file: the values the data set
sets itself (table `dataset_settings`: a settings document and its designed flow's BPMN) over the
defaults of a settings file (`ticketloop.toml` beside the store, or `--config`), over the built-in
defaults. A new data set starts from the defaults; editing one data set's settings never changes
another's."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import tomli_w

from store.datasets import dataset_id
from store.errors import SettingsError
from store.settings import (
    DesignedFlow,
    Settings,
    load_settings,
    read_document,
    settings_document,
    settings_of,
)

OWN = "data set"
BUILT_IN = "built-in default"
FLOW_KEY = "conformance.designed_flow"


@dataclass(frozen=True)
class DatasetSettings:
    """The settings in force for `dataset`, and where each value comes from: `sources` maps
    every "section.key" (and FLOW_KEY) to OWN, the defaults file's path, or BUILT_IN."""

    dataset: str
    settings: Settings
    sources: dict[str, str]
    defaults: Path | None

    def values(self) -> list[tuple[str, Any, str]]:
        """(key, value, source) of every setting, the designed flow last."""
        rows = [
            (f"{section}.{key}", value, self.sources[f"{section}.{key}"])
            for section, table in settings_document(self.settings).items()
            for key, value in table.items()
        ]
        flow = self.settings.designed_flow
        rows.append((FLOW_KEY, flow.name if flow else None, self.sources[FLOW_KEY]))
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "defaults": str(self.defaults) if self.defaults else None,
            "settings": [
                {"key": k, "value": _jsonable(v), "source": s} for k, v, s in self.values()
            ],
        }


def dataset_settings(
    con: duckdb.DuckDBPyConnection, dataset: str, defaults: Path | None
) -> DatasetSettings:
    """The settings of `dataset`: its own values over those of the file `defaults` (when it
    exists) over the built-in ones. SettingsError naming the file or data set, key and fix."""
    d = dataset_id(con, dataset)
    file_doc = read_document(defaults)
    own_doc, flow_name, flow_bpmn = _stored(con, d)
    merged = {
        section: file_doc.get(section, {}) | own_doc.get(section, {})
        for section in file_doc.keys() | own_doc.keys()
    }
    base = defaults.parent if defaults is not None else None
    settings = settings_of(merged, f"the settings of data set '{dataset}'", base)
    sources = {f"{s}.{k}": BUILT_IN for s, t in settings_document(settings).items() for k in t}
    sources[FLOW_KEY] = BUILT_IN
    sources |= {f"{s}.{k}": str(defaults) for s, table in file_doc.items() for k in table}
    sources |= {f"{s}.{k}": OWN for s, table in own_doc.items() for k in table}
    if flow_bpmn is not None:
        flow = DesignedFlow(flow_name, bytes(flow_bpmn), f"data set '{dataset}'")
        settings = replace(settings, designed_flow=flow)
        sources[FLOW_KEY] = OWN
    return DatasetSettings(dataset, settings, sources, defaults if file_doc else None)


def save_dataset_settings(
    con: duckdb.DuckDBPyConnection, dataset: str, settings: Settings, defaults: Path | None
) -> DatasetSettings:
    """Make `settings` those of `dataset`: the values it set itself before and those that differ
    from the defaults it inherits, and its designed flow when that differs from theirs, are kept
    as its own (a value it set stays its own when it equals a default); the settings now.
    SettingsError naming the key and the fix, and nothing written, when a value is wrong."""
    d = dataset_id(con, dataset)
    settings_of(settings_document(settings), f"the settings of data set '{dataset}'", None)
    inherited = load_settings(defaults)
    theirs = settings_document(inherited)
    before = _stored(con, d)[0]
    own = {
        section: kept
        for section, table in settings_document(settings).items()
        if (
            kept := {
                k: v
                for k, v in table.items()
                if k in before.get(section, {}) or theirs[section].get(k) != v
            }
        )
    }
    flow = settings.designed_flow
    keep_flow = flow is not None and (
        inherited.designed_flow is None or inherited.designed_flow.data != flow.data
    )
    _write(con, d, own, flow if keep_flow else None)
    return dataset_settings(con, dataset, defaults)


def import_settings(
    con: duckdb.DuckDBPyConnection, dataset: str, path: Path, defaults: Path | None
) -> DatasetSettings:
    """Make every value the settings file `path` sets, and the BPMN of the designed flow it names,
    `dataset`'s own (what it set before goes); the settings now. SettingsError for a bad file."""
    d = dataset_id(con, dataset)
    if not path.is_file():
        raise SettingsError(f"{path}: no such settings file; give the path of a .toml file")
    doc = read_document(path)
    flow = settings_of(doc, str(path), path.parent).designed_flow
    if flow is not None and flow.data is None:
        raise SettingsError(
            f"{path}: [conformance] designed_flow names {flow.origin}, which is not there"
        )
    own = {
        section: {k: v for k, v in table.items() if k != "designed_flow"}
        for section, table in doc.items()
    }
    _write(con, d, {s: t for s, t in own.items() if t}, flow)
    return dataset_settings(con, dataset, defaults)


def start_in_zone(con: duckdb.DuckDBPyConnection, dataset: str, zone: str) -> None:
    """A new data set whose times were read in `zone` starts with that calendar time zone as its
    own (the desk's clock: its weeks, business hours and shown times)."""
    _write(con, dataset_id(con, dataset), {"calendar": {"timezone": zone}}, None)


def forget_dataset_settings(
    con: duckdb.DuckDBPyConnection, dataset: str, defaults: Path | None
) -> DatasetSettings:
    """Forget `dataset`'s own values and flow: it has the defaults again; the settings now."""
    con.execute(
        "DELETE FROM dataset_settings WHERE dataset_id = $d", {"d": dataset_id(con, dataset)}
    )
    return dataset_settings(con, dataset, defaults)


def _stored(
    con: duckdb.DuckDBPyConnection, d: int
) -> tuple[dict[str, Any], str | None, bytes | None]:
    """What data set `d` sets itself: its settings document ({} for none), and its designed
    flow's name and BPMN (None for none)."""
    row = con.execute(
        "SELECT document, flow_name, flow_bpmn FROM dataset_settings WHERE dataset_id = $d",
        {"d": d},
    ).fetchall()
    return (tomllib.loads(row[0][0]), row[0][1], row[0][2]) if row else ({}, None, None)


def _write(
    con: duckdb.DuckDBPyConnection, d: int, own: dict[str, Any], flow: DesignedFlow | None
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO dataset_settings VALUES ($d, $doc, $name, $bpmn, now())",
        {
            "d": d,
            "doc": tomli_w.dumps(own),
            "name": flow.name if flow else None,
            "bpmn": flow.data if flow else None,
        },
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value.isoformat() if hasattr(value, "isoformat") else value
