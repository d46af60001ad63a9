"""The process map: every directly-follows edge, Disco-style cuts, dot or the layered fallback,
and the comparison with the designed flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from mining import process_map as pm
from mining.dfg import directly_follows
from mining.selection import Selection
from store.connection import open_store
from tests.conftest import ROOT, SAMPLE

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


def test_without_dot_the_map_falls_back_to_the_layered_layout(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pm.shutil, "which", lambda name: None)
    with open_store(sample_db, read_only=True) as con:
        layered = pm.process_map(con, Selection("helpdesk"))
    assert layered.layout == "layered"
    assert layered.nodes[["x", "y"]].notna().all().all()
    assert all(len(xs) >= 2 for xs in layered.edges["xs"])


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
