"""The architecture rules: dependencies point one way, pm4py is imported lazily."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGES = ("ingest", "mining", "dashboard", "ticketloop")
# What each package may import of ours: dashboard -> mining -> ingest's store schema.
ALLOWED = {
    "ingest": {"ingest"},
    "mining": {"mining", "ingest"},
    "dashboard": {"dashboard", "mining", "ingest"},
    "ticketloop": {"ticketloop", "ingest", "mining"},
}


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


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        for module, _ in _imports(path):
            root = module.split(".")[0]
            if root in PACKAGES:
                assert root in ALLOWED[package], f"{path.relative_to(ROOT)} imports {module}"
            if package != "dashboard":
                assert root != "streamlit", f"{path.relative_to(ROOT)} imports streamlit"


@pytest.mark.parametrize("package", PACKAGES)
def test_pm4py_is_never_imported_at_module_level(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        for module, at_top in _imports(path):
            assert not (module.split(".")[0] == "pm4py" and at_top), path
