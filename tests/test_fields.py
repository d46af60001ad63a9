"""The filter dimensions come from the field registry: every filterable field is a CLI option of
every command that selects tickets, a `--by` breakdown, a sidebar widget, and filters in SQL as
its `Filter.on` says (the ticket's value, or any of its events)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import duckdb
import pytest
import streamlit as st
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from mining.kpis import BY
from mining.selection import Selection
from store.fields import FILTERS, FILTERS_SHOWN
from store.vendors import FLAT_FORMATS, VENDORS, vendors_listed
from tests.conftest import ROOT
from ticketloop.cli import cli

SELECTING = ("bottlenecks", "conformance", "dfg", "discover", "escalations", "kpis")


def test_each_filter_has_its_own_place_and_words() -> None:
    assert sorted(f.filter.place for f in FILTERS) == list(range(1, len(FILTERS) + 1))
    assert all(f.filter.label and f.filter.help.endswith("(repeatable).") for f in FILTERS)
    assert tuple(f.name for f in FILTERS_SHOWN) == BY  # the KPI breakdowns, in the sidebar's order


@pytest.mark.parametrize("name", SELECTING)
def test_every_filter_is_an_option_of_every_command_that_selects(name: str) -> None:
    options = [p for p in cli.commands[name].params if isinstance(p, click.Option)]
    names = [p.name for p in options]
    assert [n for n in names if n in {f.name for f in FILTERS}] == [f.name for f in FILTERS]
    for f in FILTERS:
        option = options[names.index(f.name)]
        assert option.multiple and option.opts == [f"--{f.name}"]
        assert option.help == f.filter.help


def _column(db: Path, sql: str, *params: object) -> list:
    with duckdb.connect(str(db), read_only=True) as con:
        return [r[0] for r in con.execute(sql, list(params)).fetchall()]


@pytest.mark.parametrize("field", FILTERS, ids=lambda f: f.name)
def test_each_filter_selects_in_sql_as_the_registry_says(sample_db: Path, field) -> None:
    table = "cases" if field.filter.on == "ticket" else "events"
    column = field.stored_as
    (value,) = _column(sample_db, f"SELECT max({column}) FROM {table}")
    (expected,) = _column(
        sample_db, f"SELECT count(DISTINCT case_key) FROM {table} WHERE {column} = ?", value
    )
    result = CliRunner().invoke(
        cli, ["dfg", "--db", str(sample_db), f"--{field.name}", str(value), "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert 0 < doc["tickets"] == expected < 5000
    assert doc["selection"] == f"{field.name} {value}"
    assert Selection("helpdesk", **{field.name: (value,)}).values(field.name) == (value,)


@pytest.mark.parametrize("field", FILTERS_SHOWN, ids=lambda f: f.name)
def test_kpis_break_down_by_each_filter(sample_db: Path, field) -> None:
    result = CliRunner().invoke(cli, ["kpis", "--db", str(sample_db), "--by", field.name, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    tickets = {r["group"]: r["value"] for r in doc["kpis"] if r["kpi"] == "tickets"}
    table = "cases" if field.filter.on == "ticket" else "events"
    values = _column(sample_db, f"SELECT DISTINCT {field.stored_as}::VARCHAR FROM {table}")
    assert len(tickets) >= 2 and set(tickets) <= set(values)  # None: tickets without a value
    assert sum(tickets.values()) == 5000  # each ticket in one group


def test_the_sidebar_draws_each_filter_in_its_place(sample_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("TICKETLOOP_DB", str(sample_db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    widgets = at.sidebar.multiselect
    assert [w.key for w in widgets] == [f"filter_{f.name}" for f in FILTERS_SHOWN]
    assert [w.label for w in widgets] == [f.filter.label for f in FILTERS_SHOWN]
    assert all(w.options for w in widgets)


def test_the_vendor_table_names_the_tools_ingest_reads() -> None:
    from ingest.sources import SOURCES

    own = {s.name: next((v for v in VENDORS if s.description.startswith(v)), None) for s in SOURCES}
    assert {n for n, vendor in own.items() if vendor is None} == {"csv", "xes"}
    assert set(own.values()) - {None} == set(VENDORS)
    assert vendors_listed() in CliRunner().invoke(cli, ["ingest", "--help"]).output.replace(
        "\n  ", " "
    )
    # the flat exports escalations cannot read bounce-backs from are ingest's milestone sources
    assert set(FLAT_FORMATS) == {s.name for s in SOURCES if s.kind == "milestones"}
