"""The store row of a new notebook: its settings, first version, counts and cell timestamps."""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode

from jupyter_mindzie.access import Scope
from jupyter_mindzie.notebooks import versions
from jupyter_mindzie.notebooks.documents import fingerprint
from jupyter_mindzie.notebooks.settings import schedule_of


def new_notebook_row(
    notebook_id: str, scope: Scope, settings: dict[str, Any], nb: NotebookNode, now: str
) -> dict[str, Any]:
    """A schedule set at creation runs as its creator (`schedule_by`), as one set later would."""

    return {
        "notebook_id": notebook_id,
        "tenant_id": scope.tenant_id,
        "project_id": scope.project_id,
        "name": settings["notebookName"],
        "description": settings["notebookDescription"],
        "kernel_type": settings["kernelType"],
        "status": "Ready",
        "version": versions.FIRST,
        "enrichment_mode": int(bool(settings["integration"]["enrichmentMode"])),
        "integration": settings["integration"],
        "environment": settings["environment"],
        "created_by": scope.author,
        "schedule_by": scope.username if schedule_of(settings["integration"]) else None,
        "date_created": now,
        "date_modified": now,
        "execution_count": 0,
        "cell_count": len(nb.cells),
        "cells_hash": fingerprint(nb),
        "cell_times": {cell.id: now for cell in nb.cells},
    }
