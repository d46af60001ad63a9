"""The process map: the directly-follows graph cut Disco-style to the most frequent activities and
paths, laid out by Graphviz's `dot` (or, without it, the left-to-right layout of mining/bpmn.py),
and compared with the designed flow's directly-follows pairs of tasks."""

from __future__ import annotations

import math
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass

import duckdb
import pandas as pd

from mining.conformance import MOST_LABELS, share_in_model
from mining.dfg import directly_follows
from mining.selection import Selection

DOT_TIMEOUT_S = 20
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@dataclass(frozen=True)
class ProcessMap:
    """What the map draws, in layout units (y grows downwards).

    `nodes`: one row per shown activity: activity, events (times it happens), starts, ends
    (tickets it opens or closes), x, y (centre), w, h (box size). `edges`: one row per shown directly-follows edge, most
    frequent first: source, target, count, median_seconds, examples (ticket ids), xs, ys (the
    line's points), mid_x, mid_y (where the edge can be clicked), designed (True when the
    designed flow has the pair, False when it lacks it, None without a designed flow).
    `total_activities` and `total_edges` count the whole graph (`total_edges` equals
    `directly_follows(...).edges`); `layout` is "dot" or "layered"."""

    tickets: int
    nodes: pd.DataFrame
    edges: pd.DataFrame
    total_activities: int
    total_edges: int
    layout: str
    # the designed flow's pairs of tasks that are both activities of the data; 0 when most of the
    # data's activities are not the flow's (as conformance judges whether a model speaks a log)
    design_pairs: int


def process_map(
    con: duckdb.DuckDBPyConnection,
    selection: Selection,
    *,
    activities: int | None = None,
    paths: float = 1.0,
    design: bytes | None = None,
) -> ProcessMap:
    """The map of `selection`: its `activities` most frequent activities (None: all) and, among
    the edges between them, the `paths` (0-1) most frequent share, always keeping each shown
    activity's busiest incoming and outgoing edge. `design`: a BPMN file's bytes to compare with."""
    dfg = directly_follows(con, selection)
    edges = dfg.edges[["source", "target", "count", "median_seconds", "examples"]].copy()
    events: dict[str, int] = defaultdict(int)
    for row in edges.itertuples():
        events[row.target] += int(row.count)
    starts = dict(zip(dfg.starts["activity"], dfg.starts["tickets"].astype(int), strict=True))
    ends = dict(zip(dfg.ends["activity"], dfg.ends["tickets"].astype(int), strict=True))
    for activity, n in starts.items():
        events[activity] += n
    ranked = sorted(events, key=lambda a: (-events[a], a))
    kept = set(ranked[: activities or len(ranked)])
    edges = edges[edges["source"].isin(kept) & edges["target"].isin(kept)]
    edges = _cut(edges.reset_index(drop=True), paths)
    nodes = pd.DataFrame(
        {
            "activity": [a for a in ranked if a in kept],
            "events": [events[a] for a in ranked if a in kept],
            "starts": [starts.get(a, 0) for a in ranked if a in kept],
            "ends": [ends.get(a, 0) for a in ranked if a in kept],
        }
    )
    pairs: set[tuple[str, str]] = set()
    if design:
        designed = designed_pairs(design)
        labels = {a for pair in designed for a in pair}
        if share_in_model(events.keys(), labels) >= MOST_LABELS:  # a flow of this process
            pairs = {p for p in designed if set(p) <= events.keys()}
    edges["designed"] = [
        ((s, t) in pairs) if pairs else None
        for s, t in zip(edges["source"], edges["target"], strict=True)
    ]
    layout = "dot" if shutil.which("dot") else "layered"
    placed = _dot(nodes, edges) if layout == "dot" else None
    if placed is None:
        layout, placed = "layered", _layered(nodes, edges)
    positions, lines = placed
    if layout == "dot":
        nodes["w"], nodes["h"] = [_width(a) for a in nodes["activity"]], 0.55
    else:
        nodes["w"], nodes["h"] = 120.0, 80.0
    nodes["x"] = [positions[a][0] for a in nodes["activity"]]
    nodes["y"] = [positions[a][1] for a in nodes["activity"]]
    points = [lines[(s, t)] for s, t in zip(edges["source"], edges["target"], strict=True)]
    edges["xs"] = [[p[0] for p in line] for line in points]
    edges["ys"] = [[p[1] for p in line] for line in points]
    edges["mid_x"] = [line[len(line) // 2][0] for line in points]
    edges["mid_y"] = [line[len(line) // 2][1] for line in points]
    return ProcessMap(
        dfg.tickets, nodes, edges.reset_index(drop=True), len(events), len(dfg.edges), layout,
        len(pairs),
    )  # fmt: skip


def _cut(edges: pd.DataFrame, paths: float) -> pd.DataFrame:
    """The most frequent `paths` share of `edges`, plus each activity's busiest in and out edge."""
    if paths >= 1 or edges.empty:
        return edges
    edges = edges.sort_values(["count", "source", "target"], ascending=[False, True, True])
    keep = set(edges.index[: math.ceil(paths * len(edges))])
    keep |= set(edges.groupby("source")["count"].idxmax())
    keep |= set(edges.groupby("target")["count"].idxmax())
    return edges.loc[sorted(keep)].sort_values("count", ascending=False)


def designed_pairs(design: bytes) -> set[tuple[str, str]]:
    """The directly-follows pairs of task labels of a BPMN file: task A, then task B reached
    through sequence flows that pass only gateways and events."""
    root = ET.fromstring(design)
    tasks: dict[str, str] = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower().endswith("task"):
            tasks[element.get("id", "")] = (element.get("name") or "").replace("\n", "").strip()
    successors: dict[str, list[str]] = defaultdict(list)
    for flow in root.iter(f"{_BPMN}sequenceFlow"):
        successors[flow.get("sourceRef", "")].append(flow.get("targetRef", ""))
    pairs = set()
    for task, label in tasks.items():
        seen, queue = {task}, list(successors[task])
        while queue:
            node = queue.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in tasks:
                pairs.add((label, tasks[node]))
            else:
                queue.extend(successors[node])
    return pairs


Point = tuple[float, float]


def _dot(
    nodes: pd.DataFrame, edges: pd.DataFrame
) -> tuple[dict[str, Point], dict[tuple[str, str], list[Point]]] | None:
    """Positions from `dot -Tplain` (inches, y up; returned y down), None when dot fails."""
    ids = {a: f"n{i}" for i, a in enumerate(nodes["activity"])}
    names = {v: k for k, v in ids.items()}
    lines = ["digraph G {", "rankdir=TB; nodesep=0.35; ranksep=0.45;", "node [shape=box];"]
    lines += [
        f'{ids[a]} [label="{i}", width={_width(a)}, height=0.55, fixedsize=true];'
        for i, a in enumerate(ids)
    ]
    for row in edges.itertuples():
        lines.append(f"{ids[row.source]} -> {ids[row.target]} [weight={max(1, int(row.count))}];")
    lines.append("}")
    try:
        done = subprocess.run(
            ["dot", "-Tplain"],
            input="\n".join(lines),
            capture_output=True,
            text=True,
            timeout=DOT_TIMEOUT_S,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    positions: dict[str, Point] = {}
    paths: dict[tuple[str, str], list[Point]] = {}
    for line in done.stdout.splitlines():
        part = line.split()
        if part[0] == "node":
            positions[names[part[1]]] = (float(part[2]), -float(part[3]))
        elif part[0] == "edge":
            n = int(part[3])
            xy = [(float(part[4 + 2 * i]), -float(part[5 + 2 * i])) for i in range(n)]
            paths[(names[part[1]], names[part[2]])] = xy
    for source, target in zip(edges["source"], edges["target"], strict=True):
        paths.setdefault((source, target), [positions[source], positions[target]])
    return positions, paths


def _width(activity: str) -> float:
    """A box wide enough for the activity's name (inches, at the map's font size)."""
    return round(max(1.2, 0.085 * len(activity) + 0.3), 2)


def _layered(
    nodes: pd.DataFrame, edges: pd.DataFrame
) -> tuple[dict[str, Point], dict[tuple[str, str], list[Point]]]:
    """The left-to-right layout mining/bpmn.py gives BPMN files, with straight edges."""
    from mining.bpmn import _layout
    from mining.pm4py_bridge import ModelNode

    starts = list(nodes.sort_values("starts", ascending=False)["activity"])
    model = tuple(ModelNode(a, "task", a) for a in starts)
    flows = tuple(zip(edges["source"], edges["target"], strict=True))
    boxes = _layout(model, flows) if model else {}
    positions = {a: (x + w / 2, y + h / 2) for a, (x, y, w, h) in boxes.items()}
    paths = {}
    for s, t in flows:
        (x0, y0), (x1, y1) = positions[s], positions[t]
        bend = 0.0 if s != t else 40.0
        paths[(s, t)] = [(x0, y0), ((x0 + x1) / 2 + bend, (y0 + y1) / 2 - bend), (x1, y1)]
    return positions, paths
