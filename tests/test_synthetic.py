"""The synthetic helpdesk and the designed flow: deterministic, realistic, readable by pm4py."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from itertools import chain
from pathlib import Path
from statistics import mean, median, stdev
from xml.etree import ElementTree

import pytest

from store.vocabulary import CANONICAL_ACTIVITIES
from tests.conftest import SAMPLE
from ticketloop.synthetic import (
    L1_AGENTS,
    L2_TEAMS,
    L3_AGENTS,
    ROLLOUT,
    WEEK_MIN,
    Staff,
    generate,
    simulate,
)

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = generate(300, 11, tmp_path / "a")
    b = generate(300, 11, tmp_path / "b")
    c = generate(300, 12, tmp_path / "c")
    for kind in ("csv", "xes", "truth"):
        assert a[kind].read_bytes() == b[kind].read_bytes()
        assert a[kind].read_bytes() != c[kind].read_bytes()


@pytest.mark.slow
def test_the_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    fresh = generate(5000, 7, tmp_path, vendors=True)
    for kind, path in fresh.items():
        committed = SAMPLE / path.name
        assert path.read_bytes() == committed.read_bytes(), f"{kind}: run `make sample`"


def _truth() -> list[dict[str, str]]:
    with (SAMPLE / "helpdesk_truth.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _share(rows: list[dict[str, str]], column: str) -> float:
    return sum(r[column] == "true" for r in rows) / len(rows)


def test_the_knowledge_base_rollout_cuts_needless_escalations() -> None:
    truth = _truth()
    before = [r for r in truth if r["after_rollout"] == "false"]
    after = [r for r in truth if r["after_rollout"] == "true"]
    assert len(before) > 2000 and len(after) > 2000
    assert _share(before, "needless_escalation") > 2.5 * _share(after, "needless_escalation")
    assert _share(after, "kb_consulted") > 2 * _share(before, "kb_consulted")
    assert all(
        (r["created_at"][:10] >= ROLLOUT.isoformat()) == (r["after_rollout"] == "true")
        for r in truth
    )


def _escalation_steps(stable: bool, weeks: range, seeds: range) -> list[list[float]]:
    """Per week in `weeks`, per seed: the share of tickets escalated in the 6 weeks from that week
    less the share in the 6 weeks before (3,000 tickets a desk, as issue 18's placebo tests)."""
    steps: list[list[float]] = [[] for _ in weeks]
    for seed in seeds:
        counts = [[0, 0] for _ in range(26)]
        for ticket in simulate(3000, seed, stable=stable):
            week = counts[int(ticket.created // WEEK_MIN)]
            week[0] += bool(ticket.truth["escalated"])
            week[1] += 1
        for i, w in enumerate(weeks):
            after, before = counts[w : w + 6], counts[w - 6 : w]
            steps[i].append(
                sum(e for e, _ in after) / sum(n for _, n in after)
                - sum(e for e, _ in before) / sum(n for _, n in before)
            )
    return steps


def test_a_stable_desk_escalates_the_same_share_before_and_after_any_monday() -> None:
    """Issue 18: seed 11's stable desk escalated 33.2% of its tickets in the 6 weeks before
    2025-03-17 and 42.3% after. Over 12 desks, the step at each placebo Monday (2025-02-17 to
    2025-05-26) averages within 4 standard errors of nothing; the rollout's desk steps at its date."""
    seeds = range(1, 13)
    for step in _escalation_steps(True, range(6, 21), seeds):
        assert abs(mean(step)) < 4 * stdev(step) / len(seeds) ** 0.5, step
    (rollout,) = _escalation_steps(False, range(13, 14), seeds)
    assert mean(rollout) < -8 * stdev(rollout) / len(seeds) ** 0.5, rollout


def test_the_staff_grows_with_the_volume() -> None:
    assert Staff.for_volume(5000) == Staff(L1_AGENTS, L2_TEAMS, L3_AGENTS, rota_slots=1)
    big = Staff.for_volume(100_000)
    names = [*big.l1, *chain.from_iterable(big.l2.values()), *big.l3]
    assert (len(big.l1), len(big.l2["Finance"]), big.rota_slots) == (160, 40, 20)
    assert len(set(names)) == len(names) == 460


def _figures(tickets: int) -> dict[str, float]:
    """Seed 7's median duration and first response (minutes), and its escalation shares."""
    durations, first_responses, escalated, needless = [], [], 0, 0
    for ticket in simulate(tickets, seed=7):
        durations.append(ticket.events[-1].at - ticket.events[0].at)
        first_responses += [
            e.at - ticket.created for e in ticket.events if e.activity == "First response"
        ]
        escalated += bool(ticket.truth["escalated"])
        needless += bool(ticket.truth["needless_escalation"])
    return {
        "duration": median(durations),
        "first response": median(first_responses),
        "escalated": escalated / tickets,
        "needless escalation": needless / tickets,
    }


def test_the_medians_hold_at_any_size() -> None:
    """Within 15% of the sample's 5,000 tickets at 20,000; the medians at 1,000 too.

    At 1,000 tickets the shares are left out: sampling alone moves a share of 11% by 9% (one
    standard error), and seed 7 draws high there (the shares over 60 seeds match the sample's).
    """
    reference, small, large = (_figures(n) for n in (5000, 1000, 20_000))
    for name, value in reference.items():
        assert large[name] == pytest.approx(value, rel=0.15), name
    for name in ("duration", "first response"):
        assert small[name] == pytest.approx(reference[name], rel=0.15), name


def test_the_sample_has_the_deviations_a_real_desk_shows() -> None:
    truth = _truth()
    for column, low, high in [
        ("escalated", 0.2, 0.45),
        ("needless_escalation", 0.05, 0.2),
        ("ping_pong", 0.01, 0.1),
        ("reopened", 0.02, 0.1),
        ("rejected", 0.01, 0.06),
        ("abandoned", 0.02, 0.12),
        ("skipped_classification", 0.02, 0.1),
        ("first_response_breached", 0.03, 0.3),
    ]:
        assert low < _share(truth, column) < high, column
    answered = [r for r in truth if r["csat"]]
    assert 0.25 < len(answered) / len(truth) < 0.45
    by_escalation = {
        flag: [int(r["csat"]) for r in answered if r["escalated"] == flag]
        for flag in ("true", "false")
    }
    assert sum(by_escalation["true"]) / len(by_escalation["true"]) < sum(
        by_escalation["false"]
    ) / len(by_escalation["false"])


def test_mondays_queue_up() -> None:
    from datetime import datetime

    truth = _truth()
    breaches = Counter()
    tickets = Counter()
    for r in truth:
        weekday = datetime.fromisoformat(r["created_at"]).weekday()
        tickets[weekday] += 1
        breaches[weekday] += r["first_response_breached"] == "true"
    assert breaches[0] / tickets[0] > 3 * breaches[3] / tickets[3]
    assert tickets[0] > 1.2 * tickets[3]


def test_designed_flow_has_four_lanes_and_only_canonical_tasks() -> None:
    root = ElementTree.parse(SAMPLE / "designed_flow.bpmn").getroot()
    lanes = [lane.get("name") for lane in root.iter(f"{BPMN}lane")]
    assert lanes == [
        "Customer",
        "First level (service desk)",
        "Second level (back office, IT, finance, specialists)",
        "Process owner",
    ]
    tasks = {t.get("name") for t in root.iter(f"{BPMN}task")}
    assert tasks <= set(CANONICAL_ACTIVITIES)
    assert not list(root.iter(f"{BPMN}inclusiveGateway"))
    shapes = {
        s.get("bpmnElement")
        for s in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")
    }
    assert {t.get("id") for t in root.iter(f"{BPMN}task")} <= shapes  # drawable in BPMN editors


@pytest.fixture(scope="module")
def pm4py():
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    import pm4py

    return pm4py


def test_designed_flow_converts_to_a_sound_petri_net(pm4py) -> None:
    from pm4py.algo.analysis.woflan import algorithm as woflan

    net, initial, final = pm4py.convert_to_petri_net(
        pm4py.read_bpmn(str(SAMPLE / "designed_flow.bpmn"))
    )
    assert woflan.apply(net, initial, final, parameters={"print_diagnostics": False})
    labels = {t.label for t in net.transitions if t.label}
    assert labels == set(CANONICAL_ACTIVITIES) - {"Reopened", "Abandoned"}
