"""The process map: the directly-follows graph cut Disco-style to the most frequent activities and
paths, laid out top to bottom (mining/map_layout.py), and compared with the designed flow's
directly-follows pairs of tasks."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass

import duckdb
import pandas as pd

from mining.conformance import MOST_LABELS, share_in_model
from mining.dfg import directly_follows
from mining.map_layout import box_size, label_spots, layered_layout, wrap
from mining.selection import Selection

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@dataclass(frozen=True)
class ProcessMap:
    """What the map draws, in pixels at its opening zoom (y grows downwards).

    `nodes`: one row per shown activity: activity, events (times it happens), starts, ends
    (tickets it opens or closes), label (the activity's name wrapped, then the events, one string
    per line), processing_seconds (median processing time of its instances, start to complete, on
    a log with lifecycle start and complete events; NaN otherwise), x, y (centre), w, h (box
    size, the label's with a margin). `edges`: one row per
    shown directly-follows edge, most frequent first: source, target, count, median_seconds,
    examples (ticket ids), xs, ys (the line's points, from the source box's border to the
    target's), mid_x, mid_y (the point along it where the edge's dot, which a click selects, and its
    label sit: near halfway, clear of the boxes and of busier edges' labels where it can be), designed (True
    when the designed flow has the pair, False when it lacks it, None without a designed flow).
    `total_activities` and `total_edges` count the whole graph (`total_edges` equals
    `directly_follows(...).edges`)."""

    tickets: int
    nodes: pd.DataFrame
    edges: pd.DataFrame
    total_activities: int
    total_edges: int
    # the designed flow's pairs of tasks that are both activities of the data; 0 when most of the
    # data's activities are not the flow's (as conformance judges whether a model speaks a log)
    design_pairs: int

    @property
    def processing_times(self) -> bool:
        """Whether its activities have processing times (lifecycle start and complete)."""
        return bool(self.nodes["processing_seconds"].notna().any())


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
    activity's busiest edge in from and out to another activity. `design`: a BPMN file's bytes to compare with."""
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
    processing = dict(
        zip(dfg.processing["activity"], dfg.processing["median_seconds"], strict=True)
    )
    nodes["processing_seconds"] = [processing.get(a, math.nan) for a in nodes["activity"]]
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
    nodes["label"] = [
        [*wrap(a), f"{n:,}"] for a, n in zip(nodes["activity"], nodes["events"], strict=True)
    ]
    sizes = {a: box_size(label) for a, label in zip(nodes["activity"], nodes["label"], strict=True)}
    weighted = list(zip(edges["source"], edges["target"], edges["count"].astype(int), strict=True))
    boxes, lines = layered_layout(sizes, weighted, starts=starts)
    for column in ("x", "y", "w", "h"):
        nodes[column] = [getattr(boxes[a], column) for a in nodes["activity"]]
    points = [lines[(s, t)] for s, t in zip(edges["source"], edges["target"], strict=True)]
    edges["xs"] = [[p[0] for p in line] for line in points]
    edges["ys"] = [[p[1] for p in line] for line in points]
    middles = label_spots(boxes, points)  # the edges come busiest first
    edges["mid_x"] = [m[0] for m in middles]
    edges["mid_y"] = [m[1] for m in middles]
    return ProcessMap(
        dfg.tickets, nodes, edges.reset_index(drop=True), len(events), len(dfg.edges), len(pairs)
    )


def _cut(edges: pd.DataFrame, paths: float) -> pd.DataFrame:
    """The most frequent `paths` share of `edges`, plus each activity's busiest edge in from and
    out to another activity."""
    if paths >= 1 or edges.empty:
        return edges
    edges = edges.sort_values(["count", "source", "target"], ascending=[False, True, True])
    keep = set(edges.index[: math.ceil(paths * len(edges))])
    # an activity's busiest edges to and from others: a self-loop alone would cut it off
    linked = edges[edges["source"] != edges["target"]]
    keep |= set(linked.groupby("source")["count"].idxmax())
    keep |= set(linked.groupby("target")["count"].idxmax())
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
