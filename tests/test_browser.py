"""The dashboard in a real browser: Streamlit served on localhost, driven by headless Chromium."""

from __future__ import annotations

import csv
import gzip
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from dashboard import texts
from dashboard.pages import PAGES
from store.connection import open_store
from tests.conftest import ROOT, SAMPLE, free_port, serving

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
expect.set_options(timeout=60_000)  # expect() waits on the app's state, as long as _open's page


@contextmanager
def _served(db: Path, logs: Path, *options: str) -> Iterator[str]:
    """The dashboard on a free port for the store `db`, its output in `logs`; yields its URL."""
    port = free_port()
    env = {**os.environ, "TICKETLOOP_DB": str(db)}
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py")]
    command += ["--server.port", str(port), "--server.headless", "true"]
    command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    command += list(options)
    log = logs / f"streamlit-{port}.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while not serving(port):
            assert server.poll() is None, f"streamlit exited: {log.read_text()}"
            assert time.monotonic() < deadline, f"streamlit did not start: {log.read_text()}"
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start the dashboard for a given store (and options) for this test alone; returns its URL."""
    with ExitStack() as servers:
        yield lambda db, *options: servers.enter_context(_served(db, tmp_path, *options))


@pytest.fixture(scope="module")
def sample_url(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One dashboard on the sample store, shared by the module's tests that only read it."""
    with _served(sample_db, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), "browser tests need Debian's chromium: apt-get install chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _open(browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)  # a shared machine under load, not a slow dashboard
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    return page


SHOTS = ROOT / "screenshots"  # for people to look at, not for assertions (git-ignored)


# What each page shows on the sample store, whatever else it shows.
SHOWN = {
    "weekly-review": texts.REVIEW_SCORECARD,
    "kpi-trends": texts.TRENDS_EFFECTS,
    "process-map": texts.MAP_METRIC_EDGES,
    "conformance": texts.VARIANTS_TITLE,
    "bottlenecks": texts.METRIC_WAITING,
    "escalations": texts.ESC_METRIC_ESCALATED,
    "overview": texts.CHANNEL_CHART_TITLE,
    "data": texts.MANAGE_TITLE,
    "settings": texts.CALENDAR,
}


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_opens_in_a_browser(sample_url: str, browser, spec) -> None:
    page = _open(browser, f"{sample_url}/{spec.url_path}")
    expect(page.get_by_role("heading", name=spec.title).first).to_be_visible()
    expect(page.get_by_text(SHOWN[spec.url_path], exact=True).first).to_be_visible()
    page.wait_for_selector(READY)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Page not found" not in page.inner_text("body")
    assert page.url.split("?")[0].endswith(f"/{spec.url_path}")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{spec.url_path}.png"), full_page=True)


def test_overview_page_in_a_browser(sample_url: str, browser) -> None:
    url = sample_url
    page = _open(browser, url)
    page.get_by_text(texts.REVIEW_SCORECARD).wait_for(timeout=60_000)
    assert page.url.split("?")[0].endswith("/weekly-review")  # `/` lands on the landing page
    page = _open(browser, url + "/overview")
    page.get_by_text(texts.CHANNEL_CHART_TITLE).wait_for(timeout=30_000)
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics[:2] == ["5,000", "44,861"]
    expect(page.get_by_text(texts.VARIANT_CHART_TITLE)).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_copied_link_reproduces_the_filters(sample_url: str, browser) -> None:
    page = _open(browser, sample_url + "/overview?channel=phone&priority=high")
    page.get_by_text(texts.CHANNEL_CHART_TITLE).wait_for(timeout=30_000)
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert int(metrics[0].replace(",", "")) < 5000
    assert "channel=phone" in page.url and "priority=high" in page.url


@pytest.mark.slow  # ~10 s: a second load while the dashboard serves, then a reload
def test_an_ingest_while_the_dashboard_runs_shows_up_on_reload(
    serve, browser, writable_sample_db: Path
) -> None:
    page = _open(browser, serve(writable_sample_db) + "/overview")
    page.get_by_text(texts.CHANNEL_CHART_TITLE).wait_for(timeout=30_000)
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("ticketloop")),
            "ingest",
            str(SAMPLE / "helpdesk.xes.gz"),
            "--db",
            str(writable_sample_db),
            "--dataset",
            "from xes",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    page.reload()
    page.wait_for_selector(READY, timeout=60_000)
    page.locator("[data-testid='stSelectbox']").click()
    expect(page.get_by_role("option", name="from xes")).to_be_visible()


def test_empty_state_in_a_browser(serve, browser, tmp_path: Path) -> None:
    db = tmp_path / "nothing.duckdb"
    page = _open(browser, serve(db) + "/overview")
    alert = page.locator("[data-testid='stAlert']")
    alert.wait_for(timeout=30_000)
    assert "No data yet" in alert.inner_text()
    assert page.locator(".js-plotly-plot").count() == 0


@pytest.mark.slow  # ~13 s: a real upload through the browser
def test_an_upload_on_the_data_page_shows_up_on_the_landing_page(
    serve, browser, tmp_path: Path
) -> None:
    url = serve(tmp_path / "fresh.duckdb")
    page = _open(browser, url)  # an empty store lands on the data page
    page.get_by_role("heading", name=texts.DATA_TITLE).first.wait_for(timeout=30_000)
    _upload(page, SAMPLE / "helpdesk.csv")
    page.get_by_text("Loaded into data set 'helpdesk'").wait_for(timeout=120_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "data-after-upload.png"), full_page=True)
    page.goto(f"{url}/overview")
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text(texts.CHANNEL_CHART_TITLE).wait_for(timeout=30_000)
    assert page.locator("[data-testid='stMetricValue']").all_inner_texts()[:2] == [
        "5,000",
        "44,861",
    ]


def test_the_downloaded_review_is_of_the_picked_week(sample_url: str, browser) -> None:
    page = _open(browser, sample_url + "/weekly-review")
    page.get_by_text(texts.REVIEW_SCORECARD).wait_for(timeout=60_000)
    _pick(page, texts.REVIEW_PICK_WEEK, "2025-W16")
    page.get_by_text("Week 2025-W16: 14 Apr to 20 Apr 2025").wait_for(timeout=60_000)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name=texts.REVIEW_DOWNLOAD.format(week="2025-W16")).click()
    assert download.value.suggested_filename == "review-helpdesk-2025-W16.html"
    document = Path(download.value.path()).read_text(encoding="utf-8")
    assert "<h1>Weekly review 2025-W16: helpdesk</h1>" in document


# A CSV no reader recognises: none of its headers is an alias of a canonical field.
UNMAPPED_CSV = """ref;step;stamp;handled_by
T-1;Ticket created;2025-03-03 09:00;ann
T-1;Resolved;2025-03-03 15:30;bob
T-2;Ticket created;2025-03-04 10:00;ann
T-2;Resolved;2025-03-05 11:00;bob
T-3;Ticket created;2025-03-11 08:15;cy
T-3;Resolved;2025-03-11 17:45;cy
T-4;Ticket created;2025-03-12 12:00;ann
T-4;Resolved;2025-03-13 09:00;bob
"""


def _exports(page: Page):
    """The Data page's input of export files (the mapping file has an input of its own)."""
    uploader = page.get_by_role("region", name=texts.UPLOAD_LABEL)
    return uploader.get_by_test_id("stFileUploaderDropzoneInput")


def _upload(page: Page, path: Path) -> None:
    """Put `path` in the data page's uploader and load it, once the page has taken the file: the
    rerun that sees it enables the button."""
    _exports(page).set_input_files(str(path))
    button = page.get_by_role("button", name=texts.UPLOAD_BUTTON, exact=True)
    expect(button).to_be_enabled()
    page.wait_for_selector(READY)
    button.click()


def _pick(page: Page, label: str, option: str) -> None:
    """Choose `option` in the Streamlit selectbox labelled `label`."""
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).first.click()
    page.keyboard.type(option)  # the list is virtual: filter it to the option
    page.get_by_role("option", name=option, exact=True).click()
    page.wait_for_selector(READY, timeout=60_000)


@pytest.mark.slow  # ~9 s: an upload mapped column by column through the browser
def test_the_mapping_assistant_loads_an_unrecognised_csv(serve, browser, tmp_path: Path) -> None:
    csv = tmp_path / "my desk.csv"
    csv.write_text(UNMAPPED_CSV, encoding="utf-8")
    url = serve(tmp_path / "fresh.duckdb")
    page = _open(browser, url)  # an empty store lands on the data page
    _upload(page, csv)
    page.get_by_text(texts.MAPPING_TITLE.format(file=csv.name)).wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)  # the preview
    load = page.get_by_role("button", name=texts.MAPPING_LOAD)
    # Every field starts at the guess from the columns' names and contents: nothing to pick.
    expect(page.get_by_text("Pick a column for")).to_be_hidden()
    expect(load).to_be_enabled()
    for label, column in (
        ("case id", "ref"),
        ("activity", "step"),
        ("timestamp", "stamp"),
        ("resource", "handled_by"),
    ):
        box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
        assert box.locator("input").first.input_value() == column, label
    load.click()
    page.get_by_text("Loaded into data set 'my desk': 4 tickets, +8 events.").wait_for(
        timeout=120_000
    )
    page.wait_for_selector(READY, timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "data-after-mapping.png"), full_page=True)
    page.goto(f"{url}/weekly-review")
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text(texts.REVIEW_SCORECARD).wait_for(timeout=60_000)
    assert "dataset=my+desk" in page.url  # the loaded data set is the one shown
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Week 2025-W10" in page.inner_text("body")  # the last complete week of the data


def test_an_upload_over_the_size_limit_is_refused_with_the_limit(
    serve, browser, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    big.write_text("case_id,activity,timestamp\n" + "x,y,2025-01-01\n" * 90_000)  # > 1 MB
    page = _open(browser, serve(tmp_path / "fresh.duckdb", "--server.maxUploadSize", "1"))
    page.get_by_text(texts.UPLOAD_LIMIT.format(mb=1).split(" (")[0]).first.wait_for(timeout=30_000)
    _exports(page).set_input_files(str(big))
    page.get_by_text("File must be 1.0MB or smaller").wait_for(timeout=30_000)
    assert page.get_by_role("button", name=texts.UPLOAD_BUTTON, exact=True).is_disabled()


_NODE_AT = """(name) => {
  const gd = document.querySelector('.js-plotly-plot');
  const trace = gd._fullData.find(d => d.name === 'activities');
  const i = trace.customdata.findIndex(c => c[0] === name);
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const at = () => {
    const box = gd.getBoundingClientRect();
    return [box.left + xa._offset + xa.l2p(trace.x[i]), box.top + ya._offset + ya.l2p(trace.y[i])];
  };
  // the box in the middle of the window, as a user scrolls to it (Streamlit scrolls a container)
  let scroller = gd.parentElement;
  while (scroller && scroller.scrollHeight <= scroller.clientHeight) scroller = scroller.parentElement;
  if (scroller) scroller.scrollTop += at()[1] - window.innerHeight / 2;
  return at();
}"""


def test_a_click_on_the_process_map_filters_the_overview(sample_url: str, browser) -> None:
    page = _open(browser, sample_url + "/process-map")
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    x, y = page.evaluate(_NODE_AT, "Escalated")
    page.mouse.click(x, y)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Through activity").wait_for(timeout=30_000)
    assert "Through activity Escalated" in sidebar.inner_text()
    expect(page).to_have_url(re.compile(r"activity=Escalated"))  # written as the run ends
    page.get_by_role("link", name=texts.OVERVIEW_TITLE).click()
    page.get_by_text(texts.CHANNEL_CHART_TITLE).wait_for(timeout=30_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert "Through activity Escalated" in sidebar.inner_text()
    tickets = int(page.locator("[data-testid='stMetricValue']").first.inner_text().replace(",", ""))
    assert 0 < tickets < 5000
    sidebar.get_by_role("button", name=texts.CLEAR).click()
    expect(page.locator("[data-testid='stMetricValue']").first).to_have_text("5,000")
    expect(sidebar.get_by_text("Through activity")).to_be_hidden()


def _zendesk_cut(path: Path) -> Path:
    """Four tickets of the sample's Zendesk ticket export (its times are the desk's wall clock,
    with no offset), the first created at 06:12:00, before the others."""
    with gzip.open(SAMPLE / "helpdesk_zendesk_tickets.csv.gz", "rt", encoding="utf-8") as f:
        table = list(csv.reader(f))
    header, kept = table[0], [table[1], *table[4:7]]
    kept[0][header.index("Created at")] = "2025-01-06 06:12:00"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *kept])
    return path


def test_an_export_in_the_desks_zone_reads_its_clock_time(serve, browser, tmp_path: Path) -> None:
    export = _zendesk_cut(tmp_path / "zendesk_tickets.csv")
    db = tmp_path / "fresh.duckdb"
    page = _open(browser, serve(db))  # an empty store lands on the data page
    _exports(page).set_input_files(str(export))
    expect(page.get_by_role("button", name=texts.UPLOAD_BUTTON, exact=True)).to_be_enabled()
    page.wait_for_selector(READY)
    _pick(page, texts.UPLOAD_TIMEZONE, "Europe/Madrid")
    page.get_by_role("button", name=texts.UPLOAD_BUTTON, exact=True).click()
    page.get_by_text("Loaded into data set 'zendesk_tickets': 4 tickets").wait_for(timeout=120_000)
    page.wait_for_selector(READY, timeout=60_000)
    span = page.get_by_text("First ticket created ")
    # Read as UTC it would be 07:12 in Madrid; read on the desk's clock it is 06:12.
    assert span.inner_text().startswith(
        "First ticket created 2025-01-06 06:12, last event 2025-01-"
    ), span.inner_text()
    assert span.inner_text().endswith("(Europe/Madrid time).")
    assert page.locator("[data-testid='stException']").count() == 0
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "data-upload-in-madrid.png"), full_page=True)
    page.close()
    with open_store(db, read_only=True) as con:
        created = con.execute(
            "SELECT strftime(created_at AT TIME ZONE 'UTC', '%H:%M') FROM cases WHERE case_id = '1'"
        ).fetchall()
    assert created == [("05:12",)]  # 06:12 in Madrid (CET, UTC+1)
    # the new data set keeps the desk's clock: every page shows its times in Madrid
    from ticketloop.api import Store

    assert Store(db).settings_of("zendesk_tickets").calendar.timezone == "Europe/Madrid"
