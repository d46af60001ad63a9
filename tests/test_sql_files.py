"""The named SQL files of ingest and mining: one statement each, under a header comment that gives
its grain and names every parameter and `str.format` placeholder the statement uses."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT

# A set of macro definitions, not a query: it has no grain and is run as a script.
MACROS = {ROOT / "mining/sql/business_hours_macros.sql"}
QUERIES = sorted(
    path for package in ("ingest", "mining") for path in (ROOT / package / "sql").glob("*.sql")
)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _split(text: str) -> tuple[str, str]:
    """The leading comment block and the statement after it."""
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines) if not line.startswith("--"))
    return "\n".join(lines[:n]), "\n".join(lines[n:])


def _parseable(statement: str) -> str:
    """The statement with its placeholders filled: a column name after AS, else a subquery."""
    named = re.sub(r"\bAS \{(\w+)\}", r"AS \1", statement)
    return PLACEHOLDER.sub("(SELECT 1)", named)


def test_every_package_has_named_sql() -> None:
    folders = {path.parent.relative_to(ROOT) for path in QUERIES}
    assert folders == {Path("ingest/sql"), Path("mining/sql")}


@pytest.mark.parametrize(
    "path",
    [p for p in QUERIES if p not in MACROS],
    ids=lambda p: f"{p.parent.parent.name}/{p.name}",
)
def test_a_named_query_is_one_statement_under_its_header(path: Path) -> None:
    header, statement = _split(path.read_text(encoding="utf-8"))
    assert "Grain:" in header, f"{path.name}: no grain in its header"
    inputs = ("Parameters:", "No parameters", "Variables:")  # Variables: set by SET VARIABLE
    assert any(word in header for word in inputs), f"{path.name}: no parameters line"
    for name in sorted(set(re.findall(r"\$(\w+)", statement))):
        assert f"${name}" in header, f"{path.name}: ${name} is not named in its header"
    for name in sorted(set(PLACEHOLDER.findall(statement))):
        assert re.search(rf"\b{name}\b", header.split("Placeholders", 1)[-1]), (
            f"{path.name}: placeholder {{{name}}} is not named in its header"
        )
    assert not PLACEHOLDER.search(header), f"{path.name}: a placeholder in a comment is filled too"
    assert len(duckdb.extract_statements(_parseable(statement))) == 1, path.name
