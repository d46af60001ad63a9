"""The process map as a browser draws it, with no Graphviz on the machine: no two activity boxes
overlap and every label lies inside its box, on the sample, the public Helpdesk log and BPI 2012."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard import texts
from dashboard.pages import PAGES
from tests.conftest import BPI2012_DB, ROOT
from tests.test_browser import READY, _open, browser, serve  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
MAP = next(p for p in PAGES if p.module == "process_map")
SHOTS = ROOT / "screenshots"  # for people to look at, not for assertions (git-ignored)

# The rendered rectangles of the map's activity boxes (its only shapes) and of
# its activity labels (the text of the second-to-last trace), in page pixels, in node order.
MEASURE = """(title) => {
  const plot = [...document.querySelectorAll('.js-plotly-plot')]
    .find(p => p.querySelector('.gtitle')?.textContent === title);
  const rect = e => { const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; };
  const traces = plot.querySelectorAll('.scatterlayer .trace');
  return {
    boxes: [...plot.querySelectorAll('.shapelayer path')].map(rect),
    labels: [...traces[traces.length - 2].querySelectorAll('.textpoint text')].map(rect),
    names: plot._fullData[plot._fullData.length - 2].customdata.map(c => c[0]),
  };
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner: list[float], outer: list[float]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


@pytest.mark.parametrize(
    "store",
    [  # each over 10 s (a dashboard of its own, the map measured and shot): slow cases
        pytest.param("sample_db", marks=pytest.mark.slow),
        pytest.param("real_helpdesk_db", marks=pytest.mark.slow),
        BPI2012_DB,
    ],
)
def test_the_map_reads_without_graphviz(serve, browser, store: str, request) -> None:  # noqa: F811
    assert shutil.which("dot") is None, "this test shows the map of a machine without Graphviz"
    db: Path = request.getfixturevalue(store)
    page = _open(browser, serve(db) + f"/{MAP.url_path}")
    page.get_by_text(texts.MAP_CHART_TITLE).wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    drawn = page.evaluate(MEASURE, texts.MAP_CHART_TITLE)
    boxes, labels = drawn["boxes"], drawn["labels"]
    assert len(boxes) == len(labels) == len(drawn["names"]) >= 9
    for i, box in enumerate(boxes):
        others = [drawn["names"][j] for j in range(i + 1, len(boxes)) if _overlap(box, boxes[j])]
        assert not others, f"{drawn['names'][i]} overlaps {others}"
        assert _inside(labels[i], box), f"{drawn['names'][i]}: label {labels[i]} outside {box}"
    SHOTS.mkdir(exist_ok=True)
    chart = page.locator(".js-plotly-plot", has_text=texts.MAP_CHART_TITLE)
    # Streamlit scrolls its own container, which an element screenshot does not: a viewport as
    # tall as the page shows a tall map (BPI 2012's) whole
    tall = page.evaluate("document.querySelector('.js-plotly-plot').getBoundingClientRect().bottom")
    page.set_viewport_size({"width": 1400, "height": int(max(1000, tall + 400))})
    page.wait_for_selector(READY, timeout=60_000)
    chart.screenshot(path=str(SHOTS / f"process-map-{store}.png"))
