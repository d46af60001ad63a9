"""Variants: the distinct paths tickets take, how many take each, and how those tickets fare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from mining.results import Rows, frame_of
from mining.selection import Selection
from mining.tickets import Resolution, load_ticket_paths, select_tickets
from store.queries import sql_text


@dataclass(frozen=True)
class Variants:
    """The variants of the selected tickets, most frequent first.

    `table` has one row per variant, columns as variants.sql documents them: rank, activities
    (list of names), tickets, share and coverage (0-1), events, median_ttr_hours, csat_mean,
    csat_answers, ces_mean, ces_answers, nps_mean, nps_answers, examples (ticket ids). `total`
    counts all variants; `table` holds the first `limit` of them, built when first asked for from
    `rows` (which the CLI reads without pandas).
    """

    selection: Selection
    tickets: int
    answered: int  # tickets with a survey answer (CSAT, CES or NPS)
    total: int
    resolution: Resolution
    rows: Rows

    table = frame_of("rows")

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.selection.dataset,
            "selection": self.selection.describe(),
            "tickets": self.tickets,
            "tickets_with_survey_answers": self.answered,
            "variants_total": self.total,
            "time_to_resolution": self.resolution.describe(),
            "variants": self.rows.records(),
        }


def variants(
    con: duckdb.DuckDBPyConnection, selection: Selection, *, limit: int | None = None
) -> Variants:
    """The variants of `selection`; `limit` keeps the most frequent ones (None: all)."""
    bound = select_tickets(con, selection)
    resolution = load_ticket_paths(con, bound)
    table = Rows.fetch(con, sql_text("mining", "variants.sql"), {"limit": limit})
    total, answered = con.execute(
        "SELECT count(DISTINCT path_key), count(*) FILTER (WHERE csat IS NOT NULL"
        " OR ces IS NOT NULL OR nps IS NOT NULL) FROM ticket_paths"
    ).fetchall()[0]
    return Variants(selection, bound.tickets, answered, total, resolution, table)
