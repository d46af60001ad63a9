"""The architecture rules, module by module: dependencies point one way, pm4py is imported lazily,
Streamlit stays in the dashboard."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("store", "ingest", "mining", "application", "dashboard", "ticketloop")
# What each package may import of ours: the application layer composes store, ingest and mining;
# the dashboard and the CLI and API shells (ticketloop) stand on it.
ALLOWED = {
    "store": {"store"},
    "ingest": {"ingest", "store"},
    "mining": {"mining", "store"},
    "application": {"application", "store", "ingest", "mining"},
    "dashboard": {"dashboard", "application", "mining", "store"},
    "ticketloop": {"ticketloop", "application", "store", "ingest", "mining", "dashboard"},
}
# Streamlit belongs to the dashboard's pages and seam, not to its chart builders or report.
NO_STREAMLIT_IN_DASHBOARD = {Path("dashboard/charts.py"), Path("dashboard/report.py")}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at module top level) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    for path in _modules(package):
        relative = path.relative_to(ROOT)
        allowed = ALLOWED[package]
        for module, _ in _imports(path):
            root = module.split(".")[0]
            if root in PACKAGES:
                assert root in allowed, f"{relative} imports {module}"


@pytest.mark.parametrize("package", PACKAGES)
def test_streamlit_only_in_dashboard_pages(package: str) -> None:
    for path in _modules(package):
        relative = path.relative_to(ROOT)
        if package == "dashboard" and relative not in NO_STREAMLIT_IN_DASHBOARD:
            continue
        for module, _ in _imports(path):
            assert module.split(".")[0] != "streamlit", f"{relative} imports {module}"


@pytest.mark.parametrize("package", PACKAGES)
def test_pm4py_is_never_imported_at_module_level(package: str) -> None:
    for path in _modules(package):
        for module, at_top in _imports(path):
            assert not (module.split(".")[0] == "pm4py" and at_top), path


def test_the_rules_see_every_package() -> None:
    """A package added at the top level must be given its rule here."""
    tops = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert tops == set(PACKAGES)


def test_pm4py_is_reached_through_one_bridge() -> None:
    """Only mining/pm4py_bridge.py imports pm4py; the other layers get plain values from it."""
    importers = {
        path.relative_to(ROOT)
        for package in PACKAGES
        for path in _modules(package)
        if any(module.split(".")[0] == "pm4py" for module, _ in _imports(path))
    }
    assert importers == {Path("mining/pm4py_bridge.py")}


def test_no_page_imports_another() -> None:
    """A page lays out; what two pages share lives below them (dashboard/parts.py, the
    application layer), so that one page's rule cannot drift from its twin's."""
    for path in _modules("dashboard"):
        if path.parent.name == "views":
            imported = [m for m, _ in _imports(path) if m.startswith("dashboard.views")]
            assert not imported, f"{path.relative_to(ROOT)} imports {imported}"
