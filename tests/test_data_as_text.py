"""Values from the data are shown as text: a ticket id, team name, activity label or change title
holding Markdown (an image that would make every viewer's browser fetch a URL) or HTML tags shows
as typed on every page, in every Plotly figure and in the report (issue 20)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from dashboard.markdown import reason, text
from dashboard.pages import PAGES
from store.changes import add_change
from store.connection import open_store
from tests.conftest import app_on, at, csv_text, hand_made_store
from ticketloop.cli import cli

IMAGE = "![b](http://host/x.png)"
TICKET = "![t](http://host/t.png)"
BOLD = "<b>x</b>"
LINK = "<a href='http://host/'>y</a>"
TITLE = "![c](http://host/c.png) <b>rollout</b>"
# A Markdown image or link left as Markdown: `](` right after `!`/`[` text, unescaped.
RAW_MARKDOWN = re.compile(r"(?<!\\)\]\((?!\\)")
RAW_TAG = re.compile(r"(?<!\\)<(b>|a )")


def _log() -> str:
    """Twenty tickets over four weeks through a hostile team, labels and one hostile id."""
    rows = []
    for n in range(20):
        case = TICKET if n == 0 else f"T-{n}"
        start = 24 * 7 * (n // 5) + n
        for hours, step, team in (
            (0, "Ticket created", "Service Desk"),
            (1, BOLD, IMAGE),
            (3, LINK, IMAGE),
            (6, "Resolved", IMAGE),
        ):
            rows.append((case, step, at(start + hours), team))
    return csv_text("Case ID,Activity,Timestamp,Team", rows)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = hand_made_store(tmp_path_factory.mktemp("hostile"), _log(), dataset="hostile")
    with open_store(db) as con:
        add_change(con, dataset="hostile", effective=date(2025, 1, 20), title=TITLE, note=IMAGE)
    return db


def _rendered(chart: object) -> str:
    """A Plotly figure's JSON without its customdata (what a click hands back to the page, never
    drawn: the process map keeps the activity as it is there to filter on it)."""

    def shown(node: object) -> object:
        if isinstance(node, dict):
            return {k: shown(v) for k, v in node.items() if k != "customdata"}
        if isinstance(node, list):
            return [shown(v) for v in node]
        return node

    return json.dumps(shown(json.loads(chart.proto.spec)), ensure_ascii=False)


def _texts(app: AppTest) -> list[str]:
    """Every Markdown string the page renders: markdown, captions, messages, headings."""
    kinds = ("markdown", "caption", "info", "success", "warning", "error", "subheader", "title")
    return [str(e.value) for kind in kinds for e in app.get(kind)]


@pytest.mark.parametrize("spec", PAGES, ids=[p.module for p in PAGES])
def test_every_page_shows_hostile_values_as_text(
    spec, hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_on(hostile, monkeypatch)
    app.switch_page(spec.script).run()
    assert not app.exception, app.exception
    for shown in _texts(app):
        assert not RAW_MARKDOWN.search(shown), shown
        assert not RAW_TAG.search(shown), shown  # a tag escaped (\<b\>) shows as typed
    for chart in app.get("plotly_chart"):
        spec_json = _rendered(chart)
        assert BOLD not in spec_json and "<a href='http" not in spec_json, spec.module
        assert "href" not in spec_json or "&lt;a href" in spec_json


def test_the_markdown_that_names_them_carries_them_escaped(
    hostile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a page puts a value into Markdown, the value is there, escaped (so the check above
    is not empty): the ticket's timeline on the conformance page, the change's head on the KPI
    trends page."""
    app = app_on(hostile, monkeypatch)
    app.switch_page("views/conformance.py").run()
    app.selectbox(key="variant_ticket").select(TICKET).run()
    assert any(r"!\[t\](http://host/t.png)" in s for s in _texts(app)), _texts(app)
    app.switch_page("views/kpi_trends.py").run()
    assert any(r"!\[c\](http://host/c.png) \<b\>rollout\</b\>" in s for s in _texts(app))
    app.switch_page("views/process_map.py").run()
    assert "&lt;b&gt;x&lt;/b&gt;" in _rendered(app.get("plotly_chart")[0])


def test_the_report_carries_them_as_text(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    done = CliRunner().invoke(cli, ["report", "--db", str(hostile), "--out", str(out)])
    assert done.exit_code == 0, done.output
    html = out.read_text(encoding="utf-8")
    assert BOLD not in html and LINK not in html and "<a href='http://host" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "&lt;b&gt;rollout&lt;/b&gt;" in html


@pytest.mark.parametrize("page", ["views/weekly_review.py", "views/kpi_trends.py"])
def test_a_label_suggested_for_a_kpi_the_log_cannot_give_shows_as_text(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why escalations are not computed names the log's label to map, which may be anything: it
    shows escaped in the box, where it once went in as Markdown (an image every viewer fetched)."""
    label = "![e](http://host/e.png) escalated to L2"
    rows = [
        (f"T-{n}", step, at(24 * 7 * (n // 10) + n + hours), "Desk")
        for n in range(40)
        for hours, step in ((0, "Ticket created"), (1, label), (5, "Resolved"))
    ]
    db = hand_made_store(tmp_path, csv_text("Case ID,Activity,Timestamp,Team", rows), "h")
    app = app_on(db, monkeypatch)
    app.switch_page(page).run()
    assert not app.exception, app.exception
    shown = [str(box.value) for box in app.info]
    assert any(r"!\[e\](http://host/e.png) escalated to L2" in s for s in shown), shown
    assert not any(RAW_MARKDOWN.search(s) for s in shown), shown


def test_a_message_s_quoted_names_show_as_code_and_the_rest_as_text() -> None:
    assert reason("no `Resolved` event: map [x](http://h/)") == (
        r"no `Resolved` event: map \[x\](http://h/)"
    )
    # an unpaired backtick (a label's own): all of it text
    assert reason("a ` alone ![i](http://h/i.png)") == text("a ` alone ![i](http://h/i.png)")
    # Markdown inside a quoted name is code, shown as typed
    assert reason("map `![i](http://h/i.png)`") == "map `![i](http://h/i.png)`"
