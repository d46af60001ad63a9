"""Conformance: log fitness equal to pm4py's on the same log and model (the sample with the designed
flow, the public Helpdesk log with a model in its raw labels), weekly figures, deviations and their
costs on a hand-made log, the cache in the store, and the errors a user can meet."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ingest.load import ingest_files
from mining import conformance as conformance_module
from mining.conformance import check_conformance
from mining.selection import Selection
from store.connection import open_store
from store.errors import MiningError, ModelError, SettingsError
from store.settings import load_settings
from tests.conftest import REAL_BPI2012, REAL_HELPDESK, ROOT, SAMPLE, pm4py_frame, rows, write
from ticketloop.text import conformance_lines

# pm4py's alignments, called here for reference, warn about numpy matrices on every trace.
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

DESIGNED_FLOW = ROOT / "sample_logs" / "designed_flow.bpmn"
METHODS = ("token-replay", "alignments")


def pm4py_fitness(frame, model: Path, method: str) -> dict:
    import pm4py

    net, initial, final = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(model)))
    if method == "alignments":
        return pm4py.fitness_alignments(frame, net, initial, final)
    return pm4py.fitness_token_based_replay(frame, net, initial, final)


def assert_same_as_pm4py(result, theirs: dict) -> None:
    assert result.log_fitness == pytest.approx(theirs["log_fitness"], abs=1e-9)
    assert 100 * result.fitting_ticket_share == pytest.approx(
        theirs["percentage_of_fitting_traces"], abs=1e-9
    )


@pytest.mark.parametrize("method", METHODS)
def test_the_sample_against_the_designed_flow_equals_pm4py(
    method: str, writable_sample_db: Path
) -> None:
    result = check_conformance(
        writable_sample_db, Selection("helpdesk"), model=DESIGNED_FLOW, method=method
    )
    assert_same_as_pm4py(
        result, pm4py_fitness(pm4py_frame(SAMPLE / "helpdesk.csv"), DESIGNED_FLOW, method)
    )
    assert result.tickets == result.weekly["tickets"].sum() == 5000
    assert result.replayed == result.variants and result.cached
    repeated = "the model repeats labels ('Assigned' x3, 'Escalated' x2)"
    assert any(note.startswith(repeated) for note in result.notes) == (method == "token-replay")


@pytest.mark.slow
def test_a_model_in_the_raw_labels_of_the_public_helpdesk_log(
    real_helpdesk_db: Path, tmp_path: Path
) -> None:
    """pm4py discovers a model from the raw XES ('RESOLVED', which the store calls 'Resolved');
    the tickets are checked with their source labels, and fitness equals pm4py's."""
    import pm4py

    frame = pm4py_frame(REAL_HELPDESK)
    model = tmp_path / "raw.bpmn"
    tree = pm4py.discover_process_tree_inductive(frame, noise_threshold=0.2)
    pm4py.write_bpmn(pm4py.convert_to_bpmn(tree), str(model), auto_layout=False)
    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)
    for method in METHODS:
        result = check_conformance(db, Selection("helpdesk"), model=model, method=method)
        assert result.source_labels
        assert_same_as_pm4py(result, pm4py_fitness(frame, model, method))
    assert result.notes == (
        "the model names the source file's labels, so tickets are checked with those",
    )


@pytest.mark.slow
def test_token_replay_on_thousands_of_variants_equals_pm4py(
    real_bpi2012_db: Path, tmp_path: Path
) -> None:
    """BPI 2012's completed activities (4,336 variants of 13,087 tickets, as the store keeps its
    activity instances) against a model pm4py discovers from them: our replay of each variant
    once, weighted by its tickets, gives pm4py's log fitness over every trace to 1e-6."""
    import pm4py

    frame = pm4py_frame(REAL_BPI2012)
    frame = pm4py.format_dataframe(
        frame[frame["lifecycle:transition"].str.upper() == "COMPLETE"].reset_index(drop=True)
    )
    model = tmp_path / "bpi.bpmn"
    tree = pm4py.discover_process_tree_inductive(frame, noise_threshold=0.2)
    pm4py.write_bpmn(pm4py.convert_to_bpmn(tree), str(model), auto_layout=False)
    db = tmp_path / "bpi.duckdb"
    shutil.copy(real_bpi2012_db, db)
    result = check_conformance(db, Selection("helpdesk"), model=model, method="token-replay")
    theirs = pm4py_fitness(frame, model, "token-replay")
    assert (result.variants, result.tickets) == (4336, 13087)
    assert result.log_fitness == pytest.approx(theirs["log_fitness"], abs=1e-6)
    assert 100 * result.fitting_ticket_share == pytest.approx(
        theirs["percentage_of_fitting_traces"], abs=1e-6
    )


NET_ORDERS = """
import json, sys
from mining.bpmn import read_model_file
from mining.pm4py_bridge import petri_net

net = petri_net(read_model_file(__import__("pathlib").Path(sys.argv[1]))).net
nodes = [*net.places, *net.transitions]
groups = [net.places, net.transitions, net.arcs]
groups += [n.in_arcs for n in nodes] + [n.out_arcs for n in nodes]
print(json.dumps([[repr(x) for x in group] for group in groups]))
"""


def test_the_net_iterates_in_one_order_run_after_run() -> None:
    """pm4py hashes a net's places, transitions and arcs by memory address, so its sets iterate
    them in an order that changes with whatever was allocated before, and token replay (which
    tries silent transitions in that order) or alignments (which take the first of equally good
    alignments) give some variants other results from run to run. Ours iterate in one order:
    in this process, after memory has moved on, and in a process of its own."""

    def orders() -> list[list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", NET_ORDERS, str(DESIGNED_FLOW)],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    namespace: dict = {}
    sys.argv, argv = ["orders", str(DESIGNED_FLOW)], sys.argv
    try:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(NET_ORDERS, namespace)  # in this process, as much allocated as a test run has
    finally:
        sys.argv = argv
    assert json.loads(printed.getvalue()) == orders()


def _exits_at_once(start):
    return lambda _args, **kw: start(["false"], **kw)


def _cannot_start(_start):
    def refused(_args, **_kw):
        raise PermissionError("not allowed here")

    return refused


@pytest.mark.parametrize("failing", [_exits_at_once, _cannot_start])
def test_what_a_failed_worker_process_took_is_replayed_by_the_caller(
    failing, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mining import pm4py_bridge
    from mining.bpmn import read_model_file

    monkeypatch.setattr(pm4py_bridge.subprocess, "Popen", failing(subprocess.Popen))
    model = pm4py_bridge.petri_net(read_model_file(DESIGNED_FLOW))
    variants = [
        ("Ticket created", "Assigned", "Resolved", "Closed"),
        ("Ticket created", "Assigned", "First response", "Resolved", "Closed"),
        ("Ticket created", "Classified", "Escalated", "Resolved"),
    ]
    shared = pm4py_bridge._spread(model, [[v] for v in variants], "token-replay", 1, None)
    assert shared == pm4py_bridge.replay_variants(model, variants, "token-replay")


def _shuffled_paths(sample_db: Path, every: int = 1) -> list[tuple[str, ...]]:
    """Variants off the designed flow: each `every`-th path of the sample, twice (the second
    time shuffled further), with steps swapped at random."""
    import random

    paths = rows(
        sample_db,
        "SELECT list(a.name ORDER BY e.event_index) FROM events e JOIN activities a"
        " USING (activity_id) GROUP BY e.case_key ORDER BY e.case_key",
    )[::every]
    shuffle = random.Random(7)
    variants = set()
    for (path,) in paths * 2:
        for _ in range(2):
            k = shuffle.randrange(1, len(path) - 1)
            path[k], path[k + 1] = path[k + 1], path[k]
        variants.add(tuple(path))
    return sorted(variants)


def _event_log(variants: list[tuple[str, ...]]):
    from pm4py.objects.log.obj import Event, EventLog, Trace

    return EventLog([Trace([Event({"concept:name": a}) for a in v]) for v in variants])


def test_what_our_nets_remember_of_markings_changes_nothing_pm4py_replays(
    sample_db: Path,
) -> None:
    """Our nets remember what each marking enables (pm4py_bridge._remember_markings): pm4py's
    token replay gives each of hundreds of traces off the flow the same result, every field of
    it, as when it works each marking out anew."""
    import pm4py

    from mining import pm4py_bridge
    from mining.bpmn import read_model_file

    variants = _shuffled_paths(sample_db, every=6)
    assert len(variants) > 600
    model = pm4py_bridge.petri_net(read_model_file(DESIGNED_FLOW))
    log = _event_log(variants)
    remembered = pm4py.conformance_diagnostics_token_based_replay(
        log, model.net, model.initial, model.final
    )
    assert len(model.net.by_marking) > 100  # it did remember, a few hundred markings
    del model.net.by_marking  # pm4py's functions as they are
    anew = pm4py.conformance_diagnostics_token_based_replay(
        log, model.net, model.initial, model.final
    )
    assert remembered == anew
    assert {r["trace_is_fit"] for r in anew} == {True, False}


@pytest.mark.slow
def test_replays_shared_with_a_worker_process_are_pm4pys_and_one_process_alone(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of variants (the sample's paths, each with steps swapped at random) replayed
    on the designed flow by this process with a worker process give, variant by variant, what
    this process gives alone, and what pm4py's token replay gives each trace on the same net
    working out each marking anew."""
    import pm4py

    from mining import pm4py_bridge
    from mining.bpmn import read_model_file

    variants = _shuffled_paths(sample_db)
    assert len(variants) > 3000
    model = pm4py_bridge.petri_net(read_model_file(DESIGNED_FLOW))
    monkeypatch.setattr(pm4py_bridge, "SPREAD_FROM", {"token-replay": 10**9})
    alone = pm4py_bridge.replay_variants(model, variants, "token-replay")
    size = pm4py_bridge.REPLAY_CHUNK["token-replay"]
    chunks = [variants[i : i + size] for i in range(0, len(variants), size)]
    shared = pm4py_bridge._spread(model, chunks, "token-replay", 1, None)
    del model.net.by_marking  # pm4py's functions as they are
    theirs = pm4py.conformance_diagnostics_token_based_replay(
        _event_log(variants), model.net, model.initial, model.final
    )

    def tokens(replay) -> tuple:
        return replay.missing, replay.consumed, replay.remaining, replay.produced, replay.fits

    assert [tokens(r) for r in shared] == [tokens(r) for r in alone]
    assert [tokens(r) for r in alone] == [
        (
            t["missing_tokens"],
            t["consumed_tokens"],
            t["remaining_tokens"],
            t["produced_tokens"],
            t["trace_is_fit"],
        )
        for t in theirs
    ]


RAW_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="p">
    <startEvent id="s"/>
    <task id="a" name="Assign seriousness"/>
    <task id="t" name="Take in charge ticket"/>
    <exclusiveGateway id="x"/>
    <task id="w" name="Wait"/>
    <exclusiveGateway id="j"/>
    <task id="r" name="Resolve ticket"/>
    <task id="c" name="Closed"/>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <sequenceFlow id="f2" sourceRef="a" targetRef="t"/>
    <sequenceFlow id="f3" sourceRef="t" targetRef="x"/>
    <sequenceFlow id="f4" sourceRef="x" targetRef="w"/>
    <sequenceFlow id="f5" sourceRef="x" targetRef="j"/>
    <sequenceFlow id="f6" sourceRef="w" targetRef="j"/>
    <sequenceFlow id="f7" sourceRef="j" targetRef="r"/>
    <sequenceFlow id="f8" sourceRef="r" targetRef="c"/>
    <sequenceFlow id="f9" sourceRef="c" targetRef="e"/>
  </process>
</definitions>
"""


@pytest.mark.parametrize("method", METHODS)
def test_a_hand_made_model_of_the_public_helpdesk_log(
    method: str, real_helpdesk_db: Path, tmp_path: Path
) -> None:
    model = write(tmp_path / "helpdesk.bpmn", RAW_MODEL)
    db = tmp_path / "real.duckdb"
    shutil.copy(real_helpdesk_db, db)
    result = check_conformance(db, Selection("helpdesk"), model=model, method=method)
    assert not result.source_labels  # its labels are the activity names too
    assert_same_as_pm4py(result, pm4py_fitness(pm4py_frame(REAL_HELPDESK), model, method))
    assert "unexpected: Insert ticket" in set(result.deviations["deviation"])


# A designed flow of three steps, and four tickets: T1 fits; T2 and T4 skip classification; T3
# does something the model does not know. T1, T2 are created in ISO week 2025-W10, T3, T4 in W11.
SMALL_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p">
    <bpmn:startEvent id="s"/>
    <bpmn:task id="a" name="Ticket created"/>
    <bpmn:task id="b" name="Classified"/>
    <bpmn:task id="c" name="Resolved"/>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
    <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="c"/>
    <bpmn:sequenceFlow id="f4" sourceRef="c" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>
"""
SMALL_LOG = """Case ID,Activity,Timestamp,CSAT,NPS
T1,Ticket created,2025-03-03 10:00,,
T1,Classified,2025-03-03 10:30,,
T1,Resolved,2025-03-03 11:00,5,10
T2,Ticket created,2025-03-04 10:00,,
T2,Resolved,2025-03-04 12:00,2,3
T3,Ticket created,2025-03-10 10:00,,
T3,Classified,2025-03-10 11:00,,
T3,Called the customer,2025-03-10 12:00,,
T3,Resolved,2025-03-10 13:00,,
T4,Ticket created,2025-03-11 10:00,,
T4,Resolved,2025-03-11 14:00,,5
"""


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(store, model, log) of the hand-made example."""
    log = write(tmp_path / "small.csv", SMALL_LOG)
    db = tmp_path / "small.duckdb"
    ingest_files(db, [log], dataset="small")
    return db, write(tmp_path / "small.bpmn", SMALL_MODEL), log


def _deviation(deviation: str, tickets: int, examples: list[str], **costs: object) -> dict:
    kind, activity = deviation.split(": ")
    return {
        "deviation": deviation,
        "kind": kind,
        "activity": activity,
        "accepted": deviation == "skipped: Classified",
        "tickets": tickets,
        "share": tickets / 4,
        "examples": examples,
        **costs,
    }


# What skipping classification costs: T2, T4 (2 h, 4 h; CSAT 2; NPS 3, 5) against T1, T3 (1 h,
# 3 h; CSAT 5; NPS 10). The unknown step: T3 (3 h, no answers) against T1, T2, T4.
SKIPPED_CLASSIFICATION = _deviation(
    "skipped: Classified",
    2,
    ["T2", "T4"],
    ttr_median_hours_affected=3.0,
    ttr_median_hours_rest=2.0,
    csat_mean_affected=2.0,
    csat_answers_affected=1,
    csat_mean_rest=5.0,
    csat_answers_rest=1,
    nps_mean_affected=4.0,
    nps_answers_affected=2,
    nps_mean_rest=10.0,
    nps_answers_rest=1,
)
UNKNOWN_STEP = _deviation(
    "unexpected: Called the customer",
    1,
    ["T3"],
    ttr_median_hours_affected=3.0,
    ttr_median_hours_rest=2.0,
    csat_mean_affected=None,
    csat_answers_affected=0,
    csat_mean_rest=3.5,
    csat_answers_rest=2,
    nps_mean_affected=None,
    nps_answers_affected=0,
    nps_mean_rest=6.0,
    nps_answers_rest=3,
)


def test_alignments_name_each_deviation_and_its_cost(small: tuple[Path, Path, Path]) -> None:
    db, model, log = small
    result = check_conformance(
        db,
        Selection("small"),
        model=model,
        method="alignments",
        accepted=("skipped: Classified",),
    )
    doc = result.to_json()
    # as JSON: counts are integers, means floats
    assert json.dumps(doc["deviations"]) == json.dumps([SKIPPED_CLASSIFICATION, UNKNOWN_STEP])
    assert (doc["log_fitness"], doc["fitting_ticket_share"]) == (
        pytest.approx(pm4py_fitness(pm4py_frame(log), model, "alignments")["log_fitness"]),
        0.25,
    )
    # as text: mean answers over the top of their scale (not the KPIs' CSAT share or NPS score)
    lines = conformance_lines(result)
    costs = lines[lines.index("  skipped: Classified · 2 tickets (50.0%)  (accepted)") + 2]
    assert costs == (
        "      CSAT 2.00/5 (1 answer), NPS 4.00/10 (2 answers)"
        " vs CSAT 5.00/5, NPS 10.00/10 (1 answer)"
    )


def test_token_replay_names_the_skipped_step_not_the_step_after_it(
    small: tuple[Path, Path, Path],
) -> None:
    """pm4py fires `Resolved` without its token where `Classified` was skipped: the skip
    explains it, so `Resolved` is not called unexpected too, and the deviations are the
    alignments' on this log."""
    db, model, log = small
    result = check_conformance(
        db, Selection("small"), model=model, accepted=("skipped: Classified",)
    )
    assert_same_as_pm4py(result, pm4py_fitness(pm4py_frame(log), model, "token-replay"))
    assert result.to_json()["deviations"] == [SKIPPED_CLASSIFICATION, UNKNOWN_STEP]
    # T3 does an activity the model lacks, which token replay does not count: said so
    assert LACKED in result.notes
    aligned = check_conformance(db, Selection("small"), model=model, method="alignments")
    assert LACKED not in aligned.notes


LACKED = (
    "token replay, as pm4py's, counts no activity the model lacks ('Called the customer') against"
    " fitness: a ticket that does one is listed as unexpected below but can still fit. Alignments"
    " count them (--method alignments)"
)


@pytest.mark.parametrize("method", METHODS)
def test_weekly_fitness_is_pm4pys_on_each_weeks_tickets(
    method: str, small: tuple[Path, Path, Path]
) -> None:
    db, model, log = small
    weekly = check_conformance(db, Selection("small"), model=model, method=method).to_json()[
        "weekly"
    ]
    assert [(w["week"], w["week_start"], w["tickets"]) for w in weekly] == [
        ("2025-W10", "2025-03-03", 2),
        ("2025-W11", "2025-03-10", 2),
    ]
    unfit = ["T3", "T4"] if method == "alignments" else ["T4"]  # see below
    assert [w["examples"] for w in weekly] == [["T2"], unfit]
    for week, cases in zip(weekly, (["T1", "T2"], ["T3", "T4"]), strict=True):
        theirs = pm4py_fitness(pm4py_frame(log, cases=cases), model, method)
        assert week["log_fitness"] == pytest.approx(theirs["log_fitness"], abs=1e-9)
        assert 100 * week["fitting_ticket_share"] == theirs["percentage_of_fitting_traces"]
    # Token replay, as pm4py's, lets activities the model lacks pass: T3 fits there, not by
    # alignments.
    assert weekly[1]["fitting_ticket_share"] == (0.5 if method == "token-replay" else 0.0)


def test_a_selection_checks_only_its_tickets(small: tuple[Path, Path, Path]) -> None:
    db, model, _ = small
    result = check_conformance(
        db, Selection("small", start=None, end=None, category=()), model=model
    )
    week = check_conformance(
        db, Selection("small", start=result.weekly["week_start"][1]), model=model
    )
    assert (week.tickets, week.variants, week.replayed) == (2, 2, 0)  # both from the cache
    assert list(week.deviations["deviation"]) == [
        "skipped: Classified",
        "unexpected: Called the customer",
    ]


def test_a_repeat_run_comes_from_the_cache(small: tuple[Path, Path, Path], tmp_path: Path) -> None:
    db, model, _ = small
    first = check_conformance(db, Selection("small"), model=model)
    again = check_conformance(db, Selection("small"), model=model)
    assert (first.replayed, first.cached, again.replayed, again.cached) == (3, True, 0, True)
    assert again.to_json() == first.to_json() | {"replayed_variants": 0}
    assert rows(
        db, "SELECT dataset_version, method, count(*) FROM conformance_cache GROUP BY ALL"
    ) == [(1, "token-replay", 3)]
    # A load that changes the data set makes a new version: only the variant it brings is
    # replayed, and the figures are those of a store that never cached anything.
    more = write(
        tmp_path / "more.csv", "Case ID,Activity,Timestamp\nT5,Ticket created,2025-03-12 10:00\n"
    )
    ingest_files(db, [more], dataset="small")
    after = check_conformance(db, Selection("small"), model=model)
    assert (after.variants, after.replayed) == (4, 1)
    assert rows(
        db, "SELECT dataset_version, count(*) FROM conformance_cache GROUP BY ALL ORDER BY 1"
    ) == [(1, 3), (2, 1)]
    with open_store(db) as con:
        con.execute("DELETE FROM conformance_cache")
    afresh = check_conformance(db, Selection("small"), model=model)
    assert afresh.replayed == 4
    assert afresh.to_json() == after.to_json() | {"replayed_variants": 4}


def _hold_reading(db: Path) -> subprocess.Popen:
    """Another process reading the store (the dashboard, say): it blocks writers, not readers."""
    code = textwrap.dedent(
        f"""
        import duckdb, time
        con = duckdb.connect({str(db)!r}, read_only=True)
        print("reading", flush=True)
        time.sleep(60)
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "reading"
    return holder


def test_a_store_in_use_gives_results_without_caching_them(
    small: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, model, _ = small
    monkeypatch.setattr(conformance_module, "CACHE_WAIT_S", 0.2)
    with _hold_reading(db) as holder:  # on exit: waits for it, closes its pipe
        try:
            busy = check_conformance(db, Selection("small"), model=model)
        finally:
            holder.kill()
    assert (busy.replayed, busy.cached) == (3, False)
    assert busy.notes[-1].startswith(f"results not cached: {db}: the database is in use by process")
    done = check_conformance(db, Selection("small"), model=model)
    assert (done.replayed, done.cached) == (3, True)
    assert done.to_json() | {"notes": None} == busy.to_json() | {"notes": None, "cached": True}


# --- what the user can get wrong -------------------------------------------------------------------


def test_a_missing_model_file(small: tuple[Path, Path, Path], tmp_path: Path) -> None:
    db, _, _ = small
    with pytest.raises(ModelError) as caught:
        check_conformance(db, Selection("small"), model=tmp_path / "nope.bpmn")
    assert str(caught.value) == (
        f"{tmp_path / 'nope.bpmn'}: no such file. Give a BPMN file with --model, or set the data"
        " set's designed flow: ticketloop settings --flow FILE.bpmn"
    )


FIX = "Export the model from your modeller as BPMN 2.0 XML, or give another file with --model"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "not xml at all",
            "not a BPMN file (not XML: Start tag expected, '<' not found, line 1, column 1)",
        ),
        (
            '<log xes.version="1.0"/>',
            "not a BPMN file (its root element is <log>, not BPMN 2.0 <definitions>)",
        ),
        (
            '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p"/></definitions>',
            "a BPMN file without named tasks; nothing to check",
        ),
    ],
)
def test_a_file_that_is_no_bpmn_model(
    content: str, problem: str, small: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    db, _, _ = small
    path = write(tmp_path / "model.bpmn", content)
    with pytest.raises(ModelError) as caught:
        check_conformance(db, Selection("small"), model=path)
    assert str(caught.value) == f"{path}: {problem}. {FIX}"


def test_a_model_sharing_no_label_with_the_log(
    small: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    db, _, _ = small
    model = write(tmp_path / "other.bpmn", RAW_MODEL)
    with pytest.raises(ModelError) as caught:
        check_conformance(db, Selection("small"), model=model)
    assert str(caught.value) == (
        f"{model}: the model's activities ('Assign seriousness', 'Closed', 'Resolve ticket',"
        " 'Take in charge ticket', 'Wait') share no label with the tickets of data set 'small'"
        " ('Called the customer', 'Classified', 'Resolved', 'Ticket created'). Give a model drawn"
        " with the log's labels (--model), or map the log's labels to the model's:"
        " ticketloop map --dataset small --suggest (or the Data page)"
    )


def test_an_unknown_method(small: tuple[Path, Path, Path]) -> None:
    db, model, _ = small
    with pytest.raises(
        MiningError, match=r"^unknown method 'fast'; use token-replay or alignments$"
    ):
        check_conformance(db, Selection("small"), model=model, method="fast")  # type: ignore[arg-type]


def test_accepted_deviations_are_checked_in_the_settings(tmp_path: Path) -> None:
    good = write(
        tmp_path / "ticketloop.toml",
        '[conformance]\naccepted_deviations = ["skipped: Classified", "unexpected: Reopened"]\n',
    )
    assert load_settings(good).accepted_deviations == (
        "skipped: Classified",
        "unexpected: Reopened",
    )
    bad = write(tmp_path / "bad.toml", '[conformance]\naccepted_deviations = ["Classified"]\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(bad)
    assert str(caught.value) == (
        f"{bad}: [conformance] accepted_deviations has 'Classified'. Write each as"
        ' "skipped: ACTIVITY" or "unexpected: ACTIVITY", as ticketloop conformance lists them'
    )


def test_the_model_discover_writes_is_checked_in_words(
    small: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """discover's advice, followed: every ticket fits the model it found, so no week names an
    unfitting ticket (a week's examples are then missing, not a list)."""
    from click.testing import CliRunner

    from ticketloop.cli import cli

    db, _, _ = small
    found = tmp_path / "found.bpmn"
    runner = CliRunner()
    discovered = runner.invoke(cli, ["discover", "--db", str(db), "--out", str(found)])
    assert discovered.exit_code == 0, discovered.output
    checked = runner.invoke(cli, ["conformance", "--db", str(db), "--model", str(found)])
    assert checked.exit_code == 0, checked.output
    assert "tickets that fit the model 100.0%" in checked.output
    assert "not fitting" not in checked.output


def test_a_deviation_whose_tickets_never_resolve_has_an_unknown_cost_not_none() -> None:
    """Ranked by cost in time: tickets x (median time to resolution, affected over the rest, at
    least 0). Affected tickets that never resolve have no such median: their cost is unknown,
    shown empty and ranked last, not a cost of 0 beside the deviations that cost nothing."""
    import pandas as pd

    from mining.conformance import deviation_costs

    deviations = pd.DataFrame(
        {
            "deviation": ["unexpected: Abandoned", "skipped: Classified", "skipped: Survey"],
            "tickets": [300, 442, 10],
            "ttr_median_hours_affected": [float("nan"), 15.3, 20.0],
            "ttr_median_hours_rest": [18.9, 19.1, 18.0],
            "csat_mean_affected": [float("nan"), 4.0, 3.0],
            "csat_mean_rest": [4.2, 4.1, 4.2],
        }
    )
    ranked = deviation_costs(deviations)
    assert list(ranked["deviation"]) == [
        "skipped: Survey",  # 10 tickets x 2.0 h
        "skipped: Classified",  # faster than the rest: no extra time
        "unexpected: Abandoned",  # none resolved: unknown
    ]
    assert list(ranked["cost_hours"].fillna(-1)) == [20.0, 0.0, -1]
    assert ranked["extra_hours"].isna().tolist() == [False, False, True]
