"""A notebook's settings: the integration and environment rules the JSON Schemas cannot say."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from nbformat import NotebookNode

from jupyter_mindzie.contract import schemas
from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message

DEFAULT_INTEGRATION: dict[str, Any] = {
    "enrichmentMode": False,
    "datasetBinding": None,
    "outputFormat": "enriched_dataframe",
    "autoExecution": False,
    "scheduleExecution": None,
    "scheduleTimezone": "UTC",
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


def merge_integration(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Field-by-field merge with the rules the schema cannot say: cron syntax, binding case."""
    merged = {**DEFAULT_INTEGRATION, **current, **changes}
    merged["datasetBinding"] = (merged.get("datasetBinding") or "").lower() or None
    cron = merged.get("scheduleExecution") or None
    if cron is not None:
        cron = " ".join(cron.split())
        if len(cron.split(" ")) != 5 or not croniter.is_valid(cron):
            raise InvalidRequest.for_field(
                "integration.scheduleExecution",
                f"must be a 5-field cron expression (minute hour day month weekday), got {cron!r}",
            )
    merged["scheduleExecution"] = cron
    merged["scheduleTimezone"] = checked_zone(merged.get("scheduleTimezone") or "UTC")
    if merged["autoExecution"] and not cron:
        raise InvalidRequest.for_field(
            "integration.scheduleExecution", "is required when autoExecution is true"
        )
    return merged


def checked_zone(name: str) -> str:
    """An IANA time zone name the server's tz database knows (`Europe/Berlin`), else a 400."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest.for_field(
            "integration.scheduleTimezone",
            Message("must be an IANA time zone name such as Europe/Berlin or UTC, got {name!r}", name=name),
        ) from None
    return name


def file_environment(nb: NotebookNode) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The environment an uploaded file declares in `metadata.mindzie`, if it keeps the API's rules."""
    mindzie = nb.metadata.get("mindzie")
    declared = mindzie.get("environment", {}) if isinstance(mindzie, dict) else {}
    problems = schemas.definition_problems("environment", declared)
    if not problems:
        return declared, []
    reasons = "; ".join(f"{p['field'] or 'environment'}: {p['message']}" for p in problems[:3])
    message = f"metadata.mindzie.environment is ignored ({reasons})"
    return {}, [{"code": "environment-ignored", "field": "file", "message": message}]


def merge_environment(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, list[str]]:
    """packages and customLibraries; pythonVersion is read from the kernel, never taken as input."""
    return {
        "packages": list(changes.get("packages", current.get("packages", []))),
        "customLibraries": list(changes.get("customLibraries", current.get("customLibraries", []))),
    }
