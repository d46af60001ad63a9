"""The one bridge to pm4py: BPMN models in, replay results and discovered models out, as plain
Python values. pm4py gets small aggregates (one trace per variant, variant counts), never the event
table; it is imported inside the functions (slow to import, and it prints a banner at top level).
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import threading
import warnings
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from store.errors import ModelError

if TYPE_CHECKING:
    from mining.bpmn import ModelFile

Method = Literal["token-replay", "alignments"]
# What replay results depend on besides the model and the variant, by method; part of the cache
# key (token replay's 4: a skipped activity named per missing token, not per ticket).
REPLAY_VERSION: dict[Method, str] = {
    "token-replay": "ticketloop replay 4",
    "alignments": "ticketloop replay 3",
}
# Variants replayed per call to pm4py: progress is told between calls (alignments take ~30 ms a
# variant; token replay sets up per call, so it takes more at a time).
REPLAY_CHUNK: dict[Method, int] = {"alignments": 25, "token-replay": 500}
# Variants from which the replay is shared with worker processes (one per other core): a worker
# answers first after about 1.4 s (it imports pm4py), the time of about 2,000 variants of token
# replay or 150 of alignments, so it pays from two to three times that.
SPREAD_FROM: dict[Method, int] = {"alignments": 500, "token-replay": 4_000}
Variant = tuple[str, ...]
# The names pm4py's BPMN conversion gives the silent transitions it adds (uuid4).
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Node kinds of a discovered BPMN model, as `mining.bpmn` writes them.
NodeKind = Literal["start", "end", "task", "exclusive", "parallel", "inclusive"]


@dataclass(frozen=True)
class ProcessModel:
    """A BPMN model as the Petri net pm4py replays on; `labels` are its visible activity labels."""

    file: ModelFile
    labels: frozenset[str]
    net: Any  # pm4py PetriNet, with its initial and final marking: used only in this module
    initial: Any
    final: Any

    @cached_property
    def tokens(self) -> _Tokens:
        """The net's places and arcs as numbers, read once per model (_token_skipped)."""
        return _Tokens.of(self)


@dataclass(frozen=True)
class _Tokens:
    """A net's places numbered, its markings as numbers of tokens by place number, and each
    transition's input and output places (numbers, each with its arc's weight): what replaying
    fired transitions again needs, in dictionaries of plain numbers (fast to hash)."""

    places: list[Any]
    initial: dict[int, int]
    final: dict[int, int]
    moves: dict[Any, tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]]

    @staticmethod
    def of(model: ProcessModel) -> _Tokens:
        places = list(model.net.places)
        number = {place: i for i, place in enumerate(places)}
        return _Tokens(
            places,
            {number[p]: n for p, n in model.initial.items()},
            {number[p]: n for p, n in model.final.items()},
            {
                t: (
                    tuple((number[a.source], a.weight) for a in t.in_arcs),
                    tuple((number[a.target], a.weight) for a in t.out_arcs),
                )
                for t in model.net.transitions
            },
        )


@dataclass(frozen=True)
class VariantReplay:
    """How one variant replays on a model, in pm4py's terms.

    Token replay fills the token counts (missing, consumed, remaining, produced); alignments fill
    `cost` and `worst_cost` (pm4py's units: 10,000 per log or model move, 1 per silent step).
    `skipped` are model activities the ticket should have done and did not; `unexpected` are
    activities it did that the model does not allow there (see `replay_variants`)."""

    fitness: float
    fits: bool
    skipped: tuple[str, ...]
    unexpected: tuple[str, ...]
    missing: int | None = None
    consumed: int | None = None
    remaining: int | None = None
    produced: int | None = None
    cost: int | None = None
    worst_cost: int | None = None


@dataclass(frozen=True)
class ModelNode:
    """One node of a discovered BPMN model; `name` is the activity of a task, else empty."""

    id: str
    kind: NodeKind
    name: str = ""


@dataclass(frozen=True)
class DiscoveredModel:
    """A model found by the inductive miner: its process tree in pm4py's notation, and its BPMN
    graph as nodes and sequence flows (source id, target id)."""

    process_tree: str
    nodes: tuple[ModelNode, ...]
    flows: tuple[tuple[str, str], ...]


def replay_engine(method: Method) -> str:
    """This bridge's replay semantics for `method` and pm4py's version, read without importing
    pm4py."""
    from importlib.metadata import version

    return f"{REPLAY_VERSION[method]}; pm4py {version('pm4py')}"


def petri_net(model: ModelFile) -> ProcessModel:
    """The Petri net of a BPMN file (read and checked by `mining.bpmn.read_model_file`)."""
    from pm4py.objects.bpmn.importer.variants import lxml as bpmn_importer
    from pm4py.objects.conversion.bpmn import converter

    _hash_by_name()
    try:
        with _quiet():
            net, initial, final = converter.apply(bpmn_importer.import_from_string(model.data))
    except Exception as exc:  # pm4py raises whatever its XML walk or conversion hits
        raise ModelError(
            f"{model.name}: pm4py cannot turn this BPMN into a Petri net ({exc}). Keep to"
            " tasks, start and end events, and exclusive or parallel gateways"
        ) from None
    _settle(net, initial, final)
    _remember_markings()
    net.by_marking = {}  # (_remember_markings)
    labels = frozenset(t.label for t in net.transitions if t.label is not None)
    return ProcessModel(model, labels, net, initial, final)


def _settle(net: Any, *markings: Any) -> None:
    """Give `net` one layout whatever the run (see _hash_by_name): the silent transitions the
    conversion named at random (a uuid) are named after the places they join, and every set and
    marking of the net is filled again in name order."""
    for transition in net.transitions:
        if transition.label is None and _UUID.fullmatch(transition.name):
            before = ",".join(sorted(arc.source.name for arc in transition.in_arcs))
            after = ",".join(sorted(arc.target.name for arc in transition.out_arcs))
            transition.name = f"silent {before} > {after}"
            transition.__dict__.pop("stable_hash", None)  # hashed by its old name
    nodes = [*net.places, *net.transitions]
    arcs = [net.arcs] + [n.in_arcs for n in nodes] + [n.out_arcs for n in nodes]
    for group, key in [(net.places, _named), (net.transitions, _named)] + [
        (a, _ends) for a in arcs
    ]:
        members = sorted(group, key=key)
        group.clear()
        group.update(members)
    for marking in markings:
        tokens = sorted(marking.items(), key=lambda item: _named(item[0]))
        marking.clear()
        marking.update(dict(tokens))


def _named(node: Any) -> tuple[str, str]:
    return repr(node.name), getattr(node, "label", None) or ""


def _ends(arc: Any) -> tuple[tuple[str, str], tuple[str, str]]:
    return _named(arc.source), _named(arc.target)


@cache
def _hash_by_name() -> None:
    """Hash pm4py's places, transitions and arcs by their names, not their memory addresses.

    With addresses, the sets of a net (the model's, and the product nets alignments build from
    it) iterate in an order that changes with whatever was allocated before. Token replay tries
    silent transitions in that order and alignments take the first of equally good alignments,
    so the same model and trace could give other token counts (up to 19 of 3,000 variants of a
    log on the sample's designed flow did) or other deviations (69 of 400 by alignments) from
    one run or process to the next, and pm4py's log fitness of one log moved in the fifth
    decimal. Names give one order in every run. Equality stays pm4py's (the same object)."""
    from pm4py.objects.petri_net.obj import PetriNet

    def node_hash(node: Any) -> int:
        try:
            return node.stable_hash
        except AttributeError:
            node.stable_hash = zlib.crc32(repr(node.name).encode())
            return node.stable_hash

    def arc_hash(arc: Any) -> int:
        return hash((hash(arc.source), hash(arc.target)))

    PetriNet.Place.__hash__ = node_hash
    PetriNet.Transition.__hash__ = node_hash
    PetriNet.Arc.__hash__ = arc_hash


@cache
def _remember_markings() -> None:
    """Make pm4py work out, for the nets of this module, what a marking enables once per
    marking rather than each time a trace reaches it: the transitions enabled, and the visible
    ones enabled through silent ones.

    Token replay asks for the first at each event, and for the second at each trace's end (its
    result's enabled_transitions_in_marking, which we do not read): together more than half of
    its time on a log of many variants, whose traces pass through a few hundred markings. Both
    depend on the net and the marking only, and our nets do not change once built, so a net
    carrying the dictionary `by_marking` (petri_net) keeps them there; any other net gets
    pm4py's functions as they are."""
    from pm4py.objects.petri_net import semantics
    from pm4py.objects.petri_net.utils import align_utils

    for module, name in (
        (semantics, "enabled_transitions"),
        (align_utils, "get_visible_transitions_eventually_enabled_by_marking"),
    ):
        setattr(module, name, _remembered(name, getattr(module, name)))


def _remembered(
    name: str, work_out: Callable[[Any, Any], set[Any]]
) -> Callable[[Any, Any], set[Any]]:
    """pm4py's function `name` (`work_out`) of a net and a marking, its answers kept in a net
    that carries `by_marking`."""

    def per_marking(net: Any, marking: Any) -> set[Any]:
        known = getattr(net, "by_marking", None)
        if known is None:
            return work_out(net, marking)
        key = (name, frozenset(marking.items()))
        if key not in known:
            known[key] = frozenset(work_out(net, marking))
        return set(known[key])  # a set of its own, as pm4py's functions give

    return per_marking


def replay_variants(
    model: ProcessModel | ModelFile,
    variants: Sequence[Variant],
    method: Method,
    progress: Callable[[int, int], None] | None = None,
) -> list[VariantReplay]:
    """Replay each variant (one trace each) on `model`, as pm4py's `fitness_token_based_replay`
    or `fitness_alignments` replays each trace of a log: same algorithm, same parameters, in
    chunks of REPLAY_CHUNK variants (each trace is replayed on its own, so chunks change nothing)
    with `progress(done, total)` told after each. From SPREAD_FROM variants on, the chunks are
    shared with worker processes, one per other core (see `_spread`). A model given as a file
    is made a Petri net here, once the workers have started on theirs.

    Deviations: alignments name each visible model move (skipped) and each log move
    (unexpected). Token replay approximates: unexpected are activities absent from the model and
    activities fired without their input tokens; skipped is the model activity between where a
    ticket left tokens behind and where it lacked them, when there is one (see `_token_skipped`).
    """
    size = REPLAY_CHUNK[method]
    chunks = [variants[start : start + size] for start in range(0, len(variants), size)]
    workers = min(_cores() - 1, len(chunks) - 1)
    if len(variants) >= SPREAD_FROM[method] and workers > 0:
        return _spread(model, chunks, method, workers, progress)
    net = _net(model)
    done: list[VariantReplay] = []
    for chunk in chunks:
        done += _replay(net, chunk, method)
        if progress is not None:
            progress(len(done), len(variants))
    return done


def _net(model: ProcessModel | ModelFile) -> ProcessModel:
    return model if isinstance(model, ProcessModel) else petri_net(model)


def _spread(
    model: ProcessModel | ModelFile,
    chunks: list[Sequence[Variant]],
    method: Method,
    workers: int,
    progress: Callable[[int, int], None] | None,
) -> list[VariantReplay]:
    """`chunks` replayed by this process from the first on and by `workers` worker processes
    from the last on, until they meet. The results are those of this process alone: the net
    iterates in one order in every process (_hash_by_name). A chunk a worker fails on, or one
    that cannot start, is replayed here; when this process stops early (an error, Ctrl+C), the
    workers are stopped with it."""
    replayed: dict[int, list[VariantReplay]] = {}
    left = deque(range(len(chunks)))
    total = sum(len(chunk) for chunk in chunks)
    lock = threading.Lock()

    def take(end: Callable[[], int]) -> int | None:
        with lock:
            return end() if left else None

    def serve(worker: _Worker) -> None:
        while (index := take(left.pop)) is not None:
            try:
                replayed[index] = worker.replay(chunks[index])
            except (OSError, ValueError, EOFError, pickle.UnpicklingError):
                with lock:
                    left.append(index)  # this process takes it
                return

    def tell() -> None:
        if progress is not None:
            progress(sum(len(r) for r in replayed.values()), total)

    with ExitStack() as stack:
        helpers = []
        file = model.file if isinstance(model, ProcessModel) else model
        for _ in range(workers):
            with suppress(OSError):  # no worker: this process replays alone
                worker = stack.enter_context(_Worker(file, method))
                helpers.append(threading.Thread(target=serve, args=(worker,), daemon=True))
        for helper in helpers:
            helper.start()
        try:
            net = _net(model)  # while the workers import pm4py too
            while (index := take(left.popleft)) is not None:
                replayed[index] = _replay(net, chunks[index], method)
                tell()
            for helper in helpers:
                while helper.is_alive():
                    helper.join(0.25)
                    tell()
        finally:
            with lock:  # the workers take no more
                unserved = list(left)
                left.clear()
        for index in unserved:  # what a failed worker left
            replayed[index] = _replay(net, chunks[index], method)
    tell()
    return [replay for index in range(len(chunks)) for replay in replayed[index]]


class _Worker:
    """A worker process replaying chunks of variants on one model (`serve_replays`), started
    afresh with this process's import path: neither forked from this process (which may hold
    DuckDB's threads) nor running the caller's main script again, as multiprocessing would. What
    it prints goes nowhere: a chunk it fails on is replayed by the caller, which says why if it
    fails there too."""

    def __init__(self, file: ModelFile, method: Method) -> None:
        path = os.pathsep.join(p for p in sys.path if p)
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import serve_replays; serve_replays()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path},
        )
        self.model: tuple[ModelFile, Method] | None = (file, method)

    def replay(self, chunk: Sequence[Variant]) -> list[VariantReplay]:
        if self.model is not None:  # the first chunk follows the model
            self._send(self.model)
            self.model = None
        self._send(chunk)
        return pickle.load(self.process.stdout)

    def _send(self, message: object) -> None:
        pickle.dump(message, self.process.stdin)
        self.process.stdin.flush()

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, failed: type[BaseException] | None, *_exc: object) -> None:
        if failed is not None:  # the caller stopped early: so does the worker
            self.process.kill()
        with suppress(OSError):  # a worker that failed has gone already
            self.process.stdin.close()
        self.process.wait()
        self.process.stdout.close()


def serve_replays() -> None:
    """A worker's loop (_Worker): the model file and method, then chunks of variants until the
    end of its input, each answered with its replays. Anything else printed goes to stderr."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    file, method = pickle.load(source)
    model = petri_net(file)
    while True:
        try:
            chunk = pickle.load(source)
        except EOFError:
            return
        pickle.dump(_replay(model, chunk, method), sink)
        sink.flush()


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _replay(model: ProcessModel, chunk: Sequence[Variant], method: Method) -> list[VariantReplay]:
    """One call to pm4py for the variants of `chunk`."""
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog([Trace([Event({"concept:name": a}) for a in v]) for v in chunk])
    if method == "alignments":
        return [_aligned(r) for r in _align(model, log)]
    replayed = _token_replay(model, log)
    return [_token_replayed(model, v, r) for v, r in zip(chunk, replayed, strict=True)]


@contextmanager
def _quiet() -> Iterator[None]:
    """pm4py's warnings (numpy matrix deprecations, optional packages) stay out of our output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _token_replay(model: ProcessModel, log: Any) -> list[dict]:
    # The parameters pm4py.fitness_token_based_replay passes (replay_fitness, TOKEN_BASED).
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay
    from pm4py.algo.conformance.tokenreplay.variants.token_replay import Parameters

    parameters = {
        Parameters.CONSIDER_REMAINING_IN_FITNESS: True,
        Parameters.CLEANING_TOKEN_FLOOD: False,
        Parameters.SHOW_PROGRESS_BAR: False,
    }
    with _quiet():
        return token_replay.apply(
            log,
            model.net,
            model.initial,
            model.final,
            variant=token_replay.Variants.TOKEN_REPLAY,
            parameters=parameters,
        )


def _align(model: ProcessModel, log: Any) -> list[dict]:
    # The default variant pm4py.fitness_alignments uses, without a progress bar.
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    with _quiet():
        return alignments.apply(
            log,
            model.net,
            model.initial,
            model.final,
            variant=alignments.DEFAULT_VARIANT,
            parameters={"show_progress_bar": False},
        )


def _token_replayed(model: ProcessModel, variant: Variant, result: dict) -> VariantReplay:
    fits = bool(result["trace_is_fit"])
    skipped, explained = (
        ((), set()) if fits else _token_skipped(model, variant, result["activated_transitions"])
    )
    unexpected = {a for a in variant if a not in model.labels}
    unexpected |= {
        t.label for t in result["transitions_with_problems"] if t.label and t not in explained
    }
    return VariantReplay(
        fitness=float(result["trace_fitness"]),
        fits=fits,
        skipped=skipped,
        unexpected=tuple(sorted(unexpected)),
        missing=int(result["missing_tokens"]),
        consumed=int(result["consumed_tokens"]),
        remaining=int(result["remaining_tokens"]),
        produced=int(result["produced_tokens"]),
    )


def _token_skipped(
    model: ProcessModel, variant: Variant, fired: list[Any]
) -> tuple[tuple[str, ...], set[Any]]:
    """The model activities a ticket skipped, as token replay sees them, and the transitions
    whose missing tokens those skips explain (done after a skip, not unexpected). For each token
    the ticket lacked (where pm4py fired a transition without it, or at the end), the activity
    that would consume a token the ticket left behind and produce the lacking one, when there is
    one such activity only; when no missing token names one, the one activity the left-behind
    tokens enable next, if the ticket never did it. Candidates that are several are alternatives
    (a choice, a loop): token replay cannot tell which (alignments can)."""
    tokens = model.tokens
    marking = Counter(tokens.initial)
    lacking: list[tuple[Any, int]] = []  # (the transition fired without the token, its place)
    for transition in fired:  # replay what pm4py fired, noting where tokens were missing
        taken, given = tokens.moves[transition]
        for place, weight in taken:
            if marking[place] < weight:
                lacking.append((transition, place))
                marking[place] = weight
            marking[place] -= weight
        for place, weight in given:
            marking[place] += weight
    lacking += [(None, p) for p, n in tokens.final.items() if marking[p] < n]
    left = [p for p, n in marking.items() if n > tokens.final.get(p, 0)]
    after = _visible_near([tokens.places[p] for p in left], forward=True)
    skipped: set[str] = set()
    unexplained = set()
    for transition, place in lacking:
        candidates = after & _visible_near([tokens.places[place]], forward=False)
        if transition is not None:  # an activity done out of turn is not its own skip
            candidates.discard(transition.label)
        if len(candidates) == 1:
            skipped |= candidates
        else:
            unexplained.add(transition)
    if not skipped and len(alone := after - set(variant)) == 1:
        skipped = alone
    explained = {t for t, _ in lacking if t is not None and t not in unexplained}
    return tuple(sorted(skipped)), explained


def _visible_near(places: list[Any], *, forward: bool) -> set[str]:
    """Labels of the visible transitions reached from `places` through silent transitions only:
    the next ones (forward) or the previous ones."""
    found: set[str] = set()
    seen = set(places)
    queue = list(places)
    while queue:
        place = queue.pop()
        for arc in place.out_arcs if forward else place.in_arcs:
            transition = arc.target if forward else arc.source
            if transition.label is not None:
                found.add(transition.label)
                continue
            for next_arc in transition.out_arcs if forward else transition.in_arcs:
                nxt = next_arc.target if forward else next_arc.source
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    return found


def _aligned(result: dict) -> VariantReplay:
    moves = result["alignment"]
    skipped = {model for log, model in moves if log == ">>" and model is not None}
    unexpected = {log for log, model in moves if model == ">>"}
    return VariantReplay(
        fitness=float(result["fitness"]),
        fits=result["fitness"] == 1.0,
        skipped=tuple(sorted(skipped)),
        unexpected=tuple(sorted(unexpected)),
        cost=int(result["cost"]),
        worst_cost=int(result["bwc"]),
    )


def discover_model(variant_counts: Mapping[Variant, int], noise: float) -> DiscoveredModel:
    """The process the inductive miner finds in `variant_counts` (IMf when noise > 0, else IM),
    as `pm4py.discover_process_tree_inductive` finds it on the log those counts come from; its
    BPMN graph has ids numbered in tree order, so the same counts give the same file."""
    from pm4py.algo.discovery.inductive.dtypes.im_ds import IMDataStructureUVCL
    from pm4py.algo.discovery.inductive.variants.im import IMUVCL
    from pm4py.algo.discovery.inductive.variants.imf import IMFUVCL
    from pm4py.objects.process_tree.utils import generic as tree_utils
    from pm4py.util.compression.dtypes import UVCL

    # pm4py's own entry point does not recognise a variant Counter (it compares types with a
    # typing alias), so this runs the steps it runs on one: mine, fold, sort.
    parameters = {"noise_threshold": noise, "multiprocessing": False}
    miner = IMFUVCL(parameters) if noise > 0 else IMUVCL(parameters)
    with _quiet():
        tree = miner.apply(IMDataStructureUVCL(UVCL(dict(variant_counts))), parameters)
    tree = tree_utils.fold(tree)
    tree_utils.tree_sort(tree)
    graph = _BpmnGraph()
    graph.add_tree(tree)
    return DiscoveredModel(str(tree), tuple(graph.nodes), tuple(graph.flows))


class _BpmnGraph:
    """A process tree as a BPMN graph: a task per activity, a split and a join gateway per
    choice, parallel block and loop; silent steps become plain flows."""

    def __init__(self) -> None:
        self.nodes: list[ModelNode] = []
        self.flows: list[tuple[str, str]] = []

    def add_tree(self, tree: Any) -> None:
        start, end = self._node("start"), self._node("end")
        block = self._block(tree)
        if block is None:
            self._flow(start, end)
        else:
            self._flow(start, block[0])
            self._flow(block[1], end)

    def _node(self, kind: NodeKind, name: str = "") -> str:
        node_id = f"{kind}_{sum(n.kind == kind for n in self.nodes) + 1}"
        self.nodes.append(ModelNode(node_id, kind, name))
        return node_id

    def _flow(self, source: str, target: str) -> None:
        if (source, target) not in self.flows:
            self.flows.append((source, target))

    def _block(self, tree: Any) -> tuple[str, str] | None:
        """Entry and exit node of `tree`'s fragment; None for a silent step."""
        from pm4py.objects.process_tree.obj import Operator

        if tree.operator is None:
            return None if tree.label is None else (self._node("task", tree.label),) * 2
        children = tree.children
        if tree.operator is Operator.SEQUENCE:
            blocks = [b for b in map(self._block, children) if b is not None]
            for (_, exit_), (entry, _) in pairwise(blocks):
                self._flow(exit_, entry)
            return (blocks[0][0], blocks[-1][1]) if blocks else None
        if tree.operator is Operator.LOOP:
            join, split = self._node("exclusive"), self._node("exclusive")
            self._between(join, self._block(children[0]), split)
            for redo in children[1:]:
                self._between(split, self._block(redo), join)
            return join, split
        kinds = {Operator.XOR: "exclusive", Operator.PARALLEL: "parallel", Operator.OR: "inclusive"}
        if tree.operator not in kinds:
            raise ModelError(f"the discovered model uses {tree.operator}, which BPMN export lacks")
        split = self._node(kinds[tree.operator])  # type: ignore[arg-type]
        join = self._node(kinds[tree.operator])  # type: ignore[arg-type]
        for child in children:
            self._between(split, self._block(child), join)
        return split, join

    def _between(self, source: str, block: tuple[str, str] | None, target: str) -> None:
        if block is None:
            self._flow(source, target)
        else:
            self._flow(source, block[0])
            self._flow(block[1], target)
