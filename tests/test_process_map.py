"""The process map: every directly-follows edge, Disco-style cuts, a top-to-bottom layout whose
boxes hold their labels and do not overlap, with edges routed around them, and the comparison
with the designed flow."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from mining import process_map as pm
from mining.dfg import directly_follows
from mining.map_layout import WRAP_CHARS, box_size, label_box, overlap_area
from mining.selection import Selection
from store.connection import open_store
from tests.conftest import BPI2012_DB, ROOT, SAMPLE

DESIGN = (ROOT / "sample_logs" / "designed_flow.bpmn").read_bytes()


def test_the_whole_map_is_the_directly_follows_graph(sample_db: Path) -> None:
    with open_store(sample_db, read_only=True) as con:
        dfg = directly_follows(con, Selection("helpdesk"))
        whole = pm.process_map(con, Selection("helpdesk"))
    assert whole.total_edges == len(dfg.edges) == len(whole.edges)
    columns = ["source", "target", "count"]
    assert sorted(map(tuple, whole.edges[columns].to_numpy().tolist())) == sorted(
        map(tuple, dfg.edges[columns].to_numpy().tolist())
    )
    assert whole.nodes["events"].sum() == 44_861  # every event of the sample, once
    assert whole.edges["designed"].isna().all()


def test_sliders_cut_activities_and_paths_but_keep_each_activity_connected(
    sample_db: Path,
) -> None:
    with open_store(sample_db, read_only=True) as con:
        cut = pm.process_map(con, Selection("helpdesk"), activities=6, paths=0.0)
    assert len(cut.nodes) == 6
    assert set(cut.edges["source"]) | set(cut.edges["target"]) <= set(cut.nodes["activity"])
    assert len(cut.edges) < cut.total_edges
    touched = set(cut.edges["source"]) | set(cut.edges["target"])
    assert touched == set(cut.nodes["activity"])


def _apart(a, b) -> bool:
    return (
        abs(a.x - b.x) >= (a.w + b.w) / 2 or abs(a.y - b.y) >= (a.h + b.h) / 2
    )  # fmt: skip


def _crosses(box, p, q) -> bool:
    """Whether the segment p-q passes through the inside of `box` (sampled every pixel)."""
    steps = max(1, int(max(abs(q[0] - p[0]), abs(q[1] - p[1]))))
    for i in range(steps + 1):
        x, y = p[0] + (q[0] - p[0]) * i / steps, p[1] + (q[1] - p[1]) * i / steps
        if abs(x - box.x) < box.w / 2 - 0.5 and abs(y - box.y) < box.h / 2 - 0.5:
            return True
    return False


@pytest.mark.parametrize("paths", [1.0, 0.4])  # every path, and BPI 2012's opening share
@pytest.mark.parametrize("store", ["sample_db", "real_helpdesk_db", BPI2012_DB])
def test_the_layout_reads_top_to_bottom_without_overlaps(store: str, paths: float, request) -> None:
    assert shutil.which("dot") is None  # the layout needs nothing but the Python install
    with open_store(request.getfixturevalue(store), read_only=True) as con:
        whole = pm.process_map(con, Selection("helpdesk"), paths=paths)
    boxes = {r.activity: r for r in whole.nodes.itertuples()}
    names = list(boxes)
    for i, a in enumerate(names):
        assert all(_apart(boxes[a], boxes[b]) for b in names[i + 1 :]), a
        width, height = box_size(boxes[a].label)
        assert (boxes[a].w, boxes[a].h) == (width, height)  # the box fits its wrapped label
        assert all(len(line) <= WRAP_CHARS or " " not in line for line in boxes[a].label)
    top = whole.nodes[whole.nodes["y"] == whole.nodes["y"].min()]
    assert (top["starts"] > 0).all()  # the map begins, at the top, where tickets begin
    linked = whole.edges[whole.edges["source"] != whole.edges["target"]]
    reached = linked.groupby("target")["count"].sum()
    opening = {a for a, n in zip(whole.nodes["activity"], whole.nodes["starts"], strict=True)
               if n and n >= reached.get(a, 0)}  # fmt: skip
    assert opening and opening <= set(top["activity"])  # those that mostly open tickets: on top
    ending = set(whole.nodes["activity"]) - set(linked["source"]) - opening  # nothing follows
    bottom = whole.nodes[whole.nodes["y"] == whole.nodes["y"].max()]
    assert ending <= set(bottom["activity"]), ending - set(bottom["activity"])
    spots = [label_box(p) for p in zip(whole.edges["mid_x"], whole.edges["mid_y"], strict=True)]
    for b in boxes.values():  # no edge's label over a box
        area = (b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2)
        assert not [s for s in spots if overlap_area(s, area)], b.activity
    # labels clear of each other, but for the odd short edge with no free spot on it
    assert sum(overlap_area(a, b) > 0 for a, b in itertools.combinations(spots, 2)) <= 1
    for e in whole.edges.itertuples():
        line = list(zip(e.xs, e.ys, strict=True))
        assert len(line) >= 2
        s, t = boxes[e.source], boxes[e.target]
        assert abs(line[0][1] - s.y) == s.h / 2 or e.source == e.target  # leaves its border
        assert abs(line[-1][1] - t.y) == t.h / 2 or e.source == e.target  # enters its border
        around = [b for n, b in boxes.items() if n not in (e.source, e.target)]
        for p, q in itertools.pairwise(line):
            assert not [b.activity for b in around if _crosses(b, p, q)], (e.source, e.target)


def test_designed_pairs_pass_through_gateways_and_events(sample_db: Path) -> None:
    pairs = pm.designed_pairs(DESIGN)
    assert ("Ticket created", "Assigned") in pairs
    assert ("Escalated", "Assigned") in pairs  # through a gateway in the design
    with open_store(sample_db, read_only=True) as con:
        compared = pm.process_map(con, Selection("helpdesk"), design=DESIGN)
    lacking = compared.edges[compared.edges["designed"].eq(False)]
    assert not lacking.empty
    assert all(
        (s, t) not in pairs for s, t in zip(lacking["source"], lacking["target"], strict=True)
    )


def test_a_wide_designed_flow_opens_readable_and_pans() -> None:
    """The sample flow is 3,890 units wide: drawn whole at a page's width its boxes would be
    28 pixels wide. It opens on its first stretch, to scale, and pans to the rest."""
    from dashboard import charts
    from dashboard.bpmn import bpmn_layout

    shapes, edges = bpmn_layout((SAMPLE / "designed_flow.bpmn").read_bytes())
    fig = charts.bpmn_diagram(shapes, edges, "flow")
    shown = fig.layout.xaxis.range[1] - fig.layout.xaxis.range[0]
    assert shown == charts.BPMN_VISIBLE + 20 < (shapes["x"] + shapes["width"]).max()
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.dragmode == "pan"
    assert fig.layout.height == int(720 * charts.BPMN_SCALE + 60)  # the lanes at that scale
    names = [a.text for a in fig.layout.annotations if a.text]
    assert "Knowledge<br>base<br>consulted" in names  # wrapped to fit its box
