"""Pauses on a log without customer events: who pauses, how often and how long, by team and
agent, against the desk; counted by hand on a hand-made log."""

from __future__ import annotations

from pathlib import Path

import pytest

from mining.pauses import pauses
from mining.selection import Selection
from store.connection import open_store
from tests.conftest import at, csv_text, hand_made_store

HEADER = "Case ID,Activity,Timestamp,Team,Resource"
LOG = [
    # ann (L1) pauses P1 for 4 h, and P2 twice: 2 h, then 10 h
    ("P1", "Ticket created", at(0), "L1", "ann"),
    ("P1", "Information requested", at(1), "L1", "ann"),
    ("P1", "Investigation", at(5), "L1", "ann"),
    ("P1", "Resolved", at(6), "L1", "ann"),
    ("P2", "Ticket created", at(0), "L1", "ann"),
    ("P2", "Information requested", at(1), "L1", "ann"),
    ("P2", "Information requested", at(3), "L1", "ann"),
    ("P2", "Resolved", at(13), "L1", "ann"),
    # cy (L2) pauses P3 for 1 h, and P5 with nothing after: counted, not timed
    ("P3", "Ticket created", at(0), "L1", "bob"),
    ("P3", "Information requested", at(2), "L2", "cy"),
    ("P3", "Resolved", at(3), "L2", "cy"),
    ("P4", "Ticket created", at(0), "L1", "bob"),
    ("P4", "Resolved", at(2), "L1", "bob"),
    ("P5", "Ticket created", at(0), "L2", "cy"),
    ("P5", "Information requested", at(1), "L2", "cy"),
]


def run(db: Path):
    with open_store(db, read_only=True) as con:
        return pauses(con, Selection("t"))


def test_who_pauses_how_often_and_how_long_against_the_desk(tmp_path: Path) -> None:
    found = run(hand_made_store(tmp_path, csv_text(HEADER, LOG)))
    assert found is not None
    assert (found.tickets, found.pauses, found.paused_tickets) == (5, 5, 4)
    assert found.share == 0.8
    assert (found.median_hours, found.total_hours) == (3, 17)  # timed: 1, 2, 4, 10
    assert found.example_tickets == ["P2", "P1", "P3", "P5"]
    teams = found.teams
    columns = ["team", "pauses", "tickets", "handled", "share", "median_hours", "total_hours"]
    assert [tuple(r) for r in teams[columns].itertuples(index=False)] == [
        ("L1", 3, 2, 4, 0.5, 4, 16),  # L1 handles P1 to P4 (P3 and P4 created by bob)
        ("L2", 2, 2, 2, 1.0, 1, 1),
    ]
    assert list(teams["share_vs_desk"]) == pytest.approx([0.5 / 0.8, 1 / 0.8])
    assert list(teams["median_vs_desk"]) == pytest.approx([4 / 3, 1 / 3])
    assert list(teams["example_tickets"]) == [["P2", "P1"], ["P3", "P5"]]
    agents = found.agents
    assert [
        tuple(r) for r in agents[["agent", "pauses", "tickets", "handled"]].itertuples(index=False)
    ] == [("ann", 3, 2, 2), ("cy", 2, 2, 2)]  # bob never pauses: not listed


def test_with_customer_replies_the_pauses_are_told_by_the_replies(tmp_path: Path) -> None:
    log = [*LOG, ("P4", "Customer replied", at(1), None, None)]
    assert run(hand_made_store(tmp_path, csv_text(HEADER, log))) is None


def test_no_pause_no_answer(tmp_path: Path) -> None:
    log = [r for r in LOG if r[1] != "Information requested"]
    assert run(hand_made_store(tmp_path, csv_text(HEADER, log))) is None


def test_the_bottlenecks_command_shows_them_where_customer_waits_would_be(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ticketloop.cli import cli

    db = hand_made_store(tmp_path, csv_text(HEADER, LOG))
    lines = CliRunner().invoke(cli, ["bottlenecks", "--db", str(db)]).output.splitlines()
    start = lines.index(
        "Pauses: `Information requested`, until the ticket's next event (no `Customer replied`"
        " in the log ends them)"
    )
    assert lines[start + 1] == (
        "  desk: 5 pauses in 4 of 5 tickets (80.0%), median 3.0 h, 17.0 h in all  e.g. P2, P1, ..."
    )
    assert lines[start + 3].split() == [
        "L1", "3", "2", "50.0%", "x0.6", "4.0", "h", "x1.3", "16.0", "h", "P2,", "P1",
    ]  # fmt: skip
    assert lines[start + 6].split()[:4] == ["ann", "3", "2", "100.0%"]
    import json

    doc = json.loads(CliRunner().invoke(cli, ["bottlenecks", "--db", str(db), "--json"]).output)
    assert doc["pauses"]["pauses"] == 5 and doc["pauses"]["teams"][0]["team"] == "L1"


def test_the_real_helpdesk_log_with_its_wait_mapped(tmp_path: Path) -> None:
    """The public Helpdesk log's `Wait` is a pause; it records no customer reply. Every `Wait`
    event of the XES file is a pause, made by one of its agents (it names no team)."""
    import gzip
    import re

    from ingest.load import ingest_files
    from ingest.mapping import load_mapping
    from tests.conftest import REAL_HELPDESK, real_log, write

    source = real_log(REAL_HELPDESK)
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        waits = len(re.findall(r'key="concept:name" value="Wait"', handle.read()))
    mapping = write(tmp_path / "m.toml", '[activities]\n"Wait" = "Information requested"\n')
    db = tmp_path / "h.duckdb"
    ingest_files(db, [source], dataset="t", mapping=load_mapping(mapping))
    found = run(db)
    assert found is not None and found.pauses == waits == 1463
    assert found.teams is None and found.agents["pauses"].sum() == waits
    assert found.agents.iloc[0]["agent"] == "Value 2" and found.agents.iloc[0]["pauses"] == 385
