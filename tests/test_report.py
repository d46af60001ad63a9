"""The weekly review: one self-contained HTML file, opened in Chromium with no network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.load import ingest_files
from tests.conftest import SAMPLE, write
from ticketloop.cli import cli


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review")
    db = folder / "s.duckdb"
    ingest_files(db, [SAMPLE / "helpdesk.csv"], dataset="helpdesk")
    flow = SAMPLE / "designed_flow.bpmn"
    write(
        folder / "ticketloop.toml",
        f'[calendar]\ntimezone = "Europe/Madrid"\n[conformance]\ndesigned_flow = "{flow}"\n',
    )
    runner = CliRunner()
    runner.invoke(cli, ["change", "add", "--db", str(db), "--date", "2025-04-07", "--title", "KB"])
    out = folder / "review.html"
    result = runner.invoke(
        cli, ["report", "--db", str(db), "--week", "2025-W20", "--out", str(out)]
    )
    assert result.output == f"wrote {out}: weekly review of 2025-W20\n"
    return out


def test_the_review_is_self_contained(review: Path) -> None:
    text = review.read_text(encoding="utf-8")
    assert text.count("plotly.js v") == 1  # Plotly's JavaScript embedded once
    assert "<script src=" not in text  # (the Chromium test checks no request is made)
    for section in ("What to look at next", "Scorecard", "Trends", "Escalations", "effect"):
        assert section in text
    assert "KB (2025-04-07)" in text
    effect = text.split("KB (2025-04-07)")[-1]
    assert "<td>Needless escalations</td>" in effect  # KPIs in words, not the engine's names
    assert "needless_escalation_rate" not in text.split("<h2>Trends")[0]
    # conformance beside the KPIs in the change's effect, its interval in percentage points
    assert re.search(
        r"<td>Tickets whose path fits the designed flow</td>.*?<td>[+-][\d.]+ pp to", effect
    )
    # a trend of durations names its unit on its axis, as the page's do
    assert '"ticksuffix":" h"' in text.split("<h2>Trends")[1]


def test_the_review_colours_each_bullet_as_its_words_read(review: Path) -> None:
    """Green better, red worse (off target is worse), in shades that read on white; the words
    say it too."""
    from dashboard.report import READING_TEXT

    text = review.read_text(encoding="utf-8")
    bullets = re.findall(r"<li style='color:(#\w+)'>(.*?)</li>", text.split("<h2>Scorecard")[0])
    assert READING_TEXT["worse"] in {colour for colour, _ in bullets}  # W27: off target, worse
    assert {colour for colour, _ in bullets} <= {READING_TEXT["better"], READING_TEXT["worse"]}
    for colour, words in bullets:
        reading = "better" if colour == READING_TEXT["better"] else "worse"
        assert f", {reading}" in words or (reading == "worse" and "off target" in words), words


def test_the_review_ranks_deviations_and_bottlenecks_with_tickets(review: Path) -> None:
    text = review.read_text(encoding="utf-8")
    for heading in ("Top deviations from the designed flow", "Top bottlenecks"):
        section = text.split(f"<h2>{heading}</h2>")[1].split("<h2>")[0]
        assert section.count("<tr>") > 1  # a header and ranked rows
        assert "HD-" in section  # each row names example tickets
    # the deviations are of every week's tickets, which the section says (unlike bottlenecks)
    deviations = text.split("<h2>Top deviations from the designed flow</h2>")[1]
    assert "All selected tickets, of every week (not this week&#x27;s alone)" in deviations
    # the waits after resolution are not ranked, and one line says so
    bottlenecks = text.split("<h2>Top bottlenecks</h2>")[1].split("<h2>")[0]
    assert "<td>Resolved → Closed</td>" not in bottlenecks
    assert re.search(
        r"<p class='sub'>Waits after resolution left out: Resolved → Closed, Closed → Survey"
        r" answered, .* in all\); the Bottlenecks page ranks them.</p>",
        bottlenecks,
    )


def test_a_review_of_a_log_without_the_first_trend_still_draws_its_charts(
    real_helpdesk_db: Path, tmp_path: Path
) -> None:
    """The public Helpdesk log has no `Resolved` event: the first trend (time to resolution) is
    not drawn, and Plotly's JavaScript must come with the first one that is."""
    out = tmp_path / "review.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(real_helpdesk_db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = out.read_text(encoding="utf-8")
    trends = document.split("<h2>Trends")[1].split("<h2>")[0]
    assert trends.count("plotly.js v") == 1
    assert trends.count("Plotly.newPlot") >= 1
    # one look, whichever process writes it (Streamlit's sets another default template)
    assert '"plot_bgcolor":"white"' in trends and "#E5ECF6" not in trends
    # the n/a rows of the scorecard say why, as the page does
    scorecard = document.split("<h2>Scorecard")[1].split("<h2>")[0]
    assert "Not computed for this data set" in scorecard
    assert "Customer satisfaction, customer effort score" in scorecard


def test_a_week_outside_the_data_is_one_line(tmp_path: Path, review: Path) -> None:
    db = review.parent / "s.duckdb"
    result = CliRunner().invoke(cli, ["report", "--db", str(db), "--week", "2030-W01"])
    assert result.exit_code == 1
    assert "--week 2030-W01: no data that week" in result.output


def test_the_review_opens_offline_in_chromium(review: Path, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("needs Debian's chromium")
    errors: list[str] = []
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "request",
            lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
        )
        page.goto(review.as_uri())
        page.wait_for_selector(".js-plotly-plot")
        assert page.locator(".js-plotly-plot").count() >= 6
        page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
        browser.close()
    assert errors == []
    assert requests == []


def test_a_review_of_a_desk_without_surveys_has_no_csat_column(
    review: Path, tmp_path: Path
) -> None:
    """The sample without its survey columns: its top deviations have no column of CSAT means
    "n/a vs n/a (0 and 0 answers)"; the sample's own review has one."""
    import csv

    with (SAMPLE / "helpdesk.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    kept = [c for c in rows[0] if c not in ("CSAT", "CES", "NPS")]
    unsurveyed = tmp_path / "helpdesk.csv"
    with unsurveyed.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, kept, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    db = tmp_path / "s.duckdb"
    ingest_files(db, [unsurveyed], dataset="helpdesk")
    flow = SAMPLE / "designed_flow.bpmn"
    write(tmp_path / "ticketloop.toml", f'[conformance]\ndesigned_flow = "{flow}"\n')
    out = tmp_path / "review.html"
    CliRunner().invoke(cli, ["report", "--db", str(db), "--week", "2025-W20", "--out", str(out)])
    deviations = out.read_text(encoding="utf-8").split("<h2>Top deviations")[1]
    assert "<th>median time to resolution, affected vs rest</th><th>e.g.</th>" in deviations
    assert "answers)</td>" not in deviations
    surveyed = review.read_text(encoding="utf-8").split("<h2>Top deviations")[1]
    assert "<th>mean CSAT, affected vs rest</th>" in surveyed
