"""Where each node of a network is drawn: the focus in the middle, its neighbours evenly round a
circle from twelve o'clock in the network's order. Pure and deterministic: the same network is
always drawn the same way, on the server, with no script."""

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 480
RADIUS = 170
LABEL_LENGTH = 30
# Fill and outline of each kind of node: distinct in shape (see the template) as well as colour.
COLOURS = {"child": "#1d70b8", "person": "#d4351c", "place": "#00703c"}


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    centre: tuple
    edges: list  # [(x1, y1, x2, y2)]


def short_label(text):
    return text if len(text) <= LABEL_LENGTH else f"{text[:LABEL_LENGTH - 1]}…"


def _shape(node, focus):
    """Sizes and corners: a circle for a child, a square for an adult, a diamond for a place."""
    size = 24 if focus else 16
    x, y = node.x, node.y
    return {
        "size": size,
        "stroke": 4 if focus else 1,
        "corner_x": x - size,
        "corner_y": y - size,
        "side": 2 * size,
        "points": f"{x},{y - size - 4} {x + size + 4},{y} {x},{y + size + 4} {x - size - 4},{y}",
        "label_y": y + size + 20,
    }


def lay_out(network):
    """Place the nodes of `network` (sets x and y on each) and answer what the template draws."""
    cx, cy = WIDTH / 2, HEIGHT / 2
    network.focus.x, network.focus.y = cx, cy
    count = len(network.nodes)
    for index, node in enumerate(network.nodes):
        angle = -math.pi / 2 + 2 * math.pi * index / max(count, 1)
        node.x = round(cx + RADIUS * math.cos(angle), 1)
        node.y = round(cy + RADIUS * math.sin(angle), 1)
    for node in [network.focus, *network.nodes]:
        node.colour = COLOURS[node.kind]
        node.short_label = short_label(node.label)
        node.shape = _shape(node, node is network.focus)
    edges = [(cx, cy, node.x, node.y) for node in network.nodes]
    return Drawing(WIDTH, HEIGHT, (cx, cy), edges)
