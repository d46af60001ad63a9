"""The complaints desk: a second sample process beside the helpdesk, loaded as a data set of its
own, with its own designed flow, calendar, SLA and targets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mining.bpmn import read_model_file
from mining.conformance import check_conformance
from mining.selection import Selection
from store.settings import load_settings
from store.vocabulary import CANONICAL_ACTIVITIES
from tests.conftest import SAMPLE, rows
from tests.test_cli import invoke
from ticketloop.complaints import generate

CSV, FLOW, SETTINGS = (
    SAMPLE / "complaints.csv",
    SAMPLE / "complaints_flow.bpmn",
    SAMPLE / "complaints.toml",
)
# The complaint-specific steps; the rest of its activities are the canonical vocabulary's.
OWN_STEPS = {
    "Complaint accepted",
    "Complaint assessed",
    "Resolution proposed",
    "Satisfaction checked",
}


def _truth() -> list[dict[str, str]]:
    with (SAMPLE / "complaints_truth.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def both_desks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the helpdesk and the complaints desk, each a data set, loaded by the CLI."""
    db = tmp_path_factory.mktemp("desks") / "desks.duckdb"
    for path, dataset in ((SAMPLE / "helpdesk.csv", "helpdesk"), (CSV, "complaints")):
        result = invoke("ingest", str(path), "--dataset", dataset, "--db", str(db), "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["rows_rejected"] == 0
    return db


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = generate(300, 11, tmp_path / "a")
    b = generate(300, 11, tmp_path / "b")
    c = generate(300, 12, tmp_path / "c")
    for kind in ("csv", "truth"):
        assert a[kind].read_bytes() == b[kind].read_bytes()
        assert a[kind].read_bytes() != c[kind].read_bytes()
    assert a["flow"].read_bytes() == c["flow"].read_bytes()  # the design is not random


def test_the_committed_sample_is_what_make_sample_writes(tmp_path: Path) -> None:
    result = invoke(
        "generate", "--process", "complaints", "--tickets", "2000", "--seed", "7",
        "--out", str(tmp_path), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)
    assert written["process"] == "complaints" and written["tickets"] == 2000
    for kind in ("csv", "truth", "flow"):
        fresh = Path(written[kind])
        assert fresh.read_bytes() == (SAMPLE / fresh.name).read_bytes(), f"{kind}: make sample"


def test_vendor_exports_are_the_helpdesks_only(tmp_path: Path) -> None:
    result = invoke("generate", "--process", "complaints", "--vendors", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--vendors writes helpdesk exports; drop it with --process complaints" in result.output
    assert not any(tmp_path.iterdir())


def test_the_log_speaks_the_canonical_vocabulary_and_its_own_steps() -> None:
    with CSV.open(encoding="utf-8") as handle:
        header, *events = list(csv.reader(handle))
    assert header == (SAMPLE / "helpdesk.csv").read_text(encoding="utf-8").splitlines()[0].split(
        ","
    )
    activities = {row[1] for row in events}
    assert activities - set(CANONICAL_ACTIVITIES) == OWN_STEPS
    assert activities & set(CANONICAL_ACTIVITIES) >= {"Rejected", "Reopened", "Survey answered"}
    # every activity is a task of the designed flow, and the flow has no task the log lacks
    assert set(read_model_file(FLOW).task_labels) == activities
    cases = {row[0] for row in events}
    assert 1500 <= len(cases) <= 2500
    stamps = sorted(row[2][:10] for row in events if row[1] == "Ticket created")
    assert (stamps[0], stamps[-1]) == ("2025-01-06", "2025-07-06")  # the helpdesk's 26 weeks
    teams = {(row[4], row[5]) for row in events if row[5]}
    assert ("Complaints Desk", "L1") in teams and ("Legal", "L2") in teams


def test_it_loads_as_a_data_set_beside_the_helpdesk(both_desks: Path) -> None:
    assert rows(
        both_desks,
        "SELECT d.name, count(*) FROM cases JOIN datasets d USING (dataset_id) GROUP BY ALL"
        " ORDER BY 1",
    ) == [("complaints", 2000), ("helpdesk", 5000)]
    assert rows(both_desks, "SELECT count(*) FROM rejects") == [(0,)]


def test_the_dashboard_opens_on_the_larger_desk(
    both_desks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not the first by name: the incidents desk (5,000 tickets) before the complaints (2,000)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP

    monkeypatch.setenv("TICKETLOOP_DB", str(both_desks))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="dataset")
    assert (picker.value, picker.options) == ("helpdesk", ["helpdesk", "complaints"])


def test_the_settings_are_the_complaints_desks_own() -> None:
    complaints, incidents = load_settings(SETTINGS), load_settings(SAMPLE / "ticketloop.toml")
    assert complaints.calendar.timezone == "Europe/Berlin" != incidents.calendar.timezone
    assert complaints.calendar.hours_per_day == 8 != incidents.calendar.hours_per_day
    assert complaints.designed_flow.data == FLOW.read_bytes()
    assert complaints.conformance_method == "alignments"
    assert complaints.sla_for("medium").resolution_hours == 80
    assert complaints.sla != incidents.sla
    assert complaints.targets["ttr_median_hours"].target == 144
    assert complaints.targets != incidents.targets
    # the log's offsets are the desk's zone: the first complaint arrived at 04:34 in Berlin
    with CSV.open(encoding="utf-8") as handle:
        first = next(iter(csv.DictReader(handle)))
    assert first["Timestamp"] == "2025-01-06T04:34:47+01:00"


def test_the_designed_flow_fits_most_complaints_and_finds_the_deviations(
    both_desks: Path,
) -> None:
    truth = _truth()
    selection = Selection(dataset="complaints")
    replay = check_conformance(
        both_desks, selection, model=FLOW, method="token-replay", accepted=()
    )
    assert replay.tickets == 2000
    assert replay.log_fitness > 0.98
    assert 0.85 < replay.fitting_ticket_share < 0.93
    exact = check_conformance(both_desks, selection, model=FLOW, method="alignments", accepted=())
    found = dict(zip(exact.deviations["deviation"], exact.deviations["tickets"], strict=True))
    assert found == {
        "skipped: Satisfaction checked": sum(
            r["satisfaction_check_skipped"] == "true" for r in truth
        ),
        "skipped: Complaint assessed": sum(r["assessment_skipped"] == "true" for r in truth),
    }
    deviating = {
        r["case_id"]
        for r in truth
        if r["satisfaction_check_skipped"] == "true" or r["assessment_skipped"] == "true"
    }
    assert set(exact.non_fitting_tickets) == deviating
    assert exact.fitting_ticket_share == pytest.approx(1 - len(deviating) / 2000)
    # Token replay names the same deviations on the same tickets: each skip, and not the step
    # done after it as unexpected too (it named 'unexpected: Complaint closed' beside them).
    sketch = replay.deviations
    assert dict(zip(sketch["deviation"], sketch["tickets"], strict=True)) == found
    assert sketch["examples"].map(list).tolist() == exact.deviations["examples"].map(list).tolist()


def test_the_kpis_compute_on_the_complaints_desk(both_desks: Path) -> None:
    result = invoke(
        "kpis", "--dataset", "complaints", "--db", str(both_desks),
        "--config", str(SETTINGS), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    kpis = {k["kpi"]: k for k in doc["kpis"]}
    truth = _truth()
    answered = [r for r in truth if r["csat"]]
    resolved = kpis["reopen_rate"]["basis"]
    assert kpis["tickets"]["value"] == 2000
    assert kpis["reopen_rate"]["value"] == pytest.approx(
        sum(r["reopened"] != "0" for r in truth) / resolved
    )
    assert kpis["csat"]["value"] == pytest.approx(
        sum(r["csat"] in ("4", "5") for r in answered) / len(answered)
    )
    assert kpis["survey_response_rate"]["value"] == pytest.approx(len(answered) / 2000)
    assert kpis["escalation_rate"]["value"] == pytest.approx(
        sum(bool(r["escalated_to"]) for r in truth) / 2000
    )
    assert kpis["abandonment_rate"]["value"] == pytest.approx(
        sum(r["abandoned"] == "true" for r in truth) / 2000
    )
    # judged against the complaints desk's targets: days to resolve, not the helpdesk's hours
    assert doc["definitions"]["ttr_median_hours"]["target"] == 144
    assert 3 * 24 < kpis["ttr_median_hours"]["value"] < 10 * 24
    assert {k["status"] for k in doc["kpis"]} >= {"on", "off"}
