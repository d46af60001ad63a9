"""The dashboard's pages, in menu order: the one list the router, the tests and the benchmark
read. Adding a page is one line here and a `render(ctx)` in `dashboard/views/<module>.py`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dashboard import texts

if TYPE_CHECKING:
    from dashboard.context import PageContext


@dataclass(frozen=True)
class PageSpec:
    """One page: `dashboard/views/<module>.py` defines `render(ctx: PageContext) -> None`.
    `needs_data`: the router shows the no-data message instead when the store holds none.
    `landing`: the page `/` opens once there is data (without data, `/` opens the data page).
    `writes`: the write the page is for (dashboard.access): hidden from a role that may not."""

    module: str
    title: str
    icon: str
    url_path: str
    needs_data: bool = True
    landing: bool = False
    writes: str | None = None

    @property
    def script(self) -> str:
        """The page's file, relative to app.py (what AppTest.switch_page takes)."""
        return f"views/{self.module}.py"

    @property
    def render(self) -> Callable[[PageContext], None]:
        return importlib.import_module(f"dashboard.views.{self.module}").render


PAGES: list[PageSpec] = [
    PageSpec(
        "weekly_review", texts.REVIEW_TITLE, ":material/fact_check:", "weekly-review", landing=True
    ),
    PageSpec("kpi_trends", texts.KPI_TRENDS_TITLE, ":material/monitoring:", "kpi-trends"),
    PageSpec("process_map", texts.PROCESS_MAP_TITLE, ":material/account_tree:", "process-map"),
    PageSpec("conformance", texts.CONFORMANCE_TITLE, ":material/rule:", "conformance"),
    PageSpec("bottlenecks", texts.BOTTLENECKS_TITLE, ":material/hourglass_bottom:", "bottlenecks"),
    PageSpec("escalations", texts.ESCALATIONS_TITLE, ":material/trending_up:", "escalations"),
    PageSpec("overview", texts.OVERVIEW_TITLE, ":material/insights:", "overview"),
    PageSpec("data", texts.DATA_TITLE, ":material/upload_file:", "data", needs_data=False),
    PageSpec(
        "settings",
        texts.SETTINGS_TITLE,
        ":material/settings:",
        "settings",
        needs_data=False,
        writes="settings",
    ),
]
DATA_PAGE = "data"  # where `/` lands while the store holds no data
