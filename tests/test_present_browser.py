"""Issue 18's presentation in a real browser: a percent target typed as people think of it,
tables that show every row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboard import texts
from store.settings import settings_path
from tests.test_browser import _open, browser, serve  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
ROW = 35  # the data editor's row height, in CSS pixels


def _type_target(page: Page, row: int, value: str, outcome: str) -> None:
    """Type `value` into the target cell of the targets editor's `row` (0 the first KPI), save
    the settings and wait for an alert saying `outcome`."""
    grid = page.locator(".st-key-set_targets [data-testid='stDataFrame']")
    cell = page.locator(f".st-key-set_targets #glide-cell-1-{row}")  # the target column
    expect(cell).not_to_have_text("")  # the grid drawn
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    name = page.locator(f".st-key-set_targets #glide-cell-0-{row}")
    page.mouse.click(box["x"] + 20, box["y"] + ROW * (row + 1) + ROW // 2)  # the KPI's name
    expect(name).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    expect(cell).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")  # opens the cell's editor
    editor = page.locator("input.gdg-input")
    editor.fill(value)
    expect(editor).to_have_value(value)
    page.keyboard.press("Enter")
    expect(cell).to_have_text(value)  # the grid's accessible copy of the cell: edit committed
    page.get_by_role("button", name=texts.SETTINGS_SAVE).click()
    expect(page.locator("[data-testid='stAlert']").filter(has_text=outcome)).to_be_visible()


@pytest.mark.slow  # ~11 s: the Settings form through the browser, saved and read back
def test_a_percent_target_is_typed_and_saved_in_percent(
    serve,  # noqa: F811
    browser,  # noqa: F811
    writable_sample_db: Path,
) -> None:
    from ticketloop.api import Store

    store = Store(writable_sample_db)
    path = settings_path(writable_sample_db)
    path.write_text("[targets]\nfcr_rate = {target = 0.5, better = 'higher'}\n", encoding="utf-8")
    page = _open(browser, f"{serve(writable_sample_db)}/settings?dataset=helpdesk")
    fcr = 2  # the third KPI of the table: first-contact resolution
    _type_target(page, fcr, "70", texts.SETTINGS_SAVED.format(dataset="helpdesk"))
    assert store.settings_of("helpdesk").targets["fcr_rate"].target == 0.7  # 70% as a fraction
    before = store.settings_of("helpdesk")
    refused = "target of First-contact resolution must be a number from 0% to 100%, not 700%"
    _type_target(page, fcr, "700", texts.SETTINGS_REFUSED.format(message=refused))
    assert store.settings_of("helpdesk") == before


@pytest.mark.slow  # a browser on the sample: ~8 s
def test_the_before_after_table_on_kpi_trends_shows_every_kpi(
    serve,  # noqa: F811
    browser,  # noqa: F811
    writable_sample_db: Path,
) -> None:
    from application.effect import effect_table
    from ticketloop.api import Store

    store = Store(writable_sample_db)
    change = store.add_change("helpdesk", date(2025, 4, 14), "Knowledge-base rollout", None)
    rows = effect_table(store.select("helpdesk").change_effect(change))
    page = _open(browser, f"{serve(writable_sample_db)}/kpi-trends?dataset=helpdesk")
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    # the grid draws only the rows in sight: all of them, the header too, when none is hidden
    expect(grid.locator("[role='row']")).to_have_count(len(rows) + 1)
    assert len(rows) >= 20
    shown = grid.locator("[role='gridcell']").all_inner_texts()
    assert "Customer satisfaction" in shown and "Tickets asked for information" in shown
    assert "None" not in shown
