"""A store an older ticketloop wrote, holding a ticket whose timestamps no ingest accepts now
(year 12025, 44 BC, the "no date" 9999-12-31, year 2300): every command and page still works,
leaving that ticket out with a note."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from dashboard.pages import PAGES
from ingest.load import ingest_files
from store.connection import open_store
from tests.conftest import APP, SAMPLE
from ticketloop.cli import cli

STAMPS = ["12025-03-15", "-0044-03-15", "9999-12-31", "2300-01-01"]
BAD_TICKET = "HD-000002"


@pytest.fixture(scope="module", params=STAMPS)
def older_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's first 3,000 rows, then one ticket's every stamp moved to the bad one as an
    older ticketloop stored it (no check at the door)."""
    folder = tmp_path_factory.mktemp("older")
    head = (SAMPLE / "helpdesk.csv").read_text().splitlines(keepends=True)[:3001]
    (folder / "helpdesk.csv").write_text("".join(head))
    db = folder / "store.duckdb"
    ingest_files(db, [folder / "helpdesk.csv"], dataset="helpdesk")
    with open_store(db) as con:
        key = {"id": BAD_TICKET, "ts": f"{request.param} 00:00:00+00"}
        case = "(SELECT case_key FROM cases WHERE case_id = $id)"
        con.execute(f"UPDATE events SET ts = $ts::TIMESTAMPTZ WHERE case_key = {case}", key)
        con.execute(
            f"UPDATE events SET next_ts = $ts::TIMESTAMPTZ WHERE case_key = {case}"
            " AND next_ts IS NOT NULL",
            key,
        )
        con.execute("UPDATE cases SET created_at = $ts::TIMESTAMPTZ WHERE case_id = $id", key)
        con.execute(
            "UPDATE ticket_facts SET first_ts = $ts::TIMESTAMPTZ, last_ts = $ts::TIMESTAMPTZ,"
            f" last_resolved = NULL WHERE case_key = {case}",
            key,
        )
    return db


COMMANDS = [
    ["kpis", "--weekly"],
    ["kpis"],
    ["report", "--out", "{folder}/report.html"],
    ["conformance", "--model", str(SAMPLE / "designed_flow.bpmn")],
    ["ticket", BAD_TICKET],
    ["ticket", "HD-000001"],
    ["dfg"],
    ["variants"],
    ["bottlenecks"],
    ["escalations"],
    ["quality"],
    ["rootcause", "--target", "slow"],
    ["datasets"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_works(older_store: Path, command: list[str]) -> None:
    args = [a.replace("{folder}", str(older_store.parent)) for a in command]
    result = CliRunner().invoke(cli, [*args, "--db", str(older_store)])
    if args == ["ticket", BAD_TICKET]:  # left out everywhere, and its times unreadable
        assert result.exit_code == 1
        assert result.output.startswith(
            f"error: ticket '{BAD_TICKET}' has a time outside 1900-01-01 to "
        ), result.output
        assert result.output.count("\n") == 1
    else:
        assert result.exit_code == 0, result.output


def test_every_page_opens(older_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETLOOP_DB", str(older_store))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=120).run()
    for page in PAGES:
        at.switch_page(page.script).run()
        assert not at.exception, (page.url_path, at.exception)
        assert at.title, page.url_path  # the page drew, not only its error
