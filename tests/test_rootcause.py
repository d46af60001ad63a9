"""Root causes on a hand-made log: lifts, Wilson intervals, the minimum, ties, each target."""

from __future__ import annotations

from pathlib import Path

import pytest

from mining.rootcause import RootCause, rootcause
from mining.selection import Selection
from store.connection import open_store
from store.errors import MiningError
from tests.conftest import at, csv_text, hand_made_store

HEADER = "Case ID,Activity,Timestamp,Resource,Team,Channel,Category,CSAT"


def ticket(case: str, channel: str, agent: str, escalated: bool, resolved_h: int, csat=None):
    rows = [
        (case, "Ticket created", at(0), "Customer", None, channel, "Billing", None),
        (case, "Assigned", at(0.5), agent, "SD", channel, "Billing", None),
    ]
    if escalated:
        rows.append((case, "Escalated", at(0.6), agent, "SD", channel, "Billing", None))
    rows.append((case, "Resolved", at(resolved_h), agent, "SD", channel, "Billing", csat))
    return rows


# phone (ana): 3 of 4 escalated; e-mail (bea): 1 of 6. Resolved after 1..10 hours.
LOG = [
    *ticket("P1", "phone", "ana", True, 1, csat=1),
    *ticket("P2", "phone", "ana", True, 2, csat=2),
    *ticket("P3", "phone", "ana", True, 3, csat=5),
    *ticket("P4", "phone", "ana", False, 4, csat=4),
    *ticket("E1", "e-mail", "bea", True, 5),
    *ticket("E2", "e-mail", "bea", False, 6, csat=1),
    *ticket("E3", "e-mail", "bea", False, 7),
    *ticket("E4", "e-mail", "bea", False, 8),
    *ticket("E5", "e-mail", "bea", False, 9),
    *ticket("E6", "e-mail", "bea", False, 10),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hand_made_store(tmp_path_factory.mktemp("rootcause"), csv_text(HEADER, LOG))


def run(db: Path, target: str, **options) -> RootCause:
    with open_store(db, read_only=True) as con:
        return rootcause(con, Selection("t"), target, **options)


def rows(result: RootCause) -> list[tuple]:
    values = result.values
    return list(
        zip(
            values["attribute"],
            values["value"],
            values["tickets"],
            values["target_tickets"],
            strict=True,
        )
    )


def test_escalated_values_by_lift_ties_by_tickets_then_name(db: Path) -> None:
    result = run(db, "escalated", min_tickets=1)
    assert (result.tickets, result.target_tickets, result.overall_rate) == (10, 4, 0.4)
    assert rows(result) == [
        ("agent", "ana", 4, 3),
        ("channel", "phone", 4, 3),
        ("category", "Billing", 10, 4),
        ("first_team", "SD", 10, 4),
        ("hour", "08", 10, 4),
        ("weekday", "Mon", 10, 4),
        ("agent", "bea", 6, 1),
        ("channel", "e-mail", 6, 1),
    ]
    assert result.absent == ("priority",)
    phone = result.values.iloc[1]
    assert phone.lift == pytest.approx(0.75 / 0.4)
    assert (phone.share_of_target, phone.share_of_all) == (0.75, 0.4)
    assert list(phone.example_tickets) == ["P1", "P2", "P3"]


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [("phone", 0.300642, 0.954413), ("e-mail", 0.030053, 0.563503), ("Billing", 0.16818, 0.687326)],
)
def test_rates_carry_a_95_percent_wilson_interval(
    db: Path, value: str, low: float, high: float
) -> None:
    values = run(db, "escalated", min_tickets=1).values.set_index("value")
    assert values.loc[value, "rate_low"] == pytest.approx(low, abs=1e-6)
    assert values.loc[value, "rate_high"] == pytest.approx(high, abs=1e-6)


def test_values_below_the_minimum_are_left_out(db: Path) -> None:
    assert [r[:2] for r in rows(run(db, "escalated", min_tickets=5))] == [
        ("category", "Billing"),
        ("first_team", "SD"),
        ("hour", "08"),
        ("weekday", "Mon"),
        ("agent", "bea"),
        ("channel", "e-mail"),
    ]
    assert rows(run(db, "escalated")) == []  # the default minimum is 30 tickets


def test_weekday_and_hour_are_read_in_the_selection_zone(db: Path) -> None:
    with open_store(db, read_only=True) as con:
        result = rootcause(
            con, Selection("t", timezone="America/New_York"), "escalated", min_tickets=1
        )
    assert ("hour", "03", 10, 4) in rows(result)


def test_slow_is_above_the_p75_of_the_resolved_tickets(db: Path) -> None:
    result = run(db, "slow", min_tickets=1)
    # times to resolution 1..10 h: p75 is 7.75 h, so 8, 9 and 10 h are slow
    assert (result.tickets, result.target_tickets) == (10, 3)
    assert result.definition.startswith("time to resolution above 7.8 h")
    assert result.population == "resolved tickets"
    assert ("channel", "e-mail", 6, 3) in rows(result)


def test_unhappy_counts_only_tickets_with_an_answer(db: Path) -> None:
    result = run(db, "unhappy", min_tickets=1)
    assert (result.tickets, result.target_tickets) == (5, 3)  # CSAT 1, 2, 5, 4, 1
    assert ("channel", "phone", 4, 2) in rows(result)
    assert ("channel", "e-mail", 1, 1) in rows(result)


def test_deviating_takes_the_tickets_that_do_not_fit(db: Path) -> None:
    deviating = run(db, "deviating", min_tickets=1, non_fitting_tickets=["P1", "P2", "P3", "E1"])
    assert rows(deviating) == rows(run(db, "escalated", min_tickets=1))
    with pytest.raises(MiningError, match="--target deviating needs the tickets that do not fit"):
        run(db, "deviating")


def test_targets_the_log_cannot_define_say_why(tmp_path: Path) -> None:
    db = hand_made_store(
        tmp_path, "Case ID,Activity,Timestamp\nA,Take in charge,2025-01-06T10:00:00Z\n"
    )
    with pytest.raises(
        MiningError, match=r"no selected ticket has a 'Resolved' event.*ticketloop map"
    ):
        run(db, "slow")
    with pytest.raises(MiningError, match="no selected ticket has a CSAT answer"):
        run(db, "unhappy")
    with pytest.raises(MiningError, match="none of the 1 tickets is escalated"):
        run(db, "escalated")
