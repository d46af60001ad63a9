"""Privacy on request: forgetting one person, with the store's pseudonym key."""

from __future__ import annotations

from pathlib import Path

from store.connection import open_store
from store.errors import StoreError, TicketloopError
from store.forget import forget_person
from store.pseudonyms import Pseudonymiser, load_key


def forget(db: Path, person: str, dataset: str | None = None) -> tuple[str, dict[str, int]]:
    """Replace `person` (a name, an e-mail, a phone number as written) in the store at `db` with
    the pseudonym a pseudonymised load gives them; the pseudonym and the values changed per
    table."""
    if not person.strip():
        raise TicketloopError("--person is empty. Give the name, e-mail or phone to forget")
    if not Path(db).is_file():
        raise StoreError(f"{db}: no such database. Give --db the store that holds the person")
    pseudonym = Pseudonymiser(load_key(db)).person(person.strip()) or ""
    with open_store(db) as con:
        return pseudonym, forget_person(con, person, pseudonym, dataset)
