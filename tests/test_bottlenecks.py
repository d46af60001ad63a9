"""Bottlenecks on hand-made logs: transitions with ties, waiting for the customer, team queues,
lifecycle pairs, arrivals against resolutions, elapsed and business hours; and the real logs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mining.bottlenecks import Bottlenecks, bottlenecks
from mining.selection import Selection
from store.connection import open_store
from store.settings import Calendar
from tests.conftest import at, csv_text, hand_made_store
from ticketloop.render import bottleneck_notes

HEADER = "Case ID,Activity,Timestamp,Team,Lifecycle"
FRIDAY_17 = 4 * 24 + 9  # hours after Monday 08:00 UTC
NEXT_MONDAY_09 = 7 * 24 + 1

WAITS = [
    ("X", "A", at(0), None, None),
    ("X", "B", at(1), None, None),
    ("X", "C", at(4), None, None),
    ("X", "D", at(6), None, None),
    ("Y", "A", at(0), None, None),
    ("Y", "B", at(3), None, None),
    ("Y", "C", at(4), None, None),
    ("Y", "D", at(6), None, None),
    # waiting for the customer from the request to the reply, a reminder between
    ("Z", "Ticket created", at(0), None, None),
    ("Z", "Information requested", at(1), None, None),
    ("Z", "Reminder", at(3), None, None),
    ("Z", "Customer replied", at(5), None, None),
    ("Z", "Resolved", at(6), None, None),
    # team queues: IT waits 7 h (Fin works between), Fin 2 h, Ops never acts
    ("Q", "Assigned", at(0), "IT", None),
    ("Q", "Assigned", at(1), "Fin", None),
    ("Q", "Investigation", at(3), "Fin", None),
    ("Q", "Investigation", at(7), "IT", None),
    ("Q", "Assigned", at(8), "Ops", None),
    # over a weekend: 64 elapsed hours, 2 business hours
    ("F", "Sent", at(FRIDAY_17), None, None),
    ("F", "Answered", at(NEXT_MONDAY_09), None, None),
]


@pytest.fixture(scope="module")
def waits_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hand_made_store(tmp_path_factory.mktemp("waits"), csv_text(HEADER, WAITS))


def run(db: Path, calendar: Calendar | None = None, timezone: str = "UTC") -> Bottlenecks:
    with open_store(db, read_only=True) as con:
        return bottlenecks(con, Selection("t", timezone=timezone), calendar=calendar)


def test_transitions_rank_by_total_waiting_ties_by_name(waits_db: Path) -> None:
    result = run(waits_db)
    assert result.tickets == 5 and result.clock == "elapsed time"
    rows = result.transitions
    columns = ["from_activity", "to_activity", "transitions", "total_hours"]
    assert list(rows[columns].itertuples(index=False, name=None)) == [
        ("Sent", "Answered", 1, 64),
        ("A", "B", 2, 4),
        ("B", "C", 2, 4),
        ("C", "D", 2, 4),
        ("Investigation", "Investigation", 1, 4),
        ("Assigned", "Investigation", 1, 2),
        ("Information requested", "Reminder", 1, 2),
        ("Reminder", "Customer replied", 1, 2),
        ("Assigned", "Assigned", 1, 1),
        ("Customer replied", "Resolved", 1, 1),
        ("Investigation", "Assigned", 1, 1),
        ("Ticket created", "Information requested", 1, 1),
    ]
    a_b = rows.iloc[1]
    assert (a_b.mean_hours, a_b.median_hours) == (2, 2)
    assert a_b.p90_hours == pytest.approx(2.8)  # 1 h and 3 h, interpolated
    # examples: the longest wait first; equal waits by the ticket loaded first
    assert list(a_b.example_tickets) == ["Y", "X"]
    assert list(rows.iloc[2].example_tickets) == ["X", "Y"]
    assert list(rows.iloc[3].example_tickets) == ["X", "Y"]


def test_waiting_for_the_customer_is_kept_apart(waits_db: Path) -> None:
    result = run(waits_db)
    assert result.waiting_hours == 90
    assert result.customer_hours == 4  # Z: requested at 1 h, a reminder, the reply at 5 h
    assert result.customer_waits is not None
    waits = result.customer_waits.iloc[0]
    assert (waits.requests, waits.tickets, list(waits.example_tickets)) == (1, 1, ["Z"])


def test_a_request_open_until_the_end_and_a_repeated_request(tmp_path: Path) -> None:
    log = [
        # two requests before one reply: one wait, from the first request
        ("R", "Information requested", at(0), None, None),
        ("R", "Information requested", at(2), None, None),
        ("R", "Customer replied", at(3), None, None),
        ("R", "Information requested", at(4), None, None),
        ("R", "Customer replied", at(4.5), None, None),
        # never answered: the wait runs to the ticket's end (it is abandoned), not to its close
        ("S", "Information requested", at(0), None, None),
        ("S", "Abandoned", at(10), None, None),
        ("S", "Closed", at(11), None, None),
        # never answered nor ended: to the ticket's last event
        ("T", "Information requested", at(0), None, None),
        ("T", "Investigation", at(6), None, None),
    ]
    result = run(hand_made_store(tmp_path, csv_text(HEADER, log)))
    waits = result.customer_waits.iloc[0]
    assert (waits.requests, waits.tickets, waits.total_hours) == (4, 3, 3 + 0.5 + 10 + 6)
    assert list(waits.example_tickets) == ["S", "T", "R"]


def test_requests_in_a_log_that_records_no_reply_are_not_customer_waits(tmp_path: Path) -> None:
    log = [
        ("S", "Information requested", at(0), None, None),
        ("S", "Resolved", at(10), None, None),
        ("S", "Closed", at(700), None, None),
    ]
    result = run(hand_made_store(tmp_path, csv_text(HEADER, log)))
    assert result.customer_waits is None and result.customer_hours == 0.0


def test_team_queues_run_from_assigned_to_the_teams_next_activity(waits_db: Path) -> None:
    queues = run(waits_db).team_queues
    assert queues is not None
    assert list(
        zip(
            queues["team"],
            queues["assignments"],
            queues["not_acted_on"],
            queues["total_hours"].fillna(-1),
            strict=True,
        )
    ) == [("IT", 1, 0, 7), ("Fin", 1, 0, 2), ("Ops", 0, 1, -1)]
    assert list(queues["example_tickets"]) == [["Q"], ["Q"], []]


def test_business_hours_skip_the_weekend(waits_db: Path) -> None:
    result = run(waits_db, calendar=Calendar())
    assert result.clock == "business hours (Mon-Fri 08:00-18:00 UTC)"
    first = result.transitions.iloc[0]
    assert (first.from_activity, first.to_activity, first.total_hours) == ("A", "B", 4)
    sent = result.transitions[result.transitions["from_activity"] == "Sent"].iloc[0]
    assert sent.total_hours == pytest.approx(2)
    assert (result.waiting_hours, result.customer_hours) == pytest.approx((28, 4))


def test_arrivals_and_resolutions_by_weekday_and_hour_in_the_zone(waits_db: Path) -> None:
    for zone, hour in (("UTC", 8), ("Europe/Madrid", 9)):
        grid = run(waits_db, timezone=zone).arrivals
        assert len(grid) == 7 * 24 and grid["arrivals"].sum() == 5
        busy = grid[grid["arrivals"] > 0]
        assert list(zip(busy["weekday"], busy["hour"], busy["arrivals"], strict=True)) == [
            (1, hour, 4),
            (5, hour + 9, 1),
        ]
        assert list(busy["example_tickets"].iloc[0]) == ["Q", "X", "Y", "Z"]
        resolved = grid[grid["resolutions"] > 0]
        assert list(zip(resolved["weekday"], resolved["hour"], strict=True)) == [(1, hour + 6)]


def test_logs_without_teams_or_lifecycle_leave_those_parts_absent(waits_db: Path) -> None:
    result = run(waits_db)
    assert result.activity_durations is None
    no_teams = hand_made_store(
        waits_db.parent, csv_text(HEADER, [r for r in WAITS if r[0] != "Q"]), dataset="u"
    )
    with open_store(no_teams, read_only=True) as con:
        assert bottlenecks(con, Selection("u")).team_queues is None


LIFECYCLE = [
    # W: two overlapping runs, paired first in, first out
    ("L", "W", at(0), None, "start"),
    ("L", "W", at(1), None, "start"),
    ("L", "W", at(3), None, "complete"),
    ("L", "W", at(6), None, "complete"),
    # V: a complete with no start before it is unpaired; U never completes: no instance
    ("L", "V", at(0.2), None, "complete"),
    ("L", "U", at(0.3), None, "start"),
    ("L", "V", at(0.4), None, "start"),
    ("L", "V", at(2), None, "COMPLETE"),
    ("M", "W", at(0), None, "schedule"),
    ("M", "W", at(1), None, "start"),
    ("M", "W", at(1.5), None, "complete"),
]


def test_activity_durations_pair_start_and_complete_first_in_first_out(tmp_path: Path) -> None:
    db = hand_made_store(tmp_path, csv_text(HEADER, LIFECYCLE))
    durations = run(db).activity_durations
    assert durations is not None
    rows = durations.set_index("activity")
    assert list(rows.index) == ["W", "V"]
    assert (rows.loc["W", "pairs"], rows.loc["W", "unpaired"]) == (3, 0)
    assert rows.loc["W", "total_hours"] == 3 + 5 + 0.5
    assert rows.loc["W", "median_hours"] == 3
    assert list(rows.loc["W", "example_tickets"]) == ["L", "M"]
    assert (rows.loc["V", "pairs"], rows.loc["V", "unpaired"]) == (1, 1)
    assert rows.loc["V", "total_hours"] == pytest.approx(1.6)


def test_the_command_gives_durations_in_units_that_fit_them(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ticketloop.cli import cli

    db = hand_made_store(tmp_path, csv_text(HEADER, LIFECYCLE))
    out = CliRunner().invoke(cli, ["bottlenecks", "--db", str(db)]).output
    section = out.split("Activity durations")[1].split("\n\n")[0].splitlines()
    assert section[1].split()[3:7] == ["total", "mean", "median", "p90"]
    w = section[2].split()
    assert w[:3] == ["W", "3", "0"] and w[3:11] == ["8.5", "h", "2.8", "h", "3.0", "h", "4.6", "h"]
    assert section[3].split()[3:5] == ["1.6", "h"]  # V: 96 minutes, one pair
    assert len(section) == 4  # U, started and never completed, is no activity instance


@pytest.mark.parametrize(
    "name", ["helpdesk.xes.gz", pytest.param("bpic2012.xes.gz", marks=pytest.mark.slow)]
)
def test_the_real_logs(name: str, real_logs: Path, tmp_path: Path) -> None:
    """Public logs with none of our labels: no teams; BPI 2012 has lifecycle start/complete."""
    from ingest.load import ingest_files

    db = tmp_path / "real.duckdb"
    report = ingest_files(db, [real_logs / name], dataset="real")
    with open_store(db, read_only=True) as con:
        result = bottlenecks(con, Selection("real"))
    assert result.tickets == report.cases
    # BPI 2012's activity instances are its 164,506 COMPLETE events (of 262,200)
    instances = 164_506 if name == "bpic2012.xes.gz" else report.events_loaded
    steps = result.transitions["transitions"].sum() + result.after_resolution["transitions"].sum()
    assert steps == instances - report.cases
    assert result.team_queues is None
    assert (result.activity_durations is not None) == (name == "bpic2012.xes.gz")
    assert result.customer_waits is None
    if name == "helpdesk.xes.gz":  # its 2 `RESOLVED` of 4,580 tickets: it says 'Resolve ticket'
        assert result.resolutions_unread == (
            "only 2 `Resolved` events for 4,580 tickets in the data set: the log records it"
            " otherwise (map its label on the Data page, or with ticketloop map: [activities]"
            ' "Resolve ticket" = "Resolved")'
        )
        said = "resolutions (by weekday and hour, and which waits come after them): "
        assert said + result.resolutions_unread in bottleneck_notes(result)
    else:  # BPI 2012 ends its applications otherwise
        assert result.resolutions_unread.startswith("no `Resolved` event in the data set")


def test_a_chart_s_rows_give_a_label_wrapped_on_two_lines_room() -> None:
    """BPI 2012's transitions wrap on two lines: at one line's height their labels overlapped."""
    from dashboard import charts

    long = "W_Completeren aanvraag → W_Completeren aanvraag"
    rows = pd.DataFrame({"median_hours": [1.0, 2.0], "p90_hours": [3.0, 4.0], "n": [5, 6]})
    one, two = (
        charts.wait_ranges(rows, labels, "", count="n") for labels in (["a", "b"], [long, "b"])
    )
    assert two.layout.height - one.layout.height == 2 * 14


ENDS = [
    # resolved, closed two days later, a survey after: both steps after resolution
    ("A", "Ticket created", at(0), None, None),
    ("A", "Resolved", at(2), None, None),
    ("A", "Closed", at(50), None, None),
    ("A", "Survey answered", at(80), None, None),
    # reopened and resolved again: only the steps from the last `Resolved` on are after it
    ("B", "Ticket created", at(0), None, None),
    ("B", "Resolved", at(1), None, None),
    ("B", "Reopened", at(10), None, None),
    ("B", "Assigned", at(12), None, None),
    ("B", "Resolved", at(14), None, None),
    ("B", "Closed", at(20), None, None),
    # reopened and still open: no end, nothing after it
    ("C", "Ticket created", at(0), None, None),
    ("C", "Resolved", at(1), None, None),
    ("C", "Reopened", at(5), None, None),
    # rejected: the rejection is its end
    ("D", "Ticket created", at(0), None, None),
    ("D", "Rejected", at(1), None, None),
    ("D", "Closed", at(3), None, None),
    # closed without an outcome: the close is its end
    ("E", "Ticket created", at(0), None, None),
    ("E", "Investigation", at(2), None, None),
    ("E", "Closed", at(4), None, None),
    ("E", "Survey answered", at(5), None, None),
    # a request answered after the resolution: the customer's wait stops at the resolution
    ("F", "Ticket created", at(0), None, None),
    ("F", "Information requested", at(1), None, None),
    ("F", "Resolved", at(5), None, None),
    ("F", "Customer replied", at(9), None, None),
    ("F", "Closed", at(10), None, None),
    # a request after the resolution is no wait for the customer
    ("G", "Ticket created", at(0), None, None),
    ("G", "Resolved", at(1), None, None),
    ("G", "Information requested", at(2), None, None),
    ("G", "Customer replied", at(3), None, None),
]
BEFORE = {  # (from, to): (steps, hours), counted by hand on ENDS
    ("Ticket created", "Resolved"): (4, 2 + 1 + 1 + 1),
    ("Resolved", "Reopened"): (2, 9 + 4),
    ("Reopened", "Assigned"): (1, 2),
    ("Assigned", "Resolved"): (1, 2),
    ("Ticket created", "Rejected"): (1, 1),
    ("Ticket created", "Investigation"): (1, 2),
    ("Investigation", "Closed"): (1, 2),
    ("Ticket created", "Information requested"): (1, 1),
    ("Information requested", "Resolved"): (1, 4),
}
AFTER = {
    ("Resolved", "Closed"): (2, 48 + 6),
    ("Closed", "Survey answered"): (2, 30 + 1),
    ("Rejected", "Closed"): (1, 2),
    ("Resolved", "Customer replied"): (1, 4),
    ("Customer replied", "Closed"): (1, 1),
    ("Resolved", "Information requested"): (1, 1),
    ("Information requested", "Customer replied"): (1, 1),
}


def _steps(frame) -> dict[tuple[str, str], tuple[int, float]]:
    return {
        (r.from_activity, r.to_activity): (r.transitions, r.total_hours) for r in frame.itertuples()
    }


def test_waits_after_resolution_are_left_out_of_the_ranking_and_kept_apart(
    tmp_path: Path,
) -> None:
    db = hand_made_store(tmp_path, csv_text(HEADER, ENDS))
    result = run(db)
    assert _steps(result.transitions) == BEFORE
    assert not result.transitions["after_resolution"].any()
    assert _steps(result.after_resolution) == AFTER
    assert result.waiting_hours == sum(h for _, h in BEFORE.values()) == 32
    assert result.after_resolution_hours == sum(h for _, h in AFTER.values()) == 94
    waits = result.customer_waits.iloc[0]  # F's request alone, up to its resolution
    assert (waits.requests, waits.tickets, waits.total_hours) == (1, 1, 4)
    assert result.waiting_hours - result.customer_hours == 28  # internal, never negative
    with open_store(db, read_only=True) as con:
        everything = bottlenecks(con, Selection("t"), include_after_resolution=True)
    assert _steps(everything.transitions) == BEFORE | AFTER
    assert everything.after_resolution.empty and everything.waiting_hours == 126
    first = everything.transitions.iloc[0]
    assert (first.from_activity, first.to_activity, first.after_resolution) == (
        "Resolved",
        "Closed",
        True,
    )


def test_the_waits_the_customer_feels_keep_their_totals(sample_db: Path) -> None:
    """On the sample, leaving the waits after resolution out changes no other transition: each
    keeps its count, total and examples, and the two parts add up to all the waiting."""
    with open_store(sample_db, read_only=True) as con:
        felt = bottlenecks(con, Selection("helpdesk"))
        every = bottlenecks(con, Selection("helpdesk"), include_after_resolution=True)
    assert set(_steps(felt.after_resolution)) == {
        ("Resolved", "Closed"),
        ("Closed", "Survey answered"),
        ("Rejected", "Closed"),
        ("Abandoned", "Closed"),
    }
    before = every.transitions[~every.transitions["after_resolution"]].reset_index(drop=True)
    assert felt.transitions.equals(before)
    assert felt.waiting_hours + felt.after_resolution_hours == pytest.approx(every.waiting_hours)
    assert felt.after_resolution_hours / 24 == pytest.approx(11_456.9, abs=0.1)
    top = felt.transitions.iloc[0]
    assert (top.from_activity, top.to_activity, top.transitions) == (
        "Assigned",
        "Investigation",
        1592,
    )


def test_the_waits_alone_are_the_waits_of_the_whole(sample_db: Path) -> None:
    """What the weekly review reads (waits_only) is the same waits, without the rest."""
    with open_store(sample_db, read_only=True) as con:
        whole = bottlenecks(con, Selection("helpdesk"))
        waits = bottlenecks(con, Selection("helpdesk"), waits_only=True)
    assert waits.transitions.equals(whole.transitions)
    assert waits.after_resolution.equals(whole.after_resolution)
    assert waits.waiting_hours == whole.waiting_hours and waits.tickets == whole.tickets
    assert whole.arrivals is not None and waits.arrivals is None


def test_the_command_leaves_them_out_in_one_line_and_the_flag_ranks_them(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ticketloop.api import Store
    from ticketloop.cli import cli

    db = hand_made_store(tmp_path, csv_text(HEADER, ENDS))
    out = CliRunner().invoke(cli, ["bottlenecks", "--db", str(db)]).output
    assert "  Resolved -> Closed" not in out
    assert (
        "note: waits after resolution left out: Resolved -> Closed, Closed -> Survey answered,"
        " Resolved -> Customer replied, ... (9 steps, 3.9 days in all);"
        " --include-after-resolution adds them"
    ) in out.splitlines()
    out = CliRunner().invoke(cli, ["bottlenecks", "--db", str(db), "--include-after-resolution"])
    assert out.exit_code == 0
    lines = out.output.splitlines()
    assert lines[4].split()[:4] == ["Resolved", "->", "Closed", "2"]
    assert not any("left out" in line for line in lines)
    api = Store(db).select("t")
    assert api.bottlenecks().after_resolution_hours == 94
    assert api.bottlenecks(include_after_resolution=True).waiting_hours == 126


def test_resolutions_are_read_where_other_kpis_that_need_them_are_not(tmp_path: Path) -> None:
    """`Resolved` events but no `Escalated` nor `Reopened` one: first-contact resolution cannot be
    told, but the resolutions are read (BPI 2012 mapped said they were not, with FCR's reason)."""
    log = [
        (case, activity, at(hours), None, None)
        for n, case in enumerate(("A", "B"))
        for activity, hours in (("Ticket created", n), ("Assigned", n + 1), ("Resolved", n + 3))
    ]
    db = hand_made_store(tmp_path, csv_text("case_id,activity,timestamp,resource,team", log))
    result = run(db)
    assert result.resolutions_unread is None
    assert result.arrivals["resolutions"].sum() == 2
