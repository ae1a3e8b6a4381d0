"""How rows are written and read: which columns hold JSON, and what a history line shows.

Backend-neutral, so every store encodes the same columns the same way.
"""

from __future__ import annotations

import json
from typing import Any

HISTORY_COLUMNS = (
    "execution_id",
    "status",
    "phase",
    "priority",
    "parameters",
    "notebook_version",
    "source",
    "date_queued",
    "start_time",
    "end_time",
    "total_seconds",
    "current_cell_index",
    "total_cells",
    "completed_cells",
    "successful_cells",
    "failed_cells",
    "error_type",
    "resources",
)
"""The columns of a history line: not `cell_ids` and `options`, whose decoding on every poll of
a long run's history would be most of its cost."""

JSON_COLUMNS = frozenset(
    {
        "integration",
        "environment",
        "cell_times",
        "settings",
        "columns",
        "parameters",
        "options",
        "resources",
        "meta",
        "cell_ids",
        "lineage",
        "new_columns",
    }
)


def encode(row: dict[str, Any]) -> dict[str, Any]:
    """The row as stored: JSON columns as text (non-ASCII kept readable), None kept as NULL."""
    return {
        key: json.dumps(value, ensure_ascii=False) if key in JSON_COLUMNS and value is not None else value
        for key, value in row.items()
    }


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """The row as callers see it: JSON columns parsed back."""
    return {
        key: json.loads(value) if key in JSON_COLUMNS and isinstance(value, str) else value
        for key, value in row.items()
    }
