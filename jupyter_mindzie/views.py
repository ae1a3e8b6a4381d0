"""The API's JSON shapes (camelCase, seed field names) built from store rows and notebooks."""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode

from .clock import iso_from_stamp
from .notebooks import cell_summaries, python_version


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
    cell_times = {k: iso_from_stamp(v) for k, v in (row.get("cell_times") or {}).items()}
    return {
        "notebookId": row["notebook_id"],
        "tenantId": row["tenant_id"],
        "projectId": row["project_id"],
        "notebookName": settings["notebookName"],
        "notebookDescription": settings["notebookDescription"],
        "notebookVersion": version["version"] if version else row["version"],
        "kernelType": settings["kernelType"],
        "status": row["status"],
        "integration": dict(integration),
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


def settings_of(row: dict[str, Any]) -> dict[str, Any]:
    """The settings kept with each version and in the file's `metadata.mindzie`."""
    return {
        "notebookId": row["notebook_id"],
        "tenantId": row["tenant_id"],
        "projectId": row["project_id"],
        "notebookName": row["name"],
        "notebookDescription": row.get("description"),
        "kernelType": row["kernel_type"],
        "integration": row["integration"],
        "environment": row["environment"],
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
