"""The weekly review on a log that gives none of the usual trend KPIs (BPI 2012): its Trends
section draws the KPIs it does give and says so, never an empty section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboard import texts
from ticketloop.cli import cli


@pytest.mark.slow  # BPI 2012's store
def test_the_bpi_2012_review_draws_the_trends_the_log_gives(
    real_bpi2012_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "review.html"
    result = CliRunner().invoke(cli, ["report", "--db", str(real_bpi2012_db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    trends = page[page.index("<h2>Trends") : page.index("<h2>Top deviations")]
    assert texts.REPORT_TRENDS_OTHERS in trends.replace("&#x27;", "'")
    titles = re.findall(r'"title":\{"text":"([^"]+)"', trends)
    assert "Handoffs" in titles and len(titles) >= 2
