"""The CPU-bound part of a notebook update: the new cells, their fingerprint and the version's JSON.

Done once per update (the fingerprint and the encoding used to be done twice), and for a large
notebook in the offload worker (`offload.py`), because copying, hashing and encoding 15 MB of
cells holds the GIL for hundreds of milliseconds: a thread would stall the event loop as well.
"""

from __future__ import annotations

import copy
import json
from typing import Any, NamedTuple

from nbformat import NotebookNode

from jupyter_mindzie.notebooks.documents import changed_cell_ids, fingerprint, replace_cells, set_settings
from jupyter_mindzie.offload import MindzieOffload


class Edit(NamedTuple):
    """A notebook after an update, and what the library records of it."""

    notebook: NotebookNode
    cells_hash: str
    changed_ids: list[str]
    text: str  # the version's content: the notebook as JSON


def edit(nb: NotebookNode, cells: list[dict[str, Any]] | None, settings: dict[str, Any]) -> Edit:
    """Blocking and pure: `nb` with `cells` (None: its own) and `settings`; `nb` is left as it was."""
    updated = replace_cells(copy.deepcopy(nb), cells) if cells is not None else copy.deepcopy(nb)
    set_settings(updated, settings)
    return Edit(
        updated, fingerprint(updated), changed_cell_ids(nb, updated), json.dumps(updated, ensure_ascii=False)
    )


async def edit_off_loop(
    offload: MindzieOffload | None,
    nb: NotebookNode,
    cells: list[dict[str, Any]] | None,
    settings: dict[str, Any],
) -> Edit:
    """`edit`, in the offload worker when the notebook or the new cells are large."""
    if offload is None or not offload.large(weight(nb, cells)):
        return edit(nb, cells, settings)
    return await offload.run(edit, nb, cells, settings)


def weight(nb: NotebookNode, cells: list[dict[str, Any]] | None) -> int:
    """About how many characters an edit handles: sources, outputs' texts and data, new cells."""
    total = sum(len(c.get("content", "")) for c in cells or [])
    for cell in nb.cells:
        total += _size(cell.get("source", ""))
        for output in cell.get("outputs", ()):
            total += _size(output.get("text", "")) + sum(_size(v) for v in output.get("data", {}).values())
    return total


def _size(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return sum(len(v) for v in value if isinstance(v, str))
    return 256  # a JSON output: counted as small, its size is not worth a walk
