"""Named SQL files: loading them from a package's `sql/` folder and passing only the parameters
they use (DuckDB rejects unused ones)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources


@cache
def sql_text(package: str, name: str) -> str:
    """The text of `<package>/sql/<name>`, e.g. sql_text("mining", "dfg.sql")."""
    return resources.files(f"{package}.sql").joinpath(name).read_text()


def params_used_by(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The named parameters `sql` refers to."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
