"""Discovery: the inductive miner on DuckDB's variant counts finds pm4py's own tree; the BPMN we
write has the same language as pm4py's net of that tree, a layout for every node and flow, and
the same bytes every time."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from mining.bpmn import NS, read_model_file
from mining.discovery import discover_process
from mining.pm4py_bridge import ProcessModel, petri_net, replay_variants
from mining.selection import Selection
from store.connection import open_store
from tests.conftest import SAMPLE, pm4py_frame, write

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")


def _discover(db: Path, noise: float):
    with open_store(db, read_only=True) as con:
        return discover_process(con, Selection("helpdesk"), noise=noise)


@pytest.mark.parametrize("noise", [0.0, 0.2])
def test_the_tree_is_pm4pys_on_the_same_log(noise: float, sample_db: Path) -> None:
    import pm4py

    found = _discover(sample_db, noise)
    theirs = pm4py.discover_process_tree_inductive(
        pm4py_frame(SAMPLE / "helpdesk.csv"), noise_threshold=noise
    )
    assert found.process_tree == str(theirs)
    assert found.tickets == 5000 and found.noise == noise
    # IMf can leave an activity out, not only rare paths; IM keeps every one
    assert found.left_out == ({"Reopened": 261} if noise else {})


@pytest.mark.slow
def test_the_bpmn_has_the_language_of_pm4pys_net(sample_db: Path, tmp_path: Path) -> None:
    """Every variant aligns with the same fitness on our BPMN (read back by pm4py) as on the
    Petri net pm4py builds from its own tree."""
    import pm4py

    frame = pm4py_frame(SAMPLE / "helpdesk.csv")
    found = _discover(sample_db, 0.2)
    ours = petri_net(read_model_file(write(tmp_path / "found.bpmn", found.bpmn)))
    net, initial, final = pm4py.convert_to_petri_net(
        pm4py.discover_process_tree_inductive(frame, noise_threshold=0.2)
    )
    theirs = ProcessModel(ours.file, ours.labels, net, initial, final)
    variants = [tuple(v) for v in pm4py.get_variants(frame)]
    fitness = [r.fitness for r in replay_variants(ours, variants, "alignments")]
    assert fitness == [r.fitness for r in replay_variants(theirs, variants, "alignments")]
    assert 0 < sum(f == 1.0 for f in fitness) < len(variants)


def test_every_node_and_flow_is_drawn_without_overlaps(sample_db: Path) -> None:
    found = _discover(sample_db, 0.2)
    root = etree.fromstring(found.bpmn.encode())
    process = root.find("bpmn:process", NS)
    nodes = {e.get("id") for e in process if etree.QName(e).localname != "sequenceFlow"}
    flows = {e.get("id") for e in process.findall("bpmn:sequenceFlow", NS)}
    assert len(nodes) == 2 + found.tasks + found.gateways  # a start and an end event
    shapes = {
        s.get("bpmnElement"): [float(b.get(k)) for k in ("x", "y", "width", "height")]
        for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")
        for b in s.findall("dc:Bounds", NS)
    }
    assert set(shapes) == nodes
    edges = {
        e.get("bpmnElement"): e.findall("di:waypoint", NS)
        for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")
    }
    assert set(edges) == flows and all(len(points) >= 2 for points in edges.values())
    boxes = list(shapes.values())
    for i, (x, y, w, h) in enumerate(boxes):
        assert x >= 0 and y >= 0
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_the_same_log_gives_the_same_file(sample_db: Path) -> None:
    assert _discover(sample_db, 0.2).bpmn == _discover(sample_db, 0.2).bpmn


@pytest.mark.slow
def test_an_activity_the_noise_filter_leaves_out_is_said(real_bpi2012_db: Path) -> None:
    """IMf can leave an activity out, not only rare paths: on BPI 2012 (noise 0.2) it drops
    O_SENT_BACK, which 3,254 of the 13,087 applications do (pm4py's own IMf on the log does too).
    Discovery names it with its tickets, in words and in JSON; with noise 0 every activity
    stays."""
    from ticketloop.text import discovery_lines

    found = _discover(real_bpi2012_db, 0.2)
    assert found.left_out == {"O_SENT_BACK": 3254}
    assert found.to_json()["left_out"] == [{"activity": "O_SENT_BACK", "tickets": 3254}]
    assert discovery_lines(found, None)[3] == (
        "left out by the noise filter (0.2): 'O_SENT_BACK' (3,254 tickets). Conformance against"
        " this model names them unexpected; --noise 0 keeps every activity"
    )
    assert _discover(real_bpi2012_db, 0.0).left_out == {}
