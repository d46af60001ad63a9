"""Per-ticket facts the analyses share: the selected tickets."""

from __future__ import annotations

import duckdb

from mining.selection import Scope, Selection, scope
from store.errors import MiningError


def select_tickets(con: duckdb.DuckDBPyConnection, selection: Selection) -> Scope:
    """`scope(con, selection)`, or MiningError when no ticket matches the selection."""
    bound = scope(con, selection)
    if not bound.tickets:
        raise MiningError(
            f"no tickets of data set '{selection.dataset}' match: {selection.describe()}."
            " Widen the filters (--from, --to, --channel, ...)"
        )
    return bound
