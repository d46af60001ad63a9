"""Where the event store lives by default; free of heavy imports so the CLI starts fast."""

import os
from pathlib import Path

DEFAULT_DB = "ticketloop.duckdb"


def default_db_path() -> Path:
    """The store location: `$TICKETLOOP_DB`, else `ticketloop.duckdb` in the working directory."""
    return Path(os.environ.get("TICKETLOOP_DB") or DEFAULT_DB)
