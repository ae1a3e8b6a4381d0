"""How a process map looks, shared by the Graphviz and the matplotlib drawings: widths, colours, labels."""

from __future__ import annotations

import math
from typing import Any


def duration_label(seconds: float) -> str:
    """A short waiting time for a map: 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def edge_label(edge: dict[str, Any], view: str) -> str:
    if view == "performance":
        return duration_label(edge["waiting"]["median"]) if edge["waiting"]["median"] else ""
    return str(edge["frequency"])


def weight(value: float, highest: float) -> float:
    """0..1 on a square-root scale: rare paths stay visible beside the main flow."""
    return math.sqrt(value / highest) if highest > 0 else 0.0


def edge_value(edge: dict[str, Any], view: str) -> float:
    return float(edge["waiting"]["median"] if view == "performance" else edge["frequency"])


def is_virtual(document: dict[str, Any], edge: dict[str, Any]) -> bool:
    ends = {document.get("startNode"), document.get("endNode")} - {None}
    return edge["source"] in ends or edge["target"] in ends


def blend(low: str, high: str, share: float) -> str:
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))
