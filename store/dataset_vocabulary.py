"""A data set's vocabulary, a setting changed after loading: which source label is which canonical
activity, and each team's support level. Stored per data set (`activity_vocabulary`,
`team_levels`), put on its events at once (store/sql/apply_vocabulary.sql) and on every later
append of the data set; the events keep their source labels and what they were as loaded."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from store.errors import StoreError
from store.facts import write_ticket_facts
from store.queries import sql_text
from store.vocabulary import CANONICAL_ACTIVITIES, CANONICAL_BY_LOWER, OUTCOMES, suggest_activity


@dataclass(frozen=True)
class Vocabulary:
    """Source label -> canonical activity, and team (lower case) -> support level 1-4."""

    activities: dict[str, str] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)


def canonical_activity(name: str, where: str) -> str:
    """The canonical activity `name` names (in any case); StoreError listing them otherwise."""
    found = CANONICAL_BY_LOWER.get(name.strip().lower())
    if found is None:
        raise StoreError(
            f'{where}: "{name}" is not a canonical activity; use one of:'
            f" {', '.join(CANONICAL_ACTIVITIES)}"
        )
    return found


def stored_vocabulary(con: duckdb.DuckDBPyConnection, d: int) -> Vocabulary:
    """The vocabulary data set `d` has now (empty when none was set)."""
    activities = con.execute(
        "SELECT source_label, activity FROM activity_vocabulary WHERE dataset_id = $d"
        " ORDER BY source_label",
        {"d": d},
    ).fetchall()
    levels = con.execute(
        "SELECT team, level FROM team_levels WHERE dataset_id = $d ORDER BY team", {"d": d}
    ).fetchall()
    return Vocabulary(dict(activities), dict(levels))


def source_labels(con: duckdb.DuckDBPyConnection, d: int) -> list[tuple[str, str, str, int]]:
    """(label, activity as loaded, activity now, events) per source label of data set `d` (and
    activity as loaded), most frequent first."""
    return con.execute(sql_text("store", "source_labels.sql"), {"d": d}).fetchall()


# What may follow a ticket's outcome without being work on it: its closing.
CLOSINGS = ("Closed", "Survey answered")


def ending_shares(con: duckdb.DuckDBPyConnection, d: int, labels: list[str]) -> dict[str, float]:
    """label -> the share of data set `d`'s tickets with it that it ends (label_endings.sql: only
    the ticket's closing follows it, the labels that are, or whose words say, CLOSINGS), of the
    `labels` its events carry."""
    if not labels:
        return {}
    closing = [
        label
        for label, _, now, _ in source_labels(con, d)
        if now in CLOSINGS or suggest_activity(label) in CLOSINGS
    ]
    found = con.execute(
        sql_text("store", "label_endings.sql"), {"d": d, "labels": labels, "closing": closing}
    )
    return {label: ended / tickets for label, tickets, ended in found.fetchall()}


def ended_share(con: duckdb.DuckDBPyConnection, d: int) -> float:
    """The share of data set `d`'s tickets that an event ends (`Resolved`, `Rejected`,
    `Abandoned` or `Closed`: ticket_facts.ended_at)."""
    return con.execute(
        "SELECT coalesce(count(ended_at) / count(*), 0) FROM ticket_facts WHERE dataset_id = $d",
        {"d": d},
    ).fetchall()[0][0]


def suggestions(
    con: duckdb.DuckDBPyConnection,
    d: int,
    labels: list[str],
    ends: dict[str, float] | None = None,
) -> dict[str, str | None]:
    """label -> the canonical activity suggested for it in data set `d` (suggest_activity, with
    how often it ends its tickets where its words name an outcome); `ends`: ending_shares of the
    labels when read already, else read here for those whose words name an outcome."""
    if ends is None:
        # (a canonical name needs no evidence: it is what it says)
        outcomes = [
            label
            for label in labels
            if suggest_activity(label, 0.0) is None and suggest_activity(label) in OUTCOMES
        ]
        ends = ending_shares(con, d, outcomes)
    return {label: suggest_activity(label, ends.get(label, 0.0)) for label in labels}


def team_counts(con: duckdb.DuckDBPyConnection, d: int) -> list[tuple[str, int | None, int]]:
    """(team, its events' most common level now, events) per team of data set `d`."""
    return con.execute(
        "SELECT team, mode(level), count(*) FROM events WHERE dataset_id = $d"
        " AND team IS NOT NULL GROUP BY team ORDER BY count(*) DESC, team",
        {"d": d},
    ).fetchall()


def set_vocabulary(con: duckdb.DuckDBPyConnection, d: int, vocabulary: Vocabulary) -> None:
    """Make `vocabulary` data set `d`'s (replacing the one before) and put it on its events, their
    next activities and their tickets' facts; the data set's version goes up, so every cached
    result of it is stale. Run inside a transaction."""
    activities = {
        label: canonical_activity(target, f"[activities] {label}")
        for label, target in vocabulary.activities.items()
    }
    bad = [team for team, level in vocabulary.levels.items() if not 1 <= level <= 4]
    if bad:
        raise StoreError(f'[levels] "{bad[0]}": a support level is 1, 2, 3 or 4')
    con.execute("DELETE FROM activity_vocabulary WHERE dataset_id = $d", {"d": d})
    con.execute("DELETE FROM team_levels WHERE dataset_id = $d", {"d": d})
    if activities:
        con.executemany(
            "INSERT INTO activity_vocabulary VALUES (?, ?, ?)",
            [(d, label, target) for label, target in activities.items()],
        )
    if vocabulary.levels:
        con.executemany(
            "INSERT INTO team_levels VALUES (?, ?, ?)",
            [(d, team.strip().lower(), level) for team, level in vocabulary.levels.items()],
        )
    apply_vocabulary(con, d)
    write_ticket_facts(con, d)
    con.execute("UPDATE datasets SET version = version + 1 WHERE dataset_id = $d", {"d": d})


def apply_vocabulary(
    con: duckdb.DuckDBPyConnection, d: int, *, touched: bool = False, forced: bool = True
) -> None:
    """Put data set `d`'s stored vocabulary on its events (with `touched`, only on the tickets the
    TEMP table `touched_tickets` lists: an append's) and refresh their next activities. Without
    `forced`, nothing is done when the data set has no vocabulary (an append's usual case)."""
    if not forced:
        has = con.execute(
            "SELECT (SELECT count(*) FROM activity_vocabulary WHERE dataset_id = $d)"
            " + (SELECT count(*) FROM team_levels WHERE dataset_id = $d)",
            {"d": d},
        ).fetchall()[0][0]
        if not has:
            return
    if touched:
        bounds = con.execute("SELECT min(case_key), max(case_key) FROM touched_tickets")
    else:
        bounds = con.execute(
            "SELECT min(case_key), max(case_key) FROM events WHERE dataset_id = $d", {"d": d}
        )
    low, high = bounds.fetchall()[0]
    if low is None:
        return
    keys = {"d": d, "low": low, "high": high}
    con.execute(sql_text("store", "apply_vocabulary.sql"), keys)
    con.execute(
        "UPDATE events SET next_activity_id = n.next_activity_id FROM ("
        " SELECT case_key, event_index,"
        " lead(activity_id) OVER (PARTITION BY case_key ORDER BY event_index) AS next_activity_id"
        " FROM events WHERE dataset_id = $d AND case_key BETWEEN $low AND $high) n"
        " WHERE events.dataset_id = $d AND events.case_key BETWEEN $low AND $high"
        " AND events.case_key = n.case_key AND events.event_index = n.event_index"
        " AND events.next_activity_id IS DISTINCT FROM n.next_activity_id",
        keys,
    )
