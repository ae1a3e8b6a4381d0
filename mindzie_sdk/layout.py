"""A process map drawn with matplotlib alone, for machines without Graphviz.

A layered layout: activities are ranked by their distance from the start, top to bottom,
ordered within a rank by where their predecessors are; forward edges are straight, loops and
backward edges curve. It is plainer than `dot`'s, but every box, count and waiting time is
readable. The figure never goes through pyplot, so nothing is shown twice in a notebook.
"""

from __future__ import annotations

import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from mindzie_sdk.styling import blend, edge_label, edge_value, is_virtual, weight

X_GAP = 3.4
Y_GAP = 1.5
DPI = 96


def ranks(document: dict[str, Any]) -> dict[str, int]:
    """Each node's layer: the longest path from the start once loops are cut.

    A depth-first walk from the start, following the most frequent edges first, marks the
    edges that close a loop (rework); without them the graph is acyclic, and each activity
    sits one layer below its lowest predecessor, so the main flow reads top to bottom.
    """
    start, end = document.get("startNode"), document.get("endNode")
    names = [node["id"] for node in document["nodes"]]
    known = {*names, *(n for n in (start, end) if n)}
    outgoing: dict[str, list[str]] = {name: [] for name in known}
    for edge in sorted(document["edges"], key=lambda e: (-e["frequency"], e["source"], e["target"])):
        if edge["source"] in known and edge["target"] in known and edge["source"] != edge["target"]:
            outgoing[edge["source"]].append(edge["target"])
    roots = [start] if start and outgoing.get(start) else [n["id"] for n in document["nodes"] if n["start"]]
    forward: dict[str, list[str]] = {name: [] for name in known}
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in [*(roots or names[:1]), *names]:
        if root in state:
            continue
        stack = [(root, iter(outgoing[root]))]
        state[root] = 1
        while stack:
            name, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                state[name] = 2
                stack.pop()
            elif state.get(target) != 1:  # an edge back onto the path closes a loop: not a layer edge
                forward[name].append(target)
                if target not in state:
                    state[target] = 1
                    stack.append((target, iter(outgoing[target])))
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        seen.add(name)
        for target in forward[name]:
            if target not in seen:
                visit(target)
        order.append(name)

    for name in sorted(known, key=lambda n: (n != start, n)):
        if name not in seen:
            visit(name)
    rank = dict.fromkeys(known, 0)
    for name in reversed(order):  # topological order
        for target in forward[name]:
            rank[target] = max(rank[target], rank[name] + 1)
    if end in rank:
        rank[end] = max((rank[n] for n in names), default=0) + 1
    return rank


def positions(document: dict[str, Any], layer: dict[str, int]) -> dict[str, tuple[float, float]]:
    """x, y of each node: layers top to bottom, each ordered by its predecessors' mean x."""
    frequency = {node["id"]: node["frequency"] for node in document["nodes"]}
    placed: dict[str, tuple[float, float]] = {}
    for depth in range(max(layer.values(), default=0) + 1):
        members = [name for name, rank in layer.items() if rank == depth]

        def anchor(name: str) -> tuple[float, int, str]:
            xs = [
                placed[e["source"]][0]
                for e in document["edges"]
                if e["target"] == name and e["source"] in placed
            ]
            return (sum(xs) / len(xs) if xs else 0.0, -frequency.get(name, 0), name)

        members.sort(key=anchor)
        for index, name in enumerate(members):
            placed[name] = ((index - (len(members) - 1) / 2) * X_GAP, -depth * Y_GAP)
    return placed


def draw_with_matplotlib(document: dict[str, Any], view: str = "frequency") -> tuple[str, bytes]:
    """(SVG text, PNG bytes) of the map."""

    layer = ranks(document)
    where = positions(document, layer)
    xs = [x for x, _ in where.values()] or [0.0]
    depth = max(layer.values(), default=0) + 1
    width = min(24.0, max(6.0, (max(xs) - min(xs)) / X_GAP * 2.4 + 3.2))
    height = min(30.0, max(3.0, depth * 0.95 + 0.6))
    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    axes.set_xlim(min(xs) - X_GAP * 0.7, max(xs) + X_GAP * 0.7)
    axes.set_ylim(-(depth - 1) * Y_GAP - 0.6, 0.6)

    boxes: dict[str, Any] = {}
    highest_node = max((n["frequency"] for n in document["nodes"]), default=1)
    for node in document["nodes"]:
        shade = weight(node["frequency"], highest_node)
        x, y = where[node["id"]]
        boxes[node["id"]] = axes.text(
            x,
            y,
            f"{node['label']}\n{node['frequency']}",
            ha="center",
            va="center",
            fontsize=9,
            color="white" if shade > 0.6 else "black",
            bbox={"boxstyle": "round,pad=0.45", "fc": blend("#e8eef9", "#3b6fc4", shade), "ec": "#3b5b92"},
            zorder=3,
        )
    for name, color in ((document.get("startNode"), "#4caf50"), (document.get("endNode"), "#e05252")):
        if name in where:
            x, y = where[name]
            boxes[name] = axes.text(
                x,
                y,
                " ",
                fontsize=9,
                ha="center",
                va="center",
                bbox={"boxstyle": "circle", "fc": color, "ec": color},
            )

    real = [e for e in document["edges"] if not is_virtual(document, e)]
    highest_edge = max((edge_value(e, view) for e in real), default=1.0)
    for edge in document["edges"]:
        if edge["source"] not in where or edge["target"] not in where:
            continue
        virtual = is_virtual(document, edge)
        share = 0.0 if virtual else weight(edge_value(edge, view), highest_edge)
        strong = "#c62828" if view == "performance" else "#1f3d7a"
        color = "#9e9e9e" if virtual else blend("#9aa7b8", strong, share)
        (x1, y1), (x2, y2) = where[edge["source"]], where[edge["target"]]
        forward = layer[edge["target"]] == layer[edge["source"]] + 1
        rad = 0.0 if forward else (0.45 if edge["source"] != edge["target"] else 1.5)
        if edge["source"] == edge["target"]:
            x2 += 0.01  # a self-loop needs two distinct points to curve between
        axes.annotate(
            "",
            xy=(x2, y2),
            xytext=(x1, y1),
            arrowprops={
                "arrowstyle": "-|>",
                "connectionstyle": f"arc3,rad={rad}",
                "lw": 0.8 + 3.2 * share,
                "color": color,
                "linestyle": "--" if virtual else "-",
                "patchA": boxes.get(edge["source"]) and boxes[edge["source"]].get_bbox_patch(),
                "patchB": boxes.get(edge["target"]) and boxes[edge["target"]].get_bbox_patch(),
                "shrinkA": 2,
                "shrinkB": 2,
            },
            zorder=2,
        )
        label = "" if virtual else edge_label(edge, view)
        if label:
            dx, dy = x2 - x1, y2 - y1
            axes.text(
                (x1 + x2) / 2 + 0.5 * rad * dy,
                (y1 + y2) / 2 - 0.5 * rad * dx,
                label,
                fontsize=7.5,
                ha="center",
                va="center",
                color="#333333",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
                zorder=4,
            )
    svg = io.StringIO()
    FigureCanvasSVG(figure).print_svg(svg)  # type: ignore[no-untyped-call]
    png = io.BytesIO()
    FigureCanvasAgg(figure).print_png(png)  # type: ignore[no-untyped-call]
    return svg.getvalue(), png.getvalue()
