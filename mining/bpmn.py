"""BPMN 2.0 files: reading a model's tasks (without pm4py), and writing a discovered model with a
left-to-right layout so bpmn.io and Camunda Modeler draw it (pm4py's own layout needs the
Graphviz binaries; this needs nothing)."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from store.errors import ModelError

if TYPE_CHECKING:
    from mining.pm4py_bridge import ModelNode

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
ELEMENTS = {
    "start": "startEvent",
    "end": "endEvent",
    "task": "task",
    "exclusive": "exclusiveGateway",
    "parallel": "parallelGateway",
    "inclusive": "inclusiveGateway",
}
SIZES = {"start": (36, 36), "end": (36, 36), "task": (120, 80)}  # gateways: 50 x 50
COLUMN_GAP, ROW_HEIGHT, MARGIN = 50, 110, 40


@dataclass(frozen=True)
class ModelFile:
    """A BPMN model's name (the file it came from, or the designed flow's name), its bytes, their
    sha256 (the conformance cache key) and its task labels, one per task (a label the model
    repeats appears as often as it does)."""

    name: str
    data: bytes
    sha256: str
    task_labels: tuple[str, ...]

    @property
    def repeated_labels(self) -> dict[str, int]:
        return {k: n for k, n in sorted(Counter(self.task_labels).items()) if n > 1}


def read_model_file(path: Path) -> ModelFile:
    """The BPMN file at `path`, checked as `model_of` checks it; ModelError saying what is wrong."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(
            f"{path}: no such file. Give a BPMN file with --model, or set the data set's designed"
            " flow: ticketloop settings --flow FILE.bpmn"
        ) from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot be read ({exc.strerror}). {_FIX}") from None
    return model_of(str(path), data)


_FIX = "Export the model from your modeller as BPMN 2.0 XML, or give another file with --model"


def model_of(name: str, data: bytes) -> ModelFile:
    """The BPMN model `data` (called `name` in messages), checked to be a BPMN process with tasks;
    ModelError saying what is wrong otherwise. Task labels are read as pm4py reads them (line
    breaks dropped)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ModelError(f"{name}: not a BPMN file (not XML: {exc.msg}). {_FIX}") from None
    if etree.QName(root).localname != "definitions" or etree.QName(root).namespace != NS["bpmn"]:
        raise ModelError(
            f"{name}: not a BPMN file (its root element is <{etree.QName(root).localname}>,"
            f" not BPMN 2.0 <definitions>). {_FIX}"
        )
    labels = tuple(
        (element.get("name") or "").replace("\r", "").replace("\n", "")
        for element in root.iter()
        if isinstance(element.tag, str) and etree.QName(element).localname.lower().endswith("task")
    )
    if not any(labels):
        raise ModelError(f"{name}: a BPMN file without named tasks; nothing to check. {_FIX}")
    return ModelFile(name, data, hashlib.sha256(data).hexdigest(), labels)


def bpmn_xml(nodes: tuple[ModelNode, ...], flows: tuple[tuple[str, str], ...], *, name: str) -> str:
    """The BPMN 2.0 document of one process (`name`) with these nodes and sequence flows."""
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    flow_ids = {flow: f"flow_{i}" for i, flow in enumerate(flows, start=1)}
    root = ET.Element(
        _q("bpmn", "definitions"),
        {
            "id": "definitions",
            "targetNamespace": "https://ticketloop.org/bpmn",
            "exporter": "ticketloop",
        },
    )
    process = ET.SubElement(
        root,
        _q("bpmn", "process"),
        {"id": "process", "name": name, "isExecutable": "false"},
    )
    for node in nodes:
        attrs = {"id": node.id} | ({"name": node.name} if node.name else {})
        element = ET.SubElement(process, _q("bpmn", ELEMENTS[node.kind]), attrs)
        for flow, flow_id in flow_ids.items():
            if flow[1] == node.id:
                ET.SubElement(element, _q("bpmn", "incoming")).text = flow_id
        for flow, flow_id in flow_ids.items():
            if flow[0] == node.id:
                ET.SubElement(element, _q("bpmn", "outgoing")).text = flow_id
    for (source, target), flow_id in flow_ids.items():
        ET.SubElement(
            process,
            _q("bpmn", "sequenceFlow"),
            {"id": flow_id, "sourceRef": source, "targetRef": target},
        )
    _add_diagram(root, nodes, flows, flow_ids)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _add_diagram(
    root: ET.Element,
    nodes: tuple[ModelNode, ...],
    flows: tuple[tuple[str, str], ...],
    flow_ids: dict[tuple[str, str], str],
) -> None:
    boxes = _layout(nodes, flows)
    plane = ET.SubElement(
        ET.SubElement(root, _q("bpmndi", "BPMNDiagram"), {"id": "diagram"}),
        _q("bpmndi", "BPMNPlane"),
        {"id": "plane", "bpmnElement": "process"},
    )
    for node in nodes:
        x, y, w, h = boxes[node.id]
        attrs = {"id": f"{node.id}_di", "bpmnElement": node.id}
        if node.kind == "exclusive":
            attrs["isMarkerVisible"] = "true"
        shape = ET.SubElement(plane, _q("bpmndi", "BPMNShape"), attrs)
        ET.SubElement(
            shape, _q("dc", "Bounds"), {"x": str(x), "y": str(y), "width": str(w), "height": str(h)}
        )
    bottom = max(y + h for _, y, _, h in boxes.values())
    back_edges = 0
    for flow, flow_id in flow_ids.items():
        sx, sy, sw, sh = boxes[flow[0]]
        tx, ty, tw, th = boxes[flow[1]]
        if tx > sx:  # forward: leave on the right, enter on the left, bend halfway
            start, end = (sx + sw, sy + sh // 2), (tx, ty + th // 2)
            bend = (start[0] + end[0]) // 2
            points = (
                [start, (bend, start[1]), (bend, end[1]), end]
                if start[1] != end[1]
                else [start, end]
            )
        else:  # backward (a loop): leave and enter at the bottom, run below the diagram
            back_edges += 1
            below = bottom + 20 * back_edges
            start, end = (sx + sw // 2, sy + sh), (tx + tw // 2, ty + th)
            points = [start, (start[0], below), (end[0], below), end]
        edge = ET.SubElement(
            plane, _q("bpmndi", "BPMNEdge"), {"id": f"{flow_id}_di", "bpmnElement": flow_id}
        )
        for px, py in points:
            ET.SubElement(edge, _q("di", "waypoint"), {"x": str(px), "y": str(py)})


def _layout(
    nodes: tuple[ModelNode, ...], flows: tuple[tuple[str, str], ...]
) -> dict[str, tuple[int, int, int, int]]:
    """x, y, width, height of each node: columns by longest path from the start (loops' back
    flows ignored), rows in the order nodes are reached, each column centred on the middle row."""
    successors: dict[str, list[str]] = defaultdict(list)
    for source, target in flows:
        successors[source].append(target)
    kinds = {n.id: n.kind for n in nodes}
    starts = [n.id for n in nodes if n.kind == "start"] or [nodes[0].id]
    back = _back_flows(starts, successors)
    forward = [(s, t) for s, t in flows if (s, t) not in back]
    column = {n.id: 0 for n in nodes}
    for _ in nodes:  # longest path on an acyclic graph: at most one pass per node
        changed = False
        for source, target in forward:
            if column[target] < column[source] + 1:
                column[target], changed = column[source] + 1, True
        if not changed:
            break
    rows: dict[int, list[str]] = defaultdict(list)
    for node in _reach_order(starts, successors, [n.id for n in nodes]):
        rows[column[node]].append(node)
    height = max(len(r) for r in rows.values())
    boxes: dict[str, tuple[int, int, int, int]] = {}
    x = MARGIN
    for col in sorted(rows):
        width = max(SIZES.get(kinds[n], (50, 50))[0] for n in rows[col])
        offset = (height - len(rows[col])) / 2
        for row, node in enumerate(rows[col]):
            w, h = SIZES.get(kinds[node], (50, 50))
            centre_y = MARGIN + int((row + offset + 0.5) * ROW_HEIGHT)
            boxes[node] = (x + (width - w) // 2, centre_y - h // 2, w, h)
        x += width + COLUMN_GAP
    return boxes


def _back_flows(starts: list[str], successors: dict[str, list[str]]) -> set[tuple[str, str]]:
    """Flows that close a cycle in a depth-first walk from the start events."""
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in starts:
        stack = [(start, iter(successors[start]))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    return back


def _reach_order(
    starts: list[str], successors: dict[str, list[str]], all_nodes: list[str]
) -> list[str]:
    """Nodes breadth-first from the start events, then any unreachable ones."""
    seen = dict.fromkeys(starts)
    queue = list(starts)
    for node in queue:
        for child in successors[node]:
            if child not in seen:
                seen[child] = None
                queue.append(child)
    return list(seen) + [n for n in all_nodes if n not in seen]
