"""Escalations: each definition's edge cases on a hand-made log, and the sample against its ground
truth."""

from __future__ import annotations

import gzip
import json
import math
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from dashboard import texts
from dashboard.markdown import reason
from dashboard.pages import PAGES
from ingest.load import ingest_files
from ingest.mapping import load_mapping
from mining.escalations import KINDS, Escalations, escalations, flag_tickets
from mining.selection import Selection
from store.connection import open_store
from store.errors import MiningError
from tests.conftest import APP, SAMPLE, app_on, at, csv_text, hand_made_store, write
from ticketloop.cli import cli

HEADER = "Case ID,Activity,Timestamp,Resource,Team,Category,Channel,CSAT"


def ticket(case: str, category: str, channel: str, steps: list[tuple], csat: int | None = None):
    """Rows of one ticket created at hour 0: steps are (activity, hour, resource, team); the
    survey answer, if any, rides on the last row."""
    rows = [(case, "Ticket created", at(0), "Customer", None, category, channel, None)]
    rows += [(case, a, at(h), r, t, category, channel, None) for a, h, r, t in steps]
    if csat is not None:
        rows[-1] = (*rows[-1][:-1], csat)
    return rows


# Billing: 4 of its 5 tickets resolved without escalation, exactly the 0.8 threshold.
BILLING = [
    *ticket("B1", "Billing", "e-mail", [("Resolved", 2, "ana", "SD")], csat=5),
    *ticket("B2", "Billing", "e-mail", [("Resolved", 4, "ana", "SD")], csat=4),
    *ticket("B3", "Billing", "e-mail", [("Resolved", 6, "ana", "SD")]),
    *ticket("B4", "Billing", "e-mail", [("Resolved", 8, "ana", "SD")]),
    *ticket(
        "B5",
        "Billing",
        "e-mail",
        [
            ("Assigned", 1, "ana", "SD"),
            ("Escalated", 2, "ana", "SD"),
            ("Assigned", 3, "luis", "Finance"),
            ("De-escalated", 5, "luis", "Finance"),
            ("Resolved", 10, "ana", "SD"),
        ],
        csat=2,
    ),
]
TECH = [
    # escalated twice: counts once; the first escalation names who and where
    *ticket(
        "T1",
        "Tech",
        "phone",
        [
            ("Assigned", 1, "bea", "SD"),
            ("Escalated", 2, "bea", "SD"),
            ("Assigned", 3, "ivo", "IT"),
            ("Investigation", 4, "ivo", "IT"),
            ("Escalated", 5, "ivo", "IT"),
            ("Assigned", 6, "eva", "Eng"),
            ("Investigation", 8, "eva", "Eng"),
            ("Resolved", 20, "ivo", "IT"),
        ],
        csat=1,
    ),
    # sent back untouched after three Assigned events
    *ticket(
        "T2",
        "Tech",
        "phone",
        [
            ("Assigned", 1, "ana", "SD"),
            ("Escalated", 2, "ana", "SD"),
            ("Assigned", 3, "ivo", "IT"),
            ("Assigned", 4, "ida", "IT"),
            ("Assigned", 5, "luis", "Finance"),
            ("De-escalated", 6, "luis", "Finance"),
            ("Resolved", 7, "ana", "SD"),
        ],
    ),
    # worked on before it came back: no bounce
    *ticket(
        "T3",
        "Tech",
        "phone",
        [
            ("Assigned", 1, "bea", "SD"),
            ("Escalated", 2, "bea", "SD"),
            ("Assigned", 3, "ivo", "IT"),
            ("Investigation", 4, "ivo", "IT"),
            ("De-escalated", 5, "ivo", "IT"),
            ("Resolved", 6, "bea", "SD"),
        ],
        csat=3,
    ),
    # bounced twice (once with nothing between): counts once
    *ticket(
        "T4",
        "Tech",
        "phone",
        [
            ("Assigned", 1, "cid", "SD"),
            ("Escalated", 2, "cid", "SD"),
            ("De-escalated", 3, "cid", "SD"),
            ("Escalated", 4, "cid", "SD"),
            ("Assigned", 5, "ivo", "IT"),
            ("De-escalated", 6, "ivo", "IT"),
            ("Resolved", 7, "cid", "SD"),
        ],
    ),
]


def assignments(case: str, teams: list[str | None]) -> list[tuple]:
    """A ticket assigned to `teams` in turn (None: an Assigned event without a team), then
    resolved at hour 5."""
    steps = [("Assigned", 1 + i / 10, "x", team) for i, team in enumerate(teams)]
    return ticket(case, "Tech", "phone", [*steps, ("Resolved", 5, "x", "SD")])


PING_PONG = [
    *assignments("P1", ["A", "B", "A", "B"]),  # X-Y-X-Y: one ping-pong ticket
    *assignments("P2", ["A", "A", "B"]),  # repeats collapse: A-B
    *assignments("P3", ["A", "B", "C", "A"]),  # back to A, but not right after B
    *assignments("P4", ["A", "A", "B", "B", "A"]),  # collapses to A-B-A
    *assignments("P5", ["A", None, "B", None, "A"]),  # events without a team are skipped
    *ticket("U1", "Tech", "phone", [("Abandoned", 3, "Customer", None)]),
]


@pytest.fixture(scope="module")
def edge_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hand_made_store(
        tmp_path_factory.mktemp("escalations"), csv_text(HEADER, BILLING + TECH + PING_PONG)
    )


def run(db: Path, share: float = 0.8) -> Escalations:
    with open_store(db, read_only=True) as con:
        return escalations(con, Selection("t"), push_to_front_share=share)


def flags(db: Path, share: float = 0.8) -> dict[str, dict[str, object]]:
    with open_store(db, read_only=True) as con:
        flag_tickets(con, Selection("t"), push_to_front_share=share)
        cursor = con.execute("SELECT * FROM ticket_flags")
        names = [d[0] for d in cursor.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def counts(result: Escalations) -> dict[str, int]:
    """Tickets of each kind (escalated, de-escalated, ...)."""
    return {kind: getattr(result, f"{kind}_tickets") for kind in KINDS}


def flagged(db: Path, kind: str, share: float = 0.8) -> list[str]:
    return sorted(case for case, row in flags(db, share).items() if row[kind])


def test_each_kind_counts_a_ticket_once(edge_db: Path) -> None:
    assert flagged(edge_db, "escalated") == ["B5", "T1", "T2", "T3", "T4"]
    assert flagged(edge_db, "bounce_back") == ["B5", "T2", "T4"]
    # Without levels nothing says a move back to the team that escalated is down a level: B5, T1,
    # T3 and T4 (SD, IT, SD and the like, over every event of the agents' side) are ping-pong.
    assert flagged(edge_db, "ping_pong") == ["B5", "P1", "P4", "P5", "T1", "T3", "T4"]
    assert flagged(edge_db, "de_escalated") == ["B5", "T2", "T3", "T4"]
    assert flagged(edge_db, "push_to_front") == ["B5"]
    result = run(edge_db)
    assert (result.tickets, result.needless_escalation_tickets) == (15, 3)
    assert counts(result) == {
        "escalated": 5,
        "de_escalated": 4,
        "bounce_back": 3,
        "ping_pong": 7,
        "push_to_front": 1,
    }
    assert result.needless_escalation_rate == 3 / 5
    assert result.example_tickets == {
        "escalated": ["B5", "T1", "T2", "T3", "T4"],
        "de_escalated": ["B5", "T2", "T3", "T4"],
        "bounce_back": ["B5", "T2", "T4"],
        "ping_pong": ["B5", "P1", "P4", "P5", "T1"],
        "push_to_front": ["B5"],
    }


def test_a_category_at_exactly_the_threshold_is_push_to_front(edge_db: Path) -> None:
    assert flagged(edge_db, "push_to_front", share=0.8) == ["B5"]
    assert flagged(edge_db, "push_to_front", share=0.81) == []
    assert flagged(edge_db, "push_to_front", share=0.5) == ["B5", "T1", "T2", "T3", "T4"]


def test_the_first_escalation_names_who_escalated_and_to_which_team(edge_db: Path) -> None:
    rows = flags(edge_db)
    assert {
        c: (r["escalated_by"], r["escalated_to"]) for c, r in rows.items() if r["escalated"]
    } == {
        "B5": ("ana", "Finance"),
        "T1": ("bea", "IT"),
        "T2": ("ana", "IT"),
        "T3": ("bea", "IT"),
        "T4": ("cid", "IT"),
    }
    assert rows["T1"]["ttr_seconds"] == 20 * 3600
    assert (rows["U1"]["resolved"], rows["U1"]["ttr_seconds"]) == (False, None)


def test_cost_of_escalation_against_tickets_resolved_without_one(edge_db: Path) -> None:
    cost = run(edge_db).cost.iloc[0]
    # escalated: B5 10 h, T1 20, T2 7, T3 6, T4 7; baseline: B1-B4 2, 4, 6, 8 and P1-P5 5 each
    assert (cost.resolved_tickets, cost.ttr_mean_hours) == (5, 10)
    assert (cost.baseline_tickets, cost.baseline_ttr_mean_hours, cost.extra_ttr_hours) == (9, 5, 5)
    # answers: escalated B5 2, T1 1, T3 3; baseline B1 5, B2 4; the others have none
    assert (cost.csat_answers, cost.csat_mean) == (3, 2)
    assert (cost.baseline_csat_answers, cost.baseline_csat_mean, cost.csat_gap) == (2, 4.5, -2.5)


def test_the_cost_compares_tickets_created_in_the_same_months(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """January: resolved without escalation in 2 h, escalated in 4 h; June, when everything is
    slower: 20 h, and escalated in 22 and 24 h. All escalated against all others would say
    16.7 h against 8 h; month by month the escalations cost 2 h and 3 h: 2.7 h, weighed by the
    escalated tickets of each month (1 and 2). March, without escalations, is not compared."""
    rows = []
    for case, day, hours, escalated, csat in (
        ("B1", "2025-01-08", 2, False, 5),
        ("B2", "2025-01-09", 2, False, None),
        ("E1", "2025-01-10", 4, True, 2),
        ("B3", "2025-06-10", 20, False, 4),
        ("E2", "2025-06-11", 22, True, 3),
        ("E3", "2025-06-12", 24, True, None),
        ("B4", "2025-03-12", 50, False, 1),  # a month without escalations: not compared
    ):
        start = datetime.fromisoformat(f"{day}T09:00:00+00:00")
        rows.append((case, "Ticket created", start.isoformat(), csat))
        if escalated:
            rows.append((case, "Escalated", (start + timedelta(minutes=30)).isoformat(), csat))
        rows.append((case, "Resolved", (start + timedelta(hours=hours)).isoformat(), csat))
    db = hand_made_store(tmp_path, csv_text("case_id,activity,timestamp,csat", rows))
    with open_store(db, read_only=True) as con:
        cost = escalations(con, Selection("t")).cost.iloc[0]
    assert (cost.resolved_tickets, cost.baseline_tickets) == (3, 3)
    assert cost.ttr_mean_hours == pytest.approx(50 / 3)
    assert cost.baseline_ttr_mean_hours == pytest.approx((1 * 2 + 2 * 20) / 3)
    assert cost.extra_ttr_hours == pytest.approx(8 / 3)
    # answers: January 2 against 5, June 3 against 4, one answer each side each month (the
    # answers are counted in all months: March's too)
    assert (cost.csat_answers, cost.baseline_csat_answers) == (2, 3)
    assert (cost.csat_mean, cost.baseline_csat_mean, cost.csat_gap) == (2.5, 4.5, -2.0)
    # three tickets a side are too few to read as a finding: the command says so beside each
    # figure, and the page's metrics give none
    text = CliRunner().invoke(cli, ["escalations", "--db", str(db)]).output
    few = "fewer than 30 on a side: too few to read as a finding"
    assert (
        f"+2.7 h (3 escalated and 3 other resolved tickets, of the months that have both); {few}"
        in text
    )
    assert f"-2.00 (2 against 3 answers; {few})" in text
    page = app_on(db, monkeypatch)
    page.switch_page(next(p for p in PAGES if p.module == "escalations").script).run()
    metrics = {m.label: (m.value, m.help) for m in page.metric}
    assert metrics[texts.ESC_METRIC_EXTRA] == (
        "n/a",
        texts.ESC_FEW_HELP.format(what="tickets", n=30),
    )
    assert metrics[texts.ESC_METRIC_CSAT] == (
        "n/a",
        texts.ESC_FEW_HELP.format(what="answers", n=30),
    )


def test_breakdowns_by_category_compare_within_the_category(edge_db: Path) -> None:
    rows = run(edge_db).by("category").set_index("value")
    billing, tech = rows.loc["Billing"], rows.loc["Tech"]
    assert list(rows.index) == ["Tech", "Billing"]  # most escalated first
    assert (billing.tickets, billing.escalated_tickets, billing.push_to_front_tickets) == (5, 1, 1)
    assert (billing.resolved_without_escalation_share, billing.push_to_front_category) == (
        0.8,
        True,
    )
    assert (billing.baseline_tickets, billing.extra_ttr_hours) == (4, 5)
    assert (billing.csat_answers, billing.baseline_csat_answers, billing.csat_gap) == (1, 2, -2.5)
    assert (tech.tickets, tech.escalated_tickets, tech.bounce_back_tickets) == (10, 4, 2)
    assert (tech.ping_pong_tickets, tech.resolved_without_escalation_share) == (6, 0.5)
    assert (tech.ttr_mean_hours, tech.baseline_ttr_mean_hours, tech.extra_ttr_hours) == (10, 5, 5)
    # no answer among Tech's tickets resolved without escalation: no gap, and it says so
    assert (tech.csat_answers, tech.baseline_csat_answers) == (2, 0)
    assert math.isnan(tech.csat_gap)


def test_breakdowns_by_team_and_agent_with_ties_by_name(edge_db: Path) -> None:
    result = run(edge_db)
    teams = result.by("team")
    assert list(zip(teams["value"], teams["escalated_tickets"], strict=True)) == [
        ("IT", 4),
        ("Finance", 1),
    ]
    assert set(teams["baseline_tickets"]) == {9}  # the whole selection's
    agents = result.by("agent")
    assert list(zip(agents["value"], agents["escalated_tickets"], strict=True)) == [
        ("ana", 2),
        ("bea", 2),
        ("cid", 1),
    ]
    assert list(agents["example_tickets"].iloc[0]) == ["B5", "T2"]
    channels = result.by("channel")
    assert list(zip(channels["value"], channels["escalated_tickets"], strict=True)) == [
        ("phone", 4),
        ("e-mail", 1),
    ]


def test_an_empty_selection_is_an_error(edge_db: Path) -> None:
    expected = pytest.raises(MiningError, match="no tickets of data set 't' match: channel fax")
    with open_store(edge_db, read_only=True) as con, expected:
        escalations(con, Selection("t", channel=("fax",)))


def test_a_log_without_escalations_or_teams(tmp_path: Path) -> None:
    db = hand_made_store(
        tmp_path,
        "Case ID,Activity,Timestamp\nA,Take in charge,2025-01-06T10:00:00Z\n"
        "A,Resolve ticket,2025-01-06T11:00:00Z\n",
    )
    result = run(db)
    assert (result.escalated_tickets, result.ping_pong_tickets, result.teams_known) == (0, 0, False)
    assert result.needless_escalation_rate is None
    assert result.example_tickets["escalated"] == []
    assert len(result.breakdowns) == 0


# --- the sample against its ground truth ------------------------------------------------------


@pytest.fixture(scope="module")
def truth_con(sample_db: Path) -> duckdb.DuckDBPyConnection:
    """The sample store with the generator's ground truth beside it, as TEMP table `truth`."""
    with open_store(sample_db, read_only=True) as con:
        con.execute(
            "CREATE TEMP TABLE truth AS SELECT * FROM read_csv($p)",
            {"p": str(SAMPLE / "helpdesk_truth.csv")},
        )
        yield con


def disagreements(con: duckdb.DuckDBPyConnection, ours: str, theirs: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            f"SELECT case_id FROM ticket_flags f JOIN truth t USING (case_id)"
            f" WHERE {ours} IS DISTINCT FROM ({theirs}) ORDER BY case_id"
        ).fetchall()
    ]


def test_escalated_and_bounce_back_equal_the_ground_truth(truth_con) -> None:
    flag_tickets(truth_con, Selection("helpdesk"))
    assert truth_con.execute("SELECT count(*) FROM ticket_flags").fetchall() == [(5000,)]
    assert disagreements(truth_con, "f.escalated", "t.escalated") == []
    assert disagreements(truth_con, "f.bounce_back", "t.sent_back_untouched") == []
    # a bounce-back is always a needless escalation in the generator
    assert disagreements(truth_con, "f.bounce_back AND NOT t.needless_escalation", "false") == []


def test_ping_pong_equals_the_ground_truth(truth_con) -> None:
    """The generator labels bounces between second-level teams. Its escalated tickets also run
    Service Desk, X, Service Desk (and X, Engineering, X) over their events' teams: the answer
    handed back down a level, a de-escalation, which is not ping-pong. A ticket reopened after
    that and assigned to the Service Desk again is not either (its `Assigned` events' teams ran
    Service Desk, X, Service Desk, which the definition on those alone counted)."""
    flag_tickets(truth_con, Selection("helpdesk"))
    assert disagreements(truth_con, "f.ping_pong", "t.ping_pong") == []
    assert truth_con.execute("SELECT count_if(ping_pong) FROM ticket_flags").fetchall() == [(171,)]


@pytest.mark.parametrize(
    ("start", "share"), [(None, 0.8), ("2025-04-07", 0.8), (None, 0.65), ("2025-04-07", 0.75)]
)
def test_push_to_front_equals_the_rule_applied_to_the_ground_truth(
    truth_con, start: str | None, share: float
) -> None:
    """The truth has no push-to-front label: its `needless_escalation` is the generator's intent,
    which no log shows. What is comparable exactly is the rule itself on the truth's columns:
    escalated tickets of categories whose tickets resolved without escalation (resolved by some
    level, never escalated) reach the share, over the same tickets."""
    day = date.fromisoformat(start) if start else None
    flag_tickets(truth_con, Selection("helpdesk", start=day), push_to_front_share=share)
    expected = truth_con.execute(
        """
        WITH selected AS (
            SELECT * FROM truth WHERE $day IS NULL OR created_at >= $day::TIMESTAMP AT TIME ZONE 'UTC'
        ),
        categories AS (
            SELECT category FROM selected GROUP BY category
            HAVING count(*) FILTER (WHERE resolved_by_level IS NOT NULL AND NOT escalated)
                / count(*) >= $share
        )
        SELECT case_id FROM selected
        WHERE escalated AND category IN (SELECT category FROM categories) ORDER BY case_id
        """,
        {"share": share, "day": day},
    ).fetchall()
    ours = truth_con.execute(
        "SELECT case_id FROM ticket_flags WHERE push_to_front ORDER BY case_id"
    ).fetchall()
    assert ours == expected
    if (start, share) == (None, 0.8):
        assert ours == []  # before the rollout no category reaches 80%
    else:
        assert ours


# --- a plain log with teams and levels, no `Escalated` event ----------------------------------

# Each ticket's events: (activity, team) at hours 1, 2, ... Teams by their level: SD and the
# customer-facing `Customer replied` at 1 (the customer's event names the customer, skipped),
# NET and APP at 2, DBA at 3. Hand count of what each ticket is:
LEVELED = {
    # up to NET, worked there, back down to SD: escalated, de-escalated; SD, NET, SD is the answer
    # handed back down a level, not ping-pong
    "E1": [("In Progress", "SD"), ("In Progress", "NET"), ("Resolved", "SD")],
    # up to NET and straight back down, nothing done there: a bounce-back
    "E2": [("In Progress", "SD"), ("Assigned", "NET"), ("In Progress", "SD"), ("Resolved", "SD")],
    # SD, NET, DBA, NET, SD: escalated twice, handed back down twice; no ping-pong
    "E3": [
        ("In Progress", "SD"),
        ("In Progress", "NET"),
        ("In Progress", "DBA"),
        ("In Progress", "NET"),
        ("Resolved", "SD"),
    ],
    # NET, APP, NET at one level: ping-pong (and escalated from SD)
    "P1": [
        ("In Progress", "SD"),
        ("In Progress", "NET"),
        ("In Progress", "APP"),
        ("Wait - User", None),
        ("In Progress", "NET"),
        ("Resolved", "NET"),
    ],
    # NET, SD, NET: down then up again is ping-pong; de-escalated and escalated
    "P2": [("In Progress", "NET"), ("In Progress", "SD"), ("In Progress", "NET")],
    # started at NET and moved down: de-escalated only
    "D1": [("In Progress", "NET"), ("Resolved", "SD")],
    # one team; the customer's reply between its events names the customer: nothing
    "F1": [("In Progress", "SD"), ("Customer replied", "Customer"), ("Resolved", "SD")],
}
HAND_COUNT = {
    "escalated": ["E1", "E2", "E3", "P1", "P2"],
    "de_escalated": ["D1", "E1", "E2", "E3", "P2"],
    "bounce_back": ["E2"],
    "ping_pong": ["P1", "P2"],
}
LEVEL_OF = {"SD": 1, "NET": 2, "APP": 2, "DBA": 3}
# How each way of giving levels names the teams and what else it needs.
NAMED = {"SD": "SD 1st", "NET": "G230 2nd", "APP": "APP 2nd", "DBA": "V5 3rd"}
LEVEL_WORDS = {1: "L1", 2: "Tier 2", 3: "3rd level"}


def leveled_events(how: str) -> list[tuple[str, str, str, str | None, str | None]]:
    """(case, activity, time, team, level text) of LEVELED, the teams named and levelled `how`:
    "mapping" (plain names, levels in [levels]), "column" (a level column in words), "names"
    (level words in the names: 1st, 2nd, 3rd)."""
    out = []
    for case, steps in LEVELED.items():
        for hour, (activity, team) in enumerate(steps, start=1):
            level = LEVEL_OF.get(team or "")
            name = NAMED.get(team, team) if how == "names" and team else team
            word = LEVEL_WORDS[level] if how == "column" and level else None
            out.append((case, activity, at(hour), name, word))
    return out


def leveled_log(tmp_path: Path, fmt: str, how: str) -> Path:
    """The LEVELED log as a CSV or XES file, levelled `how`."""
    events = leveled_events(how)
    if fmt == "csv":
        text = csv_text(
            "Case ID,Activity,Timestamp,Team,Level", [(c, a, t, g, v) for c, a, t, g, v in events]
        )
        return write(tmp_path / "plain.csv", text)
    traces = []
    for case in LEVELED:
        body = "".join(
            "<event>"
            f'<string key="concept:name" value="{a}"/><date key="time:timestamp" value="{t}"/>'
            + (f'<string key="org:group" value="{g}"/>' if g else "")
            + (f'<string key="org:level" value="{v}"/>' if v else "")
            + "</event>"
            for c, a, t, g, v in events
            if c == case
        )
        traces.append(f'<trace><string key="concept:name" value="{case}"/>{body}</trace>')
    xes = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<log xes.version="1.0" xmlns="http://www.xes-standard.org/">{"".join(traces)}</log>\n'
    )
    return write(tmp_path / "plain.xes", xes)


LEVELS_TOML = '[levels]\n"SD" = 1\n"NET" = 2\n"APP" = 2\n"DBA" = 3\n'


@pytest.mark.parametrize("fmt", ["csv", "xes"])
@pytest.mark.parametrize("how", ["mapping", "column", "names"])
def test_levels_make_escalations_without_escalated_events(
    tmp_path: Path, fmt: str, how: str
) -> None:
    mapping = load_mapping(write(tmp_path / "m.toml", LEVELS_TOML)) if how == "mapping" else None
    db = tmp_path / "plain.duckdb"
    ingest_files(db, [leveled_log(tmp_path, fmt, how)], dataset="t", mapping=mapping)
    assert {kind: flagged(db, kind) for kind in HAND_COUNT} == HAND_COUNT
    result = run(db)
    assert result.levels_known
    assert counts(result) == {kind: len(HAND_COUNT.get(kind, [])) for kind in KINDS}
    rows = flags(db)
    # who escalated: nobody named; where to: the team it rose to
    names = NAMED if how == "names" else {t: t for t in NAMED}
    assert {c: r["escalated_to"] for c, r in rows.items() if r["escalated"]} == {
        "E1": names["NET"],
        "E2": names["NET"],
        "E3": names["NET"],
        "P1": names["NET"],
        "P2": names["NET"],
    }


def test_the_advice_to_give_levels_leads_to_escalations(tmp_path: Path) -> None:
    """Without levels the command says how to give them; done as it says, they are there."""
    from click.testing import CliRunner

    from ticketloop.cli import cli
    from ticketloop.render import LEVELS_HINT

    log = leveled_log(tmp_path, "csv", "mapping")
    plain, leveled = str(tmp_path / "plain.duckdb"), str(tmp_path / "leveled.duckdb")
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(log), "--db", plain, "--dataset", "t"]).exit_code == 0
    before = runner.invoke(cli, ["escalations", "--db", plain]).output
    assert "escalated: none, no `Escalated` event and no support levels" in before
    assert LEVELS_HINT in before
    mapping = write(tmp_path / "levels.toml", LEVELS_TOML)
    loaded = runner.invoke(
        cli, ["ingest", str(log), "--db", leveled, "--dataset", "t", "--map", str(mapping)]
    )
    assert loaded.exit_code == 0, loaded.output
    after = runner.invoke(cli, ["escalations", "--db", leveled]).output
    assert "escalated            5  71.4% of tickets  e.g. E1, E2, ..." in after
    assert "de-escalated         5  71.4% of tickets  e.g. D1, E1, ..." in after
    assert LEVELS_HINT not in after


def test_a_resolution_followed_by_work_is_a_reopen_without_reopened_events(tmp_path: Path) -> None:
    from ticketloop.api import Store

    db = hand_made_store(
        tmp_path,
        csv_text(
            "Case ID,Activity,Timestamp,Team",
            [
                ("R1", "Resolved", at(1), "SD"),
                ("R1", "In Progress", at(2), "SD"),  # worked again: reopened
                ("R1", "Resolved", at(3), "SD"),
                ("R2", "Resolved", at(1), "SD"),
                ("R2", "Resolved", at(2), "SD"),  # resolved twice, no work between: not
                ("R2", "Closed", at(3), None),  # the system's, not work
                ("R3", "In Progress", at(1), "SD"),
                ("R3", "Resolved", at(2), "SD"),
                ("R3", "Customer replied", at(3), "Customer"),  # the customer's, not work
            ],
        ),
    )
    rows = {r["kpi"]: r for r in Store(db).select("t").kpis().to_json({})["kpis"]}
    assert rows["reopen_rate"]["value"] == pytest.approx(1 / 3)
    assert rows["reopen_rate"]["examples"] == ["R1"]


def test_reopens_of_the_public_helpdesk_log_equal_pandas_on_the_xes(tmp_path: Path) -> None:
    """The public Helpdesk log has no reopen event: with its resolution mapped, a `Resolve
    ticket` followed by another of its events (its own labels are all the agents') is a reopen,
    counted here with pandas on the file as pm4py reads it."""
    from tests.conftest import REAL_HELPDESK, pm4py_frame, real_log
    from ticketloop.api import Store

    source = real_log(REAL_HELPDESK)
    mapping = write(tmp_path / "m.toml", '[activities]\n"Resolve ticket" = "Resolved"\n')
    db = tmp_path / "h.duckdb"
    ingest_files(db, [source], dataset="h", mapping=load_mapping(mapping))
    rows = {r["kpi"]: r for r in Store(db).select("h").kpis().to_json({})["kpis"]}
    frame = pm4py_frame(source).sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    frame = frame[frame["concept:name"] != "Closed"]  # the system's, not the agents'
    names = frame["concept:name"]
    following = names.groupby(frame["case:concept:name"]).shift(-1)
    reworked = frame[(names == "Resolve ticket") & following.notna()]
    reworked = reworked[following[reworked.index] != "Resolve ticket"]
    resolved = frame.loc[names == "Resolve ticket", "case:concept:name"].nunique()
    reopened = reworked["case:concept:name"].nunique()
    assert (reopened, resolved) == (154, 4569)
    assert rows["reopen_rate"]["value"] == pytest.approx(reopened / resolved)


@pytest.mark.parametrize(
    ("team", "level"),
    [
        ("G230 2nd", 2),
        ("V5 3rd", 3),
        ("SD 1st", 1),
        ("2nd line", 2),
        ("Tier 3", 3),
        ("second line", 2),
        ("Team 4th floor", None),  # an ordinal in the middle of a name says nothing of a level
        ("  ", None),  # a blank name: no level (not the placeholder of an empty [levels])
        ("Service Desk", None),
    ],
)
def test_level_words_in_a_team_s_name(team: str, level: int | None) -> None:
    import duckdb

    from ingest.levels import level_of, level_params

    with duckdb.connect() as con:
        found = con.execute(f"SELECT {level_of('$t')}", {"t": team, **level_params({})})
        assert found.fetchall() == [(level,)]


def _fronts(db: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, str, list[str], dict]:
    """The escalations command's JSON and text, the page's info lines and the KPIs' reasons."""
    runner = CliRunner()
    doc = json.loads(runner.invoke(cli, ["escalations", "--db", str(db), "--json"]).output)
    text = runner.invoke(cli, ["escalations", "--db", str(db)]).output
    kpis = json.loads(runner.invoke(cli, ["kpis", "--db", str(db), "--json"]).output)
    monkeypatch.setenv("TICKETLOOP_DB", str(db))
    st.cache_data.clear()
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page(next(p for p in PAGES if p.module == "escalations").script).run()
    assert not app.exception, app.exception
    return doc, text, [i.value for i in app.info], {k["kpi"]: k["reason"] for k in kpis["kpis"]}


def test_a_flat_export_gives_no_move_it_cannot_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Jira issue CSV alone shows neither moves between teams nor second-level work: the
    command, its JSON, the page and the KPIs that rest on moves say so in one sentence, where
    they printed "escalated: none" and "ping-pong 0 (0.0%)"."""
    db = tmp_path / "flat.duckdb"
    mapping = load_mapping(SAMPLE / "helpdesk_levels.toml")
    ingest_files(db, [SAMPLE / "helpdesk_jira_issues.csv.gz"], dataset="jira", mapping=mapping)
    doc, text, infos, reasons = _fronts(db, monkeypatch)
    why = doc["moves_not_measured"]
    assert why.startswith("the data set holds only flat ticket exports (Jira issue CSV)")
    assert "nor a bounce-back told from a worked de-escalation" in why
    assert "ticketloop ingest FILE --dataset jira" in why
    assert doc["needless_not_measured"] == why
    assert [doc[f"{k}_tickets"] for k in KINDS] == [None] * 5
    assert doc["needless_escalation_rate"] is None
    assert text.splitlines()[1:] == [  # nothing else: no "escalated: none", no "ping-pong 0"
        "",
        "escalated, de-escalated, ping-pong, bounce-back, push-to-front and needless"
        f" escalations: not measured, {why}",
    ]
    assert infos == [texts.ESC_MOVES_NOT_MEASURED.format(why=reason(why))]  # the label as text
    rest = (
        "fcr_rate",
        "escalation_rate",
        "needless_escalation_rate",
        "handoffs_per_ticket",
        "reopen_rate",  # a flat export keeps a ticket's last state: it read 0.0%, on target
    )
    assert {k: reasons[k] for k in rest} == dict.fromkeys(rest, why)
    # with its history loaded too, the figures are back
    ingest_files(db, [SAMPLE / "helpdesk_jira_changelog.json.gz"], dataset="jira", mapping=mapping)
    with open_store(db) as con:
        found = escalations(con, Selection("jira"))
    assert (found.moves_not_measured, found.needless_not_measured) == (None, None)


def test_a_history_without_work_gives_no_bounce_back_it_cannot_tell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample's Jira changelog without its worklogs and starts of progress: every one of its
    1,211 de-escalated tickets would read as a bounce-back (332 with them); the fronts say why
    none is counted, and escalations and ping-pong still are."""
    raw = json.loads(gzip.decompress((SAMPLE / "helpdesk_jira_changelog.json.gz").read_bytes()))
    for issue in raw["issues"]:
        del issue["fields"]["worklog"]
        for history in issue["changelog"]["histories"]:
            history["items"] = [i for i in history["items"] if i["toString"] != "In Progress"]
    bare = write(tmp_path / "changelog.json", json.dumps(raw))
    db = tmp_path / "bare.duckdb"
    mapping = load_mapping(SAMPLE / "helpdesk_levels.toml")
    ingest_files(db, [bare], dataset="jira", mapping=mapping)
    with open_store(db) as con:
        assert escalations(con, Selection("jira")).bounce_back_tickets == 1211
    doc, text, infos, reasons = _fronts(db, monkeypatch)
    why = doc["needless_not_measured"]
    assert why.startswith(
        "none of the data set's 1,211 de-escalated tickets shows work at the second level"
    )
    assert "a bounce-back cannot be told from a worked de-escalation" in why
    assert doc["moves_not_measured"] is None
    assert (doc["escalated_tickets"], doc["ping_pong_tickets"]) == (1556, 171)
    assert (doc["bounce_back_tickets"], doc["needless_escalation_rate"]) == (None, None)
    assert f"bounce-back, push-to-front and needless escalations: not measured, {why}\n" in text
    assert texts.ESC_NOT_MEASURED.format(why=reason(why)) in infos
    assert reasons["needless_escalation_rate"] == why
    assert reasons["escalation_rate"] is None


def test_a_csat_gap_without_answers_says_which_side_has_none() -> None:
    from types import SimpleNamespace

    from ticketloop.render import _csat_gap_text

    def cost(answers: int, baseline: int) -> SimpleNamespace:
        return SimpleNamespace(csat_answers=answers, baseline_csat_answers=baseline)

    assert _csat_gap_text(cost(0, 0)) == "CSAT: no gap, as no ticket has a survey answer"
    assert _csat_gap_text(cost(0, 40)) == (
        "CSAT: no gap, as the escalated tickets have no survey answer (0 against 40)"
    )
    assert _csat_gap_text(cost(3, 0)) == (
        "CSAT: no gap, as the other tickets have no survey answer (3 against 0)"
    )


def test_a_page_table_of_the_log_s_names_downloads_safe_in_a_spreadsheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agent named `=HYPERLINK(...)` in the log: the table a page shows (and its toolbar
    downloads as CSV) holds the name with a leading quote, so a spreadsheet never runs it."""
    rows = []
    for i in range(3):
        case = "=1+1" if i == 0 else f"T{i}"
        rows += [
            (case, "Ticket created", at(i), "customer"),
            (case, "Escalated", at(i + 0.5), '"=HYPERLINK(""http://x"",""y"")"'),
            (case, "Resolved", at(i + 2), "bea"),
        ]
    db = hand_made_store(tmp_path, csv_text("case_id,activity,timestamp,resource", rows))
    page = app_on(db, monkeypatch)
    page.switch_page(next(p for p in PAGES if p.module == "escalations").script).run()
    assert not page.exception, page.exception
    (agents,) = [d.value for d in page.dataframe]
    assert agents["value"].tolist() == ['\'=HYPERLINK("http://x","y")']
    assert sorted(agents["example_tickets"].iloc[0]) == ["'=1+1", "T1", "T2"]  # a list's too


def test_the_page_s_gaps_say_what_they_rest_on(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each row's extra time and CSAT gap beside the tickets and answers they compare, too few
    said where a side has under 30: the sample's Back Office gap rests on 25 answers."""
    page = app_on(sample_db, monkeypatch)
    page.switch_page(next(p for p in PAGES if p.module == "escalations").script).run()
    assert not page.exception, page.exception
    (teams,) = [d.value for d in page.dataframe if "csat_compared" in d.value.columns]
    rows = teams.set_index("value")
    assert rows.loc["Finance", "csat_compared"] == "109 / 1,047"
    assert rows.loc["Back Office", "csat_compared"] == "25 / 1,047, too few"
    assert rows.loc["Finance", "compared"] == "345 / 2,984"
    # the headline's extra time in the tables' unit (it read 36.5 hours above "extra days")
    (table,) = [d for d in page.dataframe if "csat_compared" in d.value.columns]
    label = json.loads(table.proto.columns)["extra_ttr_hours"]["label"]
    extra = next(m.value for m in page.metric if m.label == texts.ESC_METRIC_EXTRA)
    assert label.split()[1] == extra.split()[1], (label, extra)
