"""The API's JSON shapes (camelCase, seed field names) built from store rows and notebooks."""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode

from jupyter_mindzie import humanize
from jupyter_mindzie.clock import iso_from_stamp
from jupyter_mindzie.notebooks.documents import cell_summaries, python_version
from jupyter_mindzie.notebooks.settings import settings_of


def notebook_view(
    row: dict[str, Any],
    nb: NotebookNode,
    *,
    include_content: bool = False,
    settings: dict[str, Any] | None = None,
    version: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The seed's notebook object; with `settings`/`version` it shows an older version."""
    settings = settings or settings_of(row)
    integration = settings["integration"]
    environment = settings["environment"]
    cell_times = {k: iso for k, v in (row.get("cell_times") or {}).items() if (iso := iso_from_stamp(v))}
    return {
        "notebookId": row["notebook_id"],
        "tenantId": row["tenant_id"],
        "projectId": row["project_id"],
        "notebookName": settings["notebookName"],
        "notebookDescription": settings["notebookDescription"],
        "notebookVersion": version["version"] if version else row["version"],
        "kernelType": settings["kernelType"],
        "status": row["status"],
        "integration": {"scheduleTimezone": "UTC", **integration},  # notebooks saved before zones
        "cells": cell_summaries(nb, cell_times, iso_from_stamp(row["date_created"]), include_content),
        "environment": {
            "pythonVersion": row.get("python_version") or python_version(nb),
            "packages": list(environment.get("packages", [])),
            "customLibraries": list(environment.get("customLibraries", [])),
        },
        "dateCreated": iso_from_stamp(row["date_created"]),
        "dateModified": iso_from_stamp(version["date_created"] if version else row["date_modified"]),
        "createdBy": row["created_by"],
        "lastExecutionDate": iso_from_stamp(row.get("last_execution_date")),
        "executionCount": row.get("execution_count") or 0,
        "path": row["path"],
    }


def list_item_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "notebookId": row["notebook_id"],
        "notebookName": row["name"],
        "kernelType": row["kernel_type"],
        "status": row["status"],
        "enrichmentMode": bool(row["enrichment_mode"]),
        "cellCount": row["cell_count"],
        "lastExecutionDate": iso_from_stamp(row.get("last_execution_date")),
        "dateCreated": iso_from_stamp(row["date_created"]),
        "notebookVersion": row["version"],
        "path": row["path"],
    }


def version_view(row: dict[str, Any]) -> dict[str, Any]:
    settings = row.get("settings") or {}
    return {
        "version": row["version"],
        "change": row["change"],
        "createdBy": row.get("created_by"),
        "dateCreated": iso_from_stamp(row["date_created"]),
        "notebookName": settings.get("notebookName"),
    }


def page_view(key: str, items: list[dict[str, Any]], total: int, page: int, page_size: int) -> dict[str, Any]:
    return {
        key: items,
        "totalCount": total,
        "page": page,
        "pageSize": page_size,
        "hasNextPage": page * page_size < total,
    }


def dataset_view(
    row: dict[str, Any], column_types: dict[str, str] | None = None, *, encoding: str | None = None
) -> dict[str, Any]:
    """A dataset; `columnTypes` (column → pandas dtype) when known, as single objects carry it;
    with it `encoding`, what a CSV was uploaded in (it is stored as UTF-8), null for Parquet."""
    view: dict[str, Any] = {
        "datasetId": row["dataset_id"],
        "tenantId": row["tenant_id"],
        "projectId": row["project_id"],
        "name": row["name"],
        "recordCount": row["record_count"],
        "columns": list(row["columns"] or []),
        "format": row["format"],
        "size": row["size"],
        "dateCreated": iso_from_stamp(row["date_created"]),
        "createdBy": row["created_by"],
        # lineage of a table a run published; None for an upload
        "source": _lineage(row.get("lineage")),
        "newColumns": list(row.get("new_columns") or []),
    }
    if column_types is not None:
        view["columnTypes"] = {name: column_types.get(name, "object") for name in view["columns"]}
        view["encoding"] = encoding
    return view


def _lineage(lineage: Any) -> dict[str, Any] | None:
    if not isinstance(lineage, dict):
        return None
    return {key: lineage.get(key) for key in ("executionId", "notebookId", "datasetId")}


# -- executions ---------------------------------------------------------------------------


def progress_view(execution: dict[str, Any]) -> dict[str, Any]:
    total = execution.get("total_cells") or 0
    completed = execution.get("completed_cells") or 0
    finished = execution["status"] != "Running"
    percent = round(100 * completed / total) if total else (100 if finished else 0)
    return {
        "totalCells": total,
        "completedCells": completed,
        "successfulCells": execution.get("successful_cells") or 0,
        "failedCells": execution.get("failed_cells") or 0,
        "currentCellIndex": execution.get("current_cell_index") or 0,
        "percentComplete": 100 if finished and execution["status"] == "Completed" else percent,
    }


def execution_accepted_view(execution: dict[str, Any]) -> dict[str, Any]:
    """The seed's 202 body for `…/execute`."""
    return {
        "executionId": execution["execution_id"],
        "notebookId": execution["notebook_id"],
        "status": execution["status"],
        "phase": execution["phase"],
        "startTime": iso_from_stamp(execution["start_time"]),
        "estimatedDuration": execution.get("estimated_duration", "unknown"),
        "currentCell": execution.get("current_cell"),
        "progress": progress_view(execution),
        "parameters": execution.get("parameters") or {},
        "priority": execution.get("priority"),
    }


def execution_view(
    execution: dict[str, Any],
    cells: list[dict[str, Any]] | None,
    artifacts: list[dict[str, Any]],
    queue_position: int | None,
    attempts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The seed's execution status, with numeric twins of its human durations and sizes.

    `cells` None leaves `cellResults` out (asked for with ?includeCells=false); `attempts` are
    the ended attempts before the current one (execution/retries.py).
    """

    resources = execution.get("resources") or {}
    outputs = [a for a in artifacts if a["kind"] == "output"]
    enriched = [a for a in artifacts if a["kind"] == "enriched"]
    first = (enriched[0].get("meta") or {}) if enriched else None
    view: dict[str, Any] = {
        "executionId": execution["execution_id"],
        "notebookId": execution["notebook_id"],
        "status": execution["status"],
        "phase": execution["phase"],
        "startTime": iso_from_stamp(execution["start_time"]),
        "endTime": iso_from_stamp(execution.get("end_time")),
        "totalDuration": humanize.duration(execution.get("total_seconds")),
        "totalDurationSeconds": execution.get("total_seconds"),
        "currentCell": execution.get("current_cell"),
        "progress": progress_view(execution),
        "cellResults": None if cells is None else [cell_result_view(cell) for cell in cells],
        "outputs": {
            "dataFrames": len(enriched)
            + sum(
                1
                for a in outputs
                if (a.get("meta") or {}).get("outputType") == "execute_result"
                and a["content_type"] == "text/html"
            ),
            "plots": sum(1 for a in outputs if a["content_type"].startswith("image/")),
            "models": sum(1 for a in artifacts if a["kind"] == "model"),
            "enrichedData": {
                "recordCount": first.get("recordCount"),
                "newColumns": first.get("newColumns", []),
            }
            if first
            else None,
        },
        "resources": {
            "peakMemoryUsage": humanize.size(resources.get("peakMemoryBytes")),
            "cpuTime": humanize.duration(resources.get("cpuTimeSeconds")),
            "diskUsage": humanize.size(resources.get("diskUsageBytes")),
            "peakMemoryBytes": resources.get("peakMemoryBytes"),
            "cpuTimeSeconds": resources.get("cpuTimeSeconds"),
            "diskUsageBytes": resources.get("diskUsageBytes"),
        },
        "parameters": execution.get("parameters") or {},
        "priority": execution.get("priority"),
        "source": execution.get("source"),
        "notebookVersion": execution.get("notebook_version"),
        "errorType": execution.get("error_type"),
        "errorMessage": execution.get("error_message"),
    }
    view.update(attempts_view(execution, attempts or []))
    if queue_position is not None:
        view["queuePosition"] = queue_position
    if cells is None:
        del view["cellResults"]
    return view


def attempts_view(execution: dict[str, Any], ended: list[dict[str, Any]]) -> dict[str, Any]:
    """`attempt`, `attempts[]` (the ended ones, then the current one, which the row describes)
    and, while a retry waits its delay, `nextAttemptTime`."""
    current = {**execution, "attempt": execution.get("attempt") or 1}
    view: dict[str, Any] = {
        "attempt": current["attempt"],
        "attempts": [
            {
                "attempt": row["attempt"],
                "status": row["status"],
                "startTime": iso_from_stamp(row.get("start_time")),
                "endTime": iso_from_stamp(row.get("end_time")),
                "errorType": row.get("error_type"),
                "errorMessage": row.get("error_message"),
            }
            for row in [*ended, current]
        ],
    }
    if execution.get("retry_at") and execution["phase"] == "Queued" and execution["status"] == "Running":
        view["nextAttemptTime"] = iso_from_stamp(execution["retry_at"])
    return view


def cell_result_view(cell: dict[str, Any]) -> dict[str, Any]:
    return {
        "cellId": cell["cell_id"],
        "status": cell["status"],
        "executionTime": humanize.duration(cell["execution_seconds"]),
        "executionTimeSeconds": cell["execution_seconds"],
        "hasOutput": bool(cell["has_output"]),
        "outputType": cell["output_type"],
        "errorType": cell["error_type"],
        "errorMessage": cell["error_message"],
    }


def execution_item_view(execution: dict[str, Any]) -> dict[str, Any]:
    """One line of a notebook's execution history."""

    resources = execution.get("resources") or {}
    return {
        "executionId": execution["execution_id"],
        "status": execution["status"],
        "phase": execution["phase"],
        "startTime": iso_from_stamp(execution["start_time"]),
        "endTime": iso_from_stamp(execution.get("end_time")),
        "totalDuration": humanize.duration(execution.get("total_seconds")),
        "totalDurationSeconds": execution.get("total_seconds"),
        "progress": progress_view(execution),
        "parameters": execution.get("parameters") or {},
        "priority": execution.get("priority"),
        "source": execution.get("source"),
        "notebookVersion": execution.get("notebook_version"),
        "errorType": execution.get("error_type"),
        "peakMemoryBytes": resources.get("peakMemoryBytes"),
        "cpuTimeSeconds": resources.get("cpuTimeSeconds"),
    }
