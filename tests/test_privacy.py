"""Privacy (issue 20): people pseudonymised before the store, columns dropped, a person forgotten
on request, files readable by their owner only. On the sample's Zendesk export with people added."""

from __future__ import annotations

import csv
import gzip
import re
import stat
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLE
from ticketloop.cli import cli

FIRST = ("Jane", "Ana", "Lucas", "Marie", "Ahmed", "Chen", "Olga", "Pedro", "Sofia", "Tom")
LAST = ("Doe", "Silva", "Martin", "Khan", "Wang", "Ivanova", "Garcia", "Rossi", "Smith", "Berg")
MIDDLE = ("", "Lee ", "Mae ", "Joy ", "Kai ", "Rae ", "Ray ")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"\+34 6\d\d \d{3}")
CARD = re.compile(r"4111[ -]?1111")


def people_export(path: Path) -> Path:
    """The sample's Zendesk tickets, each from one of 700 customers with a name, an e-mail and a
    phone in their columns and in the subject, and a card number in the subject."""
    source = SAMPLE / "helpdesk_zendesk_tickets.csv.gz"
    with gzip.open(source, "rt", newline="") as f, path.open("w", newline="") as g:
        reader = csv.DictReader(f)
        writer = csv.DictWriter(g, [*reader.fieldnames, "Requester email", "Requester phone"])
        writer.writeheader()
        for row in reader:
            k = int(row["Id"]) % 700
            name = f"{FIRST[k % 10]} {MIDDLE[k // 100]}{LAST[k // 10 % 10]}"
            email = f"{name.lower().replace(' ', '.')}@example.com"
            phone = f"+34 6{k:02d} {k * 7 % 1000:03d} {k * 13 % 1000:03d}"
            row.update({"Requester": name, "Requester email": email, "Requester phone": phone})
            row["Subject"] += f" from {name} <{email}>, call {phone}, card 4111 1111 1111 1111"
            writer.writerow(row)
    return path


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return people_export(tmp_path_factory.mktemp("people") / "zendesk_people.csv")


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def text_values(db: Path) -> dict[tuple[str, str], list[str]]:
    """Every value of every VARCHAR and JSON column of every table of the store."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns()"
            " WHERE database_name = current_database() AND data_type IN ('VARCHAR', 'JSON')"
        ).fetchall()
        return {
            (t, c): [
                v
                for (v,) in con.execute(
                    f'SELECT DISTINCT "{c}"::VARCHAR FROM "{t}" WHERE "{c}" IS NOT NULL'
                ).fetchall()
            ]
            for t, c in columns
        }


def people_in(db: Path, export: Path) -> list[tuple[str, str, str]]:
    """(table, column, value) of every value naming a customer of `export`."""
    names = {row["Requester"] for row in csv.DictReader(export.read_text().splitlines())}
    return [
        (t, c, v)
        for (t, c), values in text_values(db).items()
        for v in values
        if EMAIL.search(v) or PHONE.search(v) or CARD.search(v) or any(n in v for n in names)
    ]


def requesters(db: Path, dataset: str) -> Counter[int]:
    """How many requesters have how many tickets."""
    with duckdb.connect(str(db), read_only=True) as con:
        per = con.execute(
            "SELECT count(*) FROM cases JOIN datasets USING (dataset_id) WHERE name = $d"
            " GROUP BY attributes->>'$.\"case:Requester\"'",
            {"d": dataset},
        ).fetchall()
    return Counter(n for (n,) in per)


@pytest.mark.slow  # 5,000 tickets loaded with people: ~8 s
def test_a_pseudonymised_load_holds_no_customer_and_the_same_requesters(
    export: Path, tmp_path: Path
) -> None:
    db = tmp_path / "desk.duckdb"
    run("ingest", str(export), "--db", str(db), "--dataset", "zd", "--pseudonymise")
    assert people_in(db, export) == []
    customers = csv.DictReader(export.read_text().splitlines())
    truth = Counter(Counter(r["Requester"] for r in customers).values())
    assert requesters(db, "zd") == truth == Counter({7: 600, 8: 100})
    plain = tmp_path / "plain.duckdb"
    run("ingest", str(export), "--db", str(plain), "--dataset", "zd")
    assert len(people_in(plain, export)) == 5_000  # the scan finds them: every ticket's attributes
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "ticketloop.key").stat().st_mode) == 0o600


@pytest.mark.slow  # 5,000 tickets loaded with people: ~8 s
def test_the_same_person_the_same_pseudonym_across_loads_and_the_choice_is_kept(
    export: Path, tmp_path: Path
) -> None:
    db = tmp_path / "desk.duckdb"
    lines = export.read_text().splitlines(keepends=True)
    first, second = tmp_path / "jan.csv", tmp_path / "later.csv"
    first.write_text("".join(lines[:2_001]))
    second.write_text(lines[0] + "".join(lines[2_001:]))
    run("ingest", str(first), "--db", str(db), "--dataset", "zd", "--pseudonymise")
    out = run("ingest", str(second), "--db", str(db), "--dataset", "zd")  # no flag: kept
    assert "note: data set 'zd': customers pseudonymised, as it was loaded before" in out
    assert people_in(db, export) == []
    assert requesters(db, "zd") == Counter({7: 600, 8: 100})  # customers in both halves join up


def test_a_dropped_column_is_nowhere_and_a_wrong_name_loads_nothing(
    export: Path, tmp_path: Path
) -> None:
    db = tmp_path / "desk.duckdb"
    run(
        "ingest",
        str(export),
        "--db",
        str(db),
        "--drop-column",
        "Subject",
        "--drop-column",
        "requester phone",
    )
    values = [v for vs in text_values(db).values() for v in vs]
    assert not any("Subject" in v or CARD.search(v) or PHONE.search(v) for v in values)
    result = CliRunner().invoke(
        cli, ["ingest", str(export), "--db", str(tmp_path / "b.duckdb"), "--drop-column", "Subjet"]
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: --drop-column: no file has a column 'Subjet'. Nothing was loaded."
        " Name a column of the files as their header spells it"
    )
    assert not (tmp_path / "b.duckdb").exists()


def test_forget_replaces_one_person_everywhere_and_says_what_changed(
    export: Path, tmp_path: Path
) -> None:
    db = tmp_path / "desk.duckdb"
    run("ingest", str(export), "--db", str(db), "--dataset", "zd")
    out = run("forget", "--person", "ANA.DOE@example.com", "--db", str(db))
    assert re.fullmatch(
        r"'ANA\.DOE@example\.com' is now person-[0-9a-f]{12} in \S+: 8 values \(8 in cases\)\n",
        out,
    )  # her 8 tickets' attributes (the address in the e-mail column and the subject)
    out = run("forget", "--person", "Ana Doe", "--db", str(db), "--dataset", "zd")
    assert "8 values (8 in cases)" in out  # whole names only: not Ana Lee Doe
    values = [v for vs in text_values(db).values() for v in vs]
    assert not any("ana.doe@" in v.lower() or "Ana Doe" in v for v in values)
    assert any("Ana Lee Doe" in v for v in values)
    again = run("forget", "--person", "Ana Doe", "--db", str(db))
    assert again.startswith("no mention of 'Ana Doe' in ")


def test_forget_changes_a_tickets_row_and_its_facts_copy_of_it_alike(tmp_path: Path) -> None:
    """A person named in a ticket's id and its category is forgotten in `cases` and in the copy
    of its row the ticket's facts keep, so the two stay equal."""
    export = tmp_path / "desk.csv"
    export.write_text(
        "case_id,activity,timestamp,category\n"
        "Ana Doe-1,Ticket created,2025-01-06 09:00,Ana Doe's account\n"
        "Ana Doe-1,Resolved,2025-01-06 10:00,\n",
        encoding="utf-8",
    )
    db = tmp_path / "desk.duckdb"
    run("ingest", str(export), "--db", str(db))
    assert "4 values (2 in cases, 2 in ticket_facts)" in run(
        "forget", "--person", "Ana Doe", "--db", str(db)
    )
    with duckdb.connect(str(db), read_only=True) as con:
        both = "SELECT case_id, category FROM {} ORDER BY ALL"
        kept = con.execute(both.format("cases")).fetchall()
        assert kept == con.execute(both.format("ticket_facts")).fetchall()
    assert kept[0][0].startswith("person-") and kept[0][1].startswith("person-")
