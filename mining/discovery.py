"""Discovery: the process the selected tickets actually follow, found by pm4py's inductive miner
in the variant counts DuckDB computed, as a BPMN model with a layout."""

from __future__ import annotations

from collections import Counter
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
    that share is left out (IMf); 0 keeps everything (IM). `left_out`: the tickets' activities
    the model lacks (each of whose paths the noise left out), with how many tickets do each, most
    first."""

    selection: Selection
    tickets: int
    variants: int
    noise: float
    process_tree: str
    tasks: int
    gateways: int
    bpmn: str
    left_out: dict[str, int]

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
            "left_out": [{"activity": a, "tickets": n} for a, n in self.left_out.items()],
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
    kept = {n.name for n in model.nodes if n.kind == "task"}
    left_out: Counter[str] = Counter()
    for path, tickets in counts.items():
        for activity in set(path) - kept:
            left_out[activity] += tickets
    return DiscoveredProcess(
        selection,
        found.tickets,
        found.total,
        noise,
        model.process_tree,
        sum(n.kind == "task" for n in model.nodes),
        sum(n.kind not in ("start", "end", "task") for n in model.nodes),
        bpmn_xml(model.nodes, model.flows, name=name),
        dict(sorted(left_out.items(), key=lambda item: (-item[1], item[0]))),
    )
