"""A shared dashboard in a real browser: `ticketloop dashboard --address 0.0.0.0` with users,
reached on the machine's network address; the sign-in form before any data, a viewer without
upload or settings, an analyst's upload in the audit log (issue 20)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from application.access import add_user, users_path
from dashboard import texts
from tests.conftest import SAMPLE, free_port
from tests.test_browser import READY, SHOTS, _exports, _upload, browser  # noqa: F401
from tests.test_server import PASSWORD, _other_address, _reaches

pytestmark = pytest.mark.browser
TICKETLOOP = str(Path(sys.executable).with_name("ticketloop"))


@pytest.fixture
def shared_url(writable_sample_db: Path, tmp_path: Path) -> Iterator[str]:
    """`ticketloop dashboard --address 0.0.0.0` on the sample store with a viewer and an
    analyst; its URL on this machine's network address."""
    for name, role in (("vera", "viewer"), ("anna", "analyst")):
        add_user(users_path(writable_sample_db), name, role, PASSWORD)
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    db = str(writable_sample_db)
    server = subprocess.Popen(
        [TICKETLOOP, "dashboard", "--db", db, "--address", "0.0.0.0", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    address = _other_address()
    try:
        deadline = time.monotonic() + 90
        while not _reaches(address, port):
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.3)
        yield f"http://{address}:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _signed_in(browser, url: str, name: str) -> Page:  # noqa: F811
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_role("textbox", name=texts.SIGN_IN_NAME).fill(name)
    page.get_by_role("textbox", name=texts.SIGN_IN_PASSWORD).fill(PASSWORD)
    page.get_by_role("button", name=texts.SIGN_IN_BUTTON).click()
    expect(
        page.get_by_text(
            texts.SIGNED_IN_AS.format(name=name, role="viewer" if name == "vera" else "analyst")
        )
    ).to_be_visible()
    page.wait_for_selector(READY, timeout=60_000)
    return page


@pytest.mark.slow  # a server of its own per test: ~10 s
def test_the_sign_in_form_comes_first_and_a_viewer_cannot_upload_or_change_settings(
    shared_url: str,
    browser,  # noqa: F811
) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(shared_url + "/data")
    page.wait_for_selector(READY, timeout=60_000)
    expect(page.get_by_role("heading", name=texts.SIGN_IN_TITLE)).to_be_visible()
    body = page.inner_text("body")
    assert "helpdesk" not in body and texts.DATA_TITLE not in body  # no data, no menu
    assert page.locator("[data-testid='stPlotlyChart'], [data-testid='stDataFrame']").count() == 0
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "sign-in.png"), full_page=True)

    page = _signed_in(browser, shared_url, "vera")
    nav = page.locator("[data-testid='stSidebarNav']")
    expect(nav.get_by_text(texts.DATA_TITLE, exact=True)).to_be_visible()
    expect(nav.get_by_text(texts.SETTINGS_TITLE, exact=True)).to_have_count(0)
    nav.get_by_text(texts.DATA_TITLE, exact=True).click()
    page.wait_for_selector(READY, timeout=60_000)
    expect(page.get_by_role("heading", name=texts.AUDIT_TITLE)).to_be_visible()
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    assert (
        page.get_by_role("button", name=texts.DELETE_BUTTON.format(dataset="helpdesk")).count() == 0
    )
    page.goto(shared_url + "/settings")  # typed in: a new session, signed out, no settings
    page.wait_for_selector(READY, timeout=60_000)
    expect(page.get_by_role("heading", name=texts.SIGN_IN_TITLE)).to_be_visible()
    assert page.get_by_text(texts.CALENDAR).count() == 0


@pytest.mark.slow  # a server of its own per test: ~10 s
def test_the_audit_log_shows_an_analysts_upload(
    shared_url: str,
    browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    page = _signed_in(browser, shared_url, "anna")
    page.locator("[data-testid='stSidebarNav']").get_by_text(texts.DATA_TITLE, exact=True).click()
    page.wait_for_selector(READY, timeout=60_000)
    lines = (SAMPLE / "helpdesk.csv").read_text(encoding="utf-8").splitlines()[:12]
    export = tmp_path / "desk.csv"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _upload(page, export)
    page.wait_for_selector(READY, timeout=60_000)
    expect(page.get_by_role("heading", name=texts.AUDIT_TITLE)).to_be_visible()
    audit = page.locator("[data-testid='stDataFrame']").last
    expect(audit).to_contain_text("anna")
    expect(audit).to_contain_text("upload")
    page.get_by_role("heading", name=texts.AUDIT_TITLE).scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "audit-log.png"), full_page=True)
