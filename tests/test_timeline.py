"""A ticket's timeline: its events as the export lists them, the waits between them, its case
attributes; an unknown id suggests the ones that look like it."""

from __future__ import annotations

import csv
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest

from mining.timeline import ticket_timeline
from store.connection import open_store
from store.errors import MiningError
from tests.conftest import SAMPLE


def _timeline(db: Path, case_id: str):
    with open_store(db, read_only=True) as con:
        return ticket_timeline(con, dataset="helpdesk", case_id=case_id)


def test_a_ticket_is_its_rows_of_the_export(sample_db: Path) -> None:
    with (SAMPLE / "helpdesk.csv").open(encoding="utf-8") as f:
        exported = [r for r in csv.DictReader(f) if r["Case ID"] == "HD-000009"]
    ticket = _timeline(sample_db, "HD-000009")
    events = ticket.to_json()["events"]
    assert [(e["activity"], e["resource"], e["team"]) for e in events] == [
        (r["Activity"], r["Resource"] or None, r["Team"] or None) for r in exported
    ]
    assert [e["level"] for e in events] == [
        int(r["Level"][1:]) if r["Level"] else None for r in exported
    ]
    times = [datetime.fromisoformat(r["Timestamp"]) for r in exported]
    assert [e["ts"] for e in events] == [
        t.astimezone(datetime.fromisoformat(events[0]["ts"]).tzinfo).isoformat() for t in times
    ]
    assert [e["wait_seconds"] for e in events] == [None] + [
        (b - a).total_seconds() for a, b in pairwise(times)
    ]
    first = exported[0]
    assert (ticket.values["channel"], ticket.values["priority"], ticket.values["category"]) == (
        first["Channel"],
        first["Priority"],
        first["Category"],
    )
    assert ticket.to_json()["created_at"] == events[0]["ts"]


def test_survey_answers_come_from_the_ticket(sample_db: Path) -> None:
    with (SAMPLE / "helpdesk.csv").open(encoding="utf-8") as f:
        answered = next(r for r in csv.DictReader(f) if r["CSAT"])
    ticket = _timeline(sample_db, answered["Case ID"])
    assert (ticket.values["csat"], ticket.values["ces"], ticket.values["nps"]) == tuple(
        int(answered[k]) for k in ("CSAT", "CES", "NPS")
    )


@pytest.mark.parametrize(
    ("asked", "hint"),
    [
        ("hd-00004", "did you mean HD-000040, HD-000041, HD-000042, HD-000043, HD-000044?"),
        ("ticket 7", "its ticket ids look like 'HD-000001'"),
    ],
)
def test_an_unknown_ticket_suggests_ids(asked: str, hint: str, sample_db: Path) -> None:
    with pytest.raises(MiningError) as caught:
        _timeline(sample_db, asked)
    assert str(caught.value) == f"no ticket '{asked}' in data set 'helpdesk'; {hint}"
