"""Process maps: the directly-follows graph as a JSON document and as static images.

`process_map(log)` builds the document of MIME type `application/vnd.mindzie.process-map+json`
(shape in the README), which the lab extension draws as an interactive map. `render_images`
draws the same map as SVG and PNG, with Graphviz's `dot` when it is on PATH and otherwise with
a layered layout drawn by matplotlib, so a notebook, its HTML report and the results API always
have a picture. `show_process_map` displays all three in one output.
"""

from __future__ import annotations

import base64
import math
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

from mindzie_sdk.mimes import PROCESS_MAP_MIME
from mindzie_sdk.mining import LogColumns, activities, directly_follows, ordered
from mindzie_sdk.styling import blend, edge_label, edge_value, is_virtual, weight

if TYPE_CHECKING:
    import pandas as pd

MAP_VERSION = 1
START_NODE = "__start__"
END_NODE = "__end__"
VIEWS = ("frequency", "performance")
DOT_TIMEOUT_SECONDS = 20.0


def process_map(log: pd.DataFrame, cols: LogColumns | None = None) -> dict[str, Any]:
    """The whole map of `log` (every activity and transition; renderers filter it).

    Nodes are activities (`id` = `label` = the activity), edges the directly-follows
    transitions with waiting times in seconds; edges from `startNode` and to `endNode`
    count the cases that begin or end at an activity (their waiting time is 0: a case starts
    with its first event and ends with its last).
    """
    cols = cols or LogColumns()
    frame = ordered(log, cols)
    table = activities(frame, cols)
    graph = directly_follows(frame, cols)
    nodes: list[dict[str, Any]] = [
        {
            "id": str(name),
            "label": str(name),
            "frequency": int(row["frequency"]),
            "caseFrequency": int(row["case_frequency"]),
            "start": int(row["start"]),
            "end": int(row["end"]),
        }
        for name, row in table.iterrows()
    ]
    edges = [
        {
            "source": str(row["source"]),
            "target": str(row["target"]),
            "frequency": int(row["frequency"]),
            "caseFrequency": int(row["case_frequency"]),
            "waiting": {
                "mean": _seconds(row["waiting_mean"]),
                "median": _seconds(row["waiting_median"]),
                "p90": _seconds(row["waiting_p90"]),
            },
        }
        for _, row in graph.iterrows()
    ]
    zero = {"mean": 0.0, "median": 0.0, "p90": 0.0}
    for node in nodes:
        if node["start"]:
            edges.append(_virtual(START_NODE, node["id"], node["start"], zero))
        if node["end"]:
            edges.append(_virtual(node["id"], END_NODE, node["end"], zero))
    return {
        "version": MAP_VERSION,
        "nodes": nodes,
        "edges": edges,
        "cases": int(frame[cols.case].nunique()),
        "events": len(frame),
        "startNode": START_NODE,
        "endNode": END_NODE,
    }


def _virtual(source: str, target: str, cases: int, waiting: dict[str, float]) -> dict[str, Any]:
    return {
        "source": source,
        "target": target,
        "frequency": cases,
        "caseFrequency": cases,
        "waiting": dict(waiting),
    }


def _seconds(value: Any) -> float:
    number = float(value)
    return round(number, 3) if math.isfinite(number) else 0.0


def filter_map(document: dict[str, Any], activities: float = 1.0, paths: float = 1.0) -> dict[str, Any]:
    """The map with the most frequent `activities` share of nodes and `paths` share of edges.

    As process-mining tools do, every kept activity keeps its most frequent incoming and
    outgoing edge, so no box floats unconnected; virtual start/end edges follow their node.
    """
    for name, share in (("activities", activities), ("paths", paths)):
        if not 0 < share <= 1:
            raise ValueError(f"{name} must be a share in (0, 1], not {share}")
    nodes = sorted(document["nodes"], key=lambda node: (-node["frequency"], node["id"]))
    kept = {node["id"] for node in nodes[: max(1, math.ceil(activities * len(nodes)))]}
    endpoints = kept | {document.get("startNode"), document.get("endNode")}
    candidates = [e for e in document["edges"] if e["source"] in endpoints and e["target"] in endpoints]
    candidates.sort(key=lambda edge: (-edge["frequency"], edge["source"], edge["target"]))
    chosen = {id(edge) for edge in candidates[: math.ceil(paths * len(candidates))]}
    for node_id in kept:
        for end in ("source", "target"):
            touching = [e for e in candidates if e[end] == node_id]
            if touching:
                chosen.add(id(touching[0]))
    return {
        **document,
        "nodes": [node for node in document["nodes"] if node["id"] in kept],
        "edges": [edge for edge in document["edges"] if id(edge) in chosen],
    }


# -- labels ------------------------------------------------------------------------------


# -- Graphviz ----------------------------------------------------------------------------


def to_dot(document: dict[str, Any], view: str = "frequency") -> str:
    """The map in the DOT language, top to bottom, edge widths and colours by `view`."""
    _check_view(view)
    highest_node = max((n["frequency"] for n in document["nodes"]), default=1)
    real = [e for e in document["edges"] if not is_virtual(document, e)]
    highest_edge = max((edge_value(e, view) for e in real), default=1.0)
    lines = [
        "digraph process_map {",
        '  graph [rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica", bgcolor="white"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, color="#3b5b92"];',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7];',
    ]
    if document.get("startNode"):
        lines.append(
            f'  {_quote(document["startNode"])} [label="", shape=circle, width=0.25, fillcolor="#4caf50"];'
        )
    if document.get("endNode"):
        lines.append(
            f'  {_quote(document["endNode"])} [label="", shape=doublecircle, width=0.2, fillcolor="#e05252"];'
        )
    for node in document["nodes"]:
        shade = weight(node["frequency"], highest_node)
        fill = blend("#e8eef9", "#3b6fc4", shade)
        font = "white" if shade > 0.6 else "black"
        label = f"{node['label']}\n{node['frequency']}"
        lines.append(
            f'  {_quote(node["id"])} [label={_quote(label)}, fillcolor="{fill}", fontcolor="{font}"];'
        )
    for edge in document["edges"]:
        virtual = is_virtual(document, edge)
        share = 0.0 if virtual else weight(edge_value(edge, view), highest_edge)
        color = (
            "#9e9e9e"
            if virtual
            else (
                blend("#9aa7b8", "#c62828", share)
                if view == "performance"
                else blend("#9aa7b8", "#1f3d7a", share)
            )
        )
        label = "" if virtual else edge_label(edge, view)
        lines.append(
            f"  {_quote(edge['source'])} -> {_quote(edge['target'])} "
            f'[label={_quote(label)}, penwidth={1 + 4 * share:.2f}, color="{color}"'
            + (', style="dashed"' if virtual else "")
            + "];"
        )
    lines.append("}")
    return "\n".join(lines)


def _quote(text: str) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def dot_executable() -> str | None:
    """Graphviz's `dot` on PATH, or None (the matplotlib layout is used then)."""
    return shutil.which("dot")


def _run_dot(dot: str, source: str, fmt: str, timeout: float) -> bytes:
    completed = subprocess.run(
        [dot, f"-T{fmt}", "-Gdpi=96"] if fmt == "png" else [dot, f"-T{fmt}"],
        input=source.encode("utf-8"),
        capture_output=True,
        timeout=timeout,
        check=True,
    )
    return completed.stdout


# -- the images ----------------------------------------------------------------------------


def render_images(
    document: dict[str, Any], view: str = "frequency", *, timeout: float = DOT_TIMEOUT_SECONDS
) -> tuple[str, bytes, str]:
    """(SVG text, PNG bytes, engine): drawn by `dot` when available and working, else matplotlib."""
    _check_view(view)
    dot = dot_executable()
    if dot is not None:
        source = to_dot(document, view)
        try:
            svg = _run_dot(dot, source, "svg", timeout).decode("utf-8")
            png = _run_dot(dot, source, "png", timeout)
            return svg, png, "graphviz"
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
            pass  # a broken or slow Graphviz must not cost the analyst the picture
    from mindzie_sdk.layout import draw_with_matplotlib

    svg, png = draw_with_matplotlib(document, view)
    return svg, png, "matplotlib"


def _check_view(view: str) -> None:
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")


def process_map_bundle(
    document: dict[str, Any],
    *,
    view: str = "frequency",
    activities: float = 1.0,
    paths: float = 1.0,
    title: str = "Process map",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The MIME bundle and metadata of one output: the whole map as JSON, the filtered map as images."""
    shown = filter_map(document, activities, paths)
    svg, png, engine = render_images(shown, view)
    plain = (
        f"{title}: {len(shown['nodes'])} of {len(document['nodes'])} activities, "
        f"{sum(not is_virtual(shown, e) for e in shown['edges'])} transitions, "
        f"{document['cases']} cases ({view} view, drawn by {engine})"
    )
    bundle = {
        PROCESS_MAP_MIME: document,
        "image/svg+xml": svg,
        "image/png": base64.b64encode(png).decode("ascii"),
        "text/plain": plain,
    }
    metadata = {
        "title": title,
        PROCESS_MAP_MIME: {"view": view, "activities": activities, "paths": paths, "engine": engine},
    }
    return bundle, metadata


def show_process_map(
    log: pd.DataFrame,
    cols: LogColumns | None = None,
    *,
    view: str = "frequency",
    activities: float = 1.0,
    paths: float = 1.0,
    title: str = "Process map",
) -> dict[str, Any]:
    """Display the process map of `log` as one output and return its JSON document.

    `view` (`frequency` or `performance`), `activities` and `paths` (shares shown) set the
    static images and the interactive map's initial state; the JSON always holds the whole map.
    """
    from IPython.display import display

    document = process_map(log, cols)
    bundle, metadata = process_map_bundle(
        document, view=view, activities=activities, paths=paths, title=title
    )
    display(bundle, raw=True, metadata=metadata)
    return document


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
