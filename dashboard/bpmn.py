"""A BPMN file's own drawing: its shapes and edges from the diagram interchange (BPMN DI), or, for
a file without one, its nodes in a row. No Streamlit here; `charts.bpmn_diagram` draws them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd

from store.errors import SettingsError

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
NODE_KINDS = (
    "task",
    "startEvent",
    "endEvent",
    "exclusiveGateway",
    "parallelGateway",
    "lane",
    "participant",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "userTask",
    "serviceTask",
    "manualTask",
    "inclusiveGateway",
    "eventBasedGateway",
    "subProcess",
)


def bpmn_layout(xml: bytes, name: str = "the BPMN file") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shapes (id, kind, name, x, y, w, h) and edges (id, points: list of (x, y)) of a BPMN file."""
    if b"<!DOCTYPE" in xml[:2048] or b"<!ENTITY" in xml:
        raise SettingsError(f"{name}: a BPMN file may not declare entities. Export it again")
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise SettingsError(f"{name}: not a BPMN (XML) file ({exc})") from None
    elements = {}
    for kind in NODE_KINDS:
        for node in root.iter(f"{{{NS['bpmn']}}}{kind}"):
            elements[node.get("id")] = (kind, node.get("name") or "")
    if not elements:
        raise SettingsError(f"{name}: no BPMN tasks or events in it. Is it a BPMN 2.0 file?")
    shapes = []
    for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape"):
        bounds = shape.find("dc:Bounds", NS)
        ref = shape.get("bpmnElement")
        if bounds is None or ref not in elements:
            continue
        kind, label = elements[ref]
        shapes.append(
            {
                "id": ref,
                "kind": kind,
                "name": label,
                **{k: float(bounds.get(k, 0)) for k in ("x", "y", "width", "height")},
            }
        )
    edges = []
    for edge in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge"):
        points = [
            (float(p.get("x", 0)), float(p.get("y", 0))) for p in edge.findall("di:waypoint", NS)
        ]
        if len(points) >= 2:
            edges.append({"id": edge.get("bpmnElement"), "points": points})
    if not shapes:  # no diagram interchange: the nodes in a row, in file order
        nodes = [(i, k) for i, k in elements.items() if k[0] not in ("lane", "participant")]
        shapes = [
            {
                "id": i,
                "kind": k,
                "name": n,
                "x": 150.0 * j,
                "y": 0.0,
                "width": 100.0,
                "height": 60.0,
            }
            for j, (i, (k, n)) in enumerate(nodes)
        ]
    return pd.DataFrame(shapes), pd.DataFrame(edges, columns=["id", "points"])
