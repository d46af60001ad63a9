"""Connections to the store: short read-only ones, the single writer, and transactions."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import duckdb

from store.errors import StoreError
from store.schema import SCHEMA_VERSION, migrate

log = logging.getLogger("ticketloop.store")
_LOCK_RETRY_S = 0.1
# What DuckDB says when the file is locked by another process, or open in this one in another
# mode (read-only here, a write wanted, or the other way round).
_IN_USE = re.compile(r"lock|different configuration|already attached", re.IGNORECASE)
T = TypeVar("T")


def _retry_while_locked(path: Path, wait_s: float, attempt: Callable[[], T]) -> T:
    """Run `attempt`, retrying up to `wait_s` while another process holds the file's lock, or
    this process has it open in the other mode (a read-only reader while this one writes)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return attempt()
        except (
            duckdb.IOException,
            duckdb.ConnectionException,
            duckdb.ResourceInUseException,
        ) as exc:
            if not _IN_USE.search(str(exc)):
                raise _not_a_store(path) from None
            if time.monotonic() >= deadline:
                who = "this process, which has it open in the other mode (read-only or not)"
                if isinstance(exc, duckdb.IOException):
                    holder = re.search(r"PID (\d+)", str(exc))
                    who = f"process {holder.group(1)}" if holder else "another process"
                    who += " (an ingest or another writer)"
                raise StoreError(
                    f"{path}: the database is in use by {who}. Wait for it to finish and try again"
                ) from None
            time.sleep(_LOCK_RETRY_S)
        except duckdb.Error:
            raise _not_a_store(path) from None


def _not_a_store(path: Path) -> StoreError:
    """DuckDB cannot open or create the file: say why without the engine's words."""
    if not path.parent.is_dir():
        return StoreError(
            f"{path}: the folder {path.parent} does not exist. Create it, or give --db a path"
            " in an existing folder"
        )
    what = "a folder" if path.is_dir() else "not a DuckDB database file"
    return StoreError(
        f"{path}: not a ticketloop store ({what}). Give --db the path of a .duckdb file,"
        " or a new file name to create one"
    )


def _open(path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    def attempt() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(path), read_only=read_only)
        con.execute("SET TimeZone = 'UTC'; SET enable_progress_bar = false")
        return con

    created = not path.exists()
    con = _retry_while_locked(path, wait_s, attempt)
    if created:
        owner_only(path)
    return con


def owner_only(path: Path) -> None:
    """Make a store just created (and its write-ahead log) readable by its owner only: it holds
    customers' tickets. (The CLI's umask keeps the logs DuckDB writes later so too.)"""
    for file in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError):
            file.chmod(0o600)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN, then COMMIT, or ROLLBACK on any error."""
    con.execute("BEGIN")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def open_store(
    path: Path | str, *, read_only: bool = False, wait_s: float = 10.0, upgrade: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to the store, closed on exit so other processes can open it.

    Read-only opening of a missing file raises StoreError; a writable one creates and migrates it.
    A reader migrates a store of an older ticketloop first, unless it may not write the file or
    is told not to (`upgrade` false: a read-only dashboard), which raises StoreError.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(f"{path}: no such database. Load data first: ticketloop ingest FILE")
    con = _open(path, read_only, wait_s)
    try:
        if read_only:
            version = _schema_version(con, path)
            if version < SCHEMA_VERSION and upgrade and os.access(path, os.W_OK):
                con.close()  # a store of an older ticketloop: migrated once, by its first reader
                with open_store(path, wait_s=wait_s):
                    pass
                con = _open(path, read_only, wait_s)
                version = _schema_version(con, path)
            _check_version(version, path, upgrade)
        else:
            _migrate(con, path)
        yield con
    finally:
        con.close()


@contextmanager
def attached_store(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    wait_s: float = 10.0,
    read_only: bool = False,
) -> Iterator[None]:
    """Attach the store to `con` as its default database, migrated, for one write; detach on exit.
    `read_only`: to read what every schema version holds (the write that follows migrates it);
    cheaper than a connection of its own. Writes checkpoint at each commit: `con` should be a work
    connection of its own.

    Work tables of `con` should be TEMP tables: they stay visible under their plain names.
    """
    path = Path(path)
    if not read_only:
        # Each commit checkpoints straight into the file instead of logging to the WAL and then
        # checkpointing at DETACH: the same durable, atomic write, done once.
        con.execute("SET checkpoint_threshold = '0b'")
    attach = "ATTACH $p AS store" + (" (READ_ONLY)" if read_only else "")
    created = not path.exists()
    _retry_while_locked(path, wait_s, lambda: con.execute(attach, {"p": str(path)}))
    if created:
        owner_only(path)
    try:
        con.execute("USE store")
        if read_only:
            _schema_version(con, path)
        else:
            _migrate(con, path)
        yield
    finally:
        # A Ctrl-C can land inside BEGIN or COMMIT, leaving a transaction open that would make
        # DETACH fail, and its error would hide the interruption: it is rolled back first.
        with suppress(duckdb.TransactionException):  # none open: nothing to roll back
            con.execute("ROLLBACK")
        con.execute("USE memory")
        con.execute("DETACH store")


def _migrate(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Migrate the store in one transaction; an upgrade of a store an older ticketloop made is
    said once, on stderr (a warning: shown without any logging set up), for it is one-way."""
    with transaction(con):
        found = migrate(con)
    if 0 < found < SCHEMA_VERSION:
        log.warning(
            "%s: upgraded from schema version %d to %d for this ticketloop; an older ticketloop"
            " can no longer open it",
            path,
            found,
            SCHEMA_VERSION,
        )


def _schema_version(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The store's schema version; StoreError if the database is not a ticketloop store."""
    try:
        return con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
    except duckdb.CatalogException:
        raise StoreError(f"{path}: not a ticketloop database (no schema_version table)") from None


def _check_version(version: int, path: Path, upgrade: bool) -> None:
    """StoreError unless the store's schema `version` is this ticketloop's."""
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version}, newer than this ticketloop ({SCHEMA_VERSION});"
            " upgrade ticketloop"
        )
    if version < SCHEMA_VERSION:  # (a reader migrates it first when it may)
        older = (
            f"{path}: made by an older ticketloop (schema version {version}; this one reads"
            f" {SCHEMA_VERSION})"
        )
        if not upgrade:
            raise StoreError(
                f"{older}, and a read-only dashboard does not change it. Bring it up to date once"
                f" with any ticketloop command, e.g. ticketloop datasets --db {path}"
            )
        raise StoreError(
            f"{older}, and this user may not write the file (its permissions, an immutable file or"
            " a read-only disk) to bring it up to date. Make it writable, or copy it somewhere"
            " writable, and run any ticketloop command on it once"
        )
