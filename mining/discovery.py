"""Discovery: the process the selected tickets actually follow, found by pm4py's inductive miner
in the variant counts DuckDB computed, as a BPMN model with a layout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from mining.bpmn import bpmn_xml
from mining.pm4py_bridge import discover_model
from mining.selection import Selection
from mining.variants import variants

DEFAULT_NOISE = 0.2


@dataclass(frozen=True)
class DiscoveredProcess:
    """The model found for the selected tickets: `process_tree` in pm4py's notation (-> sequence,
    X choice, + parallel, * loop, tau a silent step), `bpmn` the BPMN 2.0 document, `tasks` and
    `gateways` its size. `noise` (0-1) is the inductive miner's threshold: behaviour rarer than
    that share is left out (IMf); 0 keeps everything (IM)."""

    selection: Selection
    tickets: int
    variants: int
    noise: float
    process_tree: str
    tasks: int
    gateways: int
    bpmn: str

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.selection.dataset,
            "selection": self.selection.describe(),
            "tickets": self.tickets,
            "variants": self.variants,
            "noise": self.noise,
            "process_tree": self.process_tree,
            "tasks": self.tasks,
            "gateways": self.gateways,
        }


def discover_process(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, noise: float = DEFAULT_NOISE
) -> DiscoveredProcess:
    """The inductive miner's model of `selection` with noise threshold `noise` (0 to 1)."""
    found = variants(con, selection)
    counts = dict(
        zip(map(tuple, found.table["activities"]), found.table["tickets"].tolist(), strict=True)
    )
    model = discover_model(counts, noise)
    name = f"{selection.dataset}: discovered process ({selection.describe()})"
    return DiscoveredProcess(
        selection,
        found.tickets,
        found.total,
        noise,
        model.process_tree,
        sum(n.kind == "task" for n in model.nodes),
        sum(n.kind not in ("start", "end", "task") for n in model.nodes),
        bpmn_xml(model.nodes, model.flows, name=name),
    )
