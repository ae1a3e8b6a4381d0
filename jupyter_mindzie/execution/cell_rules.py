"""nbclient's and papermill's rules for cells: which are sent to the kernel, which may fail, what a run clears."""

from __future__ import annotations

from nbformat import NotebookNode

SKIP_TAG = "skip-execution"  # nbclient's `skip_cells_with_tag` default


def is_executable(cell: NotebookNode) -> bool:
    """A code cell nbclient would send to the kernel: not empty, not tagged `skip-execution`."""
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    return bool(text.strip()) and SKIP_TAG not in cell.get("metadata", {}).get("tags", [])


def clear_outputs(nb: NotebookNode) -> None:
    """Forget what earlier runs left, as papermill does before it runs: a run's notebook, results
    and report then hold only what this run produced, and cells it did not run stay empty."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.get("metadata", {}).pop("execution", None)


def may_fail(cell: NotebookNode) -> bool:
    """nbclient's `raises-exception` tag: the cell is expected to fail, and the run goes on."""
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])
