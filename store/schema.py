"""The store's schema: ordered migrations, each run once, recorded in `schema_version`."""

from __future__ import annotations

from importlib import resources

import duckdb

from store.errors import StoreError
from store.facts import write_ticket_facts
from store.vocabulary import CANONICAL_ACTIVITIES

MIGRATIONS = (
    "001_schema.sql",
    "002_lean_events.sql",
    "003_source_details.sql",
    "004_conformance_cache.sql",
    "005_change_log.sql",
    "006_next_event.sql",
    "007_ticket_facts.sql",
    "008_de_escalated.sql",
    "009_vocabulary.sql",
    "010_dataset_settings.sql",
    "012_audit_log.sql",
    "013_privacy.sql",
    "014_kpi_facts.sql",
    "015_ticket_case_columns.sql",
)
SCHEMA_VERSION = len(MIGRATIONS)
# Migrations that change what a ticket's facts hold: every ticket's facts are written again, once,
# after the last migration run.
REWRITE_FACTS = ("008_de_escalated.sql", "014_kpi_facts.sql", "015_ticket_case_columns.sql")


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to SCHEMA_VERSION; each migration runs once, in order. Returns the
    version it found (0 for a new store)."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    current = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"the database has schema version {current}, newer than this ticketloop"
            f" ({SCHEMA_VERSION}); upgrade ticketloop"
        )
    rewrite_facts = False
    for version, name in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        con.execute(migration(name))
        if version == 1:
            con.executemany(
                "INSERT INTO activities VALUES (?, ?, true)",
                [(i, name) for i, name in enumerate(CANONICAL_ACTIVITIES, start=1)],
            )
        rewrite_facts |= name in REWRITE_FACTS
        con.execute("INSERT INTO schema_version VALUES (?)", [version])
    if rewrite_facts and current:  # the facts as the latest definitions give them
        write_ticket_facts(con)  # (a new store has none to write)
    return current


def migration(name: str) -> str:
    """The SQL text of migration `name` (store/sql)."""
    return resources.files("store.sql").joinpath(name).read_text()
