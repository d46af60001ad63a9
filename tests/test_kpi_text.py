"""`ticketloop kpis` as people read it, on the sample and the public Helpdesk log: KPI names in
words (machine names in --json alone), breakdowns that say which value a ticket counts under,
weekly KPIs as a table of weeks by KPIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mining.kpis import KPIS
from store.errors import MiningError
from ticketloop.api import Store
from ticketloop.cli import cli


def kpis(db: Path, *options: str) -> tuple[int, str]:
    """`ticketloop kpis` on `db`: its exit code and output, without the closing note on the
    built-in targets (the test stores set none; tests/test_targets.py reads it)."""
    result = CliRunner().invoke(cli, ["kpis", "--db", str(db), *options])
    note = "\nThe targets and SLA times are"
    return result.exit_code, result.output.split(note)[0] + ("\n" if note in result.output else "")


def test_kpis_name_each_kpi_in_words_and_json_by_its_key(sample_db: Path) -> None:
    code, text = kpis(sample_db)
    assert code == 0
    assert not any(k.name in text for k in KPIS if "_" in k.name)  # no ttr_median_hours
    (ttr,) = [line for line in text.splitlines() if "Median time to resolution" in line]
    assert ttr.split()[4:] == ["18.9", "hours", "24.0", "hours", "lower", "on"]
    doc = json.loads(kpis(sample_db, "--json")[1])
    assert {r["kpi"] for r in doc["kpis"]} == {k.name for k in KPIS}
    # which way is better, for every KPI but the ticket count, with or without a target
    better = {k: d["better"] for k, d in doc["definitions"].items()}
    assert better.pop("tickets") is None and set(better.values()) == {"lower", "higher"}
    assert (better["ttr_mean_hours"], better["backlog"], better["csat"]) == (
        "lower",
        "lower",
        "higher",
    )


def test_a_team_breakdown_says_a_ticket_counts_under_its_last_team(sample_db: Path) -> None:
    code, text = kpis(sample_db, "--by", "team")
    assert code == 0
    lines = text.splitlines()
    assert lines[1] == (
        "Each ticket counts under its last team on the agents' side; tickets without one under"
        " 'no team'. (--team selects every ticket with that team on any of its events.)"
    )
    assert "Back Office: 10 tickets" in lines
    headings = [line for line in lines if line and line[0] != " "]
    assert headings[-1].startswith("no team: ")  # the last group is named, not a blank total
    filtered = kpis(sample_db, "--team", "Back Office")[1].splitlines()[0]
    assert filtered == "data set 'helpdesk': 124 tickets (team Back Office)"  # visited it


def test_a_level_breakdown_names_its_levels(sample_db: Path) -> None:
    text = kpis(sample_db, "--by", "level")[1]
    groups = [line for line in text.splitlines() if line and line[0] != " " and "ticket" in line]
    assert [g.split(":")[0] for g in groups[2:]] == [
        "level 1",
        "level 2",
        "level 3",
        "level 4",
        "no level",
    ]


def test_a_breakdown_by_a_dimension_the_data_set_lacks_is_one_error_line(
    real_helpdesk_db: Path,
) -> None:
    code, text = kpis(real_helpdesk_db, "--by", "channel")
    assert code == 1
    assert text == (
        "error: no ticket of data set 'helpdesk' has a channel: nothing to break the KPIs down"
        " by. Break them down by another dimension, or load the channel with the tickets"
        ' ([columns] channel = "column" in --map)\n'
    )
    with pytest.raises(MiningError, match="has a channel"):
        Store(real_helpdesk_db).select("helpdesk").kpis(by="channel")


def test_weekly_kpis_are_a_table_of_weeks_by_kpis(sample_db: Path) -> None:
    code, text = kpis(sample_db, "--weekly")
    assert code == 0
    lines = text.splitlines()
    weeks = [line for line in lines if line.startswith("  2025-W")]
    assert len(weeks) == 28 * 4  # 28 weeks, in four blocks of KPIs
    assert len(lines) < 150 and max(len(line) for line in lines) <= 120
    assert weeks[0].split()[:2] == ["2025-W02", "194"]
    assert lines[-3].startswith("+ a signal, better; ! a signal, worse")
    assert lines[-2] == "  or a run of 8 weeks on one side of its centre line"
    assert lines[-1].startswith("(value) not judged")
    assert weeks[26].split()[:2] == ["2025-W28", "(0)"]  # a partial week: drawn, not judged
    assert any(cell.endswith("!") for week in weeks for cell in week.split()[1:])
