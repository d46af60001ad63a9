"""The process map's layout, top to bottom, in screen pixels at the map's opening zoom: igraph's
Sugiyama layout (cycles broken, layers, crossings reduced, dummy vertices on long edges) placed
with each box as wide as its wrapped label, and edges routed through the dummy vertices' slots,
between the boxes of the layers they cross."""

from __future__ import annotations

import itertools
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
    sizes: dict[str, tuple[float, float]], edges: list[tuple[str, str, int]]
) -> tuple[dict[str, Box], dict[tuple[str, str], list[Point]]]:
    """Boxes for the activities of `sizes` (width, height) and a polyline for each edge
    (source, target, weight) of `edges`: from the source box's border to the target box's,
    through a free slot of every layer in between; a self-loop is a small loop on the right."""
    import igraph as ig

    names = list(sizes)
    index = {a: i for i, a in enumerate(names)}
    linked = [(s, t, w) for s, t, w in edges if s != t]
    graph = ig.Graph(
        n=len(names), edges=[(index[s], index[t]) for s, t, _ in linked], directed=True
    )
    placed = graph.layout_sugiyama(weights=[max(1, w) for _, _, w in linked] or None)
    # the dummy vertices are the bends of the edges' routes (x, layer), one per layer crossed
    dummies = sorted({(bx, by) for bends in placed.edge_routing for bx, by in bends})
    coords = [*map(tuple, placed.coords), *dummies]
    slot = {d: i for i, d in enumerate(dummies, start=len(names))}
    width = [sizes[a][0] for a in names] + [DUMMY_PX] * len(dummies)
    height = [sizes[a][1] for a in names]
    layer_of = [round(y) for _, y in coords]
    xs = _spread(coords, layer_of, width, len(names))
    tall: dict[int, float] = defaultdict(float)
    for i, h in enumerate(height):
        tall[layer_of[i]] = max(tall[layer_of[i]], h)
    top: dict[int, float] = {}
    y = 0.0
    for layer in range(max(layer_of, default=-1) + 1):
        top[layer] = y
        y += tall[layer] + GAP_Y
    centre = {k: top[k] + tall[k] / 2 for k in top}
    boxes = {a: Box(xs[i], centre[layer_of[i]], *sizes[a]) for i, a in enumerate(names)}
    band = {a: tall[layer_of[i]] for i, a in enumerate(names)}  # the height of its layer
    routes: dict[tuple[str, str], list[Point]] = {}
    for (s, t, _), bends in zip(linked, placed.edge_routing, strict=True):
        middle: list[Point] = []
        for bx, by in bends:  # a dummy vertex: pass its layer vertically, in its slot
            k = round(by)
            x = xs[slot[(bx, by)]]
            ends = [(x, top[k]), (x, top[k] + tall[k])]
            middle += ends if boxes[s].y < centre[k] else ends[::-1]
        first = middle[0] if middle else (boxes[t].x, boxes[t].y)
        last = middle[-1] if middle else (boxes[s].x, boxes[s].y)
        leave, arrive = _border(boxes[s], first), _border(boxes[t], last)
        route = [
            leave, _out_of_layer(leave, boxes[s], band[s]), *middle,
            _out_of_layer(arrive, boxes[t], band[t]), arrive,
        ]  # fmt: skip
        # a box as tall as its layer has no stub to its band's edge: no point twice in a row
        routes[(s, t)] = [p for p, q in zip(route, [None, *route], strict=False) if p != q]
    for s, t, _ in edges:
        if s == t:  # igraph leaves self-loops out
            b = boxes[s]
            right, dy = b.x + b.w / 2, b.h / 4
            routes[(s, t)] = [
                (right, b.y - dy), (right + LOOP_PX, b.y - dy), (right + LOOP_PX, b.y + dy),
                (right, b.y + dy),
            ]  # fmt: skip
    return boxes, routes


def _spread(
    coords: list[tuple[float, float]], layer_of: list[int], width: list[float], boxes: int
) -> list[float]:
    """Horizontal centres: igraph's positions scaled to SLOT_PX, then, layer by layer and in
    igraph's order, pushed apart until neighbours are GAP_X apart (DUMMY_GAP beside an edge's
    slot; the first `boxes` vertices are boxes, the rest dummies), and the layer shifted back so
    that on average it stays where igraph put it."""
    xs = [x * SLOT_PX for x, _ in coords]
    layers: dict[int, list[int]] = defaultdict(list)
    for i, k in enumerate(layer_of):
        layers[k].append(i)
    for members in layers.values():
        members.sort(key=lambda i: coords[i][0])
        wanted = [xs[i] for i in members]
        for prev, i in itertools.pairwise(members):
            gap = GAP_X if max(prev, i) < boxes else DUMMY_GAP  # dummies come after the boxes
            xs[i] = max(xs[i], xs[prev] + (width[prev] + width[i]) / 2 + gap)
        shift = sum(xs[i] - w for i, w in zip(members, wanted, strict=True)) / len(members)
        for i in members:
            xs[i] -= shift
    return xs


def _border(box: Box, toward: Point) -> Point:
    """Where a line from `box` toward a point leaves it: the middle of its top or bottom side,
    moved toward the point's x as far as the side allows."""
    x = min(max(toward[0], box.x - box.w / 3), box.x + box.w / 3)
    return (x, box.y + box.h / 2 if toward[1] > box.y else box.y - box.h / 2)


def _out_of_layer(port: Point, box: Box, band: float) -> Point:
    """Straight on from a box's port to the edge of its layer's band (of height `band`), clear
    of taller neighbours, which are centred on the same line."""
    return (port[0], box.y + band / 2 if port[1] > box.y else box.y - band / 2)
