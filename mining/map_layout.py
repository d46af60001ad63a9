"""The process map's layout, top to bottom, in screen pixels at the map's opening zoom: our own
layers (the activities that open tickets on top, those that end them at the bottom, cycles broken
the way dot breaks them), igraph's Sugiyama layout to order each layer, boxes as wide as their
wrapped labels, edges routed through one slot per layer they cross, and the edges' labels placed
clear of the boxes and of each other."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

Point = tuple[float, float]

WRAP_CHARS = 18  # a label's line breaks after about this many characters
CHAR_PX = 7.0  # width of a character of the map's 10 px bold label, with room to spare
LINE_PX = 14.0  # height of a line of label
PAD_X, PAD_Y = 10.0, 8.0  # room between a label and its box's border
GAP_X = 30.0  # between neighbours in a layer: room for a self-loop and an edge's dot
GAP_Y = 60.0  # between layers: room for the edges' dots and their labels
SLOT_PX = 40.0  # igraph's unit of horizontal position (one vertex slot), before boxes push apart
DUMMY_PX = 14.0  # the width an edge passing through a layer keeps free
DUMMY_GAP = 8.0  # between an edge's slot and its neighbour
LOOP_PX = 16.0  # how far a self-loop reaches to the right of its box
LABEL_PX = 48.0  # an edge's label beside its dot: 8 characters of the map's 10 px font
LABEL_H = 14.0  # its height
DOT_PX = 6.0  # the dot's radius, with room to spare
# where along its line an edge's dot may sit, tried in this order
SPOT_FRACTIONS = sorted((k / 20 for k in range(2, 19)), key=lambda f: (abs(f - 0.5), f))


@dataclass(frozen=True)
class Box:
    """A box's centre and size, in pixels (y grows downwards)."""

    x: float
    y: float
    w: float
    h: float


def wrap(text: str, width: int = WRAP_CHARS) -> list[str]:
    """`text` broken into lines of about `width` characters, at spaces (a longer word alone)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]


def box_size(lines: list[str]) -> tuple[float, float]:
    """The (width, height) in pixels of a box holding these label lines."""
    return (
        max(len(line) for line in lines) * CHAR_PX + 2 * PAD_X,
        len(lines) * LINE_PX + 2 * PAD_Y,
    )


def layered_layout(
    sizes: dict[str, tuple[float, float]],
    edges: list[tuple[str, str, int]],
    *,
    starts: dict[str, int] | None = None,
) -> tuple[dict[str, Box], dict[tuple[str, str], list[Point]]]:
    """Boxes for the activities of `sizes` (width, height) and a polyline for each edge
    (source, target, weight) of `edges`: from the source box's border to the target box's,
    through a free slot of every layer in between; a self-loop is a small loop on the right.
    `starts`: the tickets each activity opens; those that open more than reach them from other
    activities make the top layer, and those no edge leaves the bottom one (see `layers`)."""
    import igraph as ig

    names = list(sizes)
    linked = [(s, t, w) for s, t, w in edges if s != t]
    layer = layers(names, linked, starts or {})
    # the layered graph igraph orders: one vertex per box, then one per layer an edge crosses
    # (its dummy), each edge cut into steps of one layer, pointing down
    index = {a: i for i, a in enumerate(names)}
    layer_of = [layer[a] for a in names]
    steps: list[tuple[int, int]] = []
    chains: list[list[int]] = []  # each edge's dummies, top to bottom
    for s, t, _ in linked:
        upper, lower = (s, t) if layer[s] <= layer[t] else (t, s)
        chain = []
        previous = index[upper]
        for k in range(layer[upper] + 1, layer[lower]):
            layer_of.append(k)
            chain.append(len(layer_of) - 1)
            steps.append((previous, chain[-1]))
            previous = chain[-1]
        if layer[upper] != layer[lower]:
            steps.append((previous, index[lower]))
        chains.append(chain)
    graph = ig.Graph(n=len(layer_of), edges=steps, directed=True)
    placed = graph.layout_sugiyama(layers=layer_of)
    coords = [tuple(c) for c in placed.coords[: len(layer_of)]]
    width = [sizes[a][0] for a in names] + [DUMMY_PX] * (len(layer_of) - len(names))
    looped = {s for s, t, _ in edges if s == t}
    room = [LOOP_PX + LABEL_PX + 2 * DOT_PX if a in looped else 0.0 for a in names]
    xs = _spread(coords, layer_of, width, room + [0.0] * (len(layer_of) - len(names)), len(names))
    tall: dict[int, float] = defaultdict(float)
    for a in names:
        tall[layer[a]] = max(tall[layer[a]], sizes[a][1])
    top: dict[int, float] = {}
    y = 0.0
    for k in range(max(layer_of, default=-1) + 1):
        top[k] = y
        y += tall[k] + GAP_Y
    boxes = {a: Box(xs[index[a]], top[layer[a]] + tall[layer[a]] / 2, *sizes[a]) for a in names}
    routes: dict[tuple[str, str], list[Point]] = {}
    for (s, t, _), chain in zip(linked, chains, strict=True):
        if layer[s] == layer[t]:  # two top-layer activities: dip into the gap below the layer
            below = top[layer[s]] + tall[layer[s]] + GAP_Y / 3
            a, b = boxes[s], boxes[t]
            routes[(s, t)] = [
                (a.x, a.y + a.h / 2), (a.x, below), (b.x, below), (b.x, b.y + b.h / 2)
            ]  # fmt: skip
            continue
        upper, lower = (s, t) if layer[s] < layer[t] else (t, s)
        a, b = boxes[upper], boxes[lower]
        route: list[Point] = [(a.x, a.y + a.h / 2), (a.x, top[layer[upper]] + tall[layer[upper]])]
        for d in chain:  # a dummy vertex: pass its layer vertically, in its slot
            route += [(xs[d], top[layer_of[d]]), (xs[d], top[layer_of[d]] + tall[layer_of[d]])]
        route += [(b.x, top[layer[lower]]), (b.x, b.y - b.h / 2)]
        routes[(s, t)] = route if upper == s else route[::-1]
    _spread_ports(boxes, routes)
    for key, route in routes.items():
        # a box as tall as its layer has no stub to its band's edge: no point twice in a row
        routes[key] = [p for p, q in zip(route, [None, *route], strict=False) if p != q]
    for s, t, _ in edges:
        if s == t:  # a self-loop: a small loop on the box's right
            b = boxes[s]
            right, dy = b.x + b.w / 2, b.h / 4
            routes[(s, t)] = [
                (right, b.y - dy), (right + LOOP_PX, b.y - dy), (right + LOOP_PX, b.y + dy),
                (right, b.y + dy),
            ]  # fmt: skip
    return boxes, routes


def layers(
    names: list[str], edges: list[tuple[str, str, int]], starts: dict[str, int]
) -> dict[str, int]:
    """Each activity's layer, 0 at the top, for edges (source, target, weight) between different
    activities. The top layer holds the activities that open more tickets than reach them from
    other activities (`starts`: tickets opened), or none reaches at all; the bottom layer those
    no edge leaves. Cycles are broken as dot does, by a depth-first search from the top layer
    along the busiest edges first, after dropping the rarer direction of every pair of opposite
    edges; the rest is layered by longest path, then each activity moved, within what its edges
    allow, to the weighted median of its neighbours' layers, shortening the busiest edges."""
    incoming: dict[str, int] = defaultdict(int)
    heavy: dict[str, list[tuple[int, str]]] = defaultdict(list)  # the busier of opposite edges
    every: dict[str, list[tuple[int, str]]] = defaultdict(list)
    weight = {(s, t): w for s, t, w in edges}
    for s, t, w in edges:
        incoming[t] += w
        every[s].append((-w, t))
        if weight.get((t, s), 0) < w or (weight.get((t, s)) == w and s < t):
            heavy[s].append((-w, t))
    first = {a for a in names if starts.get(a, 0) >= incoming[a]}
    last = {a for a in names if a not in first and not any(s == a for s, _, _ in edges)}
    down: set[tuple[str, str]] = set()  # the edges kept pointing down
    state: dict[str, int] = {}  # 1 on the search's path, 2 done

    def search(root: str, out: dict[str, list[tuple[int, str]]], fence: set[str]) -> None:
        """Depth-first from `root` along `out`, busiest first: an edge to an activity on the
        path is a back edge, and so is any into `fence` (activities placed before)."""
        state[root] = 1
        stack = [(root, iter(sorted(out[root])))]
        while stack:
            node, successors = stack[-1]
            for _, nxt in successors:
                if nxt in first or nxt in fence:
                    continue
                if nxt not in state:
                    down.add((node, nxt))
                    state[nxt] = 1
                    stack.append((nxt, iter(sorted(out[nxt]))))
                    break
                if state[nxt] == 2:
                    down.add((node, nxt))
            else:
                state[node] = 2
                stack.pop()

    for root in sorted(first, key=lambda a: (-starts.get(a, 0), a)):
        search(root, heavy, set())
    # what only the rarer of two opposite edges reaches hangs below the activity it leaves
    placed = 0
    while placed < len(state):
        placed = len(state)
        for node in list(state):
            for _, nxt in sorted(every[node]):
                if nxt not in state and nxt not in first:
                    fence = set(state)
                    down.add((node, nxt))
                    search(nxt, every, fence)
    for root in sorted(set(names) - set(state), key=lambda a: (incoming[a], a)):
        if root not in state:  # reached from no start at all
            search(root, every, set(state))
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    for s, t in down:
        preds[t].append(s)
        succs[s].append(t)
    layer: dict[str, int] = {}
    for a in _topological(names, preds, succs):  # below its predecessors; only `first` on top
        layer[a] = 0 if a in first else max([1] + [layer[p] + 1 for p in preds[a]])
    bottom = max(layer.values(), default=0)
    for a in last:
        layer[a] = bottom
    for _ in range(4):  # towards the weighted median of the neighbours, within the bounds
        moved = False
        for a in names:
            if a in first or a in last:
                continue
            low = max((layer[p] + 1 for p in preds[a]), default=1)
            high = min((layer[s] - 1 for s in succs[a]), default=bottom)
            pulls = sorted(
                [(layer[p], weight.get((p, a), 0)) for p in preds[a]]
                + [(layer[s], weight.get((a, s), 0)) for s in succs[a]]
            )
            half, seen, median = sum(w for _, w in pulls) / 2, 0, layer[a]
            for k, w in pulls:
                seen += w
                if seen >= half:
                    median = k
                    break
            best = min(max(median, low), high) if low <= high else layer[a]
            moved |= best != layer[a]
            layer[a] = best
        if not moved:
            break
    return layer


def _topological(
    names: list[str], preds: dict[str, list[str]], succs: dict[str, list[str]]
) -> list[str]:
    """`names` in an order where every activity comes after its predecessors."""
    waiting = {a: len(preds[a]) for a in names}
    ready = [a for a in names if not waiting[a]]
    order = []
    while ready:
        a = ready.pop(0)
        order.append(a)
        for s in succs[a]:
            waiting[s] -= 1
            if not waiting[s]:
                ready.append(s)
    return order


def _spread(
    coords: list[tuple[float, float]],
    layer_of: list[int],
    width: list[float],
    room: list[float],
    boxes: int,
) -> list[float]:
    """Horizontal centres: igraph's positions scaled to SLOT_PX, then, layer by layer and in
    igraph's order, pushed apart until neighbours are GAP_X apart (DUMMY_GAP beside an edge's
    slot; the first `boxes` vertices are boxes, the rest dummies) plus the `room` a vertex
    keeps on its right (a self-loop and its label), and the layer shifted back so that on
    average it stays where igraph put it."""
    xs = [x * SLOT_PX for x, _ in coords]
    layers: dict[int, list[int]] = defaultdict(list)
    for i, k in enumerate(layer_of):
        layers[k].append(i)
    for members in layers.values():
        members.sort(key=lambda i: coords[i][0])
        wanted = [xs[i] for i in members]
        for prev, i in itertools.pairwise(members):
            gap = GAP_X if max(prev, i) < boxes else DUMMY_GAP  # dummies come after the boxes
            xs[i] = max(xs[i], xs[prev] + (width[prev] + width[i]) / 2 + gap + room[prev])
        shift = sum(xs[i] - w for i, w in zip(members, wanted, strict=True)) / len(members)
        for i in members:
            xs[i] -= shift
    return xs


def _spread_ports(boxes: dict[str, Box], routes: dict[tuple[str, str], list[Point]]) -> None:
    """The ends of the edges on each side of a box spread along its middle two thirds, in the
    order of where they head, so that edges in both directions between two boxes, and edges
    fanning out, leave side by side (each end's first two points, the port and the stub straight
    on from it, move together)."""
    ends: dict[tuple[str, bool], list[tuple[float, tuple[str, str], int]]] = defaultdict(list)
    for key, route in routes.items():
        for name, at, toward in ((key[0], 0, 2), (key[1], -1, -3)):
            bottom = route[at][1] > boxes[name].y
            ends[(name, bottom)].append((route[toward][0], key, at))
    for (name, _), attached in ends.items():
        box = boxes[name]
        attached.sort(key=lambda e: (e[0], e[1], e[2]))
        low, span = box.x - box.w / 3, 2 * box.w / 3
        for i, (toward, key, at) in enumerate(attached):
            x = (
                min(max(toward, low), low + span)
                if len(attached) == 1
                else (low + span * (i + 0.5) / len(attached))
            )
            route = routes[key]
            stub = 1 if at == 0 else -2
            route[at] = (x, route[at][1])
            route[stub] = (x, route[stub][1])


def label_spots(
    boxes: dict[str, Box], routes: list[list[Point]], width: float = LABEL_PX
) -> list[Point]:
    """For each route, busiest first, a point on it for its dot, whose label (`width` pixels to
    the dot's right) overlaps no box and no label placed before it where some point along the
    route allows; else the point where it overlaps least."""
    taken = [(b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2) for b in boxes.values()]
    spots = []
    for route in routes:
        best, least = route[0], math.inf
        for f in SPOT_FRACTIONS:
            rect = label_box(along(route, f), width)
            clash = sum(overlap_area(rect, other) for other in taken)
            if clash < least:
                best, least = along(route, f), clash
            if not clash:
                break
        taken.append(label_box(best, width))
        spots.append(best)
    return spots


def label_box(spot: Point, width: float = LABEL_PX) -> tuple[float, float, float, float]:
    """The rectangle (left, top, right, bottom) an edge's dot at `spot` and its label take."""
    x, y = spot
    return (x - DOT_PX, y - LABEL_H / 2, x + DOT_PX + width, y + LABEL_H / 2)


def overlap_area(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The area two rectangles (left, top, right, bottom) share."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def along(line: list[Point], fraction: float) -> Point:
    """The point `fraction` (0-1) of the way along a polyline."""
    steps = [math.dist(a, b) for a, b in itertools.pairwise(line)]
    left = sum(steps) * fraction
    for (a, b), step in zip(itertools.pairwise(line), steps, strict=True):
        if step and left <= step:
            f = left / step
            return (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]))
        left -= step
    return line[-1]
